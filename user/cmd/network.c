// SPDX-License-Identifier: GPL-2.0-only
/*
 * network: `xnet network create|ls|inspect|rm|prune|connect|disconnect`.
 * Store rows first, then the kernel (gateway veth + map entries), inside one
 * transaction; any failure rolls both back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cli.h"
#include "lib/log.h"
#include <unistd.h>
#include "core/xnet.h"
#include "xnet_abi.h"

#define MAX_MULTI 32

static const char OPT_ICC[] = "com.docker.network.bridge.enable_icc";
static const char OPT_MASQ[] = "com.docker.network.bridge.enable_ip_masquerade";
static const char OPT_MTU[] = "com.docker.network.driver.mtu";
static const char OPT_NAME[] = "com.docker.network.bridge.name";
static const char OPT_HOSTIP[] = "com.docker.network.bridge.host_binding_ipv4";

/* ------------------------------------------------------------------ create */

static const struct cli_opt create_opts[] = {
	{ "driver", 'd', "string", "Driver to manage the Network (default \"bridge\")" },
	{ "subnet", 0, "strings", "Subnet in CIDR format that represents a network segment" },
	{ "gateway", 0, "strings", "IPv4 Gateway for the master subnet" },
	{ "ip-range", 0, "strings", "Allocate container ip from a sub-range" },
	{ "aux-address", 0, "map", "Auxiliary IPv4 addresses used by Network driver (name=IP)" },
	{ "internal", 0, NULL, "Restrict external access to the network" },
	{ "attachable", 0, NULL, "Enable manual container attachment" },
	{ "ipv6", 0, NULL, "Enable or disable IPv6 networking (not supported yet)" },
	{ "label", 0, "list", "Set metadata on a network (key=value)" },
	{ "opt", 'o', "map", "Set driver specific options (key=value)" },
	{ "ipam-driver", 0, "string", "IP Address Management Driver (default \"default\")" },
	{ 0 }
};

struct kv { char *k, *v; };

struct create_args {
	struct xnet *x;
	const char *driver, *subnet, *gateway, *ip_range;
	int nsubnet, ngateway, nrange;
	struct kv aux[MAX_MULTI], labels[MAX_MULTI], opts[MAX_MULTI];
	int naux, nlabels, nopts;
	bool internal, attachable, ipv6;
};

static int split_kv(struct xnet *x, const char *arg, struct kv *out, int *n, const char *what, bool need_value)
{
	const char *eq = strchr(arg, '=');

	if (*n >= MAX_MULTI)
		return xerr(x, "too many %s options (at most %d)", what, MAX_MULTI);
	if ((need_value && !eq) || arg[0] == '=' || !arg[0])
		return xerr(x, "invalid %s \"%s\": expected key=value", what, arg);
	/* Later duplicates replace earlier ones, as Docker's map options do. */
	for (int i = 0; i < *n; i++) {
		size_t kl = eq ? (size_t)(eq - arg) : strlen(arg);

		if (strlen(out[i].k) == kl && !strncmp(out[i].k, arg, kl)) {
			free(out[i].v);
			out[i].v = strdup(eq ? eq + 1 : "");
			return 0;
		}
	}
	out[*n].k = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
	out[*n].v = strdup(eq ? eq + 1 : "");
	(*n)++;
	return 0;
}

static int create_opt(void *ctx, int idx, const char *arg)
{
	struct create_args *a = ctx;

	switch (idx) {
	case 0: a->driver = arg; return 0;
	case 1: a->subnet = arg; a->nsubnet++; return 0;
	case 2: a->gateway = arg; a->ngateway++; return 0;
	case 3: a->ip_range = arg; a->nrange++; return 0;
	case 4: return split_kv(a->x, arg, a->aux, &a->naux, "aux-address", true);
	case 5: a->internal = true; return 0;
	case 6: a->attachable = true; return 0;
	case 7: a->ipv6 = true; return 0;
	case 8: return split_kv(a->x, arg, a->labels, &a->nlabels, "label", false);
	case 9: return split_kv(a->x, arg, a->opts, &a->nopts, "option", true);
	case 10:
		if (strcmp(arg, "default"))
			return xerr(a->x, "IPAM driver \"%s\" not found: only \"default\" is supported", arg);
		return 0;
	}
	return -1;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "t")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "False") || !strcmp(s, "FALSE") || !strcmp(s, "f")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int insert_kv(struct xnet *x, const char *table, const char *id, const struct kv *kv, int n)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "INSERT INTO %s (network_id, key, value) VALUES (?,?,?)", table);
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *st = store__prepare(x, sql);
		int ok;

		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kv[i].k, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, kv[i].v, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		if (!ok)
			return -EIO;
	}
	return 0;
}

/* Validate everything before touching the store, so a bad flag changes nothing. */
static int create_validate(struct xnet *x, struct create_args *a, const char *name, struct network *n,
			   uint32_t *aux_ips)
{
	char who[300], ipbuf[16];
	uint32_t mask, bcast;

	if (!util__valid_name(name))
		return xerr(x, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	if (a->driver && strcmp(a->driver, "bridge")) {
		if (!strcmp(a->driver, "host") || !strcmp(a->driver, "null"))
			return xerr(x, "only one instance of \"%s\" network is allowed", a->driver);
		return xerr(x, "plugin \"%s\" not found: xnet supports the \"bridge\" driver for local networks",
			    a->driver);
	}
	if (a->ipv6)
		return xerr(x, "--ipv6 is not supported yet: xnet networks are IPv4 only");
	if (a->nsubnet > 1)
		return xerr(x, "multiple IPv4 subnets per network are not supported (got %d --subnet)", a->nsubnet);
	if (a->ngateway > 1 || a->nrange > 1)
		return xerr(x, "only one --gateway and one --ip-range per subnet");
	if ((a->gateway || a->ip_range || a->naux) && !a->subnet)
		return xerr(x, "%s requires --subnet", a->gateway ? "--gateway" : a->ip_range ? "--ip-range" : "--aux-address");

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->driver, sizeof(n->driver), "bridge");
	n->icc = n->masq = true;
	n->mtu = 1500;
	n->internal = a->internal;
	n->attachable = a->attachable;

	for (int i = 0; i < a->nopts; i++) {
		const char *k = a->opts[i].k, *v = a->opts[i].v;
		bool b;

		if (!strcmp(k, OPT_ICC) || !strcmp(k, OPT_MASQ)) {
			if (parse_bool(v, &b))
				return xerr(x, "invalid value \"%s\" for option %s: expected true or false", v, k);
			if (!strcmp(k, OPT_ICC))
				n->icc = b;
			else
				n->masq = b;
		} else if (!strcmp(k, OPT_MTU)) {
			char *end;
			long m = strtol(v, &end, 10);

			if (!*v || *end || m < 68 || m > 65535)
				return xerr(x, "invalid MTU \"%s\": must be a number between 68 and 65535", v);
			n->mtu = (int)m;
		} else if (!strcmp(k, OPT_HOSTIP)) {
			uint32_t ip;

			if (util__parse_ip(v, &ip))
				return xerr(x, "invalid value \"%s\" for option %s: not an IPv4 address", v, k);
		} else if (!strcmp(k, OPT_NAME)) {
			/* Recorded; xnet names its gateway device itself (xnbr-<id>), see docs. */
		} else if (strncmp(k, "com.docker.network.", 19)) {
			/* Unknown non-Docker options are kept as labels of the driver, like Docker does. */
		} else {
			return xerr(x, "unknown bridge option \"%s\"", k);
		}
	}

	if (a->subnet) {
		int rc = util__parse_cidr(a->subnet, &n->subnet, &n->prefix);

		if (rc)
			return xerr(x, "invalid CIDR address: %s", a->subnet);
		mask = util__mask(n->prefix);
		if (n->subnet & ~mask) {
			util__ip_str(n->subnet & mask, ipbuf);
			return xerr(x, "invalid subnet %s: it should be %s/%d", a->subnet, ipbuf, n->prefix);
		}
		if (ipam__reserved(n->subnet, n->prefix, who, sizeof(who)))
			return xerr(x, "invalid subnet %s: it overlaps %s", a->subnet, who);
		if (n->prefix > 30)
			return xerr(x, "invalid subnet %s: prefix too long, a network needs room for a gateway and endpoints",
				    a->subnet);
		if (ipam__overlaps(x, n->subnet, n->prefix, who, sizeof(who)))
			return xerr(x, "invalid pool request: Pool overlaps with other one on this address space (%s overlaps %s)",
				    a->subnet, who);
		rc = ipam__host_overlap(n->subnet, n->prefix, who, sizeof(who));
		if (rc < 0)
			return xerr(x, "cannot list the host's addresses and routes: %s", strerror(-rc));
		if (rc)
			return xerr(x, "subnet %s overlaps the host's %s", a->subnet, who);
	} else {
		int rc = ipam__pick_pool(x, &n->subnet, &n->prefix);

		if (rc == -ENOSPC)
			return xerr(x, "could not find an available, non-overlapping IPv4 address pool among the defaults to "
				       "assign to the network: all predefined address pools have been fully subnetted");
		if (rc)
			return xerr(x, "cannot list the host's addresses and routes: %s", strerror(-rc));
		mask = util__mask(n->prefix);
	}
	bcast = n->subnet | ~mask;
	n->range_start = n->subnet + 1;
	n->range_end = bcast - 1;
	if (a->ip_range) {
		uint32_t r;
		int rp;

		if (util__parse_cidr(a->ip_range, &r, &rp))
			return xerr(x, "invalid CIDR address: %s", a->ip_range);
		if (ipam__reserved(r, rp, who, sizeof(who)))
			return xerr(x, "invalid ip-range %s: it overlaps %s", a->ip_range, who);
		if (rp < n->prefix || (r & util__mask(n->prefix)) != n->subnet || (r & ~util__mask(rp)))
			return xerr(x, "no matching subnet for range %s", a->ip_range);
		snprintf(n->ip_range, sizeof(n->ip_range), "%s", a->ip_range);
		n->range_start = r > n->subnet ? r : n->subnet + 1;
		n->range_end = (r | ~util__mask(rp)) < bcast ? (r | ~util__mask(rp)) : bcast - 1;
		if (n->range_start > n->range_end)
			return xerr(x, "invalid ip-range %s: no usable address", a->ip_range);
	}
	for (int i = 0; i < a->naux; i++) {
		if (util__parse_ip(a->aux[i].v, &aux_ips[i]))
			return xerr(x, "invalid aux-address %s=%s: not an IPv4 address", a->aux[i].k, a->aux[i].v);
		if (ipam__reserved(aux_ips[i], 32, who, sizeof(who)))
			return xerr(x, "invalid aux-address %s=%s: it is in %s", a->aux[i].k, a->aux[i].v, who);
		if ((aux_ips[i] & mask) != n->subnet)
			return xerr(x, "no matching subnet for aux-address %s", a->aux[i].v);
	}
	if (a->gateway) {
		if (util__parse_ip(a->gateway, &n->gateway))
			return xerr(x, "invalid gateway address %s: not an IPv4 address", a->gateway);
		if (ipam__reserved(n->gateway, 32, who, sizeof(who)))
			return xerr(x, "invalid gateway address %s: it is in %s", a->gateway, who);
		if ((n->gateway & mask) != n->subnet || n->gateway == n->subnet || n->gateway == bcast)
			return xerr(x, "no matching subnet for gateway %s", a->gateway);
		for (int i = 0; i < a->naux; i++)
			if (aux_ips[i] == n->gateway)
				return xerr(x, "gateway %s is also given as aux-address %s", a->gateway, a->aux[i].k);
	} else {
		/* Lowest address of the range not taken by an aux-address. */
		for (uint32_t ip = n->range_start; ip <= n->range_end; ip++) {
			bool taken = false;

			for (int i = 0; i < a->naux; i++)
				taken |= aux_ips[i] == ip;
			if (!taken) {
				n->gateway = ip;
				break;
			}
		}
		if (!n->gateway)
			return xerr(x, "no address left for the gateway in %s", a->ip_range ? a->ip_range : a->subnet);
	}
	return 0;
}

static int network_create(struct xnet *x, int argc, char **argv)
{
	struct create_args a = { .x = x };
	uint32_t aux_ips[MAX_MULTI];
	struct network n, existing;
	int i, rc = 1;
	sqlite3_stmt *st;

	i = cli__parse(x, cli__current, argv[0], argc, argv, create_opt, &a);
	if (i < 0) {
		rc = CLI_EXIT(i);
		goto out_free;
	}
	if (store__begin(x))
		goto out_free;
	if (store__network_get(x, argv[i], &existing) == 0 && !strcmp(existing.name, argv[i])) {
		xerr(x, "network with name %s already exists", argv[i]);
		goto out_rollback;
	}
	if (create_validate(x, &a, argv[i], &n, aux_ips))
		goto out_rollback;
	util__random_id(n.id);
	util__now_rfc3339(n.created, sizeof(n.created));
	n.kidx = ipam__alloc_kidx(x);
	if (n.kidx < 0) {
		xerr(x, "too many networks on this host (at most %d)", XNET_MAX_NETWORKS - 1);
		goto out_rollback;
	}
	st = store__prepare(x, "INSERT INTO networks (" NETWORK_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?)");
	if (!st)
		goto out_rollback;
	sqlite3_bind_text(st, 1, n.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n.driver, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, n.kidx);
	sqlite3_bind_int64(st, 5, n.subnet);
	sqlite3_bind_int(st, 6, n.prefix);
	sqlite3_bind_int64(st, 7, n.gateway);
	sqlite3_bind_int64(st, 8, n.range_start);
	sqlite3_bind_int64(st, 9, n.range_end);
	sqlite3_bind_text(st, 10, n.ip_range, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, n.internal);
	sqlite3_bind_int(st, 12, n.attachable);
	sqlite3_bind_int(st, 13, n.icc);
	sqlite3_bind_int(st, 14, n.masq);
	sqlite3_bind_int(st, 15, n.mtu);
	sqlite3_bind_text(st, 16, n.created, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	if (!rc)
		rc = insert_kv(x, "network_labels", n.id, a.labels, a.nlabels);
	if (!rc)
		rc = insert_kv(x, "network_options", n.id, a.opts, a.nopts);
	for (int k = 0; !rc && k < a.naux; k++) {
		st = store__prepare(x, "INSERT INTO aux_addresses (network_id, name, ip) VALUES (?,?,?)");
		if (!st) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_text(st, 1, n.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a.aux[k].k, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, aux_ips[k]);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
		sqlite3_finalize(st);
	}
	if (rc) {
		xerr(x, "cannot record network %s in %s", n.name, x->db_path);
		rc = 1;
		goto out_rollback;
	}
	store__failpoint("network-create-before-kernel");
	if (network__kernel_apply(x, &n)) {
		xerr(x, "cannot create the datapath of network %s (see the log above)", n.name);
		rc = 1;
		goto out_rollback;
	}
	if (store__commit(x)) {
		rc = 1;
		goto out_free;
	}
	log_info("created network %s (%s)", n.name, n.id);
	printf("%s\n", n.id);
	rc = 0;
	goto out_free;
out_rollback:
	rc = 1;
	store__rollback(x);
out_free:
	for (int k = 0; k < a.naux; k++) free(a.aux[k].k), free(a.aux[k].v);
	for (int k = 0; k < a.nlabels; k++) free(a.labels[k].k), free(a.labels[k].v);
	for (int k = 0; k < a.nopts; k++) free(a.opts[k].k), free(a.opts[k].v);
	return rc;
}

/* --------------------------------------------------------------- inspect */

static struct json_object *kv_json(struct xnet *x, const char *table, const char *id)
{
	char sql[128];
	struct json_object *o = json_object_new_object();
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT key, value FROM %s WHERE network_id = ? ORDER BY key", table);
	st = store__prepare(x, sql);
	if (!st)
		return o;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_object_add(o, (const char *)sqlite3_column_text(st, 0),
				       json_object_new_string((const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	return o;
}

static const char *scope_of(const struct network *n)
{
	(void)n;
	return "local";
}

struct json_object *network__inspect_json(struct xnet *x, const struct network *n)
{
	struct json_object *o = json_object_new_object(), *ipam, *cfgs, *cfg, *ctrs;
	char buf[64], ip[16];
	sqlite3_stmt *st;

	json_object_object_add(o, "Name", json_object_new_string(n->name));
	json_object_object_add(o, "Id", json_object_new_string(n->id));
	json_object_object_add(o, "Created", json_object_new_string(n->created));
	json_object_object_add(o, "Scope", json_object_new_string(scope_of(n)));
	json_object_object_add(o, "Driver", json_object_new_string(n->driver));
	json_object_object_add(o, "EnableIPv4", json_object_new_boolean(1));
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(0));
	ipam = json_object_new_object();
	json_object_object_add(ipam, "Driver", json_object_new_string("default"));
	json_object_object_add(ipam, "Options", json_object_new_object());
	cfgs = json_object_new_array();
	if (!strcmp(n->driver, "bridge")) {
		cfg = json_object_new_object();
		util__ip_str(n->subnet, ip);
		snprintf(buf, sizeof(buf), "%s/%d", ip, n->prefix);
		json_object_object_add(cfg, "Subnet", json_object_new_string(buf));
		if (n->ip_range[0])
			json_object_object_add(cfg, "IPRange", json_object_new_string(n->ip_range));
		util__ip_str(n->gateway, ip);
		json_object_object_add(cfg, "Gateway", json_object_new_string(ip));
		st = store__prepare(x, "SELECT name, ip FROM aux_addresses WHERE network_id = ? ORDER BY name");
		if (st) {
			struct json_object *aux = json_object_new_object();
			int naux = 0;

			sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				util__ip_str((uint32_t)sqlite3_column_int64(st, 1), ip);
				json_object_object_add(aux, (const char *)sqlite3_column_text(st, 0),
						       json_object_new_string(ip));
				naux++;
			}
			sqlite3_finalize(st);
			if (naux)
				json_object_object_add(cfg, "AuxiliaryAddresses", aux);
			else
				json_object_put(aux);
		}
		json_object_array_add(cfgs, cfg);
	}
	json_object_object_add(ipam, "Config", cfgs);
	json_object_object_add(o, "IPAM", ipam);
	json_object_object_add(o, "Internal", json_object_new_boolean(n->internal));
	json_object_object_add(o, "Attachable", json_object_new_boolean(n->attachable));
	json_object_object_add(o, "Ingress", json_object_new_boolean(0));
	{
		struct json_object *cf = json_object_new_object();

		json_object_object_add(cf, "Network", json_object_new_string(""));
		json_object_object_add(o, "ConfigFrom", cf);
	}
	json_object_object_add(o, "ConfigOnly", json_object_new_boolean(0));
	ctrs = json_object_new_object();
	st = store__prepare(x, "SELECT c.id, c.name, e.id, e.ip FROM endpoints e JOIN containers c ON c.id = e.container_id "
			       "WHERE e.network_id = ? ORDER BY c.name");
	if (st) {
		sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct json_object *c = json_object_new_object();
			uint32_t eip = (uint32_t)sqlite3_column_int64(st, 3);
			uint8_t mac[6];
			char macs[18];

			util__ip_str(eip, ip);
			util__mac_from_ip(eip, mac);
			util__mac_str(mac, macs);
			snprintf(buf, sizeof(buf), "%s/%d", ip, n->prefix);
			json_object_object_add(c, "Name", json_object_new_string((const char *)sqlite3_column_text(st, 1)));
			json_object_object_add(c, "EndpointID", json_object_new_string((const char *)sqlite3_column_text(st, 2)));
			json_object_object_add(c, "MacAddress", json_object_new_string(macs));
			json_object_object_add(c, "IPv4Address", json_object_new_string(buf));
			json_object_object_add(c, "IPv6Address", json_object_new_string(""));
			json_object_object_add(ctrs, (const char *)sqlite3_column_text(st, 0), c);
		}
		sqlite3_finalize(st);
	}
	json_object_object_add(o, "Containers", ctrs);
	json_object_object_add(o, "Options", kv_json(x, "network_options", n->id));
	json_object_object_add(o, "Labels", kv_json(x, "network_labels", n->id));
	return o;
}

static const struct cli_opt inspect_opts_net[] = {
	{ "format", 'f', "string", "Format output using a custom template ('json' or a Go template subset)" },
	{ "verbose", 'v', NULL, "Verbose output for diagnostics" },
	{ 0 }
};

struct fmt_args { const char *format; };

static int fmt_opt(void *ctx, int idx, const char *arg)
{
	struct fmt_args *a = ctx;

	if (idx == 0)
		a->format = arg;
	return 0;
}

static int inspect__print_fmt(struct xnet *x, struct json_object *arr, const char *format);

/* Print a list of inspected objects: JSON array, or the template per object. */
int inspect__print(struct xnet *x, struct json_object *arr, const char *format)
{
	char *fmt = NULL;

	/* docker/cli's formatter turns a literal \t and \n into tab and newline. */
	if (format) {
		size_t n = strlen(format), j = 0;

		fmt = malloc(n + 1);
		for (size_t i = 0; i < n; i++) {
			if (format[i] == '\\' && (format[i + 1] == 't' || format[i + 1] == 'n')) {
				fmt[j++] = format[i + 1] == 't' ? '\t' : '\n';
				i++;
			} else {
				fmt[j++] = format[i];
			}
		}
		fmt[j] = '\0';
		format = fmt;
	}
	int rc = inspect__print_fmt(x, arr, format);

	free(fmt);
	return rc;
}

static int inspect__print_fmt(struct xnet *x, struct json_object *arr, const char *format)
{
	if (!format || !strcmp(format, "json") || !*format) {
		xnet__print_json(arr);
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		char *out = NULL, err[256];

		if (template__render(format, json_object_array_get_idx(arr, i), &out, err, sizeof(err))) {
			json_object_put(arr);
			return xerr(x, "template parsing error: %s", err);
		}
		printf("%s\n", out);
		free(out);
	}
	json_object_put(arr);
	return 0;
}

static int network_inspect(struct xnet *x, int argc, char **argv)
{
	struct fmt_args a = { 0 };
	struct json_object *arr;
	int i, rc = 0;

	i = cli__parse(x, cli__current, argv[0], argc, argv, fmt_opt, &a);
	if (i < 0)
		return CLI_EXIT(i);
	arr = json_object_new_array();
	for (; i < argc; i++) {
		struct network n;
		int r = store__network_get(x, argv[i], &n);

		if (r) {
			xerr(x, r == -EINVAL ? "network %s is ambiguous (matches more than one id)" : "network %s not found",
			     argv[i]);
			rc = 1;
			continue;
		}
		json_object_array_add(arr, network__inspect_json(x, &n));
	}
	if (json_object_array_length(arr) == 0 && rc) {
		if (!a.format)
			printf("[]\n");
		json_object_put(arr);
		return rc;
	}
	if (inspect__print(x, arr, a.format))
		return 1;
	return rc;
}

/* -------------------------------------------------------------------- ls */

static const struct cli_opt ls_opts[] = {
	{ "filter", 'f', "filter", "Provide filter values (e.g. 'driver=bridge')" },
	{ "format", 0, "string", "Format output using a Go template subset, or 'json'" },
	{ "no-trunc", 0, NULL, "Do not truncate the output" },
	{ "quiet", 'q', NULL, "Only display network IDs" },
	{ 0 }
};

struct ls_args {
	struct xnet *x;
	struct kv filters[MAX_MULTI];
	int nfilters;
	const char *format;
	bool notrunc, quiet;
};

static int ls_opt(void *ctx, int idx, const char *arg)
{
	struct ls_args *a = ctx;

	switch (idx) {
	case 0: {
		static const char *const ok[] = { "driver", "name", "id", "label", "scope", "type", "dangling", NULL };
		const char *eq = strchr(arg, '=');
		bool known = false;

		if (!eq)
			return xerr(a->x, "bad format of filter (expected name=value)");
		for (int k = 0; ok[k]; k++)
			known |= strlen(ok[k]) == (size_t)(eq - arg) && !strncmp(ok[k], arg, (size_t)(eq - arg));
		if (!known)
			return xerr(a->x, "invalid filter '%.*s'", (int)(eq - arg), arg);
		if (!strncmp(arg, "type=", 5) && strcmp(eq + 1, "custom") && strcmp(eq + 1, "builtin"))
			return xerr(a->x, "invalid filter: 'type'='%s'", eq + 1);
		if (a->nfilters >= MAX_MULTI)
			return xerr(a->x, "too many filters");
		a->filters[a->nfilters].k = strndup(arg, (size_t)(eq - arg));
		a->filters[a->nfilters].v = strdup(eq + 1);
		a->nfilters++;
		return 0;
	}
	case 1: a->format = arg; return 0;
	case 2: a->notrunc = true; return 0;
	case 3: a->quiet = true; return 0;
	}
	return -1;
}

static bool label_match(struct xnet *x, const char *id, const char *want)
{
	const char *eq = strchr(want, '=');
	sqlite3_stmt *st = store__prepare(x, "SELECT value FROM network_labels WHERE network_id = ? AND key = ?");
	bool hit = false;

	if (!st)
		return false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (eq)
		sqlite3_bind_text(st, 2, want, (int)(eq - want), SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		hit = !eq || !strcmp((const char *)sqlite3_column_text(st, 0), eq + 1);
	sqlite3_finalize(st);
	return hit;
}

/*
 * Docker's filter semantics: values of the same key are ORed, different keys
 * ANDed; name and id match substrings / prefixes.
 */
static bool filters_match(struct xnet *x, const struct ls_args *a, const struct network *n)
{
	static const char *const keys[] = { "driver", "name", "id", "label", "scope", "type", "dangling", NULL };

	for (int k = 0; keys[k]; k++) {
		bool any = false, hit = false;

		for (int i = 0; i < a->nfilters; i++) {
			const char *v = a->filters[i].v;

			if (strcmp(a->filters[i].k, keys[k]))
				continue;
			any = true;
			switch (k) {
			case 0: hit |= !strcmp(n->driver, v); break;
			case 1: hit |= strstr(n->name, v) != NULL; break;
			case 2: hit |= !strncmp(n->id, v, strlen(v)); break;
			case 3: hit |= label_match(x, n->id, v); break;
			case 4: hit |= !strcmp(scope_of(n), v); break;
			case 5: hit |= !strcmp(v, n->builtin ? "builtin" : "custom"); break;
			case 6: {
				sqlite3_stmt *st = store__prepare(x, "SELECT count(*) FROM endpoints WHERE network_id = ?");
				int cnt = 0;

				if (st) {
					sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
					if (sqlite3_step(st) == SQLITE_ROW)
						cnt = sqlite3_column_int(st, 0);
					sqlite3_finalize(st);
				}
				hit |= (!strcmp(v, "true") || !strcmp(v, "1")) ? (!n->builtin && cnt == 0)
									   : (n->builtin || cnt > 0);
				break;
			}
			}
		}
		if (any && !hit)
			return false;
	}
	return true;
}

static int network_ls(struct xnet *x, int argc, char **argv)
{
	struct ls_args a = { .x = x };
	struct json_object *arr;
	sqlite3_stmt *st;
	int i;

	i = cli__parse(x, cli__current, argv[0], argc, argv, ls_opt, &a);
	if (i < 0)
		return CLI_EXIT(i);
	st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks ORDER BY name");
	if (!st)
		return 1;
	arr = json_object_new_array();
	struct cli_table *tab = NULL;

	if (!a.quiet && !x->json && !a.format) {
		tab = cli__table_new(4);
		cli__table_row(tab, "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct network n;

		store__network_row(st, &n);
		if (!filters_match(x, &a, &n))
			continue;
		if (a.quiet)
			printf("%.*s\n", a.notrunc ? 64 : 12, n.id);
		else if (x->json || a.format) {
			/* Docker's `network ls --format` row. */
			struct json_object *row = json_object_new_object(), *full = network__inspect_json(x, &n), *lab;
			char idb[XNET_ID_LEN + 1];

			snprintf(idb, sizeof(idb), "%.*s", a.notrunc ? 64 : 12, n.id);
			json_object_object_add(row, "ID", json_object_new_string(idb));
			json_object_object_add(row, "Name", json_object_new_string(n.name));
			json_object_object_add(row, "Driver", json_object_new_string(n.driver));
			json_object_object_add(row, "Scope", json_object_new_string(scope_of(&n)));
			json_object_object_add(row, "IPv6", json_object_new_string("false"));
			json_object_object_add(row, "Internal", json_object_new_string(n.internal ? "true" : "false"));
			json_object_object_add(row, "CreatedAt", json_object_new_string(n.created));
			if (json_object_object_get_ex(full, "Labels", &lab)) {
				struct strbuf ls = { 0 };

				json_object_object_foreach(lab, k, v)
					util__sb_add(&ls, ",", "%s=%s", k, json_object_get_string(v));
				json_object_object_add(row, "Labels", json_object_new_string(util__sb_str(&ls)));
				util__sb_free(&ls);
			}
			json_object_put(full);
			json_object_array_add(arr, row);
		}
		else {
			char idb[XNET_ID_LEN + 1];

			snprintf(idb, sizeof(idb), "%.*s", a.notrunc ? 64 : 12, n.id);
			cli__table_row(tab, idb, n.name, n.driver, scope_of(&n));
		}
	}
	sqlite3_finalize(st);
	cli__table_print(tab);
	for (int k = 0; k < a.nfilters; k++)
		free(a.filters[k].k), free(a.filters[k].v);
	if (!a.quiet && (x->json || a.format))
		return inspect__print(x, arr, a.format) ? 1 : 0;
	json_object_put(arr);
	return 0;
}

/* -------------------------------------------------------------------- rm */

static int endpoint_names(struct xnet *x, const struct network *n, struct strbuf *out)
{
	sqlite3_stmt *st = store__prepare(x, "SELECT c.name FROM endpoints e JOIN containers c ON c.id = e.container_id "
				       "WHERE e.network_id = ? ORDER BY c.name");
	int cnt = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		util__sb_add(out, ", ", "%s", (const char *)sqlite3_column_text(st, 0));
		cnt++;
	}
	sqlite3_finalize(st);
	/* Sandboxes in "container:" mode of a member count as users too, but have no endpoint. */
	return cnt;
}

/* Remove one custom network without endpoints; the caller holds the transaction. */
static int network_remove_one(struct xnet *x, struct network *n)
{
	sqlite3_stmt *st;
	int rc;

	if (network__kernel_remove(x, n))
		return xerr(x, "cannot remove the datapath of network %s", n->name);
	st = store__prepare(x, "DELETE FROM networks WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (!rc)
		log_info("removed network %s (%s)", n->name, n->id);
	return rc;
}

static const struct cli_opt rm_opts_net[] = {
	{ "force", 'f', NULL, "Do not error if the network does not exist" },
	{ 0 }
};

static const struct cli_opt disconnect_opts[] = {
	{ "force", 'f', NULL, "Force the container to disconnect from a network" },
	{ 0 }
};

static int network_rm(struct xnet *x, int argc, char **argv)
{
	bool force = false;
	int i, rc = 0;

	i = cli__parse(x, cli__current, argv[0], argc, argv, cli__flag_opt, &force);
	if (i < 0)
		return CLI_EXIT(i);
	/* Each name is its own transaction: Docker goes on past failures and reports each. */
	for (; i < argc; i++) {
		struct network n;
		struct strbuf names = { 0 };
		int r, cnt;

		if (store__begin(x))
			return 1;
		r = store__network_get(x, argv[i], &n);
		if (r) {
			store__rollback(x);
			if (!force || r != -ENOENT) {
				xerr(x, r == -EINVAL ? "network %s is ambiguous" : "network %s not found", argv[i]);
				rc = 1;
			}
			continue;
		}
		if (n.builtin) {
			store__rollback(x);
			xerr(x, "%s is a pre-defined network and cannot be removed", n.name);
			rc = 1;
			continue;
		}
		cnt = endpoint_names(x, &n, &names);
		if (cnt != 0) {
			store__rollback(x);
			xerr(x, "error while removing network: network %s has active endpoints (%s)", n.name,
			     util__sb_str(&names));
			util__sb_free(&names);
			rc = 1;
			continue;
		}
		if (network_remove_one(x, &n) || store__commit(x)) {
			store__rollback(x);
			rc = 1;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return rc;
}

/* ----------------------------------------------------------------- prune */

static const struct cli_opt prune_opts[] = {
	{ "force", 'f', NULL, "Do not prompt for confirmation" },
	{ "filter", 0, "filter", "Provide filter values (e.g. 'label=<key>=<value>')" },
	{ 0 }
};

struct prune_args { struct xnet *x; bool force; struct kv filters[MAX_MULTI]; int nfilters; };

static int prune_opt(void *ctx, int idx, const char *arg)
{
	struct prune_args *a = ctx;
	const char *eq;

	if (idx == 0) {
		a->force = true;
		return 0;
	}
	eq = strchr(arg, '=');
	if (!eq || strncmp(arg, "label=", 6) || a->nfilters >= MAX_MULTI)
		return xerr(a->x, "invalid filter '%s': only label=<key>[=<value>] is supported", arg);
	a->filters[a->nfilters].k = strdup("label");
	a->filters[a->nfilters].v = strdup(eq + 1);
	a->nfilters++;
	return 0;
}

static int network_prune(struct xnet *x, int argc, char **argv)
{
	struct prune_args a = { .x = x };
	struct network *list = NULL;
	int i, nl = 0, rc = 0, deleted = 0;
	sqlite3_stmt *st;

	i = cli__parse(x, cli__current, argv[0], argc, argv, prune_opt, &a);
	if (i < 0)
		return CLI_EXIT(i);
	if (!a.force && isatty(0)) {
		char line[16];

		printf("WARNING! This will remove all custom networks not used by at least one container.\n"
		       "Are you sure you want to continue? [y/N] ");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return 0;
	}
	if (store__begin(x))
		return 1;
	st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks n WHERE builtin = 0 AND NOT EXISTS "
			       "(SELECT 1 FROM endpoints e WHERE e.network_id = n.id) ORDER BY name");
	if (!st) {
		store__rollback(x);
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct network *nn = realloc(list, sizeof(*list) * (size_t)(nl + 1));

		if (!nn)
			break;
		list = nn;
		store__network_row(st, &list[nl++]);
	}
	sqlite3_finalize(st);
	for (int k = 0; k < nl; k++) {
		struct ls_args la = { .x = x, .nfilters = a.nfilters };

		memcpy(la.filters, a.filters, sizeof(a.filters));
		if (!filters_match(x, &la, &list[k]))
			continue;
		if (network_remove_one(x, &list[k])) {
			rc = 1;
			break;
		}
		if (!deleted++)
			printf("Deleted Networks:\n");
		printf("%s\n", list[k].name);
	}
	if (rc || store__commit(x)) {
		store__rollback(x);
		rc = 1;
	}
	free(list);
	for (int k = 0; k < a.nfilters; k++)
		free(a.filters[k].k), free(a.filters[k].v);
	return rc;
}

/* ------------------------------------------------------ connect/disconnect */

static const struct cli_opt connect_opts[] = {
	{ "alias", 0, "strings", "Add network-scoped alias for the container" },
	{ "ip", 0, "string", "IPv4 address (e.g., \"172.30.100.104\")" },
	{ 0 }
};

struct connect_args { struct xnet *x; char *aliases[MAX_MULTI]; int naliases; const char *ip; };

static int connect_opt(void *ctx, int idx, const char *arg)
{
	struct connect_args *a = ctx;
	const char *why;

	if (idx == 1) {
		a->ip = arg;
		return 0;
	}
	if (a->naliases >= MAX_MULTI)
		return xerr(a->x, "too many aliases (at most %d)", MAX_MULTI);
	if ((why = util__dns_name_error(arg, 253)))
		return xerr(a->x, "invalid network-scoped alias \"%s\": %s", util__quote(arg), why);
	a->aliases[a->naliases++] = (char *)arg;
	return 0;
}

/*
 * connect/disconnect: parse, then within one transaction resolve NETWORK and
 * CONTAINER and apply op; any failure rolls everything back.
 */
static int network_endpoint_cmd(struct xnet *x, int argc, char **argv,
				int (*on_opt)(void *ctx, int idx, const char *arg), void *ctx,
				int (*op)(struct xnet *x, struct container *c, const struct network *n, void *ctx))
{
	struct network n;
	struct container c;
	int i, rc;

	i = cli__parse(x, cli__current, argv[0], argc, argv, on_opt, ctx);
	if (i < 0)
		return CLI_EXIT(i);
	if (store__begin(x))
		return 1;
	if (store__network_get(x, argv[i], &n)) {
		store__rollback(x);
		return xerr(x, "network %s not found", argv[i]), 1;
	}
	if (store__container_get(x, argv[i + 1], &c)) {
		store__rollback(x);
		return xerr(x, "No such container: %s", argv[i + 1]), 1;
	}
	rc = op(x, &c, &n, ctx);
	if (rc || store__commit(x)) {
		store__rollback(x);
		rc = 1;
	}
	container__free(&c);
	return rc;
}

static int connect_op(struct xnet *x, struct container *c, const struct network *n, void *ctx)
{
	struct connect_args *a = ctx;

	return container__connect(x, c, n, a->ip, a->aliases, a->naliases);
}

static int disconnect_op(struct xnet *x, struct container *c, const struct network *n, void *ctx)
{
	(void)ctx;
	return container__disconnect(x, c, n);
}

static int network_connect(struct xnet *x, int argc, char **argv)
{
	struct connect_args a = { .x = x };

	return network_endpoint_cmd(x, argc, argv, connect_opt, &a, connect_op);
}

static int network_disconnect(struct xnet *x, int argc, char **argv)
{
	bool force = false;

	return network_endpoint_cmd(x, argc, argv, cli__flag_opt, &force, disconnect_op);
}

static const struct cli_cmd network_cmds[] = {
	{ "connect", network_connect, "NETWORK CONTAINER", "Connect a container to a network", connect_opts },
	{ "create", network_create, "NETWORK", "Create a network", create_opts },
	{ "disconnect", network_disconnect, "NETWORK CONTAINER", "Disconnect a container from a network", disconnect_opts },
	{ "inspect", network_inspect, "NETWORK [NETWORK...]", "Display detailed information on one or more networks", inspect_opts_net },
	{ "ls", network_ls, "", "List networks", ls_opts },
	{ "prune", network_prune, "", "Remove all unused networks", prune_opts },
	{ "rm", network_rm, "NETWORK [NETWORK...]", "Remove one or more networks", rm_opts_net },
	{ 0 }
};

int cmd_network(struct xnet *x, int argc, char **argv)
{
	return cli__dispatch(x, network_cmds, argv[0], "Manage networks", argc - 1, argv + 1);
}
