// SPDX-License-Identifier: GPL-2.0-only
/*
 * api: the verbs cmd/ (and, later, plugins/) call, each in a transaction of
 * its own (core/txn.c): network create, rm, prune, connect, disconnect;
 * run, exec, rm. They resolve names, take the lock, call the objects'
 * functions (core/network.c, core/sandbox.c) and commit, or roll the store
 * and the kernel back together. Errors are printed here or below (xerr);
 * what succeeded is for the caller to print.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "core/api.h"
#include "core/dns.h"
#include "core/network.h"
#include "core/ports.h"
#include "core/sandbox.h"
#include "core/txn.h"
#include "core/xnet.h"
#include "drivers/driver.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "kernel/process.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/networks.h"
#include "store/sandboxes.h"
#include "store/store.h"
#include "xnet_abi.h"

/* ------------------------------------------------------------ networks */

int api__network_create(struct xnet *x, const struct network_req *r, struct network *out)
{
	if (txn__begin(x))
		return -1;
	if (network__add(x, r, out)) {
		txn__rollback(x);
		return -1;
	}
	if (txn__commit(x))
		return -1;
	log_info("created network %s (%s)", out->name, out->id);
	return 0;
}

int api__network_remove(struct xnet *x, const char *name, bool force)
{
	struct network n;
	int r;

	if (txn__begin(x))
		return -EIO;
	r = store__network_get(&x->store, name, &n);
	if (r) {
		txn__rollback(x);
		if (force && r == -ENOENT)
			return 1;
		return xerr(x, r == -EINVAL ? "network %s is ambiguous" : "network %s not found", name);
	}
	if (network__delete(x, &n) || txn__commit(x)) {
		txn__rollback(x);
		return -1;
	}
	return 0;
}

int api__network_prune(struct xnet *x, bool (*want)(struct xnet *x, const struct network *n, void *ctx),
		       void (*removed)(const struct network *n, void *ctx), void *ctx)
{
	struct network *list = NULL;
	int nl = 0, rc = 0;

	if (txn__begin(x))
		return -1;
	if (store__networks_list(&x->store, STORE_NETWORKS_UNUSED, &list, &nl)) {
		txn__rollback(x);
		return -1;
	}
	for (int k = 0; k < nl; k++) {
		if (want && !want(x, &list[k], ctx))
			continue;
		if (network__remove_one(x, &list[k])) {
			rc = -1;
			break;
		}
		if (removed)
			removed(&list[k], ctx);
	}
	if (rc || txn__commit(x)) {
		txn__rollback(x);
		rc = -1;
	}
	free(list);
	return rc;
}

/* Resolve NETWORK and CONTAINER inside one transaction and connect or disconnect. */
static int endpoint_verb(struct xnet *x, const char *network, const char *container, bool connect,
			 const char *ip, char *const *aliases, int naliases)
{
	struct network n;
	struct container c;
	int rc;

	if (txn__begin(x))
		return -1;
	if (store__network_get(&x->store, network, &n)) {
		txn__rollback(x);
		return xerr(x, "network %s not found", network);
	}
	if (store__container_get(&x->store, container, &c)) {
		txn__rollback(x);
		return xerr(x, "No such container: %s", container);
	}
	rc = connect ? container__connect(x, &c, &n, ip, aliases, naliases) : container__disconnect(x, &c, &n);
	if (rc || txn__commit(x)) {
		txn__rollback(x);
		rc = -1;
	}
	container__free(&c);
	return rc;
}

int api__network_connect(struct xnet *x, const char *network, const char *container, const char *ip,
			 char *const *aliases, int naliases)
{
	return endpoint_verb(x, network, container, true, ip, aliases, naliases);
}

int api__network_disconnect(struct xnet *x, const char *network, const char *container)
{
	return endpoint_verb(x, network, container, false, NULL, NULL, 0);
}

/* ------------------------------------------------------------ sandboxes */

int api__rm(struct xnet *x, const char *name, bool force)
{
	struct container c;
	int rc = 0;

	if (txn__begin(x))
		return -EIO;
	if (store__container_get(&x->store, name, &c)) {
		txn__rollback(x);
		return xerr(x, "No such container: %s", name);
	}
	if (container__remove(x, &c, force) || txn__commit(x)) {
		txn__rollback(x);
		rc = -1;
	}
	container__free(&c);
	return rc;
}

/* ------------------------------------------------------------ run, exec */

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
	char now[64];

	if (txn__begin(x))
		return -1;
	util__now_rfc3339(now, sizeof(now));
	store__container_set_exited(&x->store, id, code, now);
	return txn__commit(x);
}

static void spec_for(struct xnet *x, const struct container *c, struct sandbox_spec *s, char *netns, char *hosts,
		     char *resolv, char *hostname, size_t len)
{
	char dir[PATH_MAX];

	memset(s, 0, sizeof(*s));
	container__dir(x, c->id, dir, sizeof(dir));
	if (c->mode == NETMODE_HOST)
		return;
	if (c->mode == NETMODE_CONTAINER) {
		/* Share the other sandbox's network and its files, as Docker does. */
		container__netns_path(x, c, netns, len);
		container__dir(x, c->mode_target, dir, sizeof(dir));
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

/*
 * The --network value as Docker reads it: "host" and "none" (the built-in
 * networks' modes), "container:NAME", or the name of a network.
 */
static enum netmode flag_mode(const char *network)
{
	if (!strncmp(network, "container:", 10))
		return NETMODE_CONTAINER;
	if (!strcmp(network, "host"))
		return NETMODE_HOST;
	if (!strcmp(network, "none"))
		return NETMODE_NONE;
	return NETMODE_DEFAULT;
}

int api__run(struct xnet *x, const struct sandbox_req *r, char id[XNET_ID_LEN + 1])
{
	struct container c = { 0 };
	struct network n = { 0 };
	struct container target = { 0 };
	struct sandbox_spec spec;
	char dir[PATH_MAX], path[PATH_MAX + 32], netns[PATH_MAX], hosts[PATH_MAX], resolv[PATH_MAX], hn[PATH_MAX];
	const char *network = r->network ? r->network : "bridge";
	enum netmode mode;
	int rc = 125, status;
	pid_t pid, shim = 0;

	id[0] = 0;
	if (r->name && !util__valid_name(r->name[0] == '/' ? r->name + 1 : r->name)) {
		xerr(x, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", r->name);
		goto out;
	}
	mode = flag_mode(network);
	if (mode != NETMODE_DEFAULT) {
		if (r->ip || r->naliases) {
			xerr(x, "%s", r->ip ? "user specified IP address is supported on user defined networks only"
					   : "network-scoped aliases are only supported for user-defined networks");
			goto out;
		}
		if (r->hostname && mode == NETMODE_CONTAINER) {
			xerr(x, "conflicting options: hostname and the network mode");
			goto out;
		}
		if (mode == NETMODE_CONTAINER && dns__req_any(&r->dns)) {
			xerr(x, "conflicting options: %s and the network mode",
			     r->dns.nlinks ? "container type network can't be used with links" : "dns");
			goto out;
		}
		if (ports__check_netmode(x, &r->ports, mode))
			goto out;
	}
	if (txn__begin(x))
		goto out;
	if (r->name) {
		const char *nm = r->name[0] == '/' ? r->name + 1 : r->name;
		char other[XNET_ID_LEN + 1];

		if (store__container_id_by_name(&x->store, nm, other) == 0) {
			xerr(x, "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
				"You have to remove (or rename) that container to be able to reuse that name.",
			     nm, other);
			goto rollback;
		}
		snprintf(c.name, sizeof(c.name), "%s", nm);
	} else {
		/* Like Docker: draw again while the name is taken. */
		for (int tries = 0; tries < 1000; tries++) {
			char other[XNET_ID_LEN + 1];
			int taken;

			util__random_name(c.name, sizeof(c.name));
			taken = store__container_id_by_name(&x->store, c.name, other);
			if (taken == -EIO)
				goto rollback;
			if (taken == -ENOENT)
				break;
			if (tries == 999) {
				xerr(x, "cannot find a free random container name: use --name");
				goto rollback;
			}
		}
	}
	util__random_id(c.id);
	util__now_rfc3339(c.created, sizeof(c.created));
	snprintf(c.hostname, sizeof(c.hostname), "%.12s", r->hostname ? r->hostname : c.id);
	if (r->hostname)
		snprintf(c.hostname, sizeof(c.hostname), "%s", r->hostname);

	if (mode == NETMODE_CONTAINER) {
		if (store__container_get(&x->store, network + 10, &target)) {
			xerr(x, "No such container: %s", network + 10);
			goto rollback;
		}
		if (!container__running(&target)) {
			xerr(x, "cannot join network namespace of a non running container: container %s is not running",
			     target.name);
			goto rollback;
		}
		/* Chains collapse to the namespace owner. */
		if (target.mode == NETMODE_HOST)
			sandbox__set_netmode(&c, NETMODE_HOST, NULL);
		else
			sandbox__set_netmode(&c, NETMODE_CONTAINER,
					     target.mode == NETMODE_CONTAINER ? target.mode_target : target.id);
		snprintf(c.hostname, sizeof(c.hostname), "%s", target.hostname);
	} else {
		const struct xnet_driver *d;

		/* "host" and "none" are the built-in networks' names: their drivers give the mode. */
		if (store__network_get(&x->store, network, &n)) {
			xerr(x, "network %s not found", network);
			goto rollback;
		}
		d = driver__get(n.driver);
		if (!d) {
			xerr(x, "network %s has driver \"%s\", which this build of xnet does not know: upgrade xnet",
			     n.name, n.driver);
			goto rollback;
		}
		if (!(d->caps & XNET_DRV_ENDPOINTS)) {
			sandbox__set_netmode(&c, d->netmode, NULL);
			n.id[0] = '\0';
		} else {
			sandbox__set_netmode(&c, NETMODE_DEFAULT, NULL);
		}
	}
	c.auto_remove = r->rm;
	c.cmd = json_strv(r->argv, r->argc);
	c.env = json_strv(r->env, r->nenv);
	if (store__container_insert(&x->store, &c)) {
		xerr(x, "cannot record container %s: %s", c.name, store__errmsg(&x->store));
		goto rollback;
	}
	/*
	 * Ports before any kernel change: a taken port fails the run here, and
	 * the rollback of the store is then all there is to undo.
	 */
	if (ports__record(x, &c, c.mode == NETMODE_DEFAULT ? &n : NULL, &r->ports))
		goto rollback;
	if (dns__record(x, &c, &r->dns))
		goto rollback;

	/* Kernel side: the sandbox's files, namespace and first endpoint (with its published ports). */
	xnet__kernel_touch(x);
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
	if (c.mode == NETMODE_DEFAULT || c.mode == NETMODE_NONE) {
		container__netns_path(x, &c, netns, sizeof(netns));
		util__failpoint("run-before-netns");
		if (sandbox__netns_create(netns)) {
			xerr(x, "cannot create the network namespace of %s at %s", c.name, netns);
			goto rollback;
		}
	}
	if (container__write_hosts(x, &c)) {
		xerr(x, "cannot write the hosts file of %s", c.name);
		goto rollback;
	}
	if (c.mode == NETMODE_DEFAULT && container__connect(x, &c, &n, r->ip, r->aliases, r->naliases))
		goto rollback;
	/* resolv.conf follows the first endpoint (connect wrote it); the other modes get theirs here. */
	if (c.mode != NETMODE_DEFAULT && dns__write_resolv(x, &c)) {
		xerr(x, "cannot write the resolv.conf of %s", c.name);
		goto rollback;
	}

	util__failpoint("run-after-endpoint");
	spec_for(x, &c, &spec, netns, hosts, resolv, hn, PATH_MAX);
	spec.argv = r->argv;
	spec.env = r->env;
	if (r->detach) {
		struct rm_on_exit *ro = calloc(1, sizeof(*ro));
		char logp[PATH_MAX + 16], exitp[PATH_MAX + 16], now[64];

		if (!ro)
			goto rollback;
		snprintf(ro->root, sizeof(ro->root), "%s", x->root);
		snprintf(ro->id, sizeof(ro->id), "%s", c.id);
		snprintf(logp, sizeof(logp), "%s/log", dir);
		snprintf(exitp, sizeof(exitp), "%s/exitcode", dir);
		spec.log_path = logp;
		spec.exit_path = exitp;
		pid = process__start(&spec, r->rm ? auto_remove : NULL, ro, &shim);
		free(ro);
		if (pid < 0) {
			/* Docker's words, e.g. exec: "x": executable file not found in $PATH */
			xerr(x, "failed to create task for container: %s",
			     process__error()[0] ? process__error() : strerror((int)-pid));
			rc = process__error_code() ? process__error_code() : 125;
			goto rollback;
		}
		util__now_rfc3339(now, sizeof(now));
		store__container_set_running(&x->store, c.id, pid, process__starttime(pid), shim, now);
		if (txn__commit(x))
			goto out;
		snprintf(id, XNET_ID_LEN + 1, "%s", c.id);
		rc = 0;
		goto out;
	}
	/* Foreground: commit first (the command may run for days), then run and record. */
	{
		char now[64];

		util__now_rfc3339(now, sizeof(now));
		store__container_set_started(&x->store, c.id, now);
	}
	if (txn__commit(x))
		goto out;
	status = process__run(&spec);
	if (process__error_code())
		xerr(x, "failed to create task for container: %s", process__error());
	if (r->rm) {
		struct container cur;

		if (txn__begin(x) == 0) {
			if (store__container_get(&x->store, c.id, &cur) == 0) {
				if (container__remove(x, &cur, true) == 0)
					txn__commit(x);
				else
					txn__rollback(x);
				container__free(&cur);
			} else {
				txn__rollback(x);
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
	txn__rollback(x);
out:
	container__free(&c);
	container__free(&target);
	return rc;
}


int api__exec(struct xnet *x, const char *name, char *const *argv, char *const *env)
{
	struct container c;
	struct sandbox_spec spec;
	char netns[PATH_MAX], hosts[PATH_MAX], resolv[PATH_MAX], hn[PATH_MAX];
	int status;

	if (store__container_get(&x->store, name, &c))
		return xerr(x, "No such container: %s", name), 1;
	if (!container__running(&c)) {
		xerr(x, "container %s is not running", c.id);
		container__free(&c);
		return 1;
	}
	spec_for(x, &c, &spec, netns, hosts, resolv, hn, PATH_MAX);
	spec.argv = argv;
	spec.env = env;
	status = process__run(&spec);
	if (process__error_code())
		xerr(x, "%s", process__error());
	container__free(&c);
	return status;
}
