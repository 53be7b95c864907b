// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink: links, addresses and routes through libnl-route-3. See netlink.h.
 *
 * Every call opens its own rtnetlink socket (in the namespace it works on)
 * and closes it before returning: nothing is cached across calls, so nothing
 * can go stale when another xnet process or an administrator changes links.
 * A socket costs two syscalls; the kernel work of a veth pair dwarfs it.
 *
 * Errors: libnl folds many kernel errnos into NLE_FAILURE, so a custom error
 * callback keeps the kernel's own errno and its extended ACK message (e.g.
 * "Nexthop has invalid gateway") for the log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <sys/vfs.h>

#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The kernel's answer to the last request (single-threaded CLI). */
static struct {
	int err;		/* negative errno, 0 when the kernel did not say */
	char msg[256];		/* extended ACK message, "" when none */
} last;

static void nl_reset(void)
{
	last.err = 0;
	last.msg[0] = '\0';
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us nlmsg_data() of the error message: its header sits just before. */
	const struct nlmsghdr *hdr = (const void *)((const char *)e - NLMSG_HDRLEN);

	(void)nla;
	(void)arg;
	last.err = e->error;
	last.msg[0] = '\0';
	if (hdr->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof(*e);
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

		if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		off = NLMSG_ALIGN(off);
		if (NLMSG_HDRLEN + off < hdr->nlmsg_len &&
		    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
			      hdr->nlmsg_len - NLMSG_HDRLEN - off, NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			snprintf(last.msg, sizeof(last.msg), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	}
	return NL_STOP;
}

/* libnl error (negative NLE_*) -> negative errno, preferring what the kernel said. */
static int nl_errno(int nlerr)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_INTR, EINTR }, { NLE_BAD_SOCK, EBADF }, { NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM }, { NLE_EXIST, EEXIST }, { NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE }, { NLE_MSGSIZE, EMSGSIZE }, { NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT }, { NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_NOADDR, EADDRNOTAVAIL }, { NLE_BUSY, EBUSY },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT }, { NLE_NOACCESS, EACCES },
		{ NLE_PERM, EPERM }, { NLE_NODEV, ENODEV }, { NLE_MISSING_ATTR, EINVAL },
		{ NLE_IMMUTABLE, EINVAL }, { NLE_DUMP_INTR, EAGAIN },
	};
	int nle = nlerr < 0 ? -nlerr : nlerr;

	if (nlerr == 0)
		return 0;
	if (last.err < 0)
		return last.err;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == nle)
			return -map[i].err;
	return -EIO;
}

/* "File exists" or "Invalid argument (Nexthop has invalid gateway)" for err (negative errno). */
static const char *cause(int err)
{
	static char buf[384];

	if (last.msg[0])
		snprintf(buf, sizeof(buf), "%s (%s)", strerror(-err), last.msg);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

static bool missing(int err)
{
	return err == -ENODEV || err == -ENOENT || err == -ESRCH;
}

/* An rtnetlink socket in the calling thread's current namespace. */
static struct nl_sock *nl_open(int *errp)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, err;

	if (!sk) {
		*errp = -ENOMEM;
		log_error("cannot allocate a netlink socket: %s", strerror(ENOMEM));
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		*errp = nl_errno(err);
		log_error("cannot open a rtnetlink socket: %s", nl_geterror(err));
		nl_socket_free(sk);
		return NULL;
	}
	/* Best effort: older kernels lack them, messages just get shorter. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, NULL);
	return sk;
}

/*
 * An rtnetlink socket bound to the namespace at path (and, when ifname is
 * given, its index there, 0 if missing); the thread comes back at once.
 */
static struct nl_sock *nl_open_in(const char *netns_path, const char *ifname, int *ifindex,
				  int *errp)
{
	struct nl_sock *sk;
	int saved, err;

	err = netns__enter(netns_path, &saved);
	if (err) {
		*errp = err;
		return NULL;
	}
	sk = nl_open(errp);
	if (sk && ifname)
		*ifindex = (int)if_nametoindex(ifname);
	err = netns__leave(saved);
	if (err) {
		if (sk)
			nl_socket_free(sk);
		*errp = err;
		return NULL;
	}
	return sk;
}

static int ifindex_in(const char *netns_path, const char *ifname, int *ifindex)
{
	int saved, err;

	err = netns__enter(netns_path, &saved);
	if (err)
		return err;
	*ifindex = (int)if_nametoindex(ifname);
	return netns__leave(saved);
}

static struct nl_addr *ip4_addr(struct in_addr a, int prefixlen)
{
	struct nl_addr *na = nl_addr_build(AF_INET, &a, sizeof(a));

	if (na)
		nl_addr_set_prefixlen(na, prefixlen);
	return na;
}

static struct in_addr ip4_mask(int prefixlen)
{
	struct in_addr m = { .s_addr = prefixlen <= 0 ? 0 :
			     htonl(prefixlen >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefixlen)) };
	return m;
}

/* Set IFF_UP (and the other bits in mask to flags) on a link given by index or name. */
static int link_set_flags(struct nl_sock *sk, int ifindex, const char *name,
			  unsigned int flags, unsigned int mask)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int err;

	if (!l)
		return -ENOMEM;
	if (ifindex)
		rtnl_link_set_ifindex(l, ifindex);
	else
		rtnl_link_set_name(l, name);
	rtnl_link_set_flags(l, flags & mask);
	if (mask & ~flags)
		rtnl_link_unset_flags(l, mask & ~flags);
	nl_reset();
	err = nl_errno(rtnl_link_change(sk, l, l, 0));
	rtnl_link_put(l);
	return err;
}

/*
 * IPv4 BIG TCP: let GSO/GRO packets on our veths grow to 192 KiB (the kernel
 * default is 64 KiB). Bulk TCP then crosses the datapath in a third of the
 * packets: measured here, 16 -> 21 Gbit/s over a bare veth pair. Kernels
 * before 6.3 ignore the attributes; failure is not an error, only slower.
 */
#define XNET_BIG_TCP_SIZE	196608
#ifndef IFLA_GSO_IPV4_MAX_SIZE
#define IFLA_GSO_IPV4_MAX_SIZE	63
#define IFLA_GRO_IPV4_MAX_SIZE	64
#endif

static void link_set_big_tcp(struct nl_sock *sk, int ifindex, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
	int err = -ENOMEM;

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) == 0 &&
	    nla_put_u32(msg, IFLA_GSO_IPV4_MAX_SIZE, XNET_BIG_TCP_SIZE) == 0 &&
	    nla_put_u32(msg, IFLA_GRO_IPV4_MAX_SIZE, XNET_BIG_TCP_SIZE) == 0) {
		nl_reset();
		err = nl_send_auto(sk, msg);
		if (err >= 0)
			err = nl_wait_for_ack(sk);
		err = err < 0 ? nl_errno(err) : 0;
	}
	nlmsg_free(msg);
	if (err)
		log_debug("%s: IPv4 BIG TCP not enabled: %s", name, cause(err));
}

/*
 * GRO on the sandbox end of an endpoint's veth, which must be up. Besides
 * merging TCP segments, it gives that end NAPI, which is what lets the
 * uplink's XDP program redirect frames into the sandbox (veth_xdp_xmit
 * needs the peer's NAPI). The kernel marks the host end as a redirect
 * target (NETDEV_XDP_ACT_NDO_XMIT, see netdev.h) only when GRO
 * changes on a running device (veth_set_features), not when a device comes
 * up with GRO already on: hence off, then on. Failure only costs the XDP
 * fast path.
 */
static void link_set_gro_in(const char *netns_path, const char *name)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 0 };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int saved, fd, err;

	if (netns__enter(netns_path, &saved))
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);	/* an ioctl socket of the sandbox's namespace */
	err = netns__leave(saved);
	if (fd < 0 || err) {
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	err = ioctl(fd, SIOCETHTOOL, &ifr);
	ev.data = 1;
	if (err || ioctl(fd, SIOCETHTOOL, &ifr))
		log_debug("%s in %s: GRO not enabled (%s): published ports use the tc path only",
			  name, netns_path, strerror(errno));
	close(fd);
}

/* Add addr/prefixlen (with the subnet broadcast) to ifindex. */
static int addr_add(struct nl_sock *sk, int ifindex, struct in_addr addr, int prefixlen, int nlflags)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = ip4_addr(addr, prefixlen), *bcast = NULL;
	int err = -ENOMEM;

	if (!ra || !local)
		goto out;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, AF_INET);
	if (rtnl_addr_set_local(ra, local) < 0)
		goto out;
	rtnl_addr_set_prefixlen(ra, prefixlen);
	if (prefixlen < 31) {
		struct in_addr b = { .s_addr = addr.s_addr | ~ip4_mask(prefixlen).s_addr };

		bcast = ip4_addr(b, 32);
		if (!bcast || rtnl_addr_set_broadcast(ra, bcast) < 0)
			goto out;
	}
	nl_reset();
	err = nl_errno(rtnl_addr_add(sk, ra, nlflags));
out:
	nl_addr_put(bcast);
	nl_addr_put(local);
	if (ra)
		rtnl_addr_put(ra);
	return err;
}

/* Build the main-table default route (via gw on ifindex when gw != 0). */
static struct rtnl_route *default_route(int ifindex, struct in_addr gw)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct in_addr any = { 0 };
	struct nl_addr *dst = ip4_addr(any, 0), *via = NULL;
	struct rtnl_nexthop *nh = NULL;

	if (!rt || !dst)
		goto fail;
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	if (rtnl_route_set_dst(rt, dst) < 0)
		goto fail;
	if (ifindex || gw.s_addr) {
		nh = rtnl_route_nh_alloc();
		if (!nh)
			goto fail;
		if (ifindex)
			rtnl_route_nh_set_ifindex(nh, ifindex);
		if (gw.s_addr) {
			via = ip4_addr(gw, 32);
			if (!via)
				goto fail;
			rtnl_route_nh_set_gateway(nh, via);
			nl_addr_put(via);
		}
		rtnl_route_add_nexthop(rt, nh);
	}
	nl_addr_put(dst);
	return rt;
fail:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	if (rt)
		rtnl_route_put(rt);
	return NULL;
}

static int link_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int err;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	nl_reset();
	err = nl_errno(rtnl_link_delete(sk, l));
	rtnl_link_put(l);
	return err;
}

/* ---- endpoints ---- */

int nl__endpoint_create(const char *host_name, const char *netns_path,
			const char *peer_name, const uint8_t mac[6], uint32_t mtu,
			struct in_addr addr, int prefixlen, struct in_addr gw,
			int *host_ifindex)
{
	struct nl_sock *sk = NULL, *nsk = NULL;
	struct rtnl_link *link = NULL, *peer = NULL;
	struct rtnl_route *rt = NULL;
	struct nl_addr *lladdr = NULL;
	char ip[INET_ADDRSTRLEN], gws[INET_ADDRSTRLEN];
	struct statfs sfs;
	int nsfd = -1, peer_idx = 0, err;
	bool made = false;

	util__ip_be_str(addr.s_addr, ip);
	util__ip_be_str(gw.s_addr, gws);
	if (strlen(host_name) >= IFNAMSIZ || strlen(peer_name) >= IFNAMSIZ) {
		log_error("cannot create veth %s <-> %s: interface name too long", host_name, peer_name);
		return -EINVAL;
	}
	nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		err = -errno;
		log_error("cannot create veth %s <-> %s: cannot open netns %s: %s",
			  host_name, peer_name, netns_path, strerror(-err));
		return err;
	}
	if (fstatfs(nsfd, &sfs) || sfs.f_type != NSFS_MAGIC) {
		err = -EINVAL;
		log_error("cannot create veth %s <-> %s: %s is not a network namespace",
			  host_name, peer_name, netns_path);
		goto out;
	}
	sk = nl_open(&err);
	if (!sk)
		goto out;

	/*
	 * One RTM_NEWLINK makes the pair: the peer is created directly inside
	 * the sandbox (IFLA_NET_NS_FD in VETH_INFO_PEER) with its name, MAC
	 * and MTU, and the host side comes up at creation. The peer cannot:
	 * the kernel configures it before the two ends are linked, and
	 * veth_open() then fails with ENOTCONN. Its ifi_change is 0, which the
	 * kernel reads as "all flags", hence the explicit default flag set.
	 */
	err = -ENOMEM;
	link = rtnl_link_veth_alloc();
	if (!link)
		goto out;
	peer = rtnl_link_veth_get_peer(link);
	lladdr = nl_addr_build(AF_LLC, mac, 6);
	if (!peer || !lladdr)
		goto out;
	rtnl_link_set_name(link, host_name);
	rtnl_link_set_mtu(link, mtu);
	rtnl_link_set_flags(link, IFF_UP);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_mtu(peer, mtu);
	rtnl_link_set_addr(peer, lladdr);
	rtnl_link_set_flags(peer, IFF_BROADCAST | IFF_MULTICAST);
	rtnl_link_set_ns_fd(peer, nsfd);
	nl_reset();
	err = nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (err) {
		if (err == -EEXIST && if_nametoindex(host_name))
			log_error("cannot create veth %s: a link with that name already exists", host_name);
		else if (err == -EEXIST)
			log_error("cannot create veth %s <-> %s in %s: %s already exists in the sandbox",
				  host_name, peer_name, netns_path, peer_name);
		else
			log_error("cannot create veth %s <-> %s in %s: %s",
				  host_name, peer_name, netns_path, cause(err));
		goto out;
	}
	made = true;
	*host_ifindex = (int)if_nametoindex(host_name);
	if (!*host_ifindex) {
		err = -errno;
		log_error("veth %s vanished right after creation: %s", host_name, strerror(-err));
		goto out;
	}

	/* Inside the sandbox: a socket bound there, and the peer's index. */
	nsk = nl_open_in(netns_path, peer_name, &peer_idx, &err);
	if (!nsk)
		goto out;
	if (!peer_idx) {
		err = -ENODEV;
		log_error("veth peer %s not found in %s after creation", peer_name, netns_path);
		goto out;
	}
	link_set_big_tcp(sk, *host_ifindex, host_name);
	link_set_big_tcp(nsk, peer_idx, peer_name);
	err = addr_add(nsk, peer_idx, addr, prefixlen, NLM_F_EXCL);
	if (err) {
		log_error("cannot add address %s/%d to %s in %s: %s",
			  ip, prefixlen, peer_name, netns_path, cause(err));
		goto out;
	}
	err = link_set_flags(nsk, peer_idx, NULL, IFF_UP, IFF_UP);
	if (err) {
		log_error("cannot bring %s up in %s: %s", peer_name, netns_path, cause(err));
		goto out;
	}
	link_set_gro_in(netns_path, peer_name);
	/* lo is ifindex 1 in every namespace (LOOPBACK_IFINDEX). */
	err = link_set_flags(nsk, 1, NULL, IFF_UP, IFF_UP);
	if (err) {
		log_error("cannot bring lo up in %s: %s", netns_path, cause(err));
		goto out;
	}
	if (gw.s_addr) {
		rt = default_route(peer_idx, gw);
		if (!rt) {
			err = -ENOMEM;
			goto out;
		}
		rtnl_route_set_protocol(rt, RTPROT_BOOT);
		nl_reset();
		err = nl_errno(rtnl_route_add(nsk, rt, NLM_F_EXCL));
		if (err) {
			log_error("cannot add default route via %s dev %s in %s: %s",
				  gws, peer_name, netns_path, cause(err));
			goto out;
		}
	}
	log_info("created veth %s <-> %s in %s, %s/%d%s%s", host_name, peer_name, netns_path,
		 ip, prefixlen, gw.s_addr ? ", default via " : "", gw.s_addr ? gws : "");
	err = 0;
out:
	if (err && made) {
		/* Deleting one end removes the pair, and with it the address and route. */
		int derr = link_delete(sk, host_name);

		if (derr && !missing(derr))
			log_error("cannot remove half-made veth %s: %s", host_name, cause(derr));
		*host_ifindex = 0;
	}
	if (rt)
		rtnl_route_put(rt);
	nl_addr_put(lladdr);
	if (peer)
		rtnl_link_put(peer);
	if (link)
		rtnl_link_put(link);
	if (nsk)
		nl_socket_free(nsk);
	if (sk)
		nl_socket_free(sk);
	close(nsfd);
	return err;
}

/* ---- gateway device ---- */

static int gateway_create(struct nl_sock *sk, const char *name, const char *peer_name,
			  const uint8_t mac[6], uint32_t mtu)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer = NULL;
	struct nl_addr *lladdr = nl_addr_build(AF_LLC, mac, 6);
	int err = -ENOMEM;

	if (!link || !lladdr)
		goto out;
	peer = rtnl_link_veth_get_peer(link);
	if (!peer)
		goto out;
	rtnl_link_set_name(link, name);
	rtnl_link_set_mtu(link, mtu);
	rtnl_link_set_addr(link, lladdr);
	rtnl_link_set_flags(link, IFF_UP | IFF_NOARP);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_mtu(peer, mtu);
	/* Not up yet: see nl__endpoint_create. ifi_change 0 means "all flags". */
	rtnl_link_set_flags(peer, IFF_NOARP | IFF_BROADCAST | IFF_MULTICAST);
	nl_reset();
	err = nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (err) {
		log_error("cannot create gateway veth %s <-> %s: %s", name, peer_name, cause(err));
		goto out;
	}
	err = link_set_flags(sk, 0, peer_name, IFF_UP, IFF_UP);
	if (err) {
		log_error("cannot bring %s up: %s", peer_name, cause(err));
		link_delete(sk, name);
		goto out;
	}
	log_info("created gateway veth %s <-> %s", name, peer_name);
out:
	nl_addr_put(lladdr);
	if (peer)
		rtnl_link_put(peer);
	if (link)
		rtnl_link_put(link);
	return err;
}

/* Bring an existing link to mac (if given), mtu, UP and NOARP. */
static int gateway_fix(struct nl_sock *sk, struct rtnl_link *cur, const uint8_t *mac, uint32_t mtu)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	struct nl_addr *lladdr = mac ? nl_addr_build(AF_LLC, mac, 6) : NULL;
	const char *name = rtnl_link_get_name(cur);
	unsigned int want = IFF_UP | IFF_NOARP;
	char what[64] = "";
	bool dirty = false;
	int err = -ENOMEM;

	if (!chg || (mac && !lladdr))
		goto out;
	if (lladdr) {
		struct nl_addr *have = rtnl_link_get_addr(cur);

		if (!have || nl_addr_cmp(have, lladdr)) {
			rtnl_link_set_addr(chg, lladdr);
			strcat(what, " mac");
			dirty = true;
		}
	}
	if (rtnl_link_get_mtu(cur) != mtu) {
		rtnl_link_set_mtu(chg, mtu);
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " mtu %u", mtu);
		dirty = true;
	}
	if ((rtnl_link_get_flags(cur) & want) != want) {
		rtnl_link_set_flags(chg, want);
		strcat(what, " up,noarp");
		dirty = true;
	}
	err = 0;
	if (!dirty)
		goto out;
	nl_reset();
	err = nl_errno(rtnl_link_change(sk, cur, chg, 0));
	if (err)
		log_error("cannot update gateway device %s: %s", name, cause(err));
	else
		log_info("updated gateway device %s:%s", name, what);
out:
	nl_addr_put(lladdr);
	if (chg)
		rtnl_link_put(chg);
	return err;
}

struct addr_scan {
	int ifindex;
	struct nl_addr *want;
	bool found;
	struct nl_sock *sk;
	const char *name;
	int err;
};

static void addr_scan_one(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct addr_scan *s = arg;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	char buf[64];
	int err;

	if (rtnl_addr_get_ifindex(ra) != s->ifindex || rtnl_addr_get_family(ra) != AF_INET || !local)
		return;
	if (!nl_addr_cmp(local, s->want) &&
	    rtnl_addr_get_prefixlen(ra) == (int)nl_addr_get_prefixlen(s->want)) {
		s->found = true;
		return;
	}
	/* A stale address (another subnet once): the gateway carries exactly one. */
	nl_reset();
	err = nl_errno(rtnl_addr_delete(s->sk, ra, 0));
	nl_addr2str(local, buf, sizeof(buf));
	if (err && !missing(err) && err != -EADDRNOTAVAIL) {
		log_error("cannot remove stale address %s from %s: %s", buf, s->name, cause(err));
		if (!s->err)
			s->err = err;
	} else {
		log_info("removed stale address %s from %s", buf, s->name);
	}
}

int nl__gateway_ensure(const char *name, const uint8_t mac[6], uint32_t mtu,
		       struct in_addr gw, int prefixlen, int *ifindex)
{
	char peer_name[IFNAMSIZ + 1], ip[INET_ADDRSTRLEN];
	struct rtnl_link *cur = NULL, *peer = NULL;
	struct nl_cache *addrs = NULL;
	struct nl_sock *sk;
	int err, idx;

	if (strlen(name) + 1 >= IFNAMSIZ) {
		log_error("gateway device name %s too long", name);
		return -EINVAL;
	}
	snprintf(peer_name, sizeof(peer_name), "%sp", name);
	util__ip_be_str(gw.s_addr, ip);
	sk = nl_open(&err);
	if (!sk)
		return err;

	nl_reset();
	err = nl_errno(rtnl_link_get_kernel(sk, 0, name, &cur));
	if (!err) {
		/* Keep it only when it is our veth pair; anything else is rebuilt. */
		const char *type = rtnl_link_get_type(cur);
		bool ok = type && !strcmp(type, "veth");

		if (ok) {
			nl_reset();
			ok = nl_errno(rtnl_link_get_kernel(sk, 0, peer_name, &peer)) == 0 &&
			     rtnl_link_get_link(peer) == rtnl_link_get_ifindex(cur);
		}
		if (!ok) {
			log_info("gateway device %s is not a veth paired with %s: recreating it",
				 name, peer_name);
			err = link_delete(sk, name);
			if (err && !missing(err)) {
				log_error("cannot delete link %s: %s", name, cause(err));
				goto out;
			}
			rtnl_link_put(cur);
			cur = NULL;
			if (peer) {
				rtnl_link_put(peer);
				peer = NULL;
			}
			err = -ENODEV;
		}
	}
	if (err && !missing(err)) {
		log_error("cannot look up gateway device %s: %s", name, cause(err));
		goto out;
	}
	if (err) {
		/* A lone peer name (leftover) would make the create fail. */
		err = link_delete(sk, peer_name);
		if (err && !missing(err)) {
			log_error("cannot delete leftover link %s: %s", peer_name, cause(err));
			goto out;
		}
		err = gateway_create(sk, name, peer_name, mac, mtu);
		if (err)
			goto out;
		idx = (int)if_nametoindex(name);
	} else {
		err = gateway_fix(sk, cur, mac, mtu);
		if (!err)
			err = gateway_fix(sk, peer, NULL, mtu);
		if (err)
			goto out;
		idx = rtnl_link_get_ifindex(cur);
	}
	if (!idx) {
		err = -ENODEV;
		log_error("gateway device %s vanished", name);
		goto out;
	}

	/* Exactly one IPv4 address: gw/prefixlen. */
	nl_reset();
	err = nl_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (err) {
		log_error("cannot list addresses: %s", cause(err));
		goto out;
	}
	{
		struct addr_scan s = { .ifindex = idx, .want = ip4_addr(gw, prefixlen), .sk = sk,
				       .name = name };

		if (!s.want) {
			err = -ENOMEM;
			goto out;
		}
		nl_cache_foreach(addrs, addr_scan_one, &s);
		nl_addr_put(s.want);
		err = s.err;
		if (err)
			goto out;
		if (!s.found) {
			err = addr_add(sk, idx, gw, prefixlen, NLM_F_REPLACE);
			if (err) {
				log_error("cannot add address %s/%d to %s: %s", ip, prefixlen, name, cause(err));
				goto out;
			}
			log_info("added address %s/%d to %s", ip, prefixlen, name);
		}
	}
	link_set_big_tcp(sk, idx, name);
	*ifindex = idx;
	err = 0;
out:
	if (addrs)
		nl_cache_free(addrs);
	if (peer)
		rtnl_link_put(peer);
	if (cur)
		rtnl_link_put(cur);
	nl_socket_free(sk);
	return err;
}

/* ---- links ---- */

int nl__link_set_up(const char *name)
{
	struct nl_sock *sk;
	int err;

	sk = nl_open(&err);
	if (!sk)
		return err;
	err = link_set_flags(sk, 0, name, IFF_UP, IFF_UP);
	if (err)
		log_error("cannot bring %s up: %s", name, cause(err));
	nl_socket_free(sk);
	return err;
}

int nl__link_delete(const char *name)
{
	struct nl_sock *sk;
	int err;

	sk = nl_open(&err);
	if (!sk)
		return err;
	err = link_delete(sk, name);
	if (missing(err)) {
		err = 0;
	} else if (err) {
		log_error("cannot delete link %s: %s", name, cause(err));
	} else {
		log_info("deleted link %s", name);
	}
	nl_socket_free(sk);
	return err;
}

int nl__link_index(const char *name)
{
	return (int)if_nametoindex(name);
}

struct link_ent {
	char name[IFNAMSIZ];
	int ifindex;
};

struct link_list {
	const char *prefix;
	size_t plen;
	struct link_ent *v;
	size_t n, cap;
	bool oom;
};

static void link_collect(struct nl_object *obj, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct link_list *ll = arg;
	const char *name = rtnl_link_get_name(l);

	if (!name || strncmp(name, ll->prefix, ll->plen) || ll->oom)
		return;
	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? ll->cap * 2 : 64;
		struct link_ent *v = realloc(ll->v, cap * sizeof(*v));

		if (!v) {
			ll->oom = true;
			return;
		}
		ll->v = v;
		ll->cap = cap;
	}
	snprintf(ll->v[ll->n].name, IFNAMSIZ, "%s", name);
	ll->v[ll->n].ifindex = rtnl_link_get_ifindex(l);
	ll->n++;
}

int nl__link_foreach_prefix(const char *prefix,
			    int (*fn)(const char *name, int ifindex, void *arg), void *arg)
{
	struct link_list ll = { .prefix = prefix, .plen = strlen(prefix) };
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	int err;

	sk = nl_open(&err);
	if (!sk)
		return err;
	nl_reset();
	err = nl_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache));
	if (err) {
		log_error("cannot list links: %s", cause(err));
		goto out;
	}
	/* Snapshot first: fn may delete links (and the socket is not reentrant). */
	nl_cache_foreach(cache, link_collect, &ll);
	if (ll.oom) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ll.n && !err; i++)
		err = fn(ll.v[i].name, ll.v[i].ifindex, arg);
out:
	free(ll.v);
	if (cache)
		nl_cache_free(cache);
	nl_socket_free(sk);
	return err;
}

/* ---- inside a sandbox ---- */

int nl__sandbox_link_up(const char *netns_path, const char *ifname)
{
	struct nl_sock *sk;
	int err;

	sk = nl_open_in(netns_path, NULL, NULL, &err);
	if (!sk)
		return err;
	err = link_set_flags(sk, 0, ifname, IFF_UP, IFF_UP);
	if (err)
		log_error("cannot bring %s up in %s: %s", ifname, netns_path, cause(err));
	nl_socket_free(sk);
	return err;
}

int nl__sandbox_link_delete(const char *netns_path, const char *ifname)
{
	struct nl_sock *sk;
	int err;

	if (!netns__exists(netns_path))
		return 0;	/* no namespace, no interface */
	sk = nl_open_in(netns_path, NULL, NULL, &err);
	if (!sk)
		return err;
	err = link_delete(sk, ifname);
	if (missing(err))
		err = 0;
	else if (err)
		log_error("cannot delete %s in %s: %s", ifname, netns_path, cause(err));
	else
		log_info("deleted %s in %s", ifname, netns_path);
	nl_socket_free(sk);
	return err;
}

/*
 * Delete a route matching whatever scope and protocol it was added with:
 * libnl replaces RT_SCOPE_NOWHERE by a guess and defaults the protocol to
 * static, so the request is patched before sending.
 */
static int route_delete_any(struct nl_sock *sk, struct rtnl_route *rt)
{
	struct nl_msg *msg = NULL;
	struct rtmsg *rtm;
	int err;

	err = rtnl_route_build_del_request(rt, 0, &msg);
	if (err < 0)
		return nl_errno(err);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	rtm->rtm_protocol = RTPROT_UNSPEC;
	nl_reset();
	err = nl_errno(nl_send_sync(sk, msg));	/* frees msg */
	return err;
}

int nl__sandbox_default_route(const char *netns_path, const char *ifname, struct in_addr gw)
{
	struct rtnl_route *rt = NULL;
	struct nl_sock *sk;
	char gws[INET_ADDRSTRLEN];
	int err, idx = 0;

	util__ip_be_str(gw.s_addr, gws);
	if (ifname) {
		err = ifindex_in(netns_path, ifname, &idx);
		if (err)
			return err;
		if (!idx) {
			if (!gw.s_addr)
				return 0;	/* its routes went with it */
			log_error("cannot set default route via %s in %s: no interface %s",
				  gws, netns_path, ifname);
			return -ENODEV;
		}
	}
	sk = nl_open_in(netns_path, NULL, NULL, &err);
	if (!sk)
		return err;
	rt = default_route(idx, gw);
	if (!rt) {
		err = -ENOMEM;
		goto out;
	}
	nl_reset();
	if (gw.s_addr) {
		rtnl_route_set_protocol(rt, RTPROT_BOOT);
		err = nl_errno(rtnl_route_add(sk, rt, NLM_F_REPLACE));
		if (err)
			log_error("cannot set default route via %s dev %s in %s: %s",
				  gws, ifname ? ifname : "?", netns_path, cause(err));
		else
			log_info("default route via %s dev %s in %s", gws, ifname ? ifname : "?",
				 netns_path);
	} else {
		err = route_delete_any(sk, rt);
		if (missing(err)) {
			err = 0;
		} else if (err) {
			log_error("cannot delete default route%s%s in %s: %s", ifname ? " dev " : "",
				  ifname ? ifname : "", netns_path, cause(err));
		} else {
			log_info("deleted default route%s%s in %s", ifname ? " dev " : "",
				 ifname ? ifname : "", netns_path);
		}
	}
out:
	if (rt)
		rtnl_route_put(rt);
	nl_socket_free(sk);
	return err;
}

bool nl__sandbox_link_exists(const char *netns_path, const char *ifname)
{
	int idx = 0;

	if (!netns__exists(netns_path))
		return false;
	if (ifindex_in(netns_path, ifname, &idx))
		return false;
	return idx > 0;
}

/* ---- routes ---- */

/* Call fn for every IPv4 route (routes) or address of the current namespace. 0 or -errno. */
static int dump_foreach(bool routes, void (*fn)(struct nl_object *, void *), void *arg)
{
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	int err;

	sk = nl_open(&err);
	if (!sk)
		return err;
	nl_reset();
	err = nl_errno(routes ? rtnl_route_alloc_cache(sk, AF_INET, 0, &cache) : rtnl_addr_alloc_cache(sk, &cache));
	if (err) {
		log_error("cannot list %s: %s", routes ? "routes" : "addresses", cause(err));
	} else {
		nl_cache_foreach(cache, fn, arg);
		nl_cache_free(cache);
	}
	nl_socket_free(sk);
	return err;
}

struct route4_scan {
	struct nl_route4 *v;
	int n, cap;
	int err;
};

static void route_one(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct route4_scan *s = arg;
	struct nl_route4 *r;
	struct rtnl_nexthop *nh;
	struct nl_addr *gw;

	if (s->err || rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_family(rt) != AF_INET || !dst ||
	    nl_addr_get_len(dst) != 4 || nl_addr_get_prefixlen(dst) == 0)
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		struct nl_route4 *v = realloc(s->v, sizeof(*v) * (size_t)cap);

		if (!v) {
			s->err = -ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	r = &s->v[s->n++];
	memset(r, 0, sizeof(*r));
	memcpy(&r->dst, nl_addr_get_binary_addr(dst), 4);
	r->prefixlen = nl_addr_get_prefixlen(dst);
	r->type = rtnl_route_get_type(rt);
	if (rtnl_route_get_nnexthops(rt) > 0 && (nh = rtnl_route_nexthop_n(rt, 0)) != NULL) {
		r->ifindex = rtnl_route_nh_get_ifindex(nh);
		gw = rtnl_route_nh_get_gateway(nh);
		if (gw && nl_addr_get_family(gw) == AF_INET && nl_addr_get_len(gw) == 4)
			memcpy(&r->gateway, nl_addr_get_binary_addr(gw), 4);
	}
}

int nl__routes_v4(struct nl_route4 **out, int *n)
{
	struct route4_scan s = { 0 };
	int err = dump_foreach(true, route_one, &s) ?: s.err;

	*out = NULL;
	*n = 0;
	if (err) {
		free(s.v);
		return err;
	}
	*out = s.v;
	*n = s.n;
	return 0;
}

/* The main table's IPv4 default route with the lowest metric: its device. */
struct default_scan {
	int ifindex;
	uint32_t prio;
};

static void default_one(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct default_scan *s = arg;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct rtnl_nexthop *nh;

	if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_family(rt) != AF_INET ||
	    rtnl_route_get_type(rt) != RTN_UNICAST || (dst && nl_addr_get_prefixlen(dst) != 0))
		return;
	if (rtnl_route_get_nnexthops(rt) < 1 || !(nh = rtnl_route_nexthop_n(rt, 0)) ||
	    rtnl_route_nh_get_ifindex(nh) <= 0)
		return;
	if (s->ifindex && rtnl_route_get_priority(rt) >= s->prio)
		return;
	s->ifindex = rtnl_route_nh_get_ifindex(nh);
	s->prio = rtnl_route_get_priority(rt);
}

int nl__default_route_dev(int *ifindex)
{
	struct default_scan s = { 0 };
	int err = dump_foreach(true, default_one, &s);

	*ifindex = err ? 0 : s.ifindex;
	return err;
}

struct addr4_scan {
	struct nl_addr4 *v;
	int n, cap;
	int err;
};

static void addr_one(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	struct addr4_scan *s = arg;

	if (s->err || rtnl_addr_get_family(ra) != AF_INET || !local || nl_addr_get_len(local) != 4)
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		struct nl_addr4 *v = realloc(s->v, sizeof(*v) * (size_t)cap);

		if (!v) {
			s->err = -ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].ifindex = rtnl_addr_get_ifindex(ra);
	memcpy(&s->v[s->n].addr, nl_addr_get_binary_addr(local), 4);
	s->v[s->n].prefixlen = rtnl_addr_get_prefixlen(ra);
	s->n++;
}

int nl__addrs_v4(struct nl_addr4 **out, int *n)
{
	struct addr4_scan s = { 0 };
	int err = dump_foreach(false, addr_one, &s) ?: s.err;

	*out = NULL;
	*n = 0;
	if (err) {
		free(s.v);
		return err;
	}
	*out = s.v;
	*n = s.n;
	return 0;
}

int nl__link_big_tcp(int ifindex)
{
	char name[IF_NAMESIZE] = "?";
	struct nl_sock *sk;
	int err;

	sk = nl_open(&err);
	if (!sk)
		return err;
	if_indextoname((unsigned)ifindex, name);
	link_set_big_tcp(sk, ifindex, name);
	nl_socket_free(sk);
	return 0;
}
