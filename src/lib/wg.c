/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fault.h"
#include "fileio.h"

/* ---- keys ----------------------------------------------------------- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;
	return p ? (int)(p - b64_alphabet) : -1;
}

int wg_key_from_base64(const char *s, uint8_t key[CFG_KEY_LEN])
{
	uint8_t out[CFG_KEY_LEN];
	int v[4];

	if (strlen(s) != WG_KEY_B64_LEN || s[WG_KEY_B64_LEN - 1] != '=')
		return -EINVAL;
	/* 10 full groups of 4 characters (30 bytes), then 3 characters and
	 * the '=' for the last 2 bytes. */
	for (size_t g = 0; g < 11; g++) {
		for (size_t i = 0; i < 4; i++) {
			v[i] = g == 10 && i == 3 ? 0 : b64_value(s[g * 4 + i]);
			if (v[i] < 0) {
				explicit_bzero(out, sizeof(out));
				return -EINVAL;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[g * 3] = (uint8_t)(w >> 16);
		out[g * 3 + 1] = (uint8_t)(w >> 8);
		if (g < 10)
			out[g * 3 + 2] = (uint8_t)w;
	}
	memcpy(key, out, CFG_KEY_LEN);
	explicit_bzero(out, sizeof(out));
	return 0;
}

void wg_key_to_base64(const uint8_t key[CFG_KEY_LEN], char out[WG_KEY_B64_LEN + 1])
{
	for (size_t g = 0; g < 11; g++) {
		uint32_t w = (uint32_t)key[g * 3] << 16 | (uint32_t)key[g * 3 + 1] << 8 |
			     (g < 10 ? key[g * 3 + 2] : 0);
		out[g * 4] = b64_alphabet[(w >> 18) & 63];
		out[g * 4 + 1] = b64_alphabet[(w >> 12) & 63];
		out[g * 4 + 2] = b64_alphabet[(w >> 6) & 63];
		out[g * 4 + 3] = g < 10 ? b64_alphabet[w & 63] : '=';
	}
	out[WG_KEY_B64_LEN] = '\0';
}

static int key_file_error(struct error *e, const char *key_name, const char *path, struct cfg_loc loc,
			  const char *what)
{
	return err_cfg(e, loc.file, loc.line, "%s=%s: %s", key_name, path, what);
}

/* Whoever can read the file has the key; whoever can write it chooses it. */
static int key_file_check(int fd, const char *path, const char *key_name, struct cfg_loc loc,
			  struct error *e)
{
	struct stat st;
	char what[160];

	if (fstat(fd, &st) < 0)
		return err_set(e, -errno, "inspecting %s", path);
	if (!S_ISREG(st.st_mode))
		return key_file_error(e, key_name, path, loc, "not a regular file");
	if (st.st_uid != 0) {
		snprintf(what, sizeof(what), "refusing a key file not owned by root (owner uid %u)",
			 (unsigned)st.st_uid);
		return key_file_error(e, key_name, path, loc, what);
	}
	if (st.st_mode & 077) {
		snprintf(what, sizeof(what),
			 "refusing a key file that group or others can access (mode %04o; chmod 600 it)",
			 (unsigned)(st.st_mode & 07777));
		return key_file_error(e, key_name, path, loc, what);
	}
	return 0;
}

int wg_key_read_file(const char *path, const char *key_name, struct cfg_loc loc,
		     uint8_t key[CFG_KEY_LEN], struct error *e)
{
	_cleanup_close_ int fd = -1;
	char buf[128] = { 0 }, what[160];
	ssize_t n;
	int r;

	/* No symlinks, as for config files: the check below must be about the
	 * file whose content is used. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(what, sizeof(what), "%s", errno == ELOOP ? "refusing a key file that is a symbolic link"
							     : strerror(errno));
		return key_file_error(e, key_name, path, loc, what);
	}
	r = key_file_check(fd, path, key_name, loc, e);
	if (r < 0)
		return r;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(e, -errno, "reading %s", path);
	buf[n] = '\0';
	/* Surrounding whitespace (the newline `wg genkey` writes) is fine. */
	char *s = buf;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (ssize_t i = (ssize_t)strlen(s) - 1; i >= 0 && strchr(" \t\r\n", s[i]); i--)
		s[i] = '\0';
	r = wg_key_from_base64(s, key);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0)
		return key_file_error(e, key_name, path, loc,
				      "not a valid WireGuard key (expected one line of 44 base64 characters ending in '=', as `wg genkey` writes)");
	return 0;
}

/* ---- the device from the config --------------------------------------- */

int wg_device_load(const struct cfg_link *l, const char *ifname, struct wg_device *d, struct error *e)
{
	int r;

	memset(d, 0, sizeof(*d));
	strscpy(d->ifname, sizeof(d->ifname), ifname);
	r = wg_key_read_file(l->private_key_file.v, "PrivateKeyFile", l->private_key_file.loc, d->private_key, e);
	if (r < 0)
		return r;
	d->has_listen_port = l->listen_port.loc.line != 0;
	d->listen_port = (uint16_t)l->listen_port.v;
	d->has_fwmark = l->fwmark.loc.line != 0;
	d->fwmark = l->fwmark.v;
	if (l->n_peers) {
		d->peers = calloc(l->n_peers, sizeof(*d->peers));
		if (!d->peers)
			return err_set(e, -ENOMEM, "loading WireGuard peers");
	}
	for (size_t i = 0; i < l->n_peers; i++) {
		const struct cfg_wg_peer *cp = &l->peers[i];
		struct wg_peer *p = &d->peers[d->n_peers++];

		memcpy(p->public_key, cp->public_key, CFG_KEY_LEN);
		if (cp->psk_file.v) {
			r = wg_key_read_file(cp->psk_file.v, "PresharedKeyFile", cp->psk_file.loc, p->psk, e);
			if (r < 0)
				return r;
			p->has_psk = true;
		}
		p->endpoint = cp->endpoint.addr.family ? &cp->endpoint : NULL;
		p->keepalive = (uint16_t)cp->keepalive.v;
		p->allowed = cp->allowed_ips.v;
		p->n_allowed = cp->allowed_ips.n;
	}
	return 0;
}

void wg_device_wipe(struct wg_device *d)
{
	for (size_t i = 0; i < d->n_peers; i++)
		free(d->peers[i].allowed_buf);
	if (d->peers) {
		explicit_bzero(d->peers, d->n_peers * sizeof(*d->peers));
		free(d->peers);
	}
	explicit_bzero(d, sizeof(*d));
}

/* ---- reading a device back, comparing ------------------------------------------ */

/* The peer with key: the last one if it has that key (a peer continues
 * across dump messages), else a new one. */
static struct wg_peer *peer_for(struct wg_device *d, const uint8_t key[CFG_KEY_LEN])
{
	struct wg_peer *p;

	if (d->n_peers && memcmp(d->peers[d->n_peers - 1].public_key, key, CFG_KEY_LEN) == 0)
		return &d->peers[d->n_peers - 1];
	p = array_append(&d->peers, &d->n_peers, sizeof(*p));
	if (p)
		memcpy(p->public_key, key, CFG_KEY_LEN);
	return p;
}

static int peer_add_allowed(struct wg_peer *p, const struct cfg_addr *a)
{
	struct cfg_addr *slot = array_append(&p->allowed_buf, &p->n_allowed, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	*slot = *a;
	return 0;
}

/* Point endpoint and allowed at the peers' own storage (after the array
 * may have moved). */
static void fixup(struct wg_device *d)
{
	for (size_t i = 0; i < d->n_peers; i++) {
		struct wg_peer *p = &d->peers[i];
		p->endpoint = p->endpoint_buf.addr.family ? &p->endpoint_buf : NULL;
		p->allowed = p->allowed_buf;
	}
}

static bool zero_key(const uint8_t k[CFG_KEY_LEN])
{
	uint8_t acc = 0;
	for (size_t i = 0; i < CFG_KEY_LEN; i++)
		acc |= k[i];
	return acc == 0;
}

static bool endpoint_equal(const struct cfg_endpoint *a, const struct cfg_endpoint *b)
{
	return a->port == b->port && a->addr.family == b->addr.family &&
	       memcmp(a->addr.raw, b->addr.raw, a->addr.family == AF_INET ? 4 : 16) == 0;
}

static bool peer_matches(const struct wg_peer *w, const struct wg_peer *h)
{
	static const uint8_t none[CFG_KEY_LEN];

	if (memcmp(w->has_psk ? w->psk : none, h->has_psk ? h->psk : none, CFG_KEY_LEN) != 0)
		return false;
	if (w->endpoint && (!h->endpoint || !endpoint_equal(w->endpoint, h->endpoint)))
		return false;
	if (w->keepalive != h->keepalive || w->n_allowed != h->n_allowed)
		return false;
	for (size_t i = 0; i < w->n_allowed; i++) {
		bool found = false;
		for (size_t j = 0; j < h->n_allowed && !found; j++)
			found = cfg_addr_equal(&w->allowed[i], &h->allowed[j]);
		if (!found)
			return false;
	}
	return true;
}

bool wg_device_matches(const struct wg_device *want, const struct wg_device *have)
{
	if (memcmp(want->private_key, have->private_key, CFG_KEY_LEN) != 0)
		return false;
	if (want->has_listen_port && (!have->has_listen_port || want->listen_port != have->listen_port))
		return false;
	if ((want->has_fwmark ? want->fwmark : 0) != (have->has_fwmark ? have->fwmark : 0))
		return false;
	if (want->n_peers != have->n_peers)
		return false;
	for (size_t i = 0; i < want->n_peers; i++) {
		const struct wg_peer *h = NULL;
		for (size_t j = 0; j < have->n_peers && !h; j++)
			if (memcmp(have->peers[j].public_key, want->peers[i].public_key, CFG_KEY_LEN) == 0)
				h = &have->peers[j];
		if (!h || !peer_matches(&want->peers[i], h))
			return false;
	}
	return true;
}

/* ---- kernel: generic netlink ---------------------------------------------- */

struct nlmsghdr *wg_genl_family_request(void *buf)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, GENL_ID_CTRL, NLM_F_ACK, sizeof(struct genlmsghdr));
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	return nlh;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

int wg_genl_family(struct nl_sock *genl, uint16_t *ret_id, struct error *e)
{
	char buf[256] = { 0 };
	uint16_t id = 0;
	struct error tmp = { 0 };
	int r = nl_request(genl, wg_genl_family_request(buf), family_cb, &id, &tmp);

	if (r == -ENOENT || (r == 0 && id == 0))
		return -ENOENT;
	if (r < 0)
		return err_set(e, r, "looking up the kernel's WireGuard netlink family");
	*ret_id = id;
	return 0;
}

static bool put_endpoint(struct nlmsghdr *nlh, size_t size, const struct cfg_endpoint *ep)
{
	if (ep->addr.family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(ep->port), .sin_addr = ep->addr.v4 };
		return mnl_attr_put_check(nlh, size, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	}
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(ep->port), .sin6_addr = ep->addr.v6 };
	return mnl_attr_put_check(nlh, size, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
}

static bool put_allowed(struct nlmsghdr *nlh, size_t size, const struct cfg_addr *a)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, 0);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, size, WGALLOWEDIP_A_FAMILY, (uint16_t)a->family) ||
	    !mnl_attr_put_check(nlh, size, WGALLOWEDIP_A_IPADDR, a->family == AF_INET ? 4 : 16, a->raw) ||
	    !mnl_attr_put_u8_check(nlh, size, WGALLOWEDIP_A_CIDR_MASK, a->prefixlen)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* A new peer's settings; a continued one has only its key. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t size, const struct wg_peer *p, bool continued)
{
	if (!mnl_attr_put_check(nlh, size, WGPEER_A_PUBLIC_KEY, CFG_KEY_LEN, p->public_key))
		return false;
	if (continued)
		return true;
	return mnl_attr_put_u32_check(nlh, size, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS) &&
	       (!p->has_psk || mnl_attr_put_check(nlh, size, WGPEER_A_PRESHARED_KEY, CFG_KEY_LEN, p->psk)) &&
	       (!p->endpoint || put_endpoint(nlh, size, p->endpoint)) &&
	       mnl_attr_put_u16_check(nlh, size, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive);
}

/* Put as much of peer cur->peer as fits. True if it was put completely. */
static bool put_peer(struct nlmsghdr *nlh, size_t size, const struct wg_peer *p, struct wg_cursor *cur)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, 0), *aips;
	size_t first = cur->allowed;

	if (!nest)
		return false;
	if (!put_peer_head(nlh, size, p, first > 0))
		goto cancel;
	if (p->n_allowed > first) {
		aips = mnl_attr_nest_start_check(nlh, size, WGPEER_A_ALLOWEDIPS);
		if (!aips)
			goto cancel;
		while (cur->allowed < p->n_allowed && put_allowed(nlh, size, &p->allowed[cur->allowed]))
			cur->allowed++;
		if (cur->allowed == first) {
			mnl_attr_nest_cancel(nlh, aips);
			goto cancel;
		}
		mnl_attr_nest_end(nlh, aips);
	}
	mnl_attr_nest_end(nlh, nest);
	return cur->allowed >= p->n_allowed;
cancel:
	/* Not even one allowed IP fitted: the whole peer goes in the next
	 * message, so that its settings travel with at least one of them. */
	mnl_attr_nest_cancel(nlh, nest);
	cur->allowed = first;
	return false;
}

static bool put_device_attrs(struct nlmsghdr *nlh, size_t size, const struct wg_device *d)
{
	return mnl_attr_put_check(nlh, size, WGDEVICE_A_PRIVATE_KEY, CFG_KEY_LEN, d->private_key) &&
	       (!d->has_listen_port || mnl_attr_put_u16_check(nlh, size, WGDEVICE_A_LISTEN_PORT, d->listen_port)) &&
	       (!d->has_fwmark || mnl_attr_put_u32_check(nlh, size, WGDEVICE_A_FWMARK, d->fwmark)) &&
	       mnl_attr_put_u32_check(nlh, size, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
}

struct nlmsghdr *wg_build_set_device(void *buf, size_t size, uint16_t family, const struct wg_device *d,
				     struct wg_cursor *cur, bool *ret_more)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *peers;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return NULL;
	/* libmnl leaves attribute padding as it finds it: start from zeros,
	 * so that no byte of an earlier message (a key) rides along. */
	memset(buf, 0, size);
	nlh = nl_msg_start(buf, family, NLM_F_ACK, sizeof(struct genlmsghdr));
	g = mnl_nlmsg_get_payload(nlh);
	g->cmd = WG_CMD_SET_DEVICE;
	g->version = WG_GENL_VERSION;
	if (!mnl_attr_put_strz_check(nlh, size, WGDEVICE_A_IFNAME, d->ifname))
		return NULL;
	if (!cur->started && !put_device_attrs(nlh, size, d))
		return NULL;
	cur->started = true;
	*ret_more = false;
	if (cur->peer >= d->n_peers)
		return nlh;
	peers = mnl_attr_nest_start_check(nlh, size, WGDEVICE_A_PEERS);
	if (!peers) {
		*ret_more = true;
		return nlh;
	}
	size_t before = cur->peer, before_allowed = cur->allowed;
	while (cur->peer < d->n_peers) {
		if (!put_peer(nlh, size, &d->peers[cur->peer], cur)) {
			*ret_more = true;
			break;
		}
		cur->peer++;
		cur->allowed = 0;
	}
	if (cur->peer == before && cur->allowed == before_allowed)
		mnl_attr_nest_cancel(nlh, peers);
	else
		mnl_attr_nest_end(nlh, peers);
	return nlh;
}

int wg_kernel_set_device(struct nl_sock *genl, uint16_t family, const struct wg_device *d,
			 struct error *e)
{
	const size_t size = MNL_SOCKET_BUFFER_SIZE;
	_cleanup_free_ char *buf = malloc(size);
	struct wg_cursor cur = { 0 };
	bool more = true;
	int r = 0;

	if (!buf)
		return err_set(e, -ENOMEM, "configuring WireGuard device '%s'", d->ifname);
	while (more && r == 0) {
		struct wg_cursor before = cur;
		struct nlmsghdr *nlh = wg_build_set_device(buf, size, family, d, &cur, &more);
		if (!nlh || (more && before.started && cur.peer == before.peer && cur.allowed == before.allowed))
			r = err_set(e, -EMSGSIZE, "configuring WireGuard device '%s': a peer does not fit in one message",
				    d->ifname);
		else
			r = nl_transact(genl, nlh, e);
		explicit_bzero(buf, size);
	}
	return r < 0 ? err_set(e, r, "configuring WireGuard device '%s'", d->ifname) : 0;
}

static void sockaddr_to_endpoint(const struct nlattr *a, struct cfg_endpoint *ep)
{
	const struct sockaddr *sa = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	memset(ep, 0, sizeof(*ep));
	if (len >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;
		ep->addr.family = AF_INET;
		ep->addr.v4 = sin->sin_addr;
		ep->port = ntohs(sin->sin_port);
	} else if (len >= sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;
		ep->addr.family = AF_INET6;
		ep->addr.v6 = sin6->sin6_addr;
		ep->port = ntohs(sin6->sin6_port);
	}
}

static int parse_allowed_nest(const struct nlattr *nest, struct wg_peer *p)
{
	const struct nlattr *one, *a;

	mnl_attr_for_each_nested(one, nest) {
		struct cfg_addr addr = { 0 };
		mnl_attr_for_each_nested(a, one) {
			size_t len = mnl_attr_get_payload_len(a);
			if (mnl_attr_get_type(a) == WGALLOWEDIP_A_FAMILY && len == 2)
				addr.family = mnl_attr_get_u16(a);
			else if (mnl_attr_get_type(a) == WGALLOWEDIP_A_IPADDR && (len == 4 || len == 16))
				memcpy(addr.raw, mnl_attr_get_payload(a), len);
			else if (mnl_attr_get_type(a) == WGALLOWEDIP_A_CIDR_MASK && len == 1)
				addr.prefixlen = mnl_attr_get_u8(a);
		}
		if ((addr.family != AF_INET && addr.family != AF_INET6) ||
		    addr.prefixlen > (addr.family == AF_INET ? 32 : 128))
			return MNL_CB_ERROR;
		if (peer_add_allowed(p, &addr) < 0)
			return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int parse_peer_nest(const struct nlattr *nest, struct wg_device *d)
{
	const struct nlattr *a, *key = NULL;
	struct wg_peer *p;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY && mnl_attr_get_payload_len(a) == CFG_KEY_LEN)
			key = a;
	if (!key || !(p = peer_for(d, mnl_attr_get_payload(key))))
		return MNL_CB_ERROR;
	mnl_attr_for_each_nested(a, nest) {
		size_t len = mnl_attr_get_payload_len(a);
		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_PRESHARED_KEY:
			if (len == CFG_KEY_LEN) {
				memcpy(p->psk, mnl_attr_get_payload(a), CFG_KEY_LEN);
				p->has_psk = !zero_key(p->psk);
			}
			break;
		case WGPEER_A_ENDPOINT:
			sockaddr_to_endpoint(a, &p->endpoint_buf);
			break;
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			if (len == 2)
				p->keepalive = mnl_attr_get_u16(a);
			break;
		case WGPEER_A_ALLOWEDIPS:
			if (parse_allowed_nest(a, p) != MNL_CB_OK)
				return MNL_CB_ERROR;
			break;
		}
	}
	return MNL_CB_OK;
}

int wg_genl_parse_device(const struct nlmsghdr *nlh, struct wg_device *d)
{
	const struct nlattr *a, *p;
	int r = MNL_CB_OK;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return MNL_CB_ERROR;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		size_t len = mnl_attr_get_payload_len(a);
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_PRIVATE_KEY:
			if (len == CFG_KEY_LEN)
				memcpy(d->private_key, mnl_attr_get_payload(a), CFG_KEY_LEN);
			break;
		case WGDEVICE_A_LISTEN_PORT:
			if (len == 2) {
				d->listen_port = mnl_attr_get_u16(a);
				d->has_listen_port = d->listen_port != 0;
			}
			break;
		case WGDEVICE_A_FWMARK:
			if (len == 4) {
				d->fwmark = mnl_attr_get_u32(a);
				d->has_fwmark = d->fwmark != 0;
			}
			break;
		case WGDEVICE_A_PEERS:
			mnl_attr_for_each_nested(p, a)
				if (r == MNL_CB_OK)
					r = parse_peer_nest(p, d);
			break;
		}
	}
	fixup(d);
	return r;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	return wg_genl_parse_device(nlh, data);
}

static void get_reset(void *data)
{
	struct wg_device *d = data;
	char name[IFNAME_MAX + 1];

	strscpy(name, sizeof(name), d->ifname);
	wg_device_wipe(d);
	strscpy(d->ifname, sizeof(d->ifname), name);
}

int wg_kernel_get_device(struct nl_sock *genl, uint16_t family, const char *ifname, struct wg_device *ret,
			 struct error *e)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = nl_msg_start(buf, family, 0, sizeof(struct genlmsghdr));
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	int r;

	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	memset(ret, 0, sizeof(*ret));
	strscpy(ret->ifname, sizeof(ret->ifname), ifname);
	r = nl_dump(genl, nlh, get_cb, get_reset, ret, e);
	if (r < 0) {
		wg_device_wipe(ret);
		return err_set(e, r, "reading WireGuard device '%s'", ifname);
	}
	return 0;
}

struct nlmsghdr *wg_link_request(void *buf, const char *name)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
					    sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *info;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

/* ---- userspace: the UAPI text protocol ---------------------------------------- */

static void hex(const uint8_t *k, char out[2 * CFG_KEY_LEN + 1])
{
	for (size_t i = 0; i < CFG_KEY_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", k[i]);
}

/* Append to a buffer sized up front, so that no reallocation leaves a copy
 * of a key behind in freed memory. */
struct text {
	char *s;
	size_t len, size;
};

static void _printf_(2, 3) text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = t->len + (size_t)n < t->size ? t->len + (size_t)n : t->size - 1;
}

static void uapi_peer(struct text *t, const struct wg_peer *p)
{
	char k[2 * CFG_KEY_LEN + 1], a[INET6_ADDRSTRLEN];

	hex(p->public_key, k);
	text_add(t, "public_key=%s\n", k);
	if (p->has_psk) {
		hex(p->psk, k);
		text_add(t, "preshared_key=%s\n", k);
	}
	if (p->endpoint) {
		inet_ntop(p->endpoint->addr.family, p->endpoint->addr.raw, a, sizeof(a));
		text_add(t, p->endpoint->addr.family == AF_INET6 ? "endpoint=[%s]:%u\n" : "endpoint=%s:%u\n", a,
			 p->endpoint->port);
	}
	text_add(t, "persistent_keepalive_interval=%u\n", p->keepalive);
	text_add(t, "replace_allowed_ips=true\n");
	for (size_t j = 0; j < p->n_allowed; j++)
		text_add(t, "allowed_ip=%s/%u\n", inet_ntop(p->allowed[j].family, p->allowed[j].raw, a, sizeof(a)),
			 p->allowed[j].prefixlen);
	explicit_bzero(k, sizeof(k));
}

char *wg_uapi_build(const struct wg_device *d)
{
	struct text t = { .size = 256 };
	char k[2 * CFG_KEY_LEN + 1];

	for (size_t i = 0; i < d->n_peers; i++)
		t.size += 320 + d->peers[i].n_allowed * 64;
	t.s = calloc(1, t.size);
	if (!t.s)
		return NULL;
	hex(d->private_key, k);
	text_add(&t, "set=1\nprivate_key=%s\n", k);
	explicit_bzero(k, sizeof(k));
	if (d->has_listen_port)
		text_add(&t, "listen_port=%u\n", d->listen_port);
	if (d->has_fwmark)
		text_add(&t, "fwmark=%u\n", d->fwmark);
	text_add(&t, "replace_peers=true\n");
	for (size_t i = 0; i < d->n_peers; i++)
		uapi_peer(&t, &d->peers[i]);
	text_add(&t, "\n");
	return t.s;
}

void wg_uapi_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void wg_uapi_path(const char *ifname, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.sock", WG_UAPI_DIR, ifname);
}

static int uapi_connect(const char *ifname, pid_t expect_pid, struct error *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	wg_uapi_path(ifname, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, -errno, "creating a UAPI socket");
	/* A wedged daemon must not hang `up` forever. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int r = -errno;
		close(fd);
		return err_set(e, r, "connecting to %s", sun.sun_path);
	}
	/* Keys go only to the daemon we started, not to whatever took over
	 * the socket path. */
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (expect_pid > 0 && (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != expect_pid)) {
		close(fd);
		return err_set(e, -EPERM, "%s is not served by the wireguard-go we started", sun.sun_path);
	}
	return fd;
}

/* The reply is "errno=N\n\n"; N is 0 or a (negative) errno. */
static int read_reply(int fd, struct error *e)
{
	char buf[256] = { 0 };
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(e, -errno, "reading the reply of wireguard-go");
		if (n == 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\n\n"))
			break;
	}
	buf[len] = '\0';
	const char *p = strstr(buf, "errno=");
	if (!p)
		return err_set(e, -EPROTO, "wireguard-go sent no status");
	long v = strtol(p + 6, NULL, 10);
	if (v == 0)
		return 0;
	return err_set(e, v < 0 ? (int)v : -(int)v, "wireguard-go refused the configuration");
}

int wg_uapi_set(const char *ifname, pid_t expect_pid, const struct wg_device *d, struct error *e)
{
	_cleanup_close_ int fd = -1;
	char *req;
	int r;

	r = fault_check("uapi", e);
	if (r < 0)
		return r;
	fd = uapi_connect(ifname, expect_pid, e);
	if (fd < 0)
		return fd;
	req = wg_uapi_build(d);
	if (!req)
		return err_set(e, -ENOMEM, "building the WireGuard configuration");
	r = send_all(fd, req, strlen(req));
	wg_uapi_free(req);
	if (r < 0)
		return err_set(e, r, "sending the configuration to wireguard-go");
	return read_reply(fd, e);
}

/* ---- userspace: reading back --------------------------------------------------- */

static int hex_key(const char *s, uint8_t key[CFG_KEY_LEN])
{
	if (strlen(s) != 2 * CFG_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < CFG_KEY_LEN; i++) {
		unsigned v;
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		key[i] = (uint8_t)v;
	}
	return 0;
}

/* "192.0.2.1:51820" or "[2001:db8::1]:51820" */
static int endpoint_text(const char *s, struct cfg_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon = strrchr(s, ':');
	const char *start = s;
	size_t n;

	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
		start = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, start, n);
	host[n] = '\0';
	memset(ep, 0, sizeof(*ep));
	if (cfg_addr_parse(host, false, &ep->addr) < 0)
		return -EINVAL;
	ep->port = (uint16_t)strtoul(colon + 1, NULL, 10);
	return 0;
}

static int uapi_device_line(struct wg_device *d, const char *k, const char *v)
{
	if (STREQ(k, "private_key"))
		return hex_key(v, d->private_key);
	if (STREQ(k, "listen_port")) {
		d->listen_port = (uint16_t)strtoul(v, NULL, 10);
		d->has_listen_port = d->listen_port != 0;
	} else if (STREQ(k, "fwmark")) {
		d->fwmark = (uint32_t)strtoul(v, NULL, 10);
		d->has_fwmark = d->fwmark != 0;
	}
	return 0;
}

static int uapi_peer_line(struct wg_peer *p, const char *k, const char *v)
{
	struct cfg_addr a;

	if (STREQ(k, "preshared_key")) {
		if (hex_key(v, p->psk) < 0)
			return -EINVAL;
		p->has_psk = !zero_key(p->psk);
	} else if (STREQ(k, "endpoint")) {
		return endpoint_text(v, &p->endpoint_buf);
	} else if (STREQ(k, "persistent_keepalive_interval")) {
		p->keepalive = (uint16_t)strtoul(v, NULL, 10);
	} else if (STREQ(k, "allowed_ip")) {
		if (cfg_addr_parse(v, true, &a) < 0)
			return -EINVAL;
		return peer_add_allowed(p, &a);
	}
	return 0;
}

int wg_uapi_parse(const char *text, struct wg_device *d)
{
	struct wg_peer *p = NULL;
	char line[256];
	int status = -EPROTO, r = 0;

	for (const char *s = text; *s && r == 0;) {
		size_t n = strcspn(s, "\n");
		if (n >= sizeof(line))
			return -EPROTO;
		memcpy(line, s, n);
		line[n] = '\0';
		s += n + (s[n] == '\n');
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (STREQ(line, "errno")) {
			long v = strtol(eq + 1, NULL, 10);
			status = v <= 0 ? (int)v : -(int)v;
		} else if (STREQ(line, "public_key")) {
			uint8_t key[CFG_KEY_LEN];
			r = hex_key(eq + 1, key);
			if (r == 0 && !(p = peer_for(d, key)))
				r = -ENOMEM;
		} else {
			r = p ? uapi_peer_line(p, line, eq + 1) : uapi_device_line(d, line, eq + 1);
		}
	}
	explicit_bzero(line, sizeof(line));
	fixup(d);
	return r < 0 ? (r == -ENOMEM ? r : -EPROTO) : status;
}

/* Everything up to the blank line after "errno=N", in memory that is
 * wiped when it grows (the reply holds the private key). */
static int read_all(int fd, char **ret, struct error *e)
{
	size_t len = 0, size = 4096;
	char *buf = calloc(1, size);

	if (!buf)
		return err_set(e, -ENOMEM, "reading from wireguard-go");
	for (;;) {
		if (size - len < 2) {
			char *bigger = calloc(1, size * 2);
			if (!bigger || size > (16u << 20)) {
				free(bigger);
				explicit_bzero(buf, size);
				free(buf);
				return err_set(e, -EMSGSIZE, "reading from wireguard-go");
			}
			memcpy(bigger, buf, len);
			explicit_bzero(buf, size);
			free(buf);
			buf = bigger;
			size *= 2;
		}
		ssize_t n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			explicit_bzero(buf, size);
			free(buf);
			return err_set(e, r, "reading from wireguard-go");
		}
		len += (size_t)n;
		buf[len] = '\0';
		const char *st = strstr(buf, "errno=");
		if (n == 0 || (st && strstr(st, "\n\n")))
			break;
	}
	*ret = buf;
	return 0;
}

int wg_uapi_get(const char *ifname, pid_t expect_pid, struct wg_device *ret, struct error *e)
{
	_cleanup_close_ int fd = uapi_connect(ifname, expect_pid, e);
	char *text = NULL;
	int r;

	if (fd < 0)
		return fd;
	r = send_all(fd, "get=1\n\n", 7);
	if (r < 0)
		return err_set(e, r, "asking wireguard-go for its configuration");
	r = read_all(fd, &text, e);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	strscpy(ret->ifname, sizeof(ret->ifname), ifname);
	r = wg_uapi_parse(text, ret);
	wg_uapi_free(text);
	if (r < 0) {
		wg_device_wipe(ret);
		return err_set(e, r, "reading the configuration of wireguard-go for '%s'", ifname);
	}
	return 0;
}
