/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * selftest: what an XNET_SELFTEST build records about its last run, for the
 * BPF unit tests. BPF_PROG_RUN only returns TC_ACT_REDIRECT, not where the
 * packet would have gone; this record says it. Types only: included by the
 * programs (lib/record.h) and by selftests/bpf. Production builds have
 * neither the map nor the code that writes it.
 */
#ifndef XNET_LIB_SELFTEST_H
#define XNET_LIB_SELFTEST_H

#include <linux/types.h>

#define XNET_ST_MAX_CLONES	8	/* clone targets remembered, in call order */

enum xnet_st_kind {
	XNET_ST_NONE = 0,		/* no redirect helper called */
	XNET_ST_REDIRECT,		/* bpf_redirect(ifindex, flags) */
	XNET_ST_REDIRECT_PEER,		/* bpf_redirect_peer(ifindex, flags) */
};

/* struct xnet_st_record.cache_hits: which answers came from the array caches. */
#define XNET_ST_HIT_SRC		(1U << 0)	/* xnet_ifcache: the device the program runs on */
#define XNET_ST_HIT_DST		(1U << 1)	/* xnet_maccache / xnet_ipcache: the destination */

struct xnet_st_record {
	__u32 kind;			/* enum xnet_st_kind of the last redirect */
	__u32 ifindex;			/* its target */
	__u32 flags;			/* its flags (BPF_F_INGRESS, ...) */
	__u32 clones;			/* bpf_clone_redirect calls (floods) */
	__u32 clone_ifindex[XNET_ST_MAX_CLONES];
	__u32 cache_hits;		/* XNET_ST_HIT_* */
};

#define XNET_ST_MAP_NAME	"xnet_st_record"

#endif /* XNET_LIB_SELFTEST_H */
