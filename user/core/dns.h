/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns: the CLI's side of the embedded DNS. What a sandbox may resolve goes
 * into the maps the lxc program answers from (xnet_dns_names, _scope, _ptr);
 * resolv.conf and /etc/hosts links follow the sandbox's endpoints; the helper
 * process (user/dns_helper.c) is started, told about network changes and
 * stopped from here. The store is the truth: every function recomputes what
 * it writes from the store.
 */
#ifndef XNET_DNS_H
#define XNET_DNS_H

#include <stdbool.h>
#include "core/xnet.h"

struct json_object;

/* run's --dns, --dns-search, --dns-option, --link as given (validated by dns__parse_*). */
#define DNS_MAX_LIST 32
struct dns_req {
	const char *servers[DNS_MAX_LIST];
	const char *search[DNS_MAX_LIST];
	const char *options[DNS_MAX_LIST];
	const char *links[DNS_MAX_LIST];
	int nservers, nsearch, noptions, nlinks;
};

/* Option parsers for run: Docker's checks and messages. 0 or -1 (error printed). */
int dns__parse_server(struct xnet *x, struct dns_req *r, const char *arg);
int dns__parse_search(struct xnet *x, struct dns_req *r, const char *arg);
int dns__parse_option(struct xnet *x, struct dns_req *r, const char *arg);
int dns__parse_link(struct xnet *x, struct dns_req *r, const char *arg);
/* Whether anything was asked (container: mode refuses all of it). */
bool dns__req_any(const struct dns_req *r);

/*
 * Record the settings of a new sandbox (inside run's transaction, before any
 * kernel change): --link targets must exist and run. 0 or -1 (error printed).
 */
int dns__record(struct xnet *x, const struct container *c, const struct dns_req *r);

/*
 * The sandbox's DNS in the kernel, from its endpoints in the store: its
 * view (scope) on every endpoint, PTR names, and its names on each of its
 * networks. Call after run/connect/disconnect.
 */
int dns__sandbox_apply(struct xnet *x, const struct container *c);
/* Its names on every network, before it goes (rm). Scope and PTR go with the endpoints. */
int dns__sandbox_forget(struct xnet *x, const struct container *c);
/* After disconnect from n (the endpoint row is gone): its names there, its view elsewhere. */
int dns__sandbox_left(struct xnet *x, const struct container *c, const struct network *n, const char *aliases);
/* Everything, from the store (reconcile__all). */
int dns__reconcile(struct xnet *x);

/* resolv.conf (and the --link lines of /etc/hosts) of the sandbox, rewritten in place. */
int dns__write_resolv(struct xnet *x, const struct container *c);
/* Lines to append to /etc/hosts for --link (IP alias name), added to out. */
void dns__hosts_links(struct xnet *x, const struct container *c, struct strbuf *out);

/* HostConfig.Dns, DnsSearch, DnsOptions, Links for inspect. */
void dns__inspect(struct xnet *x, const struct container *c, struct json_object *hostconfig);

#endif /* XNET_DNS_H */
