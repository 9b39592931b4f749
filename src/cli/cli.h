/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the subcommand files: the dispatch entry, global options and
 * the one place that prints errors. */
#pragma once

#include <getopt.h>
#include <stdio.h>

#include "error.h"

#define EXIT_OP 1
#define EXIT_USAGE 2

struct cli {
	const char *config_dir; /* --config-dir, resolved with cfg_dir() */
};

struct command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *args;
	const char *help;
};

extern const struct command commands[];

/* Print "netnsctl: ..." for e once; returns the exit status for it. */
int cli_error(const struct error *e);
/* Print a usage error and return EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print per-command help. */
int cli_help(const char *cmd);

/* Parse the common per-command flags: --json, --force, --help. Returns the
 * index of the first operand, or -1 after printing a usage error. */
struct cmd_flags {
	bool json;
	bool pretty;
	bool force;
	bool quiet;
};
int cli_flags(const char *cmd, int argc, char **argv, unsigned allowed, struct cmd_flags *ret);
enum {
	FLAG_JSON = 1,
	FLAG_FORCE = 2,
	FLAG_QUIET = 4,
};

int cmd_up(struct cli *cli, int argc, char **argv);
int cmd_down(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);  /* cmd_exec.c */
int cmd_ps(struct cli *cli, int argc, char **argv);    /* cmd_ps.c */
int cmd_join(struct cli *cli, int argc, char **argv);  /* cmd_join.c */
int cmd_unjoin(struct cli *cli, int argc, char **argv); /* cmd_join.c */
int cmd_forward(struct cli *cli, int argc, char **argv); /* cmd_forward.c */
int cmd_verify(struct cli *cli, int argc, char **argv);  /* cmd_verify.c */
/* CNI plugin mode (cmd_cni.c): speaks the CNI protocol on stdin/stdout. */
int cni_main(int argc, char **argv);
