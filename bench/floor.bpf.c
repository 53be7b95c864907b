// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * floor: the least any forwarding program can do, a redirect to a fixed
 * device with no lookup and no check.
 *
 *   floor_peer  tc: bpf_redirect_peer, into the sandbox behind a host veth.
 *               bench/progrun.c measures lxc's forwarding path against it,
 *               bench/linerate.sh puts it on a sandbox's host veth.
 *   floor_xdp   XDP: bpf_redirect to a host veth, whose XDP transmit puts
 *               the frame into its peer. bench/linerate.sh puts it on the
 *               uplink, the floor of publishing a port at XDP.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set by the bench before load; any value works under BPF_PROG_RUN. */
const volatile __u32 target_ifindex = 2;

SEC("tc")
int floor_peer(struct __sk_buff *ctx)
{
	return bpf_redirect_peer(target_ifindex, 0);
}

SEC("xdp")
int floor_xdp(struct xdp_md *ctx)
{
	return bpf_redirect(target_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
