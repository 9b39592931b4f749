/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Mode=proxy forwarder; see forward.h for the design in brief and
 * docs/FORWARD.md for the reasons. */
#include "forward.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

enum { CLIENT, UPSTREAM }; /* the two sides of a connection */

/* The first member of everything epoll points at, to tell them apart. */
enum tag_kind { TAG_LISTENER = 1, TAG_END, TAG_STOP, TAG_HELPER };

#define POOL_MAX 64               /* empty pipes kept for reuse */
#define STOCK_BATCH 16            /* namespace sockets asked for at a time */
#define PIPE_SIZE (256 << 10)     /* F_SETPIPE_SZ of a new pipe */
#define SPLICE_LEN (1u << 20)     /* per splice(); the pipe takes what fits */
#define PUMP_BUDGET (1u << 20)    /* bytes per connection per turn, for fairness */
#define ACCEPT_BATCH 64
#define SWEEP_MS 1000u
#define EVENTS_MAX 128

struct pub_state {
	const struct cfg_publish *pub;
	uint32_t n_conn;
};

struct listener {
	enum tag_kind tag;
	int fd;
	uint16_t up_port;
	bool passed; /* by systemd */
	bool paused; /* accept() ran out of fds: retried at the next sweep */
	struct pub_state *ps;
	char local[64];
};

/* A pipe and how many buffers it holds (F_GETPIPE_SZ / page size). */
struct fpipe {
	int fd[2]; /* -1 when none */
	unsigned slots;
};

struct conn;
struct end {
	enum tag_kind tag;
	int side;
	struct conn *c;
};

struct conn {
	struct end end[2];
	struct conn *prev, *next; /* every live connection */
	struct conn *next_ready;  /* on the ready list or the graveyard */
	struct listener *l;
	int fd[2];
	struct fpipe pipe[2];     /* pipe[d] carries fd[d] -> fd[!d] */
	size_t queued[2];         /* bytes in pipe[d] */
	/* Edge-triggered readiness: rd[d] is false once a read of fd[d] has
	 * shown it empty, wr[d] once a write to fd[d] found no room, until
	 * an event says otherwise; saves the calls that would fail with EAGAIN.
	 * hup[d]: an event showed fd[d]'s peer done sending. */
	bool rd[2], wr[2], hup[2];
	bool eof[2];              /* fd[d] has nothing more to read */
	bool shut[2];             /* shutdown(fd[!d], SHUT_WR) done */
	bool connecting, ready, dead;
	uint64_t since;           /* ms: connect start, then last byte moved */
};

struct fwd {
	const struct cfg *cfg;
	struct listener *ls;
	size_t n_ls;
	struct pub_state *ps;
	int ep;
	int helper_sock; /* our end of the socketpair to the helper thread */
	pthread_t helper;
	bool helper_started;
	enum tag_kind helper_tag;
	int stock[2 * STOCK_BATCH]; /* refilled below half, so at most 1.5 batches */
	size_t n_stock;
	bool stock_asked; /* a request is out; its answer is in helper_sock */
	struct fpipe pool[POOL_MAX];
	size_t n_pool;
	size_t n_paused;
	struct conn *conns, *ready, *graveyard;
	uint64_t now;
	struct fwd_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- systemd's sockets ------------------------------------------------------ */

int fwd_listen_fds(void)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	unsigned long pid, n;
	char *end;
	int r = 0;

	if (!pid_s || !fds_s)
		goto out;
	errno = 0;
	pid = strtoul(pid_s, &end, 10);
	if (errno || *end || end == pid_s) {
		r = -EINVAL;
		goto out;
	}
	/* For another process (we were exec'd by it with its environment). */
	if (pid != (unsigned long)getpid())
		goto out;
	n = strtoul(fds_s, &end, 10);
	if (errno || *end || end == fds_s || n > 4096) {
		r = -EINVAL;
		goto out;
	}
	for (int fd = 3; fd < 3 + (int)n; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
	r = (int)n;
out:
	/* Children must not take them for theirs. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return r;
}

/* ---- listeners ------------------------------------------------------------- */

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static void sockaddr_format(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, sockaddr_port(ss));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, sockaddr_port(ss));
	} else {
		snprintf(buf, size, "(family %d)", ss->ss_family);
	}
}

/* Does a passed socket bound to ss serve host port `port` of p? Without
 * HostAddress= any address does (ListenStream=PORT binds [::]). */
static bool passed_matches(const struct cfg_publish *p, uint16_t port, const struct sockaddr_storage *ss)
{
	if (sockaddr_port(ss) != port)
		return false;
	if (!p->host_addr.family)
		return true;
	if (p->host_addr.family != ss->ss_family)
		return false;
	if (ss->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)ss)->sin_addr, &p->host_addr.v4, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &p->host_addr.v6, 16) == 0;
}

/* The address to bind for p: HostAddress=, or [::] (or 0.0.0.0). */
static socklen_t listen_addr(const struct cfg_publish *p, int family, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_port = htons(port);
		if (p->host_addr.family == AF_INET)
			sin->sin_addr = p->host_addr.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = p->host_addr.family == AF_INET6 ? p->host_addr.v6 : in6addr_any;
	return sizeof(*sin6);
}

static int listener_bind(struct listener *l, uint16_t port, struct error *e)
{
	const struct cfg_publish *p = l->ps->pub;
	int family = p->host_addr.family ? p->host_addr.family : AF_INET6, one = 1;
	int v6only = p->host_addr.family == AF_INET6;
	struct sockaddr_storage ss;
	_cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	socklen_t len;

	if (fd < 0 && !p->host_addr.family && errno == EAFNOSUPPORT) {
		/* A kernel without IPv6: every address means every IPv4 one. */
		family = AF_INET;
		fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	len = listen_addr(p, family, port, &ss);
	sockaddr_format(&ss, l->local, sizeof(l->local));
	if (fd < 0)
		return err_set(e, -errno, "listening on %s", l->local);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
		int r = err_set(e, -errno, "listening on %s", l->local);
		err_at(e, p->host_port.loc.file, p->host_port.loc.line);
		return r;
	}
	l->fd = TAKE_FD(fd);
	return 0;
}

struct passed {
	int fd;
	bool used;
	struct sockaddr_storage addr;
};

/* Read what systemd passed: listening stream sockets only. */
static int passed_inspect(struct passed *v, int n, struct error *e)
{
	for (int i = 0; i < n; i++) {
		socklen_t len = sizeof(v[i].addr);
		int type = 0, acc = 0;
		socklen_t tl = sizeof(type), al = sizeof(acc);

		v[i].fd = 3 + i;
		if (getsockname(v[i].fd, (struct sockaddr *)&v[i].addr, &len) < 0 ||
		    getsockopt(v[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
		    getsockopt(v[i].fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0)
			return err_set(e, -errno, "inspecting passed fd %d", v[i].fd);
		if (type != SOCK_STREAM || !acc || (v[i].addr.ss_family != AF_INET && v[i].addr.ss_family != AF_INET6))
			return err_set(e, -EINVAL, "passed fd %d is not a listening TCP socket", v[i].fd);
	}
	return 0;
}

static int listener_setup(struct fwd *f, struct listener *l, uint16_t port, struct passed *v, int n,
			  struct error *e)
{
	for (int i = 0; i < n; i++) {
		if (v[i].used || !passed_matches(l->ps->pub, port, &v[i].addr))
			continue;
		v[i].used = true;
		l->fd = v[i].fd;
		l->passed = true;
		sockaddr_format(&v[i].addr, l->local, sizeof(l->local));
		/* systemd hands them over blocking; accept4() must not block. */
		if (fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK) < 0)
			return err_set(e, -errno, "making %s non-blocking", l->local);
		break;
	}
	if (l->fd < 0) {
		int r = listener_bind(l, port, e);
		if (r < 0)
			return r;
	}
	/* Pass segments on as they come: the peers chose their own sizes.
	 * Accepted sockets inherit TCP_NODELAY from the listener (Linux), so
	 * it costs no call per connection. */
	int one = 1;
	(void)setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };
	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, l->fd, &ev) < 0)
		return err_set(e, -errno, "watching %s", l->local);
	return 0;
}

static int listeners_setup(struct fwd *f, int n_fds, struct error *e)
{
	_cleanup_free_ struct passed *v = calloc((size_t)n_fds + 1, sizeof(*v));
	size_t k = 0;
	int r;

	if (!v)
		return err_set(e, -ENOMEM, "reading passed sockets");
	r = passed_inspect(v, n_fds, e);
	for (size_t i = 0; r == 0 && i < f->cfg->n_publish; i++) {
		const struct cfg_publish *p = &f->cfg->publish[i];
		if (p->mode.v != PUBLISH_PROXY)
			continue;
		f->ps[i].pub = p;
		for (unsigned o = 0; r == 0 && o <= (unsigned)(p->host_port.hi - p->host_port.lo); o++) {
			struct listener *l = &f->ls[k++];
			l->tag = TAG_LISTENER;
			l->ps = &f->ps[i];
			l->up_port = (uint16_t)(p->port.lo + o);
			r = listener_setup(f, l, (uint16_t)(p->host_port.lo + o), v, n_fds, e);
		}
	}
	for (int i = 0; r == 0 && i < n_fds; i++)
		if (!v[i].used) {
			char a[64];
			sockaddr_format(&v[i].addr, a, sizeof(a));
			r = err_set(e, -EADDRNOTAVAIL,
				    "systemd passed a socket on %s, which no [Publish] Mode=proxy entry has "
				    "(after editing the config, run 'systemctl daemon-reload')", a);
		}
	return r;
}

/* A listener's fd lives in f->ls only once listener_setup took it; close
 * the passed fds nobody took, so a failed start leaks nothing. */
static void passed_close_unused(const struct fwd *f, int n_fds)
{
	for (int fd = 3; fd < 3 + n_fds; fd++) {
		bool taken = false;
		for (size_t i = 0; i < f->n_ls; i++)
			taken |= f->ls[i].fd == fd;
		if (!taken)
			close(fd);
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	/* 2 sockets per connection and 2 fds per pipe in flight: MaxConnections=4096
	 * needs far more than the traditional soft limit of 1024. We never use
	 * select(), which is why that limit exists. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int fwd_new(const struct cfg *c, int n_fds, struct fwd **ret, struct error *e)
{
	_cleanup_fwd_ struct fwd *f = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < c->n_publish; i++)
		if (c->publish[i].mode.v == PUBLISH_PROXY)
			n += (size_t)(c->publish[i].host_port.hi - c->publish[i].host_port.lo) + 1;
	if (n == 0) {
		if (n_fds > 0)
			for (int fd = 3; fd < 3 + n_fds; fd++)
				close(fd);
		r = err_set(e, -ENOENT, "namespace '%s' publishes no port with Mode=proxy", c->name);
		if (e)
			e->kind = ERR_CONFIG;
		return r;
	}
	f = calloc(1, sizeof(*f));
	if (f) {
		f->ep = f->helper_sock = -1;
		f->ls = calloc(n, sizeof(*f->ls));
		f->ps = calloc(c->n_publish, sizeof(*f->ps));
	}
	if (!f || !f->ls || !f->ps) {
		for (int fd = 3; fd < 3 + n_fds; fd++)
			close(fd);
		return err_set(e, -ENOMEM, "allocating the forwarder");
	}
	f->cfg = c;
	f->n_ls = n;
	for (size_t i = 0; i < n; i++)
		f->ls[i].fd = -1;
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	if (f->ep < 0) {
		passed_close_unused(f, n_fds);
		return err_set(e, -errno, "creating the epoll instance");
	}
	raise_nofile();
	r = listeners_setup(f, n_fds, e);
	passed_close_unused(f, n_fds);
	if (r < 0)
		return r;
	f->now = now_ms();
	*ret = TAKE_PTR(f);
	return 0;
}

/* ---- the namespace thread ------------------------------------------------- */

/* Drop every capability of the calling thread: capabilities (and capset())
 * are per thread, so each thread does this for itself. The bounding set
 * needs CAP_SETPCAP to shrink; without it (as in netns-forward@.service,
 * whose bounding set is already CAP_SYS_ADMIN alone) it stays, which is
 * harmless: with an empty permitted set and no_new_privs nothing can take
 * it back, since we never execve(). */
static int drop_caps_thread(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM)
			return -errno;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

struct helper_args {
	int sock;  /* the thread's end of the socketpair; it closes it */
	int ns_fd; /* valid until the thread has reported */
};

/* Enters the namespace, reports, then answers "n sockets, please" with
 * their fd numbers (the fd table is shared) until our end closes. */
static void *helper_main(void *arg)
{
	const struct helper_args *a = arg;
	int s = a->sock, r;

	/* a lives on fwd_enter()'s stack, which waits for the report below. */
	r = setns(a->ns_fd, CLONE_NEWNET) < 0 ? -errno : 0;
	if (r == 0)
		r = drop_caps_thread();
	if (send(s, &r, sizeof(r), MSG_NOSIGNAL) < 0)
		r = -errno;
	while (r == 0) {
		uint32_t want;
		int fds[STOCK_BATCH];
		size_t n = 0;

		if (recv(s, &want, sizeof(want), 0) != (ssize_t)sizeof(want))
			break;
		while (n < want && n < STOCK_BATCH) {
			int one = 1;
			fds[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fds[n++] < 0) {
				fds[n - 1] = -errno;
				break;
			}
			/* Here rather than on the loop's thread, per connection. */
			(void)setsockopt(fds[n - 1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		if (send(s, fds, n * sizeof(int), MSG_NOSIGNAL) < 0) {
			for (size_t i = 0; i < n; i++)
				if (fds[i] >= 0)
					close(fds[i]);
			break;
		}
	}
	close(s);
	return NULL;
}

int fwd_enter(struct fwd *f, int ns_fd, struct error *e)
{
	struct helper_args a = { .ns_fd = ns_fd };
	int sv[2], r, status = 0;
	sigset_t all, old;

	if (f->helper_started)
		return err_set(e, -EALREADY, "entering the namespace");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_set(e, -errno, "creating the namespace thread's socket");
	f->helper_sock = sv[0];
	a.sock = sv[1];
	/* Signals are for the loop's thread, never the helper. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&f->helper, NULL, helper_main, &a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		close(sv[1]);
		return err_set(e, -r, "starting the namespace thread");
	}
	f->helper_started = true;
	if (recv(f->helper_sock, &status, sizeof(status), 0) != (ssize_t)sizeof(status))
		status = -EPIPE;
	if (status < 0)
		return err_set(e, status, status == -EPERM ? "entering the namespace (needs CAP_SYS_ADMIN)"
							    : "entering the namespace");
	r = drop_caps_thread();
	if (r < 0)
		return err_set(e, r, "dropping capabilities");
	/* Answers to stock_ask() arrive as events of the loop. */
	f->helper_tag = TAG_HELPER;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &f->helper_tag };
	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, f->helper_sock, &ev) < 0)
		return err_set(e, -errno, "watching the namespace thread");
	return 0;
}

/* Ask the helper thread for a batch of sockets, unless a request is out. */
static int stock_ask(struct fwd *f)
{
	uint32_t want = STOCK_BATCH;

	if (f->stock_asked)
		return 0;
	if (f->helper_sock < 0 || !f->helper_started)
		return -ENOTCONN;
	if (send(f->helper_sock, &want, sizeof(want), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return -errno;
	f->stock_asked = true;
	return 0;
}

/* Take the helper's answer into the stock: flags 0 waits for it,
 * MSG_DONTWAIT takes it only if it is there. */
static int stock_receive(struct fwd *f, int flags)
{
	int fds[STOCK_BATCH], r = 0;
	ssize_t n;

	if (!f->stock_asked)
		return 0;
	do
		n = recv(f->helper_sock, fds, sizeof(fds), flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -EPIPE;
	f->stock_asked = false;
	for (size_t i = 0; i < (size_t)n / sizeof(int); i++) {
		if (fds[i] >= 0)
			f->stock[f->n_stock++] = fds[i];
		else
			r = fds[i];
	}
	return r;
}

/* An unconnected TCP socket of the namespace, from the stock. Below half
 * a batch the loop asks for more and goes on; the answer arrives through
 * epoll (TAG_HELPER) while the helper thread runs on another CPU, so a
 * connection waits for the helper only when a burst empties the stock. */
static int stock_take(struct fwd *f)
{
	int fd, r;

	if (f->n_stock == 0) {
		r = stock_ask(f);
		if (r == 0)
			r = stock_receive(f, 0);
		if (f->n_stock == 0)
			return r < 0 ? r : -EIO;
	}
	fd = f->stock[--f->n_stock];
	if (f->n_stock < STOCK_BATCH / 2)
		(void)stock_ask(f);
	return fd;
}

/* ---- pipes ------------------------------------------------------------------ */

static int pool_get(struct fwd *f, struct fpipe *p)
{
	int sz;

	if (f->n_pool > 0) {
		*p = f->pool[--f->n_pool];
		return 0;
	}
	if (pipe2(p->fd, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	/* Fewer, larger splices for bulk transfers (as systemd-socket-proxyd
	 * does). Past pipe-user-pages-soft an unprivileged process may not grow
	 * a pipe: then the default 64 KiB (or less) does. */
	(void)fcntl(p->fd[1], F_SETPIPE_SZ, PIPE_SIZE);
	sz = fcntl(p->fd[1], F_GETPIPE_SZ);
	p->slots = sz > 0 ? (unsigned)sz / (unsigned)sysconf(_SC_PAGESIZE) : 1;
	return 0;
}

/* Give back an empty pipe (a pipe with data in it is closed instead). */
static void pool_put(struct fwd *f, struct fpipe *p, bool empty)
{
	if (empty && f->n_pool < POOL_MAX) {
		f->pool[f->n_pool++] = *p;
	} else {
		close(p->fd[0]);
		close(p->fd[1]);
	}
	p->fd[0] = p->fd[1] = -1;
}

/* ---- connections ------------------------------------------------------------- */

static void close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	/* An RST tells the peer the stream did not end normally; a FIN would
	 * look like a complete (if short) reply. */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void conn_kill(struct fwd *f, struct conn *c, bool reset)
{
	if (c->dead)
		return;
	for (int d = 0; d < 2; d++) {
		if (c->fd[d] >= 0)
			reset ? close_reset(c->fd[d]) : (void)close(c->fd[d]);
		c->fd[d] = -1;
		if (c->pipe[d].fd[0] >= 0)
			pool_put(f, &c->pipe[d], c->queued[d] == 0);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		f->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->l->ps->n_conn--;
	f->st.active--;
	c->dead = true;
	/* Events for it may still be in this round's batch: free it after. */
	if (!c->ready) {
		c->next_ready = f->graveyard;
		f->graveyard = c;
	}
}

/* Read fd[d] into its pipe. A splice that stops short of what was asked
 * while the pipe cannot be full (every buffer holds at least a byte) has
 * emptied the socket: whatever comes next raises a new edge. Except the
 * FIN: a splice that takes the last bytes takes the FIN with them and
 * only the next one returns 0, with no new edge in between; so once the
 * peer has shut down (EPOLLRDHUP), we read until EOF. */
static int conn_read(struct fwd *f, struct conn *c, int d, bool *progress)
{
	struct fpipe *p = &c->pipe[d];
	ssize_t n;

	if (p->fd[0] < 0) {
		int r = pool_get(f, p);
		if (r < 0)
			return r;
	}
	n = splice(c->fd[d], NULL, p->fd[1], NULL, SPLICE_LEN, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		c->queued[d] += (size_t)n;
		if ((size_t)n < SPLICE_LEN && c->queued[d] < p->slots && !c->hup[d])
			c->rd[d] = false;
	} else if (n == 0) {
		c->eof[d] = true;
	} else if (errno == EAGAIN) {
		/* Nothing to read, or the pipe is full (writing makes room). */
		if (c->queued[d] < p->slots)
			c->rd[d] = false;
	} else if (errno != EINTR) {
		return -errno;
	}
	*progress |= n >= 0;
	return 0;
}

/* Move what can be moved in direction d without blocking. */
static int conn_move(struct fwd *f, struct conn *c, int d, bool *progress, size_t *moved)
{
	struct fpipe *p = &c->pipe[d];
	ssize_t n;

	if (!c->eof[d] && c->rd[d]) {
		int r = conn_read(f, c, d, progress);
		if (r < 0)
			return r;
	}
	if (c->queued[d] > 0 && c->wr[!d]) {
		n = splice(p->fd[0], NULL, c->fd[!d], NULL, c->queued[d], SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n < 0 && errno == EAGAIN)
			c->wr[!d] = false;
		else if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0) {
			c->queued[d] -= (size_t)n;
			f->st.bytes[d] += (uint64_t)n;
			*moved += (size_t)n;
			*progress = true;
		}
	}
	/* An idle direction holds no pipe: idle connections cost two sockets. */
	if (c->queued[d] == 0 && p->fd[0] >= 0)
		pool_put(f, p, true);
	return 0;
}

static void ready_push(struct fwd *f, struct conn *c)
{
	if (c->ready)
		return;
	c->ready = true;
	c->next_ready = f->ready;
	f->ready = c;
}

static void conn_pump(struct fwd *f, struct conn *c)
{
	size_t moved = 0;
	bool progress;
	int r = 0;

	do {
		progress = false;
		for (int d = 0; d < 2 && r == 0; d++)
			r = conn_move(f, c, d, &progress, &moved);
	} while (r == 0 && progress && moved < PUMP_BUDGET);
	if (r < 0) {
		/* ECONNRESET, EPIPE: one side is gone mid-stream; tell the other. */
		conn_kill(f, c, true);
		return;
	}
	if (moved)
		c->since = f->now;
	/* Edge-triggered: nothing wakes us for data already waiting, so a
	 * connection that used its budget goes on the ready list. */
	if (progress)
		ready_push(f, c);
	for (int d = 0; d < 2; d++)
		if (c->eof[d] && c->queued[d] == 0 && !c->shut[d]) {
			/* Half-close: the other side sees EOF and may still answer.
			 * When the other way has ended too, close() below sends
			 * the FIN (both sockets were read to EOF, so no RST). */
			if (!c->shut[!d] && !(c->eof[!d] && c->queued[!d] == 0))
				(void)shutdown(c->fd[!d], SHUT_WR);
			c->shut[d] = true;
		}
	if (c->shut[CLIENT] && c->shut[UPSTREAM])
		conn_kill(f, c, false);
}

static int conn_watch(struct fwd *f, struct conn *c)
{
	for (int d = 0; d < 2; d++) {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			.data.ptr = &c->end[d],
		};
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, c->fd[d], &ev) < 0)
			return -errno;
	}
	return 0;
}

static int conn_connect(struct fwd *f, struct conn *c)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(c->l->up_port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = stock_take(f);

	if (fd < 0)
		return fd;
	c->fd[UPSTREAM] = fd;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	/* On loopback the handshake has usually completed by the time the
	 * first call returns (the SYN-ACK waits in the socket's backlog until
	 * then); asking again says so, or EALREADY, without a trip through
	 * epoll_wait for EPOLLOUT. */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno == EISCONN)
		return 0;
	if (errno != EALREADY && errno != EINPROGRESS)
		return -errno;
	c->connecting = true;
	return 0;
}

static void conn_open(struct fwd *f, struct listener *l, int cfd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		close_reset(cfd);
		f->st.upstream_fail++;
		return;
	}
	for (int d = 0; d < 2; d++) {
		c->end[d] = (struct end){ .tag = TAG_END, .side = d, .c = c };
		c->pipe[d].fd[0] = c->pipe[d].fd[1] = -1;
	}
	c->fd[CLIENT] = cfd;
	c->fd[UPSTREAM] = -1;
	/* The client may have sent already; the upstream's first bytes (if
	 * it speaks first) are reported by EPOLL_CTL_ADD's own poll. */
	c->rd[CLIENT] = c->wr[CLIENT] = c->wr[UPSTREAM] = true;
	c->l = l;
	c->since = f->now;
	c->next = f->conns;
	if (f->conns)
		f->conns->prev = c;
	f->conns = c;
	l->ps->n_conn++;
	f->st.active++;
	if (conn_connect(f, c) < 0 || conn_watch(f, c) < 0) {
		f->st.upstream_fail++;
		conn_kill(f, c, true);
		return;
	}
	if (!c->connecting)
		conn_pump(f, c);
}

static void conn_event(struct fwd *f, struct end *end, uint32_t events)
{
	struct conn *c = end->c;

	if (c->dead)
		return;
	/* An error or hangup shows in whichever call comes next. */
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->rd[end->side] = true;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->wr[end->side] = true;
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->hup[end->side] = true;
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (end->side != UPSTREAM)
			return; /* the client's data waits in its socket until then */
		if (getsockopt(c->fd[UPSTREAM], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err || (events & (EPOLLERR | EPOLLHUP))) {
			f->st.upstream_fail++;
			conn_kill(f, c, true);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connecting = false;
	}
	conn_pump(f, c);
}

/* ---- the loop ---------------------------------------------------------------- */

static void listener_pause(struct fwd *f, struct listener *l, bool pause)
{
	struct epoll_event ev = { .events = pause ? 0 : EPOLLIN, .data.ptr = l };

	if (l->paused == pause || epoll_ctl(f->ep, EPOLL_CTL_MOD, l->fd, &ev) < 0)
		return;
	l->paused = pause;
	f->n_paused += pause ? 1 : (size_t)-1;
}

static void on_accept(struct fwd *f, struct listener *l)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			int err = errno;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
				/* Level-triggered, this would spin: wait for the sweep. */
				listener_pause(f, l, true);
			if (err == ECONNABORTED || err == EINTR || err == EPERM)
				continue;
			return;
		}
		f->st.accepted++;
		if (l->ps->n_conn >= l->ps->pub->max_conn.v) {
			f->st.refused++;
			close_reset(fd);
			continue;
		}
		conn_open(f, l, fd);
		/* One connection per event: the listener is level-triggered, so
		 * the next epoll_wait() reports it again while more wait, and
		 * one client at a time costs no accept4() failing with EAGAIN. */
		return;
	}
}

static void sweep(struct fwd *f)
{
	for (struct conn *c = f->conns, *next; c; c = next) {
		uint32_t idle = c->l->ps->pub->idle_timeout.v;
		next = c->next;
		if (c->connecting && f->now - c->since >= FWD_CONNECT_TIMEOUT_MS) {
			f->st.upstream_fail++;
			conn_kill(f, c, true);
		} else if (!c->connecting && idle && f->now - c->since >= (uint64_t)idle * 1000u) {
			f->st.idle_closed++;
			conn_kill(f, c, false);
		}
	}
	for (size_t i = 0; f->n_paused && i < f->n_ls; i++)
		listener_pause(f, &f->ls[i], false);
}

static void run_ready(struct fwd *f)
{
	struct conn *c = f->ready;

	f->ready = NULL;
	while (c) {
		struct conn *next = c->next_ready;
		c->ready = false;
		if (c->dead) {
			c->next_ready = f->graveyard;
			f->graveyard = c;
		} else {
			conn_pump(f, c);
		}
		c = next;
	}
}

static void bury(struct fwd *f)
{
	while (f->graveyard) {
		struct conn *c = f->graveyard;
		f->graveyard = c->next_ready;
		free(c);
	}
}

static bool dispatch(struct fwd *f, struct epoll_event *ev)
{
	enum tag_kind *tag = ev->data.ptr;

	switch (*tag) {
	case TAG_LISTENER:
		on_accept(f, (struct listener *)tag);
		break;
	case TAG_END:
		conn_event(f, (struct end *)tag, ev->events);
		break;
	case TAG_STOP:
		return true;
	case TAG_HELPER:
		(void)stock_receive(f, MSG_DONTWAIT); /* an error shows at the next take */
		/* A helper gone would keep this level-triggered event firing. */
		if (ev->events & (EPOLLHUP | EPOLLERR))
			(void)epoll_ctl(f->ep, EPOLL_CTL_DEL, f->helper_sock, NULL);
		break;
	}
	return false;
}

int fwd_run(struct fwd *f, int stop_fd, struct error *e)
{
	static enum tag_kind stop_tag = TAG_STOP;
	struct epoll_event ev[EVENTS_MAX], sev = { .events = EPOLLIN, .data.ptr = &stop_tag };
	uint64_t last_sweep = now_ms();
	bool stop = false;
	int r = 0;

	if (epoll_ctl(f->ep, EPOLL_CTL_ADD, stop_fd, &sev) < 0)
		return err_set(e, -errno, "watching the stop signal");
	while (!stop) {
		int timeout = f->ready ? 0 : (f->conns || f->n_paused) ? (int)SWEEP_MS : -1;
		int n = epoll_wait(f->ep, ev, EVENTS_MAX, timeout);

		if (n < 0 && errno != EINTR) {
			r = err_set(e, -errno, "waiting for events");
			break;
		}
		f->now = now_ms();
		for (int i = 0; i < n; i++)
			stop |= dispatch(f, &ev[i]);
		run_ready(f);
		if (f->now - last_sweep >= SWEEP_MS) {
			sweep(f);
			last_sweep = f->now;
		}
		bury(f);
	}
	while (f->conns)
		conn_kill(f, f->conns, true);
	run_ready(f);
	bury(f);
	(void)epoll_ctl(f->ep, EPOLL_CTL_DEL, stop_fd, NULL);
	return r;
}

/* ---- info and teardown ------------------------------------------------------- */

void fwd_get_stats(const struct fwd *f, struct fwd_stats *ret)
{
	*ret = f->st;
}

size_t fwd_n_listeners(const struct fwd *f)
{
	return f->n_ls;
}

void fwd_listener_info(const struct fwd *f, size_t i, struct fwd_listener_info *ret)
{
	const struct listener *l = &f->ls[i];

	memset(ret, 0, sizeof(*ret));
	strscpy(ret->local, sizeof(ret->local), l->local);
	ret->upstream_port = l->up_port;
	ret->passed = l->passed;
	ret->pub = l->ps->pub;
}

void fwd_free(struct fwd *f)
{
	if (!f)
		return;
	while (f->conns)
		conn_kill(f, f->conns, true);
	run_ready(f);
	bury(f);
	for (size_t i = 0; f->ls && i < f->n_ls; i++)
		if (f->ls[i].fd >= 0)
			close(f->ls[i].fd);
	while (f->n_pool > 0)
		pool_put(f, &f->pool[--f->n_pool], false);
	/* The sockets of an answer not yet taken are in our fd table too. */
	(void)stock_receive(f, 0);
	while (f->n_stock > 0)
		close(f->stock[--f->n_stock]);
	/* Closing our end ends the helper's recv() loop. */
	if (f->helper_sock >= 0)
		close(f->helper_sock);
	if (f->helper_started)
		pthread_join(f->helper, NULL);
	if (f->ep >= 0)
		close(f->ep);
	free(f->ls);
	free(f->ps);
	free(f);
}
