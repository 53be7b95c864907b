/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * record: in XNET_SELFTEST builds, write what the program decided into the
 * xnet_st_record map (layout in lib/selftest.h) so the unit tests can check
 * redirect targets and which path (cache or ABI maps) answered. In
 * production builds every st_*() is an empty statement and the map does
 * not exist.
 */
#ifndef XNET_LIB_RECORD_H
#define XNET_LIB_RECORD_H

#include "lib/common.h"
#include "lib/selftest.h"

#ifdef XNET_SELFTEST
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xnet_st_record);
} xnet_st_record SEC(".maps");

static __always_inline struct xnet_st_record *st_get(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&xnet_st_record, &key);
}

static __always_inline void st_record(__u32 kind, __u32 ifindex, __u32 flags)
{
	struct xnet_st_record *rec = st_get();

	if (!rec)
		return;
	rec->kind = kind;
	rec->ifindex = ifindex;
	rec->flags = flags;
}

static __always_inline void st_record_clone(__u32 ifindex)
{
	struct xnet_st_record *rec = st_get();
	__u32 n;

	if (!rec)
		return;
	n = rec->clones++;
	if (n < XNET_ST_MAX_CLONES)
		rec->clone_ifindex[n] = ifindex;
}

static __always_inline void st_record_hit(__u32 what)
{
	struct xnet_st_record *rec = st_get();

	if (rec)
		rec->cache_hits |= what;
}
#else
#define st_record(kind, ifindex, flags)	do { } while (0)
#define st_record_clone(ifindex)	do { } while (0)
#define st_record_hit(what)		do { } while (0)
#endif

#endif /* XNET_LIB_RECORD_H */
