// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_netdev: user/kernel/netdev.c against the kernel, on a veth pair of
 * the runner's private namespace: the XDP features through the netdev
 * generic netlink family (a veth takes redirected XDP frames while its
 * peer has NAPI, GRO on), the kernel's error for a device that does not
 * exist, the MTU and the driver's name.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include "test_progs.h"
#include "kernel/netdev.h"

#define SYS(fmt, ...) ({						\
	char ___cmd[1024];						\
	snprintf(___cmd, sizeof(___cmd), fmt, ##__VA_ARGS__);		\
	ASSERT_OK(system(___cmd), ___cmd);				\
})

XT_TEST(netdev)
{
	struct netdev_sock *ns = NULL;
	uint64_t features = 0;
	uint32_t ifindex, mtu = 0;
	char drv[32];
	int err;

	if (!SYS("ip link add xnd0 mtu 1400 type veth peer name xnd0p && ip link set xnd0 up && "
		 "ip link set xnd0p up"))
		return;
	ifindex = if_nametoindex("xnd0");
	if (!ASSERT_NEQ(ifindex, 0, "ifindex of xnd0"))
		goto out;

	if (xt__start_subtest("mtu_and_driver")) {
		ASSERT_OK(netdev__mtu(ifindex, &mtu), "netdev__mtu");
		ASSERT_EQ(mtu, 1400, "MTU of xnd0");
		netdev__driver(ifindex, drv, sizeof(drv));
		ASSERT_STREQ(drv, "veth", "driver of xnd0");
		ASSERT_TRUE(netdev__mtu(0x7ffffff0, &mtu) < 0, "MTU of a device that does not exist");
		netdev__driver(0x7ffffff0, drv, sizeof(drv));
		ASSERT_STREQ(drv, "", "driver of a device that does not exist");
	}

	if (xt__start_subtest("xdp_features")) {
		err = netdev__open(&ns);
		if (err == -ENOENT) {
			xt__skip("the kernel has no netdev genetlink family (before 6.3)");
			goto out;
		}
		if (!ASSERT_OK(err, "netdev__open"))
			goto out;
		/* The kernel marks a veth as a redirect target when GRO of its peer changes (veth_set_features). */
		if (!SYS("ethtool -K xnd0p gro off >/dev/null && ethtool -K xnd0p gro on >/dev/null"))
			goto out;
		ASSERT_OK(netdev__xdp_features(ns, ifindex, &features), "xdp_features, GRO on");
		ASSERT_TRUE(features & NETDEV_XDP_NDO_XMIT, "NDO_XMIT while the peer has GRO on");
		if (!SYS("ethtool -K xnd0p gro off >/dev/null"))
			goto out;
		/* The same socket, a second question: without NAPI on the peer, no redirect target. */
		ASSERT_OK(netdev__xdp_features(ns, ifindex, &features), "xdp_features, GRO off");
		ASSERT_FALSE(features & NETDEV_XDP_NDO_XMIT, "NDO_XMIT while the peer has GRO off");
		/* The kernel's own errno for a device it does not know. */
		ASSERT_EQ(netdev__xdp_features(ns, 0x7ffffff0, &features), -ENODEV,
			  "xdp_features of a device that does not exist");
		/* No socket: one is opened for this question alone. */
		ASSERT_OK(netdev__xdp_features(NULL, ifindex, &features), "xdp_features without a socket");
		ASSERT_FALSE(features & NETDEV_XDP_NDO_XMIT, "NDO_XMIT, asked without a socket");
	}
out:
	netdev__close(ns);
	system("ip link del xnd0 2>/dev/null");
}
