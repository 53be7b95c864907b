/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gc: the socket hooks and pinned objects of hosts whose network namespace is
 * gone.
 */
#ifndef XNET_GC_H
#define XNET_GC_H

struct xnet;
struct json_object;

/*
 * Remove the socket hooks and pinned objects of every host whose network
 * namespace is gone (see gc.c); every invocation runs it. Returns how many
 * hosts were cleaned or -errno; their bpffs paths are added to report.
 */
int gc__run(struct xnet *x, struct json_object *report);


#endif /* XNET_GC_H */
