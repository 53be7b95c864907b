// SPDX-License-Identifier: GPL-2.0-only
/*
 * xnet: Docker-style container networking with an eBPF datapath.
 * main: global options, the command table, error printing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "core/gc.h"
#include "core/xnet.h"
#include "lib/log.h"
#include "lib/util.h"
#include <json-c/json.h>
#include "core/txn.h"

static int cmd_version(struct xnet *x, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (x->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Version", json_object_new_string(XNET_VERSION));
		xnet__print_json(o);
	} else {
		printf("xnet version %s\n", XNET_VERSION);
	}
	return 0;
}

static const struct cli_cmd top_cmds[] = {
	{ "network", cmd_network, CLI_GROUP, "Manage networks", NULL },
	{ "run", cmd_run, "COMMAND [ARG...]", "Create a sandbox and run a command in it", run_opts },
	{ "exec", cmd_exec, "CONTAINER COMMAND [ARG...]", "Run a command in a running sandbox", exec_opts },
	{ "ps", cmd_ps, "", "List sandboxes", ps_opts },
	{ "port", cmd_port, "CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific mapping for the sandbox", NULL },
	{ "rm", cmd_rm, "CONTAINER [CONTAINER...]", "Remove one or more sandboxes", rm_opts },
	{ "inspect", cmd_inspect, "CONTAINER [CONTAINER...]", "Return low-level information on sandboxes", inspect_opts },
	{ "system", cmd_system, CLI_GROUP, "Manage xnet itself (drops, reconcile, teardown)", NULL },
	{ "version", cmd_version, "", "Show the xnet version", NULL },
	{ 0 }
};

/* Before any command but version runs (its command line checked): root, and the store. */
static int prepare(struct xnet *x, const struct cli_cmd *cmd)
{
	if (cmd->fn == cmd_version)
		return 0;
	if (geteuid() != 0)
		return xerr(x, "xnet must run as root (it changes network namespaces, links and BPF maps)"), 1;
	/* The DNS helper reads the pinned maps, never the store (nor does it take the store's lock). */
	if (cmd->fn == cmd_system_dns_helper)
		return 0;
	if (xnet__store_open(x))
		return 1;
	/* Hooks of hosts whose namespace is gone (any root, this one too) go first; system gc reports them. */
	if (cmd->fn != cmd_system_gc && gc__run(x, NULL) < 0)
		log_warn("gc: cannot check the other hosts' socket hooks (see above)");
	return 0;
}

static void usage_global(void)
{
	printf("\nUsage:  xnet [OPTIONS] COMMAND\n\n"
	       "Docker-style container networking with an eBPF datapath\n\n"
	       "Options:\n"
	       "      --root DIR          State root (default %s, or $XNET_ROOT)\n"
	       "  -l, --log-level LEVEL   Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\") (default \"warn\")\n"
	       "      --json              Print listings, inspect output and errors as JSON\n"
	       "  -v, --version           Print version information and quit\n\n"
	       "Commands:\n", XNET_DEFAULT_ROOT);
	for (const struct cli_cmd *c = top_cmds; c->name; c++)
		printf("  %-12s %s\n", c->name, c->summary);
	printf("\nRun 'xnet COMMAND --help' for more information on a command.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ 0 }
	};
	struct xnet x = { 0 };
	const char *root = getenv("XNET_ROOT");
	int level = LOG_LVL_WARN, c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:l:hv", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			/* An empty XNET_ROOT means unset; an empty --root is a mistake (`--root "$UNSET"`). */
			if (!*optarg) {
				xerr(&x, "invalid argument \"\" for \"--root\" flag: the state root must not be empty");
				return 1;
			}
			root = optarg;
			break;
		case 'l':
			level = log__parse_level(optarg);
			if (level < 0) {
				xerr(&x, "unable to parse logging level: %s", optarg);
				return 1;
			}
			break;
		case 'j':
			x.json = true;
			break;
		case 'h':
			usage_global();
			return 0;
		case 'v':
			return cmd_version(&x, 0, NULL);
		case ':':
			xerr(&x, "flag needs an argument: %s", argv[optind - 1]);
			return CLI_EXIT_FLAG;
		default:
			xerr(&x, "unknown flag: %s", argv[optind - 1]);
			fprintf(stderr, "See 'xnet --help'.\n");
			return CLI_EXIT_FLAG;
		}
	}
	log__init(level);
	if (!root || !*root)
		root = XNET_DEFAULT_ROOT;
	for (const char *p = root; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return xerr(&x, "invalid state root \"%s\": it contains a control character", util__quote(root)), 1;
	if (root[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) || strlen(cwd) + strlen(root) + 2 > sizeof(x.root))
			return xerr(&x, "state root %s: path too long", root), 1;
		snprintf(x.root, sizeof(x.root), "%s/%s", cwd, root);
	} else {
		if (strlen(root) + 1 > sizeof(x.root) - 32)
			return xerr(&x, "state root %s: path too long", root), 1;
		snprintf(x.root, sizeof(x.root), "%s", root);
	}
	xnet__paths(&x);

	if (optind >= argc) {
		usage_global();
		return 1;
	}
	cli__prepare = prepare;
	rc = cli__dispatch(&x, top_cmds, "xnet", "Docker-style container networking with an eBPF datapath",
			   argc - optind, argv + optind);
	txn__close(&x);
	return rc;
}
