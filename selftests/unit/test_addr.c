// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_addr: user/lib/addr.c, the one parser and formatter of IPv4
 * addresses, prefixes and MACs, in both byte orders; and the address rules
 * IPAM builds on (prefix overlap, the reserved blocks, the lowest free
 * address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include "unit.h"
#include "lib/addr.h"

#define UNTOUCHED 0xdeadbeefu

/* Dotted quad -> host order, as inet_pton takes it. */
static const struct { const char *in; int rc; uint32_t ip; } parse_ip[] = {
	{ "10.0.0.1", 0, 0x0a000001 },
	{ "0.0.0.0", 0, 0x00000000 },
	{ "255.255.255.255", 0, 0xffffffff },
	{ "192.168.100.7", 0, 0xc0a86407 },
	{ "1.2.3", -EINVAL },
	{ "256.1.1.1", -EINVAL },
	{ "1.2.3.256", -EINVAL },
	{ " 1.2.3.4", -EINVAL },
	{ "1.2.3.4 ", -EINVAL },
	{ "1.2.3.4.5", -EINVAL },
	{ "01.2.3.4", -EINVAL },
	{ "0x1.2.3.4", -EINVAL },
	{ "-1.2.3.4", -EINVAL },
	{ "1..3.4", -EINVAL },
	{ "1.2.3.4/24", -EINVAL },
	{ "::1", -EINVAL },
	{ "", -EINVAL },
};

XT_TEST(addr_parse_ip)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_ip); i++) {
		uint32_t ip = UNTOUCHED;
		__be32 be = UNTOUCHED;

		if (!xt__sub("\"%s\"", parse_ip[i].in))
			continue;
		ASSERT_EQ(util__parse_ip(parse_ip[i].in, &ip), parse_ip[i].rc, "host order rc");
		ASSERT_EQ(ip, parse_ip[i].rc ? UNTOUCHED : parse_ip[i].ip, "host order");
		ASSERT_EQ(util__parse_ip_be(parse_ip[i].in, &be), parse_ip[i].rc, "network order rc");
		ASSERT_EQ(be, parse_ip[i].rc ? UNTOUCHED : htonl(parse_ip[i].ip), "network order");
	}
}

/* Host order -> dotted quad; the same address in network order gives the same text. */
static const struct { uint32_t ip; const char *out; } ip_str[] = {
	{ 0x0a000001, "10.0.0.1" },
	{ 0x00000000, "0.0.0.0" },
	{ 0xffffffff, "255.255.255.255" },
	{ 0xac110002, "172.17.0.2" },
	{ 0x01020304, "1.2.3.4" },
};

XT_TEST(addr_ip_str)
{
	for (size_t i = 0; i < ARRAY_SIZE(ip_str); i++) {
		char buf[ADDR_IP4_STRLEN], bebuf[ADDR_IP4_STRLEN];

		if (!xt__sub("%s", ip_str[i].out))
			continue;
		ASSERT_STREQ(util__ip_str(ip_str[i].ip, buf), ip_str[i].out, "host order");
		ASSERT_TRUE(util__ip_str(ip_str[i].ip, buf) == buf, "returns its buffer");
		ASSERT_STREQ(util__ip_be_str(htonl(ip_str[i].ip), bebuf), ip_str[i].out, "network order");
		ASSERT_TRUE(util__ip_be_str(htonl(ip_str[i].ip), bebuf) == bebuf, "returns its buffer");
	}
}

/* CIDR as Go's netip.ParsePrefix: 1 or 2 digits, no sign, blank or leading zero, <= 32. */
static const struct { const char *in; int rc; uint32_t net; int prefix; } cidr[] = {
	{ "10.0.0.0/8", 0, 0x0a000000, 8 },
	{ "172.17.0.0/16", 0, 0xac110000, 16 },
	{ "10.0.0.1/8", 0, 0x0a000001, 8 },	/* host bits kept: the caller decides */
	{ "0.0.0.0/0", 0, 0x00000000, 0 },
	{ "1.2.3.4/32", 0, 0x01020304, 32 },
	{ "10.0.0.0/33", -EINVAL },
	{ "10.0.0.0/99", -EINVAL },
	{ "10.0.0.0/100", -EINVAL },
	{ "10.0.0.0/08", -EINVAL },
	{ "10.0.0.0/00", -EINVAL },
	{ "10.0.0.0/+8", -EINVAL },
	{ "10.0.0.0/-1", -EINVAL },
	{ "10.0.0.0/ 8", -EINVAL },
	{ "10.0.0.0/8 ", -EINVAL },
	{ "10.0.0.0/", -EINVAL },
	{ "10.0.0.0", -EINVAL },
	{ "10.0.0.0/8/8", -EINVAL },
	{ "1.2.3/8", -EINVAL },
	{ "256.1.1.1/8", -EINVAL },
	{ " 1.2.3.4/8", -EINVAL },
	{ "/8", -EINVAL },
	{ "10.0.0.0/8xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", -EINVAL },
};

XT_TEST(addr_parse_cidr)
{
	for (size_t i = 0; i < ARRAY_SIZE(cidr); i++) {
		uint32_t net = UNTOUCHED;
		int prefix = -1, rc;

		if (!xt__sub("\"%s\"", cidr[i].in))
			continue;
		rc = util__parse_cidr(cidr[i].in, &net, &prefix);
		if (!ASSERT_EQ(rc, cidr[i].rc, "rc") || rc)
			continue;
		ASSERT_EQ(net, cidr[i].net, "net");
		ASSERT_EQ(prefix, cidr[i].prefix, "prefix");
	}
}

static const struct { int prefix; uint32_t mask; } mask[] = {
	{ 0, 0x00000000 },
	{ 1, 0x80000000 },
	{ 8, 0xff000000 },
	{ 24, 0xffffff00 },
	{ 31, 0xfffffffe },
	{ 32, 0xffffffff },
};

XT_TEST(addr_mask)
{
	for (size_t i = 0; i < ARRAY_SIZE(mask); i++)
		if (xt__sub("/%d", mask[i].prefix))
			ASSERT_EQ(util__mask(mask[i].prefix), mask[i].mask, "mask");
}

/* Docker's MAC of an endpoint: 02:42 and the address. */
static const struct { uint32_t ip; const char *mac; } mac[] = {
	{ 0x0a000002, "02:42:0a:00:00:02" },
	{ 0xac110002, "02:42:ac:11:00:02" },
	{ 0xffffffff, "02:42:ff:ff:ff:ff" },
	{ 0x00000000, "02:42:00:00:00:00" },
};

XT_TEST(addr_mac)
{
	for (size_t i = 0; i < ARRAY_SIZE(mac); i++) {
		uint8_t m[6];
		char buf[ADDR_MAC_STRLEN];

		if (!xt__sub("%s", mac[i].mac))
			continue;
		util__mac_from_ip(mac[i].ip, m);
		ASSERT_STREQ(util__mac_str(m, buf), mac[i].mac, "mac");
	}
}

/* Two prefixes overlap when one contains the other (IPAM: subnets, host routes). */
static const struct { const char *a, *b; bool overlap; } overlap[] = {
	{ "10.0.0.0/8", "10.1.0.0/16", true },
	{ "10.1.0.0/16", "10.0.0.0/8", true },
	{ "10.0.0.0/16", "10.1.0.0/16", false },
	{ "172.17.0.0/16", "172.17.0.0/16", true },
	{ "192.168.1.0/24", "192.168.1.255/32", true },
	{ "192.168.1.0/24", "192.168.2.0/32", false },
	{ "192.168.0.0/20", "192.168.16.0/20", false },
	{ "0.0.0.0/0", "203.0.113.7/32", true },
	{ "10.0.0.1/32", "10.0.0.2/32", false },
};

XT_TEST(ipam_prefix_overlap)
{
	for (size_t i = 0; i < ARRAY_SIZE(overlap); i++) {
		uint32_t a, b;
		int ap, bp;

		if (!xt__sub("%s %s", overlap[i].a, overlap[i].b))
			continue;
		if (!ASSERT_OK(util__parse_cidr(overlap[i].a, &a, &ap), "a") ||
		    !ASSERT_OK(util__parse_cidr(overlap[i].b, &b, &bp), "b"))
			continue;
		ASSERT_EQ(util__prefix_overlap(a, ap, b, bp), overlap[i].overlap, "overlap");
	}
}

/* The blocks no network may take, with the text `network create` prints ("" = allowed). */
static const struct { const char *in, *why; } reserved[] = {
	{ "127.0.0.0/8", "127.0.0.0/8 (loopback)" },
	{ "127.0.0.1/32", "127.0.0.0/8 (loopback)" },
	{ "126.0.0.0/7", "127.0.0.0/8 (loopback)" },
	{ "0.0.0.0/8", "0.0.0.0/8 (\"this network\", RFC 1122)" },
	{ "0.1.2.3/32", "0.0.0.0/8 (\"this network\", RFC 1122)" },
	{ "224.0.0.1/32", "224.0.0.0/4 (multicast)" },
	{ "239.255.0.0/16", "224.0.0.0/4 (multicast)" },
	{ "241.0.0.0/8", "240.0.0.0/4 (reserved, RFC 1112)" },
	{ "255.255.255.255/32", "255.255.255.255/32 (limited broadcast)" },
	{ "240.0.0.0/4", "255.255.255.255/32 (limited broadcast)" },	/* the first block that matches */
	{ "0.0.0.0/0", "255.255.255.255/32 (limited broadcast)" },
	{ "10.0.0.0/8", "" },
	{ "172.17.0.0/16", "" },
	{ "1.0.0.0/8", "" },
	{ "223.255.255.0/24", "" },
	{ "128.0.0.0/8", "" },
};

XT_TEST(ipam_prefix_reserved)
{
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		char why[64] = "";
		uint32_t net;
		int prefix;

		if (!xt__sub("%s", reserved[i].in))
			continue;
		if (!ASSERT_OK(util__parse_cidr(reserved[i].in, &net, &prefix), "cidr"))
			continue;
		ASSERT_EQ(util__prefix_reserved(net, prefix, why, sizeof(why)), reserved[i].why[0] != '\0',
			  "reserved");
		ASSERT_STREQ(why, reserved[i].why, "why");
	}
}

/*
 * IPAM's lowest free address of [lo, hi], given the addresses in use sorted
 * (the store lists endpoints, aux addresses, the gateway, subnet and
 * broadcast). "" = -ENOSPC.
 */
static const struct { const char *lo, *hi, *bcast, *taken[8], *out; } lowest[] = {
	{ "10.0.0.1", "10.0.0.254", "10.0.0.255", { "10.0.0.0", "10.0.0.1", "10.0.0.255" }, "10.0.0.2" },
	{ "10.0.0.1", "10.0.0.254", "10.0.0.255", { "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.255" },
	  "10.0.0.4" },
	{ "10.0.0.1", "10.0.0.254", "10.0.0.255", { "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.4", "10.0.0.255" },
	  "10.0.0.3" },	/* a freed address is reused */
	{ "10.0.0.1", "10.0.0.254", "10.0.0.255", { 0 }, "10.0.0.1" },
	{ "10.0.0.128", "10.0.0.191", "10.0.0.255", { "10.0.0.0", "10.0.0.1", "10.0.0.129", "10.0.0.255" },
	  "10.0.0.128" },	/* --ip-range */
	{ "10.0.0.128", "10.0.0.191", "10.0.0.255", { "10.0.0.0", "10.0.0.1", "10.0.0.5", "10.0.0.128", "10.0.0.255" },
	  "10.0.0.129" },
	{ "10.0.0.1", "10.0.0.2", "10.0.0.3", { "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3" }, "" },	/* a full /30 */
	{ "10.0.0.1", "10.0.0.3", "10.0.0.3", { "10.0.0.0", "10.0.0.1", "10.0.0.2" }, "" },	/* never the broadcast */
	{ "10.0.0.1", "10.0.0.3", "10.0.0.255", { "10.0.0.1", "10.0.0.2", "10.0.0.3" }, "" },	/* never past hi */
	{ "255.255.255.254", "255.255.255.255", "10.0.0.255", { "255.255.255.254", "255.255.255.255" }, "" },
};

XT_TEST(ipam_lowest_free)
{
	for (size_t i = 0; i < ARRAY_SIZE(lowest); i++) {
		uint32_t lo, hi, bcast, taken[8], out = UNTOUCHED, want = UNTOUCHED;
		char buf[ADDR_IP4_STRLEN];
		int n = 0;

		if (!xt__sub("%s-%s #%zu", lowest[i].lo, lowest[i].hi, i))
			continue;
		if (!ASSERT_OK(util__parse_ip(lowest[i].lo, &lo), "lo") ||
		    !ASSERT_OK(util__parse_ip(lowest[i].hi, &hi), "hi") ||
		    !ASSERT_OK(util__parse_ip(lowest[i].bcast, &bcast), "bcast"))
			continue;
		for (; n < 8 && lowest[i].taken[n]; n++)
			ASSERT_OK(util__parse_ip(lowest[i].taken[n], &taken[n]), "taken");
		if (lowest[i].out[0])
			ASSERT_OK(util__parse_ip(lowest[i].out, &want), "out");
		ASSERT_EQ(util__lowest_free(lo, hi, bcast, taken, n, &out), lowest[i].out[0] ? 0 : -ENOSPC, "rc");
		ASSERT_STREQ(out == UNTOUCHED ? "" : util__ip_str(out, buf), lowest[i].out, "address");
		ASSERT_EQ(out, want, "untouched on -ENOSPC");
	}
}
