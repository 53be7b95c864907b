// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lxc: bpf/lxc.bpf.c (tc ingress of an endpoint's host-side veth)
 * under BPF_PROG_RUN, one subtest per table row: the frame a sandbox sends,
 * and what must happen to it (verdict, redirect target, drop reason, bytes
 * that leave). Topology in fixture.h.
 */
#include "test_progs.h"
#include "cases.h"
#include "lxc.test.skel.h"

static const __u8 MAC_MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const __u8 MAC_SPOOF[6] = MAC4(10, 1, 0, 77);

static const struct fx_case cases[] = {
	/* ARP responder: answers from the maps, byte-exact, back into the asker. */
	{ "arp_gateway_reply", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1), ARP_REPLY(DEV_A, MAC_GW1) },
	{ "arp_peer_reply", DEV_A, ARPREQ(MAC_A, IP_A, IP_B), ARP_REPLY(DEV_A, MAC_B) },
	{ "arp_peer_reply_other_port", DEV_C, ARPREQ(MAC_C, IP_C, IP_A), ARP_REPLY(DEV_C, MAC_A) },
	{ "arp_unicast_revalidation", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, .dst = MAC_GW1),
	  ARP_REPLY(DEV_A, MAC_GW1) },
	{ "arp_gateway_reply_icc_off", DEV_E, ARPREQ(MAC_E, IP_E, IP_GW3), ARP_REPLY(DEV_E, MAC_GW3) },
	{ "arp_other_network", DEV_A, ARPREQ(MAC_A, IP_A, IP_D), DROP(XNET_DROP_OTHER_NETWORK) },
	{ "arp_other_gateway", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW2), DROP(XNET_DROP_ARP_UNANSWERED) },
	{ "arp_unknown", DEV_A, ARPREQ(MAC_A, IP_A, IP4(10, 1, 0, 99)), DROP(XNET_DROP_ARP_UNANSWERED) },
	{ "arp_icc_disabled", DEV_E, ARPREQ(MAC_E, IP_E, IP_F), DROP(XNET_DROP_ICC_DISABLED) },
	{ "arp_reply_dropped", DEV_A, ARPREQ(MAC_A, IP_A, IP_B, .op = 2, .dst = MAC_B),
	  DROP(XNET_DROP_ARP_OTHER) },
	{ "arp_gratuitous_dropped", DEV_A, ARPREQ(MAC_A, IP_A, IP_A), DROP(XNET_DROP_ARP_OTHER) },
	{ "arp_spoofed_sender_mac", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, .sha = MAC_SPOOF),
	  DROP(XNET_DROP_SPOOF_MAC) },
	{ "arp_spoofed_sender_ip", DEV_A, ARPREQ(MAC_A, IP_B, IP_GW1), DROP(XNET_DROP_SPOOF_IP) },
	{ "arp_spoofed_eth_source", DEV_A, ARPREQ(MAC_B, IP_B, IP_GW1), DROP(XNET_DROP_SPOOF_MAC) },
	{ "arp_truncated", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, .len = 14 + 20), DROP(XNET_DROP_INVALID_ARP) },
	{ "arp_header_only", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, .len = 14), DROP(XNET_DROP_INVALID_ARP) },
	{ "arp_bad_htype", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, PATCH({ ARP_OFF + 1, 6 })),
	  DROP(XNET_DROP_INVALID_ARP) },
	{ "arp_bad_ptype", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, PATCH({ ARP_OFF + 2, 0x86 }, { ARP_OFF + 3, 0xdd })),
	  DROP(XNET_DROP_INVALID_ARP) },
	{ "arp_bad_hlen", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, PATCH({ ARP_OFF + 4, 8 })),
	  DROP(XNET_DROP_INVALID_ARP) },
	{ "arp_bad_plen", DEV_A, ARPREQ(MAC_A, IP_A, IP_GW1, PATCH({ ARP_OFF + 5, 16 })),
	  DROP(XNET_DROP_INVALID_ARP) },

	/* Unicast IPv4 between endpoints: straight into the peer, untouched. */
	{ "unicast_peer", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B), PEER(DEV_B) },
	{ "unicast_peer_reverse", DEV_C, UDP(MAC_A, MAC_C, IP_C, IP_A), PEER(DEV_A) },
	{ "unicast_unknown_mac", DEV_A, UDP(MAC_NOBODY, MAC_A, IP_A, IP_B), DROP(XNET_DROP_UNKNOWN_DST) },
	{ "unicast_other_network_mac", DEV_A, UDP(MAC_D, MAC_A, IP_A, IP_D), DROP(XNET_DROP_OTHER_NETWORK) },
	{ "unicast_icc_disabled", DEV_E, UDP(MAC_F, MAC_E, IP_E, IP_F), DROP(XNET_DROP_ICC_DISABLED) },
	{ "unicast_other_gateway_mac", DEV_A, UDP(MAC_GW2, MAC_A, IP_A, IP_D), DROP(XNET_DROP_UNKNOWN_DST) },

	/* To the gateway MAC: up to the host on the gateway device. */
	{ "gateway_outside", DEV_A, UDP(MAC_GW1, MAC_A, IP_A, IP4(8, 8, 8, 8)), TO_HOST(DEV_GW1) },
	{ "gateway_own_ip", DEV_A, UDP(MAC_GW1, MAC_A, IP_A, IP_GW1), TO_HOST(DEV_GW1) },
	{ "gateway_own_subnet", DEV_A, UDP(MAC_GW1, MAC_A, IP_A, IP_B), TO_HOST(DEV_GW1) },
	{ "gateway_icc_off_net", DEV_E, UDP(MAC_GW3, MAC_E, IP_E, IP4(1, 1, 1, 1)), TO_HOST(DEV_GW3) },
	{ "gateway_other_network", DEV_A, UDP(MAC_GW1, MAC_A, IP_A, IP_D), DROP(XNET_DROP_OTHER_NETWORK) },
	{ "gateway_other_network_gw_ip", DEV_A, UDP(MAC_GW1, MAC_A, IP_A, IP_GW2),
	  DROP(XNET_DROP_OTHER_NETWORK) },

	/* Anti-spoofing and unknown senders. */
	{ "spoofed_source_mac", DEV_A, UDP(MAC_B, MAC_SPOOF, IP_A, IP_B), DROP(XNET_DROP_SPOOF_MAC) },
	{ "spoofed_source_ip", DEV_A, UDP(MAC_B, MAC_A, IP4(10, 1, 0, 77), IP_B), DROP(XNET_DROP_SPOOF_IP) },
	{ "spoofed_peer_identity", DEV_A, UDP(MAC_C, MAC_B, IP_B, IP_C), DROP(XNET_DROP_SPOOF_MAC) },
	{ "unknown_endpoint", DEV_U, UDP(MAC_B, MAC_A, IP_A, IP_B), DROP(XNET_DROP_UNKNOWN_ENDPOINT) },
	{ "endpoint_without_network", DEV_G, UDP(MAC_GW1, MAC_G, IP_G, IP_A), DROP(XNET_DROP_NO_NETWORK) },

	/* Broadcast and multicast: a copy to every other port of the network. */
	{ "flood_broadcast", DEV_A, UDP(MAC_BCAST, MAC_A, IP_A, IP4(10, 1, 255, 255)), FLOOD(DEV_B, DEV_C) },
	{ "flood_broadcast_middle_port", DEV_B, UDP(MAC_BCAST, MAC_B, IP_B, IP4(255, 255, 255, 255)),
	  FLOOD(DEV_A, DEV_C) },
	{ "flood_multicast", DEV_C, UDP(MAC_MCAST, MAC_C, IP_C, IP4(224, 0, 0, 251)), FLOOD(DEV_A, DEV_B) },
	{ "flood_single_port", DEV_D, UDP(MAC_BCAST, MAC_D, IP_D, IP4(10, 2, 255, 255)), FLOOD(DEV_NONE) },
	{ "flood_icc_disabled", DEV_E, UDP(MAC_BCAST, MAC_E, IP_E, IP4(10, 3, 255, 255)),
	  DROP(XNET_DROP_ICC_DISABLED) },
	{ "flood_spoofed_source_ip", DEV_A, UDP(MAC_BCAST, MAC_A, IP_B, IP4(10, 1, 255, 255)),
	  DROP(XNET_DROP_SPOOF_IP) },

	/* Malformed IPv4. */
	{ "ip_eth_header_only", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .len = 14), DROP(XNET_DROP_INVALID_IP) },
	{ "ip_truncated_header", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .len = 14 + 19), DROP(XNET_DROP_INVALID_IP) },
	{ "ip_ihl_below_5", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, PATCH({ IP_OFF, 0x44 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_options_forwarded", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .opt_words = 2), PEER(DEV_B) },
	{ "ip_max_options_forwarded", DEV_A, UDP(MAC_GW1, MAC_A, IP_A, IP4(8, 8, 4, 4), .opt_words = 10),
	  TO_HOST(DEV_GW1) },
	{ "ip_options_beyond_packet", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .len = 14 + 24, .opt_words = 2),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_ihl_beyond_packet", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .payload = 4, PATCH({ IP_OFF, 0x4f })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_too_big", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, PATCH({ IP_OFF + 2, 0x01 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_one_too_big", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, PATCH({ IP_OFF + 3, 47 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_too_small", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 19 })),
	  DROP(XNET_DROP_INVALID_IP) },
	/* IPv4 BIG TCP: tot_len 0 is the length of the skb, for TCP GSO packets only. */
	{ "ip_big_tcp_tot_len_zero", DEV_A,
	  UDP(MAC_B, MAC_A, IP_A, IP_B, .gso_size = 1448, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 0 }, { IP_OFF + 9, 6 })),
	  PEER(DEV_B) },
	{ "ip_tot_len_zero_not_gso", DEV_A,
	  UDP(MAC_B, MAC_A, IP_A, IP_B, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 0 }, { IP_OFF + 9, 6 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_zero_gso_udp", DEV_A,
	  UDP(MAC_B, MAC_A, IP_A, IP_B, .gso_size = 1448, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 0 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_tot_len_below_options", DEV_A,
	  UDP(MAC_B, MAC_A, IP_A, IP_B, .opt_words = 1, PATCH({ IP_OFF + 2, 0 }, { IP_OFF + 3, 20 })),
	  DROP(XNET_DROP_INVALID_IP) },
	{ "ip_ethernet_padding_forwarded", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .payload = 4, .len = 60),
	  PEER(DEV_B) },
	{ "ip_version_6", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, PATCH({ IP_OFF, 0x65 })),
	  DROP(XNET_DROP_INVALID_IP) },

	/* Ethertypes we do not carry. */
	{ "ethertype_ipv6", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .proto = 0x86dd), DROP(XNET_DROP_UNSUPPORTED_L3) },
	{ "ethertype_vlan", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .proto = 0x8100), DROP(XNET_DROP_VLAN) },
	{ "ethertype_qinq", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .proto = 0x88a8), DROP(XNET_DROP_VLAN) },
	{ "ethertype_802_3_length", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .proto = 0x002e),
	  DROP(XNET_DROP_UNSUPPORTED_L3) },
	{ "ethertype_only_frame", DEV_A, UDP(MAC_B, MAC_A, IP_A, IP_B, .proto = 0x86dd, .len = 14),
	  DROP(XNET_DROP_UNSUPPORTED_L3) },
};

/* Run the table with the maps filled raw (ABI maps only) or by datapath.c (caches). */
static void run_table(bool cached)
{
	struct lxc_test *skel = NULL;
	int prog_fd;

	skel = fx_lxc_load(cached);
	if (!skel)
		return;
	prog_fd = bpf_program__fd(skel->progs.lxc_ingress);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!xt__start_subtest(cases[i].name))
			continue;
		fx_run_case(prog_fd, skel->obj, &cases[i], cached);
	}
	lxc_test__destroy(skel);
}

/* Maps as any writer of the ABI would fill them: every answer from the hash maps. */
XT_TEST(lxc)
{
	run_table(false);
}

/* Maps written by user/datapath/: the same answers, from the array caches. */
XT_TEST(lxc_cached)
{
	run_table(true);
}
