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
/* Longest --payload-hex: a UDP datagram filling a 1500-byte frame. */
#define PG_MAX_PAYLOAD	(PG_MAX_SIZE - PG_ETH_LEN - PG_IP_LEN - PG_UDP_LEN)

enum pg_proto { PG_UDP, PG_TCP_SYN };
enum pg_mode { PG_MODE_GEN, PG_MODE_SINK };
enum pg_engine { PG_ENGINE_AUTO, PG_ENGINE_LIVE, PG_ENGINE_KERNEL, PG_ENGINE_AFPACKET };

/* What to build. Addresses and ports in host byte order. */
struct pg_packet {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	enum pg_proto proto;
	unsigned size;			/* frame length without FCS */
	/*
	 * UDP only: the datagram's payload (--payload-hex). 0 bytes: the
	 * datagram fills the frame, payload zeros. Otherwise the UDP and IP
	 * lengths follow from it and the frame is at least PG_MIN_SIZE bytes,
	 * zeros after the IP datagram (Ethernet padding, as a NIC adds it).
	 */
	unsigned payload_len;
	uint8_t payload[PG_MAX_PAYLOAD];
};

struct pg_opts {
	enum pg_mode mode;
	enum pg_engine engine;
	char dev[64];
	struct pg_packet pkt;
	int have_dst_mac, have_src_mac, have_dst_ip, have_size;
	uint32_t src_ip_count;		/* --src-ip A-B: B - A + 1 */
	uint32_t src_port_count;	/* --src-port A-B */
	uint64_t count;			/* 0: none given */
	double duration;		/* 0: none given */
	uint64_t rate;			/* packets per second, 0: unlimited */
	unsigned threads;		/* 0: one per online CPU */
	unsigned batch;			/* frames per live-frames batch or sendmmsg call */
	int json;
	int tc;				/* sink: at tc ingress instead of XDP */
	uint16_t udp_sport;		/* sink: only UDP from this port, 0: all */
	int help;
};

/* Offsets in a built frame. */
#define PG_IP_OFF	PG_ETH_LEN
#define PG_L4_OFF	(PG_ETH_LEN + PG_IP_LEN)
#define PG_UDP_CSUM_OFF	6
#define PG_TCP_CSUM_OFF	16

/*
 * Build the frame into buf (at least p->size bytes). Returns the length
 * (p->size) or -1 if the size is out of range for the protocol or too short
 * for the payload. IPv4: DF, TTL 64, id 0; UDP or TCP SYN (window 65535, no
 * options, payload of zeros); both checksums filled in over the IP datagram
 * (a UDP checksum that folds to 0 is sent as 0xffff: 0 means "none").
 * With a UDP payload (payload_len > 0) the IP datagram ends after it and the
 * rest of the frame, if any, is zero padding outside it.
 */
int pg_build(const struct pg_packet *p, uint8_t *buf, size_t buflen);

/*
 * The flow walk over --src-port A-B and --src-ip X-Y, as pktgen.bpf.c does it
 * for live frames: frame number idx gets source port A + idx % ports and
 * source address X + (idx / ports) % ips, and both checksums derived from the
 * template's (RFC 1624). Any engine writing frames itself (AF_PACKET) uses it,
 * so both engines send the same frames in the same order. With n threads,
 * thread i sends frames i, i + n, i + 2n, ... (the program: CPU i of
 * cfg_stride), so together they send the walk from its start.
 */
struct pg_walk {
	uint32_t src_ip, ip_count;	/* the template's source, host order */
	uint32_t src_port, port_count;
	uint16_t ip_csum, l4_csum;	/* the template's checksums (wire value, host order) */
	unsigned l4_csum_off;		/* PG_UDP_CSUM_OFF or PG_TCP_CSUM_OFF */
	int udp;			/* a UDP checksum of 0 is sent as 0xffff */
};

/* The walk of the options' ranges over tmpl, the frame pg_build made of o->pkt. */
void pg_walk_init(struct pg_walk *w, const struct pg_opts *o, const uint8_t *tmpl);
/* Whether frames differ at all (more than one port or address). */
int pg_walk_varies(const struct pg_walk *w);
/*
 * Turn frame (a copy of the template, at least PG_L4_OFF + 20 bytes) into
 * frame number idx of the walk. Unchanged when the walk does not vary.
 */
void pg_walk_frame(const struct pg_walk *w, uint8_t *frame, uint32_t idx);

/* The frame size for a UDP payload of len bytes: headers + len, at least PG_MIN_SIZE. */
unsigned pg_payload_frame_size(unsigned len);

/*
 * Parse hex (pairs of digits; ':', '.', '-' and white space between pairs
 * are ignored) into out. Returns the byte count, or -1 on an odd digit
 * count, a non-hex character, nothing at all or more than outlen bytes.
 */
int pg_parse_hex(const char *s, uint8_t *out, size_t outlen);

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
