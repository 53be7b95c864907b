/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fixture: the topology every BPF unit test runs against, and the table
 * runner. Devices are real veths in the runner's private namespace, because
 * BPF_PROG_RUN resolves ctx.ifindex to a device and our programs key their
 * maps by it.
 *
 *   net 1  10.1.0.0/16  gw 10.1.0.1 on xtgw1  ICC   ports A .2, B .3, C .4
 *   net 2  10.2.0.0/16  gw 10.2.0.1 on xtgw2  ICC   ports D .2
 *   net 3  10.3.0.0/16  gw 10.3.0.1 on xtgw3  no ICC ports E .2, F .3
 *   net 4  10.4.0.0/16  gw 10.4.0.1 on xtgw4  ICC, --internal, ports I .2
 *   G      10.9.0.2 on net 99, which does not exist
 *   G      also listed as gateway device of net 99
 *   U      a device that is no endpoint and no gateway
 *   UP     the host's uplink (uplink.bpf.c), address FX_UPLINK_IP
 * Nets 1 and 2 masquerade (XNET_NET_MASQ); B and D have published ports
 * (XNET_EP_PUBLISHED).
 */
#ifndef XNET_TEST_FIXTURE_H
#define XNET_TEST_FIXTURE_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include "pkt.h"
#include "xnet_abi.h"
#include "../../bpf/lib/selftest.h"

enum fx_dev {
	DEV_NONE = 0,
	DEV_A, DEV_B, DEV_C, DEV_D, DEV_E, DEV_F, DEV_G, DEV_I, DEV_U,
	DEV_GW1, DEV_GW2, DEV_GW3, DEV_GW4,
	DEV_UP,
	DEV_MAX,
};

#define NET1	1
#define NET2	2
#define NET3	3
#define NET4	4
#define NET_MISSING 99

#define IP_GW1	IP4(10, 1, 0, 1)
#define IP_A	IP4(10, 1, 0, 2)
#define IP_B	IP4(10, 1, 0, 3)
#define IP_C	IP4(10, 1, 0, 4)
#define IP_GW2	IP4(10, 2, 0, 1)
#define IP_D	IP4(10, 2, 0, 2)
#define IP_GW3	IP4(10, 3, 0, 1)
#define IP_E	IP4(10, 3, 0, 2)
#define IP_F	IP4(10, 3, 0, 3)
#define IP_GW4	IP4(10, 4, 0, 1)
#define IP_I	IP4(10, 4, 0, 2)
#define IP_G	IP4(10, 9, 0, 2)
#define FX_UPLINK_IP	IP4(192, 0, 2, 1)

extern const __u8 MAC_GW1[6], MAC_A[6], MAC_B[6], MAC_C[6], MAC_GW2[6], MAC_D[6],
	MAC_GW3[6], MAC_E[6], MAC_F[6], MAC_G[6], MAC_NOBODY[6], MAC_BCAST[6], MAC_ZERO[6],
	MAC_GW4[6], MAC_I[6];

/* Create the devices once per run; 0 or -errno. */
int fx_devices(void);
__u32 fx_ifindex(enum fx_dev dev);
const char *fx_name(enum fx_dev dev);
/* Fill the xnet maps of a freshly loaded object with the topology above. */
int fx_setup_maps(struct bpf_object *obj);

struct xnet_dp;

/*
 * The same topology installed through user/datapath/ (dp__network_set,
 * dp__endpoint_set) into maps pinned under a private bpffs, so the programs
 * answer from the array caches. G and its gateway entry are written raw (a
 * network that does not exist cannot be set through the datapath).
 * Opened once per run; NULL on failure (reported through ASSERT_*).
 */
struct xnet_dp *fx_dp(void);
/* bpffs directory fx_dp() uses. */
const char *fx_dp_dir(void);
/* Between open and load: reuse every map pinned under fx_dp_dir()/maps. */
int fx_reuse_pins(struct bpf_object *obj);

struct lxc_test;
/*
 * The lxc program under test (test devices created), on the maps datapath.c
 * wrote (cached) or on maps of its own filled with the topology above.
 * NULL on failure (reported through ASSERT_*); free with lxc_test__destroy().
 */
struct lxc_test *fx_lxc_load(bool cached);

/* A frame described by intent. */
enum fx_kind { FR_UDP, FR_ARP };

struct fx_patch {
	__u16 off;
	__u8 val;
};

struct fx_frame {
	enum fx_kind kind;
	const __u8 *dst, *src;	/* Ethernet addresses; dst NULL: broadcast */
	__u16 proto;		/* ethertype; 0: the kind's own */
	__be32 saddr, daddr;	/* UDP: IPv4 source/destination; ARP: spa/tpa */
	__u16 op;		/* ARP opcode; 0: request */
	const __u8 *sha;	/* ARP sender MAC; NULL: the Ethernet source */
	__u8 opt_words;		/* UDP: IPv4 option words */
	__u16 payload;		/* UDP payload bytes */
	__u16 len;		/* non-zero: cut or zero-pad the frame to this length */
	struct fx_patch patch[3];	/* byte edits applied last */
	int npatch;
	__u32 gso_size;		/* skb context: non-zero makes the frame a GSO packet */
	enum fx_dev ingress;	/* skb context: the device it entered the host on (forwarded) */
};

enum fx_out {
	OUT_SAME = 0,		/* frame leaves unchanged */
	OUT_ARP_REPLY,		/* the reply to the request, answered by out_src */
	OUT_MACS,		/* same frame with Ethernet dst/src = out_dst/out_src */
	OUT_ANY,		/* not checked (the frame was dropped) */
};

struct fx_expect {
	int verdict;			/* TC_ACT_* */
	enum xnet_drop_reason drop;	/* counter that must move by one; NONE: none moves */
	enum xnet_st_kind kind;		/* redirect helper called last */
	enum fx_dev target;		/* its target device */
	__u32 flags;			/* its flags */
	enum fx_dev clones[4];		/* clone targets in order (DEV_NONE-terminated) */
	enum fx_out out;
	const __u8 *out_dst, *out_src;
};

struct fx_case {
	const char *name;
	enum fx_dev dev;		/* the device the program runs on */
	struct fx_frame in;
	struct fx_expect want;
};

/* Frames shorter than this may be refused by BPF_PROG_RUN and are then injected. */
#define FX_MIN_L3_RUN	(14 + 40)

void fx_build(const struct fx_frame *f, struct pkt *p);
/*
 * Run one case through prog_fd (object obj); reports through ASSERT_*.
 * cached: the maps were written by datapath.c, so the fast path must answer
 * (the record's cache_hits) wherever the topology allows it.
 */
bool fx_run_case(int prog_fd, struct bpf_object *obj, const struct fx_case *c, bool cached);
/* Sum of the per-CPU drop counters of obj. */
int fx_read_drops(struct bpf_object *obj, struct xnet_drop_counter out[XNET_DROP_MAX]);

/*
 * One BPF_PROG_RUN of a prebuilt frame, for tests that check more than a
 * table row can say (NAT: translated frames, flows over several packets).
 */
struct fx_result {
	int verdict;					/* TC_ACT_* */
	struct pkt out;					/* the frame as the program left it */
	struct xnet_st_record rec;
	struct xnet_drop_counter drops[XNET_DROP_MAX];	/* moved by this run */
};

/*
 * One BPF_PROG_RUN of prog_fd on in_len bytes at in with the given context
 * (__sk_buff, xdp_md): the frame as the program left it into out (*out_len:
 * its room before, its length after), the verdict, the selftest record and
 * the drop counters this run moved. For frames of any size; fx_run_ctx is
 * the same for pkt.h's.
 */
bool fx_run_buf(int prog_fd, struct bpf_object *obj, void *ctx, __u32 ctx_size, const void *in,
		__u32 in_len, void *out, __u32 *out_len, int *verdict, struct xnet_st_record *rec,
		struct xnet_drop_counter drops[XNET_DROP_MAX]);
bool fx_run_ctx(int prog_fd, struct bpf_object *obj, void *ctx, __u32 ctx_size, const struct pkt *in,
		struct fx_result *res);
/* Delete every entry of a hash map (keys up to 64 bytes). */
void fx_map_clear(int fd, size_t key_size);
/* Run on device dev (ingress: the device it entered the host on, DEV_NONE: none). */
bool fx_run_pkt(int prog_fd, struct bpf_object *obj, enum fx_dev dev, enum fx_dev ingress,
		const struct pkt *in, struct fx_result *res);
/* Exactly reason moved, by one packet of len bytes (XNET_DROP_NONE: nothing moved). */
bool fx_check_drops(const struct fx_result *res, enum xnet_drop_reason reason, __u32 len);
/* The program redirected with helper kind to dev. */
bool fx_check_redirect(const struct fx_result *res, enum xnet_st_kind kind, enum fx_dev dev);
/* The frame left byte for byte as want (checksums included). */
bool fx_check_frame(const struct fx_result *res, const struct pkt *want);
/* fd of obj's map called name, or -ENOENT. */
int fx_map_fd(struct bpf_object *obj, const char *name);
/*
 * Conntrack entry under @k, as the programs find it (lib/ct.h ct_lookup_key):
 * xnet_ct (confirmed flows), else xnet_ct_new (unconfirmed, and datagram
 * flows), with XNET_CTF_PENDING, XNET_CTF_ACK_KNOWN and XNET_CTF_ASSURED
 * cleared; *pending (may be NULL) says which. False when neither table has it.
 */
bool fx_ct_get(struct bpf_object *obj, const struct xnet_ct_key *k, struct xnet_ct_entry *e, bool *pending);
/* Empty both conntrack tables and the budget of unconfirmed flows. */
void fx_ct_clear(struct bpf_object *obj);
/* Now on the programs' clock (CLOCK_MONOTONIC: bpf_ktime_get_ns, and conntrack's coarse one). */
__u64 fx_now_ns(void);

#endif /* XNET_TEST_FIXTURE_H */
