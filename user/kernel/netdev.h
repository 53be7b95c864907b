/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netdev: what the kernel says about a network device of the calling
 * thread's namespace: its XDP features (the "netdev" generic netlink
 * family, through libnl-genl-3), its MTU and its driver's name. Knows no
 * xnet type: datapath/ asks it, and so does tools/pktgen (xnet-pktgen).
 * Return 0 or a negative errno.
 */
#ifndef XNET_NETDEV_H
#define XNET_NETDEV_H

#include <stddef.h>
#include <stdint.h>

/*
 * xdp_features bit: an XDP redirect to the device can be transmitted
 * (ndo_xdp_xmit; for a veth, while its peer has NAPI: GRO on, or an XDP
 * program). NETDEV_XDP_ACT_NDO_XMIT of linux/netdev.h (6.3), which Debian
 * 12's headers predate.
 */
#define NETDEV_XDP_NDO_XMIT	(1ULL << 2)

/* A generic netlink socket bound to the netdev family, for several questions in a row. */
struct netdev_sock;

/*
 * Open one. -ENOENT: the kernel has no netdev family (before 6.3), so it
 * cannot tell a device's XDP features.
 */
int netdev__open(struct netdev_sock **s);
void netdev__close(struct netdev_sock *s);	/* NULL is fine */
/*
 * The xdp_features (NETDEV_XDP_*) of ifindex. s: an open socket, or NULL
 * to open one for this question alone. The kernel's errno (-ENODEV), or
 * -ENOENT when its answer has no xdp_features.
 */
int netdev__xdp_features(struct netdev_sock *s, uint32_t ifindex, uint64_t *features);

/* The device's MTU (SIOCGIFMTU). */
int netdev__mtu(uint32_t ifindex, uint32_t *mtu);
/* The name of the device's driver ("veth", "mlx5_core"; ETHTOOL_GDRVINFO), "" when it cannot be read. */
void netdev__driver(uint32_t ifindex, char *buf, size_t len);

#endif /* XNET_NETDEV_H */
