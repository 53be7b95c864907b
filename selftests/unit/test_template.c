// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_template: user/lib/template.c, the subset of Go's text/template that
 * --format takes, over one JSON document like those inspect prints. Output
 * as Go prints it; errors word for word as the CLI prints them after
 * "template: ".
 */
#include <stdlib.h>
#include <json-c/json.h>
#include "unit.h"
#include "lib/template.h"

static const char doc[] =
	"{\"Name\": \"web\", \"Id\": \"abc\", \"A\": {\"B\": \"deep\", \"N\": null},"
	" \"List\": [1, 2, 3], \"Names\": [\"a\", \"b\"], \"Empty\": [], \"Nets\": {\"z\": 1, \"y\": 2},"
	" \"One\": {\"k\": \"v\"}, \"Flag\": true, \"Off\": false, \"Zero\": 0, \"Str\": \"MiXed\", \"Pi\": 3.5}";

static const struct { const char *tmpl, *out, *err; } cases[] = {
	/* Fields. */
	{ "{{.Name}}", "web" },
	{ "{{.A.B}}", "deep" },
	{ "{{.A.N}}", "<nil>" },
	{ "{{.Missing}}", "<no value>" },
	{ "{{.A.Missing.Deeper}}", "<no value>" },
	{ "id={{.Id}} name={{.Name}}", "id=abc name=web" },
	{ "{{.List}}", "[1 2 3]" },
	{ "{{.Nets}}", "map[y:2 z:1]" },	/* Go prints maps sorted by key */
	{ "{{.Flag}} {{.Zero}} {{.Pi}}", "true 0 3.5" },
	{ "{{$.Name}}", "web" },
	{ "plain text", "plain text" },
	{ "", "" },
	/* json. */
	{ "{{json .}}", "{\"Name\":\"web\",\"Id\":\"abc\",\"A\":{\"B\":\"deep\",\"N\":null},\"List\":[1,2,3],"
		       "\"Names\":[\"a\",\"b\"],\"Empty\":[],\"Nets\":{\"z\":1,\"y\":2},\"One\":{\"k\":\"v\"},"
		       "\"Flag\":true,\"Off\":false,\"Zero\":0,\"Str\":\"MiXed\",\"Pi\":3.5}" },
	{ "{{json .Name}}", "\"web\"" },
	{ "{{json .A}}", "{\"B\":\"deep\",\"N\":null}" },
	{ "{{json .Missing}}", "null" },
	{ "{{.A | json}}", "{\"B\":\"deep\",\"N\":null}" },
	/* range. */
	{ "{{range .List}}{{.}},{{end}}", "1,2,3," },
	{ "{{range $i, $v := .Names}}{{$i}}={{$v}} {{end}}", "0=a 1=b " },
	{ "{{range $v := .Names}}[{{$v}}]{{end}}", "[a][b]" },
	{ "{{range $k, $v := .One}}{{$k}}:{{$v}}{{end}}", "k:v" },
	{ "{{range .Empty}}x{{else}}none{{end}}", "none" },
	{ "{{range .Missing}}x{{end}}", "" },
	{ "{{range .List}}{{if .}}{{.}}{{end}}{{end}}", "123" },
	/* if / else / with / not. */
	{ "{{if .Flag}}yes{{else}}no{{end}}", "yes" },
	{ "{{if .Off}}yes{{else}}no{{end}}", "no" },
	{ "{{if .Missing}}yes{{else}}no{{end}}", "no" },
	{ "{{if .Zero}}yes{{else}}no{{end}}", "no" },
	{ "{{if .Empty}}yes{{else}}no{{end}}", "no" },
	{ "{{if .Name}}yes{{end}}", "yes" },
	{ "{{if not .Off}}yes{{end}}", "yes" },
	{ "{{with .A}}{{.B}}{{end}}", "deep" },
	{ "{{with .Missing}}x{{else}}none{{end}}", "none" },
	/* Functions and pipes. */
	{ "{{index .One \"k\"}}", "v" },
	{ "{{index .List 1}}", "2" },
	{ "{{index .Nets \"none\"}}", "<no value>" },
	{ "{{len .List}} {{len .Nets}} {{len .Name}}", "3 2 3" },
	{ "{{join .Names \", \"}}", "a, b" },
	{ "{{upper .Str}} {{lower .Str}}", "MIXED mixed" },
	{ "{{.Name | upper}}", "WEB" },
	{ "{{println .Name .Id}}", "web abc\n" },
	{ "{{print .Missing}}", "<no value>" },
	/* Trimming and comments. */
	{ "a  {{- .Name -}}  b", "awebb" },
	{ "a {{.Name}} b", "a web b" },
	{ "{{/* a comment */}}x", "x" },
	/* Errors. */
	{ "{{.Name", .err = "unclosed action" },
	{ "{{if .Flag}}x", .err = "unexpected EOF: missing {{end}}" },
	{ "{{end}}", .err = "unexpected {{end}}" },
	{ "{{else}}", .err = "unexpected {{else}}" },
	{ "{{}}", .err = "missing value for command" },
	{ "{{if}}x{{end}}", .err = "missing value for if" },
	{ "{{range}}x{{end}}", .err = "missing value for range" },
	{ "{{range $a, $b, $c}}x{{end}}", .err = "bad range declaration" },
	{ "{{$x}}", .err = "undefined variable \"$x\"" },
	{ "{{foo}}", .err = "function \"foo\" not defined" },
	{ "{{.Name 1}}", .err = "can't give argument to non-function .Name" },
	{ "{{index .List 5}}", .err = "error calling index: index out of range: 5" },
	{ "{{index .List \"a\"}}", .err = "error calling index: cannot index with \"a\"" },
	{ "{{len .Missing}}", .err = "error calling len: len of nil" },
	{ "{{len .Flag}}", .err = "error calling len: len of value" },
	{ "{{.Name | }}", .err = "missing command in pipeline" },
};

XT_TEST(template)
{
	struct json_object *root = json_tokener_parse(doc);

	if (!ASSERT_OK_PTR(root, "document"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char err[256] = "", *out = NULL;
		int rc;

		if (!xt__sub("%s", cases[i].tmpl))
			continue;
		rc = template__render(cases[i].tmpl, root, &out, err, sizeof(err));
		if (cases[i].err) {
			ASSERT_EQ(rc, -1, "rc");
			ASSERT_STREQ(err, cases[i].err, "error");
		} else if (ASSERT_EQ(rc, 0, err[0] ? err : "rc")) {
			ASSERT_STREQ(out, cases[i].out, "output");
		}
		free(out);
	}
	json_object_put(root);
}

/* Nesting is bounded: each level is a C stack frame. */
XT_TEST(template_depth)
{
	static const struct { int depth; const char *err; } depth[] = {
		{ 99, NULL },
		{ 100, "exceeded maximum template depth (100)" },
		{ 1000, "exceeded maximum template depth (100)" },
	};
	struct json_object *root = json_tokener_parse("{\"A\": 1}");

	for (size_t i = 0; i < ARRAY_SIZE(depth); i++) {
		char *tmpl = calloc((size_t)depth[i].depth, 16), err[256] = "", *out = NULL;
		int n = depth[i].depth, rc;
		size_t o = 0;

		if (!xt__sub("%d nested ifs", n)) {
			free(tmpl);
			continue;
		}
		for (int k = 0; k < n; k++)
			o += (size_t)sprintf(tmpl + o, "{{if .}}");
		o += (size_t)sprintf(tmpl + o, "x");
		for (int k = 0; k < n; k++)
			o += (size_t)sprintf(tmpl + o, "{{end}}");
		rc = template__render(tmpl, root, &out, err, sizeof(err));
		if (depth[i].err) {
			ASSERT_EQ(rc, -1, "rc");
			ASSERT_STREQ(err, depth[i].err, "error");
		} else if (ASSERT_EQ(rc, 0, "rc")) {
			ASSERT_STREQ(out, "x", "output");
		}
		free(out);
		free(tmpl);
	}
	json_object_put(root);
}
