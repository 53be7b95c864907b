/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sock: port publishing for the host's own sockets, at the socket layer.
 *
 * A host process that connects to a published port (localhost:5000, or any
 * address of the host) gets its destination rewritten to the endpoint
 * before the kernel routes anything: no userland proxy, no packet NAT, and
 * the backend sees a real connection from the host. What the application
 * sees stays what it asked for: replies (recvmsg) and getpeername() are
 * given the published address back (xnet_sock_peer, the socket's own
 * storage, for connected sockets; xnet_sock_rev for unconnected UDP). IPv6
 * sockets get the same through IPv4-mapped addresses and [::1] (below). And
 * while a port is published, no host process can bind it, as if a socket
 * held it.
 *
 * The hooks are attached to the root cgroup and so run for every process on
 * the machine, in every network namespace; several xnet hosts may each have
 * their copy attached. Each copy acts only in its own host's namespace
 * (xnet_host[0].netns_cookie) and leaves everything else alone at the cost
 * of one inlined array lookup and one helper call.
 */
#ifndef XNET_LIB_SOCK_H
#define XNET_LIB_SOCK_H

#include <linux/in.h>
#include <linux/errno.h>
#include <bpf/bpf_core_read.h>
#include "lib/maps.h"

/* The verdicts of cgroup sock_addr programs. */
#define SOCK_ALLOW	1
#define SOCK_REFUSE	0	/* with bpf_set_retval(-errno); -EPERM if none set */

/* 127.0.0.0/8: reachable only from the host itself. */
static __always_inline bool sock_is_loopback(__be32 addr)
{
	return (addr & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000);
}

/*
 * Does this socket live in our host's network namespace? 0 in the map means
 * the host is not configured (yet): then nothing is ours.
 */
static __always_inline bool sock_in_host_netns(struct bpf_sock_addr *ctx)
{
	const struct xnet_host *host;
	__u32 zero = 0;

	host = bpf_map_lookup_elem(&xnet_host, &zero);
	if (!host || !host->netns_cookie)
		return false;
	return bpf_get_netns_cookie(ctx) == host->netns_cookie;
}

/* Only TCP and UDP are published (struct xnet_pub_key.proto). */
static __always_inline bool sock_proto_published(__u32 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* Is @addr the host itself: loopback, or one of its addresses? */
static __always_inline bool sock_is_host_addr(__be32 addr)
{
	if (sock_is_loopback(addr))
		return true;
	return bpf_map_lookup_elem(&xnet_hostaddrs, &addr) != NULL;
}

/* The binding of (@port, @proto) on every address (0.0.0.0), NULL when none. */
static __always_inline const struct xnet_pub *sock_pub_any(__be16 port, __u8 proto)
{
	struct xnet_pub_key key = { .host_ip = 0, .port = port, .proto = proto };

	return bpf_map_lookup_elem(&xnet_published, &key);
}

/*
 * The binding a client reaches at (@daddr, @port, @proto), NULL when none:
 * one on 0.0.0.0 (every host address and all of 127.0.0.0/8), else one on
 * exactly that address (127.0.0.1:8080 is reachable through 127.0.0.1
 * only). A port published on 0.0.0.0 has no other binding (pub_lookup in
 * lib/nat.h), so asking for it first changes no answer and takes the usual
 * case in one lookup. The caller has checked that @daddr is the host.
 */
static __always_inline const struct xnet_pub *sock_pub_lookup(__be32 daddr, __be16 port, __u8 proto)
{
	struct xnet_pub_key key = { .host_ip = daddr, .port = port, .proto = proto };
	const struct xnet_pub *pub = sock_pub_any(port, proto);

	return pub ? pub : bpf_map_lookup_elem(&xnet_published, &key);
}

/*
 * Remember what this socket asked for, so that whatever comes back from the
 * backend can be shown as coming from (@addr, @port). 0 or -errno.
 *
 * A connect()ed socket talks to that one peer: the record is the socket's
 * own storage (xnet_sock_peer), gone with the socket, no shared table to
 * fill or evict. An unconnected UDP socket (sendmsg) may talk to several
 * published ports: one LRU entry per (socket, backend), written only when
 * new or changed, since an LRU update allocates.
 */
static __always_inline int sock_rev_record(struct bpf_sock_addr *ctx, bool connect, __be32 addr,
					   __be16 port, __u16 flags, const struct xnet_pub *pub)
{
	struct xnet_sock_rev val = { .addr = addr, .port = port, .flags = flags };
	struct xnet_sock_rev_key key = {};
	const struct xnet_sock_rev *old;
	struct xnet_sock_peer *peer;
	struct bpf_sock *sk;

	if (connect) {
		sk = ctx->sk;
		if (!sk)
			return -ENOENT;
		peer = bpf_sk_storage_get(&xnet_sock_peer, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!peer)
			return -ENOMEM;
		peer->backend_ip = pub->backend_ip;
		peer->backend_port = pub->backend_port;
		peer->addr = addr;
		peer->port = port;
		peer->flags = flags;
		peer->pad = 0;
		return 0;
	}
	key.cookie = bpf_get_socket_cookie(ctx);
	key.addr = pub->backend_ip;
	key.port = pub->backend_port;
	old = bpf_map_lookup_elem(&xnet_sock_rev, &key);
	if (old && old->addr == addr && old->port == port && old->flags == flags)
		return 0;
	return bpf_map_update_elem(&xnet_sock_rev, &key, &val, BPF_ANY);
}

/*
 * A socket connect()ing elsewhere than a published port: a record of an
 * earlier connect (a socket may connect again after AF_UNSPEC) no longer
 * holds. Sockets that never had one (nearly all) cost a pointer test.
 */
static __always_inline void sock_rev_forget(struct bpf_sock_addr *ctx, bool connect)
{
	struct bpf_sock *sk = ctx->sk;

	if (connect && sk && bpf_sk_storage_get(&xnet_sock_peer, sk, 0, 0))
		bpf_sk_storage_delete(&xnet_sock_peer, sk);
}

/*
 * connect / sendmsg (@connect false): the binding a host socket heading
 * for (@daddr, @dport) reaches, with the reverse record written; NULL when
 * the destination is no published port of this host (leave the socket
 * alone). *@err is set when the socket must be refused instead. With
 * XNET_SOCKF_LOOPBACK6 in @flags the socket asked for [::1]: only bindings
 * on every address answer there (Docker's proxy listens on [::] for those,
 * on 127.0.0.1 alone for a 127.0.0.1 binding).
 */
static __always_inline const struct xnet_pub *sock_fwd(struct bpf_sock_addr *ctx, bool connect,
							 __be32 daddr, __be16 dport, __u16 flags, int *err)
{
	const struct xnet_pub *pub = NULL;
	__u32 proto = ctx->protocol;

	*err = 0;
	if (!sock_proto_published(proto))
		return NULL;
	/*
	 * 0.0.0.0 as a destination means this host: the kernel connects it to
	 * 127.0.0.1 (ip_route_connect), so a socket listening on 0.0.0.0 or
	 * 127.0.0.1 would get it. Treat it the same way.
	 */
	if (!daddr)
		daddr = bpf_htonl(0x7f000001);
	if (flags & XNET_SOCKF_LOOPBACK6)
		pub = sock_pub_any(dport, proto);
	else if (sock_is_host_addr(daddr))
		pub = sock_pub_lookup(daddr, dport, proto);
	if (!pub) {
		sock_rev_forget(ctx, connect);
		return NULL;
	}
	/*
	 * A socket whose replies we could not map back would see them come
	 * from the endpoint's address; UDP clients drop such answers. Refuse
	 * rather than half translate (storage fails only without memory).
	 */
	if (sock_rev_record(ctx, connect, daddr, dport, flags, pub)) {
		*err = -ENOMEM;
		return NULL;
	}
	return pub;
}

/*
 * recvmsg / getpeername: into *@out the published address to show for a
 * peer at (@addr, @port) that this socket reached through a published
 * port; false when there is none. The socket's own record first
 * (connected sockets), then the unconnected ones' table.
 */
static __always_inline bool sock_rev(struct bpf_sock_addr *ctx, __be32 addr, __be16 port,
				     struct xnet_sock_rev *out)
{
	struct xnet_sock_rev_key key = { .addr = addr, .port = port };
	const struct xnet_sock_peer *peer = NULL;
	const struct xnet_sock_rev *rev;
	struct bpf_sock *sk = ctx->sk;

	if (sk)
		peer = bpf_sk_storage_get(&xnet_sock_peer, sk, 0, 0);
	if (peer && peer->backend_ip == addr && peer->backend_port == port) {
		out->addr = peer->addr;
		out->port = peer->port;
		out->flags = peer->flags;
		return true;
	}
	key.cookie = bpf_get_socket_cookie(ctx);
	rev = bpf_map_lookup_elem(&xnet_sock_rev, &key);
	if (!rev)
		return false;
	*out = *rev;
	return true;
}

/* IPv4 sockets: connect4 (@connect) / sendmsg4. */
static __always_inline int sock4_xlate_fwd(struct bpf_sock_addr *ctx, bool connect)
{
	const struct xnet_pub *pub;
	int err;

	pub = sock_fwd(ctx, connect, ctx->user_ip4, (__be16)ctx->user_port, 0, &err);
	if (err) {
		bpf_set_retval(err);
		return SOCK_REFUSE;
	}
	if (pub) {
		ctx->user_ip4 = pub->backend_ip;
		ctx->user_port = pub->backend_port;
	}
	return SOCK_ALLOW;
}

/* IPv4 sockets: recvmsg4 / getpeername4. */
static __always_inline void sock4_xlate_rev(struct bpf_sock_addr *ctx)
{
	struct xnet_sock_rev rev;

	if (!sock_rev(ctx, ctx->user_ip4, (__be16)ctx->user_port, &rev))
		return;
	ctx->user_ip4 = rev.addr;
	ctx->user_port = rev.port;
}

/*
 * IPv6 sockets reach IPv4 through IPv4-mapped addresses (::ffff:a.b.c.d):
 * a dual-stack socket connecting to ::ffff:127.0.0.1 runs the connect6
 * hook, then the kernel's IPv4 path. Java and other runtimes use such
 * sockets for everything, so they get the same translation.
 *
 * [::1] is localhost too (`localhost` resolves to it first on most
 * systems), and Docker's proxy listens on [::] beside 0.0.0.0: a socket
 * asking for [::1] on a port published on every address is sent to the
 * backend's mapped address, ::ffff:<backend>, and shown [::1] again
 * (XNET_SOCKF_LOOPBACK6). Only at connect(): the kernel refuses a
 * sendmsg6 destination rewritten to a mapped address (ENOTSUPP, "currently
 * unsupported" in udpv6_sendmsg), so an unconnected UDP socket sending to
 * [::1] is left alone. So are IPV6_V6ONLY sockets, which cannot reach a
 * mapped address, and other IPv6 destinations: xnet publishes IPv4 only.
 */
static __always_inline bool sock6_v4mapped(struct bpf_sock_addr *ctx)
{
	return ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 &&
	       ctx->user_ip6[2] == bpf_htonl(0x0000ffff);
}

static __always_inline bool sock6_loopback(struct bpf_sock_addr *ctx)
{
	return ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 && ctx->user_ip6[2] == 0 &&
	       ctx->user_ip6[3] == bpf_htonl(1);
}

/*
 * IPV6_V6ONLY is one bit of the kernel's socket that no helper reads
 * (bpf_getsockopt does not serve it): read it through the kernel's own
 * view of the context (bpf_cast_to_kern_ctx, kernel 6.3+), its offset
 * relocated from the running kernel's BTF (CO-RE).
 */
struct sock_common___xnet {
	unsigned char skc_ipv6only:1;
} __attribute__((preserve_access_index));
struct sock___xnet {
	struct sock_common___xnet __sk_common;
} __attribute__((preserve_access_index));
struct bpf_sock_addr_kern___xnet {
	struct sock___xnet *sk;
} __attribute__((preserve_access_index));

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* Can this IPv6 socket reach IPv4 (mapped addresses)? Not when IPV6_V6ONLY is set. */
static __always_inline bool sock6_dual_stack(struct bpf_sock_addr *ctx)
{
	struct bpf_sock_addr_kern___xnet *kctx = bpf_cast_to_kern_ctx(ctx);
	struct sock___xnet *sk = kctx->sk;

	return sk && !BPF_CORE_READ_BITFIELD(&sk->__sk_common, skc_ipv6only);
}

/* IPv6 sockets: connect6 (@connect) / sendmsg6. */
static __always_inline int sock6_xlate_fwd(struct bpf_sock_addr *ctx, bool connect)
{
	const struct xnet_pub *pub;
	__u16 flags = 0;
	__be32 daddr;
	int err;

	if (sock6_v4mapped(ctx)) {
		daddr = ctx->user_ip6[3];
	} else if (connect && sock6_loopback(ctx) && sock_proto_published(ctx->protocol) &&
		   sock6_dual_stack(ctx)) {
		daddr = bpf_htonl(0x7f000001);
		flags = XNET_SOCKF_LOOPBACK6;
	} else {
		sock_rev_forget(ctx, connect);
		return SOCK_ALLOW;
	}
	pub = sock_fwd(ctx, connect, daddr, (__be16)ctx->user_port, flags, &err);
	if (err) {
		bpf_set_retval(err);
		return SOCK_REFUSE;
	}
	if (pub) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
		ctx->user_ip6[3] = pub->backend_ip;
		ctx->user_port = pub->backend_port;
	}
	return SOCK_ALLOW;
}

/* IPv6 sockets: recvmsg6 / getpeername6. */
static __always_inline void sock6_xlate_rev(struct bpf_sock_addr *ctx)
{
	struct xnet_sock_rev rev;

	if (!sock6_v4mapped(ctx) || !sock_rev(ctx, ctx->user_ip6[3], (__be16)ctx->user_port, &rev))
		return;
	if (rev.flags & XNET_SOCKF_LOOPBACK6) {
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	} else {
		ctx->user_ip6[3] = rev.addr;
	}
	ctx->user_port = rev.port;
}

/* bpf_for_each_map_elem() state: is any address published on (port, proto)? */
struct sock_port_scan {
	__be16 port;
	__u8 proto;
	bool found;
};

struct bpf_map;

static long sock_port_scan_cb(struct bpf_map *map, const struct xnet_pub_key *key,
			      const struct xnet_pub *pub, struct sock_port_scan *scan)
{
	if (key->port != scan->port || key->proto != scan->proto)
		return 0;
	scan->found = true;
	return 1;	/* stop */
}

/*
 * Would a host socket bound to (@addr, @port, @proto) collide with a
 * published binding, the way two sockets collide? A binding on 0.0.0.0
 * takes the port on every address; a bind to 0.0.0.0 wants it on every
 * address, so any binding on that port is in its way. @any_only: only the
 * binding on every address counts (an IPv6 socket's [::1], see sock6).
 */
static __always_inline bool sock_bind_conflicts(__be32 addr, __be16 port, __u8 proto, bool any_only)
{
	struct xnet_pub_key key = { .host_ip = addr, .port = port, .proto = proto };
	struct sock_port_scan scan = { .port = port, .proto = proto };

	if (sock_pub_any(port, proto))
		return true;
	if (any_only)
		return false;
	if (addr) {
		return bpf_map_lookup_elem(&xnet_published, &key) != NULL;
	}
	/*
	 * Bindings on single addresses of this port may sit anywhere in the
	 * map. A walk is linear in the published ports, but binds with an
	 * explicit port to 0.0.0.0 are rare (servers starting) and the walk
	 * stops at the first match.
	 */
	bpf_for_each_map_elem(&xnet_published, sock_port_scan_cb, &scan, 0);
	return scan.found;
}

/*
 * bind4 / bind6: refuse a bind that collides with a published binding, as
 * the socket Docker holds on each published port (docker-proxy) would make
 * it fail. Port 0 asks the kernel for any free port and is left alone.
 */
static __always_inline int sock_bind_check(struct bpf_sock_addr *ctx, __be32 addr, bool any_only)
{
	__be16 port = (__be16)ctx->user_port;
	__u32 proto = ctx->protocol;

	if (!port || !sock_proto_published(proto))
		return SOCK_ALLOW;
	if (!sock_bind_conflicts(addr, port, proto, any_only))
		return SOCK_ALLOW;
	bpf_set_retval(-EADDRINUSE);
	return SOCK_REFUSE;
}

/*
 * bind6: :: (dual-stack, the Linux default) takes the port on every IPv4
 * address too, as 0.0.0.0; a mapped address is that IPv4 address; [::1]
 * is where a binding on every address answers IPv6 sockets (above), as
 * Docker's proxy holds [::] for it. Other IPv6 addresses are free.
 */
static __always_inline int sock6_bind_check(struct bpf_sock_addr *ctx)
{
	if (sock6_v4mapped(ctx))
		return sock_bind_check(ctx, ctx->user_ip6[3], false);
	if (!(ctx->user_ip6[0] | ctx->user_ip6[1] | ctx->user_ip6[2] | ctx->user_ip6[3]))
		return sock_bind_check(ctx, 0, false);
	if (sock6_loopback(ctx))
		return sock_bind_check(ctx, 0, true);
	return SOCK_ALLOW;
}

#endif /* XNET_LIB_SOCK_H */
