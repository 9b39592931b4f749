/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netnsctl exec. Two phases: exec_prepare resolves and validates everything
 * while the process is still untouched (so NSS lookups use the host's
 * configuration and a typo changes nothing), exec_run then performs the
 * kernel operations in a fixed order and ends in execve. The order of the
 * privilege drop follows bubblewrap; each step says why it is where it is. */
#include "exec.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "capl.h"
#include "dns.h"
#include "names.h"
#include "netns.h"

/* First line of the nsswitch.conf that `up` writes for DNSLeakGuard=yes
 * (dns.c). Its presence is the applied state of the guard: exec reads what
 * `up` did, not a config that may have been edited since. */
#define GUARD_MARKER DNS_GUARD_MARKER
/* Temporary files of apply_files.c's atomic writes: never bind those. */
#define TMP_SUFFIX ".netnsctl-tmp"

/* Where host resolver daemons listen on Unix sockets, which, unlike the
 * resolved stub on 127.0.0.53, a network namespace does not isolate:
 *  - nscd: glibc asks /var/run/nscd/socket before any NSS module;
 *  - systemd-resolved: the varlink socket io.systemd.Resolve used by
 *    nss-resolve and resolvectl, and the stub-resolv.conf files.
 * Each is covered with an empty read-only tmpfs. */
static const char *const resolver_dirs[] = { "/run/nscd", "/var/run/nscd", "/run/systemd/resolve" };
#define N_RESOLVER_DIRS ELEMENTSOF(resolver_dirs)
#define TMPFS_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* ---- capabilities ------------------------------------------------------ */

static int parse_one_cap(const char *name, size_t len, uint64_t *mask, struct error *e)
{
	const struct capl *L = capl_get();
	char buf[64];
	int cap;

	if (!L)
		return err_set(e, -errno, "loading libcap-ng.so.0");

	if (len >= 4 && strncasecmp(name, "cap_", 4) == 0) {
		name += 4;
		len -= 4;
	}
	if (len == 0 || len >= sizeof(buf))
		return err_cfg(e, NULL, 0, "invalid capability name '%.*s'", (int)len, name);
	memcpy(buf, name, len);
	buf[len] = '\0';
	cap = L->name_to_capability(buf);
	if (cap < 0 || cap > 63)
		return err_cfg(e, NULL, 0, "unknown capability '%s' (see capabilities(7))", buf);
	*mask |= UINT64_C(1) << cap;
	return 0;
}

int exec_parse_caps(const char *s, uint64_t *ret, struct error *e)
{
	uint64_t mask = 0;

	if (strcasecmp(s, "none") == 0) {
		*ret = 0;
		return 0;
	}
	for (const char *p = s;; p++) {
		size_t len = strcspn(p, ",");
		int r = parse_one_cap(p, len, &mask, e);
		if (r < 0)
			return r;
		p += len;
		if (*p == '\0')
			break;
	}
	*ret = mask;
	return 0;
}

/* ---- users and groups -------------------------------------------------- */

static bool parse_id(const char *s, unsigned *ret)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= (unsigned)-1)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* The user: a name from the passwd database or a number, which may have
 * no entry. *pw_name gets the name when there is an entry, for initgroups
 * semantics; *pw_gid its primary group. */
static int resolve_user(const char *spec, uid_t *uid, char *pw_name, size_t size, gid_t *pw_gid,
			struct error *e)
{
	struct passwd *pw;
	unsigned id;

	if (parse_id(spec, &id)) {
		*uid = id;
		pw = getpwuid(id);
	} else {
		pw = getpwnam(spec);
		if (!pw)
			return err_cfg(e, NULL, 0, "unknown user '%s'", spec);
		*uid = pw->pw_uid;
	}
	if (pw) {
		if (!strscpy(pw_name, size, pw->pw_name))
			return err_cfg(e, NULL, 0, "user name of '%s' is too long", spec);
		*pw_gid = pw->pw_gid;
	}
	return 0;
}

static int resolve_group(const char *spec, gid_t *gid, struct error *e)
{
	struct group *gr;
	unsigned id;

	if (parse_id(spec, &id)) {
		*gid = id;
		return 0;
	}
	gr = getgrnam(spec);
	if (!gr)
		return err_cfg(e, NULL, 0, "unknown group '%s'", spec);
	*gid = gr->gr_gid;
	return 0;
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
	return x < y ? -1 : x > y;
}

/* Supplementary groups as initgroups(3) would set them: every group that
 * lists the user, plus gid. A user without a passwd entry gets none. Sorted
 * as the kernel stores them, so verify_ids can compare with getgroups. */
static int load_groups(struct exec_plan *p, const char *pw_name, struct error *e)
{
	int n = 32;

	if (!pw_name[0])
		return 0;
	for (;;) {
		gid_t *v = realloc(p->groups, sizeof(gid_t) * (size_t)n);
		int want = n;
		if (!v)
			return err_set(e, -ENOMEM, "reading the groups of '%s'", pw_name);
		p->groups = v;
		if (getgrouplist(pw_name, p->gid, v, &want) >= 0) {
			p->n_groups = (size_t)want;
			qsort(v, p->n_groups, sizeof(gid_t), cmp_gid);
			return 0;
		}
		if (want <= n || want > 65536)
			return err_set(e, -E2BIG, "reading the groups of '%s'", pw_name);
		n = want;
	}
}

static int resolve_ids(const struct exec_opts *o, struct exec_plan *p, struct error *e)
{
	char pw_name[256] = "";
	gid_t pw_gid = 0;
	int r;

	if (!o->user && !o->group)
		return 0;
	p->change_ids = true;
	p->uid = getuid();
	p->gid = getgid();
	if (o->user) {
		r = resolve_user(o->user, &p->uid, pw_name, sizeof(pw_name), &pw_gid, e);
		if (r < 0)
			return r;
	}
	if (o->group) {
		r = resolve_group(o->group, &p->gid, e);
		if (r < 0)
			return r;
	} else if (pw_name[0]) {
		p->gid = pw_gid;
	} else {
		return err_cfg(e, NULL, 0, "user '%s' has no passwd entry, so it has no primary group: add --group",
			       o->user);
	}
	/* --group alone keeps the uid and clears the supplementary groups. */
	return o->user ? load_groups(p, pw_name, e) : 0;
}

/* ---- the files to bind ------------------------------------------------- */

static bool is_dot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && STREQ(s + a - b, suffix);
}

static int list_etc(struct exec_plan *p, struct error *e)
{
	_cleanup_(closedirp) DIR *d = opendir(p->etc_dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : err_set(e, -errno, "reading %s", p->etc_dir);
	while ((errno = 0, de = readdir(d))) {
		char **slot;
		if (is_dot(de->d_name) || ends_with(de->d_name, TMP_SUFFIX))
			continue;
		slot = array_append(&p->files, &p->n_files, sizeof(char *));
		if (!slot || !(*slot = strdup(de->d_name)))
			return err_set(e, -ENOMEM, "reading %s", p->etc_dir);
	}
	return errno ? err_set(e, -errno, "reading %s", p->etc_dir) : 0;
}

static bool guard_marked(const struct exec_plan *p)
{
	char path[PATH_MAX + 32], buf[sizeof(GUARD_MARKER)];
	_cleanup_close_ int fd = -1;
	bool listed = false;

	for (size_t i = 0; i < p->n_files; i++)
		listed |= STREQ(p->files[i], "nsswitch.conf");
	if (!listed)
		return false;
	snprintf(path, sizeof(path), "%s/nsswitch.conf", p->etc_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 && read(fd, buf, sizeof(buf) - 1) == (ssize_t)sizeof(buf) - 1 &&
	       memcmp(buf, GUARD_MARKER, sizeof(buf) - 1) == 0;
}

/* ---- prepare ----------------------------------------------------------- */

static int check_opts(const struct exec_opts *o, struct error *e)
{
	if (!ns_name_valid(o->name))
		return err_cfg(e, NULL, 0, "invalid namespace name '%.64s'", o->name);
	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return err_cfg(e, NULL, 0, "no command given");
	for (size_t i = 0; i < o->n_env; i++) {
		const char *eq = strchr(o->env[i], '=');
		if (!eq || eq == o->env[i])
			return err_cfg(e, NULL, 0, "--env takes KEY=VALUE, not '%s'", o->env[i]);
	}
	if (o->cwd && !o->cwd[0])
		return err_cfg(e, NULL, 0, "--cwd needs a directory");
	return 0;
}

static int prepare(const struct exec_opts *o, struct exec_plan *p, struct error *e)
{
	int r = check_opts(o, e);

	if (r == 0)
		r = resolve_ids(o, p, e);
	if (r == 0 && o->caps) {
		p->set_caps = true;
		r = exec_parse_caps(o->caps, &p->caps, e);
	} else if (r == 0 && o->user) {
		p->set_caps = true; /* a user gets no capabilities unless asked */
		p->caps = 0;
	}
	/* Loaded now, while a failure still changes nothing. */
	if (r == 0 && p->set_caps && !capl_get())
		r = err_set(e, -errno, "loading libcap-ng.so.0");
	if (r < 0)
		return r;
	r = ns_open(o->name, &p->ns_fd, e);
	if (r == -ENOENT)
		return err_set(e, r, "no namespace '%s' in %s", o->name, NETNS_RUN_DIR);
	if (r < 0)
		return r;
	snprintf(p->etc_dir, sizeof(p->etc_dir), "%s/%s", etc_netns_dir(), o->name);
	return list_etc(p, e);
}

int exec_prepare(const struct exec_opts *o, struct exec_plan *ret, struct error *e)
{
	struct exec_plan p = { .o = o, .ns_fd = -1 };
	int r = prepare(o, &p, e);

	if (r < 0) {
		exec_plan_free(&p);
		return r;
	}
	p.guard = guard_marked(&p);
	/* A mount namespace costs about as much as the rest of exec together
	 * (docs/EXEC.md), so it is made only when there is something to mount. */
	p.mount_ns = p.n_files > 0 || p.guard || o->sys == EXEC_SYS_YES;
	p.remount_sys = o->sys == EXEC_SYS_YES || (o->sys == EXEC_SYS_AUTO && p.mount_ns);
	*ret = p;
	return 0;
}

void exec_plan_free(struct exec_plan *p)
{
	closep(&p->ns_fd);
	p->ns_fd = -1;
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	free(p->groups);
	p->files = NULL;
	p->groups = NULL;
	p->n_files = p->n_groups = 0;
}

/* ---- mounts ------------------------------------------------------------ */

/* A new sysfs instance shows the network devices of the namespace of the
 * task that mounts it, so this runs after setns. Unmounting the old /sys
 * takes its submounts along; /sys/fs/cgroup is cloned first and put back,
 * since programs read their limits there (iproute2 loses it). */
static int remount_sys(struct error *e)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct statvfs sv;
	_cleanup_close_ int cg = open_tree(AT_FDCWD, "/sys/fs/cgroup",
					   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		flags |= MS_RDONLY; /* keep a read-only /sys read-only, as in a container */
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return err_set(e, -errno, "unmounting /sys");
	if (mount("sysfs", "/sys", "sysfs", flags, NULL) < 0)
		return err_set(e, -errno, "mounting sysfs on /sys");
	if (cg >= 0 && move_mount(cg, "", AT_FDCWD, "/sys/fs/cgroup", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(e, -errno, "putting /sys/fs/cgroup back");
	return 0;
}

/* Cover each resolver directory that exists with an empty read-only tmpfs.
 * A directory is better than binding over the socket: a daemon restart
 * unlinks and recreates the socket, which would detach a mount on it. */
static int hide_resolvers(unsigned *ret_hidden, struct error *e)
{
	struct stat st;

	*ret_hidden = 0;
	for (size_t i = 0; i < N_RESOLVER_DIRS; i++) {
		/* /var/run is a symlink to /run almost everywhere: once is enough. */
		if (STREQ(resolver_dirs[i], "/var/run/nscd") &&
		    (lstat("/var/run", &st) < 0 || S_ISLNK(st.st_mode)))
			continue;
		if (mount("tmpfs", resolver_dirs[i], "tmpfs", MS_RDONLY | TMPFS_FLAGS, "mode=0755,size=64k") == 0)
			*ret_hidden |= 1u << i;
		else if (errno != ENOENT && errno != ENOTDIR)
			return err_set(e, -errno, "hiding %s", resolver_dirs[i]);
	}
	return 0;
}

/* /etc/NAME is a symlink into a directory we just covered (Ubuntu:
 * /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf), so the bind
 * target vanished. Create it on our own tmpfs, which no other process
 * sees and the host cannot replace under us, and bind there. */
static int bind_into_hidden(const char *src, const char *dst, unsigned hidden)
{
	char link[PATH_MAX], full[PATH_MAX + 8], real[PATH_MAX], dir_real[PATH_MAX];
	ssize_t n = readlink(dst, link, sizeof(link) - 1);
	struct stat st;
	char *base;
	int r = -ENOENT, fd;

	if (n <= 0 || stat(src, &st) < 0)
		return -ENOENT;
	link[n] = '\0';
	snprintf(full, sizeof(full), "%s%s", link[0] == '/' ? "" : "/etc/", link);
	base = strrchr(full, '/');
	*base++ = '\0';
	if (!realpath(full[0] ? full : "/", real))
		return -ENOENT;
	for (size_t i = 0; i < N_RESOLVER_DIRS && r == -ENOENT; i++) {
		if (!(hidden & (1u << i)) || !realpath(resolver_dirs[i], dir_real) || !STREQ(real, dir_real))
			continue;
		if (mount(NULL, dir_real, NULL, MS_REMOUNT | TMPFS_FLAGS, NULL) < 0)
			return -errno;
		snprintf(full, sizeof(full), "%s/%s", dir_real, base);
		if (S_ISDIR(st.st_mode)) {
			r = mkdir(full, 0755) < 0 ? -errno : 0;
		} else {
			fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			r = fd < 0 ? -errno : 0;
			closep(&fd);
		}
		if (mount(NULL, dir_real, NULL, MS_REMOUNT | MS_RDONLY | TMPFS_FLAGS, NULL) < 0 && r == 0)
			r = -errno;
		if (r == 0 && mount(src, full, NULL, MS_BIND, NULL) < 0)
			r = -errno;
	}
	return r;
}

/* Every entry of /etc/netns/NAME over its /etc counterpart, as `ip netns
 * exec` does. Unlike it, a missing counterpart is an error: a resolv.conf
 * meant for the namespace must never be silently ignored. */
static int bind_etc(const struct exec_plan *p, unsigned hidden, struct error *e)
{
	char src[PATH_MAX + 256], dst[PATH_MAX];

	for (size_t i = 0; i < p->n_files; i++) {
		int r = 0;
		snprintf(src, sizeof(src), "%s/%s", p->etc_dir, p->files[i]);
		snprintf(dst, sizeof(dst), "/etc/%s", p->files[i]);
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			r = -errno;
		if (r == -ENOENT && hidden)
			r = bind_into_hidden(src, dst, hidden);
		if (r == -ENOENT)
			return err_set(e, r, "binding %s over %s (create %s, or remove %s)", src, dst, dst, src);
		if (r < 0)
			return err_set(e, r, "binding %s over %s", src, dst);
	}
	return 0;
}

static int setup_mounts(struct exec_plan *p, struct error *e)
{
	unsigned hidden = 0;
	int r = 0;

	/* Our own copy of the mount table; what follows is seen only by this
	 * process and the program it becomes. */
	if (unshare(CLONE_NEWNS) < 0)
		return err_set(e, -errno, "creating a mount namespace");
	/* Slave, not private: mounts the host makes later still show up here,
	 * and nothing made here propagates back to the host. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return err_set(e, -errno, "making / a slave mount");
	if (p->remount_sys)
		r = remount_sys(e);
	/* Hide first, bind second: a bind whose target lies in a hidden
	 * directory is then made on our tmpfs rather than covered by it. */
	if (r == 0 && p->guard)
		r = hide_resolvers(&hidden, e);
	if (r == 0)
		r = bind_etc(p, hidden, e);
	return r;
}

/* ---- privileges -------------------------------------------------------- */

static void caps_add(const struct capl *L, uint64_t caps, capng_type_t type)
{
	for (unsigned c = 0; c < 64; c++)
		if (caps & (UINT64_C(1) << c))
			L->update(CAPNG_ADD, type, c);
}

static int capng_err(void)
{
	return errno > 0 ? -errno : -EPERM;
}

/* Step 1: the bounding set caps what any later execve can grant, setuid
 * binaries and file capabilities included. Shrinking it needs CAP_SETPCAP
 * in the effective set, which we have only until the uid changes. */
static int drop_bounding(uint64_t keep, struct error *e)
{
	const struct capl *L = capl_get(); /* loaded by prepare() */

	errno = 0;
	if (L->get_caps_process() < 0)
		return err_set(e, capng_err(), "reading own capabilities");
	L->clear(CAPNG_SELECT_BOUNDS);
	caps_add(L, keep, CAPNG_BOUNDING_SET);
	errno = 0;
	if (L->apply(CAPNG_SELECT_BOUNDS) < 0)
		return err_set(e, capng_err(), "shrinking the capability bounding set");
	return 0;
}

/* Step 5: never trust a successful return alone; read the ids back. */
static int verify_ids(const struct exec_plan *p, struct error *e)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[256];
	int n;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return err_set(e, -errno, "reading back user and group ids");
	if (ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid || sg != p->gid)
		return err_set(e, -EPERM, "ids did not change as asked: uid %u/%u/%u, gid %u/%u/%u", ru, eu, su,
			       rg, eg, sg);
	n = getgroups(ELEMENTSOF(groups), groups);
	if (n >= 0 && (size_t)n <= ELEMENTSOF(groups) &&
	    ((size_t)n != p->n_groups || (n && memcmp(groups, p->groups, sizeof(gid_t) * (size_t)n))))
		return err_set(e, -EPERM, "supplementary groups did not change as asked");
	/* The effective set is empty right after setresuid to non-root, even
	 * with PR_SET_KEEPCAPS, so root must be out of reach now. */
	if (p->uid != 0 && setuid(0) == 0)
		return err_set(e, -EPERM, "root could be regained after dropping privileges");
	return 0;
}

/* Steps 3 to 5. */
static int switch_ids(const struct exec_plan *p, struct error *e)
{
	/* 3. Only with capabilities to keep: let the permitted set survive
	 * setresuid. Without it the kernel clears every set, as wanted. */
	if (p->set_caps && p->caps && p->uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_set(e, -errno, "setting PR_SET_KEEPCAPS");
	/* 4a. Supplementary groups, then 4b. the gid, both needing CAP_SETGID,
	 * which 4c. the switch to a non-root uid takes away. */
	if (setgroups(p->n_groups, p->groups) < 0)
		return err_set(e, -errno, "setting supplementary groups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return err_set(e, -errno, "setting gid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return err_set(e, -errno, "setting uid %u", p->uid);
	return verify_ids(p, e);
}

/* Step 6: effective, permitted and inheritable become exactly the kept
 * set. A non-root program keeps capabilities across execve only through
 * the ambient set, which needs them permitted and inheritable first. */
static int set_final_caps(uint64_t keep, struct error *e)
{
	const struct capl *L = capl_get(); /* loaded by prepare() */

	L->clear(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
	caps_add(L, keep, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE | CAPNG_AMBIENT);
	errno = 0;
	if (L->apply(CAPNG_SELECT_CAPS) < 0)
		return err_set(e, capng_err(), "setting capabilities");
	errno = 0;
	if (L->apply(CAPNG_SELECT_AMBIENT) < 0)
		return err_set(e, capng_err(), "setting ambient capabilities");
	return 0;
}

static int drop_privileges(const struct exec_plan *p, struct error *e)
{
	int r = 0;

	if (p->set_caps)
		r = drop_bounding(p->caps, e);
	/* 2. From here no execve can raise privileges (setuid bits and file
	 * capabilities are ignored); inherited by every descendant. */
	if (r == 0 && p->o->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = err_set(e, -errno, "setting no_new_privs");
	if (r == 0 && p->change_ids)
		r = switch_ids(p, e);
	if (r == 0 && p->set_caps)
		r = set_final_caps(p->caps, e);
	return r;
}

/* ---- run --------------------------------------------------------------- */

static int apply_env(const struct exec_opts *o, struct error *e)
{
	if (o->clear_env && clearenv() != 0)
		return err_set(e, -ENOMEM, "clearing the environment");
	for (size_t i = 0; i < o->n_env; i++)
		if (putenv(o->env[i]) != 0)
			return err_set(e, -errno, "setting %s", o->env[i]);
	return 0;
}

int exec_run(struct exec_plan *p, struct error *e)
{
	const struct exec_opts *o = p->o;
	int r;

	/* The network namespace first: sysfs takes its view from it. */
	if (setns(p->ns_fd, CLONE_NEWNET) < 0)
		return err_set(e, -errno, "entering network namespace '%s'", o->name);
	closep(&p->ns_fd);
	p->ns_fd = -1;
	r = p->mount_ns ? setup_mounts(p, e) : 0;
	if (r == 0)
		r = drop_privileges(p, e);
	/* After the drop, so the directory is checked with the user's rights. */
	if (r == 0 && o->cwd && chdir(o->cwd) < 0)
		r = err_set(e, -errno, "changing directory to %s", o->cwd);
	/* Last, so $PATH for the lookup below is the one the program gets. */
	if (r == 0)
		r = apply_env(o, e);
	if (r < 0)
		return r;
	execvp(o->argv[0], o->argv);
	p->exec_failed = true;
	return err_set(e, -errno, "executing '%s'", o->argv[0]);
}
