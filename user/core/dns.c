// SPDX-License-Identifier: GPL-2.0-only
/*
 * dns: what each sandbox may resolve, written into the maps the datapath
 * answers from, and the files its resolver reads.
 *
 * Names (xnet_dns_names, per network): every endpoint on a user-defined
 * network is known there by its sandbox's name, hostname, short ID and the
 * endpoint's aliases, each also as "<form>.<network name>" (Docker's forms).
 * A name several endpoints share lists all their addresses, in the order they
 * joined. A change to one sandbox rewrites only the names it has, computed
 * from every endpoint of the network in the store; reconcile rewrites all
 * names and sweeps the rest.
 *
 * Scope (xnet_dns_scope, per endpoint): the sandbox's DNS networks in
 * endpoint order, whether it may forward (a network of it that is not
 * --internal: CVE-2024-29018), its --dns servers. PTR (xnet_dns_ptr): the
 * address of each endpoint on a DNS network -> "<name>.<network>.".
 *
 * resolv.conf: on a user-defined network (the first endpoint's), the
 * network's DNS address, which is its gateway address, with ndots:0;
 * elsewhere the host's resolvers without loopback ones, or --dns. The helper
 * process, started here when a DNS network exists, answers what BPF hands on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include <ldns/ldns.h>
#include "datapath/datapath.h"
#include "core/dns.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "core/xnet.h"
#include "core/endpoint.h"
#include "lib/util.h"
#include "store/store.h"
#include "xnet_abi.h"
#include "drivers/driver.h"
#include "store/networks.h"
#include "store/sandboxes.h"
#include "store/endpoints.h"
#include "store/dns.h"

/* ------------------------------------------------------------ options */

int dns__parse_server(struct xnet *x, struct dns_req *r, const char *arg)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, arg, buf) != 1 && inet_pton(AF_INET6, arg, buf) != 1)
		return xerr(x, "invalid argument \"%s\" for \"--dns\" flag: %s is not an ip address", arg, arg);
	if (r->nservers >= DNS_MAX_LIST)
		return xerr(x, "too many --dns options");
	r->servers[r->nservers++] = arg;
	return 0;
}

/* Docker's validateDNSSearch: "." (no search at all) or a domain name. */
static bool valid_domain(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (!strcmp(s, "."))
		return true;
	if (len && s[len - 1] == '.')
		len--;
	if (!len || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_'))
			return false;
		if ((ch == '-' && !label) || ++label > 63)
			return false;
	}
	return s[len - 1] != '-';
}

int dns__parse_search(struct xnet *x, struct dns_req *r, const char *arg)
{
	if (!valid_domain(arg))
		return xerr(x, "invalid argument \"%s\" for \"--dns-search\" flag: %s is not a valid domain", arg,
			    arg);
	if (r->nsearch >= DNS_MAX_LIST)
		return xerr(x, "too many --dns-search options");
	r->search[r->nsearch++] = arg;
	return 0;
}

int dns__parse_option(struct xnet *x, struct dns_req *r, const char *arg)
{
	bool ctl = false;

	/* One word of the options line of resolv.conf: no blank, no line break, no control character. */
	for (const char *p = arg; *p; p++)
		ctl |= (unsigned char)*p < 0x20 || *p == 0x7f;
	if (!arg[0] || ctl || strchr(arg, ' '))
		return xerr(x, "invalid argument \"%s\" for \"--dns-option\" flag: not a resolver option",
			    util__quote(arg));
	if (r->noptions >= DNS_MAX_LIST)
		return xerr(x, "too many --dns-option options");
	r->options[r->noptions++] = arg;
	return 0;
}

int dns__parse_link(struct xnet *x, struct dns_req *r, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char name[256];

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	if (!name[0] || (colon && (!colon[1] || strchr(colon + 1, ':'))) ||
	    !util__valid_name(name[0] == '/' ? name + 1 : name) || (colon && !util__valid_name(colon + 1)))
		return xerr(x, "invalid argument \"%s\" for \"--link\" flag: bad format for links: %s", arg, arg);
	if (r->nlinks >= DNS_MAX_LIST)
		return xerr(x, "too many --link options");
	r->links[r->nlinks++] = arg;
	return 0;
}

bool dns__req_any(const struct dns_req *r)
{
	return r->nservers || r->nsearch || r->noptions || r->nlinks;
}

/* ------------------------------------------------------------ settings */

struct dns_settings {
	struct json_object *servers, *search, *options, *links;	/* arrays; links: [[id, alias], ...] */
};

static void settings_free(struct dns_settings *s)
{
	json_object_put(s->servers);
	json_object_put(s->search);
	json_object_put(s->options);
	json_object_put(s->links);
	memset(s, 0, sizeof(*s));
}

static struct json_object *parse_array(const char *t)
{
	struct json_object *o = t ? json_tokener_parse(t) : NULL;

	if (!o || !json_object_is_type(o, json_type_array)) {
		json_object_put(o);
		o = json_object_new_array();
	}
	return o;
}

/* A sandbox without a row has none of the settings (all arrays empty). */
static void settings_load(struct xnet *x, const char *id, struct dns_settings *s)
{
	struct store_dns d;

	store__dns_get(&x->store, id, &d);
	s->servers = parse_array(d.servers);
	s->search = parse_array(d.search);
	s->options = parse_array(d.options);
	s->links = parse_array(d.links);
	store__dns_free(&d);
}

static struct json_object *strv_array(const char *const *v, int n)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

int dns__record(struct xnet *x, const struct container *c, const struct dns_req *r)
{
	struct json_object *links = json_object_new_array();
	struct dns_settings s = { 0 };
	int rc = 0;

	if (!dns__req_any(r)) {
		json_object_put(links);
		return 0;
	}
	if (r->nlinks && c->mode == NETMODE_HOST)
		rc = xerr(x, "conflicting options: host type networking can't be used with links. This would "
			     "result in undefined behavior");
	for (int i = 0; !rc && i < r->nlinks; i++) {
		const char *colon = strchr(r->links[i], ':');
		char name[256];
		struct container t;
		struct json_object *pair;

		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - r->links[i]) : (int)strlen(r->links[i]),
			 r->links[i][0] == '/' ? r->links[i] + 1 : r->links[i]);
		if (store__container_get(&x->store, name, &t)) {
			rc = xerr(x, "could not get container for %s: No such container: %s", name, name);
			break;
		}
		if (!container__running(&t)) {
			rc = xerr(x, "Cannot link to a non running container: /%s AS /%s/%s", t.name, c->name,
				  colon ? colon + 1 : name);
			container__free(&t);
			break;
		}
		pair = json_object_new_array();
		json_object_array_add(pair, json_object_new_string(t.id));
		json_object_array_add(pair, json_object_new_string(colon ? colon + 1 : t.name));
		json_object_array_add(links, pair);
		container__free(&t);
	}
	if (rc) {
		json_object_put(links);
		return -1;
	}
	s.servers = strv_array(r->servers, r->nservers);
	s.search = strv_array(r->search, r->nsearch);
	s.options = strv_array(r->options, r->noptions);
	s.links = links;
	rc = store__dns_insert(&x->store, c->id, json_object_to_json_string_ext(s.servers, JSON_C_TO_STRING_PLAIN),
			       json_object_to_json_string_ext(s.search, JSON_C_TO_STRING_PLAIN),
			       json_object_to_json_string_ext(s.options, JSON_C_TO_STRING_PLAIN),
			       json_object_to_json_string_ext(s.links, JSON_C_TO_STRING_PLAIN));
	if (rc) {
		xerr(x, "cannot record the DNS settings of %s: %s", c->name, store__errmsg(&x->store));
		rc = -1;
	}
	settings_free(&s);
	return rc;
}

void dns__inspect(struct xnet *x, const struct container *c, struct json_object *hc)
{
	struct dns_settings s;
	struct json_object *links = json_object_new_array();

	settings_load(x, c->id, &s);
	/* Docker's Links: "/target:/self/alias". */
	for (size_t i = 0; i < json_object_array_length(s.links); i++) {
		struct json_object *p = json_object_array_get_idx(s.links, i);
		struct container t;
		char buf[600];

		if (store__container_get(&x->store, json_object_get_string(json_object_array_get_idx(p, 0)), &t))
			continue;
		snprintf(buf, sizeof(buf), "/%s:/%s/%s", t.name, c->name,
			 json_object_get_string(json_object_array_get_idx(p, 1)));
		json_object_array_add(links, json_object_new_string(buf));
		container__free(&t);
	}
	json_object_object_add(hc, "Dns", json_object_get(s.servers));
	json_object_object_add(hc, "DnsOptions", json_object_get(s.options));
	json_object_object_add(hc, "DnsSearch", json_object_get(s.search));
	json_object_object_add(hc, "Links", json_object_array_length(links) ? links : NULL);
	if (!json_object_array_length(links))
		json_object_put(links);
	settings_free(&s);
}

/* ------------------------------------------------------------ names */

/*
 * Text to the map's key form: wire format (ldns, as the helper reads
 * questions), ASCII lowercased. A trailing dot is allowed. 0, or -1 when it
 * cannot be a DNS name (empty, an empty label, a label over 63 bytes, a name
 * over 255): such a name is simply not resolvable.
 */
static int name_wire(const char *text, __u8 out[XNET_DNS_NAME_LEN])
{
	ldns_rdf *d = *text && strcmp(text, ".") ? ldns_dname_new_frm_str(text) : NULL;
	int err = -1;

	memset(out, 0, XNET_DNS_NAME_LEN);
	if (d && ldns_rdf_size(d) > 1 && ldns_rdf_size(d) < XNET_DNS_NAME_LEN) {
		ldns_dname2canonical(d);
		memcpy(out, ldns_rdf_data(d), ldns_rdf_size(d));
		err = 0;
	}
	ldns_rdf_deep_free(d);
	return err;
}

/* The name forms of an endpoint: sandbox name, hostname, short ID, aliases (deduplicated later). */
#define MAX_FORMS 64
static int endpoint_forms(const char *name, const char *hostname, const char *id, const char *aliases,
			  char forms[MAX_FORMS][256])
{
	struct json_object *al = aliases ? json_tokener_parse(aliases) : NULL;
	int n = 0;

	snprintf(forms[n++], 256, "%s", name);
	snprintf(forms[n++], 256, "%s", hostname);
	snprintf(forms[n++], 256, "%.12s", id);
	for (size_t i = 0; al && json_object_is_type(al, json_type_array) && i < json_object_array_length(al) &&
			   n < MAX_FORMS;
	     i++)
		snprintf(forms[n++], 256, "%s", json_object_get_string(json_object_array_get_idx(al, i)));
	json_object_put(al);
	return n;
}

struct dns_pair {
	struct xnet_dns_key k;
	__be32 ip;
	unsigned seq;		/* endpoint order in the network: the order of the addresses */
};
struct pairs { struct dns_pair *v; int n, cap; };

static int pairs_add(struct pairs *p, const struct xnet_dns_key *k, __be32 ip, unsigned seq)
{
	for (int i = p->n - 1; i >= 0 && p->v[i].seq == seq; i--)
		if (!memcmp(&p->v[i].k, k, sizeof(*k)))
			return 0;	/* this endpoint has it already (name == hostname, ...) */
	if (p->n == p->cap) {
		struct dns_pair *nv;

		p->cap = p->cap ? p->cap * 2 : 256;
		nv = realloc(p->v, sizeof(*nv) * (size_t)p->cap);
		if (!nv)
			return -ENOMEM;
		p->v = nv;
	}
	p->v[p->n].k = *k;
	p->v[p->n].ip = ip;
	p->v[p->n++].seq = seq;
	return 0;
}

/* Both keys of one form on network n: "form" and "form.<network>". */
static int form_keys(const struct network *n, const char *form, struct xnet_dns_key k[2])
{
	char full[600];
	int cnt = 0;

	k[0].net_id = k[1].net_id = (__u32)n->kidx;
	if (!name_wire(form, k[cnt].name))
		cnt++;
	snprintf(full, sizeof(full), "%s.%s", form, n->name);
	if (!name_wire(full, k[cnt].name))
		cnt++;
	return cnt;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct dns_pair *x = a, *y = b;
	int c = memcmp(&x->k, &y->k, sizeof(x->k));

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Every (name, address) of network n from the store, sorted by name then endpoint order. */
static int network_pairs(struct xnet *x, const struct network *n, const char *exclude_id, struct pairs *p)
{
	static char forms[MAX_FORMS][256];
	struct store_member *m;
	unsigned seq = 0;
	int nm, rc;

	rc = store__network_members(&x->store, n->id, STORE_MEMBERS_BY_AGE, &m, &nm);
	if (rc)
		return rc;
	for (int i = 0; !rc && i < nm; i++) {
		const char *id = m[i].ep.container_id;
		__be32 ip = htonl(m[i].ep.ip);
		int nf;

		seq++;
		if (exclude_id && !strcmp(id, exclude_id))
			continue;
		nf = endpoint_forms(m[i].name, m[i].hostname, id, m[i].ep.aliases, forms);
		for (int f = 0; !rc && f < nf; f++) {
			struct xnet_dns_key k[2];
			int nk = form_keys(n, forms[f], k);

			for (int j = 0; !rc && j < nk; j++)
				rc = pairs_add(p, &k[j], ip, seq);
		}
	}
	free(m);
	if (!rc && p->n)
		qsort(p->v, (size_t)p->n, sizeof(*p->v), pair_cmp);
	return rc;
}

/* Write the name k from the sorted pairs: its addresses, or delete it when nobody has it. */
static int name_write(struct xnet *x, const struct pairs *p, const struct xnet_dns_key *k)
{
	__be32 addrs[XNET_DNS_MAX_ADDRS];
	int lo = 0, hi = p->n, cnt = 0;

	/* Lower bound of k. */
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (memcmp(&p->v[mid].k, k, sizeof(*k)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < p->n && !memcmp(&p->v[i].k, k, sizeof(*k)); i++)
		if (cnt < XNET_DNS_MAX_ADDRS)
			addrs[cnt++] = p->v[i].ip;
	return dp__dns_name_set(x->dp, k, addrs, cnt);
}

/* Rewrite the names sandbox (name, hostname, id) has on n with these aliases; exclude_id: as if it left. */
static int names_sync(struct xnet *x, const struct network *n, const struct container *c, const char *aliases,
		      const char *exclude_id)
{
	static char forms[MAX_FORMS][256];
	struct pairs p = { 0 };
	int nf, rc;

	rc = network_pairs(x, n, exclude_id, &p);
	nf = endpoint_forms(c->name, c->hostname, c->id, aliases, forms);
	for (int f = 0; !rc && f < nf; f++) {
		struct xnet_dns_key k[2];
		int nk = form_keys(n, forms[f], k);

		for (int j = 0; !rc && j < nk; j++)
			rc = name_write(x, &p, &k[j]);
	}
	free(p.v);
	return rc;
}

/* ------------------------------------------------------------ scope, PTR */

static void scope_servers(struct xnet *x, const char *id, struct xnet_dns_scope *s)
{
	struct dns_settings st;

	settings_load(x, id, &st);
	for (size_t i = 0; i < json_object_array_length(st.servers) && s->nservers < XNET_DNS_MAX_SERVERS; i++) {
		struct xnet_dns_server *srv = &s->servers[s->nservers];
		const char *a = json_object_get_string(json_object_array_get_idx(st.servers, i));

		if (inet_pton(AF_INET, a, srv->addr) == 1)
			srv->family = AF_INET;
		else if (inet_pton(AF_INET6, a, srv->addr) == 1)
			srv->family = AF_INET6;
		else
			continue;
		srv->port = htons(53);
		s->nservers++;
	}
	settings_free(&st);
}

int dns__sandbox_apply(struct xnet *x, const struct container *c)
{
	struct xnet_dns_scope scope = { 0 };
	struct endpoint *eps;
	struct network *nets;
	int neps, rc = 0;

	if (c->mode != NETMODE_DEFAULT)
		return 0;
	endpoint__list(x, c->id, &eps, &neps);
	nets = calloc((size_t)(neps ? neps : 1), sizeof(*nets));
	if (!nets) {
		free(eps);
		return -ENOMEM;
	}
	for (int i = 0; i < neps; i++) {
		if (store__network_get_id(&x->store, eps[i].network_id, &nets[i]))
			continue;
		if (!nets[i].internal)
			scope.flags |= XNET_DNS_F_FORWARD;
		if (driver__network_has_dns(&nets[i]) && scope.nnets < XNET_DNS_SCOPE_MAX)
			scope.net_ids[scope.nnets++] = (__u32)nets[i].kidx;
	}
	scope_servers(x, c->id, &scope);
	for (int i = 0; !rc && i < neps; i++) {
		int ifindex = nl__link_index(eps[i].host_ifname);
		__be32 ip = htonl(eps[i].ip);

		if (ifindex > 0)
			rc = dp__dns_scope_set(x->dp, (__u32)ifindex, scope.nnets ? &scope : NULL);
		if (!rc && driver__network_has_dns(&nets[i])) {
			struct xnet_dns_ptr ptr = { .net_id = (__u32)nets[i].kidx };
			char full[600];

			snprintf(full, sizeof(full), "%s.%s.", c->name, nets[i].name);
			if (!name_wire(full, ptr.name))
				rc = dp__dns_ptr_set(x->dp, ip, &ptr);
			rc = rc ?: names_sync(x, &nets[i], c, eps[i].aliases, NULL);
		}
	}
	free(nets);
	free(eps);
	return rc;
}

int dns__sandbox_forget(struct xnet *x, const struct container *c)
{
	struct endpoint *eps;
	int neps, rc = 0;

	if (c->mode != NETMODE_DEFAULT)
		return 0;
	endpoint__list(x, c->id, &eps, &neps);
	for (int i = 0; !rc && i < neps; i++) {
		struct network n;

		if (!store__network_get_id(&x->store, eps[i].network_id, &n) && driver__network_has_dns(&n))
			rc = names_sync(x, &n, c, eps[i].aliases, c->id);
	}
	free(eps);
	return rc;
}

int dns__sandbox_left(struct xnet *x, const struct container *c, const struct network *n, const char *aliases)
{
	int rc = driver__network_has_dns(n) ? names_sync(x, n, c, aliases, c->id) : 0;

	return rc ?: dns__sandbox_apply(x, c);
}

int dns__reconcile(struct xnet *x)
{
	struct xnet_dns_key *keep = NULL;
	int nkeep = 0, cap = 0, nn, nc, rc = 0;
	struct network *nets;
	struct container *ctrs;

	/* Names, network by network; everything not written is swept. */
	if (store__networks_list(&x->store, STORE_NETWORKS_CUSTOM, &nets, &nn))
		return -EIO;
	for (int ni = 0; !rc && ni < nn; ni++) {
		const struct network *n = &nets[ni];
		struct pairs p = { 0 };

		if (!driver__network_has_dns(n))
			continue;
		rc = network_pairs(x, n, NULL, &p);
		for (int i = 0; !rc && i < p.n; i++) {
			if (i && !memcmp(&p.v[i].k, &p.v[i - 1].k, sizeof(p.v[i].k)))
				continue;
			rc = name_write(x, &p, &p.v[i].k);
			if (nkeep == cap) {
				struct xnet_dns_key *nk;

				cap = cap ? cap * 2 : 256;
				nk = realloc(keep, sizeof(*keep) * (size_t)cap);
				if (!nk) {
					rc = -ENOMEM;
					break;
				}
				keep = nk;
			}
			keep[nkeep++] = p.v[i].k;
		}
		free(p.v);
	}
	free(nets);
	rc = rc ?: dp__dns_names_sweep(x->dp, keep, nkeep);
	free(keep);
	if (rc)
		return rc;
	/* Every sandbox's view and PTR names (dp__sweep removed those of endpoints that are gone). */
	if (store__containers_list(&x->store, STORE_CONTAINERS_DEFAULT_MODE, &ctrs, &nc))
		return -EIO;
	for (int ci = 0; !rc && ci < nc; ci++) {
		rc = dns__sandbox_apply(x, &ctrs[ci]);
		if (!rc)
			dns__write_resolv(x, &ctrs[ci]);
	}
	store__containers_free(ctrs, nc);
	return rc;
}

/* ------------------------------------------------------------ resolv.conf, /etc/hosts */

struct host_resolv {
	char servers[8][64];
	int nservers;
	char search[1024];
	char options[1024];
};

static void host_resolv_read(struct host_resolv *h)
{
	char *text = util__read_file("/etc/resolv.conf"), *save = NULL;

	memset(h, 0, sizeof(*h));
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		char word[16];
		int off = 0;

		if (sscanf(l, "%15s %n", word, &off) != 1)
			continue;
		if (!strcmp(word, "nameserver") && h->nservers < 8)
			sscanf(l + off, "%63s", h->servers[h->nservers++]);
		else if (!strcmp(word, "search") || !strcmp(word, "domain"))
			snprintf(h->search, sizeof(h->search), "%s", l + off);
		else if (!strcmp(word, "options"))
			snprintf(h->options, sizeof(h->options), "%s", l + off);
	}
	free(text);
}

static bool is_loopback(const char *a)
{
	return !strncmp(a, "127.", 4) || !strcmp(a, "::1");
}

static void join(struct strbuf *out, struct json_object *arr)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		util__sb_add(out, " ", "%s", json_object_get_string(json_object_array_get_idx(arr, i)));
}

int dns__write_resolv(struct xnet *x, const struct container *c)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], gw[16] = "";
	struct strbuf out = { 0 }, search = { 0 }, opts = { 0 };
	struct dns_settings s;
	struct host_resolv h;
	struct endpoint *eps = NULL;
	int neps = 0, rc;
	bool ndots = false;

	/* container:NAME uses its target's files. */
	if (c->mode == NETMODE_CONTAINER)
		return 0;
	settings_load(x, c->id, &s);
	host_resolv_read(&h);
	if (c->mode == NETMODE_DEFAULT) {
		struct network n;

		endpoint__list(x, c->id, &eps, &neps);
		if (neps && !store__network_get_id(&x->store, eps[0].network_id, &n) && driver__network_has_dns(&n))
			util__ip_str(n.gateway, gw);
		free(eps);
	}
	util__sb_add(&out, NULL, "# Generated by xnet.\n");
	if (gw[0]) {
		/* The embedded DNS; --dns servers are where it forwards to (the helper reads them from the maps). */
		util__sb_add(&out, NULL, "nameserver %s\n", gw);
	} else if (json_object_array_length(s.servers)) {
		for (size_t i = 0; i < json_object_array_length(s.servers); i++)
			util__sb_add(&out, NULL, "nameserver %s\n",
				     json_object_get_string(json_object_array_get_idx(s.servers, i)));
	} else {
		int kept = 0;

		/* The host's resolvers; loopback ones are unreachable from a sandbox (except with --network host). */
		for (int i = 0; i < h.nservers; i++) {
			if (c->mode != NETMODE_HOST && is_loopback(h.servers[i]))
				continue;
			util__sb_add(&out, NULL, "nameserver %s\n", h.servers[i]);
			kept++;
		}
		if (!kept)
			util__sb_add(&out, NULL, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	}
	if (json_object_array_length(s.search))
		join(&search, s.search);
	else
		util__sb_add(&search, NULL, "%s", h.search);
	/* "--dns-search ." means no search domains at all. */
	if (search.len && strcmp(search.s, "."))
		util__sb_add(&out, NULL, "search %s\n", search.s);
	if (json_object_array_length(s.options))
		join(&opts, s.options);
	else
		util__sb_add(&opts, NULL, "%s", gw[0] ? "" : h.options);
	ndots = strstr(util__sb_str(&opts), "ndots:") != NULL;
	if (gw[0] && !ndots)
		util__sb_add(&out, NULL, "options ndots:0%s%s\n", opts.len ? " " : "", util__sb_str(&opts));
	else if (opts.len)
		util__sb_add(&out, NULL, "options %s\n", opts.s);
	settings_free(&s);
	container__dir(x, c->id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	rc = util__write_inplace(path, util__sb_str(&out));
	if (rc)
		log_warn("cannot write %s: %s", path, strerror(-rc));
	util__sb_free(&out);
	util__sb_free(&search);
	util__sb_free(&opts);
	return rc;
}

void dns__hosts_links(struct xnet *x, const struct container *c, struct strbuf *out)
{
	struct dns_settings s;
	struct endpoint *mine = NULL;
	int nmine = 0;

	settings_load(x, c->id, &s);
	if (json_object_array_length(s.links))
		endpoint__list(x, c->id, &mine, &nmine);
	for (size_t i = 0; i < json_object_array_length(s.links); i++) {
		struct json_object *p = json_object_array_get_idx(s.links, i);
		const char *alias = json_object_get_string(json_object_array_get_idx(p, 1));
		struct container t;
		struct endpoint *theirs;
		int ntheirs;

		if (store__container_get(&x->store, json_object_get_string(json_object_array_get_idx(p, 0)), &t))
			continue;	/* the target was removed: the link is gone (Docker keeps a dead entry) */
		endpoint__list(x, t.id, &theirs, &ntheirs);
		/* The target's address on a network both share (the default bridge, for Docker's links). */
		for (int a = 0; a < ntheirs; a++) {
			bool shared = false;

			for (int b = 0; b < nmine; b++)
				shared |= !strcmp(theirs[a].network_id, mine[b].network_id);
			if (shared) {
				char ip[16];

				util__ip_str(theirs[a].ip, ip);
				util__sb_add(out, NULL, "%s\t%s%s%s %.12s\n", ip, alias,
					     strcmp(alias, t.name) ? " " : "", strcmp(alias, t.name) ? t.name : "",
					     t.id);
				break;
			}
		}
		free(theirs);
		container__free(&t);
	}
	free(mine);
	settings_free(&s);
}
