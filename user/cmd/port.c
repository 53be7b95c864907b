// SPDX-License-Identifier: GPL-2.0-only
/*
 * `xnet port CONTAINER [PRIVATE_PORT[/PROTO]]`: the sandbox's published
 * ports, as Docker prints them. What they are is core/ports.c's
 * (ports__views); here only the flags, the argument and the printing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "core/ports.h"
#include "core/views.h"
#include "core/xnet.h"
#include "lib/portspec.h"

static void port_key_str(uint16_t port, uint8_t proto, char *out, size_t len)
{
	snprintf(out, len, "%u/%s", port, portspec__proto_name(proto));
}

static struct json_object *binding_json(const char *ip, const char *port)
{
	struct json_object *b = json_object_new_object();

	json_object_object_add(b, "HostIp", json_object_new_string(ip));
	json_object_object_add(b, "HostPort", json_object_new_string(port));
	return b;
}

/* sortorder.NaturalLess: digit runs compare as numbers. */
static int natural_cmp(const void *a, const void *b)
{
	const char *s = *(char *const *)a, *t = *(char *const *)b;

	while (*s && *t) {
		if (isdigit((unsigned char)*s) && isdigit((unsigned char)*t)) {
			char *es, *et;
			unsigned long u = strtoul(s, &es, 10), w = strtoul(t, &et, 10);

			if (u != w)
				return u < w ? -1 : 1;
			s = es;
			t = et;
			continue;
		}
		if (*s != *t)
			return (unsigned char)*s - (unsigned char)*t;
		s++;
		t++;
	}
	return (unsigned char)*s - (unsigned char)*t;
}

int cmd_port(struct xnet *x, int argc, char **argv)
{
	struct container c;
	struct port_view *v = NULL;
	struct json_object *js = NULL;
	char **lines = NULL, want[32] = "";
	int i, n = 0, nl = 0, rc = 0;

	i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);
	if (i < 0)
		return CLI_EXIT(i);
	if (argc - i == 2) {
		const char *arg = argv[i + 1], *slash = strchr(arg, '/');
		uint16_t p;

		if (portspec__parse_port(arg, slash ? (size_t)(slash - arg) : strlen(arg), &p))
			return xerr(x, "invalid port (%.*s)", slash ? (int)(slash - arg) : (int)strlen(arg), arg), 1;
		snprintf(want, sizeof(want), "%u/%s", p, slash && slash[1] ? slash + 1 : "tcp");
	}
	if (views__container_get(x, argv[i], &c))
		return xerr(x, "No such container: %s", argv[i]), 1;
	if (ports__views(x, &c, &v, &n)) {
		container__free(&c);
		return xerr(x, "cannot read the ports of %s from the store", argv[i]), 1;
	}
	lines = calloc((size_t)n + 1, sizeof(*lines));
	if (x->json)
		js = want[0] ? json_object_new_array() : json_object_new_object();
	for (int k = 0; lines && k < n; k++) {
		char key[32], hp[8];

		if (!v[k].ip[0])
			continue;
		port_key_str(v[k].private_port, v[k].proto, key, sizeof(key));
		if (want[0] && strcasecmp(key, want))
			continue;
		snprintf(hp, sizeof(hp), "%u", v[k].public_port);
		if (js && want[0]) {
			json_object_array_add(js, binding_json(v[k].ip, hp));
		} else if (js) {
			struct json_object *arr;

			if (!json_object_object_get_ex(js, key, &arr)) {
				arr = json_object_new_array();
				json_object_object_add(js, key, arr);
			}
			json_object_array_add(arr, binding_json(v[k].ip, hp));
		}
		if (want[0])
			rc = asprintf(&lines[nl], "%s:%s", v[k].ip, hp);
		else
			rc = asprintf(&lines[nl], "%s -> %s:%s", key, v[k].ip, hp);
		nl += rc >= 0;
	}
	rc = 0;
	if (want[0] && !nl) {
		/* Docker quotes the port as the user typed it. */
		xerr(x, "No public port '%s' published for %s", argv[i + 1], argv[i]);
		rc = 1;
	} else if (js) {
		xnet__print_json(js);
		js = NULL;
	} else {
		qsort(lines, (size_t)nl, sizeof(*lines), natural_cmp);
		for (int k = 0; k < nl; k++)
			printf("%s\n", lines[k]);
	}
	if (js)
		json_object_put(js);
	for (int k = 0; k < nl; k++)
		free(lines[k]);
	free(lines);
	free(v);
	container__free(&c);
	return rc;
}
