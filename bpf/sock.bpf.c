// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sock: cgroup sock_addr hooks on the root cgroup v2, so that published
 * ports work for the host's own processes without a userland proxy:
 *
 *   connect4, sendmsg4      destination = a published host port -> its endpoint
 *   recvmsg4, getpeername4  the endpoint shown as the published address again
 *   bind4                   a published port cannot be bound by a host process
 *   the same five for IPv6  sockets using IPv4-mapped addresses (::ffff:127.0.0.1)
 *                           and [::1] (a port published on every address)
 *
 * The logic lives in lib/sock.h. Every entry first checks that the socket
 * lives in this xnet host's network namespace: the hooks see every process
 * of the machine, and several xnet hosts (each in its own namespace) may
 * have their copy attached to the same root cgroup.
 *
 * Other IPv6 destinations are not translated: xnet publishes IPv4 only, as
 * Docker without --ipv6 does through iptables; [::1] is the exception,
 * since Docker's docker-proxy also listens on [::] and `localhost`
 * resolves to ::1 first. A port the kernel picks itself
 * (bind to port 0) is not checked here: user space lists published ports
 * in ip_local_reserved_ports, which the kernel's choice skips.
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/sock.h"

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock4_xlate_fwd(ctx, true);
}

/* Unconnected UDP only: connected sockets were translated at connect(). */
SEC("cgroup/sendmsg4")
int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock4_xlate_fwd(ctx, false);
}

/* UDP only. The kernel accepts no other verdict than 1 here. */
SEC("cgroup/recvmsg4")
int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	if (sock_in_host_netns(ctx))
		sock4_xlate_rev(ctx);
	return SOCK_ALLOW;
}

/* Also runs for accept()'s peer address; such sockets have no record (not cloned). Must return 1. */
SEC("cgroup/getpeername4")
int sock_getpeername4(struct bpf_sock_addr *ctx)
{
	if (sock_in_host_netns(ctx))
		sock4_xlate_rev(ctx);
	return SOCK_ALLOW;
}

/*
 * A host process binding a published port gets EADDRINUSE, as if another
 * socket held it (Docker holds one through docker-proxy).
 */
SEC("cgroup/bind4")
int sock_bind4(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock_bind_check(ctx, ctx->user_ip4, false);
}

/* IPv6 sockets: the same for their IPv4-mapped destinations and [::1] (see lib/sock.h). */
SEC("cgroup/connect6")
int sock_connect6(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock6_xlate_fwd(ctx, true);
}

SEC("cgroup/sendmsg6")
int sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock6_xlate_fwd(ctx, false);
}

SEC("cgroup/recvmsg6")
int sock_recvmsg6(struct bpf_sock_addr *ctx)
{
	if (sock_in_host_netns(ctx))
		sock6_xlate_rev(ctx);
	return SOCK_ALLOW;
}

SEC("cgroup/getpeername6")
int sock_getpeername6(struct bpf_sock_addr *ctx)
{
	if (sock_in_host_netns(ctx))
		sock6_xlate_rev(ctx);
	return SOCK_ALLOW;
}

/* [::] (dual-stack), mapped addresses and [::1] collide with IPv4 bindings (lib/sock.h). */
SEC("cgroup/bind6")
int sock_bind6(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock6_bind_check(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
