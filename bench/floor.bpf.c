// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * floor: the least any forwarding program can do, bpf_redirect_peer to a
 * fixed device. bench/progrun.c measures lxc's forwarding path against it,
 * so the ratio is what our lookups and checks cost on top of the hook.
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
