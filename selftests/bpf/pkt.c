// SPDX-License-Identifier: GPL-2.0-only
/* pkt: test frame builders. See pkt.h. */
#include <arpa/inet.h>
#include <string.h>
#include "pkt.h"

static void put(struct pkt *p, const void *src, unsigned n)
{
	if (p->len + n > PKT_MAX)
		n = PKT_MAX - p->len;
	memcpy(p->data + p->len, src, n);
	p->len += n;
}

static void put16(struct pkt *p, __u16 host)
{
	__u16 v = htons(host);

	put(p, &v, 2);
}

static __u16 csum16(const __u8 *b, unsigned n)
{
	__u32 sum = 0;

	for (unsigned i = 0; i + 1 < n; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (n & 1)
		sum += b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

void pkt_eth(struct pkt *p, const __u8 dst[6], const __u8 src[6], __u16 proto)
{
	memset(p, 0, sizeof(*p));
	put(p, dst, 6);
	put(p, src, 6);
	put16(p, proto);
}

void pkt_ipv4_udp(struct pkt *p, __be32 saddr, __be32 daddr, unsigned opt_words,
		  unsigned payload)
{
	unsigned ip = p->len, hlen = 20 + 4 * opt_words, udp_len = 8 + payload;
	__u8 zero[PKT_MAX] = {};
	__u16 c;

	put(p, &(__u8){ 0x40 | (hlen / 4) }, 1);	/* version 4, IHL */
	put(p, &(__u8){ 0 }, 1);			/* DSCP/ECN */
	put16(p, hlen + udp_len);			/* total length */
	put16(p, 0x1234);				/* id */
	put16(p, 0x4000);				/* DF */
	put(p, &(__u8){ 64 }, 1);			/* TTL */
	put(p, &(__u8){ 17 }, 1);			/* UDP */
	put16(p, 0);					/* checksum, below */
	put(p, &saddr, 4);
	put(p, &daddr, 4);
	for (unsigned i = 0; i < opt_words; i++)
		put(p, (__u8[4]){ 1, 1, 1, 1 }, 4);	/* NOP options */
	c = htons(csum16(p->data + ip, hlen));
	memcpy(p->data + ip + 10, &c, 2);
	put16(p, 40000);				/* source port */
	put16(p, 5000);					/* destination port */
	put16(p, udp_len);
	put16(p, 0);					/* no UDP checksum (allowed in IPv4) */
	put(p, zero, payload);
}

void pkt_arp(struct pkt *p, __u16 op, const __u8 sha[6], __be32 spa, const __u8 tha[6],
	     __be32 tpa)
{
	put16(p, 1);		/* Ethernet */
	put16(p, 0x0800);	/* IPv4 */
	put(p, &(__u8){ 6 }, 1);
	put(p, &(__u8){ 4 }, 1);
	put16(p, op);
	put(p, sha, 6);
	put(p, &spa, 4);
	put(p, tha, 6);
	put(p, &tpa, 4);
}

void pkt_resize(struct pkt *p, unsigned len)
{
	if (len > PKT_MAX)
		len = PKT_MAX;
	if (len > p->len)
		memset(p->data + p->len, 0, len - p->len);
	p->len = len;
}
