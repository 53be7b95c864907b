/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nat: masquerade (SNAT to the uplink address) and port publishing (DNAT to
 * an endpoint), on top of the conntrack table of lib/ct.h.
 *
 *   host_addr_is()      "is this one of the host's addresses?"
 *   pub_lookup()        the published binding for (host address, port, proto)
 *   policy_denies()     the admin's rules for published ports (DOCKER-USER)
 *   snat_create()       a new masqueraded flow: pick and claim a source port
 *   dnat_create()       a new published flow (from the wire or a hairpin)
 *   self_create()       a sandbox calling its own published port
 *   nat_apply()         apply a packet's whole rewrite (struct nat_edit) at once
 *   nat_deliver()       the same, and hand the packet straight to its sandbox
 */
#ifndef XNET_LIB_NAT_H
#define XNET_LIB_NAT_H

#include "lib/ct.h"
#include "lib/csum_diff.h"
#include "lib/lookup.h"
#include "lib/redirect.h"
#include "lib/drop.h"

/* Ports tried for one new masqueraded flow before giving up (NAT_EXHAUSTED). */
#ifndef XNET_NAT_PROBES
#define XNET_NAT_PROBES		32
#endif

/* "No translation here, go on with the normal path": not a TC_ACT_* value. */
#define NAT_CONTINUE		(-2)

/* 127.0.0.0/8 */
static __always_inline bool ipv4_is_loopback(__be32 addr)
{
	return (addr & bpf_htonl(0xff000000)) == bpf_htonl(0x7f000000);
}

static __always_inline const struct xnet_host *host_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xnet_host, &zero);
}

/* Is @addr the uplink address, or a host address of one of the kinds in @want (XNET_HA_*)? */
static __always_inline bool host_addr_is(const struct xnet_host *h, __be32 addr, __u32 want)
{
	__u32 *flags;

	if (h && h->uplink_ip && addr == h->uplink_ip)
		return true;
	flags = bpf_map_lookup_elem(&xnet_hostaddrs, &addr);
	return flags && (*flags & want);
}

/*
 * The binding that answers (@daddr, @port, @proto): the one on 0.0.0.0,
 * else the one on that very address. A port published on 0.0.0.0 has no
 * other binding (user/ports.c refuses one on any address next to it, as
 * Docker does), so the order changes no answer; 0.0.0.0 first takes the
 * usual `-p 8080:80` in one lookup instead of two. Bindings on loopback
 * addresses are for host-local clients only (the sock hooks); callers here
 * never ask for one.
 */
static __always_inline const struct xnet_pub *pub_lookup(__be32 daddr, __be16 port, __u8 proto)
{
	struct xnet_pub_key k = { .host_ip = 0, .port = port, .proto = proto, .pad = 0 };
	const struct xnet_pub *p;

	if (ipv4_is_loopback(daddr))
		return NULL;
	p = bpf_map_lookup_elem(&xnet_published, &k);
	if (p)
		return p;
	k.host_ip = daddr;
	return bpf_map_lookup_elem(&xnet_published, &k);
}

/*
 * Does the admin's policy refuse this client on this published port? A rule
 * naming the port wins over one for every port; no rule allows. Only
 * consulted when user space says rules exist (XNET_HOST_POLICY).
 */
static __always_inline bool policy_denies(const struct xnet_host *h, const struct nat_tuple *t)
{
	struct xnet_policy_key k = {
		.prefixlen = 64, .proto = t->proto, .pad = 0, .port = t->dport, .saddr = t->saddr,
	};
	__u32 *v;

	if (!h || !(h->flags & XNET_HOST_POLICY))
		return false;
	v = bpf_map_lookup_elem(&xnet_policy, &k);
	if (!v) {
		k.proto = 0;
		k.port = 0;
		v = bpf_map_lookup_elem(&xnet_policy, &k);
	}
	return v && *v == XNET_POLICY_DENY;
}

/* Where a flow's probing for a free port starts: the tuple, well mixed (murmur3 finaliser). */
static __always_inline __u32 nat_hash(const struct nat_tuple *t)
{
	__u32 h = t->saddr ^ (t->daddr * 0x9e3779b1U) ^
		  ((((__u32)t->sport << 16) | t->dport) * 0x85ebca6bU) ^ t->proto;

	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

static __always_inline void ct_entry_init(struct xnet_ct_entry *e, __be32 addr, __be16 port, __u8 kind,
					  __u32 ifindex, __u32 flags, __u64 now, __u32 packets, __u32 len)
{
	e->addr = addr;
	e->port = port;
	e->kind = kind;
	e->state = XNET_CT_ST_NEW;
	e->ifindex = ifindex;
	e->flags = flags;
	e->peer_port = 0;
	e->last_seen = now;
	e->packets = packets;
	e->bytes = packets ? len : 0;
}

/*
 * Idle times after which a flow's NAT port may be given to another flow,
 * in seconds: conntrack's defaults, shortened where a masquerade port is
 * scarce and the endpoints are done (a closed TCP flow; Linux keeps
 * TIME_WAIT for 120 s, the client side of a short connection holds its own
 * for 60 s, and by then its peer answered the FIN long ago).
 */
#define NAT_IDLE_TCP_CLOSED	1
#define NAT_IDLE_TCP_CLOSING	10
#define NAT_IDLE_TCP_NEW	60
#define NAT_IDLE_TCP_EST	(5 * 24 * 3600)
#define NAT_IDLE_UDP		30
#define NAT_IDLE_UDP_REPLIED	120
#define NAT_IDLE_ICMP		30
#define NS_PER_SEC		1000000000ULL

/* Has the flow of entry @e been idle long enough for its port to go to another? */
static __always_inline bool ct_expired(const struct xnet_ct_entry *e, __u8 proto, __u64 now)
{
	__u64 idle = now - e->last_seen, limit;

	if (proto == IPPROTO_TCP)
		limit = e->state == XNET_CT_ST_CLOSED ? NAT_IDLE_TCP_CLOSED :
			e->state == XNET_CT_ST_CLOSING ? NAT_IDLE_TCP_CLOSING :
			e->state == XNET_CT_ST_NEW ? NAT_IDLE_TCP_NEW : NAT_IDLE_TCP_EST;
	else if (proto == IPPROTO_UDP)
		limit = e->flags & XNET_CTF_SEEN_REPLY ? NAT_IDLE_UDP_REPLIED : NAT_IDLE_UDP;
	else
		limit = NAT_IDLE_ICMP;
	return now > e->last_seen && idle >= limit * NS_PER_SEC;
}

/*
 * Is the flow of entry @old, found under a key that a new entry of kind
 * @kind wants, over and of the same kind (@self: both XNET_CTF_SELF, a
 * constant, so that the verifier walks one shape of partner key per probing
 * loop)? Then its key may be taken away from it.
 */
static __always_inline bool ct_over(const struct xnet_ct_entry *old, __u8 proto, __u8 kind, bool self,
				    __u64 now)
{
	return old->kind == kind && !(old->flags & XNET_CTF_SELF) == !self && ct_expired(old, proto, now);
}

/*
 * Claim key @k for entry @e of a new flow (budget bucket @born): insert it
 * into xnet_ct_new with BPF_NOEXIST; a key held by a flow that is over, in
 * either table, is taken away from it (its partner entry too). Two CPUs
 * claiming one key race on the BPF_NOEXIST insert; one wins. A flow
 * confirmed meanwhile is written to xnet_ct before it leaves xnet_ct_new
 * (ct_confirm), so the check of xnet_ct after a won insert sees it.
 */
static __always_inline bool ct_claim(struct xnet_ct_key *k, const struct xnet_ct_entry *e, bool self,
				     __u64 now, __u32 born)
{
	struct xnet_ct_pending *op;
	struct xnet_ct_entry *old;
	struct xnet_ct_key pk;

	if (ct_pending_put(k, e, XNET_CT_BUDGET_OUT, born, BPF_NOEXIST)) {
		op = bpf_map_lookup_elem(&xnet_ct_new, k);
		if (!op || !ct_over(&op->e, k->proto, e->kind, self, now))
			return false;
		ct_partner_key_of(&pk, k, &op->e, self);
		bpf_map_delete_elem(&xnet_ct_new, &pk);
		bpf_map_delete_elem(&xnet_ct_new, k);
		if (ct_pending_put(k, e, XNET_CT_BUDGET_OUT, born, BPF_NOEXIST))
			return false;
	}
	old = bpf_map_lookup_elem(&xnet_ct, k);
	if (!old)
		return true;
	if (ct_over(old, k->proto, e->kind, self, now)) {
		ct_partner_key_of(&pk, k, old, self);
		bpf_map_delete_elem(&xnet_ct, &pk);
		bpf_map_delete_elem(&xnet_ct, k);
		return true;
	}
	bpf_map_delete_elem(&xnet_ct_new, k);
	return false;
}

/*
 * A new masqueraded flow from the sandbox behind host veth @ifindex: source
 * (@src, a port of [nat_port_min, nat_port_max]); @src is the host address
 * the kernel's routing picks for the destination (snat_source() in
 * uplink.bpf.c), as MASQUERADE does. The port is claimed with the reply's
 * IN entry (ct_claim), so two flows to the same remote (address, port)
 * never share one, while flows to different remotes may (as Linux's NAT
 * does); a port whose flow is over (ct_expired) is taken back. Ports
 * published on @src are skipped: their IN entries would shadow the
 * published binding. The OUT entry goes in last; losing that race to
 * another CPU handling the same flow means giving our port back and using
 * the winner's. Like every new flow, it starts unconfirmed (xnet_ct_new)
 * and takes one of the budget (ct_budget_take).
 * 0 with *out set, or -XNET_DROP_NAT_EXHAUSTED, -XNET_DROP_CT_UNCONFIRMED_FULL.
 */
static __always_inline int snat_create(const struct nat_tuple *t, const struct xnet_host *h, __be32 src,
				       __u32 ifindex, __u32 len, struct xnet_ct_entry *out)
{
	__u32 min = h->nat_port_min, max = h->nat_port_max, range, start, i, born;
	__u64 now = ct_now();
	struct xnet_ct_entry in, *won;
	struct xnet_ct_key k;
	__be16 port = 0;

	if (!min || min > max)
		return -XNET_DROP_NAT_EXHAUSTED;
	if (!ct_budget_take(now, XNET_CT_BUDGET_OUT, &born))
		return -XNET_DROP_CT_UNCONFIRMED_FULL;
	range = max - min + 1;
	start = nat_hash(t) % range;
	ct_entry_init(&in, t->saddr, t->sport, XNET_CT_SNAT, ifindex, 0, now, 0, len);

	for (i = 0; i < XNET_NAT_PROBES && i < range; i++) {
		__be16 cand = bpf_htons((__u16)(min + (start + i) % range));

		if (t->proto != IPPROTO_ICMP && pub_lookup(src, cand, t->proto))
			continue;
		/* The answer: remote -> (src, cand); ICMP echo: the identifier both ways. */
		ct_key(&k, t->daddr, src, t->proto == IPPROTO_ICMP ? cand : t->dport, cand,
		       t->proto, XNET_CT_IN);
		if (ct_claim(&k, &in, false, now, born)) {
			port = cand;
			break;
		}
	}
	if (!port) {
		ct_budget_give(born, XNET_CT_BUDGET_OUT);
		return -XNET_DROP_NAT_EXHAUSTED;
	}

	ct_entry_init(out, src, port, XNET_CT_SNAT, 0, 0, now, 1, len);
	ct_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto, XNET_CT_OUT);
	if (!ct_pending_put(&k, out, XNET_CT_BUDGET_OUT, born, BPF_NOEXIST))
		return 0;

	won = ct_lookup_key(&k);
	ct_key(&k, t->daddr, src, t->proto == IPPROTO_ICMP ? port : t->dport, port,
	       t->proto, XNET_CT_IN);
	bpf_map_delete_elem(&xnet_ct_new, &k);
	ct_budget_give(born, XNET_CT_BUDGET_OUT);
	if (!won)
		return -XNET_DROP_NAT_EXHAUSTED;
	*out = *won;
	return 0;
}

/*
 * A new flow of a network without masquerade, from the sandbox behind host
 * veth @ifindex: it leaves with its own address (the outside is expected to
 * route the subnet back), and is recorded only so that its answers may come
 * in, untranslated: OUT(orig) and IN(reply), XNET_CTF_ROUTED, the sandbox's
 * own address and port in both. Nothing is claimed (no port changes hands),
 * so BPF_ANY. 0, or -XNET_DROP_CT_UNCONFIRMED_FULL.
 */
static __always_inline int routed_create(const struct nat_tuple *t, __u32 ifindex, __u32 len)
{
	__u64 now = ct_now();
	struct xnet_ct_entry e;
	struct xnet_ct_key k;
	__u32 born;

	if (!ct_budget_take(now, XNET_CT_BUDGET_OUT, &born))
		return -XNET_DROP_CT_UNCONFIRMED_FULL;
	ct_entry_init(&e, t->saddr, t->sport, XNET_CT_SNAT, ifindex, XNET_CTF_ROUTED, now, 0, len);
	ct_key(&k, t->daddr, t->saddr, t->dport, t->sport, t->proto, XNET_CT_IN);
	ct_pending_put(&k, &e, XNET_CT_BUDGET_OUT, born, BPF_ANY);

	ct_entry_init(&e, t->saddr, t->sport, XNET_CT_SNAT, 0, XNET_CTF_ROUTED, now, 1, len);
	ct_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto, XNET_CT_OUT);
	ct_pending_put(&k, &e, XNET_CT_BUDGET_OUT, born, BPF_ANY);
	return 0;
}

/*
 * A new flow to published binding @pub: IN (as it arrives) -> the backend,
 * OUT (the backend's answer) -> back to the address and port the client
 * used. The client's own address is kept: the server sees who called.
 * Hairpin flows (the client is a sandbox) carry XNET_CTF_HAIRPIN and the
 * client's host veth in their OUT entry, so lxc can hand answers straight
 * back. Fills *in. The flow starts unconfirmed (xnet_ct_new, LRU: BPF_ANY
 * does not fail for want of space) and takes one of @budget's
 * (XNET_CT_BUDGET_IN from the wire, XNET_CT_BUDGET_OUT for a hairpin): a
 * flood of spoofed SYNs never gets further, and is dropped once the budget
 * is spent.
 * 0, or -XNET_DROP_CT_UNCONFIRMED_FULL.
 */
static __always_inline int dnat_create(const struct nat_tuple *t, const struct xnet_pub *pub,
				       __u32 out_flags, __u32 client_ifindex, __u32 len, __u32 budget,
				       struct xnet_ct_entry *in)
{
	__u64 now = ct_now();
	struct xnet_ct_entry out;
	struct xnet_ct_key k;
	__u32 born;

	if (!ct_budget_take(now, budget, &born))
		return -XNET_DROP_CT_UNCONFIRMED_FULL;
	ct_entry_init(in, pub->backend_ip, pub->backend_port, XNET_CT_DNAT, pub->ifindex, 0, now, 1, len);
	ct_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto, XNET_CT_IN);
	ct_pending_put(&k, in, budget, born, BPF_ANY);

	ct_entry_init(&out, t->daddr, t->dport, XNET_CT_DNAT, client_ifindex, out_flags, now, 0, len);
	ct_key(&k, pub->backend_ip, t->saddr, pub->backend_port, t->sport, t->proto, XNET_CT_OUT);
	ct_pending_put(&k, &out, budget, born, BPF_ANY);
	return 0;
}

/*
 * A sandbox calling its own published port @pub: the backend would see its
 * own address as the source and drop the packet as martian, so the source
 * becomes the host address it called, H, with a port np (headers/xnet_abi.h,
 * XNET_CTF_SELF). np is claimed with the OUT entry (the backend's answer
 * {A, H, p, np}, ct_claim): the caller's own port when free, as Linux's NAT
 * keeps it, else one of the NAT ports (a flow ended long enough ago gives
 * its port back). Ports published on H are skipped: the caller's packets
 * to them are looked up as OUT first (lxc_published_reply). The IN entry
 * goes in last; losing that race to another CPU handling the same flow
 * means giving np back and using the winner's entry.
 * 0 with *in set, or -XNET_DROP_NAT_EXHAUSTED, -XNET_DROP_CT_UNCONFIRMED_FULL.
 */
static __always_inline int self_create(const struct nat_tuple *t, const struct xnet_pub *pub,
				       const struct xnet_host *h, __u32 ifindex, __u32 len,
				       struct xnet_ct_entry *in)
{
	__u32 min = h ? h->nat_port_min : 0, max = h ? h->nat_port_max : 0, range = 0, start = 0, i, born;
	__u32 flags = XNET_CTF_HAIRPIN | XNET_CTF_SELF;
	struct xnet_ct_entry out, *won;
	__u64 now = ct_now();
	struct xnet_ct_key k;
	__be16 port = 0;

	if (!ct_budget_take(now, XNET_CT_BUDGET_OUT, &born))
		return -XNET_DROP_CT_UNCONFIRMED_FULL;
	if (min && min <= max) {
		range = max - min + 1;
		start = nat_hash(t) % range;
	}
	ct_entry_init(&out, t->daddr, t->dport, XNET_CT_DNAT, ifindex, flags, now, 0, len);
	out.peer_port = t->sport;
	for (i = 0; i <= XNET_NAT_PROBES && i <= range; i++) {
		__be16 cand = i ? bpf_htons((__u16)(min + (start + i - 1) % range)) : t->sport;

		if (pub_lookup(t->daddr, cand, t->proto))
			continue;
		ct_key(&k, pub->backend_ip, t->daddr, pub->backend_port, cand, t->proto, XNET_CT_OUT);
		if (ct_claim(&k, &out, true, now, born)) {
			port = cand;
			break;
		}
	}
	if (!port) {
		ct_budget_give(born, XNET_CT_BUDGET_OUT);
		return -XNET_DROP_NAT_EXHAUSTED;
	}

	ct_entry_init(in, pub->backend_ip, pub->backend_port, XNET_CT_DNAT, pub->ifindex, flags, now, 1, len);
	in->peer_port = port;
	ct_key(&k, t->saddr, t->daddr, t->sport, t->dport, t->proto, XNET_CT_IN);
	if (!ct_pending_put(&k, in, XNET_CT_BUDGET_OUT, born, BPF_NOEXIST))
		return 0;

	won = ct_lookup_key(&k);
	ct_key(&k, pub->backend_ip, t->daddr, pub->backend_port, port, t->proto, XNET_CT_OUT);
	bpf_map_delete_elem(&xnet_ct_new, &k);
	ct_budget_give(born, XNET_CT_BUDGET_OUT);
	if (!won)
		return -XNET_DROP_NAT_EXHAUSTED;
	*in = *won;
	return 0;
}

/*
 * The whole rewrite of one packet, applied at once by nat_apply(): new
 * addresses and ports (the tuple's own where nothing changes; ICMP echo:
 * the identifier, in either port), the TTL decrement of a forwarded packet,
 * and the Ethernet addresses. nat_edit_init() starts from "nothing changes".
 */
struct nat_edit {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	bool dec_ttl;
	bool macs;			/* write mac: destination, then source */
	__u8 mac[2 * ETH_ALEN];
};

static __always_inline void nat_edit_init(struct nat_edit *ed, const struct nat_tuple *t)
{
	ed->saddr = t->saddr;
	ed->daddr = t->daddr;
	ed->sport = t->sport;
	ed->dport = t->dport;
	ed->dec_ttl = false;
	ed->macs = false;
}

/*
 * @ed's changes to an IPv4 header and, with @ports, to the first 8 bytes of
 * the L4 header at @l4h: in the packet or in a stack copy alike. @l4h must
 * point at 8 readable bytes even without @ports (the compiler may load
 * early; the verifier would refuse a NULL there). The IPv4 header checksum
 * is updated by hand (RFC 1624), as uplink_xdp does. Returns the ports'
 * share of the L4 checksum diff (0: none).
 */
static __always_inline __u32 nat_edit_headers(struct iphdr *iph, __u8 *l4h, bool ports,
					       const struct nat_tuple *t, const struct nat_edit *ed)
{
	__u32 port_diff = 0;
	__u16 check, w;

	check = iph->check;
	if (ed->saddr != t->saddr) {
		check = csum_replace_u32(check, iph->saddr, ed->saddr);
		iph->saddr = ed->saddr;
	}
	if (ed->daddr != t->daddr) {
		check = csum_replace_u32(check, iph->daddr, ed->daddr);
		iph->daddr = ed->daddr;
	}
	if (ed->dec_ttl) {
		/* TTL and protocol share one 16-bit word of the header checksum. */
		w = *(__u16 *)&iph->ttl;
		iph->ttl--;
		check = csum_replace_u16(check, w, *(__u16 *)&iph->ttl);
	}
	iph->check = check;
	if (!ports)
		return 0;
	if (t->proto == IPPROTO_ICMP) {
		__be16 id = ed->sport != t->sport ? ed->sport : ed->dport;

		port_diff = csum_word_diff(*(__u16 *)&l4h[4], id);
		*(__be16 *)&l4h[4] = id;
	} else {
		port_diff = csum_word_diff(*(__u16 *)&l4h[0], ed->sport) +
			    csum_word_diff(*(__u16 *)&l4h[2], ed->dport);
		*(__be16 *)&l4h[0] = ed->sport;
		*(__be16 *)&l4h[2] = ed->dport;
	}
	return port_diff;
}

/*
 * Apply @ed to the packet of tuple @t. With @direct (a constant) the
 * headers are written in place through direct packet access: the cheapest
 * way, but a program that writes packet data gets the verifier's unclone
 * prologue, which makes every cloned skb's head private first (~50 ns per
 * run even when nothing is copied). uplink_egress, which sees every packet
 * the host itself sends (TCP's are all clones) and rewrites few of them,
 * passes false: stack copies of the headers, stored back with
 * bpf_skb_store_bytes (one store per header). bpf_skb_pull_data is only
 * needed when the headers are not in the linear head.
 *
 * The L4 checksum is left to bpf_l4_csum_replace, at most twice (ports,
 * then addresses, as diffs): it alone knows the skb's checksum state
 * (CHECKSUM_PARTIAL takes address changes only, CHECKSUM_COMPLETE also
 * moves skb->csum). This replaces up to nine helper calls per packet with
 * two. A later fragment has no L4 header: only its addresses change (the
 * first one carried the L4 checksum update).
 * 0, or -1 for a packet too short for its own headers.
 */
static __always_inline int nat_apply(struct __sk_buff *ctx, const struct nat_tuple *t,
				     const struct nat_edit *ed, bool direct)
{
	bool l4 = t->frag != NAT_FRAG_LATER;
	bool ports = l4 && (ed->sport != t->sport || ed->dport != t->dport);
	bool pseudo = l4 && t->proto != IPPROTO_ICMP &&
		      (ed->saddr != t->saddr || ed->daddr != t->daddr);
	__u32 l4_off = t->l4_off, need, port_diff, addr_diff;
	__u32 csum_off = tuple_csum_off(t);

	if (l4_off < IP4_OFF + sizeof(struct iphdr) || l4_off > IP4_OFF + 60)
		return -1;
	need = ports || pseudo ? l4_off + (t->proto == IPPROTO_TCP ? 18 : 8) : l4_off;
	if (direct) {
		void *data = ctx_data(ctx), *end = ctx_data_end(ctx);
		struct iphdr *iph;
		__u8 *l4h;

		if (data + need > end) {
			if (need > ctx_len(ctx) || bpf_skb_pull_data(ctx, need))
				return -1;
			data = ctx_data(ctx);
			end = ctx_data_end(ctx);
		}
		iph = data + IP4_OFF;
		if ((void *)(iph + 1) > end)
			return -1;
		l4h = (__u8 *)iph;	/* not read without ports */
		if (ports) {
			l4h = data + l4_off;
			if (l4h + 8 > (__u8 *)end)
				return -1;
		}
		port_diff = nat_edit_headers(iph, l4h, ports, t, ed);
		if (ed->macs)
			__builtin_memcpy(data, ed->mac, 2 * ETH_ALEN);
	} else {
		struct iphdr ip;
		__u8 l4b[8] = {};

		if (need > ctx_len(ctx) || bpf_skb_load_bytes(ctx, IP4_OFF, &ip, sizeof(ip)) ||
		    (ports && bpf_skb_load_bytes(ctx, l4_off, l4b, sizeof(l4b))))
			return -1;
		port_diff = nat_edit_headers(&ip, l4b, ports, t, ed);
		if (bpf_skb_store_bytes(ctx, IP4_OFF, &ip, sizeof(ip), 0) ||
		    (ports && bpf_skb_store_bytes(ctx, l4_off, l4b, sizeof(l4b), 0)) ||
		    (ed->macs && bpf_skb_store_bytes(ctx, 0, ed->mac, 2 * ETH_ALEN, 0)))
			return -1;
	}
	/* Helper calls from here: no packet pointer is used again. */
	if (port_diff && bpf_l4_csum_replace(ctx, csum_off, 0, port_diff, l4_csum_flags(t->proto, false, 0)))
		return -1;
	addr_diff = csum_addr_diff(t->saddr, ed->saddr) + csum_addr_diff(t->daddr, ed->daddr);
	if (pseudo && bpf_l4_csum_replace(ctx, csum_off, 0, addr_diff, l4_csum_flags(t->proto, true, 0)))
		return -1;
	return 0;
}

/*
 * Into the sandbox behind host veth @ifindex, with rewrite @ed applied and
 * framed as its gateway frames everything: to the endpoint's MAC from its
 * network's gateway MAC. The endpoint must still own @ed's destination (an
 * entry outliving its endpoint goes nowhere).
 */
static __always_inline int nat_deliver(struct __sk_buff *ctx, const struct nat_tuple *t,
				       struct nat_edit *ed, __u32 ifindex)
{
	enum xnet_drop_reason reason = XNET_DROP_UNKNOWN_ENDPOINT;
	const struct xnet_if_cache *ep;
	struct xnet_if_cache tmp;

	ep = source_endpoint(ifindex, &tmp, &reason);
	if (!ep)
		return drop(ctx, reason);
	if (ep->ip != ed->daddr)
		return drop(ctx, XNET_DROP_UNKNOWN_DST);
	__builtin_memcpy(ed->mac, ep->mac, ETH_ALEN);
	__builtin_memcpy(ed->mac + ETH_ALEN, ep->gw_mac, ETH_ALEN);
	ed->macs = true;
	if (nat_apply(ctx, t, ed, true))
		return drop(ctx, XNET_DROP_INVALID_L4);
	return ctx_redirect_peer(ifindex);
}

#endif /* XNET_LIB_NAT_H */
