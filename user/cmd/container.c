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
#include "datapath/datapath.h"
#include "core/dns.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "core/ports.h"
#include "kernel/process.h"
#include "core/xnet.h"

#define MAX_MULTI 64

int inspect__print(struct xnet *x, struct json_object *arr, const char *format);

/* ------------------------------------------------------------ processes */

bool container__running(const struct container *c)
{
	return c->pid > 0 && process__alive((pid_t)c->pid, c->starttime);
}

static int exit_code_of(struct xnet *x, const struct container *c)
{
	char path[PATH_MAX + 32], dir[PATH_MAX];
	char *s;
	int code = c->exit_code;

	container__dir(x, c->id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/exitcode", dir);
	s = util__read_file(path);
	if (s) {
		code = atoi(s);
		free(s);
	}
	/* No shim left to tell: it was killed with the command (rm -f, kill -9). */
	return code < 0 ? 137 : code;
}

/* Signal every process whose network namespace is the one at netns_path. */
int container__kill_netns(struct xnet *x, const char *netns_path, int sig)
{
	struct stat ns;
	DIR *d;
	struct dirent *de;
	int n = 0;

	(void)x;
	if (stat(netns_path, &ns))
		return 0;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char p[64];
		struct stat st;
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
		if (stat(p, &st) || st.st_ino != ns.st_ino || st.st_dev != ns.st_dev)
			continue;
		kill(pid, sig);
		n++;
	}
	closedir(d);
	return n;
}

static bool is_our_shim(long pid)
{
	char p[64], *comm;
	bool yes;

	if (pid <= 1)
		return false;
	snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
	comm = util__read_file(p);
	yes = comm && !strncmp(comm, "xnet-shim", 9);
	free(comm);
	return yes;
}

static void stop_processes(struct xnet *x, const struct container *c)
{
	char path[PATH_MAX];

	/* The shim first, so it neither records an exit nor runs --rm behind our back. */
	if (is_our_shim(c->shim_pid))
		kill((pid_t)c->shim_pid, SIGKILL);
	if (container__running(c)) {
		/* The command leads its own process group: what it spawned goes too (--network host has no netns to sweep). */
		kill(-(pid_t)c->pid, SIGKILL);
		kill((pid_t)c->pid, SIGKILL);
	}
	if (!strcmp(c->netmode, "default") || !strcmp(c->netmode, "none")) {
		container__netns_path(x, c, path, sizeof(path));
		container__kill_netns(x, path, SIGKILL);
	}
	for (int i = 0; i < 200 && container__running(c); i++)
		usleep(5000);
}

/* ------------------------------------------------------------- endpoints */

int container__connect(struct xnet *x, struct container *c, const struct network *n,
		       const char *ipstr, char **aliases, int naliases)
{
	struct endpoint e = { 0 };
	struct json_object *al;
	sqlite3_stmt *st;
	int rc, idx = 0, existing = 0;

	if (!strcmp(n->driver, "host"))
		return xerr(x, "container cannot be disconnected from host network or connected to host network");
	if (!strcmp(n->driver, "null"))
		return xerr(x, "container cannot be connected to multiple networks with one of the networks in private (none) mode");
	if (!strcmp(c->netmode, "host") || !strncmp(c->netmode, "container:", 10))
		return xerr(x, "container sharing network namespace with another container or host cannot be connected to any other network");
	if (!strcmp(c->netmode, "none"))
		return xerr(x, "container cannot be connected to multiple networks with one of the networks in private (none) mode");
	if (n->builtin && ipstr)
		return xerr(x, "user specified IP address is supported on user defined networks only");
	if (n->builtin && naliases)
		return xerr(x, "network-scoped aliases are only supported for user-defined networks");
	al = json_object_new_array();
	for (int i = 0; i < naliases; i++)
		json_object_array_add(al, json_object_new_string(aliases[i]));
	rc = snprintf(e.aliases, sizeof(e.aliases), "%s", json_object_to_json_string_ext(al, JSON_C_TO_STRING_PLAIN));
	json_object_put(al);
	/* The endpoint row keeps them as a JSON array of bounded size: never store a cut one. */
	if (rc >= (int)sizeof(e.aliases))
		return xerr(x, "network-scoped aliases of %s on %s are too long: %d bytes as JSON, at most %zu",
			    c->name, n->name, rc, sizeof(e.aliases) - 1);
	st = store__prepare(x, "SELECT count(*), coalesce(max(idx) + 1, 0), "
			       "sum(network_id = ?2) FROM endpoints WHERE container_id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		existing = sqlite3_column_int(st, 0);
		idx = sqlite3_column_int(st, 1);
		if (sqlite3_column_int(st, 2) > 0) {
			sqlite3_finalize(st);
			return xerr(x, "endpoint with name %s already exists in network %s", c->name, n->name);
		}
	}
	sqlite3_finalize(st);
	if (ipstr) {
		if (util__parse_ip(ipstr, &e.ip))
			return xerr(x, "invalid IPv4 address: %s", ipstr);
		if (ipam__check_user_ip(x, n, e.ip, ipstr))
			return -1;
		e.user_ip = true;
	} else if (ipam__allocate(x, n, &e.ip)) {
		return xerr(x, "no available IPv4 addresses on this network's address pools: %s", n->name);
	}
	util__random_id(e.id);
	snprintf(e.container_id, sizeof(e.container_id), "%s", c->id);
	snprintf(e.network_id, sizeof(e.network_id), "%s", n->id);
	snprintf(e.ifname, sizeof(e.ifname), "eth%d", idx);
	snprintf(e.host_ifname, sizeof(e.host_ifname), XNET_EP_PREFIX "%.11s", e.id);
	e.idx = idx;

	st = store__prepare(x, "INSERT INTO endpoints (" ENDPOINT_COLS ") VALUES (?,?,?,?,?,?,?,?,?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, e.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e.container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e.network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e.ifname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e.host_ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, e.ip);
	sqlite3_bind_int(st, 7, e.idx);
	sqlite3_bind_int(st, 8, e.user_ip);
	sqlite3_bind_text(st, 9, e.aliases, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc)
		return xerr(x, "cannot record the endpoint of %s on %s: %s", c->name, n->name, sqlite3_errmsg(x->db));
	store__failpoint("connect-before-endpoint");
	rc = endpoint__kernel_apply(x, c, &e, n, existing == 0);
	if (rc)
		return xerr(x, "cannot attach %s to network %s: %s", c->name, n->name, strerror(-rc));
	/* The first endpoint is the backend of the sandbox's published ports. */
	if (existing == 0) {
		rc = ports__kernel_apply(x, c);
		if (rc)
			return xerr(x, "cannot publish the ports of %s on network %s: %s", c->name, n->name,
				    strerror(-rc));
	}
	container__write_hosts(x, c);
	rc = dns__sandbox_apply(x, c);
	if (!rc && existing == 0)
		rc = dns__write_resolv(x, c);
	if (rc)
		return xerr(x, "cannot register the names of %s on network %s: %s", c->name, n->name, strerror(-rc));
	{
		char ip[16];

		util__ip_str(e.ip, ip);
		log_info("connected %s to %s as %s (%s, host side %s)", c->name, n->name, e.ifname, ip, e.host_ifname);
	}
	return 0;
}

int container__disconnect(struct xnet *x, struct container *c, const struct network *n)
{
	struct endpoint *eps;
	int neps, hit = -1, rc;
	sqlite3_stmt *st;

	if (!strcmp(n->driver, "host") || !strcmp(n->driver, "null"))
		return xerr(x, "container cannot be disconnected from host network or connected to host network");
	endpoint__list(x, c->id, &eps, &neps);
	for (int i = 0; i < neps; i++)
		if (!strcmp(eps[i].network_id, n->id))
			hit = i;
	if (hit < 0) {
		free(eps);
		return xerr(x, "container %s is not connected to network %s", c->name, n->name);
	}
	if (endpoint__kernel_remove(x, c, &eps[hit])) {
		free(eps);
		return xerr(x, "cannot detach %s from network %s", c->name, n->name);
	}
	st = store__prepare(x, "DELETE FROM endpoints WHERE id = ?");
	rc = -1;
	if (st) {
		sqlite3_bind_text(st, 1, eps[hit].id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	/* The default route went with eth of the lowest index: hand it to the next one. */
	if (!rc && hit == 0 && neps > 1) {
		struct network nn;
		char path[PATH_MAX];

		if (store__network_get_id(x, eps[1].network_id, &nn) == 0) {
			struct in_addr gw = { .s_addr = htonl(nn.gateway) };

			container__netns_path(x, c, path, sizeof(path));
			nl__sandbox_default_route(path, eps[1].ifname, gw);
		}
	}
	/* Flows of the address that just left must not carry over to its next owner. */
	if (!rc)
		rc = dp__ct_flush_ip(x->dp, htonl(eps[hit].ip));
	/* The backend of the published ports left: the next ethN takes over, or they go dark. */
	if (!rc && hit == 0 && ports__kernel_apply(x, c))
		rc = xerr(x, "cannot move the published ports of %s to its next network", c->name);
	/* Its names there go; a new first network brings its own DNS address. */
	if (!rc && dns__sandbox_left(x, c, n, eps[hit].aliases))
		rc = xerr(x, "cannot remove the names of %s from network %s", c->name, n->name);
	if (!rc && hit == 0)
		dns__write_resolv(x, c);
	if (!rc) {
		container__write_hosts(x, c);
		log_info("disconnected %s from %s (%s)", c->name, n->name, eps[hit].ifname);
	}
	free(eps);
	return rc;
}

int container__remove(struct xnet *x, struct container *c, bool force)
{
	struct endpoint *eps;
	char path[PATH_MAX];
	int neps, rc = 0;
	sqlite3_stmt *st;

	if (container__running(c) && !force)
		return xerr(x, "cannot remove container \"/%s\": container is running: stop the container before removing or force remove",
			    c->name);
	store__kernel_touch(x);
	stop_processes(x, c);
	/* The host ports first, so that they can be published again at once (moby#20486). */
	if (ports__release(x, c))
		return xerr(x, "cannot release the published ports of %s", c->name);
	/* Its names, before its addresses can go to someone else. */
	if (dns__sandbox_forget(x, c))
		return xerr(x, "cannot remove the names of %s", c->name);
	endpoint__list(x, c->id, &eps, &neps);
	for (int i = 0; i < neps; i++)
		if (endpoint__kernel_remove(x, c, &eps[i]))
			rc = -1;
	free(eps);
	if (rc)
		return xerr(x, "cannot remove the endpoints of %s", c->name);
	store__failpoint("rm-after-endpoints");
	if (!strcmp(c->netmode, "default") || !strcmp(c->netmode, "none")) {
		container__netns_path(x, c, path, sizeof(path));
		if (netns__delete(path))
			return xerr(x, "cannot remove the namespace %s of %s", path, c->name);
	}
	container__dir(x, c->id, path, sizeof(path));
	util__rm_rf(path);
	st = store__prepare(x, "DELETE FROM containers WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (!rc)
		log_info("removed sandbox %s (%s)", c->name, c->id);
	return rc;
}

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
	bool detach, rm;
	const char *name, *network, *ip, *hostname;
	char *aliases[MAX_MULTI];
	char *env[MAX_MULTI + 1];
	int naliases, nenv;
	struct ports_req ports;	/* -p, -P, --expose */
	struct dns_req dns;	/* --dns, --dns-search, --dns-option, --link */
};

static int run_opt(void *ctx, int idx, const char *arg)
{
	struct run_args *a = ctx;
	const char *why;

	switch (idx) {
	case 0: a->detach = true; return 0;
	case 1: a->rm = true; return 0;
	case 2: a->name = arg; return 0;
	case 3: case 10:
		if (a->network && strcmp(a->network, arg))
			return xerr(a->x, "conflicting options: only one --network at creation; use 'xnet network connect' for more");
		a->network = arg;
		return 0;
	case 4:
		if (a->naliases >= MAX_MULTI)
			return xerr(a->x, "too many aliases");
		if ((why = util__dns_name_error(arg, 253)))
			return xerr(a->x, "invalid network-scoped alias \"%s\": %s", util__quote(arg), why);
		a->aliases[a->naliases++] = (char *)arg;
		return 0;
	case 5: a->ip = arg; return 0;
	case 6:
		/* It goes to sethostname(2), /etc/hosts and the embedded DNS: one name, nothing else. */
		if ((why = util__dns_name_error(arg, 64)))
			return xerr(a->x, "invalid hostname \"%s\": %s", util__quote(arg), why);
		a->hostname = arg;
		return 0;
	case 7:
		if (a->nenv >= MAX_MULTI)
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
			a->env[a->nenv++] = kv;
			return 0;
		}
		a->env[a->nenv++] = strdup(arg);
		return 0;
	case 8: case 9: return 0;
	case 11: return ports__parse_publish(a->x, &a->ports, arg);
	case 12: a->ports.publish_all = true; return 0;
	case 13: return ports__parse_expose(a->x, &a->ports, arg);
	case 14: return dns__parse_server(a->x, &a->dns, arg);
	case 15: return dns__parse_search(a->x, &a->dns, arg);
	case 16: return dns__parse_option(a->x, &a->dns, arg);
	case 17: return dns__parse_link(a->x, &a->dns, arg);
	}
	return -1;
}

static char *json_strv(char *const *v, int n)
{
	struct json_object *a = json_object_new_array();
	char *s;

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	s = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return s;
}

struct rm_on_exit { char root[PATH_MAX]; char id[XNET_ID_LEN + 1]; };

/*
 * Runs in the shim after a `run -d --rm` command exits: remove the sandbox.
 * The shim was forked while its parent held the store's write lock, and
 * SQLite's in-process lock bookkeeping came along with the fork (a new
 * connection would wait forever on a lock that nobody holds). So the removal
 * runs in a fresh xnet process: exec ourselves as `xnet rm -f ID`.
 */
static void auto_remove(void *arg)
{
	struct rm_on_exit *r = arg;
	const char *lvl[] = { "debug", "info", "warn", "error", "fatal" };
	char *const argv[] = { "xnet", "--root", r->root, "--log-level", (char *)lvl[log__level()], "rm", "-f",
			       r->id, NULL };

	execv("/proc/self/exe", argv);
	log_error("xnet-shim: cannot run xnet rm -f %s: %s", r->id, strerror(errno));
}

static int record_exit(struct xnet *x, const char *id, int code)
{
	sqlite3_stmt *st;
	char now[64];

	if (store__begin(x))
		return -1;
	util__now_rfc3339(now, sizeof(now));
	st = store__prepare(x, "UPDATE containers SET exit_code = ?, finished = ?, pid = 0 WHERE id = ?");
	if (st) {
		sqlite3_bind_int(st, 1, code);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return store__commit(x);
}

static void spec_for(struct xnet *x, const struct container *c, struct sandbox_spec *s, char *netns, char *hosts,
		     char *resolv, char *hostname, size_t len)
{
	char dir[PATH_MAX];

	memset(s, 0, sizeof(*s));
	container__dir(x, c->id, dir, sizeof(dir));
	if (!strcmp(c->netmode, "host"))
		return;
	if (!strncmp(c->netmode, "container:", 10)) {
		/* Share the other sandbox's network and its files, as Docker does. */
		container__netns_path(x, c, netns, len);
		snprintf(dir, sizeof(dir), "%s/%s", x->containers_dir, c->netmode + 10);
	} else {
		container__netns_path(x, c, netns, len);
	}
	snprintf(hosts, len, "%s/hosts", dir);
	snprintf(resolv, len, "%s/resolv.conf", dir);
	snprintf(hostname, len, "%s/hostname", dir);
	s->netns_path = netns;
	s->hosts_path = hosts;
	s->resolv_path = resolv;
	s->hostname_path = hostname;
	s->hostname = c->hostname;
}

int cmd_run(struct xnet *x, int argc, char **argv)
{
	struct run_args a = { .x = x };
	struct container c = { 0 };
	struct network n = { 0 };
	struct container target = { 0 };
	struct sandbox_spec spec;
	char dir[PATH_MAX], path[PATH_MAX + 32], netns[PATH_MAX], hosts[PATH_MAX], resolv[PATH_MAX], hn[PATH_MAX];
	sqlite3_stmt *st;
	int i, rc = 125, status;
	pid_t pid, shim = 0;

	i = cli__parse(x, cli__current, argv[0], argc, argv, run_opt, &a);
	if (i < 0) {
		rc = i == -2 ? 0 : 125;
		goto out;
	}
	if (a.name && !util__valid_name(a.name[0] == '/' ? a.name + 1 : a.name)) {
		xerr(x, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", a.name);
		goto out;
	}
	if (!a.network)
		a.network = "bridge";
	if (!strcmp(a.network, "host") || !strcmp(a.network, "none") || !strncmp(a.network, "container:", 10)) {
		if (a.ip || a.naliases) {
			xerr(x, "%s", a.ip ? "user specified IP address is supported on user defined networks only"
					   : "network-scoped aliases are only supported for user-defined networks");
			goto out;
		}
		if (a.hostname && strncmp(a.network, "container:", 10) == 0) {
			xerr(x, "conflicting options: hostname and the network mode");
			goto out;
		}
		if (strncmp(a.network, "container:", 10) == 0 && dns__req_any(&a.dns)) {
			xerr(x, "conflicting options: %s and the network mode",
			     a.dns.nlinks ? "container type network can't be used with links" : "dns");
			goto out;
		}
		if (ports__check_netmode(x, &a.ports, a.network))
			goto out;
	}
	if (store__begin(x))
		goto out;
	if (a.name) {
		struct container other;
		const char *nm = a.name[0] == '/' ? a.name + 1 : a.name;

		st = store__prepare(x, "SELECT id FROM containers WHERE name = ?");
		if (st) {
			sqlite3_bind_text(st, 1, nm, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				xerr(x, "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
					"You have to remove (or rename) that container to be able to reuse that name.",
				     nm, (const char *)sqlite3_column_text(st, 0));
				sqlite3_finalize(st);
				goto rollback;
			}
			sqlite3_finalize(st);
		}
		(void)other;
		snprintf(c.name, sizeof(c.name), "%s", nm);
	} else {
		/* Like Docker: draw again while the name is taken. */
		for (int tries = 0; tries < 1000; tries++) {
			int taken = 0;

			util__random_name(c.name, sizeof(c.name));
			st = store__prepare(x, "SELECT 1 FROM containers WHERE name = ?");
			if (!st)
				goto rollback;
			sqlite3_bind_text(st, 1, c.name, -1, SQLITE_STATIC);
			taken = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
			if (!taken)
				break;
			if (tries == 999) {
				xerr(x, "cannot find a free random container name: use --name");
				goto rollback;
			}
		}
	}
	util__random_id(c.id);
	util__now_rfc3339(c.created, sizeof(c.created));
	snprintf(c.hostname, sizeof(c.hostname), "%.12s", a.hostname ? a.hostname : c.id);
	if (a.hostname)
		snprintf(c.hostname, sizeof(c.hostname), "%s", a.hostname);

	if (!strcmp(a.network, "host") || !strcmp(a.network, "none")) {
		snprintf(c.netmode, sizeof(c.netmode), "%s", a.network);
	} else if (!strncmp(a.network, "container:", 10)) {
		if (store__container_get(x, a.network + 10, &target)) {
			xerr(x, "No such container: %s", a.network + 10);
			goto rollback;
		}
		if (!container__running(&target)) {
			xerr(x, "cannot join network namespace of a non running container: container %s is not running",
			     target.name);
			goto rollback;
		}
		if (!strcmp(target.netmode, "host")) {
			snprintf(c.netmode, sizeof(c.netmode), "host");
		} else {
			/* Chains collapse to the namespace owner. */
			snprintf(c.netmode, sizeof(c.netmode), "container:%s",
				 strncmp(target.netmode, "container:", 10) ? target.id : target.netmode + 10);
		}
		snprintf(c.hostname, sizeof(c.hostname), "%s", target.hostname);
	} else {
		int r = store__network_get(x, a.network, &n);

		if (r) {
			xerr(x, "network %s not found", a.network);
			goto rollback;
		}
		if (!strcmp(n.driver, "host") || !strcmp(n.driver, "null")) {
			snprintf(c.netmode, sizeof(c.netmode), "%s", !strcmp(n.driver, "host") ? "host" : "none");
			n.id[0] = '\0';
		} else {
			snprintf(c.netmode, sizeof(c.netmode), "default");
		}
	}
	c.auto_remove = a.rm;
	c.cmd = json_strv(argv + i, argc - i);
	c.env = json_strv(a.env, a.nenv);
	st = store__prepare(x, "INSERT INTO containers (id,name,hostname,netmode,cmd,env,created,auto_remove) VALUES (?,?,?,?,?,?,?,?)");
	if (!st)
		goto rollback;
	sqlite3_bind_text(st, 1, c.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c.hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c.netmode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c.cmd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c.env, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c.created, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, c.auto_remove);
	if (sqlite3_step(st) != SQLITE_DONE) {
		xerr(x, "cannot record container %s: %s", c.name, sqlite3_errmsg(x->db));
		sqlite3_finalize(st);
		goto rollback;
	}
	sqlite3_finalize(st);
	/*
	 * Ports before any kernel change: a taken port fails the run here, and
	 * the rollback of the store is then all there is to undo.
	 */
	if (ports__record(x, &c, strcmp(c.netmode, "default") ? NULL : &n, &a.ports))
		goto rollback;
	if (dns__record(x, &c, &a.dns))
		goto rollback;

	/* Kernel side: the sandbox's files, namespace and first endpoint (with its published ports). */
	store__kernel_touch(x);
	container__dir(x, c.id, dir, sizeof(dir));
	if (util__mkdir_p(dir)) {
		xerr(x, "cannot create %s", dir);
		goto rollback;
	}
	snprintf(path, sizeof(path), "%s/hostname", dir);
	{
		char hbuf[300];

		snprintf(hbuf, sizeof(hbuf), "%s\n", c.hostname);
		util__write_file(path, hbuf);
	}
	if (!strcmp(c.netmode, "default") || !strcmp(c.netmode, "none")) {
		container__netns_path(x, &c, netns, sizeof(netns));
		store__failpoint("run-before-netns");
		if (netns__create(netns)) {
			xerr(x, "cannot create the network namespace of %s at %s", c.name, netns);
			goto rollback;
		}
	}
	if (container__write_hosts(x, &c)) {
		xerr(x, "cannot write the hosts file of %s", c.name);
		goto rollback;
	}
	if (!strcmp(c.netmode, "default") && container__connect(x, &c, &n, a.ip, a.aliases, a.naliases))
		goto rollback;
	/* resolv.conf follows the first endpoint (connect wrote it); the other modes get theirs here. */
	if (strcmp(c.netmode, "default") && dns__write_resolv(x, &c)) {
		xerr(x, "cannot write the resolv.conf of %s", c.name);
		goto rollback;
	}

	store__failpoint("run-after-endpoint");
	spec_for(x, &c, &spec, netns, hosts, resolv, hn, PATH_MAX);
	spec.argv = argv + i;
	a.env[a.nenv] = NULL;
	spec.env = a.env;
	if (a.detach) {
		struct rm_on_exit *r = calloc(1, sizeof(*r));
		char logp[PATH_MAX + 16], exitp[PATH_MAX + 16], now[64];

		snprintf(r->root, sizeof(r->root), "%s", x->root);
		snprintf(r->id, sizeof(r->id), "%s", c.id);
		snprintf(logp, sizeof(logp), "%s/log", dir);
		snprintf(exitp, sizeof(exitp), "%s/exitcode", dir);
		spec.log_path = logp;
		spec.exit_path = exitp;
		pid = process__start(&spec, a.rm ? auto_remove : NULL, r, &shim);
		free(r);
		if (pid < 0) {
			/* Docker's words, e.g. exec: "x": executable file not found in $PATH */
			xerr(x, "failed to create task for container: %s",
			     process__error()[0] ? process__error() : strerror((int)-pid));
			rc = process__error_code() ? process__error_code() : 125;
			goto rollback;
		}
		util__now_rfc3339(now, sizeof(now));
		st = store__prepare(x, "UPDATE containers SET pid = ?, starttime = ?, shim_pid = ?, started = ? WHERE id = ?");
		if (st) {
			sqlite3_bind_int64(st, 1, pid);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)process__starttime(pid));
			sqlite3_bind_int64(st, 3, shim);
			sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, c.id, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		if (store__commit(x))
			goto out;
		printf("%s\n", c.id);
		rc = 0;
		goto out;
	}
	/* Foreground: commit first (the command may run for days), then run and record. */
	{
		char now[64];

		util__now_rfc3339(now, sizeof(now));
		st = store__prepare(x, "UPDATE containers SET started = ? WHERE id = ?");
		if (st) {
			sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, c.id, -1, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (store__commit(x))
		goto out;
	status = process__run(&spec);
	if (process__error_code())
		xerr(x, "failed to create task for container: %s", process__error());
	if (a.rm) {
		struct container cur;

		if (store__begin(x) == 0) {
			if (store__container_get(x, c.id, &cur) == 0) {
				if (container__remove(x, &cur, true) == 0)
					store__commit(x);
				else
					store__rollback(x);
				container__free(&cur);
			} else {
				store__rollback(x);
			}
		}
	} else {
		record_exit(x, c.id, status);
	}
	rc = status;
	goto out;
rollback:
	/* Published entries are not derived back from a rolled-back store: remove them first. */
	if (x->kernel_touched)
		ports__release(x, &c);
	store__rollback(x);
out:
	ports__req_free(&a.ports);
	container__free(&c);
	container__free(&target);
	for (int k = 0; k < a.nenv; k++)
		free(a.env[k]);
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
	struct container c;
	struct sandbox_spec spec;
	char netns[PATH_MAX], hosts[PATH_MAX], resolv[PATH_MAX], hn[PATH_MAX];
	int i, status;

	i = cli__parse(x, cli__current, argv[0], argc, argv, exec_opt, &a);
	if (i < 0)
		return i == -2 ? 0 : 1;
	if (store__container_get(x, argv[i], &c)) {
		xerr(x, "No such container: %s", argv[i]);
		return 1;
	}
	if (!container__running(&c)) {
		xerr(x, "container %s is not running", c.id);
		container__free(&c);
		return 1;
	}
	spec_for(x, &c, &spec, netns, hosts, resolv, hn, PATH_MAX);
	spec.argv = argv + i + 1;
	a.env[a.nenv] = NULL;
	spec.env = a.env;
	status = process__run(&spec);
	if (process__error_code())
		xerr(x, "%s", process__error());
	container__free(&c);
	for (int k = 0; k < a.nenv; k++)
		free(a.env[k]);
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
		snprintf(out, len, "Exited (%d) %s", exit_code_of(x, c), d);
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
	sqlite3_stmt *st;
	int i;

	i = cli__parse(x, cli__current, argv[0], argc, argv, ps_opt, &a);
	if (i < 0) {
		json_object_put(arr);
		return CLI_EXIT(i);
	}
	st = store__prepare(x, "SELECT " CONTAINER_COLS " FROM containers ORDER BY created DESC");
	if (!st) {
		json_object_put(arr);
		return 1;
	}
	struct cli_table *tab = NULL;

	if (!a.quiet && !x->json && !a.format) {
		tab = cli__table_new(6);
		cli__table_row(tab, "CONTAINER ID", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct container c;
		char status[96], created[64];
		struct strbuf cmd = { 0 };

		store__container_row(st, &c);
		if (!a.all && !container__running(&c)) {
			container__free(&c);
			continue;
		}
		if (a.quiet) {
			printf("%.*s\n", a.notrunc ? 64 : 12, c.id);
		} else if (x->json || a.format) {
			/* Docker's `ps --format` row: ID, Names, Command, CreatedAt, RunningFor, Status, State, Ports, Networks */
			struct json_object *row = json_object_new_object();
			struct endpoint *eps;
			struct strbuf nets = { 0 }, ports = { 0 };
			char idb[XNET_ID_LEN + 1];
			int neps;

			status_str(x, &c, status, sizeof(status));
			util__ago(c.created, created, sizeof(created));
			command_str(&c, &cmd, a.notrunc);
			snprintf(idb, sizeof(idb), "%.*s", a.notrunc ? 64 : 12, c.id);
			endpoint__list(x, c.id, &eps, &neps);
			for (int k = 0; k < neps; k++) {
				struct network nn;

				if (store__network_get_id(x, eps[k].network_id, &nn) == 0)
					util__sb_add(&nets, ",", "%s", nn.name);
			}
			free(eps);
			if (!strcmp(c.netmode, "host") || !strcmp(c.netmode, "none")) {
				util__sb_free(&nets);
				util__sb_add(&nets, NULL, "%s", c.netmode);
			}
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
		container__free(&c);
	}
	sqlite3_finalize(st);
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
		struct container c;

		if (store__begin(x))
			return 1;
		if (store__container_get(x, argv[i], &c)) {
			store__rollback(x);
			xerr(x, "No such container: %s", argv[i]);
			rc = 1;
			continue;
		}
		if (container__remove(x, &c, force) || store__commit(x)) {
			store__rollback(x);
			rc = 1;
		} else {
			printf("%s\n", argv[i]);
		}
		container__free(&c);
	}
	return rc;
}

/* --------------------------------------------------------------- inspect */

const struct cli_opt inspect_opts[] = {
	{ "format", 'f', "string", "Format output using a custom template ('json' or a Go template subset)" },
	{ "type", 0, "string", "Only inspect objects of the given type (container or network)" },
	{ 0 }
};

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static struct json_object *container__inspect_json(struct xnet *x, struct container *c)
{
	struct json_object *o = json_object_new_object(), *state, *cfg, *hc, *ns, *nets;
	struct json_object *cmd = json_tokener_parse(c->cmd), *env = json_tokener_parse(c->env);
	struct endpoint *eps;
	char path[PATH_MAX], ip[16], gw[16], macs[18];
	bool running = container__running(c);
	int neps;

	json_object_object_add(o, "Id", jstr(c->id));
	json_object_object_add(o, "Created", jstr(c->created));
	json_object_object_add(o, "Path", json_object_get(json_object_array_get_idx(cmd, 0)));
	{
		struct json_object *args = json_object_new_array();

		for (size_t k = 1; cmd && k < json_object_array_length(cmd); k++)
			json_object_array_add(args, json_object_get(json_object_array_get_idx(cmd, k)));
		json_object_object_add(o, "Args", args);
	}
	state = json_object_new_object();
	json_object_object_add(state, "Status", jstr(running ? "running" : c->started[0] ? "exited" : "created"));
	json_object_object_add(state, "Running", json_object_new_boolean(running));
	json_object_object_add(state, "Paused", json_object_new_boolean(0));
	json_object_object_add(state, "Restarting", json_object_new_boolean(0));
	json_object_object_add(state, "OOMKilled", json_object_new_boolean(0));
	json_object_object_add(state, "Dead", json_object_new_boolean(0));
	json_object_object_add(state, "Pid", json_object_new_int64(running ? c->pid : 0));
	json_object_object_add(state, "ExitCode", json_object_new_int(running || !c->started[0] ? 0 : exit_code_of(x, c)));
	json_object_object_add(state, "Error", jstr(""));
	json_object_object_add(state, "StartedAt", jstr(c->started[0] ? c->started : "0001-01-01T00:00:00Z"));
	json_object_object_add(state, "FinishedAt", jstr(c->finished[0] ? c->finished : "0001-01-01T00:00:00Z"));
	json_object_object_add(o, "State", state);
	json_object_object_add(o, "Name", json_object_new_string_len("/", 1));
	{
		char nm[300];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		json_object_object_add(o, "Name", jstr(nm));
	}
	container__dir(x, c->id, path, sizeof(path));
	{
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/resolv.conf", path);
		json_object_object_add(o, "ResolvConfPath", jstr(p));
		snprintf(p, sizeof(p), "%s/hostname", path);
		json_object_object_add(o, "HostnamePath", jstr(p));
		snprintf(p, sizeof(p), "%s/hosts", path);
		json_object_object_add(o, "HostsPath", jstr(p));
		snprintf(p, sizeof(p), "%s/log", path);
		json_object_object_add(o, "LogPath", jstr(p));
	}
	hc = json_object_new_object();
	{
		struct network first;
		const char *mode = c->netmode;

		endpoint__list(x, c->id, &eps, &neps);
		if (!strcmp(mode, "default"))
			mode = neps && store__network_get_id(x, eps[0].network_id, &first) == 0 ? first.name : "bridge";
		json_object_object_add(hc, "NetworkMode", jstr(mode));
		free(eps);
	}
	json_object_object_add(hc, "AutoRemove", json_object_new_boolean(c->auto_remove));
	dns__inspect(x, c, hc);
	json_object_object_add(o, "HostConfig", hc);
	cfg = json_object_new_object();
	json_object_object_add(cfg, "Hostname", jstr(c->hostname));
	json_object_object_add(cfg, "Env", env ? env : json_object_new_array());
	json_object_object_add(cfg, "Cmd", cmd ? cmd : json_object_new_array());
	json_object_object_add(o, "Config", cfg);

	ns = json_object_new_object();
	container__netns_path(x, c, path, sizeof(path));
	json_object_object_add(ns, "SandboxID", jstr(strcmp(c->netmode, "host") ? c->id : ""));
	json_object_object_add(ns, "SandboxKey", jstr(strcmp(c->netmode, "host") ? path : ""));
	ports__inspect(x, c, hc, cfg, ns);
	/* Top-level fields describe the default bridge endpoint only (Docker's legacy fields). */
	json_object_object_add(ns, "EndpointID", jstr(""));
	json_object_object_add(ns, "Gateway", jstr(""));
	json_object_object_add(ns, "IPAddress", jstr(""));
	json_object_object_add(ns, "IPPrefixLen", json_object_new_int(0));
	json_object_object_add(ns, "MacAddress", jstr(""));
	nets = json_object_new_object();
	endpoint__list(x, c->id, &eps, &neps);
	for (int k = 0; k < neps; k++) {
		struct network n;
		struct json_object *e = json_object_new_object();
		uint8_t mac[6];

		if (store__network_get_id(x, eps[k].network_id, &n)) {
			json_object_put(e);
			continue;
		}
		util__ip_str(eps[k].ip, ip);
		util__ip_str(n.gateway, gw);
		util__mac_from_ip(eps[k].ip, mac);
		util__mac_str(mac, macs);
		if (eps[k].user_ip) {
			struct json_object *ic = json_object_new_object();

			json_object_object_add(ic, "IPv4Address", jstr(ip));
			json_object_object_add(e, "IPAMConfig", ic);
		} else {
			json_object_object_add(e, "IPAMConfig", NULL);
		}
		json_object_object_add(e, "Links", NULL);
		json_object_object_add(e, "Aliases", json_tokener_parse(eps[k].aliases));
		json_object_object_add(e, "MacAddress", jstr(macs));
		json_object_object_add(e, "NetworkID", jstr(n.id));
		json_object_object_add(e, "EndpointID", jstr(eps[k].id));
		json_object_object_add(e, "Gateway", jstr(gw));
		json_object_object_add(e, "IPAddress", jstr(ip));
		json_object_object_add(e, "IPPrefixLen", json_object_new_int(n.prefix));
		json_object_object_add(e, "IPv6Gateway", jstr(""));
		json_object_object_add(e, "GlobalIPv6Address", jstr(""));
		json_object_object_add(e, "GlobalIPv6PrefixLen", json_object_new_int(0));
		{
			struct json_object *dn = json_object_new_array();

			if (!n.builtin) {
				struct json_object *al = json_tokener_parse(eps[k].aliases);

				json_object_array_add(dn, jstr(c->name));
				json_object_array_add(dn, json_object_new_string_len(c->id, 12));
				for (size_t z = 0; al && z < json_object_array_length(al); z++)
					json_object_array_add(dn, json_object_get(json_object_array_get_idx(al, z)));
				json_object_put(al);
			}
			json_object_object_add(e, "DNSNames", dn);
		}
		json_object_object_add(e, "HostIfName", jstr(eps[k].host_ifname));
		json_object_object_add(e, "IfName", jstr(eps[k].ifname));
		if (n.builtin && !strcmp(n.name, "bridge")) {
			json_object_object_add(ns, "EndpointID", jstr(eps[k].id));
			json_object_object_add(ns, "Gateway", jstr(gw));
			json_object_object_add(ns, "IPAddress", jstr(ip));
			json_object_object_add(ns, "IPPrefixLen", json_object_new_int(n.prefix));
			json_object_object_add(ns, "MacAddress", jstr(macs));
		}
		json_object_object_add(nets, n.name, e);
	}
	free(eps);
	if (!strcmp(c->netmode, "host") || !strcmp(c->netmode, "none")) {
		struct network n;

		if (store__network_get(x, c->netmode, &n) == 0) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "NetworkID", jstr(n.id));
			json_object_object_add(e, "IPAddress", jstr(""));
			json_object_object_add(e, "Gateway", jstr(""));
			json_object_object_add(e, "MacAddress", jstr(""));
			json_object_object_add(nets, n.name, e);
		}
	}
	json_object_object_add(ns, "Networks", nets);
	json_object_object_add(o, "NetworkSettings", ns);
	return o;
}

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

		if ((!a.type || !strcmp(a.type, "container")) && store__container_get(x, argv[i], &c) == 0) {
			json_object_array_add(arr, container__inspect_json(x, &c));
			container__free(&c);
		} else if ((!a.type || !strcmp(a.type, "network")) && store__network_get(x, argv[i], &n) == 0) {
			json_object_array_add(arr, network__inspect_json(x, &n));
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
