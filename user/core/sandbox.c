// SPDX-License-Identifier: GPL-2.0-only
/*
 * sandbox: what a sandbox is on this host, and libnetwork's sandbox verbs.
 * A sandbox is a network namespace held by a bind mount under <root>/netns
 * (its key, handed to the drivers), the files it sees under
 * <root>/containers/<id>, and the command started in it. Connecting it to a
 * network allocates its address and joins an endpoint through the
 * network's driver; removing it stops its processes and leaves every
 * network.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "core/dns.h"
#include "core/endpoint.h"
#include "core/ipam.h"
#include "core/ports.h"
#include "core/sandbox.h"
#include "core/xnet.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "kernel/process.h"
#include "lib/log.h"
#include "lib/util.h"
#include "datapath/datapath.h"
#include "store/store.h"
#include "drivers/driver.h"
#include "xnet_abi.h"
#include "store/sandboxes.h"
#include "store/endpoints.h"

/* ------------------------------------------------------------ paths */

void sandbox__set_netmode(struct container *c, enum netmode mode, const char *target)
{
	static const char *const text[] = {
		[NETMODE_DEFAULT] = "default", [NETMODE_HOST] = "host", [NETMODE_NONE] = "none",
	};

	c->mode = mode;
	c->mode_target[0] = 0;
	if (mode == NETMODE_CONTAINER) {
		snprintf(c->mode_target, sizeof(c->mode_target), "%s", target);
		snprintf(c->netmode, sizeof(c->netmode), "container:%s", target);
	} else {
		snprintf(c->netmode, sizeof(c->netmode), "%s", text[mode]);
	}
}

int container__write_hosts(struct xnet *x, const struct container *c)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct strbuf buf = { 0 };
	struct endpoint *eps;
	int neps, rc;

	container__dir(x, c->id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/hosts", dir);
	util__sb_add(&buf, NULL,
		     "127.0.0.1\tlocalhost\n"
		     "::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "fe00::\tip6-localnet\n"
		     "ff00::\tip6-mcastprefix\n"
		     "ff02::1\tip6-allnodes\n"
		     "ff02::2\tip6-allrouters\n");
	endpoint__list(x, c->id, &eps, &neps);
	for (int i = 0; i < neps; i++) {
		char ip[16];

		util__ip_str(eps[i].ip, ip);
		/* Its hostname, and its name when that differs (getent hosts NAME works without DNS too). */
		util__sb_add(&buf, NULL, "%s\t%s%s%s\n", ip, c->hostname,
			     strcmp(c->hostname, c->name) ? " " : "", strcmp(c->hostname, c->name) ? c->name : "");
	}
	free(eps);
	/* /etc/hosts in the sandbox is a bind mount of this very inode. */
	dns__hosts_links(x, c, &buf);
	rc = util__write_inplace(path, buf.s);
	util__sb_free(&buf);
	return rc;
}

/* ------------------------------------------------------------ processes */

/* Signal every process whose network namespace is the one at netns_path. */
int sandbox__netns_create(const char *path)
{
	int rc = netns__create(path);

	if (rc)
		return rc;
	/* As Docker leaves a sandbox without --ipv6: lo up (IPv6 off: netns__create). */
	rc = nl__sandbox_link_up(path, "lo");
	if (rc)
		netns__delete(path);	/* the reason is logged */
	return rc;
}

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

/*
 * Is the recorded shim pid still c's shim? Its name, and its start time: the
 * shim forks the command, so it started no later than the command did; a
 * process that got the pid after the shim was gone (another sandbox's shim,
 * after a reboot or a pid wrap) started later.
 */
static bool is_our_shim(const struct container *c)
{
	unsigned long long st;
	char p[64], *comm;
	bool yes;

	if (c->shim_pid <= 1 || !c->starttime)
		return false;
	snprintf(p, sizeof(p), "/proc/%ld/comm", c->shim_pid);
	comm = util__read_file(p);
	yes = comm && !strncmp(comm, "xnet-shim", 9);
	free(comm);
	st = yes ? process__starttime((pid_t)c->shim_pid) : 0;
	return st && st <= c->starttime;
}

static void stop_processes(struct xnet *x, const struct container *c)
{
	char path[PATH_MAX];

	/* The shim first, so it neither records an exit nor runs --rm behind our back. */
	if (is_our_shim(c))
		kill((pid_t)c->shim_pid, SIGKILL);
	if (container__running(c)) {
		/* The command leads its own process group: what it spawned goes too (--network host has no netns to sweep). */
		kill(-(pid_t)c->pid, SIGKILL);
		kill((pid_t)c->pid, SIGKILL);
	}
	if (c->mode == NETMODE_DEFAULT || c->mode == NETMODE_NONE) {
		container__netns_path(x, c, path, sizeof(path));
		container__kill_netns(x, path, SIGKILL);
	}
	for (int i = 0; i < 200 && container__running(c); i++)
		usleep(5000);
}

/* ------------------------------------------------------------- endpoints */

int container__connect(struct xnet *x, struct container *c, const struct network *n,
		       const char *ipstr, char *const *aliases, int naliases)
{
	const struct xnet_driver *d = driver__get(n->driver);
	struct endpoint e = { 0 };
	struct json_object *al;
	bool on_network;
	int rc, idx = 0, existing = 0;

	if (!d)
		return xerr(x, "network %s has driver \"%s\", which this build of xnet does not know: upgrade xnet",
			    n->name, n->driver);
	if (!(d->caps & XNET_DRV_ENDPOINTS) && d->netmode == NETMODE_HOST)
		return xerr(x, "container cannot be disconnected from host network or connected to host network");
	if (!(d->caps & XNET_DRV_ENDPOINTS))
		return xerr(x, "container cannot be connected to multiple networks with one of the networks in private (none) mode");
	if (c->mode == NETMODE_HOST || c->mode == NETMODE_CONTAINER)
		return xerr(x, "container sharing network namespace with another container or host cannot be connected to any other network");
	if (c->mode == NETMODE_NONE)
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
	if (store__endpoints_summary(&x->store, c->id, n->id, &existing, &idx, &on_network))
		return -1;
	if (on_network)
		return xerr(x, "endpoint with name %s already exists in network %s", c->name, n->name);
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

	rc = store__endpoint_insert(&x->store, &e);
	if (rc)
		return xerr(x, "cannot record the endpoint of %s on %s: %s", c->name, n->name, store__errmsg(&x->store));
	util__failpoint("connect-before-endpoint");
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

	if (!(driver__of(n)->caps & XNET_DRV_ENDPOINTS))
		return xerr(x, "container cannot be disconnected from host network or connected to host network");
	endpoint__list(x, c->id, &eps, &neps);
	for (int i = 0; i < neps; i++)
		if (!strcmp(eps[i].network_id, n->id))
			hit = i;
	if (hit < 0) {
		free(eps);
		return xerr(x, "container %s is not connected to network %s", c->name, n->name);
	}
	if (endpoint__kernel_remove(x, c, &eps[hit], n)) {
		free(eps);
		return xerr(x, "cannot detach %s from network %s", c->name, n->name);
	}
	rc = store__endpoint_delete(&x->store, eps[hit].id) ? -1 : 0;
	/* The default route went with eth of the lowest index: hand it to the next one. */
	if (!rc && hit == 0 && neps > 1) {
		struct network nn;
		char path[PATH_MAX];

		if (store__network_get_id(&x->store, eps[1].network_id, &nn) == 0) {
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

	if (container__running(c) && !force)
		return xerr(x, "cannot remove container \"/%s\": container is running: stop the container before removing or force remove",
			    c->name);
	xnet__kernel_touch(x);
	stop_processes(x, c);
	/* The host ports first, so that they can be published again at once (moby#20486). */
	if (ports__release(x, c))
		return xerr(x, "cannot release the published ports of %s", c->name);
	/* Its names, before its addresses can go to someone else. */
	if (dns__sandbox_forget(x, c))
		return xerr(x, "cannot remove the names of %s", c->name);
	endpoint__list(x, c->id, &eps, &neps);
	for (int i = 0; i < neps; i++) {
		struct network n;

		if (store__network_get_id(&x->store, eps[i].network_id, &n) ||
		    endpoint__kernel_remove(x, c, &eps[i], &n))
			rc = -1;
	}
	free(eps);
	if (rc)
		return xerr(x, "cannot remove the endpoints of %s", c->name);
	util__failpoint("rm-after-endpoints");
	if (c->mode == NETMODE_DEFAULT || c->mode == NETMODE_NONE) {
		container__netns_path(x, c, path, sizeof(path));
		if (netns__delete(path))
			return xerr(x, "cannot remove the namespace %s of %s", path, c->name);
	}
	container__dir(x, c->id, path, sizeof(path));
	util__rm_rf(path);
	rc = store__container_delete(&x->store, c->id) ? -1 : 0;
	if (!rc)
		log_info("removed sandbox %s (%s)", c->name, c->id);
	return rc;
}
