/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * datapath internals: struct xnet_dp and what the files of datapath/ share.
 * Not part of the contract (datapath.h); nothing outside datapath/ includes it.
 *
 * Layout under <bpf_dir> (a bpffs):
 *   maps/<name>      every map of bpf/lib/maps.h, shared by all objects
 *   maps/xnet_meta   our own bookkeeping: build hash and per-map layout
 *                    signatures (HASH, char[16] name -> __u64)
 *   progs/<name>     every program of the embedded objects (dp_prog_names[])
 *   links/<name>     the cgroup links of the sock_* programs (root cgroup)
 *
 * The files:
 *   maps.c     map and program names, map access and dump, xnet_meta, layout signatures
 *   loader.c   open, load and pin the embedded objects (the only file with the skeletons)
 *   attach.c   tc, XDP and cgroup attachment, the uplink, the socket hooks' owner
 *   cache.c    the array caches (ifcache, maccache, ipcache) and xnet_xdp_tx
 *   net.c      networks, endpoints and their flood lists
 *   sweep.c    dp__sweep: the maps made to agree with the store
 *   nat.c      host settings, published ports, policy, conntrack flushes
 *   reload.c   `xnet system reload`: every attachment swapped to a new build
 *   dns.c      the embedded DNS maps
 *   stats.c    drop counters and map memory
 */
#ifndef XNET_DATAPATH_INTERNAL_H
#define XNET_DATAPATH_INTERNAL_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "datapath/datapath.h"
#include "xnet_cache.h"
#include "xnet_xdp.h"

/* Maps by role. Order = index into dp->map_fd. */
enum dp_map {
	M_NETWORKS, M_ENDPOINTS, M_FDB, M_IP2EP, M_PORTS, M_SUBNETS, M_GATEWAYS, M_DROPS,
	M_IFCACHE, M_MACCACHE, M_IPCACHE,
	M_HOST, M_HOSTADDRS, M_PUBLISHED, M_POLICY, M_CT, M_CT_NEW, M_CT_BUDGET, M_FRAGS, M_SOCK_REV, M_SOCK_PEER,
	M_DNS_NAMES, M_DNS_SCOPE, M_DNS_PTR,
	M_XDP_TX,
	M_MAX,
};

/* Programs by role. Order = index into dp->prog_fd. */
enum dp_prog {
	P_LXC, P_GW,
	P_UPLINK_IN, P_UPLINK_EG, P_UPLINK_XDP,
	P_CONNECT4, P_SENDMSG4, P_RECVMSG4, P_GETPEERNAME4, P_BIND4,
	P_CONNECT6, P_SENDMSG6, P_RECVMSG6, P_GETPEERNAME6, P_BIND6,
	P_MAX,
};

extern const char *const map_names[M_MAX];
extern const char *const dp_prog_names[P_MAX];

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

/* maps.c: names, map access, xnet_meta, layout signatures */
/* <dir>/<sub>/<name>: sub is XNET_PIN_MAPS_DIR, XNET_PIN_PROGS_DIR or LINKS_DIR. */
void dp_path(const struct xnet_dp *dp, char *buf, size_t len, const char *sub, const char *name);
/* For log lines: the device's name ("?" when it is gone); addresses and MACs are lib/addr.h's. */
const char *dp_ifname(__u32 ifindex, char buf[IF_NAMESIZE]);
__u64 dp_fnv(__u64 h, const void *data, size_t len);
#define FNV_SEED	0xcbf29ce484222325ULL
/* 0 or -errno; update and delete log their failure, a missing key is no error for delete. */
int map_lookup(struct xnet_dp *dp, enum dp_map m, const void *key, void *val);
int map_update(struct xnet_dp *dp, enum dp_map m, const void *key, const void *val);
int map_delete(struct xnet_dp *dp, enum dp_map m, const void *key);
/* Every key and value of the map fd into *keys and *vals (caller frees both). */
int map_dump(int fd, __u32 ksz, __u32 vsz, void **keys, void **vals, __u32 *n);
/* What must not change for a pinned map to be reused (geometry, BTF layouts). */
__u64 map_signature(const struct btf *btf, const struct bpf_map *map);
/* xnet_meta entries: a name (a map's, META_BUILD, an owner word) -> __u64. */
int map_meta_get(int fd, const char *name, __u64 *val);
int map_meta_set(int fd, const char *name, __u64 val);

/* loader.c: the embedded objects, the pins */
struct dp_build;	/* one build of the programs, loaded over the pinned maps */
__u64 dp_build_hash(void);
void dp_close_fds(struct xnet_dp *dp);
__u32 dp_prog_id(int fd);
/* The pins of this build (any build with any_build): -ESTALE another build, -ENOENT missing. */
int dp_open_pinned(struct xnet_dp *dp, __u64 build, bool any_build);
int dp_mkdir(const char *path);
int dp_build_load(struct xnet_dp *dp, struct dp_build **out);
int dp_build_prog_fd(const struct dp_build *b, const char *name);
int dp_build_pin(struct xnet_dp *dp, struct dp_build *b, __u64 build);
void dp_build_close(struct dp_build *b);

/* attach.c: tc, XDP, cgroup hooks; only our own programs are ever replaced or detached */
int dp_tc_attach(__u32 ifindex, enum bpf_tc_attach_point where, int prog_fd, __u32 id,
		 const char *what);
void dp_tc_detach_ours(__u32 ifindex, enum bpf_tc_attach_point where, const char *what);
/* Is the program with this id one of ours called what (any build)? */
bool dp_prog_id_named(__u32 id, const char *what);
/* The uplink programs (tc both ways, then XDP where it belongs) on ifindex, or off it. */
int dp_uplink_attach(struct xnet_dp *dp, __u32 ifindex);
void dp_uplink_detach(__u32 ifindex);
/* The cgroup hook of each sock_* program. */
#define DP_NSOCK_HOOKS	(P_BIND6 - P_CONNECT4 + 1)
struct dp_sock_hook {
	enum dp_prog prog;
	enum bpf_attach_type type;
};
extern const struct dp_sock_hook dp_sock_hooks[DP_NSOCK_HOOKS];

/* cache.c: ifcache, maccache, ipcache and xnet_xdp_tx, derived from the ABI maps */
void dp_ifc_from_network(struct xnet_if_cache *c, __u16 kind, __u32 net_id,
			 const struct xnet_network *net);
void dp_ifc_from_endpoint(struct xnet_if_cache *c, const struct xnet_endpoint *ep,
			  const struct xnet_network *net);
__u32 dp_mac_slot(const __u8 *mac);
int dp_ifc_set(struct xnet_dp *dp, __u32 ifindex, const struct xnet_if_cache *c);
int dp_ifc_clear(struct xnet_dp *dp, __u32 ifindex, __u16 kind, const __u32 *net_id);
int dp_ifc_refresh_network(struct xnet_dp *dp, __u32 net_id, const struct xnet_network *net);
int dp_dst_claim(struct xnet_dp *dp, enum dp_map m, __u32 slot, __u32 ifindex,
		 const struct xnet_endpoint *ep);
int dp_dst_release(struct xnet_dp *dp, enum dp_map m, __u32 slot, __u32 ifindex);
int dp_xdp_tx_set(struct xnet_dp *dp, __u32 ifindex);
int dp_xdp_tx_clear(struct xnet_dp *dp, __u32 ifindex);
/* Every cache entry recomputed from the ABI maps, the differences written. */
int dp_cache_rebuild(struct xnet_dp *dp);

#endif /* XNET_DATAPATH_INTERNAL_H */
