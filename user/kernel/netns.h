/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netns: namespaces and the mounts that keep them alive.
 *
 * xnet may itself run inside `ip netns exec`, whose private mount namespace
 * vanishes when the command exits. Mounts that must outlive the command (the
 * bpffs under the state root, the bind mounts holding sandbox namespaces) are
 * therefore made in the mount namespace of PID 1, from a short-lived child,
 * and propagate back to us.
 */
#ifndef XNET_NETNS_H
#define XNET_NETNS_H

#include <stdbool.h>
#include <stdint.h>

/* Ensure dir exists and a bpffs is mounted on it (in PID 1's mount namespace). */
int netns__mount_bpffs(const char *dir);
/* Ensure dir exists and is a shared bind mount of itself (as iproute2 does for /run/netns). */
int netns__prepare_dir(const char *dir);

/* Unmount whatever is mounted on path (in PID 1's mount namespace too); not mounted = 0. */
int netns__umount(const char *path);

/*
 * Move the calling process (single-threaded, not sharing its fs_struct, i.e.
 * a forked child) into PID 1's mount namespace, keeping its working
 * directory when that path exists there. The detached shim uses it so that
 * long-lived processes do not each keep a private copy of the mount table
 * alive (the copies made by `ip netns exec` would otherwise receive every
 * later netns mount).
 */
int netns__join_host_mntns(void);
/*
 * "/proc/1", or "/proc/2" (kthreadd) where PID 1 cannot be inspected: a
 * process in PID 1's mount namespace, whose mountinfo lists the mounts xnet
 * makes and whose root/ reaches them from any mount namespace. NULL if none.
 */
const char *netns__host_proc(void);

/* Create a new network namespace held by a bind mount at path, IPv6 off (lo is down). -EEXIST if held already. */
int netns__create(const char *path);
/* Unmount and remove path; missing is not an error. */
int netns__delete(const char *path);
/* Is path a live namespace bind mount? */
bool netns__exists(const char *path);

/* Move the calling thread into the network namespace at path; *saved gets an fd to return with. */
int netns__enter(const char *path, int *saved);
/* Return to the namespace saved by netns__enter and close the fd. */
int netns__leave(int saved);

/* Write value to a sysctl file (e.g. "net/ipv6/conf/all/disable_ipv6") inside the namespace at path. */
int netns__sysctl(const char *path, const char *key, const char *value);
/* An fd on the root of the cgroup v2 hierarchy (mounted or not), or -errno. */
int netns__cgroup2_root_fd(void);

/*
 * A network namespace's lasting identity (an nsfs file handle: type and
 * length in word 0, the handle in the others). netns__self_id: the calling
 * thread's, 0 or -errno (-EOPNOTSUPP before kernel 6.18). netns__id_alive:
 * 1 while that namespace exists, 0 once it is gone, -errno when the kernel
 * cannot tell (then nothing may be concluded).
 */
#define NETNS_ID_WORDS 3
int netns__self_id(uint64_t id[NETNS_ID_WORDS]);
int netns__id_alive(const uint64_t id[NETNS_ID_WORDS]);

#endif /* XNET_NETNS_H */
