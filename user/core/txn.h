/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * txn: a command's transaction over the store and the kernel together.
 * txn__begin takes the host-wide lock (BEGIN IMMEDIATE), opens the datapath
 * and repairs an interrupted command's kernel changes; txn__kernel_touch
 * marks the state root dirty before the first kernel change; txn__commit
 * commits and lets the agents follow; txn__rollback reconciles the kernel
 * back to the store when the command had already changed it.
 */
#ifndef XNET_TXN_H
#define XNET_TXN_H

struct xnet;

int txn__begin(struct xnet *x);
int txn__commit(struct xnet *x);
/* Roll back the store; if the kernel was touched, reconcile it back to the store. */
void txn__rollback(struct xnet *x);
/* Mark that the kernel is about to change (crash marker on disk). */
void txn__kernel_touch(struct xnet *x);
/*
 * Mount bpffs and the netns dir, open the datapath (x->dp). On a fresh
 * datapath (first use, reboot, new build) it reconciles fully, setting
 * x->reconciled.
 */
int txn__kernel(struct xnet *x);

#endif /* XNET_TXN_H */
