/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec_floor: the least a program can do to run a command inside a named
 * network namespace, the yardstick of the exec comparison in bench/run.sh
 * (not product code; any error ends the program).
 *
 *   exec_floor NAME CMD [ARGS...]
 *       open /run/netns/NAME, setns(CLONE_NEWNET), execvp(CMD): what
 *       `netnsctl exec` does when /etc/netns/NAME is empty (no mount
 *       namespace is needed then).
 *   exec_floor --etc NAME CMD [ARGS...]
 *       the same plus the mount work of `ip netns exec` when /etc/netns/NAME
 *       has files: unshare(CLONE_NEWNS), / made MS_SLAVE|MS_REC, /sys
 *       remounted (so it shows the namespace's devices) and every entry of
 *       /etc/netns/NAME bound over /etc/ENTRY. No checks, no cgroup
 *       carry-over, no DNS leak guard, no privilege drop. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void die(const char *what, const char *arg)
{
	perror(arg ? arg : what);
	exit(1);
}

static void mount_etc(const char *name)
{
	char dir[512], src[1024], dst[1024];
	struct dirent *d;
	DIR *dp;

	if (unshare(CLONE_NEWNS) < 0)
		die("unshare", NULL);
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		die("mount", "/");
	/* As iproute2: a sysfs mounted now takes this task's network namespace. */
	if (umount2("/sys", MNT_DETACH) < 0)
		die("umount2", "/sys");
	if (mount(name, "/sys", "sysfs", 0, NULL) < 0)
		die("mount", "/sys");
	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, d->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", d->d_name);
		if (mount(src, dst, "none", MS_BIND, NULL) < 0)
			die("bind", dst);
	}
	closedir(dp);
}

int main(int argc, char **argv)
{
	char path[512];
	int etc = 0, fd;

	if (argc > 1 && strcmp(argv[1], "--etc") == 0) {
		etc = 1;
		argv++, argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: exec_floor [--etc] NAME CMD [ARGS...]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open", path);
	if (setns(fd, CLONE_NEWNET) < 0)
		die("setns", path);
	if (etc)
		mount_etc(argv[1]);
	execvp(argv[2], argv + 2);
	die("execvp", argv[2]);
}
