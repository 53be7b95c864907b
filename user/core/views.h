/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * views: what ls, ps and inspect show (see views.c). Read-only.
 */
#ifndef XNET_VIEWS_H
#define XNET_VIEWS_H

#include <stdbool.h>
#include "model/model.h"

struct xnet;
struct json_object;
struct strbuf;

/* Docker's lookup order (exact id, exact name, unique id prefix): 0, -ENOENT, -EINVAL (ambiguous). */
int views__network_get(struct xnet *x, const char *key, struct network *n);
int views__container_get(struct xnet *x, const char *key, struct container *c);
/* Every network by name; every sandbox newest first (free with views__containers_free). 0 or -EIO. */
int views__networks(struct xnet *x, struct network **v, int *n);
int views__containers(struct xnet *x, struct container **v, int *n);
void views__containers_free(struct container *v, int n);

/* How many endpoints the network has. */
int views__network_endpoints(struct xnet *x, const struct network *n);
/* Docker's label filter: "key" or "key=value". */
bool views__network_label(struct xnet *x, const struct network *n, const char *want);
/* The network's scope ("local"). */
const char *views__scope(const struct network *n);
/* ps's Networks column: the networks of its endpoints, or its mode (host, none). */
void views__container_networks(struct xnet *x, const struct container *c, struct strbuf *out);

/* network inspect's object (the Engine API's NetworkResource). */
struct json_object *views__network(struct xnet *x, const struct network *n);
/* inspect's object of a sandbox (the Engine API's ContainerJSON, the parts xnet has). */
struct json_object *views__container(struct xnet *x, struct container *c);

#endif /* XNET_VIEWS_H */
