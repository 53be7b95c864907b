/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * packet: the frame builder and the option parser of xnet-pktgen.
 * Pure functions (no I/O, no globals), unit-tested by selftests/pktgen.
 */
#ifndef XNET_PKTGEN_PACKET_H
#define XNET_PKTGEN_PACKET_H

#include <stdint.h>
#include <stddef.h>

#define PG_MIN_SIZE	64	/* frame without FCS */
#define PG_MAX_SIZE	1500
#define PG_ETH_LEN	14
#define PG_IP_LEN	20
#define PG_UDP_LEN	8
#define PG_TCP_LEN	20

enum pg_proto { PG_UDP, PG_TCP_SYN };
enum pg_mode { PG_MODE_GEN, PG_MODE_SINK };
enum pg_engine { PG_ENGINE_AUTO, PG_ENGINE_LIVE, PG_ENGINE_KERNEL };

/* What to build. Addresses and ports in host byte order. */
struct pg_packet {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	enum pg_proto proto;
	unsigned size;			/* frame length without FCS */
};

struct pg_opts {
	enum pg_mode mode;
	enum pg_engine engine;
	char dev[64];
	struct pg_packet pkt;
	int have_dst_mac, have_src_mac, have_dst_ip;
	uint32_t src_ip_count;		/* --src-ip A-B: B - A + 1 */
	uint32_t src_port_count;	/* --src-port A-B */
	uint64_t count;			/* 0: none given */
	double duration;		/* 0: none given */
	uint64_t rate;			/* packets per second, 0: unlimited */
	unsigned threads;		/* 0: one per online CPU */
	unsigned batch;			/* live-frames batch size */
	int json;
	int help;
};

/* Offsets in a built frame. */
#define PG_IP_OFF	PG_ETH_LEN
#define PG_L4_OFF	(PG_ETH_LEN + PG_IP_LEN)
#define PG_UDP_CSUM_OFF	6
#define PG_TCP_CSUM_OFF	16

/*
 * Build the frame into buf (at least p->size bytes). Returns the length
 * (p->size) or -1 if the size is out of range for the protocol.
 * IPv4: DF, TTL 64, id 0; UDP or TCP SYN (window 65535, MSS option padded
 * payload of zeros); both checksums filled in.
 */
int pg_build(const struct pg_packet *p, uint8_t *buf, size_t buflen);

/* Internet checksum of n bytes, added to a 32-bit partial sum (not folded). */
uint32_t pg_csum_add(uint32_t sum, const void *data, size_t n);
/* Fold and complement. */
uint16_t pg_csum_fold(uint32_t sum);

/*
 * Parse argv into o (defaults first). Returns 0, or -1 with a message in
 * err. Does not look at interfaces: that is the caller's job.
 */
int pg_parse(int argc, char **argv, struct pg_opts *o, char *err, size_t errlen);

/* Helpers exposed for the tests. */
int pg_parse_mac(const char *s, uint8_t mac[6]);
int pg_parse_ip_range(const char *s, uint32_t *first, uint32_t *count);
int pg_parse_port_range(const char *s, uint16_t *first, uint32_t *count);

#endif
