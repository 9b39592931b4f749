/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl exec NAME [OPTIONS] [--] CMD [ARGS...]: run CMD inside NAME.
 * Options may come before or after NAME; the first word after NAME that is
 * not an option (or whatever follows "--") is the command. The exit status
 * is CMD's own, since netnsctl becomes CMD; 127 and 126 when it cannot be
 * executed, as in a shell. */
#include "cli.h"
#include "exec.h"

static const char help[] =
	"Usage: netnsctl exec NAME [OPTIONS] [--] CMD [ARGS...]\n\n"
	"Run CMD inside namespace NAME, with the files of /etc/netns/NAME bound over /etc.\n\n"
	"Options:\n"
	"  -u, --user USER|UID     run as this user (with its supplementary groups)\n"
	"  -g, --group GROUP|GID   run with this primary group\n"
	"      --caps none|CAP,... capabilities to keep (default with --user: none)\n"
	"      --no-new-privs      setuid bits and file capabilities stop working\n"
	"  -e, --env KEY=VALUE     set a variable (repeatable)\n"
	"      --clearenv          start from an empty environment\n"
	"      --cwd DIR           change to DIR (as the target user)\n"
	"      --remount-sys       always mount a /sys showing the namespace's devices\n"
	"      --no-remount-sys    never remount /sys\n"
	"  -h, --help              show this help\n\n"
	"By default /sys is remounted when a mount namespace is made anyway, that is\n"
	"when /etc/netns/NAME has files. See docs/EXEC.md.\n";

struct exec_args {
	struct exec_opts o;
	const char *name;
};

static int parse_one(int c, char **argv, struct exec_args *a)
{
	struct exec_opts *o = &a->o;

	switch (c) {
	case 'u': o->user = optarg; break;
	case 'g': o->group = optarg; break;
	case 'c': o->caps = optarg; break;
	case 'N': o->no_new_privs = true; break;
	case 'E': o->clear_env = true; break;
	case 'C': o->cwd = optarg; break;
	case 'S': o->sys = EXEC_SYS_YES; break;
	case 's': o->sys = EXEC_SYS_NO; break;
	case 'e': {
		char **slot = array_append(&o->env, &o->n_env, sizeof(char *));
		if (!slot)
			return cli_usage("exec", "out of memory");
		*slot = optarg;
		break;
	}
	case 'h':
		fputs(help, stdout);
		exit(0);
	default:
		return cli_usage("exec", "unknown option or missing argument: '%s'", argv[optind - 1]);
	}
	return 0;
}

/* getopt in two passes: options before NAME, then options after it up to
 * the command. A "--" ends the options wherever it is. */
static int parse(int argc, char **argv, struct exec_args *a)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },    { "group", required_argument, NULL, 'g' },
		{ "caps", required_argument, NULL, 'c' },    { "no-new-privs", no_argument, NULL, 'N' },
		{ "env", required_argument, NULL, 'e' },     { "clearenv", no_argument, NULL, 'E' },
		{ "cwd", required_argument, NULL, 'C' },     { "remount-sys", no_argument, NULL, 'S' },
		{ "no-remount-sys", no_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool dashdash = false;
	int c;

	optind = 0;
	opterr = 0;
	for (int pass = 0; pass < 2; pass++) {
		while (!dashdash && (c = getopt_long(argc, argv, "+:u:g:e:h", opts, NULL)) != -1)
			if (parse_one(c, argv, a) != 0)
				return -1;
		dashdash = dashdash || STREQ(argv[optind - 1], "--");
		if (pass == 0) {
			if (optind >= argc)
				return cli_usage("exec", "missing namespace name"), -1;
			a->name = argv[optind++];
		}
	}
	if (optind >= argc)
		return cli_usage("exec", "missing command to run in '%s'", a->name), -1;
	a->o.name = a->name;
	a->o.argv = argv + optind;
	return 0;
}

int cmd_exec(struct cli *cli _unused_, int argc, char **argv)
{
	struct exec_args a = { 0 };
	struct exec_plan plan;
	struct error e = { 0 };
	int r;

	if (parse(argc, argv, &a) < 0) {
		free(a.o.env);
		return EXIT_USAGE;
	}
	r = exec_prepare(&a.o, &plan, &e);
	if (r < 0) {
		free(a.o.env);
		return cli_error(&e);
	}
	r = exec_run(&plan, &e); /* returns only on failure */
	cli_error(&e);
	r = !plan.exec_failed ? err_exit_status(&e) : r == -ENOENT ? 127 : 126;
	exec_plan_free(&plan);
	free(a.o.env);
	return r;
}
