// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_uplink_xdp: bpf/uplink_xdp.bpf.c (XDP on the host's uplink) under
 * BPF_PROG_RUN, next to the tc programs of bpf/uplink.bpf.c sharing its
 * maps. Flows are opened by the tc programs exactly as on a host (SYN in,
 * SYN-ACK out; a masqueraded datagram out, its first answer in); then the
 * packets XDP may take must come out byte for byte as uplink_ingress would
 * make them (compared with frames built fresh, so checksums are recomputed,
 * and with uplink_ingress's own output), redirected to the endpoint's veth
 * and accounted like ct_account; everything else must pass untouched, with
 * no counter moved, for tc to handle.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/in.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include "test_progs.h"
#include "cases.h"
#include "xnet_xdp.h"
#include "xnet_cache.h"
#include "uplink.test.skel.h"
#include "uplink_xdp.test.skel.h"

#define IP_CLIENT	IP4(203, 0, 113, 5)
#define IP_REMOTE	IP4(8, 8, 8, 8)
#define NAT_MIN		40000
#define NAT_MAX		40099

static const __u8 MAC_UP[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const __u8 MAC_NEXTHOP[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

struct env {
	struct uplink_test *tc;
	struct uplink_xdp_test *xdp;
	int in_fd, eg_fd, xdp_fd;
	int ct, host, hostaddrs, published, policy, frags, xdp_tx;
};

static struct env env;

static bool host_set(__u32 flags)
{
	struct xnet_host h = {
		.uplink_ifindex = fx_ifindex(DEV_UP), .uplink_ip = FX_UPLINK_IP,
		.nat_port_min = NAT_MIN, .nat_port_max = NAT_MAX, .flags = flags,
	};
	__u32 zero = 0;

	return ASSERT_OK(bpf_map_update_elem(env.host, &zero, &h, BPF_ANY) ? -errno : 0, "xnet_host");
}

static bool publish(__u16 port, __u8 proto, __be32 backend, __u16 bport, enum fx_dev dev, __u32 net_id)
{
	struct xnet_pub_key k = { .host_ip = 0, .port = htons(port), .proto = proto };
	struct xnet_pub v = { .backend_ip = backend, .backend_port = htons(bport),
			      .ifindex = fx_ifindex(dev), .net_id = net_id };

	return ASSERT_OK(bpf_map_update_elem(env.published, &k, &v, BPF_ANY) ? -errno : 0, "xnet_published");
}

/* Endpoint dev takes XDP frames up to mtu (0: it does not). */
static bool xdp_tx_set(enum fx_dev dev, __u32 mtu)
{
	__u32 ifindex = fx_ifindex(dev), slot = xnet_if_slot(ifindex);
	struct xnet_xdp_tx tx = { .ifindex = mtu ? ifindex : 0, .mtu = mtu };

	return ASSERT_OK(bpf_map_update_elem(env.xdp_tx, &slot, &tx, BPF_ANY) ? -errno : 0, "xnet_xdp_tx");
}

static void reset(void)
{
	fx_ct_clear(env.tc->obj);
	fx_map_clear(env.frags, sizeof(struct xnet_frag_key));
	fx_map_clear(env.policy, sizeof(struct xnet_policy_key));
	host_set(0);
	xdp_tx_set(DEV_A, 1500);
	xdp_tx_set(DEV_B, 1500);
	xdp_tx_set(DEV_D, 1500);
}

/* The XDP object shares every map of the tc object (as both share the pinned maps on a host). */
static int reuse_maps(struct bpf_object *to, struct bpf_object *from)
{
	struct bpf_map *map, *src;
	int err;

	bpf_object__for_each_map(map, to) {
		if (bpf_map__name(map)[0] == '.')
			continue;
		src = bpf_object__find_map_by_name(from, bpf_map__name(map));
		if (!src)
			continue;
		err = bpf_map__reuse_fd(map, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

static bool env_open(void)
{
	struct { __be32 addr; __u32 flags; } addrs[] = {
		{ FX_UPLINK_IP, XNET_HA_UPLINK | XNET_HA_LOCAL },
		{ IP4(127, 0, 0, 1), XNET_HA_LOOPBACK }, { IP_GW1, XNET_HA_GATEWAY | XNET_HA_LOCAL },
	};
	struct bpf_object *obj;

	if (!ASSERT_OK(fx_devices(), "create test devices"))
		return false;
	env.tc = uplink_test__open_and_load();
	if (!ASSERT_OK_PTR(env.tc, "uplink_test__open_and_load"))
		return false;
	obj = env.tc->obj;
	if (!ASSERT_OK(fx_setup_maps(obj), "fill maps"))
		return false;
	env.xdp = uplink_xdp_test__open();
	if (!ASSERT_OK_PTR(env.xdp, "uplink_xdp_test__open") ||
	    !ASSERT_OK(reuse_maps(env.xdp->obj, obj), "share the tc object's maps") ||
	    !ASSERT_OK(uplink_xdp_test__load(env.xdp), "uplink_xdp_test__load"))
		return false;
	env.in_fd = bpf_program__fd(env.tc->progs.uplink_ingress);
	env.eg_fd = bpf_program__fd(env.tc->progs.uplink_egress);
	env.xdp_fd = bpf_program__fd(env.xdp->progs.uplink_xdp);
	env.ct = fx_map_fd(obj, "xnet_ct");
	env.host = fx_map_fd(obj, "xnet_host");
	env.hostaddrs = fx_map_fd(obj, "xnet_hostaddrs");
	env.published = fx_map_fd(obj, "xnet_published");
	env.policy = fx_map_fd(obj, "xnet_policy");
	env.frags = fx_map_fd(obj, "xnet_frags");
	env.xdp_tx = fx_map_fd(env.xdp->obj, XNET_XDP_TX_MAP);
	for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++)
		if (!ASSERT_OK(bpf_map_update_elem(env.hostaddrs, &addrs[i].addr, &addrs[i].flags, BPF_ANY) ?
			       -errno : 0, "xnet_hostaddrs"))
			return false;
	/* 0.0.0.0:8080/tcp -> B:80, 0.0.0.0:5353/udp -> D:53 */
	return publish(8080, IPPROTO_TCP, IP_B, 80, DEV_B, NET1) &&
	       publish(5353, IPPROTO_UDP, IP_D, 53, DEV_D, NET2);
}

static struct pkt frame(const __u8 *dst, const __u8 *src, struct pkt_ip d)
{
	struct pkt p;

	pkt_eth(&p, dst, src, 0x0800);
	pkt_ipv4(&p, &d);
	return p;
}

#define IN_FRAME(...)	frame(MAC_UP, MAC_NEXTHOP, (struct pkt_ip){ __VA_ARGS__ })
#define OUT_FRAME(...)	frame(MAC_NEXTHOP, MAC_UP, (struct pkt_ip){ __VA_ARGS__ })

/* One BPF_PROG_RUN of uplink_xdp, as if in arrived on the uplink. */
static bool xdp_run(const struct pkt *in, struct fx_result *res)
{
	struct xdp_md md = { .data_end = in->len, .ingress_ifindex = fx_ifindex(DEV_UP) };

	return fx_run_ctx(env.xdp_fd, env.xdp->obj, &md, sizeof(md), in, res);
}

static bool tc_run(int fd, const struct pkt *in, struct fx_result *res)
{
	return fx_run_pkt(fd, env.tc->obj, DEV_UP, DEV_NONE, in, res);
}

static bool ct_get(__be32 s, __be32 d, __u16 sp, __u16 dp, __u8 proto, __u8 dir, struct xnet_ct_entry *e)
{
	struct xnet_ct_key k = { .saddr = s, .daddr = d, .sport = htons(sp), .dport = htons(dp),
				 .proto = proto, .dir = dir };

	return fx_ct_get(env.tc->obj, &k, e, NULL);
}

/*
 * XDP takes in: redirected (bpf_redirect, no flags) to dev as want, and
 * the IN entry (s, FX_UPLINK_IP, sp, dp) counted one packet of in->len
 * bytes more, with nothing else of it changed but last_seen.
 */
static bool xdp_forwards(const struct pkt *in, const struct pkt *want, enum fx_dev dev,
			 __be32 s, __u16 sp, __u16 dp, __u8 proto)
{
	struct xnet_ct_entry before, after;
	struct fx_result r;
	bool ok;

	if (!ASSERT_TRUE(ct_get(s, FX_UPLINK_IP, sp, dp, proto, XNET_CT_IN, &before), "IN entry before") ||
	    !xdp_run(in, &r))
		return false;
	ok = ASSERT_EQ(r.verdict, XDP_REDIRECT, "verdict (XDP_REDIRECT)");
	ok &= ASSERT_EQ(r.rec.kind, XNET_ST_REDIRECT, "redirect helper (bpf_redirect)");
	ok &= ASSERT_EQ(r.rec.ifindex, fx_ifindex(dev), "redirect target: the endpoint's host veth");
	ok &= ASSERT_EQ(r.rec.flags, 0, "redirect flags (egress of the veth = into the sandbox)");
	ok &= fx_check_drops(&r, XNET_DROP_NONE, 0);
	ok &= fx_check_frame(&r, want);
	ok &= ASSERT_TRUE(pkt_csums_ok(&r.out), "checksums valid");
	ok &= ASSERT_TRUE(ct_get(s, FX_UPLINK_IP, sp, dp, proto, XNET_CT_IN, &after), "IN entry after");
	ok &= ASSERT_EQ(after.packets, before.packets + 1, "IN packets + 1");
	ok &= ASSERT_EQ(after.bytes, before.bytes + in->len, "IN bytes + frame length");
	ok &= ASSERT_TRUE(after.last_seen >= before.last_seen, "IN last_seen moved on");
	ok &= ASSERT_EQ(after.state, before.state, "state unchanged");
	ok &= ASSERT_EQ(after.flags, before.flags, "flags unchanged");
	return ok;
}

/* XDP leaves in alone: XDP_PASS, the frame as it came, no redirect, no counter, no flow touched. */
static bool xdp_passes(const struct pkt *in, const char *why)
{
	struct xnet_ct_key k, next;
	struct xnet_ct_entry e;
	__u64 packets = 0, packets_after = 0;
	struct fx_result r;
	bool ok;

	/* The sum of every entry's packets: whatever flow it might belong to must not move. */
	for (bool first = true; !bpf_map_get_next_key(env.ct, first ? NULL : &k, &next); first = false) {
		k = next;
		if (!bpf_map_lookup_elem(env.ct, &k, &e))
			packets += e.packets;
	}
	if (!xdp_run(in, &r))
		return false;
	for (bool first = true; !bpf_map_get_next_key(env.ct, first ? NULL : &k, &next); first = false) {
		k = next;
		if (!bpf_map_lookup_elem(env.ct, &k, &e))
			packets_after += e.packets;
	}
	ok = ASSERT_EQ(r.verdict, XDP_PASS, why);
	ok &= ASSERT_EQ(r.rec.kind, XNET_ST_NONE, "no redirect");
	ok &= fx_check_drops(&r, XNET_DROP_NONE, 0);
	ok &= ASSERT_EQ(r.out.len, in->len, "output length") &&
	      ASSERT_MEMEQ(r.out.data, in->data, in->len, "frame untouched");
	ok &= ASSERT_EQ(packets_after, packets, "no conntrack entry accounted");
	return ok;
}

/* A client's TCP connection to 0.0.0.0:8080, opened and answered through tc. */
static bool dnat_tcp_open(__u16 sport)
{
	struct pkt syn = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = sport,
				  .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt synack = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80,
				      .dport = sport, .tcp_flags = TH_SYN | TH_ACK);
	struct fx_result r;

	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = sport,
				  .dport = 8080, .tcp_flags = TH_ACK);

	/* SYN, SYN-ACK, and the ACK that confirms the flow (lib/ct.h): from then on XDP's. */
	return tc_run(env.in_fd, &syn, &r) && fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B) &&
	       tc_run(env.eg_fd, &synack, &r) && ASSERT_EQ(r.verdict, TC_ACT_OK, "SYN-ACK leaves") &&
	       xdp_passes(&ack, "the confirming ACK is tc's") &&
	       tc_run(env.in_fd, &ack, &r) && fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
}

/*
 * A client's UDP flow to 0.0.0.0:5353 (-> D:53) with datagram @in: opened
 * in tc, answered, and confirmed by the client's next datagram, in tc too
 * (XDP leaves an unconfirmed flow to tc).
 */
static bool dnat_udp_open(const struct pkt *in, __u16 sport)
{
	struct pkt answer = OUT_FRAME(.saddr = IP_D, .daddr = IP_CLIENT, .proto = IPPROTO_UDP, .sport = 53,
				      .dport = sport, .payload = 5);
	struct fx_result r;

	return tc_run(env.in_fd, in, &r) && fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_D) &&
	       xdp_passes(in, "an unconfirmed flow's datagram is tc's") &&
	       tc_run(env.eg_fd, &answer, &r) && ASSERT_EQ(r.verdict, TC_ACT_OK, "answer leaves") &&
	       tc_run(env.in_fd, in, &r) && fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_D);
}

/* An established published TCP flow: XDP does what uplink_ingress does, byte for byte. */
static void test_dnat_tcp_established(void)
{
	struct pkt in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33000,
				 .dport = 8080, .tcp_flags = TH_ACK, .payload = 100);
	struct pkt want = frame(MAC_B, MAC_GW1, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_B,
				.proto = IPPROTO_TCP, .sport = 33000, .dport = 80, .tcp_flags = TH_ACK,
				.payload = 100, .ttl = 63 });
	struct fx_result xr, tr;

	if (!dnat_tcp_open(33000))
		return;
	xdp_forwards(&in, &want, DEV_B, IP_CLIENT, 33000, 8080, IPPROTO_TCP);
	/* The same packet through uplink_ingress: the very same bytes, delivered with redirect_peer. */
	if (xdp_run(&in, &xr) && tc_run(env.in_fd, &in, &tr)) {
		fx_check_redirect(&tr, XNET_ST_REDIRECT_PEER, DEV_B);
		ASSERT_EQ(xr.out.len, tr.out.len, "XDP and tc frame length");
		ASSERT_MEMEQ(xr.out.data, tr.out.data, tr.out.len, "XDP frame == tc frame");
	}
	/* PSH|ACK with data, and a bare ACK: the ordinary packets of a connection. */
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33000,
		      .dport = 8080, .tcp_flags = TH_ACK | 0x08, .payload = 7);
	want = frame(MAC_B, MAC_GW1, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_B, .proto = IPPROTO_TCP,
		     .sport = 33000, .dport = 80, .tcp_flags = TH_ACK | 0x08, .payload = 7, .ttl = 63 });
	xdp_forwards(&in, &want, DEV_B, IP_CLIENT, 33000, 8080, IPPROTO_TCP);
}

/* Many ports and lengths: the hand-made checksum arithmetic against freshly computed sums. */
static void test_dnat_checksums(void)
{
	static const __u16 sports[] = { 1, 1024, 33000, 40000, 49151, 65535 };
	static const __u8 ttls[] = { 2, 64, 128, 255 };

	for (unsigned i = 0; i < ARRAY_SIZE(sports); i++) {
		for (unsigned t = 0; t < ARRAY_SIZE(ttls); t++) {
			__u16 payload = (__u16)((i * 37 + t * 11) % (PKT_MAX - 60));
			struct pkt in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP,
						 .sport = sports[i], .dport = 5353, .payload = payload,
						 .ttl = ttls[t], .id = (__u16)(sports[i] * 7 + t));
			struct pkt want = frame(MAC_D, MAC_GW2, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_D,
						.proto = IPPROTO_UDP, .sport = sports[i], .dport = 53,
						.payload = payload, .ttl = (__u8)(ttls[t] - 1),
						.id = (__u16)(sports[i] * 7 + t) });
			/* The first datagrams open and confirm the flow in tc; the next ones are XDP's. */
			if (t == 0 && !dnat_udp_open(&in, sports[i]))
				return;
			if (t == 0)
				continue;
			if (!xdp_forwards(&in, &want, DEV_D, IP_CLIENT, sports[i], 5353, IPPROTO_UDP))
				return;
		}
	}
}

/* UDP without a checksum keeps none; XDP takes a published flow once it is confirmed. */
static void test_dnat_udp(void)
{
	struct pkt in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 5000,
				 .dport = 5353, .payload = 30);
	struct pkt want = frame(MAC_D, MAC_GW2, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_D,
				.proto = IPPROTO_UDP, .sport = 5000, .dport = 53, .payload = 30, .ttl = 63 });

	/* Unknown yet: tc opens it, and confirms it. */
	if (!xdp_passes(&in, "first datagram of a flow passes") || !dnat_udp_open(&in, 5000))
		return;
	xdp_forwards(&in, &want, DEV_D, IP_CLIENT, 5000, 5353, IPPROTO_UDP);
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 5000,
		      .dport = 5353, .payload = 3, .no_udp_csum = 1);
	want = frame(MAC_D, MAC_GW2, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_D, .proto = IPPROTO_UDP,
		     .sport = 5000, .dport = 53, .payload = 3, .ttl = 63, .no_udp_csum = 1 });
	xdp_forwards(&in, &want, DEV_D, IP_CLIENT, 5000, 5353, IPPROTO_UDP);
}

/* Answers of a masqueraded flow: the first one (a state change) is tc's, the later ones XDP's. */
static void test_snat_answers(void)
{
	struct pkt out = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 33333,
				   .dport = 53, .payload = 21);
	struct pkt in, want;
	struct xnet_ct_entry e;
	struct fx_result r;
	__u16 port;

	if (!tc_run(env.eg_fd, &out, &r))
		return;
	port = (r.out.data[IP_OFF + 20] << 8) | r.out.data[IP_OFF + 21];
	in = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 53,
		      .dport = port, .payload = 40);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A, .proto = IPPROTO_UDP,
		     .sport = 53, .dport = 33333, .payload = 40, .ttl = 63 });
	xdp_passes(&in, "first answer (establishes the flow) passes");
	if (!tc_run(env.in_fd, &in, &r))
		return;
	ASSERT_TRUE(ct_get(IP_REMOTE, FX_UPLINK_IP, 53, port, IPPROTO_UDP, XNET_CT_IN, &e) &&
		    e.state == XNET_CT_ST_ESTABLISHED, "tc established the flow");
	/* Answered but not confirmed: its answers are still tc's, until the sandbox speaks again. */
	xdp_passes(&in, "an answer of an unconfirmed flow passes");
	if (!tc_run(env.in_fd, &in, &r) || !tc_run(env.eg_fd, &out, &r))
		return;
	xdp_forwards(&in, &want, DEV_A, IP_REMOTE, 53, port, IPPROTO_UDP);
}

/*
 * What a local sender's packet looks like on a veth uplink (CHECKSUM_PARTIAL):
 * the L4 checksum field holds only the pseudo header's sum, folded.
 */
static struct pkt csum_partial(struct pkt p)
{
	const __u8 *iph = p.data + IP_OFF;
	unsigned l4len = ((iph[2] << 8) | iph[3]) - 20, off = IP_OFF + 20 + (iph[9] == IPPROTO_TCP ? 16 : 6);
	__u32 s = iph[9] + l4len;

	for (int i = 12; i < 20; i += 2)
		s += (iph[i] << 8) | iph[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	p.data[off] = s >> 8;
	p.data[off + 1] = s & 0xff;
	return p;
}

/* Packets of known flows that change their state, or that XDP cannot take whole: tc's. */
static void test_passes(void)
{
	struct pkt syn = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34000,
				  .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt fin = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34000,
				  .dport = 8080, .tcp_flags = TH_FIN | TH_ACK);
	struct pkt rst = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34000,
				  .dport = 8080, .tcp_flags = TH_RST | TH_ACK);
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34000,
				  .dport = 8080, .tcp_flags = TH_ACK);
	struct pkt unknown = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP,
				      .sport = 34001, .dport = 8080, .tcp_flags = TH_ACK);
	struct pkt ttl1 = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34000,
				   .dport = 8080, .tcp_flags = TH_ACK, .ttl = 1);
	struct pkt frag1 = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 5001,
				    .dport = 5353, .payload = 64, .id = 0x4242, .frag = 0x2000);
	struct pkt frag2 = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .no_l4 = 1,
				    .payload = 16, .id = 0x4242, .frag = 9);
	struct pkt other = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(203, 0, 113, 99), .proto = IPPROTO_TCP,
				    .sport = 34000, .dport = 8080, .tcp_flags = TH_ACK);
	struct pkt ping = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP,
				   .icmp_type = 8, .sport = 9);
	struct fx_frame opts_f = UDP(MAC_UP, MAC_NEXTHOP, IP_CLIENT, FX_UPLINK_IP, .opt_words = 1);
	struct fx_frame arp_f = ARPREQ(MAC_NEXTHOP, IP_CLIENT, FX_UPLINK_IP);
	struct pkt udp1, udp_opts, arp;
	struct fx_result r;

	if (!dnat_tcp_open(34000))
		return;
	/* Opening again, closing, resetting: state changes stay in tc. */
	xdp_passes(&syn, "SYN of a known flow passes");
	xdp_passes(&fin, "FIN passes");
	xdp_passes(&rst, "RST passes");
	xdp_passes(&unknown, "segment of no known flow passes");
	xdp_passes(&ttl1, "TTL 1 passes (the host answers time-exceeded)");
	xdp_passes(&other, "destination not a host address passes");
	xdp_passes(&ping, "ICMP passes");

	/* Fragments of a known UDP flow: tc keeps their records. */
	udp1 = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 5001,
			.dport = 5353, .payload = 10);
	if (tc_run(env.in_fd, &udp1, &r)) {
		xdp_passes(&frag1, "first fragment passes");
		xdp_passes(&frag2, "later fragment passes");
	}
	/* IP options: uplink_ingress handles them, XDP does not parse them. */
	fx_build(&opts_f, &udp_opts);
	xdp_passes(&udp_opts, "IPv4 with options passes");
	fx_build(&arp_f, &arp);
	xdp_passes(&arp, "ARP passes");

	/* The established flow itself is XDP's... */
	if (!ASSERT_EQ(xdp_run(&ack, &r) ? r.verdict : -1, XDP_REDIRECT, "established ACK redirected"))
		return;
	/* ...but not with a checksum only the device would have finished (XDP cannot tell the sandbox). */
	xdp_passes((struct pkt[]){ csum_partial(ack) }, "TCP with a CHECKSUM_PARTIAL checksum passes");
	xdp_passes((struct pkt[]){ csum_partial(udp1) }, "UDP with a CHECKSUM_PARTIAL checksum passes");
	/* ...unless its endpoint cannot take XDP frames, or the frame exceeds its MTU. */
	xdp_tx_set(DEV_B, 0);
	xdp_passes(&ack, "endpoint without NAPI passes");
	xdp_tx_set(DEV_B, ack.len - 14 - 1);
	xdp_passes(&ack, "frame over the endpoint's MTU passes");
	xdp_tx_set(DEV_B, ack.len - 14);
	ASSERT_EQ(xdp_run(&ack, &r) ? r.verdict : -1, XDP_REDIRECT, "frame of exactly MTU + 14 redirected");
}

/* The admin's policy: a denied client's packets are tc's to drop and count. */
/*
 * A flood's SYNs: while the budget of unconfirmed flows is spent, a SYN to
 * a published port is dropped here, counted as ct-unconfirmed-full, with
 * no flow touched; a SYN to a port the host serves itself, a retransmitted
 * SYN of a flow already open, and any SYN once the budget is back, pass.
 */
static void test_syn_flood(void)
{
	struct pkt syn = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34000,
				  .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt ssh = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34001,
				  .dport = 22, .tcp_flags = TH_SYN);
	struct pkt again = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 34002,
				    .dport = 8080, .tcp_flags = TH_SYN);
	__u32 b = (__u32)(fx_now_ns() >> 30), key = b & (XNET_CT_NEW_WINDOW - 1);
	struct xnet_ct_budget full = { .word = ((__u64)b << 32) | XNET_CT_NEW_BUDGET };
	int fd = fx_map_fd(env.tc->obj, "xnet_ct_budget");
	struct fx_result r;

	xdp_passes(&syn, "budget left: the SYN goes to tc");
	/* A flow opened before the budget ran out: its SYN retransmission passes. */
	if (!tc_run(env.in_fd, &again, &r) || !fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B))
		return;
	ASSERT_OK(bpf_map_update_elem(fd, &key, &full, BPF_ANY) ? -errno : 0, "spend the budget");
	if (xdp_run(&syn, &r)) {
		ASSERT_EQ(r.verdict, XDP_DROP, "flood SYN: XDP_DROP");
		ASSERT_EQ(r.drops[XNET_DROP_CT_UNCONFIRMED_FULL].packets, 1, "counted as ct-unconfirmed-full");
		ASSERT_EQ(r.drops[XNET_DROP_CT_UNCONFIRMED_FULL].bytes, syn.len, "with its length");
	}
	xdp_passes(&ssh, "a SYN to the host's own service passes");
	xdp_passes(&again, "a retransmitted SYN of an open flow passes");
	full.word = 0;
	ASSERT_OK(bpf_map_update_elem(fd, &key, &full, BPF_ANY) ? -errno : 0, "budget back");
	xdp_passes(&syn, "budget back: the SYN goes to tc");
}

static void test_policy(void)
{
	struct xnet_policy_key deny = { .prefixlen = 32 + 24, .saddr = IP4(203, 0, 113, 0) };
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 35000,
				  .dport = 8080, .tcp_flags = TH_ACK);
	__u32 v = XNET_POLICY_DENY;
	struct fx_result r;

	if (!dnat_tcp_open(35000))
		return;
	ASSERT_OK(bpf_map_update_elem(env.policy, &deny, &v, BPF_ANY) ? -errno : 0, "deny 203.0.113.0/24");
	/* Rules present but the host flag off: not consulted (as tc). */
	ASSERT_EQ(xdp_run(&ack, &r) ? r.verdict : -1, XDP_REDIRECT, "policy off: redirected");
	host_set(XNET_HOST_POLICY);
	xdp_passes(&ack, "denied client passes (tc drops it)");
	if (tc_run(env.in_fd, &ack, &r))
		fx_check_drops(&r, XNET_DROP_POLICY, ack.len);
	/* A rule allowing this very port wins over the wildcard deny. */
	v = XNET_POLICY_ALLOW;
	deny.proto = IPPROTO_TCP;
	deny.port = htons(8080);
	ASSERT_OK(bpf_map_update_elem(env.policy, &deny, &v, BPF_ANY) ? -errno : 0, "allow 8080/tcp");
	ASSERT_EQ(xdp_run(&ack, &r) ? r.verdict : -1, XDP_REDIRECT, "allowed on this port: redirected");
}

/* Entries that lead nowhere, or from where nothing may come: left to tc's checks. */
static void test_refused(void)
{
	struct xnet_ct_key k = { .saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .sport = htons(36000),
				 .dport = htons(8080), .proto = IPPROTO_TCP, .dir = XNET_CT_IN };
	struct xnet_ct_entry stale = { .addr = IP4(10, 1, 0, 99), .port = htons(80), .kind = XNET_CT_DNAT,
				       .state = XNET_CT_ST_ESTABLISHED, .ifindex = fx_ifindex(DEV_B) };
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 36000,
				  .dport = 8080, .tcp_flags = TH_ACK);
	struct pkt gw = IN_FRAME(.saddr = IP_A, .daddr = IP_GW1, .proto = IPPROTO_TCP, .sport = 36001,
				 .dport = 8080, .tcp_flags = TH_ACK);
	struct xnet_ct_key gk = { .saddr = IP_A, .daddr = IP_GW1, .sport = htons(36001), .dport = htons(8080),
				  .proto = IPPROTO_TCP, .dir = XNET_CT_IN };
	struct xnet_ct_entry hairpin = { .addr = IP_B, .port = htons(80), .kind = XNET_CT_DNAT,
					 .state = XNET_CT_ST_ESTABLISHED, .ifindex = fx_ifindex(DEV_B) };

	/* The entry's address is no longer its endpoint's (tc: unknown-destination). */
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &stale, BPF_ANY) ? -errno : 0, "stale entry");
	xdp_passes(&ack, "entry to an address the endpoint does not own passes");
	/* A hairpin flow's entry to the gateway address, hit from the wire (tc: routed-to-sandbox). */
	ASSERT_OK(bpf_map_update_elem(env.ct, &gk, &hairpin, BPF_ANY) ? -errno : 0, "hairpin entry");
	xdp_passes(&gw, "gateway address from the wire passes");
}

static const struct {
	const char *name;
	void (*fn)(void);
} subtests[] = {
	{ "dnat_tcp_established", test_dnat_tcp_established },
	{ "dnat_checksums", test_dnat_checksums },
	{ "dnat_udp", test_dnat_udp },
	{ "snat_answers", test_snat_answers },
	{ "passes", test_passes },
	{ "syn_flood", test_syn_flood },
	{ "policy", test_policy },
	{ "refused", test_refused },
};

XT_TEST(uplink_xdp)
{
	if (!env_open())
		goto out;
	for (unsigned i = 0; i < ARRAY_SIZE(subtests); i++) {
		if (!xt__start_subtest(subtests[i].name))
			continue;
		reset();
		subtests[i].fn();
	}
out:
	uplink_xdp_test__destroy(env.xdp);
	uplink_test__destroy(env.tc);
	memset(&env, 0, sizeof(env));
}
