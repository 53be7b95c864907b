/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agents: start, signal and stop the long-running helpers of a state root
 * (see agents.c). Never fails a command: a problem is logged as a warning.
 */
#ifndef XNET_AGENTS_H
#define XNET_AGENTS_H

struct xnet;

/*
 * After a commit that touched the kernel: the DNS helper runs exactly when a
 * network with the embedded DNS exists, and listens on every DNS address
 * (started, told with SIGHUP, or stopped, and waited for). Names keep
 * resolving in BPF without the helper.
 */
void agents__dns_sync(struct xnet *x);
/* Stop the DNS helper of this root (teardown). */
void agents__dns_stop(struct xnet *x);

#endif /* XNET_AGENTS_H */
