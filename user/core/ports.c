// SPDX-License-Identifier: GPL-2.0-only
/*
 * ports: port publishing, Docker's way (`run -p/-P/--expose`, `xnet port`,
 * the PORTS column of ps, the port fields of inspect).
 *
 * The store holds what was asked (port_bindings, exposed_ports,
 * port_settings) and what was allocated (published_ports, one row per host
 * (ip, port, proto), so a host port belongs to one sandbox at most). The
 * kernel entries (xnet_published) are derived from published_ports and the
 * sandbox's backend endpoint (its lowest ethN) by ports__kernel_apply(), on
 * run, connect, disconnect and reconcile.
 *
 * There is no proxy process and no socket held open per port (Docker holds
 * one): while a port is published the socket hooks refuse host processes
 * that bind() it (bpf/sock.bpf.c), the kernel does not hand it out as an
 * automatic port (ip_local_reserved_ports, reserved_sync()), and before
 * publishing we bind() a probe socket once to find ports a host process
 * already has.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "datapath/datapath.h"
#include "drivers/bridge.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "core/ports.h"
#include "lib/portspec.h"
#include "core/xnet.h"
#include <json-c/json.h>
#include "core/endpoint.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/networks.h"
#include "store/ports.h"
#include "store/sandboxes.h"
#include "xnet_abi.h"

/* seq of bindings that -P adds for exposed ports with no -p (after every -p binding). */
#define SEQ_PUBLISH_ALL 1000000

/* ------------------------------------------------------------------ parsing */

/* The grammar is lib/portspec.c; here its errors become the command's. */
int ports__parse_publish(struct xnet *x, struct ports_req *r, const char *spec)
{
	char err[PORTSPEC_ERR_LEN];

	return portspec__parse_publish(r, spec, err, sizeof(err)) ? xerr(x, "%s", err) : 0;
}

int ports__parse_expose(struct xnet *x, struct ports_req *r, const char *spec)
{
	char err[PORTSPEC_ERR_LEN];

	return portspec__parse_expose(r, spec, err, sizeof(err)) ? xerr(x, "%s", err) : 0;
}

bool ports__req_publishes(const struct ports_req *r)
{
	return r->nbinds > 0 || (r->publish_all && r->nexposed > 0);
}

int ports__check_netmode(struct xnet *x, const struct ports_req *r, enum netmode mode)
{
	if (mode == NETMODE_CONTAINER) {
		/* Docker's runconfig errors, in its order. */
		if (r->nbinds || r->publish_all)
			return xerr(x, "conflicting options: port publishing and the container type network mode");
		if (r->nexposed)
			return xerr(x, "conflicting options: port exposing and the container type network mode");
	} else if (mode == NETMODE_HOST && r->nbinds) {
		fprintf(stderr, "WARNING: Published ports are discarded when using host network mode\n");
	}
	return 0;
}

/* --------------------------------------------------------------- allocation */

/* A set of ports (a bitmap of all 65536), for net.ipv4.ip_local_reserved_ports. */
struct port_set { uint64_t w[65536 / 64]; };

static bool set_has(const struct port_set *ps, unsigned p)
{
	return ps->w[p / 64] >> (p % 64) & 1;
}

static void set_add(struct port_set *ps, unsigned p)
{
	ps->w[p / 64] |= 1ULL << (p % 64);
}

/* "1000-1005,2000" (the sysctl's format) into @ps; unparsable items are skipped. */
static void set_parse(struct port_set *ps, const char *text)
{
	char *s = text ? strdup(text) : NULL, *save = NULL;

	memset(ps, 0, sizeof(*ps));
	for (char *t = s ? strtok_r(s, ",\n ", &save) : NULL; t; t = strtok_r(NULL, ",\n ", &save)) {
		unsigned a, b;

		if (sscanf(t, "%u-%u", &a, &b) != 2 && (sscanf(t, "%u", &a) != 1 || (b = a, 0)))
			continue;
		for (unsigned p = a; p <= b && p < 65536; p++)
			set_add(ps, p);
	}
	free(s);
}

/* The sysctl's format back, ranges merged ("" for none). Caller frees. */
static char *set_format(const struct port_set *ps)
{
	size_t cap = 64, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = 0;
	for (unsigned p = 0; p < 65536; p++) {
		unsigned q = p;
		char item[16];
		int n;

		if (!set_has(ps, p))
			continue;
		while (q + 1 < 65536 && set_has(ps, q + 1))
			q++;
		n = q > p ? snprintf(item, sizeof(item), "%s%u-%u", len ? "," : "", p, q) :
			    snprintf(item, sizeof(item), "%s%u", len ? "," : "", p);
		if (len + (size_t)n + 1 > cap) {
			char *bigger = realloc(out, cap *= 2);

			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + len, item, (size_t)n + 1);
		len += (size_t)n;
		p = q;
	}
	return out;
}

#define RESERVED_PORTS "/proc/sys/net/ipv4/ip_local_reserved_ports"

/* Ports kept away from automatic assignment (the admin's and ours). NULL on allocation failure. */
static struct port_set *reserved_read(void)
{
	struct port_set *ps = malloc(sizeof(*ps));
	char *s = util__read_file(RESERVED_PORTS);

	if (ps)
		set_parse(ps, s);
	free(s);
	return ps;
}

/*
 * While a port is published, the kernel must not hand it out either: a
 * host process asking for any port (bind(0), or connect()'s automatic
 * source port) would otherwise get it, and a listener on it would never
 * see its clients. Docker's proxy holds the port bound; we list every
 * published host port in net.ipv4.ip_local_reserved_ports, which the
 * kernel's port choice skips (explicit binds are sock_bind4's business).
 * The admin's own entries stay: the ports we added are remembered in
 * <root>/ports.reserved, and only those are ever taken out again. A port
 * the admin reserves while we hold it is indistinguishable from ours and
 * goes when it is unpublished. A failure here is logged, not fatal: the
 * ports stay published and refused to explicit binds, and the next change
 * or reconcile tries again.
 *
 * The file is not in the store on purpose: the sysctl changes at once,
 * the store only at COMMIT, and a command killed in between would leave a
 * port in the sysctl that no record calls ours (the admin's, then, for
 * ever). So the file always holds at least every port of ours the sysctl
 * has: before the sysctl is written it lists the old ports and the new
 * ones, after it the new ones only. Whatever a crash interrupts, the next
 * reconcile finds every port we may have added, and keeps of them exactly
 * those the store holds.
 */
#define RESERVED_TEXT_MAX	(65536 * 7)	/* "65535," for every port, worst case */
#define RESERVED_FILE		"ports.reserved"

static int reserved_record(struct xnet *x, const struct port_set *ours)
{
	char path[PATH_MAX + 32];
	char *text = set_format(ours);
	int rc;

	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/" RESERVED_FILE, x->root);
	if (text[0]) {
		rc = util__write_file(path, text);
	} else {
		rc = unlink(path) && errno != ENOENT ? -errno : 0;
	}
	free(text);
	return rc;
}

static void reserved_sync(struct xnet *x)
{
	struct port_set *cur = reserved_read(), *prev = malloc(sizeof(*prev)), *want = calloc(1, sizeof(*want)),
			*both = malloc(sizeof(*both));
	char path[PATH_MAX + 32], *text = NULL, *old = NULL, *legacy = malloc(RESERVED_TEXT_MAX);
	uint16_t *ports = NULL;
	bool changed = false;
	int rc = -ENOMEM, nports;

	if (!cur || !prev || !want || !both || !legacy)
		goto out;
	snprintf(path, sizeof(path), "%s/" RESERVED_FILE, x->root);
	if (x->kernel_gone) {
		/* Our ports were in a namespace that is gone; this one's are not ours to edit. */
		rc = unlink(path) && errno != ENOENT ? -errno : 0;
		goto out;
	}
	old = util__read_file(path);
	set_parse(prev, old);
	/* Earlier builds kept the list in the store's meta: take it over once. */
	if (!store__meta_get(&x->store, "ports.reserved", legacy, RESERVED_TEXT_MAX) && legacy[0]) {
		set_parse(both, legacy);
		for (size_t i = 0; i < sizeof(both->w) / sizeof(both->w[0]); i++)
			prev->w[i] |= both->w[i];
		store__meta_set(&x->store, "ports.reserved", "");
	}
	rc = store__published_host_ports(&x->store, &ports, &nports);
	if (rc)
		goto out;
	for (int i = 0; i < nports; i++)
		set_add(want, ports[i]);
	/* ours = published and not the admin's (reserved now, and not by us). */
	for (size_t i = 0; i < sizeof(want->w) / sizeof(want->w[0]); i++) {
		uint64_t admin = cur->w[i] & ~prev->w[i], ours = want->w[i] & ~admin;

		changed |= (admin | ours) != cur->w[i];
		both->w[i] = prev->w[i] | ours;
		prev->w[i] = ours;
		cur->w[i] = admin | ours;
	}
	if (changed) {
		/* First the record of every port that is or will be ours, then the sysctl. */
		rc = reserved_record(x, both);
		if (rc)
			goto out;
		rc = -ENOMEM;
		text = set_format(cur);
		if (!text)
			goto out;
		rc = util__write_proc(RESERVED_PORTS, text[0] ? text : "\n");
		if (rc)
			goto out;
		log_debug("ports: ip_local_reserved_ports = %s", text);
	}
	rc = reserved_record(x, prev);
out:
	if (rc)
		log_warn("ports: cannot keep published ports out of %s (the kernel may hand one out "
			 "for bind() to port 0): %s", RESERVED_PORTS, strerror(-rc));
	free(ports);
	free(text);
	free(old);
	free(cur);
	free(prev);
	free(want);
	free(both);
	free(legacy);
}

/* net.ipv4.ip_local_port_range, Docker's range for random host ports. */
static void local_range(uint16_t *lo, uint16_t *hi)
{
	char *s = util__read_file("/proc/sys/net/ipv4/ip_local_port_range");
	unsigned a, b;

	if (s && sscanf(s, "%u %u", &a, &b) == 2 && a >= 1 && a <= b && b <= 65535) {
		*lo = (uint16_t)a;
		*hi = (uint16_t)b;
	} else {
		*lo = 32768;	/* the kernel's default */
		*hi = 60999;
	}
	free(s);
}

/*
 * Whether a host process holds (ip, port, proto): bind() a socket there, in
 * the host namespace where xnet runs, and let it go. TCP sets SO_REUSEADDR
 * as Go's listeners do, so a connection in TIME_WAIT does not count.
 * 0 when free, else -errno of bind().
 */
static int probe_bind(uint32_t ip, uint16_t port, uint8_t proto)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
	int fd = socket(AF_INET, (proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int one = 1, rc = 0;

	if (fd < 0)
		return -errno;
	if (proto == IPPROTO_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		rc = -errno;
	close(fd);
	return rc;
}

static int meta_get_int(struct xnet *x, const char *key, int dflt)
{
	char v[16];

	return store__meta_get(&x->store, key, v, sizeof(v)) ? dflt : atoi(v);
}

static void meta_set_int(struct xnet *x, const char *key, int v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", v);
	store__meta_set(&x->store, key, buf);
}

/* Why the candidates of one binding were refused, for the error message. */
struct pick_why { int allocated, in_use, other_errno; };

/* Try one candidate port. 1 = usable, 0 = taken (reason counted), <0 = store error. */
static int try_port(struct xnet *x, uint32_t ip, uint16_t port, uint8_t proto, struct pick_why *w)
{
	int rc = store__published_taken(&x->store, ip, port, proto);

	if (rc < 0)
		return rc;
	if (rc) {
		w->allocated++;
		return 0;
	}
	rc = probe_bind(ip, port, proto);
	if (rc == -EADDRINUSE) {
		w->in_use++;
		return 0;
	}
	if (rc) {
		w->other_errno = -rc;
		return 0;
	}
	return 1;
}

static void errno_words(int err, char *out, size_t len)
{
	/* Go's syscall errors are lower case: "address already in use". */
	snprintf(out, len, "%s", strerror(err));
	if (out[0])
		out[0] = (char)tolower((unsigned char)out[0]);
}

/*
 * Choose the host port of one binding: the given one, one of the given
 * range, or (none given) the next free one of ip_local_port_range after the
 * last one given out for this protocol, skipping reserved ports, as Docker's
 * port allocator does. 0 or -1 after xerr.
 */
static int pick_port(struct xnet *x, const struct container *c, const struct port_spec *s, uint32_t ip,
		     uint16_t *out)
{
	struct pick_why w = { 0 };
	char ipb[16], words[96], hps[16];
	int rc;

	util__ip_str(ip, ipb);
	if (s->hp_start && s->hp_start == s->hp_end) {
		rc = try_port(x, ip, s->hp_start, s->proto, &w);
		if (rc > 0) {
			*out = s->hp_start;
			return 0;
		}
		if (rc < 0)
			return xerr(x, "cannot read the published ports from the store");
		snprintf(hps, sizeof(hps), "%u", s->hp_start);
	} else if (s->hp_start) {
		for (unsigned p = s->hp_start; p <= s->hp_end; p++) {
			rc = try_port(x, ip, (uint16_t)p, s->proto, &w);
			if (rc > 0) {
				*out = (uint16_t)p;
				return 0;
			}
			if (rc < 0)
				return xerr(x, "cannot read the published ports from the store");
		}
		snprintf(hps, sizeof(hps), "%u-%u", s->hp_start, s->hp_end);
	} else {
		struct port_set *rs = reserved_read();
		uint16_t lo, hi;
		char key[32];
		unsigned n, p;

		if (!rs)
			return xerr(x, "out of memory");
		local_range(&lo, &hi);
		snprintf(key, sizeof(key), "ports.last.%s", portspec__proto_name(s->proto));
		p = (unsigned)meta_get_int(x, key, hi);
		n = (unsigned)(hi - lo) + 1;
		for (unsigned i = 0; i < n; i++) {
			p = p + 1 > hi || p + 1 < lo ? lo : p + 1;
			if (set_has(rs, p))
				continue;
			rc = try_port(x, ip, (uint16_t)p, s->proto, &w);
			if (rc < 0) {
				free(rs);
				return xerr(x, "cannot read the published ports from the store");
			}
			if (rc > 0) {
				free(rs);
				meta_set_int(x, key, (int)p);
				*out = (uint16_t)p;
				return 0;
			}
		}
		free(rs);
		return xerr(x, "driver failed programming external connectivity on endpoint %s: "
			       "no free host port for %u/%s on %s in ip_local_port_range %u-%u: all ports are allocated",
			    c->name, s->port, portspec__proto_name(s->proto), ipb, lo, hi);
	}
	if (w.in_use || w.other_errno) {
		errno_words(w.in_use ? EADDRINUSE : w.other_errno, words, sizeof(words));
		return xerr(x, "driver failed programming external connectivity on endpoint %s: "
			       "failed to bind host port %s:%s/%s: %s",
			    c->name, ipb, hps, portspec__proto_name(s->proto), words);
	}
	return xerr(x, "driver failed programming external connectivity on endpoint %s: "
		       "Bind for %s:%s failed: port is already allocated", c->name, ipb, hps);
}

/* The network's default host IP for bindings without one (host_binding_ipv4), host order. */
static uint32_t default_host_ip(struct xnet *x, const struct network *n)
{
	char v[64];
	uint32_t ip = 0;

	if (!store__network_option_get(&x->store, n->id, BRIDGE_OPT_HOSTIP, v, sizeof(v)) && util__parse_ip(v, &ip))
		ip = 0;
	return ip;
}

static bool has_binding(const struct ports_req *r, const struct port_key *k)
{
	for (int i = 0; i < r->nbinds; i++)
		if (r->binds[i].port == k->port && r->binds[i].proto == k->proto)
			return true;
	return false;
}

static int publish_one(struct xnet *x, const struct container *c, const struct network *n,
		       const struct port_spec *s, int seq)
{
	struct published_port p = {
		.host_ip = s->has_ip ? s->host_ip : default_host_ip(x, n),
		.proto = s->proto,
		.port = s->port,
		.seq = seq,
	};

	if (pick_port(x, c, s, p.host_ip, &p.host_port))
		return -1;
	if (store__published_insert(&x->store, c->id, &p))
		return xerr(x, "cannot record the published ports of %s: %s", c->name, store__errmsg(&x->store));
	return 0;
}

int ports__record(struct xnet *x, const struct container *c, const struct network *n, const struct ports_req *r)
{
	int rc = store__port_settings_insert(&x->store, c->id, r->publish_all);

	for (int i = 0; !rc && i < r->nexposed; i++)
		rc = store__exposed_port_insert(&x->store, c->id, &r->exposed[i]);
	for (int i = 0; !rc && i < r->nbinds; i++)
		rc = store__port_binding_insert(&x->store, c->id, i, &r->binds[i]);
	if (rc)
		return xerr(x, "cannot record the ports of %s: %s", c->name, store__errmsg(&x->store));
	if (!n || !ports__req_publishes(r))
		return 0;
	if (n->internal)
		return xerr(x, "network %s is internal: nothing outside it can reach a sandbox on it, so xnet refuses "
			       "to publish ports there (connect the sandbox to a non-internal network first with "
			       "--network, then 'xnet network connect %s')", n->name, n->name);
	for (int i = 0; i < r->nbinds; i++)
		if (publish_one(x, c, n, &r->binds[i], i))
			return -1;
	/* -P: every exposed port that -p did not bind, on a random port of the default host IP. */
	for (int i = 0; r->publish_all && i < r->nexposed; i++) {
		struct port_spec s = { .port = r->exposed[i].port, .proto = r->exposed[i].proto };

		if (!has_binding(r, &r->exposed[i]) && publish_one(x, c, n, &s, SEQ_PUBLISH_ALL + i))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ kernel */

static struct xnet_pub_key pub_key(const struct published_port *p)
{
	return (struct xnet_pub_key){ .host_ip = htonl(p->host_ip), .port = htons(p->host_port), .proto = p->proto };
}

bool ports__endpoint_published(struct xnet *x, const struct container *c, const struct endpoint *e)
{
	struct endpoint *eps;
	struct published_port *rows;
	int neps, nrows;
	bool yes;

	if (c->mode != NETMODE_DEFAULT || store__published_list(&x->store, c->id, &rows, &nrows))
		return false;
	free(rows);
	if (!nrows)
		return false;
	endpoint__list(x, c->id, &eps, &neps);
	/* The backend is the lowest ethN: eth0 unless it was disconnected. */
	yes = neps > 0 && !strcmp(eps[0].id, e->id);
	free(eps);
	return yes;
}

/* Set (or, with no backend, delete) c's kernel entries; append the keys set to keep. */
static int apply_one(struct xnet *x, const struct container *c, struct xnet_pub_key **keep, int *nkeep)
{
	struct published_port *rows;
	struct endpoint *eps = NULL;
	struct network n;
	int nrows, neps = 0, ifindex = 0, rc;
	bool backend = false;

	rc = store__published_list(&x->store, c->id, &rows, &nrows);
	if (rc || !nrows)
		return rc;
	xnet__kernel_touch(x);
	if (c->mode == NETMODE_DEFAULT)
		endpoint__list(x, c->id, &eps, &neps);
	if (neps && store__network_get_id(&x->store, eps[0].network_id, &n) == 0) {
		ifindex = nl__link_index(eps[0].host_ifname);
		if (n.internal)
			log_warn("ports: %s's first network %s is internal: its published ports are not reachable",
				 c->name, n.name);
		backend = ifindex > 0 && !n.internal;
	}
	for (int i = 0; i < nrows; i++) {
		struct xnet_pub_key k = pub_key(&rows[i]);

		if (!backend) {
			rc = dp__published_del(x->dp, &k) ?: rc;
			continue;
		}
		struct xnet_pub v = {
			.backend_ip = htonl(eps[0].ip),
			.backend_port = htons(rows[i].port),
			.ifindex = (__u32)ifindex,
			.net_id = (__u32)n.kidx,
		};
		int err = dp__published_set(x->dp, &k, &v);

		if (err) {
			log_error("ports: cannot publish %u/%s of %s: %s", rows[i].host_port, portspec__proto_name(rows[i].proto),
				  c->name, strerror(-err));
			rc = err;
			continue;
		}
		if (keep) {
			struct xnet_pub_key *nk = realloc(*keep, sizeof(*nk) * (size_t)(*nkeep + 1));

			if (!nk) {
				rc = -ENOMEM;
				continue;
			}
			*keep = nk;
			(*keep)[(*nkeep)++] = k;
		}
	}
	if (backend && !rc) {
		/* Its replies leave through reverse DNAT: the endpoint says so in its own entry. */
		struct dp_endpoint de = { .net_id = (__u32)n.kidx, .ifindex = (__u32)ifindex, .ip = htonl(eps[0].ip),
					  .flags = XNET_EP_PUBLISHED };

		util__mac_from_ip(eps[0].ip, de.mac);
		rc = dp__endpoint_set(x->dp, &de);
	}
	free(rows);
	free(eps);
	return rc;
}

int ports__kernel_apply(struct xnet *x, const struct container *c)
{
	int rc = apply_one(x, c, NULL, NULL);

	if (!rc)
		reserved_sync(x);
	return rc;
}

int ports__release(struct xnet *x, const struct container *c)
{
	struct published_port *rows;
	struct endpoint *eps;
	int nrows, neps, rc;

	rc = store__published_list(&x->store, c->id, &rows, &nrows);
	if (rc)
		return rc;
	if (nrows)
		xnet__kernel_touch(x);
	for (int i = 0; i < nrows; i++) {
		struct xnet_pub_key k = pub_key(&rows[i]);

		rc = dp__published_del(x->dp, &k) ?: rc;
	}
	if (nrows && c->mode == NETMODE_DEFAULT) {
		/* Flows the backend still has (through the host port or hairpin) go with it. */
		endpoint__list(x, c->id, &eps, &neps);
		if (neps)
			rc = dp__ct_flush_ip(x->dp, htonl(eps[0].ip)) ?: rc;
		free(eps);
	}
	free(rows);
	if (rc)
		return rc;
	/* The rows go now, not with the sandbox's row: the port is free again within this transaction. */
	rc = store__published_delete(&x->store, c->id);
	if (!rc && nrows)
		reserved_sync(x);
	return rc;
}

int ports__reconcile(struct xnet *x)
{
	struct xnet_pub_key *keep = NULL;
	struct container *cs;
	int nkeep = 0, ncs, rc;

	rc = store__containers_list(&x->store, STORE_CONTAINERS_PUBLISHED, &cs, &ncs);
	if (rc)
		return rc;
	for (int i = 0; i < ncs; i++) {
		if (apply_one(x, &cs[i], &keep, &nkeep)) {
			log_error("reconcile: cannot restore the published ports of %s", cs[i].name);
			rc = -EIO;
		}
	}
	store__containers_free(cs, ncs);
	/* Entries of removed sandboxes (a command killed half-way) go. */
	if (dp__published_sweep(x->dp, keep, nkeep))
		rc = -EIO;
	free(keep);
	reserved_sync(x);
	return rc;
}

/* ------------------------------------------------------------------- views */

static int view_cmp(const void *a, const void *b)
{
	const struct port_view *p = a, *q = b;
	int d;

	/* Docker's comparePorts: private port, IP, public port, type. */
	if (p->private_port != q->private_port)
		return p->private_port < q->private_port ? -1 : 1;
	d = strcmp(p->ip, q->ip);
	if (d)
		return d;
	if (p->public_port != q->public_port)
		return p->public_port < q->public_port ? -1 : 1;
	return strcmp(portspec__proto_name(p->proto), portspec__proto_name(q->proto));
}

int ports__views(struct xnet *x, const struct container *c, struct port_view **out, int *n)
{
	struct published_port *rows;
	struct port_view *v;
	int cnt, rc;

	*out = NULL;
	*n = 0;
	if (c->mode != NETMODE_DEFAULT)
		return 0;
	rc = store__exposed_published(&x->store, c->id, &rows, &cnt);
	if (rc || !cnt)
		return rc;
	v = calloc((size_t)cnt, sizeof(*v));
	if (!v) {
		free(rows);
		return -ENOMEM;
	}
	for (int i = 0; i < cnt; i++) {
		v[i].private_port = rows[i].port;
		v[i].proto = rows[i].proto;
		v[i].seq = rows[i].seq;
		if (v[i].seq >= 0) {
			util__ip_str(rows[i].host_ip, v[i].ip);
			v[i].public_port = rows[i].host_port;
		}
	}
	free(rows);
	*out = v;
	*n = cnt;
	return 0;
}

static void port_key_str(uint16_t port, uint8_t proto, char *out, size_t len)
{
	snprintf(out, len, "%u/%s", port, portspec__proto_name(proto));
}

/* Docker's formGroup: "80/tcp", "80-82/tcp", "0.0.0.0:80-82->80-82/tcp". */
static int form_group(char *out, size_t len, const char *ip, uint16_t first, uint16_t last, uint8_t proto)
{
	char g[16];

	if (first == last)
		snprintf(g, sizeof(g), "%u", first);
	else
		snprintf(g, sizeof(g), "%u-%u", first, last);
	if (*ip)
		return snprintf(out, len, "%s:%s->%s/%s", ip, g, g, portspec__proto_name(proto));
	return snprintf(out, len, "%s/%s", g, portspec__proto_name(proto));
}

void ports__display(struct xnet *x, const struct container *c, struct strbuf *out)
{
	/* Docker's DisplayablePorts: consecutive ports mapped to themselves fold into ranges. */
	struct group { char ip[16]; uint8_t proto; uint16_t first, last; } *groups = NULL;
	struct port_view *v;
	struct strbuf hostmaps = { 0 };
	char buf[96];
	int n, ng = 0;

	if (ports__views(x, c, &v, &n) || !n)
		return;
	qsort(v, (size_t)n, sizeof(*v), view_cmp);
	groups = calloc((size_t)n, sizeof(*groups));
	if (!groups)
		goto out;
	for (int i = 0; i < n; i++) {
		struct group *g = NULL;

		if (v[i].ip[0] && v[i].public_port != v[i].private_port) {
			snprintf(buf, sizeof(buf), "%s:%u->%u/%s", v[i].ip, v[i].public_port, v[i].private_port,
				 portspec__proto_name(v[i].proto));
			util__sb_add(&hostmaps, ", ", "%s", buf);
			continue;
		}
		for (int k = 0; k < ng; k++)
			if (groups[k].proto == v[i].proto && !strcmp(groups[k].ip, v[i].ip))
				g = &groups[k];
		if (!g) {
			g = &groups[ng++];
			snprintf(g->ip, sizeof(g->ip), "%s", v[i].ip);
			g->proto = v[i].proto;
			g->first = g->last = v[i].private_port;
			continue;
		}
		if (v[i].private_port == g->last + 1) {
			g->last = v[i].private_port;
			continue;
		}
		/* A gap: the group so far is printed now, a new one starts (in place). */
		form_group(buf, sizeof(buf), g->ip, g->first, g->last, g->proto);
		util__sb_add(out, ", ", "%s", buf);
		g->first = g->last = v[i].private_port;
	}
	for (int k = 0; k < ng; k++) {
		form_group(buf, sizeof(buf), groups[k].ip, groups[k].first, groups[k].last, groups[k].proto);
		util__sb_add(out, ", ", "%s", buf);
	}
	if (hostmaps.len)
		util__sb_add(out, ", ", "%s", hostmaps.s);
out:
	free(groups);
	util__sb_free(&hostmaps);
	free(v);
}

static struct json_object *binding_json(const char *ip, const char *port)
{
	struct json_object *b = json_object_new_object();

	json_object_object_add(b, "HostIp", json_object_new_string(ip));
	json_object_object_add(b, "HostPort", json_object_new_string(port));
	return b;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copy o into a new object with its keys in Go's order (encoding/json sorts map keys). */
static struct json_object *sorted_object(struct json_object *o)
{
	struct json_object *s = json_object_new_object();
	const char **keys = calloc((size_t)json_object_object_length(o) + 1, sizeof(*keys));
	size_t n = 0;

	json_object_object_foreach(o, k, val) {
		(void)val;
		if (keys)
			keys[n++] = k;
	}
	if (keys)
		qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++)
		json_object_object_add(s, keys[i], json_object_get(json_object_object_get(o, keys[i])));
	free(keys);
	json_object_put(o);
	return s;
}

/* NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5000"}], "443/tcp": null}. */
static struct json_object *settings_ports(struct xnet *x, const struct container *c)
{
	struct json_object *o = json_object_new_object();
	struct port_view *v;
	int n;

	if (ports__views(x, c, &v, &n))
		return o;
	for (int i = 0; i < n; i++) {
		struct json_object *arr;
		char key[32], hp[8];

		port_key_str(v[i].private_port, v[i].proto, key, sizeof(key));
		if (!v[i].ip[0]) {
			json_object_object_add(o, key, NULL);
			continue;
		}
		if (!json_object_object_get_ex(o, key, &arr) || !arr) {
			arr = json_object_new_array();
			json_object_object_add(o, key, arr);
		}
		snprintf(hp, sizeof(hp), "%u", v[i].public_port);
		json_object_array_add(arr, binding_json(v[i].ip, hp));
	}
	free(v);
	return sorted_object(o);
}

void ports__inspect(struct xnet *x, const struct container *c, struct json_object *hostconfig,
		    struct json_object *config, struct json_object *settings)
{
	struct json_object *pb = json_object_new_object(), *ex = json_object_new_object();
	struct port_binding *b = NULL;
	struct port_key *e = NULL;
	int nb = 0, ne = 0;
	bool all = false;

	store__port_bindings_list(&x->store, c->id, &b, &nb);
	for (int i = 0; i < nb; i++) {
		struct json_object *arr;
		char key[32];

		port_key_str(b[i].port, b[i].proto, key, sizeof(key));
		if (!json_object_object_get_ex(pb, key, &arr)) {
			arr = json_object_new_array();
			json_object_object_add(pb, key, arr);
		}
		json_object_array_add(arr, binding_json(b[i].host_ip, b[i].host_port));
	}
	free(b);
	store__exposed_ports_list(&x->store, c->id, &e, &ne);
	for (int i = 0; i < ne; i++) {
		char key[32];

		port_key_str(e[i].port, e[i].proto, key, sizeof(key));
		json_object_object_add(ex, key, json_object_new_object());
	}
	free(e);
	store__port_settings_publish_all(&x->store, c->id, &all);
	if (hostconfig) {
		json_object_object_add(hostconfig, "PortBindings", sorted_object(pb));
		json_object_object_add(hostconfig, "PublishAllPorts", json_object_new_boolean(all));
	} else {
		json_object_put(pb);
	}
	/* ExposedPorts is omitted when empty (omitempty in Docker's Config). */
	if (config && json_object_object_length(ex))
		json_object_object_add(config, "ExposedPorts", sorted_object(ex));
	else
		json_object_put(ex);
	if (settings)
		json_object_object_add(settings, "Ports", settings_ports(x, c));
}
