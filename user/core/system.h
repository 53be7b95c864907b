/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * system: the `xnet system` verbs (see system.c). 0 or -1 after xerr.
 */
#ifndef XNET_SYSTEM_H
#define XNET_SYSTEM_H

#include "datapath/datapath.h"	/* struct dp_swap, struct xnet_drop_counter */

struct xnet;

/* Repair the kernel state from the store, in a transaction of its own. */
int system__reconcile(struct xnet *x);
/* Swap this build's programs in (dp__reload); *sw (malloc'd, n entries) says what moved. */
int system__reload(struct xnet *x, struct dp_swap **sw, int *n);
/* The datapath's drop counters by reason. */
int system__drops(struct xnet *x, struct xnet_drop_counter c[XNET_DROP_MAX]);
/* Remove every sandbox, network, device, pinned object and file of this root. */
int system__teardown(struct xnet *x);

#endif /* XNET_SYSTEM_H */
