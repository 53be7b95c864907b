// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz: structure-aware packet fuzzer for the frame programs of bpf/ under
 * BPF_PROG_RUN (`make fuzz`, a short run in `make test`).
 *
 *	build/fuzz_bpf [-v] [fuzz/PROGRAM]
 *	FUZZ_FRAMES=N   frames per program (default 50000; make fuzz: 10000000)
 *	FUZZ_SEED=N     PRNG seed (default 0x786e6574, printed at start)
 *	FUZZ_REPLAY=F   run the frames of a failure file instead (build/fuzz-fail-*.hex)
 *	FUZZ_SEEDS=F    seed frames captured from the unit tests (XT_CORPUS of test_bpf)
 *
 * One world for all programs, as on a host where they share the pinned maps:
 * the fixture's networks and endpoints (fixture.h), a host with published
 * ports and masquerade, embedded DNS names, and flows opened before the run
 * (masqueraded UDP/TCP/ICMP, clients of published ports, a hairpin). Frames
 * come from a grammar aimed at that world (Ethernet, ARP, IPv4 with options
 * and fragments, TCP with options, UDP, ICMP echo and errors quoting the
 * open flows, DNS queries with compression pointers and EDNS, frames with
 * exactly the tuple of an open flow in either direction), or from the unit
 * tests' frames; then mutated (bit flips, boundary values in length and
 * offset fields, truncation, random bytes), most often with the checksums
 * made right again so the frame gets past the checks that look at them.
 *
 * Oracles, for every frame:
 *  - the verdict is one the program defines (tc: its TC_ACT_* set; XDP:
 *    XDP_PASS/XDP_REDIRECT), the run itself does not fail; a REDIRECT
 *    verdict comes with a redirect helper call (the XNET_SELFTEST record)
 *    to one of the world's devices (bpf_redirect_peer, XDP and flood
 *    copies: an endpoint's veth);
 *  - a frame the program rewrote and let go has a right IPv4 header
 *    checksum, a right TCP/UDP/ICMP checksum (full recomputation; UDP's 0
 *    only when it came in as 0) and an ICMP error's quoted header checksum,
 *    whenever the frame came in with them right, and lengths that fit
 *    (total length within the frame, UDP length = IP payload) whenever
 *    they fitted before;
 *  - the same frames give the same output on replay: frames run in epochs
 *    of EPOCH frames, each from the same base state (every map the
 *    programs write, found by a calibration run: conntrack, fragments, DNS
 *    rotors; conntrack timestamps refreshed), so flows one frame opens are
 *    hit by later ones; every REPLAY_EVERY-th epoch runs twice and must
 *    give the same verdicts, bytes and redirects. Comparing with a
 *    snapshot rather than the state a first run left is what makes this
 *    exact: the second run of a SYN would otherwise hit the flow the first
 *    opened;
 *  - no new kernel WARNING/BUG line in /dev/kmsg during a program's run.
 * A failure writes the epoch's frames up to the failing one to
 * build/fuzz-fail-PROGRAM-SEED-N.hex (one frame a line, with its context)
 * and prints the command replaying it.
 *
 * The maps are the programs' own (fx_setup_maps), with conntrack and
 * fragment tables shrunk so that restoring the base state is cheap; the
 * array caches of user/datapath/ are not used. sock.bpf.c's hooks take
 * addresses, not frames: test_sock covers them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include "test_progs.h"
#include "cases.h"
#include "xnet_xdp.h"
#include "xnet_cache.h"
#include "lxc.test.skel.h"
#include "gateway.test.skel.h"
#include "uplink.test.skel.h"
#include "uplink_xdp.test.skel.h"

#define FR_MAX		1600
#define OUT_MAX		4096
#define EPOCH		32
#define REPLAY_EVERY	4
#define CT_ENTRIES	2048
#define FRAG_ENTRIES	256
#define BASE_MAX	64
#define SEEDS_MAX	4096
#define FRAMES_DEFAULT	50000	/* make test's short run */

#define IP_UP2		IP4(198, 51, 100, 7)
#define IP_REMOTE	IP4(8, 8, 8, 8)
#define IP_CLIENT	IP4(203, 0, 113, 5)
#define IP_ROUTER	IP4(198, 18, 0, 254)
#define IP_LO		IP4(127, 0, 0, 1)
#define NAT_MIN		40000
#define NAT_MAX		40099

static const __u8 MAC_UP[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const __u8 MAC_NEXTHOP[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
static const __u8 MAC_MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

/* A frame and the context it runs in. */
struct fr {
	__u8 d[FR_MAX];
	__u32 len;
	enum fx_dev dev, ingress;
	__u32 gso;
};

enum prog_id { P_LXC, P_GATEWAY, P_UP_IN, P_UP_EG, P_XDP, P_MAX };

struct prog {
	const char *name;	/* subtest name */
	const char *bpf_name;	/* the program's name (seed lines) */
	int fd;
	bool xdp;
	int verdicts[3];
	int nverdicts;
	void (*gen)(struct fr *f);
};

static struct {
	struct lxc_test *lxc;
	struct gateway_test *gw;
	struct uplink_test *up;
	struct uplink_xdp_test *xdp;
	int ct, ct_new, frags, names, networks, scope, rec;
	/* The base state each epoch starts from. */
	struct xnet_ct_key base_k[BASE_MAX];
	struct xnet_ct_entry base_v[BASE_MAX];
	int nbase;
	/* Frames of the unit tests (FUZZ_SEEDS), per program. */
	struct fr *seeds[P_MAX];
	int nseeds[P_MAX];
	bool ready;
} w;

/* ------------------------------------------------------------ randomness */

static __u64 rstate;

static __u64 rnd(void)
{
	__u64 z = (rstate += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 rn(__u32 n)
{
	return n ? (__u32)(rnd() % n) : 0;
}

static bool chance(unsigned pct)
{
	return rn(100) < pct;
}

#define PICK(arr)	((arr)[rn(ARRAY_SIZE(arr))])

/* ------------------------------------------------------------ the world's addresses */

struct ep {
	enum fx_dev dev;
	__be32 ip;
	const __u8 *mac;
	__be32 gw;
	const __u8 *gw_mac;
};

static const struct ep eps[] = {
	{ DEV_A, IP_A, MAC_A, IP_GW1, MAC_GW1 }, { DEV_B, IP_B, MAC_B, IP_GW1, MAC_GW1 },
	{ DEV_C, IP_C, MAC_C, IP_GW1, MAC_GW1 }, { DEV_D, IP_D, MAC_D, IP_GW2, MAC_GW2 },
	{ DEV_E, IP_E, MAC_E, IP_GW3, MAC_GW3 }, { DEV_F, IP_F, MAC_F, IP_GW3, MAC_GW3 },
	{ DEV_I, IP_I, MAC_I, IP_GW4, MAC_GW4 }, { DEV_G, IP_G, MAC_G, IP4(10, 9, 0, 1), MAC_GW1 },
	{ DEV_U, IP4(10, 1, 0, 77), MAC_NOBODY, IP_GW1, MAC_GW1 },
};

static const __be32 addrs[] = {
	IP_GW1, IP_GW2, IP_GW3, IP_GW4, IP_A, IP_B, IP_C, IP_D, IP_E, IP_F, IP_I, IP_G,
	IP4(10, 1, 0, 99), IP4(10, 1, 255, 255), IP4(10, 2, 255, 255), IP4(10, 3, 255, 255),
	IP4(255, 255, 255, 255), IP4(224, 0, 0, 251), IP4(239, 255, 255, 250), 0,
	FX_UPLINK_IP, IP_UP2, IP_LO, IP4(127, 0, 0, 53), IP_REMOTE, IP_CLIENT, IP_ROUTER,
	IP4(172, 16, 0, 5), IP4(10, 1, 0, 0),
};

static const __u16 ports[] = {
	53, 80, 70, 90, 8080, 5353, 7070, 9090, 0, 1, 65535, 33333, 44444, 5555, 6666, 123, 443,
};

static const __u8 *const macs[] = {
	MAC_GW1, MAC_GW2, MAC_GW3, MAC_GW4, MAC_A, MAC_B, MAC_C, MAC_D, MAC_E, MAC_F, MAC_G, MAC_I,
	MAC_NOBODY, MAC_BCAST, MAC_ZERO, MAC_MCAST, MAC_UP, MAC_NEXTHOP,
};

static __be32 pick_addr(void)
{
	return chance(90) ? PICK(addrs) : (__be32)rnd();
}

static __u16 pick_port(void)
{
	if (chance(15))
		return NAT_MIN + rn(NAT_MAX - NAT_MIN + 2);
	return chance(85) ? PICK(ports) : (__u16)rnd();
}

static const struct ep *ep_by_ip(__be32 ip)
{
	for (unsigned i = 0; i < ARRAY_SIZE(eps); i++)
		if (eps[i].ip == ip)
			return &eps[i];
	return NULL;
}

static bool in_10(__be32 ip)
{
	return (ntohl(ip) >> 24) == 10;
}

/* ------------------------------------------------------------ frame building */

static void put(struct fr *f, const void *p, unsigned n)
{
	if (f->len + n > FR_MAX)
		n = FR_MAX - f->len;
	if (!n)
		return;
	memcpy(f->d + f->len, p, n);
	f->len += n;
}

static void put8(struct fr *f, __u8 v)
{
	put(f, &v, 1);
}

static void put16(struct fr *f, __u16 v)
{
	__u8 b[2] = { v >> 8, v & 0xff };

	put(f, b, 2);
}

static void put32(struct fr *f, __u32 v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static __u16 get16(const __u8 *b)
{
	return (b[0] << 8) | b[1];
}

static void set16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static void eth(struct fr *f, const __u8 *dst, const __u8 *src, __u16 proto)
{
	f->len = 0;
	put(f, dst, 6);
	put(f, src, 6);
	put16(f, proto);
}

/* An IPv4 packet described by its fields; lengths and checksums right unless told. */
struct ipgen {
	__be32 saddr, daddr;
	__u8 proto, ttl, tos;
	__u16 id, frag;
	__u8 opts[40], optlen;		/* a multiple of 4 */
	__u16 sport, dport;
	__u8 tcp_flags;
	__u8 tcpopts[40], tcpoptlen;	/* a multiple of 4 */
	__u8 icmp_type, icmp_code;
	__u16 icmp_id;
	const __u8 *quote;		/* ICMP error: the quoted packet */
	__u16 quote_len;
	const __u8 *payload;
	__u16 payload_len;
	bool no_l4;			/* a later fragment */
	bool udp_csum0;
};

static __u32 pseudo(const __u8 *iph, __u8 proto, unsigned l4len)
{
	return pkt_sum16(iph + 12, 8, 0) + proto + l4len;
}

static bool icmp_is_err(__u8 type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static void ipv4(struct fr *f, const struct ipgen *g)
{
	unsigned ip = f->len, hl = 20 + g->optlen, l4, l4len;
	__u8 *b;

	put8(f, 0x40 | (hl / 4));
	put8(f, g->tos);
	put16(f, 0);				/* total length, below */
	put16(f, g->id);
	put16(f, g->frag);
	put8(f, g->ttl ? g->ttl : 64);
	put8(f, g->proto);
	put16(f, 0);
	put(f, &g->saddr, 4);
	put(f, &g->daddr, 4);
	put(f, g->opts, g->optlen);
	l4 = f->len;
	if (!g->no_l4) {
		switch (g->proto) {
		case IPPROTO_TCP:
			put16(f, g->sport);
			put16(f, g->dport);
			put32(f, (__u32)rnd());
			put32(f, g->tcp_flags & 0x10 ? (__u32)rnd() : 0);
			put8(f, (5 + g->tcpoptlen / 4) << 4);
			put8(f, g->tcp_flags);
			put16(f, chance(90) ? 0xffff : (__u16)rnd());
			put16(f, 0);
			put16(f, 0);
			put(f, g->tcpopts, g->tcpoptlen);
			break;
		case IPPROTO_UDP:
			put16(f, g->sport);
			put16(f, g->dport);
			put16(f, 8 + g->payload_len);
			put16(f, 0);
			break;
		case IPPROTO_ICMP:
			put8(f, g->icmp_type);
			put8(f, g->icmp_code);
			put16(f, 0);
			if (icmp_is_err(g->icmp_type)) {
				put16(f, 0);
				put16(f, g->icmp_code == 4 ? 1400 : 0);
				put(f, g->quote, g->quote_len);
			} else {
				put16(f, g->icmp_id);
				put16(f, (__u16)rnd());
			}
			break;
		}
	}
	put(f, g->payload, g->payload_len);
	l4len = f->len - l4;
	b = f->d + ip;
	set16(b + 2, f->len - ip);
	if (!g->no_l4 && l4len >= 8) {
		__u16 c;

		if (g->proto == IPPROTO_TCP && l4len >= 20) {
			c = pkt_csum_fold(pkt_sum16(f->d + l4, l4len, pseudo(b, g->proto, l4len)));
			set16(f->d + l4 + 16, c);
		} else if (g->proto == IPPROTO_UDP && !g->udp_csum0) {
			c = pkt_csum_fold(pkt_sum16(f->d + l4, l4len, pseudo(b, g->proto, l4len)));
			set16(f->d + l4 + 6, c ? c : 0xffff);
		} else if (g->proto == IPPROTO_ICMP) {
			set16(f->d + l4 + 2, pkt_csum_fold(pkt_sum16(f->d + l4, l4len, 0)));
		}
	}
	set16(b + 10, pkt_csum_fold(pkt_sum16(b, hl, 0)));
}

/* IPv4 options: NOPs, EOL, record route, timestamp, source route, router alert, or broken ones. */
static void ip_options(struct ipgen *g)
{
	__u8 *o = g->opts;
	unsigned n = 0, want = 4 * (1 + rn(10));

	while (n < want) {
		unsigned room = want - n;

		switch (rn(8)) {
		case 0:
			o[n++] = 1;
			break;
		case 1:
			o[n++] = 0;
			break;
		case 2:
			if (room < 7)
				goto nop;
			memcpy(o + n, (__u8[]){ 7, 7, 4, 0, 0, 0, 0 }, 7);
			n += 7;
			break;
		case 3:
			if (room < 12)
				goto nop;
			memcpy(o + n, (__u8[]){ 68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12);
			n += 12;
			break;
		case 4:
			if (room < 7)
				goto nop;
			memcpy(o + n, (__u8[]){ 131, 7, 4, 10, 1, 0, 2 }, 7);
			n += 7;
			break;
		case 5:
			if (room < 4)
				goto nop;
			memcpy(o + n, (__u8[]){ 148, 4, 0, 0 }, 4);
			n += 4;
			break;
		case 6:
			if (room < 2)
				goto nop;
			o[n++] = 7;
			o[n++] = PICK(((__u8[]){ 0, 1, 2, 39, 40, 41, 255 }));
			break;
		default:
nop:
			o[n++] = 1;
		}
	}
	g->optlen = want;
}

static void tcp_options(struct ipgen *g)
{
	static const __u8 sets[][20] = {
		{ 2, 4, 0x05, 0xb4 },
		{ 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1 },
		{ 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0 },
		{ 2, 0, 1, 1 },
		{ 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1 },
		{ 0xfe, 0xff, 0, 0 },
	};
	static const __u8 lens[] = { 4, 12, 12, 4, 12, 4 };
	unsigned i = rn(ARRAY_SIZE(sets));

	memcpy(g->tcpopts, sets[i], lens[i]);
	g->tcpoptlen = lens[i];
}

static __u8 tcp_flags(void)
{
	static const __u8 f[] = {
		TH_SYN, TH_SYN | TH_ACK, TH_ACK, TH_ACK | 0x08, TH_FIN | TH_ACK, TH_RST, TH_RST | TH_ACK,
		TH_FIN, 0, 0xff, TH_SYN | TH_FIN, TH_SYN | TH_RST,
	};

	return chance(90) ? PICK(f) : (__u8)rnd();
}

/* The first bytes of a packet (IPv4 header + 8 or more L4 bytes), as an ICMP error quotes it. */
static unsigned quote(__u8 *q, __be32 s, __be32 d, __u8 proto, __u16 sport, __u16 dport)
{
	unsigned hl = chance(85) ? 20 : 24 + 4 * rn(3), l4 = chance(80) ? 8 : 8 + rn(40);
	unsigned tot = hl + l4 + (chance(50) ? rn(1400) : 0);

	memset(q, 0, hl + l4);
	memset(q + 20, 1, hl - 20);		/* NOP options */
	q[0] = 0x40 | (hl / 4);
	set16(q + 2, tot);
	set16(q + 4, (__u16)rnd());
	q[8] = 64;
	q[9] = proto;
	memcpy(q + 12, &s, 4);
	memcpy(q + 16, &d, 4);
	set16(q + 10, pkt_csum_fold(pkt_sum16(q, hl, 0)));
	q += hl;
	if (proto == IPPROTO_ICMP) {
		q[0] = chance(50) ? 8 : 0;
		set16(q + 4, sport);
	} else {
		set16(q, sport);
		set16(q + 2, dport);
		if (proto == IPPROTO_UDP)
			set16(q + 4, tot - hl);
	}
	for (unsigned i = 8; i < l4; i++)
		q[i] = (__u8)rnd();
	return hl + l4;
}

/* A DNS query: names of the world and others, compression pointers, EDNS, odd counts. */
static unsigned dns_query(__u8 *m)
{
	static const char *const names[] = {
		"web", "alias", "db", "shared", "many", "web.net1", "nosuch", "WEB", "Alias",
		"x.y.z", "web.", "a.b.c.d.e.f.g.h", "",
	};
	static const __u16 qtypes[] = { 1, 1, 1, 28, 255, 12, 15, 5, 0, 65535 };
	unsigned n = 0, ar = 0;
	bool edns = chance(40);

	set16(m, (__u16)rnd());
	m[2] = chance(90) ? 0x01 : (__u8)rnd();
	m[3] = chance(90) ? 0 : (__u8)rnd();
	set16(m + 4, chance(92) ? 1 : PICK(((__u16[]){ 0, 2, 0xffff })));
	set16(m + 6, chance(95) ? 0 : 1);
	set16(m + 8, chance(95) ? 0 : 1);
	ar = edns ? 1 : 0;
	set16(m + 10, chance(95) ? ar : (__u16)rn(3));
	n = 12;
	switch (rn(10)) {
	case 0:		/* a label of random length and bytes */
		m[n] = rn(64);
		for (unsigned i = 0; i < m[n]; i++)
			m[n + 1 + i] = (__u8)rnd();
		n += 1 + m[n];
		m[n++] = 0;
		break;
	case 1:		/* compression pointer: to itself, back to the header, forward, after a label */
		if (chance(50)) {
			memcpy(m + n, "\3web", 4);
			n += 4;
		}
		m[n++] = 0xc0 | rn(4);
		m[n++] = PICK(((__u8[]){ 12, 0, 16, 200, 255 }));
		break;
	case 2: {	/* four labels of 63: 253..256 bytes of name */
		unsigned last = 60 + rn(4);

		for (int l = 0; l < 4; l++) {
			unsigned len = l < 3 ? 63 : last;

			m[n++] = len;
			memset(m + n, 'a' + l, len);
			n += len;
		}
		m[n++] = 0;
		break;
	}
	default: {
		const char *dotted = PICK(names);

		while (*dotted) {
			const char *dot = strchr(dotted, '.');
			unsigned l = dot ? (unsigned)(dot - dotted) : strlen(dotted);

			m[n++] = l;
			memcpy(m + n, dotted, l);
			n += l;
			dotted += l + (dot ? 1 : 0);
		}
		m[n++] = 0;
	}
	}
	set16(m + n, PICK(qtypes));
	set16(m + n + 2, chance(90) ? 1 : PICK(((__u16[]){ 255, 3, 0, 254 })));
	n += 4;
	if (edns) {
		unsigned dlen = chance(60) ? 0 : PICK(((__u8[]){ 4, 12, 20 }));

		m[n++] = 0;
		set16(m + n, 41);
		set16(m + n + 2, PICK(((__u16[]){ 512, 1232, 4096, 0, 65535, 1400 })));
		m[n + 4] = 0;
		m[n + 5] = chance(90) ? 0 : 1;
		m[n + 6] = chance(30) ? 0x80 : 0;
		m[n + 7] = 0;
		set16(m + n + 8, chance(90) ? dlen : (__u16)rnd());
		n += 10;
		if (dlen) {
			set16(m + n, chance(50) ? 10 : (__u16)rnd());	/* COOKIE */
			set16(m + n + 2, dlen - 4);
			for (unsigned i = 4; i < dlen; i++)
				m[n + i] = (__u8)rnd();
			n += dlen;
		}
	}
	if (chance(5))
		for (unsigned i = rn(20); i; i--)
			m[n++] = (__u8)rnd();
	return n;
}

/* A random ct key of the base state whose source matches want (0 any, 1 a sandbox, 2 outside). */
static const struct xnet_ct_key *base_key(int want)
{
	for (int tries = 0; tries < 8 && w.nbase; tries++) {
		const struct xnet_ct_key *k = &w.base_k[rn(w.nbase)];

		if (!want || (want == 1) == in_10(k->saddr))
			return k;
	}
	return NULL;
}

/* Fill g's L4 fields for proto with ports of the world. */
static void l4_fields(struct ipgen *g, __u8 proto)
{
	static __u8 payload[1500];

	g->proto = proto;
	g->sport = pick_port();
	g->dport = pick_port();
	g->tcp_flags = tcp_flags();
	if (proto == IPPROTO_TCP && chance(20))
		tcp_options(g);
	g->icmp_type = chance(80) ? PICK(((__u8[]){ 8, 0 })) : (__u8)rn(20);
	g->icmp_code = chance(80) ? 0 : (__u8)rn(16);
	g->icmp_id = g->sport;
	g->udp_csum0 = proto == IPPROTO_UDP && chance(20);
	for (unsigned i = 0; i < 64; i++)
		payload[i] = (__u8)rnd();
	g->payload = payload;
	g->payload_len = chance(70) ? rn(64) : rn(1400);
}

/* Make g the packet of base flow k (same tuple), or an ICMP error about it. */
static void from_key(struct ipgen *g, const struct xnet_ct_key *k, bool error)
{
	static __u8 q[100];

	g->saddr = k->saddr;
	g->daddr = k->daddr;
	g->sport = ntohs(k->sport);
	g->dport = ntohs(k->dport);
	g->proto = k->proto;
	g->icmp_id = g->sport;
	g->icmp_type = k->dir == XNET_CT_OUT ? 8 : 0;
	g->icmp_code = 0;
	g->udp_csum0 = false;
	g->tcp_flags = chance(70) ? TH_ACK : tcp_flags();
	if (error) {
		/* About a packet of the flow's other direction, sent from our side or by a router on the way. */
		g->quote_len = quote(q, k->daddr, k->saddr, k->proto, ntohs(k->dport), ntohs(k->sport));
		g->quote = q;
		g->proto = IPPROTO_ICMP;
		g->icmp_type = PICK(((__u8[]){ 3, 3, 11, 12, 4, 5 }));
		g->icmp_code = g->icmp_type == 3 ? PICK(((__u8[]){ 0, 1, 3, 4, 13, 16 })) : 0;
		if (chance(30) && !in_10(k->saddr))
			g->saddr = IP_ROUTER;
	}
}

/* Fragments: a small set of ids, so later fragments meet the first ones of the same epoch. */
static void fragment(struct ipgen *g)
{
	g->id = PICK(((__u16[]){ 0x1234, 0x4242, 7 }));
	if (chance(50)) {
		g->frag = 0x2000;		/* first: MF, offset 0 */
	} else {
		g->frag = (chance(50) ? 0x2000 : 0) | (1 + rn(185));
		g->no_l4 = true;
	}
}

/* The L3/L4 part every generator shares: options, fragments, then the packet. */
static void finish_ip(struct fr *f, struct ipgen *g)
{
	if (!g->id)
		g->id = (__u16)rnd();
	if (!g->frag && chance(30))
		g->frag = 0x4000;		/* DF */
	if (chance(10))
		ip_options(g);
	if (chance(12))
		fragment(g);
	if (chance(5))
		g->ttl = PICK(((__u8[]){ 0, 1, 2, 255 }));
	ipv4(f, g);
}

static __u8 pick_proto(void)
{
	static const __u8 p[] = { IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDP, IPPROTO_ICMP, 47, 132 };

	return chance(97) ? PICK(p) : (__u8)rnd();
}

static void arp(struct fr *f, const __u8 *sha, __be32 spa, __be32 tpa)
{
	put16(f, chance(95) ? 1 : (__u16)rnd());
	put16(f, chance(95) ? 0x0800 : (__u16)rnd());
	put8(f, chance(95) ? 6 : (__u8)rnd());
	put8(f, chance(95) ? 4 : (__u8)rnd());
	put16(f, chance(85) ? 1 : PICK(((__u16[]){ 2, 0, 3, 0xffff })));
	put(f, sha, 6);
	put(f, &spa, 4);
	put(f, chance(80) ? MAC_ZERO : PICK(macs), 6);
	put(f, &tpa, 4);
}

/* Ethernet destination a sandbox or host would use for daddr. */
static const __u8 *dst_mac(__be32 daddr, const __u8 *gw_mac)
{
	const struct ep *e = ep_by_ip(daddr);
	__u32 h = ntohl(daddr);

	if (chance(8))
		return PICK(macs);
	if ((h >> 28) == 14)
		return MAC_MCAST;
	if ((h & 0xffff) == 0xffff || h == 0xffffffff)
		return MAC_BCAST;
	return e && e->dev != DEV_U ? e->mac : gw_mac;
}

/* ------------------------------------------------------------ generators */

static void gen_lxc(struct fr *f)
{
	const struct ep *e = &PICK(eps);
	const struct xnet_ct_key *k;
	struct ipgen g = {};
	static __u8 dns[700];
	const __u8 *smac;
	unsigned r = rn(100);

	if (r >= 28 && r < 42 && (k = base_key(1)) && ep_by_ip(k->saddr)) {
		/* A packet of an open flow, or an error about one, from the sandbox it belongs to. */
		e = ep_by_ip(k->saddr);
		from_key(&g, k, chance(25));
	}
	f->dev = e->dev;
	smac = chance(92) ? e->mac : PICK(macs);
	if (r < 12) {
		__be32 tpa = chance(40) ? e->gw : pick_addr();

		eth(f, chance(85) ? MAC_BCAST : PICK(macs), smac, 0x0806);
		arp(f, chance(92) ? smac : PICK(macs), chance(90) ? e->ip : pick_addr(), tpa);
		if (chance(10))
			put(f, (__u8[18]){}, 18);	/* padded to 60 */
		return;
	}
	if (!g.saddr) {
		g.saddr = chance(90) ? e->ip : pick_addr();
		if (r < 28) {
			/* DNS to the gateway, over UDP (or TCP, left to the helper). */
			g.daddr = chance(90) ? e->gw : pick_addr();
			l4_fields(&g, chance(92) ? IPPROTO_UDP : IPPROTO_TCP);
			g.dport = chance(95) ? 53 : pick_port();
			g.payload_len = dns_query(dns);
			g.payload = dns;
		} else if (r < 55) {
			/* Hairpin: a published port on a host address. */
			g.daddr = PICK(((__be32[]){ FX_UPLINK_IP, IP_UP2, IP_GW1, IP_LO, IP_GW2 }));
			l4_fields(&g, chance(70) ? IPPROTO_TCP : IPPROTO_UDP);
			g.dport = PICK(((__u16[]){ 8080, 5353, 7070, 9090, 80 }));
		} else {
			g.daddr = pick_addr();
			l4_fields(&g, pick_proto());
		}
	}
	eth(f, dst_mac(g.daddr, e->gw_mac), smac, chance(97) ? 0x0800 : PICK(((__u16[]){ 0x86dd, 0x8100, 0 })));
	finish_ip(f, &g);
	if (chance(3))
		f->gso = PICK(((__u32[]){ 1400, 1, 65535 }));
}

static void gen_gateway(struct fr *f)
{
	static const enum fx_dev devs[] = { DEV_GW1, DEV_GW2, DEV_GW3, DEV_GW4, DEV_G };
	static const enum fx_dev ingress[] = { DEV_NONE, DEV_NONE, DEV_NONE, DEV_GW1, DEV_GW3, DEV_UP, DEV_A, DEV_U };
	static const __u8 *const gw_macs[] = { MAC_GW1, MAC_GW2, MAC_GW3, MAC_GW4, MAC_GW1 };
	unsigned i = rn(ARRAY_SIZE(devs));
	struct ipgen g = {};

	f->dev = devs[i];
	f->ingress = PICK(ingress);
	g.saddr = chance(50) ? PICK(((__be32[]){ IP_GW1, IP_GW2, IP4(192, 168, 77, 1), FX_UPLINK_IP })) : pick_addr();
	g.daddr = pick_addr();
	eth(f, chance(80) ? gw_macs[i] : dst_mac(g.daddr, gw_macs[i]), chance(80) ? gw_macs[i] : PICK(macs),
	    chance(95) ? 0x0800 : PICK(((__u16[]){ 0x0806, 0x86dd, 0 })));
	l4_fields(&g, pick_proto());
	finish_ip(f, &g);
}

/* From the wire to the uplink: uplink_ingress and uplink_xdp. */
static void gen_up_in(struct fr *f)
{
	const struct xnet_ct_key *k;
	struct ipgen g = {};
	unsigned r = rn(100);

	f->dev = DEV_UP;
	eth(f, chance(92) ? MAC_UP : PICK(macs), MAC_NEXTHOP, chance(97) ? 0x0800 : 0x0806);
	if (r < 40 && (k = base_key(2))) {
		from_key(&g, k, r < 12);
	} else if (r < 65) {
		g.saddr = chance(70) ? PICK(((__be32[]){ IP_CLIENT, IP_REMOTE, IP_ROUTER })) : pick_addr();
		g.daddr = chance(80) ? PICK(((__be32[]){ FX_UPLINK_IP, IP_UP2, IP_LO, IP_GW1 })) : pick_addr();
		l4_fields(&g, chance(50) ? IPPROTO_TCP : chance(70) ? IPPROTO_UDP : IPPROTO_ICMP);
		g.dport = chance(80) ? PICK(((__u16[]){ 8080, 5353, 7070, 9090 })) : pick_port();
	} else {
		g.saddr = pick_addr();
		g.daddr = chance(50) ? FX_UPLINK_IP : pick_addr();
		l4_fields(&g, pick_proto());
	}
	finish_ip(f, &g);
}

/* From the host to the wire: sandboxes' packets the host routed out, and the host's own. */
static void gen_up_eg(struct fr *f)
{
	static const enum fx_dev ingress[] = { DEV_NONE, DEV_NONE, DEV_GW1, DEV_GW2, DEV_GW4, DEV_A, DEV_U };
	const struct xnet_ct_key *k;
	struct ipgen g = {};
	unsigned r = rn(100);

	f->dev = DEV_UP;
	f->ingress = PICK(ingress);
	eth(f, MAC_NEXTHOP, MAC_UP, chance(97) ? 0x0800 : 0x0806);
	if (r < 40 && (k = base_key(1))) {
		from_key(&g, k, r < 12);
	} else if (r < 75) {
		g.saddr = PICK(eps).ip;
		g.daddr = chance(70) ? PICK(((__be32[]){ IP_REMOTE, IP_CLIENT })) : pick_addr();
		l4_fields(&g, chance(40) ? IPPROTO_TCP : chance(60) ? IPPROTO_UDP : IPPROTO_ICMP);
	} else {
		g.saddr = pick_addr();
		g.daddr = pick_addr();
		l4_fields(&g, pick_proto());
	}
	finish_ip(f, &g);
	if (chance(3))
		f->gso = 1400;
}

/* ------------------------------------------------------------ mutation */

/* Offsets of fields worth a boundary value: IPv4, L4, DNS header, ICMP quote. */
static unsigned field_off(const struct fr *f)
{
	static const unsigned fixed[] = {
		14, 16, 20, 22, 23,			/* IHL, total length, frag_off, TTL, protocol */
		34, 36, 38, 40, 46,			/* L4 (no options): ports, UDP length/checksum, TCP doff */
		42, 44, 46, 48, 50, 52,			/* DNS header behind UDP */
		42, 44, 56,				/* ICMP quote: IHL/total length, protocol */
		12, 20, 21,				/* ethertype, ARP opcode */
	};

	if (chance(80) || f->len < 2)
		return fixed[rn(ARRAY_SIZE(fixed))];
	return rn(f->len - 1);
}

static void mutate(struct fr *f)
{
	unsigned n = 1 + rn(4);

	while (n--) {
		unsigned off;

		switch (rn(7)) {
		case 0:		/* a bit, mostly in the headers */
			if (!f->len)
				break;
			off = chance(70) ? rn(f->len < 64 ? f->len : 64) : rn(f->len);
			f->d[off] ^= 1 << rn(8);
			break;
		case 1:		/* a byte to an interesting value */
			if (!f->len)
				break;
			off = chance(70) ? field_off(f) : rn(f->len);
			if (off < f->len)
				f->d[off] = PICK(((__u8[]){ 0, 1, 0x7f, 0x80, 0xff, 0x45, 0x4f, 0x40, 0x5f, 0x3f }));
			break;
		case 2: {	/* a 16-bit field to a boundary */
			unsigned ip_len = f->len > 14 ? f->len - 14 : 0;
			__u16 v = PICK(((__u16[]){ 0, 1, 7, 8, 19, 20, 21, 27, 28, 0x2000, 0x3fff, 0x4000,
						   0x7fff, 0x8000, 0xffff, 0xc00c, 0xc000 }));

			if (chance(40))
				v = ip_len + (int)rn(5) - 2;
			off = field_off(f);
			if (off + 1 < f->len)
				set16(f->d + off, v);
			break;
		}
		case 3:		/* cut */
			if (f->len > 14)
				f->len = chance(70) ? 14 + rn(f->len - 14) : rn(f->len);
			break;
		case 4: {	/* grow */
			unsigned add = 1 + rn(64);

			while (add-- && f->len < FR_MAX)
				f->d[f->len++] = (__u8)rnd();
			break;
		}
		case 5: {	/* a run of random bytes */
			if (!f->len)
				break;
			off = rn(f->len);
			for (unsigned i = 1 + rn(8); i && off < f->len; i--)
				f->d[off++] = (__u8)rnd();
			break;
		}
		default:	/* swap the frame's addresses */
			if (f->len >= 34) {
				__u8 t[4];

				memcpy(t, f->d + 26, 4);
				memcpy(f->d + 26, f->d + 30, 4);
				memcpy(f->d + 30, t, 4);
			}
		}
	}
}

/* Checksums right again after mutation, where the lengths allow: the frame gets further. */
static void fix_csums(struct fr *f)
{
	__u8 *ip = f->d + 14;
	unsigned hl, tot, l4len;

	if (f->len < 34 || get16(f->d + 12) != 0x0800)
		return;
	hl = (ip[0] & 0xf) * 4;
	if (hl < 20 || 14 + hl > f->len)
		return;
	tot = get16(ip + 2);
	set16(ip + 10, 0);
	if (tot >= hl && 14 + tot <= f->len && !(get16(ip + 6) & 0x3fff)) {
		__u8 *l4 = ip + hl;

		l4len = tot - hl;
		if (ip[9] == IPPROTO_TCP && l4len >= 20) {
			set16(l4 + 16, 0);
			set16(l4 + 16, pkt_csum_fold(pkt_sum16(l4, l4len, pseudo(ip, IPPROTO_TCP, l4len))));
		} else if (ip[9] == IPPROTO_UDP && l4len >= 8 && get16(l4 + 6)) {
			unsigned ulen = get16(l4 + 4);
			__u16 c;

			if (ulen < 8 || ulen > l4len)
				ulen = l4len;
			set16(l4 + 6, 0);
			c = pkt_csum_fold(pkt_sum16(l4, ulen, pseudo(ip, IPPROTO_UDP, ulen)));
			set16(l4 + 6, c ? c : 0xffff);
		} else if (ip[9] == IPPROTO_ICMP && l4len >= 8) {
			set16(l4 + 2, 0);
			set16(l4 + 2, pkt_csum_fold(pkt_sum16(l4, l4len, 0)));
		}
	}
	set16(ip + 10, pkt_csum_fold(pkt_sum16(ip, hl, 0)));
}

static void gen(enum prog_id p, struct fr *f, void (*g)(struct fr *))
{
	f->len = 0;
	f->dev = DEV_NONE;
	f->ingress = DEV_NONE;
	f->gso = 0;
	if (w.nseeds[p] && chance(20))
		*f = w.seeds[p][rn(w.nseeds[p])];
	else
		g(f);
	if (chance(55)) {
		mutate(f);
		if (chance(70))
			fix_csums(f);
	}
}

/* ------------------------------------------------------------ oracles */

struct res {
	int ret;
	int err;
	__u32 len;
	struct xnet_st_record rec;	/* the redirect helpers it called */
	__u8 out[OUT_MAX];
};

struct ipv {
	bool ip;	/* an IPv4 frame with a whole header */
	bool hdr_ok;	/* header checksum right */
	bool len_ok;	/* IHL <= total length <= frame, UDP length = IP payload */
	bool frag;
	bool l4_ok;	/* L4 checksum right (UDP: and not 0) */
	bool udp0;	/* UDP checksum 0 ("none") */
	bool inner_ok;	/* ICMP error: the quoted IPv4 header's checksum right */
	__u8 proto;
};

static struct ipv inspect(const __u8 *d, __u32 len)
{
	struct ipv v = {};
	const __u8 *ip = d + 14, *l4;
	unsigned hl, tot, l4len;

	if (len < 34 || get16(d + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return v;
	hl = (ip[0] & 0xf) * 4;
	if (hl < 20 || 14 + hl > len)
		return v;
	v.ip = true;
	v.proto = ip[9];
	v.hdr_ok = pkt_csum_fold(pkt_sum16(ip, hl, 0)) == 0;
	v.frag = get16(ip + 6) & 0x3fff;
	tot = get16(ip + 2);
	if (tot < hl || 14 + tot > len)
		return v;
	l4 = ip + hl;
	l4len = tot - hl;
	v.len_ok = true;
	if (v.proto == IPPROTO_UDP && !v.frag)
		v.len_ok = l4len >= 8 && get16(l4 + 4) == l4len;
	if (v.frag)
		return v;
	if (v.proto == IPPROTO_TCP && l4len >= 20)
		v.l4_ok = pkt_csum_fold(pkt_sum16(l4, l4len, pseudo(ip, IPPROTO_TCP, l4len))) == 0;
	/* UDP's checksum covers the UDP length (within the IP payload; Linux trims the rest). */
	if (v.proto == IPPROTO_UDP && l4len >= 8 && get16(l4 + 4) >= 8 && get16(l4 + 4) <= l4len) {
		unsigned ulen = get16(l4 + 4);

		v.udp0 = !get16(l4 + 6);
		v.l4_ok = !v.udp0 && pkt_csum_fold(pkt_sum16(l4, ulen, pseudo(ip, IPPROTO_UDP, ulen))) == 0;
	}
	if (v.proto == IPPROTO_ICMP && l4len >= 8) {
		v.l4_ok = pkt_csum_fold(pkt_sum16(l4, l4len, 0)) == 0;
		if (icmp_is_err(l4[0]) && l4len >= 28 && (l4[8] >> 4) == 4 && (l4[8] & 0xf) >= 5 &&
		    8 + (l4[8] & 0xf) * 4U <= l4len)
			v.inner_ok = pkt_csum_fold(pkt_sum16(l4 + 8, (l4[8] & 0xf) * 4, 0)) == 0;
	}
	return v;
}

static bool is_dev(__u32 ifindex, bool endpoint)
{
	for (int d = DEV_A; d < DEV_MAX; d++)
		if (fx_ifindex(d) == ifindex)
			return !endpoint || d <= DEV_I;
	return false;
}

/* NULL when the run is fine, else what is wrong. */
static const char *check(const struct prog *p, const struct fr *in, const struct res *r)
{
	const __u8 *out = r->out;
	__u32 out_len = r->len;
	int ret = r->ret;
	struct ipv a, b;
	bool known = false, goes_on;

	for (int i = 0; i < p->nverdicts; i++)
		known |= ret == p->verdicts[i];
	if (!known)
		return "verdict is none of the program's";
	/* Redirects go where they can: a device of ours, into a sandbox only through an endpoint's veth. */
	if (ret == (p->xdp ? XDP_REDIRECT : TC_ACT_REDIRECT) && r->rec.kind == XNET_ST_NONE)
		return "REDIRECT verdict without a redirect helper call";
	if (r->rec.kind != XNET_ST_NONE && !is_dev(r->rec.ifindex, r->rec.kind == XNET_ST_REDIRECT_PEER || p->xdp))
		return "redirect to a device that cannot take it";
	for (__u32 i = 0; i < r->rec.clones && i < XNET_ST_MAX_CLONES; i++)
		if (!is_dev(r->rec.clone_ifindex[i], true))
			return "flood copy to a device that is no endpoint";
	goes_on = p->xdp ? ret != XDP_DROP : ret != TC_ACT_SHOT;
	if (!goes_on || (out_len == in->len && !memcmp(out, in->d, out_len)))
		return NULL;
	if (out_len < 14)
		return "rewritten frame shorter than an Ethernet header";
	a = inspect(in->d, in->len);
	b = inspect(out, out_len);
	if (!b.ip)
		return NULL;
	/* A new IPv4 packet (an answer built from a query) or a rewritten one. */
	if ((a.hdr_ok || !a.ip) && !b.hdr_ok)
		return "IPv4 header checksum wrong in the rewritten frame";
	if ((a.len_ok || !a.ip) && !b.len_ok)
		return "IPv4/UDP lengths do not fit the rewritten frame";
	if (b.frag || !b.len_ok)
		return NULL;
	if (a.ip && a.proto != b.proto)
		return NULL;
	if (a.l4_ok && b.udp0)
		return "UDP checksum 0 after rewriting a checksummed datagram";
	if ((a.l4_ok || (b.proto == IPPROTO_UDP && !b.udp0 && a.udp0)) && !a.frag && !b.l4_ok)
		return "L4 checksum wrong in the rewritten frame";
	if (a.inner_ok && b.proto == IPPROTO_ICMP && !b.inner_ok && out_len >= in->len)
		return "ICMP error's quoted IPv4 header checksum wrong after rewrite";
	return NULL;
}

/* ------------------------------------------------------------ running */


static int run(const struct prog *p, const struct fr *f, struct res *r)
{
	static const struct xnet_st_record none;
	__u32 zero = 0;
	struct __sk_buff skb = { .ifindex = fx_ifindex(f->dev), .ingress_ifindex = fx_ifindex(f->ingress),
				 .gso_size = f->gso, .gso_segs = f->gso ? 2 : 0 };
	struct xdp_md md = { .data_end = f->len, .ingress_ifindex = fx_ifindex(f->dev) };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->d,
		.data_size_in = f->len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
	);

	if (p->xdp) {
		opts.ctx_in = &md;
		opts.ctx_size_in = sizeof(md);
	} else {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	r->err = bpf_prog_test_run_opts(p->fd, &opts) ? -errno : 0;
	r->ret = opts.retval;
	r->len = r->err ? 0 : opts.data_size_out;
	/* The record, and a clean one for the next run when this one wrote it. */
	memset(&r->rec, 0, sizeof(r->rec));
	if (!bpf_map_lookup_elem(w.rec, &zero, &r->rec) && memcmp(&r->rec, &none, sizeof(none)))
		bpf_map_update_elem(w.rec, &zero, &none, BPF_ANY);
	return r->err;
}

static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* DNS names: set in dns_setup, their rotors back to 0 in base_restore. */
struct dname {
	__u32 net;
	const char *wire;
	__u32 count;
	__be32 addrs[3];
};

static const struct dname dnames[] = {
	{ NET1, "\3web", 1, { IP_B } }, { NET1, "\3web\4net1", 1, { IP_B } },
	{ NET1, "\5alias", 3, { IP_A, IP_B, IP_C } }, { NET1, "\6shared", 1, { IP_A } },
	{ NET2, "\2db", 1, { IP_D } }, { NET2, "\6shared", 1, { IP_D } },
};

static int dns_names_set(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(dnames); i++) {
		struct xnet_dns_rrset rr = { .count = dnames[i].count };
		struct xnet_dns_key k = { .net_id = dnames[i].net };

		memcpy(rr.addrs, dnames[i].addrs, sizeof(dnames[i].addrs));
		memcpy(k.name, dnames[i].wire, strlen(dnames[i].wire) + 1);
		if (bpf_map_update_elem(w.names, &k, &rr, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* ------------------------------------------------------------ the state programs write */

/*
 * Which maps the programs write is found out, not listed: every map of the
 * world is dumped before and after a calibration run of every program, and
 * each one that changed (conntrack, fragments, DNS rotors today; whatever
 * a later change adds) is put back to its dump before every epoch. The
 * drop counters and the selftest record are not state the verdicts depend
 * on. Conntrack entries get their timestamps refreshed on the way back, so
 * that a long run does not age the base flows out.
 */
#define SMAP_MAX	48
#define CHUNK		1024

struct dump {
	__u8 *keys, *vals;
	__u32 n;
};

struct smap {
	int fd;
	struct bpf_map_info info;
	__u32 vsz;		/* one lookup's value: per-CPU maps hold one per CPU */
	bool written;
	struct dump base;
};

static struct smap smaps[SMAP_MAX];
static int nsmaps;

static bool type_hash(__u32 t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_array(__u32 t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static void smaps_add(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		struct smap *m = &smaps[nsmaps];
		__u32 len = sizeof(m->info);
		bool dup = false;

		if (nsmaps == SMAP_MAX || name[0] == '.' || !strcmp(name, "xnet_drops") ||
		    !strcmp(name, XNET_ST_MAP_NAME))
			continue;
		memset(m, 0, sizeof(*m));
		m->fd = bpf_map__fd(map);
		if (m->fd < 0 || bpf_obj_get_info_by_fd(m->fd, &m->info, &len))
			continue;
		if (!type_hash(m->info.type) && !type_array(m->info.type) && m->info.type != BPF_MAP_TYPE_LPM_TRIE)
			continue;
		for (int i = 0; i < nsmaps; i++)
			dup |= smaps[i].info.id == m->info.id;
		if (dup)
			continue;
		m->vsz = m->info.value_size;
		if (m->info.type == BPF_MAP_TYPE_PERCPU_HASH || m->info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
		    m->info.type == BPF_MAP_TYPE_PERCPU_ARRAY)
			m->vsz = ((m->vsz + 7) & ~7U) * libbpf_num_possible_cpus();
		nsmaps++;
	}
}

static void dump_free(struct dump *d)
{
	free(d->keys);
	free(d->vals);
	memset(d, 0, sizeof(*d));
}

/* Every entry of m: in batches where the map has them, key by key where not (LPM tries). */
static int dump(const struct smap *m, struct dump *d)
{
	__u32 cap = m->info.max_entries, ks = m->info.key_size;
	__u64 token = 0;
	int err;

	d->n = 0;
	d->keys = calloc(cap ? cap : 1, ks);
	d->vals = calloc(cap ? cap : 1, m->vsz);
	if (!d->keys || !d->vals)
		return -ENOMEM;
	if (m->info.type != BPF_MAP_TYPE_LPM_TRIE) {
		do {
			__u32 count = cap - d->n;

			if (!count)
				break;
			err = bpf_map_lookup_batch(m->fd, d->n ? &token : NULL, &token, d->keys + (size_t)d->n * ks,
						   d->vals + (size_t)d->n * m->vsz, &count, NULL);
			if (err && err != -ENOENT)
				return err;
			d->n += count;
		} while (!err);
		return 0;
	}
	err = bpf_map_get_next_key(m->fd, NULL, d->keys);
	while (!err && d->n < cap) {
		__u8 *key = d->keys + (size_t)d->n * ks;

		if (bpf_map_lookup_elem(m->fd, key, d->vals + (size_t)d->n * m->vsz))
			return -errno;
		if (++d->n < cap)
			err = bpf_map_get_next_key(m->fd, key, d->keys + (size_t)d->n * ks);
	}
	return 0;
}

static bool dump_same(const struct smap *m, const struct dump *a, const struct dump *b)
{
	__u32 ks = m->info.key_size;

	if (a->n != b->n)
		return false;
	if (type_array(m->info.type))
		return !memcmp(a->vals, b->vals, (size_t)a->n * m->vsz);
	for (__u32 i = 0; i < a->n; i++) {
		bool found = false;

		for (__u32 j = 0; j < b->n && !found; j++)
			found = !memcmp(a->keys + (size_t)i * ks, b->keys + (size_t)j * ks, ks) &&
				!memcmp(a->vals + (size_t)i * m->vsz, b->vals + (size_t)j * m->vsz, m->vsz);
		if (!found)
			return false;
	}
	return true;
}

/* m exactly as its base dump: emptied (hash maps, tries) and written back. */
static int smap_restore(struct smap *m, __u64 now)
{
	__u32 ks = m->info.key_size;
	int err = 0;

	if (type_hash(m->info.type)) {
		static __u8 *keys, *vals;
		static size_t kcap, vcap;
		__u64 token = 0;
		bool first = true;

		if (kcap < (size_t)CHUNK * ks && !(keys = realloc(keys, kcap = (size_t)CHUNK * ks)))
			return -ENOMEM;
		if (vcap < (size_t)CHUNK * m->vsz && !(vals = realloc(vals, vcap = (size_t)CHUNK * m->vsz)))
			return -ENOMEM;
		do {
			__u32 count = CHUNK;

			err = bpf_map_lookup_and_delete_batch(m->fd, first ? NULL : &token, &token, keys, vals, &count,
							      NULL);
			first = false;
		} while (!err);
		if (err != -ENOENT)
			return err;
	} else if (m->info.type == BPF_MAP_TYPE_LPM_TRIE) {
		__u8 key[64];

		if (ks > sizeof(key))
			return -E2BIG;
		while (!bpf_map_get_next_key(m->fd, NULL, key))
			if (bpf_map_delete_elem(m->fd, key))
				return -errno;
	}
	if (m->fd == w.ct)
		for (__u32 i = 0; i < m->base.n; i++)
			((struct xnet_ct_entry *)m->base.vals)[i].last_seen = now;
	if (m->fd == w.ct_new)
		for (__u32 i = 0; i < m->base.n; i++)
			((struct xnet_ct_pending *)m->base.vals)[i].e.last_seen = now;
	if (!m->base.n)
		return 0;
	if (m->info.type != BPF_MAP_TYPE_LPM_TRIE) {
		__u32 count = m->base.n;

		return bpf_map_update_batch(m->fd, m->base.keys, m->base.vals, &count, NULL);
	}
	for (__u32 i = 0; i < m->base.n && !err; i++)
		err = bpf_map_update_elem(m->fd, m->base.keys + (size_t)i * ks, m->base.vals + (size_t)i * m->vsz,
					  BPF_ANY) ? -errno : 0;
	return err;
}

/* Back to the base state: the base flows only, no fragments, DNS rotors as set, timestamps now. */
static int base_restore(void)
{
	__u64 now = now_ns(CLOCK_MONOTONIC_COARSE);
	int err = 0;

	for (int i = 0; i < nsmaps && !err; i++)
		if (smaps[i].written)
			err = smap_restore(&smaps[i], now);
	return err;
}

/* ------------------------------------------------------------ the world */

static struct prog progs[P_MAX] = {
	[P_LXC] = { "lxc", "lxc_ingress", -1, false, { TC_ACT_SHOT, TC_ACT_REDIRECT }, 2, gen_lxc },
	[P_GATEWAY] = { "gateway", "gateway_egress", -1, false, { TC_ACT_SHOT, TC_ACT_REDIRECT }, 2, gen_gateway },
	[P_UP_IN] = { "uplink_ingress", "uplink_ingress", -1, false, { TC_ACT_OK, TC_ACT_SHOT, TC_ACT_REDIRECT }, 3,
		      gen_up_in },
	[P_UP_EG] = { "uplink_egress", "uplink_egress", -1, false, { TC_ACT_OK, TC_ACT_SHOT, TC_ACT_REDIRECT }, 3,
		      gen_up_eg },
	[P_XDP] = { "uplink_xdp", "uplink_xdp", -1, true, { XDP_PASS, XDP_REDIRECT }, 2, gen_up_in },
};

/* Every map of obj that from has too becomes from's: one set of maps, as the pins are on a host. */
static int share_maps(struct bpf_object *to, struct bpf_object *from)
{
	struct bpf_map *map, *src;

	bpf_object__for_each_map(map, to) {
		if (bpf_map__name(map)[0] == '.')
			continue;
		src = bpf_object__find_map_by_name(from, bpf_map__name(map));
		if (src && bpf_map__reuse_fd(map, bpf_map__fd(src)))
			return -EINVAL;
	}
	return 0;
}

static int host_setup(struct bpf_object *obj)
{
	static const struct { __be32 addr; __u32 flags; } ha[] = {
		{ FX_UPLINK_IP, XNET_HA_UPLINK | XNET_HA_LOCAL }, { IP_UP2, XNET_HA_LOCAL },
		{ IP_LO, XNET_HA_LOOPBACK }, { IP_GW1, XNET_HA_GATEWAY | XNET_HA_LOCAL },
		{ IP_GW2, XNET_HA_GATEWAY | XNET_HA_LOCAL },
	};
	static const struct { __be32 host; __u16 port; __u8 proto; __be32 be; __u16 bport; enum fx_dev dev; __u32 net; } pub[] = {
		{ 0, 8080, IPPROTO_TCP, IP_B, 80, DEV_B, NET1 },
		{ FX_UPLINK_IP, 5353, IPPROTO_UDP, IP_D, 53, DEV_D, NET2 },
		{ IP_UP2, 7070, IPPROTO_TCP, IP_B, 70, DEV_B, NET1 },
		{ IP_LO, 9090, IPPROTO_TCP, IP_B, 90, DEV_B, NET1 },
	};
	struct xnet_host h = { .uplink_ifindex = fx_ifindex(DEV_UP), .uplink_ip = FX_UPLINK_IP,
			       .nat_port_min = NAT_MIN, .nat_port_max = NAT_MAX };
	int hostaddrs = fx_map_fd(obj, "xnet_hostaddrs"), published = fx_map_fd(obj, "xnet_published");
	int host = fx_map_fd(obj, "xnet_host");
	__u32 zero = 0;

	if (bpf_map_update_elem(host, &zero, &h, BPF_ANY))
		return -errno;
	for (unsigned i = 0; i < ARRAY_SIZE(ha); i++)
		if (bpf_map_update_elem(hostaddrs, &ha[i].addr, &ha[i].flags, BPF_ANY))
			return -errno;
	for (unsigned i = 0; i < ARRAY_SIZE(pub); i++) {
		struct xnet_pub_key k = { .host_ip = pub[i].host, .port = htons(pub[i].port), .proto = pub[i].proto };
		struct xnet_pub v = { .backend_ip = pub[i].be, .backend_port = htons(pub[i].bport),
				      .ifindex = fx_ifindex(pub[i].dev), .net_id = pub[i].net };

		if (bpf_map_update_elem(published, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Embedded DNS on nets 1 and 2; scopes as test_dns's: A, B {1}, C {1, 2}, D {2}. */
static int dns_setup(void)
{
	static const struct { enum fx_dev dev; __u32 n; __u32 nets[2]; } scopes[] = {
		{ DEV_A, 1, { NET1 } }, { DEV_B, 1, { NET1 } }, { DEV_C, 2, { NET1, NET2 } }, { DEV_D, 1, { NET2 } },
	};
	const __u32 ids[] = { NET1, NET2 };

	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
		struct xnet_network net;

		if (bpf_map_lookup_elem(w.networks, &ids[i], &net))
			return -errno;
		net.flags |= XNET_NET_DNS;
		if (bpf_map_update_elem(w.networks, &ids[i], &net, BPF_ANY))
			return -errno;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(scopes); i++) {
		struct xnet_dns_scope s = { .nnets = scopes[i].n, .flags = XNET_DNS_F_FORWARD };
		__u32 ifindex = fx_ifindex(scopes[i].dev);

		memcpy(s.net_ids, scopes[i].nets, sizeof(scopes[i].nets));
		if (bpf_map_update_elem(w.scope, &ifindex, &s, BPF_ANY))
			return -errno;
	}
	return dns_names_set();
}

static void seed_frame(enum prog_id p, enum fx_dev dev, const __u8 *smac, const __u8 *dmac, __be32 s, __be32 d,
		       __u8 proto, __u16 sport, __u16 dport, __u8 flags)
{
	struct ipgen g = { .saddr = s, .daddr = d, .proto = proto, .sport = sport, .dport = dport,
			   .tcp_flags = flags, .icmp_type = 8, .icmp_id = sport, .id = 1 };
	struct fr f = { .dev = dev };
	struct res *r = malloc(sizeof(*r));

	eth(&f, dmac, smac, 0x0800);
	ipv4(&f, &g);
	if (r)
		run(&progs[p], &f, r);
	free(r);
}

/* Flows open before any frame: masqueraded, published, hairpin, routed. Their entries are the base. */
static int base_setup(void)
{
	struct xnet_ct_key k, next;

	seed_frame(P_UP_EG, DEV_UP, MAC_UP, MAC_NEXTHOP, IP_A, IP_REMOTE, IPPROTO_UDP, 33333, 53, 0);
	seed_frame(P_UP_EG, DEV_UP, MAC_UP, MAC_NEXTHOP, IP_A, IP_REMOTE, IPPROTO_TCP, 44444, 443, TH_SYN);
	seed_frame(P_UP_EG, DEV_UP, MAC_UP, MAC_NEXTHOP, IP_D, IP_REMOTE, IPPROTO_ICMP, 77, 0, 0);
	seed_frame(P_UP_EG, DEV_UP, MAC_UP, MAC_NEXTHOP, IP_E, IP_REMOTE, IPPROTO_UDP, 1000, 123, 0);
	seed_frame(P_UP_IN, DEV_UP, MAC_NEXTHOP, MAC_UP, IP_CLIENT, FX_UPLINK_IP, IPPROTO_TCP, 5555, 8080, TH_SYN);
	seed_frame(P_UP_IN, DEV_UP, MAC_NEXTHOP, MAC_UP, IP_CLIENT, FX_UPLINK_IP, IPPROTO_UDP, 6666, 5353, 0);
	seed_frame(P_UP_IN, DEV_UP, MAC_NEXTHOP, MAC_UP, IP_CLIENT, IP_UP2, IPPROTO_TCP, 5556, 7070, TH_SYN);
	seed_frame(P_LXC, DEV_C, MAC_C, MAC_GW1, IP_C, FX_UPLINK_IP, IPPROTO_TCP, 2222, 8080, TH_SYN);
	seed_frame(P_LXC, DEV_A, MAC_A, MAC_GW1, IP_A, IP_GW1, IPPROTO_TCP, 2223, 8080, TH_SYN);
	seed_frame(P_LXC, DEV_B, MAC_B, MAC_GW1, IP_B, FX_UPLINK_IP, IPPROTO_TCP, 2224, 8080, TH_SYN);
	/* The flows just opened are not confirmed: xnet_ct_new holds them (lib/ct.h). */
	w.nbase = 0;
	for (int e = bpf_map_get_next_key(w.ct, NULL, &next); !e && w.nbase < BASE_MAX;
	     e = bpf_map_get_next_key(w.ct, &k, &next)) {
		k = next;
		if (bpf_map_lookup_elem(w.ct, &k, &w.base_v[w.nbase]))
			return -errno;
		w.base_k[w.nbase++] = k;
	}
	for (int e = bpf_map_get_next_key(w.ct_new, NULL, &next); !e && w.nbase < BASE_MAX;
	     e = bpf_map_get_next_key(w.ct_new, &k, &next)) {
		struct xnet_ct_pending p;

		k = next;
		if (bpf_map_lookup_elem(w.ct_new, &k, &p))
			return -errno;
		w.base_v[w.nbase] = p.e;
		w.base_k[w.nbase++] = k;
	}
	return w.nbase ? 0 : -ENOENT;
}

static __u64 seed_base;

/*
 * Dump every map, run a few hundred frames of every program, dump again:
 * the maps that changed are the state each epoch starts from again (their
 * first dump). Conntrack, fragments and DNS names are state whatever this
 * run hits.
 */
static int state_find(void)
{
	struct dump *before = calloc(nsmaps ? nsmaps : 1, sizeof(*before)), after = {};
	struct res *r = malloc(sizeof(*r));
	static struct fr f;
	int err = 0;

	if (!before || !r) {
		free(before);
		free(r);
		return -ENOMEM;
	}
	for (int i = 0; i < nsmaps && !err; i++)
		err = dump(&smaps[i], &before[i]);
	rstate = seed_base ^ 0xca11b4a7eULL;
	for (int p = 0; p < P_MAX && !err; p++)
		for (int j = 0; j < 512; j++) {
			gen(p, &f, progs[p].gen);
			run(&progs[p], &f, r);
		}
	for (int i = 0; i < nsmaps; i++) {
		struct smap *m = &smaps[i];

		if (!err) {
			err = dump(m, &after);
			m->written = !err && (!dump_same(m, &before[i], &after) || m->fd == w.ct || m->fd == w.ct_new || m->fd == w.frags ||
					      m->fd == w.names);
			dump_free(&after);
		}
		if (m->written)
			m->base = before[i];
		else
			dump_free(&before[i]);
	}
	free(before);
	free(r);
	return err ?: base_restore();
}

/* FUZZ_SEEDS: "prog dev ingress hex" lines written by test_bpf with XT_CORPUS set. */
static void seeds_load(void)
{
	const char *path = getenv("FUZZ_SEEDS");
	char line[2 * FR_MAX + 128], pname[32], dname[32], iname[32], *hex;
	FILE *fp;

	if (!path || !(fp = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), fp)) {
		struct fr f = {};
		int p, n;

		if (sscanf(line, "%31s %31s %31s %n", pname, dname, iname, &n) != 3)
			continue;
		for (p = 0; p < P_MAX && strcmp(progs[p].bpf_name, pname); p++)
			;
		if (p == P_MAX || w.nseeds[p] >= SEEDS_MAX)
			continue;
		for (int d = DEV_NONE + 1; d < DEV_MAX; d++) {
			if (!strcmp(fx_name(d), dname))
				f.dev = d;
			if (!strcmp(fx_name(d), iname))
				f.ingress = d;
		}
		for (hex = line + n; f.len < FR_MAX && sscanf(hex, "%2hhx", &f.d[f.len]) == 1; hex += 2)
			f.len++;
		if (!f.dev || !f.len)
			continue;
		if (!w.seeds[p] && !(w.seeds[p] = calloc(SEEDS_MAX, sizeof(struct fr))))
			break;
		w.seeds[p][w.nseeds[p]++] = f;
	}
	fclose(fp);
}

static bool world(void)
{
	struct bpf_object *obj;

	if (w.ready)
		return true;
	if (!ASSERT_OK(fx_devices(), "create test devices"))
		return false;
	w.lxc = lxc_test__open();
	if (!ASSERT_OK_PTR(w.lxc, "lxc_test__open"))
		return false;
	obj = w.lxc->obj;
	/* Small tables: the base state comes back in one batch per epoch. */
	if (!ASSERT_OK(bpf_map__set_max_entries(w.lxc->maps.xnet_ct, CT_ENTRIES), "xnet_ct size") ||
	    !ASSERT_OK(bpf_map__set_max_entries(w.lxc->maps.xnet_ct_new, CT_ENTRIES), "xnet_ct_new size") ||
	    !ASSERT_OK(bpf_map__set_max_entries(w.lxc->maps.xnet_frags, FRAG_ENTRIES), "xnet_frags size") ||
	    !ASSERT_OK(lxc_test__load(w.lxc), "lxc_test__load") ||
	    !ASSERT_OK(fx_setup_maps(obj), "fill maps"))
		return false;
	w.gw = gateway_test__open();
	w.up = uplink_test__open();
	w.xdp = uplink_xdp_test__open();
	if (!ASSERT_OK_PTR(w.gw, "gateway_test__open") || !ASSERT_OK_PTR(w.up, "uplink_test__open") ||
	    !ASSERT_OK_PTR(w.xdp, "uplink_xdp_test__open") ||
	    !ASSERT_OK(share_maps(w.gw->obj, obj), "gateway shares the maps") ||
	    !ASSERT_OK(share_maps(w.up->obj, obj), "uplink shares the maps") ||
	    !ASSERT_OK(share_maps(w.xdp->obj, obj), "uplink_xdp shares the maps") ||
	    !ASSERT_OK(gateway_test__load(w.gw), "gateway_test__load") ||
	    !ASSERT_OK(uplink_test__load(w.up), "uplink_test__load") ||
	    !ASSERT_OK(uplink_xdp_test__load(w.xdp), "uplink_xdp_test__load"))
		return false;
	w.ct = fx_map_fd(obj, "xnet_ct");
	w.ct_new = fx_map_fd(obj, "xnet_ct_new");
	w.frags = fx_map_fd(obj, "xnet_frags");
	w.names = fx_map_fd(obj, "xnet_dns_names");
	w.scope = fx_map_fd(obj, "xnet_dns_scope");
	w.networks = fx_map_fd(obj, "xnet_networks");
	w.rec = fx_map_fd(obj, XNET_ST_MAP_NAME);
	progs[P_LXC].fd = bpf_program__fd(w.lxc->progs.lxc_ingress);
	progs[P_GATEWAY].fd = bpf_program__fd(w.gw->progs.gateway_egress);
	progs[P_UP_IN].fd = bpf_program__fd(w.up->progs.uplink_ingress);
	progs[P_UP_EG].fd = bpf_program__fd(w.up->progs.uplink_egress);
	progs[P_XDP].fd = bpf_program__fd(w.xdp->progs.uplink_xdp);
	{
		int tx = fx_map_fd(w.xdp->obj, XNET_XDP_TX_MAP);
		const enum fx_dev devs[] = { DEV_A, DEV_B, DEV_C, DEV_D };

		for (unsigned i = 0; i < ARRAY_SIZE(devs); i++) {
			__u32 ifindex = fx_ifindex(devs[i]), slot = xnet_if_slot(ifindex);
			struct xnet_xdp_tx v = { .ifindex = ifindex, .mtu = 1500 };

			if (!ASSERT_OK(bpf_map_update_elem(tx, &slot, &v, BPF_ANY) ? -errno : 0, "xnet_xdp_tx"))
				return false;
		}
	}
	if (!ASSERT_OK(host_setup(obj), "host, addresses, published ports") ||
	    !ASSERT_OK(dns_setup(), "embedded DNS") || !ASSERT_OK(base_setup(), "flows of the base state"))
		return false;
	seeds_load();
	smaps_add(w.lxc->obj);
	smaps_add(w.gw->obj);
	smaps_add(w.up->obj);
	smaps_add(w.xdp->obj);
	if (!ASSERT_OK(state_find(), "find the maps the programs write"))
		return false;
	xt__verbose("  restored before every epoch:");
	for (int i = 0; i < nsmaps; i++)
		if (smaps[i].written)
			xt__verbose(" %s (%u entries)", smaps[i].info.name, smaps[i].base.n);
	xt__verbose("\n  base state: %d conntrack entries; seeds: lxc %d, gateway %d, uplink_ingress %d, "
		    "uplink_egress %d, uplink_xdp %d\n", w.nbase, w.nseeds[P_LXC], w.nseeds[P_GATEWAY],
		    w.nseeds[P_UP_IN], w.nseeds[P_UP_EG], w.nseeds[P_XDP]);
	w.ready = true;
	return true;
}

/* ------------------------------------------------------------ failures */

static void hexline(FILE *fp, const __u8 *d, __u32 len)
{
	for (__u32 i = 0; i < len; i++)
		fprintf(fp, "%02x", d[i]);
	fputc('\n', fp);
}

/* The epoch's frames 0..upto into build/fuzz-fail-*.hex; prints how to replay them. */
static void report(const struct prog *p, __u64 frame_no, const struct fr *frames, int upto, const char *what,
		   const struct res *got, const struct res *again)
{
	char dir[PATH_MAX] = "build", path[PATH_MAX + 64], exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *fp;

	if (n > 0) {
		exe[n] = 0;
		snprintf(dir, sizeof(dir), "%s", dirname(exe));
	}
	snprintf(path, sizeof(path), "%s/fuzz-fail-%s-%llu-%llu.hex", dir, p->name,
		 (unsigned long long)seed_base, (unsigned long long)frame_no);
	xt__fail(__FILE__, __LINE__, "%s: frame %llu (seed %llu): %s; verdict %d, %u bytes out%s", p->name,
		 (unsigned long long)frame_no, (unsigned long long)seed_base, what, got->ret, got->len,
		 again ? " (first run)" : "");
	printf("  in : ");
	hexline(stdout, frames[upto].d, frames[upto].len);
	printf("  out: ");
	hexline(stdout, got->out, got->len);
	if (again) {
		printf("  second run: verdict %d, %u bytes out\n  out: ", again->ret, again->len);
		hexline(stdout, again->out, again->len);
	}
	fp = fopen(path, "w");
	if (!fp) {
		printf("  could not write %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(fp, "# %s: %s (frame %llu of seed %llu; the lines before it set up the state)\n", p->name, what,
		(unsigned long long)frame_no, (unsigned long long)seed_base);
	for (int i = 0; i <= upto; i++) {
		fprintf(fp, "%s %s %s %u ", p->bpf_name, fx_name(frames[i].dev), fx_name(frames[i].ingress),
			frames[i].gso);
		hexline(fp, frames[i].d, frames[i].len);
	}
	fclose(fp);
	printf("  frames written to %s\n  replay: FUZZ_REPLAY=%s %s/fuzz_bpf -v fuzz/%s\n", path, path, dir, p->name);
}

/* The replay file's frames for p, or 0. */
static int replay_load(const struct prog *p, struct fr *frames)
{
	const char *path = getenv("FUZZ_REPLAY");
	char line[2 * FR_MAX + 128], pname[32], dname[32], iname[32], *hex;
	int n = 0, off;
	FILE *fp;

	if (!path || !(fp = fopen(path, "r")))
		return 0;
	while (n < EPOCH && fgets(line, sizeof(line), fp)) {
		struct fr *f = &frames[n];
		unsigned gso;

		if (line[0] == '#' || sscanf(line, "%31s %31s %31s %u %n", pname, dname, iname, &gso, &off) != 4 ||
		    strcmp(pname, p->bpf_name))
			continue;
		memset(f, 0, sizeof(*f));
		f->gso = gso;
		for (int d = DEV_NONE + 1; d < DEV_MAX; d++) {
			if (!strcmp(fx_name(d), dname))
				f->dev = d;
			if (!strcmp(fx_name(d), iname))
				f->ingress = d;
		}
		for (hex = line + off; f->len < FR_MAX && sscanf(hex, "%2hhx", &f->d[f->len]) == 1; hex += 2)
			f->len++;
		n++;
	}
	fclose(fp);
	return n;
}

/* ------------------------------------------------------------ kernel log */

static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* New WARNING/BUG lines since kmsg_open: printed, counted. */
static int kmsg_warnings(int fd)
{
	static const char *const bad[] = { "WARNING:", "BUG:", "BUG ", "general protection", "Oops", "KASAN", "UBSAN" };
	char rec[8192];
	int found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
			if (strstr(rec, bad[i])) {
				printf("  kernel: %s", strchr(rec, ';') ? strchr(rec, ';') + 1 : rec);
				found++;
				break;
			}
	}
	close(fd);
	return found;
}

/* ------------------------------------------------------------ the loop */

static __u64 env_u64(const char *name, __u64 def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static void fuzz_prog(enum prog_id id)
{
	static struct fr frames[EPOCH];
	static struct res first[EPOCH], again;
	struct prog *p = &progs[id];
	__u64 total = env_u64("FUZZ_FRAMES", FRAMES_DEFAULT), done = 0, refused = 0, rewritten = 0, epochs = 0;
	__u64 grown = 0;
	struct xnet_drop_counter d0[XNET_DROP_MAX], d1[XNET_DROP_MAX];
	__u64 verdicts[3] = {}, t0;
	int nreplay = 0, kfd;
	bool replaying = getenv("FUZZ_REPLAY") != NULL;

	if (!world())
		return;
	if (replaying) {
		nreplay = replay_load(p, frames);
		if (!nreplay) {
			xt__skip("no frames of %s in $FUZZ_REPLAY", p->bpf_name);
			return;
		}
		total = nreplay;
	}
	/* Each program its own stream: a filter does not change what another one gets. */
	rstate = seed_base ^ (0x1000193ULL * (id + 1));
	kfd = kmsg_open();
	fx_read_drops(w.lxc->obj, d0);
	t0 = now_ns(CLOCK_MONOTONIC);
	while (done < total) {
		int n = total - done < EPOCH ? (int)(total - done) : EPOCH;
		bool replay = replaying || epochs % REPLAY_EVERY == 0;

		if (!ASSERT_OK(base_restore(), "restore the base state"))
			return;
		for (int i = 0; i < n; i++) {
			const char *bad;

			if (!replaying)
				gen(id, &frames[i], p->gen);
			if (run(p, &frames[i], &first[i])) {
				/* BPF_PROG_RUN refuses frames shorter than the headers it sets up. */
				if (first[i].err == -EINVAL && frames[i].len < FX_MIN_L3_RUN) {
					refused++;
					continue;
				}
				report(p, done + i, frames, i, "BPF_PROG_RUN failed", &first[i], NULL);
				return;
			}
			if (replaying)
				printf("  frame %d: verdict %d, %u bytes out\n", i, first[i].ret, first[i].len);
			for (int v = 0; v < p->nverdicts; v++)
				verdicts[v] += first[i].ret == p->verdicts[v];
			rewritten += first[i].len != frames[i].len || memcmp(first[i].out, frames[i].d, first[i].len);
			grown += first[i].len > frames[i].len;
			bad = check(p, &frames[i], &first[i]);
			if (bad) {
				report(p, done + i, frames, i, bad, &first[i], NULL);
				return;
			}
		}
		if (replay) {
			/* The same frames from the same state: the same verdicts, bytes and redirects. */
			if (!ASSERT_OK(base_restore(), "restore the base state"))
				return;
			for (int i = 0; i < n; i++) {
				if (run(p, &frames[i], &again) && again.err != first[i].err) {
					report(p, done + i, frames, i, "BPF_PROG_RUN failed on replay", &first[i], &again);
					return;
				}
				if (again.err)
					continue;
				if (again.ret != first[i].ret || again.len != first[i].len ||
				    memcmp(again.out, first[i].out, again.len) ||
				    memcmp(&again.rec, &first[i].rec, sizeof(again.rec))) {
					report(p, done + i, frames, i, "different output on replay from the same state",
					       &first[i], &again);
					return;
				}
			}
		}
		done += n;
		epochs++;
	}
	{
		double secs = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;

		printf("  %s: %llu frames in %.1f s (%.0f frames/s, every %dth epoch of %d run twice), seed %llu; "
		       "verdicts", p->name, (unsigned long long)done, secs, done / (secs > 0 ? secs : 1), REPLAY_EVERY,
		       EPOCH, (unsigned long long)seed_base);
		for (int v = 0; v < p->nverdicts; v++)
			printf(" %d:%llu", p->verdicts[v], (unsigned long long)verdicts[v]);
		printf(", %llu rewritten (%llu grew: answers), %llu refused by BPF_PROG_RUN\n",
		       (unsigned long long)rewritten, (unsigned long long)grown, (unsigned long long)refused);
	}
	/* Where the frames ended: the drop reasons they reached (replays counted too). */
	if (!fx_read_drops(w.lxc->obj, d1)) {
		static const char *const names[] = XNET_DROP_NAMES;

		xt__verbose("  drops:");
		for (int r = 1; r < XNET_DROP_MAX; r++)
			if (d1[r].packets != d0[r].packets)
				xt__verbose(" %s %llu", names[r], (unsigned long long)(d1[r].packets - d0[r].packets));
		xt__verbose("\n");
	}
	if (kmsg_warnings(kfd))
		xt__fail(__FILE__, __LINE__, "%s: new kernel WARNING/BUG lines during the run (above)", p->name);
}

XT_TEST(fuzz)
{
	static bool printed;

	seed_base = env_u64("FUZZ_SEED", 0x786e6574);
	if (!printed) {
		printf("fuzz: seed %llu (FUZZ_SEED), %llu frames per program (FUZZ_FRAMES)\n",
		       (unsigned long long)seed_base, (unsigned long long)env_u64("FUZZ_FRAMES", FRAMES_DEFAULT));
		printed = true;
	}
	for (int p = 0; p < P_MAX; p++)
		if (xt__start_subtest(progs[p].name))
			fuzz_prog(p);
}
