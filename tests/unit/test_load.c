/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cfg_load and cfg_load_path on real files in a temporary directory:
 * drop-ins in lexical order, overrides and list extension, locations that
 * name the drop-in, the missing-file and Name= mismatch errors, and the
 * ownership/permission checks that apply when running as root. Every case
 * also goes through cfg_load_indexed (list and status read the directory
 * once), which must give the same result and the same error. */
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"
#include "tap.h"

static char dir[64];

static void write_bytes(const char *rel, const char *text, size_t len, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	write_bytes(rel, text, strlen(text), mode);
}

static void make_dir(const char *rel, mode_t mode)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkdir(path, mode);
	chmod(path, mode);
}

static const char *in_dir(const char *rel)
{
	static char bufs[4][256];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s%s%s", dir, *rel ? "/" : "", rel);
	return b;
}

static int rm_one(const char *path, const struct stat *st _unused_, int flag _unused_, struct FTW *f _unused_)
{
	return remove(path);
}

static void clean_dir(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(dir, 0700);
}

/* cfg_load_indexed, from an index of the directory read now, gives what
 * cfg_load gives: the same return, the same error text and location, and
 * on success the same description and links. */
static void indexed_same(const char *name, const char *what)
{
	struct cfg *a = NULL, *b = NULL;
	struct error ea = { 0 }, eb = { 0 }, ex = { 0 };
	struct cfg_dir_index x = { 0 };
	char fa[2048], fb[2048];
	int ra = cfg_load(dir, name, &a, &ea), rb;

	if (!TAP_INT_EQ(cfg_dir_index_read(&x, dir, &ex), 0, "%s: the directory index reads", what))
		return;
	snprintf(fa, sizeof(fa), "%s.conf", name);
	TAP_OK(cfg_dir_index_has(&x, name) == (access(in_dir(fa), F_OK) == 0), "%s: the index knows whether %s exists",
	       what, fa);
	rb = cfg_load_indexed(&x, name, &b, &eb);
	TAP_INT_EQ(rb, ra, "%s: indexed load returns the same", what);
	TAP_STREQ(err_format(&eb, fb, sizeof(fb)), err_format(&ea, fa, sizeof(fa)), "%s: the same error", what);
	TAP_INT_EQ(err_exit_status(&eb), err_exit_status(&ea), "%s: the same exit status", what);
	if (a && b) {
		TAP_STREQ(b->description.v ? b->description.v : "", a->description.v ? a->description.v : "",
			  "%s: the same description", what);
		TAP_INT_EQ((int)b->n_links, (int)a->n_links, "%s: the same links", what);
	}
	cfg_free(a);
	cfg_free(b);
	cfg_dir_index_free(&x);
}

/* cfg_load must fail with a config error at rel:line whose text contains msg. */
static void load_fails(const char *name, const char *rel, unsigned line, const char *msg, const char *what)
{
	struct cfg *c = NULL;
	struct error e = { 0 };
	char buf[2048], want[300], got[300];
	int r = cfg_load(dir, name, &c, &e);

	TAP_OK(r < 0 && c == NULL, "%s: refused", what);
	TAP_INT_EQ(err_exit_status(&e), 2, "%s: exit status 2", what);
	snprintf(want, sizeof(want), "%s:%u", in_dir(rel), line);
	snprintf(got, sizeof(got), "%s:%u", e.file, e.line);
	TAP_STREQ(got, want, "%s: error names the file and line", what);
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), msg, "%s: message", what);
	indexed_same(name, what);
}

static struct cfg *load_ok(const char *name, const char *what)
{
	struct cfg *c = NULL;
	struct error e = { 0 };
	char buf[2048];
	int r = cfg_load(dir, name, &c, &e);

	if (!TAP_INT_EQ(r, 0, "%s: loads", what)) {
		TAP_DIAG("error: %s", err_format(&e, buf, sizeof(buf)));
		return NULL;
	}
	indexed_same(name, what);
	return c;
}

static void test_dropins(void)
{
	struct cfg *c;
	char addr[64];

	clean_dir();
	write_file("web.conf",
		   "[Namespace]\nDescription=main\nSysctl=net.ipv4.ip_forward=1\n"
		   "[DNS]\nNameserver=192.0.2.1\n"
		   "[Link]\nKind=veth\nAddress=10.0.0.2/24\n", 0644);
	make_dir("web.conf.d", 0755);
	/* Lexical, not numeric: 10-a, 20-b, 9-c. */
	write_file("web.conf.d/20-b.conf", "[Namespace]\nDescription=from 20-b\n[DNS]\nNameserver=192.0.2.3\n", 0644);
	write_file("web.conf.d/10-a.conf",
		   "[Namespace]\nDescription=from 10-a\nSysctl=net.ipv6.conf.all.forwarding=1\n"
		   "[DNS]\nNameserver=192.0.2.2\n[Link]\nKind=tun\n", 0644);
	write_file("web.conf.d/9-c.conf", "# last in lexical order\n[Namespace]\nDescription=from 9-c\n", 0644);
	write_file("web.conf.d/README", "not a config\n", 0644);
	write_file("web.conf.d/.hidden.conf", "garbage\n", 0644);
	write_file("web.conf.d/50-off.conf.disabled", "garbage\n", 0644);
	write_file("web.conf.d/.conf", "garbage\n", 0644);

	c = load_ok("web", "main file and three drop-ins");
	if (!c)
		return;
	TAP_STREQ(c->name, "web", "name from the file name");
	TAP_STREQ(c->description.v, "from 9-c", "the lexically last drop-in overrides a scalar");
	TAP_STREQ(c->description.loc.file, in_dir("web.conf.d/9-c.conf"), "the value remembers its drop-in");
	TAP_INT_EQ(c->description.loc.line, 3, "and its line there");
	if (TAP_INT_EQ(c->nameservers.n, 3, "drop-ins extend a list")) {
		TAP_STREQ(cfg_addr_to_string(&c->nameservers.v[0], false, addr, sizeof(addr)), "192.0.2.1", "main file first");
		TAP_STREQ(cfg_addr_to_string(&c->nameservers.v[1], false, addr, sizeof(addr)), "192.0.2.2", "then 10-a");
		TAP_STREQ(cfg_addr_to_string(&c->nameservers.v[2], false, addr, sizeof(addr)), "192.0.2.3", "then 20-b");
		TAP_STREQ(c->nameservers.v[1].loc.file, in_dir("web.conf.d/10-a.conf"), "list entry remembers its drop-in");
	}
	TAP_INT_EQ(c->sysctls.n, 2, "sysctls from main and drop-in");
	TAP_INT_EQ(c->n_links, 2, "a [Link] in a drop-in adds a link");
	if (c->n_links == 2)
		TAP_OK(c->links[1].kind.v == LINK_TUN && STREQ(c->links[1].loc.file, in_dir("web.conf.d/10-a.conf")),
		       "the drop-in's link, with its file");
	if (TAP_INT_EQ(c->n_files, 4, "four files read (others ignored)")) {
		TAP_STREQ(c->files[0], in_dir("web.conf"), "files[0]");
		TAP_STREQ(c->files[1], in_dir("web.conf.d/10-a.conf"), "files[1]");
		TAP_STREQ(c->files[2], in_dir("web.conf.d/20-b.conf"), "files[2]");
		TAP_STREQ(c->files[3], in_dir("web.conf.d/9-c.conf"), "files[3]");
	}
	TAP_STREQ(c->links[0].host_name.v, "ve-web", "defaults are derived after all files are read");
	cfg_free(c);

	/* An empty assignment in a drop-in resets a list from the main file. */
	write_file("web.conf.d/99-reset.conf", "[DNS]\nNameserver=\nNameserver=198.51.100.1\n", 0644);
	c = load_ok("web", "drop-in that resets a list");
	if (c)
		TAP_OK(c->nameservers.n == 1 && c->nameservers.v[0].loc.line == 3, "only the drop-in's nameserver is left");
	cfg_free(c);

	/* Errors inside a drop-in point at the drop-in. */
	write_file("web.conf.d/99-reset.conf", "[Link]\nKind=veth\n\nAdress=10.1.0.1/24\n", 0644);
	load_fails("web", "web.conf.d/99-reset.conf", 4, "unknown key 'Adress' in [Link] (did you mean 'Address'?)",
		   "typo in a drop-in");
	write_file("web.conf.d/99-reset.conf", "Description=x\n", 0644);
	load_fails("web", "web.conf.d/99-reset.conf", 1, "outside of any section",
		   "a drop-in starts without a section even if the main file ended in one");
	write_file("web.conf.d/99-reset.conf", "[Link]\nKind=veth\nHostName=ve-web\n", 0644);
	load_fails("web", "web.conf.d/99-reset.conf", 1, "two links use host name 've-web'",
		   "a validation error across files points at the later one");
	unlink(in_dir("web.conf.d/99-reset.conf"));

	/* A drop-in directory with nothing in it. */
	clean_dir();
	write_file("web.conf", "[Namespace]\n", 0644);
	make_dir("web.conf.d", 0755);
	c = load_ok("web", "an empty drop-in directory");
	if (c)
		TAP_INT_EQ(c->n_files, 1, "only the main file");
	cfg_free(c);
}

static void test_missing_and_names(void)
{
	struct cfg *c = NULL;
	struct error e = { 0 };
	char buf[2048], want[300];
	int r;

	clean_dir();
	make_dir("web.conf.d", 0755);
	write_file("web.conf.d/10.conf", "[Namespace]\n", 0644);
	r = cfg_load(dir, "web", &c, &e);
	TAP_INT_EQ(r, -ENOENT, "missing NAME.conf is -ENOENT, even with drop-ins");
	TAP_OK(c == NULL, "and returns no config");
	snprintf(want, sizeof(want), "no configuration for 'web' (expected %s)", in_dir("web.conf"));
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), want, "the message names the expected path");
	TAP_INT_EQ(err_exit_status(&e), 2, "a missing config is a usage error (exit 2)");
	r = cfg_load(dir, "web", &c, NULL);
	TAP_INT_EQ(r, -ENOENT, "cfg_load works without an error record");

	static const char *const invalid[] = { "../x", "a/b", ".", "..", "", "a\x01" };
	for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
		memset(&e, 0, sizeof(e));
		r = cfg_load(dir, invalid[i], &c, &e);
		TAP_OK(r == -EINVAL && err_exit_status(&e) == 2 && strstr(e.msg, "invalid namespace name"),
		       "cfg_load refuses the name '%s'", tap_quote(invalid[i]));
	}

	write_file("web.conf", "[Namespace]\nName=other\n", 0644);
	load_fails("web", "web.conf", 2, "Name=other does not match the file name 'web'", "Name= mismatch");
	write_file("web.conf.d/10.conf", "[Namespace]\n\nName=third\n", 0644);
	write_file("web.conf", "[Namespace]\nName=web\n", 0644);
	load_fails("web", "web.conf.d/10.conf", 3, "Name=third does not match", "Name= mismatch in a drop-in");
	write_file("web.conf.d/10.conf", "[Namespace]\n", 0644);
	c = load_ok("web", "Name= equal to the file name");
	if (c)
		TAP_INT_EQ(c->name_loc.line, 2, "Name= location kept");
	cfg_free(c);

	static const char with_nul[] = "[Namespace]\nDescription=a\0b\n";
	write_bytes("web.conf", with_nul, sizeof(with_nul) - 1, 0644);
	load_fails("web", "web.conf", 2, "NUL byte", "a NUL byte in the file");
	write_file("web.conf", "[Namespace]\n\n\nDescription=\xff\n", 0644);
	load_fails("web", "web.conf", 4, "invalid UTF-8", "invalid UTF-8 in the file");
}

static void test_files(void)
{
	struct cfg *c = NULL;
	struct error e = { 0 };
	char buf[2048];
	int r;

	clean_dir();
	make_dir("web.conf", 0755);
	r = cfg_load(dir, "web", &c, &e);
	TAP_OK(r < 0 && strstr(e.msg, "not a regular file") && STREQ(e.file, in_dir("web.conf")),
	       "a directory named NAME.conf is refused");
	rmdir(in_dir("web.conf"));

	write_file("web.conf", "", 0644);
	{
		int fd = open(in_dir("web.conf"), O_WRONLY | O_CLOEXEC);
		if (ftruncate(fd, CFG_MAX_FILE_SIZE + 1) < 0)
			perror("ftruncate");
		close(fd);
	}
	memset(&e, 0, sizeof(e));
	r = cfg_load(dir, "web", &c, &e);
	TAP_OK(r < 0 && err_exit_status(&e) == 2, "a file over CFG_MAX_FILE_SIZE is refused");
	TAP_LIKE(err_format(&e, buf, sizeof(buf)), "file too large", "with 'file too large'");

	write_file("web.conf", "", 0644);
	c = load_ok("web", "an empty file");
	cfg_free(c);

	/* cfg_load_path: the name comes from the file name unless Name= is set. */
	write_file("srv.conf", "[Link]\nKind=veth\n", 0644);
	memset(&e, 0, sizeof(e));
	r = cfg_load_path(in_dir("srv.conf"), &c, &e);
	if (TAP_INT_EQ(r, 0, "cfg_load_path loads a file"))
		TAP_OK(STREQ(c->name, "srv") && STREQ(c->links[0].host_name.v, "ve-srv"), "name from the file name");
	cfg_free(c);
	c = NULL;
	write_file("bad name.conf", "[Namespace]\nName=good\n", 0644);
	r = cfg_load_path(in_dir("bad name.conf"), &c, &e);
	if (TAP_INT_EQ(r, 0, "cfg_load_path with Name= and an unusable file name"))
		TAP_STREQ(c->name, "good", "Name= gives the name");
	cfg_free(c);
	c = NULL;
	write_file("bad name.conf", "[Namespace]\n", 0644);
	memset(&e, 0, sizeof(e));
	r = cfg_load_path(in_dir("bad name.conf"), &c, &e);
	TAP_OK(r < 0 && strstr(e.msg, "set [Namespace] Name=") && err_exit_status(&e) == 2,
	       "cfg_load_path without Name= and an unusable file name");
	memset(&e, 0, sizeof(e));
	r = cfg_load_path(in_dir("nope.conf"), &c, &e);
	TAP_OK(r == -ENOENT && strstr(e.msg, "nope.conf"), "cfg_load_path on a missing file");
	TAP_INT_EQ(err_exit_status(&e), 2, "a missing file is a usage error (exit 2)");
}

/* Symlinked config files and drop-ins are refused, whoever runs us: the
 * target could be anywhere. A symlinked config directory is fine. */
static void test_symlinks(void)
{
	struct cfg *c;
	char real[300];

	clean_dir();
	write_file("real.conf", "[Namespace]\n", 0644);
	if (symlink(in_dir("real.conf"), in_dir("web.conf")) < 0)
		perror("symlink");
	load_fails("web", "web.conf", 0, "refusing a config file that is a symbolic link", "a symlinked NAME.conf");
	unlink(in_dir("web.conf"));
	write_file("web.conf", "[Namespace]\n", 0644);
	make_dir("web.conf.d", 0755);
	if (symlink(in_dir("real.conf"), in_dir("web.conf.d/10.conf")) < 0)
		perror("symlink");
	load_fails("web", "web.conf.d/10.conf", 0, "symbolic link", "a symlinked drop-in");
	unlink(in_dir("web.conf.d/10.conf"));

	make_dir("sub", 0755);
	write_file("sub/web.conf", "[Namespace]\nDescription=via a linked dir\n", 0644);
	if (symlink(in_dir("sub"), in_dir("linked")) < 0)
		perror("symlink");
	strscpy(real, sizeof(real), in_dir("linked"));
	struct error e = { 0 };
	c = NULL;
	TAP_INT_EQ(cfg_load(real, "web", &c, &e), 0, "a config directory reached through a symlink loads");
	if (c)
		TAP_STREQ(c->description.v, "via a linked dir", "from the linked directory");
	cfg_free(c);
}

/* Permission checks: only when running as root, as sshd does for its files. */
static void test_permissions(void)
{
	struct cfg *c;

	if (geteuid() != 0) {
		tap_n++;
		printf("ok %d - # SKIP permission checks apply only when running as root\n", tap_n);
		return;
	}
	clean_dir();
	write_file("web.conf", "[Namespace]\n", 0666);
	load_fails("web", "web.conf", 0, "refusing config file writable by group or others (mode 0666)",
		   "a world-writable config file");
	write_file("web.conf", "[Namespace]\n", 0664);
	load_fails("web", "web.conf", 0, "(mode 0664)", "a group-writable config file");
	write_file("web.conf", "[Namespace]\n", 0644);
	if (chown(in_dir("web.conf"), 1000, 0) < 0)
		perror("chown");
	load_fails("web", "web.conf", 0, "refusing config file not owned by root (owner uid 1000)",
		   "a config file owned by another user");
	write_file("web.conf", "[Namespace]\n", 0644);
	c = load_ok("web", "mode 0644, owned by root");
	cfg_free(c);
	write_file("web.conf", "[Namespace]\n", 0400);
	c = load_ok("web", "mode 0400");
	cfg_free(c);

	write_file("web.conf", "[Namespace]\n", 0644);
	make_dir("web.conf.d", 0755);
	write_file("web.conf.d/10.conf", "[Namespace]\n", 0646);
	load_fails("web", "web.conf.d/10.conf", 0, "writable by group or others", "a world-writable drop-in");
	write_file("web.conf.d/10.conf", "[Namespace]\n", 0644);
	chmod(in_dir("web.conf.d"), 0777);
	load_fails("web", "web.conf.d", 0, "refusing drop-in directory writable by group or others (mode 0777)",
		   "a world-writable drop-in directory");
	chmod(in_dir("web.conf.d"), 0755);


	chmod(dir, 0777);
	load_fails("web", "", 0, "refusing config directory writable by group or others (mode 0777)",
		   "a world-writable config directory");
	chmod(dir, 0700);
}

int main(void)
{
	strscpy(dir, sizeof(dir), "/tmp/netnsctl-unit-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_dropins();
	test_missing_and_names();
	test_files();
	test_symlinks();
	test_permissions();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
