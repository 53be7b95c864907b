/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * util: pure helpers (ids, names, time, files, growing strings; addresses
 * are lib/addr.h, which this header includes).
 * Knows nothing of xnet's objects; unit-tested without root.
 */
#ifndef XNET_UTIL_H
#define XNET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/addr.h"	/* the address helpers, util__ip_str ... */

/* The length of an object id (hex), as Docker's. */
#define XNET_ID_LEN		64

void util__random_id(char out[XNET_ID_LEN + 1]);
void util__random_name(char *out, size_t len);
void util__now_rfc3339(char *out, size_t len);
/* "2 minutes ago" style (Docker's units.HumanDuration) from an RFC 3339 time. */
void util__ago(const char *rfc3339, char *out, size_t len);
void util__human_duration(long secs, char *out, size_t len);
bool util__valid_name(const char *s);
/*
 * A DNS name of at most max bytes (hostnames: 64, Linux's HOST_NAME_MAX;
 * aliases: 253): dot-separated labels of 1 to 63 letters, digits, '-' and
 * '_' (tolerated, as Docker does), no label starting or ending with '-'.
 * NULL when valid, else what is wrong, for the error message.
 */
const char *util__dns_name_error(const char *s, size_t max);
/* s for an error message, Go's %q style: control characters, '"' and '\' escaped, cut after 128 bytes. */
const char *util__quote(const char *s);
int util__mkdir_p(const char *path);
int util__write_file(const char *path, const char *content);
int util__write_proc(const char *path, const char *value);	/* one write(), -errno */
int util__write_inplace(const char *path, const char *content);	/* keeps the inode (bind mounts) */
char *util__read_file(const char *path);	/* malloc'd, NULL on error */
/* Remove a file or a directory tree; missing = 0. */
int util__rm_rf(const char *path);
/* IPv6 off on a device of the current namespace: our devices carry IPv4 only. */
void util__ipv6_off(const char *ifname);
/*
 * Text of any length, for listings and files built piece by piece (never a
 * fixed buffer that truncates or overflows). Zero-initialise; util__sb_add
 * appends sep (unless the text is still empty) and then the formatted item;
 * running out of memory aborts. util__sb_str is "" while nothing was added.
 */
struct strbuf { char *s; size_t len, cap; };
void util__sb_add(struct strbuf *b, const char *sep, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *util__sb_str(const struct strbuf *b);
void util__sb_free(struct strbuf *b);

/*
 * Crash injection for tests: when $XNET_FAILPOINT equals name, the process
 * SIGKILLs itself right there, as `kill -9` would at that instant.
 */
void util__failpoint(const char *name);

#endif /* XNET_UTIL_H */
