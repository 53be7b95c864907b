// SPDX-License-Identifier: GPL-2.0-only
/*
 * netdev: device facts from the kernel. See netdev.h.
 *
 * XDP features come from the "netdev" generic netlink family
 * (include/uapi/linux/netdev.h, kernel 6.3+), asked through libnl-genl-3:
 * libbpf 1.1 (Debian 12) has no bpf_xdp_query() feature flags yet. The MTU
 * and the driver's name are one ioctl each, cheaper than a link dump.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "kernel/netdev.h"

/* From linux/netdev.h, which Debian 12's headers predate. */
#define NETDEV_FAMILY_NAME		"netdev"
#define NETDEV_FAMILY_VERSION		1
#define NETDEV_CMD_DEV_GET		1
#define NETDEV_A_DEV_IFINDEX		1
#define NETDEV_A_DEV_XDP_FEATURES	3

struct netdev_sock {
	struct nl_sock *sk;
	int family;
};

/* libnl error (negative NLE_*) -> negative errno, for the few a query can meet. */
static int nle_errno(int nle)
{
	switch (-nle) {
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	default:
		return -EIO;
	}
}

int netdev__open(struct netdev_sock **out)
{
	struct netdev_sock *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->sk = nl_socket_alloc();
	if (!s->sk) {
		free(s);
		return -ENOMEM;
	}
	err = genl_connect(s->sk);
	if (!err) {
		/* A kernel without the family answers ENOENT: -NLE_OBJ_NOTFOUND here. */
		s->family = genl_ctrl_resolve(s->sk, NETDEV_FAMILY_NAME);
		err = s->family < 0 ? s->family : 0;
	}
	if (err) {
		netdev__close(s);
		return nle_errno(err);
	}
	*out = s;
	return 0;
}

void netdev__close(struct netdev_sock *s)
{
	if (!s)
		return;
	nl_socket_free(s->sk);
	free(s);
}

/* One DEV_GET answer: the reply, then the kernel's ACK or error. */
struct dev_reply {
	bool done, have;
	int err;		/* the kernel's errno (negative), 0 */
	uint64_t features;
};

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct dev_reply *r = arg;
	struct nlattr *tb[NETDEV_A_DEV_XDP_FEATURES + 1];

	if (!genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETDEV_A_DEV_XDP_FEATURES, NULL) &&
	    tb[NETDEV_A_DEV_XDP_FEATURES]) {
		r->features = nla_get_u64(tb[NETDEV_A_DEV_XDP_FEATURES]);
		r->have = true;
	}
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct dev_reply *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct dev_reply *r = arg;

	(void)nla;
	r->err = e->error;
	r->done = true;
	return NL_STOP;
}

int netdev__xdp_features(struct netdev_sock *s, uint32_t ifindex, uint64_t *features)
{
	struct netdev_sock *own = NULL;
	struct dev_reply r = { 0 };
	struct nl_msg *msg = NULL;
	struct nl_cb *cb = NULL;
	int err;

	*features = 0;
	if (!s) {
		err = netdev__open(&own);
		if (err)
			return err;
		s = own;
	}
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb) {
		err = -ENOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, s->family, 0, 0, NETDEV_CMD_DEV_GET,
			 NETDEV_FAMILY_VERSION) ||
	    nla_put_u32(msg, NETDEV_A_DEV_IFINDEX, ifindex)) {
		err = -EMSGSIZE;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &r);
	err = nl_send_auto(s->sk, msg);
	err = err < 0 ? nle_errno(err) : 0;
	while (!err && !r.done) {
		err = nl_recvmsgs(s->sk, cb);
		err = err < 0 ? (r.err ? r.err : nle_errno(err)) : 0;
	}
	err = err ?: r.err;
	if (!err && !r.have)
		err = -ENOENT;
	if (!err)
		*features = r.features;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	netdev__close(own);
	return err;
}

int netdev__mtu(uint32_t ifindex, uint32_t *mtu)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		err = -errno;
	else
		*mtu = (uint32_t)ifr.ifr_mtu;
	close(fd);
	return err;
}

void netdev__driver(uint32_t ifindex, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd;

	buf[0] = '\0';
	if (!if_indextoname(ifindex, ifr.ifr_name))
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%.*s", (int)sizeof(info.driver), info.driver);
	close(fd);
}
