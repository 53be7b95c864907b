// SPDX-License-Identifier: GPL-2.0-only
/*
 * endpoint: a sandbox's attachment to a network: its row, and its life in
 * the kernel through the network's driver (create + join, leave + delete),
 * with the sandbox's namespace path handed in as its key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kernel/netlink.h"
#include "core/xnet.h"
#include "lib/util.h"
#include "store/store.h"
#include "drivers/driver.h"
#include "xnet_abi.h"
#include "core/network.h"
#include "store/endpoints.h"

int endpoint__list(struct xnet *x, const char *container_id, struct endpoint **out, int *n)
{
	return store__endpoints_of(&x->store, container_id, out, n);
}

int endpoint__kernel_apply(struct xnet *x, const struct container *c, const struct endpoint *e,
			   const struct network *n, bool default_route)
{
	const struct xnet_driver *d = driver__of(n);
	struct xnet_driver_ctx dc = network__driver_ctx(x, NULL, 0);
	char key[PATH_MAX];
	int rc;

	if (!d->endpoint_create)
		return 0;
	xnet__kernel_touch(x);
	container__netns_path(x, c, key, sizeof(key));
	rc = d->endpoint_create(&dc, n, e, key, default_route);
	if (rc)
		return rc;
	util__failpoint("endpoint-after-veth");
	rc = d->join ? d->join(&dc, n, e, key) : 0;
	if (rc && d->endpoint_delete)
		d->endpoint_delete(&dc, n, e, key);
	return rc;
}

int endpoint__kernel_remove(struct xnet *x, const struct container *c, const struct endpoint *e,
			    const struct network *n)
{
	const struct xnet_driver *d = driver__of(n);
	struct xnet_driver_ctx dc = network__driver_ctx(x, NULL, 0);
	char key[PATH_MAX];
	int rc = 0;

	xnet__kernel_touch(x);
	container__netns_path(x, c, key, sizeof(key));
	if (d->leave)
		rc = d->leave(&dc, n, e);
	if (!rc && d->endpoint_delete)
		rc = d->endpoint_delete(&dc, n, e, key);
	return rc;
}
