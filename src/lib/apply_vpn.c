/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kind=wireguard and Kind=tun for `up`.
 *
 * Both are made in the host namespace under a temporary name and then moved
 * in (renamed to Name= on the way). For WireGuard this is the whole point:
 * the encrypted UDP socket belongs to the namespace the device was created
 * in and stays there, so the only way out of the namespace is the tunnel.
 *
 * - kernel: RTM_NEWLINK kind "wireguard", configured over the "wireguard"
 *   generic-netlink family while it is still in the host, then moved.
 * - userspace: wireguard-go, started in the host (it opens the UDP socket
 *   here), configured over its UAPI socket, and its TUN device moved in. It
 *   notices the TUN going up and down across namespaces by itself.
 * - tun: a persistent TUN device owned by User=/Group=.
 *
 * The host-side name is derived from the namespace and link names, so it
 * is stable: for wireguard-go it names the UAPI socket
 * (/var/run/wireguard/HOSTNAME.sock, for `wg show HOSTNAME`).
 *
 * Routes for AllowedIPs are added once the link is up; they carry
 * VPN_ROUTE_PROTO so that the generic route reconcile (which owns
 * ROUTE_PROTO_NETNSCTL routes) leaves them alone. */
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "apply_int.h"
#include "fault.h"
#include "tun.h"
#include "wg.h"

#define WG_GO "wireguard-go"
#define READY_TIMEOUT_MS 10000

void vpn_host_name(const char *ns, const struct cfg_link *l, char out[IFNAME_MAX + 1])
{
	char key[NS_NAME_MAX + IFNAME_MAX + 4];

	snprintf(key, sizeof(key), "%s/%s", ns, l->name.v);
	snprintf(out, IFNAME_MAX + 1, "%s%08x", l->kind.v == LINK_TUN ? "ntun" : "nwg", str_hash(key));
}

static int vpn_fail(const struct cfg_link *l, const struct cfg_loc *loc, struct error *e, const char *msg)
{
	const struct cfg_loc *at = loc && loc->line ? loc : &l->kind.loc;
	return err_cfg(e, at->file, at->line, "%s", msg);
}

/* ---- choosing an implementation ------------------------------------------ */

/* Absolute path of wireguard-go from $PATH, or -ENOENT. */
static int find_wg_go(char *buf, size_t size)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/') /* a relative PATH entry would depend on the cwd */
			continue;
		if (snprintf(buf, size, "%s/%s", d, WG_GO) < (int)size && access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* The kernel's WireGuard family id, or -ENOENT without the module. */
static int kernel_family(uint16_t *ret, struct error *e)
{
	struct nl_sock genl;
	int r = nl_open(&genl, NETLINK_GENERIC, e);

	if (r < 0)
		return r;
	r = wg_genl_family(&genl, ret, e);
	nl_close(&genl);
	return r;
}

/* Decide kernel or wireguard-go for l; *ret_kernel says which. */
static int choose_impl(const struct cfg_link *l, bool *ret_kernel, char *wg_go, size_t size, struct error *e)
{
	uint16_t family;
	int r = 0;

	if (l->impl.v != WG_IMPL_USERSPACE) {
		r = kernel_family(&family, e);
		if (r < 0 && r != -ENOENT)
			return r;
		*ret_kernel = r == 0;
		if (r == 0 || l->impl.v == WG_IMPL_KERNEL)
			return r == 0 ? 0
				      : vpn_fail(l, &l->impl.loc, e,
						 "Implementation=kernel, but this kernel has no WireGuard (the 'wireguard' module is not loaded); use Implementation=userspace for wireguard-go");
	}
	*ret_kernel = false;
	if (find_wg_go(wg_go, size) < 0)
		return vpn_fail(l, &l->impl.loc, e,
				l->impl.v == WG_IMPL_USERSPACE
					? "Implementation=userspace needs wireguard-go, which is not in $PATH (install the wireguard-go package)"
					: "this kernel has no WireGuard and wireguard-go is not in $PATH (load the 'wireguard' module or install wireguard-go)");
	return 0;
}

static int tun_owner(const struct cfg_link *l, uid_t *uid, gid_t *gid, struct error *e)
{
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (l->user.v && tun_resolve_user(l->user.v, uid, e) < 0) {
		err_reset(e);
		return vpn_fail(l, &l->user.loc, e, "User= names no user on this system");
	}
	if (l->group.v && tun_resolve_group(l->group.v, gid, e) < 0) {
		err_reset(e);
		return vpn_fail(l, &l->group.loc, e, "Group= names no group on this system");
	}
	return 0;
}

int vpn_preflight(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	char host[IFNAME_MAX + 1], path[PATH_MAX];
	struct wg_device d;
	bool kernel;
	uid_t uid;
	gid_t gid;
	int r;

	vpn_host_name(ctx->c->name, l, host);
	if (l->kind.v == LINK_TUN) {
		r = tun_owner(l, &uid, &gid, e);
		if (r < 0)
			return r;
		if (access(TUN_DEVICE, R_OK | W_OK) < 0)
			return err_set(e, -errno, "Kind=tun needs %s", TUN_DEVICE);
		return 0;
	}
	/* Read the keys now, so that a bad key file stops `up` before
	 * anything is changed; they are read again when used. */
	r = wg_device_load(l, host, &d, e);
	wg_device_wipe(&d);
	if (r < 0)
		return r;
	return choose_impl(l, &kernel, path, sizeof(path), e);
}

/* ---- moving in, routes ---------------------------------------------------- */

/* Move host device `tmp` into the namespace as Name=, with the marker
 * alias, and bring it up. Undo deletes it inside. */
static int move_in(struct apply_ctx *ctx, const struct cfg_link *l, const char *tmp, int *ret_ifindex,
		   struct error *e)
{
	struct link_req req = LINK_REQ_INIT;
	char alias[400];
	int ifindex, r;

	r = link_index(&ctx->host, tmp, &ifindex, e);
	if (r < 0)
		return err_set(e, r, "looking up '%s'", tmp);
	snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s", ctx->c->name);
	req.ns_fd = ctx->ns_fd;
	req.name = l->name.v;
	req.alias = alias;
	r = link_set(&ctx->host, ifindex, &req, e);
	if (r < 0)
		return err_set(e, r, "moving '%s' into the namespace as '%s'", tmp, l->name.v);
	struct undo u = { .kind = U_NSLINK };
	strscpy(u.name, sizeof(u.name), l->name.v);
	r = undo_push(ctx, &u, e);
	if (r < 0)
		return r;
	/* Inside, the device dies with the namespace: no host record needed. */
	ssize_t i = state_find(ctx->st, ST_HOSTLINK, tmp);
	if (i >= 0 && (r = state_drop(ctx->st, (size_t)i, e)) < 0)
		return r;
	r = link_index(&ctx->ns, l->name.v, ret_ifindex, e);
	if (r < 0)
		return err_set(e, r, "looking up '%s' inside", l->name.v);
	/* Up now rather than in the common link code: routes need it. */
	struct link_req up = LINK_REQ_INIT;
	up.up = 1;
	r = link_set(&ctx->ns, *ret_ifindex, &up, e);
	return r < 0 ? err_set(e, r, "bringing up '%s'", l->name.v) : 0;
}

static bool allowed_equal(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->raw, b->raw, a->family == AF_INET ? 4 : 16) == 0;
}

/* A route through the link for every AllowedIPs= prefix: 0.0.0.0/0 and
 * ::/0 become the default routes. */
static int add_routes(struct apply_ctx *ctx, const struct cfg_link *l, int ifindex, struct error *e)
{
	for (size_t i = 0; i < l->n_peers; i++)
		for (size_t j = 0; j < l->peers[i].allowed_ips.n; j++) {
			const struct cfg_addr *a = &l->peers[i].allowed_ips.v[j];
			struct route_spec rt = { .dst = *a, .oif = ifindex, .protocol = VPN_ROUTE_PROTO };
			int r = route_add(&ctx->ns, &rt, e);
			if (r < 0) {
				err_at(e, a->loc.file, a->loc.line);
				return r;
			}
			r = undo_push(ctx, &(struct undo){ .kind = U_ROUTE, .route = rt }, e);
			if (r < 0)
				return r;
		}
	return 0;
}

/* ---- Kind=tun ---------------------------------------------------------------- */

static int record_hostlink(struct apply_ctx *ctx, const char *tmp, struct error *e)
{
	return state_add(ctx->st, ST_HOSTLINK, (const char *[STATE_FIELDS]){ tmp }, e);
}

static int push_hostlink_undo(struct apply_ctx *ctx, const char *tmp, struct error *e)
{
	struct undo u = { .kind = U_HOSTLINK };
	strscpy(u.name, sizeof(u.name), tmp);
	return undo_push(ctx, &u, e);
}

static void forget_hostlink(struct apply_ctx *ctx, const char *tmp)
{
	ssize_t i = state_find(ctx->st, ST_HOSTLINK, tmp);
	if (i >= 0)
		state_drop(ctx->st, (size_t)i, NULL);
}

static int create_tun(struct apply_ctx *ctx, const struct cfg_link *l, const char *tmp, struct error *e)
{
	uid_t uid;
	gid_t gid;
	int ifindex, r;

	r = tun_owner(l, &uid, &gid, e);
	if (r < 0)
		return r;
	r = record_hostlink(ctx, tmp, e);
	if (r < 0)
		return r;
	r = tun_create_persistent(tmp, uid, gid, e);
	if (r < 0) {
		forget_hostlink(ctx, tmp);
		return r;
	}
	r = push_hostlink_undo(ctx, tmp, e);
	if (r < 0)
		return r;
	return move_in(ctx, l, tmp, &ifindex, e);
}

/* ---- Kind=wireguard, kernel ---------------------------------------------------- */

static int create_wg_kernel(struct apply_ctx *ctx, const struct cfg_link *l, const char *tmp,
			    struct error *e)
{
	char buf[512] = { 0 };
	struct nl_sock genl = { 0 };
	struct wg_device d = { 0 };
	uint16_t family;
	int ifindex, r;

	r = record_hostlink(ctx, tmp, e);
	if (r < 0)
		return r;
	r = nl_transact(&ctx->host, wg_link_request(buf, tmp), e);
	if (r < 0) {
		forget_hostlink(ctx, tmp);
		return err_set(e, r, "creating WireGuard link '%s'", tmp);
	}
	r = push_hostlink_undo(ctx, tmp, e);
	if (r < 0)
		return r;
	/* Configured while still in the host: the genetlink socket finds the
	 * device by name in its own namespace. */
	if ((r = nl_open(&genl, NETLINK_GENERIC, e)) == 0 && (r = wg_genl_family(&genl, &family, e)) == 0 &&
	    (r = wg_device_load(l, tmp, &d, e)) == 0)
		r = wg_kernel_set_device(&genl, family, &d, e);
	wg_device_wipe(&d);
	nl_close(&genl);
	if (r < 0)
		return r;
	r = move_in(ctx, l, tmp, &ifindex, e);
	return r < 0 ? r : add_routes(ctx, l, ifindex, e);
}

/* ---- Kind=wireguard, wireguard-go -------------------------------------------- */

/* Start time (field 22 of /proc/PID/stat) of a live process; 0 if there
 * is none, or only a zombie waiting to be reaped. */
static unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024], state = 'X';
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		/* Fields after the last ')' (comm may contain anything): the
		 * state, then starttime 19 fields further. */
		char *p = strrchr(buf, ')');
		if (p)
			sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
			       &state, &start);
	}
	fclose(f);
	return state == 'Z' || state == 'X' ? 0 : start;
}

/* The child: detach from the caller's session and output, wait for the
 * parent to have recorded it, then become wireguard-go. Never returns. */
static _Noreturn void wg_go_child(int gate, const char *exe, const char *tmp)
{
	char *const argv[] = { (char *)WG_GO, (char *)tmp, NULL };
	/* WG_PROCESS_FOREGROUND: no fork, so the pid we record is the daemon. */
	char *const envp[] = { (char *)"WG_PROCESS_FOREGROUND=1", (char *)"LOG_LEVEL=error",
			       (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;
	char go;

	/* A daemon of its own: no terminal, no inherited output (a caller
	 * reading our stdout through a pipe must see EOF when we exit), no
	 * pinned working directory, default signals so that `down` can stop
	 * it (a blocked SIGTERM would survive execve). */
	setsid();
	umask(077);
	if (chdir("/") < 0)
		_exit(127);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* EOF instead of a byte: the parent gave up before recording us. */
	if (read(gate, &go, 1) != 1)
		_exit(127);
	/* Descriptors a caller leaked to us without O_CLOEXEC. */
	close_range(3, ~0U, 0);
	execve(exe, argv, envp);
	_exit(127);
}

/* Stop a wireguard-go of ours that has not been recorded as running for
 * long; used by undo and when it fails to come up. */
static void reap_or_kill(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Start wireguard-go for tmp: the state record is written while the child
 * still waits at the gate, so a crash at any point leaves a record that
 * `down` can act on (or a child that exits on EOF). */
static int spawn_wg_go(struct apply_ctx *ctx, const struct cfg_link *l, const char *exe, const char *tmp,
		       pid_t *ret_pid, struct error *e)
{
	char spid[16], start[32];
	int gate[2], r;
	pid_t pid;

	r = fault_check("wireguard-go", e);
	if (r < 0)
		return r;
	if (pipe2(gate, O_CLOEXEC) < 0)
		return err_set(e, -errno, "creating a pipe");
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(gate[0]);
		close(gate[1]);
		return err_set(e, r, "starting %s", WG_GO);
	}
	if (pid == 0) {
		close(gate[1]);
		wg_go_child(gate[0], exe, tmp);
	}
	close(gate[0]);
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(start, sizeof(start), "%llu", proc_start_time(pid));
	r = state_add(ctx->st, ST_PROCESS, (const char *[STATE_FIELDS]){ spid, WG_GO, start, l->name.v, tmp }, e);
	if (r == 0) {
		struct undo u = { .kind = U_PROCESS };
		strscpy(u.key, sizeof(u.key), spid);
		r = undo_push(ctx, &u, e);
	}
	if (r == 0 && write(gate[1], "g", 1) != 1)
		r = err_set(e, -errno, "starting %s", WG_GO);
	close(gate[1]);
	if (r < 0) {
		reap_or_kill(pid);
		return r;
	}
	*ret_pid = pid;
	return 0;
}

/* The pid of the process listening on a unix socket, or -errno. */
static int socket_owner(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	strscpy(sun.sun_path, sizeof(sun.sun_path), path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	return cred.pid;
}

/* Wait until our wireguard-go listens on its UAPI socket (it creates the
 * TUN device first), or fail if it exits. */
static int wait_ready(pid_t pid, const char *tmp, struct error *e)
{
	char path[PATH_MAX];
	int status;

	wg_uapi_path(tmp, path, sizeof(path));
	for (int waited = 0; waited < READY_TIMEOUT_MS; waited += 5) {
		if (socket_owner(path) == pid)
			return 0;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return err_set(e, -ECHILD,
				       "%s %s exited (%s %d) before it was ready; run `WG_PROCESS_FOREGROUND=1 %s %s` to see why",
				       WG_GO, tmp, WIFEXITED(status) ? "status" : "signal",
				       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), WG_GO, tmp);
		poll(NULL, 0, 5);
	}
	return err_set(e, -ETIMEDOUT, "waiting for %s to listen on %s", WG_GO, path);
}

/* A record of a wireguard-go for this link that is gone (killed, or its
 * device deleted) only confuses `down`: drop it. */
static void forget_dead_process(struct apply_ctx *ctx, const struct cfg_link *l)
{
	for (size_t i = ctx->st->n; i-- > 0;) {
		const struct state_rec *rec = &ctx->st->v[i];
		if (rec->kind != ST_PROCESS || !STREQ(rec->f[1], WG_GO) || !STREQ(rec->f[3], l->name.v))
			continue;
		pid_t pid = (pid_t)strtol(rec->f[0], NULL, 10);
		unsigned long long start = pid > 1 ? proc_start_time(pid) : 0;
		if (start && start == strtoull(rec->f[2], NULL, 10))
			continue; /* still running */
		state_drop(ctx->st, i, NULL);
	}
}

static int create_wg_userspace(struct apply_ctx *ctx, const struct cfg_link *l, const char *tmp,
			       const char *exe, struct error *e)
{
	char path[PATH_MAX];
	struct wg_device d = { 0 };
	int ifindex, r;
	pid_t pid = 0;

	forget_dead_process(ctx, l);
	wg_uapi_path(tmp, path, sizeof(path));
	r = socket_owner(path);
	if (r > 0)
		return err_set(e, -EEXIST, "%s is in use by process %d (another wireguard-go for '%s')", path, r, tmp);
	r = spawn_wg_go(ctx, l, exe, tmp, &pid, e);
	if (r < 0)
		return r;
	r = wait_ready(pid, tmp, e);
	if (r < 0)
		return r;
	r = wg_device_load(l, tmp, &d, e);
	if (r == 0)
		r = wg_uapi_set(tmp, pid, &d, e);
	wg_device_wipe(&d);
	if (r < 0)
		return err_set(e, r, "configuring %s", tmp);
	r = move_in(ctx, l, tmp, &ifindex, e);
	return r < 0 ? r : add_routes(ctx, l, ifindex, e);
}

int vpn_create(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	char tmp[IFNAME_MAX + 1], exe[PATH_MAX];
	bool kernel;
	int r;

	vpn_host_name(ctx->c->name, l, tmp);
	if (l->kind.v == LINK_TUN)
		return create_tun(ctx, l, tmp, e);
	r = choose_impl(l, &kernel, exe, sizeof(exe), e);
	if (r < 0)
		return r;
	return kernel ? create_wg_kernel(ctx, l, tmp, e) : create_wg_userspace(ctx, l, tmp, exe, e);
}

/* ---- undo and reconcile ------------------------------------------------------- */

int vpn_undo_process(struct apply_ctx *ctx, const struct undo *u, struct error *e)
{
	ssize_t i = state_find(ctx->st, ST_PROCESS, u->key);
	pid_t pid = (pid_t)strtol(u->key, NULL, 10);
	int r;

	if (i < 0)
		return 0;
	r = process_stop(&ctx->st->v[i], e);
	if (r < 0)
		return r;
	/* Our own child: wait for it, so that its TUN device and UAPI socket
	 * are gone when rollback returns. */
	reap_or_kill(pid);
	state_drop(ctx->st, (size_t)i, NULL);
	return 0;
}

/* Routes of ours through ifindex that AllowedIPs= no longer has go; the
 * missing ones are added. */
static int update_routes(struct apply_ctx *ctx, const struct cfg_link *l, int ifindex, struct error *e)
{
	struct live fresh;
	int r = live_read(&ctx->ns, LIVE_ROUTES, &fresh, e);

	for (size_t k = 0; r == 0 && k < fresh.n_routes; k++) {
		const struct live_route *lr = &fresh.routes[k];
		bool wanted = false;
		if (lr->protocol != VPN_ROUTE_PROTO || lr->oif != ifindex)
			continue;
		for (size_t i = 0; i < l->n_peers; i++)
			for (size_t j = 0; j < l->peers[i].allowed_ips.n; j++)
				wanted |= allowed_equal(&l->peers[i].allowed_ips.v[j], &lr->dst);
		if (wanted)
			continue;
		struct undo u = { .kind = U_ROUTE_READD };
		u.route = (struct route_spec){ .dst = lr->dst, .oif = lr->oif, .metric = lr->metric,
					       .protocol = VPN_ROUTE_PROTO };
		r = route_del(&ctx->ns, &u.route, e);
		if (r == 0)
			r = undo_push(ctx, &u, e);
	}
	for (size_t i = 0; r == 0 && i < l->n_peers; i++)
		for (size_t j = 0; r == 0 && j < l->peers[i].allowed_ips.n; j++) {
			const struct cfg_addr *a = &l->peers[i].allowed_ips.v[j];
			bool present = false;
			for (size_t k = 0; k < fresh.n_routes; k++)
				present |= fresh.routes[k].protocol == VPN_ROUTE_PROTO &&
					   fresh.routes[k].oif == ifindex && allowed_equal(&fresh.routes[k].dst, a);
			if (present)
				continue;
			struct route_spec rt = { .dst = *a, .oif = ifindex, .protocol = VPN_ROUTE_PROTO };
			r = route_add(&ctx->ns, &rt, e);
			if (r == 0)
				r = undo_push(ctx, &(struct undo){ .kind = U_ROUTE, .route = rt }, e);
			else
				err_at(e, a->loc.file, a->loc.line);
		}
	live_free(&fresh);
	return r;
}

/* The pid of the wireguard-go recorded for link l, or 0. */
static pid_t recorded_wg_go(const struct apply_ctx *ctx, const struct cfg_link *l)
{
	for (size_t i = 0; i < ctx->st->n; i++) {
		const struct state_rec *rec = &ctx->st->v[i];
		if (rec->kind == ST_PROCESS && STREQ(rec->f[1], WG_GO) && STREQ(rec->f[3], l->name.v))
			return (pid_t)strtol(rec->f[0], NULL, 10);
	}
	return 0;
}

/* Read the live device, compare, and only if it differs send the whole
 * configuration (peers replaced: their sessions restart, which is why
 * nothing is sent when it already matches). */
static int sync_device(struct apply_ctx *ctx, const struct cfg_link *l, const struct live_link *ll,
		       struct error *e)
{
	char tmp[IFNAME_MAX + 1];
	struct wg_device want = { 0 }, have = { 0 };
	struct nl_sock genl = { 0 };
	bool kernel = STREQ(ll->kind, "wireguard");
	pid_t pid = recorded_wg_go(ctx, l);
	uint16_t family = 0;
	int r;

	vpn_host_name(ctx->c->name, l, tmp);
	if (kernel && ((r = nl_open_in(&genl, NETLINK_GENERIC, ctx->ns_fd, e)) < 0 ||
		       (r = wg_genl_family(&genl, &family, e)) < 0))
		goto out;
	r = wg_device_load(l, kernel ? l->name.v : tmp, &want, e);
	if (r == 0)
		r = kernel ? wg_kernel_get_device(&genl, family, l->name.v, &have, e) : wg_uapi_get(tmp, pid, &have, e);
	if (r < 0 || wg_device_matches(&want, &have))
		goto out;
	/* A FirewallMark= that was removed goes back to none. */
	want.has_fwmark = true;
	r = kernel ? wg_kernel_set_device(&genl, family, &want, e) : wg_uapi_set(tmp, pid, &want, e);
	if (r == 0)
		ctx->changes++;
out:
	wg_device_wipe(&want);
	wg_device_wipe(&have);
	nl_close(&genl);
	return r;
}

/* An existing WireGuard link: its configuration and AllowedIPs routes as
 * the config says. A failure later in the same `up` rolls the routes back,
 * not the WireGuard configuration (which would need the old keys). */
int vpn_update(struct apply_ctx *ctx, const struct cfg_link *l, const struct live_link *ll, struct error *e)
{
	int r;

	if (l->kind.v != LINK_WIREGUARD)
		return 0;
	r = sync_device(ctx, l, ll, e);
	if (r < 0)
		return err_set(e, r, "updating WireGuard link '%s'", l->name.v);
	return update_routes(ctx, l, ll->ifindex, e);
}
