/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt: build test frames byte by byte (Ethernet, IPv4 + UDP, ARP), with
 * correct lengths and checksums, so a test states intent ("a UDP packet from
 * A to B") and edits single bytes only where it wants a malformed frame.
 */
#ifndef XNET_TEST_PKT_H
#define XNET_TEST_PKT_H

#include <stdint.h>
#include <linux/types.h>

#define PKT_MAX	256

struct pkt {
	__u8 data[PKT_MAX];
	__u32 len;
};

/* IPv4 address a.b.c.d in network order, usable in static initializers. */
#define IP4(a, b, c, d)	((__be32)__builtin_bswap32(((__u32)(a) << 24) | ((b) << 16) | ((c) << 8) | (d)))
/* 02:42 + the four address bytes: the deterministic endpoint/gateway MAC. */
#define MAC4(a, b, c, d) { 0x02, 0x42, (a), (b), (c), (d) }

#define ETH_OFF_DST	0
#define ETH_OFF_SRC	6
#define ETH_OFF_PROTO	12
#define IP_OFF		14	/* IPv4 header in an Ethernet frame */
#define ARP_OFF		14

/* Start a frame: Ethernet header only. */
void pkt_eth(struct pkt *p, const __u8 dst[6], const __u8 src[6], __u16 proto);
/* Append IPv4 (5 + opt_words header words, NOP options) + UDP + payload zero bytes. */
void pkt_ipv4_udp(struct pkt *p, __be32 saddr, __be32 daddr, unsigned opt_words,
		  unsigned payload);
/* Append an Ethernet/IPv4 ARP packet (28 bytes). */
void pkt_arp(struct pkt *p, __u16 op, const __u8 sha[6], __be32 spa, const __u8 tha[6],
	     __be32 tpa);
/* Cut or zero-pad to len bytes. */
void pkt_resize(struct pkt *p, unsigned len);

/*
 * An IPv4 packet of any protocol NAT cares about, described by its fields;
 * pkt_ipv4() appends it with every length and checksum right (the L4
 * checksum over the L4 bytes this packet carries, so fragments too).
 */
struct pkt_ip {
	__be32 saddr, daddr;
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMP */
	__u8 ttl;		/* 0: 64 */
	__u16 id;		/* 0: 0x1234 */
	__u16 frag;		/* the frag_off field (host order): flags | offset in 8-byte units */
	__u16 sport, dport;	/* host order; ICMP echo: sport is the identifier */
	__u8 tcp_flags;		/* TH_* bits of the flags byte */
	__u8 icmp_type, icmp_code;
	__u16 payload;		/* bytes after the L4 header */
	__u8 no_l4;		/* a later fragment: payload only, no L4 header */
	__u8 no_udp_csum;	/* UDP checksum 0 ("none") */
	__u16 l4_cut;		/* non-zero: the datagram ends after this many L4 bytes */
	const __u8 *quote;	/* ICMP error: the quoted packet (IPv4 header on) */
	__u16 quote_len;
	__u8 opt_words;		/* IPv4 options: this many 4-byte words of NOPs */
	__u32 seq;		/* TCP sequence number; 0: 1000 */
	__u32 ack;		/* TCP acknowledgment number with TH_ACK; 0: 1001 (answers seq 1000's SYN) */
};

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_ACK	0x10

void pkt_ipv4(struct pkt *p, const struct pkt_ip *d);
/* IPv4 header checksum and (unfragmented TCP/UDP/ICMP) L4 checksum of a frame are valid. */
int pkt_csums_ok(const struct pkt *p);
/* Internet checksum pieces: the 16-bit big-endian sum of b added to sum; folded and inverted. */
__u32 pkt_sum16(const __u8 *b, unsigned n, __u32 sum);
__u16 pkt_csum_fold(__u32 sum);

#endif /* XNET_TEST_PKT_H */
