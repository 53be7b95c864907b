// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockmap.bpf.c: the probe behind bench/sockmap_probe.sh, not part of xnet.
 *
 * Socket-level redirection, as Cilium's former "sockops acceleration" did
 * it: every TCP connection on loopback port PROBE_PORT in one network
 * namespace (cfg[0], its cookie) is put in a sockhash when established, and
 * each sendmsg() goes straight into the peer socket's receive queue
 * (bpf_msg_redirect_hash with BPF_F_INGRESS), skipping TCP/IP altogether.
 * It is the one way a host-to-published-port path could pass plain
 * loopback's throughput; the probe measures how much, and what becomes of
 * TCP's flow control. Both sides of the connection run in the probe's own
 * namespace; the programs sit on the root cgroup (sockets are matched
 * there on this machine, see ARCHITECTURE.md) and leave every other socket
 * alone.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PROBE_PORT	5299
#define AF_INET		2

struct probe_key {
	__u32 sip, dip;
	__u32 sport, dport;	/* host byte order */
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, struct probe_key);
	__type(value, __u64);
} probe_socks SEC(".maps");

/* [0]: the namespace's cookie; [1]: sockets added; [2]: messages redirected. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} probe_cfg SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&probe_cfg, &i);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline bool ours(__u64 netns_cookie)
{
	__u32 zero = 0;
	__u64 *want = bpf_map_lookup_elem(&probe_cfg, &zero);

	return want && *want && *want == netns_cookie;
}

/*
 * IPv4 and v4-mapped IPv6 sockets alike (iperf3 listens on [::]). Both
 * fields are loaded, volatile, so that the compiler cannot turn the choice
 * into arithmetic on the context pointer, which the verifier refuses.
 */
#define ADDR4(ctx, f4, f6) ({							\
	__u32 _a4 = *(volatile __u32 *)&(ctx)->f4;				\
	__u32 _a6 = *(volatile __u32 *)&(ctx)->f6[3];				\
	(ctx)->family == AF_INET ? _a4 : _a6;					\
})

SEC("sockops")
int probe_sockops(struct bpf_sock_ops *ops)
{
	struct probe_key k;

	if (ops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB && ops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	if (ops->local_port != PROBE_PORT && bpf_ntohl(ops->remote_port) != PROBE_PORT)
		return 1;
	if (!ours(bpf_get_netns_cookie(ops)))
		return 1;
	k.sip = ADDR4(ops, local_ip4, local_ip6);
	k.dip = ADDR4(ops, remote_ip4, remote_ip6);
	k.sport = ops->local_port;
	k.dport = bpf_ntohl(ops->remote_port);
	if (!bpf_sock_hash_update(ops, &probe_socks, &k, BPF_NOEXIST))
		count(1);
	return 1;
}

SEC("sk_msg")
int probe_msg(struct sk_msg_md *msg)
{
	struct probe_key k;

	k.sip = ADDR4(msg, remote_ip4, remote_ip6);
	k.dip = ADDR4(msg, local_ip4, local_ip6);
	k.sport = bpf_ntohl(msg->remote_port);
	k.dport = msg->local_port;
	if (bpf_msg_redirect_hash(msg, &probe_socks, &k, BPF_F_INGRESS) == SK_PASS)
		count(2);
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
