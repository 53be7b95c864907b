/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * txn: a command's transaction over the store and the kernel together.
 * txn__begin takes the host-wide lock (BEGIN IMMEDIATE), opens the datapath
 * and repairs an interrupted command's kernel changes (xnet__kernel_touch
 * marks the state root dirty before the first kernel change); txn__commit
 * commits and lets the agents follow; txn__rollback reconciles the kernel
 * back to the store when the command had already changed it.
 */
#ifndef XNET_TXN_H
#define XNET_TXN_H

struct xnet;

int txn__begin(struct xnet *x);
/* The end of a command: a transaction left open is rolled back, the store and datapath closed. */
void txn__close(struct xnet *x);
int txn__commit(struct xnet *x);
/* Roll back the store; if the kernel was touched, reconcile it back to the store. */
void txn__rollback(struct xnet *x);
/*
 * The datapath for this command (xnet__datapath); on a fresh one (first
 * use, reboot, new build) inside the transaction, the kernel is reconciled
 * to the store (x->reconciled), else the host settings are refreshed.
 */
int txn__kernel(struct xnet *x);

#endif /* XNET_TXN_H */
