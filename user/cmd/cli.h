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
	/*
	 * The operands after the options, e.g. "NETWORK [NETWORK...]": shown in
	 * the usage line and counted by cli__dispatch before fn runs (WORD: one
	 * required, [WORD]: one optional, "...": any number more). CLI_GROUP for
	 * a group of subcommands.
	 */
	const char *args;
	const char *summary;
	const struct cli_opt *opts;	/* NULL-terminated by .lng == NULL */
};

/* The args of a group: its fn dispatches among subcommands (cli__dispatch again). */
#define CLI_GROUP "COMMAND"

/*
 * Parse argv (argv[0] = command path for messages) against cmd->opts, calling
 * on_opt(ctx, index into opts, optarg) for each (on_opt may be NULL). Stops at
 * the first non-option (so `run ... CMD -x` keeps -x for CMD). Handles --help.
 * Returns the index of the first operand, -1 after printing a usage error, or
 * -2 when help was shown. The operand count is not checked here: cli__dispatch
 * did that before the command ran.
 */
int cli__parse(struct xnet *x, const struct cli_cmd *cmd, const char *path, int argc, char **argv,
	       int (*on_opt)(void *ctx, int idx, const char *arg), void *ctx);
void cli__usage(const struct cli_cmd *cmd, const char *path);
/* on_opt for commands whose only option is one flag (-f): sets *(bool *)ctx. */
int cli__flag_opt(void *ctx, int idx, const char *arg);
/*
 * Dispatch argv[0] among cmds (prefix matching as bpftool does); prints group
 * help. Before a command (not a group) runs, its flags and its operand count
 * are checked against its table entry, so that no command can act on a
 * command line it does not understand. Exit status as Docker's: an unknown
 * flag or a flag without its value 125 (docker/cli's FlagErrorFunc), a wrong
 * operand count 1 with Docker's messages: `"xnet network prune" accepts no
 * arguments.`, `requires exactly 2 arguments.`, `requires at least 1
 * argument.` (docker/cli's cli/required.go, a plain error).
 */
int cli__dispatch(struct xnet *x, const struct cli_cmd *cmds, const char *path, const char *summary,
		  int argc, char **argv);
/*
 * Called by cli__dispatch after those checks, right before a command runs
 * (main opens the store there: a refused command line creates nothing).
 * Non-zero: the exit status, the command does not run.
 */
extern int (*cli__prepare)(struct xnet *x, const struct cli_cmd *cmd);
/* The operand count cmd->args allows: min and max (-1: no upper bound). */
void cli__operands(const struct cli_cmd *cmd, int *min, int *max);

/* The entry being run (set by cli__dispatch), for the command's own parse. */
extern const struct cli_cmd *cli__current;
/* Exit code for "help was shown" / the command's own errors in its option values. */
#define CLI_EXIT(r) ((r) == -2 ? 0 : 1)
/* Exit code for an unknown flag or a flag missing its value (Docker's 125). */
#define CLI_EXIT_FLAG 125

/*
 * A table printed like Docker's (Go tabwriter, padding 3): every column as
 * wide as its widest cell. Add the header first, then rows; print frees.
 */
struct cli_table;
struct cli_table *cli__table_new(int ncols);
void cli__table_row(struct cli_table *t, ...);	/* ncols const char * */
void cli__table_print(struct cli_table *t);

#endif /* XNET_CLI_H */
