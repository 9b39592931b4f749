/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netnsctl-generator: a systemd generator (see systemd.generator(7)).
 *
 * systemd runs it at boot and on every daemon-reload with three output
 * directories (normal, early, late); we only use the normal one. For every
 * config in /etc/netnsctl (or $NETNSCTL_CONFIG_DIR) with [Service] Join=,
 * each joined unit gets NORMAL/UNIT.d/netnsctl-NAME.conf (rendered by
 * unitgen.c, the same text `netnsctl join` writes), and netns@NAME.service
 * gets NORMAL/netns@NAME.service.d/netnsctl.conf when it needs one. A config
 * with [Publish] Mode=proxy entries also gets NORMAL/netns-forward@NAME.socket,
 * which that drop-in wants: systemd holds the ports and socket-activates
 * netns-forward@NAME.service (docs/FORWARD.md).
 *
 * A generator must never fail the boot: one bad config is reported and
 * skipped, and the exit status is always 0. Messages go to stderr and to
 * the kernel log when /dev/kmsg is writable (journald reads it at boot);
 * where there is no kmsg (containers) they go to journald's socket. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>

#include "config.h"
#include "netns.h"
#include "unitgen.h"

#define PROGRAM "netnsctl-generator"
#define NETNS_DROPIN "netnsctl.conf"

/* ---- logging ------------------------------------------------------------ */

/* Send one entry to journald without blocking. systemd forbids generators
 * to block on IPC (PID 1 waits for us, and journald may wait for PID 1),
 * hence MSG_DONTWAIT instead of sd_journal_send(). */
static void log_journal(int prio, const char *msg)
{
	static const char path[] = "/run/systemd/journal/socket";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[2048];
	int fd, n;

	if (access(path, W_OK) < 0)
		return;
	n = snprintf(buf, sizeof(buf), "PRIORITY=%d\nSYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%d\nMESSAGE=%s\n",
		     prio, PROGRAM, (int)getpid(), msg);
	if (n < 0 || n >= (int)sizeof(buf))
		n = (int)strlen(buf);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	memcpy(sa.sun_path, path, sizeof(path));
	(void)sendto(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

static void log_kmsg_or_journal(int prio, const char *msg)
{
	static int kmsg = -2;
	char line[2048];
	int n;

	if (kmsg == -2)
		kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (kmsg < 0) {
		log_journal(prio, msg);
		return;
	}
	n = snprintf(line, sizeof(line), "<%d>%s[%d]: %s\n", LOG_DAEMON | prio, PROGRAM, (int)getpid(), msg);
	if (n > 0)
		(void)!write(kmsg, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void gen_log(int prio, const char *fmt, ...) _printf_(2, 3);
static void gen_log(int prio, const char *fmt, ...)
{
	const char *target = getenv("SYSTEMD_LOG_TARGET");
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One entry per message: the native journal format ends fields at '\n'. */
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	fprintf(stderr, "%s: %s\n", PROGRAM, msg);
	/* As for systemd's own tools: SYSTEMD_LOG_TARGET=console keeps it on stderr. */
	if (!target || !STREQ(target, "console"))
		log_kmsg_or_journal(prio, msg);
}

/* ---- joins ---------------------------------------------------------------- */

struct claim {
	char unit[UNITGEN_UNIT_MAX];
	char ns[NS_NAME_MAX + 1];
};

struct gen {
	const char *cfg_dir;
	const char *out; /* the "normal" generator directory */
	struct claim *claims;
	size_t n_claims;
};

static const struct claim *claim_find(const struct gen *g, const char *unit)
{
	for (size_t i = 0; i < g->n_claims; i++)
		if (STREQ(g->claims[i].unit, unit))
			return &g->claims[i];
	return NULL;
}

enum claim_result {
	CLAIM_REFUSED,   /* the unit is in another namespace already */
	CLAIM_JOINED,    /* `netnsctl join` already put it in this one */
	CLAIM_GRANTED,   /* ours to write */
};

/* May `ns` have `unit`? Another config, or a persistent `netnsctl join`
 * drop-in, may have claimed it already: two NetworkNamespacePath= for one
 * unit would let drop-in order pick the namespace, so the first claim wins. */
static enum claim_result claim(struct gen *g, const char *unit, const char *ns, const char *where)
{
	const struct claim *other = claim_find(g, unit);
	char path[PATH_MAX], joined_ns[NS_NAME_MAX + 1];
	struct claim *c;

	if (other) {
		gen_log(LOG_ERR, "%s: Join=%s ignored: %s already joins namespace '%s'", where, unit, unit,
			other->ns);
		return CLAIM_REFUSED;
	}
	snprintf(path, sizeof(path), "%s/%s.d/%s", unitgen_system_dir(), unit, UNITGEN_JOIN_FILE);
	if (unitgen_read_ns(path, joined_ns, sizeof(joined_ns)) == 0) {
		if (STREQ(joined_ns, ns))
			return CLAIM_JOINED; /* that drop-in already says it all */
		gen_log(LOG_ERR, "%s: Join=%s ignored: 'netnsctl join' put it in namespace '%s' (%s)", where,
			unit, joined_ns, path);
		return CLAIM_REFUSED;
	}
	c = array_append(&g->claims, &g->n_claims, sizeof(*c));
	if (!c) {
		gen_log(LOG_ERR, "%s: out of memory", where);
		return CLAIM_REFUSED;
	}
	strscpy(c->unit, sizeof(c->unit), unit);
	strscpy(c->ns, sizeof(c->ns), ns);
	return CLAIM_GRANTED;
}

/* Write UNIT.d/netnsctl-NS.conf; true if the unit joins ns (by this file
 * or by an identical one from `netnsctl join`). */
static bool write_join(struct gen *g, const char *arg, const char *ns, const char *cfg_path,
		       const struct cfg_loc *loc)
{
	char unit[UNITGEN_UNIT_MAX], where[PATH_MAX + 16], origin[PATH_MAX + 32], file[NS_NAME_MAX + 16];
	_cleanup_free_ char *text = NULL;
	struct error e = { 0 };
	char buf[2048];

	snprintf(where, sizeof(where), "%s:%u", loc->file ? loc->file : cfg_path, loc->line);
	if (unitgen_unit_name(arg, unit, sizeof(unit), &e) < 0) {
		gen_log(LOG_ERR, "%s: Join=%s ignored: %s", where, arg, err_format(&e, buf, sizeof(buf)));
		return false;
	}
	switch (claim(g, unit, ns, where)) {
	case CLAIM_REFUSED:
		return false;
	case CLAIM_JOINED:
		return true;
	case CLAIM_GRANTED:
		break;
	}
	snprintf(origin, sizeof(origin), PROGRAM " from %s", cfg_path);
	snprintf(file, sizeof(file), "netnsctl-%s.conf", ns);
	if (unitgen_join_dropin(unit, ns, origin, &text, &e) < 0 ||
	    unitgen_write(g->out, unit, file, text, &e) < 0) {
		gen_log(LOG_ERR, "%s: Join=%s: %s", where, unit, err_format(&e, buf, sizeof(buf)));
		return false;
	}
	return true;
}

static void write_netns_dropin(struct gen *g, const struct cfg *c, bool joined, const char *cfg_path)
{
	char unit[NS_NAME_MAX + 32], origin[PATH_MAX + 32], buf[2048];
	_cleanup_free_ char *text = NULL;
	struct error e = { 0 };

	snprintf(origin, sizeof(origin), PROGRAM " from %s", cfg_path);
	snprintf(unit, sizeof(unit), "netns@%s.service", c->name);
	if (unitgen_netns_dropin(c, joined, origin, &text, &e) < 0 ||
	    (text && unitgen_write(g->out, unit, NETNS_DROPIN, text, &e) < 0))
		gen_log(LOG_ERR, "%s: %s", unit, err_format(&e, buf, sizeof(buf)));
}

static void write_forward_socket(struct gen *g, const struct cfg *c, const char *cfg_path)
{
	char unit[UNITGEN_UNIT_MAX], origin[PATH_MAX + 32], buf[2048];
	_cleanup_free_ char *text = NULL;
	struct error e = { 0 };
	int r;

	snprintf(origin, sizeof(origin), PROGRAM " from %s", cfg_path);
	r = unitgen_forward_socket_name(c->name, unit, sizeof(unit));
	if (r < 0) {
		gen_log(LOG_ERR, "%s: no socket unit name for namespace '%s'", cfg_path, c->name);
		return;
	}
	if (unitgen_forward_socket(c, origin, &text, &e) < 0 ||
	    (text && unitgen_write_unit(g->out, unit, text, &e) < 0))
		gen_log(LOG_ERR, "%s: %s", unit, err_format(&e, buf, sizeof(buf)));
}

/* ---- configs that do not load ------------------------------------------------ */

/* Pick [Service] Join= out of one file without the real parser, which stops
 * at the first error. Continuation lines are not followed. Entries point at
 * path for their location, so it must outlive l. */
static void scan_joins(const char *path, struct cfg_str_list *l)
{
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	bool in_service = false;
	unsigned lineno = 0;
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	/* The file was refused already; read it only if the parser would have
	 * (a regular file within the size limit), never a FIFO or 1 GB. */
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > CFG_MAX_FILE_SIZE ||
	    !(f = fdopen(fd, "re"))) {
		close(fd);
		return;
	}
	while (getline(&line, &size, f) > 0) {
		char *p = line + strspn(line, " \t"), *save = NULL;
		lineno++;
		p[strcspn(p, "\r\n")] = '\0';
		if (*p == '[') {
			in_service = strncmp(p, "[Service]", 9) == 0;
			continue;
		}
		if (!in_service || strncmp(p, "Join", 4) != 0 || p[4 + strspn(p + 4, " \t")] != '=')
			continue;
		p = strchr(p, '=') + 1;
		for (char *w = strtok_r(p, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			struct cfg_str *s = array_append(&l->v, &l->n, sizeof(*s));
			if (!s || !(s->v = strdup(w)))
				break;
			s->loc = (struct cfg_loc){ path, lineno };
		}
	}
	fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The config failed to load, but the units it names must still not run in
 * the host's namespace: bind them to netns@NAME.service, which fails with
 * the config error until it is fixed (fail closed). */
static void bind_broken(struct gen *g, const char *name, const char *cfg_path)
{
	struct cfg_str_list l = { 0 };
	char dropins[PATH_MAX], *files[64];
	size_t n = 0;
	DIR *d;

	scan_joins(cfg_path, &l);
	snprintf(dropins, sizeof(dropins), "%s/%s.conf.d", g->cfg_dir, name);
	d = opendir(dropins);
	for (struct dirent *de; d && (de = readdir(d)) && n < ELEMENTSOF(files);) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] != '.' && len > 5 && STREQ(de->d_name + len - 5, ".conf") &&
		    asprintf(&files[n], "%s/%s", dropins, de->d_name) > 0)
			n++;
	}
	if (d)
		closedir(d);
	qsort(files, n, sizeof(*files), cmp_str);
	for (size_t i = 0; i < n; i++)
		scan_joins(files[i], &l);
	for (size_t i = 0; i < l.n; i++) {
		char unit[UNITGEN_UNIT_MAX];
		if (unitgen_unit_name(l.v[i].v, unit, sizeof(unit), NULL) < 0)
			strscpy(unit, sizeof(unit), l.v[i].v);
		if (write_join(g, l.v[i].v, name, cfg_path, &l.v[i].loc))
			gen_log(LOG_WARNING, "%s: %s stays bound to netns@%s.service, which fails until the config is fixed",
				cfg_path, unit, name);
		free(l.v[i].v);
	}
	free(l.v);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
}

/* ---- main ------------------------------------------------------------------- */

static void handle_config(struct gen *g, const char *name)
{
	_cleanup_cfg_ struct cfg *c = NULL;
	struct error e = { 0 };
	char path[PATH_MAX], buf[2048];
	size_t joined = 0;

	snprintf(path, sizeof(path), "%s/%s.conf", g->cfg_dir, name);
	if (cfg_load(g->cfg_dir, name, &c, &e) < 0) {
		gen_log(LOG_ERR, "skipping namespace '%s': %s", name, err_format(&e, buf, sizeof(buf)));
		bind_broken(g, name, path);
		return;
	}
	for (size_t i = 0; i < c->joins.n; i++)
		joined += write_join(g, c->joins.v[i].v, c->name, path, &c->joins.v[i].loc);
	write_netns_dropin(g, c, joined > 0, path);
	write_forward_socket(g, c, path);
}

int main(int argc, char **argv)
{
	struct gen g = { .cfg_dir = cfg_dir(NULL) };
	char **names = NULL, **bad = NULL;
	size_t n = 0, n_bad = 0;
	struct error e = { 0 };
	char buf[2048];

	/* systemd passes normal, early and late; one directory is enough by hand. */
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "Usage: %s NORMAL_DIR [EARLY_DIR LATE_DIR]\n", PROGRAM);
		return 0;
	}
	g.out = argv[1];
	umask(0022);
	if (unitgen_config_names(g.cfg_dir, &names, &n, &bad, &n_bad, &e) < 0) {
		gen_log(LOG_ERR, "%s", err_format(&e, buf, sizeof(buf)));
		return 0;
	}
	for (size_t i = 0; i < n_bad; i++)
		gen_log(LOG_ERR, "skipping %s/%s: the file name is not a valid namespace name", g.cfg_dir, bad[i]);
	for (size_t i = 0; i < n; i++)
		handle_config(&g, names[i]);
	strv_free(names, n);
	strv_free(bad, n_bad);
	free(g.claims);
	return 0;
}
