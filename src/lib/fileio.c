/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fileio.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

int write_atomic(const char *path, const char *suffix, const char *content, bool durable, struct error *e)
{
	char tmp[PATH_MAX + 32];
	size_t len = strlen(content);
	_cleanup_close_ int fd = -1;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s%s", path, suffix) >= (int)sizeof(tmp))
		return err_set(e, -ENAMETOOLONG, "writing %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return err_set(e, -errno, "writing %s", tmp);
	errno = 0;
	if (fchmod(fd, 0644) < 0 || write(fd, content, len) != (ssize_t)len || (durable && fsync(fd) < 0)) {
		r = errno ? -errno : -EIO;
		unlink(tmp);
		return err_set(e, r, "writing %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return err_set(e, r, "renaming %s to %s", tmp, path);
	}
	return 0;
}

int send_all(int fd, const void *buf, size_t len)
{
	for (const char *p = buf; len > 0;) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_exact(int fd, void *buf, size_t len)
{
	for (char *p = buf; len > 0;) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
