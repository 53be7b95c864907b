// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath attachment: the tc programs on gateways, endpoints and the uplink,
 * uplink_xdp in the uplink's driver, and the sock_* programs on the root
 * cgroup through pinned links. Only ever our own programs are replaced or
 * detached: whatever else sits on a hook stays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <unistd.h>

#include "datapath/internal.h"
#include "kernel/netdev.h"
#include "lib/log.h"

/* ------------------------------------------------------------ tc */

static const char *tc_where(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? "ingress" : "egress";
}

/* Attach prog (pinned fd) to tc ingress/egress of ifindex; no-op when it is there already. */
int dp_tc_attach(__u32 ifindex, enum bpf_tc_attach_point where, int prog_fd, __u32 id,
		 const char *what)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	char name[IF_NAMESIZE];
	int err;

	if (!bpf_tc_query(&hook, &opts) && opts.prog_id == id)
		return 0;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("cannot add a clsact qdisc to %s (ifindex %u): %s",
			  dp_ifname(ifindex, name), ifindex, strerror(-err));
		return err;
	}
	opts.prog_fd = prog_fd;
	opts.prog_id = 0;
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("cannot attach BPF program %s to tc %s of %s (ifindex %u): %s", what,
			  tc_where(where), dp_ifname(ifindex, name), ifindex, strerror(-err));
		return err;
	}
	log_info("attached %s to tc %s of %s (ifindex %u)", what, tc_where(where),
		 dp_ifname(ifindex, name), ifindex);
	return 0;
}

/*
 * Detach our filter from ifindex, only if what sits there is one of our
 * programs (any build): the ifindex may already belong to someone else.
 */
void dp_tc_detach_ours(__u32 ifindex, enum bpf_tc_attach_point where, const char *what)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char name[IF_NAMESIZE];
	int fd;

	if (bpf_tc_query(&hook, &opts))
		return;		/* no device, no qdisc or no filter: nothing of ours */
	fd = bpf_prog_get_fd_by_id(opts.prog_id);
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || strncmp(info.name, what, sizeof(info.name) - 1)) {
		close(fd);
		return;
	}
	close(fd);
	opts.prog_id = 0;
	opts.prog_fd = 0;
	opts.flags = 0;
	if (!bpf_tc_detach(&hook, &opts))
		log_info("detached %s from tc %s of %s (ifindex %u)", what, tc_where(where),
			 dp_ifname(ifindex, name), ifindex);
}

/* ------------------------------------------------------------ xdp */

/* Is the program with this id one of ours called what (any build)? */
bool dp_prog_id_named(__u32 id, const char *what)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, what, sizeof(info.name) - 1);
	close(fd);
	return ours;
}

int dp__uplink_xdp_mode(struct xnet_dp *dp, const char *mode)
{
	if (mode && *mode && strcmp(mode, "on") && strcmp(mode, "off") && strcmp(mode, "auto"))
		return -EINVAL;
	snprintf(dp->xdp_mode, sizeof(dp->xdp_mode), "%s", mode ? mode : "");
	return 0;
}

/*
 * Whether uplink_xdp belongs on this uplink: mode on (wherever native XDP
 * works), off (nowhere), or auto: everywhere but on a veth. The mode is the
 * host setting (`xnet system config --uplink-xdp`); XNET_UPLINK_XDP in the
 * environment overrides it for one command (tests).
 * A veth runs XDP on the sender's skb, converted to an xdp_buff (a copy when
 * its headroom is short), and a redirect then builds a second skb in the
 * sandbox: measured on this machine with iperf3 -u from a neighbouring
 * namespace, 17-20% fewer packets per second than uplink_ingress alone, and
 * every other packet of the uplink would pay the conversion too. Drivers of
 * real NICs run XDP on their own receive buffers, before any skb: that is
 * what the fast path is for. Hosts in namespaces (their uplink a veth, as in
 * the tests) therefore use tc only, unless told otherwise.
 */
static bool xdp_wanted(const struct xnet_dp *dp, __u32 ifindex)
{
	const char *mode = getenv("XNET_UPLINK_XDP");

	if (!mode || !*mode)
		mode = dp->xdp_mode;
	char drv[32], name[IF_NAMESIZE];

	if (mode && !strcmp(mode, "on"))
		return true;
	if (mode && !strcmp(mode, "off"))
		return false;
	if (mode && *mode && strcmp(mode, "auto"))
		log_warn("uplink XDP mode \"%s\" is not one of on, off, auto: using auto", mode);
	netdev__driver(ifindex, drv, sizeof(drv));
	if (strcmp(drv, "veth"))
		return true;
	log_debug("uplink %s (ifindex %u) is a veth: no XDP fast path there (--uplink-xdp on forces it)",
		  dp_ifname(ifindex, name), ifindex);
	return false;
}

static void xdp_detach_ours(__u32 ifindex);

/*
 * uplink_xdp in the uplink's driver (native XDP), in front of the tc
 * programs. One program attached with the kernel's own semantics rather
 * than libxdp's dispatcher: libxdp keeps its state in a bpffs of its own
 * (/sys/fs/bpf/xdp), outside our state root and shared by every xnet host
 * of the machine, and a dispatcher only pays off with other programs to
 * chain. So: a foreign XDP program is left alone (we never displace
 * anyone), an older build of ours is swapped atomically (XDP_FLAGS_REPLACE
 * with the expected program), nothing attached gets ours with
 * UPDATE_IF_NOEXIST (losing a race to someone else leaves theirs). Without
 * native support nothing is attached, not even generic XDP, which would
 * only add an skb-mode pass in front of tc: the tc programs do everything
 * alone. Never an error: XDP is a fast path, tc is the datapath.
 */
static void xdp_attach(struct xnet_dp *dp, __u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 flags = XDP_FLAGS_DRV_MODE, cur = 0;
	char name[IF_NAMESIZE];
	int err, old_fd = -1;

	if (!xdp_wanted(dp, ifindex)) {
		xdp_detach_ours(ifindex);
		return;
	}
	err = bpf_xdp_query_id((int)ifindex, XDP_FLAGS_DRV_MODE, &cur);
	if (err) {
		log_info("cannot query XDP programs of %s (ifindex %u): %s; published ports use tc only",
			 dp_ifname(ifindex, name), ifindex, strerror(-err));
		return;
	}
	if (cur && cur == dp->prog_id[P_UPLINK_XDP])
		return;
	if (cur && !dp_prog_id_named(cur, PROG_UPLINK_XDP)) {
		log_info("%s (ifindex %u) already runs XDP program id %u, not ours: leaving it there; "
			 "published ports use tc only", dp_ifname(ifindex, name), ifindex, cur);
		return;
	}
	if (cur) {
		old_fd = bpf_prog_get_fd_by_id(cur);
		if (old_fd < 0)
			return;
		opts.old_prog_fd = old_fd;
		flags |= XDP_FLAGS_REPLACE;
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	err = bpf_xdp_attach((int)ifindex, dp->prog_fd[P_UPLINK_XDP], flags, &opts);
	if (old_fd >= 0)
		close(old_fd);
	if (err)
		log_info("cannot attach %s to %s (ifindex %u) in native XDP mode: %s; published ports "
			 "use tc only", PROG_UPLINK_XDP, dp_ifname(ifindex, name), ifindex, strerror(-err));
	else
		log_info("attached %s to XDP (native) of %s (ifindex %u)", PROG_UPLINK_XDP,
			 dp_ifname(ifindex, name), ifindex);
}

/* Detach uplink_xdp (any build) from ifindex; someone else's program stays. */
static void xdp_detach_ours(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	char name[IF_NAMESIZE];
	__u32 cur = 0;
	int fd;

	if (bpf_xdp_query_id((int)ifindex, XDP_FLAGS_DRV_MODE, &cur) || !cur ||
	    !dp_prog_id_named(cur, PROG_UPLINK_XDP))
		return;
	fd = bpf_prog_get_fd_by_id(cur);
	if (fd < 0)
		return;
	/* REPLACE with the expected program: whatever got attached meanwhile is not ours to remove. */
	opts.old_prog_fd = fd;
	if (!bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts))
		log_info("detached %s from XDP of %s (ifindex %u)", PROG_UPLINK_XDP, dp_ifname(ifindex, name),
			 ifindex);
	close(fd);
}

/* ------------------------------------------------------------ uplink */

/* The uplink programs on ifindex (both directions), or off it. */
int dp_uplink_attach(struct xnet_dp *dp, __u32 ifindex)
{
	int err = dp_tc_attach(ifindex, BPF_TC_INGRESS, dp->prog_fd[P_UPLINK_IN], dp->prog_id[P_UPLINK_IN],
			       PROG_UPLINK_IN);

	err = err ?: dp_tc_attach(ifindex, BPF_TC_EGRESS, dp->prog_fd[P_UPLINK_EG],
				  dp->prog_id[P_UPLINK_EG], PROG_UPLINK_EG);
	/* XDP last, in front of a tc path that is already complete: it may only ever take less. */
	if (!err)
		xdp_attach(dp, ifindex);
	return err;
}

void dp_uplink_detach(__u32 ifindex)
{
	xdp_detach_ours(ifindex);
	dp_tc_detach_ours(ifindex, BPF_TC_INGRESS, PROG_UPLINK_IN);
	dp_tc_detach_ours(ifindex, BPF_TC_EGRESS, PROG_UPLINK_EG);
}

/* ------------------------------------------------------------ sock hooks */

const struct dp_sock_hook dp_sock_hooks[] = {
	{ P_CONNECT4, BPF_CGROUP_INET4_CONNECT },
	{ P_SENDMSG4, BPF_CGROUP_UDP4_SENDMSG },
	{ P_RECVMSG4, BPF_CGROUP_UDP4_RECVMSG },
	{ P_GETPEERNAME4, BPF_CGROUP_INET4_GETPEERNAME },
	{ P_BIND4, BPF_CGROUP_INET4_BIND },
	/* IPv6 sockets reach IPv4 through v4-mapped addresses (::ffff:127.0.0.1). */
	{ P_CONNECT6, BPF_CGROUP_INET6_CONNECT },
	{ P_SENDMSG6, BPF_CGROUP_UDP6_SENDMSG },
	{ P_RECVMSG6, BPF_CGROUP_UDP6_RECVMSG },
	{ P_GETPEERNAME6, BPF_CGROUP_INET6_GETPEERNAME },
	{ P_BIND6, BPF_CGROUP_INET6_BIND },
};

/* Pin a link fd under links/<name> atomically (temporary name, rename over). */
static int link_pin(struct xnet_dp *dp, int fd, const char *name)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 48];

	dp_path(dp, path, sizeof(path), LINKS_DIR, name);
	snprintf(tmp, sizeof(tmp), "%s/%s/%s__new", dp->dir, LINKS_DIR, name);
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp)) {
		log_error("cannot pin the cgroup link of %s at %s: %s", name, tmp, strerror(errno));
		return -errno;
	}
	if (rename(tmp, path)) {
		int err = -errno;

		log_error("cannot move the pinned link of %s to %s: %s", name, path, strerror(-err));
		unlink(tmp);
		return err;
	}
	return 0;
}

bool dp__sock_current(struct xnet_dp *dp)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(dp_sock_hooks) / sizeof(dp_sock_hooks[0]); i++) {
		enum dp_prog p = dp_sock_hooks[i].prog;
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		bool ok;
		int fd;

		dp_path(dp, path, sizeof(path), LINKS_DIR, dp_prog_names[p]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			return false;
		ok = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.prog_id == dp->prog_id[p];
		close(fd);
		if (!ok)
			return false;
	}
	return true;
}

int dp__sock_attach(struct xnet_dp *dp, int cgroup_fd)
{
	char path[PATH_MAX + 32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dp->dir, LINKS_DIR);
	err = dp_mkdir(path);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(dp_sock_hooks) / sizeof(dp_sock_hooks[0]); i++) {
		enum dp_prog p = dp_sock_hooks[i].prog;
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd;

		dp_path(dp, path, sizeof(path), LINKS_DIR, dp_prog_names[p]);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			/* Attached already: swap in this build's program if it is another. */
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.prog_id == dp->prog_id[p]) {
				close(fd);
				continue;
			}
			err = bpf_link_update(fd, dp->prog_fd[p], NULL) ? -errno : 0;
			close(fd);
			if (err) {
				log_error("cannot update the cgroup link of %s: %s", dp_prog_names[p], strerror(-err));
				return err;
			}
			log_info("updated cgroup hook %s to the new build", dp_prog_names[p]);
			continue;
		}
		fd = bpf_link_create(dp->prog_fd[p], cgroup_fd, dp_sock_hooks[i].type, NULL);
		if (fd < 0) {
			err = -errno;
			log_error("cannot attach %s to the root cgroup: %s", dp_prog_names[p], strerror(-err));
			return err;
		}
		err = link_pin(dp, fd, dp_prog_names[p]);
		close(fd);
		if (err)
			return err;
		log_info("attached %s to the root cgroup", dp_prog_names[p]);
	}
	return 0;
}

int dp__host_teardown(struct xnet_dp *dp)
{
	struct xnet_host h = { 0 };
	char path[PATH_MAX + 32];
	__u32 zero = 0;

	if (!dp__host_get(dp, &h) && h.uplink_ifindex)
		dp_uplink_detach(h.uplink_ifindex);
	memset(&h, 0, sizeof(h));
	map_update(dp, M_HOST, &zero, &h);
	/* Unpinning a link that no one else holds detaches it. */
	for (int p = 0; p < P_MAX; p++) {
		if (strncmp(dp_prog_names[p], "sock_", 5))
			continue;
		dp_path(dp, path, sizeof(path), LINKS_DIR, dp_prog_names[p]);
		if (!unlink(path))
			log_info("detached %s from the root cgroup", dp_prog_names[p]);
	}
	snprintf(path, sizeof(path), "%s/%s", dp->dir, LINKS_DIR);
	rmdir(path);
	return 0;
}

static const char *const owner_keys[DP_OWNER_WORDS] = { "@owner0", "@owner1", "@owner2" };

int dp__owner_set(struct xnet_dp *dp, const __u64 id[DP_OWNER_WORDS])
{
	__u64 have;
	int err = 0;

	for (int i = 0; i < DP_OWNER_WORDS && !err; i++)
		if (map_meta_get(dp->meta_fd, owner_keys[i], &have) || have != id[i])
			err = map_meta_set(dp->meta_fd, owner_keys[i], id[i]);
	if (err)
		log_error("cannot record the owner of the socket hooks in %s: %s", META_NAME, strerror(-err));
	return err;
}

int dp__owner_read(const char *bpf_dir, __u64 id[DP_OWNER_WORDS])
{
	char path[PATH_MAX + 32];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", bpf_dir, XNET_PIN_MAPS_DIR, META_NAME);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	for (int i = 0; i < DP_OWNER_WORDS && !err; i++)
		err = map_meta_get(fd, owner_keys[i], &id[i]);
	close(fd);
	return err;
}
