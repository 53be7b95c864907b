/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store/sandboxes.c: the containers table (a sandbox per row). Included by
 * store/store.h.
 */
#ifndef XNET_STORE_SANDBOXES_H
#define XNET_STORE_SANDBOXES_H

#include "model/model.h"

struct store;

/* Which sandboxes a list holds, and in which order. */
enum store_containers {
	STORE_CONTAINERS_BY_CREATED,		/* oldest first */
	STORE_CONTAINERS_BY_CREATED_DESC,	/* newest first */
	STORE_CONTAINERS_DEFAULT_MODE,		/* netmode "default", in the table's order */
	STORE_CONTAINERS_PUBLISHED,		/* those with published ports, in the table's order */
};

/* A malloc'd array the caller frees with store__containers_free: 0 or -EIO. */
int store__containers_list(struct store *s, enum store_containers which, struct container **out, int *n);
void store__containers_free(struct container *v, int n);
/* One sandbox, those in another's namespace first (they go before their owner): 0, -ENOENT, -EIO. */
int store__container_first(struct store *s, struct container *c);
/* The id of the sandbox named name: 0, -ENOENT, -EIO. */
int store__container_id_by_name(struct store *s, const char *name, char id[XNET_ID_LEN + 1]);

/* A new sandbox (id, name, hostname, netmode, cmd, env, created, auto_remove): 0, -EEXIST, -EIO. */
int store__container_insert(struct store *s, const struct container *c);
int store__container_delete(struct store *s, const char *id);
/* A foreground run began at started. */
int store__container_set_started(struct store *s, const char *id, const char *started);
/* A detached run began at started: its process and shim. */
int store__container_set_running(struct store *s, const char *id, long pid, unsigned long long starttime,
				 long shim_pid, const char *started);
/* A foreground run ended with code at finished (pid 0). */
int store__container_set_exited(struct store *s, const char *id, int code, const char *finished);

/* Every endpoint, sandbox and network: 0 or -EIO (teardown). */
int store__clear(struct store *s);

#endif /* XNET_STORE_SANDBOXES_H */
