// SPDX-License-Identifier: GPL-2.0-only
/*
 * `xnet system ...`: config, policy, dns-helper, drops, gc, reconcile,
 * reload, teardown. Parsing and printing; core/system.c (and core/host.c,
 * core/gc.c) say what they mean.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agents/dns/dns_helper.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "core/gc.h"
#include "lib/portspec.h"
#include "lib/util.h"
#include "core/system.h"
#include "core/xnet.h"
#include "xnet_abi.h"

static int system_reconcile(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);

	if (i < 0)
		return CLI_EXIT(i);
	return system__reconcile(x) ? 1 : 0;
}

static int system_reload(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL), n = 0;
	struct dp_swap *sw = NULL;

	if (i < 0)
		return CLI_EXIT(i);
	if (system__reload(x, &sw, &n))
		return 1;
	if (x->json) {
		struct json_object *a = json_object_new_array();

		for (int k = 0; k < n; k++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "Program", json_object_new_string(sw[k].prog));
			json_object_object_add(o, "Hook", json_object_new_string(sw[k].hook));
			json_object_object_add(o, "Device", json_object_new_string(sw[k].dev));
			json_object_object_add(o, "OldId", json_object_new_int64(sw[k].old_id));
			json_object_object_add(o, "NewId", json_object_new_int64(sw[k].new_id));
			json_object_array_add(a, o);
		}
		xnet__print_json(a);
	} else {
		printf("%-18s %-11s %-16s %8s %8s\n", "PROGRAM", "HOOK", "DEVICE", "OLD ID", "NEW ID");
		for (int k = 0; k < n; k++) {
			char old[16];

			snprintf(old, sizeof(old), "%u", sw[k].old_id);
			printf("%-18s %-11s %-16s %8s %8u\n", sw[k].prog, sw[k].hook, sw[k].dev[0] ? sw[k].dev : "-",
			       sw[k].old_id ? old : "-", sw[k].new_id);
		}
	}
	free(sw);
	return 0;
}

static int system_drops(struct xnet *x, int argc, char **argv)
{
	static const char *const names[] = XNET_DROP_NAMES;
	struct xnet_drop_counter c[XNET_DROP_MAX];
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);

	if (i < 0)
		return CLI_EXIT(i);
	if (system__drops(x, c))
		return 1;
	if (x->json) {
		struct json_object *o = json_object_new_object();

		for (int r = 1; r < XNET_DROP_MAX; r++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "packets", json_object_new_int64((int64_t)c[r].packets));
			json_object_object_add(e, "bytes", json_object_new_int64((int64_t)c[r].bytes));
			json_object_object_add(o, names[r], e);
		}
		xnet__print_json(o);
		return 0;
	}
	printf("%-24s %12s %14s\n", "REASON", "PACKETS", "BYTES");
	for (int r = 1; r < XNET_DROP_MAX; r++)
		printf("%-24s %12llu %14llu\n", names[r], (unsigned long long)c[r].packets,
		       (unsigned long long)c[r].bytes);
	return 0;
}

static int system_teardown(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);

	if (i < 0)
		return CLI_EXIT(i);
	return system__teardown(x) ? 1 : 0;
}

/* The helper never opens the store: main's prepare() lets this command through without it. */
int cmd_system_dns_helper(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);

	if (i < 0)
		return CLI_EXIT(i);
	return dns_helper__main(x->root);
}

int cmd_system_gc(struct xnet *x, int argc, char **argv)
{
	struct json_object *report = json_object_new_array();
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL), n;

	if (i < 0) {
		json_object_put(report);
		return CLI_EXIT(i);
	}
	n = gc__run(x, report);
	if (x->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Removed", report);
		xnet__print_json(o);
	} else {
		for (size_t k = 0; k < json_object_array_length(report); k++)
			printf("removed the socket hooks and pinned BPF objects under %s: its host network "
			       "namespace is gone\n", json_object_get_string(json_object_array_get_idx(report, k)));
		json_object_put(report);
	}
	if (n < 0)
		return xerr(x, "gc failed: %s", strerror(-n)), 1;
	return 0;
}

/* ------------------------------------------------------------ config */

static const struct cli_opt config_opts[] = {
	{ "uplink", 0, "string", "Device outside traffic uses, or \"auto\" for the default route's" },
	{ "nat-ports", 0, "range", "Source ports for masquerade (LO-HI), or \"default\"" },
	{ "uplink-xdp", 0, "mode", "XDP fast path on the uplink: on, off, or auto (not on a veth)" },
	{ 0 }
};

struct config_args {
	const char *uplink, *nat_ports, *xdp;
};

static int config_opt(void *ctx, int idx, const char *arg)
{
	struct config_args *a = ctx;

	if (idx == 0)
		a->uplink = arg;
	else if (idx == 1)
		a->nat_ports = arg;
	else
		a->xdp = arg;
	return 0;
}

static void config_print(struct xnet *x, const struct host_settings *s)
{
	if (x->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Uplink", json_object_new_string(s->uplink));
		json_object_object_add(o, "UplinkDevice", json_object_new_string(s->uplink_dev));
		json_object_object_add(o, "UplinkAddress", json_object_new_string(s->uplink_dev[0] ? s->uplink_ip : ""));
		json_object_object_add(o, "NatPortMin", json_object_new_int(s->nat_lo));
		json_object_object_add(o, "NatPortMax", json_object_new_int(s->nat_hi));
		json_object_object_add(o, "UplinkXdp", json_object_new_string(s->xdp));
		json_object_object_add(o, "Policy", json_object_new_boolean(s->policy));
		xnet__print_json(o);
		return;
	}
	printf("Uplink:     %s", s->uplink);
	if (s->uplink_dev[0])
		printf(" (%s, %s)\n", s->uplink_dev, s->uplink_ip);
	else
		printf(" (none: no masquerade, published ports reachable from this host only)\n");
	printf("NAT ports:  %u-%u%s\n", s->nat_lo, s->nat_hi, s->nat_default ? " (default)" : "");
	printf("Uplink XDP: %s\n", s->xdp);
	printf("Policy:     %s\n", s->policy ? "on (xnet system policy ls)" : "none (every client allowed)");
}

static int system_config(struct xnet *x, int argc, char **argv)
{
	struct config_args a = { 0 };
	struct host_settings s;
	int i = cli__parse(x, cli__current, argv[0], argc, argv, config_opt, &a);

	if (i < 0)
		return CLI_EXIT(i);
	if (system__config(x, a.uplink, a.nat_ports, a.xdp))
		return 1;
	if (a.uplink || a.nat_ports || a.xdp)
		return 0;
	if (system__config_get(x, &s))
		return 1;
	config_print(x, &s);
	return 0;
}

/* ------------------------------------------------------------ policy */

static const struct cli_opt policy_opts[] = {
	{ "port", 'p', "port", "Only this published host port: PORT[/PROTO] (default: every published port)" },
	{ 0 }
};

struct policy_args {
	const char *port;
};

static int policy_opt(void *ctx, int idx, const char *arg)
{
	((struct policy_args *)ctx)->port = arg;
	(void)idx;
	return 0;
}

/* --port PORT[/tcp|/udp] */
static int parse_policy_port(struct xnet *x, const char *s, struct policy_rule *r)
{
	char buf[32], *slash;
	uint16_t p;

	if (strlen(s) >= sizeof(buf))
		return xerr(x, "invalid port \"%s\" in --port: want PORT[/PROTO], 1-65535", util__quote(s));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	r->proto = IPPROTO_TCP;
	if (slash) {
		*slash++ = 0;
		if (!strcmp(slash, "udp"))
			r->proto = IPPROTO_UDP;
		else if (strcmp(slash, "tcp"))
			return xerr(x, "invalid protocol \"%s\" in --port %s: want tcp or udp", util__quote(slash),
				    util__quote(s));
	}
	if (portspec__parse_port(buf, strlen(buf), &p) || !p)
		return xerr(x, "invalid port \"%s\" in --port: want PORT[/PROTO], 1-65535", util__quote(s));
	r->port = p;
	return 0;
}

static int policy_rule_parse(struct xnet *x, const struct policy_args *a, const char *cidr,
			     struct policy_rule *r)
{
	uint32_t net;
	int prefix;
	char ip[16];

	memset(r, 0, sizeof(*r));
	if (a->port && parse_policy_port(x, a->port, r))
		return -1;
	if (util__parse_cidr(cidr, &net, &prefix)) {
		if (util__parse_ip(cidr, &net))
			return xerr(x, "invalid source \"%s\": want an IPv4 address or CIDR (10.0.0.0/8)", cidr);
		prefix = 32;
	}
	/* Stored in canonical form, so that rm finds what add wrote. */
	util__ip_str(net & util__mask(prefix), ip);
	snprintf(r->cidr, sizeof(r->cidr), "%s/%d", ip, prefix);
	return 0;
}

static int policy_change(struct xnet *x, int argc, char **argv, bool add)
{
	struct policy_args a = { 0 };
	struct policy_rule r;
	int i = cli__parse(x, cli__current, argv[0], argc, argv, policy_opt, &a);

	if (i < 0)
		return CLI_EXIT(i);
	if (add) {
		if (strcmp(argv[i], "allow") && strcmp(argv[i], "deny"))
			return xerr(x, "invalid action \"%s\": want allow or deny", argv[i]), 1;
		i++;
	}
	if (policy_rule_parse(x, &a, argv[i], &r))
		return 1;
	if (add) {
		snprintf(r.action, sizeof(r.action), "%s", argv[i - 1]);
		return system__policy_add(x, &r) ? 1 : 0;
	}
	return system__policy_rm(x, &r, a.port) ? 1 : 0;
}

static int policy_add(struct xnet *x, int argc, char **argv)
{
	return policy_change(x, argc, argv, true);
}

static int policy_rm(struct xnet *x, int argc, char **argv)
{
	return policy_change(x, argc, argv, false);
}

static int policy_ls(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL), n;
	struct json_object *arr = NULL;
	struct cli_table *t = NULL;
	struct policy_rule *v;

	if (i < 0)
		return CLI_EXIT(i);
	/* Longest prefix first, port rules before the rules for every port: the order of evaluation. */
	if (system__policies(x, &v, &n))
		return 1;
	if (x->json) {
		arr = json_object_new_array();
	} else {
		t = cli__table_new(3);
		cli__table_row(t, "ACTION", "SOURCE", "PORT");
	}
	for (int k = 0; k < n; k++) {
		char pbuf[24];

		if (v[k].port)
			snprintf(pbuf, sizeof(pbuf), "%d/%s", v[k].port, v[k].proto == IPPROTO_UDP ? "udp" : "tcp");
		else
			snprintf(pbuf, sizeof(pbuf), "*");
		if (arr) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "Action", json_object_new_string(v[k].action));
			json_object_object_add(o, "Source", json_object_new_string(v[k].cidr));
			json_object_object_add(o, "Port", json_object_new_string(pbuf));
			json_object_array_add(arr, o);
		} else {
			cli__table_row(t, v[k].action, v[k].cidr, pbuf);
		}
	}
	free(v);
	if (arr)
		xnet__print_json(arr);
	else
		cli__table_print(t);
	return 0;
}

static const struct cli_cmd policy_cmds[] = {
	{ "add", policy_add, "allow|deny SOURCE", "Allow or deny clients (IPv4 address or CIDR) to reach published ports", policy_opts },
	{ "ls", policy_ls, "", "List the rules (longest prefix wins; port rules before rules for every port)", NULL },
	{ "rm", policy_rm, "SOURCE", "Remove a rule", policy_opts },
	{ 0 }
};

static int system_policy(struct xnet *x, int argc, char **argv)
{
	return cli__dispatch(x, policy_cmds, argv[0],
			     "Who may reach published ports from other hosts (no rule: everyone)",
			     argc - 1, argv + 1);
}


static const struct cli_cmd system_cmds[] = {
	{ "config", system_config, "", "Show or set the uplink and the NAT port range", config_opts },
	{ "dns-helper", cmd_system_dns_helper, "", "Run the embedded DNS helper (xnet starts it when needed)", NULL },
	{ "drops", system_drops, "", "Show the datapath's drop counters by reason", NULL },
	{ "gc", cmd_system_gc, "", "Remove the socket hooks and BPF objects of hosts whose network namespace is gone", NULL },
	{ "policy", system_policy, CLI_GROUP, "Manage who may reach published ports from other hosts", NULL },
	{ "reconcile", system_reconcile, "", "Repair the kernel state (links, namespaces, maps) from the store", NULL },
	{ "reload", system_reload, "", "Swap this build's BPF programs onto every device and hook, keeping the maps (no flow is lost)", NULL },
	{ "teardown", system_teardown, "", "Remove every sandbox, network, device and pinned object of this root", NULL },
	{ 0 }
};

int cmd_system(struct xnet *x, int argc, char **argv)
{
	return cli__dispatch(x, system_cmds, argv[0], "Manage xnet itself", argc - 1, argv + 1);
}
