/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files under /etc/netns/NAME/ for `up`: written atomically, recorded in
 * the state before they are written, restored on rollback, removed by
 * `down`. A file netnsctl did not write is never overwritten. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "apply_int.h"
#include "dns.h"
#include "fault.h"
#include "fileio.h"

/* Remove a file, or a directory if it is empty; absent is success. A
 * directory that still holds files the user put there is left alone. */
int file_remove(const char *path, struct error *e)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return err_set(e, -errno, "removing %s", path);
	if (rmdir(path) == 0 || errno == ENOENT || errno == ENOTEMPTY || errno == EEXIST)
		return 0;
	return err_set(e, -errno, "removing %s", path);
}

int file_write_atomic(const char *path, const char *content, struct error *e)
{
	int r = fault_check("file", e);

	return r < 0 ? r : write_atomic(path, ".netnsctl-tmp", content, false, e);
}

/* Whole file into a string, or NULL with errno (ENOENT if absent). */
static char *read_small(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(65536);
	if (!buf)
		return NULL;
	n = read(fd, buf, 65535);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int ensure_dir(struct apply_ctx *ctx, const char *dir, struct error *e)
{
	struct undo u = { .kind = U_DIR };
	int r;

	if (access(dir, F_OK) == 0)
		return 0;
	if (mkdir(etc_netns_dir(), 0755) < 0 && errno != EEXIST)
		return err_set(e, -errno, "creating %s", etc_netns_dir());
	r = state_add(ctx->st, ST_FILE, (const char *[STATE_FIELDS]){ dir, "dir" }, e);
	if (r < 0)
		return r;
	if (mkdir(dir, 0755) < 0)
		return err_set(e, -errno, "creating %s", dir);
	strscpy(u.key, sizeof(u.key), dir);
	return undo_push(ctx, &u, e);
}

static int write_one(struct apply_ctx *ctx, const struct ns_file *f, struct error *e)
{
	_cleanup_free_ char *old = read_small(f->path);
	bool ours = state_find(ctx->st, ST_FILE, f->path) >= 0;
	struct undo u = { .kind = U_FILE };
	int r;

	if (old && STREQ(old, f->content))
		return 0;
	if (!old && errno != ENOENT)
		return err_set(e, -errno, "reading %s", f->path);
	if (old && !ours)
		return err_cfg(e, f->loc.file, f->loc.line,
			       "%s exists and was not written by netnsctl; remove it or drop this section",
			       f->path);
	if (!ours) {
		r = state_add(ctx->st, ST_FILE, (const char *[STATE_FIELDS]){ f->path, "file" }, e);
		if (r < 0)
			return r;
	}
	r = file_write_atomic(f->path, f->content, e);
	if (r < 0)
		return r;
	strscpy(u.key, sizeof(u.key), f->path);
	u.blob = TAKE_PTR(old);
	r = undo_push(ctx, &u, e);
	if (r < 0)
		free(u.blob);
	return r;
}

/* Files recorded earlier that the config no longer asks for. */
static int remove_stale(struct apply_ctx *ctx, const struct ns_file *v, size_t n, struct error *e)
{
	for (size_t k = ctx->st->n; k-- > 0;) {
		const struct state_rec *rec = &ctx->st->v[k];
		bool wanted = false;
		if (rec->kind != ST_FILE)
			continue;
		if (STREQ(rec->f[1], "dir"))
			wanted = n > 0;
		for (size_t i = 0; i < n; i++)
			wanted |= STREQ(v[i].path, rec->f[0]);
		if (wanted)
			continue;
		/* Removed, but kept for a rollback: content and record come back. */
		bool dir = STREQ(rec->f[1], "dir");
		struct undo u = { .kind = dir ? U_DIR_READD : U_FILE_READD };
		strscpy(u.key, sizeof(u.key), rec->f[0]);
		if (!dir)
			u.blob = read_small(rec->f[0]);
		int r = file_remove(rec->f[0], e);
		if (r == 0)
			r = undo_push(ctx, &u, e);
		if (r < 0) {
			free(u.blob);
			return r;
		}
		state_drop(ctx->st, k, NULL);
	}
	return 0;
}

int files_apply(struct apply_ctx *ctx, struct error *e)
{
	struct ns_file *v = NULL;
	size_t n = 0;
	char dir[PATH_MAX];
	int r = dns_render(ctx->c, &v, &n, e);

	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/%s", etc_netns_dir(), ctx->c->name);
	if (n > 0)
		r = ensure_dir(ctx, dir, e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = write_one(ctx, &v[i], e);
	if (r == 0)
		r = remove_stale(ctx, v, n, e);
	ns_files_free(v, n);
	return r;
}
