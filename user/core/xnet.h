/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xnet.h: the per-command context shared by every CLI module, and the
 * objects of the store (networks, containers, endpoints) as C structs.
 */
#ifndef XNET_XNET_H
#define XNET_XNET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include <json-c/json.h>

#define XNET_DEFAULT_ROOT	"/var/lib/xnet"
#define XNET_GW_PREFIX		"xnbr-"	/* gateway veth of a network: xnbr-<8 hex of id> */
#define XNET_EP_PREFIX		"xnv"	/* host side of an endpoint: xnv<11 hex of endpoint id> */
#define XNET_ID_LEN		64

struct xnet_dp;

/* One command's context. */
struct xnet {
	char root[PATH_MAX];
	char db_path[PATH_MAX + 16];
	char bpf_dir[PATH_MAX + 16];
	char netns_dir[PATH_MAX + 16];
	char containers_dir[PATH_MAX + 16];
	char dirty_path[PATH_MAX + 16];
	sqlite3 *db;
	struct xnet_dp *dp;	/* opened by xnet__kernel() */
	bool json;		/* --json */
	bool in_txn;
	bool kernel_touched;	/* this transaction changed the kernel */
	bool reconciled;	/* reconcile__all() ran in this transaction */
	bool teardown;		/* system teardown: a fresh datapath is not rebuilt first */
	bool kernel_gone;	/* teardown found nothing of this host in the kernel (reboot, namespace gone) */
	bool dp_as_pinned;	/* xnet__kernel() opens the pinned build as it is (system reload) */
};

struct network {
	char id[XNET_ID_LEN + 1];
	char name[256];
	char driver[16];	/* bridge, host, null */
	int kidx;		/* datapath net_id, 0 for host/none */
	uint32_t subnet;	/* host byte order */
	int prefix;
	uint32_t gateway;
	uint32_t range_start, range_end;	/* allocation range (ip-range or subnet), inclusive */
	char ip_range[32];	/* as given, "" when none */
	bool internal, attachable, icc, masq, builtin;
	int mtu;
	char created[64];
};

struct endpoint {
	char id[XNET_ID_LEN + 1];
	char container_id[XNET_ID_LEN + 1];
	char network_id[XNET_ID_LEN + 1];
	char ifname[16];	/* inside the sandbox: eth0, eth1, ... */
	char host_ifname[16];	/* host side: xnv... */
	uint32_t ip;		/* host byte order */
	int idx;		/* N of ethN */
	bool user_ip;		/* --ip given */
	char aliases[1024];	/* JSON array */
};

struct container {
	char id[XNET_ID_LEN + 1];
	char name[256];
	char hostname[256];
	char netmode[300];	/* "default" (own netns + endpoints), "host", "none", "container:<id>" */
	char *cmd;		/* JSON array (owned) */
	char *env;		/* JSON array (owned) */
	char created[64];
	char started[64];
	long pid;
	unsigned long long starttime;
	long shim_pid;
	bool auto_remove;
	int exit_code;		/* recorded for foreground runs, -1 unknown */
	char finished[64];
};

/* ---- main.c: errors ---- */
/* Print "Error: msg" (or {"error": msg} with --json) to stderr. Returns -1. */
int xerr(struct xnet *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a JSON value (pretty) to stdout and free it. */
void xnet__print_json(struct json_object *o);

/* ---- store.c ---- */
int store__open(struct xnet *x);
void store__close(struct xnet *x);
/*
 * BEGIN IMMEDIATE: the one global write lock. Also opens the datapath
 * (x->dp is valid for the whole transaction) and runs crash recovery.
 */
int store__begin(struct xnet *x);
int store__commit(struct xnet *x);
/* Roll back the store; if the kernel was touched, reconcile it back to the store. */
void store__rollback(struct xnet *x);
int store__exec(struct xnet *x, const char *sql);
sqlite3_stmt *store__prepare(struct xnet *x, const char *sql);
/* The meta table (settings, counters): 0, -ENOENT (out = ""), -EIO. */
int store__meta_get(struct xnet *x, const char *key, char *out, size_t len);
int store__meta_set(struct xnet *x, const char *key, const char *value);
/* Mark that the kernel is about to change (crash marker on disk). */
void store__kernel_touch(struct xnet *x);

int store__network_get(struct xnet *x, const char *name_or_id, struct network *n);	/* 0, -ENOENT, -EINVAL (ambiguous) */
int store__network_get_id(struct xnet *x, const char *id, struct network *n);
void store__network_row(sqlite3_stmt *st, struct network *n);
#define NETWORK_COLS "id,name,driver,kidx,subnet,prefix,gateway,range_start,range_end,ip_range,internal,attachable,icc,masq,builtin,mtu,created"

int store__container_get(struct xnet *x, const char *name_or_id, struct container *c);
void store__container_row(sqlite3_stmt *st, struct container *c);
void container__free(struct container *c);
#define CONTAINER_COLS "id,name,hostname,netmode,cmd,env,created,started,pid,starttime,shim_pid,auto_remove,exit_code,finished"

void store__endpoint_row(sqlite3_stmt *st, struct endpoint *e);
#define ENDPOINT_COLS "id,container_id,network_id,ifname,host_ifname,ip,idx,user_ip,aliases"

/*
 * Crash injection for tests: when $XNET_FAILPOINT equals name, the process
 * SIGKILLs itself right there, as `kill -9` would at that instant.
 */
void store__failpoint(const char *name);

/* ---- util.c ---- */
void util__random_id(char out[XNET_ID_LEN + 1]);
void util__random_name(char *out, size_t len);
void util__now_rfc3339(char *out, size_t len);
/* "2 minutes ago" style (Docker's units.HumanDuration) from an RFC 3339 time. */
void util__ago(const char *rfc3339, char *out, size_t len);
void util__human_duration(long secs, char *out, size_t len);
bool util__valid_name(const char *s);
/*
 * A DNS name of at most max bytes (hostnames: 64, Linux's HOST_NAME_MAX;
 * aliases: 253): dot-separated labels of 1 to 63 letters, digits, '-' and
 * '_' (tolerated, as Docker does), no label starting or ending with '-'.
 * NULL when valid, else what is wrong, for the error message.
 */
const char *util__dns_name_error(const char *s, size_t max);
/* s for an error message, Go's %q style: control characters, '"' and '\' escaped, cut after 128 bytes. */
const char *util__quote(const char *s);
void util__ip_str(uint32_t ip, char *out);	/* host order -> dotted, out >= 16 */
int util__parse_ip(const char *s, uint32_t *ip);	/* dotted -> host order */
int util__parse_cidr(const char *s, uint32_t *net, int *prefix); /* -EINVAL */
uint32_t util__mask(int prefix);
void util__mac_from_ip(uint32_t ip, uint8_t mac[6]);
void util__mac_str(const uint8_t mac[6], char *out);	/* out >= 18 */
int util__mkdir_p(const char *path);
int util__write_file(const char *path, const char *content);
int util__write_proc(const char *path, const char *value);	/* one write(), -errno */
int util__write_inplace(const char *path, const char *content);	/* keeps the inode (bind mounts) */
char *util__read_file(const char *path);	/* malloc'd, NULL on error */
int util__rm_rf(const char *path);
/* IPv6 off on a device of the current namespace: our devices carry IPv4 only. */
void util__ipv6_off(const char *ifname);	/* remove a file or a directory tree; missing = 0 */
/*
 * Text of any length, for listings and files built piece by piece (never a
 * fixed buffer that truncates or overflows). Zero-initialise; util__sb_add
 * appends sep (unless the text is still empty) and then the formatted item;
 * running out of memory aborts. util__sb_str is "" while nothing was added.
 */
struct strbuf { char *s; size_t len, cap; };
void util__sb_add(struct strbuf *b, const char *sep, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *util__sb_str(const struct strbuf *b);
void util__sb_free(struct strbuf *b);

/* ---- kernel side (reconcile.c) ---- */
/* Mount bpffs and the netns dir, open the datapath; reconcile fully if needed. */
int xnet__kernel(struct xnet *x);
int reconcile__all(struct xnet *x);
int network__kernel_apply(struct xnet *x, const struct network *n);
int network__kernel_remove(struct xnet *x, const struct network *n);
void network__gw_name(const struct network *n, char *out);	/* out >= 16 */
void network__gw_mac(const struct network *n, uint8_t mac[6]);

/* ---- endpoint.c ---- */
int endpoint__kernel_apply(struct xnet *x, const struct container *c, const struct endpoint *e,
			   const struct network *n, bool default_route);
int endpoint__kernel_remove(struct xnet *x, const struct container *c, const struct endpoint *e);
int endpoint__list(struct xnet *x, const char *container_id, struct endpoint **out, int *n);
/* Rewrite the sandbox's /etc/hosts from its endpoints. */
int container__write_hosts(struct xnet *x, const struct container *c);
void container__dir(struct xnet *x, const char *id, char *out, size_t len);
void container__netns_path(struct xnet *x, const struct container *c, char *out, size_t len);

/* ---- ipam.c ---- */
/* A default pool free in the store and on the host: 0, -ENOSPC, or -errno (netlink). */
int ipam__pick_pool(struct xnet *x, uint32_t *subnet, int *prefix);
/* Does net/prefix overlap a block no network may take? why gets "127.0.0.0/8 (loopback)". */
bool ipam__reserved(uint32_t net, int prefix, char *why, size_t len);
/* Does it overlap an address or route of the host (not our gateways)? 1 (who says which), 0, -errno. */
int ipam__host_overlap(uint32_t subnet, int prefix, char *who, size_t wholen);
bool ipam__overlaps(struct xnet *x, uint32_t subnet, int prefix, char *who, size_t wholen);
int ipam__allocate(struct xnet *x, const struct network *n, uint32_t *ip);
/* Check a user-chosen address (--ip); returns 0 or -1 after printing the error. */
int ipam__check_user_ip(struct xnet *x, const struct network *n, uint32_t ip, const char *given);
int ipam__alloc_kidx(struct xnet *x);

/* ---- commands ---- */
int cmd_network(struct xnet *x, int argc, char **argv);
int cmd_run(struct xnet *x, int argc, char **argv);
int cmd_exec(struct xnet *x, int argc, char **argv);
int cmd_ps(struct xnet *x, int argc, char **argv);
int cmd_rm(struct xnet *x, int argc, char **argv);
int cmd_inspect(struct xnet *x, int argc, char **argv);
int cmd_system(struct xnet *x, int argc, char **argv);

/* ---- gc.c ---- */
/*
 * Remove the socket hooks and pinned objects of every host whose network
 * namespace is gone (see gc.c); every invocation runs it. Returns how many
 * hosts were cleaned or -errno; their bpffs paths are added to report.
 */
int gc__run(struct xnet *x, struct json_object *report);
int gc__cmd(struct xnet *x, int argc, char **argv);

/* container.c, used by network connect/disconnect */
bool container__running(const struct container *c);
int container__connect(struct xnet *x, struct container *c, const struct network *n,
		       const char *ip, char **aliases, int naliases);
int container__disconnect(struct xnet *x, struct container *c, const struct network *n);
int container__remove(struct xnet *x, struct container *c, bool force);

/* network.c, used by inspect */
struct json_object *network__inspect_json(struct xnet *x, const struct network *n);

/* template.c: Go text/template subset over a JSON value. */
int template__render(const char *tmpl, struct json_object *root, char **out, char *err, size_t errlen);

#endif /* XNET_XNET_H */
