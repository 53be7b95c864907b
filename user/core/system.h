/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * system: the `xnet system` verbs (see system.c). 0 or -1 after xerr.
 */
#ifndef XNET_SYSTEM_H
#define XNET_SYSTEM_H

#include "core/host.h"	/* struct host_settings */
#include "datapath/datapath.h"	/* struct dp_swap, struct xnet_drop_counter */
#include "model/model.h"

struct xnet;

/* Repair the kernel state from the store, in a transaction of its own. */
int system__reconcile(struct xnet *x);
/* Swap this build's programs in (dp__reload); *sw (malloc'd, n entries) says what moved. */
int system__reload(struct xnet *x, struct dp_swap **sw, int *n);
/* The datapath's drop counters by reason. */
int system__drops(struct xnet *x, struct xnet_drop_counter c[XNET_DROP_MAX]);
/* Remove every sandbox, network, device, pinned object and file of this root. */
int system__teardown(struct xnet *x);

/*
 * `system config`: set what is given (NULL: unchanged; nat_ports "default"
 * for the default range) after Docker-style checks, and apply it.
 */
int system__config(struct xnet *x, const char *uplink, const char *nat_ports, const char *xdp);
/* What `system config` shows (after system__config). */
int system__config_get(struct xnet *x, struct host_settings *s);
/* `system policy add|rm` of one rule (port_given: --port as typed, for the message); `ls`, in evaluation order. */
int system__policy_add(struct xnet *x, const struct policy_rule *r);
int system__policy_rm(struct xnet *x, const struct policy_rule *r, const char *port_given);
int system__policies(struct xnet *x, struct policy_rule **v, int *n);

#endif /* XNET_SYSTEM_H */
