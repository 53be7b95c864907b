/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli: table-driven commands and options. One table per command gives both
 * the getopt parser and the --help text, so they cannot disagree.
 */
#ifndef XNET_CLI_H
#define XNET_CLI_H

#include <stdbool.h>

struct xnet;

struct cli_opt {
	const char *lng;	/* long name without "--" */
	char shrt;		/* short letter or 0 */
	const char *arg;	/* argument name, NULL for a flag */
	const char *help;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct xnet *x, int argc, char **argv);
	const char *args;	/* usage after the options, e.g. "NETWORK [NETWORK...]" */
	const char *summary;
	const struct cli_opt *opts;	/* NULL-terminated by .lng == NULL */
};

/*
 * Parse argv (argv[0] = command path for messages) against cmd->opts, calling
 * on_opt(ctx, index into opts, optarg) for each. Stops at the first non-option
 * (so `run ... CMD -x` keeps -x for CMD). Handles --help. Returns the index of
 * the first operand, -1 after printing a usage error, or -2 when help was shown.
 */
int cli__parse(struct xnet *x, const struct cli_cmd *cmd, const char *path, int argc, char **argv,
	       int (*on_opt)(void *ctx, int idx, const char *arg), void *ctx);
void cli__usage(const struct cli_cmd *cmd, const char *path);
/* on_opt for commands whose only option is one flag (-f): sets *(bool *)ctx. */
int cli__flag_opt(void *ctx, int idx, const char *arg);
/* Dispatch argv[0] among cmds (prefix matching as bpftool does); prints group help. */
int cli__dispatch(struct xnet *x, const struct cli_cmd *cmds, const char *path, const char *summary,
		  int argc, char **argv);
/*
 * Docker's operand count check: have operands against min and max (-1: no
 * upper bound). Prints `"xnet ps" accepts no arguments.`, `requires exactly
 * 2 arguments.` or `requires at least 1 argument.` with the usage line, and
 * returns false when the count is wrong.
 */
bool cli__arity(struct xnet *x, const struct cli_cmd *cmd, const char *path, int have, int min, int max);

/* The entry being run (set by cli__dispatch), for the command's own parse. */
extern const struct cli_cmd *cli__current;
/* Exit code for "help was shown" / usage errors. */
#define CLI_EXIT(r) ((r) == -2 ? 0 : 1)

/*
 * A table printed like Docker's (Go tabwriter, padding 3): every column as
 * wide as its widest cell. Add the header first, then rows; print frees.
 */
struct cli_table;
struct cli_table *cli__table_new(int ncols);
void cli__table_row(struct cli_table *t, ...);	/* ncols const char * */
void cli__table_print(struct cli_table *t);

#endif /* XNET_CLI_H */
