/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portspec: Docker's port grammar, the one port parser (pure: no state, no
 * printing). `run -p` [ip:][hostPort[-end]:]containerPort[-end][/proto] and
 * its long form published=,target=,protocol=,mode=; `run --expose`
 * PORT[-END][/PROTO]; the port numbers and ranges that `system config
 * --nat-ports` and `system policy --port` take.
 *
 * Errors return -EINVAL (-ENOMEM) and Docker's message, word for word, in
 * the caller's err buffer (PORTSPEC_ERR_LEN holds every message whole);
 * core/ports.c prints it.
 */
#ifndef XNET_PORTSPEC_H
#define XNET_PORTSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTSPEC_ERR_LEN 1024

/* One container port to publish, after ranges are expanded. */
struct port_spec {
	uint16_t port;		/* container port */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	bool has_ip;		/* an IP was given */
	uint32_t host_ip;	/* host byte order, when has_ip */
	uint16_t hp_start, hp_end;	/* host port or range; 0, 0 = a random port */
	char ip_str[48];	/* HostIp as given ("" when none) */
	char hp_str[16];	/* HostPort as given: "", "5000", "8000-8010" */
};

struct port_key {
	uint16_t port;
	uint8_t proto;
};

/* What one `run` asked for. */
struct ports_req {
	struct port_spec *binds;
	int nbinds;
	struct port_key *exposed;	/* Config.ExposedPorts */
	int nexposed;
	bool publish_all;		/* -P */
};

/* One port number of len bytes, as Go's strconv.ParseUint(s, 10, 16): digits only, 0..65535. 0 or -EINVAL. */
int portspec__parse_port(const char *s, size_t len, uint16_t *out);
/* "80" or "80-90" (Docker's nat.ParsePortRange), start <= end. 0 or -EINVAL (outputs untouched). */
int portspec__parse_range(const char *s, uint16_t *start, uint16_t *end);
/* IPPROTO_UDP "udp", IPPROTO_SCTP "sctp", anything else "tcp". */
const char *portspec__proto_name(uint8_t proto);

/* -p SPEC: appends its bindings (and their exposed ports) to r. 0, or -errno and err. */
int portspec__parse_publish(struct ports_req *r, const char *spec, char *err, size_t errlen);
/* --expose PORT[-END][/PROTO]: appends to r->exposed. 0, or -errno and err. */
int portspec__parse_expose(struct ports_req *r, const char *spec, char *err, size_t errlen);
void portspec__req_free(struct ports_req *r);

#endif /* XNET_PORTSPEC_H */
