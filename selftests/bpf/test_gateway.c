// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_gateway: bpf/gateway.bpf.c (tc egress of a network's gateway device)
 * under BPF_PROG_RUN: frames the host routes towards sandboxes, addressed to
 * the gateway device's own MAC because the device has ARP off.
 */
#include "test_progs.h"
#include "cases.h"
#include "gateway.test.skel.h"

static const __u8 MAC_MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const __u8 MAC_MCAST_HIGH[6] = { 0x01, 0x00, 0x5e, 0x7f, 0xfe, 0xfd };
static const __u8 MAC_ODD[6] = { 0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

#define FROM_HOST(gw_mac, da, ...)	UDP(gw_mac, gw_mac, IP4(192, 168, 77, 1), da, __VA_ARGS__)

static const struct fx_case cases[] = {
	/* Unicast: the endpoint's MAC, from the gateway, out of its host-side veth. */
	{ "to_endpoint", DEV_GW1, FROM_HOST(MAC_GW1, IP_A), TO_EP(DEV_A, MAC_A, MAC_GW1) },
	{ "to_endpoint_from_gw_ip", DEV_GW1, UDP(MAC_GW1, MAC_GW1, IP_GW1, IP_C), TO_EP(DEV_C, MAC_C, MAC_GW1) },
	{ "to_endpoint_source_rewritten", DEV_GW1, UDP(MAC_ODD, MAC_ODD, IP_GW1, IP_B),
	  TO_EP(DEV_B, MAC_B, MAC_GW1) },
	{ "to_endpoint_net2", DEV_GW2, FROM_HOST(MAC_GW2, IP_D), TO_EP(DEV_D, MAC_D, MAC_GW2) },
	{ "to_endpoint_icc_off_net", DEV_GW3, FROM_HOST(MAC_GW3, IP_F), TO_EP(DEV_F, MAC_F, MAC_GW3) },
	{ "to_endpoint_with_options", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .opt_words = 3),
	  TO_EP(DEV_A, MAC_A, MAC_GW1) },
	{ "to_endpoint_padded", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .payload = 2, .len = 60),
	  TO_EP(DEV_A, MAC_A, MAC_GW1) },
	{ "unknown_destination", DEV_GW1, FROM_HOST(MAC_GW1, IP4(10, 1, 0, 99)), DROP(XNET_DROP_UNKNOWN_DST) },
	{ "outside_every_subnet", DEV_GW1, FROM_HOST(MAC_GW1, IP4(172, 16, 0, 5)), DROP(XNET_DROP_UNKNOWN_DST) },
	{ "other_network", DEV_GW1, FROM_HOST(MAC_GW1, IP_D), DROP(XNET_DROP_OTHER_NETWORK) },
	{ "other_network_reverse", DEV_GW2, FROM_HOST(MAC_GW2, IP_A), DROP(XNET_DROP_OTHER_NETWORK) },

	/* Broadcast and multicast from the host: every port, group MAC written. */
	{ "flood_subnet_broadcast", DEV_GW1, FROM_HOST(MAC_GW1, IP4(10, 1, 255, 255)),
	  FLOOD_MACS(MAC_BCAST, MAC_GW1, DEV_A, DEV_B, DEV_C) },
	{ "flood_limited_broadcast", DEV_GW1, FROM_HOST(MAC_GW1, IP4(255, 255, 255, 255)),
	  FLOOD_MACS(MAC_BCAST, MAC_GW1, DEV_A, DEV_B, DEV_C) },
	{ "flood_multicast", DEV_GW1, FROM_HOST(MAC_MCAST, IP4(224, 0, 0, 251)),
	  FLOOD_MACS(MAC_MCAST, MAC_GW1, DEV_A, DEV_B, DEV_C) },
	{ "flood_multicast_high_bits", DEV_GW1, FROM_HOST(MAC_GW1, IP4(239, 255, 254, 253)),
	  FLOOD_MACS(MAC_MCAST_HIGH, MAC_GW1, DEV_A, DEV_B, DEV_C) },
	{ "flood_net2_broadcast", DEV_GW2, FROM_HOST(MAC_GW2, IP4(10, 2, 255, 255)),
	  FLOOD_MACS(MAC_BCAST, MAC_GW2, DEV_D) },
	{ "flood_icc_off_net", DEV_GW3, FROM_HOST(MAC_GW3, IP4(10, 3, 255, 255)),
	  FLOOD_MACS(MAC_BCAST, MAC_GW3, DEV_E, DEV_F) },
	{ "other_subnet_broadcast", DEV_GW1, FROM_HOST(MAC_GW1, IP4(10, 2, 255, 255)),
	  DROP(XNET_DROP_UNKNOWN_DST) },

	/*
	 * Forwarded frames: from a sandbox through its gateway (the host routing
	 * within a network) they pass; routed in from any other device (the
	 * uplink, a device that is not ours) they never reach a sandbox.
	 */
	{ "forwarded_from_gateway", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .ingress = DEV_GW1),
	  TO_EP(DEV_A, MAC_A, MAC_GW1) },
	{ "forwarded_from_other_gateway", DEV_GW3, FROM_HOST(MAC_GW3, IP_E, .ingress = DEV_GW1),
	  TO_EP(DEV_E, MAC_E, MAC_GW3) },
	{ "routed_from_uplink", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .ingress = DEV_UP),
	  DROP(XNET_DROP_ROUTED_TO_SANDBOX) },
	{ "routed_from_other_device", DEV_GW2, FROM_HOST(MAC_GW2, IP_D, .ingress = DEV_U),
	  DROP(XNET_DROP_ROUTED_TO_SANDBOX) },
	{ "routed_broadcast_from_uplink", DEV_GW1, FROM_HOST(MAC_GW1, IP4(10, 1, 255, 255), .ingress = DEV_UP),
	  DROP(XNET_DROP_ROUTED_TO_SANDBOX) },

	/* Devices that are not (or no longer) a gateway. */
	{ "not_a_gateway", DEV_U, FROM_HOST(MAC_GW1, IP_A), DROP(XNET_DROP_NO_NETWORK) },
	{ "gateway_of_missing_network", DEV_G, FROM_HOST(MAC_GW1, IP_A), DROP(XNET_DROP_NO_NETWORK) },

	/* IPv4 only, and well formed. */
	{ "ethertype_arp", DEV_GW1, ARPREQ(MAC_GW1, IP_GW1, IP_A), DROP(XNET_DROP_UNSUPPORTED_L3) },
	{ "ethertype_ipv6", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .proto = 0x86dd), DROP(XNET_DROP_UNSUPPORTED_L3) },
	{ "ip_eth_header_only", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .len = 14), DROP(XNET_DROP_INVALID_IP) },
	{ "ip_truncated_header", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, .len = 30), DROP(XNET_DROP_INVALID_IP) },
	{ "ip_ihl_below_5", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, PATCH({ IP_OFF, 0x43 })), DROP(XNET_DROP_INVALID_IP) },
	{ "ip_version_6", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, PATCH({ IP_OFF, 0x65 })), DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_too_big", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, PATCH({ IP_OFF + 2, 0x05 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_too_small", DEV_GW1, FROM_HOST(MAC_GW1, IP_A, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 4 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_big_tcp_tot_len_zero", DEV_GW1,
	  FROM_HOST(MAC_GW1, IP_A, .gso_size = 1448, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 0 }, { IP_OFF + 9, 6 })),
	  TO_EP(DEV_A, MAC_A, MAC_GW1) },
	{ "ip_tot_len_zero_not_gso", DEV_GW1,
	  FROM_HOST(MAC_GW1, IP_A, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 0 }, { IP_OFF + 9, 6 })),
	  DROP(XNET_DROP_INVALID_IP) },
};

/* Run the table with the maps filled raw (ABI maps only) or by datapath.c (caches). */
static void run_table(bool cached)
{
	struct gateway_test *skel = NULL;
	int prog_fd;

	if (!ASSERT_OK(fx_devices(), "create test devices"))
		return;
	if (cached && !fx_dp())
		return;
	skel = gateway_test__open();
	if (!ASSERT_OK_PTR(skel, "gateway_test__open"))
		return;
	if (cached && !ASSERT_OK(fx_reuse_pins(skel->obj), "reuse the datapath's pinned maps"))
		goto out;
	if (!ASSERT_OK(gateway_test__load(skel), "gateway_test__load"))
		goto out;
	if (!cached && !ASSERT_OK(fx_setup_maps(skel->obj), "fill maps"))
		goto out;
	prog_fd = bpf_program__fd(skel->progs.gateway_egress);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!xt__start_subtest(cases[i].name))
			continue;
		fx_run_case(prog_fd, skel->obj, &cases[i], cached);
	}
out:
	gateway_test__destroy(skel);
}

/* Maps as any writer of the ABI would fill them: every answer from the hash maps. */
XT_TEST(gateway)
{
	run_table(false);
}

/* Maps written by user/datapath/: the same answers, from the array caches. */
XT_TEST(gateway_cached)
{
	run_table(true);
}
