/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CNI plugin mode (issue 11): netnsctl run by a container runtime, as
 * netnsctl-cni or with CNI_COMMAND set. The network config arrives on
 * stdin, the rest in CNI_* variables; the result or the spec's error
 * object goes to stdout. The config becomes a struct cfg (src/lib/cni.c)
 * and goes through the same cfg_validate, apply_up and apply_down as
 * `netnsctl up` and `down`, under the same global lock. */
#include <fcntl.h>
#include <stdlib.h>

#include "apply.h"
#include "cli.h"
#include "cni.h"
#include "netns.h"

/* Print the error object on stdout (the protocol) and the message on
 * stderr (runtimes log it); exit status 1. */
static int fail(const struct cni_conf *conf, const struct cni_error *ce)
{
	_cleanup_free_ char *doc = cni_error_json(conf ? conf->version : NULL, ce);

	if (doc)
		fputs(doc, stdout);
	fprintf(stderr, "netnsctl-cni: %s\n", ce->msg);
	return EXIT_OP;
}

static int read_stdin(char **ret, size_t *ret_len, struct cni_error *ce)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return cni_fail(ce, CNI_ERR_IO, "out of memory");
	for (;;) {
		if (len == cap) {
			char *n = cap >= CNI_MAX_CONFIG ? NULL : realloc(buf, cap * 2);
			if (!n) {
				free(buf);
				return cni_fail(ce, CNI_ERR_DECODE, "network config larger than %u bytes", CNI_MAX_CONFIG);
			}
			buf = n;
			cap *= 2;
		}
		ssize_t r = read(STDIN_FILENO, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return cni_fail(ce, CNI_ERR_IO, "reading stdin: %s", strerror(errno));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int take_lock(int *fd, struct cni_error *ce)
{
	struct error e = { 0 };

	if (lock_take(fd, &e) < 0) {
		cni_error_from(ce, NULL, &e, CNI_ERR_IO);
		return -1;
	}
	return 0;
}

/* ADD: apply, record the attachment, print the result. Anything that fails
 * after apply_up takes the attachment down again, so a failed ADD leaves
 * nothing behind (the runtime will not send DEL for it). */
static int cni_add(struct cni_conf *conf, const struct cni_env *env, struct cni_error *ce)
{
	_cleanup_close_ int lock = -1, nsfd = -1;
	_cleanup_free_ char *out = NULL;
	struct error e = { 0 };

	if (cni_conf_build(conf, env, ce) < 0)
		return -1;
	nsfd = open(env->netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return cni_fail(ce, CNI_ERR_UNKNOWN, "CNI_NETNS %.200s: %s", env->netns, strerror(errno));
	if (take_lock(&lock, ce) < 0)
		return -1;
	if (apply_up(conf->cfg, NULL, &e) < 0) {
		cni_error_from(ce, conf, &e, CNI_ERR_APPLY);
		return -1;
	}
	if (cni_attach_save(conf, env, &e) < 0 || cni_result(conf, env, &out, &e) < 0) {
		cni_error_from(ce, conf, &e, CNI_ERR_IO);
		apply_down(conf->cfg->name, false, NULL);
		cni_attach_remove(conf->cfg->name, NULL);
		return -1;
	}
	fputs(out, stdout);
	putchar('\n');
	return 0;
}

/* DEL needs only the container ID and interface name: the state record
 * says what to undo. A second DEL, or one after the namespace is gone,
 * finds less to do and succeeds. */
static int cni_del(const struct cni_env *env, struct cni_error *ce)
{
	_cleanup_close_ int lock = -1;
	char name[NS_NAME_MAX + 1];
	struct error e = { 0 };

	cni_state_name(env->containerid, env->ifname, name);
	if (take_lock(&lock, ce) < 0)
		return -1;
	if (apply_down(name, false, &e) < 0 || cni_attach_remove(name, &e) < 0) {
		cni_error_from(ce, NULL, &e, CNI_ERR_APPLY);
		return -1;
	}
	return 0;
}

static int cni_chk(struct cni_conf *conf, const struct cni_env *env, struct cni_error *ce)
{
	_cleanup_close_ int lock = -1;
	struct error e = { 0 };

	if (strcmp(conf->version, "0.4.0") < 0)
		return cni_fail(ce, CNI_ERR_VERSION, "CHECK needs cniVersion 0.4.0 or later, not %s", conf->version);
	if (cni_conf_build(conf, env, ce) < 0)
		return -1;
	if (access(env->netns, F_OK) < 0)
		return cni_fail(ce, CNI_ERR_UNKNOWN, "CNI_NETNS %.200s: %s", env->netns, strerror(errno));
	if (take_lock(&lock, ce) < 0)
		return -1;
	if (cni_check(conf, env, &e) < 0) {
		cni_error_from(ce, conf, &e, CNI_ERR_CHECK);
		return -1;
	}
	return 0;
}

static int cni_gc_cmd(struct cni_conf *conf, struct cni_error *ce)
{
	_cleanup_close_ int lock = -1;
	struct error e = { 0 };

	if (strcmp(conf->version, "1.1.0") < 0)
		return cni_fail(ce, CNI_ERR_VERSION, "GC needs cniVersion 1.1.0, not %s", conf->version);
	if (take_lock(&lock, ce) < 0)
		return -1;
	if (cni_gc(conf, &e) < 0) {
		cni_error_from(ce, conf, &e, CNI_ERR_APPLY);
		return -1;
	}
	return 0;
}

static int dispatch(struct cni_conf *conf, const struct cni_env *env, struct cni_error *ce)
{
	switch (env->cmd) {
	case CNI_ADD:
		return cni_add(conf, env, ce);
	case CNI_DEL:
		return cni_del(env, ce);
	case CNI_CHECK:
		return cni_chk(conf, env, ce);
	case CNI_GC:
		return cni_gc_cmd(conf, ce);
	case CNI_STATUS:
		/* Nothing to wait for: no daemon, no IP pool. */
		if (strcmp(conf->version, "1.1.0") < 0)
			return cni_fail(ce, CNI_ERR_VERSION, "STATUS needs cniVersion 1.1.0, not %s", conf->version);
		return 0;
	default:
		return cni_fail(ce, CNI_ERR_ENV, "unexpected CNI_COMMAND");
	}
}

/* VERSION: stdin holds at most {"cniVersion": "..."}; answer with the
 * versions we speak. */
static int cni_version(const char *in, size_t len)
{
	_cleanup_cni_conf_ struct cni_conf *conf = NULL;
	struct cni_error ignored = { 0 };
	_cleanup_free_ char *doc = NULL;

	cni_conf_load(in, len, &conf, &ignored);
	doc = cni_version_json(conf ? conf->version : NULL);
	if (!doc)
		return EXIT_OP;
	fputs(doc, stdout);
	return 0;
}

int cni_main(int argc _unused_, char **argv _unused_)
{
	_cleanup_cni_conf_ struct cni_conf *conf = NULL;
	_cleanup_free_ char *in = NULL;
	struct cni_env env;
	struct cni_error ce = { 0 };
	size_t len = 0;

	if (cni_env_read(&env, &ce) < 0 || read_stdin(&in, &len, &ce) < 0)
		return fail(NULL, &ce);
	if (env.cmd == CNI_VERSION)
		return cni_version(in, len);
	if (cni_conf_load(in, len, &conf, &ce) < 0) {
		/* A DEL must not be refused for a config it does not need. */
		if (env.cmd == CNI_DEL && ce.code != CNI_ERR_VERSION && ce.code != CNI_ERR_IO) {
			memset(&ce, 0, sizeof(ce));
			return cni_del(&env, &ce) < 0 ? fail(NULL, &ce) : 0;
		}
		return fail(NULL, &ce);
	}
	if (dispatch(conf, &env, &ce) < 0)
		return fail(conf, &ce);
	return 0;
}
