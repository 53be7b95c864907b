// SPDX-License-Identifier: GPL-2.0-only
/* fixture: test topology and table runner. See fixture.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "fixture.h"
#include "test_progs.h"
#include "datapath/datapath.h"
#include "lxc.test.skel.h"

const __u8 MAC_GW1[6] = MAC4(10, 1, 0, 1);
const __u8 MAC_A[6] = MAC4(10, 1, 0, 2);
const __u8 MAC_B[6] = MAC4(10, 1, 0, 3);
const __u8 MAC_C[6] = MAC4(10, 1, 0, 4);
const __u8 MAC_GW2[6] = MAC4(10, 2, 0, 1);
const __u8 MAC_D[6] = MAC4(10, 2, 0, 2);
const __u8 MAC_GW3[6] = MAC4(10, 3, 0, 1);
const __u8 MAC_E[6] = MAC4(10, 3, 0, 2);
const __u8 MAC_F[6] = MAC4(10, 3, 0, 3);
const __u8 MAC_G[6] = MAC4(10, 9, 0, 2);
const __u8 MAC_GW4[6] = MAC4(10, 4, 0, 1);
const __u8 MAC_I[6] = MAC4(10, 4, 0, 2);
const __u8 MAC_NOBODY[6] = MAC4(10, 1, 0, 99);
const __u8 MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const __u8 MAC_ZERO[6];

static const char *const dev_names[DEV_MAX] = {
	[DEV_A] = "xta", [DEV_B] = "xtb", [DEV_C] = "xtc", [DEV_D] = "xtd",
	[DEV_E] = "xte", [DEV_F] = "xtf", [DEV_G] = "xtg", [DEV_I] = "xti", [DEV_U] = "xtu",
	[DEV_GW1] = "xtgw1", [DEV_GW2] = "xtgw2", [DEV_GW3] = "xtgw3", [DEV_GW4] = "xtgw4",
	[DEV_UP] = "xtwan",
};
static __u32 dev_ifindex[DEV_MAX];

struct fx_net {
	__u32 id;
	__be32 subnet, gw;
	__u8 prefixlen;
	const __u8 *gw_mac;
	enum fx_dev gw_dev;
	__u16 flags;
	enum fx_dev ports[4];
};

static const struct fx_net nets[] = {
	{ NET1, IP4(10, 1, 0, 0), IP_GW1, 16, MAC_GW1, DEV_GW1, XNET_NET_ICC | XNET_NET_MASQ,
	  { DEV_A, DEV_B, DEV_C } },
	{ NET2, IP4(10, 2, 0, 0), IP_GW2, 16, MAC_GW2, DEV_GW2, XNET_NET_ICC | XNET_NET_MASQ, { DEV_D } },
	{ NET3, IP4(10, 3, 0, 0), IP_GW3, 16, MAC_GW3, DEV_GW3, 0, { DEV_E, DEV_F } },
	{ NET4, IP4(10, 4, 0, 0), IP_GW4, 16, MAC_GW4, DEV_GW4,
	  XNET_NET_ICC | XNET_NET_INTERNAL | XNET_NET_MASQ, { DEV_I } },
};

struct fx_ep {
	enum fx_dev dev;
	__u32 net_id;
	__be32 ip;
	const __u8 *mac;
	__u16 flags;
};

static const struct fx_ep eps[] = {
	{ DEV_A, NET1, IP_A, MAC_A, 0 }, { DEV_B, NET1, IP_B, MAC_B, XNET_EP_PUBLISHED },
	{ DEV_C, NET1, IP_C, MAC_C, 0 }, { DEV_D, NET2, IP_D, MAC_D, XNET_EP_PUBLISHED },
	{ DEV_E, NET3, IP_E, MAC_E, 0 }, { DEV_F, NET3, IP_F, MAC_F, 0 },
	{ DEV_I, NET4, IP_I, MAC_I, 0 }, { DEV_G, NET_MISSING, IP_G, MAC_G, 0 },
};

const char *fx_name(enum fx_dev dev)
{
	return dev > DEV_NONE && dev < DEV_MAX ? dev_names[dev] : "none";
}

__u32 fx_ifindex(enum fx_dev dev)
{
	return dev > DEV_NONE && dev < DEV_MAX ? dev_ifindex[dev] : 0;
}

int fx_devices(void)
{
	static int done;
	char cmd[4096];
	int n = 0;

	if (done)
		return done < 0 ? done : 0;
	/* One `ip -batch`: veth pairs <name>/<name>p, both up (clones need a live peer). */
	n += snprintf(cmd + n, sizeof(cmd) - n, "ip -batch - <<'EOF'\n");
	for (int d = DEV_A; d < DEV_MAX; d++)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      "link add %s type veth peer name %sp\n"
			      "link set %s up\nlink set %sp up\n",
			      dev_names[d], dev_names[d], dev_names[d], dev_names[d]);
	n += snprintf(cmd + n, sizeof(cmd) - n, "EOF\n");
	if (system(cmd)) {
		done = -EIO;
		return done;
	}
	for (int d = DEV_A; d < DEV_MAX; d++) {
		dev_ifindex[d] = if_nametoindex(dev_names[d]);
		if (!dev_ifindex[d]) {
			done = -ENODEV;
			return done;
		}
	}
	done = 1;
	return 0;
}

bool fx_ct_get(struct bpf_object *obj, const struct xnet_ct_key *k, struct xnet_ct_entry *e, bool *pending)
{
	struct xnet_ct_pending p;

	if (pending)
		*pending = false;
	if (!bpf_map_lookup_elem(fx_map_fd(obj, "xnet_ct"), k, e))
		return true;
	if (bpf_map_lookup_elem(fx_map_fd(obj, "xnet_ct_new"), k, &p))
		return false;
	*e = p.e;
	e->flags &= ~(XNET_CTF_PENDING | XNET_CTF_ACK_KNOWN | XNET_CTF_ASSURED);
	if (pending)
		*pending = true;
	return true;
}

void fx_ct_clear(struct bpf_object *obj)
{
	struct xnet_ct_budget zero = { 0 };

	fx_map_clear(fx_map_fd(obj, "xnet_ct"), sizeof(struct xnet_ct_key));
	fx_map_clear(fx_map_fd(obj, "xnet_ct_new"), sizeof(struct xnet_ct_key));
	for (__u32 i = 0; i < 2 * XNET_CT_NEW_WINDOW; i++)
		bpf_map_update_elem(fx_map_fd(obj, "xnet_ct_budget"), &i, &zero, BPF_ANY);
}

int fx_map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

int fx_setup_maps(struct bpf_object *obj)
{
	int networks = fx_map_fd(obj, "xnet_networks"), endpoints = fx_map_fd(obj, "xnet_endpoints");
	int fdb = fx_map_fd(obj, "xnet_fdb"), ip2ep = fx_map_fd(obj, "xnet_ip2ep");
	int ports = fx_map_fd(obj, "xnet_ports"), subnets = fx_map_fd(obj, "xnet_subnets");
	int gateways = fx_map_fd(obj, "xnet_gateways");
	int err = 0;

	if (networks < 0 || endpoints < 0 || fdb < 0 || ip2ep < 0 || ports < 0 ||
	    subnets < 0 || gateways < 0)
		return -ENOENT;

	for (unsigned i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		const struct fx_net *n = &nets[i];
		struct xnet_network v = {
			.subnet = n->subnet,
			.mask = htonl(~0U << (32 - n->prefixlen)),
			.gw_ip = n->gw,
			.gw_ifindex = fx_ifindex(n->gw_dev),
			.flags = n->flags,
			.mtu = 1500,
		};
		struct xnet_subnet_key sk = { .prefixlen = n->prefixlen, .addr = n->subnet };
		__u32 gw_if = fx_ifindex(n->gw_dev);

		memcpy(v.gw_mac, n->gw_mac, 6);
		for (__u32 p = 0; p < 4 && n->ports[p]; p++) {
			struct xnet_port_key pk = { .net_id = n->id, .idx = p };
			__u32 ifindex = fx_ifindex(n->ports[p]);

			err = err ?: bpf_map_update_elem(ports, &pk, &ifindex, BPF_ANY);
			v.nports++;
		}
		err = err ?: bpf_map_update_elem(networks, &n->id, &v, BPF_ANY);
		err = err ?: bpf_map_update_elem(subnets, &sk, &n->id, BPF_ANY);
		err = err ?: bpf_map_update_elem(gateways, &gw_if, &n->id, BPF_ANY);
	}
	{
		/* A gateway device whose network is gone (network rm racing a packet). */
		__u32 gw_if = fx_ifindex(DEV_G), net_id = NET_MISSING;

		err = err ?: bpf_map_update_elem(gateways, &gw_if, &net_id, BPF_ANY);
	}
	for (unsigned i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		const struct fx_ep *e = &eps[i];
		struct xnet_endpoint v = { .net_id = e->net_id, .ifindex = fx_ifindex(e->dev), .ip = e->ip,
					   .flags = e->flags };
		struct xnet_mac_key mk = {};

		memcpy(v.mac, e->mac, 6);
		memcpy(mk.mac, e->mac, 6);
		err = err ?: bpf_map_update_elem(endpoints, &v.ifindex, &v, BPF_ANY);
		err = err ?: bpf_map_update_elem(fdb, &mk, &v.ifindex, BPF_ANY);
		err = err ?: bpf_map_update_elem(ip2ep, &e->ip, &v.ifindex, BPF_ANY);
	}
	return err ? -errno : 0;
}

void fx_build(const struct fx_frame *f, struct pkt *p)
{
	__u16 proto = f->proto ? f->proto : f->kind == FR_ARP ? 0x0806 : 0x0800;

	pkt_eth(p, f->dst ? f->dst : MAC_BCAST, f->src, proto);
	if (f->kind == FR_ARP)
		pkt_arp(p, f->op ? f->op : 1, f->sha ? f->sha : f->src, f->saddr, MAC_ZERO,
			f->daddr);
	else
		pkt_ipv4_udp(p, f->saddr, f->daddr, f->opt_words, f->payload ? f->payload : 18);
	if (f->len)
		pkt_resize(p, f->len);
	for (int i = 0; i < f->npatch; i++)
		if (f->patch[i].off < p->len)
			p->data[f->patch[i].off] = f->patch[i].val;
}

/* The reply a Linux host would send to request f, from answer MAC mac. */
static void build_arp_reply(const struct fx_frame *f, const __u8 *mac, struct pkt *p)
{
	const __u8 *req = f->sha ? f->sha : f->src;

	pkt_eth(p, req, mac, 0x0806);
	pkt_arp(p, 2, mac, f->daddr, req, f->saddr);
}

int fx_read_drops(struct bpf_object *obj, struct xnet_drop_counter out[XNET_DROP_MAX])
{
	int fd = fx_map_fd(obj, "xnet_drops"), ncpu = libbpf_num_possible_cpus();
	struct xnet_drop_counter *percpu;

	if (fd < 0 || ncpu <= 0)
		return -ENOENT;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(*out) * XNET_DROP_MAX);
	for (__u32 r = 0; r < XNET_DROP_MAX; r++) {
		if (bpf_map_lookup_elem(fd, &r, percpu)) {
			free(percpu);
			return -errno;
		}
		for (int c = 0; c < ncpu; c++) {
			out[r].packets += percpu[c].packets;
			out[r].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	return 0;
}

static const char *const drop_names[] = XNET_DROP_NAMES;

/* Any drop counter moved since before? Then the program has seen the frame. */
static bool drops_moved(struct bpf_object *obj, const struct xnet_drop_counter *before)
{
	struct xnet_drop_counter now[XNET_DROP_MAX];

	if (fx_read_drops(obj, now))
		return false;
	for (int r = 0; r < XNET_DROP_MAX; r++)
		if (now[r].packets != before[r].packets)
			return true;
	return false;
}

/*
 * XT_CORPUS=FILE: every frame a test runs is appended to FILE as
 * "program device ingress-device hex", the seeds of the packet fuzzer
 * (selftests/fuzz/fuzz.c, FUZZ_SEEDS).
 */
static void fx_capture(int prog_fd, const void *ctx, __u32 ctx_size, const void *in, __u32 len)
{
	static const char *path;
	static bool looked;
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), dev = 0, ingress = 0;
	const __u8 *b = in;
	const char *dname = "none", *iname = "none";
	FILE *fp;

	if (!looked) {
		path = getenv("XT_CORPUS");
		looked = true;
	}
	if (!path || !*path || bpf_obj_get_info_by_fd(prog_fd, &info, &info_len))
		return;
	if (ctx_size == sizeof(struct __sk_buff)) {
		dev = ((const struct __sk_buff *)ctx)->ifindex;
		ingress = ((const struct __sk_buff *)ctx)->ingress_ifindex;
	} else if (ctx_size == sizeof(struct xdp_md)) {
		dev = ((const struct xdp_md *)ctx)->ingress_ifindex;
	}
	for (int d = DEV_NONE + 1; d < DEV_MAX; d++) {
		if (dev && fx_ifindex(d) == dev)
			dname = fx_name(d);
		if (ingress && fx_ifindex(d) == ingress)
			iname = fx_name(d);
	}
	fp = fopen(path, "a");
	if (!fp)
		return;
	fprintf(fp, "%s %s %s ", info.name, dname, iname);
	for (__u32 i = 0; i < len; i++)
		fprintf(fp, "%02x", b[i]);
	fputc('\n', fp);
	fclose(fp);
}

/*
 * Run the program on its real hook: attach it (tc ingress of an endpoint's
 * host-side veth, or tc egress of a gateway device), and send the frame
 * through a packet socket on the veth peer (ingress) or the device itself
 * (egress). The program sees exactly what a sandbox or the host would send.
 */
static int inject(int prog_fd, struct bpf_object *obj, const struct fx_case *c,
		  const struct pkt *in, const struct xnet_drop_counter *before)
{
	bool egress = c->dev >= DEV_GW1;
	char peer[IF_NAMESIZE + 2];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = fx_ifindex(c->dev),
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	/* REPLACE: in cached mode datapath.c has attached the production program here. */
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 1, .priority = 1, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int fd, err;

	snprintf(peer, sizeof(peer), "%sp", fx_name(c->dev));
	sll.sll_ifindex = egress ? (int)fx_ifindex(c->dev) : (int)if_nametoindex(peer);
	memcpy(sll.sll_addr, in->data, 6);
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &tc);
	if (err)
		return err;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto detach;
	}
	/* ENOBUFS: an egress program dropped it (NET_XMIT_DROP), which is an answer too. */
	if (sendto(fd, in->data, in->len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)in->len &&
	    errno != ENOBUFS)
		err = -errno;
	close(fd);
	/* veth delivers through the backlog: give the softirq a moment. */
	for (int i = 0; !err && i < 100 && !drops_moved(obj, before); i++)
		usleep(10000);
detach:
	tc.prog_fd = tc.prog_id = tc.flags = 0;
	bpf_tc_detach(&hook, &tc);
	return err;
}

bool fx_run_case(int prog_fd, struct bpf_object *obj, const struct fx_case *c, bool cached)
{
	struct xnet_drop_counter before[XNET_DROP_MAX], after[XNET_DROP_MAX];
	struct xnet_st_record rec = {};
	struct __sk_buff skb = { .ifindex = fx_ifindex(c->dev), .gso_size = c->in.gso_size,
				 .gso_segs = c->in.gso_size ? 2 : 0,
				 .ingress_ifindex = fx_ifindex(c->in.ingress) };
	struct pkt in, want, out = {};
	int rec_fd = fx_map_fd(obj, XNET_ST_MAP_NAME);
	__u32 zero = 0;
	bool ok = true, injected = false;
	char what[64];
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_out = out.data,
		.data_size_out = sizeof(out.data),
		.ctx_in = &skb,
		.ctx_size_in = sizeof(skb),
	);

	fx_build(&c->in, &in);
	opts.data_in = in.data;
	opts.data_size_in = in.len;

	if (!ASSERT_OK(rec_fd < 0 ? rec_fd : 0, "selftest record map") ||
	    !ASSERT_OK(bpf_map_update_elem(rec_fd, &zero, &rec, BPF_ANY) ? -errno : 0, "reset record") ||
	    !ASSERT_OK(fx_read_drops(obj, before), "read drops"))
		return false;

	fx_capture(prog_fd, &skb, sizeof(skb), in.data, in.len);
	err = bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
	if (err == -EINVAL && in.len < FX_MIN_L3_RUN) {
		/*
		 * Newer kernels refuse BPF_PROG_RUN of an IPv4/IPv6 frame whose
		 * network header is not all there. Such frames still reach the
		 * real hook (a sandbox can send them), so send this one the way
		 * a sandbox would and judge by counters and the record.
		 */
		xt__verbose("  BPF_PROG_RUN refused a %u-byte frame: injecting through %s\n",
			    in.len, fx_name(c->dev));
		err = inject(prog_fd, obj, c, &in, before);
		if (!ASSERT_OK(err, "inject through a real veth"))
			return false;
		injected = true;
	} else if (!ASSERT_OK(err, "BPF_PROG_RUN")) {
		return false;
	}
	out.len = opts.data_size_out;

	if (!injected)
		ok &= ASSERT_EQ(opts.retval, c->want.verdict, "verdict (TC_ACT_*)");

	/* Exactly the expected reason moved, by one packet of this frame's size. */
	ok &= ASSERT_OK(fx_read_drops(obj, after), "read drops");
	for (int r = 1; r < XNET_DROP_MAX; r++) {
		__u64 dp = after[r].packets - before[r].packets;
		__u64 db = after[r].bytes - before[r].bytes;
		bool expected = (enum xnet_drop_reason)r == c->want.drop;

		snprintf(what, sizeof(what), "drops[%s].packets", drop_names[r]);
		ok &= ASSERT_EQ(dp, expected ? 1 : 0, what);
		snprintf(what, sizeof(what), "drops[%s].bytes", drop_names[r]);
		ok &= ASSERT_EQ(db, expected ? in.len : 0, what);
	}

	ok &= ASSERT_OK(bpf_map_lookup_elem(rec_fd, &zero, &rec) ? -errno : 0, "read record");
	ok &= ASSERT_EQ(rec.kind, c->want.kind, "redirect helper (enum xnet_st_kind)");
	if (c->want.kind != XNET_ST_NONE) {
		snprintf(what, sizeof(what), "redirect target (expected %s)", fx_name(c->want.target));
		ok &= ASSERT_EQ(rec.ifindex, fx_ifindex(c->want.target), what);
		ok &= ASSERT_EQ(rec.flags, c->want.flags, "redirect flags");
	}
	{
		__u32 n = 0;

		while (n < 4 && c->want.clones[n])
			n++;
		ok &= ASSERT_EQ(rec.clones, n, "clone redirects");
		for (__u32 i = 0; i < n && i < rec.clones; i++) {
			snprintf(what, sizeof(what), "clone %u target (expected %s)", i,
				 fx_name(c->want.clones[i]));
			ok &= ASSERT_EQ(rec.clone_ifindex[i], fx_ifindex(c->want.clones[i]), what);
		}
	}

	if (injected)
		return ok;	/* the frame left through the kernel, not to us */
	if (cached) {
		/* Every device datapath.c installed is answered from xnet_ifcache. */
		bool src_cached = c->dev != DEV_U && c->dev != DEV_G;
		/* Unicast to another endpoint: the destination comes from a dst cache too. */
		bool dst_cached = c->want.verdict == TC_ACT_REDIRECT && c->want.target != c->dev &&
				  c->want.target < DEV_GW1;

		if (src_cached)
			ok &= ASSERT_TRUE(rec.cache_hits & XNET_ST_HIT_SRC, "source answered from xnet_ifcache");
		if (dst_cached)
			ok &= ASSERT_TRUE(rec.cache_hits & XNET_ST_HIT_DST, "destination answered from a dst cache");
	} else {
		ok &= ASSERT_EQ(rec.cache_hits, 0, "no cache hits on ABI-only maps");
	}

	switch (c->want.out) {
	case OUT_ANY:
		return ok;
	case OUT_SAME:
		want = in;
		break;
	case OUT_ARP_REPLY:
		build_arp_reply(&c->in, c->want.out_src, &want);
		break;
	case OUT_MACS:
		want = in;
		memcpy(want.data + ETH_OFF_DST, c->want.out_dst, 6);
		memcpy(want.data + ETH_OFF_SRC, c->want.out_src, 6);
		break;
	}
	ok &= ASSERT_EQ(out.len, want.len, "output length");
	if (out.len == want.len)
		ok &= ASSERT_MEMEQ(out.data, want.data, want.len, "output frame");
	return ok;
}

static char dp_dir[128];

const char *fx_dp_dir(void)
{
	return dp_dir;
}

struct xnet_dp *fx_dp(void)
{
	static struct xnet_dp *dp;
	static bool tried;
	bool reloaded = false;
	char path[256];
	int fd;

	if (tried)
		return dp;
	tried = true;
	if (!ASSERT_OK(fx_devices(), "create test devices"))
		return NULL;
	snprintf(dp_dir, sizeof(dp_dir), "%s/fixture-bpf", xt__tmpdir());
	if (!ASSERT_OK(mkdir(dp_dir, 0700) ? -errno : 0, "mkdir fixture bpffs") ||
	    !ASSERT_OK(mount("bpf", dp_dir, "bpf", 0, "mode=0700") ? -errno : 0, "mount bpffs") ||
	    !ASSERT_OK(dp__open(&dp, dp_dir, &reloaded), "dp__open"))
		return dp = NULL;
	for (unsigned i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		struct dp_network n = {
			.net_id = nets[i].id, .subnet = nets[i].subnet, .prefixlen = nets[i].prefixlen,
			.gw_ip = nets[i].gw, .gw_ifindex = fx_ifindex(nets[i].gw_dev),
			.flags = nets[i].flags, .mtu = 1500,
		};

		memcpy(n.gw_mac, nets[i].gw_mac, 6);
		if (!ASSERT_OK(dp__network_set(dp, &n), "dp__network_set"))
			goto fail;
	}
	for (unsigned i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
		struct dp_endpoint e = { .net_id = eps[i].net_id, .ifindex = fx_ifindex(eps[i].dev),
					 .ip = eps[i].ip, .flags = eps[i].flags };
		struct xnet_endpoint raw = { .net_id = e.net_id, .ifindex = e.ifindex, .ip = e.ip,
					     .flags = e.flags };

		memcpy(e.mac, eps[i].mac, 6);
		memcpy(raw.mac, eps[i].mac, 6);
		if (eps[i].net_id != NET_MISSING) {
			if (!ASSERT_OK(dp__endpoint_set(dp, &e), "dp__endpoint_set"))
				goto fail;
			continue;
		}
		/* The datapath refuses an endpoint without a network: write it raw. */
		snprintf(path, sizeof(path), "%s/maps/xnet_endpoints", dp_dir);
		fd = bpf_obj_get(path);
		if (!ASSERT_OK(fd < 0 ? -errno : bpf_map_update_elem(fd, &e.ifindex, &raw, BPF_ANY),
			       "raw endpoint without network"))
			goto fail;
		close(fd);
		snprintf(path, sizeof(path), "%s/maps/xnet_gateways", dp_dir);
		fd = bpf_obj_get(path);
		if (!ASSERT_OK(fd < 0 ? -errno : bpf_map_update_elem(fd, &e.ifindex, &e.net_id, BPF_ANY),
			       "raw gateway without network"))
			goto fail;
		close(fd);
	}
	return dp;
fail:
	dp__close(dp);
	return dp = NULL;
}

int fx_reuse_pins(struct bpf_object *obj)
{
	struct bpf_map *map;
	char path[256];

	bpf_object__for_each_map(map, obj) {
		snprintf(path, sizeof(path), "%s/maps/%s", dp_dir, bpf_map__name(map));
		if (access(path, F_OK))
			continue;	/* e.g. xnet_st_record: this object's own */
		if (bpf_map__set_pin_path(map, path))
			return -EINVAL;
	}
	return 0;
}

bool fx_run_buf(int prog_fd, struct bpf_object *obj, void *ctx, __u32 ctx_size, const void *in,
		__u32 in_len, void *out, __u32 *out_len, int *verdict, struct xnet_st_record *rec,
		struct xnet_drop_counter drops[XNET_DROP_MAX])
{
	struct xnet_drop_counter before[XNET_DROP_MAX];
	int rec_fd = fx_map_fd(obj, XNET_ST_MAP_NAME);
	__u32 zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in,
		.data_size_in = in_len,
		.data_out = out,
		.data_size_out = *out_len,
		.ctx_in = ctx,
		.ctx_size_in = ctx_size,
	);

	fx_capture(prog_fd, ctx, ctx_size, in, in_len);
	memset(rec, 0, sizeof(*rec));
	*verdict = 0;
	*out_len = 0;
	if (!ASSERT_OK(rec_fd < 0 ? rec_fd : 0, "selftest record map") ||
	    !ASSERT_OK(bpf_map_update_elem(rec_fd, &zero, rec, BPF_ANY) ? -errno : 0, "reset record") ||
	    !ASSERT_OK(fx_read_drops(obj, before), "read drops") ||
	    !ASSERT_OK(bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0, "BPF_PROG_RUN") ||
	    !ASSERT_OK(fx_read_drops(obj, drops), "read drops") ||
	    !ASSERT_OK(bpf_map_lookup_elem(rec_fd, &zero, rec) ? -errno : 0, "read record"))
		return false;
	for (int r = 0; r < XNET_DROP_MAX; r++) {
		drops[r].packets -= before[r].packets;
		drops[r].bytes -= before[r].bytes;
	}
	*verdict = opts.retval;
	*out_len = opts.data_size_out;
	return true;
}

bool fx_run_ctx(int prog_fd, struct bpf_object *obj, void *ctx, __u32 ctx_size, const struct pkt *in,
		struct fx_result *res)
{
	memset(res, 0, sizeof(*res));
	res->out.len = sizeof(res->out.data);
	return fx_run_buf(prog_fd, obj, ctx, ctx_size, in->data, in->len, res->out.data, &res->out.len,
			  &res->verdict, &res->rec, res->drops);
}

bool fx_run_pkt(int prog_fd, struct bpf_object *obj, enum fx_dev dev, enum fx_dev ingress,
		const struct pkt *in, struct fx_result *res)
{
	struct __sk_buff skb = { .ifindex = fx_ifindex(dev), .ingress_ifindex = fx_ifindex(ingress) };

	return fx_run_ctx(prog_fd, obj, &skb, sizeof(skb), in, res);
}

__u64 fx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void fx_map_clear(int fd, size_t key_size)
{
	__u8 key[64], next[64];

	if (key_size > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			break;
	}
}

bool fx_check_drops(const struct fx_result *res, enum xnet_drop_reason reason, __u32 len)
{
	bool ok = true;
	char what[64];

	for (int r = 1; r < XNET_DROP_MAX; r++) {
		bool expected = (enum xnet_drop_reason)r == reason;

		snprintf(what, sizeof(what), "drops[%s].packets", drop_names[r]);
		ok &= ASSERT_EQ(res->drops[r].packets, expected ? 1 : 0, what);
		snprintf(what, sizeof(what), "drops[%s].bytes", drop_names[r]);
		ok &= ASSERT_EQ(res->drops[r].bytes, expected ? len : 0, what);
	}
	if (reason != XNET_DROP_NONE)
		ok &= ASSERT_EQ(res->verdict, TC_ACT_SHOT, "verdict of a drop (TC_ACT_SHOT)");
	return ok;
}

bool fx_check_redirect(const struct fx_result *res, enum xnet_st_kind kind, enum fx_dev dev)
{
	char what[64];
	bool ok;

	ok = ASSERT_EQ(res->verdict, TC_ACT_REDIRECT, "verdict (TC_ACT_REDIRECT)");
	ok &= ASSERT_EQ(res->rec.kind, kind, "redirect helper (enum xnet_st_kind)");
	snprintf(what, sizeof(what), "redirect target (expected %s)", fx_name(dev));
	ok &= ASSERT_EQ(res->rec.ifindex, fx_ifindex(dev), what);
	return ok;
}

bool fx_check_frame(const struct fx_result *res, const struct pkt *want)
{
	bool ok = ASSERT_EQ(res->out.len, want->len, "output length");

	if (ok)
		ok = ASSERT_MEMEQ(res->out.data, want->data, want->len, "output frame");
	return ok & ASSERT_TRUE(pkt_csums_ok(&res->out), "output checksums valid");
}

struct lxc_test *fx_lxc_load(bool cached)
{
	struct lxc_test *skel;

	if (!ASSERT_OK(fx_devices(), "create test devices"))
		return NULL;
	if (cached && !fx_dp())
		return NULL;
	skel = lxc_test__open();
	if (!ASSERT_OK_PTR(skel, "lxc_test__open"))
		return NULL;
	if ((cached && !ASSERT_OK(fx_reuse_pins(skel->obj), "reuse the datapath's pinned maps")) ||
	    !ASSERT_OK(lxc_test__load(skel), "lxc_test__load") ||
	    (!cached && !ASSERT_OK(fx_setup_maps(skel->obj), "fill maps"))) {
		lxc_test__destroy(skel);
		return NULL;
	}
	return skel;
}
