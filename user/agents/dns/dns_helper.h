/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns_helper: `xnet system dns-helper`, the user-space half of the embedded
 * DNS. The lxc program answers A queries over UDP from the maps in the
 * kernel; everything else sent to a DNS network's gateway address, port 53,
 * reaches this process in the host's namespace: TCP queries, PTR, queries BPF
 * is not sure about, and names to forward to the sandbox's --dns servers or
 * the host's resolvers. It reads the same pinned maps as the datapath
 * (never the store), one process per state root.
 */
#ifndef XNET_DNS_HELPER_H
#define XNET_DNS_HELPER_H

/* Under the state root: flock()ed for the helper's life, holds its pid. */
#define XNET_DNS_HELPER_LOCK "dns-helper.lock"

/*
 * The helper of the state root `root` (`xnet system dns-helper` calls it;
 * the store is never opened): runs in the foreground until SIGTERM or no
 * DNS network is left. The exit status.
 */
int dns_helper__main(const char *root);

#endif /* XNET_DNS_HELPER_H */
