/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ps.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "json.h"
#include "netns.h"

#define CMDLINE_MAX 32768

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Read a small /proc file into a NUL-terminated malloc'd buffer. */
static char *read_at(int dirfd, const char *name, size_t max, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len = 0;
	ssize_t n;

	if (fd < 0 || !(buf = malloc(max + 1)))
		return NULL;
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

void ps_unit_from_cgroup(const char *text, char *unit, size_t size)
{
	const char *path = NULL;

	unit[0] = '\0';
	/* "0::/system.slice/x.service" (unified), else "N:name=systemd:/..." */
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "0::", 3) == 0) {
			path = l + 3;
			break;
		}
		const char *c = strchr(l, ':');
		if (!path && c && strncmp(c, ":name=systemd:", 14) == 0)
			path = c + 14;
	}
	while (path && *path && *path != '\n') {
		size_t len = strcspn(path, "/\n");
		if (len < size && ((len > 8 && strncmp(path + len - 8, ".service", 8) == 0) ||
				   (len > 6 && strncmp(path + len - 6, ".scope", 6) == 0))) {
			memcpy(unit, path, len);
			unit[len] = '\0';
		}
		path += len;
		if (*path == '/')
			path++;
	}
}

/* "a\0b\0c\0" -> "a b c"; kernel threads have none and show as "[comm]". */
static char *command_of(int piddir)
{
	size_t len = 0;
	char *s = read_at(piddir, "cmdline", CMDLINE_MAX, &len);

	while (s && len > 0 && s[len - 1] == '\0')
		len--;
	if (s && len > 0) {
		for (size_t i = 0; i < len; i++)
			if (s[i] == '\0')
				s[i] = ' ';
		s[len] = '\0';
		return s;
	}
	free(s);
	_cleanup_free_ char *comm = read_at(piddir, "comm", 64, NULL);
	if (!comm)
		return NULL;
	comm[strcspn(comm, "\n")] = '\0';
	char *r;
	return asprintf(&r, "[%s]", comm) < 0 ? NULL : r;
}

static void user_of(int piddir, struct ps_proc *p)
{
	_cleanup_free_ char *status = read_at(piddir, "status", 4096, NULL);
	const char *u = status ? strstr(status, "\nUid:") : NULL;
	unsigned ruid, euid;
	struct passwd *pw;

	p->uid = (uid_t)-1;
	if (u && sscanf(u, "\nUid:\t%u\t%u", &ruid, &euid) == 2)
		p->uid = euid;
	pw = p->uid != (uid_t)-1 ? getpwuid(p->uid) : NULL;
	if (pw)
		strscpy(p->user, sizeof(p->user), pw->pw_name);
	else
		snprintf(p->user, sizeof(p->user), "%u", (unsigned)p->uid);
}

/* Fill in one matching process. A process that exits meanwhile is skipped
 * (returns 0 with nothing added), an allocation failure is an error. */
static int add_proc(int procfd, const char *pid, struct ps_result *r, struct error *e)
{
	_cleanup_close_ int piddir = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *cgroup = NULL;
	char *command;
	struct ps_proc *p;

	if (piddir < 0)
		return 0;
	command = command_of(piddir);
	if (!command)
		return 0; /* gone */
	p = array_append(&r->v, &r->n, sizeof(*p));
	if (!p) {
		free(command);
		return err_set(e, -ENOMEM, "listing processes");
	}
	p->pid = (pid_t)atoi(pid);
	p->command = command;
	user_of(piddir, p);
	cgroup = read_at(piddir, "cgroup", 8192, NULL);
	if (cgroup)
		ps_unit_from_cgroup(cgroup, p->unit, sizeof(p->unit));
	return 0;
}

static int scan(dev_t dev, ino_t ino, struct ps_result *r, struct error *e)
{
	_cleanup_(closedirp) DIR *d = opendir("/proc");
	char path[sizeof(((struct dirent *)0)->d_name) + 8];
	struct dirent *de;
	struct stat st;
	int procfd;

	if (!d)
		return err_set(e, -errno, "reading /proc");
	procfd = dirfd(d);
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		/* The one syscall spent on a process that does not match. */
		snprintf(path, sizeof(path), "%s/ns/net", de->d_name);
		if (fstatat(procfd, path, &st, 0) < 0) {
			if (errno == EACCES || errno == EPERM)
				r->n_denied++;
			continue; /* ENOENT, ESRCH: exited meanwhile */
		}
		if (st.st_dev != dev || st.st_ino != ino)
			continue;
		int rr = add_proc(procfd, de->d_name, r, e);
		if (rr < 0)
			return rr;
	}
	return errno ? err_set(e, -errno, "reading /proc") : 0;
}

int ps_list(const char *name, struct ps_result *ret, struct error *e)
{
	struct ps_result res = { 0 };
	_cleanup_close_ int nsfd = -1;
	struct stat st;
	int r = ns_open(name, &nsfd, e);

	if (r == -ENOENT)
		return err_set(e, r, "no namespace '%s' in %s", name, NETNS_RUN_DIR);
	if (r < 0)
		return r;
	if (fstat(nsfd, &st) < 0)
		return err_set(e, -errno, "reading namespace '%s'", name);
	r = scan(st.st_dev, st.st_ino, &res, e);
	if (r < 0) {
		ps_result_free(&res);
		return r;
	}
	*ret = res;
	return 0;
}

void ps_result_free(struct ps_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].command);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

void ps_json(FILE *f, const struct ps_result *r, bool pretty)
{
	struct json j;

	json_init(&j, f, pretty);
	json_array_begin(&j);
	for (size_t i = 0; i < r->n; i++) {
		const struct ps_proc *p = &r->v[i];
		json_object_begin(&j);
		json_kv_int(&j, "pid", p->pid);
		json_kv_int(&j, "uid", (int64_t)p->uid);
		json_kv_string(&j, "user", p->user);
		json_kv_string(&j, "command", p->command);
		json_key(&j, "unit");
		if (p->unit[0])
			json_string(&j, p->unit);
		else
			json_null(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}
