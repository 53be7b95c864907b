// SPDX-License-Identifier: GPL-2.0-only
/*
 * template: the subset of Go's text/template that Docker users put in
 * --format, evaluated over the same JSON that inspect prints:
 *   {{.Field.Sub}}  {{json .X}}  {{index .Map "key" ...}}  {{len .X}}
 *   {{join .List ", "}}  {{upper .X}} {{lower .X}}  {{println ...}}
 *   {{range .X}}..{{end}}  {{range $k, $v := .X}}..{{end}}
 *   {{if .X}}..{{else}}..{{end}}  pipes (.X | json)  and {{- -}} trimming.
 * There is no C library for Go templates; this is deliberately small.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <json-c/json.h>
#include "lib/template.h"

struct buf { char *s; size_t n, cap; };

static void bput(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void bputs(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

#define MAX_VARS 8
/*
 * Nesting of {{if}}/{{range}}/{{with}}: each level is a C stack frame of
 * about 8 KiB, so a --format nested 1,000 deep would exhaust the stack. Go
 * stops at 100,000 (with small frames); Docker users nest a handful.
 */
#define MAX_DEPTH 100
struct var { char name[32]; struct json_object *v; };

struct tctx {
	struct var vars[MAX_VARS];
	int nvars;
	int depth;
	char *err;
	size_t errlen;
	bool failed;
};

static int fail(struct tctx *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->failed) {
		va_start(ap, fmt);
		vsnprintf(t->err, t->errlen, fmt, ap);
		va_end(ap);
	}
	t->failed = true;
	return -1;
}

/* A value with "missing" distinct from JSON null. */
struct val { struct json_object *o; bool missing; bool owned; };

static void val_free(struct val *v)
{
	if (v->owned)
		json_object_put(v->o);
	v->owned = false;
}

static void print_val(struct buf *b, struct json_object *o, bool top);

static void print_val(struct buf *b, struct json_object *o, bool top)
{
	char tmp[64];

	(void)top;
	switch (json_object_get_type(o)) {
	case json_type_null:
		bputs(b, "<nil>");
		break;
	case json_type_boolean:
		bputs(b, json_object_get_boolean(o) ? "true" : "false");
		break;
	case json_type_int:
		snprintf(tmp, sizeof(tmp), "%lld", (long long)json_object_get_int64(o));
		bputs(b, tmp);
		break;
	case json_type_double:
		snprintf(tmp, sizeof(tmp), "%g", json_object_get_double(o));
		bputs(b, tmp);
		break;
	case json_type_string:
		bputs(b, json_object_get_string(o));
		break;
	case json_type_array:
		bputs(b, "[");
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			if (i)
				bputs(b, " ");
			print_val(b, json_object_array_get_idx(o, i), false);
		}
		bputs(b, "]");
		break;
	case json_type_object: {
		/* Go prints maps sorted by key: map[k:v k2:v2] */
		size_t n = (size_t)json_object_object_length(o), i = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));

		json_object_object_foreach(o, k, v) {
			(void)v;
			keys[i++] = k;
		}
		for (size_t a = 0; a < n; a++)
			for (size_t c = a + 1; c < n; c++)
				if (strcmp(keys[a], keys[c]) > 0) {
					const char *t = keys[a];
					keys[a] = keys[c];
					keys[c] = t;
				}
		bputs(b, "map[");
		for (i = 0; i < n; i++) {
			struct json_object *kv;

			if (i)
				bputs(b, " ");
			bputs(b, keys[i]);
			bputs(b, ":");
			json_object_object_get_ex(o, keys[i], &kv);
			print_val(b, kv, false);
		}
		bputs(b, "]");
		free(keys);
		break;
	}
	}
}

/* Tokenize an action into words; quoted strings keep their quotes. */
static int tokenize(const char *s, size_t n, char toks[][256], int max)
{
	int nt = 0;
	size_t i = 0;

	while (i < n && nt < max) {
		size_t st;

		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		st = i;
		if (s[i] == '"' || s[i] == '`') {
			char q = s[i++];

			while (i < n && s[i] != q) {
				if (s[i] == '\\' && q == '"')
					i++;
				i++;
			}
			i++;
		} else if (s[i] == '|' || s[i] == ',') {
			i++;
		} else {
			while (i < n && !isspace((unsigned char)s[i]) && s[i] != '|' && s[i] != ',')
				i++;
		}
		if (i > n)
			i = n;
		snprintf(toks[nt++], 256, "%.*s", (int)(i - st), s + st);
	}
	return nt;
}

static struct val lookup_path(struct json_object *base, const char *path)
{
	struct val v = { .o = base };
	char part[256];

	while (*path == '.') {
		const char *e = strchr(path + 1, '.');
		size_t l = e ? (size_t)(e - path - 1) : strlen(path + 1);

		if (l == 0)
			break;
		snprintf(part, sizeof(part), "%.*s", (int)l, path + 1);
		if (!v.o || json_object_get_type(v.o) != json_type_object ||
		    !json_object_object_get_ex(v.o, part, &v.o)) {
			v.o = NULL;
			v.missing = true;
			return v;
		}
		path += l + 1;
	}
	return v;
}

static struct val eval_arg(struct tctx *t, struct json_object *dot, const char *tok)
{
	struct val v = { 0 };

	if (tok[0] == '.')
		return lookup_path(dot, tok);
	if (tok[0] == '$') {
		const char *dotp = strchr(tok, '.');
		size_t l = dotp ? (size_t)(dotp - tok) : strlen(tok);

		for (int i = t->nvars - 1; i >= 0; i--)
			if (strlen(t->vars[i].name) == l && !strncmp(t->vars[i].name, tok, l))
				return dotp ? lookup_path(t->vars[i].v, dotp) : (struct val){ .o = t->vars[i].v };
		fail(t, "undefined variable \"%.*s\"", (int)l, tok);
		return v;
	}
	if (tok[0] == '"' || tok[0] == '`') {
		char s[256];
		size_t j = 0;

		for (size_t i = 1; tok[i] && tok[i] != tok[0] && j < sizeof(s) - 1; i++) {
			if (tok[i] == '\\' && tok[0] == '"' && tok[i + 1]) {
				i++;
				s[j++] = tok[i] == 'n' ? '\n' : tok[i] == 't' ? '\t' : tok[i];
			} else {
				s[j++] = tok[i];
			}
		}
		s[j] = '\0';
		return (struct val){ .o = json_object_new_string(s), .owned = true };
	}
	if (isdigit((unsigned char)tok[0]) || tok[0] == '-')
		return (struct val){ .o = json_object_new_int64(atoll(tok)), .owned = true };
	if (!strcmp(tok, "true") || !strcmp(tok, "false"))
		return (struct val){ .o = json_object_new_boolean(tok[0] == 't'), .owned = true };
	if (!strcmp(tok, "nil"))
		return (struct val){ .o = NULL, .owned = false };
	fail(t, "function \"%s\" not defined", tok);
	return v;
}

/* Evaluate one command (words) with an optional piped-in value as last arg. */
static struct val eval_cmd(struct tctx *t, struct json_object *dot, char toks[][256], int nt, struct val *piped)
{
	const char *f = toks[0];
	struct val args[16];
	int na = 0;
	struct val r = { 0 };
	bool fn = !strcmp(f, "json") || !strcmp(f, "index") || !strcmp(f, "len") || !strcmp(f, "join") ||
		  !strcmp(f, "upper") || !strcmp(f, "lower") || !strcmp(f, "println") || !strcmp(f, "print") ||
		  !strcmp(f, "not");

	if (!fn) {
		if (nt != 1 || piped)
			fail(t, "can't give argument to non-function %s", f);
		return eval_arg(t, dot, f);
	}
	for (int i = 1; i < nt && na < 15; i++)
		args[na++] = eval_arg(t, dot, toks[i]);
	if (piped && na < 16)
		args[na++] = *piped;
	if (t->failed)
		goto out;
	if (!strcmp(f, "json")) {
		const char *s = na && args[0].o ? json_object_to_json_string_ext(args[0].o, JSON_C_TO_STRING_PLAIN |
									 JSON_C_TO_STRING_NOSLASHESCAPE) : "null";

		r = (struct val){ .o = json_object_new_string(s), .owned = true };
	} else if (!strcmp(f, "index")) {
		struct json_object *o = na ? args[0].o : NULL;

		for (int i = 1; i < na && o; i++) {
			struct json_object *k = args[i].o;

			if (json_object_get_type(o) == json_type_object && json_object_get_type(k) == json_type_string) {
				if (!json_object_object_get_ex(o, json_object_get_string(k), &o))
					o = NULL;
			} else if (json_object_get_type(o) == json_type_array && json_object_get_type(k) == json_type_int) {
				size_t idx = (size_t)json_object_get_int64(k);

				if (idx >= json_object_array_length(o)) {
					fail(t, "error calling index: index out of range: %zu", idx);
					goto out;
				}
				o = json_object_array_get_idx(o, idx);
			} else {
				fail(t, "error calling index: cannot index with %s", json_object_to_json_string(k));
				goto out;
			}
		}
		r = (struct val){ .o = json_object_get(o), .owned = true, .missing = !o };
	} else if (!strcmp(f, "len")) {
		struct json_object *o = na ? args[0].o : NULL;
		size_t l = 0;

		if (json_object_get_type(o) == json_type_array)
			l = json_object_array_length(o);
		else if (json_object_get_type(o) == json_type_object)
			l = (size_t)json_object_object_length(o);
		else if (json_object_get_type(o) == json_type_string)
			l = strlen(json_object_get_string(o));
		else {
			fail(t, "error calling len: len of %s", o ? "value" : "nil");
			goto out;
		}
		r = (struct val){ .o = json_object_new_int64((int64_t)l), .owned = true };
	} else if (!strcmp(f, "join")) {
		struct buf b = { 0 };
		struct json_object *o = na > 0 ? args[0].o : NULL;
		const char *sep = na > 1 ? json_object_get_string(args[1].o) : "";

		bputs(&b, "");
		for (size_t i = 0; json_object_get_type(o) == json_type_array && i < json_object_array_length(o); i++) {
			if (i)
				bputs(&b, sep);
			print_val(&b, json_object_array_get_idx(o, i), true);
		}
		r = (struct val){ .o = json_object_new_string(b.s), .owned = true };
		free(b.s);
	} else if (!strcmp(f, "upper") || !strcmp(f, "lower")) {
		char *s = strdup(na && args[0].o ? json_object_get_string(args[0].o) : "");

		for (char *p = s; *p; p++)
			*p = (char)(f[0] == 'u' ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
		r = (struct val){ .o = json_object_new_string(s), .owned = true };
		free(s);
	} else if (!strcmp(f, "not")) {
		struct json_object *o = na ? args[0].o : NULL;
		bool truth = o && json_object_get_type(o) != json_type_null &&
			     !(json_object_get_type(o) == json_type_boolean && !json_object_get_boolean(o));

		r = (struct val){ .o = json_object_new_boolean(!truth), .owned = true };
	} else {	/* print, println */
		struct buf b = { 0 };

		bputs(&b, "");
		for (int i = 0; i < na; i++) {
			if (i)
				bputs(&b, " ");
			if (args[i].missing)
				bputs(&b, "<no value>");
			else
				print_val(&b, args[i].o, true);
		}
		if (f[5] == 'l')
			bputs(&b, "\n");
		r = (struct val){ .o = json_object_new_string(b.s), .owned = true };
		free(b.s);
	}
out:
	for (int i = 0; i < na; i++)
		if (!piped || &args[i] != &args[na - 1])
			val_free(&args[i]);
	return r;
}

/* Evaluate a pipeline: cmd | cmd | ... */
static struct val eval_pipeline(struct tctx *t, struct json_object *dot, char toks[][256], int nt)
{
	struct val cur = { 0 };
	bool have = false;
	int st = 0;

	for (int i = 0; i <= nt; i++) {
		if (i < nt && strcmp(toks[i], "|"))
			continue;
		if (i == st) {
			fail(t, "missing command in pipeline");
			return cur;
		}
		{
			struct val prev = cur;
			struct val nv = eval_cmd(t, dot, toks + st, i - st, have ? &prev : NULL);

			if (have)
				val_free(&prev);
			cur = nv;
			have = true;
		}
		st = i + 1;
		if (t->failed)
			return cur;
	}
	return cur;
}

static bool truthy(const struct val *v)
{
	struct json_object *o = v->o;

	if (!o || v->missing)
		return false;
	switch (json_object_get_type(o)) {
	case json_type_null: return false;
	case json_type_boolean: return json_object_get_boolean(o);
	case json_type_int: return json_object_get_int64(o) != 0;
	case json_type_double: return json_object_get_double(o) != 0;
	case json_type_string: return json_object_get_string_len(o) > 0;
	case json_type_array: return json_object_array_length(o) > 0;
	case json_type_object: return json_object_object_length(o) > 0;
	}
	return false;
}

/* Find the next action at or after p: sets [as, ae) for the inside and [os, oe) for the whole. */
static bool next_action(const char *p, const char *end, const char **os, const char **as, const char **ae,
			const char **oe)
{
	const char *o = strstr(p, "{{");
	const char *c;

	if (!o || o >= end)
		return false;
	c = strstr(o + 2, "}}");
	if (!c || c >= end + 2)
		return false;
	*os = o;
	*as = o + 2;
	*ae = c;
	*oe = c + 2;
	if (**as == '-' && (*as)[1] == ' ')
		(*as)++;
	if (*ae > *as && (*ae)[-1] == '-' && (*ae)[-2] == ' ')
		(*ae)--;
	return true;
}

static void trim_action(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

static bool kw(const char *s, const char *e, const char *k)
{
	size_t l = strlen(k);

	return (size_t)(e - s) >= l && !strncmp(s, k, l) && (s + l == e || isspace((unsigned char)s[l]));
}

/* From p (just after an if/range), find its {{else}} (optional) and {{end}}. */
static int find_block_end(const char *p, const char *end, const char **else_os, const char **else_oe,
			  const char **end_os, const char **end_oe)
{
	int depth = 0;
	const char *os, *as, *ae, *oe;

	*else_os = *else_oe = NULL;
	while (next_action(p, end, &os, &as, &ae, &oe)) {
		trim_action(&as, &ae);
		if (kw(as, ae, "if") || kw(as, ae, "range") || kw(as, ae, "with")) {
			depth++;
		} else if (kw(as, ae, "end")) {
			if (depth == 0) {
				*end_os = os;
				*end_oe = oe;
				return 0;
			}
			depth--;
		} else if (kw(as, ae, "else") && depth == 0) {
			*else_os = os;
			*else_oe = oe;
		}
		p = oe;
	}
	return -1;
}

static int render(struct tctx *t, const char *p, const char *end, struct json_object *dot, struct buf *out);

/* {{range $k, $v := X}} binds key and element; {{range $v := X}} the element only. */
static void bind_range_vars(struct tctx *t, int base, char kv[2][32], int nkv, struct json_object *key,
			    struct json_object *el)
{
	struct json_object *vals[2] = { nkv == 2 ? key : el, el };

	t->nvars = base;
	for (int i = 0; i < nkv && t->nvars < MAX_VARS; i++) {
		t->vars[t->nvars] = (struct var){ .v = vals[i] };
		snprintf(t->vars[t->nvars].name, sizeof(t->vars[t->nvars].name), "%s", kv[i]);
		t->nvars++;
	}
}

static void emit_text(struct buf *out, const char *s, const char *e, bool trim_left, bool trim_right)
{
	if (trim_left)
		while (s < e && isspace((unsigned char)*s))
			s++;
	if (trim_right)
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
	if (e > s)
		bput(out, s, (size_t)(e - s));
}

static int render_block(struct tctx *t, const char *p, const char *end, struct json_object *dot, struct buf *out)
{
	const char *os, *as, *ae, *oe;
	bool trim_next = false;

	while (p < end && !t->failed) {
		char toks[32][256];
		int nt;

		if (!next_action(p, end, &os, &as, &ae, &oe)) {
			const char *open = strstr(p, "{{");

			if (open && open < end)
				return fail(t, "unclosed action");
			emit_text(out, p, end, trim_next, false);
			break;
		}
		emit_text(out, p, os, trim_next, os[2] == '-' && os[3] == ' ');
		trim_next = oe[-3] == '-' && oe[-4] == ' ';
		trim_action(&as, &ae);
		if (as < ae && as[0] == '/' && as[1] == '*') {
			p = oe;
			continue;
		}
		if (kw(as, ae, "if") || kw(as, ae, "range") || kw(as, ae, "with")) {
			const char *eos, *eoe, *nos, *noe;
			bool is_range = kw(as, ae, "range"), is_with = kw(as, ae, "with");
			const char *expr = as + (is_range ? 5 : is_with ? 4 : 2);
			char kv[2][32] = { "", "" };
			int nkv = 0;
			struct val v;

			if (find_block_end(oe, end, &eos, &eoe, &nos, &noe))
				return fail(t, "unexpected EOF: missing {{end}}");
			nt = tokenize(expr, (size_t)(ae - expr), toks, 32);
			/* range $k, $v := PIPE */
			if (is_range && nt >= 3 && toks[0][0] == '$') {
				int i = 0;

				while (i < nt && strcmp(toks[i], ":=") && nkv < 2) {
					if (strcmp(toks[i], ","))
						snprintf(kv[nkv++], 32, "%s", toks[i]);
					i++;
				}
				if (i >= nt || strcmp(toks[i], ":="))
					return fail(t, "bad range declaration");
				memmove(toks, toks + i + 1, sizeof(toks[0]) * (size_t)(nt - i - 1));
				nt -= i + 1;
			}
			if (nt == 0)
				return fail(t, "missing value for %s", is_range ? "range" : "if");
			v = eval_pipeline(t, dot, toks, nt);
			if (t->failed)
				return -1;
			if (!is_range) {
				if (truthy(&v))
					render(t, oe, eos ? eos : nos, is_with ? v.o : dot, out);
				else if (eos)
					render(t, eoe, nos, dot, out);
			} else {
				struct json_object *o = v.o;
				size_t n = 0;
				int base = t->nvars;

				if (json_object_get_type(o) == json_type_array)
					n = json_object_array_length(o);
				else if (json_object_get_type(o) == json_type_object)
					n = (size_t)json_object_object_length(o);
				if (n == 0 && eos)
					render(t, eoe, nos, dot, out);
				if (json_object_get_type(o) == json_type_array) {
					for (size_t i = 0; i < n && !t->failed; i++) {
						struct json_object *el = json_object_array_get_idx(o, i), *ix = json_object_new_int64((int64_t)i);

						bind_range_vars(t, base, kv, nkv, ix, el);
						render(t, oe, eos ? eos : nos, el, out);
						json_object_put(ix);
					}
				} else if (json_object_get_type(o) == json_type_object) {
					json_object_object_foreach(o, k, el) {
						struct json_object *ks = json_object_new_string(k);

						bind_range_vars(t, base, kv, nkv, ks, el);
						render(t, oe, eos ? eos : nos, el, out);
						json_object_put(ks);
						if (t->failed)
							break;
					}
				}
				t->nvars = base;
			}
			val_free(&v);
			p = noe;
			trim_next = noe[-3] == '-' && noe[-4] == ' ';
			continue;
		}
		if (kw(as, ae, "end") || kw(as, ae, "else"))
			return fail(t, "unexpected {{%.*s}}", (int)(ae - as), as);
		nt = tokenize(as, (size_t)(ae - as), toks, 32);
		if (nt == 0)
			return fail(t, "missing value for command");
		{
			struct val v = eval_pipeline(t, dot, toks, nt);

			if (t->failed)
				return -1;
			if (v.missing)
				bputs(out, "<no value>");
			else
				print_val(out, v.o, true);
			val_free(&v);
		}
		p = oe;
	}
	return t->failed ? -1 : 0;
}

static int render(struct tctx *t, const char *p, const char *end, struct json_object *dot, struct buf *out)
{
	int rc;

	if (t->depth >= MAX_DEPTH)
		return fail(t, "exceeded maximum template depth (%d)", MAX_DEPTH);
	t->depth++;
	rc = render_block(t, p, end, dot, out);
	t->depth--;
	return rc;
}

int template__render(const char *tmpl, struct json_object *root, char **out, char *err, size_t errlen)
{
	struct tctx t = { .err = err, .errlen = errlen };
	struct buf b = { 0 };

	bputs(&b, "");
	t.vars[t.nvars++] = (struct var){ .name = "$", .v = root };
	if (render(&t, tmpl, tmpl + strlen(tmpl), root, &b)) {
		free(b.s);
		return -1;
	}
	*out = b.s;
	return 0;
}
