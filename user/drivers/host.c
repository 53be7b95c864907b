// SPDX-License-Identifier: GPL-2.0-only
/*
 * host: the built-in "host" network. A sandbox on it shares the host's
 * network namespace; there is nothing to create, and nothing to publish
 * (Docker discards -p there with a warning).
 */
#include "drivers/driver.h"
#include "xnet_abi.h"

const struct xnet_driver xnet_host_driver = {
	.name = "host",
	.caps = XNET_DRV_SINGLETON,
	.netmode = NETMODE_HOST,
};
