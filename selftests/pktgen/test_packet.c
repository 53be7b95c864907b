// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_packet: unit tests of xnet-pktgen's frame builder and option parser
 * (tools/pktgen/packet.c), of the generator program's flow spread and
 * template restore (tools/pktgen/pktgen.bpf.c under plain BPF_PROG_RUN, needs
 * root), and of the sink's --udp-sport filter (tools/pktgen/sink.bpf.c, XDP
 * and tc, from build/sink.bpf.o next to this binary).
 *
 * Checksums are verified with an implementation of their own here (a 64-bit
 * accumulator over the whole header/pseudo-header, which must fold to
 * 0xffff), plus a published IPv4 header vector.
 *
 * Output: "PASS name" / "FAIL name" / "SKIP name: why" per test, then
 * "N passed, N failed[, N skipped]". Exit 1 on any failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "packet.h"
#include "pktgen.skel.h"

static int passed, failed, skipped;
static int cur_failed, cur_skipped;
static char skip_reason[256];

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "    %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		cur_failed++;						\
	}								\
} while (0)

static void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	cur_skipped = 1;
}

static void run(const char *name, void (*fn)(void))
{
	cur_failed = cur_skipped = 0;
	fn();
	if (cur_failed) {
		printf("FAIL %s\n", name);
		failed++;
	} else if (cur_skipped) {
		printf("SKIP %s: %s\n", name, skip_reason);
		skipped++;
	} else {
		printf("PASS %s\n", name);
		passed++;
	}
	fflush(stdout);
}

/* ------------------------------------------------------------ independent checksum */

/* Sum of big-endian 16-bit words (odd tail padded), folded. 0xffff = valid. */
static unsigned ref_sum(const unsigned char *b, size_t n, unsigned long long acc)
{
	for (size_t i = 0; i < n; i++)
		acc += (i % 2 == 0) ? (unsigned long long)b[i] * 256 : b[i];
	while (acc > 0xffff)
		acc = (acc >> 16) + (acc & 0xffff);
	return (unsigned)acc;
}

static unsigned get16(const unsigned char *b) { return (unsigned)b[0] << 8 | b[1]; }

static int ip_ok(const unsigned char *f)
{
	return ref_sum(f + 14, 20, 0) == 0xffff;
}

static int l4_ok(const unsigned char *f, size_t len)
{
	const unsigned char *ip = f + 14;
	unsigned long long acc = 0;
	size_t l4len = len - 34;

	acc += get16(ip + 12) + get16(ip + 14) + get16(ip + 16) + get16(ip + 18);
	acc += ip[9];
	acc += l4len;
	return ref_sum(f + 34, l4len, acc) == 0xffff;
}

static struct pg_packet base_pkt(enum pg_proto proto, unsigned size)
{
	struct pg_packet p = {
		.dst_mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 },
		.src_mac = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee },
		.src_ip = 0x0a000001, .dst_ip = 0x0a000002,
		.src_port = 1234, .dst_port = 5678,
		.proto = proto, .size = size,
	};
	return p;
}

/* ------------------------------------------------------------ builder */

static void test_udp_fields(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 64);
	unsigned char f[PG_MAX_SIZE];

	CHECK(pg_build(&p, f, sizeof(f)) == 64, "length");
	CHECK(!memcmp(f, p.dst_mac, 6), "dst mac");
	CHECK(!memcmp(f + 6, p.src_mac, 6), "src mac");
	CHECK(get16(f + 12) == 0x0800, "ethertype %#x", get16(f + 12));
	CHECK(f[14] == 0x45, "version/ihl %#x", f[14]);
	CHECK(get16(f + 16) == 50, "ip total length %u", get16(f + 16));
	CHECK(f[22] == 64, "ttl");
	CHECK(f[23] == 17, "protocol %u", f[23]);
	CHECK(get16(f + 20) == 0x4000, "DF, no fragment offset");
	CHECK(!memcmp(f + 26, "\x0a\x00\x00\x01", 4), "saddr");
	CHECK(!memcmp(f + 30, "\x0a\x00\x00\x02", 4), "daddr");
	CHECK(get16(f + 34) == 1234, "sport %u", get16(f + 34));
	CHECK(get16(f + 36) == 5678, "dport %u", get16(f + 36));
	CHECK(get16(f + 38) == 30, "udp length %u", get16(f + 38));
	CHECK(ip_ok(f), "ip checksum %#x", get16(f + 24));
	CHECK(l4_ok(f, 64), "udp checksum %#x", get16(f + 40));
	CHECK(get16(f + 40) != 0, "udp checksum present");
}

static void test_tcp_syn_fields(void)
{
	struct pg_packet p = base_pkt(PG_TCP_SYN, 64);
	unsigned char f[PG_MAX_SIZE];

	CHECK(pg_build(&p, f, sizeof(f)) == 64, "length");
	CHECK(f[23] == 6, "protocol %u", f[23]);
	CHECK(get16(f + 34) == 1234 && get16(f + 36) == 5678, "ports");
	CHECK(f[34 + 12] >> 4 == 5, "data offset %u", f[34 + 12] >> 4);
	CHECK(f[34 + 13] == 0x02, "flags %#x (SYN only)", f[34 + 13]);
	CHECK(get16(f + 34 + 8) == 0 && get16(f + 34 + 10) == 0, "ack number zero");
	CHECK(get16(f + 34 + 14) == 65535, "window");
	CHECK(ip_ok(f), "ip checksum");
	CHECK(l4_ok(f, 64), "tcp checksum %#x", get16(f + 50));
}

static void test_sizes(void)
{
	static const unsigned sizes[] = { 64, 65, 128, 511, 512, 1000, 1499, 1500 };
	unsigned char f[PG_MAX_SIZE + 8];

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int proto = PG_UDP; proto <= PG_TCP_SYN; proto++) {
			struct pg_packet p = base_pkt(proto, sizes[i]);

			memset(f, 0xa5, sizeof(f));
			CHECK(pg_build(&p, f, sizeof(f)) == (int)sizes[i], "size %u", sizes[i]);
			CHECK(get16(f + 16) == sizes[i] - 14, "ip length at size %u", sizes[i]);
			if (proto == PG_UDP)
				CHECK(get16(f + 38) == sizes[i] - 34, "udp length at size %u", sizes[i]);
			CHECK(ip_ok(f), "ip checksum at size %u proto %d", sizes[i], proto);
			CHECK(l4_ok(f, sizes[i]), "l4 checksum at size %u proto %d", sizes[i], proto);
			CHECK(f[sizes[i]] == 0xa5, "wrote past the frame at size %u", sizes[i]);
		}
	}
}

static void test_size_limits(void)
{
	unsigned char f[PG_MAX_SIZE + 8];
	struct pg_packet p = base_pkt(PG_UDP, 63);

	CHECK(pg_build(&p, f, sizeof(f)) == -1, "63 bytes accepted");
	p.size = 1501;
	CHECK(pg_build(&p, f, sizeof(f)) == -1, "1501 bytes accepted");
	p.size = 100;
	CHECK(pg_build(&p, f, 99) == -1, "buffer too small accepted");
}

/* The IPv4 header of Wikipedia's "IPv4 header checksum" example: 0xb861. */
static void test_ip_checksum_vector(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 14 + 0x73);
	unsigned char f[PG_MAX_SIZE];

	p.src_ip = 0xc0a80001;
	p.dst_ip = 0xc0a800c7;
	CHECK(pg_build(&p, f, sizeof(f)) > 0, "build");
	CHECK(get16(f + 24) == 0xb861, "checksum %#x, expected 0xb861", get16(f + 24));
}

/* Many addresses/ports: checksums stay valid, including ones that fold to 0. */
static void test_checksum_sweep(void)
{
	unsigned char f[PG_MAX_SIZE];
	unsigned bad = 0, zero_udp = 0;

	for (unsigned i = 0; i < 70000; i++) {
		struct pg_packet p = base_pkt(i & 1 ? PG_TCP_SYN : PG_UDP, 64 + (i % 7));

		p.src_ip = 0x0a000000 + i * 2654435761u % 0xffffff;
		p.src_port = (uint16_t)(i ? i : 1);
		if (pg_build(&p, f, sizeof(f)) < 0 || !ip_ok(f) || !l4_ok(f, p.size))
			bad++;
		if (!(i & 1) && get16(f + 40) == 0)
			zero_udp++;
	}
	CHECK(bad == 0, "%u frames with a bad checksum", bad);
	CHECK(zero_udp == 0, "%u UDP frames with checksum 0 (must be sent as 0xffff)", zero_udp);
}

/* The UDP checksum over the datagram only (its length from the UDP header): padding excluded. */
static int udp_ok(const unsigned char *f)
{
	const unsigned char *ip = f + 14;
	unsigned long long acc = 0;
	size_t ulen = get16(f + 38);

	acc += get16(ip + 12) + get16(ip + 14) + get16(ip + 16) + get16(ip + 18);
	acc += 17 + ulen;
	return ref_sum(f + 34, ulen, acc) == 0xffff;
}

/* "s2.benchnet" A IN, id 0x5ab1, RD: what bench/dns.sh floods with. */
static const unsigned char dns_query[] = {
	0x5a, 0xb1, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 's', '2', 0x08, 'b', 'e', 'n', 'c', 'h', 'n', 'e', 't', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

static void test_payload_fields(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 0);
	unsigned char f[PG_MAX_SIZE + 8];
	unsigned n = sizeof(dns_query);

	memcpy(p.payload, dns_query, n);
	p.payload_len = n;
	p.dst_port = 53;
	p.size = pg_payload_frame_size(n);
	CHECK(p.size == 42 + n, "frame size %u for a %u-byte payload", p.size, n);
	memset(f, 0xa5, sizeof(f));
	CHECK(pg_build(&p, f, sizeof(f)) == (int)(42 + n), "length");
	CHECK(get16(f + 16) == 28 + n, "ip total length %u", get16(f + 16));
	CHECK(get16(f + 38) == 8 + n, "udp length %u", get16(f + 38));
	CHECK(get16(f + 36) == 53, "dport");
	CHECK(!memcmp(f + 42, dns_query, n), "payload bytes");
	CHECK(f[42 + n] == 0xa5, "wrote past the frame");
	CHECK(ip_ok(f), "ip checksum");
	CHECK(udp_ok(f) && l4_ok(f, 42 + n), "udp checksum %#x", get16(f + 40));
	CHECK(get16(f + 40) != 0, "udp checksum present");
}

/* Short payloads: the datagram ends after them, zero padding up to 64 bytes outside it. */
static void test_payload_padding(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 0);
	unsigned char f[PG_MAX_SIZE + 8];
	unsigned len;

	for (len = 1; len <= 30; len++) {
		for (unsigned i = 0; i < len; i++)
			p.payload[i] = (unsigned char)(0xf0 + i);
		p.payload_len = len;
		p.size = pg_payload_frame_size(len);
		CHECK(p.size == (42 + len < 64 ? 64 : 42 + len), "frame size %u for %u bytes", p.size, len);
		memset(f, 0xa5, sizeof(f));
		CHECK(pg_build(&p, f, sizeof(f)) == (int)p.size, "length at %u", len);
		CHECK(get16(f + 16) == 28 + len && get16(f + 38) == 8 + len, "lengths at %u", len);
		CHECK(!memcmp(f + 42, p.payload, len), "payload at %u", len);
		for (unsigned i = 42 + len; i < p.size; i++)
			CHECK(f[i] == 0, "padding byte %u at %u", i, len);
		CHECK(ip_ok(f) && udp_ok(f), "checksums at %u", len);
	}
	/* The longest payload fills a 1500-byte frame; one more byte does not fit. */
	p.payload_len = PG_MAX_PAYLOAD;
	memset(p.payload, 0x5c, PG_MAX_PAYLOAD);
	p.size = pg_payload_frame_size(PG_MAX_PAYLOAD);
	CHECK(p.size == PG_MAX_SIZE, "max payload frame %u", p.size);
	CHECK(pg_build(&p, f, sizeof(f)) == PG_MAX_SIZE && udp_ok(f), "max payload");
	p.payload_len = PG_MAX_PAYLOAD + 1;
	CHECK(pg_build(&p, f, sizeof(f)) == -1, "payload over the maximum accepted");
	/* A frame too short for its payload, or a payload on TCP, is refused. */
	p.payload_len = 40;
	p.size = 64;
	CHECK(pg_build(&p, f, sizeof(f)) == -1, "a 40-byte payload in 64 bytes accepted");
	p = base_pkt(PG_TCP_SYN, 100);
	p.payload_len = 4;
	CHECK(pg_build(&p, f, sizeof(f)) == -1, "a TCP payload accepted");
}

static void test_parse_hex(void)
{
	unsigned char b[8];

	CHECK(pg_parse_hex("00ff7A", b, sizeof(b)) == 3 && b[0] == 0 && b[1] == 0xff && b[2] == 0x7a, "plain");
	CHECK(pg_parse_hex("de:ad be-ef.01\n", b, sizeof(b)) == 5 && b[3] == 0xef && b[4] == 1, "separators");
	CHECK(pg_parse_hex("0102030405060708", b, sizeof(b)) == 8, "exactly full");
	CHECK(pg_parse_hex("010203040506070809", b, sizeof(b)) == -1, "overflow accepted");
	CHECK(pg_parse_hex("abc", b, sizeof(b)) == -1, "odd digit count accepted");
	CHECK(pg_parse_hex("a:b", b, sizeof(b)) == -1, "split pair accepted");
	CHECK(pg_parse_hex("zz", b, sizeof(b)) == -1, "non-hex accepted");
	CHECK(pg_parse_hex("", b, sizeof(b)) == -1 && pg_parse_hex(" : ", b, sizeof(b)) == -1, "nothing accepted");
}

/* ------------------------------------------------------------ options */

static int parse(struct pg_opts *o, char *err, const char *first, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = (char *)"xnet-pktgen";
	va_start(ap, first);
	for (a = first; a && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = 0;
	return pg_parse(argc, argv, o, err, 256);
}

#define P(...) parse(&o, err, __VA_ARGS__, NULL)

static void test_parse_ok(void)
{
	struct pg_opts o;
	char err[256];

	CHECK(P("--dev", "eth0", "--dst-ip", "10.0.0.2") == 0, "%s", err);
	CHECK(!strcmp(o.dev, "eth0"), "dev");
	CHECK(o.pkt.dst_ip == 0x0a000002, "dst ip %#x", o.pkt.dst_ip);
	CHECK(o.pkt.size == 64 && o.pkt.proto == PG_UDP, "defaults");
	CHECK(o.duration == 10 && o.count == 0, "default duration");
	CHECK(o.mode == PG_MODE_GEN && !o.json && o.threads == 0, "defaults");

	CHECK(P("--dev", "veth1", "--dst-ip", "1.2.3.4", "--src-ip", "10.0.0.1-10.0.1.0",
		"--src-port", "1000-1999", "--dst-port", "80", "--tcp-syn", "--size", "1500",
		"--count", "12345", "--rate", "1000", "--threads", "2", "--json",
		"--dst-mac", "aa:bb:cc:dd:ee:ff", "--src-mac", "02:00:00:00:00:09") == 0, "%s", err);
	CHECK(o.pkt.src_ip == 0x0a000001 && o.src_ip_count == 256, "src ip range %#x+%u", o.pkt.src_ip, o.src_ip_count);
	CHECK(o.pkt.src_port == 1000 && o.src_port_count == 1000, "src port range");
	CHECK(o.pkt.dst_port == 80, "dst port");
	CHECK(o.pkt.proto == PG_TCP_SYN, "tcp syn");
	CHECK(o.pkt.size == 1500, "size");
	CHECK(o.count == 12345 && o.duration == 0, "count");
	CHECK(o.rate == 1000 && o.threads == 2 && o.json, "rate threads json");
	CHECK(!memcmp(o.pkt.dst_mac, "\xaa\xbb\xcc\xdd\xee\xff", 6) && o.have_dst_mac, "dst mac");
	CHECK(!memcmp(o.pkt.src_mac, "\x02\x00\x00\x00\x00\x09", 6) && o.have_src_mac, "src mac");

	CHECK(o.engine == PG_ENGINE_AUTO, "default engine auto");
	CHECK(P("--dev", "eth0", "--dst-ip", "10.0.0.2", "--mode", "afpacket") == 0, "%s", err);
	CHECK(o.engine == PG_ENGINE_AFPACKET, "--mode afpacket");
	CHECK(P("--dev", "eth0", "--dst-ip", "10.0.0.2", "--mode", "live") == 0 && o.engine == PG_ENGINE_LIVE,
	      "--mode live");

	CHECK(P("--dev=eth0", "--dst-ip=10.0.0.2", "--duration=2.5") == 0, "%s", err);
	CHECK(o.duration == 2.5, "duration %g", o.duration);

	CHECK(P("sink", "--dev", "v0", "--duration", "3") == 0, "%s", err);
	CHECK(o.mode == PG_MODE_SINK && !strcmp(o.dev, "v0") && o.duration == 3, "sink subcommand");
	CHECK(P("--sink", "v1", "--json") == 0, "%s", err);
	CHECK(o.mode == PG_MODE_SINK && !strcmp(o.dev, "v1") && o.json, "--sink");
	CHECK(P("--dev", "eth0", "--dst-ip", "10.0.0.1", "--dst-port", "53",
		"--payload-hex", "5ab101000001000000000000027332086265" "6e63686e65740000010001") == 0, "%s", err);
	CHECK(o.pkt.payload_len == sizeof(dns_query) && !memcmp(o.pkt.payload, dns_query, sizeof(dns_query)),
	      "payload %u bytes", o.pkt.payload_len);
	CHECK(o.pkt.size == 42 + sizeof(dns_query), "size from the payload: %u", o.pkt.size);
	CHECK(P("--dev", "eth0", "--dst-ip", "10.0.0.1", "--payload-hex", "01:02") == 0 &&
	      o.pkt.payload_len == 2 && o.pkt.size == 64, "short payload: %s", err);
	CHECK(P("sink", "--dev", "v0", "--tc", "--udp-sport", "53") == 0, "%s", err);
	CHECK(o.tc && o.udp_sport == 53, "sink --tc --udp-sport");
	CHECK(P("sink", "--dev", "v0") == 0 && !o.tc && !o.udp_sport, "sink defaults");
	CHECK(P("--help") == 0 && o.help, "--help");
	CHECK(P("-h") == 0 && o.help, "-h");
}

static void expect_err(const char *want, int rc, const char *err, int line)
{
	if (rc != -1 || !strstr(err, want)) {
		fprintf(stderr, "    line %d: expected an error naming '%s', got rc %d '%s'\n", line, want, rc, err);
		cur_failed++;
	}
}
#define E(want, ...) expect_err(want, P(__VA_ARGS__), err, __LINE__)

static void test_parse_errors(void)
{
	struct pg_opts o;
	char err[256];

	E("--dev", "--dst-ip", "10.0.0.2");
	E("--dst-ip", "--dev", "eth0");
	E("--dst-ip", "--dev", "eth0", "--dst-ip", "10.0.0.256");
	E("--dst-ip", "--dev", "eth0", "--dst-ip", "10.0.0.1-10.0.0.2");
	E("--src-ip", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--src-ip", "10.0.0.9-10.0.0.1");
	E("--src-ip", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--src-ip", "nonsense");
	E("--src-port", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--src-port", "0");
	E("--src-port", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--src-port", "2000-1000");
	E("--src-port", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--src-port", "65536");
	E("--dst-port", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--dst-port", "x");
	E("--size", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--size", "63");
	E("--size", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--size", "1501");
	E("--size", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--size", "64k");
	E("--count", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--count", "-5");
	E("--count", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--count", "0");
	E("--duration", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--duration", "0");
	E("--duration", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--duration", "abc");
	E("exclusive", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--count", "5", "--duration", "1");
	E("exclusive", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--udp", "--tcp-syn");
	E("--rate", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--rate", "0");
	E("--threads", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--threads", "0");
	E("--batch", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--batch", "257");
	E("--mode", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--mode", "fast");
	E("auto, live, afpacket or kernel", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--mode", "af_packet");
	E("--dst-mac", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--dst-mac", "aa:bb:cc:dd:ee");
	E("--src-mac", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--src-mac", "aa:bb:cc:dd:ee:fff");
	E("unknown option '--bogus'", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--bogus");
	E("needs an argument", "--dev", "eth0", "--dst-ip");
	E("unexpected argument 'extra'", "--dev", "eth0", "--dst-ip", "1.1.1.1", "extra");
	E("interface name", "--dev", "a-very-long-interface-name", "--dst-ip", "1.1.1.1");
	E("--dev", "sink", "--json");
	E("--payload-hex", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", "abc");
	E("--payload-hex", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", "xyz0");
	E("--payload-hex", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", "");
	E("exclusive", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", "00", "--size", "100");
	E("--tcp-syn", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", "00", "--tcp-syn");
	E("sink option", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--tc");
	E("sink option", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--udp-sport", "53");
	E("--udp-sport", "sink", "--dev", "eth0", "--udp-sport", "0");
	{
		/* One byte over the maximum payload. */
		static char hex[2 * (PG_MAX_PAYLOAD + 1) + 1];

		memset(hex, '0', sizeof(hex) - 1);
		E("--payload-hex", "--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", hex);
		hex[2 * PG_MAX_PAYLOAD] = 0;
		CHECK(P("--dev", "eth0", "--dst-ip", "1.1.1.1", "--payload-hex", hex) == 0 &&
		      o.pkt.size == PG_MAX_SIZE, "the maximum payload: %s", err);
	}
}

/* ------------------------------------------------------------ the flow walk */

/* The options of a walk over count_ip addresses from p->src_ip and count_port ports from p->src_port. */
static struct pg_opts walk_opts(const struct pg_packet *p, uint32_t count_ip, uint32_t count_port)
{
	struct pg_opts o;

	memset(&o, 0, sizeof(o));
	o.pkt = *p;
	o.src_ip_count = count_ip;
	o.src_port_count = count_port;
	return o;
}

/*
 * pg_walk_frame (the AF_PACKET engine's frames): frame idx of the walk is
 * byte for byte the frame pg_build makes with that source address and port,
 * checksums computed from scratch: ports first, then addresses, wrapping
 * around both ranges and across 16-bit boundaries of the address, UDP (with
 * and without payload) and TCP SYN, and at the end of the 32-bit index.
 */
static void test_walk_frames(void)
{
	static const uint32_t idxs[] = { 0, 1, 2, 3, 4, 5, 11, 12, 13, 35, 36, 1000, 65535, 65536,
					 0x7fffffffu, 0xfffffffeu, 0xffffffffu };
	unsigned char tmpl[PG_MAX_SIZE], f[PG_MAX_SIZE], want[PG_MAX_SIZE];
	unsigned bad = 0, n = 0;

	for (int c = 0; c < 4; c++) {
		struct pg_packet p = base_pkt(c == 1 ? PG_TCP_SYN : PG_UDP, c == 2 ? 1500 : c == 1 ? 100 : 64);
		struct pg_opts o;
		struct pg_walk w;

		if (c == 3) {
			memcpy(p.payload, dns_query, sizeof(dns_query));
			p.payload_len = sizeof(dns_query);
			p.size = pg_payload_frame_size(p.payload_len);
		}
		p.src_ip = 0x0a00fffe;	/* crosses a 16-bit boundary */
		p.src_port = 65533;
		o = walk_opts(&p, 4, 3);
		CHECK(pg_build(&p, tmpl, sizeof(tmpl)) == (int)p.size, "build case %d", c);
		pg_walk_init(&w, &o, tmpl);
		CHECK(pg_walk_varies(&w), "case %d: the walk varies", c);
		for (unsigned k = 0; k < sizeof(idxs) / sizeof(idxs[0]); k++) {
			struct pg_packet q = p;
			uint32_t i = idxs[k];

			q.src_port = (uint16_t)(65533 + i % 3);
			q.src_ip = 0x0a00fffe + (i / 3) % 4;
			pg_build(&q, want, sizeof(want));
			memcpy(f, tmpl, p.size);
			pg_walk_frame(&w, f, i);
			n++;
			if (memcmp(f, want, p.size)) {
				if (bad++ < 5)
					fprintf(stderr, "    case %d idx %u: sport %u saddr %#x ip csum %#x (want %#x) l4 csum %#x (want %#x)\n",
						c, i, get16(f + 34), (unsigned)get16(f + 26) << 16 | get16(f + 28),
						get16(f + 24), get16(want + 24), get16(f + 34 + w.l4_csum_off),
						get16(want + 34 + w.l4_csum_off));
			}
		}
	}
	CHECK(bad == 0, "%u of %u walked frames differ from pg_build's", bad, n);

	/* All the 16-bit port values, every address of a /16: checksums against the reference. */
	{
		struct pg_packet p = base_pkt(PG_UDP, 64);
		struct pg_opts o;
		struct pg_walk w;

		p.src_ip = 0xc0a80000;
		p.src_port = 1;
		o = walk_opts(&p, 65536, 65535);
		pg_build(&p, tmpl, sizeof(tmpl));
		pg_walk_init(&w, &o, tmpl);
		bad = 0;
		for (uint32_t i = 0; i < 3000000; i += 7) {
			memcpy(f, tmpl, 64);
			pg_walk_frame(&w, f, i * 331u);
			if (!ip_ok(f) || !udp_ok(f) || get16(f + 40) == 0)
				bad++;
		}
		CHECK(bad == 0, "%u walked UDP frames with a bad or zero checksum", bad);
	}

	/* One port, one address: the template as it is. */
	{
		struct pg_packet p = base_pkt(PG_TCP_SYN, 64);
		struct pg_opts o = walk_opts(&p, 1, 1);
		struct pg_walk w;

		pg_build(&p, tmpl, sizeof(tmpl));
		pg_walk_init(&w, &o, tmpl);
		memcpy(f, tmpl, 64);
		pg_walk_frame(&w, f, 12345);
		CHECK(!pg_walk_varies(&w) && !memcmp(f, tmpl, 64), "a single flow is the template");
	}
}

/* ------------------------------------------------------------ the XDP generator */

/*
 * pktgen.bpf.c under plain BPF_PROG_RUN (no live frames, nothing is sent):
 * successive runs walk src ports first, then source addresses, and every
 * output frame has valid checksums, although the input is always the template.
 * With cfg_stride n (n CPUs sending) the CPU's frames are every n-th from
 * its number on. The walk is a per-CPU counter (as on the wire, one per
 * generator CPU), so the runs stay on one CPU: a migration in the middle of the loop, which a
 * loaded machine does, would continue from another CPU's count.
 */
static void test_flow_spread(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 64);
	unsigned char in[PG_MAX_SIZE], out[PG_MAX_SIZE];
	cpu_set_t all, one;
	struct pktgen *skel;
	int proto, cpu;

	if (geteuid() != 0) {
		skip("needs root (BPF_PROG_RUN)");
		return;
	}
	cpu = sched_getcpu();
	CHECK(cpu >= 0 && !sched_getaffinity(0, sizeof(all), &all), "this thread's CPUs: %s", strerror(errno));
	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CHECK(!sched_setaffinity(0, sizeof(one), &one), "pin to CPU %d: %s", cpu, strerror(errno));
	for (proto = PG_UDP; proto <= PG_TCP_SYN; proto++) {
		unsigned csum_off = proto == PG_UDP ? PG_UDP_CSUM_OFF : PG_TCP_CSUM_OFF;

		p = base_pkt(proto, proto == PG_UDP ? 64 : 100);
		p.src_ip = 0x0a00fffe;	/* crosses a 16-bit boundary */
		p.src_port = 65533;
		CHECK(pg_build(&p, in, sizeof(in)) > 0, "build");
		skel = pktgen__open();
		CHECK(skel, "open: %s", strerror(errno));
		if (!skel)
			break;
		skel->rodata->cfg_ifindex = 1;
		skel->rodata->cfg_ip_off = PG_IP_OFF;
		skel->rodata->cfg_l4_off = PG_L4_OFF;
		skel->rodata->cfg_udp = proto == PG_UDP;
		skel->rodata->cfg_l4_csum_off = csum_off;
		skel->rodata->cfg_src_ip = p.src_ip;
		skel->rodata->cfg_src_ip_count = 4;
		skel->rodata->cfg_src_port = p.src_port;
		skel->rodata->cfg_src_port_count = 3;
		skel->rodata->cfg_ip_csum = get16(in + PG_IP_OFF + 10);
		skel->rodata->cfg_l4_csum = get16(in + PG_L4_OFF + csum_off);
		skel->rodata->cfg_stride = proto == PG_UDP ? 1 : 3;
		if (pktgen__load(skel)) {
			CHECK(0, "load: %s", strerror(errno));
			pktgen__destroy(skel);
			break;
		}
		struct pg_opts wo = walk_opts(&p, 4, 3);
		struct pg_walk walk;

		pg_walk_init(&walk, &wo, in);
		for (unsigned i = 0; i < 30; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = p.size,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
			/* TCP: as one of 3 sending CPUs, frames cpu % 3, + 3, + 6, ... of the walk. */
			uint32_t idx = proto == PG_UDP ? i : i * 3 + (unsigned)cpu % 3;
			unsigned want_port = 65533 + idx % 3, want_ip = 0x0a00fffe + (idx / 3) % 4;
			int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xnet_pktgen), &opts);

			CHECK(!err, "run %u: %s", i, strerror(errno));
			if (err)
				break;
			CHECK(opts.retval == XDP_REDIRECT, "run %u: retval %u", i, opts.retval);
			CHECK(opts.data_size_out == p.size, "run %u: size %u", i, opts.data_size_out);
			CHECK(get16(out + 34) == want_port, "run %u: sport %u, want %u", i, get16(out + 34), want_port);
			CHECK(((unsigned)get16(out + 26) << 16 | get16(out + 28)) == want_ip, "run %u: saddr", i);
			CHECK(ip_ok(out), "run %u proto %d: ip checksum", i, proto);
			CHECK(l4_ok(out, p.size), "run %u proto %d: l4 checksum %#x", i, proto, get16(out + 34 + csum_off));
			/* Everything but saddr, the checksums and sport is the template's. */
			CHECK(!memcmp(out, in, 24) && !memcmp(out + 30, in + 30, 4) &&
			      !memcmp(out + 36, in + 36, csum_off - 2) &&
			      !memcmp(out + 36 + csum_off, in + 36 + csum_off, p.size - 36 - csum_off),
			      "run %u: other fields changed", i);
			/* The AF_PACKET engine's frame i: the same bytes. */
			unsigned char af[PG_MAX_SIZE];

			memcpy(af, in, p.size);
			pg_walk_frame(&walk, af, idx);
			CHECK(!memcmp(af, out, p.size), "run %u proto %d: pg_walk_frame differs from the program's frame",
			      i, proto);
		}
		pktgen__destroy(skel);
	}
	sched_setaffinity(0, sizeof(all), &all);
}

/*
 * The live-frames probe: with probe set after load (through the mmapped
 * .bss, as xnet-pktgen does) the program drops the frame and leaves the walk
 * alone; cleared, the next frame is the walk's first.
 */
static void test_probe(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 64);
	unsigned char in[PG_MAX_SIZE], out[PG_MAX_SIZE];
	cpu_set_t all, one;
	struct pktgen *skel;
	int cpu;

	if (geteuid() != 0) {
		skip("needs root (BPF_PROG_RUN)");
		return;
	}
	CHECK(pg_build(&p, in, sizeof(in)) == 64, "build");
	cpu = sched_getcpu();
	CHECK(cpu >= 0 && !sched_getaffinity(0, sizeof(all), &all), "this thread's CPUs: %s", strerror(errno));
	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CHECK(!sched_setaffinity(0, sizeof(one), &one), "pin to CPU %d: %s", cpu, strerror(errno));
	skel = pktgen__open();
	CHECK(skel, "open: %s", strerror(errno));
	if (!skel)
		goto out;
	skel->rodata->cfg_ifindex = 1;
	skel->rodata->cfg_src_ip = p.src_ip;
	skel->rodata->cfg_src_port = p.src_port;
	skel->rodata->cfg_src_port_count = 5;
	skel->rodata->cfg_ip_csum = get16(in + PG_IP_OFF + 10);
	skel->rodata->cfg_l4_csum = get16(in + PG_L4_OFF + PG_UDP_CSUM_OFF);
	if (pktgen__load(skel)) {
		CHECK(0, "load: %s", strerror(errno));
		pktgen__destroy(skel);
		goto out;
	}
	for (unsigned i = 0; i < 4; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = p.size,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

		skel->bss->probe = i < 2;
		CHECK(!bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xnet_pktgen), &opts), "run %u: %s",
		      i, strerror(errno));
		if (i < 2) {
			CHECK(opts.retval == XDP_DROP && !memcmp(out, in, p.size), "probe %u: retval %u", i, opts.retval);
		} else {
			CHECK(opts.retval == XDP_REDIRECT, "run %u: retval %u", i, opts.retval);
			CHECK(get16(out + 34) == p.src_port + i - 2, "run %u: sport %u: the probes moved the walk",
			      i, get16(out + 34));
		}
	}
	pktgen__destroy(skel);
out:
	sched_setaffinity(0, sizeof(all), &all);
}

/*
 * The page a live frame lives in comes back with whatever the receiver wrote
 * (a DNS server answering in place swaps addresses and rewrites the message):
 * with cfg_tmpl_len the program starts every frame from the template.
 */
static void test_template_restore(void)
{
	struct pg_packet p = base_pkt(PG_UDP, 0);
	unsigned char in[PG_MAX_SIZE], out[PG_MAX_SIZE], tmpl[PG_MAX_SIZE];
	struct pktgen *skel;
	int spread;

	if (geteuid() != 0) {
		skip("needs root (BPF_PROG_RUN)");
		return;
	}
	memcpy(p.payload, dns_query, sizeof(dns_query));
	p.payload_len = sizeof(dns_query);
	p.size = pg_payload_frame_size(p.payload_len);
	p.dst_port = 53;
	CHECK(pg_build(&p, tmpl, sizeof(tmpl)) == (int)p.size, "build");
	for (spread = 0; spread <= 1; spread++) {
		skel = pktgen__open();
		CHECK(skel, "open: %s", strerror(errno));
		if (!skel)
			return;
		skel->rodata->cfg_ifindex = 1;
		skel->rodata->cfg_src_ip = p.src_ip;
		skel->rodata->cfg_src_port = p.src_port;
		skel->rodata->cfg_src_port_count = spread ? 100 : 1;
		skel->rodata->cfg_ip_csum = get16(tmpl + PG_IP_OFF + 10);
		skel->rodata->cfg_l4_csum = get16(tmpl + PG_L4_OFF + PG_UDP_CSUM_OFF);
		memcpy(skel->bss->tmpl, tmpl, p.size);
		skel->rodata->cfg_tmpl_len = p.size;
		if (pktgen__load(skel)) {
			CHECK(0, "load: %s", strerror(errno));
			pktgen__destroy(skel);
			return;
		}
		for (unsigned i = 0; i < 3; i++) {
			/* What an in-place answer leaves: everything changed. */
			for (unsigned j = 0; j < p.size; j++)
				in[j] = (unsigned char)(j * 7 + i);
			LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = p.size,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
			int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xnet_pktgen), &opts);

			CHECK(!err && opts.retval == XDP_REDIRECT, "run %u: %s retval %u", i, strerror(errno), opts.retval);
			CHECK(opts.data_size_out == p.size, "run %u: size %u", i, opts.data_size_out);
			CHECK(get16(out + 34) == p.src_port + (spread ? i : 0), "run %u: sport %u", i, get16(out + 34));
			CHECK(ip_ok(out) && udp_ok(out), "run %u spread %d: checksums", i, spread);
			CHECK(!memcmp(out, tmpl, 34) && !memcmp(out + 36, tmpl + 36, 4) &&
			      !memcmp(out + 42, tmpl + 42, p.size - 42), "run %u spread %d: not the template", i, spread);
		}
		pktgen__destroy(skel);
	}
}

/* An Ethernet/IPv4/UDP frame from sport to 40053 (64 bytes), or an ARP frame. */
static unsigned sink_frame(unsigned char *f, int arp, unsigned sport)
{
	struct pg_packet p = base_pkt(PG_UDP, 64);

	p.src_port = (uint16_t)sport;
	p.dst_port = 40053;
	pg_build(&p, f, PG_MAX_SIZE);
	if (arp) {
		f[12] = 0x08;
		f[13] = 0x06;
	}
	return 64;
}

/*
 * sink.bpf.c (XDP and tc) with cfg_udp_sport: only IPv4 UDP from that port is
 * counted and dropped, the rest passes; without it, everything is.
 */
static void test_sink_filter(void)
{
	char path[PATH_MAX], *slash;
	unsigned char f[PG_MAX_SIZE];
	ssize_t n;

	if (geteuid() != 0) {
		skip("needs root (BPF_PROG_RUN)");
		return;
	}
	n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
	if (!slash) {
		skip("cannot find this binary's directory");
		return;
	}
	strcpy(slash + 1, "sink.bpf.o");
	if (access(path, R_OK)) {
		skip("%s not built (make build/xnet-pktgen)", path);
		return;
	}
	for (unsigned port = 0; port <= 53; port += 53) {
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		struct bpf_map *rodata, *counts;
		size_t sz = 0;
		const uint16_t *cfg;
		uint16_t init[32];

		CHECK(obj, "open %s: %s", path, strerror(errno));
		if (!obj)
			return;
		rodata = bpf_object__find_map_by_name(obj, "sink.rodata");
		cfg = rodata ? bpf_map__initial_value(rodata, &sz) : NULL;
		CHECK(cfg && sz >= 2 && sz <= sizeof(init), "no cfg_udp_sport in sink.rodata");
		if (!cfg || sz < 2 || sz > sizeof(init)) {
			bpf_object__close(obj);
			return;
		}
		memcpy(init, cfg, sz);
		init[0] = (uint16_t)port;	/* the only variable there */
		if (bpf_map__set_initial_value(rodata, init, sz) || bpf_object__load(obj)) {
			CHECK(0, "load with port %u: %s", port, strerror(errno));
			bpf_object__close(obj);
			return;
		}
		counts = bpf_object__find_map_by_name(obj, "sink_counts");
		static const struct { int arp; unsigned sport; int counted; } cases[] = {
			{ 0, 53, 1 }, { 0, 54, 0 }, { 1, 53, 0 }, { 0, 5353, 0 },
		};
		for (int tc = 0; tc <= 1; tc++) {
			struct bpf_program *prog = bpf_object__find_program_by_name(obj, tc ? "xnet_sink_tc" : "xnet_sink");
			unsigned want_count = 0;

			for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
				unsigned len = sink_frame(f, cases[c].arp, cases[c].sport);
				int counted = port ? cases[c].counted : 1;
				LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = len, .repeat = 1);
				int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
				unsigned drop = tc ? TC_ACT_SHOT : XDP_DROP, pass = tc ? TC_ACT_OK : XDP_PASS;

				CHECK(!err, "%s case %u: %s", tc ? "tc" : "xdp", c, strerror(errno));
				CHECK(opts.retval == (counted ? drop : pass), "%s port %u case %u: retval %u",
				      tc ? "tc" : "xdp", port, c, opts.retval);
				want_count += (unsigned)counted;
			}
			/* Per-CPU counters: the sum over CPUs. */
			int ncpu = libbpf_num_possible_cpus();
			struct { uint64_t packets, bytes; } v[ncpu > 0 ? ncpu : 1];
			uint32_t key = 0;
			uint64_t total = 0;

			memset(v, 0, sizeof(v));
			CHECK(counts && !bpf_map_lookup_elem(bpf_map__fd(counts), &key, v), "read sink_counts");
			for (int i = 0; i < ncpu; i++)
				total += v[i].packets;
			CHECK(total == want_count, "%s port %u: %llu counted, want %u", tc ? "tc" : "xdp", port,
			      (unsigned long long)total, want_count);
			/* Start the tc round from zero. */
			memset(v, 0, sizeof(v));
			bpf_map_update_elem(bpf_map__fd(counts), &key, v, BPF_ANY);
		}
		bpf_object__close(obj);
	}
}

int main(void)
{
	libbpf_set_print(NULL);
	run("packet_udp_fields", test_udp_fields);
	run("packet_tcp_syn_fields", test_tcp_syn_fields);
	run("packet_sizes", test_sizes);
	run("packet_size_limits", test_size_limits);
	run("packet_ip_checksum_vector", test_ip_checksum_vector);
	run("packet_checksum_sweep", test_checksum_sweep);
	run("packet_payload_fields", test_payload_fields);
	run("packet_payload_padding", test_payload_padding);
	run("packet_parse_hex", test_parse_hex);
	run("options_ok", test_parse_ok);
	run("options_errors", test_parse_errors);
	run("packet_walk_frames", test_walk_frames);
	run("bpf_flow_spread", test_flow_spread);
	run("bpf_template_restore", test_template_restore);
	run("bpf_probe", test_probe);
	run("bpf_sink_udp_sport", test_sink_filter);
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
