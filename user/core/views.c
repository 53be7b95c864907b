// SPDX-License-Identifier: GPL-2.0-only
/*
 * views: what ls, ps and inspect show, read from the store: networks and
 * sandboxes as Docker's JSON objects (the same shapes as the Engine API's),
 * the lookups by name or id, and the facts the listings filter on. cmd/
 * prints them (tables, --format, --json); nothing here changes anything.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "core/dns.h"
#include "core/endpoint.h"
#include "core/network.h"
#include "core/ports.h"
#include "core/views.h"
#include "core/xnet.h"
#include "lib/util.h"
#include "store/endpoints.h"
#include "store/networks.h"
#include "store/sandboxes.h"
#include "store/store.h"

/* ------------------------------------------------------------ lookups */

int views__network_get(struct xnet *x, const char *key, struct network *n)
{
	return store__network_get(&x->store, key, n);
}

int views__container_get(struct xnet *x, const char *key, struct container *c)
{
	return store__container_get(&x->store, key, c);
}

int views__networks(struct xnet *x, struct network **v, int *n)
{
	return store__networks_list(&x->store, STORE_NETWORKS_BY_NAME, v, n);
}

int views__containers(struct xnet *x, struct container **v, int *n)
{
	return store__containers_list(&x->store, STORE_CONTAINERS_BY_CREATED_DESC, v, n);
}

void views__containers_free(struct container *v, int n)
{
	store__containers_free(v, n);
}

int views__network_endpoints(struct xnet *x, const struct network *n)
{
	int cnt = 0;

	store__endpoints_count_on(&x->store, n->id, &cnt);
	return cnt;
}

bool views__network_label(struct xnet *x, const struct network *n, const char *want)
{
	const char *eq = strchr(want, '=');
	char *value;
	bool hit = false;

	if (store__network_label_get(&x->store, n->id, want, eq ? (size_t)(eq - want) : strlen(want), &value) == 0)
		hit = !eq || !strcmp(value, eq + 1);
	free(value);
	return hit;
}

void views__container_networks(struct xnet *x, const struct container *c, struct strbuf *out)
{
	struct endpoint *eps;
	int neps;

	if (c->mode == NETMODE_HOST || c->mode == NETMODE_NONE) {
		util__sb_add(out, NULL, "%s", c->netmode);
		return;
	}
	endpoint__list(x, c->id, &eps, &neps);
	for (int k = 0; k < neps; k++) {
		struct network nn;

		if (store__network_get_id(&x->store, eps[k].network_id, &nn) == 0)
			util__sb_add(out, ",", "%s", nn.name);
	}
	free(eps);
}

/* ------------------------------------------------------------ networks */

static void kv_add(void *ctx, const char *key, const char *value)
{
	json_object_object_add(ctx, key, json_object_new_string(value));
}

static void aux_add(void *ctx, const char *name, uint32_t ip)
{
	char s[16];

	util__ip_str(ip, s);
	json_object_object_add(ctx, name, json_object_new_string(s));
}

const char *views__scope(const struct network *n)
{
	(void)n;
	return "local";
}

struct json_object *views__network(struct xnet *x, const struct network *n)
{
	struct json_object *o = json_object_new_object(), *ipam, *cfgs, *cfg, *ctrs;
	char buf[64], ip[16];
	struct store_member *m;
	int nm;

	json_object_object_add(o, "Name", json_object_new_string(n->name));
	json_object_object_add(o, "Id", json_object_new_string(n->id));
	json_object_object_add(o, "Created", json_object_new_string(n->created));
	json_object_object_add(o, "Scope", json_object_new_string(views__scope(n)));
	json_object_object_add(o, "Driver", json_object_new_string(n->driver));
	json_object_object_add(o, "EnableIPv4", json_object_new_boolean(1));
	json_object_object_add(o, "EnableIPv6", json_object_new_boolean(0));
	ipam = json_object_new_object();
	json_object_object_add(ipam, "Driver", json_object_new_string("default"));
	json_object_object_add(ipam, "Options", json_object_new_object());
	cfgs = json_object_new_array();
	if (network__has_endpoints(n)) {
		cfg = json_object_new_object();
		util__ip_str(n->subnet, ip);
		snprintf(buf, sizeof(buf), "%s/%d", ip, n->prefix);
		json_object_object_add(cfg, "Subnet", json_object_new_string(buf));
		if (n->ip_range[0])
			json_object_object_add(cfg, "IPRange", json_object_new_string(n->ip_range));
		util__ip_str(n->gateway, ip);
		json_object_object_add(cfg, "Gateway", json_object_new_string(ip));
		{
			struct json_object *aux = json_object_new_object();

			if (store__network_aux_each(&x->store, n->id, aux_add, aux) == 0 && json_object_object_length(aux))
				json_object_object_add(cfg, "AuxiliaryAddresses", aux);
			else
				json_object_put(aux);
		}
		json_object_array_add(cfgs, cfg);
	}
	json_object_object_add(ipam, "Config", cfgs);
	json_object_object_add(o, "IPAM", ipam);
	json_object_object_add(o, "Internal", json_object_new_boolean(n->internal));
	json_object_object_add(o, "Attachable", json_object_new_boolean(n->attachable));
	json_object_object_add(o, "Ingress", json_object_new_boolean(0));
	{
		struct json_object *cf = json_object_new_object();

		json_object_object_add(cf, "Network", json_object_new_string(""));
		json_object_object_add(o, "ConfigFrom", cf);
	}
	json_object_object_add(o, "ConfigOnly", json_object_new_boolean(0));
	ctrs = json_object_new_object();
	store__network_members(&x->store, n->id, STORE_MEMBERS_BY_NAME, &m, &nm);
	for (int i = 0; i < nm; i++) {
		struct json_object *c = json_object_new_object();
		uint32_t eip = m[i].ep.ip;
		uint8_t mac[6];
		char macs[18];

		util__ip_str(eip, ip);
		util__mac_from_ip(eip, mac);
		util__mac_str(mac, macs);
		snprintf(buf, sizeof(buf), "%s/%d", ip, n->prefix);
		json_object_object_add(c, "Name", json_object_new_string(m[i].name));
		json_object_object_add(c, "EndpointID", json_object_new_string(m[i].ep.id));
		json_object_object_add(c, "MacAddress", json_object_new_string(macs));
		json_object_object_add(c, "IPv4Address", json_object_new_string(buf));
		json_object_object_add(c, "IPv6Address", json_object_new_string(""));
		json_object_object_add(ctrs, m[i].ep.container_id, c);
	}
	free(m);
	json_object_object_add(o, "Containers", ctrs);
	{
		struct json_object *opts = json_object_new_object(), *labels = json_object_new_object();

		store__network_options_each(&x->store, n->id, kv_add, opts);
		store__network_labels_each(&x->store, n->id, kv_add, labels);
		json_object_object_add(o, "Options", opts);
		json_object_object_add(o, "Labels", labels);
	}
	return o;
}

/* ------------------------------------------------------------ sandboxes */

static struct json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

struct json_object *views__container(struct xnet *x, struct container *c)
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
	json_object_object_add(state, "ExitCode", json_object_new_int(running || !c->started[0] ? 0 : container__exit_code(x, c)));
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
		if (c->mode == NETMODE_DEFAULT)
			mode = neps && store__network_get_id(&x->store, eps[0].network_id, &first) == 0 ? first.name : "bridge";
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
	json_object_object_add(ns, "SandboxID", jstr(c->mode != NETMODE_HOST ? c->id : ""));
	json_object_object_add(ns, "SandboxKey", jstr(c->mode != NETMODE_HOST ? path : ""));
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

		if (store__network_get_id(&x->store, eps[k].network_id, &n)) {
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
	if (c->mode == NETMODE_HOST || c->mode == NETMODE_NONE) {
		struct network n;

		if (store__network_get(&x->store, c->netmode, &n) == 0) {
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
