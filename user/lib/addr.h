/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * addr: IPv4 addresses, prefixes and MAC addresses as text, the one parser
 * and formatter of each (pure: no state, no printing).
 *
 * Two byte orders, one family of helpers each: the model and the store keep
 * an address as a uint32_t in host order (10.0.0.1 is 0x0a000001); the BPF
 * ABI (headers/xnet_abi.h), struct in_addr and the kernel keep it as a
 * __be32 in network order. The _be helpers take and give the latter.
 * Parsing follows inet_pton: exactly four decimal octets, nothing around them
 * ("1.2.3", "256.1.1.1" and " 1.2.3.4" are refused).
 */
#ifndef XNET_ADDR_H
#define XNET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#define ADDR_IP4_STRLEN	16	/* "255.255.255.255" and its NUL (INET_ADDRSTRLEN) */
#define ADDR_MAC_STRLEN	18	/* "02:42:0a:00:00:02" and its NUL */

/* Host order -> dotted quad; out >= ADDR_IP4_STRLEN. Returns out. */
const char *util__ip_str(uint32_t ip, char *out);
/* Network order (__be32, struct in_addr's s_addr) -> dotted quad; out >= ADDR_IP4_STRLEN. Returns out. */
const char *util__ip_be_str(__be32 ip, char *out);
/* Dotted quad -> host order. 0 or -EINVAL (ip untouched). */
int util__parse_ip(const char *s, uint32_t *ip);
/* Dotted quad -> network order. 0 or -EINVAL (ip untouched). */
int util__parse_ip_be(const char *s, __be32 *ip);
/*
 * "A.B.C.D/N", as Go's netip.ParsePrefix: N is 1 or 2 decimal digits, no
 * sign, space or leading zero, at most 32. Host bits are kept as given
 * (10.0.0.1/8 gives 10.0.0.1). 0 or -EINVAL.
 */
int util__parse_cidr(const char *s, uint32_t *net, int *prefix);
/* The netmask of a prefix length 0..32, host order (24 -> 0xffffff00). */
uint32_t util__mask(int prefix);
/* Do a/ap and b/bp share an address (one contains the other)? Host order. */
bool util__prefix_overlap(uint32_t a, int ap, uint32_t b, int bp);
/*
 * Does net/prefix overlap a block no network may take (RFC 6890's
 * "forwardable: false" IPv4 blocks a host routes to itself or nowhere)?
 * why gets the block, e.g. "127.0.0.0/8 (loopback)".
 */
bool util__prefix_reserved(uint32_t net, int prefix, char *why, size_t len);

/*
 * IPAM's address search: the lowest address of [lo, hi] that is not in
 * taken (sorted ascending, as the store lists the addresses in use) and is
 * not bcast. 0 and *out, or -ENOSPC.
 */
int util__lowest_free(uint32_t lo, uint32_t hi, uint32_t bcast, const uint32_t *taken, int ntaken, uint32_t *out);

/* Docker's MAC of an address: 02:42 and the four octets of ip (host order). */
void util__mac_from_ip(uint32_t ip, uint8_t mac[6]);
/* "02:42:0a:00:00:02"; out >= ADDR_MAC_STRLEN. Returns out. */
const char *util__mac_str(const uint8_t mac[6], char *out);

#endif /* XNET_ADDR_H */
