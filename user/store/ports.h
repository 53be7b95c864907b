/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store/ports.c: what a sandbox asked to publish and what it was given
 * (port_settings, port_bindings, exposed_ports, published_ports; see
 * core/ports.h for what each one means).
 */
#ifndef XNET_STORE_PORTS_H
#define XNET_STORE_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/portspec.h"

struct store;

/* A published_ports row: host (ip, port, proto) -> the sandbox's port. */
struct published_port {
	uint32_t host_ip;	/* host order, 0 = every address */
	uint16_t host_port, port;
	uint8_t proto;
	int seq;		/* the binding's order; -1 in store__exposed_published: not published */
};

/* A port_bindings row: HostConfig.PortBindings as given. */
struct port_binding {
	uint16_t port;
	uint8_t proto;
	char host_ip[48];	/* "" when none */
	char host_port[16];	/* "", "5000", "8000-8010" */
};

/* A run's -P (HostConfig.PublishAllPorts): 0, -EEXIST, -EIO. */
int store__port_settings_insert(struct store *s, const char *container_id, bool publish_all);
/* 0 and *all, -ENOENT (no row; *all false), -EIO. */
int store__port_settings_publish_all(struct store *s, const char *container_id, bool *all);

/* Config.ExposedPorts: a port already there is no error. 0 or -EIO. */
int store__exposed_port_insert(struct store *s, const char *container_id, const struct port_key *k);
/* In the table's order, as a malloc'd array: 0, -ENOMEM, -EIO. */
int store__exposed_ports_list(struct store *s, const char *container_id, struct port_key **out, int *n);

/* One -p binding, seq its index: 0, -EEXIST, -EIO. */
int store__port_binding_insert(struct store *s, const char *container_id, int seq, const struct port_spec *b);
/* By seq, as a malloc'd array: 0, -ENOMEM, -EIO. */
int store__port_bindings_list(struct store *s, const char *container_id, struct port_binding **out, int *n);

/* 0, -EEXIST (the host binding belongs to a sandbox already), -EIO. */
int store__published_insert(struct store *s, const char *container_id, const struct published_port *p);
/* A sandbox's rows by seq, host port, as a malloc'd array: 0, -ENOMEM, -EIO. */
int store__published_list(struct store *s, const char *container_id, struct published_port **out, int *n);
/* 0 or -EIO. */
int store__published_delete(struct store *s, const char *container_id);
/*
 * Whether a sandbox holds host port (ip, port, proto): the same address, or
 * one of the two is 0.0.0.0 (it covers every address). 1, 0, -EIO.
 */
int store__published_taken(struct store *s, uint32_t ip, uint16_t port, uint8_t proto);
/* Every host port any sandbox holds, once each, as a malloc'd array: 0, -ENOMEM, -EIO. */
int store__published_host_ports(struct store *s, uint16_t **out, int *n);
/*
 * Every exposed port of a sandbox joined with its published rows (seq -1
 * and no host side when it has none), by port, proto, seq, host port, as a
 * malloc'd array: 0, -ENOMEM, -EIO.
 */
int store__exposed_published(struct store *s, const char *container_id, struct published_port **out, int *n);

#endif /* XNET_STORE_PORTS_H */
