/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bridge: the option keys of the bridge driver (libnetwork's
 * drivers/bridge/labels.go), for the code that reads them back from a
 * network's recorded options.
 */
#ifndef XNET_BRIDGE_H
#define XNET_BRIDGE_H

#define BRIDGE_OPT_ICC		"com.docker.network.bridge.enable_icc"
#define BRIDGE_OPT_MASQ		"com.docker.network.bridge.enable_ip_masquerade"
#define BRIDGE_OPT_NAME		"com.docker.network.bridge.name"
#define BRIDGE_OPT_HOSTIP	"com.docker.network.bridge.host_binding_ipv4"
/* Generic in libnetwork (netlabel), honoured by the bridge. */
#define DRIVER_OPT_MTU		"com.docker.network.driver.mtu"

#endif /* XNET_BRIDGE_H */
