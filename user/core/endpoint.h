/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * endpoint: a sandbox's attachment to a network (its endpoint row), joined in
 * the kernel through the network's driver.
 */
#ifndef XNET_ENDPOINT_H
#define XNET_ENDPOINT_H

#include <stdbool.h>
#include "model/model.h"

struct xnet;

int endpoint__kernel_apply(struct xnet *x, const struct container *c, const struct endpoint *e,
			   const struct network *n, bool default_route);
int endpoint__kernel_remove(struct xnet *x, const struct container *c, const struct endpoint *e,
			    const struct network *n);
int endpoint__list(struct xnet *x, const char *container_id, struct endpoint **out, int *n);

#endif /* XNET_ENDPOINT_H */
