// SPDX-License-Identifier: GPL-2.0-only
/*
 * container: sandboxes (`xnet run|exec|ps|rm|inspect`) and their endpoints
 * (`network connect|disconnect`). A sandbox is a network namespace held by a
 * bind mount under <root>/netns, the files it sees under
 * <root>/containers/<id>, and the command started in it.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "core/api.h"
#include "core/views.h"
#include "core/dns.h"
#include "lib/log.h"
#include "core/ports.h"
#include "core/xnet.h"
#include <json-c/json.h>
#include "core/sandbox.h"
#include "lib/util.h"

#define MAX_MULTI 64

/* ------------------------------------------------------------------- run */

const struct cli_opt run_opts[] = {
	{ "detach", 'd', NULL, "Run container in background and print container ID" },
	{ "rm", 0, NULL, "Automatically remove the container when it exits" },
	{ "name", 0, "string", "Assign a name to the container" },
	{ "network", 0, "network", "Connect a container to a network (NAME, host, none, container:NAME)" },
	{ "network-alias", 0, "list", "Add network-scoped alias for the container" },
	{ "ip", 0, "string", "IPv4 address (e.g., 172.30.100.104)" },
	{ "hostname", 'h', "string", "Container host name" },
	{ "env", 'e', "list", "Set environment variables" },
	{ "interactive", 'i', NULL, "Keep STDIN open (xnet always passes the terminal's stdio through)" },
	{ "tty", 't', NULL, "Accepted for compatibility; the command uses the caller's terminal" },
	{ "net", 0, "network", "Alias of --network" },
	{ "publish", 'p', "list", "Publish a container's port(s) to the host ([ip:][hostPort[-end]:]containerPort[-end][/proto])" },
	{ "publish-all", 'P', NULL, "Publish all exposed ports to random ports" },
	{ "expose", 0, "list", "Expose a port or a range of ports" },
	{ "dns", 0, "list", "Set custom DNS servers" },
	{ "dns-search", 0, "list", "Set custom DNS search domains" },
	{ "dns-option", 0, "list", "Set DNS options" },
	{ "link", 0, "list", "Add link to another container" },
	{ 0 }
};

struct run_args {
	struct xnet *x;
	struct sandbox_req req;
};

static int run_opt(void *ctx, int idx, const char *arg)
{
	struct run_args *a = ctx;
	const char *why;

	switch (idx) {
	case 0: a->req.detach = true; return 0;
	case 1: a->req.rm = true; return 0;
	case 2: a->req.name = arg; return 0;
	case 3: case 10:
		if (a->req.network && strcmp(a->req.network, arg))
			return xerr(a->x, "conflicting options: only one --network at creation; use 'xnet network connect' for more");
		a->req.network = arg;
		return 0;
	case 4:
		if (a->req.naliases >= SANDBOX_MAX_LIST)
			return xerr(a->x, "too many aliases");
		if ((why = util__dns_name_error(arg, 253)))
			return xerr(a->x, "invalid network-scoped alias \"%s\": %s", util__quote(arg), why);
		a->req.aliases[a->req.naliases++] = (char *)arg;
		return 0;
	case 5: a->req.ip = arg; return 0;
	case 6:
		/* It goes to sethostname(2), /etc/hosts and the embedded DNS: one name, nothing else. */
		if ((why = util__dns_name_error(arg, 64)))
			return xerr(a->x, "invalid hostname \"%s\": %s", util__quote(arg), why);
		a->req.hostname = arg;
		return 0;
	case 7:
		if (a->req.nenv >= SANDBOX_MAX_LIST)
			return xerr(a->x, "too many -e options");
		if (!arg[0] || arg[0] == '=')
			return xerr(a->x, "invalid environment variable: %s", arg);
		if (!strchr(arg, '=')) {
			/* Docker: -e NAME passes the caller's value through, or drops it. */
			const char *v = getenv(arg);
			char *kv;

			if (!v)
				return 0;
			if (asprintf(&kv, "%s=%s", arg, v) < 0)
				return -1;
			a->req.env[a->req.nenv++] = kv;
			return 0;
		}
		a->req.env[a->req.nenv++] = strdup(arg);
		return 0;
	case 8: case 9: return 0;
	case 11: return ports__parse_publish(a->x, &a->req.ports, arg);
	case 12: a->req.ports.publish_all = true; return 0;
	case 13: return ports__parse_expose(a->x, &a->req.ports, arg);
	case 14: return dns__parse_server(a->x, &a->req.dns, arg);
	case 15: return dns__parse_search(a->x, &a->req.dns, arg);
	case 16: return dns__parse_option(a->x, &a->req.dns, arg);
	case 17: return dns__parse_link(a->x, &a->req.dns, arg);
	}
	return -1;
}

int cmd_run(struct xnet *x, int argc, char **argv)
{
	struct run_args a = { .x = x };
	char id[XNET_ID_LEN + 1];
	int i, rc;

	i = cli__parse(x, cli__current, argv[0], argc, argv, run_opt, &a);
	if (i < 0) {
		rc = i == -2 ? 0 : 125;
		goto out;
	}
	a.req.env[a.req.nenv] = NULL;
	a.req.argv = argv + i;
	a.req.argc = argc - i;
	rc = api__run(x, &a.req, id);
	if (id[0])
		printf("%s\n", id);
out:
	portspec__req_free(&a.req.ports);
	for (int k = 0; k < a.req.nenv; k++)
		free(a.req.env[k]);
	return rc;
}

/* ------------------------------------------------------------------ exec */

const struct cli_opt exec_opts[] = {
	{ "env", 'e', "list", "Set environment variables" },
	{ "interactive", 'i', NULL, "Keep STDIN open (always)" },
	{ "tty", 't', NULL, "Accepted for compatibility" },
	{ 0 }
};

/* exec's table: 0 = env (run's 7), 1, 2 = no-ops. */
static int exec_opt(void *ctx, int idx, const char *arg)
{
	return run_opt(ctx, idx == 0 ? 7 : 8, arg);
}

int cmd_exec(struct xnet *x, int argc, char **argv)
{
	struct run_args a = { .x = x };
	int i, status;

	i = cli__parse(x, cli__current, argv[0], argc, argv, exec_opt, &a);
	if (i < 0)
		return i == -2 ? 0 : 1;
	a.req.env[a.req.nenv] = NULL;
	status = api__exec(x, argv[i], argv + i + 1, a.req.env);
	for (int k = 0; k < a.req.nenv; k++)
		free(a.req.env[k]);
	return status;
}

/* -------------------------------------------------------------------- ps */

const struct cli_opt ps_opts[] = {
	{ "all", 'a', NULL, "Show all containers (default shows just running)" },
	{ "quiet", 'q', NULL, "Only display container IDs" },
	{ "no-trunc", 0, NULL, "Don't truncate output" },
	{ "format", 0, "string", "Format output using a Go template subset, or 'json'" },
	{ 0 }
};

struct ps_args { bool all, quiet, notrunc; const char *format; };

static int ps_opt(void *ctx, int idx, const char *arg)
{
	struct ps_args *a = ctx;

	switch (idx) {
	case 0: a->all = true; break;
	case 1: a->quiet = true; break;
	case 2: a->notrunc = true; break;
	case 3: a->format = arg; break;
	}
	return 0;
}

static void status_str(struct xnet *x, const struct container *c, char *out, size_t len)
{
	char d[64];
	time_t now = time(NULL);
	struct tm tm = { 0 };

	if (container__running(c)) {
		strptime(c->started, "%Y-%m-%dT%H:%M:%S", &tm);
		util__human_duration((long)(now - timegm(&tm)), d, sizeof(d));
		snprintf(out, len, "Up %s", d);
	} else if (!c->started[0]) {
		snprintf(out, len, "Created");
	} else {
		util__ago(c->finished[0] ? c->finished : c->started, d, sizeof(d));
		snprintf(out, len, "Exited (%d) %s", container__exit_code(x, c), d);
	}
}

static void command_str(const struct container *c, struct strbuf *out, bool notrunc)
{
	struct json_object *a = json_tokener_parse(c->cmd);
	struct strbuf cmd = { 0 };

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		/* An empty word still gets its separator, as Go's strings.Join does. */
		if (i)
			util__sb_add(&cmd, NULL, " ");
		util__sb_add(&cmd, NULL, "%s", json_object_get_string(json_object_array_get_idx(a, i)));
	}
	json_object_put(a);
	if (!notrunc && cmd.len > 20)
		util__sb_add(out, NULL, "\"%.19s…\"", util__sb_str(&cmd));
	else
		util__sb_add(out, NULL, "\"%s\"", util__sb_str(&cmd));
	util__sb_free(&cmd);
}

int cmd_ps(struct xnet *x, int argc, char **argv)
{
	struct ps_args a = { 0 };
	struct json_object *arr = json_object_new_array();
	struct container *ctrs;
	int i, nc;

	i = cli__parse(x, cli__current, argv[0], argc, argv, ps_opt, &a);
	if (i < 0) {
		json_object_put(arr);
		return CLI_EXIT(i);
	}
	if (views__containers(x, &ctrs, &nc)) {
		json_object_put(arr);
		return 1;
	}
	struct cli_table *tab = NULL;

	if (!a.quiet && !x->json && !a.format) {
		tab = cli__table_new(6);
		cli__table_row(tab, "CONTAINER ID", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
	}
	for (int ci = 0; ci < nc; ci++) {
		struct container c = ctrs[ci];
		char status[96], created[64];
		struct strbuf cmd = { 0 };

		if (!a.all && !container__running(&c))
			continue;
		if (a.quiet) {
			printf("%.*s\n", a.notrunc ? 64 : 12, c.id);
		} else if (x->json || a.format) {
			/* Docker's `ps --format` row: ID, Names, Command, CreatedAt, RunningFor, Status, State, Ports, Networks */
			struct json_object *row = json_object_new_object();
			struct strbuf nets = { 0 }, ports = { 0 };
			char idb[XNET_ID_LEN + 1];

			status_str(x, &c, status, sizeof(status));
			util__ago(c.created, created, sizeof(created));
			command_str(&c, &cmd, a.notrunc);
			snprintf(idb, sizeof(idb), "%.*s", a.notrunc ? 64 : 12, c.id);
			views__container_networks(x, &c, &nets);
			json_object_object_add(row, "ID", json_object_new_string(idb));
			json_object_object_add(row, "Names", json_object_new_string(c.name));
			json_object_object_add(row, "Command", json_object_new_string(util__sb_str(&cmd)));
			json_object_object_add(row, "CreatedAt", json_object_new_string(c.created));
			json_object_object_add(row, "RunningFor", json_object_new_string(created));
			json_object_object_add(row, "Status", json_object_new_string(status));
			json_object_object_add(row, "State", json_object_new_string(container__running(&c) ? "running" :
										      c.started[0] ? "exited" : "created"));
			ports__display(x, &c, &ports);
			json_object_object_add(row, "Ports", json_object_new_string(util__sb_str(&ports)));
			json_object_object_add(row, "Networks", json_object_new_string(util__sb_str(&nets)));
			util__sb_free(&ports);
			util__sb_free(&nets);
			json_object_array_add(arr, row);
		} else {
			status_str(x, &c, status, sizeof(status));
			util__ago(c.created, created, sizeof(created));
			command_str(&c, &cmd, a.notrunc);
			char idb[XNET_ID_LEN + 1];
			struct strbuf ports = { 0 };

			snprintf(idb, sizeof(idb), "%.*s", a.notrunc ? 64 : 12, c.id);
			ports__display(x, &c, &ports);
			cli__table_row(tab, idb, util__sb_str(&cmd), created, status, util__sb_str(&ports), c.name);
			util__sb_free(&ports);
		}
		util__sb_free(&cmd);
	}
	views__containers_free(ctrs, nc);
	cli__table_print(tab);
	if (!a.quiet && (x->json || a.format))
		return inspect__print(x, arr, a.format) ? 1 : 0;
	json_object_put(arr);
	return 0;
}

/* -------------------------------------------------------------------- rm */

const struct cli_opt rm_opts[] = {
	{ "force", 'f', NULL, "Force the removal of a running container (uses SIGKILL)" },
	{ 0 }
};

int cmd_rm(struct xnet *x, int argc, char **argv)
{
	bool force = false;
	int i, rc = 0;

	i = cli__parse(x, cli__current, argv[0], argc, argv, cli__flag_opt, &force);
	if (i < 0)
		return CLI_EXIT(i);
	for (; i < argc; i++) {
		int r = api__rm(x, argv[i], force);

		if (r == -EIO)
			return 1;	/* no lock: the other names would fail alike */
		if (r)
			rc = 1;
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

/* --------------------------------------------------------------- inspect */

const struct cli_opt inspect_opts[] = {
	{ "format", 'f', "string", "Format output using a custom template ('json' or a Go template subset)" },
	{ "type", 0, "string", "Only inspect objects of the given type (container or network)" },
	{ 0 }
};

struct insp_args { const char *format, *type; };

static int insp_opt(void *ctx, int idx, const char *arg)
{
	struct insp_args *a = ctx;

	if (idx == 0)
		a->format = arg;
	else
		a->type = arg;
	return 0;
}

int cmd_inspect(struct xnet *x, int argc, char **argv)
{
	struct insp_args a = { 0 };
	struct json_object *arr;
	int i, rc = 0;

	i = cli__parse(x, cli__current, argv[0], argc, argv, insp_opt, &a);
	if (i < 0)
		return CLI_EXIT(i);
	if (a.type && strcmp(a.type, "container") && strcmp(a.type, "network"))
		return xerr(x, "\"%s\" is not a valid value for --type", a.type), 1;
	arr = json_object_new_array();
	for (; i < argc; i++) {
		struct container c;
		struct network n;

		if ((!a.type || !strcmp(a.type, "container")) && views__container_get(x, argv[i], &c) == 0) {
			json_object_array_add(arr, views__container(x, &c));
			container__free(&c);
		} else if ((!a.type || !strcmp(a.type, "network")) && views__network_get(x, argv[i], &n) == 0) {
			json_object_array_add(arr, views__network(x, &n));
		} else {
			xerr(x, "No such object: %s", argv[i]);
			rc = 1;
		}
	}
	if (json_object_array_length(arr) == 0) {
		if (!a.format)
			printf("[]\n");
		json_object_put(arr);
		return rc;
	}
	if (inspect__print(x, arr, a.format))
		return 1;
	return rc;
}
