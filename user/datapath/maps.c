// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath maps: the names of the pinned maps and programs, map access
 * (lookup, update, delete, dump), and the bookkeeping map xnet_meta with the
 * per-map layout signatures a reload checks before it reuses a pinned map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/internal.h"
#include "lib/log.h"

const char *const map_names[M_MAX] = {
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

const char *const dp_prog_names[P_MAX] = {
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

void dp_path(const struct xnet_dp *dp, char *buf, size_t len, const char *sub, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", dp->dir, sub, name);
}

const char *dp_ifname(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "?");
	return buf;
}

/* 64-bit FNV-1a: cheap, and plenty to tell two builds apart. */
__u64 dp_fnv(__u64 h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

int map_lookup(struct xnet_dp *dp, enum dp_map m, const void *key, void *val)
{
	return bpf_map_lookup_elem(dp->map_fd[m], key, val) ? -errno : 0;
}

int map_update(struct xnet_dp *dp, enum dp_map m, const void *key, const void *val)
{
	int err = bpf_map_update_elem(dp->map_fd[m], key, val, BPF_ANY) ? -errno : 0;

	if (err)
		log_error("cannot update BPF map %s: %s", map_names[m], strerror(-err));
	return err;
}

/* Delete; a missing key is fine. */
int map_delete(struct xnet_dp *dp, enum dp_map m, const void *key)
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
int map_dump(int fd, __u32 ksz, __u32 vsz, void **keys, void **vals, __u32 *n)
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
		return dp_fnv(h, "?", 1);
	h = dp_fnv(h, &t->info, sizeof(t->info));
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		return dp_fnv(h, &t->size, sizeof(t->size));
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);

		h = dp_fnv(h, &a->nelems, sizeof(a->nelems));
		return btf_layout(btf, a->type, h, depth + 1);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);

		h = dp_fnv(h, &t->size, sizeof(t->size));
		for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
			const char *name = btf__name_by_offset(btf, m->name_off);

			h = dp_fnv(h, name, strlen(name) + 1);
			h = dp_fnv(h, &m->offset, sizeof(m->offset));
			h = btf_layout(btf, m->type, h, depth + 1);
		}
		return h;
	}
	default:
		return h;
	}
}

/* What must not change for a pinned map to be reused: geometry and the key/value layouts. */
__u64 map_signature(const struct btf *btf, const struct bpf_map *map)
{
	__u32 geo[5] = {
		bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
		bpf_map__max_entries(map), bpf_map__map_flags(map),
	};
	__u64 h = dp_fnv(FNV_SEED, geo, sizeof(geo));

	if (btf && bpf_map__btf_key_type_id(map))
		h = btf_layout(btf, bpf_map__btf_key_type_id(map), h, 0);
	if (btf && bpf_map__btf_value_type_id(map))
		h = btf_layout(btf, bpf_map__btf_value_type_id(map), h, 0);
	return h;
}

int map_meta_get(int fd, const char *name, __u64 *val)
{
	char key[META_KEY_LEN] = {};

	snprintf(key, sizeof(key), "%s", name);
	return bpf_map_lookup_elem(fd, key, val) ? -errno : 0;
}

int map_meta_set(int fd, const char *name, __u64 val)
{
	char key[META_KEY_LEN] = {};

	snprintf(key, sizeof(key), "%s", name);
	return bpf_map_update_elem(fd, key, &val, BPF_ANY) ? -errno : 0;
}
