/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctx: the few things the programs ask of their context. Both programs are
 * tc (struct __sk_buff); keeping every access behind these helpers means an
 * XDP twin later only needs a ctx/xdp.h with the same names.
 */
#ifndef XNET_LIB_CTX_H
#define XNET_LIB_CTX_H

#include "lib/common.h"

static __always_inline void *ctx_data(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *ctx_data_end(const struct __sk_buff *ctx)
{
	return (void *)(long)ctx->data_end;
}

/* Whole packet length, including bytes outside the linear head (GSO, frags). */
static __always_inline __u32 ctx_len(const struct __sk_buff *ctx)
{
	return ctx->len;
}

/* The device the program runs on (host-side veth, or the gateway device). */
static __always_inline __u32 ctx_ifindex(const struct __sk_buff *ctx)
{
	return ctx->ifindex;
}

/*
 * Make the first @want bytes directly readable. Only called when the linear
 * head is shorter than the headers we parse: packets built by the local
 * stack keep their headers linear, so this is the rare path. A packet that
 * is simply short stays short (the parsers then reject it).
 */
static __always_inline void ctx_pull(struct __sk_buff *ctx, __u32 want)
{
	__u32 linear = ctx->data_end - ctx->data;
	__u32 len = ctx->len;

	if (len > linear)
		bpf_skb_pull_data(ctx, len < want ? len : want);
}

#endif /* XNET_LIB_CTX_H */
