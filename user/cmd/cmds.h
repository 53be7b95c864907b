/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cmds: the entry of every command group and command, for main's table, and
 * the option tables those entries carry.
 */
#ifndef XNET_CMDS_H
#define XNET_CMDS_H

#include "cmd/cli.h"

struct xnet;

int cmd_network(struct xnet *x, int argc, char **argv);
int cmd_run(struct xnet *x, int argc, char **argv);
int cmd_exec(struct xnet *x, int argc, char **argv);
int cmd_ps(struct xnet *x, int argc, char **argv);
int cmd_rm(struct xnet *x, int argc, char **argv);
int cmd_inspect(struct xnet *x, int argc, char **argv);
int cmd_port(struct xnet *x, int argc, char **argv);
int cmd_system(struct xnet *x, int argc, char **argv);
/* `xnet system gc`: runs before prepare()'s implicit gc would. */
int cmd_system_gc(struct xnet *x, int argc, char **argv);
/* `xnet system dns-helper`: main runs it without opening the store. */
int cmd_system_dns_helper(struct xnet *x, int argc, char **argv);

/* Printers shared by the command files (cmd/network.c). */
struct json_object;
struct network;
/* inspect's output: the JSON array, or --format applied to each element. 0 or -1 after xerr. */
int inspect__print(struct xnet *x, struct json_object *arr, const char *format);

extern const struct cli_opt run_opts[], exec_opts[], ps_opts[], rm_opts[], inspect_opts[];

#endif /* XNET_CMDS_H */
