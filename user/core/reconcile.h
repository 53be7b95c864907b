/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reconcile: the kernel made equal to the store, network by network through
 * its driver, then sandboxes, published ports, DNS and the host settings;
 * what the store does not know is swept.
 */
#ifndef XNET_RECONCILE_H
#define XNET_RECONCILE_H

struct xnet;

int reconcile__all(struct xnet *x);

#endif /* XNET_RECONCILE_H */
