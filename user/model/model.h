/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * model: the objects of the store (networks, sandboxes, endpoints) as plain
 * C structs, shared by store/, drivers/, core/ and cmd/. No functions, no
 * behaviour: what an object means is core/'s business, how it is kept is
 * store/'s, what it does in the kernel is its driver's.
 */
#ifndef XNET_MODEL_H
#define XNET_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#define XNET_GW_PREFIX		"xnbr-"	/* gateway veth of a network: xnbr-<8 hex of id> */
#define XNET_EP_PREFIX		"xnv"	/* host side of an endpoint: xnv<11 hex of endpoint id> */
#include "lib/util.h"	/* XNET_ID_LEN */

struct network {
	char id[XNET_ID_LEN + 1];
	char name[256];
	char driver[16];	/* a name of drivers/driver.c's table: bridge, host, null */
	int kidx;		/* datapath net_id, 0 for host/none */
	uint32_t subnet;	/* host byte order */
	int prefix;
	uint32_t gateway;
	uint32_t range_start, range_end;	/* allocation range (ip-range or subnet), inclusive */
	char ip_range[32];	/* as given, "" when none */
	bool internal, attachable, icc, masq, builtin;
	int mtu;
	char created[64];
};

struct endpoint {
	char id[XNET_ID_LEN + 1];
	char container_id[XNET_ID_LEN + 1];
	char network_id[XNET_ID_LEN + 1];
	char ifname[16];	/* inside the sandbox: eth0, eth1, ... */
	char host_ifname[16];	/* host side: xnv... */
	uint32_t ip;		/* host byte order */
	int idx;		/* N of ethN */
	bool user_ip;		/* --ip given */
	char aliases[1024];	/* JSON array */
};

/*
 * Where a sandbox's network stack comes from (--network), parsed once from
 * the stored text ("default", "host", "none", "container:<id>") when the
 * row is read.
 */
enum netmode {
	NETMODE_DEFAULT,	/* its own namespace, with endpoints on networks */
	NETMODE_HOST,		/* the host's namespace */
	NETMODE_NONE,		/* its own namespace, loopback only */
	NETMODE_CONTAINER,	/* another sandbox's namespace: mode_target */
};

struct container {
	char id[XNET_ID_LEN + 1];
	char name[256];
	char hostname[256];
	char netmode[300];	/* as stored: "default", "host", "none", "container:<id>" */
	enum netmode mode;	/* netmode, parsed */
	char mode_target[XNET_ID_LEN + 1];	/* NETMODE_CONTAINER: the id whose namespace it shares */
	char *cmd;		/* JSON array (owned) */
	char *env;		/* JSON array (owned) */
	char created[64];
	char started[64];
	long pid;
	unsigned long long starttime;
	long shim_pid;
	bool auto_remove;
	int exit_code;		/* recorded for foreground runs, -1 unknown */
	char finished[64];
};

/* One rule of `xnet system policy`: who may reach published ports. */
struct policy_rule {
	char cidr[32];		/* canonical: 10.0.0.0/8 */
	uint8_t proto;		/* IPPROTO_TCP/UDP; 0 with port 0 = every published port */
	uint16_t port;		/* published host port, 0 = every one */
	char action[8];		/* "allow" or "deny" */
};

#endif /* XNET_MODEL_H */
