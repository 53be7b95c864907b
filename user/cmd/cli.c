// SPDX-License-Identifier: GPL-2.0-only
/* cli: option parsing and help generated from the command tables. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/cli.h"
#include "core/xnet.h"

const struct cli_cmd *cli__current;
int (*cli__prepare)(struct xnet *x, const struct cli_cmd *cmd);

void cli__usage(const struct cli_cmd *cmd, const char *path)
{
	printf("\nUsage:  %s%s%s%s\n\n%s\n", path, cmd->opts && cmd->opts[0].lng ? " [OPTIONS]" : "",
	       cmd->args && *cmd->args ? " " : "", cmd->args ? cmd->args : "", cmd->summary);
	if (!cmd->opts || !cmd->opts[0].lng)
		return;
	printf("\nOptions:\n");
	for (const struct cli_opt *o = cmd->opts; o->lng; o++) {
		char left[64];

		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", o->shrt ? '-' : ' ', o->shrt ? o->shrt : ' ',
			 o->shrt ? ", " : "  ", o->lng, o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-30s %s\n", left, o->help);
	}
	printf("  %-30s %s\n", "    --help", "Print usage");
}

int cli__flag_opt(void *ctx, int idx, const char *arg)
{
	(void)idx;
	(void)arg;
	*(bool *)ctx = true;
	return 0;
}

int cli__parse(struct xnet *x, const struct cli_cmd *cmd, const char *path, int argc, char **argv,
	       int (*on_opt)(void *ctx, int idx, const char *arg), void *ctx)
{
	struct option lo[64];
	char so[160] = "+:";
	int n = 0, c, li;

	for (const struct cli_opt *o = cmd->opts; o && o->lng && n < 62; o++, n++) {
		lo[n] = (struct option){ o->lng, o->arg ? required_argument : no_argument, NULL, 1000 + n };
		if (o->shrt) {
			size_t l = strlen(so);

			so[l] = o->shrt;
			so[l + 1] = '\0';
			if (o->arg)
				strcat(so, ":");
		}
	}
	lo[n++] = (struct option){ "help", no_argument, NULL, 999 };
	lo[n] = (struct option){ 0 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, &li)) != -1) {
		int idx = -1;

		if (c == 999) {
			cli__usage(cmd, path);
			return -2;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];

			if (c == ':')
				xerr(x, "flag needs an argument: %s", bad);
			else if (optopt)
				xerr(x, "unknown shorthand flag: '%c' in -%c", optopt, optopt);
			else
				xerr(x, "unknown flag: %s", bad);
			fprintf(stderr, "See '%s --help'.\n", path);
			return -1;
		}
		if (c >= 1000) {
			idx = c - 1000;
		} else {
			for (int i = 0; cmd->opts && cmd->opts[i].lng; i++)
				if (cmd->opts[i].shrt == c)
					idx = i;
		}
		if (idx < 0 || (on_opt && on_opt(ctx, idx, optarg)))
			return -1;
	}
	return optind;
}

void cli__operands(const struct cli_cmd *cmd, int *min, int *max)
{
	const char *p = cmd->args ? cmd->args : "";
	int depth = 0;

	*min = *max = 0;
	for (;;) {
		size_t n;
		bool optional;

		p += strspn(p, " ");
		if (!*p)
			break;
		n = strcspn(p, " ");
		optional = depth > 0 || *p == '[';
		for (size_t k = 0; k < n; k++)
			depth += p[k] == '[' ? 1 : p[k] == ']' ? -1 : 0;
		if (!optional)
			(*min)++;
		if (*max >= 0)
			*max = memmem(p, n, "...", 3) ? -1 : *max + 1;
		p += n;
	}
}

/* Docker's operand count messages (docker/cli's cli/required.go, before v28). */
static bool operands_ok(struct xnet *x, const struct cli_cmd *cmd, const char *path, int have)
{
	int min, max;

	cli__operands(cmd, &min, &max);
	if (have >= min && (max < 0 || have <= max))
		return true;
	if (max == 0)
		xerr(x, "\"%s\" accepts no arguments.", path);
	else if (min == max)
		xerr(x, "\"%s\" requires exactly %d argument%s.", path, min, min == 1 ? "" : "s");
	else if (max < 0)
		xerr(x, "\"%s\" requires at least %d argument%s.", path, min, min == 1 ? "" : "s");
	else if (min == 0)
		xerr(x, "\"%s\" requires at most %d argument%s.", path, max, max == 1 ? "" : "s");
	else
		xerr(x, "\"%s\" requires at least %d and at most %d arguments.", path, min, max);
	fprintf(stderr, "See '%s --help'.\n\nUsage:  %s%s%s%s\n\n%s\n", path, path,
		cmd->opts && cmd->opts[0].lng ? " [OPTIONS]" : "", cmd->args && *cmd->args ? " " : "",
		cmd->args ? cmd->args : "", cmd->summary);
	return false;
}

int cli__dispatch(struct xnet *x, const struct cli_cmd *cmds, const char *path, const char *summary,
		  int argc, char **argv)
{
	const struct cli_cmd *hit = NULL;
	int nhit = 0;
	char sub[256];

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help")) {
		printf("\nUsage:  %s COMMAND\n\n%s\n\nCommands:\n", path, summary);
		for (const struct cli_cmd *c = cmds; c->name; c++)
			printf("  %-12s %s\n", c->name, c->summary);
		printf("\nRun '%s COMMAND --help' for more information on a command.\n", path);
		return argc < 1 ? 1 : 0;
	}
	for (const struct cli_cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[0])) {
			hit = c;
			nhit = 1;
			break;
		}
		if (!strncmp(c->name, argv[0], strlen(argv[0]))) {
			hit = c;
			nhit++;
		}
	}
	if (nhit != 1) {
		xerr(x, "%s command \"%s\" for \"%s\"", nhit ? "ambiguous" : "unknown", argv[0], path);
		fprintf(stderr, "See '%s --help'.\n", path);
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s %s", path, hit->name);
	argv[0] = sub;
	cli__current = hit;
	if (strcmp(hit->args, CLI_GROUP)) {
		/* Flags and operand count first: the command then only collects the values. */
		int i = cli__parse(x, hit, sub, argc, argv, NULL, NULL);

		if (i == -2)
			return 0;
		if (i < 0)
			return CLI_EXIT_FLAG;
		if (!operands_ok(x, hit, sub, argc - i))
			return 1;
		if (cli__prepare && (i = cli__prepare(x, hit)))
			return i;
	}
	return hit->fn(x, argc, argv);
}

struct cli_table {
	int ncols, nrows, cap;
	char **cells;
};

struct cli_table *cli__table_new(int ncols)
{
	struct cli_table *t = calloc(1, sizeof(*t));

	if (t)
		t->ncols = ncols;
	return t;
}

void cli__table_row(struct cli_table *t, ...)
{
	va_list ap;

	if (!t)
		return;
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = realloc(t->cells, sizeof(char *) * (size_t)(t->cap * t->ncols));
	}
	va_start(ap, t);
	for (int c = 0; c < t->ncols; c++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + c] = strdup(s ? s : "");
	}
	va_end(ap);
	t->nrows++;
}

/* Display width of UTF-8 text: count code points, not bytes. */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void cli__table_print(struct cli_table *t)
{
	int *w;

	if (!t)
		return;
	w = calloc((size_t)t->ncols, sizeof(int));
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int l = text_width(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c == t->ncols - 1)
				printf("%s\n", s);
			else
				printf("%s%*s", s, w[c] - text_width(s) + 3, "");
			free((void *)s);
		}
	}
	free(w);
	free(t->cells);
	free(t);
}
