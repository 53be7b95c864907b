/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flood: copy a broadcast/multicast frame to every port of one network.
 * The ports are the dense list xnet_ports[(net_id, 0..nports-1)], kept dense
 * by the CLI (append; delete moves the last entry into the hole), so one
 * bpf_loop walks it with no verifier-visible bound beyond XNET_MAX_FLOOD.
 */
#ifndef XNET_LIB_FLOOD_H
#define XNET_LIB_FLOOD_H

#include "lib/maps.h"
#include "lib/redirect.h"

/* bpf_loop context: on the stack, holding the skb (verified pattern). */
struct flood_ctx {
	struct __sk_buff *skb;
	__u32 net_id;
	__u32 skip;		/* ingress port: a sender never hears its own frame */
};

static long flood_one(__u32 idx, void *data)
{
	struct flood_ctx *fc = data;
	struct xnet_port_key key = { .net_id = fc->net_id, .idx = idx };
	__u32 *port = bpf_map_lookup_elem(&xnet_ports, &key);

	/* A hole means nports and the list are being updated: stop, do not guess. */
	if (!port)
		return 1;
	if (*port != fc->skip)
		ctx_clone_redirect(fc->skb, *port);
	return 0;
}

/* Send copies to the ports of @net except @skip (0: none); the caller drops the original. */
static __always_inline void flood(struct __sk_buff *ctx, __u32 net_id,
				  const struct xnet_network *net, __u32 skip)
{
	struct flood_ctx fc = { .skb = ctx, .net_id = net_id, .skip = skip };
	__u32 n = net->nports;

	if (n > XNET_MAX_FLOOD)
		n = XNET_MAX_FLOOD;
	bpf_loop(n, flood_one, &fc, 0);
}

#endif /* XNET_LIB_FLOOD_H */
