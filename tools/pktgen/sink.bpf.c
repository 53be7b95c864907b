// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sink: the receiving side of xnet-pktgen. Attached in native mode to an
 * interface, it counts every frame (packets and bytes, per CPU) and drops it.
 * On a veth it is also what makes the device accept frames redirected into
 * its peer (veth only takes XDP frames when the receiving end runs XDP).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

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

SEC("xdp")
int xnet_sink(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct sink_count *c = bpf_map_lookup_elem(&sink_counts, &key);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
