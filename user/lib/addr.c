// SPDX-License-Identifier: GPL-2.0-only
/* addr: IPv4 addresses, prefixes and MAC addresses as text (see addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/addr.h"

const char *util__ip_be_str(__be32 ip, char *out)
{
	struct in_addr a = { .s_addr = ip };

	/* Cannot fail: AF_INET and a buffer of INET_ADDRSTRLEN. */
	inet_ntop(AF_INET, &a, out, ADDR_IP4_STRLEN);
	return out;
}

const char *util__ip_str(uint32_t ip, char *out)
{
	return util__ip_be_str(htonl(ip), out);
}

int util__parse_ip_be(const char *s, __be32 *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	return 0;
}

int util__parse_ip(const char *s, uint32_t *ip)
{
	__be32 be;

	if (util__parse_ip_be(s, &be))
		return -EINVAL;
	*ip = ntohl(be);
	return 0;
}

uint32_t util__mask(int prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* As Go's netip.ParsePrefix: the length is 1 or 2 decimal digits, no sign, space or leading zero. */
int util__parse_cidr(const char *s, uint32_t *net, int *prefix)
{
	char buf[64];
	char *slash, *bits;
	size_t nb;
	long p;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	bits = slash + 1;
	nb = strlen(bits);
	if (nb < 1 || nb > 2 || strspn(bits, "0123456789") != nb || (nb == 2 && bits[0] == '0'))
		return -EINVAL;
	p = strtol(bits, NULL, 10);
	if (p > 32)
		return -EINVAL;
	if (util__parse_ip(buf, net))
		return -EINVAL;
	*prefix = (int)p;
	return 0;
}

bool util__prefix_overlap(uint32_t a, int ap, uint32_t b, int bp)
{
	int p = ap < bp ? ap : bp;

	return (a & util__mask(p)) == (b & util__mask(p));
}

static const struct { uint32_t net; int prefix; const char *what; } reserved[] = {
	{ 0xffffffff, 32, "limited broadcast" },
	{ 0x00000000, 8, "\"this network\", RFC 1122" },
	{ 0x7f000000, 8, "loopback" },
	{ 0xe0000000, 4, "multicast" },
	{ 0xf0000000, 4, "reserved, RFC 1112" },
};

bool util__prefix_reserved(uint32_t net, int prefix, char *why, size_t len)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char ip[ADDR_IP4_STRLEN];

		if (!util__prefix_overlap(net, prefix, reserved[i].net, reserved[i].prefix))
			continue;
		snprintf(why, len, "%s/%d (%s)", util__ip_str(reserved[i].net, ip), reserved[i].prefix,
			 reserved[i].what);
		return true;
	}
	return false;
}

int util__lowest_free(uint32_t lo, uint32_t hi, uint32_t bcast, const uint32_t *taken, int ntaken, uint32_t *out)
{
	uint32_t cand = lo;

	/* Walk the used addresses in order and take the first gap: O(taken). */
	for (int i = 0; i < ntaken; i++) {
		uint32_t used = taken[i];

		if (used < cand)
			continue;
		if (used > cand)
			break;
		cand = used + 1;
	}
	if (cand > hi || cand < lo || cand == bcast)
		return -ENOSPC;
	*out = cand;
	return 0;
}

void util__mac_from_ip(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = ip >> 24;
	mac[3] = ip >> 16;
	mac[4] = ip >> 8;
	mac[5] = ip;
}

const char *util__mac_str(const uint8_t mac[6], char *out)
{
	snprintf(out, ADDR_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return out;
}
