// SPDX-License-Identifier: GPL-2.0-only
/* packet: frame builder and option parser of xnet-pktgen. See packet.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "packet.h"

uint32_t pg_csum_add(uint32_t sum, const void *data, size_t n)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

uint16_t pg_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

unsigned pg_payload_frame_size(unsigned len)
{
	unsigned n = PG_ETH_LEN + PG_IP_LEN + PG_UDP_LEN + len;

	return n < PG_MIN_SIZE ? PG_MIN_SIZE : n;
}

int pg_build(const struct pg_packet *p, uint8_t *buf, size_t buflen)
{
	unsigned hdr = PG_ETH_LEN + PG_IP_LEN + (p->proto == PG_UDP ? PG_UDP_LEN : PG_TCP_LEN);
	unsigned l4len, iplen;
	uint8_t *ip = buf + PG_IP_OFF, *l4 = buf + PG_L4_OFF, pseudo[12];
	uint32_t sum;
	uint16_t c;

	if (p->size < PG_MIN_SIZE || p->size > PG_MAX_SIZE || p->size < hdr || buflen < p->size)
		return -1;
	if (p->payload_len && (p->proto != PG_UDP || p->payload_len > PG_MAX_PAYLOAD ||
			       p->size < hdr + p->payload_len))
		return -1;
	memset(buf, 0, p->size);
	/* With a payload, the datagram ends after it; the rest is padding. */
	iplen = p->payload_len ? PG_IP_LEN + PG_UDP_LEN + p->payload_len : p->size - PG_ETH_LEN;
	l4len = iplen - PG_IP_LEN;

	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	put16(buf + 12, 0x0800);

	ip[0] = 0x45;
	put16(ip + 2, iplen);
	put16(ip + 6, 0x4000);			/* DF */
	ip[8] = 64;
	ip[9] = p->proto == PG_UDP ? 17 : 6;
	put32(ip + 12, p->src_ip);
	put32(ip + 16, p->dst_ip);
	put16(ip + 10, pg_csum_fold(pg_csum_add(0, ip, PG_IP_LEN)));

	put16(l4, p->src_port);
	put16(l4 + 2, p->dst_port);
	if (p->proto == PG_UDP) {
		put16(l4 + 4, l4len);
		memcpy(l4 + PG_UDP_LEN, p->payload, p->payload_len);	/* else zeros */
	} else {
		put32(l4 + 4, 0x12345678);	/* seq */
		l4[12] = (PG_TCP_LEN / 4) << 4;	/* data offset, no options */
		l4[13] = 0x02;			/* SYN */
		put16(l4 + 14, 65535);		/* window */
		/* The padding up to size is TCP payload (SYN with data). */
	}
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	put16(pseudo + 10, l4len);
	sum = pg_csum_add(0, pseudo, sizeof(pseudo));
	sum = pg_csum_add(sum, l4, l4len);
	c = pg_csum_fold(sum);
	if (p->proto == PG_UDP && c == 0)
		c = 0xffff;
	put16(l4 + (p->proto == PG_UDP ? PG_UDP_CSUM_OFF : PG_TCP_CSUM_OFF), c);
	return (int)p->size;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

void pg_walk_init(struct pg_walk *w, const struct pg_opts *o, const uint8_t *tmpl)
{
	memset(w, 0, sizeof(*w));
	w->src_ip = o->pkt.src_ip;
	w->ip_count = o->src_ip_count ? o->src_ip_count : 1;
	w->src_port = o->pkt.src_port;
	w->port_count = o->src_port_count ? o->src_port_count : 1;
	w->udp = o->pkt.proto == PG_UDP;
	w->l4_csum_off = w->udp ? PG_UDP_CSUM_OFF : PG_TCP_CSUM_OFF;
	w->ip_csum = get16(tmpl + PG_IP_OFF + 10);
	w->l4_csum = get16(tmpl + PG_L4_OFF + w->l4_csum_off);
}

int pg_walk_varies(const struct pg_walk *w)
{
	return w->port_count > 1 || w->ip_count > 1;
}

static uint32_t fold16(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), exactly as pktgen.bpf.c computes it. */
static uint16_t csum_replace(uint32_t csum, uint32_t sum_old, uint32_t sum_new)
{
	uint32_t s = (~csum & 0xffff) + (~fold16(sum_old) & 0xffff) + fold16(sum_new);

	s = fold16(s);
	return (uint16_t)(~s & 0xffff);
}

void pg_walk_frame(const struct pg_walk *w, uint8_t *frame, uint32_t idx)
{
	uint32_t port, ip, old = w->src_ip;
	uint16_t ipc, l4c;
	uint8_t *iph = frame + PG_IP_OFF, *l4 = frame + PG_L4_OFF;

	if (!pg_walk_varies(w))
		return;
	port = w->src_port + idx % w->port_count;
	ip = w->src_ip + (idx / w->port_count) % w->ip_count;
	ipc = csum_replace(w->ip_csum, (old >> 16) + (old & 0xffff), (ip >> 16) + (ip & 0xffff));
	l4c = csum_replace(w->l4_csum, fold16((old >> 16) + (old & 0xffff) + w->src_port),
			   fold16((ip >> 16) + (ip & 0xffff) + port));
	if (w->udp && l4c == 0)
		l4c = 0xffff;
	put32(iph + 12, ip);
	put16(iph + 10, ipc);
	put16(l4, (uint16_t)port);
	put16(l4 + w->l4_csum_off, l4c);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pg_parse_hex(const char *s, uint8_t *out, size_t outlen)
{
	size_t n = 0;
	int hi, lo;

	for (;;) {
		while (*s == ':' || *s == '.' || *s == '-' || *s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
		if (lo < 0 || n == outlen)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n ? (int)n : -1;
}

int pg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

int pg_parse_ip_range(const char *s, uint32_t *first, uint32_t *count)
{
	char buf[64], *dash;
	uint32_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = 0;
	if (parse_ip(buf, &a))
		return -1;
	b = a;
	if (dash && parse_ip(dash, &b))
		return -1;
	if (b < a || (uint64_t)b - a + 1 > 0xffffffffull)
		return -1;
	*first = a;
	*count = b - a + 1;
	return 0;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

int pg_parse_port_range(const char *s, uint16_t *first, uint32_t *count)
{
	char buf[32], *dash;
	uint64_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = 0;
	if (parse_u64(buf, 1, 65535, &a))
		return -1;
	b = a;
	if (dash && parse_u64(dash, 1, 65535, &b))
		return -1;
	if (b < a)
		return -1;
	*first = (uint16_t)a;
	*count = (uint32_t)(b - a + 1);
	return 0;
}

static int errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

enum {
	O_DEV = 256, O_DST_MAC, O_SRC_MAC, O_DST_IP, O_SRC_IP, O_DST_PORT, O_SRC_PORT,
	O_UDP, O_TCP_SYN, O_SIZE, O_COUNT, O_DURATION, O_RATE, O_THREADS, O_JSON,
	O_SINK, O_BATCH, O_MODE, O_PAYLOAD_HEX, O_TC, O_UDP_SPORT, O_HELP,
};

int pg_parse(int argc, char **argv, struct pg_opts *o, char *err, size_t errlen)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, O_DEV },
		{ "dst-mac", required_argument, NULL, O_DST_MAC },
		{ "src-mac", required_argument, NULL, O_SRC_MAC },
		{ "dst-ip", required_argument, NULL, O_DST_IP },
		{ "src-ip", required_argument, NULL, O_SRC_IP },
		{ "dst-port", required_argument, NULL, O_DST_PORT },
		{ "src-port", required_argument, NULL, O_SRC_PORT },
		{ "udp", no_argument, NULL, O_UDP },
		{ "tcp-syn", no_argument, NULL, O_TCP_SYN },
		{ "size", required_argument, NULL, O_SIZE },
		{ "count", required_argument, NULL, O_COUNT },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "rate", required_argument, NULL, O_RATE },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "mode", required_argument, NULL, O_MODE },
		{ "json", no_argument, NULL, O_JSON },
		{ "sink", required_argument, NULL, O_SINK },
		{ "payload-hex", required_argument, NULL, O_PAYLOAD_HEX },
		{ "tc", no_argument, NULL, O_TC },
		{ "udp-sport", required_argument, NULL, O_UDP_SPORT },
		{ "help", no_argument, NULL, O_HELP },
		{ 0 }
	};
	int c, n, first = 1, have_proto = 0;
	uint64_t v;
	uint32_t cnt;
	char *end;

	memset(o, 0, sizeof(*o));
	o->pkt.proto = PG_UDP;
	o->pkt.size = PG_MIN_SIZE;
	o->pkt.src_ip = 0xc6120001;	/* 198.18.0.1 */
	o->pkt.src_port = 9;
	o->pkt.dst_port = 9;
	o->src_ip_count = 1;
	o->src_port_count = 1;
	o->batch = 64;
	/* Locally administered defaults. */
	memcpy(o->pkt.src_mac, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x01 }, 6);
	memcpy(o->pkt.dst_mac, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x02 }, 6);

	/* Subcommand form: xnet-pktgen sink --dev IF ... */
	if (argc > 1 && strcmp(argv[1], "sink") == 0) {
		o->mode = PG_MODE_SINK;
		first = 2;
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - first + 1, argv + first - 1, ":h", lo, NULL)) != -1) {
		const char *a = optarg;

		switch (c) {
		case O_DEV:
		case O_SINK:
			if (!*a || strlen(a) >= 16)
				return errf(err, errlen, "invalid interface name '%s'", a);
			snprintf(o->dev, sizeof(o->dev), "%s", a);
			if (c == O_SINK)
				o->mode = PG_MODE_SINK;
			break;
		case O_DST_MAC:
			if (pg_parse_mac(a, o->pkt.dst_mac))
				return errf(err, errlen, "--dst-mac: invalid MAC address '%s'", a);
			o->have_dst_mac = 1;
			break;
		case O_SRC_MAC:
			if (pg_parse_mac(a, o->pkt.src_mac))
				return errf(err, errlen, "--src-mac: invalid MAC address '%s'", a);
			o->have_src_mac = 1;
			break;
		case O_DST_IP:
			if (pg_parse_ip_range(a, &o->pkt.dst_ip, &cnt) || cnt != 1)
				return errf(err, errlen, "--dst-ip: invalid IPv4 address '%s'", a);
			o->have_dst_ip = 1;
			break;
		case O_SRC_IP:
			if (pg_parse_ip_range(a, &o->pkt.src_ip, &o->src_ip_count))
				return errf(err, errlen, "--src-ip: invalid IPv4 address or range '%s'", a);
			break;
		case O_DST_PORT:
			if (parse_u64(a, 1, 65535, &v))
				return errf(err, errlen, "--dst-port: invalid port '%s' (1..65535)", a);
			o->pkt.dst_port = (uint16_t)v;
			break;
		case O_SRC_PORT:
			if (pg_parse_port_range(a, &o->pkt.src_port, &o->src_port_count))
				return errf(err, errlen, "--src-port: invalid port or range '%s' (1..65535)", a);
			break;
		case O_UDP:
		case O_TCP_SYN:
			if (have_proto && o->pkt.proto != (c == O_UDP ? PG_UDP : PG_TCP_SYN))
				return errf(err, errlen, "--udp and --tcp-syn are exclusive");
			have_proto = 1;
			o->pkt.proto = c == O_UDP ? PG_UDP : PG_TCP_SYN;
			break;
		case O_SIZE:
			if (parse_u64(a, PG_MIN_SIZE, PG_MAX_SIZE, &v))
				return errf(err, errlen, "--size: invalid frame size '%s' (%d..%d bytes, without FCS)",
					    a, PG_MIN_SIZE, PG_MAX_SIZE);
			o->pkt.size = (unsigned)v;
			o->have_size = 1;
			break;
		case O_PAYLOAD_HEX:
			n = pg_parse_hex(a, o->pkt.payload, sizeof(o->pkt.payload));
			if (n < 0)
				return errf(err, errlen, "--payload-hex: expected 1..%d bytes as pairs of hex digits",
					    PG_MAX_PAYLOAD);
			o->pkt.payload_len = (unsigned)n;
			break;
		case O_COUNT:
			if (parse_u64(a, 1, UINT64_MAX, &v))
				return errf(err, errlen, "--count: invalid packet count '%s'", a);
			o->count = v;
			break;
		case O_DURATION:
			errno = 0;
			o->duration = strtod(a, &end);
			if (errno || end == a || *end || !(o->duration > 0) || o->duration > 1e7)
				return errf(err, errlen, "--duration: invalid number of seconds '%s'", a);
			break;
		case O_RATE:
			if (parse_u64(a, 1, UINT64_MAX, &v))
				return errf(err, errlen, "--rate: invalid packets per second '%s'", a);
			o->rate = v;
			break;
		case O_THREADS:
			if (parse_u64(a, 1, 1024, &v))
				return errf(err, errlen, "--threads: invalid thread count '%s' (1..1024)", a);
			o->threads = (unsigned)v;
			break;
		case O_BATCH:
			if (parse_u64(a, 1, 256, &v))
				return errf(err, errlen, "--batch: invalid batch size '%s' (1..256)", a);
			o->batch = (unsigned)v;
			break;
		case O_MODE:
			if (!strcmp(a, "auto"))
				o->engine = PG_ENGINE_AUTO;
			else if (!strcmp(a, "live"))
				o->engine = PG_ENGINE_LIVE;
			else if (!strcmp(a, "kernel"))
				o->engine = PG_ENGINE_KERNEL;
			else if (!strcmp(a, "afpacket"))
				o->engine = PG_ENGINE_AFPACKET;
			else
				return errf(err, errlen, "--mode: expected auto, live, afpacket or kernel, not '%s'", a);
			break;
		case O_JSON:
			o->json = 1;
			break;
		case O_TC:
			o->tc = 1;
			break;
		case O_UDP_SPORT:
			if (parse_u64(a, 1, 65535, &v))
				return errf(err, errlen, "--udp-sport: invalid port '%s' (1..65535)", a);
			o->udp_sport = (uint16_t)v;
			break;
		case 'h':
		case O_HELP:
			o->help = 1;
			return 0;
		case ':':
			return errf(err, errlen, "option %s needs an argument", argv[first - 1 + optind - 1]);
		default:
			return errf(err, errlen, "unknown option '%s'", argv[first - 1 + optind - 1]);
		}
	}
	if (optind < argc - first + 1)
		return errf(err, errlen, "unexpected argument '%s'", argv[first - 1 + optind]);
	if (!o->dev[0])
		return errf(err, errlen, "--dev IF is required");
	if (o->count && o->duration)
		return errf(err, errlen, "--count and --duration are exclusive");
	if (o->mode == PG_MODE_SINK)
		return 0;
	if (o->tc || o->udp_sport)
		return errf(err, errlen, "%s is a sink option (sink --dev IF %s)",
			    o->tc ? "--tc" : "--udp-sport", o->tc ? "--tc" : "--udp-sport P");
	if (!o->have_dst_ip)
		return errf(err, errlen, "--dst-ip IP is required");
	if (o->pkt.payload_len) {
		if (o->pkt.proto != PG_UDP)
			return errf(err, errlen, "--payload-hex is a UDP payload: not with --tcp-syn");
		if (o->have_size)
			return errf(err, errlen, "--size and --payload-hex are exclusive (the payload sets the size)");
		o->pkt.size = pg_payload_frame_size(o->pkt.payload_len);
	}
	if (!o->count && !o->duration)
		o->duration = 10;
	return 0;
}
