/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cases: shorthands that keep the case tables one idea per line.
 */
#ifndef XNET_TEST_CASES_H
#define XNET_TEST_CASES_H

#include <linux/pkt_cls.h>
#include <linux/bpf.h>
#include "fixture.h"

/* Frames. */
#define UDP(d, s, sa, da, ...) \
	{ .kind = FR_UDP, .dst = (d), .src = (s), .saddr = (sa), .daddr = (da), __VA_ARGS__ }
/* Ethernet destination broadcast unless .dst says otherwise (fx_build). */
#define ARPREQ(s, sa, da, ...) \
	{ .kind = FR_ARP, .src = (s), .saddr = (sa), .daddr = (da), __VA_ARGS__ }
#define PATCH(...)	.patch = { __VA_ARGS__ }, .npatch = sizeof((struct fx_patch[]){ __VA_ARGS__ }) / sizeof(struct fx_patch)

/* Verdicts. */
#define DROP(reason) \
	{ .verdict = TC_ACT_SHOT, .drop = (reason), .out = OUT_ANY }
#define PEER(dev) \
	{ .verdict = TC_ACT_REDIRECT, .kind = XNET_ST_REDIRECT_PEER, .target = (dev) }
#define ARP_REPLY(dev, mac) \
	{ .verdict = TC_ACT_REDIRECT, .kind = XNET_ST_REDIRECT_PEER, .target = (dev), \
	  .out = OUT_ARP_REPLY, .out_src = (mac) }
#define TO_HOST(gw) \
	{ .verdict = TC_ACT_REDIRECT, .kind = XNET_ST_REDIRECT, .target = (gw), .flags = BPF_F_INGRESS }
#define TO_EP(dev, dmac, smac) \
	{ .verdict = TC_ACT_REDIRECT, .kind = XNET_ST_REDIRECT, .target = (dev), \
	  .out = OUT_MACS, .out_dst = (dmac), .out_src = (smac) }
/* Copies to the listed ports, original consumed without a drop count. */
#define FLOOD(...) \
	{ .verdict = TC_ACT_SHOT, .clones = { __VA_ARGS__ } }
#define FLOOD_MACS(dmac, smac, ...) \
	{ .verdict = TC_ACT_SHOT, .clones = { __VA_ARGS__ }, .out = OUT_MACS, \
	  .out_dst = (dmac), .out_src = (smac) }

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* XNET_TEST_CASES_H */
