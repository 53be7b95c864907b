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
#include "cmd/cmds.h"
#include "core/api.h"
#include "core/views.h"
#include "core/network.h"
#include "lib/log.h"
#include <unistd.h>
#include "core/xnet.h"
#include "xnet_abi.h"
#include <json-c/json.h>
#include "lib/util.h"
#include "lib/template.h"

#define MAX_MULTI NETWORK_MAX_MULTI


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

struct create_args {
	struct xnet *x;
	struct network_req req;
};

static int split_kv(struct xnet *x, const char *arg, struct network_kv *out, int *n, const char *what, bool need_value)
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
	case 0: a->req.driver = arg; return 0;
	case 1: a->req.subnet = arg; a->req.nsubnet++; return 0;
	case 2: a->req.gateway = arg; a->req.ngateway++; return 0;
	case 3: a->req.ip_range = arg; a->req.nrange++; return 0;
	case 4: return split_kv(a->x, arg, a->req.aux, &a->req.naux, "aux-address", true);
	case 5: a->req.internal = true; return 0;
	case 6: a->req.attachable = true; return 0;
	case 7: a->req.ipv6 = true; return 0;
	case 8: return split_kv(a->x, arg, a->req.labels, &a->req.nlabels, "label", false);
	case 9: return split_kv(a->x, arg, a->req.opts, &a->req.nopts, "option", true);
	case 10:
		if (strcmp(arg, "default"))
			return xerr(a->x, "IPAM driver \"%s\" not found: only \"default\" is supported", arg);
		return 0;
	}
	return -1;
}

static int network_create(struct xnet *x, int argc, char **argv)
{
	struct create_args a = { .x = x };
	struct network n;
	int i, rc = 1;

	i = cli__parse(x, cli__current, argv[0], argc, argv, create_opt, &a);
	if (i < 0) {
		rc = CLI_EXIT(i);
		goto out;
	}
	a.req.name = argv[i];
	if (api__network_create(x, &a.req, &n))
		goto out;
	printf("%s\n", n.id);
	rc = 0;
out:
	network__req_free(&a.req);
	return rc;
}

/* --------------------------------------------------------------- inspect */

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
		int r = views__network_get(x, argv[i], &n);

		if (r) {
			xerr(x, r == -EINVAL ? "network %s is ambiguous (matches more than one id)" : "network %s not found",
			     argv[i]);
			rc = 1;
			continue;
		}
		json_object_array_add(arr, views__network(x, &n));
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
	struct network_kv filters[MAX_MULTI];
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
			case 3: hit |= views__network_label(x, n, v); break;
			case 4: hit |= !strcmp(views__scope(n), v); break;
			case 5: hit |= !strcmp(v, n->builtin ? "builtin" : "custom"); break;
			case 6: {
				int cnt = views__network_endpoints(x, n);

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
	struct network *nets;
	int i, nn;

	i = cli__parse(x, cli__current, argv[0], argc, argv, ls_opt, &a);
	if (i < 0)
		return CLI_EXIT(i);
	if (views__networks(x, &nets, &nn))
		return 1;
	arr = json_object_new_array();
	struct cli_table *tab = NULL;

	if (!a.quiet && !x->json && !a.format) {
		tab = cli__table_new(4);
		cli__table_row(tab, "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	}
	for (int ni = 0; ni < nn; ni++) {
		const struct network n = nets[ni];

		if (!filters_match(x, &a, &n))
			continue;
		if (a.quiet)
			printf("%.*s\n", a.notrunc ? 64 : 12, n.id);
		else if (x->json || a.format) {
			/* Docker's `network ls --format` row. */
			struct json_object *row = json_object_new_object(), *full = views__network(x, &n), *lab;
			char idb[XNET_ID_LEN + 1];

			snprintf(idb, sizeof(idb), "%.*s", a.notrunc ? 64 : 12, n.id);
			json_object_object_add(row, "ID", json_object_new_string(idb));
			json_object_object_add(row, "Name", json_object_new_string(n.name));
			json_object_object_add(row, "Driver", json_object_new_string(n.driver));
			json_object_object_add(row, "Scope", json_object_new_string(views__scope(&n)));
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
			cli__table_row(tab, idb, n.name, n.driver, views__scope(&n));
		}
	}
	free(nets);
	cli__table_print(tab);
	for (int k = 0; k < a.nfilters; k++)
		free(a.filters[k].k), free(a.filters[k].v);
	if (!a.quiet && (x->json || a.format))
		return inspect__print(x, arr, a.format) ? 1 : 0;
	json_object_put(arr);
	return 0;
}

/* -------------------------------------------------------------------- rm */

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
		int r = api__network_remove(x, argv[i], force);

		if (r == -EIO)
			return 1;	/* no lock: the other names would fail alike */
		if (r < 0)
			rc = 1;
		else if (r == 0)
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

struct prune_args { struct xnet *x; bool force; struct network_kv filters[MAX_MULTI]; int nfilters, deleted; };

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

static bool prune_wanted(struct xnet *x, const struct network *n, void *ctx)
{
	const struct prune_args *a = ctx;
	struct ls_args la = { .x = x, .nfilters = a->nfilters };

	memcpy(la.filters, a->filters, sizeof(a->filters));
	return filters_match(x, &la, n);
}

static void prune_removed(const struct network *n, void *ctx)
{
	struct prune_args *a = ctx;

	if (!a->deleted++)
		printf("Deleted Networks:\n");
	printf("%s\n", n->name);
}

static int network_prune(struct xnet *x, int argc, char **argv)
{
	struct prune_args a = { .x = x };
	int i, rc;

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
	rc = api__network_prune(x, prune_wanted, prune_removed, &a) ? 1 : 0;
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

static int network_connect(struct xnet *x, int argc, char **argv)
{
	struct connect_args a = { .x = x };
	int i = cli__parse(x, cli__current, argv[0], argc, argv, connect_opt, &a);

	if (i < 0)
		return CLI_EXIT(i);
	return api__network_connect(x, argv[i], argv[i + 1], a.ip, a.aliases, a.naliases) ? 1 : 0;
}

static int network_disconnect(struct xnet *x, int argc, char **argv)
{
	bool force = false;
	int i = cli__parse(x, cli__current, argv[0], argc, argv, cli__flag_opt, &force);

	if (i < 0)
		return CLI_EXIT(i);
	return api__network_disconnect(x, argv[i], argv[i + 1]) ? 1 : 0;
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
