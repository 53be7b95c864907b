// SPDX-License-Identifier: GPL-2.0-only
/*
 * dns_helper: `xnet system dns-helper`, the user-space half of the embedded
 * DNS (see dns_helper.h and the "Embedded DNS" comment of xnet_abi.h).
 *
 * One process per state root, in the host's network namespace, holding
 * <root>/dns-helper.lock for its life. It listens on gw_ip:53 (UDP and TCP)
 * of every network with XNET_NET_DNS in the pinned xnet_networks map, and
 * answers what the lxc program passed up instead of answering itself:
 *
 *   - who asks: source address -> xnet_ip2ep -> xnet_dns_scope; no scope
 *     (the host, a sandbox of the default bridge): REFUSED;
 *   - names of the asker's networks (xnet_dns_names, in scope order): A/ANY
 *     from the rrset, any other type an empty NOERROR, AA and RA set;
 *   - PTR of an endpoint address whose network is in the scope (xnet_dns_ptr);
 *   - everything else is forwarded, by Docker's rules: the sandbox's --dns
 *     servers or the host's resolv.conf, at most 3, 4 s each, the next on
 *     timeout/SERVFAIL/REFUSED, SERVFAIL when all failed, at most 1,024 in
 *     flight (then REFUSED), never to one of our own addresses, and never
 *     for a sandbox whose networks are all --internal.
 *
 * Messages are parsed and built with ldns. One thread, one epoll loop,
 * non-blocking sockets; every buffer has a fixed bound, so clients cannot
 * make it grow: 1,024 forwards, DH_MAX_CONNS TCP connections with one
 * message buffered each. Those bounds are shared by the whole host, so each
 * client address (a sandbox's endpoint) has its own share of them, an
 * eighth (DH_FWD_PER_CLIENT, DH_CONNS_PER_CLIENT): one sandbox that fills
 * its share leaves the rest to the others.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <ldns/ldns.h>
#include "xnet_abi.h"
#include "agents/dns/dns_helper.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/util.h"

/* Limits. Docker's numbers where it has them (libnetwork/resolver.go). */
#define DH_MAX_FWD		1024	/* forwards in flight; beyond: REFUSED at once */
#define DH_FWD_TIMEOUT_MS	4000	/* per upstream server (extIOTimeout) */
#define DH_MAX_UPSTREAMS	3	/* servers tried per query (maxExtDNS) */
#define DH_RESOLV_MAX		8	/* nameserver lines read from resolv.conf */
#define DH_MAX_CONNS		128	/* TCP client connections; more are closed at once */
#define DH_CONN_IDLE_MS		5000	/* an idle TCP client connection is closed after this */
/*
 * One client address's share of those (an eighth each): a sandbox flooding
 * the helper, or a slow upstream of its --dns, takes at most this much, and
 * seven such sandboxes still leave room for everyone else. Beyond its share
 * a client is refused as beyond the host's bound: REFUSED, connection closed.
 */
#define DH_FWD_PER_CLIENT	(DH_MAX_FWD / 8)
#define DH_CONNS_PER_CLIENT	(DH_MAX_CONNS / 8)
#define DH_QUOTA_SLOTS		4096	/* > DH_MAX_FWD + DH_MAX_CONNS clients at once; a power of two */
#define DH_CONN_MAX_PENDING	16	/* forwards of one TCP connection; it is not read beyond */
#define DH_CONN_OUT_MAX		(256 * 1024)	/* unsent answers of one connection; beyond: closed */
#define DH_MAX_QUERY		4096	/* a longer query is no stub resolver's: FORMERR */
#define DH_UDP_MIN		512	/* RFC 1035 limit without EDNS */
#define DH_EDNS_SIZE		4096	/* the UDP size we advertise in our OPT */
#define DH_MSG_MAX		65535	/* a DNS message over TCP */
#define DH_UDP_BATCH		64	/* datagrams read per wakeup of one socket (fairness) */
#define DH_RESOLV_CONF		"/etc/resolv.conf"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* Doubly-linked list with a sentinel; both timer lists are FIFOs sorted by deadline. */
struct dh_link {
	struct dh_link *prev, *next;
};

static void link_init(struct dh_link *h)
{
	h->prev = h->next = h;
}

static bool link_linked(const struct dh_link *l)
{
	return l->next && l->next != l;
}

static void link_del(struct dh_link *l)
{
	if (!link_linked(l))
		return;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

static void link_add_tail(struct dh_link *h, struct dh_link *l)
{
	link_del(l);
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

/* What one client address holds now. addr 0: a free slot (no client has address 0). */
struct dh_quota {
	__be32 addr;
	__u16 conns;
	__u16 fwds;
};

/* Why something was refused, counted and logged (at most every 2 s per reason). */
enum dh_refusal { DH_REF_FWD_ALL, DH_REF_FWD_CLIENT, DH_REF_CONN_ALL, DH_REF_CONN_CLIENT, DH_REF_MAX };

/* What an epoll event belongs to. */
enum dh_kind { DH_SIGNAL, DH_UDP_LISTEN, DH_TCP_LISTEN, DH_CONN, DH_FWD };

struct dh_io {
	enum dh_kind kind;
	int fd;
};

/* gw_ip:53 of one DNS network. fds are -1 when the bind failed. */
struct dh_listener {
	__u32 net_id;
	__be32 gw_ip;
	bool seen;		/* still in xnet_networks (sync pass) */
	struct dh_io udp, tcp;
};

/* A TCP client connection: length-prefixed messages in, answers out. */
struct dh_conn {
	struct dh_io io;	/* io.fd < 0: free slot */
	__u32 gen;		/* bumped on close: forwards of an old connection drop their answer */
	__be32 peer;		/* who asks (scope lookup) */
	__be16 peer_port;
	struct dh_link idle;	/* in dh.conns_idle, by last activity */
	__u64 deadline;
	int pending;		/* its forwards in flight */
	uint8_t *in;		/* one message being read: 2-byte length + up to 65535 bytes */
	size_t in_len;
	uint8_t *out;		/* answers not yet taken by the socket */
	size_t out_len, out_cap;
	bool paused;		/* not read while pending == DH_CONN_MAX_PENDING */
	bool busy;		/* in conn_process(): a forward failing at once must not re-enter it */
};

/* Where an answer goes: a UDP client (listener socket + address) or a TCP connection. */
struct dh_client {
	bool tcp;
	struct dh_listener *l;	/* UDP: its socket sends the answer (NULL: listener gone) */
	struct sockaddr_in addr;
	int conn;		/* TCP: slot and generation */
	__u32 gen;
};

/* One forwarded query. */
struct dh_fwd {
	struct dh_io io;	/* io.fd: the socket to the current upstream, -1 between tries */
	bool used;
	struct dh_link timer;	/* in dh.fwd_timers, by deadline */
	__u64 deadline;
	struct dh_client client;
	uint16_t client_id, up_id;
	uint8_t *query;		/* the client's message (its id replaced on the wire) */
	size_t qlen;
	size_t max_udp;		/* what the client takes over UDP */
	ldns_rdf *qname;	/* the question, to match answers */
	uint16_t qtype, qclass;
	struct sockaddr_storage servers[DH_MAX_UPSTREAMS];
	socklen_t server_len[DH_MAX_UPSTREAMS];
	int nservers, cur;
	/* TCP to the upstream */
	bool connected;
	size_t sent;
	uint8_t lenbuf[2];
	size_t got;		/* bytes of lenbuf + resp read */
	uint8_t *resp;
};

static struct {
	const char *root;
	int epfd;
	struct dh_io sig;
	int map_networks, map_ip2ep, map_scope, map_names, map_ptr;
	struct dh_listener **ls;
	int nls;
	struct dh_conn conns[DH_MAX_CONNS];
	int nconns;
	struct dh_link conns_idle;
	struct dh_fwd fwds[DH_MAX_FWD];
	int nfwd;
	int fwd_free[DH_MAX_FWD];	/* indices of unused fwds[] slots, a stack */
	struct dh_link fwd_timers;
	__u32 rr_counter;	/* our own round robin on top of the rrset's rotor */
	/* Each client address's share in use (open addressing, linear probing). */
	struct dh_quota quota[DH_QUOTA_SLOTS];
	__u64 refused[DH_REF_MAX];
	__u64 refused_logged_ms[DH_REF_MAX];
	/* The host's resolvers, re-read when resolv.conf changes. */
	struct stat resolv_st;
	bool resolv_read;
	struct sockaddr_storage resolv[DH_RESOLV_MAX];
	socklen_t resolv_len[DH_RESOLV_MAX];
	int nresolv;
	/* Random ids come from here, refilled from getrandom(). */
	uint8_t rnd[256];
	size_t rnd_pos;
	bool stop;
	int exit_code;
} dh;

static uint8_t g_buf[DH_MSG_MAX + 1];	/* one received datagram */

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

static uint16_t random_id(void)
{
	uint16_t v;

	if (dh.rnd_pos + sizeof(v) > sizeof(dh.rnd)) {
		if (getrandom(dh.rnd, sizeof(dh.rnd), 0) != (ssize_t)sizeof(dh.rnd)) {
			/* getrandom() on a booted kernel does not fail for 256 bytes; never run on a weak id. */
			log_error("dns-helper: getrandom: %s", strerror(errno));
			abort();
		}
		dh.rnd_pos = 0;
	}
	memcpy(&v, dh.rnd + dh.rnd_pos, sizeof(v));
	dh.rnd_pos += sizeof(v);
	return v;
}

static const char *sa_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s->sin6_port));
	}
	return buf;
}

static int ep_add(struct dh_io *io, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(dh.epfd, EPOLL_CTL_ADD, io->fd, &ev);
}

static int ep_mod(struct dh_io *io, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(dh.epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

/* Closing the fd removes it from the epoll set (we never dup them). */
static void io_close(struct dh_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

/* ------------------------------------------------------------ shares */

static size_t quota_hash(__be32 addr)
{
	return ((__u32)addr * 2654435761u) >> 20 & (DH_QUOTA_SLOTS - 1);
}

/* The slot of addr, or the free slot where it would go. */
static struct dh_quota *quota_slot(__be32 addr)
{
	size_t i = quota_hash(addr);

	while (dh.quota[i].addr && dh.quota[i].addr != addr)
		i = (i + 1) & (DH_QUOTA_SLOTS - 1);
	return &dh.quota[i];
}

/* Free a slot nothing is held in; later entries of its probe run move up (no tombstones). */
static void quota_release(struct dh_quota *q)
{
	size_t i = (size_t)(q - dh.quota), j = i;

	if (q->conns || q->fwds)
		return;
	for (;;) {
		size_t k;

		dh.quota[i].addr = 0;
		for (;;) {
			j = (j + 1) & (DH_QUOTA_SLOTS - 1);
			if (!dh.quota[j].addr)
				return;
			k = quota_hash(dh.quota[j].addr);
			/* j stays when its home k lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		dh.quota[i] = dh.quota[j];
		i = j;
	}
}

/* Take one connection (conn) or forward of addr's share; false when the share is used up. */
static bool quota_take(__be32 addr, bool conn)
{
	struct dh_quota *q = quota_slot(addr);

	if (conn ? q->conns >= DH_CONNS_PER_CLIENT : q->fwds >= DH_FWD_PER_CLIENT)
		return false;
	q->addr = addr;
	if (conn)
		q->conns++;
	else
		q->fwds++;
	return true;
}

static void quota_put(__be32 addr, bool conn)
{
	struct dh_quota *q = quota_slot(addr);

	if (!q->addr)
		return;
	if (conn && q->conns)
		q->conns--;
	else if (!conn && q->fwds)
		q->fwds--;
	quota_release(q);
}

/* Count a refusal; say so at most every 2 s per reason, with the count so far. */
static void refusal(enum dh_refusal why, __be32 addr)
{
	static const char *const what[DH_REF_MAX] = {
		[DH_REF_FWD_ALL] = "forwarded query refused: the host's 1,024 forwards are in flight",
		[DH_REF_FWD_CLIENT] = "forwarded query refused: this client has its share of forwards in flight",
		[DH_REF_CONN_ALL] = "TCP connection closed: the host's TCP connections are all open",
		[DH_REF_CONN_CLIENT] = "TCP connection closed: this client has its share of TCP connections open",
	};
	__u64 now = now_ms();
	char a[INET_ADDRSTRLEN];

	dh.refused[why]++;
	if (now - dh.refused_logged_ms[why] < 2000)
		return;
	dh.refused_logged_ms[why] = now;
	log_warn("dns-helper: %s (from %s; %llu so far; shares: %d forwards, %d connections per client, of %d and %d)",
		 what[why], util__ip_be_str(addr, a), (unsigned long long)dh.refused[why], DH_FWD_PER_CLIENT,
		 DH_CONNS_PER_CLIENT, DH_MAX_FWD, DH_MAX_CONNS);
}

/* ------------------------------------------------------------ maps */

static int map_open(const char *name)
{
	/* We only read them: read-only fds, so no bug of ours can change what the datapath sees. */
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/bpf/maps/%s", dh.root, name);
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		log_error("dns-helper: cannot open the pinned map %s: %s (is the datapath loaded? "
			  "`xnet system reconcile` rebuilds it)", path, strerror(errno));
	return fd;
}

static void maps_close(void)
{
	int *fds[] = { &dh.map_networks, &dh.map_ip2ep, &dh.map_scope, &dh.map_names, &dh.map_ptr };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/*
 * (Re)open every map we read: on SIGHUP too, so a datapath rebuilt by
 * reconcile (new pins) is followed. 0 or -1 (logged).
 */
static int maps_open(void)
{
	maps_close();
	dh.map_networks = map_open("xnet_networks");
	dh.map_ip2ep = map_open("xnet_ip2ep");
	dh.map_scope = map_open("xnet_dns_scope");
	dh.map_names = map_open("xnet_dns_names");
	dh.map_ptr = map_open("xnet_dns_ptr");
	if (dh.map_networks < 0 || dh.map_ip2ep < 0 || dh.map_scope < 0 || dh.map_names < 0 || dh.map_ptr < 0) {
		maps_close();
		return -1;
	}
	return 0;
}

/* The asker's view: source address -> endpoint -> scope. false: not one of our DNS sandboxes. */
static bool scope_of(__be32 src, struct xnet_dns_scope *sc)
{
	__u32 ifindex;

	if (bpf_map_lookup_elem(dh.map_ip2ep, &src, &ifindex))
		return false;
	if (bpf_map_lookup_elem(dh.map_scope, &ifindex, sc))
		return false;
	if (sc->nnets > XNET_DNS_SCOPE_MAX)
		sc->nnets = XNET_DNS_SCOPE_MAX;
	if (sc->nservers > XNET_DNS_MAX_SERVERS)
		sc->nservers = XNET_DNS_MAX_SERVERS;
	return true;
}

static bool scope_has(const struct xnet_dns_scope *sc, __u32 net_id)
{
	for (__u32 i = 0; i < sc->nnets; i++)
		if (sc->net_ids[i] == net_id)
			return true;
	return false;
}

/* xnet_dns_names under each network of the scope, in order; the first hit answers. */
static bool names_lookup(const struct xnet_dns_scope *sc, const ldns_rdf *lname, struct xnet_dns_rrset *rs)
{
	struct xnet_dns_key key;
	size_t n = ldns_rdf_size(lname);

	if (n == 0 || n > XNET_DNS_NAME_LEN - 1)
		return false;
	memset(&key, 0, sizeof(key));	/* the key is the whole zero-padded buffer */
	memcpy(key.name, ldns_rdf_data(lname), n);
	for (__u32 i = 0; i < sc->nnets; i++) {
		key.net_id = sc->net_ids[i];
		if (bpf_map_lookup_elem(dh.map_names, &key, rs) == 0 && rs->count > 0) {
			if (rs->count > XNET_DNS_MAX_ADDRS)
				rs->count = XNET_DNS_MAX_ADDRS;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------ building answers */

/* The size a UDP answer to q may have: 512, or the client's EDNS size when larger. */
static size_t udp_limit(const ldns_pkt *q)
{
	size_t n = DH_UDP_MIN;

	if (q && ldns_pkt_edns(q) && ldns_pkt_edns_udp_size(q) > n)
		n = ldns_pkt_edns_udp_size(q);
	return n;
}

/*
 * An answer to q: id, opcode, RD and CD copied, QR and RA set, the question
 * echoed, an OPT of ours when q had one (RFC 6891 6.1.1). No answers yet.
 */
static ldns_pkt *reply_new(const ldns_pkt *q, uint8_t rcode)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr_list *qs = ldns_pkt_question(q);

	if (!r)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_cd(r, ldns_pkt_cd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, rcode);
	for (size_t i = 0; qs && i < ldns_rr_list_rr_count(qs); i++)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(qs, i)));
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(r, DH_EDNS_SIZE);
	return r;
}

/*
 * A header-only answer for a message ldns could not parse (FORMERR) or whose
 * opcode we do not implement (NOTIMP): its id, opcode and RD from the wire.
 */
static ldns_pkt *reply_hdr(const uint8_t *wire, uint8_t rcode)
{
	ldns_pkt *r = ldns_pkt_new();

	if (!r)
		return NULL;
	ldns_pkt_set_id(r, LDNS_ID_WIRE(wire));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, (ldns_pkt_opcode)LDNS_OPCODE_WIRE(wire));
	ldns_pkt_set_rd(r, LDNS_RD_WIRE(wire) != 0);
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, rcode);
	return r;
}

static void client_send(const struct dh_client *c, const uint8_t *msg, size_t len);

/*
 * Send r to the client (r is freed). A UDP answer longer than the client
 * takes is sent as header + question (+ OPT) with TC set, so it asks again
 * over TCP.
 */
static void reply_send(const struct dh_client *c, const ldns_pkt *q, ldns_pkt *r)
{
	uint8_t *wire = NULL;
	size_t len = 0;

	if (!r) {
		log_error("dns-helper: out of memory building an answer");
		return;
	}
	if (ldns_pkt2wire(&wire, r, &len) != LDNS_STATUS_OK) {
		log_error("dns-helper: cannot serialize an answer");
		ldns_pkt_free(r);
		return;
	}
	if (!c->tcp && len > udp_limit(q)) {
		/* The same answer without its records: reply_new() gives header, question and OPT. */
		ldns_pkt *t = reply_new(q, ldns_pkt_get_rcode(r));
		ldns_status st = LDNS_STATUS_MEM_ERR;

		free(wire);
		wire = NULL;
		if (t) {
			ldns_pkt_set_aa(t, ldns_pkt_aa(r));
			ldns_pkt_set_ra(t, ldns_pkt_ra(r));
			ldns_pkt_set_tc(t, true);
			st = ldns_pkt2wire(&wire, t, &len);
			ldns_pkt_free(t);
		}
		if (st != LDNS_STATUS_OK) {
			log_error("dns-helper: cannot build a truncated answer");
			ldns_pkt_free(r);
			return;
		}
	}
	if (len <= DH_MSG_MAX)
		client_send(c, wire, len);
	free(wire);
	ldns_pkt_free(r);
}

static void reply_rcode(const struct dh_client *c, const ldns_pkt *q, uint8_t rcode)
{
	reply_send(c, q, reply_new(q, rcode));
}

static void reply_hdr_send(const struct dh_client *c, const uint8_t *wire, uint8_t rcode)
{
	ldns_pkt *r = reply_hdr(wire, rcode);
	uint8_t *out = NULL;
	size_t len = 0;

	if (r && ldns_pkt2wire(&out, r, &len) == LDNS_STATUS_OK)
		client_send(c, out, len);
	free(out);
	ldns_pkt_free(r);
}

/* One answer record: owner as the client spelled it, class IN, TTL 600. */
static ldns_rr *rr_new(const ldns_rr *question, ldns_rr_type type, ldns_rdf *rdata)
{
	ldns_rr *rr = ldns_rr_new();

	if (!rr || !rdata) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(rdata);
		return NULL;
	}
	ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(question)));
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, XNET_DNS_TTL);
	ldns_rr_push_rdf(rr, rdata);
	return rr;
}

/* A name of the asker's networks: A (and ANY) from the rrset, rotating; other types empty. */
static ldns_pkt *answer_name(const ldns_pkt *q, const ldns_rr *qrr, const struct xnet_dns_rrset *rs)
{
	ldns_pkt *r = reply_new(q, LDNS_RCODE_NOERROR);
	ldns_rr_type t = ldns_rr_get_type(qrr);
	__u32 start;

	if (!r)
		return NULL;
	ldns_pkt_set_aa(r, true);
	if (t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_ANY)
		return r;
	/*
	 * Round robin: the rotor the datapath bumps, plus our own counter (we do
	 * not write the rotor back: an update could race with the CLI rewriting
	 * the rrset and bring back a removed address).
	 */
	start = (rs->rotor + dh.rr_counter++) % rs->count;
	for (__u32 i = 0; i < rs->count; i++) {
		__be32 a = rs->addrs[(start + i) % rs->count];
		ldns_rr *rr = rr_new(qrr, LDNS_RR_TYPE_A, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, &a));

		if (!rr || !ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr)) {
			ldns_rr_free(rr);
			ldns_pkt_free(r);
			return NULL;
		}
	}
	return r;
}

/*
 * PTR: "d.c.b.a.in-addr.arpa." (lowercased) -> a.b.c.d in network order, or
 * false when the name is no IPv4 reverse name.
 */
static bool ptr_addr(const ldns_rdf *lname, __be32 *ip)
{
	static const char suffix[] = ".in-addr.arpa.";
	char *s = ldns_rdf2str(lname), *lab[4], *save = NULL, fwd[INET_ADDRSTRLEN + 4];
	size_t n;
	int k = 0;
	bool ok = false;

	if (!s)
		return false;
	n = strlen(s);
	if (n > sizeof(suffix) - 1 && !strcmp(s + n - (sizeof(suffix) - 1), suffix)) {
		s[n - (sizeof(suffix) - 1)] = 0;
		for (char *p = strtok_r(s, ".", &save); p; p = strtok_r(NULL, ".", &save)) {
			if (k == 4) {
				k = 5;
				break;
			}
			lab[k++] = p;
		}
		/* inet_pton takes exactly four decimal parts, no leading zeros or signs. */
		if (k == 4 && snprintf(fwd, sizeof(fwd), "%s.%s.%s.%s", lab[3], lab[2], lab[1], lab[0]) <
				      (int)sizeof(fwd))
			ok = inet_pton(AF_INET, fwd, ip) == 1;
	}
	free(s);
	return ok;
}

/* The PTR answer for an endpoint of a network in the scope, or NULL (not ours: forward). */
static ldns_pkt *answer_ptr(const ldns_pkt *q, const ldns_rr *qrr, const ldns_rdf *lname,
			    const struct xnet_dns_scope *sc, bool *ours)
{
	struct xnet_dns_ptr p;
	ldns_rdf *target = NULL;
	size_t pos = 0;
	ldns_pkt *r;
	ldns_rr *rr;
	__be32 ip;

	*ours = false;
	if (!ptr_addr(lname, &ip) || bpf_map_lookup_elem(dh.map_ptr, &ip, &p) || !scope_has(sc, p.net_id))
		return NULL;
	/* The stored name is wire format; ldns checks it (labels, length, root label). */
	if (ldns_wire2dname(&target, p.name, sizeof(p.name), &pos) != LDNS_STATUS_OK) {
		char a[INET_ADDRSTRLEN];

		log_warn("dns-helper: xnet_dns_ptr entry of %s holds no valid name", util__ip_be_str(ip, a));
		return NULL;
	}
	*ours = true;
	r = reply_new(q, LDNS_RCODE_NOERROR);
	rr = rr_new(qrr, LDNS_RR_TYPE_PTR, target);
	if (!r || !rr || !ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		ldns_pkt_free(r);
		return NULL;
	}
	ldns_pkt_set_aa(r, true);
	return r;
}

/* ------------------------------------------------------------ TCP client connections */

static struct dh_conn *conn_get(int idx, __u32 gen)
{
	if (idx < 0 || idx >= DH_MAX_CONNS)
		return NULL;
	if (dh.conns[idx].io.fd < 0 || dh.conns[idx].gen != gen)
		return NULL;
	return &dh.conns[idx];
}

static void conn_close(struct dh_conn *c)
{
	quota_put(c->peer, true);
	io_close(&c->io);
	link_del(&c->idle);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->out_len = c->out_cap = 0;
	c->pending = 0;
	c->paused = c->busy = false;
	c->gen++;
	dh.nconns--;
}

static void conn_touch(struct dh_conn *c)
{
	c->deadline = now_ms() + DH_CONN_IDLE_MS;
	link_add_tail(&dh.conns_idle, &c->idle);
}

static void conn_events(struct dh_conn *c)
{
	__u32 ev = (c->paused ? 0 : EPOLLIN) | (c->out_len ? EPOLLOUT : 0);

	if (ep_mod(&c->io, ev))
		log_warn("dns-helper: epoll_ctl: %s", strerror(errno));
}

/* Write what is queued; false when the connection was closed. */
static bool conn_flush(struct dh_conn *c)
{
	while (c->out_len) {
		ssize_t n = send(c->io.fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return false;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	conn_events(c);
	return true;
}

static void conn_send(struct dh_conn *c, const uint8_t *msg, size_t len)
{
	size_t need = c->out_len + 2 + len;

	if (need > DH_CONN_OUT_MAX) {
		/* The client does not read its answers: we do not buffer for it without end. */
		conn_close(c);
		return;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 1024;
		uint8_t *o;

		while (cap < need)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o) {
			conn_close(c);
			return;
		}
		c->out = o;
		c->out_cap = cap;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len = need;
	conn_touch(c);
	conn_flush(c);
}

static void client_send(const struct dh_client *c, const uint8_t *msg, size_t len)
{
	if (c->tcp) {
		struct dh_conn *conn = conn_get(c->conn, c->gen);

		if (conn)
			conn_send(conn, msg, len);
		return;
	}
	if (!c->l || c->l->udp.fd < 0)
		return;	/* the network went away meanwhile */
	if (sendto(c->l->udp.fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&c->addr, sizeof(c->addr)) < 0) {
		char a[INET_ADDRSTRLEN];

		log_debug("dns-helper: answer to %s:%u: %s", util__ip_be_str(c->addr.sin_addr.s_addr, a),
			  ntohs(c->addr.sin_port), strerror(errno));
	}
}

/* ------------------------------------------------------------ upstream servers */

static bool is_own_address(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *s = (const void *)ss;

	if (ss->ss_family != AF_INET || s->sin_port != htons(53))
		return false;
	for (int i = 0; i < dh.nls; i++)
		if (dh.ls[i]->gw_ip == s->sin_addr.s_addr)
			return true;
	return false;
}

/* The nameservers of the host's resolv.conf, re-read when the file changed. */
static void resolv_refresh(void)
{
	struct stat st;
	FILE *f;
	char line[512];

	if (stat(DH_RESOLV_CONF, &st)) {
		if (dh.resolv_read && dh.nresolv)
			log_warn("dns-helper: %s: %s; no upstream servers for the host's resolvers",
				 DH_RESOLV_CONF, strerror(errno));
		dh.nresolv = 0;
		dh.resolv_read = true;
		memset(&dh.resolv_st, 0, sizeof(dh.resolv_st));
		return;
	}
	if (dh.resolv_read && st.st_dev == dh.resolv_st.st_dev && st.st_ino == dh.resolv_st.st_ino &&
	    st.st_size == dh.resolv_st.st_size && st.st_mtim.tv_sec == dh.resolv_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == dh.resolv_st.st_mtim.tv_nsec)
		return;
	dh.resolv_st = st;
	dh.resolv_read = true;
	dh.nresolv = 0;
	f = fopen(DH_RESOLV_CONF, "re");
	if (!f) {
		log_warn("dns-helper: cannot read %s: %s", DH_RESOLV_CONF, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) && dh.nresolv < DH_RESOLV_MAX) {
		char kw[16], addr[128];
		struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_DGRAM };
		struct addrinfo *ai = NULL;

		if (sscanf(line, " %15s %127s", kw, addr) != 2 || strcmp(kw, "nameserver"))
			continue;
		/* Numeric only (resolv.conf allows nothing else); IPv6 with %scope is fine. */
		if (getaddrinfo(addr, "53", &hints, &ai) || !ai) {
			log_warn("dns-helper: %s: ignoring nameserver \"%s\" (not an address)", DH_RESOLV_CONF, addr);
			continue;
		}
		memcpy(&dh.resolv[dh.nresolv], ai->ai_addr, ai->ai_addrlen);
		dh.resolv_len[dh.nresolv++] = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	fclose(f);
	log_info("dns-helper: %d nameserver(s) in %s", dh.nresolv, DH_RESOLV_CONF);
}

/* Where f goes: the sandbox's --dns, else the host's resolvers; never ourselves; at most 3. */
static void fwd_pick_servers(struct dh_fwd *f, const struct xnet_dns_scope *sc)
{
	f->nservers = 0;
	if (sc->nservers > 0) {
		for (__u32 i = 0; i < sc->nservers && f->nservers < DH_MAX_UPSTREAMS; i++) {
			const struct xnet_dns_server *s = &sc->servers[i];
			struct sockaddr_storage ss;
			socklen_t sl;

			memset(&ss, 0, sizeof(ss));
			if (s->family == AF_INET) {
				struct sockaddr_in *a = (void *)&ss;

				a->sin_family = AF_INET;
				a->sin_port = s->port ? s->port : htons(53);
				memcpy(&a->sin_addr, s->addr, 4);
				sl = sizeof(*a);
			} else if (s->family == AF_INET6) {
				struct sockaddr_in6 *a = (void *)&ss;

				a->sin6_family = AF_INET6;
				a->sin6_port = s->port ? s->port : htons(53);
				memcpy(&a->sin6_addr, s->addr, 16);
				sl = sizeof(*a);
			} else {
				continue;
			}
			if (is_own_address(&ss))
				continue;
			f->servers[f->nservers] = ss;
			f->server_len[f->nservers++] = sl;
		}
		return;
	}
	resolv_refresh();
	for (int i = 0; i < dh.nresolv && f->nservers < DH_MAX_UPSTREAMS; i++) {
		if (is_own_address(&dh.resolv[i]))
			continue;
		f->servers[f->nservers] = dh.resolv[i];
		f->server_len[f->nservers++] = dh.resolv_len[i];
	}
}

static void fwd_free(struct dh_fwd *f)
{
	struct dh_conn *c;

	io_close(&f->io);
	link_del(&f->timer);
	if (f->client.tcp && (c = conn_get(f->client.conn, f->client.gen))) {
		c->pending--;
		if (c->paused && c->pending < DH_CONN_MAX_PENDING) {
			c->paused = false;
			conn_events(c);
		}
	}
	quota_put(f->client.addr.sin_addr.s_addr, false);
	free(f->query);
	free(f->resp);
	ldns_rdf_deep_free(f->qname);
	memset(f, 0, sizeof(*f));
	f->io.fd = -1;
	dh.nfwd--;
	dh.fwd_free[DH_MAX_FWD - 1 - dh.nfwd] = (int)(f - dh.fwds);
}

static void conn_process(struct dh_conn *c);

/* Done with f: answer the client (msg NULL: SERVFAIL), then resume its TCP connection. */
static void fwd_finish(struct dh_fwd *f, uint8_t *msg, size_t len)
{
	struct dh_client client = f->client;
	ldns_pkt *q = NULL;
	struct dh_conn *c;

	if (msg && (client.tcp || len <= f->max_udp)) {
		/* Verbatim, with the client's id back. */
		LDNS_ID_SET(msg, f->client_id);
		client_send(&client, msg, len);
	} else if (ldns_wire2pkt(&q, f->query, f->qlen) == LDNS_STATUS_OK) {
		ldns_pkt_set_id(q, f->client_id);
		if (msg) {
			/* Too long for the client over UDP: header, question (+ OPT), TC; the rcode and AA as given. */
			ldns_pkt *r = reply_new(q, LDNS_RCODE_WIRE(msg));

			if (r) {
				ldns_pkt_set_aa(r, LDNS_AA_WIRE(msg) != 0);
				ldns_pkt_set_ra(r, LDNS_RA_WIRE(msg) != 0);
				ldns_pkt_set_tc(r, true);
			}
			reply_send(&client, q, r);
		} else {
			reply_rcode(&client, q, LDNS_RCODE_SERVFAIL);
		}
		ldns_pkt_free(q);
	}
	fwd_free(f);
	if (client.tcp && (c = conn_get(client.conn, client.gen)))
		conn_process(c);
}

static void fwd_try(struct dh_fwd *f);

static void fwd_next(struct dh_fwd *f)
{
	io_close(&f->io);
	free(f->resp);
	f->resp = NULL;
	f->cur++;
	fwd_try(f);
}

/*
 * Send f to servers[cur], or to the next one that takes it; SERVFAIL when
 * none is left. UDP: a fresh connected socket (random source port), a fresh
 * random id. TCP: a fresh connection, the query written once it is up.
 */
static void fwd_try(struct dh_fwd *f)
{
	for (; f->cur < f->nservers; f->cur++) {
		const struct sockaddr_storage *ss = &f->servers[f->cur];
		int type = f->client.tcp ? SOCK_STREAM : SOCK_DGRAM;
		char a[64];
		int fd;

		f->up_id = random_id();
		LDNS_ID_SET(f->query, f->up_id);
		f->connected = false;
		f->sent = f->got = 0;
		fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			log_warn("dns-helper: socket: %s", strerror(errno));
			continue;
		}
		f->io.fd = fd;
		if (connect(fd, (const struct sockaddr *)ss, f->server_len[f->cur]) && errno != EINPROGRESS) {
			log_debug("dns-helper: connect to %s: %s", sa_str(ss, a, sizeof(a)), strerror(errno));
			io_close(&f->io);
			continue;
		}
		if (type == SOCK_DGRAM) {
			if (send(fd, f->query, f->qlen, 0) < 0) {
				log_debug("dns-helper: send to %s: %s", sa_str(ss, a, sizeof(a)), strerror(errno));
				io_close(&f->io);
				continue;
			}
			f->connected = true;
		}
		if (ep_add(&f->io, type == SOCK_DGRAM ? EPOLLIN : EPOLLOUT)) {
			log_warn("dns-helper: epoll_ctl: %s", strerror(errno));
			io_close(&f->io);
			continue;
		}
		log_debug("dns-helper: forwarding (%s) to %s", f->client.tcp ? "tcp" : "udp", sa_str(ss, a, sizeof(a)));
		f->deadline = now_ms() + DH_FWD_TIMEOUT_MS;
		link_add_tail(&dh.fwd_timers, &f->timer);
		return;
	}
	fwd_finish(f, NULL, 0);
}

/*
 * Whether msg answers f: a response (QR) with our id and the same question
 * (name compared case-insensitively, type, class). Anything else is not
 * taken as the answer (spoofed or stale).
 */
static bool fwd_matches(const struct dh_fwd *f, const uint8_t *msg, size_t len)
{
	ldns_rdf *name = NULL;
	size_t pos = LDNS_HEADER_SIZE;
	bool ok;

	if (len < LDNS_HEADER_SIZE || !LDNS_QR_WIRE(msg) || LDNS_ID_WIRE(msg) != f->up_id ||
	    LDNS_QDCOUNT(msg) != 1)
		return false;
	if (ldns_wire2dname(&name, msg, len, &pos) != LDNS_STATUS_OK)
		return false;
	ok = pos + 4 <= len && ldns_dname_compare(name, f->qname) == 0 &&
	     ldns_read_uint16(msg + pos) == f->qtype && ldns_read_uint16(msg + pos + 2) == f->qclass;
	ldns_rdf_deep_free(name);
	return ok;
}

/* An answer from the current server: next server on SERVFAIL/REFUSED, anything else to the client. */
static void fwd_answer(struct dh_fwd *f, uint8_t *msg, size_t len)
{
	uint8_t rc = LDNS_RCODE_WIRE(msg);

	if (rc == LDNS_RCODE_SERVFAIL || rc == LDNS_RCODE_REFUSED) {
		char a[64];

		log_debug("dns-helper: %s answered %s, trying the next server",
			  sa_str(&f->servers[f->cur], a, sizeof(a)), rc == LDNS_RCODE_SERVFAIL ? "SERVFAIL" : "REFUSED");
		fwd_next(f);
		return;
	}
	/* NXDOMAIN and every other answer are passed on (Docker's rule). */
	fwd_finish(f, msg, len);
}

static void fwd_udp_event(struct dh_fwd *f)
{
	for (;;) {
		ssize_t n = recv(f->io.fd, g_buf, sizeof(g_buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* ECONNREFUSED (ICMP port unreachable) and the like: this server is out. */
			fwd_next(f);
			return;
		}
		if (fwd_matches(f, g_buf, (size_t)n)) {
			fwd_answer(f, g_buf, (size_t)n);
			return;
		}
	}
}

static void fwd_tcp_event(struct dh_fwd *f, __u32 events)
{
	if (!f->connected) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(f->io.fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
			fwd_next(f);
			return;
		}
		f->connected = true;
	}
	if (f->sent < f->qlen + 2) {
		uint8_t hdr[2] = { (uint8_t)(f->qlen >> 8), (uint8_t)f->qlen };
		struct iovec iov[2];
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n;

		if (f->sent < 2) {
			iov[0] = (struct iovec){ hdr + f->sent, 2 - f->sent };
			iov[1] = (struct iovec){ f->query, f->qlen };
		} else {
			iov[0] = (struct iovec){ f->query + (f->sent - 2), f->qlen - (f->sent - 2) };
			mh.msg_iovlen = 1;
		}
		n = sendmsg(f->io.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fwd_next(f);
			return;
		}
		f->sent += (size_t)n;
		if (f->sent == f->qlen + 2 && ep_mod(&f->io, EPOLLIN))
			fwd_next(f);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		size_t want, rlen;
		ssize_t n;

		if (f->got < 2) {
			n = recv(f->io.fd, f->lenbuf + f->got, 2 - f->got, MSG_DONTWAIT);
		} else {
			rlen = ((size_t)f->lenbuf[0] << 8) | f->lenbuf[1];
			if (!f->resp && !(f->resp = malloc(rlen ? rlen : 1))) {
				fwd_next(f);
				return;
			}
			want = rlen - (f->got - 2);
			n = want ? recv(f->io.fd, f->resp + (f->got - 2), want, MSG_DONTWAIT) : 0;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fwd_next(f);
			return;
		}
		if (n == 0 && !(f->got >= 2 && f->got - 2 == (((size_t)f->lenbuf[0] << 8) | f->lenbuf[1]))) {
			fwd_next(f);	/* closed before a whole answer */
			return;
		}
		f->got += (size_t)n;
		if (f->got >= 2) {
			rlen = ((size_t)f->lenbuf[0] << 8) | f->lenbuf[1];
			if (f->got - 2 == rlen) {
				/* One query per upstream connection: this must be its answer. */
				if (fwd_matches(f, f->resp, rlen))
					fwd_answer(f, f->resp, rlen);
				else
					fwd_next(f);
				return;
			}
		}
	}
}

/* Start forwarding q (wire: msg) for client c. */
static void fwd_start(const struct dh_client *c, const struct xnet_dns_scope *sc, const ldns_pkt *q,
		      const ldns_rr *qrr, const uint8_t *msg, size_t len)
{
	struct dh_fwd *f;
	struct dh_conn *conn;

	if (dh.nfwd >= DH_MAX_FWD || quota_slot(c->addr.sin_addr.s_addr)->fwds >= DH_FWD_PER_CLIENT) {
		/* Docker's answer when its 1,024 slots are taken; the same for a client's share. */
		refusal(dh.nfwd >= DH_MAX_FWD ? DH_REF_FWD_ALL : DH_REF_FWD_CLIENT, c->addr.sin_addr.s_addr);
		reply_rcode(c, q, LDNS_RCODE_REFUSED);
		return;
	}
	/* Free slots are fwd_free[0 .. DH_MAX_FWD - nfwd - 1]; the top one is taken. */
	f = &dh.fwds[dh.fwd_free[DH_MAX_FWD - 1 - dh.nfwd]];
	memset(f, 0, sizeof(*f));
	f->io.kind = DH_FWD;
	f->io.fd = -1;
	link_init(&f->timer);
	fwd_pick_servers(f, sc);
	if (!f->nservers) {
		log_warn("dns-helper: no upstream server to forward to (%s); answering SERVFAIL",
			 sc->nservers ? "every --dns server is this helper" : "no usable nameserver in " DH_RESOLV_CONF);
		reply_rcode(c, q, LDNS_RCODE_SERVFAIL);
		return;
	}
	f->query = malloc(len);
	f->qname = ldns_rdf_clone(ldns_rr_owner(qrr));
	if (!f->query || !f->qname) {
		free(f->query);
		ldns_rdf_deep_free(f->qname);
		reply_rcode(c, q, LDNS_RCODE_SERVFAIL);
		return;
	}
	memcpy(f->query, msg, len);
	f->qlen = len;
	f->used = true;
	f->client = *c;
	f->client_id = ldns_pkt_id(q);
	f->qtype = (uint16_t)ldns_rr_get_type(qrr);
	f->qclass = (uint16_t)ldns_rr_get_class(qrr);
	f->max_udp = udp_limit(q);
	dh.nfwd++;
	quota_take(c->addr.sin_addr.s_addr, false);
	if (c->tcp && (conn = conn_get(c->conn, c->gen)))
		conn->pending++;
	fwd_try(f);
}

/* ------------------------------------------------------------ one query */

static void handle_query(const struct dh_client *c, const uint8_t *msg, size_t len)
{
	struct xnet_dns_scope sc;
	struct xnet_dns_rrset rs;
	ldns_pkt *q = NULL, *r;
	ldns_rdf *lname;
	ldns_rr *qrr;
	bool ours;

	/* Not a query, or not even a header: no answer at all (never reflect responses). */
	if (len < LDNS_HEADER_SIZE || LDNS_QR_WIRE(msg))
		return;
	if (LDNS_OPCODE_WIRE(msg) != LDNS_PACKET_QUERY) {
		/* RFC 1035 4.1.1: NOTIMP; the sections of other opcodes are not ours to parse. */
		reply_hdr_send(c, msg, LDNS_RCODE_NOTIMPL);
		return;
	}
	if (len > DH_MAX_QUERY || ldns_wire2pkt(&q, msg, len) != LDNS_STATUS_OK) {
		reply_hdr_send(c, msg, LDNS_RCODE_FORMERR);
		return;
	}
	if (ldns_pkt_qdcount(q) != 1 || !(qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0))) {
		reply_hdr_send(c, msg, LDNS_RCODE_FORMERR);
		goto out;
	}
	if (ldns_pkt_edns(q) && ldns_pkt_edns_version(q) != 0) {
		/* RFC 6891 6.1.3: BADVERS (16) is extended rcode 1 over header rcode 0, version 0 in our OPT. */
		r = reply_new(q, LDNS_RCODE_NOERROR);
		if (r) {
			ldns_pkt_set_edns_extended_rcode(r, 1);
			ldns_pkt_set_edns_version(r, 0);
		}
		reply_send(c, q, r);
		goto out;
	}
	if (!scope_of(c->addr.sin_addr.s_addr, &sc)) {
		/* Not one of our sandboxes (the host, the default bridge): we are nobody else's resolver. */
		reply_rcode(c, q, LDNS_RCODE_REFUSED);
		goto out;
	}
	lname = ldns_rdf_clone(ldns_rr_owner(qrr));
	if (!lname) {
		reply_rcode(c, q, LDNS_RCODE_SERVFAIL);
		goto out;
	}
	ldns_dname2canonical(lname);	/* the maps hold lowercased names */
	if (ldns_rr_get_class(qrr) == LDNS_RR_CLASS_IN) {
		if (names_lookup(&sc, lname, &rs)) {
			reply_send(c, q, answer_name(q, qrr, &rs));
			ldns_rdf_deep_free(lname);
			goto out;
		}
		if (ldns_rr_get_type(qrr) == LDNS_RR_TYPE_PTR) {
			r = answer_ptr(q, qrr, lname, &sc, &ours);
			if (ours) {
				if (r)
					reply_send(c, q, r);
				else
					reply_rcode(c, q, LDNS_RCODE_SERVFAIL);
				ldns_rdf_deep_free(lname);
				goto out;
			}
		}
	}
	ldns_rdf_deep_free(lname);
	if (!(sc.flags & XNET_DNS_F_FORWARD)) {
		/*
		 * Every network of the sandbox is --internal: nothing leaves the host
		 * for it (CVE-2024-29018). Docker (daemon/libnetwork/resolver.go,
		 * forwardExtDNS): "If proxyDNS is false, do not forward the request
		 * from the host's namespace (don't access an external DNS server from
		 * an internal network)", and ServeDNS then answers
		 * `resp = new(dns.Msg).SetRcode(query, dns.RcodeServerFailure)`
		 * ("We were unable to get an answer from any of the upstream DNS
		 * servers or the backend doesn't support proxying DNS requests").
		 * We answer the same SERVFAIL.
		 */
		reply_rcode(c, q, LDNS_RCODE_SERVFAIL);
		goto out;
	}
	fwd_start(c, &sc, q, qrr, msg, len);
out:
	ldns_pkt_free(q);
}

/* ------------------------------------------------------------ listeners */

static void udp_event(struct dh_listener *l)
{
	for (int i = 0; i < DH_UDP_BATCH && l->udp.fd >= 0; i++) {
		struct dh_client c = { .tcp = false, .l = l };
		socklen_t al = sizeof(c.addr);
		ssize_t n = recvfrom(l->udp.fd, g_buf, sizeof(g_buf), MSG_DONTWAIT, (struct sockaddr *)&c.addr, &al);

		if (n < 0)
			return;
		if (c.addr.sin_family != AF_INET)
			continue;
		handle_query(&c, g_buf, (size_t)n);
	}
}

/* Complete messages in c->in are answered while it may have more forwards in flight. */
static void conn_process(struct dh_conn *c)
{
	if (c->busy)
		return;
	c->busy = true;
	while (c->io.fd >= 0 && c->in_len >= 2) {
		size_t mlen = ((size_t)c->in[0] << 8) | c->in[1];
		struct dh_client cl = { .tcp = true, .conn = (int)(c - dh.conns), .gen = c->gen };
		__u32 gen = c->gen;

		if (c->in_len < 2 + mlen)
			break;
		if (c->pending >= DH_CONN_MAX_PENDING) {
			if (!c->paused) {
				c->paused = true;
				conn_events(c);
			}
			break;
		}
		cl.addr.sin_family = AF_INET;
		cl.addr.sin_addr.s_addr = c->peer;
		cl.addr.sin_port = c->peer_port;
		conn_touch(c);
		handle_query(&cl, c->in + 2, mlen);
		if (c->io.fd < 0 || c->gen != gen)
			return;	/* closed while answering (conn_close() cleared busy) */
		memmove(c->in, c->in + 2 + mlen, c->in_len - 2 - mlen);
		c->in_len -= 2 + mlen;
	}
	c->busy = false;
}

/*
 * Read the message under way, and no further: the buffer holds one message
 * (2-byte length + at most 65535 bytes), answered before the next is read.
 */
static void conn_read(struct dh_conn *c)
{
	while (c->io.fd >= 0 && !c->paused) {
		size_t want;
		ssize_t n;

		if (!c->in && !(c->in = malloc(2 + DH_MSG_MAX))) {
			conn_close(c);
			return;
		}
		if (c->in_len < 2)
			want = 2 - c->in_len;
		else
			want = 2 + (((size_t)c->in[0] << 8) | c->in[1]) - c->in_len;
		if (!want) {
			conn_process(c);
			continue;
		}
		n = recv(c->io.fd, c->in + c->in_len, want, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (n < 0)
			return;
		/* Bytes alone do not restart the idle timer (conn_process does): no slow trickle keeps a slot. */
		c->in_len += (size_t)n;
	}
}

static void conn_event(struct dh_conn *c, __u32 events)
{
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(c);
		return;
	}
	if ((events & EPOLLOUT) && !conn_flush(c))
		return;
	if (events & EPOLLIN)
		conn_read(c);
}

static void tcp_accept(struct dh_listener *l)
{
	for (;;) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		int fd = accept4(l->tcp.fd, (struct sockaddr *)&a, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct dh_conn *c = NULL;

		if (fd < 0)
			return;
		for (int i = 0; i < DH_MAX_CONNS && dh.nconns < DH_MAX_CONNS; i++) {
			if (dh.conns[i].io.fd < 0) {
				c = &dh.conns[i];
				break;
			}
		}
		if (!c || a.sin_family != AF_INET || !quota_take(a.sin_addr.s_addr, true)) {
			/* Bounded: a client that opens more connections than this gets them closed. */
			if (a.sin_family == AF_INET)
				refusal(c ? DH_REF_CONN_CLIENT : DH_REF_CONN_ALL, a.sin_addr.s_addr);
			close(fd);
			continue;
		}
		c->io.kind = DH_CONN;
		c->io.fd = fd;
		c->peer = a.sin_addr.s_addr;
		c->peer_port = a.sin_port;
		c->in_len = c->out_len = 0;
		c->pending = 0;
		c->paused = false;
		link_init(&c->idle);
		dh.nconns++;
		if (ep_add(&c->io, EPOLLIN)) {
			conn_close(c);
			continue;
		}
		conn_touch(c);
	}
}

static int listen_socket(int type, __be32 ip, char *why, size_t whylen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = ip };
	int one = 1, fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 128))) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Open what is missing of l; a failure is logged with the address and the reason. */
static void listener_open(struct dh_listener *l)
{
	char a[INET_ADDRSTRLEN], why[128];
	struct dh_io *ios[2] = { &l->udp, &l->tcp };

	for (int i = 0; i < 2; i++) {
		struct dh_io *io = ios[i];
		int type = i == 0 ? SOCK_DGRAM : SOCK_STREAM;

		if (io->fd >= 0)
			continue;
		io->fd = listen_socket(type, l->gw_ip, why, sizeof(why));
		if (io->fd < 0) {
			log_error("dns-helper: cannot listen on %s:53 (%s): %s; names of this network still resolve "
				  "in the datapath, other queries go unanswered",
				  util__ip_be_str(l->gw_ip, a), i == 0 ? "udp" : "tcp", why);
			continue;
		}
		if (ep_add(io, EPOLLIN)) {
			log_error("dns-helper: epoll_ctl: %s", strerror(errno));
			io_close(io);
			continue;
		}
		log_info("dns-helper: listening on %s:53 (%s)", util__ip_be_str(l->gw_ip, a), i == 0 ? "udp" : "tcp");
	}
}

static void listener_free(struct dh_listener *l)
{
	char a[INET_ADDRSTRLEN];

	/* Forwards answering through its UDP socket lose their way back. */
	for (int i = 0; i < DH_MAX_FWD; i++)
		if (dh.fwds[i].used && !dh.fwds[i].client.tcp && dh.fwds[i].client.l == l)
			dh.fwds[i].client.l = NULL;
	io_close(&l->udp);
	io_close(&l->tcp);
	log_info("dns-helper: no longer listening on %s:53 (network %u is gone)", util__ip_be_str(l->gw_ip, a), l->net_id);
	free(l);
}

/*
 * Listen on gw_ip:53 of every network with XNET_NET_DNS, close what belongs
 * to networks that are gone. Returns the number of DNS networks, -1 when the
 * maps cannot be read.
 */
static int listeners_sync(void)
{
	__u32 key, next, *prev = NULL;
	int ndns = 0;

	if (maps_open())
		return -1;
	for (int i = 0; i < dh.nls; i++)
		dh.ls[i]->seen = false;
	while (bpf_map_get_next_key(dh.map_networks, prev, &next) == 0) {
		struct xnet_network n;
		struct dh_listener *l = NULL;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(dh.map_networks, &key, &n) || !(n.flags & XNET_NET_DNS) || !n.gw_ip)
			continue;
		ndns++;
		for (int i = 0; i < dh.nls; i++) {
			if (dh.ls[i]->net_id == key && dh.ls[i]->gw_ip == n.gw_ip) {
				l = dh.ls[i];
				break;
			}
		}
		if (!l) {
			struct dh_listener **nl = realloc(dh.ls, sizeof(*nl) * (size_t)(dh.nls + 1));

			l = calloc(1, sizeof(*l));
			if (!nl || !l) {
				free(l);
				if (nl)
					dh.ls = nl;
				log_error("dns-helper: out of memory");
				return -1;
			}
			dh.ls = nl;
			l->net_id = key;
			l->gw_ip = n.gw_ip;
			l->udp = (struct dh_io){ DH_UDP_LISTEN, -1 };
			l->tcp = (struct dh_io){ DH_TCP_LISTEN, -1 };
			dh.ls[dh.nls++] = l;
		}
		l->seen = true;
	}
	if (errno != ENOENT) {
		log_error("dns-helper: cannot walk xnet_networks: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < dh.nls;) {
		if (!dh.ls[i]->seen) {
			listener_free(dh.ls[i]);
			dh.ls[i] = dh.ls[--dh.nls];
			continue;
		}
		i++;
	}
	/* Opened after the stale ones closed: a network re-created with the same address binds again. */
	for (int i = 0; i < dh.nls; i++)
		listener_open(dh.ls[i]);
	return ndns;
}

/* ------------------------------------------------------------ process */

/*
 * The single-instance lock: <root>/dns-helper.lock, flock()ed for life,
 * holding our pid. Returns its fd, -1 on error, -2 when another helper holds
 * it (reported, not an error).
 */
static int lock_take(const char *root)
{
	char path[PATH_MAX + 32], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", root, XNET_DNS_HELPER_LOCK);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("dns-helper: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK) {
			n = (int)pread(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = 0;
			printf("dns-helper already running (pid %d)\n", atoi(buf));
			close(fd);
			return -2;
		}
		log_error("dns-helper: cannot lock %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("dns-helper: cannot write our pid into %s: %s", path, strerror(errno));
	return fd;
}

/* Enough descriptors for two listeners per network, every forward and connection. */
static void raise_nofile(void)
{
	rlim_t want = 2 * XNET_MAX_NETWORKS + DH_MAX_FWD + DH_MAX_CONNS + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		log_warn("dns-helper: cannot raise the open file limit to %llu (now %llu): fewer forwards may "
			 "run at once", (unsigned long long)want, (unsigned long long)rl.rlim_cur);
	}
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	dh.sig.kind = DH_SIGNAL;
	dh.sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (dh.sig.fd < 0)
		return -1;
	return ep_add(&dh.sig, EPOLLIN);
}

/* SIGHUP: networks changed, follow them (none left: exit). SIGTERM/SIGINT: exit. */
static void signal_event(void)
{
	struct signalfd_siginfo si;

	while (read(dh.sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			int n = listeners_sync();

			if (n <= 0) {
				if (n == 0)
					log_info("dns-helper: no network with embedded DNS is left, exiting");
				dh.stop = true;
				dh.exit_code = n < 0 ? 1 : 0;
			}
		} else {
			log_info("dns-helper: signal %u, exiting", si.ssi_signo);
			dh.stop = true;
			dh.exit_code = 0;
		}
	}
}

/* Expired forwards go to their next server; idle TCP connections are closed. */
static void timers_run(void)
{
	__u64 now = now_ms();

	while (link_linked(&dh.fwd_timers)) {
		struct dh_fwd *f = container_of(dh.fwd_timers.next, struct dh_fwd, timer);
		char a[64];

		if (f->deadline > now)
			break;
		log_debug("dns-helper: %s did not answer in %d ms, trying the next server",
			  sa_str(&f->servers[f->cur], a, sizeof(a)), DH_FWD_TIMEOUT_MS);
		link_del(&f->timer);
		fwd_next(f);
	}
	while (link_linked(&dh.conns_idle)) {
		struct dh_conn *c = container_of(dh.conns_idle.next, struct dh_conn, idle);

		if (c->deadline > now)
			break;
		if (c->pending || c->out_len)
			conn_touch(c);	/* still waiting for upstream answers or the client's reading */
		else
			conn_close(c);
	}
}

static int next_timeout(void)
{
	__u64 now = now_ms(), t = UINT64_MAX;

	if (link_linked(&dh.fwd_timers))
		t = container_of(dh.fwd_timers.next, struct dh_fwd, timer)->deadline;
	if (link_linked(&dh.conns_idle)) {
		__u64 d = container_of(dh.conns_idle.next, struct dh_conn, idle)->deadline;

		if (d < t)
			t = d;
	}
	if (t == UINT64_MAX)
		return -1;
	return t <= now ? 0 : (int)(t - now > INT_MAX ? INT_MAX : t - now);
}

static void dispatch(struct epoll_event *ev)
{
	struct dh_io *io = ev->data.ptr;

	switch (io->kind) {
	case DH_SIGNAL:
		signal_event();
		break;
	case DH_UDP_LISTEN:
		udp_event(container_of(io, struct dh_listener, udp));
		break;
	case DH_TCP_LISTEN:
		tcp_accept(container_of(io, struct dh_listener, tcp));
		break;
	case DH_CONN:
		conn_event(container_of(io, struct dh_conn, io), ev->events);
		break;
	case DH_FWD: {
		struct dh_fwd *f = container_of(io, struct dh_fwd, io);

		if (!f->used || f->io.fd < 0)
			break;
		if (f->client.tcp)
			fwd_tcp_event(f, ev->events);
		else
			fwd_udp_event(f);
		break;
	}
	}
}

static void shutdown_all(void)
{
	for (int i = 0; i < DH_MAX_FWD; i++)
		if (dh.fwds[i].used)
			fwd_free(&dh.fwds[i]);
	for (int i = 0; i < DH_MAX_CONNS; i++)
		if (dh.conns[i].io.fd >= 0)
			conn_close(&dh.conns[i]);
	for (int i = 0; i < dh.nls; i++) {
		io_close(&dh.ls[i]->udp);
		io_close(&dh.ls[i]->tcp);
		free(dh.ls[i]);
	}
	free(dh.ls);
	dh.ls = NULL;
	dh.nls = 0;
	maps_close();
	io_close(&dh.sig);
	if (dh.epfd >= 0)
		close(dh.epfd);
}

static int run(void)
{
	struct epoll_event evs[64];
	int n;

	dh.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dh.epfd < 0 || signals_open()) {
		log_error("dns-helper: cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	n = listeners_sync();
	if (n < 0)
		return 1;
	if (n == 0) {
		log_info("dns-helper: no network with embedded DNS under %s, nothing to do", dh.root);
		return 0;
	}
	log_info("dns-helper: serving %d network(s) under %s", n, dh.root);
	while (!dh.stop) {
		n = epoll_wait(dh.epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), next_timeout());
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("dns-helper: epoll_wait: %s", strerror(errno));
			return 1;
		}
		/*
		 * A handler may free what a later event of this batch points to: a
		 * forward (answered, its fd closed) or a connection. Their slots are
		 * static and carry fd -1 once free, which dispatch() checks; a slot
		 * reused within the batch only gets a spurious wakeup (non-blocking).
		 */
		for (int i = 0; i < n && !dh.stop; i++) {
			struct dh_io *io = evs[i].data.ptr;

			if (io->kind == DH_SIGNAL) {
				/*
				 * SIGHUP may free listeners later events of this batch
				 * point to: end the batch, level-triggered epoll reports
				 * what is still pending.
				 */
				signal_event();
				break;
			}
			if (io->kind != DH_UDP_LISTEN && io->kind != DH_TCP_LISTEN && io->fd < 0)
				continue;
			dispatch(&evs[i]);
		}
		timers_run();
	}
	return dh.exit_code;
}

int dns_helper__main(const char *root)
{
	int lock, rc;

	memset(&dh, 0, sizeof(dh));
	dh.root = root;
	dh.epfd = -1;
	dh.sig.fd = -1;
	dh.map_networks = dh.map_ip2ep = dh.map_scope = dh.map_names = dh.map_ptr = -1;
	dh.rnd_pos = sizeof(dh.rnd);
	link_init(&dh.fwd_timers);
	link_init(&dh.conns_idle);
	for (int k = 0; k < DH_MAX_FWD; k++) {
		dh.fwds[k].io.fd = -1;
		dh.fwd_free[k] = k;
	}
	for (int k = 0; k < DH_MAX_CONNS; k++) {
		dh.conns[k].io.fd = -1;
		link_init(&dh.conns[k].idle);
	}
	lock = lock_take(root);
	if (lock == -2)
		return 0;
	if (lock < 0)
		return 1;
	raise_nofile();
	rc = run();
	shutdown_all();
	/* No pid of a gone process left behind; closing the lock lets a new helper start at once. */
	if (ftruncate(lock, 0))
		log_debug("dns-helper: cannot clear the lock file: %s", strerror(errno));
	close(lock);
	return rc;
}
