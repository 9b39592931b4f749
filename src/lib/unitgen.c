/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Rendering and writing the systemd drop-ins; see unitgen.h. */
#include "unitgen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "dns.h"
#include "fileio.h"
#include "netns.h"

const char *unitgen_system_dir(void)
{
	const char *env = getenv("NETNSCTL_SYSTEMD_DIR");
	return env && *env ? env : UNITGEN_SYSTEM_DIR;
}

int unitgen_unit_name(const char *arg, char *buf, size_t size, struct error *e)
{
	bool bare = !strrchr(arg, '.');

	/* As systemctl does: a name without a type is a service. */
	if (snprintf(buf, size, "%s%s", arg, bare ? ".service" : "") >= (int)size || !unit_name_valid(buf))
		return err_cfg(e, NULL, 0, "invalid unit name '%.64s'", arg);
	const char *why = join_unit_problem(buf);
	if (why)
		return err_cfg(e, NULL, 0, "unit '%.64s' cannot join a namespace: %s", buf, why);
	return 0;
}

static const char *exec_section(const char *unit)
{
	const char *dot = strrchr(unit, '.');
	return dot && STREQ(dot, ".socket") ? "Socket" : "Service";
}

static bool etc_entry_usable(const char *name)
{
	size_t n = strlen(name);

	if (name[0] == '.' || (n > 13 && STREQ(name + n - 13, ".netnsctl-tmp")))
		return false;
	/* Anything else could be read as a separator or a specifier. */
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files `ip netns exec` would bind over /etc: the ones netnsctl writes
 * (they may not exist yet), then whatever else the directory holds now. */
static void write_bind_paths(FILE *f, const char *ns)
{
	static const char *const always[] = { "resolv.conf", "nsswitch.conf", "hosts" };
	char dir[PATH_MAX], *names[256];
	size_t n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", etc_netns_dir(), ns);
	for (size_t i = 0; i < ELEMENTSOF(always); i++)
		fprintf(f, "BindReadOnlyPaths=-%s/%s:/etc/%s\n", dir, always[i], always[i]);
	d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d)) && n < ELEMENTSOF(names);) {
		bool known = false;
		for (size_t i = 0; i < ELEMENTSOF(always); i++)
			known |= STREQ(de->d_name, always[i]);
		if (!known && etc_entry_usable(de->d_name) && (names[n] = strdup(de->d_name)))
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "BindReadOnlyPaths=-%s/%s:/etc/%s\n", dir, names[i], names[i]);
		free(names[i]);
	}
}

/* Close the memstream; only then does *buf hold the text. */
static int finish(FILE *f, char **buf, char **ret, struct error *e)
{
	if (fclose(f) != 0) {
		free(*buf);
		return err_set(e, -ENOMEM, "rendering drop-in");
	}
	*ret = *buf;
	return 0;
}

int unitgen_join_dropin(const char *unit, const char *ns, const char *origin, char **ret,
			struct error *e)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	if (!ns_name_valid(ns))
		return err_cfg(e, NULL, 0, "invalid namespace name '%.64s'", ns);
	f = open_memstream(&buf, &size);
	if (!f)
		return err_set(e, -ENOMEM, "rendering drop-in for %s", unit);
	fprintf(f, "%s (%s); do not edit.\n", UNITGEN_HEADER, origin);
	fprintf(f, "# Runs %s inside the network namespace '%s'.\n\n", unit, ns);
	fprintf(f, "[Unit]\n"
		   "# netns@%s.service runs 'netnsctl up %s'; the namespace must exist\n"
		   "# before this unit starts, and this unit stops if it goes away.\n"
		   "BindsTo=netns@%s.service\n"
		   "After=netns@%s.service\n\n",
		ns, ns, ns, ns);
	fprintf(f, "[%s]\n"
		   "# Not PrivateNetwork=/JoinsNamespaceOf=: see docs/SYSTEMD.md.\n"
		   "NetworkNamespacePath=%s/%s\n"
		   "# Per-namespace files over /etc, as 'ip netns exec' does for commands;\n"
		   "# '-' skips a file that does not exist when the unit starts.\n",
		exec_section(unit), NETNS_RUN_DIR, ns);
	write_bind_paths(f, ns);
	return finish(f, &buf, ret, e);
}

int unitgen_device_unit(const char *ifname, char *buf, size_t size)
{
	static const char prefix[] = "sys-subsystem-net-devices-";
	size_t o = 0;
	int n;

	n = snprintf(buf, size, "%s", prefix);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	o = (size_t)n;
	for (const char *p = ifname; *p; p++) {
		unsigned char c = (unsigned char)*p;
		/* systemd's path escaping: keep [A-Za-z0-9:_.] except a leading '.'. */
		bool keep = (isalnum(c) || c == ':' || c == '_' || c == '.') && !(p == ifname && c == '.');
		n = keep ? snprintf(buf + o, size - o, "%c", c) : snprintf(buf + o, size - o, "\\x%02x", c);
		if (n < 0 || (size_t)n >= size - o)
			return -ENAMETOOLONG;
		o += (size_t)n;
	}
	n = snprintf(buf + o, size - o, ".device");
	return n < 0 || (size_t)n >= size - o ? -ENAMETOOLONG : 0;
}

bool unitgen_has_proxy(const struct cfg *c)
{
	for (size_t i = 0; i < c->n_publish; i++)
		if (c->publish[i].mode.v == PUBLISH_PROXY)
			return true;
	return false;
}

int unitgen_forward_socket_name(const char *ns, char *buf, size_t size)
{
	int n = snprintf(buf, size, "netns-forward@%s.socket", ns);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int unitgen_netns_dropin(const struct cfg *c, bool stop_when_unneeded, const char *origin,
			 char **ret, struct error *e)
{
	char *buf = NULL, dev[128], sock[UNITGEN_UNIT_MAX];
	size_t size = 0;
	bool proxy = unitgen_has_proxy(c), any = stop_when_unneeded || proxy;
	FILE *f;

	for (size_t i = 0; i < c->n_links; i++)
		any |= c->links[i].kind.v == LINK_PHYSICAL && c->links[i].wait_for_device.v;
	*ret = NULL;
	if (!any)
		return 0;
	f = open_memstream(&buf, &size);
	if (!f)
		return err_set(e, -ENOMEM, "rendering drop-in for netns@%s.service", c->name);
	fprintf(f, "%s (%s); do not edit.\n\n[Unit]\n", UNITGEN_HEADER, origin);
	if (stop_when_unneeded)
		fprintf(f, "# Units join this namespace: end it when the last of them stops.\n"
			   "StopWhenUnneeded=yes\n");
	for (size_t i = 0; i < c->n_links; i++) {
		const struct cfg_link *l = &c->links[i];
		if (l->kind.v != LINK_PHYSICAL || !l->wait_for_device.v)
			continue;
		if (unitgen_device_unit(l->device.v, dev, sizeof(dev)) < 0) {
			fclose(f);
			free(buf);
			return err_set(e, -ENAMETOOLONG, "device unit for '%s'", l->device.v);
		}
		fprintf(f, "# %s:%u: WaitForDevice=yes\nWants=%s\nAfter=%s\n", l->wait_for_device.loc.file,
			l->wait_for_device.loc.line, dev, dev);
	}
	if (proxy && unitgen_forward_socket_name(c->name, sock, sizeof(sock)) == 0)
		fprintf(f, "# [Publish] Mode=proxy: systemd holds the published ports while the\n"
			   "# namespace is up and starts the forwarder at the first connection.\n"
			   "Wants=%s\n", sock);
	return finish(f, &buf, ret, e);
}

/* "127.0.0.1:19091", "[2001:db8::1]:443", or "19091" for every address. */
static void listen_spec(const struct cfg_publish *p, unsigned port, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (p->host_addr.family)
		inet_ntop(p->host_addr.family, p->host_addr.raw, a, sizeof(a));
	if (p->host_addr.family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, port);
	else if (p->host_addr.family == AF_INET)
		snprintf(buf, size, "%s:%u", a, port);
	else
		snprintf(buf, size, "%u", port);
}

/* An address that may not be configured yet when sockets.target starts. */
static bool needs_freebind(const struct cfg_publish *p)
{
	if (p->host_addr.family == AF_INET)
		return (ntohl(p->host_addr.v4.s_addr) >> 24) != 127;
	return p->host_addr.family == AF_INET6 && !IN6_IS_ADDR_LOOPBACK(&p->host_addr.v6);
}

static void write_listens(FILE *f, const struct cfg *c, bool *freebind)
{
	char spec[INET6_ADDRSTRLEN + 16];

	for (size_t i = 0; i < c->n_publish; i++) {
		const struct cfg_publish *p = &c->publish[i];
		if (p->mode.v != PUBLISH_PROXY)
			continue;
		fprintf(f, "# %s:%u: [Publish] to port %u", p->loc.file, p->loc.line, p->port.lo);
		if (p->port.hi != p->port.lo)
			fprintf(f, "-%u", p->port.hi);
		fprintf(f, " inside\n");
		for (unsigned port = p->host_port.lo; port <= p->host_port.hi; port++) {
			listen_spec(p, port, spec, sizeof(spec));
			fprintf(f, "ListenStream=%s\n", spec);
		}
		*freebind |= needs_freebind(p);
	}
}

int unitgen_forward_socket(const struct cfg *c, const char *origin, char **ret, struct error *e)
{
	char *buf = NULL;
	size_t size = 0;
	bool freebind = false;
	FILE *f;

	*ret = NULL;
	if (!unitgen_has_proxy(c))
		return 0;
	f = open_memstream(&buf, &size);
	if (!f)
		return err_set(e, -ENOMEM, "rendering netns-forward@%s.socket", c->name);
	fprintf(f, "%s (%s); do not edit.\n", UNITGEN_HEADER, origin);
	fprintf(f, "# The [Publish] Mode=proxy ports of namespace '%s': systemd listens on them\n"
		   "# in the host namespace and starts netns-forward@%s.service, which forwards\n"
		   "# into the namespace, at the first connection. See docs/FORWARD.md.\n\n",
		c->name, c->name);
	fprintf(f, "[Unit]\n"
		   "Description=Published ports of network namespace %s (netnsctl)\n"
		   "Documentation=man:netnsctl(8) file:%s\n"
		   "# netns@%s.service wants this unit; it stops (and restarts) with it.\n"
		   "PartOf=netns@%s.service\n\n[Socket]\n",
		c->name, c->files && c->n_files ? c->files[0] : "/etc/netnsctl", c->name, c->name);
	write_listens(f, c, &freebind);
	fprintf(f, "# Without HostAddress=: IPv6 and IPv4, like the forwarder binding itself.\n"
		   "BindIPv6Only=both\n");
	if (freebind)
		fprintf(f, "# A HostAddress= that is not loopback may be configured after this starts.\n"
			   "FreeBind=yes\n");
	fprintf(f, "Service=netns-forward@%s.service\n", c->name);
	return finish(f, &buf, ret, e);
}

static int dropin_path(const char *dir, const char *unit, const char *file, char *buf, size_t size,
		       struct error *e)
{
	if (snprintf(buf, size, "%s/%s.d/%s", dir, unit, file) >= (int)size)
		return err_set(e, -ENAMETOOLONG, "drop-in path for %s", unit);
	return 0;
}

int unitgen_write(const char *dir, const char *unit, const char *file, const char *content,
		  struct error *e)
{
	char path[PATH_MAX], d[PATH_MAX];
	int r;

	r = dropin_path(dir, unit, file, path, sizeof(path), e);
	if (r < 0)
		return r;
	snprintf(d, sizeof(d), "%s/%s.d", dir, unit);
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		return err_set(e, -errno, "creating %s", d);
	return write_atomic(path, ".tmp", content, true, e);
}

int unitgen_write_unit(const char *dir, const char *unit, const char *content, struct error *e)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, unit) >= (int)sizeof(path))
		return err_set(e, -ENAMETOOLONG, "path for %s", unit);
	return write_atomic(path, ".tmp", content, true, e);
}

static bool has_header(const char *path)
{
	char line[sizeof(UNITGEN_HEADER)];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return false;
	return read(fd, line, sizeof(line) - 1) == (ssize_t)sizeof(line) - 1 &&
	       memcmp(line, UNITGEN_HEADER, sizeof(line) - 1) == 0;
}

int unitgen_remove(const char *dir, const char *unit, const char *file, bool *ret_removed,
		   struct error *e)
{
	char path[PATH_MAX];
	int r;

	*ret_removed = false;
	r = dropin_path(dir, unit, file, path, sizeof(path), e);
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "inspecting %s", path);
	if (!has_header(path))
		return err_set(e, -EPERM, "%s was not written by netnsctl; leaving it alone", path);
	if (unlink(path) < 0)
		return err_set(e, -errno, "removing %s", path);
	*ret_removed = true;
	/* The directory may hold the user's own drop-ins: then it stays. */
	snprintf(path, sizeof(path), "%s/%s.d", dir, unit);
	(void)rmdir(path);
	return 0;
}

int unitgen_read_ns(const char *path, char *ns, size_t size)
{
	static const char key[] = "\nNetworkNamespacePath=" NETNS_RUN_DIR "/";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char text[8192], *p, *end;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	if (strncmp(text, UNITGEN_HEADER, strlen(UNITGEN_HEADER)) != 0)
		return -EBADMSG;
	p = strstr(text, key);
	if (!p)
		return -EBADMSG;
	p += sizeof(key) - 1;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	if (!ns_name_valid(p) || !strscpy(ns, size, p))
		return -EBADMSG;
	return 0;
}

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **slot = array_append(v, n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	*slot = strdup(s);
	if (!*slot) {
		(*n)--;
		return -ENOMEM;
	}
	return 0;
}

int unitgen_config_names(const char *dir, char ***ret, size_t *ret_n, char ***ret_bad,
			 size_t *ret_n_bad, struct error *e)
{
	char **v = NULL, **bad = NULL;
	size_t n = 0, n_bad = 0;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d && errno != ENOENT)
		return err_set(e, -errno, "opening %s", dir);
	for (struct dirent *de; d && r == 0 && (de = readdir(d));) {
		char name[NAME_MAX + 1];
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || !STREQ(de->d_name + len - 5, ".conf"))
			continue;
		/* NAME.conf.d directories hold drop-ins, not namespaces. */
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
			continue;
		strscpy(name, sizeof(name), de->d_name);
		name[len - 5] = '\0';
		if (ns_name_valid(name))
			r = strv_push(&v, &n, name);
		else if (ret_bad)
			r = strv_push(&bad, &n_bad, de->d_name);
	}
	if (d)
		closedir(d);
	if (r < 0) {
		strv_free(v, n);
		strv_free(bad, n_bad);
		return err_set(e, r, "listing %s", dir);
	}
	/* qsort() must not see NULL, even for zero elements. */
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	if (ret_bad) {
		if (n_bad)
			qsort(bad, n_bad, sizeof(*bad), cmp_str);
		*ret_bad = bad;
		*ret_n_bad = n_bad;
	}
	return 0;
}
