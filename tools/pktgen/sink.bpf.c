// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sink: the receiving side of xnet-pktgen. Attached in native mode to an
 * interface, it counts every frame (packets and bytes, per CPU) and drops it.
 * On a veth it is also what makes the device accept frames redirected into
 * its peer (veth only takes XDP frames when the receiving end runs XDP).
 *
 * xnet_sink_tc does the same at tc ingress (`sink --tc`): it sees what never
 * passes the driver's XDP hook, e.g. packets put into a device's ingress by
 * bpf_redirect_peer (the way xnet delivers into a sandbox).
 *
 * With cfg_udp_sport (`--udp-sport P`) only IPv4 UDP datagrams from that
 * source port are counted and dropped, e.g. the answers of a DNS server;
 * everything else passes untouched, so the host behind the interface keeps
 * its ARP, neighbour discovery and the rest working.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u16 cfg_udp_sport = 0;	/* host order; 0: every frame */

struct sink_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_count);
} sink_counts SEC(".maps");

static __always_inline void sink_count(__u64 len)
{
	__u32 key = 0;
	struct sink_count *c = bpf_map_lookup_elem(&sink_counts, &key);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

/* Whether the frame at data is one to count (see cfg_udp_sport). */
static __always_inline bool sink_wanted(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;

	if (!cfg_udp_sport)
		return true;
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP || ip->ihl < 5)
		return false;
	/* Only a first fragment carries the UDP header. */
	if (ip->frag_off & bpf_htons(0x1fff))
		return false;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return false;
	return udp->source == bpf_htons(cfg_udp_sport);
}

SEC("xdp")
int xnet_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;

	if (!sink_wanted(data, data_end))
		return XDP_PASS;
	sink_count(data_end - data);
	return XDP_DROP;
}

/* skb->len at tc ingress: the frame from its Ethernet header on, as in XDP. */
SEC("tc")
int xnet_sink_tc(struct __sk_buff *skb)
{
	/* Ethernet + IPv4 with options + UDP: the most sink_wanted reads. */
	const __u32 hdrs = ETH_HLEN + 60 + sizeof(struct udphdr);

	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;

	if (cfg_udp_sport && data + hdrs > data_end) {
		/* Headers outside the linear part (rare): pull them in. */
		bpf_skb_pull_data(skb, skb->len < hdrs ? skb->len : hdrs);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	if (!sink_wanted(data, data_end))
		return TC_ACT_OK;
	sink_count(skb->len);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
