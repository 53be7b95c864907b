// SPDX-License-Identifier: GPL-2.0-only
/*
 * progrun: ns per packet of the production lxc program under BPF_PROG_RUN,
 * side by side with bench/floor.bpf.c (only bpf_redirect_peer).
 *
 *	build/bench_progrun [--json] [--rounds N] [--repeat N] [--calls N] [--no-cache]
 *
 * Forward path: a 64-byte IPv4/UDP frame from endpoint A to endpoint B of
 * the same network, run with repeat=10^6; the program leaves the frame as it
 * is, so every iteration takes the same path. Rounds alternate floor and
 * forward, and the median per program is reported (2 cores, so ratios side
 * by side, never absolute times).
 *
 * ARP path: the responder rewrites the request into a reply in place, and
 * BPF_PROG_RUN reruns the program on that same buffer, so with repeat > 1 every
 * iteration after the first would measure the drop of a "spoofed" reply.
 * The ARP path is therefore timed with repeat=1 calls, each on a fresh
 * request, against the floor timed the same way; the difference is the
 * ARP path's own cost (the per-call syscall/skb cost cancels out).
 *
 * --uplink: an established published TCP flow (client -> 0.0.0.0:8080 ->
 * endpoint :80), one 64-byte ACK segment, through uplink_xdp (XDP) and
 * through uplink_ingress (tc), the production objects sharing one set of
 * maps. Both rewrite the frame, so they too are timed with repeat=1 calls
 * on fresh copies, each against a floor of its own kind (tc: the floor
 * program; XDP: a two-instruction XDP_PASS), interleaved; what is reported
 * is each program's cost over its floor, which is what the hook adds per
 * packet (conntrack lookup and accounting included).
 *
 * --uplink also times a new published flow: a TCP SYN to the published port
 * from a client address and port no flow has used, through uplink_ingress,
 * which looks the binding up and creates both conntrack entries. Each call
 * gets a fresh tuple (rewritten outside the timed region) and the conntrack
 * map is emptied before each round, so no call evicts (LRU) or hits.
 *
 * --dns: an A query from A to its network's DNS address, answered by lxc
 * from the maps (one address, no EDNS, as glibc asks), and one for a name
 * the maps do not have, which lxc sends up to the helper untouched. The
 * answer rewrites the frame, so both are timed with repeat=1 calls on fresh
 * copies against the floor timed the same way; reported: ns over the floor
 * per answered query, and what BPF adds to a query it forwards.
 *
 * Every program timed is listed with the instruction count the verifier
 * processed to load it (bpf_prog_info.verified_insns, Linux 5.16+): a path
 * that got slower, or a program that became harder to verify, shows in the
 * same table. Text: the table "Per program path" at the end; JSON: "paths"
 * (path, program, hook, ns, ns over the floor, verified insns), next to the
 * keys of each mode.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ldns/ldns.h>
#include "xnet_abi.h"
#include "xnet_cache.h"
#include "lxc.skel.h"
#include "floor.skel.h"
/* The Makefile's bench_progrun rule does not list these skeletons yet: make them first. */
#if __has_include("uplink.skel.h") && __has_include("uplink_xdp.skel.h")
#include <linux/if_ether.h>
#include "xnet_xdp.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#define HAVE_UPLINK_BENCH 1
#endif

#define NET_ID		1
#define IF_A		1	/* BPF_PROG_RUN without ctx runs on lo: ifindex 1 */
#define IF_B		1000	/* never dereferenced: redirect_peer only records it */
#define IF_GW		1001
#define MAX_ROUNDS	99

static const __u8 mac_a[6] = { 0x02, 0x42, 10, 7, 0, 2 };
static const __u8 mac_b[6] = { 0x02, 0x42, 10, 7, 0, 3 };
static const __u8 mac_gw[6] = { 0x02, 0x42, 10, 7, 0, 1 };

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static bool no_cache;

/* What user/datapath/ writes into the array caches for an endpoint. */
static int cache_endpoint(struct lxc *skel, const struct xnet_endpoint *ep,
			  const struct xnet_network *net)
{
	struct xnet_if_cache ifc = {
		.kind = XNET_IFC_ENDPOINT, .net_flags = net->flags, .net_id = ep->net_id,
		.ip = ep->ip, .gw_ifindex = net->gw_ifindex, .subnet = net->subnet,
		.mask = net->mask, .gw_ip = net->gw_ip,
	};
	struct xnet_dst_cache dc = { .valid = 1, .ip = ep->ip, .ifindex = ep->ifindex, .net_id = ep->net_id };
	__u32 lo, slot;
	__u16 hi;
	int err;

	memcpy(ifc.mac, ep->mac, 6);
	memcpy(ifc.gw_mac, net->gw_mac, 6);
	memcpy(dc.mac, ep->mac, 6);
	memcpy(&lo, ep->mac + 2, 4);
	memcpy(&hi, ep->mac, 2);
	ifc.ifindex = ep->ifindex;
	slot = xnet_if_slot(ep->ifindex);
	err = bpf_map__update_elem(skel->maps.xnet_ifcache, &slot, 4, &ifc, sizeof(ifc), 0);
	slot = xnet_mac_slot(lo, hi);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_maccache, &slot, 4, &dc, sizeof(dc), 0);
	slot = xnet_ip_slot(ep->ip);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_ipcache, &slot, 4, &dc, sizeof(dc), 0);
	return err;
}

static int setup_maps(struct lxc *skel)
{
	struct xnet_network net = {
		.subnet = inet_addr("10.7.0.0"), .mask = htonl(0xffff0000),
		.gw_ip = inet_addr("10.7.0.1"), .gw_ifindex = IF_GW,
		.flags = XNET_NET_ICC, .nports = 2, .mtu = 1500,
	};
	struct xnet_endpoint a = { .net_id = NET_ID, .ifindex = IF_A, .ip = inet_addr("10.7.0.2") };
	struct xnet_endpoint b = { .net_id = NET_ID, .ifindex = IF_B, .ip = inet_addr("10.7.0.3") };
	struct xnet_mac_key ka = {}, kb = {};
	struct xnet_subnet_key sk = { .prefixlen = 16, .addr = net.subnet };
	__u32 net_id = NET_ID;
	int err = 0;

	memcpy(net.gw_mac, mac_gw, 6);
	memcpy(a.mac, mac_a, 6);
	memcpy(b.mac, mac_b, 6);
	memcpy(ka.mac, mac_a, 6);
	memcpy(kb.mac, mac_b, 6);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_networks, &net_id, 4, &net, sizeof(net), 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_endpoints, &a.ifindex, 4, &a, sizeof(a), 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_endpoints, &b.ifindex, 4, &b, sizeof(b), 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_fdb, &ka, sizeof(ka), &a.ifindex, 4, 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_fdb, &kb, sizeof(kb), &b.ifindex, 4, 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_ip2ep, &a.ip, 4, &a.ifindex, 4, 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_ip2ep, &b.ip, 4, &b.ifindex, 4, 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_subnets, &sk, sizeof(sk), &net_id, 4, 0);
	if (!no_cache) {
		err = err ?: cache_endpoint(skel, &a, &net);
		err = err ?: cache_endpoint(skel, &b, &net);
	}
	return err;
}

/* 64 bytes: Ethernet + IPv4 + UDP + 22 bytes of payload, A -> B. */
static void build_udp(__u8 *f)
{
	memset(f, 0, 64);
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 50;			/* tot_len 20 + 8 + 22 */
	f[22] = 64;			/* TTL */
	f[23] = 17;			/* UDP */
	memcpy(f + 26, (__u8[]){ 10, 7, 0, 2, 10, 7, 0, 3 }, 8);
	f[34] = 0x9c; f[35] = 0x40;	/* sport 40000 */
	f[36] = 0x13; f[37] = 0x88;	/* dport 5000 */
	f[39] = 30;			/* UDP length */
}

/* 42 bytes: who-has 10.7.0.1 tell 10.7.0.2. */
static void build_arp(__u8 *f)
{
	memset(f, 0, 42);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = 0x08; f[13] = 0x06;
	f[15] = 1; f[16] = 0x08; f[18] = 6; f[19] = 4; f[21] = 1;
	memcpy(f + 22, mac_a, 6);
	memcpy(f + 28, (__u8[]){ 10, 7, 0, 2 }, 4);
	memcpy(f + 38, (__u8[]){ 10, 7, 0, 1 }, 4);
}

/* ns per packet of one BPF_PROG_RUN with @repeat; -1 on error. */
static double run_repeat(int prog_fd, const __u8 *frame, __u32 len, __u32 repeat, __u32 *retval)
{
	__u8 out[128];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	double t0 = now_ns();

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	*retval = opts.retval;
	return (now_ns() - t0) / repeat;
}

/*
 * ns per call of @calls repeat=1 BPF_PROG_RUN calls of @prog_fd, each on a
 * fresh copy of @frame, interleaved call by call with the same for @base_fd
 * so that drift and noise hit both alike; *base_ns gets the baseline's.
 * @prep, when given, rewrites the frame before call @i, outside the timed
 * region (a new flow each call). Stops at the first verdict that differs
 * from the first call's: what follows would time another path; the caller
 * reports *retval.
 */
static double run_calls(int prog_fd, int base_fd, __u8 *frame, __u32 len, __u32 calls,
			void (*prep)(__u8 *frame, __u32 i), __u32 *retval, double *base_ns)
{
	__u8 out[128];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = out, .repeat = 1);
	double t0, t1, t2, prog = 0, base = 0;
	__u32 first = 0;

	for (__u32 i = 0; i < calls; i++) {
		if (prep)
			prep(frame, i);
		opts.data_size_out = sizeof(out);
		t0 = now_ns();
		if (bpf_prog_test_run_opts(base_fd, &opts))
			return -1;
		t1 = now_ns();
		opts.data_size_out = sizeof(out);
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -1;
		t2 = now_ns();
		base += t1 - t0;
		prog += t2 - t1;
		if (i == 0)
			first = opts.retval;
		else if (opts.retval != first)
			break;
	}
	*retval = opts.retval;
	*base_ns = base / calls;
	return prog / calls;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static __u32 verified_insns(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	return info.verified_insns;
}

/* One row of the per-path table: what was timed, with which program. */
struct path_row {
	const char *path;	/* what the packet is */
	const char *prog;	/* the program's name */
	const char *hook;	/* tc or XDP */
	const char *how;	/* repeat (ns/packet) or calls (ns/call, repeat=1) */
	double ns;		/* median ns per packet or per call */
	double over;		/* ns over the floor timed the same way (if has_over) */
	bool has_over;		/* false for the floor itself */
	__u32 insns;		/* verifier's processed instructions */
};

#define MAX_PATHS	16
static struct path_row paths[MAX_PATHS];
static unsigned npaths;

/* @floor_ns: the floor timed the same way, or < 0 for the floor's own row. */
static void path_add(const char *path, const char *prog, const char *hook, const char *how,
		     double ns, double floor_ns, int prog_fd)
{
	if (npaths < MAX_PATHS)
		paths[npaths++] = (struct path_row){
			.path = path, .prog = prog, .hook = hook, .how = how, .ns = ns,
			.over = floor_ns >= 0 ? ns - floor_ns : 0, .has_over = floor_ns >= 0,
			.insns = verified_insns(prog_fd),
		};
}

static void paths_print(bool json)
{
	if (json) {
		printf(",\"paths\":[");
		for (unsigned i = 0; i < npaths; i++) {
			const struct path_row *p = &paths[i];

			printf("%s{\"path\":\"%s\",\"program\":\"%s\",\"hook\":\"%s\",\"timing\":\"%s\","
			       "\"ns\":%.1f,", i ? "," : "", p->path, p->prog, p->hook, p->how, p->ns);
			if (p->has_over)
				printf("\"over_floor_ns\":%.1f,", p->over);
			else
				printf("\"over_floor_ns\":null,");
			printf("\"verified_insns\":%u}", p->insns);
		}
		printf("]");
		return;
	}
	printf("Per program path (ns: median; over floor: minus the floor timed the same way)\n");
	printf("  %-24s %-16s %-4s %-7s %10s %11s %15s\n", "path", "program", "hook", "timing", "ns",
	       "over floor", "verified insns");
	for (unsigned i = 0; i < npaths; i++) {
		const struct path_row *p = &paths[i];
		char over[32] = "-";

		if (p->has_over)
			snprintf(over, sizeof(over), "%.1f", p->over);
		printf("  %-24s %-16s %-4s %-7s %10.1f %11s %15u\n", p->path, p->prog, p->hook, p->how, p->ns,
		       over, p->insns);
	}
}

/* 16-bit one's complement sum of len bytes (big-endian words), added to sum. */
static __u32 sum16(const __u8 *p, unsigned len, __u32 sum)
{
	for (unsigned i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

#define DNS_GW_IP	"10.7.0.1"
#define DNS_A_IP	"10.7.0.2"
#define DNS_HIT		"redis-server"
#define DNS_MISS	"example.test"

/*
 * A's A query for @name to its network's DNS address (the gateway, port 53),
 * as glibc sends it (RD, no EDNS), checksums complete; its length.
 */
static unsigned build_dns_query(__u8 *f, const char *name)
{
	__u8 *ip = f + 14, *udp = ip + 20, *dns = udp + 8, *wire = NULL;
	ldns_pkt *q = NULL;
	size_t n = 0;
	unsigned len;
	__u16 c;

	memset(f, 0, 128);
	memcpy(f, mac_gw, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = 0x08;
	if (ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK ||
	    (ldns_pkt_set_id(q, 0x4a11), ldns_pkt2wire(&wire, q, &n)) != LDNS_STATUS_OK ||
	    n > 128 - (unsigned)(dns - f)) {
		fprintf(stderr, "bench_progrun: cannot build a query for %s\n", name);
		exit(1);
	}
	memcpy(dns, wire, n);
	free(wire);
	ldns_pkt_free(q);
	len = 8 + (unsigned)n;
	ip[0] = 0x45;
	ip[2] = (20 + len) >> 8;
	ip[3] = (20 + len) & 0xff;
	ip[6] = 0x40;			/* DF */
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, DNS_A_IP, ip + 12);
	inet_pton(AF_INET, DNS_GW_IP, ip + 16);
	c = ~fold(sum16(ip, 20, 0));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	udp[0] = 0x9c; udp[1] = 0x40;	/* 40000 */
	udp[3] = 53;
	udp[4] = len >> 8;
	udp[5] = len & 0xff;
	c = ~fold(sum16(udp, len, sum16(ip + 12, 8, 17 + len)));
	udp[6] = c >> 8;
	udp[7] = c & 0xff;
	return 14 + 20 + len;
}

/* A's network gets embedded DNS; A resolves its names; DNS_HIT is B. */
static int setup_dns(struct lxc *skel)
{
	struct xnet_network net;
	struct xnet_endpoint a;
	struct xnet_dns_scope scope = { .nnets = 1, .flags = XNET_DNS_F_FORWARD, .net_ids = { NET_ID } };
	struct xnet_dns_rrset rr = { .count = 1, .addrs = { inet_addr("10.7.0.3") } };
	struct xnet_dns_key key = { .net_id = NET_ID };
	__u32 net_id = NET_ID, ifindex = IF_A;
	int err;

	key.name[0] = strlen(DNS_HIT);	/* one label */
	memcpy(key.name + 1, DNS_HIT, strlen(DNS_HIT));
	err = bpf_map__lookup_elem(skel->maps.xnet_networks, &net_id, 4, &net, sizeof(net), 0);
	err = err ?: bpf_map__lookup_elem(skel->maps.xnet_endpoints, &ifindex, 4, &a, sizeof(a), 0);
	if (err)
		return err;
	net.flags |= XNET_NET_DNS;
	err = bpf_map__update_elem(skel->maps.xnet_networks, &net_id, 4, &net, sizeof(net), 0);
	if (!no_cache)
		err = err ?: cache_endpoint(skel, &a, &net);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_dns_scope, &ifindex, 4, &scope, sizeof(scope), 0);
	err = err ?: bpf_map__update_elem(skel->maps.xnet_dns_names, &key, sizeof(key), &rr, sizeof(rr), 0);
	return err;
}

/*
 * One query answered from the maps and one for a name they do not have
 * (the helper's, up through the gateway), each timed against the floor
 * with repeat=1 calls on fresh copies (the answer rewrites the frame).
 * Prints (or adds to the JSON object) the ns each adds over the floor. 0 or -1.
 */
static int bench_dns(struct lxc *skel, int floor_fd, __u32 rounds, __u32 calls, bool json)
{
	double hit[MAX_ROUNDS], hflo[MAX_ROUNDS], miss[MAX_ROUNDS], mflo[MAX_ROUNDS];
	int fd = bpf_program__fd(skel->progs.lxc_ingress);
	__u8 qhit[128], qmiss[128], out[128];
	unsigned lhit, lmiss;
	__u32 rv_hit = 0, rv_miss = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_out = out, .data_size_out = sizeof(out));

	if (setup_dns(skel)) {
		fprintf(stderr, "bench_progrun: filling the DNS maps: %s\n", strerror(errno));
		return -1;
	}
	lhit = build_dns_query(qhit, DNS_HIT);
	lmiss = build_dns_query(qmiss, DNS_MISS);

	/* The paths timed are the ones meant: an answer grows the frame by one record. */
	opts.data_in = qhit;
	opts.data_size_in = lhit;
	if (bpf_prog_test_run_opts(fd, &opts) || opts.retval != TC_ACT_REDIRECT ||
	    opts.data_size_out != lhit + 16) {
		fprintf(stderr, "bench_progrun: the DNS query was not answered (verdict %u, %u bytes out)\n",
			opts.retval, opts.data_size_out);
		return -1;
	}
	opts.data_in = qmiss;
	opts.data_size_in = lmiss;
	opts.data_size_out = sizeof(out);
	if (bpf_prog_test_run_opts(fd, &opts) || opts.retval != TC_ACT_REDIRECT || opts.data_size_out != lmiss ||
	    memcmp(out, qmiss, lmiss)) {
		fprintf(stderr, "bench_progrun: the unknown name did not go up untouched (verdict %u)\n",
			opts.retval);
		return -1;
	}

	for (__u32 r = 0; r < rounds; r++) {
		hit[r] = run_calls(fd, floor_fd, qhit, lhit, calls, NULL, &rv_hit, &hflo[r]);
		miss[r] = run_calls(fd, floor_fd, qmiss, lmiss, calls, NULL, &rv_miss, &mflo[r]);
		if (hit[r] < 0 || miss[r] < 0) {
			fprintf(stderr, "bench_progrun: BPF_PROG_RUN: %s\n", strerror(errno));
			return -1;
		}
	}
	{
		double m_hit = median(hit, rounds), m_hflo = median(hflo, rounds);
		double m_miss = median(miss, rounds), m_mflo = median(mflo, rounds);

		if (json)
			printf(",\"dns\":{\"calls\":%u,\"answer_call_ns\":%.1f,\"answer_floor_call_ns\":%.1f,"
			       "\"answer_extra_ns\":%.1f,\"miss_call_ns\":%.1f,\"miss_floor_call_ns\":%.1f,"
			       "\"miss_extra_ns\":%.1f,\"verified_insns\":{\"lxc_ingress\":%u}}",
			       calls, m_hit, m_hflo, m_hit - m_hflo, m_miss, m_mflo, m_miss - m_mflo,
			       verified_insns(fd));
		else
			printf("Embedded DNS, one UDP A query (repeat=1 x %u, interleaved with the floor; "
			       "lxc_ingress, verified insns %u)\n"
			       "  %-28s %9.1f ns/call, floor %.1f: %6.1f ns over it\n"
			       "  %-28s %9.1f ns/call, floor %.1f: %6.1f ns over it\n",
			       calls, verified_insns(fd), "answered (" DNS_HIT ")", m_hit, m_hflo, m_hit - m_hflo,
			       "miss, to the helper", m_miss, m_mflo, m_miss - m_mflo);
		path_add("DNS answer (A, UDP)", "lxc_ingress", "tc", "calls", m_hit, m_hflo, fd);
		path_add("DNS miss, to the helper", "lxc_ingress", "tc", "calls", m_miss, m_mflo, fd);
	}
	return 0;
}

#ifdef HAVE_UPLINK_BENCH
#define UP_IP		"192.0.2.1"
#define UP_CLIENT	"203.0.113.5"

/*
 * 64 bytes: @client:@sport -> uplink:8080, TCP with @flags (an ACK carries
 * 10 bytes of data, a SYN none, padded), checksums complete.
 */
static void build_tcp(__u8 *f, __be32 client, __u16 sport, __u8 flags)
{
	__u8 *ip = f + 14, *th = ip + 20;
	unsigned data = flags == 0x02 ? 0 : 10, tcplen = 20 + data;
	__u16 c;

	memset(f, 0, 64);
	memcpy(f, (__u8[]){ 0x02, 0, 0, 0, 0, 1 }, 6);
	memcpy(f + 6, (__u8[]){ 0x02, 0, 0, 0, 0, 0xfe }, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + tcplen;		/* tot_len */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &client, 4);
	inet_pton(AF_INET, UP_IP, ip + 16);
	c = ~fold(sum16(ip, 20, 0));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	th[0] = sport >> 8;
	th[1] = sport & 0xff;
	th[2] = 0x1f; th[3] = 0x90;	/* 8080 */
	th[12] = 5 << 4;
	th[13] = flags;
	th[15] = 0xff;			/* window */
	c = ~fold(sum16(th, tcplen, sum16(ip + 12, 8, 6 + tcplen)));
	th[16] = c >> 8;
	th[17] = c & 0xff;
}

#define TCP_ACK		0x10
#define TCP_SYN		0x02

/* The established flow's inbound conntrack entry, as uplink_ingress left it. */
static int ct_add_established(struct uplink *tc)
{
	struct xnet_ct_key k = { .sport = htons(40000), .dport = htons(8080), .proto = 6, .dir = XNET_CT_IN };
	struct xnet_ct_entry e = { .addr = inet_addr("10.7.0.3"), .port = htons(80), .kind = XNET_CT_DNAT,
				   .state = XNET_CT_ST_ESTABLISHED, .ifindex = IF_B, .flags = XNET_CTF_SEEN_REPLY };

	k.saddr = inet_addr(UP_CLIENT);
	k.daddr = inet_addr(UP_IP);
	return bpf_map__update_elem(tc->maps.xnet_ct, &k, sizeof(k), &e, sizeof(e), 0);
}

/* Empty the conntrack map: keys collected first (deleting while walking restarts the walk). 0 or -1. */
static int ct_clear(int fd)
{
	struct xnet_ct_key *keys = calloc(XNET_MAX_CT, sizeof(*keys));
	__u32 n = 0;
	int err = 0;

	if (!keys)
		return -1;
	while (n < XNET_MAX_CT && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL, &keys[n]))
		n++;
	for (__u32 i = 0; i < n && !err; i++)
		err = bpf_map_delete_elem(fd, &keys[i]) && errno != ENOENT;
	free(keys);
	return err ? -1 : 0;
}

/* Client address and port of new flow @i: distinct for every i of a round. */
static __be32 new_client(__u32 i)
{
	return htonl(ntohl(inet_addr(UP_CLIENT)) + 1 + i / 64000);
}

static __u16 new_sport(__u32 i)
{
	return 1024 + i % 64000;
}

/* A SYN from a tuple no flow has used (@i of a round), for run_calls(). */
static void new_flow_syn(__u8 *frame, __u32 i)
{
	build_tcp(frame, new_client(i), new_sport(i), TCP_SYN);
}

/* The maps of an established published flow, as datapath.c and uplink_ingress leave them. */
static int setup_uplink(struct uplink *tc, struct uplink_xdp *xdp)
{
	struct xnet_host h = { .uplink_ifindex = 1, .nat_port_min = 40000, .nat_port_max = 40999 };
	struct xnet_network net = { .subnet = inet_addr("10.7.0.0"), .mask = htonl(0xffff0000),
				    .gw_ip = inet_addr("10.7.0.1"), .gw_ifindex = IF_GW, .flags = XNET_NET_ICC };
	struct xnet_endpoint b = { .net_id = NET_ID, .ifindex = IF_B, .ip = inet_addr("10.7.0.3") };
	struct xnet_subnet_key sk = { .prefixlen = 16, .addr = net.subnet };
	struct xnet_pub_key pk = { .port = htons(8080), .proto = 6 };	/* -p 8080:80 on any address */
	struct xnet_pub pub = { .backend_ip = b.ip, .backend_port = htons(80), .ifindex = IF_B, .net_id = NET_ID };
	struct xnet_xdp_tx tx = { .ifindex = IF_B, .mtu = 1500 };
	struct xnet_if_cache ifc = { .kind = XNET_IFC_ENDPOINT, .net_flags = net.flags, .net_id = NET_ID,
				     .ip = b.ip, .gw_ifindex = IF_GW, .subnet = net.subnet, .mask = net.mask,
				     .gw_ip = net.gw_ip, .ifindex = IF_B };
	__u32 zero = 0, net_id = NET_ID, slot = xnet_if_slot(IF_B);
	int err = 0;

	h.uplink_ip = inet_addr(UP_IP);
	memcpy(net.gw_mac, mac_gw, 6);
	memcpy(b.mac, mac_b, 6);
	memcpy(ifc.mac, mac_b, 6);
	memcpy(ifc.gw_mac, mac_gw, 6);
	err = err ?: bpf_map__update_elem(tc->maps.xnet_host, &zero, 4, &h, sizeof(h), 0);
	err = err ?: bpf_map__update_elem(tc->maps.xnet_networks, &net_id, 4, &net, sizeof(net), 0);
	err = err ?: bpf_map__update_elem(tc->maps.xnet_endpoints, &b.ifindex, 4, &b, sizeof(b), 0);
	err = err ?: bpf_map__update_elem(tc->maps.xnet_subnets, &sk, sizeof(sk), &net_id, 4, 0);
	err = err ?: bpf_map__update_elem(tc->maps.xnet_published, &pk, sizeof(pk), &pub, sizeof(pub), 0);
	err = err ?: ct_add_established(tc);
	if (!no_cache)
		err = err ?: bpf_map__update_elem(tc->maps.xnet_ifcache, &slot, 4, &ifc, sizeof(ifc), 0);
	err = err ?: bpf_map__update_elem(xdp->maps.xnet_xdp_tx, &slot, 4, &tx, sizeof(tx), 0);
	return err;
}

/* A two-instruction XDP program (return XDP_PASS): the XDP floor. */
static int xdp_floor_load(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_floor", "GPL", insns, 2, NULL);
}

/*
 * uplink_xdp vs uplink_ingress on one established flow; prints (or adds to
 * the JSON object) the ns each adds over its floor. 0 or -1.
 */
static int bench_uplink(int tc_floor_fd, __u32 rounds, __u32 calls, bool json)
{
	double xdp[MAX_ROUNDS], xflo[MAX_ROUNDS], tc[MAX_ROUNDS], tflo[MAX_ROUNDS];
	double nf[MAX_ROUNDS], nflo[MAX_ROUNDS];
	struct uplink *up = uplink__open_and_load();
	struct uplink_xdp *ux = NULL;
	/* Two conntrack entries per new flow: stay well below the LRU's size, no eviction. */
	__u32 rv_xdp = 0, rv_tc = 0, rv_nf = 0, nf_calls = calls < XNET_MAX_CT / 4 ? calls : XNET_MAX_CT / 4;
	struct bpf_map *map;
	__u8 ack[64], syn[64];
	int err = -1, xflo_fd = -1, xdp_fd, tc_fd, ct_fd;

	if (!up) {
		fprintf(stderr, "bench_progrun: loading uplink: %s\n", strerror(errno));
		return -1;
	}
	/* One set of maps for both, as on a host (pinned there). */
	ux = uplink_xdp__open();
	if (!ux)
		goto out;
	bpf_object__for_each_map(map, ux->obj) {
		struct bpf_map *src = bpf_object__find_map_by_name(up->obj, bpf_map__name(map));

		if (src && bpf_map__name(map)[0] != '.' && bpf_map__reuse_fd(map, bpf_map__fd(src)))
			goto out;
	}
	if (uplink_xdp__load(ux) || setup_uplink(up, ux))
		goto out;
	xflo_fd = xdp_floor_load();
	if (xflo_fd < 0)
		goto out;
	xdp_fd = bpf_program__fd(ux->progs.uplink_xdp);
	tc_fd = bpf_program__fd(up->progs.uplink_ingress);
	ct_fd = bpf_map__fd(up->maps.xnet_ct);
	build_tcp(ack, inet_addr(UP_CLIENT), 40000, TCP_ACK);
	for (__u32 r = 0; r < rounds; r++) {
		xdp[r] = run_calls(xdp_fd, xflo_fd, ack, sizeof(ack), calls, NULL, &rv_xdp, &xflo[r]);
		tc[r] = run_calls(tc_fd, tc_floor_fd, ack, sizeof(ack), calls, NULL, &rv_tc, &tflo[r]);
		if (xdp[r] < 0 || tc[r] < 0) {
			fprintf(stderr, "bench_progrun: BPF_PROG_RUN: %s\n", strerror(errno));
			goto out;
		}
		/* New flows on an empty table, then the established flow back for the next round. */
		if (ct_clear(ct_fd)) {
			fprintf(stderr, "bench_progrun: emptying xnet_ct: %s\n", strerror(errno));
			goto out;
		}
		nf[r] = run_calls(tc_fd, tc_floor_fd, syn, sizeof(syn), nf_calls, new_flow_syn, &rv_nf, &nflo[r]);
		if (nf[r] < 0) {
			fprintf(stderr, "bench_progrun: BPF_PROG_RUN: %s\n", strerror(errno));
			goto out;
		}
		if (rv_nf != TC_ACT_REDIRECT)
			break;
		if (ct_clear(ct_fd) || ct_add_established(up)) {
			fprintf(stderr, "bench_progrun: resetting xnet_ct: %s\n", strerror(errno));
			goto out;
		}
	}
	if (rv_xdp != XDP_REDIRECT || rv_tc != TC_ACT_REDIRECT) {
		fprintf(stderr, "bench_progrun: unexpected verdicts (uplink_xdp %u, uplink_ingress %u): "
			"the measured path is not the established-flow path\n", rv_xdp, rv_tc);
		goto out;
	}
	if (rv_nf != TC_ACT_REDIRECT) {
		fprintf(stderr, "bench_progrun: a new published flow got verdict %u from uplink_ingress, "
			"not a redirect to its endpoint\n", rv_nf);
		goto out;
	}
	{
		double m_xdp = median(xdp, rounds), m_xflo = median(xflo, rounds);
		double m_tc = median(tc, rounds), m_tflo = median(tflo, rounds);
		double m_nf = median(nf, rounds), m_nflo = median(nflo, rounds);

		if (json)
			printf(",\"uplink\":{\"calls\":%u,\"xdp_call_ns\":%.1f,\"xdp_floor_call_ns\":%.1f,"
			       "\"xdp_extra_ns\":%.1f,\"tc_call_ns\":%.1f,\"tc_floor_call_ns\":%.1f,"
			       "\"tc_extra_ns\":%.1f,\"new_flow_calls\":%u,\"new_flow_call_ns\":%.1f,"
			       "\"new_flow_floor_call_ns\":%.1f,\"new_flow_extra_ns\":%.1f,"
			       "\"verified_insns\":{\"uplink_xdp\":%u,\"uplink_ingress\":%u}}",
			       calls, m_xdp, m_xflo, m_xdp - m_xflo, m_tc, m_tflo, m_tc - m_tflo,
			       nf_calls, m_nf, m_nflo, m_nf - m_nflo, verified_insns(xdp_fd), verified_insns(tc_fd));
		else
			printf("Published TCP flow, established, 64B ACK (repeat=1 x %u, interleaved with each floor)\n"
			       "  %-28s %9.1f ns/call, floor %.1f: %6.1f ns over it (verified insns %u)\n"
			       "  %-28s %9.1f ns/call, floor %.1f: %6.1f ns over it (verified insns %u)\n"
			       "New published TCP flow, 64B SYN, fresh tuple per call (repeat=1 x %u, empty table)\n"
			       "  %-28s %9.1f ns/call, floor %.1f: %6.1f ns over it (verified insns %u)\n",
			       calls, "uplink_xdp (XDP)", m_xdp, m_xflo, m_xdp - m_xflo, verified_insns(xdp_fd),
			       "uplink_ingress (tc)", m_tc, m_tflo, m_tc - m_tflo, verified_insns(tc_fd),
			       nf_calls, "uplink_ingress (tc)", m_nf, m_nflo, m_nf - m_nflo, verified_insns(tc_fd));
		path_add("XDP floor (XDP_PASS)", "xdp_floor", "XDP", "calls", m_xflo, -1, xflo_fd);
		path_add("NAT hit, published est.", "uplink_xdp", "XDP", "calls", m_xdp, m_xflo, xdp_fd);
		path_add("NAT hit, published est.", "uplink_ingress", "tc", "calls", m_tc, m_tflo, tc_fd);
		path_add("NAT new flow (SYN)", "uplink_ingress", "tc", "calls", m_nf, m_nflo, tc_fd);
	}
	err = 0;
out:
	if (err && errno)
		fprintf(stderr, "bench_progrun: uplink objects: %s\n", strerror(errno));
	if (xflo_fd >= 0)
		close(xflo_fd);
	uplink_xdp__destroy(ux);
	uplink__destroy(up);
	return err;
}
#endif /* HAVE_UPLINK_BENCH */

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--json] [--rounds N] [--repeat N] [--calls N] [--no-cache] [--uplink] [--dns]\n"
		"  --no-cache  leave the array caches empty: time the ABI-map (hash) fallback path\n"
		"  --uplink    also time uplink_xdp against uplink_ingress on an established published flow\n"
		"  --dns       also time an embedded DNS answer and a miss (to the helper) against the floor\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "calls", required_argument, NULL, 'c' },
		{ "no-cache", no_argument, NULL, 'x' },
		{ "uplink", no_argument, NULL, 'u' },
		{ "dns", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	double fwd[MAX_ROUNDS], flo[MAX_ROUNDS], arp[MAX_ROUNDS], flo1[MAX_ROUNDS];
	__u32 rounds = 5, repeat = 1000000, calls = 100000, rv_fwd = 0, rv_flo = 0, rv_arp = 0, rv;
	struct lxc *lxc = NULL;
	struct floor *flr = NULL;
	__u8 udp[64], arpreq[42];
	bool json = false, uplink = false, dns = false;
	int opt, err = 1, fwd_fd, flo_fd;
	double m_fwd, m_flo, m_arp, m_flo1;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = true; break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 'n': repeat = strtoul(optarg, NULL, 0); break;
		case 'c': calls = strtoul(optarg, NULL, 0); break;
		case 'x': no_cache = true; break;
		case 'u': uplink = true; break;
		case 'd': dns = true; break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!rounds || rounds > MAX_ROUNDS || !repeat || !calls) {
		usage(argv[0]);
		return 2;
	}
#ifndef HAVE_UPLINK_BENCH
	if (uplink) {
		fprintf(stderr, "bench_progrun: built without the uplink skeletons: "
			"make build/uplink.skel.h build/uplink_xdp.skel.h build/bench_progrun\n");
		return 2;
	}
#endif
	libbpf_set_print(silent);

	/* Production object, private maps (no pinning): nothing outside this process changes. */
	lxc = lxc__open_and_load();
	if (!lxc) {
		fprintf(stderr, "bench_progrun: loading lxc: %s\n", strerror(errno));
		goto out;
	}
	flr = floor__open();
	if (!flr) {
		fprintf(stderr, "bench_progrun: opening floor: %s\n", strerror(errno));
		goto out;
	}
	flr->rodata->target_ifindex = IF_B;
	if (floor__load(flr)) {
		fprintf(stderr, "bench_progrun: loading floor: %s\n", strerror(errno));
		goto out;
	}
	if (setup_maps(lxc)) {
		fprintf(stderr, "bench_progrun: filling maps: %s\n", strerror(errno));
		goto out;
	}
	fwd_fd = bpf_program__fd(lxc->progs.lxc_ingress);
	flo_fd = bpf_program__fd(flr->progs.floor_peer);
	build_udp(udp);
	build_arp(arpreq);

	/* Warm up caches and the branch predictor once before timing. */
	run_repeat(flo_fd, udp, sizeof(udp), repeat / 10, &rv);
	run_repeat(fwd_fd, udp, sizeof(udp), repeat / 10, &rv);
	for (__u32 r = 0; r < rounds; r++) {
		/* Alternate the order so neither program always runs second. */
		if (r % 2) {
			fwd[r] = run_repeat(fwd_fd, udp, sizeof(udp), repeat, &rv_fwd);
			flo[r] = run_repeat(flo_fd, udp, sizeof(udp), repeat, &rv_flo);
		} else {
			flo[r] = run_repeat(flo_fd, udp, sizeof(udp), repeat, &rv_flo);
			fwd[r] = run_repeat(fwd_fd, udp, sizeof(udp), repeat, &rv_fwd);
		}
		arp[r] = run_calls(fwd_fd, flo_fd, arpreq, sizeof(arpreq), calls, NULL, &rv_arp, &flo1[r]);
		if (fwd[r] < 0 || flo[r] < 0 || arp[r] < 0 || flo1[r] < 0) {
			fprintf(stderr, "bench_progrun: BPF_PROG_RUN: %s\n", strerror(errno));
			goto out;
		}
	}
	if (rv_fwd != TC_ACT_REDIRECT || rv_flo != TC_ACT_REDIRECT || rv_arp != TC_ACT_REDIRECT) {
		fprintf(stderr, "bench_progrun: unexpected verdicts (forward %u, floor %u, arp %u): "
			"the measured path is not the forwarding path\n", rv_fwd, rv_flo, rv_arp);
		goto out;
	}
	m_fwd = median(fwd, rounds);
	m_flo = median(flo, rounds);
	m_arp = median(arp, rounds);
	m_flo1 = median(flo1, rounds);
	path_add("floor (redirect_peer)", "floor_peer", "tc", "repeat", m_flo, -1, flo_fd);
	path_add("forward, 64B UDP", "lxc_ingress", "tc", "repeat", m_fwd, m_flo, fwd_fd);
	path_add("floor (redirect_peer)", "floor_peer", "tc", "calls", m_flo1, -1, flo_fd);
	path_add("ARP reply", "lxc_ingress", "tc", "calls", m_arp, m_flo1, fwd_fd);

	if (json) {
		printf("{\"rounds\":%u,\"repeat\":%u,\"arp_calls\":%u,"
		       "\"floor_ns\":%.2f,\"forward_ns\":%.2f,\"ratio_forward_floor\":%.3f,"
		       "\"arp_call_ns\":%.1f,\"floor_call_ns\":%.1f,\"arp_extra_ns\":%.1f,"
		       "\"verified_insns\":{\"lxc_ingress\":%u,\"floor_peer\":%u}",
		       rounds, repeat, calls, m_flo, m_fwd, m_fwd / m_flo,
		       m_arp, m_flo1, m_arp - m_flo1, verified_insns(fwd_fd), verified_insns(flo_fd));
	} else {
		printf("BPF_PROG_RUN, median of %u rounds (alternating)\n", rounds);
		printf("  %-28s %9.2f ns/pkt  (repeat=%u, verified insns %u)\n", "floor (redirect_peer only)",
		       m_flo, repeat, verified_insns(flo_fd));
		printf("  %-28s %9.2f ns/pkt  (repeat=%u, verified insns %u)\n", "lxc forward (64B UDP)",
		       m_fwd, repeat, verified_insns(fwd_fd));
		printf("  %-28s %9.3f\n", "ratio forward/floor", m_fwd / m_flo);
		printf("  %-28s %9.1f ns/call (repeat=1 x %u, interleaved; floor %.1f ns/call)\n", "lxc ARP reply (42B)",
		       m_arp, calls, m_flo1);
		printf("  %-28s %9.1f ns\n", "ARP path over floor", m_arp - m_flo1);
	}
#ifdef HAVE_UPLINK_BENCH
	/* In JSON, the uplink figures go into the same object. */
	if (uplink && bench_uplink(flo_fd, rounds, calls, json))
		goto out;
#endif
	/* Last: it turns DNS on for A's network, which the paths above do not take. */
	if (dns && bench_dns(lxc, flo_fd, rounds, calls, json))
		goto out;
	if (!json)
		printf("\n");
	paths_print(json);
	if (json)
		printf("}\n");
	err = 0;
out:
	floor__destroy(flr);
	lxc__destroy(lxc);
	return err;
}
