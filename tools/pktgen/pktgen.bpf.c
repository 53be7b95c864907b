// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktgen: the generator side of xnet-pktgen. Run with BPF_PROG_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES): the kernel hands it the
 * template frame built by tools/pktgen/packet.c, repeat times, and every
 * XDP_REDIRECT it returns becomes a real frame sent out of cfg_ifindex.
 *
 * Flow spread: the source port (then the source address) is taken from a
 * per-CPU counter, so hashing and conntrack on the receiving side see
 * src_port_count * src_ip_count flows. With cfg_stride CPUs sending (one
 * thread pinned to each of CPUs 0..cfg_stride-1), CPU c sends frames c,
 * c + stride, c + 2 * stride, ... of the walk: together the walk from its
 * start, no frame twice. Frames live in page-pool pages that
 * are recycled with whatever was written into them: by this program, and by
 * whoever received the frame, when the receiving veth turned it into an skb
 * on the same page and a tc program edited it in place (xnet's DNS answers
 * swap addresses and rewrite the message). So with cfg_tmpl_len set every
 * frame starts as a fresh copy of the template (tmpl), every field is then
 * written absolutely, and the checksums are derived from the template's
 * checksums (RFC 1624), never from the current content of the page.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Filled in by xnet-pktgen before load. */
const volatile __u32 cfg_ifindex = 0;	/* 0: XDP_TX */
const volatile __u32 cfg_ip_off = 14;	/* offset of the IPv4 header */
const volatile __u32 cfg_l4_off = 34;	/* offset of the UDP/TCP header */
const volatile __u32 cfg_l4_csum_off = 6;	/* checksum offset within L4 (UDP 6, TCP 16) */
const volatile __u32 cfg_udp = 1;	/* a zero UDP checksum is sent as 0xffff */
const volatile __u32 cfg_src_ip = 0;	/* host order, first source address */
const volatile __u32 cfg_src_ip_count = 1;
const volatile __u32 cfg_src_port = 0;	/* host order, first source port */
const volatile __u32 cfg_src_port_count = 1;
const volatile __u32 cfg_ip_csum = 0;	/* template checksums, host order of the wire value */
const volatile __u32 cfg_l4_csum = 0;
const volatile __u32 cfg_tmpl_len = 0;	/* bytes of tmpl restored into every frame, 0: none */
const volatile __u32 cfg_stride = 1;	/* CPUs sending: frame seq * stride + CPU of the walk */

/* The template frame (PG_MAX_SIZE of tools/pktgen/packet.h), set before load. */
#define PKTGEN_TMPL_MAX 1500
__u8 tmpl[PKTGEN_TMPL_MAX];

/*
 * Set by xnet-pktgen for its probe (one live-frames run that must not send
 * anything nor move the walk): drop the frame untouched.
 */
__u32 probe;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pktgen_seq SEC(".maps");

static __always_inline __u32 fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over the 16-bit words that changed. */
static __always_inline __u16 csum_replace(__u32 csum, __u32 sum_old, __u32 sum_new)
{
	__u32 s = (~csum & 0xffff) + (~fold(sum_old) & 0xffff) + fold(sum_new);

	s = fold(s);
	return (__u16)(~s & 0xffff);
}

SEC("xdp")
int xnet_pktgen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 key = 0, ip_off = cfg_ip_off, l4_off = cfg_l4_off, csum_off = cfg_l4_csum_off;
	__u32 ports = cfg_src_port_count ? cfg_src_port_count : 1;
	__u32 ips = cfg_src_ip_count ? cfg_src_ip_count : 1;
	__u32 port, ip, old_ip, sum_old, sum_new, idx;
	__u16 l4c;
	__u32 tlen = cfg_tmpl_len;
	__u64 *seq;

	if (probe)
		return XDP_DROP;
	if (tlen) {
		/* The frame's length is the template's: only its bytes can be stale. */
		if (tlen > sizeof(tmpl) || bpf_xdp_store_bytes(ctx, 0, tmpl, tlen))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
	}
	if (ports > 1 || ips > 1) {
		seq = bpf_map_lookup_elem(&pktgen_seq, &key);
		if (!seq)
			return XDP_ABORTED;
		idx = (__u32)(*seq)++;
		if (cfg_stride > 1)
			idx = idx * cfg_stride + bpf_get_smp_processor_id() % cfg_stride;
		if (ip_off > 64 || l4_off > 128 || csum_off > 16)
			return XDP_ABORTED;
		__u8 *iph = (__u8 *)data + ip_off;
		__u8 *l4 = (__u8 *)data + l4_off;
		if ((void *)(iph + 20) > data_end || (void *)(l4 + 20) > data_end)
			return XDP_ABORTED;

		port = cfg_src_port + idx % ports;
		ip = cfg_src_ip + (idx / ports) % ips;
		old_ip = cfg_src_ip;

		/* IPv4 header checksum: only the source address changed. */
		__u16 ipc = csum_replace(cfg_ip_csum, (old_ip >> 16) + (old_ip & 0xffff),
					 (ip >> 16) + (ip & 0xffff));
		/* L4 checksum: pseudo-header source address and the source port. */
		sum_old = fold((old_ip >> 16) + (old_ip & 0xffff) + cfg_src_port);
		sum_new = fold((ip >> 16) + (ip & 0xffff) + port);
		l4c = csum_replace(cfg_l4_csum, sum_old, sum_new);
		if (cfg_udp && l4c == 0)
			l4c = 0xffff;

		*(__u32 *)(iph + 12) = bpf_htonl(ip);
		*(__u16 *)(iph + 10) = bpf_htons(ipc);
		*(__u16 *)(l4 + 0) = bpf_htons((__u16)port);
		if (csum_off == 6)
			*(__u16 *)(l4 + 6) = bpf_htons(l4c);
		else
			*(__u16 *)(l4 + 16) = bpf_htons(l4c);
	}
	if (cfg_ifindex)
		return bpf_redirect(cfg_ifindex, 0);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
