/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xnet_xdp: the one map of the XDP fast path (bpf/uplink_xdp.bpf.c), shared
 * with user/datapath/, its only writer. Types only, like xnet_abi.h.
 *
 *   xnet_xdp_tx  ARRAY  xnet_if_slot(host veth ifindex) -> struct xnet_xdp_tx
 *
 * An XDP redirect into a veth is transmitted into its peer only while the
 * peer has NAPI (GRO on, or an XDP program of its own); otherwise the kernel
 * drops the frame after the program returned, where no drop reason of ours
 * can count it. So uplink_xdp redirects only to endpoints listed here:
 * those whose host-side veth reported NETDEV_XDP_ACT_NDO_XMIT when the
 * endpoint was set, with that veth's MTU (a larger frame would be dropped
 * the same way). Everything else is left to the tc path.
 *
 * Direct-mapped like xnet_ifcache (headers/xnet_cache.h): a slot names its
 * device, a slot shared by two devices holds one of them, the other simply
 * takes the tc path. Derived data: rebuilt with the caches.
 */
#ifndef XNET_XDP_H
#define XNET_XDP_H

#include <linux/types.h>

#define XNET_XDP_TX_MAP		"xnet_xdp_tx"

struct xnet_xdp_tx {
	__u32 ifindex;		/* the endpoint's host-side veth; 0: empty slot */
	__u32 mtu;		/* its MTU: frames up to mtu + 14 bytes fit */
};

#endif /* XNET_XDP_H */
