// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_datapath: user/datapath/ against the kernel: pinning and reuse,
 * reload on a new build, map ABI checks, tc attachment, flood-list
 * maintenance, the caches, the sweep; then real traffic between sandboxes
 * (network namespaces) through the attached programs. Everything happens
 * in the runner's private network and mount namespaces.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "fixture.h"
#include "datapath/datapath.h"
#include "xnet_cache.h"

#define SYS(fmt, ...) ({						\
	char ___cmd[1024];						\
	snprintf(___cmd, sizeof(___cmd), fmt, ##__VA_ARGS__);		\
	ASSERT_OK(system(___cmd), ___cmd);				\
})

/* A command that must fail (ping into another network). */
#define SYS_FAILS(fmt, ...) ({						\
	char ___cmd[1024];						\
	snprintf(___cmd, sizeof(___cmd), fmt, ##__VA_ARGS__);		\
	ASSERT_NEQ(system(___cmd), 0, ___cmd);				\
})

static char dir[128];

static int pinned(const char *sub, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return bpf_obj_get(path);
}

static int lookup(const char *map, const void *key, void *val)
{
	int fd = pinned("maps", map), err;

	if (fd < 0)
		return -errno;
	err = bpf_map_lookup_elem(fd, key, val) ? -errno : 0;
	close(fd);
	return err;
}

static int update(const char *map, const void *key, const void *val)
{
	int fd = pinned("maps", map), err;

	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, key, val, BPF_ANY) ? -errno : 0;
	close(fd);
	return err;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static __u32 pinned_prog_id(const char *name)
{
	int fd = pinned("progs", name);
	__u32 id = fd < 0 ? 0 : prog_id_of(fd);

	if (fd >= 0)
		close(fd);
	return id;
}

/* The program id attached at tc ingress/egress of ifindex (handle 1, prio 1), 0 if none. */
static __u32 tc_prog(__u32 ifindex, bool ingress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

static __u32 ifx(const char *name)
{
	return if_nametoindex(name);
}

static void mac_of(__be32 ip, __u8 mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	memcpy(mac + 2, &ip, 4);
}

static struct dp_endpoint ep_of(__u32 net_id, const char *dev, const char *ip)
{
	struct dp_endpoint e = { .net_id = net_id, .ifindex = ifx(dev), .ip = inet_addr(ip) };

	mac_of(e.ip, e.mac);
	return e;
}

static bool check_ports(__u32 net_id, const __u32 *want, __u32 n)
{
	struct xnet_network net;
	bool ok = ASSERT_OK(lookup("xnet_networks", &net_id, &net), "network present");

	ok = ok && ASSERT_EQ(net.nports, n, "nports");
	for (__u32 i = 0; ok && i < n + 1; i++) {
		struct xnet_port_key k = { .net_id = net_id, .idx = i };
		__u32 port = 0;
		int err = lookup("xnet_ports", &k, &port);
		char what[64];

		snprintf(what, sizeof(what), "flood list slot %u", i);
		if (i == n)
			ok &= ASSERT_ERR(err, -ENOENT, "no flood list slot past nports");
		else
			ok &= ASSERT_OK(err, what) && ASSERT_EQ(port, want[i], what);
	}
	return ok;
}

static bool check_endpoint_cached(const struct dp_endpoint *e, bool present)
{
	struct xnet_if_cache ifc = {};
	struct xnet_dst_cache dc = {};
	__u32 lo, slot = xnet_if_slot(e->ifindex);
	__u16 hi;
	bool ok = ASSERT_OK(lookup("xnet_ifcache", &slot, &ifc), "read xnet_ifcache");

	if (present) {
		ok &= ASSERT_EQ(ifc.kind, XNET_IFC_ENDPOINT, "ifcache kind") &&
		      ASSERT_EQ(ifc.ifindex, e->ifindex, "ifcache ifindex") &&
		      ASSERT_EQ(ifc.ip, e->ip, "ifcache ip") &&
		      ASSERT_MEMEQ(ifc.mac, e->mac, 6, "ifcache mac");
	} else {
		ok &= ASSERT_EQ(ifc.kind, XNET_IFC_NONE, "ifcache cleared");
	}
	memcpy(&lo, e->mac + 2, 4);
	memcpy(&hi, e->mac, 2);
	slot = xnet_mac_slot(lo, hi);
	ok &= ASSERT_OK(lookup("xnet_maccache", &slot, &dc), "read xnet_maccache");
	ok &= ASSERT_EQ(dc.valid && dc.ifindex == e->ifindex, present, "maccache slot");
	slot = xnet_ip_slot(e->ip);
	ok &= ASSERT_OK(lookup("xnet_ipcache", &slot, &dc), "read xnet_ipcache");
	ok &= ASSERT_EQ(dc.valid && dc.ifindex == e->ifindex && dc.ip == e->ip, present, "ipcache slot");
	return ok;
}

static bool check_endpoint_gone(const struct dp_endpoint *e)
{
	struct xnet_endpoint ep;
	struct xnet_mac_key mk = {};
	__u32 v;

	memcpy(mk.mac, e->mac, 6);
	return ASSERT_ERR(lookup("xnet_endpoints", &e->ifindex, &ep), -ENOENT, "endpoint entry gone") &
	       ASSERT_ERR(lookup("xnet_fdb", &mk, &v), -ENOENT, "fdb entry gone") &
	       ASSERT_ERR(lookup("xnet_ip2ep", &e->ip, &v), -ENOENT, "ip2ep entry gone") &
	       check_endpoint_cached(e, false);
}

/* Make the pinned build look foreign, so the next dp__open reloads. */
static int forget_build(void)
{
	char key[16] = "@build";
	__u64 bogus = 42;

	return update("xnet_meta", key, &bogus);
}

/* Replace a pinned map by one of another shape. */
static int repin_map(const char *name, enum bpf_map_type type, __u32 ksz, __u32 vsz, __u32 max)
{
	char path[256];
	int fd, err;

	snprintf(path, sizeof(path), "%s/maps/%s", dir, name);
	unlink(path);
	fd = bpf_map_create(type, name, ksz, vsz, max, NULL);
	if (fd < 0)
		return -errno;
	err = bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);
	return err;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

XT_TEST(datapath)
{
	struct dp_network net = { .net_id = 5, .subnet = inet_addr("10.60.0.0"), .prefixlen = 16,
				  .gw_ip = inet_addr("10.60.0.1"), .flags = XNET_NET_ICC, .mtu = 1500 };
	struct dp_endpoint a, b, c;
	struct xnet_dp *dp = NULL;
	bool reloaded = false;
	__u32 gw, lxc_id, gw_id;

	snprintf(dir, sizeof(dir), "%s/dp-bpf", xt__tmpdir());
	if (!ASSERT_OK(mkdir(dir, 0700) ? -errno : 0, "mkdir") ||
	    !ASSERT_OK(mount("bpf", dir, "bpf", 0, "mode=0700") ? -errno : 0, "mount bpffs"))
		return;
	if (!SYS("ip -batch - <<'EOF'\n"
		 "link add xdgw type veth peer name xdgwp\nlink set xdgw up\nlink set xdgwp up\n"
		 "link add xda type veth peer name xdap\nlink set xda up\nlink set xdap up\n"
		 "link add xdb type veth peer name xdbp\nlink set xdb up\nlink set xdbp up\n"
		 "link add xdc type veth peer name xdcp\nlink set xdc up\nlink set xdcp up\n"
		 "link add xdu type veth peer name xdup\nlink set xdu up\nlink set xdup up\n"
		 "link add xdk type veth peer name xdkp\nlink set xdk up\nlink set xdkp up\n"
		 "link add xdl type veth peer name xdlp\nlink set xdl up\nlink set xdlp up\n"
		 "EOF"))
		return;
	gw = ifx("xdgw");
	net.gw_ifindex = gw;
	mac_of(net.gw_ip, net.gw_mac);
	a = ep_of(5, "xda", "10.60.0.2");
	b = ep_of(5, "xdb", "10.60.0.3");
	c = ep_of(5, "xdc", "10.60.0.4");

	if (xt__start_subtest("open_fresh_loads_and_pins")) {
		const char *maps[] = { "xnet_networks", "xnet_endpoints", "xnet_fdb", "xnet_ip2ep",
				       "xnet_ports", "xnet_subnets", "xnet_gateways", "xnet_drops",
				       "xnet_ifcache", "xnet_maccache", "xnet_ipcache", "xnet_meta" };

		if (!ASSERT_OK(dp__open(&dp, dir, &reloaded), "dp__open"))
			return;
		ASSERT_TRUE(reloaded, "reloaded on an empty bpffs");
		for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
			int fd = pinned("maps", maps[i]);

			ASSERT_TRUE(fd >= 0, maps[i]);
			if (fd >= 0)
				close(fd);
		}
		ASSERT_NEQ(pinned_prog_id("lxc_ingress"), 0, "progs/lxc_ingress pinned");
		ASSERT_NEQ(pinned_prog_id("gateway_egress"), 0, "progs/gateway_egress pinned");
	}
	if (!dp)
		return;
	lxc_id = pinned_prog_id("lxc_ingress");
	gw_id = pinned_prog_id("gateway_egress");

	if (xt__start_subtest("open_refuses_non_bpffs")) {
		struct xnet_dp *dp2 = NULL;

		ASSERT_ERR(dp__open(&dp2, xt__tmpdir(), &reloaded), -EINVAL, "dp__open on a tmpfs");
		ASSERT_TRUE(dp2 == NULL, "no datapath returned");
	}

	if (xt__start_subtest("open_pinned_is_fast")) {
		double t0, best = 1e9;

		dp__close(dp);
		dp = NULL;
		for (int i = 0; i < 20; i++) {
			t0 = now_ms();
			if (!ASSERT_OK(dp__open(&dp, dir, &reloaded), "dp__open"))
				return;
			if (now_ms() - t0 < best)
				best = now_ms() - t0;
			ASSERT_FALSE(reloaded, "no reload for the same build");
			if (i < 19)
				dp__close(dp);
		}
		xt__verbose("  dp__open on pinned objects: %.3f ms (best of 20)\n", best);
		ASSERT_TRUE(best < 20.0, "dp__open on pins takes < 20 ms");
		ASSERT_EQ(pinned_prog_id("lxc_ingress"), lxc_id, "same program pinned");
	}

	if (xt__start_subtest("network_set")) {
		struct xnet_network v;
		struct xnet_subnet_key sk = { .prefixlen = 32, .addr = inet_addr("10.60.200.7") };
		struct xnet_if_cache ifc;
		__u32 id = 0;

		ASSERT_OK(dp__network_set(dp, &net), "dp__network_set");
		ASSERT_OK(dp__network_set(dp, &net), "dp__network_set again (idempotent)");
		if (ASSERT_OK(lookup("xnet_networks", &net.net_id, &v), "network entry")) {
			ASSERT_EQ(v.subnet, net.subnet, "subnet");
			ASSERT_EQ(v.mask, htonl(0xffff0000), "mask");
			ASSERT_EQ(v.gw_ifindex, gw, "gateway ifindex");
			ASSERT_MEMEQ(v.gw_mac, net.gw_mac, 6, "gateway mac");
			ASSERT_EQ(v.nports, 0, "empty flood list");
		}
		ASSERT_OK(lookup("xnet_subnets", &sk, &id), "LPM finds the subnet");
		ASSERT_EQ(id, net.net_id, "subnet -> net_id");
		ASSERT_OK(lookup("xnet_gateways", &gw, &id), "gateway entry");
		ASSERT_EQ(id, net.net_id, "gateway -> net_id");
		ASSERT_OK(lookup("xnet_ifcache", &(__u32){ xnet_if_slot(gw) }, &ifc), "gateway ifcache");
		ASSERT_EQ(ifc.kind, XNET_IFC_GATEWAY, "gateway ifcache kind");
		ASSERT_EQ(tc_prog(gw, false), gw_id, "gateway_egress attached at tc egress");
	}

	if (xt__start_subtest("endpoint_set_builds_flood_list")) {
		__u32 want[] = { a.ifindex, b.ifindex, c.ifindex };
		struct xnet_mac_key mk = {};
		__u32 v = 0;

		ASSERT_OK(dp__endpoint_set(dp, &a), "set a");
		ASSERT_OK(dp__endpoint_set(dp, &b), "set b");
		ASSERT_OK(dp__endpoint_set(dp, &c), "set c");
		ASSERT_OK(dp__endpoint_set(dp, &b), "set b again (idempotent)");
		check_ports(5, want, 3);
		memcpy(mk.mac, b.mac, 6);
		ASSERT_OK(lookup("xnet_fdb", &mk, &v), "fdb entry");
		ASSERT_EQ(v, b.ifindex, "fdb -> ifindex");
		ASSERT_OK(lookup("xnet_ip2ep", &b.ip, &v), "ip2ep entry");
		ASSERT_EQ(v, b.ifindex, "ip2ep -> ifindex");
		check_endpoint_cached(&a, true);
		check_endpoint_cached(&b, true);
		check_endpoint_cached(&c, true);
		ASSERT_EQ(tc_prog(a.ifindex, true), lxc_id, "lxc_ingress attached at tc ingress");
	}

	if (xt__start_subtest("endpoint_set_unknown_network")) {
		struct dp_endpoint u = ep_of(99, "xdu", "10.99.0.2");

		ASSERT_ERR(dp__endpoint_set(dp, &u), -ENOENT, "endpoint on a network that is not set");
		ASSERT_EQ(tc_prog(u.ifindex, true), 0, "nothing attached");
	}

	if (xt__start_subtest("endpoint_readdress")) {
		struct dp_endpoint b2 = ep_of(5, "xdb", "10.60.0.33");
		__u32 want[] = { a.ifindex, b.ifindex, c.ifindex }, v;

		ASSERT_OK(dp__endpoint_set(dp, &b2), "set b with a new address");
		ASSERT_ERR(lookup("xnet_ip2ep", &b.ip, &v), -ENOENT, "old ip2ep entry gone");
		check_endpoint_cached(&b2, true);
		check_ports(5, want, 3);
		ASSERT_OK(dp__endpoint_set(dp, &b), "and back");
		check_endpoint_cached(&b, true);
	}

	if (xt__start_subtest("endpoint_del_compacts_flood_list")) {
		__u32 want[] = { c.ifindex, b.ifindex };

		ASSERT_OK(dp__endpoint_del(dp, a.ifindex), "del a");
		check_ports(5, want, 2);
		check_endpoint_gone(&a);
		ASSERT_EQ(tc_prog(a.ifindex, true), 0, "lxc_ingress detached");
		ASSERT_OK(dp__endpoint_del(dp, a.ifindex), "del a again (missing = 0)");
		ASSERT_OK(dp__endpoint_set(dp, &a), "set a again");
		want[0] = c.ifindex;
		check_ports(5, (__u32[]){ c.ifindex, b.ifindex, a.ifindex }, 3);
	}

	if (xt__start_subtest("drop_stats_count_by_reason")) {
		struct xnet_drop_counter before[XNET_DROP_MAX], after[XNET_DROP_MAX];
		struct __sk_buff skb = { .ifindex = ifx("xdu") };
		struct pkt p;
		int fd = pinned("progs", "lxc_ingress");
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &skb, .ctx_size_in = sizeof(skb));

		pkt_eth(&p, MAC_BCAST, a.mac, 0x0800);
		pkt_ipv4_udp(&p, a.ip, b.ip, 0, 18);
		opts.data_in = p.data;
		opts.data_size_in = p.len;
		ASSERT_OK(dp__drop_stats(dp, before), "dp__drop_stats");
		ASSERT_OK(fd < 0 ? -errno : bpf_prog_test_run_opts(fd, &opts), "run the pinned lxc_ingress");
		ASSERT_EQ(opts.retval, TC_ACT_SHOT, "dropped");
		ASSERT_OK(dp__drop_stats(dp, after), "dp__drop_stats");
		ASSERT_EQ(after[XNET_DROP_UNKNOWN_ENDPOINT].packets - before[XNET_DROP_UNKNOWN_ENDPOINT].packets,
			  1, "unknown-endpoint packets");
		ASSERT_EQ(after[XNET_DROP_UNKNOWN_ENDPOINT].bytes - before[XNET_DROP_UNKNOWN_ENDPOINT].bytes,
			  p.len, "unknown-endpoint bytes");
		if (fd >= 0)
			close(fd);
	}

	if (xt__start_subtest("map_memory")) {
		uint64_t bytes = 0;

		ASSERT_OK(dp__map_memory(dp, &bytes), "dp__map_memory");
		xt__verbose("  pinned maps use %llu bytes\n", (unsigned long long)bytes);
		ASSERT_GT(bytes, 1 << 20, "the caches alone are over 1 MiB");
	}

	if (xt__start_subtest("reload_on_new_build_keeps_entries")) {
		struct xnet_endpoint ep;

		dp__close(dp);
		dp = NULL;
		ASSERT_OK(forget_build(), "pretend another build is pinned");
		if (!ASSERT_OK(dp__open(&dp, dir, &reloaded), "dp__open"))
			return;
		ASSERT_TRUE(reloaded, "reloaded");
		ASSERT_NEQ(pinned_prog_id("lxc_ingress"), lxc_id, "a new lxc_ingress is pinned");
		ASSERT_OK(lookup("xnet_endpoints", &b.ifindex, &ep), "map entries survive a reload");
		check_endpoint_cached(&b, true);
		/* What the caller does after a reload: re-set, which re-attaches. */
		lxc_id = pinned_prog_id("lxc_ingress");
		gw_id = pinned_prog_id("gateway_egress");
		ASSERT_OK(dp__endpoint_set(dp, &b), "re-set b");
		ASSERT_EQ(tc_prog(b.ifindex, true), lxc_id, "new program attached");
	}

	if (xt__start_subtest("reload_recreates_changed_cache")) {
		dp__close(dp);
		dp = NULL;
		ASSERT_OK(repin_map("xnet_ifcache", BPF_MAP_TYPE_ARRAY, 4, 48, 16), "pin a smaller ifcache");
		ASSERT_OK(forget_build(), "pretend another build is pinned");
		if (!ASSERT_OK(dp__open(&dp, dir, &reloaded), "dp__open over a changed cache"))
			return;
		ASSERT_TRUE(reloaded, "reloaded");
		check_endpoint_cached(&a, true);
		check_endpoint_cached(&b, true);
		lxc_id = pinned_prog_id("lxc_ingress");
		gw_id = pinned_prog_id("gateway_egress");
	}

	if (xt__start_subtest("reload_refuses_changed_abi_map")) {
		struct xnet_dp *dp2 = NULL;
		char path[256], saved[256];

		/* Keep the real fdb aside, pin an incompatible one, then restore. */
		snprintf(path, sizeof(path), "%s/maps/xnet_fdb", dir);
		snprintf(saved, sizeof(saved), "%s/maps/xnet_fdb_saved", dir);
		ASSERT_OK(rename(path, saved) ? -errno : 0, "move the fdb aside");
		ASSERT_OK(repin_map("xnet_fdb", BPF_MAP_TYPE_HASH, 8, 8, 16), "pin an fdb of another shape");
		ASSERT_OK(forget_build(), "pretend another build is pinned");
		ASSERT_ERR(dp__open(&dp2, dir, &reloaded), -EINVAL, "dp__open refuses");
		ASSERT_TRUE(dp2 == NULL, "no datapath returned");
		unlink(path);
		ASSERT_OK(rename(saved, path) ? -errno : 0, "restore the fdb");
		dp__close(dp);
		dp = NULL;
		if (!ASSERT_OK(dp__open(&dp, dir, &reloaded), "dp__open after the restore"))
			return;
		lxc_id = pinned_prog_id("lxc_ingress");
		gw_id = pinned_prog_id("gateway_egress");
	}

	if (xt__start_subtest("sweep_removes_leftovers")) {
		struct dp_network other = net;
		struct xnet_mac_key stray = { .mac = { 0x02, 0x42, 10, 60, 9, 9 } };
		__u32 keep_net = 5, keep_eps[] = { b.ifindex, c.ifindex }, bogus = 4242, v;
		__be32 stray_ip = inet_addr("10.60.9.9");

		other.net_id = 6;
		other.subnet = inet_addr("10.61.0.0");
		other.gw_ip = inet_addr("10.61.0.1");
		other.gw_ifindex = ifx("xdu");
		ASSERT_OK(dp__network_set(dp, &other), "a network the store forgot");
		ASSERT_OK(update("xnet_fdb", &stray, &bogus), "a stray fdb entry");
		ASSERT_OK(update("xnet_ip2ep", &stray_ip, &bogus), "a stray ip2ep entry");
		ASSERT_OK(dp__sweep(dp, &keep_net, 1, keep_eps, 2), "dp__sweep");
		ASSERT_ERR(lookup("xnet_networks", &other.net_id, &v), -ENOENT, "forgotten network gone");
		ASSERT_ERR(lookup("xnet_fdb", &stray, &v), -ENOENT, "stray fdb gone");
		ASSERT_ERR(lookup("xnet_ip2ep", &stray_ip, &v), -ENOENT, "stray ip2ep gone");
		ASSERT_EQ(tc_prog(ifx("xdu"), false), 0, "its gateway program detached");
		check_endpoint_gone(&a);
		check_endpoint_cached(&b, true);
		check_endpoint_cached(&c, true);
		check_ports(5, (__u32[]){ c.ifindex, b.ifindex }, 2);
	}

	if (xt__start_subtest("dst_cache_collision_falls_back")) {
		struct dp_network n9 = net;
		struct dp_endpoint p, q;
		struct xnet_dst_cache dc;
		__u32 lo, hi16, slot, want_slot;
		__u16 hi;
		bool found = false;
		int fd = pinned("progs", "lxc_ingress");

		n9.net_id = 9;
		n9.subnet = inet_addr("10.62.0.0");
		n9.prefixlen = 15;
		n9.gw_ip = inet_addr("10.62.0.1");
		mac_of(n9.gw_ip, n9.gw_mac);
		n9.gw_ifindex = ifx("xdu");
		p = ep_of(9, "xdk", "10.62.0.2");
		memcpy(&lo, p.mac + 2, 4);
		memcpy(&hi, p.mac, 2);
		want_slot = xnet_mac_slot(lo, hi);
		/* An address of the /15 whose MAC lands on p's slot. */
		for (__u32 h = 3; h < (1U << 17) && !found; h++) {
			q = ep_of(9, "xdl", "10.62.0.0");
			q.ip = htonl(ntohl(q.ip) + h);
			mac_of(q.ip, q.mac);
			memcpy(&lo, q.mac + 2, 4);
			memcpy(&hi16, q.mac, 2);
			found = xnet_mac_slot(lo, (__u16)hi16) == want_slot;
		}
		if (!found) {
			xt__skip("no MAC slot collision in 10.62.0.0/15 for this hash");
		} else {
			struct __sk_buff skb = { .ifindex = p.ifindex };
			struct pkt f;
			LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &skb, .ctx_size_in = sizeof(skb));

			ASSERT_OK(dp__network_set(dp, &n9), "network 9");
			ASSERT_OK(dp__endpoint_set(dp, &p), "p");
			ASSERT_OK(dp__endpoint_set(dp, &q), "q, colliding with p");
			slot = want_slot;
			ASSERT_OK(lookup("xnet_maccache", &slot, &dc), "read slot");
			ASSERT_EQ(dc.ifindex, p.ifindex, "first come keeps the slot");
			/* q is only in the hash maps, and still reachable. */
			pkt_eth(&f, q.mac, p.mac, 0x0800);
			pkt_ipv4_udp(&f, p.ip, q.ip, 0, 18);
			opts.data_in = f.data;
			opts.data_size_in = f.len;
			ASSERT_OK(fd < 0 ? -errno : bpf_prog_test_run_opts(fd, &opts), "run lxc_ingress");
			ASSERT_EQ(opts.retval, TC_ACT_REDIRECT, "p -> q forwarded through the hash maps");
			ASSERT_OK(dp__endpoint_del(dp, p.ifindex), "del p");
			ASSERT_OK(lookup("xnet_maccache", &slot, &dc), "read slot");
			ASSERT_TRUE(dc.valid && dc.ifindex == q.ifindex, "q inherits the freed slot");
			ASSERT_OK(dp__endpoint_del(dp, q.ifindex), "del q");
			ASSERT_OK(dp__network_del(dp, 9), "del network 9");
		}
		if (fd >= 0)
			close(fd);
	}

	if (xt__start_subtest("network_del")) {
		struct xnet_subnet_key sk = { .prefixlen = 32, .addr = inet_addr("10.60.0.7") };
		struct xnet_port_key pk = { .net_id = 5 };
		struct xnet_if_cache ifc;
		__u32 v;

		ASSERT_OK(dp__endpoint_del(dp, b.ifindex), "del b");
		ASSERT_OK(dp__endpoint_del(dp, c.ifindex), "del c");
		ASSERT_OK(dp__network_del(dp, 5), "dp__network_del");
		ASSERT_OK(dp__network_del(dp, 5), "again (missing = 0)");
		ASSERT_ERR(lookup("xnet_networks", &pk.net_id, &v), -ENOENT, "network gone");
		ASSERT_ERR(lookup("xnet_subnets", &sk, &v), -ENOENT, "subnet gone");
		ASSERT_ERR(lookup("xnet_gateways", &gw, &v), -ENOENT, "gateway gone");
		ASSERT_ERR(lookup("xnet_ports", &pk, &v), -ENOENT, "flood list gone");
		ASSERT_OK(lookup("xnet_ifcache", &(__u32){ xnet_if_slot(gw) }, &ifc), "read ifcache");
		ASSERT_EQ(ifc.kind, XNET_IFC_NONE, "gateway ifcache cleared");
		ASSERT_EQ(tc_prog(gw, false), 0, "gateway_egress detached");
	}
	dp__close(dp);
}

/* ---------------------------------------------------------------- traffic */

/*
 * Real packets: sandboxes are network namespaces joined by veth, as
 * nl__endpoint_create builds them, with the programs attached by
 * datapath.c. Net 7 (10.70.0.0/24): s1, s2. Net 8 (10.71.0.0/24): s3.
 */
struct sandbox {
	const char *ns, *host, *ip, *gw;
	__u32 net_id;
};

static const struct sandbox sbx[] = {
	{ "xts1", "xtv1", "10.70.0.2", "10.70.0.1", 7 },
	{ "xts2", "xtv2", "10.70.0.3", "10.70.0.1", 7 },
	{ "xts3", "xtv3", "10.71.0.2", "10.71.0.1", 8 },
};

static bool make_gateway(const char *name, const char *ip, __u32 net_id, struct xnet_dp *dp)
{
	struct dp_network n = { .net_id = net_id, .prefixlen = 24, .gw_ip = inet_addr(ip),
				.flags = XNET_NET_ICC, .mtu = 1500 };
	__u8 *m = n.gw_mac;

	n.subnet = n.gw_ip & htonl(0xffffff00);
	mac_of(n.gw_ip, m);
	if (!SYS("ip link add %s type veth peer name %sp && ip link set %s address %02x:%02x:%02x:%02x:%02x:%02x arp off "
		 "&& ip addr add %s/24 dev %s && ip link set %s up && ip link set %sp up arp off",
		 name, name, name, m[0], m[1], m[2], m[3], m[4], m[5], ip, name, name, name))
		return false;
	n.gw_ifindex = ifx(name);
	return ASSERT_OK(dp__network_set(dp, &n), "dp__network_set");
}

static bool make_sandbox(const struct sandbox *s, struct xnet_dp *dp)
{
	struct dp_endpoint e = { .net_id = s->net_id, .ip = inet_addr(s->ip) };
	__u8 *m = e.mac;

	mac_of(e.ip, m);
	if (!SYS("ip netns add %s && ip netns exec %s sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; "
		 "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 0 > /proc/sys/net/ipv4/icmp_echo_ignore_broadcasts' "
		 "&& ip link add %s type veth peer name eth0 netns %s "
		 "&& ip -n %s link set eth0 address %02x:%02x:%02x:%02x:%02x:%02x "
		 "&& ip -n %s addr add %s/24 dev eth0 && ip -n %s link set eth0 up && ip -n %s link set lo up "
		 "&& ip -n %s route add default via %s && ip link set %s up",
		 s->ns, s->ns, s->host, s->ns, s->ns, m[0], m[1], m[2], m[3], m[4], m[5],
		 s->ns, s->ip, s->ns, s->ns, s->ns, s->gw, s->host))
		return false;
	e.ifindex = ifx(s->host);
	return ASSERT_OK(dp__endpoint_set(dp, &e), "dp__endpoint_set");
}

static __u64 drops(struct xnet_dp *dp, enum xnet_drop_reason r)
{
	struct xnet_drop_counter c[XNET_DROP_MAX];

	return dp__drop_stats(dp, c) ? 0 : c[r].packets;
}

XT_TEST(datapath_traffic)
{
	struct xnet_dp *dp = NULL;
	bool reloaded;
	__u64 before;

	snprintf(dir, sizeof(dir), "%s/traffic-bpf", xt__tmpdir());
	/* ip netns add keeps its handles under /run/netns: a private tmpfs there, gone with us. */
	if (!ASSERT_OK(mkdir(dir, 0700) ? -errno : 0, "mkdir") ||
	    !ASSERT_OK(mount("bpf", dir, "bpf", 0, "mode=0700") ? -errno : 0, "mount bpffs") ||
	    !ASSERT_OK(mkdir("/run/netns", 0755) && errno != EEXIST ? -errno : 0, "mkdir /run/netns") ||
	    !ASSERT_OK(mount("xnet-test", "/run/netns", "tmpfs", 0, "mode=0755") ? -errno : 0,
		       "private /run/netns") ||
	    !SYS("echo 1 > /proc/sys/net/ipv4/ip_forward") ||
	    !ASSERT_OK(dp__open(&dp, dir, &reloaded), "dp__open"))
		return;
	if (!make_gateway("xnbr-t7", "10.70.0.1", 7, dp) || !make_gateway("xnbr-t8", "10.71.0.1", 8, dp))
		goto out;
	for (unsigned i = 0; i < sizeof(sbx) / sizeof(sbx[0]); i++)
		if (!make_sandbox(&sbx[i], dp))
			goto out;

	if (xt__start_subtest("peer_ping_and_arp")) {
		SYS("ip netns exec xts1 ping -q -c 2 -i 0.2 -W 2 10.70.0.3 >/dev/null");
		/* The neighbour entry came from our ARP responder. */
		SYS("ip -n xts1 neigh show 10.70.0.3 | grep -q 'lladdr 02:42:0a:46:00:03'");
	}
	if (xt__start_subtest("gateway_ping_both_ways")) {
		SYS("ip netns exec xts1 ping -q -c 2 -i 0.2 -W 2 10.70.0.1 >/dev/null");
		SYS("ip -n xts1 neigh show 10.70.0.1 | grep -q 'lladdr 02:42:0a:46:00:01'");
		SYS("ping -q -c 2 -i 0.2 -W 2 10.70.0.3 >/dev/null");
	}
	if (xt__start_subtest("tcp_through_peer_redirect")) {
		/* A TCP stream, so GSO-sized frames cross the lxc program too. */
		SYS("ip netns exec xts2 iperf3 -s -1 -D -B 10.70.0.3 >/dev/null 2>&1 && "
		    "for i in $(seq 50); do ip netns exec xts2 ss -ltn | grep -q ':5201 ' && break; sleep 0.1; done && "
		    "ip netns exec xts1 timeout 20 iperf3 -c 10.70.0.3 -n 4M >/dev/null");
	}
	if (xt__start_subtest("broadcast_reaches_peer")) {
		SYS("ip netns exec xts1 ping -q -b -c 2 -i 0.2 -W 2 10.70.0.255 2>/dev/null | grep -q ' [12] received'");
	}
	if (xt__start_subtest("other_network_isolated")) {
		before = drops(dp, XNET_DROP_OTHER_NETWORK);
		SYS_FAILS("ip netns exec xts1 ping -q -c 1 -W 1 10.71.0.2 >/dev/null");
		ASSERT_GT(drops(dp, XNET_DROP_OTHER_NETWORK), before, "other-network drops counted");
		/* The host still reaches both. */
		SYS("ping -q -c 1 -W 2 10.71.0.2 >/dev/null");
	}
	if (xt__start_subtest("spoofed_source_dropped")) {
		before = drops(dp, XNET_DROP_SPOOF_IP);
		SYS("ip -n xts1 addr add 10.70.0.99/24 dev eth0");
		SYS_FAILS("ip netns exec xts1 ping -q -c 1 -W 1 -I 10.70.0.99 10.70.0.3 >/dev/null");
		ASSERT_GT(drops(dp, XNET_DROP_SPOOF_IP), before, "spoofed-source-ip drops counted");
		SYS("ip -n xts1 addr del 10.70.0.99/24 dev eth0");
	}
	if (xt__start_subtest("endpoint_del_stops_traffic")) {
		__u32 ifindex = ifx("xtv2");

		ASSERT_OK(dp__endpoint_del(dp, ifindex), "dp__endpoint_del");
		SYS("ip -n xts1 neigh flush all");
		SYS_FAILS("ip netns exec xts1 ping -q -c 1 -W 1 10.70.0.3 >/dev/null");
	}
out:
	for (unsigned i = 0; i < sizeof(sbx) / sizeof(sbx[0]); i++) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", sbx[i].ns);
		if (system(cmd)) {
			/* already gone */
		}
	}
	dp__close(dp);
}
