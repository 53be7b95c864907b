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

static void put32(struct pkt *p, __u32 host)
{
	__u32 v = htonl(host);

	put(p, &v, 4);
}

__u32 pkt_sum16(const __u8 *b, unsigned n, __u32 sum)
{
	for (unsigned i = 0; i + 1 < n; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (n & 1)
		sum += b[n - 1] << 8;
	return sum;
}

__u16 pkt_csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u16 csum16(const __u8 *b, unsigned n)
{
	return pkt_csum_fold(pkt_sum16(b, n, 0));
}

/* TCP/UDP pseudo header sum: addresses, protocol, L4 length. */
static __u32 pseudo_sum(const __u8 *iph, __u8 proto, unsigned l4len)
{
	__u32 sum = pkt_sum16(iph + 12, 8, 0);

	return sum + proto + l4len;
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

void pkt_ipv4(struct pkt *p, const struct pkt_ip *d)
{
	unsigned ip = p->len, l4, l4len, hlen = 0, iphl = 20 + 4 * d->opt_words;
	__u8 hdr[20] = {};
	__u16 c;

	switch (d->proto) {
	case 6:
		hlen = 20;
		break;
	case 17:
	case 1:
		hlen = 8;
		break;
	}
	if (d->no_l4)
		hlen = 0;
	l4len = hlen + d->payload + (d->proto == 1 && !d->no_l4 ? d->quote_len : 0);

	put(p, &(__u8){ (__u8)(0x45 + d->opt_words) }, 1);
	put(p, &(__u8){ 0 }, 1);
	put16(p, iphl + l4len);
	put16(p, d->id ? d->id : 0x1234);
	put16(p, d->frag);
	put(p, &(__u8){ d->ttl ? d->ttl : 64 }, 1);
	put(p, &d->proto, 1);
	put16(p, 0);
	put(p, &d->saddr, 4);
	put(p, &d->daddr, 4);
	for (unsigned i = 0; i < 4 * d->opt_words; i++)
		put(p, &(__u8){ 1 }, 1);	/* NOP options */
	l4 = p->len;

	if (!d->no_l4) {
		switch (d->proto) {
		case 6:
			put16(p, d->sport);
			put16(p, d->dport);
			put32(p, d->seq ? d->seq : 1000);
			put32(p, (d->tcp_flags & TH_ACK) ? (d->ack ? d->ack : 1001) : 0);
			put(p, &(__u8){ 0x50 }, 1);			/* data offset 5 */
			put(p, &d->tcp_flags, 1);
			put16(p, 0xffff);				/* window */
			put16(p, 0);					/* checksum, below */
			put16(p, 0);					/* urgent */
			break;
		case 17:
			put16(p, d->sport);
			put16(p, d->dport);
			put16(p, 8 + d->payload);
			put16(p, 0);
			break;
		case 1:
			put(p, &d->icmp_type, 1);
			put(p, &d->icmp_code, 1);
			put16(p, 0);
			if (d->quote) {
				put16(p, 0);				/* unused */
				put16(p, d->icmp_code == 4 ? 1400 : 0);	/* next-hop MTU */
				put(p, d->quote, d->quote_len);
			} else {
				put16(p, d->sport);			/* identifier */
				put16(p, 1);				/* sequence */
			}
			break;
		}
	}
	for (unsigned i = 0; i < d->payload; i++)
		put(p, &(__u8){ (__u8)(i * 7 + 1) }, 1);

	/* L4 checksum over what this packet carries. */
	if (!d->no_l4) {
		__u8 *b = p->data + l4;

		if (d->proto == 6 || (d->proto == 17 && !d->no_udp_csum)) {
			__u16 off = d->proto == 6 ? 16 : 6;

			/* The pseudo header needs the addresses in place: copy them first. */
			memcpy(hdr, p->data + ip, 20);
			c = pkt_csum_fold(pkt_sum16(b, l4len, pseudo_sum(hdr, d->proto, l4len)));
			if (d->proto == 17 && !c)
				c = 0xffff;
			c = htons(c);
			memcpy(b + off, &c, 2);
		} else if (d->proto == 1) {
			c = htons(csum16(b, l4len));
			memcpy(b + 2, &c, 2);
		}
	}
	if (d->l4_cut) {
		__u16 tot = htons(iphl + d->l4_cut);

		memcpy(p->data + ip + 2, &tot, 2);
		p->len = l4 + d->l4_cut;
	}
	c = htons(csum16(p->data + ip, iphl));
	memcpy(p->data + ip + 10, &c, 2);
}

int pkt_csums_ok(const struct pkt *p)
{
	const __u8 *iph = p->data + IP_OFF;
	unsigned hl, tot, l4len;
	__u8 proto;
	__u16 c;

	if (p->len < IP_OFF + 20)
		return 0;
	hl = (iph[0] & 0xf) * 4;
	tot = (iph[2] << 8) | iph[3];
	if (pkt_csum_fold(pkt_sum16(iph, hl, 0)) != 0)
		return 0;
	if (((iph[6] << 8) | iph[7]) & 0x3fff)
		return 1;	/* a fragment: its L4 checksum covers bytes elsewhere */
	proto = iph[9];
	l4len = tot - hl;
	if (proto == 17) {
		memcpy(&c, iph + hl + 6, 2);
		if (!c)
			return 1;
	}
	if (proto == 6 || proto == 17)
		return pkt_csum_fold(pkt_sum16(iph + hl, l4len, pseudo_sum(iph, proto, l4len))) == 0;
	if (proto == 1)
		return pkt_csum_fold(pkt_sum16(iph + hl, l4len, 0)) == 0;
	return 1;
}
