// SPDX-License-Identifier: GPL-2.0-only
/*
 * xnet-pktgen: traffic generator and sink for line-rate benchmarks.
 *
 * Generator engines:
 *   kernel    the kernel's pktgen (/proc/net/pktgen), when the module is there;
 *   live      BPF_PROG_RUN of tools/pktgen/pktgen.bpf.c in live-frames mode
 *             (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18+): every run redirects
 *             the template frame out of --dev, one thread per CPU;
 *   afpacket  AF_PACKET sendmmsg with PACKET_QDISC_BYPASS, the same frames
 *             written by pg_walk_frame: where live frames are refused.
 * Sink: tools/pktgen/sink.bpf.c attached to --dev (native XDP, or tc ingress
 * with --tc), counts and drops. See tools/pktgen/README.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "kernel/netdev.h"
#include "packet.h"
#include "pktgen.skel.h"
#include "sink.skel.h"

#define PROG "xnet-pktgen"
#define PKTGEN_DIR "/proc/net/pktgen"
/* XNET_PKTGEN_PROCDIR: another directory than /proc/net/pktgen (tests). */
static const char *pgdir = PKTGEN_DIR;
static char pgctrl[256];

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --dev IF --dst-ip IP [options]     generate traffic out of IF\n"
"       " PROG " sink --dev IF [--tc] [--udp-sport P] [--duration S] [--json]\n"
"                                              count and drop what IF receives\n"
"       " PROG " --sink IF [...]               (same)\n"
"\n"
"generator options:\n"
"  --dev IF               interface to send from\n"
"  --dst-mac M            destination MAC (default 02:00:00:00:00:02)\n"
"  --src-mac M            source MAC (default: the interface's)\n"
"  --dst-ip IP            destination IPv4 address (required)\n"
"  --src-ip IP[-IP]       source address or range (default 198.18.0.1)\n"
"  --dst-port P           destination port (default 9)\n"
"  --src-port P[-P]       source port or range (default 9); ranges spread flows\n"
"  --udp | --tcp-syn      UDP (default) or TCP SYN\n"
"  --size BYTES           frame size without FCS, 64..1500 (default 64)\n"
"  --payload-hex HEX      UDP payload bytes as hex (e.g. a DNS query); the IP and\n"
"                         UDP lengths and the frame size follow from it (at\n"
"                         least 64 bytes, zero padding after the datagram);\n"
"                         UDP checksum computed (not 0); not with kernel pktgen\n"
"  --count N              stop after N packets\n"
"  --duration SECONDS     stop after SECONDS (default 10 without --count)\n"
"  --rate PPS             limit to PPS packets per second (live frames: an average,\n"
"                         sent in bursts of one BPF_PROG_RUN call, >= 25 ms;\n"
"                         AF_PACKET: per sendmmsg batch)\n"
"  --threads N            sending threads, one per CPU (default: online CPUs)\n"
"  --batch N              frames per live-frames batch or per sendmmsg, 1..256\n"
"                         (default 64)\n"
"  --mode auto|live|afpacket|kernel\n"
"                         engine: live = XDP live frames (BPF_PROG_RUN),\n"
"                         afpacket = AF_PACKET sendmmsg with qdisc bypass,\n"
"                         kernel = kernel pktgen; auto (default): kernel\n"
"                         pktgen if " PKTGEN_DIR " exists (UDP), else live\n"
"                         frames, else AF_PACKET (says why on stderr)\n"
"  --json                 one JSON object at the end instead of text\n"
"  -h, --help             this text\n"
"\n"
"sink options:\n"
"  --tc                   count at tc ingress instead of native XDP: also sees\n"
"                         packets that skip the driver, e.g. bpf_redirect_peer\n"
"  --udp-sport P          count and drop only IPv4 UDP from source port P (e.g.\n"
"                         53: DNS answers); let everything else pass\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - (time_t)t) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop)
		;
}

/* ------------------------------------------------------------ the interface */

static int check_dev(const char *dev, int need_up, unsigned *ifindex, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd;

	*ifindex = if_nametoindex(dev);
	if (!*ifindex) {
		fprintf(stderr, PROG ": interface %s: %s\n", dev,
			errno == ENODEV ? "no such interface" : strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, PROG ": socket: %s\n", strerror(errno));
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		fprintf(stderr, PROG ": interface %s: %s\n", dev, strerror(errno));
		close(fd);
		return -1;
	}
	if (need_up && !(ifr.ifr_flags & IFF_UP)) {
		fprintf(stderr, PROG ": interface %s is down (set it up first)\n", dev);
		close(fd);
		return -1;
	}
	if (need_up && !(ifr.ifr_flags & IFF_RUNNING)) {
		fprintf(stderr, PROG ": interface %s is down: no carrier (is its peer or cable up?)\n", dev);
		close(fd);
		return -1;
	}
	if (mac) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
			memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	close(fd);
	return 0;
}

/* ------------------------------------------------------------ reporting */

struct result {
	const char *engine;
	unsigned threads;
	uint64_t packets, bytes;
	double seconds;
};

/* What an engine's run sent: @total frames of @len bytes from @threads threads in @seconds. */
static void result_set(struct result *r, const char *engine, unsigned threads, uint64_t total, unsigned len,
		       double seconds)
{
	r->engine = engine;
	r->threads = threads;
	r->packets = total;
	r->bytes = total * len;
	r->seconds = seconds;
}

static void report(const struct pg_opts *o, const struct result *r)
{
	double pps = r->seconds > 0 ? r->packets / r->seconds : 0;
	double mbps = r->seconds > 0 ? r->bytes * 8 / r->seconds / 1e6 : 0;

	if (o->json) {
		struct json_object *j = json_object_new_object();
		char num[32];

		json_object_object_add(j, "mode", json_object_new_string(o->mode == PG_MODE_SINK ? "sink" : "generator"));
		json_object_object_add(j, "dev", json_object_new_string(o->dev));
		if (o->mode == PG_MODE_SINK) {
			json_object_object_add(j, "received", json_object_new_int64((int64_t)r->packets));
		} else {
			json_object_object_add(j, "engine", json_object_new_string(r->engine));
			json_object_object_add(j, "threads", json_object_new_int((int)r->threads));
			json_object_object_add(j, "size", json_object_new_int((int)o->pkt.size));
			if (o->pkt.payload_len)
				json_object_object_add(j, "payload", json_object_new_int((int)o->pkt.payload_len));
			json_object_object_add(j, "sent", json_object_new_int64((int64_t)r->packets));
		}
		json_object_object_add(j, "bytes", json_object_new_int64((int64_t)r->bytes));
		snprintf(num, sizeof(num), "%.3f", r->seconds);
		json_object_object_add(j, "seconds", json_object_new_double_s(r->seconds, num));
		json_object_object_add(j, "pps", json_object_new_int64((int64_t)llround(pps)));
		snprintf(num, sizeof(num), "%.1f", mbps);
		json_object_object_add(j, "mbps", json_object_new_double_s(mbps, num));
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else if (o->mode == PG_MODE_SINK) {
		printf("total: received %llu packets (%llu bytes) in %.3f s: %.0f pps, %.1f Mbit/s\n",
		       (unsigned long long)r->packets, (unsigned long long)r->bytes, r->seconds, pps, mbps);
	} else {
		printf("total: sent %llu packets in %.3f s: %.0f pps, %.1f Mbit/s (%u-byte frames, %s, %u thread%s)\n",
		       (unsigned long long)r->packets, r->seconds, pps, mbps, o->pkt.size, r->engine,
		       r->threads, r->threads == 1 ? "" : "s");
	}
	fflush(stdout);
}

static void tick(const struct pg_opts *o, const char *verb, double t, uint64_t total, uint64_t delta, double dt)
{
	if (o->json)
		return;
	printf("%6.1fs  %s %12llu packets  %10.0f pps\n", t, verb, (unsigned long long)total,
	       dt > 0 ? delta / dt : 0);
	fflush(stdout);
}

/* ------------------------------------------------------------ sending threads */

/*
 * Every BPF_PROG_RUN call with repeat > 1 costs a fixed ~25 ms on this kind
 * of kernel (the XDP dispatcher is switched to the program and back, each a
 * synchronize_rcu), whatever the repeat count. So calls are sized to last
 * CALL_TARGET seconds from the measured rate, and the rate limiter is a
 * token bucket (send what is due since the start) rather than fixed slices.
 */
#define CALL_TARGET	0.2
#define CHUNK_MIN	4096u
#define CHUNK_MAX	(1u << 26)

/* One sending thread of either engine. */
struct worker {
	pthread_t tid;
	int cpu;
	int prog_fd;		/* live frames */
	int sock;		/* AF_PACKET */
	const struct pg_walk *walk;
	const struct sockaddr_ll *to;
	uint32_t slot, stride;	/* AF_PACKET: frames slot, slot + stride, ... of the walk */
	unsigned ifindex;
	const struct pg_opts *o;
	const uint8_t *frame;
	unsigned len;
	uint64_t quota;		/* 0: until stop */
	double pps;		/* 0: unlimited */
	double t0, deadline;	/* deadline 0: none */
	_Atomic uint64_t sent;
	int err;		/* errno of a failed BPF_PROG_RUN or sendmmsg */
	_Atomic int done;
};

/* Blocks signals (the main thread handles them) and pins to w->cpu. */
static void worker_setup(const struct worker *w)
{
	cpu_set_t set;
	sigset_t sigs;

	sigfillset(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (w->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
}

/*
 * Starts nthreads threads of fn over w (filled in but for cpu, quota, pps,
 * t0, deadline, set here), prints a tick each second, stops them after
 * --duration or on a signal and waits for them. Returns the threads started
 * and their total in *total, the elapsed time in *seconds.
 */
static unsigned run_threads(const struct pg_opts *o, struct worker *w, unsigned nthreads,
			    void *(*fn)(void *), uint64_t *total, double *seconds)
{
	unsigned i, ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t last = 0;
	double t0, tlast, t;
	int err;

	t0 = tlast = now_s();
	for (i = 0; i < nthreads; i++) {
		w[i].cpu = ncpu ? (int)(i % ncpu) : -1;
		w[i].quota = o->count ? o->count / nthreads + (i < o->count % nthreads) : 0;
		w[i].pps = o->rate ? (double)o->rate / nthreads : 0;
		w[i].t0 = t0;
		w[i].deadline = o->duration ? t0 + o->duration : 0;
		if (o->count && !w[i].quota) {
			w[i].done = 1;
			continue;
		}
		if ((err = pthread_create(&w[i].tid, NULL, fn, &w[i]))) {
			fprintf(stderr, PROG ": pthread_create: %s\n", strerror(err));
			stop = 1;
			nthreads = i;
			break;
		}
	}
	for (;;) {
		unsigned done = 0;
		double deadline = tlast + 1;

		while (!stop && now_s() < deadline) {
			done = 0;
			for (i = 0; i < nthreads; i++)
				done += w[i].done;
			if (done == nthreads)
				break;
			if (o->duration && now_s() - t0 >= o->duration)
				stop = 1;
			usleep(10000);
		}
		*total = 0;
		for (i = 0; i < nthreads; i++)
			*total += w[i].sent;
		t = now_s();
		if (stop || done == nthreads)
			break;
		tick(o, "sent", t - t0, *total, *total - last, t - tlast);
		last = *total;
		tlast = t;
	}
	stop = 1;
	for (i = 0; i < nthreads; i++)
		if (w[i].tid)
			pthread_join(w[i].tid, NULL);
	*seconds = now_s() - t0;
	*total = 0;
	for (i = 0; i < nthreads; i++)
		*total += w[i].sent;
	return nthreads;
}

static unsigned thread_count(const struct pg_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	return o->threads ? o->threads : ncpu > 0 ? (unsigned)ncpu : 1;
}

/* ------------------------------------------------------------ live frames */

static void *live_main(void *arg)
{
	struct worker *w = arg;
	struct xdp_md ctx = { .data = 0, .data_end = w->len, .ingress_ifindex = w->ifindex };
	uint8_t buf[PG_MAX_SIZE];
	uint64_t left = w->quota, sent = 0;
	double chunk = 65536, rate = 0, t, a;

	worker_setup(w);
	memcpy(buf, w->frame, w->len);
	while (!stop) {
		double n = chunk;

		t = now_s();
		if (w->quota) {
			if (!left)
				break;
			if (n > left)
				n = (double)left;
		}
		if (w->deadline) {
			if (t >= w->deadline)
				break;
			if (rate > 0 && n > (w->deadline - t) * rate)
				n = (w->deadline - t) * rate;
		}
		if (w->pps > 0) {
			double due = (t - w->t0) * w->pps - (double)sent;

			if (due < 1 || due < w->pps * 0.005) {
				sleep_until(t + 0.005);
				continue;
			}
			if (n > due)
				n = due;
		}
		if (n < 1)
			n = 1;
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			    .data_in = buf, .data_size_in = w->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .repeat = (uint32_t)n, .batch_size = w->o->batch);
		if (bpf_prog_test_run_opts(w->prog_fd, &opts)) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			break;
		}
		a = now_s() - t;
		sent += opts.repeat;
		atomic_fetch_add(&w->sent, opts.repeat);
		if (w->quota)
			left -= opts.repeat;
		/* Size the next call from this one (overhead included). */
		if (a > 0 && (unsigned)opts.repeat >= CHUNK_MIN) {
			rate = opts.repeat / a;
			chunk = opts.repeat * CALL_TARGET / a;
			chunk = chunk < CHUNK_MIN ? CHUNK_MIN : chunk > CHUNK_MAX ? CHUNK_MAX : chunk;
		}
	}
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * XNET_PKTGEN_REFUSE_LIVE=1 (a test hook): the live-frames probe fails with
 * EPERM as some kernels make BPF_PROG_RUN do for root (seen on a Debian 12 VM
 * with 6.18), without asking the kernel.
 */
static int live_refused_for_test(void)
{
	const char *v = getenv("XNET_PKTGEN_REFUSE_LIVE");

	return v && *v && strcmp(v, "0");
}

/*
 * Loads the generator program for live frames out of ifindex and makes sure
 * they can run: the device takes redirected XDP frames, and one
 * BPF_PROG_RUN in live-frames mode with the program in probe mode (drops the
 * frame, nothing sent, the walk untouched) succeeds. Returns the skeleton, or
 * NULL with why the engine cannot run in why.
 */
static struct pktgen *live_open(const struct pg_opts *o, unsigned ifindex, const uint8_t *frame, unsigned len,
				char *why, size_t whylen)
{
	struct xdp_md ctx = { .data = 0, .data_end = len, .ingress_ifindex = ifindex };
	uint8_t buf[PG_MAX_SIZE];
	struct pktgen *skel;
	uint64_t feat = 0;
	long ncpu;
	int err;

	/* A kernel that cannot tell (no netdev genetlink family): try all the same. */
	if (netdev__xdp_features(NULL, ifindex, &feat) == 0 && !(feat & NETDEV_XDP_NDO_XMIT)) {
		snprintf(why, whylen, "%s does not accept redirected XDP frames (no ndo_xdp_xmit; for a veth, "
			 "attach an XDP program to its peer, e.g. " PROG " sink --dev PEER)", o->dev);
		return NULL;
	}
	skel = pktgen__open();
	if (!skel) {
		snprintf(why, whylen, "cannot open the generator program: %s", strerror(errno));
		return NULL;
	}
	skel->rodata->cfg_ifindex = ifindex;
	skel->rodata->cfg_ip_off = PG_IP_OFF;
	skel->rodata->cfg_l4_off = PG_L4_OFF;
	skel->rodata->cfg_udp = o->pkt.proto == PG_UDP;
	skel->rodata->cfg_l4_csum_off = o->pkt.proto == PG_UDP ? PG_UDP_CSUM_OFF : PG_TCP_CSUM_OFF;
	skel->rodata->cfg_src_ip = o->pkt.src_ip;
	skel->rodata->cfg_src_ip_count = o->src_ip_count;
	skel->rodata->cfg_src_port = o->pkt.src_port;
	skel->rodata->cfg_src_port_count = o->src_port_count;
	skel->rodata->cfg_ip_csum = (uint32_t)(frame[PG_IP_OFF + 10] << 8 | frame[PG_IP_OFF + 11]);
	skel->rodata->cfg_l4_csum = (uint32_t)(frame[PG_L4_OFF + skel->rodata->cfg_l4_csum_off] << 8 |
					       frame[PG_L4_OFF + skel->rodata->cfg_l4_csum_off + 1]);
	/* Restored into every frame: receivers may have edited the recycled pages. */
	_Static_assert(sizeof(skel->bss->tmpl) >= PG_MAX_SIZE, "tmpl holds any frame");
	memcpy(skel->bss->tmpl, frame, len);
	skel->rodata->cfg_tmpl_len = len;
	/* Threads pinned to CPUs 0.. in turn: the CPUs that share the walk. */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	skel->rodata->cfg_stride = ncpu > 0 && thread_count(o) > (unsigned)ncpu ? (unsigned)ncpu : thread_count(o);
	err = pktgen__load(skel);
	if (err) {
		snprintf(why, whylen, "cannot load the generator program: %s", strerror(-err));
		pktgen__destroy(skel);
		return NULL;
	}
	/* The probe: the kernel's own answer to a live-frames run. */
	skel->bss->probe = 1;
	memcpy(buf, frame, len);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = buf, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = 1, .batch_size = o->batch);
	if (live_refused_for_test()) {
		err = -1;
		errno = EPERM;
	} else {
		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xnet_pktgen), &opts);
	}
	if (err) {
		snprintf(why, whylen, "live frames refused by the kernel (BPF_PROG_RUN: %s%s)", strerror(errno),
			 errno == EINVAL ? "; live frames need Linux 5.18+" : "");
		pktgen__destroy(skel);
		return NULL;
	}
	skel->bss->probe = 0;
	return skel;
}

static int run_live(const struct pg_opts *o, struct pktgen *skel, unsigned ifindex, const uint8_t *frame,
		    unsigned len, struct result *res)
{
	unsigned nthreads = thread_count(o), i;
	struct worker *w;
	uint64_t total;
	double seconds;
	int ret = 0;

	w = calloc(nthreads, sizeof(*w));
	if (!w) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		w[i].prog_fd = bpf_program__fd(skel->progs.xnet_pktgen);
		w[i].ifindex = ifindex;
		w[i].o = o;
		w[i].frame = frame;
		w[i].len = len;
	}
	nthreads = run_threads(o, w, nthreads, live_main, &total, &seconds);
	for (i = 0; i < nthreads; i++) {
		if (w[i].err && !ret) {
			fprintf(stderr, PROG ": interface %s: XDP cannot run on it: BPF_PROG_RUN in live-frames mode failed: %s%s\n",
				o->dev, strerror(w[i].err),
				w[i].err == EINVAL ? " (live frames need Linux 5.18+)" : "");
			ret = 1;
		}
	}
	result_set(res, "live-frames", nthreads, total, len, seconds);
	free(w);
	return ret;
}

/* ------------------------------------------------------------ AF_PACKET */

/*
 * The AF_PACKET engine: each thread writes a batch of frames (copies of the
 * template, turned into its next frames of the flow walk by pg_walk_frame,
 * the same walk and checksums as the live-frames program; thread i of n
 * sends frames i, i + n, i + 2n, ... as the program on CPU i does) and hands them to
 * the driver with one sendmmsg, PACKET_QDISC_BYPASS (no qdisc, straight to
 * the device's queue). A frame the device refuses (ENOBUFS: its queue or a
 * veth peer's ring is full) is written and sent again, so "sent" counts
 * frames the driver took and the receiver sees the walk without gaps.
 */
static void *afp_main(void *arg)
{
	struct worker *w = arg;
	unsigned batch = w->o->batch, i, n;
	uint64_t left = w->quota, sent = 0;
	uint32_t k = 0;			/* frames this thread sent */
	struct mmsghdr *msgs;
	struct iovec *iov;
	uint8_t *bufs;
	double t;
	int r;

	worker_setup(w);
	bufs = malloc((size_t)batch * w->len);
	msgs = calloc(batch, sizeof(*msgs));
	iov = calloc(batch, sizeof(*iov));
	if (!bufs || !msgs || !iov) {
		w->err = ENOMEM;
		goto out;
	}
	for (i = 0; i < batch; i++) {
		memcpy(bufs + (size_t)i * w->len, w->frame, w->len);
		iov[i].iov_base = bufs + (size_t)i * w->len;
		iov[i].iov_len = w->len;
		msgs[i].msg_hdr.msg_name = (void *)w->to;
		msgs[i].msg_hdr.msg_namelen = sizeof(*w->to);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop) {
		n = batch;
		if (w->quota) {
			if (!left)
				break;
			if (n > left)
				n = (unsigned)left;
		}
		if (w->deadline || w->pps > 0) {
			t = now_s();
			if (w->deadline && t >= w->deadline)
				break;
			if (w->pps > 0) {
				double due = (t - w->t0) * w->pps - (double)sent;

				if (due < 1) {
					/* The next frame's time. */
					sleep_until(w->t0 + ((double)sent + 1) / w->pps);
					continue;
				}
				if (n > due)
					n = (unsigned)due;
			}
		}
		if (pg_walk_varies(w->walk))
			for (i = 0; i < n; i++)
				pg_walk_frame(w->walk, bufs + (size_t)i * w->len,
					      (k + i) * w->stride + w->slot);
		r = sendmmsg(w->sock, msgs, n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				sched_yield();
				continue;
			}
			w->err = errno;
			break;
		}
		k += (uint32_t)r;
		sent += (unsigned)r;
		atomic_fetch_add(&w->sent, (unsigned)r);
		if (w->quota)
			left -= (unsigned)r;
	}
out:
	free(bufs);
	free(msgs);
	free(iov);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * A packet socket sending out of ifindex, qdisc bypassed, receiving nothing
 * (protocol 0). Returns the socket, or -1 with the reason in why.
 */
static int afp_socket(const char *dev, unsigned ifindex, char *why, size_t whylen)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)ifindex };
	struct timeval tv = { .tv_usec = 100000 };	/* a blocked send sees stop within 0.1 s */
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "AF_PACKET socket: %s%s", strerror(errno),
			 errno == EPERM || errno == EACCES ? " (needs CAP_NET_RAW)" : "");
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		snprintf(why, whylen, "AF_PACKET socket: PACKET_QDISC_BYPASS: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		snprintf(why, whylen, "AF_PACKET socket: bind to %s: %s", dev, strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Opens one socket per thread into *socks (nthreads of them). Returns 0, or
 * -1 with the reason in why and nothing left open.
 */
static int afp_open(const struct pg_opts *o, unsigned ifindex, int **socks, char *why, size_t whylen)
{
	unsigned n = thread_count(o), i;
	int *s = calloc(n, sizeof(*s));

	if (!s) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		s[i] = afp_socket(o->dev, ifindex, why, whylen);
		if (s[i] < 0) {
			while (i--)
				close(s[i]);
			free(s);
			return -1;
		}
	}
	*socks = s;
	return 0;
}

static int run_afpacket(const struct pg_opts *o, int *socks, unsigned ifindex, const uint8_t *frame,
			unsigned len, struct result *res)
{
	unsigned nthreads = thread_count(o), started, i;
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = (int)ifindex, .sll_halen = 6,
	};
	struct pg_walk walk;
	struct worker *w;
	uint64_t total;
	double seconds;
	int ret = 0;

	memcpy(to.sll_addr, o->pkt.dst_mac, 6);
	pg_walk_init(&walk, o, frame);
	w = calloc(nthreads, sizeof(*w));
	if (!w) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		w[i].sock = socks[i];
		w[i].walk = &walk;
		w[i].slot = i;
		w[i].stride = nthreads;
		w[i].to = &to;
		w[i].ifindex = ifindex;
		w[i].o = o;
		w[i].frame = frame;
		w[i].len = len;
	}
	started = run_threads(o, w, nthreads, afp_main, &total, &seconds);
	for (i = 0; i < started; i++) {
		if (w[i].err && !ret) {
			fprintf(stderr, PROG ": interface %s: AF_PACKET send failed: %s\n", o->dev,
				strerror(w[i].err));
			ret = 1;
		}
	}
	result_set(res, "afpacket", started, total, len, seconds);
	free(w);
	return ret;
}

/* ------------------------------------------------------------ kernel pktgen */

static int pg_write(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int pg_write(const char *file, const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(errno));
		return -1;
	}
	n = (int)write(fd, cmd, strlen(cmd));
	if (n < 0 && errno != EINTR) {
		fprintf(stderr, PROG ": %s: '%s': %s\n", file, cmd, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static uint64_t pg_sofar(const char *file)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "pkts-sofar:");
	return p ? strtoull(p + 11, NULL, 10) : 0;
}

static void *pg_start(void *arg)
{
	sigset_t sigs;

	(void)arg;
	/* Signals go to the main thread, which stops pktgen through pgctrl. */
	sigfillset(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	pg_write(pgctrl, "start");	/* returns when done or stopped */
	return NULL;
}

static int run_kernel(const struct pg_opts *o, struct result *res)
{
	unsigned nthreads = o->threads, i, ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	char f[128], ip[INET_ADDRSTRLEN], ip2[INET_ADDRSTRLEN];
	const uint8_t *d = o->pkt.dst_mac, *s = o->pkt.src_mac;
	uint64_t total, last = 0;
	double t0, tlast, t;
	pthread_t tid;
	struct in_addr a;
	int running = 1;

	if (o->pkt.proto != PG_UDP) {
		fprintf(stderr, PROG ": kernel pktgen only sends UDP; use --mode live or afpacket for --tcp-syn\n");
		return 1;
	}
	if (!nthreads)
		nthreads = ncpu ? ncpu : 1;
	if (nthreads > ncpu)
		nthreads = ncpu;
	for (i = 0; i < ncpu; i++) {
		snprintf(f, sizeof(f), "%s/kpktgend_%u", pgdir, i);
		if (pg_write(f, "rem_device_all"))
			return 1;
	}
	for (i = 0; i < nthreads; i++) {
		snprintf(f, sizeof(f), "%s/kpktgend_%u", pgdir, i);
		if (pg_write(f, "add_device %s@%u", o->dev, i))
			return 1;
		snprintf(f, sizeof(f), "%s/%s@%u", pgdir, o->dev, i);
		a.s_addr = htonl(o->pkt.dst_ip);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		if (pg_write(f, "count %llu", o->count ? (unsigned long long)(o->count / nthreads + (i < o->count % nthreads)) : 0ull) ||
		    pg_write(f, "pkt_size %u", o->pkt.size) ||
		    pg_write(f, "clone_skb 1000") ||
		    pg_write(f, "delay 0") ||
		    pg_write(f, "dst %s", ip) ||
		    pg_write(f, "dst_mac %02x:%02x:%02x:%02x:%02x:%02x", d[0], d[1], d[2], d[3], d[4], d[5]) ||
		    pg_write(f, "src_mac %02x:%02x:%02x:%02x:%02x:%02x", s[0], s[1], s[2], s[3], s[4], s[5]) ||
		    pg_write(f, "udp_dst_min %u", o->pkt.dst_port) ||
		    pg_write(f, "udp_dst_max %u", o->pkt.dst_port) ||
		    pg_write(f, "udp_src_min %u", o->pkt.src_port) ||
		    pg_write(f, "udp_src_max %u", o->pkt.src_port + o->src_port_count - 1))
			return 1;
		a.s_addr = htonl(o->pkt.src_ip);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		a.s_addr = htonl(o->pkt.src_ip + o->src_ip_count - 1);
		inet_ntop(AF_INET, &a, ip2, sizeof(ip2));
		if (pg_write(f, "src_min %s", ip) || pg_write(f, "src_max %s", ip2))
			return 1;
		if (o->rate && pg_write(f, "ratep %llu", (unsigned long long)(o->rate / nthreads ? o->rate / nthreads : 1)))
			return 1;
	}
	t0 = tlast = now_s();
	if (pthread_create(&tid, NULL, pg_start, NULL)) {
		fprintf(stderr, PROG ": pthread_create failed\n");
		return 1;
	}
	for (;;) {
		usleep(200000);
		running = pthread_tryjoin_np(tid, NULL) == EBUSY;
		t = now_s();
		if (o->duration && t - t0 >= o->duration)
			stop = 1;
		if (!running || stop)
			break;
		if (t - tlast >= 1) {
			total = 0;
			for (i = 0; i < nthreads; i++) {
				snprintf(f, sizeof(f), "%s/%s@%u", pgdir, o->dev, i);
				total += pg_sofar(f);
			}
			tick(o, "sent", t - t0, total, total - last, t - tlast);
			last = total;
			tlast = t;
		}
	}
	if (running) {
		pg_write(pgctrl, "stop");
		pthread_join(tid, NULL);
	}
	t = now_s();
	total = 0;
	for (i = 0; i < nthreads; i++) {
		snprintf(f, sizeof(f), "%s/%s@%u", pgdir, o->dev, i);
		total += pg_sofar(f);
	}
	result_set(res, "kernel-pktgen", nthreads, total, o->pkt.size, t - t0);
	return 0;
}

/* ------------------------------------------------------------ sink */

struct sink_count {
	uint64_t packets, bytes;
};

static int sink_read(int map_fd, uint64_t *pkts, uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sink_count *v;
	uint32_t key = 0;

	if (ncpu <= 0)
		return -1;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -1;
	if (bpf_map_lookup_elem(map_fd, &key, v)) {
		free(v);
		return -1;
	}
	*pkts = *bytes = 0;
	for (int i = 0; i < ncpu; i++) {
		*pkts += v[i].packets;
		*bytes += v[i].bytes;
	}
	free(v);
	return 0;
}

static int sink_xdp_attach(const char *dev, unsigned ifindex, int prog_fd)
{
	int err = bpf_xdp_attach((int)ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);

	if (err)
		fprintf(stderr, PROG ": interface %s: XDP cannot run on it: attaching the sink in native mode failed: %s%s\n",
			dev, strerror(-err), err == -EBUSY || err == -EEXIST ? " (an XDP program is already attached)" :
			err == -EOPNOTSUPP ? " (the driver has no native XDP)" : "");
	return err;
}

/* The tc sink's hook and filter, to remove exactly what was added. */
struct sink_tc {
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	int created;			/* the clsact qdisc is ours: remove it too */
};

/*
 * A cls_bpf filter (direct action, handle 1, priority 1: before any other
 * filter) at tc ingress of dev, in a clsact qdisc created if there is none.
 */
static int sink_tc_attach(const char *dev, unsigned ifindex, int prog_fd, struct sink_tc *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->hook.sz = sizeof(t->hook);
	t->hook.ifindex = (int)ifindex;
	t->hook.attach_point = BPF_TC_INGRESS;
	t->opts.sz = sizeof(t->opts);
	t->opts.handle = 1;
	t->opts.priority = 1;
	t->opts.prog_fd = prog_fd;
	err = bpf_tc_hook_create(&t->hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, PROG ": interface %s: cannot add a clsact qdisc for the tc sink: %s\n",
			dev, strerror(-err));
		return err;
	}
	t->created = !err;
	err = bpf_tc_attach(&t->hook, &t->opts);
	if (err) {
		fprintf(stderr, PROG ": interface %s: attaching the sink at tc ingress failed: %s%s\n", dev,
			strerror(-err), err == -EEXIST ? " (a filter with handle 1, priority 1 is already there)" : "");
		if (t->created) {
			t->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&t->hook);
		}
	}
	return err;
}

static void sink_tc_detach(struct sink_tc *t)
{
	/* bpf_tc_detach wants only handle and priority. */
	t->opts.prog_fd = 0;
	t->opts.prog_id = 0;
	t->opts.flags = 0;
	bpf_tc_detach(&t->hook, &t->opts);
	if (t->created) {
		/* Both attach points: removes the qdisc itself. */
		t->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&t->hook);
	}
}

static int run_sink(const struct pg_opts *o)
{
	struct sink *skel;
	unsigned ifindex;
	uint64_t pkts = 0, bytes = 0, last = 0;
	double t0, tlast, t;
	struct result res = { 0 };
	struct sink_tc tc = { 0 };
	int err, map_fd;

	if (check_dev(o->dev, 0, &ifindex, NULL))
		return 1;
	skel = sink__open();
	if (skel) {
		skel->rodata->cfg_udp_sport = o->udp_sport;
		if (sink__load(skel)) {
			sink__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel) {
		fprintf(stderr, PROG ": cannot load the sink program: %s\n", strerror(errno));
		return 1;
	}
	if (o->tc)
		err = sink_tc_attach(o->dev, ifindex, bpf_program__fd(skel->progs.xnet_sink_tc), &tc);
	else
		err = sink_xdp_attach(o->dev, ifindex, bpf_program__fd(skel->progs.xnet_sink));
	if (err) {
		sink__destroy(skel);
		return 1;
	}
	map_fd = bpf_map__fd(skel->maps.sink_counts);
	if (!o->json) {
		printf("sink attached to %s (ifindex %u, %s)\n", o->dev, ifindex, o->tc ? "tc ingress" : "XDP");
		fflush(stdout);
	}
	t0 = tlast = now_s();
	while (!stop) {
		double deadline = tlast + 1;

		while (!stop && now_s() < deadline) {
			if (o->duration && now_s() - t0 >= o->duration) {
				stop = 1;
				break;
			}
			usleep(10000);
		}
		if (sink_read(map_fd, &pkts, &bytes))
			break;
		t = now_s();
		if (!stop)
			tick(o, "received", t - t0, pkts, pkts - last, t - tlast);
		last = pkts;
		tlast = t;
	}
	sink_read(map_fd, &pkts, &bytes);
	if (o->tc)
		sink_tc_detach(&tc);
	else
		bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE, NULL);
	res.packets = pkts;
	res.bytes = bytes;
	res.seconds = now_s() - t0;
	report(o, &res);
	sink__destroy(skel);
	return 0;
}

/* ------------------------------------------------------------ main */

/* libbpf's own messages only with XNET_PKTGEN_DEBUG=1: errors are reported above. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return getenv("XNET_PKTGEN_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct pg_opts o;
	struct result res = { 0 };
	uint8_t frame[PG_MAX_SIZE], mac[6] = { 0 };
	unsigned ifindex;
	char err[256], why[512];
	struct sigaction sa = { .sa_handler = on_signal };
	int kernel, ret;

	if (pg_parse(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s (see --help)\n", err);
		return 1;
	}
	if (o.help) {
		usage(stdout);
		return 0;
	}
	libbpf_set_print(libbpf_quiet);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o.mode == PG_MODE_SINK)
		return run_sink(&o);

	if (getenv("XNET_PKTGEN_PROCDIR"))
		pgdir = getenv("XNET_PKTGEN_PROCDIR");
	snprintf(pgctrl, sizeof(pgctrl), "%s/pgctrl", pgdir);
	if (check_dev(o.dev, 1, &ifindex, mac))
		return 1;
	if (!o.have_src_mac)
		memcpy(o.pkt.src_mac, mac, 6);
	if (o.pkt.payload_len && o.engine == PG_ENGINE_KERNEL) {
		fprintf(stderr, PROG ": --payload-hex: kernel pktgen writes its own payload; use --mode live or afpacket\n");
		return 1;
	}
	if (pg_build(&o.pkt, frame, sizeof(frame)) < 0) {
		fprintf(stderr, PROG ": cannot build a %u-byte frame\n", o.pkt.size);
		return 1;
	}
	/* auto: kernel pktgen when it is there and can send the frame asked for. */
	kernel = o.engine == PG_ENGINE_KERNEL ||
		 (o.engine == PG_ENGINE_AUTO && !o.pkt.payload_len && o.pkt.proto == PG_UDP &&
		  access(pgctrl, W_OK) == 0);
	if (o.engine == PG_ENGINE_KERNEL && access(pgctrl, W_OK)) {
		fprintf(stderr, PROG ": --mode kernel: %s: %s (modprobe pktgen)\n", pgctrl, strerror(errno));
		return 1;
	}
	if (kernel) {
		ret = run_kernel(&o, &res);
	} else {
		struct pktgen *skel = NULL;
		int *socks = NULL, nsocks = (int)thread_count(&o);

		/* auto and live: live frames where the kernel and the device take them. */
		if (o.engine != PG_ENGINE_AFPACKET) {
			skel = live_open(&o, ifindex, frame, o.pkt.size, why, sizeof(why));
			if (!skel && o.engine == PG_ENGINE_LIVE) {
				fprintf(stderr, PROG ": interface %s: XDP cannot run on it: %s "
					"(--mode afpacket or auto sends with AF_PACKET instead)\n", o.dev, why);
				return 1;
			}
		}
		if (!skel) {
			char why2[256];

			if (afp_open(&o, ifindex, &socks, why2, sizeof(why2))) {
				if (o.engine == PG_ENGINE_AFPACKET)
					fprintf(stderr, PROG ": --mode afpacket: interface %s: %s\n", o.dev, why2);
				else
					fprintf(stderr, PROG ": interface %s: no engine can send: live frames: %s; "
						"%s\n", o.dev, why, why2);
				return 1;
			}
			if (o.engine == PG_ENGINE_AUTO)
				fprintf(stderr, PROG ": %s%s; using AF_PACKET (sendmmsg, qdisc bypass)\n",
					strncmp(why, "live frames", 11) ? "live frames cannot be used: " : "", why);
			ret = run_afpacket(&o, socks, ifindex, frame, o.pkt.size, &res);
			for (int i = 0; i < nsocks; i++)
				close(socks[i]);
			free(socks);
		} else {
			ret = run_live(&o, skel, ifindex, frame, o.pkt.size, &res);
			pktgen__destroy(skel);
		}
	}
	if (ret)
		return ret;
	report(&o, &res);
	return 0;
}
