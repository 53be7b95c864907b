// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_uplink: bpf/uplink.bpf.c (tc ingress and egress of the host's uplink)
 * under BPF_PROG_RUN. Flows over several packets: a sandbox's packet leaves
 * masqueraded, the answer comes back translated into the sandbox; clients
 * reach published ports; ICMP errors and fragments follow their flows.
 * Every translated frame is compared byte for byte with one built fresh
 * with the expected fields, so the checksums are recomputed, not trusted.
 * Topology in fixture.h; NAT maps written raw through the skeleton.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include "test_progs.h"
#include "cases.h"
#include "uplink.test.skel.h"

#define IP_UP2		IP4(198, 51, 100, 7)	/* a second host address */
#define IP_REMOTE	IP4(8, 8, 8, 8)
#define IP_CLIENT	IP4(203, 0, 113, 5)
#define IP_ROUTER	IP4(198, 18, 0, 254)
#define NAT_MIN		40000
#define NAT_MAX		40099

static const __u8 MAC_UP[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const __u8 MAC_NEXTHOP[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

struct env {
	struct uplink_test *skel;
	struct bpf_object *obj;
	int in_fd, eg_fd;
	int ct, host, hostaddrs, published, policy, frags;
	__u16 nat_min, nat_max;		/* the SNAT port range in xnet_host now */
};

static struct env env;

static bool host_set(__u16 min, __u16 max, __u32 flags)
{
	struct xnet_host h = {
		.uplink_ifindex = fx_ifindex(DEV_UP), .uplink_ip = FX_UPLINK_IP,
		.nat_port_min = min, .nat_port_max = max, .flags = flags,
	};
	__u32 zero = 0;

	env.nat_min = min;
	env.nat_max = max;
	return ASSERT_OK(bpf_map_update_elem(env.host, &zero, &h, BPF_ANY) ? -errno : 0, "xnet_host");
}

static bool publish(__be32 host_ip, __u16 port, __u8 proto, __be32 backend, __u16 bport, enum fx_dev dev,
		    __u32 net_id)
{
	struct xnet_pub_key k = { .host_ip = host_ip, .port = htons(port), .proto = proto };
	struct xnet_pub v = { .backend_ip = backend, .backend_port = htons(bport),
			      .ifindex = fx_ifindex(dev), .net_id = net_id };

	return ASSERT_OK(bpf_map_update_elem(env.published, &k, &v, BPF_ANY) ? -errno : 0, "xnet_published");
}

/* A clean table for each subtest: flows of one do not leak into the next. */
static void reset(void)
{
	fx_ct_clear(env.obj);
	fx_map_clear(env.frags, sizeof(struct xnet_frag_key));
	host_set(NAT_MIN, NAT_MAX, 0);
}

static bool env_open(void)
{
	struct { __be32 addr; __u32 flags; } addrs[] = {
		{ FX_UPLINK_IP, XNET_HA_UPLINK | XNET_HA_LOCAL }, { IP_UP2, XNET_HA_LOCAL },
		{ IP4(127, 0, 0, 1), XNET_HA_LOOPBACK }, { IP_GW1, XNET_HA_GATEWAY },
	};

	if (!ASSERT_OK(fx_devices(), "create test devices"))
		return false;
	env.skel = uplink_test__open_and_load();
	if (!ASSERT_OK_PTR(env.skel, "uplink_test__open_and_load"))
		return false;
	env.obj = env.skel->obj;
	if (!ASSERT_OK(fx_setup_maps(env.obj), "fill maps"))
		return false;
	env.in_fd = bpf_program__fd(env.skel->progs.uplink_ingress);
	env.eg_fd = bpf_program__fd(env.skel->progs.uplink_egress);
	env.ct = fx_map_fd(env.obj, "xnet_ct");
	env.host = fx_map_fd(env.obj, "xnet_host");
	env.hostaddrs = fx_map_fd(env.obj, "xnet_hostaddrs");
	env.published = fx_map_fd(env.obj, "xnet_published");
	env.policy = fx_map_fd(env.obj, "xnet_policy");
	env.frags = fx_map_fd(env.obj, "xnet_frags");
	for (unsigned i = 0; i < ARRAY_SIZE(addrs); i++)
		if (!ASSERT_OK(bpf_map_update_elem(env.hostaddrs, &addrs[i].addr, &addrs[i].flags, BPF_ANY) ?
			       -errno : 0, "xnet_hostaddrs"))
			return false;
	/* 0.0.0.0:8080/tcp -> B:80, uplink:5353/udp -> D:53, second address:7070 -> B:70, 127.0.0.1:9090 -> B:90 */
	return publish(0, 8080, IPPROTO_TCP, IP_B, 80, DEV_B, NET1) &&
	       publish(FX_UPLINK_IP, 5353, IPPROTO_UDP, IP_D, 53, DEV_D, NET2) &&
	       publish(IP_UP2, 7070, IPPROTO_TCP, IP_B, 70, DEV_B, NET1) &&
	       publish(IP4(127, 0, 0, 1), 9090, IPPROTO_TCP, IP_B, 90, DEV_B, NET1) &&
	       host_set(NAT_MIN, NAT_MAX, 0);
}

/* An Ethernet frame carrying the IPv4 packet d. */
static struct pkt frame(const __u8 *dst, const __u8 *src, struct pkt_ip d)
{
	struct pkt p;

	pkt_eth(&p, dst, src, 0x0800);
	pkt_ipv4(&p, &d);
	return p;
}

/* Leaving the host: routed, MACs of the uplink and its next hop. */
#define OUT_FRAME(...)	frame(MAC_NEXTHOP, MAC_UP, (struct pkt_ip){ __VA_ARGS__ })
/* Arriving on the uplink. */
#define IN_FRAME(...)	frame(MAC_UP, MAC_NEXTHOP, (struct pkt_ip){ __VA_ARGS__ })

static bool run(int fd, const struct pkt *in, struct fx_result *res)
{
	return fx_run_pkt(fd, env.obj, DEV_UP, DEV_NONE, in, res);
}

static __u16 out_sport(const struct fx_result *res)
{
	return (res->out.data[IP_OFF + 20] << 8) | res->out.data[IP_OFF + 21];
}

static __u16 out_icmp_id(const struct fx_result *res)
{
	return (res->out.data[IP_OFF + 24] << 8) | res->out.data[IP_OFF + 25];
}

static bool ct_get(__be32 s, __be32 d, __u16 sp, __u16 dp, __u8 proto, __u8 dir, struct xnet_ct_entry *e)
{
	struct xnet_ct_key k = { .saddr = s, .daddr = d, .sport = htons(sp), .dport = htons(dp),
				 .proto = proto, .dir = dir };

	return fx_ct_get(env.obj, &k, e, NULL);
}

/* A passing frame the program must not touch. */
static bool passes_untouched(int fd, const struct pkt *in)
{
	struct fx_result r;

	if (!run(fd, in, &r))
		return false;
	return ASSERT_EQ(r.verdict, TC_ACT_OK, "verdict (TC_ACT_OK)") &
	       fx_check_drops(&r, XNET_DROP_NONE, 0) &
	       ASSERT_EQ(r.rec.kind, XNET_ST_NONE, "no redirect") & fx_check_frame(&r, in);
}

static bool dropped(int fd, const struct pkt *in, enum xnet_drop_reason reason)
{
	struct fx_result r;

	return run(fd, in, &r) && fx_check_drops(&r, reason, in->len);
}

/*
 * A sandbox's UDP datagram leaves with (uplink, NAT port) as source; the
 * port is returned in *port. Checks the frame and both entries.
 */
static bool snat_udp(__be32 src, __u16 sport, __be32 dst, __u16 dport, __u16 *port)
{
	struct pkt in = OUT_FRAME(.saddr = src, .daddr = dst, .proto = IPPROTO_UDP, .sport = sport,
				  .dport = dport, .payload = 21);
	struct xnet_ct_entry e;
	struct fx_result r;
	struct pkt want;
	bool ok;

	if (!run(env.eg_fd, &in, &r))
		return false;
	ok = ASSERT_EQ(r.verdict, TC_ACT_OK, "verdict (TC_ACT_OK)") & fx_check_drops(&r, XNET_DROP_NONE, 0);
	*port = out_sport(&r);
	ok &= ASSERT_TRUE(*port >= env.nat_min && *port <= env.nat_max, "NAT port in range");
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = dst, .proto = IPPROTO_UDP, .sport = *port,
			 .dport = dport, .payload = 21);
	ok &= fx_check_frame(&r, &want);
	ok &= ASSERT_TRUE(ct_get(src, dst, sport, dport, IPPROTO_UDP, XNET_CT_OUT, &e), "OUT entry");
	ok &= ASSERT_EQ(e.addr, FX_UPLINK_IP, "OUT addr") & ASSERT_EQ(ntohs(e.port), *port, "OUT port") &
	      ASSERT_EQ(e.kind, XNET_CT_SNAT, "OUT kind") & ASSERT_GT(e.packets, 0, "OUT packets");
	ok &= ASSERT_TRUE(ct_get(dst, FX_UPLINK_IP, dport, *port, IPPROTO_UDP, XNET_CT_IN, &e), "IN entry");
	ok &= ASSERT_EQ(e.addr, src, "IN addr") & ASSERT_EQ(ntohs(e.port), sport, "IN port") &
	      ASSERT_EQ(e.ifindex, fx_ifindex(src == IP_A ? DEV_A : DEV_D), "IN ifindex");
	return ok;
}

static void test_snat_udp_and_reply(void)
{
	struct xnet_ct_entry e;
	struct fx_result r;
	struct pkt in, want;
	__u16 port, again;

	if (!snat_udp(IP_A, 33333, IP_REMOTE, 53, &port))
		return;
	/* The flow keeps its port. */
	snat_udp(IP_A, 33333, IP_REMOTE, 53, &again);
	ASSERT_EQ(again, port, "second packet, same NAT port");

	/* The answer: into A's namespace, addressed to A, one hop further. */
	in = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 53,
		      .dport = port, .payload = 40);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A, .proto = IPPROTO_UDP,
		     .sport = 53, .dport = 33333, .payload = 40, .ttl = 63 });
	if (!run(env.in_fd, &in, &r))
		return;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	fx_check_drops(&r, XNET_DROP_NONE, 0);
	fx_check_frame(&r, &want);
	ASSERT_TRUE(ct_get(IP_REMOTE, FX_UPLINK_IP, 53, port, IPPROTO_UDP, XNET_CT_IN, &e), "IN entry");
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "answered: established");
	ASSERT_TRUE(e.flags & XNET_CTF_SEEN_REPLY, "IN seen reply");
	ASSERT_EQ(e.packets, 1, "IN packets");
	ASSERT_EQ(e.bytes, in.len, "IN bytes");
	ASSERT_TRUE(ct_get(IP_A, IP_REMOTE, 33333, 53, IPPROTO_UDP, XNET_CT_OUT, &e), "OUT entry");
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "OUT follows: established");
	ASSERT_EQ(e.packets, 2, "OUT packets");
}

static void test_snat_udp_no_checksum(void)
{
	struct pkt in = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 1000,
				  .dport = 2000, .payload = 3, .no_udp_csum = 1);
	struct fx_result r;
	struct pkt want;

	if (!run(env.eg_fd, &in, &r))
		return;
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = out_sport(&r),
			 .dport = 2000, .payload = 3, .no_udp_csum = 1);
	fx_check_frame(&r, &want);
}

/* TCP: both halves of the flow move through NEW, ESTABLISHED, CLOSING, CLOSED. */
static void test_snat_tcp_states(void)
{
	struct xnet_ct_entry o, i;
	struct fx_result r;
	struct pkt in, want;
	__u16 port;

	in = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45000, .dport = 443,
		       .tcp_flags = TH_SYN);
	if (!run(env.eg_fd, &in, &r))
		return;
	port = out_sport(&r);
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = port,
			 .dport = 443, .tcp_flags = TH_SYN);
	fx_check_frame(&r, &want);
	ASSERT_TRUE(ct_get(IP_A, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &o), "OUT entry");
	ASSERT_EQ(o.state, XNET_CT_ST_NEW, "SYN: new");

	in = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 443,
		      .dport = port, .tcp_flags = TH_SYN | TH_ACK);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A, .proto = IPPROTO_TCP,
		     .sport = 443, .dport = 45000, .tcp_flags = TH_SYN | TH_ACK, .ttl = 63 });
	if (!run(env.in_fd, &in, &r))
		return;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	fx_check_frame(&r, &want);
	ct_get(IP_A, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &o);
	ct_get(IP_REMOTE, FX_UPLINK_IP, 443, port, IPPROTO_TCP, XNET_CT_IN, &i);
	ASSERT_EQ(o.state, XNET_CT_ST_ESTABLISHED, "SYN-ACK: OUT established");
	ASSERT_EQ(i.state, XNET_CT_ST_ESTABLISHED, "SYN-ACK: IN established");
	ASSERT_TRUE(o.flags & i.flags & XNET_CTF_SEEN_REPLY, "both seen reply");

	in = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45000, .dport = 443,
		       .tcp_flags = TH_FIN | TH_ACK);
	run(env.eg_fd, &in, &r);
	ASSERT_EQ(out_sport(&r), port, "FIN keeps the port");
	ct_get(IP_A, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &o);
	ct_get(IP_REMOTE, FX_UPLINK_IP, 443, port, IPPROTO_TCP, XNET_CT_IN, &i);
	ASSERT_EQ(o.state, XNET_CT_ST_CLOSING, "FIN: OUT closing");
	ASSERT_EQ(i.state, XNET_CT_ST_CLOSING, "FIN: IN closing");

	in = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 443,
		      .dport = port, .tcp_flags = TH_RST);
	run(env.in_fd, &in, &r);
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	ct_get(IP_A, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &o);
	ct_get(IP_REMOTE, FX_UPLINK_IP, 443, port, IPPROTO_TCP, XNET_CT_IN, &i);
	ASSERT_EQ(o.state, XNET_CT_ST_CLOSED, "RST: OUT closed");
	ASSERT_EQ(i.state, XNET_CT_ST_CLOSED, "RST: IN closed");
}

/* ping: the identifier is translated like a port, ICMP checksum follows. */
static void test_snat_icmp_echo(void)
{
	struct pkt in = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_ICMP, .icmp_type = 8,
				  .sport = 777, .payload = 56);
	struct xnet_ct_entry e;
	struct fx_result r;
	struct pkt want;
	__u16 id;

	if (!run(env.eg_fd, &in, &r))
		return;
	id = out_icmp_id(&r);
	ASSERT_TRUE(id >= NAT_MIN && id <= NAT_MAX, "NAT identifier in range");
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_ICMP, .icmp_type = 8,
			 .sport = id, .payload = 56);
	fx_check_frame(&r, &want);
	ASSERT_TRUE(ct_get(IP_REMOTE, FX_UPLINK_IP, id, id, IPPROTO_ICMP, XNET_CT_IN, &e), "IN entry (id, id)");

	in = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP, .icmp_type = 0,
		      .sport = id, .payload = 56);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A, .proto = IPPROTO_ICMP,
		     .icmp_type = 0, .sport = 777, .payload = 56, .ttl = 63 });
	if (!run(env.in_fd, &in, &r))
		return;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	fx_check_frame(&r, &want);
	ASSERT_TRUE(ct_get(IP_A, IP_REMOTE, 777, 777, IPPROTO_ICMP, XNET_CT_OUT, &e), "OUT entry");
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "echo reply: OUT established");
}

/*
 * Ports held by other flows to the same remote, or published, are skipped;
 * none left: a counted drop; a port whose flow is over is taken back.
 */
static void test_snat_collision_and_exhaustion(void)
{
	struct xnet_ct_key k = { .saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .sport = htons(53),
				 .proto = IPPROTO_UDP, .dir = XNET_CT_IN };
	struct xnet_ct_key old_out = { .saddr = IP_C, .daddr = IP_REMOTE, .sport = htons(1), .dport = htons(53),
				       .proto = IPPROTO_UDP, .dir = XNET_CT_OUT };
	struct xnet_ct_entry taken = { .addr = IP_C, .port = htons(1), .kind = XNET_CT_SNAT,
				       .last_seen = fx_now_ns() };
	struct xnet_ct_entry e;
	struct xnet_pub_key pk = { .port = htons(41001), .proto = IPPROTO_UDP };
	struct pkt in;
	__u16 port;

	host_set(41000, 41001, 0);
	k.dport = htons(41000);
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &taken, BPF_ANY) ? -errno : 0, "occupy 41000");
	if (snat_udp(IP_A, 1111, IP_REMOTE, 53, &port))
		ASSERT_EQ(port, 41001, "the free port of two");

	/* Both taken now (41001 by the flow above): the next flow has nothing left. */
	in = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 2222, .dport = 53);
	dropped(env.eg_fd, &in, XNET_DROP_NAT_EXHAUSTED);

	/* The flow on 41000 has been idle past the UDP timeout: its port goes to the next flow. */
	taken.last_seen = fx_now_ns() - 31ULL * 1000000000ULL;
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &taken, BPF_ANY) ? -errno : 0, "age 41000");
	ASSERT_OK(bpf_map_update_elem(env.ct, &old_out, &(struct xnet_ct_entry){ .addr = FX_UPLINK_IP,
		  .port = htons(41000), .kind = XNET_CT_SNAT }, BPF_ANY) ? -errno : 0, "its OUT entry");
	if (snat_udp(IP_A, 2222, IP_REMOTE, 53, &port))
		ASSERT_EQ(port, 41000, "an expired flow's port taken back");
	ASSERT_TRUE(bpf_map_lookup_elem(env.ct, &old_out, &e) && errno == ENOENT, "the expired flow's OUT entry is gone");
	ASSERT_TRUE(ct_get(IP_REMOTE, FX_UPLINK_IP, 53, 41000, IPPROTO_UDP, XNET_CT_IN, &e) && e.addr == IP_A &&
		    e.port == htons(2222), "41000 now answers to the new flow");

	/* Another remote port: both free again for it, but 41001 is published. */
	ASSERT_OK(bpf_map_update_elem(env.published, &pk, &(struct xnet_pub){ .backend_ip = IP_B }, BPF_ANY) ?
		  -errno : 0, "publish 41001/udp");
	k.sport = htons(54);
	/* The new flow is not confirmed yet: its entries are in xnet_ct_new. */
	ASSERT_OK(bpf_map_delete_elem(fx_map_fd(env.obj, "xnet_ct_new"), &(struct xnet_ct_key){ .saddr = IP_REMOTE,
		  .daddr = FX_UPLINK_IP, .sport = htons(53), .dport = htons(41000), .proto = IPPROTO_UDP,
		  .dir = XNET_CT_IN }) ? -errno : 0, "free 41000");
	if (snat_udp(IP_A, 3333, IP_REMOTE, 54, &port))
		ASSERT_EQ(port, 41000, "published port skipped");
	bpf_map_delete_elem(env.published, &pk);
}

static void test_snat_not_masqueraded(void)
{
	struct pkt e = OUT_FRAME(.saddr = IP_E, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 1, .dport = 2);
	struct pkt host = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 22,
				    .dport = 50000, .tcp_flags = TH_ACK);
	struct pkt gw = OUT_FRAME(.saddr = IP_GW1, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 1, .dport = 2);
	struct pkt internal = OUT_FRAME(.saddr = IP_I, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 1,
					.dport = 2);
	struct pkt gre = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = 47, .payload = 8);

	/* Network without masquerade: routed as is (Docker's enable_ip_masquerade=false). */
	passes_untouched(env.eg_fd, &e);
	/* The host's own traffic, and the gateway address's. */
	passes_untouched(env.eg_fd, &host);
	passes_untouched(env.eg_fd, &gw);
	/* Protocols without ports are not translated. */
	passes_untouched(env.eg_fd, &gre);
	/* --internal never leaves. */
	dropped(env.eg_fd, &internal, XNET_DROP_INTERNAL);
}

/*
 * A network without masquerade: its flows leave as they are, recorded
 * (XNET_CTF_ROUTED, its own address and port), and their answers, and ICMP
 * errors about them, come back in to the sandbox's own address; nothing else
 * sent to that address does.
 */
static void test_routed_answers(void)
{
	struct pkt out = OUT_FRAME(.saddr = IP_E, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45000,
				   .dport = 443, .tcp_flags = TH_SYN);
	struct pkt ack = OUT_FRAME(.saddr = IP_E, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45000,
				   .dport = 443, .tcp_flags = TH_ACK, .payload = 10);
	struct pkt ans = IN_FRAME(.saddr = IP_REMOTE, .daddr = IP_E, .proto = IPPROTO_TCP, .sport = 443,
				  .dport = 45000, .tcp_flags = TH_SYN | TH_ACK, .payload = 4);
	struct pkt want = frame(MAC_E, MAC_GW3, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_E,
				.proto = IPPROTO_TCP, .sport = 443, .dport = 45000, .tcp_flags = TH_SYN | TH_ACK,
				.payload = 4, .ttl = 63 });
	struct pkt stranger = IN_FRAME(.saddr = IP_REMOTE, .daddr = IP_E, .proto = IPPROTO_TCP, .sport = 443,
				       .dport = 45001, .tcp_flags = TH_SYN);
	struct pkt other = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_E, .proto = IPPROTO_TCP, .sport = 443,
				    .dport = 45000, .tcp_flags = TH_SYN | TH_ACK);
	struct pkt unknown = OUT_FRAME(.saddr = IP_E, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45001,
				       .dport = 443, .tcp_flags = TH_SYN);
	struct pkt err, err_want, err_other, err_host;
	struct xnet_ct_entry e;
	struct fx_result r;

	passes_untouched(env.eg_fd, &out);
	if (ASSERT_TRUE(ct_get(IP_E, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &e), "OUT entry")) {
		ASSERT_EQ(e.flags & XNET_CTF_ROUTED, XNET_CTF_ROUTED, "OUT: routed");
		ASSERT_EQ(e.addr, IP_E, "OUT addr: its own");
		ASSERT_EQ(ntohs(e.port), 45000, "OUT port: its own");
	}
	if (ASSERT_TRUE(ct_get(IP_REMOTE, IP_E, 443, 45000, IPPROTO_TCP, XNET_CT_IN, &e), "IN entry")) {
		ASSERT_EQ(e.flags & XNET_CTF_ROUTED, XNET_CTF_ROUTED, "IN: routed");
		ASSERT_EQ(e.ifindex, fx_ifindex(DEV_E), "IN: the sandbox's host veth");
	}
	/* The answer: straight into the sandbox, nothing changed but TTL and MACs. */
	if (run(env.in_fd, &ans, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_E);
		fx_check_drops(&r, XNET_DROP_NONE, 0);
		fx_check_frame(&r, &want);
	}
	if (ct_get(IP_REMOTE, IP_E, 443, 45000, IPPROTO_TCP, XNET_CT_IN, &e))
		ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "answered: established");
	/* The flow's next packet still leaves untouched. */
	passes_untouched(env.eg_fd, &ack);
	/* Another port, another remote: no flow of theirs, closed. */
	dropped(env.in_fd, &stranger, XNET_DROP_ROUTED_TO_SANDBOX);
	dropped(env.in_fd, &other, XNET_DROP_ROUTED_TO_SANDBOX);

	/* Fragmentation needed about the flow reaches the sandbox, quote and all. */
	err = IN_FRAME(.saddr = IP_ROUTER, .daddr = IP_E, .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4,
		       .quote = out.data + IP_OFF, .quote_len = 28);
	err_want = frame(MAC_E, MAC_GW3, (struct pkt_ip){ .saddr = IP_ROUTER, .daddr = IP_E,
			 .proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 4, .quote = out.data + IP_OFF,
			 .quote_len = 28, .ttl = 63 });
	if (run(env.in_fd, &err, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_E);
		fx_check_drops(&r, XNET_DROP_NONE, 0);
		fx_check_frame(&r, &err_want);
	}
	/* About a flow we never saw: closed. */
	err_other = IN_FRAME(.saddr = IP_ROUTER, .daddr = IP_E, .proto = IPPROTO_ICMP, .icmp_type = 3,
			     .icmp_code = 4, .quote = unknown.data + IP_OFF, .quote_len = 28);
	dropped(env.in_fd, &err_other, XNET_DROP_ROUTED_TO_SANDBOX);
	/* About the routed flow but sent to the host's address: not the flow's address, the host's. */
	err_host = IN_FRAME(.saddr = IP_ROUTER, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP, .icmp_type = 3,
			    .icmp_code = 4, .quote = out.data + IP_OFF, .quote_len = 28);
	passes_untouched(env.in_fd, &err_host);
}

/*
 * What lxc redirects straight to the uplink (lxc_nat_out: translated, or a
 * routed flow, and accounted) still carries the endpoint's host veth as
 * skb_iif: egress leaves it alone, neither translating it again nor
 * counting it twice. The same packets routed by the host (skb_iif the
 * gateway device's, or 0) are egress's to translate, as always.
 */
static void test_egress_from_lxc(void)
{
	struct pkt syn = OUT_FRAME(.saddr = IP_E, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45000,
				   .dport = 443, .tcp_flags = TH_SYN);
	struct pkt ack = OUT_FRAME(.saddr = IP_E, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 45000,
				   .dport = 443, .tcp_flags = TH_ACK, .payload = 10);
	struct pkt masq = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 5000,
				    .dport = 53, .payload = 12);
	struct xnet_ct_entry e, none;
	struct fx_result r;
	__u64 packets;

	/* A routed flow opened through the host's routing (skb_iif: its gateway device). */
	if (fx_run_pkt(env.eg_fd, env.obj, DEV_UP, DEV_GW3, &syn, &r))
		ASSERT_EQ(r.verdict, TC_ACT_OK, "routed SYN passes");
	if (!ASSERT_TRUE(ct_get(IP_E, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &e), "OUT entry"))
		return;
	packets = e.packets;
	/* Its next packet comes from lxc, which counted it: untouched and not counted again. */
	if (fx_run_pkt(env.eg_fd, env.obj, DEV_UP, DEV_E, &ack, &r)) {
		ASSERT_EQ(r.verdict, TC_ACT_OK, "from lxc: passes");
		fx_check_drops(&r, XNET_DROP_NONE, 0);
		fx_check_frame(&r, &ack);
	}
	if (ct_get(IP_E, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &e))
		ASSERT_EQ(e.packets, packets, "from lxc: counted once, there");
	/* The same packet routed by the host is egress's: counted here. */
	if (fx_run_pkt(env.eg_fd, env.obj, DEV_UP, DEV_GW3, &ack, &r))
		ASSERT_EQ(r.verdict, TC_ACT_OK, "routed: passes");
	if (ct_get(IP_E, IP_REMOTE, 45000, 443, IPPROTO_TCP, XNET_CT_OUT, &e))
		ASSERT_EQ(e.packets, packets + 1, "routed: counted here");

	/* A masqueraded network's packet from lxc is never translated twice... */
	if (fx_run_pkt(env.eg_fd, env.obj, DEV_UP, DEV_A, &masq, &r)) {
		ASSERT_EQ(r.verdict, TC_ACT_OK, "from lxc: passes");
		fx_check_frame(&r, &masq);
	}
	ASSERT_FALSE(ct_get(IP_A, IP_REMOTE, 5000, 53, IPPROTO_UDP, XNET_CT_OUT, &none), "from lxc: no flow opened");
	/* ...while the host's routing hands egress the untranslated first packet, as before. */
	if (fx_run_pkt(env.eg_fd, env.obj, DEV_UP, DEV_GW1, &masq, &r))
		ASSERT_EQ(out_sport(&r) >= env.nat_min && out_sport(&r) <= env.nat_max, true,
			  "routed: masqueraded to a NAT port");
	ASSERT_TRUE(ct_get(IP_A, IP_REMOTE, 5000, 53, IPPROTO_UDP, XNET_CT_OUT, &none), "routed: flow opened");
}

/*
 * The uplink's address changed since the last xnet command (a new DHCP
 * lease): xnet_host and xnet_hostaddrs still name 192.0.2.1, the device now
 * has 192.0.2.77. A new masqueraded flow takes the address routing picks,
 * as MASQUERADE does, and its answers, sent to an address xnet has not
 * listed, find their flow; a client calling a published port on the new
 * address gets in, one calling an address that is not the host's does not.
 * Anything else to an unlisted address is the host's to route: malformed
 * or not, nothing dropped.
 */
#define IP_NEW_UPLINK	IP4(192, 0, 2, 77)
static void test_new_address_follows_routing(void)
{
	struct pkt q = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 5000,
				 .dport = 53, .payload = 12);
	struct pkt syn = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_NEW_UPLINK, .proto = IPPROTO_TCP, .sport = 40001,
				  .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt elsewhere = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(198, 18, 7, 7), .proto = IPPROTO_UDP,
					.sport = 1, .dport = 5353, .payload = 4);
	struct pkt not_ours = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(198, 18, 7, 7), .proto = IPPROTO_TCP,
				       .sport = 40002, .dport = 8080, .tcp_flags = TH_SYN);
	/* Half a UDP header, to an address of no one here. */
	struct pkt trunc = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(198, 18, 7, 7), .proto = IPPROTO_UDP, .sport = 1,
				    .dport = 5353, .l4_cut = 4);
	struct pkt ans, want;
	struct xnet_ct_entry e;
	struct fx_result r;
	__u16 port = 0;

	/* Forwarding on, as xnet sets it: the FIB answers nothing on a device without. */
	if (!ASSERT_OK(system("echo 1 > /proc/sys/net/ipv4/conf/xtwan/forwarding && "
			      "ip addr add 192.0.2.77/24 dev xtwan && "
			      "ip route add 8.8.8.0/24 via 192.0.2.254 dev xtwan && "
			      "ip route add 203.0.113.0/24 via 192.0.2.254 dev xtwan"), "the uplink's new address"))
		goto out;
	if (run(env.eg_fd, &q, &r)) {
		port = out_sport(&r);
		want = OUT_FRAME(.saddr = IP_NEW_UPLINK, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = port,
				 .dport = 53, .payload = 12);
		ASSERT_EQ(r.verdict, TC_ACT_OK, "verdict (TC_ACT_OK)");
		fx_check_frame(&r, &want);
	}
	if (ASSERT_TRUE(ct_get(IP_A, IP_REMOTE, 5000, 53, IPPROTO_UDP, XNET_CT_OUT, &e), "OUT entry"))
		ASSERT_EQ(e.addr, IP_NEW_UPLINK, "OUT addr: routing's source");
	/* The answer, to an address xnet_hostaddrs does not list: back into A. */
	ans = IN_FRAME(.saddr = IP_REMOTE, .daddr = IP_NEW_UPLINK, .proto = IPPROTO_UDP, .sport = 53, .dport = port,
		       .payload = 30);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A, .proto = IPPROTO_UDP,
		     .sport = 53, .dport = 5000, .payload = 30, .ttl = 63 });
	if (run(env.in_fd, &ans, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
		fx_check_drops(&r, XNET_DROP_NONE, 0);
		fx_check_frame(&r, &want);
	}
	/* A client of a published port on the new address: the backend, client kept. */
	want = frame(MAC_B, MAC_GW1, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_B, .proto = IPPROTO_TCP,
		     .sport = 40001, .dport = 80, .tcp_flags = TH_SYN, .ttl = 63 });
	if (run(env.in_fd, &syn, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
		fx_check_drops(&r, XNET_DROP_NONE, 0);
		fx_check_frame(&r, &want);
	}
	if (ASSERT_TRUE(ct_get(IP_B, IP_CLIENT, 80, 40001, IPPROTO_TCP, XNET_CT_OUT, &e), "published flow"))
		ASSERT_EQ(e.addr, IP_NEW_UPLINK, "answers leave from the address called");
	/* An address routing would not answer this client from is not taken for the host's. */
	passes_untouched(env.in_fd, &not_ours);
	ASSERT_FALSE(ct_get(IP_CLIENT, IP4(198, 18, 7, 7), 40002, 8080, IPPROTO_TCP, XNET_CT_IN, &e),
		     "no flow to an address of someone else");
	/* Traffic the host routes on: passes, and a truncated header is the host's business too. */
	passes_untouched(env.in_fd, &elsewhere);
	passes_untouched(env.in_fd, &trunc);
	/* Without a route, the recorded address, as before. */
	system("ip route del 8.8.8.0/24");
	q.data[IP_OFF + 20 + 1]++;	/* another source port: a new flow */
	if (run(env.eg_fd, &q, &r))
		ASSERT_EQ(((__u32)r.out.data[IP_OFF + 12] << 24 | (__u32)r.out.data[IP_OFF + 13] << 16 |
			   (__u32)r.out.data[IP_OFF + 14] << 8 | r.out.data[IP_OFF + 15]), ntohl(FX_UPLINK_IP),
			  "no route: xnet_host's address");
out:
	system("ip route del 8.8.8.0/24 2>/dev/null; ip route del 203.0.113.0/24 2>/dev/null; "
	       "ip addr del 192.0.2.77/24 dev xtwan 2>/dev/null");
}

/* A published TCP port: client kept, backend reached, its answer leaves as the published address. */
/*
 * A client's SYN to uplink:@hport (published -> B:80), with @opt_words
 * words of IPv4 options: delivered to B translated, TTL - 1, options kept.
 */
static bool dnat_syn_delivered(__u16 sport, __u16 hport, __u8 opt_words)
{
	struct pkt in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = sport,
				 .dport = hport, .tcp_flags = TH_SYN, .payload = 4, .opt_words = opt_words);
	struct pkt want = frame(MAC_B, MAC_GW1, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_B,
				.proto = IPPROTO_TCP, .sport = sport, .dport = 80, .tcp_flags = TH_SYN,
				.payload = 4, .ttl = 63, .opt_words = opt_words });
	struct fx_result r;

	if (!run(env.in_fd, &in, &r))
		return false;
	return fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B) &&
	       fx_check_drops(&r, XNET_DROP_NONE, 0) &&
	       fx_check_frame(&r, &want);
}

static void test_dnat_tcp(void)
{
	struct pkt in, want;
	struct xnet_ct_entry e;
	struct fx_result r;

	if (!dnat_syn_delivered(33000, 8080, 0))
		return;
	ASSERT_TRUE(ct_get(IP_CLIENT, FX_UPLINK_IP, 33000, 8080, IPPROTO_TCP, XNET_CT_IN, &e), "IN entry");
	ASSERT_EQ(e.addr, IP_B, "IN addr");
	ASSERT_EQ(ntohs(e.port), 80, "IN port");
	ASSERT_EQ(e.kind, XNET_CT_DNAT, "IN kind");
	ASSERT_EQ(e.ifindex, fx_ifindex(DEV_B), "IN ifindex");
	ASSERT_TRUE(ct_get(IP_B, IP_CLIENT, 80, 33000, IPPROTO_TCP, XNET_CT_OUT, &e), "OUT entry");
	ASSERT_EQ(e.addr, FX_UPLINK_IP, "OUT addr");
	ASSERT_EQ(ntohs(e.port), 8080, "OUT port");
	ASSERT_EQ(e.flags & XNET_CTF_HAIRPIN, 0, "not hairpin");

	in = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80, .dport = 33000,
		       .tcp_flags = TH_SYN | TH_ACK);
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 8080,
			 .dport = 33000, .tcp_flags = TH_SYN | TH_ACK);
	if (!run(env.eg_fd, &in, &r))
		return;
	ASSERT_EQ(r.verdict, TC_ACT_OK, "answer leaves (TC_ACT_OK)");
	fx_check_frame(&r, &want);
	ct_get(IP_CLIENT, FX_UPLINK_IP, 33000, 8080, IPPROTO_TCP, XNET_CT_IN, &e);
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "IN established by the answer");

	/* The next segment of the client finds the flow without being a SYN. */
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33000,
		      .dport = 8080, .tcp_flags = TH_ACK);
	run(env.in_fd, &in, &r);
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
}

/* Where the entry under (s, d, sp, dp, proto, dir) is: xnet_ct, xnet_ct_new (assured or not), nowhere. */
enum ct_where { CT_NOWHERE, CT_CONFIRMED, CT_PENDING, CT_ASSURED };
static enum ct_where ct_where(__be32 s, __be32 d, __u16 sp, __u16 dp, __u8 proto, __u8 dir)
{
	struct xnet_ct_key k = { .saddr = s, .daddr = d, .sport = htons(sp), .dport = htons(dp),
				 .proto = proto, .dir = dir };
	struct xnet_ct_pending p;
	struct xnet_ct_entry e;

	if (!bpf_map_lookup_elem(env.ct, &k, &e))
		return CT_CONFIRMED;
	if (bpf_map_lookup_elem(fx_map_fd(env.obj, "xnet_ct_new"), &k, &p))
		return CT_NOWHERE;
	return p.e.flags & XNET_CTF_ASSURED ? CT_ASSURED : CT_PENDING;
}

/* Unconfirmed flows of direction @dir (XNET_CT_BUDGET_*) opened in the budget's window, as lib/ct.h counts them. */
static __u32 ct_budget_used(__u32 dir)
{
	__u32 b = (__u32)(fx_now_ns() >> 30), used = 0;
	int fd = fx_map_fd(env.obj, "xnet_ct_budget");

	for (__u32 i = 0; i < XNET_CT_NEW_WINDOW; i++) {
		__u32 key = dir * XNET_CT_NEW_WINDOW + i;
		struct xnet_ct_budget w;

		if (!bpf_map_lookup_elem(fd, &key, &w) && b - (__u32)(w.word >> 32) < XNET_CT_NEW_WINDOW)
			used += (__u32)w.word;
	}
	return used;
}

/* Spend (@full) or restore direction @dir's budget in the current bucket. */
static void ct_budget_fill(__u32 dir, bool full)
{
	__u32 b = (__u32)(fx_now_ns() >> 30), key = dir * XNET_CT_NEW_WINDOW + (b & (XNET_CT_NEW_WINDOW - 1));
	struct xnet_ct_budget w = { .word = full ? ((__u64)b << 32) | XNET_CT_NEW_BUDGET : 0 };

	ASSERT_OK(bpf_map_update_elem(fx_map_fd(env.obj, "xnet_ct_budget"), &key, &w, BPF_ANY) ? -errno : 0,
		  full ? "spend the budget" : "budget back");
}

/*
 * A published TCP flow is confirmed only by the client's ACK of the
 * backend's SYN-ACK: the SYN and the answer leave it in xnet_ct_new, an
 * ACK with another number (a blind, spoofed one) changes nothing, the right
 * one moves both entries to xnet_ct and gives the budget back.
 */
static void test_ct_confirm_tcp(void)
{
	struct pkt synack = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80,
				      .dport = 33100, .tcp_flags = TH_SYN | TH_ACK, .seq = 5000);
	struct pkt blind = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33100,
				    .dport = 8080, .tcp_flags = TH_ACK, .ack = 1001);
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33100,
				  .dport = 8080, .tcp_flags = TH_ACK, .ack = 5001);
	struct fx_result r;

	if (!dnat_syn_delivered(33100, 8080, 0))
		return;
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33100, 8080, IPPROTO_TCP, XNET_CT_IN), CT_PENDING, "SYN: IN pending");
	ASSERT_EQ(ct_where(IP_B, IP_CLIENT, 80, 33100, IPPROTO_TCP, XNET_CT_OUT), CT_PENDING, "SYN: OUT pending");
	ASSERT_EQ(ct_budget_used(XNET_CT_BUDGET_IN), 1, "SYN took one of the budget from the wire");
	ASSERT_EQ(ct_budget_used(XNET_CT_BUDGET_OUT), 0, "not the sandboxes' budget");
	if (!run(env.eg_fd, &synack, &r) || !ASSERT_EQ(r.verdict, TC_ACT_OK, "SYN-ACK leaves"))
		return;
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33100, 8080, IPPROTO_TCP, XNET_CT_IN), CT_PENDING,
		  "SYN-ACK: still pending");
	if (run(env.in_fd, &blind, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33100, 8080, IPPROTO_TCP, XNET_CT_IN), CT_PENDING,
		  "an ACK of another number confirms nothing");
	if (run(env.in_fd, &ack, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33100, 8080, IPPROTO_TCP, XNET_CT_IN), CT_CONFIRMED,
		  "the ACK of the SYN-ACK confirms: IN in xnet_ct");
	ASSERT_EQ(ct_where(IP_B, IP_CLIENT, 80, 33100, IPPROTO_TCP, XNET_CT_OUT), CT_CONFIRMED, "OUT in xnet_ct");
	ASSERT_EQ(ct_budget_used(XNET_CT_BUDGET_IN), 0, "budget given back");
	/* The flow goes on from xnet_ct. */
	if (run(env.in_fd, &ack, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
}

/*
 * Masqueraded flows: a UDP flow is assured in place (it stays in
 * xnet_ct_new: nothing proves a datagram's sender) when the sandbox speaks
 * again after the answer; a TCP flow moves to xnet_ct when the sandbox
 * acknowledges the SYN-ACK.
 */
static void test_ct_confirm_snat(void)
{
	struct pkt q = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 4444, .dport = 53);
	struct pkt syn = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 4445,
				   .dport = 443, .tcp_flags = TH_SYN);
	struct pkt ack = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_TCP, .sport = 4445,
				   .dport = 443, .tcp_flags = TH_ACK, .ack = 7001);
	struct pkt ans, synack;
	struct fx_result r;
	__u16 port, tport;

	if (!snat_udp(IP_A, 4444, IP_REMOTE, 53, &port))
		return;
	ASSERT_EQ(ct_where(IP_A, IP_REMOTE, 4444, 53, IPPROTO_UDP, XNET_CT_OUT), CT_PENDING, "query: pending");
	ASSERT_EQ(ct_budget_used(XNET_CT_BUDGET_OUT), 1, "the sandboxes' budget");
	ans = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 53, .dport = port);
	if (run(env.in_fd, &ans, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	ASSERT_EQ(ct_where(IP_A, IP_REMOTE, 4444, 53, IPPROTO_UDP, XNET_CT_OUT), CT_PENDING, "answered: pending");
	if (run(env.eg_fd, &q, &r))
		ASSERT_EQ(r.verdict, TC_ACT_OK, "second query leaves");
	ASSERT_EQ(ct_where(IP_A, IP_REMOTE, 4444, 53, IPPROTO_UDP, XNET_CT_OUT), CT_ASSURED,
		  "the sandbox speaking again assures it, in place");
	ASSERT_EQ(ct_where(IP_REMOTE, FX_UPLINK_IP, 53, port, IPPROTO_UDP, XNET_CT_IN), CT_ASSURED, "its IN entry too");
	ASSERT_EQ(ct_budget_used(XNET_CT_BUDGET_OUT), 1, "a datagram flow keeps its budget");

	if (!run(env.eg_fd, &syn, &r) || !ASSERT_EQ(r.verdict, TC_ACT_OK, "SYN leaves"))
		return;
	tport = out_sport(&r);
	synack = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 443,
			  .dport = tport, .tcp_flags = TH_SYN | TH_ACK, .seq = 7000);
	if (run(env.in_fd, &synack, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	ASSERT_EQ(ct_where(IP_A, IP_REMOTE, 4445, 443, IPPROTO_TCP, XNET_CT_OUT), CT_PENDING, "SYN-ACK: pending");
	if (run(env.eg_fd, &ack, &r))
		ASSERT_EQ(r.verdict, TC_ACT_OK, "ACK leaves");
	ASSERT_EQ(ct_where(IP_A, IP_REMOTE, 4445, 443, IPPROTO_TCP, XNET_CT_OUT), CT_CONFIRMED, "ACK: confirmed");
	ASSERT_EQ(ct_where(IP_REMOTE, FX_UPLINK_IP, 443, tport, IPPROTO_TCP, XNET_CT_IN), CT_CONFIRMED,
		  "its IN entry too");
	ASSERT_EQ(ct_budget_used(XNET_CT_BUDGET_OUT), 1, "the TCP flow gave its budget back");
}

/*
 * A published port whose backend answers the SYN with a reset (nothing
 * listens): no ACK, whatever its number, confirms that flow. Before, a
 * spoofed SYN, the backend's RST and a spoofed ACK moved a flow into
 * xnet_ct: unconfirmed flows could fill it after all.
 */
static void test_ct_reset_never_confirms(void)
{
	struct pkt rst = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80,
				   .dport = 33400, .tcp_flags = TH_RST | TH_ACK);
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33400,
				  .dport = 8080, .tcp_flags = TH_ACK, .ack = 1001);
	struct fx_result r;

	if (!dnat_syn_delivered(33400, 8080, 0) || !run(env.eg_fd, &rst, &r))
		return;
	run(env.in_fd, &ack, &r);
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33400, 8080, IPPROTO_TCP, XNET_CT_IN), CT_PENDING,
		  "reset flow: an ACK confirms nothing");
	ASSERT_EQ(ct_where(IP_B, IP_CLIENT, 80, 33400, IPPROTO_TCP, XNET_CT_OUT), CT_PENDING, "nor its OUT entry");
}

/*
 * A leftover entry in xnet_ct (a flow whose partner entry the LRU evicted)
 * under a key a new flow needs: found first, it would hide the new flow's
 * entry, and the answer's SYN-ACK would be accounted to it, so the new
 * flow would never be confirmed. The new flow's entry replaces it.
 */
static void test_ct_stale_entry_replaced(void)
{
	struct xnet_ct_key k = { .saddr = IP_B, .daddr = IP_CLIENT, .sport = htons(80), .dport = htons(33500),
				 .proto = IPPROTO_TCP, .dir = XNET_CT_OUT };
	struct xnet_ct_entry stale = { .addr = FX_UPLINK_IP, .port = htons(8080), .kind = XNET_CT_DNAT,
				       .state = XNET_CT_ST_ESTABLISHED, .flags = XNET_CTF_SEEN_REPLY,
				       .last_seen = fx_now_ns() };
	struct pkt synack = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80,
				      .dport = 33500, .tcp_flags = TH_SYN | TH_ACK);
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33500,
				  .dport = 8080, .tcp_flags = TH_ACK);
	struct fx_result r;

	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &stale, BPF_ANY) ? -errno : 0, "a leftover OUT entry");
	if (!dnat_syn_delivered(33500, 8080, 0) || !run(env.eg_fd, &synack, &r) || !run(env.in_fd, &ack, &r))
		return;
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33500, 8080, IPPROTO_TCP, XNET_CT_IN), CT_CONFIRMED,
		  "the new flow confirmed");
	ASSERT_EQ(ct_where(IP_B, IP_CLIENT, 80, 33500, IPPROTO_TCP, XNET_CT_OUT), CT_CONFIRMED, "its OUT entry too");
}

/*
 * One budget per direction. Spent from the wire (as under a flood of
 * spoofed SYNs): a new published flow is dropped as ct-unconfirmed-full
 * and leaves nothing behind, a confirmed flow goes on, and sandboxes still
 * open flows. Spent by sandboxes: their new flows are dropped, published
 * ports still open. When the budget is back, new flows open again.
 */
static void test_ct_budget_spent(void)
{
	struct pkt syn = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33200,
				  .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt q = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 4446, .dport = 53);
	struct pkt synack = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80,
				      .dport = 33300, .tcp_flags = TH_SYN | TH_ACK);
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33300,
				  .dport = 8080, .tcp_flags = TH_ACK);
	struct fx_result r;
	__u16 port;

	/* An established flow first. */
	if (!dnat_syn_delivered(33300, 8080, 0) || !run(env.eg_fd, &synack, &r) || !run(env.in_fd, &ack, &r))
		return;
	if (!ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33300, 8080, IPPROTO_TCP, XNET_CT_IN), CT_CONFIRMED,
		       "established flow confirmed"))
		return;

	ct_budget_fill(XNET_CT_BUDGET_IN, true);
	dropped(env.in_fd, &syn, XNET_DROP_CT_UNCONFIRMED_FULL);
	ASSERT_EQ(ct_where(IP_CLIENT, FX_UPLINK_IP, 33200, 8080, IPPROTO_TCP, XNET_CT_IN), CT_NOWHERE,
		  "published: nothing recorded");
	if (run(env.in_fd, &ack, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	snat_udp(IP_A, 4447, IP_REMOTE, 53, &port);
	ct_budget_fill(XNET_CT_BUDGET_IN, false);

	ct_budget_fill(XNET_CT_BUDGET_OUT, true);
	dropped(env.eg_fd, &q, XNET_DROP_CT_UNCONFIRMED_FULL);
	ASSERT_EQ(ct_where(IP_A, IP_REMOTE, 4446, 53, IPPROTO_UDP, XNET_CT_OUT), CT_NOWHERE,
		  "masquerade: nothing recorded");
	dnat_syn_delivered(33200, 8080, 0);
	ct_budget_fill(XNET_CT_BUDGET_OUT, false);
	snat_udp(IP_A, 4446, IP_REMOTE, 53, &port);
}

/*
 * IPv4 options move the L4 header: both directions are rewritten at the
 * right offsets, options kept byte for byte, every checksum right.
 */
static void test_dnat_ip_options(void)
{
	struct pkt in, want;
	struct fx_result r;

	if (!dnat_syn_delivered(33100, 8080, 3))
		return;
	in = OUT_FRAME(.saddr = IP_B, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 80, .dport = 33100,
		       .tcp_flags = TH_SYN | TH_ACK, .payload = 3, .opt_words = 1);
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_CLIENT, .proto = IPPROTO_TCP, .sport = 8080,
			 .dport = 33100, .tcp_flags = TH_SYN | TH_ACK, .payload = 3, .opt_words = 1);
	if (!run(env.eg_fd, &in, &r))
		return;
	ASSERT_EQ(r.verdict, TC_ACT_OK, "answer leaves (TC_ACT_OK)");
	fx_check_frame(&r, &want);
}

/*
 * A published port inside the NAT range (the default range, 1024-32767,
 * holds the usual 8080s): its new flows are found, although otherwise only
 * answers of masqueraded flows arrive there. The host's own traffic, on a
 * NAT port without a flow or on one of its ephemeral ports, passes.
 */
static void test_dnat_port_in_nat_range(void)
{
	struct xnet_pub_key k = { .port = htons(NAT_MIN + 50), .proto = IPPROTO_TCP };
	struct fx_result r;
	struct pkt in;

	if (!publish(0, NAT_MIN + 50, IPPROTO_TCP, IP_B, 80, DEV_B, NET1))
		return;
	if (dnat_syn_delivered(33200, NAT_MIN + 50, 0)) {
		in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33200,
			      .dport = NAT_MIN + 50, .tcp_flags = TH_ACK);
		if (run(env.in_fd, &in, &r))
			fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	}
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33201,
		      .dport = NAT_MIN + 51, .tcp_flags = TH_ACK);
	passes_untouched(env.in_fd, &in);
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 443,
		      .dport = 35000, .tcp_flags = TH_ACK);
	passes_untouched(env.in_fd, &in);
	ASSERT_OK(bpf_map_delete_elem(env.published, &k) ? -errno : 0, "unpublish");
}

static void test_dnat_udp_and_addresses(void)
{
	struct pkt in = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 5000,
				 .dport = 5353, .payload = 30);
	struct pkt want = frame(MAC_D, MAC_GW2, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_D,
				.proto = IPPROTO_UDP, .sport = 5000, .dport = 53, .payload = 30, .ttl = 63 });
	struct fx_result r;

	if (run(env.in_fd, &in, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_D);
		fx_check_frame(&r, &want);
	}
	/* Bound to the uplink address only: not on the second address. */
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_UP2, .proto = IPPROTO_UDP, .sport = 5000, .dport = 5353);
	passes_untouched(env.in_fd, &in);
	/* Bound to the second address; 0.0.0.0 answers there too. */
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_UP2, .proto = IPPROTO_TCP, .sport = 1234, .dport = 7070,
		      .tcp_flags = TH_SYN);
	want = frame(MAC_B, MAC_GW1, (struct pkt_ip){ .saddr = IP_CLIENT, .daddr = IP_B, .proto = IPPROTO_TCP,
		     .sport = 1234, .dport = 70, .tcp_flags = TH_SYN, .ttl = 63 });
	if (run(env.in_fd, &in, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
		fx_check_frame(&r, &want);
	}
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_UP2, .proto = IPPROTO_TCP, .sport = 1235, .dport = 8080,
		      .tcp_flags = TH_SYN);
	if (run(env.in_fd, &in, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	/* The gateway address is no way in from the wire (it is a sandbox subnet address). */
	in = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_GW1, .proto = IPPROTO_TCP, .sport = 1236, .dport = 8080,
		      .tcp_flags = TH_SYN);
	dropped(env.in_fd, &in, XNET_DROP_ROUTED_TO_SANDBOX);
}

static void test_ingress_host_traffic(void)
{
	struct pkt ack = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33001,
				  .dport = 8080, .tcp_flags = TH_ACK);
	struct pkt ssh = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33002,
				  .dport = 22, .tcp_flags = TH_SYN);
	struct pkt ping = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP,
				   .icmp_type = 8, .sport = 9);
	struct pkt other = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(203, 0, 113, 99), .proto = IPPROTO_TCP,
				    .sport = 1, .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt ttl1 = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 33003,
				   .dport = 8080, .tcp_flags = TH_SYN, .ttl = 1);
	struct pkt loopbind = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP,
				       .sport = 33004, .dport = 9090, .tcp_flags = TH_SYN);

	/* A segment of no known connection: the host answers it with a reset. */
	passes_untouched(env.in_fd, &ack);
	passes_untouched(env.in_fd, &ssh);
	passes_untouched(env.in_fd, &ping);
	passes_untouched(env.in_fd, &other);
	/* Would expire in our hop: the host's forwarding rules apply. */
	passes_untouched(env.in_fd, &ttl1);
	/* 127.0.0.1:9090 is published, but only for the host's own clients. */
	passes_untouched(env.in_fd, &loopbind);
}

static void test_ingress_refused(void)
{
	struct pkt lo = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(127, 0, 0, 1), .proto = IPPROTO_TCP,
				 .sport = 1, .dport = 9090, .tcp_flags = TH_SYN);
	struct pkt lo8 = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP4(127, 1, 2, 3), .proto = IPPROTO_UDP,
				  .sport = 1, .dport = 53);
	struct pkt sandbox = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_B, .proto = IPPROTO_TCP, .sport = 1,
				      .dport = 80, .tcp_flags = TH_SYN);
	struct pkt internal = IN_FRAME(.saddr = IP_CLIENT, .daddr = IP_I, .proto = IPPROTO_UDP, .sport = 1,
				       .dport = 2);
	struct pkt trunc = IN_FRAME(.saddr = IP_CLIENT, .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP, .sport = 1,
				    .dport = 8080, .tcp_flags = TH_SYN, .l4_cut = 8);
	struct pkt trunc_out = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 1,
					 .dport = 2, .l4_cut = 6);

	dropped(env.in_fd, &lo, XNET_DROP_LOOPBACK_WIRE);
	dropped(env.in_fd, &lo8, XNET_DROP_LOOPBACK_WIRE);
	dropped(env.in_fd, &sandbox, XNET_DROP_ROUTED_TO_SANDBOX);
	dropped(env.in_fd, &internal, XNET_DROP_ROUTED_TO_SANDBOX);
	dropped(env.in_fd, &trunc, XNET_DROP_INVALID_L4);
	dropped(env.eg_fd, &trunc_out, XNET_DROP_INVALID_L4);
}

static bool policy(__u8 proto, __u16 port, __be32 saddr, unsigned plen, __u32 action)
{
	struct xnet_policy_key k = { .prefixlen = 32 + plen, .proto = proto, .port = htons(port), .saddr = saddr };

	return ASSERT_OK(bpf_map_update_elem(env.policy, &k, &action, BPF_ANY) ? -errno : 0, "xnet_policy");
}

/* DOCKER-USER: deny a /24 everywhere, allow one of its hosts on 8080; others unaffected. */
static void test_policy(void)
{
	struct pkt denied = IN_FRAME(.saddr = IP4(203, 0, 113, 77), .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP,
				     .sport = 1000, .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt allowed = IN_FRAME(.saddr = IP4(203, 0, 113, 9), .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP,
				      .sport = 1000, .dport = 8080, .tcp_flags = TH_SYN);
	struct pkt denied_udp = IN_FRAME(.saddr = IP4(203, 0, 113, 9), .daddr = FX_UPLINK_IP,
					 .proto = IPPROTO_UDP, .sport = 1000, .dport = 5353);
	struct pkt other = IN_FRAME(.saddr = IP4(198, 18, 1, 1), .daddr = FX_UPLINK_IP, .proto = IPPROTO_TCP,
				    .sport = 1000, .dport = 8080, .tcp_flags = TH_SYN);
	struct xnet_ct_entry e;
	struct fx_result r;

	if (!policy(0, 0, IP4(203, 0, 113, 0), 24, XNET_POLICY_DENY) ||
	    !policy(IPPROTO_TCP, 8080, IP4(203, 0, 113, 9), 32, XNET_POLICY_ALLOW))
		return;
	/* Rules exist but user space has not said so yet: not consulted. */
	if (run(env.in_fd, &denied, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	fx_ct_clear(env.obj);

	host_set(NAT_MIN, NAT_MAX, XNET_HOST_POLICY);
	dropped(env.in_fd, &denied, XNET_DROP_POLICY);
	ASSERT_FALSE(ct_get(IP4(203, 0, 113, 77), FX_UPLINK_IP, 1000, 8080, IPPROTO_TCP, XNET_CT_IN, &e),
		     "no flow for a denied client");
	dropped(env.in_fd, &denied_udp, XNET_DROP_POLICY);
	if (run(env.in_fd, &allowed, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	if (run(env.in_fd, &other, &r))
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);

	/* A rule added while a connection runs stops it (DOCKER-USER sees every packet). */
	policy(0, 0, IP4(198, 18, 1, 1), 32, XNET_POLICY_DENY);
	dropped(env.in_fd, &other, XNET_DROP_POLICY);

	fx_map_clear(env.policy, sizeof(struct xnet_policy_key));
}

/* "Fragmentation needed" for a masqueraded datagram reaches the sandbox, quoting what it sent. */
static void test_icmp_frag_needed(void)
{
	struct pkt sent, left, err, want;
	struct fx_result r;
	__u16 port;

	if (!snat_udp(IP_A, 40404, IP_REMOTE, 4500, &port))
		return;
	/* The datagram as the router saw it (as it left us) and as the sandbox sent it. */
	left = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = port,
			 .dport = 4500, .payload = 21);
	sent = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 40404, .dport = 4500,
			 .payload = 21);
	/* The quoted UDP checksum is left as it was quoted. */
	memcpy(sent.data + IP_OFF + 26, left.data + IP_OFF + 26, 2);

	err = IN_FRAME(.saddr = IP_ROUTER, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP, .icmp_type = 3,
		       .icmp_code = 4, .quote = left.data + IP_OFF, .quote_len = 28);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_ROUTER, .daddr = IP_A, .proto = IPPROTO_ICMP,
		     .icmp_type = 3, .icmp_code = 4, .quote = sent.data + IP_OFF, .quote_len = 28, .ttl = 63 });
	if (!run(env.in_fd, &err, &r))
		return;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
	fx_check_drops(&r, XNET_DROP_NONE, 0);
	fx_check_frame(&r, &want);

	/* Time exceeded for a ping; and an error about nothing we track is the host's. */
	left = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 1,
			 .dport = 4500);
	err = IN_FRAME(.saddr = IP_ROUTER, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP, .icmp_type = 11,
		       .quote = left.data + IP_OFF, .quote_len = 28);
	passes_untouched(env.in_fd, &err);
}

/*
 * An error whose quote ends with the quoted IPv4 header: the ports the
 * frame carries after it lie beyond the datagram's total length, in the
 * Ethernet trailer, which no checksum covers. They are not the quote's,
 * so the error is not about a flow of ours and stays the host's; rewriting
 * them left an ICMP checksum that counted bytes outside the message (found
 * by the packet fuzzer, selftests/fuzz).
 */
static void test_icmp_quote_beyond_datagram(void)
{
	struct pkt left, err;
	__u16 port, c;

	if (!snat_udp(IP_A, 40405, IP_REMOTE, 4500, &port))
		return;
	left = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = port,
			 .dport = 4500, .payload = 21);
	err = IN_FRAME(.saddr = IP_ROUTER, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP, .icmp_type = 3,
		       .icmp_code = 4, .quote = left.data + IP_OFF, .quote_len = 28);
	/* The datagram: IPv4 header, ICMP header, the quoted IPv4 header; checksums to match. */
	err.data[IP_OFF + 2] = 0;
	err.data[IP_OFF + 3] = 20 + 8 + 20;
	memset(err.data + IP_OFF + 10, 0, 2);
	c = htons(pkt_csum_fold(pkt_sum16(err.data + IP_OFF, 20, 0)));
	memcpy(err.data + IP_OFF + 10, &c, 2);
	memset(err.data + IP_OFF + 22, 0, 2);
	c = htons(pkt_csum_fold(pkt_sum16(err.data + IP_OFF + 20, 8 + 20, 0)));
	memcpy(err.data + IP_OFF + 22, &c, 2);
	passes_untouched(env.in_fd, &err);
}

static void test_icmp_time_exceeded_echo(void)
{
	struct pkt ping = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_ICMP, .icmp_type = 8,
				    .sport = 4242, .ttl = 1);
	struct pkt left, sent, err, want;
	struct fx_result r;
	__u16 id;

	if (!run(env.eg_fd, &ping, &r))
		return;
	id = out_icmp_id(&r);
	left = r.out;
	sent = ping;
	/* The quoted echo checksum stays as quoted. */
	memcpy(sent.data + IP_OFF + 22, left.data + IP_OFF + 22, 2);
	err = IN_FRAME(.saddr = IP_ROUTER, .daddr = FX_UPLINK_IP, .proto = IPPROTO_ICMP, .icmp_type = 11,
		       .quote = left.data + IP_OFF, .quote_len = 28);
	want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_ROUTER, .daddr = IP_A, .proto = IPPROTO_ICMP,
		     .icmp_type = 11, .quote = sent.data + IP_OFF, .quote_len = 28, .ttl = 63 });
	ASSERT_NEQ(id, 4242, "identifier translated");
	if (run(env.in_fd, &err, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
		fx_check_frame(&r, &want);
	}
}

/* The first fragment tells the later ones their flow; a later one of nothing known is refused. */
static void test_fragments(void)
{
	struct pkt first = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = 7000,
				     .dport = 7001, .payload = 64, .id = 0x4242, .frag = 0x2000);
	struct pkt later = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .no_l4 = 1,
				     .payload = 40, .id = 0x4242, .frag = 9);
	struct pkt stray = OUT_FRAME(.saddr = IP_A, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .no_l4 = 1,
				     .payload = 40, .id = 0x4343, .frag = 9);
	struct fx_result r;
	struct pkt want;
	__u16 port;

	if (!run(env.eg_fd, &first, &r))
		return;
	port = out_sport(&r);
	want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .sport = port,
			 .dport = 7001, .payload = 64, .id = 0x4242, .frag = 0x2000);
	fx_check_frame(&r, &want);
	if (run(env.eg_fd, &later, &r)) {
		ASSERT_EQ(r.verdict, TC_ACT_OK, "later fragment leaves");
		want = OUT_FRAME(.saddr = FX_UPLINK_IP, .daddr = IP_REMOTE, .proto = IPPROTO_UDP, .no_l4 = 1,
				 .payload = 40, .id = 0x4242, .frag = 9);
		fx_check_frame(&r, &want);
	}
	dropped(env.eg_fd, &stray, XNET_DROP_FRAG_UNKNOWN);

	/* The answer in fragments, first one first. */
	first = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .sport = 7001,
			 .dport = port, .payload = 64, .id = 0x777, .frag = 0x2000);
	later = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .no_l4 = 1,
			 .payload = 16, .id = 0x777, .frag = 9);
	if (run(env.in_fd, &first, &r)) {
		want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A,
			     .proto = IPPROTO_UDP, .sport = 7001, .dport = 7000, .payload = 64, .id = 0x777,
			     .frag = 0x2000, .ttl = 63 });
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
		fx_check_frame(&r, &want);
	}
	if (run(env.in_fd, &later, &r)) {
		want = frame(MAC_A, MAC_GW1, (struct pkt_ip){ .saddr = IP_REMOTE, .daddr = IP_A,
			     .proto = IPPROTO_UDP, .no_l4 = 1, .payload = 16, .id = 0x777, .frag = 9, .ttl = 63 });
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
		fx_check_frame(&r, &want);
	}
	/*
	 * A later fragment of nothing we translated may be the host's own
	 * (its first fragment late, or never ours): the host reassembles it.
	 */
	stray = IN_FRAME(.saddr = IP_REMOTE, .daddr = FX_UPLINK_IP, .proto = IPPROTO_UDP, .no_l4 = 1,
			 .payload = 16, .id = 0x778, .frag = 9);
	passes_untouched(env.in_fd, &stray);
}

static const struct {
	const char *name;
	void (*fn)(void);
} subtests[] = {
	{ "snat_udp_and_reply", test_snat_udp_and_reply },
	{ "snat_udp_no_checksum", test_snat_udp_no_checksum },
	{ "snat_tcp_states", test_snat_tcp_states },
	{ "snat_icmp_echo", test_snat_icmp_echo },
	{ "snat_collision_and_exhaustion", test_snat_collision_and_exhaustion },
	{ "snat_not_masqueraded", test_snat_not_masqueraded },
	{ "routed_answers", test_routed_answers },
	{ "egress_from_lxc", test_egress_from_lxc },
	{ "new_address_follows_routing", test_new_address_follows_routing },
	{ "dnat_tcp", test_dnat_tcp },
	{ "ct_confirm_tcp", test_ct_confirm_tcp },
	{ "ct_confirm_snat", test_ct_confirm_snat },
	{ "ct_reset_never_confirms", test_ct_reset_never_confirms },
	{ "ct_stale_entry_replaced", test_ct_stale_entry_replaced },
	{ "ct_budget_spent", test_ct_budget_spent },
	{ "dnat_ip_options", test_dnat_ip_options },
	{ "dnat_port_in_nat_range", test_dnat_port_in_nat_range },
	{ "dnat_udp_and_addresses", test_dnat_udp_and_addresses },
	{ "ingress_host_traffic", test_ingress_host_traffic },
	{ "ingress_refused", test_ingress_refused },
	{ "policy", test_policy },
	{ "icmp_frag_needed", test_icmp_frag_needed },
	{ "icmp_quote_beyond_datagram", test_icmp_quote_beyond_datagram },
	{ "icmp_time_exceeded_echo", test_icmp_time_exceeded_echo },
	{ "fragments", test_fragments },
};

XT_TEST(uplink)
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
	uplink_test__destroy(env.skel);
	memset(&env, 0, sizeof(env));
}
