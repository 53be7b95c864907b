/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dns: the embedded DNS server's fast path. A user-defined network's DNS
 * address is its gateway address, port 53; the lxc program answers A
 * queries over UDP from xnet_dns_names, in place, back into the asking
 * sandbox, and hands everything it is not sure about to the helper process
 * (`xnet system dns-helper`), which listens on the same address in the host's
 * namespace: "to the helper" below is the normal way up, a redirect to the
 * gateway device's ingress.
 *
 * Entry (dns_wanted, then dns_handle): an IPv4 frame from a sandbox (source
 * already checked) to the gateway MAC, daddr == gw_ip, protocol UDP, dport 53,
 * on a network with XNET_NET_DNS. Anything else is not DNS and takes the
 * existing path untouched. Then, in order:
 *  1. IP fragment (MF or offset), IP options (ihl > 5), or a GSO packet:
 *     passed on to the existing path (which takes it to the helper).
 *  2. UDP length field < 8 or beyond the IP payload: to the helper (the
 *     kernel drops it there).
 *  3. DNS message < 12 bytes: dropped, XNET_DROP_DNS_SHORT, no reply.
 *  4. QR=1: dropped, XNET_DROP_DNS_NOT_QUERY, no reply (never answer answers).
 *     A message over DNS_MSG_MAX (512) bytes: to the helper (BPF keeps its
 *     buffers and checksum work bounded; real queries are far smaller).
 *  5. opcode != QUERY: NOTIMP (rcode 4), header only.
 *  6. qdcount != 1, ancount != 0 or nscount != 0: FORMERR (rcode 1), header only.
 *  7. arcount > 1: to the helper.
 *  8. QNAME: a compression pointer (0xC0..0xFF: in the first question there
 *     is nothing before it to point to), an extended label type (0x40..0xBF),
 *     a name over 255 bytes, or name/qtype/qclass running past the message:
 *     FORMERR, header only. The root name: to the helper.
 *  9. QCLASS != IN: to the helper.
 * 10. arcount == 1: an OPT RR (root name, type 41) ending exactly at the end
 *     of the message, of version 0, else to the helper (which answers
 *     BADVERS). Its options (at most DNS_MAX_OPTS): COOKIE and PADDING are
 *     ignored (RFC 7873 lets a server that does no cookies answer without
 *     one), any other code goes to the helper; option lengths that do not add
 *     up to RDLEN exactly: FORMERR. arcount == 0 and bytes after the question:
 *     to the helper.
 * 11. xnet_dns_scope[ingress ifindex]; none: to the helper. The lowercased
 *     name is looked up in xnet_dns_names under each network of the scope in
 *     order; the first hit answers; no hit: to the helper (it forwards or
 *     answers NXDOMAIN).
 * 12. Hit, QTYPE A or ANY: the rrset's addresses, starting at rotor % count
 *     and wrapping (round robin between queries). Any other QTYPE: an empty
 *     NOERROR (the name exists, not with that type), not forwarded.
 * 13. The answer, built in place: id kept, QR AA RA set, RD and CD echoed,
 *     opcode 0, rcode 0; qdcount 1, ancount n, nscount 0, arcount 1 when the
 *     query had an OPT; the question as it came (case kept); n records
 *     `c0 0c` A IN XNET_DNS_TTL rdlen 4 address; a fresh OPT (payload size
 *     DNS_EDNS_SIZE, version 0, flags = the query's DO bit, no options) when
 *     the query had one. At most 512 bytes of message without OPT, else
 *     max(512, the client's size): as many records as fit, and TC when not
 *     all did. IP and UDP addresses/ports swapped, TTL 64, lengths and
 *     checksums right, Ethernet swapped; bpf_redirect_peer back into the
 *     asking sandbox.
 * Header-only replies (NOTIMP, FORMERR): id kept, QR set, opcode and RD
 * echoed, the rcode, all four counts 0, the message cut to its 12 bytes.
 *
 * Checksums: a sandbox's socket sends CHECKSUM_PARTIAL packets (the UDP field
 * holds the pseudo-header sum only), BPF_PROG_RUN sends CHECKSUM_NONE ones
 * (the full sum). Neither is visible to BPF, so every change goes through
 * bpf_l4_csum_replace, which applies data changes only where the field holds
 * them and pseudo-header changes (BPF_F_PSEUDO_HDR) everywhere:
 *  - swapped addresses and ports leave the sum as it is;
 *  - the new header and the bytes after the question (removed and added) go
 *    in as one bpf_csum_diff difference;
 *  - the UDP length changes twice: in the header and in the pseudo header.
 * BPF_F_MARK_MANGLED_0 keeps a query sent without checksum (0) at 0. The IP
 * header checksum is recomputed whole (the stack never offloads it).
 *
 * Verifier: the loops (name walk, key fill, scope lookup, records) would
 * each multiply the states of everything after them; the steps holding them
 * are global functions (dns_parse, dns_qname_len, dns_key_fill, dns_answer,
 * dns_build_answers, dns_reply), each checked once on its own, whatever
 * state lxc arrives in. Their scalar arguments are 64-bit: clang 14 would
 * otherwise bound a zero-extended copy and pass the original on. Together
 * they add about 16k verified instructions to lxc's 23k.
 */
#ifndef XNET_LIB_DNS_H
#define XNET_LIB_DNS_H

#include <stddef.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include "lib/ctx.h"
#include "lib/eth.h"
#include "lib/maps.h"
#include "lib/drop.h"
#include "lib/redirect.h"
#include "lib/csum_diff.h"

#define DNS_PORT		53
#define DNS_HDR_LEN		12
#define DNS_OFF			(ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))
#define DNS_UDP_CSUM_OFF	(ETH_HLEN + sizeof(struct iphdr) + offsetof(struct udphdr, check))
#define DNS_MSG_MAX		512	/* longest query answered here; longer ones: to the helper */
_Static_assert((DNS_MSG_MAX & (DNS_MSG_MAX - 1)) == 0, "buffer masks need a power of 2");
#define DNS_UDP_MIN		512	/* RFC 1035: what every client takes over UDP */
#define DNS_EDNS_SIZE		1232	/* our advertised UDP payload size (DNS flag day 2020) */
#define DNS_MAX_OPTS		8	/* EDNS options walked; more: to the helper */
#define DNS_NAME_MAX		(XNET_DNS_NAME_LEN - 1)	/* 255: RFC 1035 2.3.4 */
#define DNS_Q_MAX		(DNS_NAME_MAX + 4)	/* a question: name, qtype, qclass */
#define DNS_QBUF		512	/* question buffer: a power of 2 above DNS_Q_MAX, for masks */
#define DNS_A_RR_LEN		16	/* c0 0c, type, class, TTL, rdlen, address */
#define DNS_OPT_LEN		11	/* an OPT RR without options */
/* Room for the added bytes: every address and an OPT. */
#define DNS_OUT_MAX		1024
_Static_assert(XNET_DNS_MAX_ADDRS * DNS_A_RR_LEN + DNS_OPT_LEN + 4 <= DNS_OUT_MAX, "answer buffer");

/* Header bits (RFC 1035 4.1.1, RFC 4035 3.2). */
#define DNS_F1_QR		0x80
#define DNS_F1_OPCODE		0x78
#define DNS_F1_AA		0x04
#define DNS_F1_TC		0x02
#define DNS_F1_RD		0x01
#define DNS_F2_RA		0x80
#define DNS_F2_CD		0x10
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_NOTIMP	4

#define DNS_TYPE_A		1
#define DNS_TYPE_OPT		41
#define DNS_TYPE_ANY		255
#define DNS_CLASS_IN		1
#define DNS_OPT_COOKIE		10	/* RFC 7873 */
#define DNS_OPT_PADDING		12	/* RFC 7830 */
#define DNS_EDNS_DO		0x8000	/* in the OPT TTL's low 16 bits */

struct dns_hdr {
	__be16 id;
	__u8 flags1;		/* QR, opcode, AA, TC, RD */
	__u8 flags2;		/* RA, Z, AD, CD, rcode */
	__be16 qdcount;
	__be16 ancount;
	__be16 nscount;
	__be16 arcount;
};

/* Ethernet, IPv4 and UDP headers of a query as one block, IPv4 on a 4-byte boundary. */
struct dns_front {
	__u16 pad;
	struct ethhdr eth;
	struct iphdr ip;
	struct udphdr udp;
	struct dns_hdr dns;
};
#define DNS_FRONT_LEN	(DNS_OFF + DNS_HDR_LEN)
_Static_assert(offsetof(struct dns_front, dns) - offsetof(struct dns_front, eth) == DNS_OFF,
	       "front block layout");

/*
 * Per-CPU scratch space: the lookup key (260 bytes) and the byte buffers do
 * not fit the 512-byte stack. One packet at a time per CPU (tc runs with
 * BH disabled), nothing kept between packets.
 */
struct dns_scratch {
	struct xnet_dns_key key;	/* net_id + the name, lowercased, zero padded */
	struct dns_hdr hdr;		/* the query's header */
	/* What dns_parse found (DNS_LOOKUP only): */
	__u32 mlen;			/* DNS message length (UDP payload) */
	__u32 namelen;			/* QNAME's wire length, root label included */
	__u16 qtype;
	__u16 edns_size;		/* 0: no OPT; else the client's size, at least 512 */
	__u16 edns_do;			/* DNS_EDNS_DO when the query set it */
	__u16 pad;
	struct dns_front front;		/* the reply's headers, built here and stored at once */
	__u8 q[DNS_QBUF] __attribute__((aligned(8)));	/* the question as read */
	__u8 old[DNS_MSG_MAX];		/* bytes the reply takes away (for the checksum) */
	__u8 out[DNS_OUT_MAX] __attribute__((aligned(8)));	/* bytes the reply adds */
};

/* Embedded DNS: per-CPU scratch of lxc (struct dns_scratch). Holds nothing between packets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} xnet_dns_buf SEC(".maps");

static __always_inline struct dns_scratch *dns_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xnet_dns_buf, &zero);
}

/* What dns_parse decided. */
enum dns_act {
	DNS_HELPER = 0,		/* up to the helper, untouched */
	DNS_DROP_SHORT,
	DNS_DROP_NOT_QUERY,
	DNS_NOTIMP,		/* header-only replies */
	DNS_FORMERR,
	DNS_LOOKUP,		/* a well-formed question: s->key, s->qtype, ... are set */
};

/* ASCII A-Z to a-z in 8 bytes at once; every other byte value stays as it is. */
static __always_inline __u64 dns_lower8(__u64 x)
{
	__u64 h = x & 0x7f7f7f7f7f7f7f7fULL;
	__u64 ge_a = h + 0x3f3f3f3f3f3f3f3fULL;	/* bit 7 set where h >= 'A' */
	__u64 gt_z = h + 0x2525252525252525ULL;	/* bit 7 set where h > 'Z' */
	__u64 upper = ge_a & ~gt_z & ~x & 0x8080808080808080ULL;	/* and x < 0x80 */

	return x | (upper >> 2);
}

/* The first @k (1..7) bytes of the 8 at @x as they lie in memory, the rest 0. */
static __always_inline __u64 dns_keep_bytes(__u64 x, __u32 k)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return x & ((1ULL << (k * 8)) - 1);
#else
	return x & ~(~0ULL >> (k * 8));
#endif
}

/*
 * s->key.name = the first @namelen bytes of s->q, lowercased, zero padded:
 * the form the CLI writes keys in. Eight bytes a step, all 32 steps always
 * (the padding must be zero whatever the last packet left here). Global:
 * inlined, every step would split the caller's state on @namelen.
 */
__noinline long dns_key_fill(struct dns_scratch *s, __u64 namelen)
{
	if (!s)
		return -1;
	/*
	 * Unrolled: constant offsets, so that @namelen, only compared, stays
	 * imprecise and the verifier's states at each step merge.
	 */
#pragma unroll
	for (__u32 off = 0; off < XNET_DNS_NAME_LEN; off += 8) {
		__u64 v = 0;

		if (off < namelen) {
			v = *(__u64 *)&s->q[off];
			if (namelen - off < 8)
				v = dns_keep_bytes(v, namelen - off);
			v = dns_lower8(v);
		}
		*(__u64 *)&s->key.name[off] = v;
	}
	return 0;
}

/*
 * The QNAME at the start of s->q (@n bytes valid): its wire length (root
 * label included, 1..255), or -1 for FORMERR (pointer, extended label type,
 * over 255 bytes, past @n). 128 steps are enough: each label but the root
 * takes at least 2 of the 255 bytes. Global: the walk has an exit per step,
 * and the verifier would otherwise carry each of them through the rest.
 */
__noinline long dns_qname_len(const struct dns_scratch *s, __u64 n)
{
	__u32 pos = 0;

	if (!s || n > DNS_Q_MAX)
		return -1;
	for (int i = 0; i < 128; i++) {
		__u8 l;

		if (pos >= n)
			return -1;
		l = s->q[pos & (DNS_QBUF - 1)];
		if (l == 0)
			return pos + 1;
		if (l > 63)		/* 0x40..0xBF extended/reserved, 0xC0.. pointer */
			return -1;
		pos += l + 1;
		if (pos >= DNS_NAME_MAX)	/* no room left for the root label */
			return -1;
	}
	return -1;
}

/*
 * The OPT RR at message offset @at (arcount == 1), RFC 6891 6.1.2: fills
 * s->edns_size and s->edns_do and returns DNS_LOOKUP, or what to do instead.
 */
static __always_inline int dns_parse_opt(struct __sk_buff *ctx, struct dns_scratch *s, __u64 at)
{
	__u8 rr[DNS_OPT_LEN];
	__u64 rdlen, pos = 0;
	__u16 size;

	if (at + DNS_OPT_LEN > s->mlen ||
	    bpf_skb_load_bytes(ctx, DNS_OFF + at, rr, sizeof(rr)))
		return DNS_HELPER;
	if (rr[0] != 0 || rr[1] != 0 || rr[2] != DNS_TYPE_OPT)
		return DNS_HELPER;	/* not an OPT: a TSIG or the like, the helper's */
	rdlen = (rr[9] << 8) | rr[10];
	if (at + DNS_OPT_LEN + rdlen != s->mlen)
		return DNS_HELPER;
	if (rr[6] != 0)
		return DNS_HELPER;	/* EDNS version > 0: the helper answers BADVERS */

	for (int i = 0; i < DNS_MAX_OPTS; i++) {
		__u8 opt[4];
		__u32 code, len;

		if (pos == rdlen)
			break;
		if (rdlen - pos < sizeof(opt) ||
		    bpf_skb_load_bytes(ctx, DNS_OFF + at + DNS_OPT_LEN + pos, opt, sizeof(opt)))
			return DNS_FORMERR;
		code = (opt[0] << 8) | opt[1];
		len = (opt[2] << 8) | opt[3];
		if (len > rdlen - pos - sizeof(opt))
			return DNS_FORMERR;
		if (code != DNS_OPT_COOKIE && code != DNS_OPT_PADDING)
			return DNS_HELPER;
		pos += sizeof(opt) + len;
	}
	if (pos != rdlen)
		return DNS_HELPER;	/* more options than we walk */

	size = (rr[3] << 8) | rr[4];
	s->edns_size = size < DNS_UDP_MIN ? DNS_UDP_MIN : size;
	s->edns_do = ((rr[7] << 8) | rr[8]) & DNS_EDNS_DO;
	return DNS_LOOKUP;
}

/*
 * Rows 2 to 10 of the spec above, on a UDP datagram to the DNS address:
 * @payload is the IP payload length, @ulen the UDP length field. Reads the
 * packet only (bpf_skb_load_bytes), never changes it. Global, so that the
 * verifier checks it once (see the top of this file); its caller gets an
 * enum dns_act and, for DNS_LOOKUP, s filled in.
 */
__noinline long dns_parse(struct __sk_buff *ctx, struct dns_scratch *s, __u64 payload, __u64 ulen)
{
	/* 64-bit: clang 14 would bound a zero-extended copy and pass the original on. */
	__u64 mlen, n, namelen, qclass, at;
	long len;

	if (!ctx || !s)
		return DNS_HELPER;
	if (ulen < sizeof(struct udphdr) || ulen > payload || payload > 0xffff)
		return DNS_HELPER;
	mlen = ulen - sizeof(struct udphdr);
	if (mlen < DNS_HDR_LEN)
		return DNS_DROP_SHORT;
	if (bpf_skb_load_bytes(ctx, DNS_OFF, &s->hdr, sizeof(s->hdr)))
		return DNS_HELPER;
	if (s->hdr.flags1 & DNS_F1_QR)
		return DNS_DROP_NOT_QUERY;
	if (mlen > DNS_MSG_MAX)
		return DNS_HELPER;
	s->mlen = mlen;
	if (s->hdr.flags1 & DNS_F1_OPCODE)
		return DNS_NOTIMP;
	if (s->hdr.qdcount != bpf_htons(1) || s->hdr.ancount || s->hdr.nscount)
		return DNS_FORMERR;
	if (bpf_ntohs(s->hdr.arcount) > 1)
		return DNS_HELPER;

	/* The question: at most 259 bytes of it matter. */
	n = mlen - DNS_HDR_LEN;
	if (n > DNS_Q_MAX)
		n = DNS_Q_MAX;
	if (n == 0)
		return DNS_FORMERR;
	if (bpf_skb_load_bytes(ctx, DNS_OFF + DNS_HDR_LEN, s->q, n))
		return DNS_HELPER;
	len = dns_qname_len(s, n);
	if (len < 1 || len > DNS_NAME_MAX)
		return DNS_FORMERR;
	namelen = len;
	if (namelen + 4 > n)
		return DNS_FORMERR;	/* qtype/qclass past the end */
	if (namelen == 1)
		return DNS_HELPER;	/* the root: nothing of ours */
	s->qtype = (s->q[namelen & (DNS_QBUF - 1)] << 8) | s->q[(namelen + 1) & (DNS_QBUF - 1)];
	qclass = (s->q[(namelen + 2) & (DNS_QBUF - 1)] << 8) | s->q[(namelen + 3) & (DNS_QBUF - 1)];
	if (qclass != DNS_CLASS_IN)
		return DNS_HELPER;

	at = DNS_HDR_LEN + namelen + 4;
	s->namelen = namelen;
	s->edns_size = 0;
	s->edns_do = 0;
	if (s->hdr.arcount) {
		int act = dns_parse_opt(ctx, s, at);

		if (act != DNS_LOOKUP)
			return act;
	} else if (at != mlen) {
		return DNS_HELPER;	/* trailing bytes */
	}
	dns_key_fill(s, namelen);
	return DNS_LOOKUP;
}

/* Fold a bpf_csum_diff result to 16 bits, bytes swapped when it was summed at an odd offset. */
static __always_inline __u32 dns_csum_at(__s64 sum, bool odd)
{
	__u16 f = csum_fold32((__u32)sum);

	return odd ? (__u16)((f << 8) | (f >> 8)) : f;
}

/*
 * The checksum difference of replacing the message's bytes from @keep on
 * (s->old, @olen bytes) with s->out (@add bytes), and its header s->hdr with
 * s->front.dns. The buffers are zero padded to 4 bytes (bpf_csum_diff's
 * unit); zeros add nothing. The replaced bytes start at @keep, odd when the
 * name's length is even: their sum is then byte-swapped (RFC 1071 2.B).
 * bpf_csum_diff takes at most 512 bytes a call on older kernels: the added
 * bytes go in two parts. Negative: a bpf_csum_diff error.
 */
static __always_inline __s64 dns_csum_diff(struct dns_scratch *s, __u64 keep, __u64 olen, __u64 add)
{
	__u64 o4 = (olen + 3) & ~3ULL, a4 = (add + 3) & ~3ULL, first;
	__s64 sum;

	if (o4 > DNS_MSG_MAX || a4 > DNS_OUT_MAX - 4)
		return -1;
	for (int i = 0; i < 3; i++) {
		s->old[(olen + i) & (DNS_MSG_MAX - 1)] = 0;
		s->out[(add + i) & (DNS_OUT_MAX - 1)] = 0;
	}
	sum = bpf_csum_diff((__be32 *)s->old, o4, NULL, 0, 0);
	if (sum < 0)
		return sum;
	first = a4 > 256 ? 256 : a4;
	sum = bpf_csum_diff(NULL, 0, (__be32 *)s->out, first, sum);
	if (sum >= 0 && a4 > first)
		sum = bpf_csum_diff(NULL, 0, (__be32 *)&s->out[256], a4 - first, sum);
	if (sum < 0)
		return sum;
	return bpf_csum_diff((__be32 *)&s->hdr, sizeof(s->hdr), (__be32 *)&s->front.dns,
			     sizeof(s->front.dns), dns_csum_at(sum, keep & 1));
}

/* The IPv4 header checksum, whole: ten 16-bit words. */
static __always_inline __u16 dns_ip_csum(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;

	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += w[i];
	return (__u16)~csum_fold32(sum);
}

/* What dns_reply did. */
enum dns_reply_res {
	DNS_REPLY_SENT = 0,	/* the frame is the reply: send it back */
	DNS_REPLY_UNCHANGED,	/* failed before touching the frame: to the helper */
	DNS_REPLY_BROKEN,	/* failed half way (cannot happen): drop */
};

/*
 * Turn the query into the reply in place: the message keeps its first @keep
 * bytes (the question, or only the header's room), gets header s->front.dns
 * and s->out[0..@add) after them; Ethernet, IP and UDP turned around.
 * Nothing is changed before the one step that can fail for want of memory.
 * Global, verified once: its callers come out of loops in many states.
 */
__noinline long dns_reply(struct __sk_buff *ctx, struct dns_scratch *s, __u64 keep, __u64 add)
{
	struct dns_front *f;
	__u64 mlen, olen, nlen;
	__u32 mac_lo;
	__be16 old_ulen, new_ulen, port;
	__u16 mac_hi;
	__be32 addr;
	__s64 sum;

	if (!ctx || !s)
		return DNS_REPLY_UNCHANGED;
	f = &s->front;
	mlen = s->mlen;
	if (keep < DNS_HDR_LEN || keep > mlen || mlen > DNS_MSG_MAX || add > DNS_OUT_MAX - 4)
		return DNS_REPLY_UNCHANGED;
	/* Masked: the verifier then bounds the very register the helper gets. */
	olen = (mlen - keep) & (DNS_MSG_MAX - 1);
	if (olen && bpf_skb_load_bytes(ctx, DNS_OFF + keep, s->old, olen))
		return DNS_REPLY_UNCHANGED;
	if (bpf_skb_load_bytes(ctx, 0, &f->eth, DNS_OFF))
		return DNS_REPLY_UNCHANGED;
	sum = dns_csum_diff(s, keep, olen, add);
	if (sum < 0)
		return DNS_REPLY_UNCHANGED;

	/* The headers of the reply, built whole and stored at once. */
	nlen = keep + add;
	mac_lo = *(__u32 *)f->eth.h_dest;	/* registers, not the stack: that must be aligned */
	mac_hi = *(__u16 *)(f->eth.h_dest + 4);
	mac_copy(f->eth.h_dest, f->eth.h_source);
	*(__u32 *)f->eth.h_source = mac_lo;
	*(__u16 *)(f->eth.h_source + 4) = mac_hi;
	addr = f->ip.saddr;
	f->ip.saddr = f->ip.daddr;
	f->ip.daddr = addr;
	f->ip.tot_len = bpf_htons(sizeof(struct iphdr) + sizeof(struct udphdr) + nlen);
	f->ip.ttl = 64;
	f->ip.check = 0;
	f->ip.check = dns_ip_csum(&f->ip);
	port = f->udp.source;
	f->udp.source = f->udp.dest;
	f->udp.dest = port;
	old_ulen = f->udp.len;
	new_ulen = bpf_htons(sizeof(struct udphdr) + nlen);
	f->udp.len = new_ulen;

	/* Either grows or cuts: the only step that may fail for want of memory. */
	if (bpf_skb_change_tail(ctx, DNS_OFF + nlen, 0))
		return DNS_REPLY_UNCHANGED;
	/* From here on the skb is ours and long enough: these cannot fail. */
	if (bpf_skb_store_bytes(ctx, 0, &f->eth, DNS_FRONT_LEN, 0) ||
	    (add && bpf_skb_store_bytes(ctx, DNS_OFF + keep, s->out, add, 0)) ||
	    bpf_l4_csum_replace(ctx, DNS_UDP_CSUM_OFF, 0, sum, BPF_F_MARK_MANGLED_0) ||
	    bpf_l4_csum_replace(ctx, DNS_UDP_CSUM_OFF, old_ulen, new_ulen, BPF_F_MARK_MANGLED_0 | 2) ||
	    bpf_l4_csum_replace(ctx, DNS_UDP_CSUM_OFF, old_ulen, new_ulen,
				BPF_F_MARK_MANGLED_0 | BPF_F_PSEUDO_HDR | 2))
		return DNS_REPLY_BROKEN;
	return DNS_REPLY_SENT;
}

/* The frame sent where dns_reply's outcome @res says. */
static __always_inline int dns_send(struct __sk_buff *ctx, long res, __u32 gw_ifindex)
{
	switch (res) {
	case DNS_REPLY_SENT:
		return ctx_redirect_peer(ctx_ifindex(ctx));
	case DNS_REPLY_UNCHANGED:
		return ctx_redirect(gw_ifindex, BPF_F_INGRESS);
	}
	return drop(ctx, XNET_DROP_INVALID_L4);
}

/* NOTIMP / FORMERR: the header alone, id kept, opcode and RD echoed, counts 0. */
static __always_inline int dns_send_error(struct __sk_buff *ctx, struct dns_scratch *s, __u8 rcode,
					  __u32 gw_ifindex)
{
	struct dns_hdr *rh = &s->front.dns;

	rh->id = s->hdr.id;
	rh->flags1 = DNS_F1_QR | (s->hdr.flags1 & (DNS_F1_OPCODE | DNS_F1_RD));
	rh->flags2 = rcode;
	rh->qdcount = 0;
	rh->ancount = 0;
	rh->nscount = 0;
	rh->arcount = 0;
	return dns_send(ctx, dns_reply(ctx, s, DNS_HDR_LEN, 0), gw_ifindex);
}

/* The rrset of the name in s->key on the first network of the scope that has it. */
static __always_inline struct xnet_dns_rrset *dns_lookup(struct dns_scratch *s, const struct xnet_dns_scope *scope)
{
	struct xnet_dns_rrset *rr = NULL;
	__u32 nnets = scope->nnets;

	for (__u32 i = 0; i < XNET_DNS_SCOPE_MAX; i++) {
		if (i >= nnets)
			break;
		s->key.net_id = scope->net_ids[i];
		rr = bpf_map_lookup_elem(&xnet_dns_names, &s->key);
		if (rr)
			break;
	}
	return rr;
}

/*
 * Where this answer starts in the rrset, and the rotor moved on for the next
 * one: one atomic fetch-and-add (BPF_ATOMIC | BPF_FETCH, -mcpu=v3), so two
 * queries at the same instant on two CPUs still start at different addresses.
 */
static __always_inline __u32 dns_rotor_next(struct xnet_dns_rrset *rr)
{
	return __sync_fetch_and_add(&rr->rotor, 1);
}

/*
 * s->out = @n (at most XNET_DNS_MAX_ADDRS) A records of @rr from @start on,
 * wrapping at @count, then an OPT when the query had one; returns its length.
 * Global: the verifier would otherwise walk the loop once per value of @n.
 */
__noinline __u64 dns_build_answers(struct dns_scratch *s, const struct xnet_dns_rrset *rr, __u64 n,
				   __u64 start, __u64 count)
{
	__u64 idx, off;

	if (!s || !rr || n > XNET_DNS_MAX_ADDRS || count > XNET_DNS_MAX_ADDRS || start >= count)
		return 0;
	for (__u64 i = 0; i < XNET_DNS_MAX_ADDRS; i++) {
		__u64 *w = (__u64 *)&s->out[i * DNS_A_RR_LEN];

		if (i >= n)
			break;
		/*
		 * start + i, wrapped at count (both below 32), without a branch:
		 * one would split the verifier's state at every step.
		 */
		idx = start + i;
		idx -= count & (__u64)((__s64)(count - 1 - idx) >> 63);
		/* c0 0c | 00 01 (A) | 00 01 (IN) | TTL | 00 04 | address: two words in memory order */
		w[0] = bpf_cpu_to_be64(0xc00c000100010000ULL | (XNET_DNS_TTL >> 16));
		w[1] = bpf_cpu_to_be64(((__u64)(XNET_DNS_TTL & 0xffff) << 48) | (4ULL << 32)) |
		       ((__u64)rr->addrs[idx & (XNET_DNS_MAX_ADDRS - 1)] <<
			(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 32 : 0));
	}
	off = n * DNS_A_RR_LEN;
	if (s->edns_size) {
		/* Masked for the verifier: off is at most 512, which the mask keeps. */
		__u8 *o = &s->out[off & (DNS_OUT_MAX - 1)];

		if ((off & (DNS_OUT_MAX - 1)) > XNET_DNS_MAX_ADDRS * DNS_A_RR_LEN)
			return 0;
		o[0] = 0;				/* root */
		o[1] = 0;
		o[2] = DNS_TYPE_OPT;
		o[3] = DNS_EDNS_SIZE >> 8;		/* class: our UDP payload size */
		o[4] = DNS_EDNS_SIZE & 0xff;
		o[5] = 0;				/* extended rcode */
		o[6] = 0;				/* version */
		o[7] = s->edns_do >> 8;			/* DO, nothing else */
		o[8] = 0;
		o[9] = 0;				/* rdlen */
		o[10] = 0;
		off += DNS_OPT_LEN;
	}
	return off;
}

/*
 * Rows 11 to 13 of the spec above, for a question dns_parse found well
 * formed: the reply built and the frame turned into it (enum
 * dns_reply_res), or DNS_REPLY_UNCHANGED for the helper. Global, verified
 * once whatever state the program arrives in.
 */
__noinline long dns_answer(struct __sk_buff *ctx, struct dns_scratch *s)
{
	const struct xnet_dns_scope *scope;
	struct xnet_dns_rrset *rr;
	struct dns_hdr *rh;
	__u32 ifindex, namelen, count, n = 0, keep, room, start = 0, add;
	__u8 tc = 0;

	if (!ctx || !s)
		return DNS_REPLY_UNCHANGED;
	ifindex = ctx_ifindex(ctx);
	scope = bpf_map_lookup_elem(&xnet_dns_scope, &ifindex);
	if (!scope)
		return DNS_REPLY_UNCHANGED;
	rr = dns_lookup(s, scope);
	if (!rr)
		return DNS_REPLY_UNCHANGED;
	count = rr->count;
	namelen = s->namelen;
	if (count == 0 || count > XNET_DNS_MAX_ADDRS || namelen > DNS_NAME_MAX)
		return DNS_REPLY_UNCHANGED;

	keep = DNS_HDR_LEN + namelen + 4;
	if (s->qtype == DNS_TYPE_A || s->qtype == DNS_TYPE_ANY) {
		/* As many records as the client takes, the OPT's room kept. */
		room = s->edns_size > DNS_UDP_MIN ? s->edns_size : DNS_UDP_MIN;
		room -= keep + (s->edns_size ? DNS_OPT_LEN : 0);
		n = count;
		if (n * DNS_A_RR_LEN > room) {
			n = room / DNS_A_RR_LEN;
			tc = DNS_F1_TC;
		}
		start = dns_rotor_next(rr) % count;
	}
	add = dns_build_answers(s, rr, n, start, count);

	rh = &s->front.dns;
	rh->id = s->hdr.id;
	rh->flags1 = DNS_F1_QR | DNS_F1_AA | tc | (s->hdr.flags1 & DNS_F1_RD);
	rh->flags2 = DNS_F2_RA | (s->hdr.flags2 & DNS_F2_CD);
	rh->qdcount = bpf_htons(1);
	rh->ancount = bpf_htons(n);
	rh->nscount = 0;
	rh->arcount = bpf_htons(s->edns_size ? 1 : 0);
	return dns_reply(ctx, s, keep, add);
}

/*
 * The entry test, cheap enough for every frame to the gateway MAC: a UDP
 * datagram to the DNS address of a network that has one.
 */
static __always_inline bool dns_wanted(const struct iphdr *iph, const struct xnet_if_cache *src)
{
	return iph->daddr == src->gw_ip && iph->protocol == IPPROTO_UDP && (src->net_flags & XNET_NET_DNS);
}

/*
 * A datagram dns_wanted() chose, @c at its UDP header. False: not handled
 * (not port 53, or row 1), the caller goes on as for any other frame, and
 * nothing here changed the packet. True with *verdict set otherwise.
 */
static __always_inline bool dns_handle(struct __sk_buff *ctx, const struct iphdr *iph, struct cursor *c,
				       const struct xnet_if_cache *src, int *verdict)
{
	__u32 gw_ifindex = src->gw_ifindex;
	struct udphdr *udp;
	struct dns_scratch *s;
	long act = DNS_HELPER;

	if (*(__u8 *)iph != 0x45 || (iph->frag_off & bpf_htons(0x3fff)) || ctx->gso_segs > 1)
		return false;
	udp = cursor_pull(c, sizeof(*udp));
	if (!udp || udp->dest != bpf_htons(DNS_PORT))
		return false;
	s = dns_scratch();
	if (s)
		act = dns_parse(ctx, s, bpf_ntohs(iph->tot_len) - sizeof(*iph), bpf_ntohs(udp->len));

	if (!s || act == DNS_HELPER)
		*verdict = ctx_redirect(gw_ifindex, BPF_F_INGRESS);
	else if (act == DNS_DROP_SHORT)
		*verdict = drop(ctx, XNET_DROP_DNS_SHORT);
	else if (act == DNS_DROP_NOT_QUERY)
		*verdict = drop(ctx, XNET_DROP_DNS_NOT_QUERY);
	else if (act == DNS_NOTIMP)
		*verdict = dns_send_error(ctx, s, DNS_RCODE_NOTIMP, gw_ifindex);
	else if (act == DNS_FORMERR)
		*verdict = dns_send_error(ctx, s, DNS_RCODE_FORMERR, gw_ifindex);
	else
		*verdict = dns_send(ctx, dns_answer(ctx, s), gw_ifindex);
	return true;
}

#endif /* XNET_LIB_DNS_H */
