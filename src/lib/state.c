/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fault.h"
#include "netns.h"

static const char *const kind_names[_ST_KIND_MAX] = {
	[ST_NETNS] = "netns",
	[ST_HOSTLINK] = "hostlink",
	[ST_PHYSICAL] = "physical",
	[ST_FILE] = "file",
	[ST_SYSCTL] = "sysctl",
	[ST_NFT] = "nft",
	[ST_PROCESS] = "process",
};

static void state_path(const char *name, char buf[PATH_MAX])
{
	snprintf(buf, PATH_MAX, "%s/%s.state", state_dir(), name);
}

struct state *state_new(const char *name)
{
	struct state *s = calloc(1, sizeof(*s));
	if (s)
		strscpy(s->name, sizeof(s->name), name);
	return s;
}

void state_free(struct state *s)
{
	if (!s)
		return;
	free(s->v);
	free(s);
}

bool state_exists(const char *name)
{
	char path[PATH_MAX];
	state_path(name, path);
	return access(path, F_OK) == 0;
}

/* Fields are written %-escaped so that spaces and newlines survive. */
static void put_escaped(FILE *f, const char *s)
{
	if (!*s) {
		fputc('-', f); /* an empty field */
		return;
	}
	if (STREQ(s, "-")) {
		fputs("%2d", f);
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || c == '%')
			fprintf(f, "%%%02x", c);
		else
			fputc(c, f);
	}
}

static void get_unescaped(const char *in, char *out, size_t size)
{
	size_t o = 0;

	if (STREQ(in, "-")) {
		out[0] = '\0';
		return;
	}
	for (; *in && o + 1 < size; in++) {
		if (in[0] == '%' && isxdigit((unsigned char)in[1]) && isxdigit((unsigned char)in[2])) {
			char hex[3] = { in[1], in[2], 0 };
			out[o++] = (char)strtoul(hex, NULL, 16);
			in += 2;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

int state_save(const struct state *s, struct error *e)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int fd, r;

	r = fault_check("state", e);
	if (r < 0)
		return r;
	if (mkdir(state_dir(), 0755) < 0 && errno != EEXIST)
		return err_set(e, -errno, "creating %s", state_dir());
	state_path(s->name, path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_set(e, -errno, "writing %s", tmp);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return err_set(e, -errno, "writing %s", tmp);
	}
	fprintf(f, "# netnsctl state v1: do not edit\n");
	fprintf(f, "origin %llu %llu\n", (unsigned long long)s->origin_dev,
		(unsigned long long)s->origin_ino);
	for (size_t i = 0; i < s->n; i++) {
		fputs(kind_names[s->v[i].kind], f);
		for (int k = 0; k < STATE_FIELDS; k++) {
			fputc(' ', f);
			put_escaped(f, s->v[i].f[k]);
		}
		fputc('\n', f);
	}
	if (s->complete)
		fputs("complete\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		r = -errno;
		fclose(f);
		unlink(tmp);
		return err_set(e, r ? r : -EIO, "writing %s", tmp);
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return err_set(e, r, "renaming %s", tmp);
	}
	return 0;
}

static int parse_line(struct state *s, char *line)
{
	char *save = NULL, *w = strtok_r(line, " \n", &save);
	struct state_rec rec = { 0 };
	int kind = -1;

	if (!w || *w == '#')
		return 0;
	if (STREQ(w, "complete")) {
		s->complete = true;
		return 0;
	}
	if (STREQ(w, "origin")) {
		char *a = strtok_r(NULL, " \n", &save), *b = strtok_r(NULL, " \n", &save);
		if (!a || !b)
			return -EBADMSG;
		s->origin_dev = strtoull(a, NULL, 10);
		s->origin_ino = strtoull(b, NULL, 10);
		return 0;
	}
	for (int k = 0; k < _ST_KIND_MAX; k++)
		if (STREQ(w, kind_names[k]))
			kind = k;
	if (kind < 0)
		return -EBADMSG;
	rec.kind = (enum state_kind)kind;
	for (int k = 0; k < STATE_FIELDS; k++) {
		w = strtok_r(NULL, " \n", &save);
		if (!w)
			return -EBADMSG;
		get_unescaped(w, rec.f[k], sizeof(rec.f[k]));
	}
	struct state_rec *slot = array_append(&s->v, &s->n, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = rec;
	return 0;
}

/* The whole record with plain reads into one buffer: stdio's fstat and
 * stream setup were most of what reading a small file cost, and `status`
 * reads one per namespace. */
static int read_all(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, size = 0;

	for (;;) {
		if (len + 1 >= size) {
			char *t = realloc(text, size = size ? 2 * size : 4096);
			if (!t)
				return -ENOMEM;
			text = t;
		}
		ssize_t n = read(fd, text + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	*ret = TAKE_PTR(text);
	*ret_len = len;
	return 0;
}

int state_load(const char *name, struct state **ret, struct error *e)
{
	char path[PATH_MAX];
	_cleanup_state_ struct state *s = state_new(name);
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	unsigned lineno = 0;
	int r;

	if (!s)
		return err_set(e, -ENOMEM, "loading state");
	state_path(name, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : err_set(e, -errno, "reading %s", path);
	r = read_all(fd, &text, &len);
	if (r < 0)
		return err_set(e, r, "reading %s", path);
	for (char *line = text, *end = text + len; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		if (nl)
			*nl = '\0';
		lineno++;
		r = parse_line(s, line);
		if (r < 0)
			return err_set(e, r, "%s:%u: corrupt state record", path, lineno);
		line = nl ? nl + 1 : end;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

int state_remove(const char *name, struct error *e)
{
	char path[PATH_MAX];

	state_path(name, path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_set(e, -errno, "removing %s", path);
	/* A crash in state_save can leave its temporary file. */
	strncat(path, ".tmp", sizeof(path) - strlen(path) - 1);
	unlink(path);
	return 0;
}

int state_add(struct state *s, enum state_kind kind, const char *const f[STATE_FIELDS],
	      struct error *e)
{
	ssize_t i = state_find(s, kind, f[0] ? f[0] : "");
	struct state_rec old, *slot;
	int r;

	/* A record left by an interrupted run is updated, not duplicated. */
	if (i >= 0) {
		slot = &s->v[i];
		old = *slot;
	} else {
		slot = array_append(&s->v, &s->n, sizeof(*slot));
		if (!slot)
			return err_set(e, -ENOMEM, "recording state");
	}
	slot->kind = kind;
	for (int k = 0; k < STATE_FIELDS; k++)
		strscpy(slot->f[k], sizeof(slot->f[k]), f[k] ? f[k] : "");
	r = state_save(s, e);
	if (r < 0) {
		if (i >= 0)
			*slot = old;
		else
			s->n--;
	}
	return r;
}

int state_drop(struct state *s, size_t i, struct error *e)
{
	if (i >= s->n)
		return 0;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
	return state_save(s, e);
}

ssize_t state_find(const struct state *s, enum state_kind kind, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == kind && STREQ(s->v[i].f[0], key))
			return (ssize_t)i;
	return -1;
}
