// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sock: cgroup sock_addr hooks on the root cgroup v2, so that published
 * ports work for the host's own processes without a userland proxy:
 *
 *   connect4, sendmsg4      destination = a published host port -> its endpoint
 *   recvmsg4, getpeername4  the endpoint shown as the published address again
 *   bind4                   a published port cannot be bound by a host process
 *
 * The logic lives in lib/sock.h. Every entry first checks that the socket
 * lives in this xnet host's network namespace: the hooks see every process
 * of the machine, and several xnet hosts (each in its own namespace) may
 * have their copy attached to the same root cgroup.
 *
 * IPv4 sockets only: an AF_INET6 socket connecting to ::ffff:127.0.0.1 runs
 * the connect6 hook, which xnet does not attach (IPv6 is off, as in Docker
 * without --ipv6). A port the kernel hands out for bind(port 0) is not
 * checked; ephemeral ports come from ip_local_port_range, which published
 * ports may overlap as Docker's do.
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/sock.h"

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock_xlate_fwd(ctx);
}

/* Unconnected UDP only: connected sockets were translated at connect(). */
SEC("cgroup/sendmsg4")
int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	return sock_xlate_fwd(ctx);
}

/* UDP only. The kernel accepts no other verdict than 1 here. */
SEC("cgroup/recvmsg4")
int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	if (sock_in_host_netns(ctx))
		sock_xlate_rev(ctx);
	return SOCK_ALLOW;
}

/* Also runs for accept()'s peer address; such sockets have no entry. Must return 1. */
SEC("cgroup/getpeername4")
int sock_getpeername4(struct bpf_sock_addr *ctx)
{
	if (sock_in_host_netns(ctx))
		sock_xlate_rev(ctx);
	return SOCK_ALLOW;
}

/*
 * A host process binding a published port gets EADDRINUSE, as if another
 * socket held it (Docker holds one through docker-proxy). Port 0 asks the
 * kernel for any free port and is left alone.
 */
SEC("cgroup/bind4")
int sock_bind4(struct bpf_sock_addr *ctx)
{
	__be16 port = (__be16)ctx->user_port;
	__u32 proto = ctx->protocol;

	if (!port || !sock_proto_published(proto))
		return SOCK_ALLOW;
	if (!sock_in_host_netns(ctx))
		return SOCK_ALLOW;
	if (!sock_bind_conflicts(ctx->user_ip4, port, proto))
		return SOCK_ALLOW;
	bpf_set_retval(-EADDRINUSE);
	return SOCK_REFUSE;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
