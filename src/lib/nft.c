/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nft.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fault.h"
#include "json.h"
#include "netns.h"
#include "nftl.h"
#include "state.h"

int nft_open(int ns_fd, struct nft_sess *s, struct error *e)
{
	const struct nftl *L = nftl_get();
	int saved = -1, r;

	*s = (struct nft_sess){ 0 };
	if (!L)
		return err_set(e, -errno, "loading libnftables.so.1");
	if (ns_fd >= 0 && (r = ns_enter(ns_fd, &saved, e)) < 0)
		return r;
	s->ctx = L->ctx_new(NFT_CTX_DEFAULT);
	if (ns_fd >= 0)
		ns_leave(&saved);
	if (!s->ctx)
		return err_set(e, -ENOMEM, "creating nftables context");
	L->ctx_buffer_output(s->ctx);
	L->ctx_buffer_error(s->ctx);
	return 0;
}

/* A batch read from a file gets error messages that carry its line number
 * ("FILE:LINE:COL: Error: ..."); from a buffer, libnftables 1.0.6 prints
 * the batch's first line instead of the offending one, and the line number
 * is lost. So batches go through nft_run_cmd_from_filename. */
static int (*run_from_file(void))(struct nft_ctx *, const char *)
{
	const struct nftl *L = nftl_get();
	return L ? L->run_cmd_from_filename : NULL;
}

/* "Could not process rule: File exists" -> -EEXIST; syntax errors and the
 * like -> -EINVAL. */
static int error_code(const char *msg)
{
	const char *p = strstr(msg, "Could not process rule: ");

	if (p) {
		size_t n = strcspn(p + 24, "\n");
		for (int i = 1; i < 134; i++)
			if (strlen(strerror(i)) == n && strncmp(strerror(i), p + 24, n) == 0)
				return -i;
	}
	return -EINVAL;
}

/* The first "Error: ..." of libnftables' buffer into e->kernel, and the
 * line of its location prefix ("/proc/self/fd/N:LINE:COL-COL: "). */
static int record_error(const char *msg, const char *path, unsigned *ret_line, struct error *e)
{
	const char *err = msg ? strstr(msg, "Error: ") : NULL;
	const char *loc = msg && path ? strstr(msg, path) : NULL;

	if (ret_line)
		*ret_line = loc && loc[strlen(path)] == ':' ? (unsigned)strtoul(loc + strlen(path) + 1, NULL, 10) : 0;
	if (!err)
		return -EIO;
	if (e) {
		size_t n = strcspn(err + 7, "\n");
		snprintf(e->kernel, sizeof(e->kernel), "%.*s", (int)n, err + 7);
	}
	return error_code(err);
}

int nft_run(struct nft_sess *s, const char *batch, bool deletes, unsigned *ret_line, struct error *e)
{
	const struct nftl *L = nftl_get();
	int (*run)(struct nft_ctx *, const char *) = run_from_file();
	_cleanup_close_ int fd = -1;
	size_t len = strlen(batch);
	char path[64];
	int r;

	if (ret_line)
		*ret_line = 0;
	r = s->no_fault ? 0 : fault_check("nft", e);
	if (r < 0)
		return r;
	if (!run)
		return err_set(e, -ENOSYS, "libnftables lacks nft_run_cmd_from_filename");
	/* An anonymous in-memory file: nothing touches the disk. */
	fd = memfd_create("netnsctl-nft", MFD_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "creating nftables batch");
	if (write(fd, batch, len) != (ssize_t)len)
		return err_set(e, -EIO, "writing nftables batch");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (run(s->ctx, path) == 0) {
		s->defer |= deletes;
		return 0;
	}
	r = record_error(L->ctx_get_error_buffer(s->ctx), path, ret_line, e);
	return err_set(e, r, "nftables transaction");
}

int nft_query(struct nft_sess *s, const char *cmd, char **ret, struct error *e)
{
	const struct nftl *L = nftl_get();
	const char *out;

	*ret = NULL;
	if (L->run_cmd_from_buffer(s->ctx, cmd) != 0) {
		const char *msg = L->ctx_get_error_buffer(s->ctx);
		if (msg && strstr(msg, strerror(ENOENT)))
			return -ENOENT;
		record_error(msg, NULL, NULL, e);
		return err_set(e, -EIO, "nftables: %s", cmd);
	}
	out = L->ctx_get_output_buffer(s->ctx);
	*ret = strdup(out ? out : "");
	return *ret ? 0 : err_set(e, -ENOMEM, "nftables: %s", cmd);
}

/* ---- the deferred close ------------------------------------------------------ */

static bool is_nft_socket(int fd)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 || v != AF_NETLINK)
		return false;
	l = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0 && v == NETLINK_NETFILTER;
}

/* The grandchild: keep the nftables sockets, close everything else (so
 * that a caller's pipe, the lock and stdout are not held), wait until the
 * parent has dropped its references (EOF on rd), then exit, which releases
 * the socket and pays the kernel's wait here. */
_Noreturn static void closer_main(int rd)
{
	int fds[256], n = 0;
	DIR *d = opendir("/proc/self/fd");
	char c;

	for (struct dirent *de; d && (de = readdir(d)) && n < (int)ELEMENTSOF(fds);) {
		int fd = (int)strtol(de->d_name, NULL, 10);
		if (de->d_name[0] != '.' && fd != rd && fd != dirfd(d))
			fds[n++] = fd;
	}
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++)
		if (!is_nft_socket(fds[i]))
			close(fds[i]);
	while (read(rd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Double fork: the intermediate child exits at once (reaped here), so the
 * grandchild is reparented to init or the nearest subreaper (systemd, for
 * a unit) and never shows up as a zombie of ours. */
static bool spawn_closer(int *ret_wr)
{
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (fork() == 0)
			closer_main(p[0]);
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return false;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*ret_wr = p[1];
	return true;
}

void nft_close(struct nft_sess *s)
{
	const struct nftl *L = nftl_get();
	int wr = -1;

	if (!s->ctx)
		return;
	/* Order matters: the grandchild must hold its reference before ours
	 * goes (fork above), and must keep it until ours is gone (the pipe
	 * closes only after ctx_free). */
	if (s->defer && !spawn_closer(&wr))
		wr = -1;
	L->ctx_free(s->ctx);
	s->ctx = NULL;
	if (wr >= 0)
		close(wr);
}

int nft_run_once(int ns_fd, const char *batch, struct error *e)
{
	struct nft_sess s;
	unsigned line;
	int r = nft_open(ns_fd, &s, e);

	if (r < 0)
		return r;
	r = nft_run(&s, batch, true, &line, e);
	nft_close(&s);
	return r;
}

/* ---- parsing `list table` ------------------------------------------------------ */

static void quoted_value(const char *p, char *buf, size_t size)
{
	const char *q = strchr(p, '"');
	size_t n = q ? strcspn(q + 1, "\"") : 0;

	snprintf(buf, size, "%.*s", (int)n, q ? q + 1 : "");
}

/* "... counter packets 5 bytes 300 masquerade" -> "... counter masquerade". */
static int rule_parse(const char *line, struct nft_rule_info *r)
{
	const char *c = strstr(line, "counter packets ");

	*r = (struct nft_rule_info){ 0 };
	if (c && sscanf(c, "counter packets %" SCNu64 " bytes %" SCNu64, &r->packets, &r->bytes) == 2) {
		const char *end = strstr(c, " bytes ") + 7;
		end += strspn(end, "0123456789");
		r->has_counter = true;
		if (asprintf(&r->text, "%.*scounter%s", (int)(c - line), line, end) < 0)
			r->text = NULL;
	} else {
		r->text = strdup(line);
	}
	return r->text ? 0 : -ENOMEM;
}

static int append_text(char **buf, const char *line)
{
	size_t old = *buf ? strlen(*buf) : 0, n = strlen(line);
	char *nb = realloc(*buf, old + n + 2);

	if (!nb)
		return -ENOMEM;
	memcpy(nb + old, line, n);
	nb[old + n] = '\n';
	nb[old + n + 1] = '\0';
	*buf = nb;
	return 0;
}

enum { IN_NONE, IN_CHAIN, IN_COUNTER, IN_SET, IN_ELEMS, IN_OTHER };

/* Set elements, "KEY comment \"ns=NAME\"", separated by commas outside
 * quotes; a chunk is one listed line of them. */
static int parse_elems(struct nft_set_info *set, const char *chunk)
{
	const char *p = chunk;

	while (*p) {
		bool quoted = false;
		const char *q = p;
		for (; *q && (quoted || (*q != ',' && *q != '}')); q++)
			if (*q == '"')
				quoted = !quoted;
		char el[300];
		snprintf(el, sizeof(el), "%.*s", (int)(q - p), p);
		char *t = el + strspn(el, " \t{"), *cm = strstr(t, " comment ");
		size_t n = cm ? (size_t)(cm - t) : strcspn(t, "");
		while (n > 0 && t[n - 1] == ' ')
			n--;
		if (n > 0) {
			struct nft_elem_info *x = array_append(&set->elems, &set->n_elems, sizeof(*x));
			if (!x)
				return -ENOMEM;
			snprintf(x->key, sizeof(x->key), "%.*s", (int)n, t);
			if (cm)
				quoted_value(cm, x->comment, sizeof(x->comment));
		}
		p = *q ? q + 1 : q;
	}
	return 0;
}

static int parse_set_line(struct nft_table_info *t, const char *l, int *in)
{
	struct nft_set_info *set = &t->sets[t->n_sets - 1];

	if (*in == IN_SET && strncmp(l, "elements = {", 12) == 0) {
		*in = IN_ELEMS;
		l += 12;
	}
	if (*in != IN_ELEMS)
		return 0;
	if (strlen(l) > 0 && l[strlen(l) - 1] == '}')
		*in = IN_SET;
	return parse_elems(set, l);
}

/* A line at table level: the table's comment, or the start of a block. */
static int parse_top(struct nft_table_info *t, const char *raw, const char *l, int *in)
{
	if (strncmp(l, "comment ", 8) == 0) {
		quoted_value(l, t->comment, sizeof(t->comment));
	} else if (strncmp(l, "chain ", 6) == 0) {
		struct nft_chain_info *c = array_append(&t->chains, &t->n_chains, sizeof(*c));
		if (!c)
			return -ENOMEM;
		snprintf(c->name, sizeof(c->name), "%.*s", (int)strcspn(l + 6, " {"), l + 6);
		*in = IN_CHAIN;
		return append_text(&c->block, raw);
	} else if (strncmp(l, "counter ", 8) == 0) {
		struct nft_counter_info *k = array_append(&t->counters, &t->n_counters, sizeof(*k));
		if (!k)
			return -ENOMEM;
		snprintf(k->name, sizeof(k->name), "%.*s", (int)strcspn(l + 8, " {"), l + 8);
		*in = IN_COUNTER;
	} else if (strncmp(l, "set ", 4) == 0) {
		struct nft_set_info *set = array_append(&t->sets, &t->n_sets, sizeof(*set));
		if (!set)
			return -ENOMEM;
		snprintf(set->name, sizeof(set->name), "%.*s", (int)strcspn(l + 4, " {"), l + 4);
		*in = IN_SET;
	} else if (strlen(l) > 2 && STREQ(l + strlen(l) - 2, " {") && strncmp(l, "table ", 6) != 0) {
		*in = IN_OTHER; /* maps, flowtables, ...: not ours */
	}
	return 0;
}

/* A line inside a chain: its comment, its type, or a rule. */
static int parse_chain_line(struct nft_chain_info *c, const char *raw, const char *l)
{
	struct nft_rule_info *r;

	if (append_text(&c->block, raw) < 0)
		return -ENOMEM;
	if (strncmp(l, "comment ", 8) == 0)
		quoted_value(l, c->comment, sizeof(c->comment));
	else if (strncmp(l, "type ", 5) == 0)
		snprintf(c->spec, sizeof(c->spec), "%s", l);
	else if (*l) {
		r = array_append(&c->rules, &c->n_rules, sizeof(*r));
		return r ? rule_parse(l, r) : -ENOMEM;
	}
	return 0;
}

static int parse_line(struct nft_table_info *t, const char *raw, int *in)
{
	const char *l = raw + strspn(raw, "\t ");
	struct nft_chain_info *c = t->n_chains ? &t->chains[t->n_chains - 1] : NULL;

	if (*in == IN_NONE)
		return parse_top(t, raw, l, in);
	if (*in == IN_SET || *in == IN_ELEMS) {
		if (*in == IN_SET && STREQ(l, "}")) {
			*in = IN_NONE;
			return 0;
		}
		return parse_set_line(t, l, in);
	}
	if (STREQ(l, "}")) {
		int was = *in;
		*in = IN_NONE;
		return was == IN_CHAIN ? append_text(&c->block, raw) : 0;
	}
	if (*in == IN_COUNTER)
		sscanf(l, "packets %" SCNu64 " bytes %" SCNu64, &t->counters[t->n_counters - 1].packets,
		       &t->counters[t->n_counters - 1].bytes);
	return *in == IN_CHAIN ? parse_chain_line(c, raw, l) : 0;
}

int nft_table_parse(const char *text, struct nft_table_info *ret)
{
	struct nft_table_info t = { 0 };
	int in = IN_NONE, r = 0;

	for (const char *p = text; p && *p && r == 0;) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		if (!line) {
			r = -ENOMEM;
			break;
		}
		r = parse_line(&t, line, &in);
		free(line);
		p += n + (p[n] == '\n');
	}
	if (r < 0) {
		nft_table_info_free(&t);
		return r;
	}
	*ret = t;
	return 0;
}

void nft_table_info_free(struct nft_table_info *t)
{
	for (size_t i = 0; i < t->n_chains; i++) {
		for (size_t k = 0; k < t->chains[i].n_rules; k++)
			free(t->chains[i].rules[k].text);
		free(t->chains[i].rules);
		free(t->chains[i].block);
	}
	for (size_t i = 0; i < t->n_sets; i++)
		free(t->sets[i].elems);
	free(t->chains);
	free(t->counters);
	free(t->sets);
	*t = (struct nft_table_info){ 0 };
}

bool nft_chain_owner(const struct nft_chain_info *c, char *buf, size_t size)
{
	if (strncmp(c->comment, "ns=", 3) != 0)
		return false;
	snprintf(buf, size, "%.*s", (int)strcspn(c->comment + 3, " "), c->comment + 3);
	return buf[0] != '\0';
}

bool nft_elem_owner(const struct nft_elem_info *el, char *buf, size_t size)
{
	if (strncmp(el->comment, "ns=", 3) != 0)
		return false;
	snprintf(buf, size, "%.*s", (int)strcspn(el->comment + 3, " "), el->comment + 3);
	return buf[0] != '\0';
}

const char *nft_comment_hash(const char *comment, char *buf, size_t size)
{
	const char *h = strstr(comment, "hash=");

	snprintf(buf, size, "%.*s", h ? (int)strcspn(h + 5, " \"\n") : 0, h ? h + 5 : "");
	return buf;
}

/* ---- removal ------------------------------------------------------------------------- */

/* "KEY=VALUE" from a restore rule's comment; false if there is none. */
static bool restore_entry(const struct nft_rule_info *r, char *key, size_t size, const char **ret_value)
{
	const char *cm = strstr(r->text, "comment ");
	char *eq;

	if (!cm)
		return false;
	quoted_value(cm, key, size);
	eq = strchr(key, '=');
	if (!eq)
		return false;
	*eq = '\0';
	*ret_value = eq + 1;
	return true;
}

/* Put back the host sysctls the restore chain lists; the first entry for a
 * key holds the value from before netnsctl. A device that is gone needs
 * nothing; any other failure stops here, so that the table (and with it
 * the only record of the old values) stays for the next attempt. */
static int restore_sysctls(const struct nft_table_info *t, struct error *e)
{
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nft_chain_info *c = &t->chains[i];
		if (!STREQ(c->name, NFT_RESTORE_CHAIN))
			continue;
		for (size_t k = 0; k < c->n_rules; k++) {
			char key[256], other[256];
			const char *value, *v2;
			bool seen = false;
			int r;
			if (!restore_entry(&c->rules[k], key, sizeof(key), &value))
				continue;
			for (size_t j = 0; j < k && !seen; j++)
				seen = restore_entry(&c->rules[j], other, sizeof(other), &v2) && STREQ(other, key);
			if (!seen && (r = sysctl_write(key, value, NULL, 0, e)) < 0 && r != -ENOENT)
				return r;
		}
	}
	return 0;
}

static int add_line(char **batch, const char *fmt, ...) _printf_(2, 3);
static int add_line(char **batch, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return append_text(batch, line);
}

char *nft_part_removal(const struct nft_table_info *t, const char *name, bool *ret_others)
{
	char owner[128], *batch = strdup("");
	int r = batch ? 0 : -ENOMEM;

	*ret_others = false;
	/* Elements first: nothing references them, but keep the order that
	 * would matter if a rule ever did (a set in use cannot lose its
	 * chain's rules first). */
	for (size_t i = 0; i < t->n_sets && r == 0; i++)
		for (size_t k = 0; k < t->sets[i].n_elems && r == 0; k++) {
			if (!nft_elem_owner(&t->sets[i].elems[k], owner, sizeof(owner)))
				continue;
			if (!STREQ(owner, name))
				*ret_others = true;
			else
				r = add_line(&batch, "delete element inet %s %s { %s }", NFT_TABLE, t->sets[i].name,
					     t->sets[i].elems[k].key);
		}
	for (size_t i = 0; i < t->n_chains && r == 0; i++) {
		if (!nft_chain_owner(&t->chains[i], owner, sizeof(owner)))
			continue;
		if (!STREQ(owner, name))
			*ret_others = true;
		else
			r = add_line(&batch, "delete chain inet %s %s", NFT_TABLE, t->chains[i].name);
	}
	if (r < 0) {
		free(batch);
		return NULL;
	}
	return batch;
}

int nft_part_remove(int ns_fd, const char *name, struct error *e)
{
	struct nft_table_info t = { 0 };
	_cleanup_free_ char *text = NULL, *batch = NULL;
	struct nft_sess s;
	bool others = false;
	unsigned line;
	int r = nft_open(ns_fd, &s, e);

	if (r < 0)
		return r;
	r = nft_query(&s, "list table inet " NFT_TABLE, &text, e);
	if (r == -ENOENT)
		r = 0;
	if (r < 0 || !text)
		goto out;
	r = nft_table_parse(text, &t);
	if (r < 0) {
		r = err_set(e, r, "reading table inet %s", NFT_TABLE);
		goto out;
	}
	batch = nft_part_removal(&t, name, &others);
	if (!batch) {
		r = err_set(e, -ENOMEM, "removing the rules of '%s'", name);
		goto out;
	}
	if (!others) {
		free(batch);
		batch = strdup("delete table inet " NFT_TABLE "\n");
		if (!batch) {
			r = err_set(e, -ENOMEM, "removing the rules of '%s'", name);
			goto out;
		}
	} else if (!*batch) {
		goto out;
	}
	/* Sysctls first: a crash after them leaves a table to delete, while
	 * the other order could lose the only record of the old values. */
	if (!others) {
		int saved = -1;
		if (ns_fd >= 0 && (r = ns_enter(ns_fd, &saved, e)) < 0)
			goto out;
		r = restore_sysctls(&t, e);
		if (ns_fd >= 0)
			ns_leave(&saved);
		if (r < 0)
			goto out;
	}
	r = nft_run(&s, batch, true, &line, e);
	if (r < 0)
		err_set(e, r, "removing the rules of '%s' from table inet %s", name, NFT_TABLE);
out:
	nft_table_info_free(&t);
	nft_close(&s);
	return r;
}

int nft_table_delete(int ns_fd, const char *family, const char *table, struct error *e)
{
	_cleanup_free_ char *text = NULL;
	char cmd[300];
	struct nft_sess s;
	const char *slash = strchr(table, '/');
	unsigned line;
	int r;

	if (slash && STREQ(family, "inet") && (size_t)(slash - table) == strlen(NFT_TABLE) &&
	    strncmp(table, NFT_TABLE, strlen(NFT_TABLE)) == 0)
		return nft_part_remove(ns_fd, slash + 1, e);
	r = nft_open(ns_fd, &s, e);
	if (r < 0)
		return r;
	snprintf(cmd, sizeof(cmd), "list table %s %s", family, table);
	/* "destroy" would ignore a missing table, but needs nftables >= 1.0.8;
	 * list first so that absent stays success on Debian 12's 1.0.6. */
	r = nft_query(&s, cmd, &text, e);
	if (r == 0) {
		snprintf(cmd, sizeof(cmd), "delete table %s %s\n", family, table);
		r = nft_run(&s, cmd, true, &line, e);
		if (r < 0)
			err_set(e, r, "deleting nftables table %s %s", family, table);
	} else if (r == -ENOENT) {
		r = 0;
	}
	nft_close(&s);
	return r;
}

/* ---- status ------------------------------------------------------------------------------ */

/* Keep only name's chains and set elements of the shared host table. */
static void keep_owner(struct nft_table_info *t, const char *name)
{
	char owner[128];
	size_t n = 0;

	for (size_t i = 0; i < t->n_chains; i++) {
		struct nft_chain_info *c = &t->chains[i];
		if (nft_chain_owner(c, owner, sizeof(owner)) && STREQ(owner, name)) {
			t->chains[n++] = *c;
			continue;
		}
		for (size_t k = 0; k < c->n_rules; k++)
			free(c->rules[k].text);
		free(c->rules);
		free(c->block);
	}
	t->n_chains = n;
	for (size_t i = 0; i < t->n_sets; i++) {
		struct nft_set_info *set = &t->sets[i];
		n = 0;
		for (size_t k = 0; k < set->n_elems; k++)
			if (nft_elem_owner(&set->elems[k], owner, sizeof(owner)) && STREQ(owner, name))
				set->elems[n++] = set->elems[k];
		set->n_elems = n;
	}
}

static int read_table(int ns_fd, struct nft_table_info *t, bool *ret_found, struct error *e)
{
	_cleanup_free_ char *text = NULL;
	struct nft_sess s;
	int r = nft_open(ns_fd, &s, e);

	*ret_found = false;
	if (r < 0)
		return r;
	r = nft_query(&s, "list table inet " NFT_TABLE, &text, e);
	nft_close(&s);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret_found = true;
	return nft_table_parse(text, t);
}

struct nft_status *nft_status_for(const char *name, const struct state *st)
{
	char table[STATE_FIELD_MAX];
	struct nft_status *ret;
	struct error e = { 0 };
	bool recorded = false, found;
	int fd = -1;

	snprintf(table, sizeof(table), NFT_TABLE "/%s", name);
	for (size_t k = 0; st && k < st->n; k++)
		recorded |= st->v[k].kind == ST_NFT && STREQ(st->v[k].f[1], table);
	if (!recorded || !(ret = calloc(1, sizeof(*ret))))
		return NULL;
	if (ns_open(name, &fd, &e) == -ENOENT)
		err_reset(&e);
	if (!e.code && read_table(-1, &ret->host, &found, &e) == 0 && fd >= 0)
		read_table(fd, &ret->inside, &ret->has_inside, &e);
	if (e.code)
		err_format(&e, ret->error, sizeof(ret->error));
	if (fd >= 0)
		close(fd);
	keep_owner(&ret->host, name);
	return ret;
}

void nft_status_free(struct nft_status *s)
{
	if (!s)
		return;
	nft_table_info_free(&s->host);
	nft_table_info_free(&s->inside);
	free(s);
}

static void json_table(struct json *j, const struct nft_table_info *t)
{
	json_object_begin(j);
	json_kv_string(j, "table", "inet " NFT_TABLE);
	json_key(j, "chains");
	json_array_begin(j);
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nft_chain_info *c = &t->chains[i];
		json_object_begin(j);
		json_kv_string(j, "name", c->name);
		json_kv_string(j, "type", c->spec);
		json_key(j, "rules");
		json_array_begin(j);
		for (size_t k = 0; k < c->n_rules; k++) {
			json_object_begin(j);
			json_kv_string(j, "rule", c->rules[k].text);
			if (c->rules[k].has_counter) {
				json_key(j, "packets");
				json_uint(j, c->rules[k].packets);
				json_key(j, "bytes");
				json_uint(j, c->rules[k].bytes);
			}
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "counters");
	json_array_begin(j);
	for (size_t i = 0; i < t->n_counters; i++) {
		json_object_begin(j);
		json_kv_string(j, "name", t->counters[i].name);
		json_key(j, "packets");
		json_uint(j, t->counters[i].packets);
		json_key(j, "bytes");
		json_uint(j, t->counters[i].bytes);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void nft_status_json(struct json *j, const struct nft_status *s)
{
	json_object_begin(j);
	json_key(j, "host");
	json_table(j, &s->host);
	json_key(j, "published");
	json_array_begin(j);
	for (size_t i = 0; i < s->host.n_sets; i++)
		for (size_t k = 0; k < s->host.sets[i].n_elems; k++)
			json_string(j, s->host.sets[i].elems[k].key);
	json_array_end(j);
	json_key(j, "inside");
	if (s->has_inside)
		json_table(j, &s->inside);
	else
		json_null(j);
	if (s->error[0])
		json_kv_string(j, "error", s->error);
	json_object_end(j);
}

static void print_table(FILE *f, const char *where, const struct nft_table_info *t)
{
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nft_chain_info *c = &t->chains[i];
		fprintf(f, "  firewall %s chain %s (%.*s)\n", where, c->name, (int)strcspn(c->spec, ";"), c->spec);
		for (size_t k = 0; k < c->n_rules; k++) {
			if (c->rules[k].has_counter)
				fprintf(f, "    %10" PRIu64 " pkts %12" PRIu64 " bytes  %s\n", c->rules[k].packets,
					c->rules[k].bytes, c->rules[k].text);
			else
				fprintf(f, "    %10s      %12s        %s\n", "", "", c->rules[k].text);
		}
	}
	for (size_t i = 0; i < t->n_counters; i++)
		fprintf(f, "  firewall %s counter %s: %" PRIu64 " packets, %" PRIu64 " bytes\n", where, t->counters[i].name,
			t->counters[i].packets, t->counters[i].bytes);
}

void nft_status_print(FILE *f, const struct nft_status *s)
{
	fprintf(f, "\n  FIREWALL (table inet %s: this namespace's chains on the host, then the table inside)\n", NFT_TABLE);
	print_table(f, "host", &s->host);
	if (s->has_inside)
		print_table(f, "inside", &s->inside);
	if (s->error[0])
		fprintf(f, "  firewall: %s\n", s->error);
}
