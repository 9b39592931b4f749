/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl forward NAME: forward the [Publish] Mode=proxy ports of NAME from
 * the host namespace into it, until SIGTERM or SIGINT (issue 12). Run by
 * netns-forward@NAME.service, usually socket-activated; see docs/FORWARD.md. */
#include <signal.h>
#include <sys/signalfd.h>

#include "cli.h"
#include "config.h"
#include "forward.h"
#include "netns.h"
#include "sdl.h"

static void log_listeners(const struct fwd *f, const char *name)
{
	for (size_t i = 0; i < fwd_n_listeners(f); i++) {
		struct fwd_listener_info li;
		char idle[32] = "none";

		fwd_listener_info(f, i, &li);
		if (li.pub->idle_timeout.v)
			snprintf(idle, sizeof(idle), "%us", li.pub->idle_timeout.v);
		fprintf(stderr,
			"netnsctl forward: %s -> 127.0.0.1:%u in namespace '%s' (%s; MaxConnections=%u, idle timeout %s)\n",
			li.local, li.upstream_port, name, li.passed ? "socket from systemd" : "bound here",
			li.pub->max_conn.v, idle);
	}
}

/* SIGTERM/SIGINT end the loop through a signalfd; SIGPIPE is ignored so a
 * peer that went away shows up as EPIPE on that connection only. Done
 * before the helper thread starts, so it inherits the mask. */
static int stop_signals(struct error *e)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return err_set(e, -errno, "blocking SIGTERM and SIGINT");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return err_set(e, -errno, "creating a signalfd");
	return fd;
}

static int forward(struct cli *cli, const char *name, struct error *e)
{
	_cleanup_cfg_ struct cfg *c = NULL;
	_cleanup_fwd_ struct fwd *f = NULL;
	_cleanup_close_ int ns_fd = -1, sig_fd = -1;
	struct fwd_stats st;
	int r, n_fds = fwd_listen_fds();

	if (n_fds < 0)
		return err_set(e, n_fds, "reading $LISTEN_FDS");
	r = cfg_load(cli->config_dir, name, &c, e);
	if (r < 0)
		return r;
	r = ns_open(c->name, &ns_fd, e);
	if (r == -ENOENT)
		return err_set(e, r, "namespace '%s' is not up (start netns@%s.service or run 'netnsctl up %s')",
			       c->name, c->name, c->name);
	if (r < 0)
		return r;
	r = fwd_new(c, n_fds, &f, e);
	if (r < 0)
		return r;
	sig_fd = stop_signals(e);
	if (sig_fd < 0)
		return sig_fd;
	r = fwd_enter(f, ns_fd, e);
	if (r < 0)
		return r;
	close(TAKE_FD(ns_fd)); /* the helper thread is in; the loop needs no fd of it */
	log_listeners(f, c->name);
	sdl_notifyf("READY=1\nSTATUS=Forwarding %zu port(s) into namespace %s", fwd_n_listeners(f), c->name);
	r = fwd_run(f, sig_fd, e);
	sdl_notifyf("STOPPING=1");
	fwd_get_stats(f, &st);
	fprintf(stderr,
		"netnsctl forward: %s: stopped; %llu connection(s), %llu refused (MaxConnections=), %llu upstream "
		"failure(s), %llu idle timeout(s), %llu/%llu bytes in/out\n",
		c->name, (unsigned long long)st.accepted, (unsigned long long)st.refused,
		(unsigned long long)st.upstream_fail, (unsigned long long)st.idle_closed,
		(unsigned long long)st.bytes[0], (unsigned long long)st.bytes[1]);
	return r;
}

int cmd_forward(struct cli *cli, int argc, char **argv)
{
	struct cmd_flags fl;
	struct error e = { 0 };
	int first = cli_flags("forward", argc, argv, 0, &fl);

	if (first < 0)
		return EXIT_USAGE;
	if (first == argc)
		return cli_usage("forward", "missing namespace name");
	if (first + 1 < argc)
		return cli_usage("forward", "unexpected argument '%s'", argv[first + 1]);
	if (forward(cli, argv[first], &e) < 0)
		return cli_error(&e);
	return 0;
}
