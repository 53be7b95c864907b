/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ct: the flow tuple of an IPv4 packet and the xnet_ct conntrack table
 * (layout and the meaning of OUT/IN in headers/xnet_abi.h).
 *
 * The tuple is read with bpf_skb_load_bytes, not through packet pointers:
 * the caller's pointers stay valid (lxc goes on forwarding when no NAT
 * applies), and L4 headers outside the linear head (GRO, GSO) read the same.
 *
 * Fragments: only the first fragment of a datagram carries the ports. It
 * records them in xnet_frags (frag_record) once its flow is known; the later
 * fragments find their flow through that record and have only their
 * addresses translated (their L4 checksum lives in the first fragment).
 */
#ifndef XNET_LIB_CT_H
#define XNET_LIB_CT_H

#include "lib/maps.h"
#include "lib/csum.h"

/* What a packet is, as far as NAT cares. Ports and ICMP ids in network order. */
struct nat_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;		/* ICMP echo: the identifier */
	__be16 dport;		/* ICMP echo: the identifier again */
	__u8 proto;
	__u8 tcp_flags;		/* TCP: the flags byte (FIN, SYN, RST, ACK, ...) */
	__u8 frag;		/* NAT_FRAG_* */
	__u8 icmp_type;
	__u8 ttl;
	__u8 pad;
	__be16 ip_id;
	__u32 l4_off;		/* L4 header, from the start of the frame */
	__u32 seq;		/* TCP: sequence number (host order) */
	__u32 ack_seq;		/* TCP: acknowledgment number (host order) */
};

#define NAT_FRAG_NONE		0
#define NAT_FRAG_FIRST		1	/* offset 0, more fragments follow */
#define NAT_FRAG_LATER		2	/* no L4 header: ports came from xnet_frags */

#define TCPF_FIN		0x01
#define TCPF_SYN		0x02
#define TCPF_RST		0x04
#define TCPF_ACK		0x10

#define ICMP_ECHOREPLY_T	0
#define ICMP_DEST_UNREACH_T	3
#define ICMP_ECHO_T		8
#define ICMP_TIME_EXCEEDED_T	11

/* tuple_parse() results besides the negative drop reasons. */
#define TUPLE_OK		0
#define TUPLE_OTHER		1	/* no ports to translate: other protocol or ICMP type */
#define TUPLE_FRAG_UNKNOWN	2	/* a later fragment whose first one we never saw */

/* L4 bytes the tuple needs: TCP up to the flags, UDP and ICMP their 8-byte header. */
static __always_inline __u32 l4_min_len(__u8 proto)
{
	return proto == IPPROTO_TCP ? 14 : 8;
}

/* L4 checksum offset from the frame start, 0 when this packet carries none. */
static __always_inline __u32 tuple_csum_off(const struct nat_tuple *t)
{
	if (t->frag == NAT_FRAG_LATER)
		return 0;
	return t->l4_off + l4_csum_field(t->proto);
}

static __always_inline void frag_key(struct xnet_frag_key *k, const struct nat_tuple *t)
{
	k->saddr = t->saddr;
	k->daddr = t->daddr;
	k->id = t->ip_id;
	k->proto = t->proto;
	k->pad = 0;
}

/* The first fragment of a translated datagram: tell the later ones their ports. */
static __always_inline void frag_record(const struct nat_tuple *t)
{
	struct xnet_frag_key k;
	struct xnet_frag v;

	/* Every translated packet passes here: the clock only for a first fragment. */
	if (t->frag != NAT_FRAG_FIRST)
		return;
	v.sport = t->sport;
	v.dport = t->dport;
	v.pad = 0;
	v.last_seen = bpf_ktime_get_ns();
	frag_key(&k, t);
	bpf_map_update_elem(&xnet_frags, &k, &v, BPF_ANY);
}

/*
 * The tuple's IPv4 part, ports and flags still 0. Context-free: tc and XDP
 * (uplink_xdp.bpf.c) fill their tuples alike, from any header pointer.
 */
static __always_inline void tuple_from_ipv4(struct nat_tuple *t, const struct iphdr *iph)
{
	t->saddr = iph->saddr;
	t->daddr = iph->daddr;
	t->proto = iph->protocol;
	t->ttl = iph->ttl;
	t->ip_id = iph->id;
	t->l4_off = IP4_OFF + (iph->ihl & 0xf) * 4;
	t->tcp_flags = 0;
	t->icmp_type = 0;
	t->sport = 0;
	t->dport = 0;
	t->frag = NAT_FRAG_NONE;
	t->pad = 0;
	t->seq = 0;
	t->ack_seq = 0;
}

/*
 * Ports (ICMP echo: the identifier) and TCP flags from the first
 * l4_min_len(t->proto) bytes of the L4 header at @l4, which the caller has
 * made readable: a stack copy (tc) or bounds-checked packet data (XDP).
 * TUPLE_OK, or TUPLE_OTHER for an ICMP type without an identifier.
 */
static __always_inline int tuple_from_l4(struct nat_tuple *t, const __u8 *l4)
{
	if (t->proto == IPPROTO_ICMP) {
		t->icmp_type = l4[0];
		if (l4[0] != ICMP_ECHO_T && l4[0] != ICMP_ECHOREPLY_T)
			return TUPLE_OTHER;
		t->sport = *(const __be16 *)&l4[4];
		t->dport = t->sport;
		return TUPLE_OK;
	}
	t->sport = *(const __be16 *)&l4[0];
	t->dport = *(const __be16 *)&l4[2];
	if (t->proto == IPPROTO_TCP) {
		t->tcp_flags = l4[13];
		t->seq = bpf_ntohl(*(const __be32 *)&l4[4]);
		t->ack_seq = bpf_ntohl(*(const __be32 *)&l4[8]);
	}
	return TUPLE_OK;
}

/*
 * Fill @t from the IPv4 header @iph (validated by ipv4_parse) and the L4
 * header behind it. Returns TUPLE_* or a negative enum xnet_drop_reason
 * (a truncated L4 header: -XNET_DROP_INVALID_L4).
 */
static __always_inline int tuple_parse(struct __sk_buff *ctx, const struct iphdr *iph,
				       struct nat_tuple *t)
{
	__u16 frag_off = bpf_ntohs(iph->frag_off);
	__u32 tot = bpf_ntohs(iph->tot_len);
	__u8 l4[14];

	tuple_from_ipv4(t, iph);
	if (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP && t->proto != IPPROTO_ICMP)
		return TUPLE_OTHER;

	if (frag_off & 0x1fff) {
		struct xnet_frag_key k;
		struct xnet_frag *f;

		t->frag = NAT_FRAG_LATER;
		frag_key(&k, t);
		f = bpf_map_lookup_elem(&xnet_frags, &k);
		if (!f)
			return TUPLE_FRAG_UNKNOWN;
		t->sport = f->sport;
		t->dport = f->dport;
		return TUPLE_OK;
	}
	if (frag_off & 0x2000)
		t->frag = NAT_FRAG_FIRST;

	/* IPv4 BIG TCP: tot_len 0, the length is the skb's (ipv4_parse checked it is TCP GSO). */
	if (!tot)
		tot = ctx_len(ctx) - ETH_HLEN;
	if (t->l4_off + l4_min_len(t->proto) > ETH_HLEN + tot)
		return -XNET_DROP_INVALID_L4;
	if (bpf_skb_load_bytes(ctx, t->l4_off, l4, t->proto == IPPROTO_TCP ? 14 : 8))
		return -XNET_DROP_INVALID_L4;
	return tuple_from_l4(t, l4);
}

static __always_inline void ct_key(struct xnet_ct_key *k, __be32 saddr, __be32 daddr,
				   __be16 sport, __be16 dport, __u8 proto, __u8 dir)
{
	k->saddr = saddr;
	k->daddr = daddr;
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->dir = dir;
	k->pad = 0;
}

/*
 * The entry under @k: a confirmed flow's (xnet_ct, the one lookup of every
 * packet of an established flow), else an unconfirmed one's (xnet_ct_new,
 * XNET_CTF_PENDING set). Callers treat both alike; ct_account() moves a
 * flow from one table to the other.
 */
static __always_inline struct xnet_ct_entry *ct_lookup_key(const struct xnet_ct_key *k)
{
	struct xnet_ct_entry *e = bpf_map_lookup_elem(&xnet_ct, k);
	struct xnet_ct_pending *p;

	if (e)
		return e;
	p = bpf_map_lookup_elem(&xnet_ct_new, k);
	return p ? &p->e : NULL;
}

static __always_inline struct xnet_ct_entry *ct_lookup(const struct nat_tuple *t, __u8 dir,
						       struct xnet_ct_key *k)
{
	ct_key(k, t->saddr, t->daddr, t->sport, t->dport, t->proto, dir);
	return ct_lookup_key(k);
}

/*
 * The other entry of the flow whose entry @e was found under @k: the packet
 * going the other way, as it looks at its point of translation.
 *   IN  {s, d, sp, dp} -> (a, p): the answer leaves as OUT {a, s, p, sp}
 *   OUT {s, d, sp, dp} -> (a, p): the answer arrives as IN {d, a, dp, p}
 * (ICMP echo: both ports are the identifier, p on the other side.)
 * A sandbox calling its own published port (XNET_CTF_SELF, peer port q):
 *   IN  {A, H, sp, P} -> (A, p): OUT {A, H, p, q}
 *   OUT {A, H, p, np} -> (H, P): IN  {A, H, q, P}
 */
static __always_inline void ct_partner_key_of(struct xnet_ct_key *pk, const struct xnet_ct_key *k,
					      const struct xnet_ct_entry *e, bool self)
{
	if (self)
		ct_key(pk, k->saddr, k->daddr, k->dir == XNET_CT_IN ? e->port : e->peer_port,
		       k->dir == XNET_CT_IN ? e->peer_port : e->port, k->proto,
		       k->dir == XNET_CT_IN ? XNET_CT_OUT : XNET_CT_IN);
	else if (k->dir == XNET_CT_IN)
		ct_key(pk, e->addr, k->saddr, e->port, k->sport, k->proto, XNET_CT_OUT);
	else
		ct_key(pk, k->daddr, e->addr, k->dport, e->port, k->proto, XNET_CT_IN);
	if (k->proto == IPPROTO_ICMP)	/* the identifier is both "ports" */
		pk->sport = pk->dport = e->port;
}

static __always_inline void ct_partner_key(struct xnet_ct_key *pk, const struct xnet_ct_key *k,
					   const struct xnet_ct_entry *e)
{
	ct_partner_key_of(pk, k, e, e->flags & XNET_CTF_SELF);
}

/* Does a packet hitting (dir, kind) travel against the flow's first packet? */
static __always_inline bool ct_is_reply(__u8 dir, __u8 kind)
{
	return (kind == XNET_CT_SNAT && dir == XNET_CT_IN) ||
	       (kind == XNET_CT_DNAT && dir == XNET_CT_OUT);
}

/*
 * The state this packet moves the flow to, or 0xff for "unchanged".
 * TCP: SYN (re)opens, the first answer establishes, FIN closes, RST ends.
 * Others: the first answer establishes.
 */
#define CT_ST_KEEP	0xff
static __always_inline __u8 ct_next_state(const struct xnet_ct_entry *e, const struct nat_tuple *t,
					  bool reply)
{
	if (t->proto == IPPROTO_TCP) {
		if (t->tcp_flags & TCPF_RST)
			return e->state == XNET_CT_ST_CLOSED ? CT_ST_KEEP : XNET_CT_ST_CLOSED;
		if (t->tcp_flags & TCPF_FIN)
			return e->state >= XNET_CT_ST_CLOSING ? CT_ST_KEEP : XNET_CT_ST_CLOSING;
		/* A new connection on a closed tuple starts over. */
		if (!reply && (t->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
		    e->state >= XNET_CT_ST_CLOSING)
			return XNET_CT_ST_NEW;
	}
	if (reply && e->state == XNET_CT_ST_NEW)
		return XNET_CT_ST_ESTABLISHED;
	return CT_ST_KEEP;
}

/*
 * The clock of conntrack's last_seen, for every reader and writer: the
 * coarse one (the same monotonic time, as of the last tick). Idle timeouts
 * are seconds, and it spares every packet a full clock read (~15-20 ns of
 * uplink_xdp's ~110 under BPF_PROG_RUN here). One clock for all, so that
 * last_seen never moves back; nat.h's expiry check still allows for an
 * entry written a moment ahead of its "now" (another CPU, or user space).
 */
static __always_inline __u64 ct_now(void)
{
	return bpf_ktime_get_coarse_ns();
}

/* A packet of @len bytes counts for entry @e: what every packet does, state change or not. */
static __always_inline void ct_touch(struct xnet_ct_entry *e, __u32 len)
{
	__sync_fetch_and_add(&e->packets, 1);
	__sync_fetch_and_add(&e->bytes, len);
	e->last_seen = ct_now();
}

/*
 * Would ct_account() do more than ct_touch() for this packet: move the
 * flow's state, record its first answer (and so write the partner entry)
 * or confirm it?
 * The XDP fast path handles only packets for which it would not.
 */
static __always_inline bool ct_changes_flow(const struct xnet_ct_entry *e, __u8 dir,
					    const struct nat_tuple *t)
{
	bool reply = ct_is_reply(dir, e->kind);

	/* An unconfirmed flow's packet may confirm it (ct_pending_account); an assured one's not. */
	if ((e->flags & (XNET_CTF_PENDING | XNET_CTF_ASSURED)) == XNET_CTF_PENDING)
		return true;

	return ct_next_state(e, t, reply) != CT_ST_KEEP || (reply && !(e->flags & XNET_CTF_SEEN_REPLY));
}

/*
 * The budget of unconfirmed flows (headers/xnet_abi.h, xnet_ct_new), one
 * per direction (@dir: XNET_CT_BUDGET_IN for flows from the wire,
 * XNET_CT_BUDGET_OUT for those sandboxes open), so that a flood from
 * outside does not stop sandboxes from opening connections, nor the other
 * way round. One word per bucket of 2^30 ns, (bucket << 32) | flows opened
 * in it and not confirmed since, over a window of XNET_CT_NEW_WINDOW
 * buckets. Opening a flow takes one from the current bucket, a TCP flow's
 * confirmation gives it back to the bucket it was taken from (if still in
 * the window); anything else simply ages out of the window. So at most
 * XNET_CT_NEW_BUDGET flows per direction are opened without being
 * confirmed in any window, and xnet_ct_new (room for both directions'
 * budgets) evicts, first of all, entries that have gone unused longest.
 * A bucket moves to a new period with a compare-and-swap of the whole
 * word; counting within it is an atomic add. The check against the budget
 * and the take are two steps: under a race the count may pass the budget
 * by at most one flow per CPU.
 */
#define CT_BUDGET_TRIES		4
#define CT_BUCKET_SHIFT		30

static __always_inline __u32 ct_bucket_now(__u64 now)
{
	return (__u32)(now >> CT_BUCKET_SHIFT);
}

/* Flows of direction @dir taken in the window ending at bucket @b. */
static __always_inline __u32 ct_budget_used(__u32 b, __u32 dir)
{
	__u32 used = 0, i;

	for (i = 0; i < XNET_CT_NEW_WINDOW; i++) {
		__u32 key = dir * XNET_CT_NEW_WINDOW + i;
		struct xnet_ct_budget *w = bpf_map_lookup_elem(&xnet_ct_budget, &key);
		__u64 v;

		if (!w)
			continue;
		v = w->word;
		if ((__u32)(b - (__u32)(v >> 32)) < XNET_CT_NEW_WINDOW)
			used += (__u32)v;
	}
	return used;
}

/* Is direction @dir's budget spent (read only: uplink_xdp asks before tc would take one)? */
static __always_inline bool ct_budget_spent(__u64 now, __u32 dir)
{
	return ct_budget_used(ct_bucket_now(now), dir) >= XNET_CT_NEW_BUDGET;
}

/* Take one of direction @dir's for a new flow: its bucket in *born, or false when the budget is spent. */
static __always_inline bool ct_budget_take(__u64 now, __u32 dir, __u32 *born)
{
	__u32 b = ct_bucket_now(now), key = dir * XNET_CT_NEW_WINDOW + (b & (XNET_CT_NEW_WINDOW - 1)), i;
	struct xnet_ct_budget *w;

	if (ct_budget_used(b, dir) >= XNET_CT_NEW_BUDGET)
		return false;
	w = bpf_map_lookup_elem(&xnet_ct_budget, &key);
	if (!w)
		return false;
	for (i = 0; i < CT_BUDGET_TRIES; i++) {
		__u64 old = w->word;

		if ((__u32)(old >> 32) == b) {
			__sync_fetch_and_add(&w->word, 1);
			*born = b;
			return true;
		}
		/* The bucket's first flow of this period: start it over, once. */
		if (__sync_val_compare_and_swap(&w->word, old, ((__u64)b << 32) | 1) == old) {
			*born = b;
			return true;
		}
	}
	return false;	/* only if the word changed under us four times: it never settles so fast */
}

/* Give back what a flow of direction @dir opened in bucket @born took, if that bucket still counts. */
static __always_inline void ct_budget_give(__u32 born, __u32 dir)
{
	__u32 key = dir * XNET_CT_NEW_WINDOW + (born & (XNET_CT_NEW_WINDOW - 1)), i;
	struct xnet_ct_budget *w = bpf_map_lookup_elem(&xnet_ct_budget, &key);

	if (!w)
		return;
	for (i = 0; i < CT_BUDGET_TRIES; i++) {
		__u64 old = w->word;

		if ((__u32)(old >> 32) != born || !(__u32)old)
			return;
		if (__sync_val_compare_and_swap(&w->word, old, old - 1) == old)
			return;
	}
}

/*
 * Put entry @e of a new flow under @k into xnet_ct_new (@flags: BPF_ANY,
 * or BPF_NOEXIST for a claimed key), with the flow's budget (@dir, bucket
 * @born). A leftover entry under @k in xnet_ct (a flow whose partner entry
 * the LRU evicted) would be found first and hide the new one: it goes.
 * 0, or the helper's error.
 */
static __always_inline long ct_pending_put(const struct xnet_ct_key *k, const struct xnet_ct_entry *e,
					    __u32 dir, __u32 born, __u64 flags)
{
	struct xnet_ct_pending p = { .e = *e, .ack = 0, .born = born, .budget = dir, .pad = 0 };

	p.e.flags |= XNET_CTF_PENDING;
	if (flags == BPF_ANY)
		bpf_map_delete_elem(&xnet_ct, k);
	return bpf_map_update_elem(&xnet_ct_new, k, &p, flags);
}

/*
 * Does this packet, of an unconfirmed flow, confirm it? The opener speaking
 * again after an answer, the flow not reset. TCP: an acknowledgment (no
 * SYN, no RST) of exactly the answer's SYN-ACK, which only a sender that
 * received the SYN-ACK knows (a flow whose answer was no SYN-ACK, or that
 * was picked up mid-stream, is never confirmed: it stays in xnet_ct_new).
 * UDP and ICMP: any packet (the flow is then assured, not moved).
 */
static __always_inline bool ct_confirms(const struct xnet_ct_pending *p, const struct nat_tuple *t, bool reply)
{
	if (reply || !(p->e.flags & XNET_CTF_SEEN_REPLY) || p->e.state == XNET_CT_ST_CLOSED)
		return false;
	if (t->proto != IPPROTO_TCP)
		return !(p->e.flags & XNET_CTF_ASSURED);
	if ((t->tcp_flags & (TCPF_SYN | TCPF_RST | TCPF_ACK)) != TCPF_ACK)
		return false;
	return (p->e.flags & XNET_CTF_ACK_KNOWN) && t->ack_seq == p->ack;
}

/*
 * Move the TCP flow of pending entry @p (under @k) and its partner to
 * xnet_ct. Only the CPU whose delete of @k succeeds gives the budget back,
 * so a flow confirmed on two CPUs at once gives it once.
 */
static __always_inline void ct_confirm(const struct xnet_ct_key *k, struct xnet_ct_pending *p)
{
	struct xnet_ct_entry e = p->e, pe;
	struct xnet_ct_pending *pp;
	struct xnet_ct_key pk;
	__u32 born = p->born, dir = p->budget;

	ct_partner_key(&pk, k, &e);
	pp = bpf_map_lookup_elem(&xnet_ct_new, &pk);
	if (!pp)
		return;
	pe = pp->e;
	e.flags &= ~(XNET_CTF_PENDING | XNET_CTF_ACK_KNOWN);
	pe.flags &= ~(XNET_CTF_PENDING | XNET_CTF_ACK_KNOWN);
	bpf_map_update_elem(&xnet_ct, &pk, &pe, BPF_ANY);
	bpf_map_update_elem(&xnet_ct, k, &e, BPF_ANY);
	bpf_map_delete_elem(&xnet_ct_new, &pk);
	if (!bpf_map_delete_elem(&xnet_ct_new, k))
		ct_budget_give(born, dir);
}

/*
 * A datagram flow (UDP, ICMP echo) of pending entry @p under @k: assured
 * in place, both entries. It stays in xnet_ct_new, whose LRU may evict it
 * as it always could, and keeps the budget it took until that ages out:
 * nothing proves its sender is who it says, so a flood of them must not
 * reach xnet_ct, nor be opened faster than the budget allows.
 */
static __always_inline void ct_assure(const struct xnet_ct_key *k, struct xnet_ct_pending *p)
{
	struct xnet_ct_pending *pp;
	struct xnet_ct_key pk;

	ct_partner_key(&pk, k, &p->e);
	pp = bpf_map_lookup_elem(&xnet_ct_new, &pk);
	if (!pp)
		return;
	p->e.flags |= XNET_CTF_ASSURED;
	pp->e.flags |= XNET_CTF_ASSURED;
}

/*
 * An unconfirmed flow's packet, after ct_account() moved its state: the
 * answer's SYN-ACK tells the opener's entry which ACK confirms; the
 * opener's next packet may confirm the flow (ct_confirms).
 */
static __always_inline void ct_pending_account(const struct xnet_ct_key *k, const struct nat_tuple *t,
					       bool reply, bool first_reply)
{
	struct xnet_ct_pending *p = bpf_map_lookup_elem(&xnet_ct_new, k), *pp;
	struct xnet_ct_key pk;

	if (!p)
		return;
	if (first_reply && t->proto == IPPROTO_TCP &&
	    (t->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == (TCPF_SYN | TCPF_ACK)) {
		ct_partner_key(&pk, k, &p->e);
		pp = bpf_map_lookup_elem(&xnet_ct_new, &pk);
		if (pp) {
			pp->ack = t->seq + 1;
			pp->e.flags |= XNET_CTF_ACK_KNOWN;
		}
		return;
	}
	if (!ct_confirms(p, t, reply))
		return;
	if (t->proto == IPPROTO_TCP)
		ct_confirm(k, p);
	else
		ct_assure(k, p);
}

/*
 * Account a packet of @len bytes to entry @e (found under @k) and move the
 * flow's state. Counters are added atomically (several CPUs carry one flow);
 * last_seen, state and flags are plain writes: racing writers store the same
 * or equally recent values. State changes are rare (a handful per flow), so
 * only then is the partner entry looked up and given the same state, which
 * keeps both halves of a flow agreeing for whoever collects them. An
 * unconfirmed flow (XNET_CTF_PENDING) may be confirmed by this packet.
 */
static __always_inline void ct_account(struct xnet_ct_entry *e, const struct xnet_ct_key *k,
				       const struct nat_tuple *t, __u32 len)
{
	bool reply = ct_is_reply(k->dir, e->kind);
	__u8 st = ct_next_state(e, t, reply);
	bool first_reply = reply && !(e->flags & XNET_CTF_SEEN_REPLY);
	bool pending = e->flags & XNET_CTF_PENDING;
	struct xnet_ct_key pk;
	struct xnet_ct_entry *p;

	ct_touch(e, len);
	if (st != CT_ST_KEEP || first_reply) {
		if (st != CT_ST_KEEP)
			e->state = st;
		if (st == XNET_CT_ST_NEW)
			e->flags &= ~XNET_CTF_SEEN_REPLY;
		if (first_reply)
			e->flags |= XNET_CTF_SEEN_REPLY;

		ct_partner_key(&pk, k, e);
		p = ct_lookup_key(&pk);
		if (p) {
			p->state = e->state;
			p->flags = (p->flags & ~XNET_CTF_SEEN_REPLY) | (e->flags & XNET_CTF_SEEN_REPLY);
		}
	}
	/* An assured datagram flow has nothing left to confirm: no lookup per packet. */
	if (unlikely(pending) && !(e->flags & XNET_CTF_ASSURED))
		ct_pending_account(k, t, reply, first_reply);
}

#endif /* XNET_LIB_CT_H */
