// SPDX-License-Identifier: GPL-2.0-only
/* util: ids, names, time, addresses and small file helpers. */
#include <signal.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/util.h"

void util__random_id(char out[XNET_ID_LEN + 1])
{
	unsigned char b[XNET_ID_LEN / 2];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom on Linux does not fail for <= 256 bytes once seeded */
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	}
	for (size_t i = 0; i < sizeof(b); i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[XNET_ID_LEN] = '\0';
}

/* Docker-style "adjective_scientist" names (a short list in Docker's spirit). */
static const char *const left[] = {
	"admiring", "brave", "clever", "dazzling", "eager", "festive", "gallant",
	"happy", "jolly", "keen", "loving", "modest", "nifty", "optimistic",
	"peaceful", "quirky", "relaxed", "serene", "trusting", "vibrant",
	"wizardly", "youthful", "zealous", "bold", "crazy", "dreamy",
};
static const char *const right[] = {
	"albattani", "babbage", "curie", "dijkstra", "euclid", "fermat",
	"galileo", "hopper", "lovelace", "kepler", "lamport", "mccarthy",
	"noether", "pascal", "ritchie", "shannon", "thompson", "turing",
	"wozniak", "yonath", "torvalds", "hamilton", "knuth", "liskov",
};

void util__random_name(char *out, size_t len)
{
	unsigned int r[3], nleft = sizeof(left) / sizeof(left[0]);
	const char *pool = getenv("XNET_NAME_POOL");

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r[0] = r[1] = r[2] = (unsigned int)rand();
	/* Tests shrink the pool to N names (left[0..N) + right[0]) to exercise collisions. */
	if (pool && atoi(pool) > 0) {
		nleft = (unsigned int)atoi(pool) < nleft ? (unsigned int)atoi(pool) : nleft;
		snprintf(out, len, "%s_%s", left[r[0] % nleft], right[0]);
		return;
	}
	snprintf(out, len, "%s_%s%u", left[r[0] % nleft], right[r[1] % (sizeof(right) / sizeof(right[0]))],
		 r[2] % 100);
}

void util__now_rfc3339(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%09ldZ", base, ts.tv_nsec);
}

static time_t parse_rfc3339(const char *s)
{
	struct tm tm = { 0 };

	if (!s || !*s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

/* Docker's go-units HumanDuration. */
void util__human_duration(long secs, char *out, size_t len)
{
	if (secs < 1)
		snprintf(out, len, "Less than a second");
	else if (secs == 1)
		snprintf(out, len, "1 second");
	else if (secs < 60)
		snprintf(out, len, "%ld seconds", secs);
	else if (secs / 60 == 1)
		snprintf(out, len, "About a minute");
	else if (secs < 3600)
		snprintf(out, len, "%ld minutes", secs / 60);
	else if ((secs + 1800) / 3600 == 1)
		snprintf(out, len, "About an hour");
	else if (secs < 48 * 3600)
		snprintf(out, len, "%ld hours", (secs + 1800) / 3600);
	else if (secs < 7 * 24 * 3600 * 2)
		snprintf(out, len, "%ld days", secs / 86400);
	else if (secs < 30L * 24 * 3600 * 3)
		snprintf(out, len, "%ld weeks", secs / (7 * 86400));
	else if (secs < 365L * 24 * 3600 * 2)
		snprintf(out, len, "%ld months", secs / (30L * 86400));
	else
		snprintf(out, len, "%ld years", secs / (365L * 86400));
}

void util__ago(const char *rfc3339, char *out, size_t len)
{
	time_t t = parse_rfc3339(rfc3339);
	char d[64];

	util__human_duration((long)(time(NULL) - t), d, sizeof(d));
	snprintf(out, len, "%s ago", d);
}

/* Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+ for container names; we use it for networks too. */
bool util__valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

const char *util__dns_name_error(const char *s, size_t max)
{
	static char too_long[48];
	size_t n = strlen(s), label = 0;

	if (n == 0)
		return "it is empty";
	if (n > max) {
		snprintf(too_long, sizeof(too_long), "it is longer than %zu bytes", max);
		return too_long;
	}
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return "it has an empty label (a leading, trailing or double '.')";
			if (label > 63)
				return "a label is longer than 63 characters";
			if (s[i - 1] == '-' || s[i - label] == '-')
				return "a label starts or ends with '-'";
			label = 0;
			continue;
		}
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '-' &&
		    c != '_')
			return "only letters, digits, '-', '_' and '.' are allowed";
		label++;
	}
	return NULL;
}

const char *util__quote(const char *s)
{
	static char bufs[2][600];
	static int k;
	char *b = bufs[k ^= 1];
	size_t o = 0;

	for (size_t n = 0; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n == 128) {
			o += (size_t)sprintf(b + o, "...");
			break;
		}
		if (c == '\n')
			o += (size_t)sprintf(b + o, "\\n");
		else if (c == '\t')
			o += (size_t)sprintf(b + o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(b + o, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			o += (size_t)sprintf(b + o, "\\%c", c);
		else
			b[o++] = (char)c;
	}
	b[o] = '\0';
	return b;
}

int util__mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write atomically (tmp + rename) so a reader never sees half a file. */
/* Rewrite in place: files bind-mounted into sandboxes must keep their inode. */
int util__write_inplace(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t n = strlen(content);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, content, n) != (ssize_t)n)
		rc = -EIO;
	close(fd);
	return rc;
}

/* One write() to an existing file: /proc/sys and sysfs knobs (no temporary file, no rename). */
int util__write_proc(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0 || (size_t)n != len) {
		int err = n < 0 ? errno : EIO;

		close(fd);
		return -err;
	}
	return close(fd) ? -errno : 0;
}

int util__write_file(const char *path, const char *content)
{
	char tmp[PATH_MAX + 8];
	size_t n = strlen(content);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, content, n) != (ssize_t)n) {
		int err = -errno;

		close(fd);
		unlink(tmp);
		return err ? err : -EIO;
	}
	close(fd);
	if (rename(tmp, path))
		return -errno;
	return 0;
}

char *util__read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, 4096, f);
		len += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

int util__rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (de->d_type == DT_DIR)
			util__rm_rf(sub);
		else
			unlink(sub);
	}
	closedir(d);
	return rmdir(path) && errno != ENOENT ? -errno : 0;
}


void util__ipv6_off(const char *ifname)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;	/* no IPv6 in this kernel: nothing to turn off */
	if (write(fd, "1", 1) != 1)
		log_debug("cannot disable IPv6 on %s: %s", ifname, strerror(errno));
	close(fd);
}

static void sb_reserve(struct strbuf *b, size_t more)
{
	char *ns;

	if (b->len + more + 1 <= b->cap)
		return;
	b->cap = (b->len + more + 1) * 2;
	ns = realloc(b->s, b->cap);
	if (!ns) {
		fprintf(stderr, "xnet: out of memory\n");
		abort();
	}
	b->s = ns;
}

void util__sb_add(struct strbuf *b, const char *sep, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len && sep) {
		sb_reserve(b, strlen(sep));
		b->len += (size_t)sprintf(b->s + b->len, "%s", sep);
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *util__sb_str(const struct strbuf *b)
{
	return b->s ? b->s : "";
}

void util__sb_free(struct strbuf *b)
{
	free(b->s);
	*b = (struct strbuf){ 0 };
}

void util__failpoint(const char *name)
{
	const char *fp = getenv("XNET_FAILPOINT");

	if (fp && !strcmp(fp, name)) {
		log_warn("failpoint %s: killing myself", name);
		raise(SIGKILL);
	}
}
