// SPDX-License-Identifier: GPL-2.0-only
/*
 * `xnet system ...`: config, policy, dns-helper, drops, gc, reconcile,
 * reload, teardown. Parsing and printing; core/system.c (and core/host.c,
 * core/gc.c) say what they mean.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "agents/dns/dns_helper.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "core/gc.h"
#include "core/host.h"
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

static const struct cli_cmd system_cmds[] = {
	{ "config", host__cmd_config, "", "Show or set the uplink and the NAT port range", config_opts },
	{ "dns-helper", cmd_system_dns_helper, "", "Run the embedded DNS helper (xnet starts it when needed)", NULL },
	{ "drops", system_drops, "", "Show the datapath's drop counters by reason", NULL },
	{ "gc", cmd_system_gc, "", "Remove the socket hooks and BPF objects of hosts whose network namespace is gone", NULL },
	{ "policy", host__cmd_policy, CLI_GROUP, "Manage who may reach published ports from other hosts", NULL },
	{ "reconcile", system_reconcile, "", "Repair the kernel state (links, namespaces, maps) from the store", NULL },
	{ "reload", system_reload, "", "Swap this build's BPF programs onto every device and hook, keeping the maps (no flow is lost)", NULL },
	{ "teardown", system_teardown, "", "Remove every sandbox, network, device and pinned object of this root", NULL },
	{ 0 }
};

int cmd_system(struct xnet *x, int argc, char **argv)
{
	return cli__dispatch(x, system_cmds, argv[0], "Manage xnet itself", argc - 1, argv + 1);
}
