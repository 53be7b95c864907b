// SPDX-License-Identifier: GPL-2.0-only
/*
 * context: one command's context (struct xnet): the state root's paths, the
 * store and the datapath it opens, and xerr, the one printer of user-facing
 * errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "core/xnet.h"
#include "datapath/datapath.h"
#include "kernel/netns.h"
#include "kernel/process.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"

/*
 * Whose is this root? The host namespace recorded in xnet_meta (see gc.c),
 * which gc keeps when it removes the rest of a gone host's pins.
 */
enum root_owner { OWNER_UNKNOWN, OWNER_SELF, OWNER_GONE, OWNER_ELSEWHERE };

static enum root_owner root_owner(struct xnet *x)
{
	uint64_t have[NETNS_ID_WORDS], self[NETNS_ID_WORDS];
	int alive;

	if (dp__owner_read(x->bpf_dir, (__u64 *)have))
		return OWNER_UNKNOWN;
	if (!netns__self_id(self) && !memcmp(have, self, sizeof(have)))
		return OWNER_SELF;
	alive = netns__id_alive(have);
	return alive == 0 ? OWNER_GONE : alive == 1 ? OWNER_ELSEWHERE : OWNER_UNKNOWN;
}

int xnet__datapath(struct xnet *x, const char **rebuild)
{
	char probe[PATH_MAX + 64];
	bool fresh, reloaded = false;
	enum root_owner owner;
	int rc;

	if (rebuild)
		*rebuild = NULL;
	if (x->dp)
		return 0;
	rc = netns__mount_bpffs(x->bpf_dir);
	if (rc)
		return xerr(x, "cannot mount bpffs at %s: %s", x->bpf_dir, strerror(-rc));
	rc = netns__prepare_dir(x->netns_dir);
	if (rc)
		return xerr(x, "cannot prepare %s for namespace mounts: %s", x->netns_dir, strerror(-rc));
	util__mkdir_p(x->containers_dir);
	/*
	 * A command that changes things must run in the host's own namespace:
	 * the uplink, the addresses and the hooks' cookie are taken from where
	 * it runs, and it would attach this root's programs to another host's
	 * devices. A root whose namespace is gone starts over here.
	 */
	owner = root_owner(x);
	if (x->store.in_txn && owner == OWNER_ELSEWHERE)
		return xerr(x, "the state root %s belongs to a host in another network namespace, which still "
			       "exists: run xnet there (ip netns exec NAME xnet ...)", x->root);
	/* No pinned maps on a non-empty store = the host rebooted (or someone unmounted us). */
	snprintf(probe, sizeof(probe), "%s/maps/xnet_networks", x->bpf_dir);
	fresh = access(probe, F_OK) != 0;
	/* `system reload` swaps the programs itself: no implicit reload of another build first. */
	rc = x->dp_as_pinned && !fresh ? dp__open_as_pinned(&x->dp, x->bpf_dir) : -ENOENT;
	if (rc)
		rc = dp__open(&x->dp, x->bpf_dir, &reloaded);
	if (rc) {
		x->dp = NULL;
		return xerr(x, "cannot load the BPF datapath under %s: %s", x->bpf_dir, strerror(-rc));
	}
	if (fresh && x->teardown && owner == OWNER_GONE) {
		/*
		 * The host's namespace is gone, and gc removed its pins: nothing
		 * of it is left in the kernel but the sandboxes' namespaces.
		 * Rebuilding it here, in whatever namespace runs the teardown,
		 * only to remove it again would attach its programs to this
		 * namespace's devices: the teardown stops the sandboxes and
		 * removes mounts and files.
		 */
		log_info("teardown: the network namespace of this host is gone: nothing to rebuild");
		x->kernel_gone = true;
	} else if (fresh || reloaded) {
		if (x->store.in_txn && rebuild) {
			*rebuild = fresh ? "no pinned datapath found" : "new BPF programs loaded";
			return 0;
		}
		/* Not holding the lock (or not rebuilding now): leave it to the next command that does. */
		xnet__kernel_touch(x);
		x->kernel_touched = false;
	}
	return 0;
}


void xnet__kernel_touch(struct xnet *x)
{
	int fd;

	if (x->kernel_touched)
		return;
	fd = open(x->dirty_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	x->kernel_touched = true;
}

void xnet__paths(struct xnet *x)
{
	snprintf(x->bpf_dir, sizeof(x->bpf_dir), "%s/bpf", x->root);
	snprintf(x->netns_dir, sizeof(x->netns_dir), "%s/netns", x->root);
	snprintf(x->containers_dir, sizeof(x->containers_dir), "%s/containers", x->root);
	snprintf(x->dirty_path, sizeof(x->dirty_path), "%s/dirty", x->root);
}

int xerr(struct xnet *x, const char *fmt, ...)
{
	va_list ap;
	char *buf = NULL;
	const char *msg;

	/* Messages quote user input (names, labels): any length, never cut mid-character. */
	va_start(ap, fmt);
	if (vasprintf(&buf, fmt, ap) < 0)
		buf = NULL;
	va_end(ap);
	msg = buf ? buf : "out of memory";
	if (x && x->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	free(buf);
	return -1;
}

void xnet__print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int xnet__store_open(struct xnet *x)
{
	char why[PATH_MAX + 256];

	if (store__open(&x->store, x->root, why, sizeof(why)))
		return xerr(x, "%s", why);
	return 0;
}

/* ------------------------------------------------------------ a sandbox's place */

void container__dir(struct xnet *x, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", x->containers_dir, id);
}

void container__netns_path(struct xnet *x, const struct container *c, char *out, size_t len)
{
	const char *id = c->id;

	/* container:<id> shares the other sandbox's namespace. */
	if (c->mode == NETMODE_CONTAINER)
		id = c->mode_target;
	snprintf(out, len, "%s/%s", x->netns_dir, id);
}

bool container__running(const struct container *c)
{
	return c->pid > 0 && process__alive((pid_t)c->pid, c->starttime);
}

int container__exit_code(struct xnet *x, const struct container *c)
{
	char path[PATH_MAX + 32], dir[PATH_MAX];
	char *s;
	int code = c->exit_code;

	container__dir(x, c->id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/exitcode", dir);
	s = util__read_file(path);
	if (s) {
		code = atoi(s);
		free(s);
	}
	/* No shim left to tell: it was killed with the command (rm -f, kill -9). */
	return code < 0 ? 137 : code;
}
