/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Soak driver (issue 9, guarantee 4): bring one namespace up and down N
 * times in ONE process through the library, as a long-running caller
 * would, and watch for leaks that a fresh CLI process per run would hide:
 * open file descriptors (/proc/self/fd) and resident memory
 * (/proc/self/statm) after every cycle.
 *
 * Usage: soak_loop CONFIG_DIR NAME CYCLES
 * Prints one line per sample ("cycle N fds F rss_kib R") and a last line
 * "fds FIRST -> LAST, rss_kib AT_WARMUP -> LAST"; exits 1 on the first
 * failed up or down, or if the fd count changed. RSS growth is judged by
 * the caller (tests/soak/run.sh), which knows the tolerance it wants. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apply.h"
#include "config.h"
#include "netns.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	long size = 0, resident = 0;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One up and one down under the global lock, as the CLI does them. */
static int cycle(const char *dir, const char *name)
{
	char buf[2048];
	struct error e = { 0 };
	struct apply_result res;
	_cleanup_close_ int lock = -1;
	_cleanup_cfg_ struct cfg *c = NULL;

	if (lock_take(&lock, &e) < 0 || cfg_load(dir, name, &c, &e) < 0 || apply_up(c, &res, &e) < 0 ||
	    apply_down(name, false, &e) < 0) {
		fprintf(stderr, "soak_loop: %s\n", err_format(&e, buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fds_first = -1, fds = -1;
	long rss_warm = -1, rss = -1;
	long n;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) < 1) {
		fprintf(stderr, "usage: soak_loop CONFIG_DIR NAME CYCLES\n");
		return 2;
	}
	for (long i = 1; i <= n; i++) {
		if (cycle(argv[1], argv[2]) < 0) {
			fprintf(stderr, "soak_loop: cycle %ld failed\n", i);
			return 1;
		}
		fds = count_fds();
		rss = rss_kib();
		if (i == 1)
			fds_first = fds;
		/* The first cycles fill malloc's arenas and libc's caches. */
		if (i == (n < 50 ? 1 : 50))
			rss_warm = rss;
		if (i == 1 || i % 100 == 0 || i == n)
			printf("cycle %ld fds %d rss_kib %ld\n", i, fds, rss);
		if (fds != fds_first) {
			fprintf(stderr, "soak_loop: cycle %ld: %d open fds, %d after the first\n", i, fds, fds_first);
			return 1;
		}
		fflush(stdout);
	}
	printf("fds %d -> %d, rss_kib %ld -> %ld\n", fds_first, fds, rss_warm, rss);
	return 0;
}
