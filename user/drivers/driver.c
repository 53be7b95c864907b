// SPDX-License-Identifier: GPL-2.0-only
/*
 * driver: the registry of network drivers (libnetwork's drivers_linux.go).
 * A new driver is one file under drivers/ and one line here.
 */
#include <string.h>
#include "drivers/driver.h"
#include "xnet_abi.h"

const struct xnet_driver *const xnet_drivers[] = {
	&xnet_bridge_driver,
	&xnet_host_driver,
	&xnet_null_driver,
	NULL,
};

const struct xnet_driver *driver__get(const char *name)
{
	for (int i = 0; xnet_drivers[i]; i++)
		if (!strcmp(xnet_drivers[i]->name, name))
			return xnet_drivers[i];
	return NULL;
}

/* A row written by a later build with a driver this one does not know: nothing to do for it here. */
static const struct xnet_driver unknown_driver = { .name = "unknown" };

const struct xnet_driver *driver__of(const struct network *n)
{
	const struct xnet_driver *d = driver__get(n->driver);

	return d ? d : &unknown_driver;
}

bool driver__network_has_dns(const struct network *n)
{
	return !n->builtin && (driver__of(n)->caps & XNET_DRV_DNS);
}
