// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath statistics: the per-CPU drop counters summed, and the memory the
 * kernel charges for the maps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/internal.h"
#include "lib/log.h"

int dp__drop_stats(struct xnet_dp *dp, struct xnet_drop_counter out[XNET_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct xnet_drop_counter *percpu;

	memset(out, 0, sizeof(*out) * XNET_DROP_MAX);
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 r = 0; r < XNET_DROP_MAX; r++) {
		if (bpf_map_lookup_elem(dp->map_fd[M_DROPS], &r, percpu)) {
			int err = -errno;

			log_error("cannot read BPF map %s: %s", map_names[M_DROPS], strerror(-err));
			free(percpu);
			return err;
		}
		for (int c = 0; c < ncpu; c++) {
			out[r].packets += percpu[c].packets;
			out[r].bytes += percpu[c].bytes;
		}
	}
	free(percpu);
	return 0;
}

/* The kernel's own account of a map's memory: "memlock:" in its fdinfo. */
static int fd_memlock(int fd, uint64_t *bytes)
{
	char path[64], line[256];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*bytes += v;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int dp__map_memory(struct xnet_dp *dp, uint64_t *bytes)
{
	int err;

	*bytes = 0;
	for (int i = 0; i < M_MAX; i++) {
		err = fd_memlock(dp->map_fd[i], bytes);
		if (err) {
			log_error("cannot read the memory of BPF map %s: %s", map_names[i], strerror(-err));
			return err;
		}
	}
	return fd_memlock(dp->meta_fd, bytes);
}
