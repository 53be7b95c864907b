// SPDX-License-Identifier: GPL-2.0-only
/*
 * gc: what a host leaves on the machine when its network namespace goes
 * away without `xnet system teardown`.
 *
 * Cgroups are not per network namespace: the socket hooks of every host sit
 * on the machine's root cgroup and run for every process (each checks its
 * own namespace's cookie and lets the others pass). They are bpf_links held
 * by nothing but their pins under <root>/bpf/links, next to the pinned maps
 * (~40 MB with the default sizes). A namespace deleted with `ip netns del`
 * takes its devices, and with them the tc programs, but not the pins: the
 * hooks would stay for good, on every socket call of the machine.
 *
 * So every host records who it is (its namespace's nsfs file handle, in
 * xnet_meta, by host__apply before attaching the hooks), and every xnet
 * invocation runs gc__run(): for each bpffs mounted in PID 1's mount
 * namespace (where xnet mounts them) that holds such a record, it asks the
 * kernel whether that namespace still exists (open_by_handle_at: ESTALE once
 * it is gone; the id in the handle is 64 bits and never reused). Only then
 * are the pins removed, links first (the hooks detach), then programs and
 * maps; xnet_meta stays, a few KB, so that the root's own next command
 * knows its namespace is gone (reconcile.c's root_owner). A live host is
 * never touched, whichever namespace runs the gc, and a host whose kernel
 * cannot answer (before 6.18) or that recorded nothing is left alone. The
 * root's files (store, sandbox namespaces) stay: its next command rebuilds
 * in the namespace it runs in, as after a reboot, and `system teardown`
 * removes the rest without rebuilding anything.
 *
 * Cost per invocation: one read of a mountinfo, and per xnet root a
 * bpf_obj_get, three map lookups and one open_by_handle_at.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "datapath/datapath.h"
#include "lib/log.h"
#include "kernel/netns.h"
#include "core/xnet.h"
#include <json-c/json.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* 1 when the host is gone (its pins removed), 0 when it is alive or not ours, -errno on failure. */
static int gc_one(const char *path, const char *mp)
{
	uint64_t id[DP_OWNER_WORDS];
	int fd, rc = 0;

	if (dp__owner_read(path, (__u64 *)id) || netns__id_alive(id) != 0)
		return 0;
	/* dp__open's reload holds this lock: decide again under it. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	flock(fd, LOCK_EX);
	if (!dp__owner_read(path, (__u64 *)id) && netns__id_alive(id) == 0) {
		rc = dp__unpin_all(path);
		if (rc > 0) {
			log_info("gc: the network namespace of the host at %s is gone: its socket hooks and "
				 "pinned maps are removed", mp);
			rc = 1;
		}
	}
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

int gc__run(struct xnet *x, struct json_object *report)
{
	const char *proc = netns__host_proc();
	char path[PATH_MAX + 64];
	size_t cap = 0;
	char *line = NULL;
	int removed = 0, rc = 0;
	FILE *f;

	(void)x;
	if (!proc)
		return 0;
	snprintf(path, sizeof(path), "%s/mountinfo", proc);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *save = NULL, *mp = NULL, *t;
		int i = 0;

		if (!sep || strncmp(sep, " - bpf ", 7))
			continue;
		*sep = '\0';
		for (t = strtok_r(line, " ", &save); t && i < 4; t = strtok_r(NULL, " ", &save))
			i++;
		mp = t;
		if (!mp)
			continue;
		unescape(mp);
		snprintf(path, sizeof(path), "%s/root%s", proc, mp);
		i = gc_one(path, mp);
		if (i < 0) {
			rc = i;
		} else if (i) {
			removed++;
			if (report)
				json_object_array_add(report, json_object_new_string(mp));
		}
	}
	free(line);
	fclose(f);
	return rc ?: removed;
}
