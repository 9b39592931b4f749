/* SPDX-License-Identifier: GPL-2.0-or-later */
/* harness: the timing loop of bench/run.sh. It spawns commands with
 * posix_spawn (no shell in between), times each with CLOCK_MONOTONIC from
 * spawn to reap, and takes peak RSS from wait4's rusage.
 *
 *   harness bench RUNS WARMUP OUT.json < SPEC
 *     SPEC lines: "VARIANT PHASE ARG0 ARG1 ..." (whitespace-separated, no
 *     quoting). Every round runs each variant's phases in file order; the
 *     order of the variants rotates from round to round, so that noise from
 *     other work on the machine (and the kernel's asynchronous namespace
 *     cleanup left by the previous variant) falls on all of them alike.
 *     Per variant, the samples of each phase (wall and CPU time) and of
 *     the whole round are written as JSON (nanoseconds). A phase whose
 *     name starts with '_' (a pause, say) runs but is not part of the
 *     round's total.
 *
 *   harness seq JOBS OUT.json < COMMANDS
 *     One command per line, run in order with at most JOBS at a time. The
 *     JSON holds the total wall time and each command's own time, so a
 *     fill of N namespaces one process at a time also shows how the cost of
 *     the k-th one changes with k.
 *
 * Output of the commands goes to /dev/null, stderr to $HARNESS_LOG (or
 * /dev/null). Any failing command ends the harness with status 1. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct cmd {
	char *variant, *phase;
	char **argv;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static posix_spawn_file_actions_t actions;

static void setup_actions(void)
{
	const char *log = getenv("HARNESS_LOG");

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 2, log && *log ? log : "/dev/null",
					 O_WRONLY | O_CREAT | O_APPEND, 0644);
}

static pid_t spawn(char **argv)
{
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);

	if (r != 0) {
		fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(r));
		exit(1);
	}
	return pid;
}

static void check_status(int status, char **argv)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	fprintf(stderr, "harness: command failed (status 0x%x):", status);
	for (char **a = argv; *a; a++)
		fprintf(stderr, " %s", *a);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t cpu_ns(const struct rusage *ru)
{
	return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) * 1000000000u +
	       ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) * 1000u;
}

/* Run one command to completion: wall time in ns; its CPU time (user+sys,
 * including the children it waited for) and peak RSS in KiB. */
static uint64_t run_one(char **argv, uint64_t *ret_cpu, long *ret_rss)
{
	struct rusage ru;
	int status;
	uint64_t t0 = now_ns();
	pid_t pid = spawn(argv);

	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("harness: wait4");
		exit(1);
	}
	uint64_t t = now_ns() - t0;
	check_status(status, argv);
	*ret_cpu = cpu_ns(&ru);
	*ret_rss = ru.ru_maxrss;
	return t;
}

/* Exactly sized, so that the harness stays small: a spawned process's
 * peak RSS starts from its parent's (the kernel carries the high-water mark
 * across exec), so a fat harness would inflate every RSS figure. */
static char **split(char *line, int skip, char **ret_first, char **ret_second)
{
	size_t words = 0;
	char **argv;
	int n = 0, k = 0;

	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p)
			words++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	argv = calloc(words + 1, sizeof(*argv));
	if (!argv)
		exit(1);
	for (char *w = strtok(line, " \t\n"); w; w = strtok(NULL, " \t\n"), k++) {
		if (k == 0 && skip > 0)
			*ret_first = strdup(w);
		else if (k == 1 && skip > 1)
			*ret_second = strdup(w);
		else
			argv[n++] = strdup(w);
	}
	if (n == 0) {
		free(argv);
		return NULL;
	}
	return argv;
}

static size_t read_cmds(int skip, struct cmd **ret)
{
	struct cmd *v = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t len = 0;

	while (getline(&line, &len, stdin) > 0) {
		struct cmd c = { 0 };
		if (line[0] == '#')
			continue;
		c.argv = split(line, skip, &c.variant, &c.phase);
		if (!c.argv)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				exit(1);
		}
		v[n++] = c;
	}
	free(line);
	*ret = v;
	return n;
}

static void json_samples(FILE *f, const uint64_t *s, size_t n)
{
	fprintf(f, "[");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)s[i]);
	fprintf(f, "]");
}

/* Variants in order of first appearance; each is a run of consecutive
 * spec lines. */
static int bench(int runs, int warmup, const char *out)
{
	struct cmd *c;
	size_t n = read_cmds(2, &c), nv = 0;
	size_t start[256], len[256];
	uint64_t *samples = calloc(n * (size_t)runs + 1, sizeof(uint64_t));
	uint64_t *cpu = calloc(n * (size_t)runs + 1, sizeof(uint64_t));
	uint64_t *round = calloc(256 * (size_t)runs + 1, sizeof(uint64_t));
	long *rss = calloc(n + 1, sizeof(long));

	if (!samples || !cpu || !round || !rss)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(c[i].variant, c[i - 1].variant) != 0) {
			if (nv == 256)
				return 1;
			start[nv] = i;
			len[nv++] = 0;
		}
		len[nv - 1]++;
	}
	for (int r = -warmup; r < runs; r++) {
		for (size_t k = 0; k < nv; k++) {
			size_t v = (k + (size_t)(r + warmup)) % nv;
			uint64_t sum = 0;
			for (size_t p = start[v]; p < start[v] + len[v]; p++) {
				long m;
				uint64_t u, t = run_one(c[p].argv, &u, &m);
				if (r < 0)
					continue;
				samples[p * (size_t)runs + (size_t)r] = t;
				cpu[p * (size_t)runs + (size_t)r] = u;
				if (c[p].phase[0] != '_')
					sum += t;
				if (m > rss[p])
					rss[p] = m;
			}
			if (r >= 0)
				round[v * (size_t)runs + (size_t)r] = sum;
		}
	}
	FILE *f = fopen(out, "we");
	if (!f)
		return perror(out), 1;
	fprintf(f, "{\"runs\":%d,\"warmup\":%d,\"variants\":[", runs, warmup);
	for (size_t v = 0; v < nv; v++) {
		fprintf(f, "%s{\"name\":\"%s\",\"phases\":[", v ? "," : "", c[start[v]].variant);
		for (size_t p = start[v]; p < start[v] + len[v]; p++) {
			fprintf(f, "%s{\"name\":\"%s\",\"max_rss_kb\":%ld,\"ns\":", p > start[v] ? "," : "",
				c[p].phase, rss[p]);
			json_samples(f, samples + p * (size_t)runs, (size_t)runs);
			fprintf(f, ",\"cpu_ns\":");
			json_samples(f, cpu + p * (size_t)runs, (size_t)runs);
			fprintf(f, "}");
		}
		fprintf(f, "],\"total_ns\":");
		json_samples(f, round + v * (size_t)runs, (size_t)runs);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
	return fclose(f) == 0 ? 0 : 1;
}

static int seq(int jobs, const char *out)
{
	struct cmd *c;
	size_t n = read_cmds(0, &c), next = 0, done = 0;
	uint64_t *t = calloc(n + 1, sizeof(uint64_t)), t0 = now_ns();
	pid_t *pids = calloc(n + 1, sizeof(pid_t));
	long rss = 0;

	if (!t || !pids)
		return 1;
	while (done < n) {
		while (next < n && (int)(next - done) < jobs) {
			t[next] = now_ns();
			pids[next] = spawn(c[next].argv);
			next++;
		}
		struct rusage ru;
		int status;
		pid_t pid = wait4(-1, &status, 0, &ru);
		uint64_t end = now_ns();
		if (pid < 0)
			return perror("harness: wait4"), 1;
		for (size_t i = 0; i < next; i++)
			if (pids[i] == pid) {
				t[i] = end - t[i];
				check_status(status, c[i].argv);
				pids[i] = 0;
			}
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
		done++;
	}
	uint64_t total = now_ns() - t0;
	FILE *f = fopen(out, "we");
	if (!f)
		return perror(out), 1;
	fprintf(f, "{\"jobs\":%d,\"commands\":%zu,\"total_ns\":%llu,\"max_rss_kb\":%ld,\"ns\":", jobs, n,
		(unsigned long long)total, rss);
	json_samples(f, t, n);
	fprintf(f, "}\n");
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	setup_actions();
	if (argc == 5 && strcmp(argv[1], "bench") == 0)
		return bench(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (argc == 4 && strcmp(argv[1], "seq") == 0)
		return seq(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1, argv[3]);
	fprintf(stderr, "usage: harness bench RUNS WARMUP OUT.json < SPEC\n"
			"       harness seq JOBS OUT.json < COMMANDS\n");
	return 2;
}
