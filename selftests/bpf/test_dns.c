// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dns: the embedded DNS fast path of bpf/lxc.bpf.c (bpf/lib/dns.h)
 * under BPF_PROG_RUN, one subtest per table row and every row of the spec
 * at the top of lib/dns.h: the query a sandbox sends, and what must come
 * out. Answers are compared byte for byte with a reply built here from the
 * spec (and one spelled out in hex), IP and UDP checksums recomputed from
 * scratch; everything the program leaves to the helper must leave
 * untouched on the way up (a redirect to the gateway's ingress).
 *
 * Topology in fixture.h; on top of it nets 1 and 2 get XNET_NET_DNS, and:
 *   scope  A {1}  B {1} (published)  C {1, 2}  D none  E {3} (no DNS on net 3)
 *   names  net 1: web, web.net1, alias (A B C), many (32), shared (A),
 *                 the longest name (255 bytes wire), "x@[`{\xc1" (case folding)
 *          net 2: db, shared (D)
 * The frames are larger than pkt.h's PKT_MAX (32 answers, 255-byte names),
 * so this file builds and runs its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include "test_progs.h"
#include "cases.h"
#include "datapath/datapath.h"
#include "lxc.test.skel.h"

#define FRAME_MAX	1600
#define MSG_MAX		1400
#define TTL_SECS	XNET_DNS_TTL

struct dframe {
	__u8 d[FRAME_MAX];
	__u32 len;
};

struct msg {
	__u8 b[MSG_MAX];
	__u32 len;
};

/* ------------------------------------------------------------ bytes */

static void m_put(struct msg *m, const void *p, unsigned n)
{
	if (m->len + n > MSG_MAX)
		n = MSG_MAX - m->len;
	if (!n)
		return;	/* p may be NULL then (an empty rdata): memcpy wants a valid pointer anyway */
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void m_u8(struct msg *m, __u8 v)
{
	m_put(m, &v, 1);
}

static void m_u16(struct msg *m, __u16 v)
{
	__u8 b[2] = { v >> 8, v & 0xff };

	m_put(m, b, 2);
}

static void m_u32(struct msg *m, __u32 v)
{
	m_u16(m, v >> 16);
	m_u16(m, v & 0xffff);
}

/* Dotted name to DNS wire format ("" is the root); its length. */
static unsigned wire_name(const char *dotted, __u8 *out)
{
	unsigned n = 0;

	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		unsigned l = dot ? (unsigned)(dot - dotted) : strlen(dotted);

		out[n++] = l;
		memcpy(out + n, dotted, l);
		n += l;
		dotted += l + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

/* ------------------------------------------------------------ names */

/* A label of 63 'a'..: 3 of them and one of 61 make 255 bytes of wire name, 62 make 256. */
static char longest[300], too_long[300];

static void long_names(void)
{
	char *p = longest;

	for (int l = 0; l < 4; l++) {
		int len = l < 3 ? 63 : 61;

		if (l)
			*p++ = '.';
		memset(p, 'a' + l, len);
		p += len;
	}
	*p = 0;
	snprintf(too_long, sizeof(too_long), "%sx", longest);
}

enum { N_WEB, N_WEB_NET1, N_ALIAS, N_MANY, N_SHARED1, N_LONG, N_ODD, N_DB, N_SHARED2, N_MAX };

struct fx_name {
	__u32 net;
	const char *name;	/* dotted, lowercase */
	__u32 count;
	__be32 addrs[XNET_DNS_MAX_ADDRS];
};

static struct fx_name names[N_MAX] = {
	[N_WEB] = { NET1, "web", 1, { IP_B } },
	[N_WEB_NET1] = { NET1, "web.net1", 1, { IP_B } },
	[N_ALIAS] = { NET1, "alias", 3, { IP_A, IP_B, IP_C } },
	[N_MANY] = { NET1, "many", XNET_DNS_MAX_ADDRS },
	[N_SHARED1] = { NET1, "shared", 1, { IP_A } },
	[N_LONG] = { NET1, longest, 1, { IP_C } },
	/* The neighbours of A-Z in ASCII and a byte over 0x7f: never case-folded. */
	[N_ODD] = { NET1, "x@[`{\xc1", 1, { IP_A } },
	[N_DB] = { NET2, "db", 1, { IP_D } },
	[N_SHARED2] = { NET2, "shared", 1, { IP_D } },
};

static void name_key(const struct fx_name *n, struct xnet_dns_key *k)
{
	memset(k, 0, sizeof(*k));
	k->net_id = n->net;
	wire_name(n->name, k->name);
}

struct fx_scope {
	enum fx_dev dev;
	__u32 nnets;
	__u32 nets[2];
};

static const struct fx_scope scopes[] = {
	{ DEV_A, 1, { NET1 } }, { DEV_B, 1, { NET1 } }, { DEV_C, 2, { NET1, NET2 } }, { DEV_E, 1, { NET3 } },
};

/* ------------------------------------------------------------ environment */

static struct {
	struct bpf_object *obj;
	int prog, names, scope, networks;
	bool cached;
} env;

static const __u8 *gw_mac_of(enum fx_dev dev)
{
	switch (dev) {
	case DEV_D:
		return MAC_GW2;
	case DEV_E: case DEV_F:
		return MAC_GW3;
	default:
		return MAC_GW1;
	}
}

static enum fx_dev gw_of(enum fx_dev dev)
{
	switch (dev) {
	case DEV_D:
		return DEV_GW2;
	case DEV_E: case DEV_F:
		return DEV_GW3;
	default:
		return DEV_GW1;
	}
}

static __be32 gw_ip_of(enum fx_dev dev)
{
	switch (dev) {
	case DEV_D:
		return IP_GW2;
	case DEV_E: case DEV_F:
		return IP_GW3;
	default:
		return IP_GW1;
	}
}

static const __u8 *mac_of(enum fx_dev dev)
{
	switch (dev) {
	case DEV_A: return MAC_A;
	case DEV_B: return MAC_B;
	case DEV_C: return MAC_C;
	case DEV_D: return MAC_D;
	case DEV_E: return MAC_E;
	default: return MAC_F;
	}
}

static __be32 ip_of(enum fx_dev dev)
{
	switch (dev) {
	case DEV_A: return IP_A;
	case DEV_B: return IP_B;
	case DEV_C: return IP_C;
	case DEV_D: return IP_D;
	case DEV_E: return IP_E;
	default: return IP_F;
	}
}

/* The fixture's networks 1 and 2, with or without embedded DNS, as datapath.c writes them. */
static int dp_net_dns(bool on)
{
	const struct { __u32 id; __be32 subnet, gw; enum fx_dev gw_dev; const __u8 *mac; } n[] = {
		{ NET1, IP4(10, 1, 0, 0), IP_GW1, DEV_GW1, MAC_GW1 },
		{ NET2, IP4(10, 2, 0, 0), IP_GW2, DEV_GW2, MAC_GW2 },
	};
	int err = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(n) && !err; i++) {
		struct dp_network d = {
			.net_id = n[i].id, .subnet = n[i].subnet, .prefixlen = 16, .gw_ip = n[i].gw,
			.gw_ifindex = fx_ifindex(n[i].gw_dev), .mtu = 1500,
			.flags = XNET_NET_ICC | XNET_NET_MASQ | (on ? XNET_NET_DNS : 0),
		};

		memcpy(d.gw_mac, n[i].mac, 6);
		err = dp__network_set(fx_dp(), &d);
	}
	return err;
}

/* Same in the ABI map only (no caches to keep in step). */
static int raw_net_dns(bool on)
{
	const __u32 ids[] = { NET1, NET2 };

	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++) {
		struct xnet_network net;

		if (bpf_map_lookup_elem(env.networks, &ids[i], &net))
			return -errno;
		net.flags = on ? net.flags | XNET_NET_DNS : net.flags & ~XNET_NET_DNS;
		if (bpf_map_update_elem(env.networks, &ids[i], &net, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int dns_maps_fill(void)
{
	for (unsigned i = 0; i < N_MAX; i++) {
		struct xnet_dns_rrset rr = { .count = names[i].count };
		struct xnet_dns_key k;

		memcpy(rr.addrs, names[i].addrs, sizeof(rr.addrs));
		name_key(&names[i], &k);
		if (bpf_map_update_elem(env.names, &k, &rr, BPF_ANY))
			return -errno;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(scopes); i++) {
		struct xnet_dns_scope s = { .nnets = scopes[i].nnets, .flags = XNET_DNS_F_FORWARD };
		__u32 ifindex = fx_ifindex(scopes[i].dev);

		memcpy(s.net_ids, scopes[i].nets, sizeof(scopes[i].nets));
		if (bpf_map_update_elem(env.scope, &ifindex, &s, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void dns_maps_clear(void)
{
	for (unsigned i = 0; i < N_MAX; i++) {
		struct xnet_dns_key k;

		name_key(&names[i], &k);
		bpf_map_delete_elem(env.names, &k);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(scopes); i++) {
		__u32 ifindex = fx_ifindex(scopes[i].dev);

		bpf_map_delete_elem(env.scope, &ifindex);
	}
}

static __u32 rotor_of(unsigned n)
{
	struct xnet_dns_rrset rr = {};
	struct xnet_dns_key k;

	name_key(&names[n], &k);
	bpf_map_lookup_elem(env.names, &k, &rr);
	return rr.rotor;
}

/* ------------------------------------------------------------ queries */

/* A query, described by intent; zero fields take the usual values. */
struct dq {
	const char *qname;		/* dotted; NULL with wire: raw QNAME bytes */
	const __u8 *wire;
	__u16 wire_len;
	__u16 qtype, qclass;		/* 0: A, IN */
	__u8 f1, f2;			/* header flag bytes; f1 0 means RD (0x01) unless f1_zero */
	bool f1_zero;
	bool counts;			/* qd/an/ns/ar below instead of 1/0/0/(opt) */
	__u16 qd, an, ns, ar;
	bool opt;			/* an OPT RR after the question */
	__u16 opt_size;			/* 0: 1232 */
	__u8 opt_version;
	bool opt_do;
	const __u8 *opt_data;		/* its options, raw */
	__u16 opt_dlen;
	int opt_rdlen_delta;		/* RDLEN off by this much */
	const __u8 *extra;		/* bytes after everything */
	__u16 extra_len;
	const __u8 *raw;		/* the whole message instead */
	__u16 raw_len;
	__u16 cut;			/* cut the message to this length */
	/* the frame */
	__be32 daddr;			/* 0: the sender's gateway */
	__u16 dport;			/* 0: 53 */
	bool tcp;
	bool csum0;			/* UDP checksum 0 (none) */
	__u16 frag;			/* IP frag_off field; 0: DF, as Linux sends UDP */
	bool no_df;			/* frag_off 0 */
	__u8 opt_words;			/* IP options */
	int ulen_delta;			/* UDP length field off by this much */
};

static void build_msg(const struct dq *q, struct msg *m)
{
	__u8 name[300];
	unsigned nlen;

	memset(m, 0, sizeof(*m));
	if (q->raw) {
		m_put(m, q->raw, q->raw_len);
		return;
	}
	m_u16(m, 0xbeef);
	m_u8(m, q->f1_zero ? 0 : q->f1 ? q->f1 : 0x01);
	m_u8(m, q->f2);
	m_u16(m, q->counts ? q->qd : 1);
	m_u16(m, q->counts ? q->an : 0);
	m_u16(m, q->counts ? q->ns : 0);
	m_u16(m, q->counts ? q->ar : q->opt ? 1 : 0);
	if (q->wire) {
		m_put(m, q->wire, q->wire_len);
	} else if (q->qname) {
		nlen = wire_name(q->qname, name);
		m_put(m, name, nlen);
		m_u16(m, q->qtype ? q->qtype : 1);
		m_u16(m, q->qclass ? q->qclass : 1);
	}
	if (q->opt) {
		m_u8(m, 0);
		m_u16(m, 41);
		m_u16(m, q->opt_size ? q->opt_size : 1232);
		m_u8(m, 0);
		m_u8(m, q->opt_version);
		m_u16(m, q->opt_do ? 0x8000 : 0);
		m_u16(m, q->opt_dlen + q->opt_rdlen_delta);
		m_put(m, q->opt_data, q->opt_dlen);
	}
	if (q->extra)
		m_put(m, q->extra, q->extra_len);
	if (q->cut)
		m->len = q->cut;
}

static __u16 udp_csum(__be32 saddr, __be32 daddr, const __u8 *udp, unsigned len)
{
	__u32 sum = pkt_sum16((const __u8 *)&saddr, 4, 0) + pkt_sum16((const __u8 *)&daddr, 4, 0) + 17 + len;
	__u16 c = pkt_csum_fold(pkt_sum16(udp, len, sum));

	return c ? c : 0xffff;
}

/* Ethernet + IPv4 (with opt_words NOP words) + the L4 bytes; all lengths and the IP checksum right. */
static void frame_ipv4(struct dframe *f, const __u8 *dmac, const __u8 *smac, __be32 saddr, __be32 daddr,
		       __u8 proto, __u16 frag, __u8 opt_words, const __u8 *l4, unsigned l4len)
{
	unsigned hl = 20 + opt_words * 4, tot = hl + l4len;
	__u8 *ip = f->d + 14;
	__u16 c;

	memset(f, 0, sizeof(*f));
	memcpy(f->d, dmac, 6);
	memcpy(f->d + 6, smac, 6);
	f->d[12] = 0x08;
	ip[0] = 0x40 | (hl / 4);
	ip[2] = tot >> 8;
	ip[3] = tot & 0xff;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = frag >> 8;
	ip[7] = frag & 0xff;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	memset(ip + 20, 1, hl - 20);	/* NOP options */
	c = htons(pkt_csum_fold(pkt_sum16(ip, hl, 0)));
	memcpy(ip + 10, &c, 2);
	memcpy(ip + hl, l4, l4len);
	f->len = 14 + tot;
}

/* The frame of query q from dev; its DNS message in *m. */
static void build_query(enum fx_dev dev, const struct dq *q, struct dframe *f, struct msg *m)
{
	__be32 saddr = ip_of(dev), daddr = q->daddr ? q->daddr : gw_ip_of(dev);
	__u8 l4[MSG_MAX + 20] = {};
	unsigned l4len;
	__u16 c;

	build_msg(q, m);
	if (q->tcp) {
		/* A SYN to port 53 with the message as payload: only its ports matter. */
		l4[0] = 40000 >> 8; l4[1] = 40000 & 0xff;
		l4[2] = 0; l4[3] = q->dport ? q->dport : 53;
		l4[12] = 5 << 4;
		l4[13] = 0x02;
		memcpy(l4 + 20, m->b, m->len);
		l4len = 20 + m->len;
		frame_ipv4(f, gw_mac_of(dev), mac_of(dev), saddr, daddr, IPPROTO_TCP, 0x4000, 0, l4, l4len);
		return;
	}
	l4len = 8 + m->len;
	l4[0] = 40000 >> 8;
	l4[1] = 40000 & 0xff;
	l4[2] = (q->dport ? q->dport : 53) >> 8;
	l4[3] = (q->dport ? q->dport : 53) & 0xff;
	l4[4] = (l4len + q->ulen_delta) >> 8;
	l4[5] = (l4len + q->ulen_delta) & 0xff;
	memcpy(l4 + 8, m->b, m->len);
	c = q->csum0 ? 0 : htons(udp_csum(saddr, daddr, l4, l4len));
	memcpy(l4 + 6, &c, 2);
	frame_ipv4(f, gw_mac_of(dev), mac_of(dev), saddr, daddr, IPPROTO_UDP,
		   q->no_df ? 0 : q->frag ? q->frag : 0x4000,
		   q->opt_words, l4, l4len);
}

/* ------------------------------------------------------------ expected replies */

/*
 * The reply frame to query frame @in carrying DNS message @r: Ethernet,
 * addresses and ports swapped, TTL 64, lengths, both checksums computed
 * here from scratch (0 stays 0: a query without UDP checksum).
 */
static void build_reply_frame(const struct dframe *in, const struct msg *r, struct dframe *want)
{
	const __u8 *qip = in->d + 14;
	__u8 l4[MSG_MAX + 8] = {};
	__be32 saddr, daddr;
	__u16 c;

	memcpy(&saddr, qip + 16, 4);
	memcpy(&daddr, qip + 12, 4);
	memcpy(l4, qip + 22, 2);	/* ports swapped */
	memcpy(l4 + 2, qip + 20, 2);
	l4[4] = (8 + r->len) >> 8;
	l4[5] = (8 + r->len) & 0xff;
	memcpy(l4 + 8, r->b, r->len);
	c = (qip[26] || qip[27]) ? htons(udp_csum(saddr, daddr, l4, 8 + r->len)) : 0;
	memcpy(l4 + 6, &c, 2);
	frame_ipv4(want, in->d + 6, in->d, saddr, daddr, IPPROTO_UDP, (qip[6] << 8) | qip[7], 0, l4, 8 + r->len);
	/* frame_ipv4 writes its own id: the reply keeps the query's. */
	memcpy(want->d + 14 + 4, qip + 4, 2);
	want->d[14 + 10] = want->d[14 + 11] = 0;
	c = htons(pkt_csum_fold(pkt_sum16(want->d + 14, 20, 0)));
	memcpy(want->d + 14 + 10, &c, 2);
}

/* Header-only reply: id, QR, opcode and RD echoed, @rcode, counts 0. */
static void model_error(const struct msg *q, __u8 rcode, struct msg *r)
{
	memset(r, 0, sizeof(*r));
	m_put(r, q->b, 2);
	m_u8(r, 0x80 | (q->b[2] & 0x79));
	m_u8(r, rcode);
	m_u32(r, 0);
	m_u32(r, 0);
}

/* The question's length in message q (name + type + class), q well formed. */
static unsigned question_len(const struct msg *q)
{
	unsigned p = 12;

	while (q->b[p])
		p += q->b[p] + 1;
	return p + 1 + 4 - 12;
}

/*
 * An answer: the query's question as sent, n A records of rrset nm from
 * start on, an OPT (size 1232, the query's DO) when opt.
 */
static void model_answer(const struct msg *q, const struct fx_name *nm, unsigned n, unsigned start, bool tc,
			 bool opt, bool opt_do, struct msg *r)
{
	memset(r, 0, sizeof(*r));
	m_put(r, q->b, 2);
	m_u8(r, 0x80 | 0x04 | (tc ? 0x02 : 0) | (q->b[2] & 0x01));
	m_u8(r, 0x80 | (q->b[3] & 0x10));
	m_u16(r, 1);
	m_u16(r, n);
	m_u16(r, 0);
	m_u16(r, opt ? 1 : 0);
	m_put(r, q->b + 12, question_len(q));
	for (unsigned i = 0; i < n; i++) {
		m_u16(r, 0xc00c);
		m_u16(r, 1);
		m_u16(r, 1);
		m_u32(r, TTL_SECS);
		m_u16(r, 4);
		m_put(r, &nm->addrs[(start + i) % nm->count], 4);
	}
	if (opt) {
		m_u8(r, 0);
		m_u16(r, 41);
		m_u16(r, 1232);
		m_u8(r, 0);
		m_u8(r, 0);
		m_u16(r, opt_do ? 0x8000 : 0);
		m_u16(r, 0);
	}
}

/* ------------------------------------------------------------ running */

struct dres {
	int verdict;
	struct dframe out;
	struct xnet_st_record rec;
	struct xnet_drop_counter drops[XNET_DROP_MAX];
};

static bool run(enum fx_dev dev, const struct dframe *in, struct dres *r)
{
	struct __sk_buff skb = { .ifindex = fx_ifindex(dev) };

	memset(r, 0, sizeof(*r));
	r->out.len = sizeof(r->out.d);
	if (!fx_run_buf(env.prog, env.obj, &skb, sizeof(skb), in->d, in->len, r->out.d, &r->out.len,
			&r->verdict, &r->rec, r->drops))
		return false;
	if (env.cached)
		ASSERT_TRUE(r->rec.cache_hits & XNET_ST_HIT_SRC, "source answered from xnet_ifcache");
	return true;
}

static bool no_drops(const struct dres *r)
{
	bool ok = true;

	for (int i = 1; i < XNET_DROP_MAX; i++)
		ok &= ASSERT_EQ(r->drops[i].packets, 0, "no drop counted");
	return ok;
}

/* IPv4 header and UDP checksums of frame f add up (an independent check of the comparison). */
static bool csums_valid(const struct dframe *f)
{
	const __u8 *ip = f->d + 14;
	unsigned tot = (ip[2] << 8) | ip[3];
	__be32 s, d;
	__u32 sum;

	if (!ASSERT_EQ(pkt_csum_fold(pkt_sum16(ip, 20, 0)), 0, "IPv4 header checksum"))
		return false;
	if (!ip[26] && !ip[27])
		return true;
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	sum = pkt_sum16((const __u8 *)&s, 4, 0) + pkt_sum16((const __u8 *)&d, 4, 0) + 17 + (tot - 20);
	return ASSERT_EQ(pkt_csum_fold(pkt_sum16(ip + 20, tot - 20, sum)), 0, "UDP checksum");
}

/* The frame came back into the asking sandbox as want. */
static bool check_reply(enum fx_dev dev, const struct dres *r, const struct dframe *want)
{
	bool ok = fx_check_redirect(&(struct fx_result){ .verdict = r->verdict, .rec = r->rec },
				    XNET_ST_REDIRECT_PEER, dev);

	ok &= no_drops(r);
	ok &= ASSERT_EQ(r->out.len, want->len, "reply length");
	if (r->out.len == want->len)
		ok &= ASSERT_MEMEQ(r->out.d, want->d, want->len, "reply frame");
	return ok & csums_valid(&r->out);
}

/* Up to the host on gateway gw, untouched, nothing counted. */
static bool check_up(enum fx_dev gw, const struct dres *r, const struct dframe *in)
{
	bool ok = fx_check_redirect(&(struct fx_result){ .verdict = r->verdict, .rec = r->rec },
				    XNET_ST_REDIRECT, gw);

	ok &= ASSERT_EQ(r->rec.flags, BPF_F_INGRESS, "BPF_F_INGRESS");
	ok &= no_drops(r);
	ok &= ASSERT_EQ(r->out.len, in->len, "frame length unchanged");
	if (r->out.len == in->len)
		ok &= ASSERT_MEMEQ(r->out.d, in->d, in->len, "frame unchanged");
	return ok;
}

static bool check_drop(enum xnet_drop_reason reason, const struct dres *r, const struct dframe *in)
{
	bool ok = ASSERT_EQ(r->verdict, TC_ACT_SHOT, "verdict (TC_ACT_SHOT)");

	for (int i = 1; i < XNET_DROP_MAX; i++) {
		ok &= ASSERT_EQ(r->drops[i].packets, i == (int)reason ? 1 : 0, "drop counter packets");
		ok &= ASSERT_EQ(r->drops[i].bytes, i == (int)reason ? in->len : 0, "drop counter bytes");
	}
	return ok & ASSERT_EQ(r->rec.kind, XNET_ST_NONE, "no redirect");
}

/* ------------------------------------------------------------ the table */

enum want_kind {
	W_ANSWER,	/* records of rrset .rr (all, or .n with TC) */
	W_EMPTY,	/* NOERROR, no records (the name exists, not with that type) */
	W_ERROR,	/* header only, .rcode */
	W_HELPER,	/* to the helper: up through the sender's gateway, untouched */
	W_DROP,		/* .drop counted, no reply */
};

struct want {
	enum want_kind kind;
	int rr;			/* N_*: the rrset answered */
	unsigned n;		/* W_ANSWER with TC: records that fit */
	__u8 rcode;
	enum xnet_drop_reason drop;
};

struct dcase {
	const char *name;
	enum fx_dev dev;
	struct dq q;
	struct want w;
};

#define Q(nm, ...)		{ .qname = (nm), __VA_ARGS__ }
#define RAWQ(bytes, ...)	{ .raw = (bytes), .raw_len = sizeof(bytes), __VA_ARGS__ }
#define ANSWER(r)		{ .kind = W_ANSWER, .rr = (r) }
#define ANSWER_TC(r, cnt)	{ .kind = W_ANSWER, .rr = (r), .n = (cnt) }
#define EMPTY(r)		{ .kind = W_EMPTY, .rr = (r) }
#define FORMERR			{ .kind = W_ERROR, .rcode = 1 }
#define NOTIMP			{ .kind = W_ERROR, .rcode = 4 }
#define HELPER			{ .kind = W_HELPER }
#define DNSDROP(r)		{ .kind = W_DROP, .drop = (r) }

/* EDNS option bytes. */
static const __u8 opt_cookie[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
static const __u8 opt_cookie_padding[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 4, 0, 0, 0, 0 };
static const __u8 opt_ecs[] = { 0, 8, 0, 8, 0, 1, 24, 0, 10, 1, 2, 0 };
static const __u8 opt_overrun[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };	/* says 9, has 8 */
static const __u8 opt_stub[] = { 0, 12, 0, 0, 0, 10 };				/* 2 bytes: no option header */
static const __u8 opt_padding_big[] = { 0, 12, 0x01, 0xf4 };			/* 500 bytes follow (extra) */
static const __u8 opt_nine[] = { 0, 12, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0,
				 0, 12, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0, 0, 12, 0, 0 };

/* Malformed messages, byte by byte. */
static const __u8 m_short[] = { 0xbe, 0xef, 0x01, 0, 0, 1, 0, 0, 0, 0, 0 };			/* 11 bytes */
static const __u8 m_header_only[] = { 0xbe, 0xef, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
static const __u8 m_response[] = { 0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1 };
static const __u8 m_opcode2[] = { 0xbe, 0xef, 0x11, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'e', 'b', 0, 0, 1, 0, 1 };
static const __u8 m_opcode5_cd[] = { 0xbe, 0xef, 0x28, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1 };
static const __u8 w_pointer[] = { 0xc0, 0x0c, 0, 1, 0, 1 };
static const __u8 w_pointer_later[] = { 3, 'w', 'e', 'b', 0xc0, 0x0c, 0, 1, 0, 1 };
static const __u8 w_ext40[] = { 0x40, 'a', 0, 0, 1, 0, 1 };
static const __u8 w_ext80[] = { 0x80, 'a', 0, 0, 1, 0, 1 };
static const __u8 w_label_past_end[] = { 5, 'w', 'e' };
static const __u8 w_no_root[] = { 3, 'w', 'e', 'b' };
static const __u8 w_qtype_cut[] = { 3, 'w', 'e', 'b', 0, 0 };
static const __u8 w_qclass_cut[] = { 3, 'w', 'e', 'b', 0, 0, 1, 0 };
static const __u8 w_root[] = { 0, 0, 2, 0, 1 };
static const __u8 extra3[] = { 1, 2, 3 };
static const __u8 rr_a[] = { 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4 };	/* an A record, root name */
static __u8 padding500[500];

#define WEB_Q(...)	Q("web", __VA_ARGS__)

static const struct dcase cases[] = {
	/* Answered from the maps (rows 11-13). */
	{ "a_own_network", DEV_A, WEB_Q(), ANSWER(N_WEB) },
	{ "a_from_published_endpoint", DEV_B, WEB_Q(), ANSWER(N_WEB) },
	{ "a_name_dot_network", DEV_A, Q("web.net1"), ANSWER(N_WEB_NET1) },
	{ "a_uppercase_name", DEV_A, Q("WeB"), ANSWER(N_WEB) },
	{ "a_uppercase_dotted", DEV_A, Q("WEB.Net1"), ANSWER(N_WEB_NET1) },
	{ "a_no_rd", DEV_A, WEB_Q(.f1_zero = true), ANSWER(N_WEB) },
	{ "a_cd_echoed", DEV_A, WEB_Q(.f2 = 0x10), ANSWER(N_WEB) },
	{ "a_ad_z_not_echoed", DEV_A, WEB_Q(.f2 = 0x60), ANSWER(N_WEB) },
	{ "a_longest_name", DEV_A, Q(longest), ANSWER(N_LONG) },
	{ "a_only_a_to_z_folded", DEV_A, Q("X@[`{\xc1"), ANSWER(N_ODD) },
	{ "a_two_networks_first", DEV_C, WEB_Q(), ANSWER(N_WEB) },
	{ "a_two_networks_second", DEV_C, Q("db"), ANSWER(N_DB) },
	{ "a_two_networks_first_hit_wins", DEV_C, Q("shared"), ANSWER(N_SHARED1) },
	{ "any_answered_with_a", DEV_A, WEB_Q(.qtype = 255), ANSWER(N_WEB) },
	{ "aaaa_known_name_empty", DEV_A, WEB_Q(.qtype = 28), EMPTY(N_WEB) },
	{ "mx_known_name_empty", DEV_A, WEB_Q(.qtype = 15), EMPTY(N_WEB) },
	{ "txt_known_name_empty_edns", DEV_A, WEB_Q(.qtype = 16, .opt = true), EMPTY(N_WEB) },
	{ "a_udp_checksum_zero", DEV_A, WEB_Q(.csum0 = true), ANSWER(N_WEB) },
	{ "a_checksum_zero_edns", DEV_A, WEB_Q(.csum0 = true, .opt = true), ANSWER(N_WEB) },
	{ "a_no_df", DEV_A, WEB_Q(.no_df = true), ANSWER(N_WEB) },
	{ "many_fit_with_edns", DEV_A, Q("many", .opt = true), ANSWER(N_MANY) },
	{ "many_truncated_512", DEV_A, Q("many"), ANSWER_TC(N_MANY, 30) },
	/* (512 - 12 - 10 - 11) / 16: a client's size below 512 counts as 512, the OPT takes room. */
	{ "many_truncated_small_edns_size", DEV_A, Q("many", .opt = true, .opt_size = 256), ANSWER_TC(N_MANY, 29) },
	{ "many_truncated_edns_520", DEV_A, Q("MANY", .opt = true, .opt_size = 520), ANSWER_TC(N_MANY, 30) },
	{ "many_fit_edns_600", DEV_A, Q("many", .opt = true, .opt_size = 600), ANSWER(N_MANY) },

	/* EDNS (row 10). */
	{ "edns_plain", DEV_A, WEB_Q(.opt = true), ANSWER(N_WEB) },
	{ "edns_do_echoed", DEV_A, WEB_Q(.opt = true, .opt_do = true), ANSWER(N_WEB) },
	{ "edns_cookie_ignored", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_cookie, .opt_dlen = sizeof(opt_cookie)), ANSWER(N_WEB) },
	{ "edns_cookie_and_padding", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_cookie_padding, .opt_dlen = sizeof(opt_cookie_padding)), ANSWER(N_WEB) },
	{ "edns_unknown_option_helper", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_ecs, .opt_dlen = sizeof(opt_ecs)), HELPER },
	{ "edns_version_1_helper", DEV_A, WEB_Q(.opt = true, .opt_version = 1), HELPER },
	{ "edns_option_overruns_formerr", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_overrun, .opt_dlen = sizeof(opt_overrun)), FORMERR },
	{ "edns_option_stub_formerr", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_stub, .opt_dlen = sizeof(opt_stub)), FORMERR },
	{ "edns_more_options_than_walked", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_nine, .opt_dlen = sizeof(opt_nine)), HELPER },
	{ "edns_rdlen_short_of_end_helper", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_cookie, .opt_dlen = sizeof(opt_cookie), .opt_rdlen_delta = -4), HELPER },
	{ "edns_rdlen_past_end_helper", DEV_A, WEB_Q(.opt = true, .opt_rdlen_delta = 2), HELPER },
	{ "edns_opt_cut_helper", DEV_A, WEB_Q(.opt = true, .cut = 12 + 9 + 6), HELPER },
	{ "edns_query_over_512_helper", DEV_A,
	  WEB_Q(.opt = true, .opt_data = opt_padding_big, .opt_dlen = sizeof(opt_padding_big),
		.opt_rdlen_delta = sizeof(padding500), .extra = padding500, .extra_len = sizeof(padding500)),
	  HELPER },
	{ "additional_not_opt_helper", DEV_A,
	  WEB_Q(.counts = true, .qd = 1, .ar = 1, .extra = rr_a, .extra_len = sizeof(rr_a)), HELPER },

	/* Not for us, or not sure: to the helper (rows 7, 8 root, 9, 11, trailing bytes). */
	{ "name_on_other_network_helper", DEV_A, Q("db"), HELPER },
	{ "unknown_name_helper", DEV_A, Q("nosuch"), HELPER },
	{ "no_scope_helper", DEV_D, Q("db"), HELPER },
	{ "root_name_helper", DEV_A, { .wire = w_root, .wire_len = sizeof(w_root) }, HELPER },
	{ "class_chaos_helper", DEV_A, WEB_Q(.qclass = 3), HELPER },
	{ "arcount_2_helper", DEV_A, WEB_Q(.counts = true, .qd = 1, .ar = 2, .opt = true), HELPER },
	{ "trailing_bytes_helper", DEV_A, WEB_Q(.extra = extra3, .extra_len = sizeof(extra3)), HELPER },
	{ "udp_length_below_8_helper", DEV_A, WEB_Q(.ulen_delta = -(8 + 21) + 7), HELPER },
	{ "udp_length_beyond_ip_helper", DEV_A, WEB_Q(.ulen_delta = 1), HELPER },
	{ "ip_fragment_mf_passed_on", DEV_A, WEB_Q(.frag = 0x2000), HELPER },
	{ "ip_fragment_offset_passed_on", DEV_A, WEB_Q(.frag = 0x0003), HELPER },
	{ "ip_options_passed_on", DEV_A, WEB_Q(.opt_words = 1), HELPER },

	/* Malformed (rows 3-6, 8). */
	{ "short_dropped", DEV_A, RAWQ(m_short), DNSDROP(XNET_DROP_DNS_SHORT) },
	{ "empty_dropped", DEV_A, { .raw = m_short, .raw_len = 0 }, DNSDROP(XNET_DROP_DNS_SHORT) },
	{ "response_dropped", DEV_A, RAWQ(m_response), DNSDROP(XNET_DROP_DNS_NOT_QUERY) },
	{ "opcode_2_notimp", DEV_A, RAWQ(m_opcode2), NOTIMP },
	{ "opcode_5_notimp", DEV_A, RAWQ(m_opcode5_cd), NOTIMP },
	{ "header_only_formerr", DEV_A, RAWQ(m_header_only), FORMERR },
	{ "qdcount_0_formerr", DEV_A, WEB_Q(.counts = true, .qd = 0), FORMERR },
	{ "qdcount_2_formerr", DEV_A, WEB_Q(.counts = true, .qd = 2), FORMERR },
	{ "ancount_1_formerr", DEV_A, WEB_Q(.counts = true, .qd = 1, .an = 1), FORMERR },
	{ "nscount_1_formerr", DEV_A, WEB_Q(.counts = true, .qd = 1, .ns = 1), FORMERR },
	{ "pointer_formerr", DEV_A, { .wire = w_pointer, .wire_len = sizeof(w_pointer) }, FORMERR },
	{ "pointer_after_label_formerr", DEV_A,
	  { .wire = w_pointer_later, .wire_len = sizeof(w_pointer_later) }, FORMERR },
	{ "label_0x40_formerr", DEV_A, { .wire = w_ext40, .wire_len = sizeof(w_ext40) }, FORMERR },
	{ "label_0x80_formerr", DEV_A, { .wire = w_ext80, .wire_len = sizeof(w_ext80) }, FORMERR },
	{ "name_256_bytes_formerr", DEV_A, Q(too_long), FORMERR },
	{ "label_past_end_formerr", DEV_A, { .wire = w_label_past_end, .wire_len = sizeof(w_label_past_end) }, FORMERR },
	{ "name_without_root_formerr", DEV_A, { .wire = w_no_root, .wire_len = sizeof(w_no_root) }, FORMERR },
	{ "qtype_truncated_formerr", DEV_A, { .wire = w_qtype_cut, .wire_len = sizeof(w_qtype_cut) }, FORMERR },
	{ "qclass_truncated_formerr", DEV_A, { .wire = w_qclass_cut, .wire_len = sizeof(w_qclass_cut) }, FORMERR },

	/* Not DNS at all: the existing path, untouched. */
	{ "port_54_not_dns", DEV_A, WEB_Q(.dport = 54), HELPER },
	{ "tcp_53_not_dns", DEV_A, WEB_Q(.tcp = true), HELPER },
	{ "other_address_not_dns", DEV_A, WEB_Q(.daddr = IP4(198, 51, 100, 53)), HELPER },
	{ "network_without_dns", DEV_E, WEB_Q(), HELPER },
};

static void run_case(const struct dcase *c)
{
	struct dframe in, want;
	struct msg qm, rm;
	__u32 rotor = 0;
	unsigned n;
	struct dres r;
	const struct fx_name *nm;

	build_query(c->dev, &c->q, &in, &qm);
	if (c->w.kind == W_ANSWER || c->w.kind == W_EMPTY)
		rotor = rotor_of(c->w.rr);
	if (!run(c->dev, &in, &r))
		return;

	switch (c->w.kind) {
	case W_ANSWER:
	case W_EMPTY:
		nm = &names[c->w.rr];
		n = c->w.kind == W_EMPTY ? 0 : c->w.n ? c->w.n : nm->count;
		model_answer(&qm, nm, n, rotor % nm->count, c->w.n != 0, c->q.opt, c->q.opt_do, &rm);
		build_reply_frame(&in, &rm, &want);
		check_reply(c->dev, &r, &want);
		/* Answers move the rotor on; empty answers have nothing to rotate. */
		ASSERT_EQ(rotor_of(c->w.rr), rotor + (c->w.kind == W_ANSWER), "rotor after the answer");
		break;
	case W_ERROR:
		model_error(&qm, c->w.rcode, &rm);
		build_reply_frame(&in, &rm, &want);
		check_reply(c->dev, &r, &want);
		break;
	case W_HELPER:
		check_up(gw_of(c->dev), &r, &in);
		break;
	case W_DROP:
		check_drop(c->w.drop, &r, &in);
		break;
	}
}

/* ------------------------------------------------------------ beyond one row */

/* One answer spelled out byte by byte: the model above says the same. */
static void test_answer_bytes(void)
{
	static const __u8 want_msg[] = {
		0xbe, 0xef, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,	/* header */
		0x03, 'W', 'e', 'b', 0x00, 0x00, 0x01, 0x00, 0x01,			/* question as sent */
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04,	/* A IN 600 */
		10, 1, 0, 3,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,	/* OPT 1232, DO */
	};
	struct dq q = { .qname = "Web", .opt = true, .opt_do = true,
			.opt_data = opt_cookie, .opt_dlen = sizeof(opt_cookie) };
	struct dframe in;
	struct msg qm;
	struct dres r;
	const __u8 *ip, *udp;

	build_query(DEV_A, &q, &in, &qm);
	if (!run(DEV_A, &in, &r))
		return;
	ASSERT_EQ(r.verdict, TC_ACT_REDIRECT, "redirected");
	ASSERT_EQ(r.rec.kind, XNET_ST_REDIRECT_PEER, "back into the sandbox");
	ASSERT_EQ(r.rec.ifindex, fx_ifindex(DEV_A), "the asking one");
	if (!ASSERT_EQ(r.out.len, 14 + 20 + 8 + sizeof(want_msg), "length"))
		return;
	ASSERT_MEMEQ(r.out.d, MAC_A, 6, "Ethernet destination: the asker");
	ASSERT_MEMEQ(r.out.d + 6, MAC_GW1, 6, "Ethernet source: the gateway");
	ip = r.out.d + 14;
	udp = ip + 20;
	ASSERT_EQ(ip[8], 64, "IP TTL");
	ASSERT_EQ((ip[2] << 8) | ip[3], 20 + 8 + sizeof(want_msg), "IP total length");
	ASSERT_MEMEQ(ip + 12, &(__be32){ IP_GW1 }, 4, "IP source: the DNS address");
	ASSERT_MEMEQ(ip + 16, &(__be32){ IP_A }, 4, "IP destination: the asker");
	ASSERT_EQ((udp[0] << 8) | udp[1], 53, "UDP source port");
	ASSERT_EQ((udp[2] << 8) | udp[3], 40000, "UDP destination port");
	ASSERT_EQ((udp[4] << 8) | udp[5], 8 + sizeof(want_msg), "UDP length");
	ASSERT_MEMEQ(udp + 8, want_msg, sizeof(want_msg), "DNS message");
	csums_valid(&r.out);
}

/* Two queries for a 3-address name start at different addresses, in turn. */
static void test_round_robin(void)
{
	const struct fx_name *nm = &names[N_ALIAS];
	__u32 first = rotor_of(N_ALIAS);
	__be32 seen[2];

	for (int i = 0; i < 2; i++) {
		struct dq q = { .qname = "alias" };
		struct dframe in, want;
		struct msg qm, rm;
		struct dres r;

		build_query(DEV_A, &q, &in, &qm);
		if (!run(DEV_A, &in, &r))
			return;
		model_answer(&qm, nm, 3, (first + i) % 3, false, false, false, &rm);
		build_reply_frame(&in, &rm, &want);
		if (!check_reply(DEV_A, &r, &want))
			return;
		/* The first record's address: header 12 + question 11 + 12 bytes of record. */
		memcpy(&seen[i], r.out.d + 42 + 12 + 11 + 12, 4);
	}
	ASSERT_NEQ(seen[0], seen[1], "the second answer starts at another address");
	ASSERT_EQ(rotor_of(N_ALIAS), first + 2, "rotor moved once per answer");
}

/* The rotor starts anywhere: every start position wraps around the rrset. */
static void test_rotor_wraps(void)
{
	struct xnet_dns_rrset rr;
	struct xnet_dns_key k;

	name_key(&names[N_MANY], &k);
	for (__u32 rotor = 0; rotor < 2 * XNET_DNS_MAX_ADDRS; rotor += 13) {
		struct dq q = { .qname = "many", .opt = true };
		struct dframe in, want;
		struct msg qm, rm;
		struct dres r;

		if (!ASSERT_OK(bpf_map_lookup_elem(env.names, &k, &rr) ? -errno : 0, "read rrset"))
			return;
		rr.rotor = rotor;
		if (!ASSERT_OK(bpf_map_update_elem(env.names, &k, &rr, BPF_ANY) ? -errno : 0, "set rotor"))
			return;
		build_query(DEV_A, &q, &in, &qm);
		if (!run(DEV_A, &in, &r))
			return;
		model_answer(&qm, &names[N_MANY], XNET_DNS_MAX_ADDRS, rotor % XNET_DNS_MAX_ADDRS, false, true, false,
			     &rm);
		build_reply_frame(&in, &rm, &want);
		if (!check_reply(DEV_A, &r, &want))
			return;
	}
}

/* A name removed from the map is no longer answered: the helper gets the query. */
static void test_name_removed(void)
{
	struct xnet_dns_key k;
	struct dq q = { .qname = "web" };
	struct dframe in;
	struct msg qm;
	struct dres r;

	name_key(&names[N_WEB], &k);
	if (!ASSERT_OK(bpf_map_delete_elem(env.names, &k) ? -errno : 0, "delete web"))
		return;
	build_query(DEV_A, &q, &in, &qm);
	if (run(DEV_A, &in, &r))
		check_up(DEV_GW1, &r, &in);
	ASSERT_OK(dns_maps_fill(), "put the names back");
}

static const struct {
	const char *name;
	void (*fn)(void);
} extra_tests[] = {
	{ "answer_bytes", test_answer_bytes },
	{ "round_robin", test_round_robin },
	{ "rotor_wraps", test_rotor_wraps },
	{ "name_removed", test_name_removed },
};

static void run_all(bool cached)
{
	struct lxc_test *skel = NULL;
	bool dns_on = false;

	long_names();
	for (unsigned i = 0; i < XNET_DNS_MAX_ADDRS; i++)
		names[N_MANY].addrs[i] = IP4(10, 1, 1, i + 1);
	memset(&env, 0, sizeof(env));
	env.cached = cached;
	skel = fx_lxc_load(cached);
	if (!skel)
		return;
	env.obj = skel->obj;
	env.prog = bpf_program__fd(skel->progs.lxc_ingress);
	env.names = fx_map_fd(env.obj, "xnet_dns_names");
	env.scope = fx_map_fd(env.obj, "xnet_dns_scope");
	env.networks = fx_map_fd(env.obj, "xnet_networks");
	if (!ASSERT_OK(cached ? dp_net_dns(true) : raw_net_dns(true), "networks 1 and 2 get embedded DNS"))
		goto out;
	dns_on = true;
	if (!ASSERT_OK(dns_maps_fill(), "fill the DNS maps"))
		goto out;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		if (xt__start_subtest(cases[i].name))
			run_case(&cases[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(extra_tests); i++)
		if (xt__start_subtest(extra_tests[i].name))
			extra_tests[i].fn();
out:
	/* In cached mode the maps are the datapath's, shared with the other tests. */
	if (env.names >= 0 && env.scope >= 0 && env.obj)
		dns_maps_clear();
	if (dns_on)
		cached ? dp_net_dns(false) : raw_net_dns(false);
	lxc_test__destroy(skel);
}

/* Maps as any writer of the ABI would fill them. */
XT_TEST(dns)
{
	run_all(false);
}

/* Networks written by user/datapath/: the sender's network flags come from the if-cache. */
XT_TEST(dns_cached)
{
	run_all(true);
}
