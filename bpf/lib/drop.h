/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * drop: every packet the datapath refuses is counted under a named reason
 * (enum xnet_drop_reason) in the per-CPU xnet_drops map, so `xnet` and
 * bpftool can say why traffic disappears. Per-CPU: no atomics on the hot path.
 */
#ifndef XNET_LIB_DROP_H
#define XNET_LIB_DROP_H

#include "lib/ctx.h"
#include "lib/maps.h"

static __always_inline int drop(struct __sk_buff *ctx, enum xnet_drop_reason reason)
{
	__u32 key = reason;
	struct xnet_drop_counter *cnt = bpf_map_lookup_elem(&xnet_drops, &key);

	if (cnt) {
		cnt->packets++;
		cnt->bytes += ctx_len(ctx);
	}
	return TC_ACT_SHOT;
}

#endif /* XNET_LIB_DROP_H */
