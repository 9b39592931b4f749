/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "netlink.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "fault.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

int nl_open(struct nl_sock *s, int protocol, struct error *e)
{
	int one = 1;

	memset(s, 0, sizeof(*s));
	if (mnll_load() < 0)
		return err_set(e, -errno, "loading libmnl.so.0");
	s->mnl = mnl_socket_open2(protocol, SOCK_CLOEXEC);
	if (!s->mnl)
		return err_set(e, -errno, "opening netlink socket");
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		nl_close(s);
		return err_set(e, r, "binding netlink socket");
	}
	/* Best effort: older kernels lack these, and we work without them. */
	mnl_socket_setsockopt(s->mnl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->mnl, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = (unsigned)time(NULL);
	s->rxbuf = malloc(NL_BUFSZ);
	if (!s->rxbuf) {
		nl_close(s);
		return err_set(e, -ENOMEM, "allocating netlink buffer");
	}
	return 0;
}

int nl_open_in(struct nl_sock *s, int protocol, int ns_fd, struct error *e)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return err_set(e, -errno, "opening own network namespace");
	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return err_set(e, -errno, "entering network namespace");
	r = nl_open(s, protocol, e);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Cannot happen for a namespace we were just in; never continue
		 * in the wrong namespace. */
		perror("netnsctl: returning to own network namespace");
		abort();
	}
	return r;
}

void nl_close(struct nl_sock *s)
{
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s->rxbuf);
	memset(s, 0, sizeof(*s));
}

struct nlmsghdr *nl_msg_start(void *buf, uint16_t type, uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

/* Copy NLMSGERR_ATTR_MSG from an extended ACK into e->kernel. */
static void capture_extack(const struct nlmsghdr *nlh, struct error *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (!e || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
			strscpy(e->kernel, sizeof(e->kernel), mnl_attr_get_str(attr));
			size_t n = strlen(e->kernel);
			while (n && (e->kernel[n - 1] == '\n' || e->kernel[n - 1] == ' '))
				e->kernel[--n] = '\0';
		}
	}
}

struct rx_ctx {
	mnl_cb_t cb;
	void *data;
	struct error *e;
	int error;
};

static int rx_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rx_ctx *ctx = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		ctx->error = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error < 0) {
		ctx->error = err->error;
		capture_extack(nlh, ctx->e);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int rx_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rx_ctx *ctx = data;

	/* A dump that failed part-way reports the error in DONE's payload. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(const int *)mnl_nlmsg_get_payload(nlh);
		if (err < 0) {
			ctx->error = err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int rx_noop_cb(const struct nlmsghdr *nlh _unused_, void *data _unused_)
{
	return MNL_CB_OK;
}

static int rx_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rx_ctx *ctx = data;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
		ctx->error = -EINTR;
	}
	return ctx->cb ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

/* Receive until ACK/DONE for seq. Returns 0 or -errno. */
static int nl_receive(struct nl_sock *s, unsigned seq, struct rx_ctx *ctx)
{
	static mnl_cb_t ctl_cb[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = rx_noop_cb,
		[NLMSG_ERROR] = rx_error_cb,
		[NLMSG_DONE] = rx_done_cb,
		[NLMSG_OVERRUN] = rx_noop_cb,
	};
	int r;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->mnl, s->rxbuf, NL_BUFSZ);
		if (n < 0)
			return errno == EINTR ? -EINTR : -errno;
		r = mnl_cb_run2(s->rxbuf, (size_t)n, seq, s->portid, rx_data_cb, ctx, ctl_cb,
				ELEMENTSOF(ctl_cb));
		if (r == MNL_CB_ERROR)
			return ctx->error ? ctx->error : (errno ? -errno : -EIO);
		if (r == MNL_CB_STOP)
			return ctx->error == -EINTR ? -EINTR : 0;
	}
}

static int nl_send(struct nl_sock *s, struct nlmsghdr *req)
{
	req->nlmsg_seq = ++s->seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(s->mnl, req, req->nlmsg_len) < 0)
		return -errno;
	return 0;
}

int nl_request(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data, struct error *e)
{
	struct rx_ctx ctx = { .cb = cb, .data = data, .e = e };
	int r;

	req->nlmsg_flags |= NLM_F_ACK;
	r = nl_send(s, req);
	if (r < 0)
		return err_set(e, r, "sending netlink request");
	return nl_receive(s, req->nlmsg_seq, &ctx);
}

int nl_transact(struct nl_sock *s, struct nlmsghdr *req, struct error *e)
{
	int r = fault_check("netlink", e);
	if (r < 0)
		return r;
	return nl_request(s, req, NULL, NULL, e);
}

int nl_dump(struct nl_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void (*reset)(void *data),
	    void *data, struct error *e)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		struct rx_ctx ctx = { .cb = cb, .data = data, .e = e };
		int r;

		req->nlmsg_flags |= NLM_F_DUMP;
		r = nl_send(s, req);
		if (r < 0)
			return err_set(e, r, "sending netlink dump request");
		r = nl_receive(s, req->nlmsg_seq, &ctx);
		if (r != -EINTR)
			return r < 0 ? err_set(e, r, "reading netlink dump") : 0;
		/* Interrupted dump: drain nothing more (DONE was seen), start over. */
		if (reset)
			reset(data);
	}
	return err_set(e, -EAGAIN, "netlink dump kept being interrupted");
}
