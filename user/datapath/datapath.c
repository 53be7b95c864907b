// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath: loads, pins and attaches the BPF programs and writes the maps.
 * See datapath.h for the contract.
 *
 * Layout under <bpf_dir> (a bpffs):
 *   maps/<name>      every map of bpf/lib/maps.h, shared by all objects
 *   maps/xnet_meta   our own bookkeeping: build hash and per-map layout
 *                    signatures (HASH, char[16] name -> __u64)
 *   progs/<name>     every program of the embedded objects (prog_names[])
 *   links/<name>     the cgroup links of the sock_* programs (root cgroup)
 *
 * The normal command path (dp__open on pinned objects of the same build)
 * only does bpf_obj_get on the pins. A new build (different embedded ELF)
 * is loaded with the maps reused through their pins, the programs are
 * re-pinned atomically (pin under a temporary name, rename over), and the
 * caller is told to re-attach. A map whose layout changed cannot be reused:
 * the ABI maps then fail with a message saying what to do, the derived array
 * caches are simply recreated and refilled.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "datapath/datapath.h"
#include "lib/log.h"
#include "xnet_cache.h"
#include "xnet_xdp.h"
#include "lxc.skel.h"
#include "gateway.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#include "sock.skel.h"

/* Maps by role. Order = index into dp->map_fd. */
enum dp_map {
	M_NETWORKS, M_ENDPOINTS, M_FDB, M_IP2EP, M_PORTS, M_SUBNETS, M_GATEWAYS, M_DROPS,
	M_IFCACHE, M_MACCACHE, M_IPCACHE,
	M_HOST, M_HOSTADDRS, M_PUBLISHED, M_POLICY, M_CT, M_CT_NEW, M_CT_BUDGET, M_FRAGS, M_SOCK_REV, M_SOCK_PEER,
	M_DNS_NAMES, M_DNS_SCOPE, M_DNS_PTR,
	M_XDP_TX,
	M_MAX,
};

static const char *const map_names[M_MAX] = {
	[M_NETWORKS] = "xnet_networks", [M_ENDPOINTS] = "xnet_endpoints",
	[M_FDB] = "xnet_fdb", [M_IP2EP] = "xnet_ip2ep", [M_PORTS] = "xnet_ports",
	[M_SUBNETS] = "xnet_subnets", [M_GATEWAYS] = "xnet_gateways", [M_DROPS] = "xnet_drops",
	[M_IFCACHE] = "xnet_ifcache", [M_MACCACHE] = "xnet_maccache", [M_IPCACHE] = "xnet_ipcache",
	[M_HOST] = "xnet_host", [M_HOSTADDRS] = "xnet_hostaddrs", [M_PUBLISHED] = "xnet_published",
	[M_POLICY] = "xnet_policy", [M_CT] = "xnet_ct", [M_CT_NEW] = "xnet_ct_new",
	[M_CT_BUDGET] = "xnet_ct_budget", [M_FRAGS] = "xnet_frags",
	[M_SOCK_REV] = "xnet_sock_rev", [M_SOCK_PEER] = "xnet_sock_peer",
	[M_DNS_NAMES] = "xnet_dns_names", [M_DNS_SCOPE] = "xnet_dns_scope", [M_DNS_PTR] = "xnet_dns_ptr",
	[M_XDP_TX] = XNET_XDP_TX_MAP,
};

/* The embedded BPF objects (skeleton ELF bytes), loaded in this order: the first creates the maps. */
struct dp_object {
	const char *name;
	const void *(*elf)(size_t *sz);
};

static const struct dp_object dp_objects[] = {
	{ "lxc", lxc__elf_bytes },
	{ "gateway", gateway__elf_bytes },
	{ "uplink", uplink__elf_bytes },
	{ "uplink_xdp", uplink_xdp__elf_bytes },
	{ "sock", sock__elf_bytes },
};
#define DP_NOBJECTS	(sizeof(dp_objects) / sizeof(dp_objects[0]))

/* Programs by role. Order = index into dp->prog_fd. */
enum dp_prog {
	P_LXC, P_GW,
	P_UPLINK_IN, P_UPLINK_EG, P_UPLINK_XDP,
	P_CONNECT4, P_SENDMSG4, P_RECVMSG4, P_GETPEERNAME4, P_BIND4,
	P_CONNECT6, P_SENDMSG6, P_RECVMSG6, P_GETPEERNAME6, P_BIND6,
	P_MAX,
};

static const char *const prog_names[P_MAX] = {
	[P_LXC] = "lxc_ingress", [P_GW] = "gateway_egress",
	[P_UPLINK_IN] = "uplink_ingress", [P_UPLINK_EG] = "uplink_egress",
	[P_UPLINK_XDP] = "uplink_xdp",
	[P_CONNECT4] = "sock_connect4", [P_SENDMSG4] = "sock_sendmsg4",
	[P_RECVMSG4] = "sock_recvmsg4", [P_GETPEERNAME4] = "sock_getpeername4",
	[P_BIND4] = "sock_bind4",
	[P_CONNECT6] = "sock_connect6", [P_SENDMSG6] = "sock_sendmsg6",
	[P_RECVMSG6] = "sock_recvmsg6", [P_GETPEERNAME6] = "sock_getpeername6",
	[P_BIND6] = "sock_bind6",
};

#define META_NAME	"xnet_meta"
#define META_KEY_LEN	16		/* map names are at most 15 characters */
#define META_BUILD	"@build"	/* key of the build hash (no map is called that) */
#define PROG_LXC	"lxc_ingress"
#define PROG_GW		"gateway_egress"
#define PROG_UPLINK_IN	"uplink_ingress"
#define PROG_UPLINK_EG	"uplink_egress"
#define PROG_UPLINK_XDP	"uplink_xdp"
#define LINKS_DIR	"links"

struct xnet_dp {
	char dir[PATH_MAX];
	int map_fd[M_MAX];
	int meta_fd;
	int prog_fd[P_MAX];
	__u32 prog_id[P_MAX];
	char xdp_mode[8];	/* dp__uplink_xdp_mode(): "on", "off", "auto" ("" = auto) */
};

/* ------------------------------------------------------------ helpers */

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)level;
	/* libbpf's own messages are debug detail: our callers log the failure that matters. */
	if (log__level() > LOG_LVL_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_debug("%s", buf);	/* libbpf prefixes its own "libbpf: " */
	return 0;
}

/* Derived maps: rebuilt from the ABI maps (and the devices), so a changed layout is simply recreated. */
static bool is_cache_map(const char *name)
{
	return !strcmp(name, map_names[M_IFCACHE]) || !strcmp(name, map_names[M_MACCACHE]) ||
	       !strcmp(name, map_names[M_IPCACHE]) || !strcmp(name, XNET_XDP_TX_MAP) ||
	       !strcmp(name, "xnet_dns_buf");	/* per-CPU scratch of lib/dns.h: holds nothing between packets */
}

static void dp_path(const struct xnet_dp *dp, char *buf, size_t len, const char *sub, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", dp->dir, sub, name);
}

static const char *ifname(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "?");
	return buf;
}

static const char *ip_str(__be32 ip, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static const char *mac_str(const __u8 *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* 64-bit FNV-1a: cheap, and plenty to tell two builds apart. */
static __u64 fnv(__u64 h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV_SEED	0xcbf29ce484222325ULL

static __u64 build_hash(void)
{
	__u64 h = FNV_SEED;

	for (size_t i = 0; i < DP_NOBJECTS; i++) {
		size_t sz;
		const void *elf = dp_objects[i].elf(&sz);

		h = fnv(h, elf, sz);
	}
	return h;
}

static int map_lookup(struct xnet_dp *dp, enum dp_map m, const void *key, void *val)
{
	return bpf_map_lookup_elem(dp->map_fd[m], key, val) ? -errno : 0;
}

static int map_update(struct xnet_dp *dp, enum dp_map m, const void *key, const void *val)
{
	int err = bpf_map_update_elem(dp->map_fd[m], key, val, BPF_ANY) ? -errno : 0;

	if (err)
		log_error("cannot update BPF map %s: %s", map_names[m], strerror(-err));
	return err;
}

/* Delete; a missing key is fine. */
static int map_delete(struct xnet_dp *dp, enum dp_map m, const void *key)
{
	int err = bpf_map_delete_elem(dp->map_fd[m], key) ? -errno : 0;

	if (err == -ENOENT)
		return 0;
	if (err)
		log_error("cannot delete from BPF map %s: %s", map_names[m], strerror(-err));
	return err;
}

/*
 * Every key (and value) of a map, in one buffer each. Batch lookups where
 * the kernel has them (one syscall per few thousand entries), key by key
 * otherwise. Caller frees *keys and *vals.
 */
static int map_dump(int fd, __u32 ksz, __u32 vsz, void **keys, void **vals, __u32 *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), cap, got = 0, count;
	__u64 token_in = 0, token_out = 0;
	char *k, *v;
	int err;

	*keys = *vals = NULL;
	*n = 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	cap = info.max_entries ? info.max_entries : 1;
	k = calloc(cap, ksz);
	v = calloc(cap, vsz);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	/* Batch: the token is a u32 bucket/index for hash maps and arrays. */
	for (bool first = true;; first = false) {
		count = cap - got;
		if (!count)
			break;
		err = bpf_map_lookup_batch(fd, first ? NULL : &token_in, &token_out,
					   k + (size_t)got * ksz, v + (size_t)got * vsz, &count, NULL);
		err = err ? -errno : 0;
		got += count;
		if (err == -ENOENT)
			goto done;
		if (err)
			break;
		token_in = token_out;
	}
	if (!err)
		goto done;
	/*
	 * Fallback, key by key: maps without batch support (the kernel says
	 * ENOTSUPP, 524, which has no libc name), or a bucket that did not fit.
	 */
	got = 0;
	for (void *prev = NULL; got < cap; prev = k + (size_t)(got - 1) * ksz) {
		if (bpf_map_get_next_key(fd, prev, k + (size_t)got * ksz))
			break;
		if (bpf_map_lookup_elem(fd, k + (size_t)got * ksz, v + (size_t)got * vsz))
			continue;	/* deleted under us */
		got++;
	}
done:
	*keys = k;
	*vals = v;
	*n = got;
	return 0;
}

/* ---------------------------------------------------- layout signatures */

/* Hash a BTF type's layout: kinds, sizes, member names and offsets, recursively. */
static __u64 btf_layout(const struct btf *btf, __u32 id, __u64 h, int depth)
{
	const struct btf_type *t;
	int resolved;

	if (depth > 8)
		return h;
	/* Through typedefs and qualifiers: __be32 and __u32 lay out alike. */
	resolved = btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, resolved > 0 ? (__u32)resolved : id);
	if (!t)
		return fnv(h, "?", 1);
	h = fnv(h, &t->info, sizeof(t->info));
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		return fnv(h, &t->size, sizeof(t->size));
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);

		h = fnv(h, &a->nelems, sizeof(a->nelems));
		return btf_layout(btf, a->type, h, depth + 1);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);

		h = fnv(h, &t->size, sizeof(t->size));
		for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
			const char *name = btf__name_by_offset(btf, m->name_off);

			h = fnv(h, name, strlen(name) + 1);
			h = fnv(h, &m->offset, sizeof(m->offset));
			h = btf_layout(btf, m->type, h, depth + 1);
		}
		return h;
	}
	default:
		return h;
	}
}

/* What must not change for a pinned map to be reused: geometry and the key/value layouts. */
static __u64 map_signature(const struct btf *btf, const struct bpf_map *map)
{
	__u32 geo[5] = {
		bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
		bpf_map__max_entries(map), bpf_map__map_flags(map),
	};
	__u64 h = fnv(FNV_SEED, geo, sizeof(geo));

	if (btf && bpf_map__btf_key_type_id(map))
		h = btf_layout(btf, bpf_map__btf_key_type_id(map), h, 0);
	if (btf && bpf_map__btf_value_type_id(map))
		h = btf_layout(btf, bpf_map__btf_value_type_id(map), h, 0);
	return h;
}

static int meta_get(int fd, const char *name, __u64 *val)
{
	char key[META_KEY_LEN] = {};

	snprintf(key, sizeof(key), "%s", name);
	return bpf_map_lookup_elem(fd, key, val) ? -errno : 0;
}

static int meta_set(int fd, const char *name, __u64 val)
{
	char key[META_KEY_LEN] = {};

	snprintf(key, sizeof(key), "%s", name);
	return bpf_map_update_elem(fd, key, &val, BPF_ANY) ? -errno : 0;
}

/* ------------------------------------------------------------ open */

static void dp_close_fds(struct xnet_dp *dp)
{
	for (int i = 0; i < M_MAX; i++) {
		if (dp->map_fd[i] >= 0)
			close(dp->map_fd[i]);
		dp->map_fd[i] = -1;
	}
	for (int i = 0; i < P_MAX; i++) {
		if (dp->prog_fd[i] >= 0)
			close(dp->prog_fd[i]);
		dp->prog_fd[i] = -1;
	}
	if (dp->meta_fd >= 0)
		close(dp->meta_fd);
	dp->meta_fd = -1;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * The fast path: everything pinned by this very build (any build with
 * any_build). -ESTALE when the build differs, -ENOENT when something is not
 * pinned (yet).
 */
static int dp_open_pinned(struct xnet_dp *dp, __u64 build, bool any_build)
{
	char path[PATH_MAX + 32];
	__u64 pinned = 0;

	dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, META_NAME);
	dp->meta_fd = bpf_obj_get(path);
	if (dp->meta_fd < 0)
		goto fail;
	if (meta_get(dp->meta_fd, META_BUILD, &pinned) || (pinned != build && !any_build)) {
		dp_close_fds(dp);
		return -ESTALE;
	}
	for (int i = 0; i < M_MAX; i++) {
		dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, map_names[i]);
		dp->map_fd[i] = bpf_obj_get(path);
		if (dp->map_fd[i] < 0)
			goto fail;
	}
	for (int i = 0; i < P_MAX; i++) {
		dp_path(dp, path, sizeof(path), XNET_PIN_PROGS_DIR, prog_names[i]);
		dp->prog_fd[i] = bpf_obj_get(path);
		if (dp->prog_fd[i] < 0)
			goto fail;
		dp->prog_id[i] = prog_id(dp->prog_fd[i]);
	}
	return 0;
fail:
	log_debug("datapath: %s not usable: %s", path, strerror(errno));
	dp_close_fds(dp);
	return -ENOENT;
}

/*
 * Before loading a new build over pinned maps: every pinned map must have
 * the layout this build expects. Caches are derived data, so a changed
 * cache is unpinned and recreated; a changed ABI map is an error.
 */
static int dp_check_pins(struct xnet_dp *dp, struct bpf_object *obj, int meta_fd)
{
	char path[PATH_MAX + 32];
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		__u64 want = map_signature(bpf_object__btf(obj), map), have = 0;
		char why[160] = "";
		int fd;

		if (bpf_map__is_internal(map))
			continue;
		dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* created by this load */
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			snprintf(why, sizeof(why), "cannot read its info: %s", strerror(errno));
		} else if (info.type != bpf_map__type(map)) {
			snprintf(why, sizeof(why), "type %u, this build needs %u", info.type, bpf_map__type(map));
		} else if (info.key_size != bpf_map__key_size(map)) {
			snprintf(why, sizeof(why), "key size %u, this build needs %u",
				 info.key_size, bpf_map__key_size(map));
		} else if (info.value_size != bpf_map__value_size(map)) {
			snprintf(why, sizeof(why), "value size %u, this build needs %u",
				 info.value_size, bpf_map__value_size(map));
		} else if (info.max_entries != bpf_map__max_entries(map)) {
			snprintf(why, sizeof(why), "%u entries, this build needs %u",
				 info.max_entries, bpf_map__max_entries(map));
		} else if (info.map_flags != bpf_map__map_flags(map)) {
			snprintf(why, sizeof(why), "flags %#x, this build needs %#x",
				 info.map_flags, bpf_map__map_flags(map));
		} else if (meta_fd >= 0 && !meta_get(meta_fd, name, &have) && have != want) {
			snprintf(why, sizeof(why), "its key/value layout differs from this build's");
		}
		close(fd);
		if (!why[0])
			continue;
		if (is_cache_map(name)) {
			log_info("datapath: cache map %s changed (%s): recreating it", name, why);
			if (unlink(path) && errno != ENOENT) {
				log_error("cannot remove stale cache map %s: %s", path, strerror(errno));
				return -errno;
			}
			continue;
		}
		log_error("pinned BPF map %s does not match this build of xnet (%s): the map ABI "
			  "changed incompatibly and its entries cannot be carried over. Remove the "
			  "pinned maps (rm -r %s/%s) and run any xnet command to rebuild them from "
			  "the store", path, why, dp->dir, XNET_PIN_MAPS_DIR);
		return -EINVAL;
	}
	return 0;
}

static int set_pin_paths(struct xnet_dp *dp, struct bpf_object *obj)
{
	char path[PATH_MAX + 32];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* Pin under a temporary name and rename over: readers always find a program. */
static int pin_replace(struct xnet_dp *dp, struct bpf_program *prog)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
	const char *name = bpf_program__name(prog);

	dp_path(dp, path, sizeof(path), XNET_PIN_PROGS_DIR, name);
	/* bpffs refuses names with a dot. */
	snprintf(tmp, sizeof(tmp), "%s/%s/%s__new", dp->dir, XNET_PIN_PROGS_DIR, name);
	unlink(tmp);
	if (bpf_obj_pin(bpf_program__fd(prog), tmp)) {
		log_error("cannot pin BPF program %s at %s: %s", name, tmp, strerror(errno));
		return -errno;
	}
	if (rename(tmp, path)) {
		int err = -errno;

		log_error("cannot move pinned BPF program %s to %s: %s", name, path, strerror(-err));
		unlink(tmp);
		return err;
	}
	return 0;
}

static int meta_open_or_create(struct xnet_dp *dp)
{
	char path[PATH_MAX + 32];
	int fd;

	dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, META_NAME);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, META_NAME, META_KEY_LEN, sizeof(__u64), 64, NULL);
	if (fd < 0) {
		log_error("cannot create BPF map %s: %s", META_NAME, strerror(errno));
		return -errno;
	}
	if (bpf_obj_pin(fd, path)) {
		int err = -errno;

		log_error("cannot pin BPF map %s at %s: %s", META_NAME, path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static int mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * One build of the programs, loaded over the pinned maps but not pinned
 * yet: dp_reload() pins it at once, dp__reload() swaps every attachment to
 * it first and pins it only when that worked.
 */
struct dp_build {
	struct bpf_object *objs[DP_NOBJECTS];
	/*
	 * Map signatures from each object's own BTF, taken before load: a
	 * reused map takes the kernel's name (15 characters) and BTF type ids
	 * (the creating object's, which mean other types here) on load.
	 */
	struct { char name[META_KEY_LEN]; __u64 sig; } sigs[DP_NOBJECTS * 64];
	size_t nsigs;
};

static void dp_build_close(struct dp_build *b)
{
	for (size_t i = 0; i < DP_NOBJECTS; i++)
		bpf_object__close(b->objs[i]);
	free(b);
}

/* Load every object over the pinned maps (the verifier runs here); nothing is pinned but new maps. */
static int dp_build_load(struct xnet_dp *dp, struct dp_build **out)
{
	struct dp_build *b = calloc(1, sizeof(*b));
	char path[PATH_MAX + 32];
	struct bpf_map *map;
	int meta_fd, err;
	size_t i;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dp->dir, XNET_PIN_MAPS_DIR);
	err = mkdir_ok(path);
	snprintf(path, sizeof(path), "%s/%s", dp->dir, XNET_PIN_PROGS_DIR);
	err = err ?: mkdir_ok(path);
	if (err)
		goto out;
	dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, META_NAME);
	meta_fd = bpf_obj_get(path);

	/* Open: nothing in the kernel yet. Every map pinned by name, so all objects share one set. */
	for (i = 0; i < DP_NOBJECTS; i++) {
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = dp_objects[i].name);
		size_t sz;
		const void *elf = dp_objects[i].elf(&sz);

		b->objs[i] = bpf_object__open_mem(elf, sz, &opts);
		if (!b->objs[i]) {
			err = -errno ?: -ENOMEM;
			log_error("cannot open the embedded BPF object %s: %s", dp_objects[i].name,
				  strerror(-err));
			break;
		}
		err = dp_check_pins(dp, b->objs[i], meta_fd);
		err = err ?: set_pin_paths(dp, b->objs[i]);
		if (err)
			break;
		bpf_object__for_each_map(map, b->objs[i]) {
			if (bpf_map__is_internal(map) || b->nsigs == sizeof(b->sigs) / sizeof(b->sigs[0]))
				continue;
			snprintf(b->sigs[b->nsigs].name, sizeof(b->sigs[b->nsigs].name), "%.*s",
				 META_KEY_LEN - 1, bpf_map__name(map));
			b->sigs[b->nsigs++].sig = map_signature(bpf_object__btf(b->objs[i]), map);
		}
	}
	if (meta_fd >= 0)
		close(meta_fd);
	/* Load: the first object creates (or reuses) and pins the maps, the others reuse them. */
	for (i = 0; !err && i < DP_NOBJECTS; i++) {
		err = bpf_object__load(b->objs[i]);
		if (err)
			log_error("cannot load BPF object %s (run with --log-level debug for the verifier "
				  "log): %s", dp_objects[i].name, strerror(-err));
	}
out:
	if (err) {
		dp_build_close(b);
		return err;
	}
	*out = b;
	return 0;
}

/* This build's program called name, -1 when it has none. */
static int dp_build_prog_fd(const struct dp_build *b, const char *name)
{
	for (size_t i = 0; i < DP_NOBJECTS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(b->objs[i], name);

		if (prog)
			return bpf_program__fd(prog);
	}
	return -1;
}

/* Pin the programs of a loaded build over the old ones and record it as the build in force. */
static int dp_build_pin(struct xnet_dp *dp, struct dp_build *b, __u64 build)
{
	struct bpf_program *prog;
	int meta_fd, err = 0;

	for (size_t i = 0; i < DP_NOBJECTS; i++) {
		bpf_object__for_each_program(prog, b->objs[i]) {
			err = pin_replace(dp, prog);
			if (err)
				return err;
		}
	}
	/* Record the build last: a crash before this point means "reload again". */
	meta_fd = meta_open_or_create(dp);
	if (meta_fd < 0)
		return meta_fd;
	for (size_t i = 0; i < b->nsigs; i++)
		err = err ?: meta_set(meta_fd, b->sigs[i].name, b->sigs[i].sig);
	err = err ?: meta_set(meta_fd, META_BUILD, build);
	close(meta_fd);
	if (err)
		log_error("cannot record the datapath build in %s: %s", META_NAME, strerror(-err));
	else
		log_info("loaded %zu BPF objects (build %016llx), pinned under %s", DP_NOBJECTS,
			 (unsigned long long)build, dp->dir);
	return err;
}

/* Load every object over the pinned maps, pin the programs, record the build. */
static int dp_reload(struct xnet_dp *dp, __u64 build)
{
	struct dp_build *b;
	int err = dp_build_load(dp, &b);

	if (err)
		return err;
	err = dp_build_pin(dp, b, build);
	dp_build_close(b);
	return err;
}

static int dp_cache_rebuild(struct xnet_dp *dp);

static struct xnet_dp *dp_alloc(const char *bpf_dir)
{
	struct xnet_dp *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	for (int i = 0; i < M_MAX; i++)
		dp->map_fd[i] = -1;
	for (int i = 0; i < P_MAX; i++)
		dp->prog_fd[i] = -1;
	dp->meta_fd = -1;
	snprintf(dp->dir, sizeof(dp->dir), "%s", bpf_dir);
	return dp;
}

int dp__open(struct xnet_dp **dpp, const char *bpf_dir, bool *reloaded)
{
	struct statfs fs;
	struct xnet_dp *dp;
	__u64 build;
	int err, lock_fd;

	*dpp = NULL;
	if (reloaded)
		*reloaded = false;
	libbpf_set_print(libbpf_log);
	dp = dp_alloc(bpf_dir);
	if (!dp)
		return -ENOMEM;

	build = build_hash();
	err = dp_open_pinned(dp, build, false);
	if (!err)
		goto done;

	/* Slow path, serialized: another xnet may be reloading the same root right now. */
	if (statfs(bpf_dir, &fs)) {
		err = -errno;
		log_error("cannot use the BPF directory %s: %s", bpf_dir, strerror(-err));
		goto fail;
	}
	if (fs.f_type != BPF_FS_MAGIC) {
		err = -EINVAL;
		log_error("%s is not a bpffs mount: the BPF datapath cannot be pinned there "
			  "(mount -t bpf bpf %s)", bpf_dir, bpf_dir);
		goto fail;
	}
	lock_fd = open(bpf_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd < 0) {
		err = -errno;
		log_error("cannot open the BPF directory %s: %s", bpf_dir, strerror(-err));
		goto fail;
	}
	flock(lock_fd, LOCK_EX);
	err = dp_open_pinned(dp, build, false);	/* it may have done our work */
	if (err) {
		log_info("datapath under %s: %s, loading the BPF programs", bpf_dir,
			 err == -ESTALE ? "pinned programs are from another build" : "nothing pinned yet");
		err = dp_reload(dp, build);
		err = err ?: dp_open_pinned(dp, build, false);
		err = err ?: dp_cache_rebuild(dp);
		if (!err && reloaded)
			*reloaded = true;
	}
	flock(lock_fd, LOCK_UN);
	close(lock_fd);
	if (err)
		goto fail;
done:
	*dpp = dp;
	return 0;
fail:
	dp_close_fds(dp);
	free(dp);
	return err;
}

void dp__close(struct xnet_dp *dp)
{
	if (!dp)
		return;
	dp_close_fds(dp);
	free(dp);
}

/* ------------------------------------------------------------ tc */

static const char *tc_where(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? "ingress" : "egress";
}

/* Attach prog (pinned fd) to tc ingress/egress of ifindex; no-op when it is there already. */
static int tc_attach(__u32 ifindex, enum bpf_tc_attach_point where, int prog_fd, __u32 id,
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
			  ifname(ifindex, name), ifindex, strerror(-err));
		return err;
	}
	opts.prog_fd = prog_fd;
	opts.prog_id = 0;
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("cannot attach BPF program %s to tc %s of %s (ifindex %u): %s", what,
			  tc_where(where), ifname(ifindex, name), ifindex, strerror(-err));
		return err;
	}
	log_info("attached %s to tc %s of %s (ifindex %u)", what, tc_where(where),
		 ifname(ifindex, name), ifindex);
	return 0;
}

/*
 * Detach our filter from ifindex, only if what sits there is one of our
 * programs (any build): the ifindex may already belong to someone else.
 */
static void tc_detach_ours(__u32 ifindex, enum bpf_tc_attach_point where, const char *what)
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
			 ifname(ifindex, name), ifindex);
}

/* ------------------------------------------------------------ caches */

static void ifc_from_network(struct xnet_if_cache *c, __u16 kind, __u32 net_id,
			     const struct xnet_network *net)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->net_flags = net->flags;
	c->net_id = net_id;
	memcpy(c->gw_mac, net->gw_mac, 6);
	c->gw_ifindex = net->gw_ifindex;
	c->subnet = net->subnet;
	c->mask = net->mask;
	c->gw_ip = net->gw_ip;
}

static void ifc_from_endpoint(struct xnet_if_cache *c, const struct xnet_endpoint *ep,
			      const struct xnet_network *net)
{
	ifc_from_network(c, XNET_IFC_ENDPOINT, ep->net_id, net);
	c->ip = ep->ip;
	memcpy(c->mac, ep->mac, 6);
	c->ep_flags = ep->flags;
}

static void dst_from_endpoint(struct xnet_dst_cache *d, __u32 ifindex, const struct xnet_endpoint *ep)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->mac, ep->mac, 6);
	d->valid = 1;
	d->ip = ep->ip;
	d->ifindex = ifindex;
	d->net_id = ep->net_id;
}

/* The same loads the program does (lib/lookup.h dst_by_mac), done on our side. */
static __u32 mac_slot(const __u8 *mac)
{
	__u32 lo;
	__u16 hi;

	memcpy(&lo, mac + 2, 4);
	memcpy(&hi, mac, 2);
	return xnet_mac_slot(lo, hi);
}

/* Does the device a cache slot names still hold that role in the ABI maps? */
static bool ifc_owner_alive(struct xnet_dp *dp, const struct xnet_if_cache *c)
{
	struct xnet_endpoint ep;
	__u32 net_id;

	if (c->kind == XNET_IFC_ENDPOINT)
		return !map_lookup(dp, M_ENDPOINTS, &c->ifindex, &ep);
	if (c->kind == XNET_IFC_GATEWAY)
		return !map_lookup(dp, M_GATEWAYS, &c->ifindex, &net_id);
	return false;
}

/* Describe ifindex in its slot, unless another live device holds the slot (it keeps it). */
static int ifc_set(struct xnet_dp *dp, __u32 ifindex, const struct xnet_if_cache *c)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_if_cache cur, want = *c;

	want.ifindex = ifindex;
	if (!map_lookup(dp, M_IFCACHE, &slot, &cur)) {
		if (cur.kind != XNET_IFC_NONE && cur.ifindex != ifindex && ifc_owner_alive(dp, &cur)) {
			log_debug("datapath: ifcache slot %u is taken by ifindex %u; ifindex %u uses the hash maps",
				  slot, cur.ifindex, ifindex);
			return 0;
		}
		if (!memcmp(&cur, &want, sizeof(want)))
			return 0;
	}
	return map_update(dp, M_IFCACHE, &slot, &want);
}

/* Clear ifindex's cache entry if it is of this kind (and network, unless net_id is NULL). */
static int ifc_clear(struct xnet_dp *dp, __u32 ifindex, __u16 kind, const __u32 *net_id)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_if_cache c, zero = {};

	if (map_lookup(dp, M_IFCACHE, &slot, &c) || c.ifindex != ifindex)
		return 0;
	if (c.kind != kind || (net_id && c.net_id != *net_id))
		return 0;
	return map_update(dp, M_IFCACHE, &slot, &zero);
}

/* Claim the slot for ep unless another live endpoint holds it (that one keeps it: first come). */
static int dst_claim(struct xnet_dp *dp, enum dp_map m, __u32 slot, __u32 ifindex,
		     const struct xnet_endpoint *ep)
{
	struct xnet_dst_cache cur, want;
	struct xnet_endpoint owner;

	dst_from_endpoint(&want, ifindex, ep);
	if (!map_lookup(dp, m, &slot, &cur) && cur.valid && cur.ifindex != ifindex &&
	    !map_lookup(dp, M_ENDPOINTS, &cur.ifindex, &owner) &&
	    (m == M_MACCACHE ? !memcmp(owner.mac, cur.mac, 6) : owner.ip == cur.ip)) {
		log_debug("datapath: %s slot %u is taken by ifindex %u; ifindex %u uses the hash maps",
			  map_names[m], slot, cur.ifindex, ifindex);
		return 0;
	}
	if (!memcmp(&cur, &want, sizeof(want)))
		return 0;
	return map_update(dp, m, &slot, &want);
}

/* Release ifindex's slot and hand it to another endpoint that hashes there, if any. */
static int dst_release(struct xnet_dp *dp, enum dp_map m, __u32 slot, __u32 ifindex)
{
	struct xnet_dst_cache cur, zero = {};
	struct xnet_endpoint *eps;
	__u32 *keys, n;
	int err;

	if (map_lookup(dp, m, &slot, &cur) || !cur.valid || cur.ifindex != ifindex)
		return 0;
	err = map_update(dp, m, &slot, &zero);
	if (err)
		return err;
	if (map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&keys,
		     (void **)&eps, &n))
		return 0;	/* the slot stays empty: slower, still right */
	for (__u32 i = 0; i < n; i++) {
		__u32 s = m == M_MACCACHE ? mac_slot(eps[i].mac) : xnet_ip_slot(eps[i].ip);

		if (keys[i] != ifindex && s == slot) {
			err = dst_claim(dp, m, slot, keys[i], &eps[i]);
			break;
		}
	}
	free(keys);
	free(eps);
	return err;
}

/* Rewrite the cache entries of every endpoint of net_id (network facts changed). */
static int ifc_refresh_network(struct xnet_dp *dp, __u32 net_id, const struct xnet_network *net)
{
	struct xnet_endpoint *eps;
	__u32 *keys, n;
	int err = map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&keys,
			   (void **)&eps, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		struct xnet_if_cache c;

		if (eps[i].net_id != net_id)
			continue;
		if (net) {
			ifc_from_endpoint(&c, &eps[i], net);
			err = ifc_set(dp, keys[i], &c);
		} else {
			err = ifc_clear(dp, keys[i], XNET_IFC_ENDPOINT, &net_id);
		}
	}
	free(keys);
	free(eps);
	return err;
}

/*
 * Recompute all three caches from the ABI maps and write the difference
 * (after a reload, and in the sweep): whatever happened before, afterwards
 * every cache entry says what the ABI maps say.
 */
struct ep_ref {
	__u32 ifindex;
	const struct xnet_endpoint *ep;
};

static int ep_ref_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct ep_ref *)a)->ifindex, y = ((const struct ep_ref *)b)->ifindex;

	return x < y ? -1 : x > y;
}

static int xdp_tx_rebuild(struct xnet_dp *dp, const struct ep_ref *order, __u32 n_eps, __u32 *changed);

static int dp_cache_rebuild(struct xnet_dp *dp)
{
	struct ep_ref *order = NULL;
	struct xnet_if_cache *ifc_want = NULL, *ifc_have = NULL;
	struct xnet_dst_cache *mac_want = NULL, *ip_want = NULL, *dst_have = NULL;
	struct xnet_network *nets = NULL;
	struct xnet_endpoint *eps = NULL;
	__u32 *net_keys = NULL, *ep_keys = NULL, *gw_keys = NULL, *gw_vals = NULL, *keys = NULL;
	__u32 n_nets, n_eps, n_gws, n, changed = 0;
	int err;

	ifc_want = calloc(XNET_IFCACHE_SLOTS, sizeof(*ifc_want));
	mac_want = calloc(XNET_DST_CACHE_SLOTS, sizeof(*mac_want));
	ip_want = calloc(XNET_DST_CACHE_SLOTS, sizeof(*ip_want));
	if (!ifc_want || !mac_want || !ip_want) {
		err = -ENOMEM;
		goto out;
	}
	err = map_dump(dp->map_fd[M_NETWORKS], sizeof(__u32), sizeof(*nets), (void **)&net_keys,
		       (void **)&nets, &n_nets);
	err = err ?: map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&ep_keys,
			      (void **)&eps, &n_eps);
	err = err ?: map_dump(dp->map_fd[M_GATEWAYS], sizeof(__u32), sizeof(__u32), (void **)&gw_keys,
			      (void **)&gw_vals, &n_gws);
	if (err)
		goto out;

	/* Gateways first (few, and every packet from the host passes one). */
	for (__u32 g = 0; g < n_gws; g++) {
		struct xnet_if_cache *w = &ifc_want[xnet_if_slot(gw_keys[g])];

		for (__u32 i = 0; i < n_nets && w->kind == XNET_IFC_NONE; i++)
			if (net_keys[i] == gw_vals[g]) {
				ifc_from_network(w, XNET_IFC_GATEWAY, net_keys[i], &nets[i]);
				w->ifindex = gw_keys[g];
			}
	}
	/* Lowest ifindex first, so that who owns a contended slot does not depend on hash order. */
	order = calloc(n_eps ? n_eps : 1, sizeof(*order));
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < n_eps; i++)
		order[i] = (struct ep_ref){ ep_keys[i], &eps[i] };
	qsort(order, n_eps, sizeof(*order), ep_ref_cmp);
	for (__u32 o = 0; o < n_eps; o++) {
		__u32 ifindex = order[o].ifindex, ms, is;
		const struct xnet_endpoint *ep = order[o].ep;
		struct xnet_if_cache *w = &ifc_want[xnet_if_slot(ifindex)];

		for (__u32 i = 0; i < n_nets && w->kind == XNET_IFC_NONE; i++)
			if (net_keys[i] == ep->net_id) {
				ifc_from_endpoint(w, ep, &nets[i]);
				w->ifindex = ifindex;
			}
		ms = mac_slot(ep->mac);
		is = xnet_ip_slot(ep->ip);
		if (!mac_want[ms].valid)
			dst_from_endpoint(&mac_want[ms], ifindex, ep);
		if (!ip_want[is].valid)
			dst_from_endpoint(&ip_want[is], ifindex, ep);
	}

	/* Write the differences. */
	err = map_dump(dp->map_fd[M_IFCACHE], sizeof(__u32), sizeof(*ifc_have), (void **)&keys,
		       (void **)&ifc_have, &n);
	for (__u32 i = 0; !err && i < n; i++) {
		if (keys[i] >= XNET_IFCACHE_SLOTS || !memcmp(&ifc_have[i], &ifc_want[keys[i]], sizeof(*ifc_have)))
			continue;
		err = map_update(dp, M_IFCACHE, &keys[i], &ifc_want[keys[i]]);
		changed++;
	}
	free(keys);
	keys = NULL;
	for (int m = M_MACCACHE; !err && m <= M_IPCACHE; m++) {
		struct xnet_dst_cache *want = m == M_MACCACHE ? mac_want : ip_want;

		err = map_dump(dp->map_fd[m], sizeof(__u32), sizeof(*dst_have), (void **)&keys,
			       (void **)&dst_have, &n);
		for (__u32 i = 0; !err && i < n; i++) {
			if (keys[i] >= XNET_DST_CACHE_SLOTS ||
			    !memcmp(&dst_have[i], &want[keys[i]], sizeof(*dst_have)))
				continue;
			err = map_update(dp, (enum dp_map)m, &keys[i], &want[keys[i]]);
			changed++;
		}
		free(keys);
		free(dst_have);
		keys = NULL;
		dst_have = NULL;
	}
	err = err ?: xdp_tx_rebuild(dp, order, n_eps, &changed);
	if (!err && changed)
		log_info("datapath: rebuilt fast-path caches (%u entries changed)", changed);
out:
	free(order);
	free(ifc_want);
	free(ifc_have);
	free(mac_want);
	free(ip_want);
	free(dst_have);
	free(net_keys);
	free(nets);
	free(ep_keys);
	free(eps);
	free(gw_keys);
	free(gw_vals);
	free(keys);
	if (err)
		log_error("cannot rebuild the datapath caches: %s", strerror(-err));
	return err;
}

/* ------------------------------------------------------------ xdp */

/*
 * The "netdev" generic netlink family (include/uapi/linux/netdev.h, kernel
 * 6.3+; Debian 12's headers and libbpf 1.1 predate it). A device's
 * xdp_features say whether an XDP redirect to it can be transmitted: for a
 * veth, NDO_XMIT is set while its peer has NAPI (GRO on, or XDP).
 */
#define NETDEV_GENL_NAME		"netdev"
#define NETDEV_CMD_DEV_GET		1
#define NETDEV_A_DEV_IFINDEX		1
#define NETDEV_A_DEV_XDP_FEATURES	3
#define NETDEV_XDP_ACT_NDO_XMIT		(1ULL << 2)

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

/* Append one attribute to req (the caller sized attrs for it). */
static void genl_put(struct genl_req *req, __u16 type, const void *data, __u16 len)
{
	struct nlattr *a = (struct nlattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * One request, one answer: the payload of attribute @want (up to @len
 * bytes) copied to @out. 0, or a negative errno (the kernel's, or -ENOENT
 * when the answer lacks the attribute).
 */
static int genl_ask(int fd, struct genl_req *req, __u16 want, void *out, size_t len)
{
	char buf[8192];
	ssize_t n;

	if (send(fd, req, req->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
		struct nlattr *a;
		int rest;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

			return err ? err : -ENOENT;
		}
		a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
		rest = (int)nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
		for (; rest >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rest;
		     rest -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
			if ((a->nla_type & NLA_TYPE_MASK) != want)
				continue;
			size_t have = (size_t)(a->nla_len - NLA_HDRLEN);

			memcpy(out, (char *)a + NLA_HDRLEN, have < len ? have : len);
			return 0;
		}
	}
	return -ENOENT;
}

static void genl_init(struct genl_req *req, __u16 family, __u8 cmd)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req->nh.nlmsg_type = family;
	req->nh.nlmsg_flags = NLM_F_REQUEST;
	req->gh.cmd = cmd;
	req->gh.version = 1;
}

/* A socket asking the netdev family, with its id in *family; -errno when the kernel has none. */
static int netdev_genl_open(__u16 *family)
{
	struct genl_req req;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), err;

	if (fd < 0)
		return -errno;
	genl_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	genl_put(&req, CTRL_ATTR_FAMILY_NAME, NETDEV_GENL_NAME, sizeof(NETDEV_GENL_NAME));
	*family = 0;
	err = genl_ask(fd, &req, CTRL_ATTR_FAMILY_ID, family, sizeof(*family));
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The xdp_features (NETDEV_XDP_ACT_*) of ifindex. */
static int netdev_xdp_features(int fd, __u16 family, __u32 ifindex, __u64 *features)
{
	struct genl_req req;

	genl_init(&req, family, NETDEV_CMD_DEV_GET);
	genl_put(&req, NETDEV_A_DEV_IFINDEX, &ifindex, sizeof(ifindex));
	*features = 0;
	return genl_ask(fd, &req, NETDEV_A_DEV_XDP_FEATURES, features, sizeof(*features));
}

static int if_mtu(__u32 ifindex, __u32 *mtu)
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
		*mtu = (__u32)ifr.ifr_mtu;
	close(fd);
	return err;
}

/*
 * What xnet_xdp_tx should say about endpoint ifindex: filled in *tx when an
 * XDP redirect to it reaches the sandbox, zeroed (with the reason in why)
 * otherwise. gfd/family: an open netdev_genl_open() socket, or gfd < 0.
 */
static void xdp_tx_probe(int gfd, __u16 family, __u32 ifindex, struct xnet_xdp_tx *tx,
			 const char **why)
{
	__u64 features = 0;
	__u32 mtu = 0;

	memset(tx, 0, sizeof(*tx));
	if (gfd < 0) {
		*why = "the kernel does not report XDP features (netdev genetlink family)";
	} else if (netdev_xdp_features(gfd, family, ifindex, &features)) {
		*why = "its XDP features cannot be read";
	} else if (!(features & NETDEV_XDP_ACT_NDO_XMIT)) {
		*why = "its peer in the sandbox has no NAPI (GRO off)";
	} else if (if_mtu(ifindex, &mtu)) {
		*why = "its MTU cannot be read";
	} else {
		tx->ifindex = ifindex;
		tx->mtu = mtu;
		*why = NULL;
	}
}

/* Does another endpoint, still in xnet_endpoints, own this xnet_xdp_tx slot? */
static bool xdp_tx_taken(struct xnet_dp *dp, __u32 slot, __u32 ifindex)
{
	struct xnet_endpoint ep;
	struct xnet_xdp_tx cur;

	return !map_lookup(dp, M_XDP_TX, &slot, &cur) && cur.ifindex && cur.ifindex != ifindex &&
	       !map_lookup(dp, M_ENDPOINTS, &cur.ifindex, &ep);
}

/* Probe endpoint ifindex and write its xnet_xdp_tx slot (first come keeps a shared slot). */
static int xdp_tx_set(struct xnet_dp *dp, __u32 ifindex)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_xdp_tx want, cur = { 0 };
	char name[IF_NAMESIZE];
	const char *why;
	__u16 family;
	int gfd = netdev_genl_open(&family);

	xdp_tx_probe(gfd, family, ifindex, &want, &why);
	if (gfd >= 0)
		close(gfd);
	if (xdp_tx_taken(dp, slot, ifindex))
		return 0;
	map_lookup(dp, M_XDP_TX, &slot, &cur);
	if (!memcmp(&cur, &want, sizeof(want)) || (!want.ifindex && cur.ifindex != ifindex))
		return 0;
	if (why)
		log_info("datapath: endpoint %s (ifindex %u) takes published traffic through tc only: %s",
			 ifname(ifindex, name), ifindex, why);
	else
		log_debug("datapath: endpoint %s (ifindex %u) on the XDP fast path (MTU %u)",
			  ifname(ifindex, name), ifindex, want.mtu);
	return map_update(dp, M_XDP_TX, &slot, &want);
}

static int xdp_tx_clear(struct xnet_dp *dp, __u32 ifindex)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_xdp_tx cur, zero = { 0 };

	if (map_lookup(dp, M_XDP_TX, &slot, &cur) || cur.ifindex != ifindex)
		return 0;
	return map_update(dp, M_XDP_TX, &slot, &zero);
}

/*
 * The whole xnet_xdp_tx from the endpoints (lowest ifindex first, as the
 * caches), written where it differs. Part of dp_cache_rebuild.
 */
static int xdp_tx_rebuild(struct xnet_dp *dp, const struct ep_ref *order, __u32 n_eps, __u32 *changed)
{
	struct xnet_xdp_tx *want = calloc(XNET_IFCACHE_SLOTS, sizeof(*want)), *have = NULL;
	__u32 *keys = NULL, n;
	__u16 family;
	int gfd, err;

	if (!want)
		return -ENOMEM;
	gfd = netdev_genl_open(&family);
	for (__u32 o = 0; o < n_eps; o++) {
		struct xnet_xdp_tx *w = &want[xnet_if_slot(order[o].ifindex)];
		const char *why;

		if (!w->ifindex)
			xdp_tx_probe(gfd, family, order[o].ifindex, w, &why);
	}
	if (gfd >= 0)
		close(gfd);
	err = map_dump(dp->map_fd[M_XDP_TX], sizeof(__u32), sizeof(*have), (void **)&keys, (void **)&have, &n);
	for (__u32 i = 0; !err && i < n; i++) {
		if (keys[i] >= XNET_IFCACHE_SLOTS || !memcmp(&have[i], &want[keys[i]], sizeof(*have)))
			continue;
		err = map_update(dp, M_XDP_TX, &keys[i], &want[keys[i]]);
		(*changed)++;
	}
	free(keys);
	free(have);
	free(want);
	return err;
}

/* Is the program with this id one of ours called what (any build)? */
static bool prog_id_named(__u32 id, const char *what)
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

/* The uplink's driver name (ETHTOOL_GDRVINFO), "" when it cannot be read. */
static void if_driver(__u32 ifindex, char *buf, size_t len)
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
	if_driver(ifindex, drv, sizeof(drv));
	if (strcmp(drv, "veth"))
		return true;
	log_debug("uplink %s (ifindex %u) is a veth: no XDP fast path there (--uplink-xdp on forces it)",
		  ifname(ifindex, name), ifindex);
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
			 ifname(ifindex, name), ifindex, strerror(-err));
		return;
	}
	if (cur && cur == dp->prog_id[P_UPLINK_XDP])
		return;
	if (cur && !prog_id_named(cur, PROG_UPLINK_XDP)) {
		log_info("%s (ifindex %u) already runs XDP program id %u, not ours: leaving it there; "
			 "published ports use tc only", ifname(ifindex, name), ifindex, cur);
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
			 "use tc only", PROG_UPLINK_XDP, ifname(ifindex, name), ifindex, strerror(-err));
	else
		log_info("attached %s to XDP (native) of %s (ifindex %u)", PROG_UPLINK_XDP,
			 ifname(ifindex, name), ifindex);
}

/* Detach uplink_xdp (any build) from ifindex; someone else's program stays. */
static void xdp_detach_ours(__u32 ifindex)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	char name[IF_NAMESIZE];
	__u32 cur = 0;
	int fd;

	if (bpf_xdp_query_id((int)ifindex, XDP_FLAGS_DRV_MODE, &cur) || !cur ||
	    !prog_id_named(cur, PROG_UPLINK_XDP))
		return;
	fd = bpf_prog_get_fd_by_id(cur);
	if (fd < 0)
		return;
	/* REPLACE with the expected program: whatever got attached meanwhile is not ours to remove. */
	opts.old_prog_fd = fd;
	if (!bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts))
		log_info("detached %s from XDP of %s (ifindex %u)", PROG_UPLINK_XDP, ifname(ifindex, name),
			 ifindex);
	close(fd);
}

/* ------------------------------------------------------------ flood lists */

/*
 * Append ifindex to net's flood list unless it is there; net is updated in
 * the map. fresh: the device has no endpoint entry at all, so it cannot be
 * listed (ifindexes are never reused within a namespace, and a crash's stale
 * entries name dead devices, which dp__sweep removes): skip the O(ports)
 * duplicate scan, which otherwise made every `xnet run` cost one bpf()
 * syscall per sandbox already on the network.
 */
static int ports_add(struct xnet_dp *dp, __u32 net_id, __u32 ifindex, bool fresh)
{
	struct xnet_network net;
	struct xnet_port_key key = { .net_id = net_id };
	__u32 port;
	int err;

	err = map_lookup(dp, M_NETWORKS, &net_id, &net);
	if (err)
		return err;
	for (key.idx = 0; !fresh && key.idx < net.nports; key.idx++)
		if (!map_lookup(dp, M_PORTS, &key, &port) && port == ifindex)
			return 0;
	/* Entry first, count second: the program never walks onto a missing slot. */
	key.idx = net.nports;
	err = map_update(dp, M_PORTS, &key, &ifindex);
	if (err)
		return err;
	net.nports++;
	return map_update(dp, M_NETWORKS, &net_id, &net);
}

/* Remove ifindex from net's flood list: the last entry moves into the hole. */
static int ports_remove(struct xnet_dp *dp, __u32 net_id, __u32 ifindex)
{
	struct xnet_network net;
	struct xnet_port_key key = { .net_id = net_id }, last = { .net_id = net_id };
	__u32 port, last_port;
	int err;

	if (map_lookup(dp, M_NETWORKS, &net_id, &net) || !net.nports)
		return 0;
	for (key.idx = 0; key.idx < net.nports; key.idx++)
		if (!map_lookup(dp, M_PORTS, &key, &port) && port == ifindex)
			break;
	if (key.idx == net.nports)
		return 0;
	last.idx = net.nports - 1;
	/*
	 * Overwrite the hole first: the removed port stops receiving at once
	 * (the moved one may get a duplicate until the count shrinks).
	 */
	if (key.idx != last.idx) {
		err = map_lookup(dp, M_PORTS, &last, &last_port);
		err = err ?: map_update(dp, M_PORTS, &key, &last_port);
		if (err)
			return err;
	}
	net.nports--;
	err = map_update(dp, M_NETWORKS, &net_id, &net);
	return err ?: map_delete(dp, M_PORTS, &last);
}

/* ------------------------------------------------------------ networks */

static __be32 prefix_mask(__u8 prefixlen)
{
	return prefixlen ? htonl(~0U << (32 - prefixlen)) : 0;
}

/* Delete every entry of a net_id-valued map (subnets, gateways) for net_id, except keep. */
static int drop_by_value(struct xnet_dp *dp, enum dp_map m, __u32 ksz, __u32 net_id, const void *keep)
{
	__u32 *vals, n;
	char *keys;
	int err = map_dump(dp->map_fd[m], ksz, sizeof(__u32), (void **)&keys, (void **)&vals, &n);

	for (__u32 i = 0; !err && i < n; i++)
		if (vals[i] == net_id && (!keep || memcmp(keys + (size_t)i * ksz, keep, ksz)))
			err = map_delete(dp, m, keys + (size_t)i * ksz);
	free(keys);
	free(vals);
	return err;
}

int dp__network_set(struct xnet_dp *dp, const struct dp_network *n)
{
	struct xnet_network old = {}, net = {};
	struct xnet_subnet_key sk = { .prefixlen = n->prefixlen, .addr = n->subnet };
	struct xnet_if_cache c;
	char sbuf[INET_ADDRSTRLEN], gbuf[INET_ADDRSTRLEN], name[IF_NAMESIZE];
	bool existed;
	int err;

	if (n->prefixlen > 32 || !n->gw_ifindex) {
		log_error("network %u: invalid datapath parameters (prefix length %u, gateway ifindex %u)",
			  n->net_id, n->prefixlen, n->gw_ifindex);
		return -EINVAL;
	}
	existed = !map_lookup(dp, M_NETWORKS, &n->net_id, &old);
	net.mask = prefix_mask(n->prefixlen);
	net.subnet = n->subnet & net.mask;
	net.gw_ip = n->gw_ip;
	net.gw_ifindex = n->gw_ifindex;
	memcpy(net.gw_mac, n->gw_mac, 6);
	net.flags = n->flags;
	net.nports = existed ? old.nports : 0;	/* the flood list is ours to keep */
	net.mtu = n->mtu;
	sk.addr = net.subnet;

	err = map_update(dp, M_NETWORKS, &n->net_id, &net);
	err = err ?: drop_by_value(dp, M_SUBNETS, sizeof(sk), n->net_id, &sk);
	err = err ?: map_update(dp, M_SUBNETS, &sk, &n->net_id);
	err = err ?: drop_by_value(dp, M_GATEWAYS, sizeof(__u32), n->net_id, &n->gw_ifindex);
	err = err ?: map_update(dp, M_GATEWAYS, &n->gw_ifindex, &n->net_id);
	if (!err && existed && old.gw_ifindex != n->gw_ifindex) {
		err = ifc_clear(dp, old.gw_ifindex, XNET_IFC_GATEWAY, &n->net_id);
		tc_detach_ours(old.gw_ifindex, BPF_TC_EGRESS, PROG_GW);
	}
	ifc_from_network(&c, XNET_IFC_GATEWAY, n->net_id, &net);
	err = err ?: ifc_set(dp, n->gw_ifindex, &c);
	if (!err && (!existed || memcmp(&old, &net, sizeof(net))))
		err = ifc_refresh_network(dp, n->net_id, &net);
	if (err) {
		log_error("cannot write network %u into the datapath maps: %s", n->net_id, strerror(-err));
		return err;
	}
	if (!existed || memcmp(&old, &net, sizeof(net)))
		log_info("datapath: network %u = %s/%u, gateway %s on %s (ifindex %u)%s", n->net_id,
			 ip_str(net.subnet, sbuf), n->prefixlen, ip_str(net.gw_ip, gbuf),
			 ifname(n->gw_ifindex, name), n->gw_ifindex,
			 net.flags & XNET_NET_ICC ? "" : ", inter-container traffic off");
	return tc_attach(n->gw_ifindex, BPF_TC_EGRESS, dp->prog_fd[P_GW], dp->prog_id[P_GW], PROG_GW);
}

/* Every embedded-DNS name of a network (it is going away). */
static int dns_names_drop_net(struct xnet_dp *dp, __u32 net_id)
{
	struct xnet_dns_key *keys;
	void *vals;
	__u32 n;
	int err = map_dump(dp->map_fd[M_DNS_NAMES], sizeof(*keys), sizeof(struct xnet_dns_rrset),
			   (void **)&keys, &vals, &n);

	if (err)
		return err;
	for (__u32 i = 0; !err && i < n; i++)
		if (keys[i].net_id == net_id)
			err = map_delete(dp, M_DNS_NAMES, &keys[i]);
	free(keys);
	free(vals);
	return err;
}

int dp__network_del(struct xnet_dp *dp, __u32 net_id)
{
	struct xnet_port_key *pkeys;
	struct xnet_network net;
	__u32 *pvals, n;
	bool existed = !map_lookup(dp, M_NETWORKS, &net_id, &net);
	int err;

	/* Caches first: from here on the programs ask the ABI maps, which we then empty. */
	err = existed ? ifc_clear(dp, net.gw_ifindex, XNET_IFC_GATEWAY, &net_id) : 0;
	err = err ?: ifc_refresh_network(dp, net_id, NULL);
	err = err ?: map_delete(dp, M_NETWORKS, &net_id);
	err = err ?: drop_by_value(dp, M_SUBNETS, sizeof(struct xnet_subnet_key), net_id, NULL);
	err = err ?: drop_by_value(dp, M_GATEWAYS, sizeof(__u32), net_id, NULL);
	if (!err && !map_dump(dp->map_fd[M_PORTS], sizeof(*pkeys), sizeof(__u32), (void **)&pkeys,
			      (void **)&pvals, &n)) {
		for (__u32 i = 0; !err && i < n; i++)
			if (pkeys[i].net_id == net_id)
				err = map_delete(dp, M_PORTS, &pkeys[i]);
		free(pkeys);
		free(pvals);
	}
	err = err ?: dns_names_drop_net(dp, net_id);
	if (err) {
		log_error("cannot remove network %u from the datapath maps: %s", net_id, strerror(-err));
		return err;
	}
	if (existed) {
		tc_detach_ours(net.gw_ifindex, BPF_TC_EGRESS, PROG_GW);
		log_info("datapath: network %u removed", net_id);
	}
	return 0;
}

/* ------------------------------------------------------------ endpoints */

/* Remove the fdb/ip2ep/cache entries of old (at ifindex) that new no longer has. */
static int endpoint_unlink(struct xnet_dp *dp, __u32 ifindex, const struct xnet_endpoint *old,
			   const struct xnet_endpoint *new)
{
	struct xnet_mac_key mk = {};
	__u32 owner;
	int err = 0;

	memcpy(mk.mac, old->mac, 6);
	if (!new || memcmp(old->mac, new->mac, 6)) {
		err = dst_release(dp, M_MACCACHE, mac_slot(old->mac), ifindex);
		if (!err && !map_lookup(dp, M_FDB, &mk, &owner) && owner == ifindex)
			err = map_delete(dp, M_FDB, &mk);
	}
	if (!err && (!new || old->ip != new->ip)) {
		err = dst_release(dp, M_IPCACHE, xnet_ip_slot(old->ip), ifindex);
		if (!err && !map_lookup(dp, M_IP2EP, &old->ip, &owner) && owner == ifindex)
			err = map_delete(dp, M_IP2EP, &old->ip);
	}
	if (!err && (!new || old->net_id != new->net_id))
		err = ports_remove(dp, old->net_id, ifindex);
	return err;
}

int dp__endpoint_set(struct xnet_dp *dp, const struct dp_endpoint *e)
{
	struct xnet_endpoint old, ep = { .net_id = e->net_id, .ifindex = e->ifindex, .ip = e->ip,
					 .flags = e->flags };
	struct xnet_mac_key mk = {};
	struct xnet_network net;
	struct xnet_if_cache c;
	char name[IF_NAMESIZE], ibuf[INET_ADDRSTRLEN], mbuf[18];
	bool existed, changed;
	int err;

	if (!e->ifindex) {
		log_error("endpoint: invalid ifindex 0");
		return -EINVAL;
	}
	if (map_lookup(dp, M_NETWORKS, &e->net_id, &net)) {
		log_error("endpoint on %s (ifindex %u): network %u is not in the datapath; "
			  "set the network first", ifname(e->ifindex, name), e->ifindex, e->net_id);
		return -ENOENT;
	}
	memcpy(ep.mac, e->mac, 6);
	memcpy(mk.mac, e->mac, 6);
	existed = !map_lookup(dp, M_ENDPOINTS, &e->ifindex, &old);
	changed = !existed || memcmp(&old, &ep, sizeof(ep));

	err = existed && changed ? endpoint_unlink(dp, e->ifindex, &old, &ep) : 0;
	/*
	 * The flood list before the endpoint entry: an entry on this network
	 * then proves the port is listed, and re-setting an endpoint (every
	 * reconcile) skips the O(ports) scan for duplicates.
	 */
	if (!existed || old.net_id != e->net_id)
		err = err ?: ports_add(dp, e->net_id, e->ifindex, !existed);
	err = err ?: map_update(dp, M_ENDPOINTS, &e->ifindex, &ep);
	err = err ?: map_update(dp, M_FDB, &mk, &e->ifindex);
	err = err ?: map_update(dp, M_IP2EP, &e->ip, &e->ifindex);
	ifc_from_endpoint(&c, &ep, &net);
	err = err ?: ifc_set(dp, e->ifindex, &c);
	err = err ?: dst_claim(dp, M_MACCACHE, mac_slot(e->mac), e->ifindex, &ep);
	err = err ?: dst_claim(dp, M_IPCACHE, xnet_ip_slot(e->ip), e->ifindex, &ep);
	if (err) {
		log_error("cannot write endpoint %s (ifindex %u) into the datapath maps: %s",
			  ifname(e->ifindex, name), e->ifindex, strerror(-err));
		return err;
	}
	if (changed)
		log_info("datapath: endpoint %s (ifindex %u) = %s %s on network %u",
			 ifname(e->ifindex, name), e->ifindex, ip_str(e->ip, ibuf), mac_str(e->mac, mbuf),
			 e->net_id);
	/* After the ABI maps: a slot shared with a dead endpoint goes to this one. */
	err = xdp_tx_set(dp, e->ifindex);
	if (err)
		return err;
	return tc_attach(e->ifindex, BPF_TC_INGRESS, dp->prog_fd[P_LXC], dp->prog_id[P_LXC], PROG_LXC);
}

/* Every flood list holding ifindex (an endpoint entry may already be gone). */
static int ports_remove_everywhere(struct xnet_dp *dp, __u32 ifindex)
{
	struct xnet_port_key *keys;
	__u32 *vals, n;
	int err = map_dump(dp->map_fd[M_PORTS], sizeof(*keys), sizeof(__u32), (void **)&keys,
			   (void **)&vals, &n);

	for (__u32 i = 0; !err && i < n; i++)
		if (vals[i] == ifindex)
			err = ports_remove(dp, keys[i].net_id, ifindex);
	free(keys);
	free(vals);
	return err;
}

int dp__endpoint_del(struct xnet_dp *dp, __u32 ifindex)
{
	struct xnet_endpoint old;
	char name[IF_NAMESIZE];
	bool existed = !map_lookup(dp, M_ENDPOINTS, &ifindex, &old);
	int err;

	/* The caches first, so the endpoint cannot send or be sent to while its entries go. */
	err = ifc_clear(dp, ifindex, XNET_IFC_ENDPOINT, NULL);
	err = err ?: xdp_tx_clear(dp, ifindex);
	err = err ?: existed ? endpoint_unlink(dp, ifindex, &old, NULL) : 0;
	err = err ?: ports_remove_everywhere(dp, ifindex);
	/* Its DNS view and its PTR name go with it; its names are the caller's (dns.c). */
	err = err ?: map_delete(dp, M_DNS_SCOPE, &ifindex);
	err = err ?: existed ? map_delete(dp, M_DNS_PTR, &old.ip) : 0;
	err = err ?: map_delete(dp, M_ENDPOINTS, &ifindex);
	if (err) {
		log_error("cannot remove endpoint ifindex %u from the datapath maps: %s", ifindex,
			  strerror(-err));
		return err;
	}
	if (existed) {
		tc_detach_ours(ifindex, BPF_TC_INGRESS, PROG_LXC);
		log_info("datapath: endpoint %s (ifindex %u) removed", ifname(ifindex, name), ifindex);
	}
	return 0;
}

/* ------------------------------------------------------------ sweep */

static bool in_list(const __u32 *v, int n, __u32 x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/*
 * Make net's flood list exactly its endpoints: entries that are still right
 * keep their order, wrong or repeated ones go, missing ones are appended.
 */
static int ports_rebuild(struct xnet_dp *dp, __u32 net_id, const __u32 *ep_keys,
			 const struct xnet_endpoint *eps, __u32 n_eps, __u32 *removed)
{
	struct xnet_port_key key = { .net_id = net_id };
	struct xnet_network net;
	__u32 *cur = NULL, *want = NULL, n_cur = 0, n_want = 0, port;
	int err = 0;

	if (map_lookup(dp, M_NETWORKS, &net_id, &net))
		return 0;
	cur = calloc(net.nports + 1, sizeof(*cur));
	want = calloc(net.nports + n_eps + 1, sizeof(*want));
	if (!cur || !want) {
		err = -ENOMEM;
		goto out;
	}
	for (key.idx = 0; key.idx < net.nports; key.idx++)
		cur[n_cur++] = map_lookup(dp, M_PORTS, &key, &port) ? 0 : port;
	for (__u32 i = 0; i < n_cur; i++) {
		bool member = false, dup = false;

		for (__u32 j = 0; j < n_eps; j++)
			member |= ep_keys[j] == cur[i] && eps[j].net_id == net_id;
		for (__u32 j = 0; j < n_want; j++)
			dup |= want[j] == cur[i];
		if (member && !dup)
			want[n_want++] = cur[i];
	}
	for (__u32 j = 0; j < n_eps; j++) {
		bool listed = false;

		if (eps[j].net_id != net_id)
			continue;
		for (__u32 i = 0; i < n_want; i++)
			listed |= want[i] == ep_keys[j];
		if (!listed)
			want[n_want++] = ep_keys[j];
	}
	if (n_want == n_cur && !memcmp(want, cur, n_cur * sizeof(*cur)))
		goto out;
	/* Slots first, then the count, then the surplus: the program only walks written slots. */
	for (key.idx = 0; !err && key.idx < n_want; key.idx++)
		if (key.idx >= n_cur || cur[key.idx] != want[key.idx])
			err = map_update(dp, M_PORTS, &key, &want[key.idx]);
	if (!err) {
		net.nports = n_want;
		err = map_update(dp, M_NETWORKS, &net_id, &net);
	}
	for (key.idx = n_want; !err && key.idx < n_cur; key.idx++)
		err = map_delete(dp, M_PORTS, &key);
	*removed += n_cur > n_want ? n_cur - n_want : 0;
out:
	free(cur);
	free(want);
	return err;
}

int dp__sweep(struct xnet_dp *dp, const __u32 *net_ids, int n_nets,
	      const __u32 *ep_ifindexes, int n_eps)
{
	struct xnet_endpoint *eps = NULL;
	struct xnet_network *nets = NULL;
	__u32 *net_keys = NULL, *ep_keys = NULL, n_net_keys = 0, n_ep_keys = 0, removed = 0;
	void *keys = NULL, *vals = NULL;
	__u32 n;
	int err;

	/* 1. Whole networks and endpoints the store does not know. */
	err = map_dump(dp->map_fd[M_NETWORKS], sizeof(__u32), sizeof(*nets), (void **)&net_keys,
		       (void **)&nets, &n_net_keys);
	for (__u32 i = 0; !err && i < n_net_keys; i++)
		if (!in_list(net_ids, n_nets, net_keys[i])) {
			err = dp__network_del(dp, net_keys[i]);
			removed++;
		}
	err = err ?: map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&ep_keys,
			      (void **)&eps, &n_ep_keys);
	for (__u32 i = 0; !err && i < n_ep_keys; i++)
		if (!in_list(ep_ifindexes, n_eps, ep_keys[i]) || !in_list(net_ids, n_nets, eps[i].net_id)) {
			err = dp__endpoint_del(dp, ep_keys[i]);
			removed++;
		}
	free(ep_keys);
	free(eps);
	ep_keys = NULL;
	eps = NULL;
	/* 2. Stray entries: what is left must agree with the kept endpoints. */
	err = err ?: map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&ep_keys,
			      (void **)&eps, &n_ep_keys);
	if (!err && !(err = map_dump(dp->map_fd[M_FDB], sizeof(struct xnet_mac_key), sizeof(__u32),
				     &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++) {
			struct xnet_mac_key *k = (struct xnet_mac_key *)keys + i;
			struct xnet_endpoint ep;
			__u32 v = ((__u32 *)vals)[i];

			if (map_lookup(dp, M_ENDPOINTS, &v, &ep) || memcmp(ep.mac, k->mac, 6)) {
				err = map_delete(dp, M_FDB, k);
				removed++;
			}
		}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	if (!err && !(err = map_dump(dp->map_fd[M_IP2EP], sizeof(__be32), sizeof(__u32), &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++) {
			__be32 ip = ((__be32 *)keys)[i];
			__u32 v = ((__u32 *)vals)[i];
			struct xnet_endpoint ep;

			if (map_lookup(dp, M_ENDPOINTS, &v, &ep) || ep.ip != ip) {
				err = map_delete(dp, M_IP2EP, &ip);
				removed++;
			}
		}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	for (int m = M_SUBNETS; !err && m <= M_GATEWAYS; m++) {
		__u32 ksz = m == M_SUBNETS ? sizeof(struct xnet_subnet_key) : sizeof(__u32);

		err = map_dump(dp->map_fd[m], ksz, sizeof(__u32), &keys, &vals, &n);
		for (__u32 i = 0; !err && i < n; i++)
			if (!in_list(net_ids, n_nets, ((__u32 *)vals)[i])) {
				err = map_delete(dp, (enum dp_map)m, (char *)keys + (size_t)i * ksz);
				removed++;
			}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	/* 3. Flood lists: exactly the kept endpoints of each kept network. */
	if (!err && !(err = map_dump(dp->map_fd[M_PORTS], sizeof(struct xnet_port_key), sizeof(__u32),
				     &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++) {
			struct xnet_port_key *k = (struct xnet_port_key *)keys + i;
			struct xnet_network net;

			if (map_lookup(dp, M_NETWORKS, &k->net_id, &net) || k->idx >= net.nports) {
				err = map_delete(dp, M_PORTS, k);
				removed++;
			}
		}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	for (int i = 0; !err && i < n_nets; i++)
		err = ports_rebuild(dp, net_ids[i], ep_keys, eps, n_ep_keys, &removed);
	/* Embedded DNS: views of endpoints that are gone, PTR names of addresses nobody holds. */
	if (!err && !(err = map_dump(dp->map_fd[M_DNS_SCOPE], sizeof(__u32), sizeof(struct xnet_dns_scope),
				     &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++)
			if (!in_list(ep_keys, (int)n_ep_keys, ((__u32 *)keys)[i])) {
				err = map_delete(dp, M_DNS_SCOPE, (__u32 *)keys + i);
				removed++;
			}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	if (!err && !(err = map_dump(dp->map_fd[M_DNS_PTR], sizeof(__be32), sizeof(struct xnet_dns_ptr),
				     &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++) {
			__u32 owner;

			if (map_lookup(dp, M_IP2EP, (__be32 *)keys + i, &owner)) {
				err = map_delete(dp, M_DNS_PTR, (__be32 *)keys + i);
				removed++;
			}
		}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	/* Names of networks that are gone (the names of kept networks are dns.c's to rebuild). */
	if (!err && !(err = map_dump(dp->map_fd[M_DNS_NAMES], sizeof(struct xnet_dns_key),
				     sizeof(struct xnet_dns_rrset), &keys, &vals, &n))) {
		struct xnet_dns_key *dk = keys;

		for (__u32 i = 0; !err && i < n; i++)
			if (!in_list(net_ids, n_nets, dk[i].net_id)) {
				err = map_delete(dp, M_DNS_NAMES, &dk[i]);
				removed++;
			}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	/* 4. The caches, from what is now the truth. */
	err = err ?: dp_cache_rebuild(dp);
	if (err)
		log_error("datapath sweep failed: %s", strerror(-err));
	else if (removed)
		log_info("datapath: sweep removed %u stale entries", removed);
	free(net_keys);
	free(nets);
	free(ep_keys);
	free(eps);
	return err;
}

/* ------------------------------------------------------------ NAT */

int dp__host_get(struct xnet_dp *dp, struct xnet_host *h)
{
	__u32 zero = 0;

	return map_lookup(dp, M_HOST, &zero, h);
}

/* The uplink programs on ifindex (both directions), or off it. */
static int uplink_attach(struct xnet_dp *dp, __u32 ifindex)
{
	int err = tc_attach(ifindex, BPF_TC_INGRESS, dp->prog_fd[P_UPLINK_IN], dp->prog_id[P_UPLINK_IN],
			    PROG_UPLINK_IN);

	err = err ?: tc_attach(ifindex, BPF_TC_EGRESS, dp->prog_fd[P_UPLINK_EG],
			       dp->prog_id[P_UPLINK_EG], PROG_UPLINK_EG);
	/* XDP last, in front of a tc path that is already complete: it may only ever take less. */
	if (!err)
		xdp_attach(dp, ifindex);
	return err;
}

static void uplink_detach(__u32 ifindex)
{
	xdp_detach_ours(ifindex);
	tc_detach_ours(ifindex, BPF_TC_INGRESS, PROG_UPLINK_IN);
	tc_detach_ours(ifindex, BPF_TC_EGRESS, PROG_UPLINK_EG);
}

int dp__host_set(struct xnet_dp *dp, const struct xnet_host *h)
{
	struct xnet_host old = { 0 };
	char name[IF_NAMESIZE], ibuf[INET_ADDRSTRLEN];
	__u32 zero = 0;
	int err;

	if (h->nat_port_min > h->nat_port_max || (h->uplink_ifindex && !h->nat_port_min)) {
		log_error("host: invalid NAT port range %u-%u", h->nat_port_min, h->nat_port_max);
		return -EINVAL;
	}
	dp__host_get(dp, &old);
	/* Attach first: a failed attach leaves the old settings in force. */
	if (h->uplink_ifindex) {
		err = uplink_attach(dp, h->uplink_ifindex);
		if (err)
			return err;
	}
	err = map_update(dp, M_HOST, &zero, h);
	if (err)
		return err;
	if (old.uplink_ifindex && old.uplink_ifindex != h->uplink_ifindex)
		uplink_detach(old.uplink_ifindex);
	if (memcmp(&old, h, sizeof(old)))
		log_info("datapath: host uplink %s (ifindex %u) address %s, NAT ports %u-%u%s",
			 h->uplink_ifindex ? ifname(h->uplink_ifindex, name) : "none", h->uplink_ifindex,
			 ip_str(h->uplink_ip, ibuf), h->nat_port_min, h->nat_port_max,
			 h->flags & XNET_HOST_POLICY ? ", policy on" : "");
	return 0;
}

int dp__hostaddrs_replace(struct xnet_dp *dp, const __be32 *addrs, const __u32 *flags, int n)
{
	void *keys = NULL, *vals = NULL;
	__u32 nk = 0;
	int err = 0;

	for (int i = 0; !err && i < n; i++) {
		__u32 have;

		if (!map_lookup(dp, M_HOSTADDRS, &addrs[i], &have) && have == flags[i])
			continue;
		err = map_update(dp, M_HOSTADDRS, &addrs[i], &flags[i]);
	}
	err = err ?: map_dump(dp->map_fd[M_HOSTADDRS], sizeof(__be32), sizeof(__u32), &keys, &vals, &nk);
	for (__u32 i = 0; !err && i < nk; i++) {
		__be32 a = ((__be32 *)keys)[i];
		bool keep = false;

		for (int j = 0; j < n && !keep; j++)
			keep = addrs[j] == a;
		if (!keep)
			err = map_delete(dp, M_HOSTADDRS, &a);
	}
	free(keys);
	free(vals);
	return err;
}

static const char *proto_str(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_ICMP ? "icmp" : "?";
}

/*
 * Remove every conntrack entry for which match() says so, confirmed
 * (xnet_ct) or not (xnet_ct_new, whose values wrap the same entry).
 * Returns the number removed or -errno.
 */
static int ct_flush(struct xnet_dp *dp, bool (*match)(const struct xnet_ct_key *, const struct xnet_ct_entry *,
						      const void *), const void *arg)
{
	static const struct { enum dp_map map; size_t vsize; } tables[] = {
		{ M_CT, sizeof(struct xnet_ct_entry) },
		{ M_CT_NEW, sizeof(struct xnet_ct_pending) },
	};
	int err = 0, removed = 0;

	for (size_t t = 0; !err && t < sizeof(tables) / sizeof(tables[0]); t++) {
		void *keys = NULL, *vals = NULL;
		__u32 n = 0;

		err = map_dump(dp->map_fd[tables[t].map], sizeof(struct xnet_ct_key), tables[t].vsize,
			       &keys, &vals, &n);
		for (__u32 i = 0; !err && i < n; i++) {
			const struct xnet_ct_key *k = (struct xnet_ct_key *)keys + i;
			/* struct xnet_ct_pending starts with its struct xnet_ct_entry. */
			const struct xnet_ct_entry *v = (const void *)((char *)vals + (size_t)i * tables[t].vsize);

			if (!match(k, v, arg))
				continue;
			err = map_delete(dp, tables[t].map, k);
			removed++;
		}
		free(keys);
		free(vals);
	}
	return err ?: removed;
}

/* Entries of flows through one published binding: IN towards it, OUT back from its backend. */
struct pub_match {
	const struct xnet_pub_key *k;
	const struct xnet_pub *v;
};

static bool ct_match_pub(const struct xnet_ct_key *k, const struct xnet_ct_entry *e, const void *arg)
{
	const struct pub_match *m = arg;

	if (e->kind != XNET_CT_DNAT || k->proto != m->k->proto)
		return false;
	if (k->dir == XNET_CT_IN)
		return k->dport == m->k->port && (!m->k->host_ip || k->daddr == m->k->host_ip) &&
		       e->addr == m->v->backend_ip && e->port == m->v->backend_port;
	return k->saddr == m->v->backend_ip && k->sport == m->v->backend_port &&
	       e->port == m->k->port && (!m->k->host_ip || e->addr == m->k->host_ip);
}

int dp__published_set(struct xnet_dp *dp, const struct xnet_pub_key *k, const struct xnet_pub *v)
{
	char ibuf[INET_ADDRSTRLEN], bbuf[INET_ADDRSTRLEN];
	struct xnet_pub old;
	int err;

	if (k->pad || (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) || !k->port) {
		log_error("published port: invalid key (port %u, protocol %u)", ntohs(k->port), k->proto);
		return -EINVAL;
	}
	if (!map_lookup(dp, M_PUBLISHED, k, &old)) {
		if (!memcmp(&old, v, sizeof(old)))
			return 0;
		/* A new backend: flows to the old one must not be carried over. */
		struct pub_match m = { k, &old };

		err = ct_flush(dp, ct_match_pub, &m);
		if (err < 0)
			return err;
	}
	err = map_update(dp, M_PUBLISHED, k, v);
	if (!err)
		log_info("datapath: published %s:%u/%s -> %s:%u (ifindex %u, network %u)",
			 ip_str(k->host_ip, ibuf), ntohs(k->port), proto_str(k->proto),
			 ip_str(v->backend_ip, bbuf), ntohs(v->backend_port), v->ifindex, v->net_id);
	return err;
}

int dp__published_del(struct xnet_dp *dp, const struct xnet_pub_key *k)
{
	char ibuf[INET_ADDRSTRLEN];
	struct xnet_pub old;
	struct pub_match m = { k, &old };
	int err;

	if (map_lookup(dp, M_PUBLISHED, k, &old))
		return 0;
	/* The binding first: no new flow can start while its old ones are flushed. */
	err = map_delete(dp, M_PUBLISHED, k);
	if (err)
		return err;
	err = ct_flush(dp, ct_match_pub, &m);
	if (err < 0)
		return err;
	log_info("datapath: unpublished %s:%u/%s (%d conntrack entries removed)", ip_str(k->host_ip, ibuf),
		 ntohs(k->port), proto_str(k->proto), err);
	return 0;
}

int dp__published_sweep(struct xnet_dp *dp, const struct xnet_pub_key *keep, int n)
{
	void *keys = NULL, *vals = NULL;
	__u32 nk = 0;
	int err;

	err = map_dump(dp->map_fd[M_PUBLISHED], sizeof(struct xnet_pub_key), sizeof(struct xnet_pub),
		       &keys, &vals, &nk);
	for (__u32 i = 0; !err && i < nk; i++) {
		const struct xnet_pub_key *k = (struct xnet_pub_key *)keys + i;
		bool found = false;

		for (int j = 0; j < n && !found; j++)
			found = !memcmp(&keep[j], k, sizeof(*k));
		if (!found)
			err = dp__published_del(dp, k);
	}
	free(keys);
	free(vals);
	return err;
}

static bool ct_match_ip(const struct xnet_ct_key *k, const struct xnet_ct_entry *e, const void *arg)
{
	__be32 ip = *(const __be32 *)arg;

	return k->saddr == ip || k->daddr == ip || e->addr == ip;
}

int dp__ct_flush_ip(struct xnet_dp *dp, __be32 ip)
{
	char ibuf[INET_ADDRSTRLEN];
	int n = ct_flush(dp, ct_match_ip, &ip);

	if (n > 0)
		log_info("datapath: removed %d conntrack entries of %s", n, ip_str(ip, ibuf));
	return n < 0 ? n : 0;
}

/* Published flows of the clients a policy rule covers, both directions. */
static bool ct_match_policy(const struct xnet_ct_key *k, const struct xnet_ct_entry *e, const void *arg)
{
	const struct xnet_policy_key *p = arg;
	__u32 plen = p->prefixlen - 32;
	__be32 mask = plen ? htonl(~0U << (32 - plen)) : 0;
	__be32 client = k->dir == XNET_CT_IN ? k->saddr : k->daddr;
	__be16 hport = k->dir == XNET_CT_IN ? k->dport : e->port;

	if (e->kind != XNET_CT_DNAT || (client & mask) != (p->saddr & mask))
		return false;
	return !p->proto || (p->proto == k->proto && p->port == hport);
}

static int policy_valid(const struct xnet_policy_key *k)
{
	if (k->prefixlen < 32 || k->prefixlen > 64 || k->pad || (!k->proto && k->port) ||
	    (k->proto && k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)) {
		log_error("policy: invalid rule key (prefix %u, protocol %u, port %u)", k->prefixlen,
			  k->proto, ntohs(k->port));
		return -EINVAL;
	}
	return 0;
}

/*
 * A policy change applies to flows already established too, as Docker's
 * DOCKER-USER chain (consulted for every packet) does: the conntrack
 * entries of the clients the rule covers are removed, so their next packet
 * is judged by the new rules (a TCP flow that is no longer a SYN then dies
 * in the host stack). Other clients' flows are left alone.
 */
int dp__policy_set(struct xnet_dp *dp, const struct xnet_policy_key *k, __u32 action)
{
	__u32 old;
	int err;

	if (policy_valid(k))
		return -EINVAL;
	if (action != XNET_POLICY_ALLOW && action != XNET_POLICY_DENY) {
		log_error("policy: invalid action %u", action);
		return -EINVAL;
	}
	if (!map_lookup(dp, M_POLICY, k, &old) && old == action)
		return 0;
	err = map_update(dp, M_POLICY, k, &action);
	if (err)
		return err;
	err = ct_flush(dp, ct_match_policy, k);
	return err < 0 ? err : 0;
}

int dp__policy_del(struct xnet_dp *dp, const struct xnet_policy_key *k)
{
	__u32 old;
	int err;

	if (policy_valid(k))
		return -EINVAL;
	if (map_lookup(dp, M_POLICY, k, &old))
		return 0;
	err = map_delete(dp, M_POLICY, k);
	if (err)
		return err;
	err = ct_flush(dp, ct_match_policy, k);
	return err < 0 ? err : 0;
}

int dp__policy_sweep(struct xnet_dp *dp, const struct xnet_policy_key *keep, int n)
{
	struct xnet_policy_key k, next;
	void *prev = NULL;
	int err = 0;

	/* LPM tries have no batch lookup: walk the keys, deleting behind us. */
	for (;;) {
		bool found = false;

		if (bpf_map_get_next_key(dp->map_fd[M_POLICY], prev, &next))
			break;
		k = next;
		prev = &k;
		for (int j = 0; j < n && !found; j++)
			found = !memcmp(&keep[j], &k, sizeof(k));
		if (!found) {
			err = dp__policy_del(dp, &k);
			if (err)
				return err;
			prev = NULL;	/* start over: the walk order changed */
		}
	}
	return err;
}

/* ------------------------------------------------------------ sock hooks */

static const struct {
	enum dp_prog prog;
	enum bpf_attach_type type;
} sock_hooks[] = {
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

	for (size_t i = 0; i < sizeof(sock_hooks) / sizeof(sock_hooks[0]); i++) {
		enum dp_prog p = sock_hooks[i].prog;
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		bool ok;
		int fd;

		dp_path(dp, path, sizeof(path), LINKS_DIR, prog_names[p]);
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
	err = mkdir_ok(path);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(sock_hooks) / sizeof(sock_hooks[0]); i++) {
		enum dp_prog p = sock_hooks[i].prog;
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd;

		dp_path(dp, path, sizeof(path), LINKS_DIR, prog_names[p]);
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
				log_error("cannot update the cgroup link of %s: %s", prog_names[p], strerror(-err));
				return err;
			}
			log_info("updated cgroup hook %s to the new build", prog_names[p]);
			continue;
		}
		fd = bpf_link_create(dp->prog_fd[p], cgroup_fd, sock_hooks[i].type, NULL);
		if (fd < 0) {
			err = -errno;
			log_error("cannot attach %s to the root cgroup: %s", prog_names[p], strerror(-err));
			return err;
		}
		err = link_pin(dp, fd, prog_names[p]);
		close(fd);
		if (err)
			return err;
		log_info("attached %s to the root cgroup", prog_names[p]);
	}
	return 0;
}

int dp__host_teardown(struct xnet_dp *dp)
{
	struct xnet_host h = { 0 };
	char path[PATH_MAX + 32];
	__u32 zero = 0;

	if (!dp__host_get(dp, &h) && h.uplink_ifindex)
		uplink_detach(h.uplink_ifindex);
	memset(&h, 0, sizeof(h));
	map_update(dp, M_HOST, &zero, &h);
	/* Unpinning a link that no one else holds detaches it. */
	for (int p = 0; p < P_MAX; p++) {
		if (strncmp(prog_names[p], "sock_", 5))
			continue;
		dp_path(dp, path, sizeof(path), LINKS_DIR, prog_names[p]);
		if (!unlink(path))
			log_info("detached %s from the root cgroup", prog_names[p]);
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
		if (meta_get(dp->meta_fd, owner_keys[i], &have) || have != id[i])
			err = meta_set(dp->meta_fd, owner_keys[i], id[i]);
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
		err = meta_get(fd, owner_keys[i], &id[i]);
	close(fd);
	return err;
}

/*
 * Unlink every entry of bpf_dir/sub (pins, and the temporary names of an
 * interrupted rename) but keep, then sub itself when it is empty. How many
 * went, or -errno.
 */
static int unpin_dir(const char *bpf_dir, const char *sub, const char *keep)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	int err = 0, n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", bpf_dir, sub);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (keep && !strcmp(de->d_name, keep)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", bpf_dir, sub, de->d_name);
		if (!unlink(path))
			n++;
		else if (errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (!keep) {
		snprintf(path, sizeof(path), "%s/%s", bpf_dir, sub);
		if (rmdir(path) && errno != ENOENT)
			err = err ?: -errno;
	}
	return err ?: n;
}

int dp__unpin_all(const char *bpf_dir)
{
	int links = unpin_dir(bpf_dir, LINKS_DIR, NULL);
	int progs = unpin_dir(bpf_dir, XNET_PIN_PROGS_DIR, NULL);
	/* xnet_meta stays: the root's next command learns from it that its namespace is gone. */
	int maps = unpin_dir(bpf_dir, XNET_PIN_MAPS_DIR, META_NAME);
	int err = links < 0 ? links : progs < 0 ? progs : maps < 0 ? maps : 0;

	if (err) {
		log_error("cannot remove the pins under %s: %s", bpf_dir, strerror(-err));
		return err;
	}
	return links + progs + maps;
}

/* ------------------------------------------------------------ reload */

int dp__open_as_pinned(struct xnet_dp **dpp, const char *bpf_dir)
{
	struct xnet_dp *dp;
	int err;

	*dpp = NULL;
	libbpf_set_print(libbpf_log);
	dp = dp_alloc(bpf_dir);
	if (!dp)
		return -ENOMEM;
	err = dp_open_pinned(dp, 0, true);
	if (err) {
		free(dp);
		return err;
	}
	*dpp = dp;
	return 0;
}

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

/* A tc hook of prog on every device in the keys of map m (__u32 ifindexes) that still exists. */
static int hooks_add_tc(struct xnet_dp *dp, struct dp_hooks *hs, enum dp_map m, __u32 vsz, enum dp_prog prog,
			enum bpf_tc_attach_point where)
{
	void *keys, *vals;
	__u32 n;
	int err = map_dump(dp->map_fd[m], sizeof(__u32), vsz, &keys, &vals, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		__u32 ifindex = ((__u32 *)keys)[i];
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = where);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
		char name[IF_NAMESIZE];
		struct dp_hook *h;

		if (!if_indextoname(ifindex, name))
			continue;	/* a stale entry of a device that is gone: the sweep's business */
		h = hooks_add(hs, prog, HOOK_TC);
		if (!h) {
			err = -ENOMEM;
			break;
		}
		h->ifindex = ifindex;
		h->where = where;
		if (!bpf_tc_query(&hook, &opts) && opts.prog_id) {
			h->old_id = opts.prog_id;
			h->old_fd = bpf_prog_get_fd_by_id(opts.prog_id);
		}
	}
	free(keys);
	free(vals);
	return err;
}

/* Every attachment a reload swaps: gateways, endpoints, the uplink (tc, XDP), the cgroup links. */
static int hooks_collect(struct xnet_dp *dp, struct dp_hooks *hs)
{
	struct xnet_host host = { 0 };
	int err;

	err = hooks_add_tc(dp, hs, M_GATEWAYS, sizeof(__u32), P_GW, BPF_TC_EGRESS);
	err = err ?: hooks_add_tc(dp, hs, M_ENDPOINTS, sizeof(struct xnet_endpoint), P_LXC, BPF_TC_INGRESS);
	if (err)
		return err;
	if (!dp__host_get(dp, &host) && host.uplink_ifindex) {
		char name[IF_NAMESIZE];
		__u32 cur = 0;

		if (if_indextoname(host.uplink_ifindex, name)) {
			for (int d = 0; d < 2; d++) {
				LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)host.uplink_ifindex,
					    .attach_point = d ? BPF_TC_EGRESS : BPF_TC_INGRESS);
				LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
				struct dp_hook *h = hooks_add(hs, d ? P_UPLINK_EG : P_UPLINK_IN, HOOK_TC);

				if (!h)
					return -ENOMEM;
				h->ifindex = host.uplink_ifindex;
				h->where = hook.attach_point;
				if (!bpf_tc_query(&hook, &opts) && opts.prog_id) {
					h->old_id = opts.prog_id;
					h->old_fd = bpf_prog_get_fd_by_id(opts.prog_id);
				}
			}
			/* XDP only where ours runs: whether it belongs there is the next dp__host_set's call. */
			if (!bpf_xdp_query_id((int)host.uplink_ifindex, XDP_FLAGS_DRV_MODE, &cur) && cur &&
			    prog_id_named(cur, PROG_UPLINK_XDP)) {
				struct dp_hook *h = hooks_add(hs, P_UPLINK_XDP, HOOK_XDP);

				if (!h)
					return -ENOMEM;
				h->ifindex = host.uplink_ifindex;
				h->old_id = cur;
				h->old_fd = bpf_prog_get_fd_by_id(cur);
				if (h->old_fd < 0)
					hs->n--;	/* detached meanwhile */
			}
		}
	}
	for (size_t i = 0; i < sizeof(sock_hooks) / sizeof(sock_hooks[0]); i++) {
		enum dp_prog p = sock_hooks[i].prog;
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX + 32];
		struct dp_hook *h;
		int fd;

		dp_path(dp, path, sizeof(path), LINKS_DIR, prog_names[p]);
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
	snprintf(s->prog, sizeof(s->prog), "%s", prog_names[h->prog]);
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
	__u64 build = build_hash();
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
		int fd = dp_build_prog_fd(b, prog_names[h->prog]);

		if (fd < 0) {
			err = -ENOENT;
		} else if (fp && !strcmp(fp, "reload-kill") && i == 1) {
			/* Tests: kill -9 once the first hook runs the new program. */
			log_warn("failpoint reload-kill: killing myself");
			raise(SIGKILL);
		} else if (fp && !strcmp(fp, "reload-swap") && i == hs.n - 1) {
			/* Tests: the kernel refusing the last swap, once every other one is done. */
			log_warn("failpoint reload-swap: failing the swap of %s", prog_names[h->prog]);
			err = -EIO;
		} else {
			err = hook_set(h, fd, h->old_fd);
		}
		if (err) {
			char dev[IF_NAMESIZE] = "";

			if (h->kind != HOOK_CGROUP && !if_indextoname(h->ifindex, dev))
				snprintf(dev, sizeof(dev), "%u", h->ifindex);
			snprintf(why, why_len, "cannot put the new %s on %s%s%s: %s", prog_names[h->prog],
				 hook_where(h), dev[0] ? " of " : "", dev, strerror(-err));
			break;
		}
		swap_fill(&sw[i], h, prog_id(fd));
		log_info("reload: %s on %s %s: program %u -> %u", sw[i].prog, sw[i].hook, sw[i].dev,
			 sw[i].old_id, sw[i].new_id);
	}
	if (err) {
		/* Back, newest first: every hook runs the programs it ran before, the pins still name them. */
		for (int j = i - 1; j >= 0; j--) {
			int e = hs.v[j].old_id && hs.v[j].old_fd < 0 ? -EBADF :
				hook_set(&hs.v[j], hs.v[j].old_fd, dp_build_prog_fd(b, prog_names[hs.v[j].prog]));

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

/* ------------------------------------------------------------ stats */

/* ------------------------------------------------------------ embedded DNS */

int dp__dns_name_set(struct xnet_dp *dp, const struct xnet_dns_key *k, const __be32 *addrs, int n)
{
	struct xnet_dns_rrset rr = { 0 };

	if (n <= 0)
		return map_delete(dp, M_DNS_NAMES, k);
	rr.count = (__u32)(n > XNET_DNS_MAX_ADDRS ? XNET_DNS_MAX_ADDRS : n);
	memcpy(rr.addrs, addrs, rr.count * sizeof(*addrs));
	return map_update(dp, M_DNS_NAMES, k, &rr);
}

static int dns_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xnet_dns_key));
}

int dp__dns_names_sweep(struct xnet_dp *dp, struct xnet_dns_key *keep, int n_keep)
{
	struct xnet_dns_key *keys;
	void *vals;
	__u32 n, removed = 0;
	int err;

	/* keep may be NULL when nothing is kept: qsort and bsearch want a valid pointer even for 0 items. */
	if (n_keep > 0)
		qsort(keep, (size_t)n_keep, sizeof(*keep), dns_key_cmp);
	err = map_dump(dp->map_fd[M_DNS_NAMES], sizeof(*keys), sizeof(struct xnet_dns_rrset), (void **)&keys,
		       &vals, &n);
	if (err)
		return err;
	for (__u32 i = 0; !err && i < n; i++)
		if (n_keep <= 0 || !bsearch(&keys[i], keep, (size_t)n_keep, sizeof(*keep), dns_key_cmp)) {
			err = map_delete(dp, M_DNS_NAMES, &keys[i]);
			removed++;
		}
	free(keys);
	free(vals);
	if (removed)
		log_info("datapath: %u stale DNS names removed", removed);
	return err;
}

int dp__dns_scope_set(struct xnet_dp *dp, __u32 ifindex, const struct xnet_dns_scope *scope)
{
	return scope ? map_update(dp, M_DNS_SCOPE, &ifindex, scope) : map_delete(dp, M_DNS_SCOPE, &ifindex);
}

int dp__dns_ptr_set(struct xnet_dp *dp, __be32 ip, const struct xnet_dns_ptr *ptr)
{
	return ptr ? map_update(dp, M_DNS_PTR, &ip, ptr) : map_delete(dp, M_DNS_PTR, &ip);
}

int dp__drop_stats(struct xnet_dp *dp, struct xnet_drop_counter out[XNET_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct xnet_drop_counter *percpu;

	memset(out, 0, sizeof(*out) * XNET_DROP_MAX);
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 r = 0; r < XNET_DROP_MAX; r++) {
		if (bpf_map_lookup_elem(dp->map_fd[M_DROPS], &r, percpu)) {
			int err = -errno;

			log_error("cannot read BPF map %s: %s", map_names[M_DROPS], strerror(-err));
			free(percpu);
			return err;
		}
		for (int c = 0; c < ncpu; c++) {
			out[r].packets += percpu[c].packets;
			out[r].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	return 0;
}

/* The kernel's own account of a map's memory: "memlock:" in its fdinfo. */
static int fd_memlock(int fd, uint64_t *bytes)
{
	char path[64], line[256];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*bytes += v;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int dp__map_memory(struct xnet_dp *dp, uint64_t *bytes)
{
	int err;

	*bytes = 0;
	for (int i = 0; i < M_MAX; i++) {
		err = fd_memlock(dp->map_fd[i], bytes);
		if (err) {
			log_error("cannot read the memory of BPF map %s: %s", map_names[i], strerror(-err));
			return err;
		}
	}
	return fd_memlock(dp->meta_fd, bytes);
}
