// SPDX-License-Identifier: GPL-2.0-only
/* portspec: Docker's port grammar, the one port parser (see portspec.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/addr.h"
#include "lib/portspec.h"
#include "lib/util.h"

/* The protocols of the grammar; parse_proto and portspec__proto_name read the same table. */
static const struct { uint8_t proto; const char *name; } protos[] = {
	{ IPPROTO_TCP, "tcp" },
	{ IPPROTO_UDP, "udp" },
	{ IPPROTO_SCTP, "sctp" },
};

const char *portspec__proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return "tcp";
}

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

int portspec__parse_port(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

int portspec__parse_range(const char *s, uint16_t *start, uint16_t *end)
{
	const char *dash = strchr(s, '-');
	uint16_t a, b;

	if (!dash) {
		if (portspec__parse_port(s, strlen(s), &a))
			return -EINVAL;
		*start = *end = a;
		return 0;
	}
	if (strchr(dash + 1, '-') || portspec__parse_port(s, (size_t)(dash - s), &a) ||
	    portspec__parse_port(dash + 1, strlen(dash + 1), &b) || b < a)
		return -EINVAL;
	*start = a;
	*end = b;
	return 0;
}

/* "tcp", "udp" (any case). SCTP is valid Docker but the datapath carries TCP and UDP only. */
static int parse_proto(const char *proto, const char *spec, uint8_t *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcasecmp(proto, protos[i].name))
			continue;
		if (protos[i].proto == IPPROTO_SCTP)
			return fail(-EINVAL, err, errlen,
				    "xnet does not publish or expose SCTP ports (\"%s\"): its datapath translates TCP and UDP only",
				    spec);
		*out = protos[i].proto;
		return 0;
	}
	return fail(-EINVAL, err, errlen, "invalid proto: %s", proto);
}

static int add_exposed(struct ports_req *r, uint16_t port, uint8_t proto)
{
	struct port_key *v;

	for (int i = 0; i < r->nexposed; i++)
		if (r->exposed[i].port == port && r->exposed[i].proto == proto)
			return 0;
	v = realloc(r->exposed, sizeof(*v) * (size_t)(r->nexposed + 1));
	if (!v)
		return -ENOMEM;
	r->exposed = v;
	r->exposed[r->nexposed++] = (struct port_key){ port, proto };
	return 0;
}

/*
 * The long syntax, "published=8080,target=80,protocol=udp", into the short
 * one ("8080:80/udp"), as docker/cli's convertToStandardNotation does. Its
 * keys are those of docker/cli's PortOpt (`--publish` of services), checked
 * as PortOpt checks them: `docker run` ignores unknown keys and any mode,
 * which turns a typo into a silently different publication. A sandbox's
 * port is published on this host either way: mode=host and mode=ingress
 * mean the same here.
 */
static int long_syntax(const char *spec, char *out, size_t len, char *err, size_t errlen)
{
	char buf[256], *save = NULL;
	const char *published = "", *target = "", *protocol = "tcp";

	if (strlen(spec) >= sizeof(buf))
		return fail(-EINVAL, err, errlen, "invalid port specification: \"%.40s...\" is too long", spec);
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');

		if (!eq || eq == kv)
			return fail(-EINVAL, err, errlen,
				    "invalid publish opts format (should be name=value but got '%s')", kv);
		*eq = '\0';
		if (!strcmp(kv, "published"))
			published = eq + 1;
		else if (!strcmp(kv, "target"))
			target = eq + 1;
		else if (!strcmp(kv, "protocol"))
			protocol = eq + 1;
		else if (!strcmp(kv, "mode")) {
			if (strcmp(eq + 1, "host") && strcmp(eq + 1, "ingress"))
				return fail(-EINVAL, err, errlen,
					    "invalid publish mode value (%s): must be either 'ingress' or 'host'",
					    util__quote(eq + 1));
		} else {
			return fail(-EINVAL, err, errlen, "invalid field key %s", util__quote(kv));
		}
	}
	snprintf(out, len, "%s:%s/%s", published, target, protocol);
	return 0;
}

int portspec__parse_publish(struct ports_req *r, const char *spec, char *err, size_t errlen)
{
	char buf[256], *parts[64], *ip = NULL, *hp = NULL, *cp, *proto;
	uint16_t cs, ce, hs = 0, he = 0;
	uint32_t hip = 0;
	uint8_t pr;
	int n = 0, rc;

	if (strlen(spec) >= sizeof(buf))
		return fail(-EINVAL, err, errlen, "invalid port specification: \"%.40s...\" is too long", spec);
	if (strchr(spec, '=')) {
		rc = long_syntax(spec, buf, sizeof(buf), err, errlen);
		if (rc)
			return rc;
		spec = strdupa(buf);
	}
	strcpy(buf, spec);
	/* nat.splitParts: the last two fields are ports, everything before them the IP. */
	for (char *p = buf, *c; n < 64; p = c + 1) {
		parts[n++] = p;
		c = strchr(p, ':');
		if (!c)
			break;
		*c = '\0';
	}
	cp = parts[n - 1];
	if (n >= 2)
		hp = parts[n - 2];
	if (n >= 3) {
		ip = parts[0];
		for (int i = 1; i < n - 2; i++)
			ip[strlen(ip)] = ':';	/* join back what splitting cut */
	}
	proto = strchr(cp, '/');
	if (proto)
		*proto++ = '\0';
	if (!*cp)
		return fail(-EINVAL, err, errlen, "no port specified: %s<empty>", spec);
	rc = parse_proto(proto && *proto ? proto : "tcp", spec, &pr, err, errlen);
	if (rc)
		return rc;
	if (ip && *ip) {
		if (ip[0] == '[' || strchr(ip, ':')) {
			struct in6_addr a6;
			char v6[64];

			snprintf(v6, sizeof(v6), "%.*s", ip[0] == '[' ? (int)strcspn(ip + 1, "]") : 63,
				 ip[0] == '[' ? ip + 1 : ip);
			if (inet_pton(AF_INET6, v6, &a6) != 1)
				return fail(-EINVAL, err, errlen, "invalid IP address: %s", ip);
			return fail(-EINVAL, err, errlen,
				    "xnet publishes ports on IPv4 host addresses only: %s in \"%s\" is IPv6", v6, spec);
		}
		if (util__parse_ip(ip, &hip))
			return fail(-EINVAL, err, errlen, "invalid IP address: %s", ip);
	}
	if (portspec__parse_range(cp, &cs, &ce) || cs == 0)
		return fail(-EINVAL, err, errlen, "invalid containerPort: %s", cp);
	if (hp && *hp) {
		if (portspec__parse_range(hp, &hs, &he))
			return fail(-EINVAL, err, errlen, "invalid hostPort: %s", hp);
		/* A host range for one container port is the range to pick one port from. */
		if (ce - cs != he - hs && ce != cs)
			return fail(-EINVAL, err, errlen,
				    "invalid ranges specified for container and host Ports: %s and %s", cp, hp);
	}
	for (unsigned i = 0; i <= (unsigned)(ce - cs); i++) {
		struct port_spec *v = realloc(r->binds, sizeof(*v) * (size_t)(r->nbinds + 1));
		struct port_spec *s;

		if (!v)
			return fail(-ENOMEM, err, errlen, "out of memory");
		r->binds = v;
		s = &r->binds[r->nbinds++];
		memset(s, 0, sizeof(*s));
		s->port = (uint16_t)(cs + i);
		s->proto = pr;
		s->has_ip = ip && *ip;
		s->host_ip = hip;
		snprintf(s->ip_str, sizeof(s->ip_str), "%s", s->has_ip ? ip : "");
		if (hp && *hp) {
			if (cs == ce) {
				s->hp_start = hs;
				s->hp_end = he;
			} else {
				s->hp_start = s->hp_end = (uint16_t)(hs + i);
			}
			if (s->hp_start == s->hp_end)
				snprintf(s->hp_str, sizeof(s->hp_str), "%u", s->hp_start);
			else
				snprintf(s->hp_str, sizeof(s->hp_str), "%u-%u", s->hp_start, s->hp_end);
		}
		if (add_exposed(r, s->port, pr))
			return fail(-ENOMEM, err, errlen, "out of memory");
	}
	return 0;
}

int portspec__parse_expose(struct ports_req *r, const char *spec, char *err, size_t errlen)
{
	char buf[64], *proto;
	uint16_t s, e;
	uint8_t pr;
	int rc;

	if (strchr(spec, ':') || strlen(spec) >= sizeof(buf))
		return fail(-EINVAL, err, errlen, "invalid port format for --expose: %s", spec);
	strcpy(buf, spec);
	proto = strchr(buf, '/');
	if (proto)
		*proto++ = '\0';
	rc = parse_proto(proto && *proto ? proto : "tcp", spec, &pr, err, errlen);
	if (rc)
		return rc;
	if (portspec__parse_range(buf, &s, &e) || s == 0)
		return fail(-EINVAL, err, errlen, "invalid range format for --expose: %s", spec);
	for (unsigned p = s; p <= e; p++)
		if (add_exposed(r, (uint16_t)p, pr))
			return fail(-ENOMEM, err, errlen, "out of memory");
	return 0;
}

void portspec__req_free(struct ports_req *r)
{
	free(r->binds);
	free(r->exposed);
	memset(r, 0, sizeof(*r));
}
