// SPDX-License-Identifier: GPL-2.0-only
/*
 * endpoint: one veth pair joining a sandbox to a network, and the files a
 * sandbox sees (/etc/hosts) that follow its endpoints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "datapath/datapath.h"
#include "core/dns.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "core/xnet.h"

void container__dir(struct xnet *x, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", x->containers_dir, id);
}

void container__netns_path(struct xnet *x, const struct container *c, char *out, size_t len)
{
	const char *id = c->id;

	/* container:<id> shares the other sandbox's namespace. */
	if (!strncmp(c->netmode, "container:", 10))
		id = c->netmode + 10;
	snprintf(out, len, "%s/%s", x->netns_dir, id);
}

int endpoint__list(struct xnet *x, const char *container_id, struct endpoint **out, int *n)
{
	sqlite3_stmt *st = store__prepare(x, "SELECT " ENDPOINT_COLS " FROM endpoints WHERE container_id = ? ORDER BY idx");
	struct endpoint *v = NULL;
	int cnt = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct endpoint *nv = realloc(v, sizeof(*v) * (size_t)(cnt + 1));

		if (!nv)
			break;
		v = nv;
		store__endpoint_row(st, &v[cnt++]);
	}
	sqlite3_finalize(st);
	*out = v;
	*n = cnt;
	return 0;
}

int endpoint__kernel_apply(struct xnet *x, const struct container *c, const struct endpoint *e,
			   const struct network *n, bool default_route)
{
	struct in_addr addr = { .s_addr = htonl(e->ip) };
	struct in_addr gw = { .s_addr = default_route ? htonl(n->gateway) : 0 };
	struct dp_endpoint de = { 0 };
	char path[PATH_MAX];
	int ifindex = 0, rc;

	store__kernel_touch(x);
	container__netns_path(x, c, path, sizeof(path));
	util__mac_from_ip(e->ip, de.mac);
	rc = nl__endpoint_create(e->host_ifname, path, e->ifname, de.mac, (uint32_t)n->mtu, addr, n->prefix, gw,
				 &ifindex);
	if (rc)
		return rc;
	util__ipv6_off(e->host_ifname);
	store__failpoint("endpoint-after-veth");
	de.net_id = (__u32)n->kidx;
	de.ifindex = (__u32)ifindex;
	de.ip = addr.s_addr;
	rc = dp__endpoint_set(x->dp, &de);
	if (rc) {
		nl__link_delete(e->host_ifname);
		return rc;
	}
	return 0;
}

int endpoint__kernel_remove(struct xnet *x, const struct container *c, const struct endpoint *e)
{
	int ifindex = nl__link_index(e->host_ifname), rc = 0;

	(void)c;
	store__kernel_touch(x);
	if (ifindex > 0)
		rc = dp__endpoint_del(x->dp, (__u32)ifindex);
	/* Deleting the host side takes the sandbox side with it. */
	if (!rc)
		rc = nl__link_delete(e->host_ifname);
	return rc;
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
