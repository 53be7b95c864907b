// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath reload (`xnet system reload`): this build's programs loaded over
 * the pinned maps, every attachment of ours swapped to them in one step each,
 * put back when a swap fails, and the build pinned only when all went well.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <unistd.h>

#include "datapath/internal.h"
#include "lib/log.h"

enum dp_hook_kind { HOOK_TC, HOOK_XDP, HOOK_CGROUP };

/* One attachment of ours, as found before a reload. */
struct dp_hook {
	enum dp_prog prog;
	enum dp_hook_kind kind;
	__u32 ifindex;				/* HOOK_TC, HOOK_XDP */
	enum bpf_tc_attach_point where;		/* HOOK_TC */
	int link_fd;				/* HOOK_CGROUP: the pinned link */
	int old_fd;				/* what was attached (-1: nothing), for a rollback */
	__u32 old_id;
};

struct dp_hooks { struct dp_hook *v; int n, cap; };

static struct dp_hook *hooks_add(struct dp_hooks *hs, enum dp_prog prog, enum dp_hook_kind kind)
{
	struct dp_hook *h;

	if (hs->n == hs->cap) {
		int cap = hs->cap ? hs->cap * 2 : 64;
		struct dp_hook *v = realloc(hs->v, sizeof(*v) * (size_t)cap);

		if (!v)
			return NULL;
		hs->v = v;
		hs->cap = cap;
	}
	h = &hs->v[hs->n++];
	*h = (struct dp_hook){ .prog = prog, .kind = kind, .link_fd = -1, .old_fd = -1 };
	return h;
}

static void hooks_free(struct dp_hooks *hs)
{
	for (int i = 0; i < hs->n; i++) {
		if (hs->v[i].old_fd >= 0)
			close(hs->v[i].old_fd);
		if (hs->v[i].link_fd >= 0)
			close(hs->v[i].link_fd);
	}
	free(hs->v);
}

/* The tc hook of prog on ifindex, with what runs there now (for a rollback). */
static int hooks_add_tc(struct dp_hooks *hs, enum dp_prog prog, __u32 ifindex, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct dp_hook *h = hooks_add(hs, prog, HOOK_TC);

	if (!h)
		return -ENOMEM;
	h->ifindex = ifindex;
	h->where = where;
	if (!bpf_tc_query(&hook, &opts) && opts.prog_id) {
		h->old_id = opts.prog_id;
		h->old_fd = bpf_prog_get_fd_by_id(opts.prog_id);
	}
	return 0;
}

/* A tc hook of prog on every device in the keys of map m (__u32 ifindexes) that still exists. */
static int hooks_add_tc_map(struct xnet_dp *dp, struct dp_hooks *hs, enum dp_map m, __u32 vsz, enum dp_prog prog,
			    enum bpf_tc_attach_point where)
{
	void *keys, *vals;
	__u32 n;
	int err = map_dump(dp->map_fd[m], sizeof(__u32), vsz, &keys, &vals, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		__u32 ifindex = ((__u32 *)keys)[i];
		char name[IF_NAMESIZE];

		if (!if_indextoname(ifindex, name))
			continue;	/* a stale entry of a device that is gone: the sweep's business */
		err = hooks_add_tc(hs, prog, ifindex, where);
	}
	free(keys);
	free(vals);
	return err;
}

/* The uplink's tc hooks, and its XDP hook where ours runs. */
static int hooks_add_uplink(struct xnet_dp *dp, struct dp_hooks *hs)
{
	struct xnet_host host = { 0 };
	char name[IF_NAMESIZE];
	struct dp_hook *h;
	__u32 cur = 0;
	int err;

	if (dp__host_get(dp, &host) || !host.uplink_ifindex || !if_indextoname(host.uplink_ifindex, name))
		return 0;
	err = hooks_add_tc(hs, P_UPLINK_IN, host.uplink_ifindex, BPF_TC_INGRESS);
	err = err ?: hooks_add_tc(hs, P_UPLINK_EG, host.uplink_ifindex, BPF_TC_EGRESS);
	if (err)
		return err;
	/* XDP only where ours runs: whether it belongs there is the next dp__host_set's call. */
	if (bpf_xdp_query_id((int)host.uplink_ifindex, XDP_FLAGS_DRV_MODE, &cur) || !cur ||
	    !dp_prog_id_named(cur, PROG_UPLINK_XDP))
		return 0;
	h = hooks_add(hs, P_UPLINK_XDP, HOOK_XDP);
	if (!h)
		return -ENOMEM;
	h->ifindex = host.uplink_ifindex;
	h->old_id = cur;
	h->old_fd = bpf_prog_get_fd_by_id(cur);
	if (h->old_fd < 0)
		hs->n--;	/* detached meanwhile */
	return 0;
}

/* The pinned cgroup links of the sock_* programs. */
static int hooks_add_cgroup(struct xnet_dp *dp, struct dp_hooks *hs)
{
	for (size_t i = 0; i < sizeof(dp_sock_hooks) / sizeof(dp_sock_hooks[0]); i++) {
		enum dp_prog p = dp_sock_hooks[i].prog;
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX + 32];
		struct dp_hook *h;
		int fd;

		dp_path(dp, path, sizeof(path), LINKS_DIR, dp_prog_names[p]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* not attached (no published port machinery yet) */
		h = hooks_add(hs, p, HOOK_CGROUP);
		if (!h) {
			close(fd);
			return -ENOMEM;
		}
		h->link_fd = fd;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			h->old_id = info.prog_id;
			h->old_fd = bpf_prog_get_fd_by_id(info.prog_id);
		}
	}
	return 0;
}

/* Every attachment a reload swaps: gateways, endpoints, the uplink (tc, XDP), the cgroup links. */
static int hooks_collect(struct xnet_dp *dp, struct dp_hooks *hs)
{
	int err = hooks_add_tc_map(dp, hs, M_GATEWAYS, sizeof(__u32), P_GW, BPF_TC_EGRESS);

	err = err ?: hooks_add_tc_map(dp, hs, M_ENDPOINTS, sizeof(struct xnet_endpoint), P_LXC, BPF_TC_INGRESS);
	err = err ?: hooks_add_uplink(dp, hs);
	return err ?: hooks_add_cgroup(dp, hs);
}

static const char *hook_where(const struct dp_hook *h)
{
	switch (h->kind) {
	case HOOK_TC:
		return h->where == BPF_TC_INGRESS ? "tc ingress" : "tc egress";
	case HOOK_XDP:
		return "xdp";
	default:
		return "cgroup";
	}
}

/*
 * Put program fd on the hook in one step, the kernel swapping it for the
 * one there: a tc filter replaced in place (same handle and priority), XDP
 * with XDP_FLAGS_REPLACE and a cgroup link with BPF_F_REPLACE, both
 * refusing when expect_fd is not what runs there. fd -1 (the rollback of a
 * hook that had nothing) takes the tc filter off again.
 */
static int hook_set(const struct dp_hook *h, int fd, int expect_fd)
{
	switch (h->kind) {
	case HOOK_TC: {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)h->ifindex, .attach_point = h->where);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
		int err;

		if (fd < 0)
			return bpf_tc_detach(&hook, &opts);
		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST)
			return err;
		opts.prog_fd = fd;
		opts.flags = BPF_TC_F_REPLACE;
		return bpf_tc_attach(&hook, &opts);
	}
	case HOOK_XDP: {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = expect_fd);

		return bpf_xdp_attach((int)h->ifindex, fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
	}
	default: {
		LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE, .old_prog_fd = expect_fd);

		return bpf_link_update(h->link_fd, fd, &opts) ? -errno : 0;
	}
	}
}

static void swap_fill(struct dp_swap *s, const struct dp_hook *h, __u32 new_id)
{
	snprintf(s->prog, sizeof(s->prog), "%s", dp_prog_names[h->prog]);
	snprintf(s->hook, sizeof(s->hook), "%s", hook_where(h));
	s->dev[0] = '\0';
	if (h->kind != HOOK_CGROUP && !if_indextoname(h->ifindex, s->dev))
		snprintf(s->dev, sizeof(s->dev), "ifindex %u", h->ifindex);
	s->ifindex = h->ifindex;
	s->old_id = h->old_id;
	s->new_id = new_id;
}

int dp__reload(struct xnet_dp *dp, struct dp_swap **out, int *nout, char *why, size_t why_len)
{
	const char *fp = getenv("XNET_FAILPOINT");
	struct dp_hooks hs = { 0 };
	struct dp_swap *sw = NULL;
	struct dp_build *b = NULL;
	__u64 build = dp_build_hash();
	int i = 0, err, back_failed = 0;

	*out = NULL;
	*nout = 0;
	why[0] = '\0';
	/* The verifier runs here, before anything attached changes. */
	err = dp_build_load(dp, &b);
	if (err) {
		snprintf(why, why_len, "cannot load this build's BPF programs (%s); nothing was changed",
			 strerror(-err));
		return err;
	}
	err = hooks_collect(dp, &hs);
	if (!err && hs.n) {
		sw = calloc((size_t)hs.n, sizeof(*sw));
		if (!sw)
			err = -ENOMEM;
	}
	if (err) {
		snprintf(why, why_len, "cannot list the attached programs (%s); nothing was changed",
			 strerror(-err));
		goto out;
	}
	for (i = 0; i < hs.n; i++) {
		const struct dp_hook *h = &hs.v[i];
		int fd = dp_build_prog_fd(b, dp_prog_names[h->prog]);

		if (fd < 0) {
			err = -ENOENT;
		} else if (fp && !strcmp(fp, "reload-kill") && i == 1) {
			/* Tests: kill -9 once the first hook runs the new program. */
			log_warn("failpoint reload-kill: killing myself");
			raise(SIGKILL);
		} else if (fp && !strcmp(fp, "reload-swap") && i == hs.n - 1) {
			/* Tests: the kernel refusing the last swap, once every other one is done. */
			log_warn("failpoint reload-swap: failing the swap of %s", dp_prog_names[h->prog]);
			err = -EIO;
		} else {
			err = hook_set(h, fd, h->old_fd);
		}
		if (err) {
			char dev[IF_NAMESIZE] = "";

			if (h->kind != HOOK_CGROUP && !if_indextoname(h->ifindex, dev))
				snprintf(dev, sizeof(dev), "%u", h->ifindex);
			snprintf(why, why_len, "cannot put the new %s on %s%s%s: %s", dp_prog_names[h->prog],
				 hook_where(h), dev[0] ? " of " : "", dev, strerror(-err));
			break;
		}
		swap_fill(&sw[i], h, dp_prog_id(fd));
		log_info("reload: %s on %s %s: program %u -> %u", sw[i].prog, sw[i].hook, sw[i].dev,
			 sw[i].old_id, sw[i].new_id);
	}
	if (err) {
		/* Back, newest first: every hook runs the programs it ran before, the pins still name them. */
		for (int j = i - 1; j >= 0; j--) {
			int e = hs.v[j].old_id && hs.v[j].old_fd < 0 ? -EBADF :
				hook_set(&hs.v[j], hs.v[j].old_fd, dp_build_prog_fd(b, dp_prog_names[hs.v[j].prog]));

			if (e) {
				back_failed++;
				log_error("reload: cannot put %s on %s %s back to program %u: %s (it keeps the new one)",
					  sw[j].prog, sw[j].hook, sw[j].dev, sw[j].old_id, strerror(-e));
			}
		}
		if (back_failed)
			snprintf(why + strlen(why), why_len - strlen(why), "; %d of the %d hooks swapped before "
				 "could not be put back and run the new programs, every other hook the previous ones",
				 back_failed, i);
		else
			snprintf(why + strlen(why), why_len - strlen(why), "; the hooks swapped before it (%d) were "
				 "put back: every hook runs the programs it ran before", i);
		goto out;
	}
	/* Every hook runs this build: pin it (a crash before this makes the next command load it again). */
	err = dp_build_pin(dp, b, build);
	if (err) {
		snprintf(why, why_len, "every hook runs the new programs, but they could not be pinned (%s): "
			 "the next xnet command loads them again", strerror(-err));
		goto out;
	}
	dp_close_fds(dp);
	err = dp_open_pinned(dp, build, false);
	err = err ?: dp_cache_rebuild(dp);
	if (err) {
		snprintf(why, why_len, "every hook runs the new programs, but the pinned datapath could not be "
			 "reopened (%s)", strerror(-err));
		goto out;
	}
	*out = sw;
	*nout = hs.n;
	sw = NULL;
out:
	free(sw);
	hooks_free(&hs);
	dp_build_close(b);
	return err;
}
