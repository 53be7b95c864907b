// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_nat_lxc: the NAT parts of bpf/lxc.bpf.c under BPF_PROG_RUN. Hairpin
 * (a sandbox calling a published port on a host address, and the backend's
 * answer), answers to outside clients left to the normal path, --internal
 * networks. Run with the maps filled raw and by user/datapath/ (then the
 * sender's XNET_EP_PUBLISHED comes from the array cache).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include "test_progs.h"
#include "cases.h"
#include "lxc.test.skel.h"

#define IP_CLIENT	IP4(203, 0, 113, 5)

struct env {
	struct bpf_object *obj;
	int prog, ct, host, hostaddrs, published;
	struct xnet_host saved_host;
};

static struct env env;

static struct pkt frame(const __u8 *dst, const __u8 *src, struct pkt_ip d)
{
	struct pkt p;

	pkt_eth(&p, dst, src, 0x0800);
	pkt_ipv4(&p, &d);
	return p;
}

static const __be32 hostaddrs[] = { FX_UPLINK_IP, IP_GW1 };
static const __u32 hostaddr_flags[] = { XNET_HA_UPLINK | XNET_HA_LOCAL, XNET_HA_GATEWAY };
static const struct xnet_pub_key pub_key = { .host_ip = 0, .port = __builtin_bswap16(8080), .proto = IPPROTO_TCP };

static bool env_setup(void)
{
	struct xnet_host h = { .uplink_ifindex = fx_ifindex(DEV_UP), .uplink_ip = FX_UPLINK_IP,
			       .nat_port_min = 40000, .nat_port_max = 40099 };
	struct xnet_pub pub = { .backend_ip = IP_B, .backend_port = htons(80), .ifindex = fx_ifindex(DEV_B),
				.net_id = NET1 };
	__u32 zero = 0;
	bool ok = true;

	env.ct = fx_map_fd(env.obj, "xnet_ct");
	env.host = fx_map_fd(env.obj, "xnet_host");
	env.hostaddrs = fx_map_fd(env.obj, "xnet_hostaddrs");
	env.published = fx_map_fd(env.obj, "xnet_published");
	/* In cached mode these maps are the datapath's, shared with other tests: put them back after. */
	bpf_map_lookup_elem(env.host, &zero, &env.saved_host);
	ok &= ASSERT_OK(bpf_map_update_elem(env.host, &zero, &h, BPF_ANY) ? -errno : 0, "xnet_host");
	for (unsigned i = 0; i < ARRAY_SIZE(hostaddrs); i++)
		ok &= ASSERT_OK(bpf_map_update_elem(env.hostaddrs, &hostaddrs[i], &hostaddr_flags[i], BPF_ANY) ?
				-errno : 0, "xnet_hostaddrs");
	ok &= ASSERT_OK(bpf_map_update_elem(env.published, &pub_key, &pub, BPF_ANY) ? -errno : 0,
			"xnet_published");
	return ok;
}

static void env_restore(void)
{
	__u32 zero = 0;

	fx_ct_clear(env.obj);
	bpf_map_update_elem(env.host, &zero, &env.saved_host, BPF_ANY);
	for (unsigned i = 0; i < ARRAY_SIZE(hostaddrs); i++)
		bpf_map_delete_elem(env.hostaddrs, &hostaddrs[i]);
	bpf_map_delete_elem(env.published, &pub_key);
}

static bool run(enum fx_dev dev, const struct pkt *in, struct fx_result *r)
{
	return fx_run_pkt(env.prog, env.obj, dev, DEV_NONE, in, r);
}

static bool ct_get(__be32 s, __be32 d, __u16 sp, __u16 dp, __u8 dir, struct xnet_ct_entry *e)
{
	struct xnet_ct_key k = { .saddr = s, .daddr = d, .sport = htons(sp), .dport = htons(dp),
				 .proto = IPPROTO_TCP, .dir = dir };

	return fx_ct_get(env.obj, &k, e, NULL);
}

/* Up to the host through the gateway, frame untouched. */
static bool to_host(enum fx_dev dev, enum fx_dev gw, const struct pkt *in)
{
	struct fx_result r;

	if (!run(dev, in, &r))
		return false;
	return fx_check_redirect(&r, XNET_ST_REDIRECT, gw) & fx_check_drops(&r, XNET_DROP_NONE, 0) &
	       ASSERT_EQ(r.rec.flags, BPF_F_INGRESS, "BPF_F_INGRESS") & fx_check_frame(&r, in);
}

#define TCP_FROM(smac, dmac, ...) frame(dmac, smac, (struct pkt_ip){ .proto = IPPROTO_TCP, __VA_ARGS__ })

/*
 * client (sandbox) -> host address:8080 -> B:80, the answer straight back;
 * gw_mac: the gateway MAC of the client's network, reply_dst: the MAC
 * the backend addresses its answer to (the client's in one network, the
 * gateway's across networks).
 */
static void hairpin(enum fx_dev client, const __u8 *cmac, __be32 cip, const __u8 *cgw_mac, __be32 haddr,
		    const __u8 *reply_dst)
{
	struct pkt in = TCP_FROM(cmac, cgw_mac, .saddr = cip, .daddr = haddr, .sport = 50000, .dport = 8080,
				 .tcp_flags = TH_SYN, .payload = 3);
	struct pkt want = TCP_FROM(MAC_GW1, MAC_B, .saddr = cip, .daddr = IP_B, .sport = 50000, .dport = 80,
				   .tcp_flags = TH_SYN, .payload = 3);
	struct xnet_ct_entry e;
	struct fx_result r;

	if (!run(client, &in, &r))
		return;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	fx_check_drops(&r, XNET_DROP_NONE, 0);
	fx_check_frame(&r, &want);
	ASSERT_TRUE(ct_get(cip, haddr, 50000, 8080, XNET_CT_IN, &e), "IN entry");
	ASSERT_EQ(e.ifindex, fx_ifindex(DEV_B), "IN: deliver to the backend");
	ASSERT_TRUE(ct_get(IP_B, cip, 80, 50000, XNET_CT_OUT, &e), "OUT entry");
	ASSERT_TRUE(e.flags & XNET_CTF_HAIRPIN, "OUT is hairpin");
	ASSERT_EQ(e.ifindex, fx_ifindex(client), "OUT: deliver to the client");
	ASSERT_EQ(e.addr, haddr, "OUT addr");

	/* The answer, straight back, from the address the client called. */
	in = TCP_FROM(MAC_B, reply_dst, .saddr = IP_B, .daddr = cip, .sport = 80, .dport = 50000,
		      .tcp_flags = TH_SYN | TH_ACK);
	want = TCP_FROM(cgw_mac, cmac, .saddr = haddr, .daddr = cip, .sport = 8080, .dport = 50000,
			.tcp_flags = TH_SYN | TH_ACK);
	if (!run(DEV_B, &in, &r))
		return;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, client);
	fx_check_drops(&r, XNET_DROP_NONE, 0);
	fx_check_frame(&r, &want);
	ct_get(cip, haddr, 50000, 8080, XNET_CT_IN, &e);
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "established");

	/* The client's next segment finds the flow. */
	in = TCP_FROM(cmac, cgw_mac, .saddr = cip, .daddr = haddr, .sport = 50000, .dport = 8080,
		      .tcp_flags = TH_ACK);
	want = TCP_FROM(MAC_GW1, MAC_B, .saddr = cip, .daddr = IP_B, .sport = 50000, .dport = 80,
			.tcp_flags = TH_ACK);
	if (run(client, &in, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
		fx_check_frame(&r, &want);
	}
}

static void test_hairpin_same_network(void)
{
	hairpin(DEV_A, MAC_A, IP_A, MAC_GW1, FX_UPLINK_IP, MAC_A);
}

static void test_hairpin_gateway_address(void)
{
	hairpin(DEV_C, MAC_C, IP_C, MAC_GW1, IP_GW1, MAC_C);
}

static void test_hairpin_other_network(void)
{
	hairpin(DEV_D, MAC_D, IP_D, MAC_GW2, FX_UPLINK_IP, MAC_GW1);
}

static bool ct_get_self(__be32 h, __u16 sp, __u16 dp, __u8 dir, struct xnet_ct_entry *e)
{
	return ASSERT_TRUE(ct_get(IP_B, h, sp, dp, dir, e), dir == XNET_CT_IN ? "IN entry" : "OUT entry") &
	       ASSERT_EQ(e->flags & (XNET_CTF_HAIRPIN | XNET_CTF_SELF), XNET_CTF_HAIRPIN | XNET_CTF_SELF, "self") &
	       ASSERT_EQ(e->ifindex, fx_ifindex(DEV_B), "delivered to itself");
}

/*
 * The backend B calls its own published port on host address @h from port
 * @sport: it must receive the call from (h, np), not from its own address,
 * and the answer must come back from (h, @hport) to its own port. np is
 * @sport when @np is 0, else it is read from the IN entry and must lie in
 * the NAT range. Returns np, 0 on failure.
 */
static __u16 self_call(__be32 h, __u16 sport, __u16 hport, bool nat_port)
{
	struct pkt in = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = h, .sport = sport, .dport = hport,
				 .tcp_flags = TH_SYN, .payload = 3);
	struct xnet_ct_entry e;
	struct fx_result r;
	struct pkt want;
	__u16 np;

	if (!run(DEV_B, &in, &r) || !fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B) ||
	    !fx_check_drops(&r, XNET_DROP_NONE, 0) || !ct_get_self(h, sport, hport, XNET_CT_IN, &e))
		return 0;
	np = ntohs(e.peer_port);
	ASSERT_EQ(e.addr, IP_B, "IN: to the backend");
	ASSERT_EQ(ntohs(e.port), 80, "IN: backend port");
	if (nat_port)
		ASSERT_TRUE(np >= 40000 && np <= 40099, "IN: a NAT port, the caller's is taken");
	else
		ASSERT_EQ(np, sport, "IN: the caller's port kept");
	want = TCP_FROM(MAC_GW1, MAC_B, .saddr = h, .daddr = IP_B, .sport = np, .dport = 80,
			.tcp_flags = TH_SYN, .payload = 3);
	fx_check_frame(&r, &want);
	if (!ct_get_self(h, 80, np, XNET_CT_OUT, &e))
		return 0;
	ASSERT_EQ(e.addr, h, "OUT: from the address called");
	ASSERT_EQ(ntohs(e.port), hport, "OUT: from the port called");
	ASSERT_EQ(ntohs(e.peer_port), sport, "OUT: back to the caller's port");

	/* The answer, back to the caller, from the address and port it called. */
	in = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = h, .sport = 80, .dport = np,
		      .tcp_flags = TH_SYN | TH_ACK);
	want = TCP_FROM(MAC_GW1, MAC_B, .saddr = h, .daddr = IP_B, .sport = hport, .dport = sport,
			.tcp_flags = TH_SYN | TH_ACK);
	if (!run(DEV_B, &in, &r))
		return 0;
	fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
	fx_check_frame(&r, &want);
	ct_get(IP_B, h, sport, hport, XNET_CT_IN, &e);
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "IN established (partner found)");
	ct_get(IP_B, h, 80, np, XNET_CT_OUT, &e);
	ASSERT_EQ(e.state, XNET_CT_ST_ESTABLISHED, "OUT established");

	/* The caller's next segment finds the flow. */
	in = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = h, .sport = sport, .dport = hport,
		      .tcp_flags = TH_ACK, .payload = 10);
	want = TCP_FROM(MAC_GW1, MAC_B, .saddr = h, .daddr = IP_B, .sport = np, .dport = 80,
			.tcp_flags = TH_ACK, .payload = 10);
	if (run(DEV_B, &in, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
		fx_check_frame(&r, &want);
	}
	return np;
}

/*
 * A backend calling its own published port (XNET_CTF_SELF): both sides
 * translated. From one port to two published ports of the same backend
 * port, the second call cannot keep the caller's port (the backend would
 * see one tuple twice) and gets a NAT port. With every candidate taken by
 * live flows: dropped, counted.
 */
static void test_hairpin_self(void)
{
	const struct xnet_pub_key k2 = { .host_ip = 0, .port = htons(8081), .proto = IPPROTO_TCP };
	const struct xnet_pub pub = { .backend_ip = IP_B, .backend_port = htons(80), .ifindex = fx_ifindex(DEV_B),
				      .net_id = NET1 };
	struct xnet_host h = { .uplink_ifindex = fx_ifindex(DEV_UP), .uplink_ip = FX_UPLINK_IP,
			       .nat_port_min = 40000, .nat_port_max = 40000 };
	struct xnet_ct_entry live = { .addr = FX_UPLINK_IP, .port = htons(8081), .kind = XNET_CT_DNAT,
				      .flags = XNET_CTF_HAIRPIN | XNET_CTF_SELF, .peer_port = htons(1) };
	struct xnet_ct_key k = { .saddr = IP_B, .daddr = FX_UPLINK_IP, .sport = htons(80), .proto = IPPROTO_TCP,
				 .dir = XNET_CT_OUT };
	struct pkt in = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = FX_UPLINK_IP, .sport = 50001,
				 .dport = 8081, .tcp_flags = TH_SYN);
	struct fx_result r;
	__u32 zero = 0;
	__u16 np;

	if (!ASSERT_OK(bpf_map_update_elem(env.published, &k2, &pub, BPF_ANY) ? -errno : 0, "publish 8081"))
		return;
	self_call(FX_UPLINK_IP, 50000, 8080, false);
	np = self_call(FX_UPLINK_IP, 50000, 8081, true);
	ASSERT_NEQ(np, 50000, "second call: another port");
	/* The gateway's address is another H: the caller's port is free there. */
	self_call(IP_GW1, 50000, 8080, false);

	/* One NAT port, it and the caller's port held by live flows: NAT_EXHAUSTED. */
	live.last_seen = fx_now_ns();
	ASSERT_OK(bpf_map_update_elem(env.host, &zero, &h, BPF_ANY) ? -errno : 0, "one NAT port");
	k.dport = htons(50001);
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &live, BPF_ANY) ? -errno : 0, "caller's port taken");
	k.dport = htons(40000);
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &live, BPF_ANY) ? -errno : 0, "NAT port taken");
	if (run(DEV_B, &in, &r))
		fx_check_drops(&r, XNET_DROP_NAT_EXHAUSTED, in.len);
	ASSERT_FALSE(ct_get(IP_B, FX_UPLINK_IP, 50001, 8081, XNET_CT_IN, &live), "no IN entry left behind");
	/* A flow ended long ago gives its port back. */
	live.last_seen = 1;
	live.state = XNET_CT_ST_CLOSED;
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &live, BPF_ANY) ? -errno : 0, "NAT port of an old flow");
	if (run(DEV_B, &in, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_B);
		ASSERT_TRUE(ct_get(IP_B, FX_UPLINK_IP, 50001, 8081, XNET_CT_IN, &live) &&
			    ntohs(live.peer_port) == 40000, "the old flow's port reused");
	}
	bpf_map_delete_elem(env.published, &k2);
	env_setup();
}

/* What is not a hairpin flow goes the normal way, untouched. */
static void test_not_hairpin(void)
{
	struct xnet_ct_entry out = { .addr = FX_UPLINK_IP, .port = htons(8080), .kind = XNET_CT_DNAT };
	struct xnet_ct_key k = { .saddr = IP_B, .daddr = IP_CLIENT, .sport = htons(80), .dport = htons(33000),
				 .proto = IPPROTO_TCP, .dir = XNET_CT_OUT };
	struct pkt answer = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = IP_CLIENT, .sport = 80,
				     .dport = 33000, .tcp_flags = TH_SYN | TH_ACK);
	struct pkt ssh = TCP_FROM(MAC_A, MAC_GW1, .saddr = IP_A, .daddr = FX_UPLINK_IP, .sport = 1, .dport = 22,
				  .tcp_flags = TH_SYN);
	struct pkt mid = TCP_FROM(MAC_A, MAC_GW1, .saddr = IP_A, .daddr = FX_UPLINK_IP, .sport = 2, .dport = 8080,
				  .tcp_flags = TH_ACK);
	struct pkt peer = TCP_FROM(MAC_B, MAC_A, .saddr = IP_B, .daddr = IP_A, .sport = 80, .dport = 4);
	struct fx_result r;

	/* An outside client's flow: uplink_egress translates the answer after routing. */
	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &out, BPF_ANY) ? -errno : 0, "outside flow");
	to_host(DEV_B, DEV_GW1, &answer);
	/* The host's own service, and a segment of no known flow. */
	to_host(DEV_A, DEV_GW1, &ssh);
	to_host(DEV_A, DEV_GW1, &mid);
	/* A published endpoint's ordinary traffic to a peer. */
	if (run(DEV_B, &peer, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT_PEER, DEV_A);
		fx_check_frame(&r, &peer);
	}
}

/*
 * A flow NAT knows leaves by the short way: translated in lxc and sent out
 * of the uplink to the next hop the FIB names (MACs from the neighbour
 * table, TTL - 1). Without a route or a resolved next hop, the host's way.
 */
static void test_nat_out_fast_path(void)
{
	static const __u8 up_mac[6] = { 0x02, 0, 0, 0, 0x0a, 0x01 }, hop_mac[6] = { 0x02, 0, 0, 0, 0x0a, 0x02 };
	struct xnet_ct_entry out = { .addr = FX_UPLINK_IP, .port = htons(8080), .kind = XNET_CT_DNAT };
	struct xnet_ct_key k = { .saddr = IP_B, .daddr = IP_CLIENT, .sport = htons(80), .dport = htons(33000),
				 .proto = IPPROTO_TCP, .dir = XNET_CT_OUT };
	struct pkt answer = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = IP_CLIENT, .sport = 80,
				     .dport = 33000, .tcp_flags = TH_ACK, .payload = 100);
	struct pkt want = TCP_FROM(up_mac, hop_mac, .saddr = FX_UPLINK_IP, .daddr = IP_CLIENT, .sport = 8080,
				   .dport = 33000, .tcp_flags = TH_ACK, .payload = 100, .ttl = 63);
	struct pkt last = TCP_FROM(MAC_B, MAC_GW1, .saddr = IP_B, .daddr = IP_CLIENT, .sport = 80,
				   .dport = 33000, .tcp_flags = TH_ACK, .ttl = 1);
	struct xnet_ct_entry e;
	struct fx_result r;

	ASSERT_OK(bpf_map_update_elem(env.ct, &k, &out, BPF_ANY) ? -errno : 0, "outside flow");
	/* No route yet: the host's way. */
	to_host(DEV_B, DEV_GW1, &answer);
	if (!ASSERT_OK(system("ip link set xtwan address 02:00:00:00:0a:01 && "
			      "ip addr add 192.0.2.1/24 dev xtwan && "
			      "ip neigh replace 192.0.2.254 lladdr 02:00:00:00:0a:02 dev xtwan nud permanent && "
			      "ip route add 203.0.113.0/24 via 192.0.2.254 dev xtwan"), "route via the uplink"))
		return;
	if (run(DEV_B, &answer, &r)) {
		fx_check_redirect(&r, XNET_ST_REDIRECT, DEV_UP);
		fx_check_drops(&r, XNET_DROP_NONE, 0);
		fx_check_frame(&r, &want);
	}
	ASSERT_TRUE(ct_get(IP_B, IP_CLIENT, 80, 33000, XNET_CT_OUT, &e) && e.packets == 1, "accounted");
	/* TTL 1: the host answers with time exceeded. */
	to_host(DEV_B, DEV_GW1, &last);
	ASSERT_OK(system("ip route del 203.0.113.0/24; ip neigh del 192.0.2.254 dev xtwan; "
			 "ip addr del 192.0.2.1/24 dev xtwan"), "remove the route");
}

/* --internal: the own subnet (gateway included), nothing beyond, no published ports. */
static void test_internal(void)
{
	struct pkt out = TCP_FROM(MAC_I, MAC_GW4, .saddr = IP_I, .daddr = IP4(8, 8, 8, 8), .sport = 1, .dport = 2);
	struct pkt pub = TCP_FROM(MAC_I, MAC_GW4, .saddr = IP_I, .daddr = FX_UPLINK_IP, .sport = 1, .dport = 8080,
				  .tcp_flags = TH_SYN);
	struct pkt other = TCP_FROM(MAC_I, MAC_GW4, .saddr = IP_I, .daddr = IP_GW1, .sport = 1, .dport = 8080,
				    .tcp_flags = TH_SYN);
	struct pkt gw = TCP_FROM(MAC_I, MAC_GW4, .saddr = IP_I, .daddr = IP_GW4, .sport = 1, .dport = 53);
	struct fx_result r;

	if (run(DEV_I, &out, &r))
		fx_check_drops(&r, XNET_DROP_INTERNAL, out.len);
	if (run(DEV_I, &pub, &r))
		fx_check_drops(&r, XNET_DROP_INTERNAL, pub.len);
	if (run(DEV_I, &other, &r))
		fx_check_drops(&r, XNET_DROP_INTERNAL, other.len);
	to_host(DEV_I, DEV_GW4, &gw);
}

static const struct {
	const char *name;
	void (*fn)(void);
} subtests[] = {
	{ "hairpin_same_network", test_hairpin_same_network },
	{ "hairpin_gateway_address", test_hairpin_gateway_address },
	{ "hairpin_other_network", test_hairpin_other_network },
	{ "hairpin_self", test_hairpin_self },
	{ "not_hairpin", test_not_hairpin },
	{ "nat_out_fast_path", test_nat_out_fast_path },
	{ "internal", test_internal },
};

static void run_all(bool cached)
{
	struct lxc_test *skel = NULL;

	skel = fx_lxc_load(cached);
	if (!skel)
		return;
	env.obj = skel->obj;
	env.prog = bpf_program__fd(skel->progs.lxc_ingress);
	if (!env_setup())
		goto restore;
	for (unsigned i = 0; i < ARRAY_SIZE(subtests); i++) {
		if (!xt__start_subtest(subtests[i].name))
			continue;
		fx_ct_clear(env.obj);
		subtests[i].fn();
	}
restore:
	env_restore();
	lxc_test__destroy(skel);
}

XT_TEST(nat_lxc)
{
	run_all(false);
}

XT_TEST(nat_lxc_cached)
{
	run_all(true);
}
