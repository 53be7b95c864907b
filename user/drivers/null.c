// SPDX-License-Identifier: GPL-2.0-only
/*
 * null: the built-in "none" network. A sandbox on it gets its own network
 * namespace with loopback only; there is nothing to create.
 */
#include "drivers/driver.h"
#include "xnet_abi.h"

const struct xnet_driver xnet_null_driver = {
	.name = "null",
	.caps = XNET_DRV_SINGLETON,
	.netmode = NETMODE_NONE,
};
