// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_portspec: user/lib/portspec.c, Docker's -p/--expose grammar and the
 * port numbers and ranges of `system config --nat-ports` and `system
 * policy --port`. Every error is checked word for word: it is what the
 * user reads (selftests/integration/test_publish_cli.sh checks the same
 * messages through the CLI).
 *
 * A parsed request is written as text to compare in one line:
 *   binds    "IP:HOSTPORT->PORT/PROTO" per binding, space separated (IP and
 *            HOSTPORT as given, "" when absent: ":->80/tcp" is a plain "80")
 *   exposed  "PORT/PROTO" per exposed port
 * and check_req() checks that the other fields agree with that text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include "unit.h"
#include "lib/addr.h"
#include "lib/portspec.h"

static void req_text(const struct ports_req *r, char *binds, char *exposed, size_t len)
{
	size_t o = 0;

	binds[0] = exposed[0] = '\0';
	for (int i = 0; i < r->nbinds; i++)
		o += (size_t)snprintf(binds + o, len - o, "%s%s:%s->%u/%s", i ? " " : "", r->binds[i].ip_str,
				      r->binds[i].hp_str, r->binds[i].port, portspec__proto_name(r->binds[i].proto));
	o = 0;
	for (int i = 0; i < r->nexposed; i++)
		o += (size_t)snprintf(exposed + o, len - o, "%s%u/%s", i ? " " : "", r->exposed[i].port,
				      portspec__proto_name(r->exposed[i].proto));
}

/* The parsed fields behind the text: host_ip is ip_str, hp_start/hp_end are hp_str. */
static void check_req(const struct ports_req *r)
{
	for (int i = 0; i < r->nbinds; i++) {
		const struct port_spec *s = &r->binds[i];
		char hp[16] = "";
		uint32_t ip = 0;

		ASSERT_EQ(s->has_ip, s->ip_str[0] != '\0', "has_ip");
		if (s->has_ip && ASSERT_OK(util__parse_ip(s->ip_str, &ip), "ip_str"))
			ASSERT_EQ(s->host_ip, ip, "host_ip");
		if (s->hp_str[0] && s->hp_start == s->hp_end)
			snprintf(hp, sizeof(hp), "%u", s->hp_start);
		else if (s->hp_str[0])
			snprintf(hp, sizeof(hp), "%u-%u", s->hp_start, s->hp_end);
		else
			ASSERT_TRUE(s->hp_start == 0 && s->hp_end == 0, "no host port: 0, 0");
		ASSERT_STREQ(s->hp_str, hp, "hp_str");
	}
}

/* -p SPEC: what it publishes and exposes, or the error. */
static const struct { const char *spec, *binds, *exposed, *err; } publish[] = {
	{ "80", ":->80/tcp", "80/tcp" },
	{ "8080:80", ":8080->80/tcp", "80/tcp" },
	{ "127.0.0.1:8080:80/udp", "127.0.0.1:8080->80/udp", "80/udp" },
	{ "127.0.0.1::80", "127.0.0.1:->80/tcp", "80/tcp" },
	{ ":80", ":->80/tcp", "80/tcp" },
	{ "80/UDP", ":->80/udp", "80/udp" },
	{ "80/", ":->80/tcp", "80/tcp" },
	{ "0:80", ":0->80/tcp", "80/tcp" },
	{ "65535:65535", ":65535->65535/tcp", "65535/tcp" },
	{ "000080", ":->80/tcp", "80/tcp" },	/* Go's ParseUint takes leading zeros */
	/* A host range for one container port: the range to pick one from. */
	{ "8000-8010:80", ":8000-8010->80/tcp", "80/tcp" },
	{ "8000-8001:80-81", ":8000->80/tcp :8001->81/tcp", "80/tcp 81/tcp" },
	{ "80-82/udp", ":->80/udp :->81/udp :->82/udp", "80/udp 81/udp 82/udp" },
	{ "10.0.0.1:5000-5001:80-81", "10.0.0.1:5000->80/tcp 10.0.0.1:5001->81/tcp", "80/tcp 81/tcp" },
	/* Ranges of unequal length. */
	{ "8000-8005:80-90", .err = "invalid ranges specified for container and host Ports: 80-90 and 8000-8005" },
	{ "8000:80-81", .err = "invalid ranges specified for container and host Ports: 80-81 and 8000" },
	/* Port numbers. */
	{ "0", .err = "invalid containerPort: 0" },
	{ "65536", .err = "invalid containerPort: 65536" },
	{ "70000", .err = "invalid containerPort: 70000" },
	{ "8080:80x", .err = "invalid containerPort: 80x" },
	{ "-80", .err = "invalid containerPort: -80" },
	{ "80-", .err = "invalid containerPort: 80-" },
	{ "90-80", .err = "invalid containerPort: 90-80" },
	{ " 80", .err = "invalid containerPort:  80" },
	{ "+80", .err = "invalid containerPort: +80" },
	{ "abc:80", .err = "invalid hostPort: abc" },
	{ "65536:80", .err = "invalid hostPort: 65536" },
	{ "90-80:80", .err = "invalid hostPort: 90-80" },
	{ "", .err = "no port specified: <empty>" },
	{ "8080:", .err = "no port specified: 8080:<empty>" },
	{ "8080:/udp", .err = "no port specified: 8080:/udp<empty>" },
	/* Protocols. */
	{ "80/sctp", .err = "xnet does not publish or expose SCTP ports (\"80/sctp\"): its datapath translates TCP and UDP only" },
	{ "80/SCTP", .err = "xnet does not publish or expose SCTP ports (\"80/SCTP\"): its datapath translates TCP and UDP only" },
	{ "80/icmp", .err = "invalid proto: icmp" },
	{ "80/tcp/udp", .err = "invalid proto: tcp/udp" },
	/* Host addresses: IPv4 only; IPv6 is recognised and refused by name. */
	{ "[::1]:80:80", .err = "xnet publishes ports on IPv4 host addresses only: ::1 in \"[::1]:80:80\" is IPv6" },
	{ "::1:8080:80", .err = "xnet publishes ports on IPv4 host addresses only: ::1 in \"::1:8080:80\" is IPv6" },
	{ "[fe80::1]::80", .err = "xnet publishes ports on IPv4 host addresses only: fe80::1 in \"[fe80::1]::80\" is IPv6" },
	{ "[::g]:80:80", .err = "invalid IP address: [::g]" },
	{ "80:80:80:80", .err = "invalid IP address: 80:80" },
	{ "1.2.3:8080:80", .err = "invalid IP address: 1.2.3" },
	{ "256.0.0.1:8080:80", .err = "invalid IP address: 256.0.0.1" },
	{ " 1.2.3.4:8080:80", .err = "invalid IP address:  1.2.3.4" },
	/* The long syntax, docker/cli's PortOpt keys. */
	{ "published=8080,target=80", ":8080->80/tcp", "80/tcp" },
	{ "published=8080,target=80,protocol=udp", ":8080->80/udp", "80/udp" },
	{ "target=80", ":->80/tcp", "80/tcp" },
	{ "target=80,published=8000-8010", ":8000-8010->80/tcp", "80/tcp" },
	{ "published=8081,target=80,mode=host", ":8081->80/tcp", "80/tcp" },
	{ "mode=ingress,target=81,published=8082", ":8082->81/tcp", "81/tcp" },
	{ "published=8081,target=80,mode=bogus",
	  .err = "invalid publish mode value (bogus): must be either 'ingress' or 'host'" },
	{ "target=80,bogus=1", .err = "invalid field key bogus" },
	{ "target=80,published", .err = "invalid publish opts format (should be name=value but got 'published')" },
	{ "target=80,=1", .err = "invalid publish opts format (should be name=value but got '=1')" },
	{ "target=80,protocol=sctp",
	  .err = "xnet does not publish or expose SCTP ports (\":80/sctp\"): its datapath translates TCP and UDP only" },
	{ "published=8080", .err = "no port specified: 8080:/tcp<empty>" },
	{ "target=0", .err = "invalid containerPort: 0" },
	{ "target=80,mode=\"x\\y\"",
	  .err = "invalid publish mode value (\\\"x\\\\y\\\"): must be either 'ingress' or 'host'" },
};

XT_TEST(portspec_publish)
{
	for (size_t i = 0; i < ARRAY_SIZE(publish); i++) {
		struct ports_req r = { 0 };
		char err[PORTSPEC_ERR_LEN] = "", binds[512], exposed[512];
		int rc;

		if (!xt__sub("-p \"%s\"", publish[i].spec))
			continue;
		rc = portspec__parse_publish(&r, publish[i].spec, err, sizeof(err));
		if (publish[i].err) {
			ASSERT_EQ(rc, -EINVAL, "rc");
			ASSERT_STREQ(err, publish[i].err, "error");
		} else if (ASSERT_OK(rc, "rc")) {
			req_text(&r, binds, exposed, sizeof(binds));
			ASSERT_STREQ(binds, publish[i].binds, "binds");
			ASSERT_STREQ(exposed, publish[i].exposed, "exposed");
			check_req(&r);
		}
		portspec__req_free(&r);
	}
}

/* A spec too long for the parser's buffer: Docker's words, cut after 40 bytes. */
XT_TEST(portspec_publish_too_long)
{
	struct ports_req r = { 0 };
	char spec[300], err[PORTSPEC_ERR_LEN];

	memset(spec, '1', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	if (xt__sub("short syntax")) {
		ASSERT_EQ(portspec__parse_publish(&r, spec, err, sizeof(err)), -EINVAL, "rc");
		ASSERT_STREQ(err, "invalid port specification: \"1111111111111111111111111111111111111111...\" is too long",
			     "error");
	}
	memcpy(spec, "target=", 7);
	if (xt__sub("long syntax")) {
		ASSERT_EQ(portspec__parse_publish(&r, spec, err, sizeof(err)), -EINVAL, "rc");
		ASSERT_STREQ(err, "invalid port specification: \"target=111111111111111111111111111111111...\" is too long",
			     "error");
	}
	ASSERT_EQ(r.nbinds + r.nexposed, 0, "nothing added");
	portspec__req_free(&r);
}

/* --expose PORT[-END][/PROTO]. */
static const struct { const char *spec, *exposed, *err; } expose[] = {
	{ "80", "80/tcp" },
	{ "80-82", "80/tcp 81/tcp 82/tcp" },
	{ "53/udp", "53/udp" },
	{ "53/UDP", "53/udp" },
	{ "65535", "65535/tcp" },
	{ "80:80", .err = "invalid port format for --expose: 80:80" },
	{ "0", .err = "invalid range format for --expose: 0" },
	{ "90-80", .err = "invalid range format for --expose: 90-80" },
	{ "65536", .err = "invalid range format for --expose: 65536" },
	{ "80-", .err = "invalid range format for --expose: 80-" },
	{ "", .err = "invalid range format for --expose: " },
	{ "80/sctp", .err = "xnet does not publish or expose SCTP ports (\"80/sctp\"): its datapath translates TCP and UDP only" },
	{ "80/foo", .err = "invalid proto: foo" },
	{ "1111111111111111111111111111111111111111111111111111111111111111",
	  .err = "invalid port format for --expose: 1111111111111111111111111111111111111111111111111111111111111111" },
};

XT_TEST(portspec_expose)
{
	for (size_t i = 0; i < ARRAY_SIZE(expose); i++) {
		struct ports_req r = { 0 };
		char err[PORTSPEC_ERR_LEN] = "", binds[512], exposed[512];
		int rc;

		if (!xt__sub("--expose \"%s\"", expose[i].spec))
			continue;
		rc = portspec__parse_expose(&r, expose[i].spec, err, sizeof(err));
		if (expose[i].err) {
			ASSERT_EQ(rc, -EINVAL, "rc");
			ASSERT_STREQ(err, expose[i].err, "error");
		} else if (ASSERT_OK(rc, "rc")) {
			req_text(&r, binds, exposed, sizeof(binds));
			ASSERT_STREQ(binds, "", "binds");
			ASSERT_STREQ(exposed, expose[i].exposed, "exposed");
		}
		portspec__req_free(&r);
	}
}

/* One request from several flags: bindings add up, exposed ports once each. */
static const struct { const char *flags[4], *binds, *exposed; } req[] = {
	{ { "-p80", "--expose80" }, ":->80/tcp", "80/tcp" },
	{ { "--expose80-81", "-p8080:81", "-p81/udp" }, ":8080->81/tcp :->81/udp", "80/tcp 81/tcp 81/udp" },
	{ { "-p5000:80", "-p5001:80" }, ":5000->80/tcp :5001->80/tcp", "80/tcp" },
};

XT_TEST(portspec_request)
{
	for (size_t i = 0; i < ARRAY_SIZE(req); i++) {
		struct ports_req r = { 0 };
		char err[PORTSPEC_ERR_LEN], binds[512], exposed[512], name[128] = "";

		for (int k = 0; k < 4 && req[i].flags[k]; k++)
			snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", k ? " " : "", req[i].flags[k]);
		if (!xt__sub("%s", name))
			continue;
		for (int k = 0; k < 4 && req[i].flags[k]; k++) {
			const char *f = req[i].flags[k];
			int rc = f[1] == 'p' ? portspec__parse_publish(&r, f + 2, err, sizeof(err))
					     : portspec__parse_expose(&r, f + 8, err, sizeof(err));

			ASSERT_OK(rc, f);
		}
		req_text(&r, binds, exposed, sizeof(binds));
		ASSERT_STREQ(binds, req[i].binds, "binds");
		ASSERT_STREQ(exposed, req[i].exposed, "exposed");
		portspec__req_free(&r);
		ASSERT_TRUE(!r.binds && !r.nbinds && !r.exposed && !r.nexposed, "freed and zeroed");
	}
}

/* The one port number and range parser (also --nat-ports and policy --port). */
static const struct { const char *in; int rc; uint16_t lo, hi; } range[] = {
	{ "80", 0, 80, 80 },
	{ "0", 0, 0, 0 },
	{ "65535", 0, 65535, 65535 },
	{ "1-65535", 0, 1, 65535 },
	{ "10000-20000", 0, 10000, 20000 },
	{ "5-5", 0, 5, 5 },
	{ "0000000000080", 0, 80, 80 },
	{ "65536", -EINVAL },
	{ "99999999999999999999999", -EINVAL },
	{ "1-65536", -EINVAL },
	{ "20000-10000", -EINVAL },
	{ "1-2-3", -EINVAL },
	{ "-5", -EINVAL },
	{ "5-", -EINVAL },
	{ "-", -EINVAL },
	{ "", -EINVAL },
	{ " 1-2", -EINVAL },
	{ "1 -2", -EINVAL },
	{ "10000-+20000", -EINVAL },
	{ "+1", -EINVAL },
	{ "0x10", -EINVAL },
	{ "80/tcp", -EINVAL },
};

XT_TEST(portspec_range)
{
	for (size_t i = 0; i < ARRAY_SIZE(range); i++) {
		uint16_t lo = 7, hi = 7;

		if (!xt__sub("\"%s\"", range[i].in))
			continue;
		ASSERT_EQ(portspec__parse_range(range[i].in, &lo, &hi), range[i].rc, "rc");
		ASSERT_EQ(lo, range[i].rc ? 7 : range[i].lo, "start");
		ASSERT_EQ(hi, range[i].rc ? 7 : range[i].hi, "end");
		/* A single port is a range without a dash. */
		if (!strchr(range[i].in, '-')) {
			uint16_t p = 7;

			ASSERT_EQ(portspec__parse_port(range[i].in, strlen(range[i].in), &p), range[i].rc, "port rc");
			ASSERT_EQ(p, range[i].rc ? 7 : range[i].lo, "port");
		}
	}
}

static const struct { uint8_t proto; const char *name; } proto[] = {
	{ IPPROTO_TCP, "tcp" },
	{ IPPROTO_UDP, "udp" },
	{ IPPROTO_SCTP, "sctp" },
	{ 0, "tcp" },
};

XT_TEST(portspec_proto_name)
{
	for (size_t i = 0; i < ARRAY_SIZE(proto); i++)
		if (xt__sub("%u", proto[i].proto))
			ASSERT_STREQ(portspec__proto_name(proto[i].proto), proto[i].name, "name");
}
