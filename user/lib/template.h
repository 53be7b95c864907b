/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * template: a subset of Go's text/template over a JSON value (--format).
 */
#ifndef XNET_TEMPLATE_H
#define XNET_TEMPLATE_H

#include <stddef.h>

struct json_object;

/* Render tmpl over root into *out (malloc'd): 0, or -1 with err filled. */
int template__render(const char *tmpl, struct json_object *root, char **out, char *err, size_t errlen);

#endif /* XNET_TEMPLATE_H */
