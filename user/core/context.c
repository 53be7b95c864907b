// SPDX-License-Identifier: GPL-2.0-only
/*
 * context: one command's context (struct xnet): the state root's paths, the
 * store and the datapath it opens, and xerr, the one printer of user-facing
 * errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "core/txn.h"
#include "core/xnet.h"
#include "datapath/datapath.h"
#include "store/store.h"

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

void xnet__close(struct xnet *x)
{
	/* A command that returned inside its transaction: undo the store, and the kernel with it. */
	txn__rollback(x);
	store__close(&x->store);
	if (x->dp) {
		dp__close(x->dp);
		x->dp = NULL;
	}
}
