/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * redirect: the three ways a packet leaves our programs, wrapped so that an
 * XNET_SELFTEST build can record the target (lib/record.h). In production
 * the wrappers are the bare helpers.
 */
#ifndef XNET_LIB_REDIRECT_H
#define XNET_LIB_REDIRECT_H

#include "lib/ctx.h"
#include "lib/record.h"

/* Into the namespace of @ifindex's veth peer, skipping the backlog queue (tc ingress only). */
static __always_inline int ctx_redirect_peer(__u32 ifindex)
{
	st_record(XNET_ST_REDIRECT_PEER, ifindex, 0);
	return bpf_redirect_peer(ifindex, 0);
}

/* Out of @ifindex, or into it with BPF_F_INGRESS. */
static __always_inline int ctx_redirect(__u32 ifindex, __u64 flags)
{
	st_record(XNET_ST_REDIRECT, ifindex, (__u32)flags);
	return bpf_redirect(ifindex, flags);
}

/* A copy out of @ifindex; the original stays with the caller (floods). */
static __always_inline long ctx_clone_redirect(struct __sk_buff *ctx, __u32 ifindex)
{
	st_record_clone(ifindex);
	return bpf_clone_redirect(ctx, ifindex, 0);
}

#endif /* XNET_LIB_REDIRECT_H */
