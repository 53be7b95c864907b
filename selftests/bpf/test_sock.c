// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_sock: the cgroup sock_addr hooks of bpf/sock.bpf.c with real sockets.
 *
 * The programs are attached to a throwaway child cgroup v2. A "host"
 * network namespace stands in for the xnet host: lo up, 10.99.0.1 (a host
 * address, in xnet_hostaddrs) and 10.99.0.2 (on lo too, but not listed).
 * Two sockets on 127.0.0.2:6000 (TCP listener, UDP) stand in for the
 * sandbox behind the published ports; the runner creates them outside the
 * cgroup, so no hook ever touches them, as for a real sandbox.
 *
 *   {0.0.0.0,   5000, tcp} -> 127.0.0.2:6000
 *   {0.0.0.0,   5000, udp} -> 127.0.0.2:6000
 *   {127.0.0.1, 5003, tcp} -> 127.0.0.2:6000
 *
 * IPv6 sockets are covered through IPv4-mapped addresses (::ffff:127.0.0.1),
 * the way dual-stack runtimes (Java) reach IPv4, and through [::1], where
 * ports published on every address answer too (Docker's proxy listens on
 * [::]).
 *
 * Each subtest forks a child that joins the cgroup and the namespace it
 * needs, plays the host process and exits non-zero on the first failed
 * check (printed by the ASSERT macros). Without the hooks every subtest
 * fails: connects to 5000 are refused, binds of 5000 succeed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "xnet_abi.h"
#include "sock.test.skel.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define PUB_ANY_PORT	5000	/* published on 0.0.0.0, TCP and UDP */
#define PUB_LO_PORT	5003	/* published on 127.0.0.1 only, TCP */
#define FREE_PORT	5001	/* published nowhere */
#define BACKEND_IP	"127.0.0.2"
#define BACKEND_PORT	6000
#define HOST_ADDR	"10.99.0.1"	/* a host address xnet knows */
#define OTHER_ADDR	"10.99.0.2"	/* local, but not in xnet_hostaddrs */

static struct {
	struct sock_test *skel;
	char cg_mnt[128];	/* the cgroup v2 mount we use */
	char cg_path[192];	/* our child cgroup */
	bool cg_mounted;	/* cg_mnt mounted by us */
	int cg_fd;
	int orig_ns;		/* the runner's netns: another "host", cookie mismatch */
	int host_ns;		/* the xnet host's netns */
	__u64 host_cookie;
	int be_tcp, be_udp;	/* the sandbox stand-in, in host_ns, outside the cgroup */
	struct bpf_link *links[10];
} w = { .cg_fd = -1, .orig_ns = -1, .host_ns = -1, .be_tcp = -1, .be_udp = -1 };

static struct sockaddr_in sin_of(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/* "a.b.c.d:port" of @sin, for messages. */
static const char *sin_str(const struct sockaddr_in *sin)
{
	static char buf[4][32];
	static int n;
	char *s = buf[n++ % 4];

	inet_ntop(AF_INET, &sin->sin_addr, s, 16);
	snprintf(s + strlen(s), 16, ":%u", ntohs(sin->sin_port));
	return s;
}

static bool sin_eq(const struct sockaddr_in *got, const char *ip, int port, const char *what)
{
	struct sockaddr_in want = sin_of(ip, port);

	if (got->sin_family == AF_INET && got->sin_addr.s_addr == want.sin_addr.s_addr &&
	    got->sin_port == want.sin_port)
		return true;
	return xt__fail(__FILE__, __LINE__, "%s: got %s, expected %s", what, sin_str(got),
			sin_str(&want));
}

static int sock_new(int type)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 1 };

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * bind() of a fresh socket: 0 or -errno. SO_REUSEADDR, as servers set it:
 * the TIME_WAIT leftovers of earlier subtests are then no conflict, and an
 * EADDRINUSE can only come from the hook.
 */
static int try_bind(int type, const char *ip, int port)
{
	struct sockaddr_in sin = sin_of(ip, port);
	int fd = sock_new(type), err, one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0;
	close(fd);
	return err;
}

/* A TCP connect to ip:port: the socket, or -errno. */
static int tcp_connect(const char *ip, int port)
{
	struct sockaddr_in sin = sin_of(ip, port);
	int fd = sock_new(SOCK_STREAM), err;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* The next connection queued on @lfd within @ms, or -errno (-ETIMEDOUT). */
static int tcp_accept(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int n = poll(&p, 1, ms);

	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	n = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return n < 0 ? -errno : n;
}

/*
 * Connect to ip:port and check that the connection lands on @lfd (bytes
 * cross both ways) and that getpeername() shows @peer_ip:@peer_port.
 */
static bool tcp_reaches(const char *ip, int port, int lfd, const char *peer_ip, int peer_port)
{
	struct sockaddr_in peer = {};
	socklen_t len = sizeof(peer);
	char what[96], buf[8] = {};
	int c, s = -1;
	bool ok = false;

	snprintf(what, sizeof(what), "connect %s:%d", ip, port);
	c = tcp_connect(ip, port);
	if (!ASSERT_GT(c, -1, what))
		return false;
	s = tcp_accept(lfd, 1000);
	if (!ASSERT_GT(s, -1, "the connection arrives at the expected listener"))
		goto out;
	if (!ASSERT_EQ(write(c, "ping", 4), 4, "client write") ||
	    !ASSERT_EQ(read(s, buf, sizeof(buf)), 4, "server read") ||
	    !ASSERT_MEMEQ(buf, "ping", 4, "bytes client -> server") ||
	    !ASSERT_EQ(write(s, "pong", 4), 4, "server write") ||
	    !ASSERT_EQ(read(c, buf, sizeof(buf)), 4, "client read") ||
	    !ASSERT_MEMEQ(buf, "pong", 4, "bytes server -> client"))
		goto out;
	if (!ASSERT_OK(getpeername(c, (struct sockaddr *)&peer, &len), "getpeername"))
		goto out;
	ok = sin_eq(&peer, peer_ip, peer_port, "getpeername shows the address the client used");
out:
	/* The client closes first: TIME_WAIT stays on its ephemeral port. */
	close(c);
	if (s >= 0)
		close(s);
	return ok;
}

/* Nothing may be waiting on @lfd (a connection that went to the backend by mistake). */
static bool nothing_queued(int lfd, const char *what)
{
	int s = tcp_accept(lfd, 0);

	if (s >= 0)
		close(s);
	return ASSERT_EQ(s, -ETIMEDOUT, what);
}

/* ------------------------------------------------------------ children */

/* Run @fn in a child inside the cgroup and @netns; its exit status says whether it passed. */
static bool in_cgroup(bool (*fn)(void), int netns, const char *what)
{
	char procs[256];
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (!ASSERT_GT(pid, -1, "fork"))
		return false;
	if (!pid) {
		bool ok;
		int fd;

		alarm(20);	/* a hook gone wrong must not hang the run */
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", w.cg_path);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		ok = ASSERT_GT(fd, -1, "open cgroup.procs") &&
		     ASSERT_EQ(write(fd, "0", 1), 1, "join the test cgroup") &&
		     ASSERT_OK(setns(netns, CLONE_NEWNET) ? -errno : 0, "setns") && fn();
		fflush(stdout);
		_exit(ok ? 0 : 1);
	}
	if (!ASSERT_EQ(waitpid(pid, &status, 0), pid, "waitpid"))
		return false;
	if (WIFSIGNALED(status))
		return xt__fail(__FILE__, __LINE__, "%s: child killed by signal %d", what,
				WTERMSIG(status));
	return ASSERT_EQ(WEXITSTATUS(status), 0, what);
}

/* A host process connecting to a port published on 0.0.0.0, through every host address. */
static bool child_tcp_any(void)
{
	return tcp_reaches("127.0.0.1", PUB_ANY_PORT, w.be_tcp, "127.0.0.1", PUB_ANY_PORT) &&
	       /* 0.0.0.0: all of 127/8 and every host address */
	       tcp_reaches("127.0.0.5", PUB_ANY_PORT, w.be_tcp, "127.0.0.5", PUB_ANY_PORT) &&
	       tcp_reaches(HOST_ADDR, PUB_ANY_PORT, w.be_tcp, HOST_ADDR, PUB_ANY_PORT) &&
	       /* connect(0.0.0.0) is the kernel's way of saying 127.0.0.1 */
	       tcp_reaches("0.0.0.0", PUB_ANY_PORT, w.be_tcp, "127.0.0.1", PUB_ANY_PORT) &&
	       /* an address xnet does not know as the host's is left alone */
	       ASSERT_EQ(tcp_connect(OTHER_ADDR, PUB_ANY_PORT), -ECONNREFUSED,
			 "connect to an address not in xnet_hostaddrs") &&
	       /* a port published nowhere is left alone */
	       ASSERT_EQ(tcp_connect("127.0.0.1", FREE_PORT), -ECONNREFUSED,
			 "connect to an unpublished port") &&
	       nothing_queued(w.be_tcp, "nothing else reached the backend");
}

/* Is @fd's socket recorded as reaching @addr:@port through the backend (xnet_sock_peer)? */
static bool peer_record_is(int fd, const char *addr, int port, const char *what)
{
	struct xnet_sock_peer v = {};
	struct sockaddr_in a = sin_of(addr, port), b = sin_of(BACKEND_IP, BACKEND_PORT);

	return ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(w.skel->maps.xnet_sock_peer), &fd, &v) ? -errno : 0,
			 what) &&
	       ASSERT_EQ(v.backend_ip, b.sin_addr.s_addr, "record: backend address") &&
	       ASSERT_EQ(v.backend_port, b.sin_port, "record: backend port") &&
	       ASSERT_EQ(v.addr, a.sin_addr.s_addr, "record: published address") &&
	       ASSERT_EQ(v.port, a.sin_port, "record: published port") &&
	       ASSERT_EQ(v.flags, 0, "record: an IPv4 address, not [::1]");
}

static bool no_peer_record(int fd, const char *what)
{
	struct xnet_sock_peer v;

	return ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(w.skel->maps.xnet_sock_peer), &fd, &v) ? -errno : 0,
			 -ENOENT, what);
}

/* Has @fd's socket an entry in the shared table (xnet_sock_rev) for the backend? */
static bool has_rev_entry(int fd)
{
	struct sockaddr_in b = sin_of(BACKEND_IP, BACKEND_PORT);
	struct xnet_sock_rev_key k = { .addr = b.sin_addr.s_addr, .port = b.sin_port };
	struct xnet_sock_rev v;
	socklen_t len = sizeof(k.cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &k.cookie, &len))
		return false;
	return !bpf_map_lookup_elem(bpf_map__fd(w.skel->maps.xnet_sock_rev), &k, &v);
}

/*
 * Where the way back is remembered: a connected socket in its own storage
 * (nothing in the shared table, and gone when it connects elsewhere), an
 * unconnected UDP socket in the shared table, per backend.
 */
static bool child_peer_record(void)
{
	struct sockaddr_in pub = sin_of("127.0.0.1", PUB_ANY_PORT), other = sin_of("127.0.0.1", FREE_PORT);
	int c = tcp_connect("127.0.0.1", PUB_ANY_PORT), u = sock_new(SOCK_DGRAM), s;
	char buf[8];
	bool ok;

	s = c >= 0 ? tcp_accept(w.be_tcp, 1000) : -1;
	ok = ASSERT_GT(c, -1, "tcp connect") && ASSERT_GT(s, -1, "accepted") &&
	     peer_record_is(c, "127.0.0.1", PUB_ANY_PORT, "tcp: the socket's own record") &&
	     ASSERT_FALSE(has_rev_entry(c), "tcp: nothing in xnet_sock_rev") &&
	     no_peer_record(s, "the accepted socket has no record");
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	ok = ok && ASSERT_GT(u, -1, "udp socket") &&
	     ASSERT_EQ(sendto(u, "x", 1, 0, (struct sockaddr *)&pub, sizeof(pub)), 1, "sendto") &&
	     ASSERT_TRUE(has_rev_entry(u), "unconnected udp: an entry in xnet_sock_rev") &&
	     no_peer_record(u, "unconnected udp: no record of its own") &&
	     ASSERT_OK(connect(u, (struct sockaddr *)&pub, sizeof(pub)) ? -errno : 0, "udp connect") &&
	     peer_record_is(u, "127.0.0.1", PUB_ANY_PORT, "connected udp: its own record") &&
	     ASSERT_OK(connect(u, (struct sockaddr *)&other, sizeof(other)) ? -errno : 0, "udp connect elsewhere") &&
	     no_peer_record(u, "connected elsewhere: the record is gone");
	if (u >= 0)
		close(u);
	/* What reached the backend stays there for nobody. */
	while (recv(w.be_udp, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	return ok;
}

/* A port published on 127.0.0.1 captures 127.0.0.1 only. */
static bool child_tcp_loopback(void)
{
	struct sockaddr_in sin = sin_of(HOST_ADDR, PUB_LO_PORT);
	int l = sock_new(SOCK_STREAM);
	bool ok;

	/* A host server on another address of the same port is no conflict. */
	if (!ASSERT_GT(l, -1, "socket") ||
	    !ASSERT_OK(bind(l, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0,
		       "bind " HOST_ADDR " on the port published on 127.0.0.1") ||
	    !ASSERT_OK(listen(l, 8) ? -errno : 0, "listen"))
		return false;
	ok = tcp_reaches("127.0.0.1", PUB_LO_PORT, w.be_tcp, "127.0.0.1", PUB_LO_PORT) &&
	     tcp_reaches(HOST_ADDR, PUB_LO_PORT, l, HOST_ADDR, PUB_LO_PORT) &&
	     ASSERT_EQ(tcp_connect("127.0.0.5", PUB_LO_PORT), -ECONNREFUSED,
		       "127.0.0.5 is not 127.0.0.1") &&
	     nothing_queued(w.be_tcp, "nothing else reached the backend");
	close(l);
	return ok;
}

/*
 * One datagram client -> @dst (sendto, or send on a connected socket), one
 * back from the backend; the client must see it come from @shown.
 */
static bool udp_roundtrip(int c, const struct sockaddr_in *dst, const struct sockaddr_in *shown)
{
	struct sockaddr_in from = {}, src = {};
	socklen_t len = sizeof(src);
	char buf[16] = {};
	ssize_t n;

	n = dst ? sendto(c, "hello", 5, 0, (const struct sockaddr *)dst, sizeof(*dst))
		: send(c, "hello", 5, 0);
	if (!ASSERT_EQ(n, 5, "client send"))
		return false;
	n = recvfrom(w.be_udp, buf, sizeof(buf), 0, (struct sockaddr *)&src, &len);
	if (!ASSERT_EQ(n, 5, "the backend receives the datagram") ||
	    !ASSERT_MEMEQ(buf, "hello", 5, "datagram bytes"))
		return false;
	if (!ASSERT_EQ(sendto(w.be_udp, "world", 5, 0, (struct sockaddr *)&src, len), 5,
		       "backend reply"))
		return false;
	len = sizeof(from);
	n = recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	return ASSERT_EQ(n, 5, "the client receives the reply") &&
	       ASSERT_MEMEQ(buf, "world", 5, "reply bytes") &&
	       sin_eq(&from, inet_ntoa(shown->sin_addr), ntohs(shown->sin_port),
		      "recvfrom shows the published address");
}

static bool child_udp(void)
{
	struct sockaddr_in lo = sin_of("127.0.0.1", PUB_ANY_PORT);
	struct sockaddr_in host = sin_of(HOST_ADDR, PUB_ANY_PORT);
	struct sockaddr_in peer = {};
	socklen_t len = sizeof(peer);
	int c = sock_new(SOCK_DGRAM), cc = -1;
	bool ok = false;

	if (!ASSERT_GT(c, -1, "socket"))
		return false;
	/* One unconnected socket, two published addresses: each reply mapped back right. */
	if (!udp_roundtrip(c, &lo, &lo) || !udp_roundtrip(c, &host, &host) ||
	    !udp_roundtrip(c, &lo, &lo))
		goto out;
	cc = sock_new(SOCK_DGRAM);
	if (!ASSERT_GT(cc, -1, "socket") ||
	    !ASSERT_OK(connect(cc, (struct sockaddr *)&lo, sizeof(lo)) ? -errno : 0,
		       "connect a UDP socket to the published port") ||
	    !udp_roundtrip(cc, NULL, &lo) ||
	    !ASSERT_OK(getpeername(cc, (struct sockaddr *)&peer, &len), "getpeername"))
		goto out;
	ok = sin_eq(&peer, "127.0.0.1", PUB_ANY_PORT, "getpeername of the connected UDP socket");
out:
	if (cc >= 0)
		close(cc);
	close(c);
	return ok;
}

static bool child_bind(void)
{
	return ASSERT_ERR(try_bind(SOCK_STREAM, "0.0.0.0", PUB_ANY_PORT), -EADDRINUSE,
			  "bind 0.0.0.0 on a port published on 0.0.0.0") &&
	       ASSERT_ERR(try_bind(SOCK_STREAM, "127.0.0.1", PUB_ANY_PORT), -EADDRINUSE,
			  "bind 127.0.0.1 on a port published on 0.0.0.0") &&
	       ASSERT_ERR(try_bind(SOCK_STREAM, HOST_ADDR, PUB_ANY_PORT), -EADDRINUSE,
			  "bind a host address on a port published on 0.0.0.0") &&
	       ASSERT_ERR(try_bind(SOCK_DGRAM, "0.0.0.0", PUB_ANY_PORT), -EADDRINUSE,
			  "bind udp 0.0.0.0 on a port published for udp") &&
	       ASSERT_ERR(try_bind(SOCK_STREAM, "127.0.0.1", PUB_LO_PORT), -EADDRINUSE,
			  "bind 127.0.0.1 on a port published on 127.0.0.1") &&
	       /* found by the walk over the published bindings */
	       ASSERT_ERR(try_bind(SOCK_STREAM, "0.0.0.0", PUB_LO_PORT), -EADDRINUSE,
			  "bind 0.0.0.0 on a port published on 127.0.0.1") &&
	       ASSERT_OK(try_bind(SOCK_STREAM, HOST_ADDR, PUB_LO_PORT),
			 "bind another address on a port published on 127.0.0.1") &&
	       ASSERT_OK(try_bind(SOCK_DGRAM, "0.0.0.0", PUB_LO_PORT),
			 "bind udp on a port published for tcp only") &&
	       ASSERT_OK(try_bind(SOCK_STREAM, "0.0.0.0", FREE_PORT), "bind a free port") &&
	       ASSERT_OK(try_bind(SOCK_STREAM, "0.0.0.0", 0), "bind port 0");
}

/*
 * A namespace that is not the xnet host's (or no host configured at all):
 * nothing is translated, nothing refused. A server on 127.0.0.1:5000 can
 * bind and gets the connection itself.
 */
static bool child_untouched(void)
{
	struct sockaddr_in sin = sin_of("127.0.0.1", PUB_ANY_PORT);
	char buf[4];
	int l = sock_new(SOCK_STREAM), u = sock_new(SOCK_DGRAM), c = -1;
	bool ok = false;

	if (!ASSERT_GT(l, -1, "socket") || !ASSERT_GT(u, -1, "socket") ||
	    !ASSERT_OK(bind(l, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0,
		       "bind 127.0.0.1:5000 (tcp)") ||
	    !ASSERT_OK(listen(l, 8) ? -errno : 0, "listen") ||
	    !ASSERT_OK(bind(u, (struct sockaddr *)&sin, sizeof(sin)) ? -errno : 0,
		       "bind 127.0.0.1:5000 (udp)"))
		goto out;
	if (!tcp_reaches("127.0.0.1", PUB_ANY_PORT, l, "127.0.0.1", PUB_ANY_PORT))
		goto out;
	c = sock_new(SOCK_DGRAM);
	if (!ASSERT_GT(c, -1, "socket") ||
	    !ASSERT_EQ(sendto(c, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)), 1, "sendto"))
		goto out;
	ok = ASSERT_EQ(recv(u, buf, sizeof(buf), 0), 1, "the local udp socket gets the datagram");
out:
	if (c >= 0)
		close(c);
	close(u);
	close(l);
	return ok;
}

/* With no host configured, the backend must see nothing from the host netns either. */
static bool child_unconfigured(void)
{
	struct sockaddr_in sin = sin_of("127.0.0.1", PUB_ANY_PORT);
	char buf[4];
	int c;
	bool ok;

	if (!ASSERT_EQ(tcp_connect("127.0.0.1", PUB_ANY_PORT), -ECONNREFUSED,
		       "connect without a configured host") ||
	    !ASSERT_OK(try_bind(SOCK_STREAM, "0.0.0.0", PUB_ANY_PORT),
		       "bind without a configured host"))
		return false;
	c = sock_new(SOCK_DGRAM);
	if (!ASSERT_GT(c, -1, "socket"))
		return false;
	sendto(c, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
	ok = ASSERT_EQ(recv(w.be_udp, buf, sizeof(buf), MSG_DONTWAIT), -1, "backend udp empty") &&
	     nothing_queued(w.be_tcp, "backend tcp empty");
	close(c);
	return ok;
}

/* ------------------------------------------------------------ IPv6 sockets */

/* [::ffff:ip]:port, or [ip6]:port when @ip contains a colon. */
static struct sockaddr_in6 sin6_of(const char *ip, int port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	char buf[64];

	snprintf(buf, sizeof(buf), strchr(ip, ':') ? "%s" : "::ffff:%s", ip);
	inet_pton(AF_INET6, buf, &sin6.sin6_addr);
	return sin6;
}

static bool sin6_eq(const struct sockaddr_in6 *got, const char *ip, int port, const char *what)
{
	struct sockaddr_in6 want = sin6_of(ip, port);
	char g[INET6_ADDRSTRLEN], x[INET6_ADDRSTRLEN];

	if (got->sin6_family == AF_INET6 && got->sin6_port == want.sin6_port &&
	    !memcmp(&got->sin6_addr, &want.sin6_addr, sizeof(want.sin6_addr)))
		return true;
	inet_ntop(AF_INET6, &got->sin6_addr, g, sizeof(g));
	inet_ntop(AF_INET6, &want.sin6_addr, x, sizeof(x));
	return xt__fail(__FILE__, __LINE__, "%s: got [%s]:%u, expected [%s]:%u", what, g,
			ntohs(got->sin6_port), x, ntohs(want.sin6_port));
}

static int sock6_new(int type)
{
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 1 };

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int try_bind6(int type, const char *ip, int port)
{
	struct sockaddr_in6 sin6 = sin6_of(ip, port);
	int fd = sock6_new(type), err, one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) ? -errno : 0;
	close(fd);
	return err;
}

/* connect() of a dual-stack socket to [::ffff:ip]:port: 0 or -errno. */
static int tcp6_connect_err(const char *ip, int port)
{
	struct sockaddr_in6 dst = sin6_of(ip, port);
	int c = sock6_new(SOCK_STREAM), err;

	if (c < 0)
		return -errno;
	err = connect(c, (struct sockaddr *)&dst, sizeof(dst)) ? -errno : 0;
	close(c);
	return err;
}

/* A dual-stack socket to [::ffff:ip]:port lands on @lfd; getpeername shows what it asked for. */
static bool tcp6_reaches(const char *ip, int port, int lfd)
{
	struct sockaddr_in6 dst = sin6_of(ip, port), peer = {};
	socklen_t len = sizeof(peer);
	int c = sock6_new(SOCK_STREAM), s = -1;
	char what[96];
	bool ok = false;

	snprintf(what, sizeof(what), strchr(ip, ':') ? "connect [%s]:%d" : "connect [::ffff:%s]:%d", ip, port);
	if (!ASSERT_GT(c, -1, "socket(AF_INET6)"))
		return false;
	if (!ASSERT_OK(connect(c, (struct sockaddr *)&dst, sizeof(dst)) ? -errno : 0, what))
		goto out;
	s = tcp_accept(lfd, 1000);
	if (!ASSERT_GT(s, -1, "the connection arrives at the backend") ||
	    !ASSERT_OK(getpeername(c, (struct sockaddr *)&peer, &len), "getpeername"))
		goto out;
	ok = sin6_eq(&peer, ip, port, "getpeername shows the mapped published address");
out:
	close(c);
	if (s >= 0)
		close(s);
	return ok;
}

/*
 * The backend answers the 5-byte datagram it was sent; the IPv6 client @u
 * must see the answer come from [@ip]:@port.
 */
static bool udp6_answer_shown(int u, const char *ip, int port, const char *what)
{
	struct sockaddr_in6 from = {};
	struct sockaddr_in src = {};
	socklen_t len = sizeof(src);
	char buf[16];

	if (!ASSERT_EQ(recvfrom(w.be_udp, buf, sizeof(buf), 0, (struct sockaddr *)&src, &len), 5,
		       "the backend receives the datagram") ||
	    !ASSERT_EQ(sendto(w.be_udp, "world", 5, 0, (struct sockaddr *)&src, len), 5, "backend reply"))
		return false;
	len = sizeof(from);
	return ASSERT_EQ(recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 5,
			 "the client receives the reply") &&
	       sin6_eq(&from, ip, port, what);
}

static bool child_v4mapped(void)
{
	struct sockaddr_in6 dst = sin6_of("127.0.0.1", PUB_ANY_PORT);
	int u;
	bool ok;

	if (!tcp6_reaches("127.0.0.1", PUB_ANY_PORT, w.be_tcp) ||
	    !tcp6_reaches(HOST_ADDR, PUB_ANY_PORT, w.be_tcp) ||
	    !tcp6_reaches("127.0.0.1", PUB_LO_PORT, w.be_tcp) ||
	    !ASSERT_EQ(tcp6_connect_err("127.0.0.5", PUB_LO_PORT), -ECONNREFUSED,
		       "[::ffff:127.0.0.5] is not 127.0.0.1") ||
	    !nothing_queued(w.be_tcp, "nothing else reached the backend"))
		return false;
	u = sock6_new(SOCK_DGRAM);
	if (!ASSERT_GT(u, -1, "socket(AF_INET6, SOCK_DGRAM)"))
		return false;
	ok = ASSERT_EQ(sendto(u, "hello", 5, 0, (struct sockaddr *)&dst, sizeof(dst)), 5, "sendto") &&
	     udp6_answer_shown(u, "127.0.0.1", PUB_ANY_PORT, "recvfrom shows the mapped published address");
	close(u);
	return ok;
}

/*
 * [::1]: a port published on every address answers there too, as Docker's
 * proxy listening on [::] does; one published on 127.0.0.1 alone does not,
 * and an IPV6_V6ONLY socket, which cannot reach the backend's mapped
 * address, is left alone. Replies and getpeername show [::1].
 */
static bool child_loopback6(void)
{
	struct sockaddr_in6 dst = sin6_of("::1", PUB_ANY_PORT), peer = {};
	struct sockaddr_in lo = sin_of("127.0.0.1", PUB_ANY_PORT);
	struct xnet_sock_peer rec = {};
	socklen_t len;
	char buf[16] = {};
	int u, c, s = -1, one = 1;
	bool ok;

	if (!tcp6_reaches("::1", PUB_ANY_PORT, w.be_tcp) ||
	    !ASSERT_EQ(tcp6_connect_err("::1", PUB_LO_PORT), -ECONNREFUSED,
		       "[::1] on a port published on 127.0.0.1 only") ||
	    !ASSERT_EQ(tcp6_connect_err("::1", FREE_PORT), -ECONNREFUSED, "[::1] on a free port"))
		return false;

	/* The record says [::1], not the 127.0.0.1 it stands for. */
	c = sock6_new(SOCK_STREAM);
	if (!ASSERT_GT(c, -1, "socket(AF_INET6)"))
		return false;
	ok = ASSERT_OK(connect(c, (struct sockaddr *)&dst, sizeof(dst)) ? -errno : 0, "connect [::1]") &&
	     ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(w.skel->maps.xnet_sock_peer), &c, &rec) ? -errno : 0,
		       "the socket's record") &&
	     ASSERT_EQ(rec.flags, XNET_SOCKF_LOOPBACK6, "record: [::1]") &&
	     ASSERT_EQ(rec.addr, lo.sin_addr.s_addr, "record: loopback") &&
	     ASSERT_EQ(rec.port, lo.sin_port, "record: published port");
	s = tcp_accept(w.be_tcp, 1000);
	ok = ok && ASSERT_GT(s, -1, "the connection arrives at the backend");
	close(c);
	if (s >= 0)
		close(s);
	if (!ok)
		return false;

	c = sock6_new(SOCK_STREAM);
	if (!ASSERT_GT(c, -1, "socket(AF_INET6)"))
		return false;
	setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	ok = ASSERT_EQ(connect(c, (struct sockaddr *)&dst, sizeof(dst)) ? -errno : 0, -ECONNREFUSED,
		       "an IPV6_V6ONLY socket to [::1] is left alone");
	close(c);
	if (!ok || !nothing_queued(w.be_tcp, "nothing else reached the backend"))
		return false;

	/*
	 * UDP: connected, translated (replies and getpeername show [::1]).
	 * Unconnected sendto [::1] is left alone: the kernel refuses a sendmsg6
	 * rewritten to a mapped address.
	 */
	u = sock6_new(SOCK_DGRAM);
	if (!ASSERT_GT(u, -1, "socket(AF_INET6, SOCK_DGRAM)"))
		return false;
	ok = ASSERT_EQ(sendto(u, "lost", 4, 0, (struct sockaddr *)&dst, sizeof(dst)), 4,
		       "unconnected sendto [::1]: sent as is") &&
	     ASSERT_EQ(recv(w.be_udp, buf, sizeof(buf), MSG_DONTWAIT), -1,
		       "unconnected sendto [::1]: not at the backend") &&
	     ASSERT_OK(connect(u, (struct sockaddr *)&dst, sizeof(dst)) ? -errno : 0, "udp connect [::1]") &&
	     ASSERT_EQ(send(u, "hello", 5, 0), 5, "send") &&
	     udp6_answer_shown(u, "::1", PUB_ANY_PORT, "recvfrom shows [::1]");
	len = sizeof(peer);
	ok = ok && ASSERT_OK(getpeername(u, (struct sockaddr *)&peer, &len), "getpeername") &&
	     sin6_eq(&peer, "::1", PUB_ANY_PORT, "getpeername shows [::1]");
	close(u);
	return ok &&
	       ASSERT_ERR(try_bind6(SOCK_STREAM, "::1", PUB_ANY_PORT), -EADDRINUSE,
			  "bind [::1] on a port published on 0.0.0.0") &&
	       ASSERT_ERR(try_bind6(SOCK_DGRAM, "::1", PUB_ANY_PORT), -EADDRINUSE,
			  "bind udp [::1] on a port published for udp") &&
	       ASSERT_OK(try_bind6(SOCK_STREAM, "::1", PUB_LO_PORT),
			 "bind [::1] on a port published on 127.0.0.1 only") &&
	       ASSERT_OK(try_bind6(SOCK_STREAM, "::1", FREE_PORT), "bind [::1] on a free port");
}

static bool child_bind6(void)
{
	return ASSERT_ERR(try_bind6(SOCK_STREAM, "::", PUB_ANY_PORT), -EADDRINUSE,
			  "bind [::] (dual-stack) on a port published on 0.0.0.0") &&
	       ASSERT_ERR(try_bind6(SOCK_DGRAM, "::", PUB_ANY_PORT), -EADDRINUSE,
			  "bind udp [::] on a port published for udp") &&
	       ASSERT_ERR(try_bind6(SOCK_STREAM, "127.0.0.1", PUB_LO_PORT), -EADDRINUSE,
			  "bind [::ffff:127.0.0.1] on a port published on 127.0.0.1") &&
	       ASSERT_ERR(try_bind6(SOCK_STREAM, "::", PUB_LO_PORT), -EADDRINUSE,
			  "bind [::] on a port published on 127.0.0.1") &&
	       ASSERT_OK(try_bind6(SOCK_STREAM, HOST_ADDR, PUB_LO_PORT),
			 "bind [::ffff:" HOST_ADDR "] on a port published on 127.0.0.1") &&
	       ASSERT_OK(try_bind6(SOCK_STREAM, "::", FREE_PORT), "bind [::] on a free port");
}

/* ------------------------------------------------------------ world */

static int netns_cookie(__u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

/* A cgroup v2 hierarchy: /sys/fs/cgroup when it is one, else a private mount. */
static int cgroup_setup(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/cgroup", &st) && st.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(w.cg_mnt, sizeof(w.cg_mnt), "/sys/fs/cgroup");
	} else {
		/* The runner's mount namespace is private: this mount vanishes with it. */
		snprintf(w.cg_mnt, sizeof(w.cg_mnt), "%s/cgroup2", xt__tmpdir());
		if (mkdir(w.cg_mnt, 0755) && errno != EEXIST)
			return -errno;
		if (mount("cgroup2", w.cg_mnt, "cgroup2", 0, NULL))
			return -errno;
		w.cg_mounted = true;
	}
	snprintf(w.cg_path, sizeof(w.cg_path), "%s/xnet-test-sock.%d", w.cg_mnt, getpid());
	if (mkdir(w.cg_path, 0755))
		return -errno;
	w.cg_fd = open(w.cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return w.cg_fd < 0 ? -errno : 0;
}

/* The backend sockets, bound in the current (host) namespace. */
static int backend_setup(void)
{
	struct sockaddr_in sin = sin_of(BACKEND_IP, BACKEND_PORT);

	w.be_tcp = sock_new(SOCK_STREAM);
	w.be_udp = sock_new(SOCK_DGRAM);
	if (w.be_tcp < 0 || w.be_udp < 0 ||
	    bind(w.be_tcp, (struct sockaddr *)&sin, sizeof(sin)) || listen(w.be_tcp, 16) ||
	    bind(w.be_udp, (struct sockaddr *)&sin, sizeof(sin)))
		return -errno;
	return 0;
}

/* The xnet host's namespace; we come back to the runner's at the end. */
static bool host_setup(void)
{
	w.orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_GT(w.orig_ns, -1, "open own netns") ||
	    !ASSERT_OK(unshare(CLONE_NEWNET) ? -errno : 0, "unshare(CLONE_NEWNET)"))
		return false;
	w.host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return ASSERT_GT(w.host_ns, -1, "open host netns") &&
	       ASSERT_OK(system("ip link set lo up && ip addr add " HOST_ADDR "/32 dev lo && "
				"ip addr add " OTHER_ADDR "/32 dev lo"), "host addresses") &&
	       ASSERT_OK(netns_cookie(&w.host_cookie), "SO_NETNS_COOKIE") &&
	       ASSERT_OK(backend_setup(), "backend sockets on " BACKEND_IP);
}

static int set_host_cookie(__u64 cookie)
{
	struct xnet_host host = { .netns_cookie = cookie };
	__u32 zero = 0;

	return bpf_map__update_elem(w.skel->maps.xnet_host, &zero, sizeof(zero), &host,
				    sizeof(host), BPF_ANY);
}

static int publish(const char *host_ip, int port, __u8 proto)
{
	struct xnet_pub_key key = { .port = htons(port), .proto = proto };
	struct xnet_pub pub = { .backend_port = htons(BACKEND_PORT), .net_id = 1 };

	inet_pton(AF_INET, host_ip, &key.host_ip);
	inet_pton(AF_INET, BACKEND_IP, &pub.backend_ip);
	return bpf_map__update_elem(w.skel->maps.xnet_published, &key, sizeof(key), &pub,
				    sizeof(pub), BPF_NOEXIST);
}

static bool maps_setup(void)
{
	__be32 addr;
	__u32 flags = XNET_HA_LOCAL;

	inet_pton(AF_INET, HOST_ADDR, &addr);
	return ASSERT_OK(set_host_cookie(w.host_cookie), "xnet_host") &&
	       ASSERT_OK(bpf_map__update_elem(w.skel->maps.xnet_hostaddrs, &addr, sizeof(addr),
					      &flags, sizeof(flags), BPF_ANY), "xnet_hostaddrs") &&
	       ASSERT_OK(publish("0.0.0.0", PUB_ANY_PORT, IPPROTO_TCP), "publish tcp 5000") &&
	       ASSERT_OK(publish("0.0.0.0", PUB_ANY_PORT, IPPROTO_UDP), "publish udp 5000") &&
	       ASSERT_OK(publish("127.0.0.1", PUB_LO_PORT, IPPROTO_TCP), "publish tcp 127.0.0.1:5003");
}

static bool attach(void)
{
	struct bpf_program *progs[] = {
		w.skel->progs.sock_connect4, w.skel->progs.sock_sendmsg4,
		w.skel->progs.sock_recvmsg4, w.skel->progs.sock_getpeername4,
		w.skel->progs.sock_bind4, w.skel->progs.sock_connect6,
		w.skel->progs.sock_sendmsg6, w.skel->progs.sock_recvmsg6,
		w.skel->progs.sock_getpeername6, w.skel->progs.sock_bind6,
	};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		w.links[i] = bpf_program__attach_cgroup(progs[i], w.cg_fd);
		if (!ASSERT_OK_PTR(w.links[i], bpf_program__name(progs[i])))
			return false;
	}
	return true;
}

static void teardown(void)
{
	for (size_t i = 0; i < sizeof(w.links) / sizeof(w.links[0]); i++)
		bpf_link__destroy(w.links[i]);
	if (w.cg_fd >= 0)
		close(w.cg_fd);
	/* The children are reaped, but the cgroup may report busy for a moment. */
	for (int i = 0; w.cg_path[0] && i < 50 && rmdir(w.cg_path) && errno == EBUSY; i++)
		usleep(20000);
	if (w.cg_mounted)
		umount2(w.cg_mnt, MNT_DETACH);
	if (w.be_tcp >= 0)
		close(w.be_tcp);
	if (w.be_udp >= 0)
		close(w.be_udp);
	if (w.orig_ns >= 0) {
		if (setns(w.orig_ns, CLONE_NEWNET))
			xt__fail(__FILE__, __LINE__, "back to the runner's netns: %s", strerror(errno));
		close(w.orig_ns);
	}
	if (w.host_ns >= 0)
		close(w.host_ns);
	sock_test__destroy(w.skel);
}

XT_TEST(sock)
{
	w.skel = sock_test__open_and_load();
	if (!ASSERT_OK_PTR(w.skel, "sock_test__open_and_load (verifier)"))
		return;
	if (!ASSERT_OK(cgroup_setup(), "child cgroup v2") || !attach() || !host_setup() ||
	    !maps_setup())
		goto out;

	if (xt__start_subtest("tcp_published_any"))
		in_cgroup(child_tcp_any, w.host_ns, "tcp to a port published on 0.0.0.0");
	if (xt__start_subtest("tcp_published_loopback"))
		in_cgroup(child_tcp_loopback, w.host_ns, "tcp to a port published on 127.0.0.1");
	if (xt__start_subtest("udp_published"))
		in_cgroup(child_udp, w.host_ns, "udp sendto/recvfrom/connect");
	if (xt__start_subtest("peer_record"))
		in_cgroup(child_peer_record, w.host_ns, "where connected and unconnected sockets are remembered");
	if (xt__start_subtest("bind_refused"))
		in_cgroup(child_bind, w.host_ns, "bind while published");
	if (xt__start_subtest("ipv4_mapped"))
		in_cgroup(child_v4mapped, w.host_ns, "dual-stack sockets to ::ffff:<host>");
	if (xt__start_subtest("ipv6_loopback"))
		in_cgroup(child_loopback6, w.host_ns, "IPv6 sockets to [::1]");
	if (xt__start_subtest("bind6_refused"))
		in_cgroup(child_bind6, w.host_ns, "IPv6 binds while published");
	if (xt__start_subtest("other_netns_untouched"))
		in_cgroup(child_untouched, w.orig_ns, "outside the host netns");
	if (xt__start_subtest("host_unconfigured")) {
		if (ASSERT_OK(set_host_cookie(0), "clear xnet_host")) {
			in_cgroup(child_unconfigured, w.host_ns, "no host configured");
			ASSERT_OK(set_host_cookie(w.host_cookie), "restore xnet_host");
		}
	}
	if (xt__start_subtest("unpublished_port_free")) {
		struct xnet_pub_key tcp = { .port = htons(PUB_ANY_PORT), .proto = IPPROTO_TCP };
		struct xnet_pub_key udp = { .port = htons(PUB_ANY_PORT), .proto = IPPROTO_UDP };

		/* rm: the port is the host's again, and nothing goes to the backend */
		if (ASSERT_OK(bpf_map__delete_elem(w.skel->maps.xnet_published, &tcp, sizeof(tcp), 0),
			      "unpublish tcp 5000") &&
		    ASSERT_OK(bpf_map__delete_elem(w.skel->maps.xnet_published, &udp, sizeof(udp), 0),
			      "unpublish udp 5000"))
			in_cgroup(child_unconfigured, w.host_ns, "after unpublishing");
	}
out:
	teardown();
}
