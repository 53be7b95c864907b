/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store/host.c: the host's settings in the store: the admin's policy rules,
 * and what a NAT port range would collide with.
 */
#ifndef XNET_STORE_HOST_H
#define XNET_STORE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

struct store;

/*
 * Every rule, a malloc'd array the caller frees: in the table's order, or
 * (eval_order) in the order of evaluation: longest prefix first, port rules
 * before the rules for every port. 0 or -EIO.
 */
int store__policies_list(struct store *s, bool eval_order, struct policy_rule **out, int *n);
/* Add a rule, or change the action of the rule with its source and port. 0 or -EIO. */
int store__policy_put(struct store *s, const struct policy_rule *r, const char *created);
/* Remove the rule with r's source and port: 0, -ENOENT (no such rule), -EIO. */
int store__policy_delete(struct store *s, const struct policy_rule *r);

/*
 * The lowest published host port in lo..hi, with its protocol and its
 * sandbox's name: 0, -ENOENT (none), -EIO.
 */
int store__published_in_range(struct store *s, uint16_t lo, uint16_t hi, uint16_t *port, uint8_t *proto,
			      char *name, size_t namelen);

#endif /* XNET_STORE_HOST_H */
