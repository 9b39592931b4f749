/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WireGuard at the message level (wg.c): keys in base64, key files and
 * their refusals, the generic-netlink messages for the kernel (compared
 * byte for byte against messages laid out here by hand from
 * <linux/wireguard.h>, without libmnl), splitting a large device over
 * several messages, and the wireguard-go UAPI text. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tap.h"
#include "wg.h"

/* ---- an encoder independent of libmnl ------------------------------------- */

struct bytes {
	uint8_t b[8192];
	size_t n;
};

static void b_raw(struct bytes *x, const void *p, size_t len)
{
	memcpy(x->b + x->n, p, len);
	x->n += len;
}

static void b_pad(struct bytes *x)
{
	while (x->n % 4)
		x->b[x->n++] = 0;
}

static void b_u16(struct bytes *x, uint16_t v) { b_raw(x, &v, 2); }
static void b_u32(struct bytes *x, uint32_t v) { b_raw(x, &v, 4); }

/* nlattr: u16 len (header + payload, before padding), u16 type. */
static void b_attr(struct bytes *x, uint16_t type, const void *p, size_t len)
{
	b_u16(x, (uint16_t)(4 + len));
	b_u16(x, type);
	b_raw(x, p, len);
	b_pad(x);
}

static size_t b_nest(struct bytes *x, uint16_t type)
{
	size_t off = x->n;
	b_u16(x, 0);
	b_u16(x, type | NLA_F_NESTED);
	return off;
}

static void b_nest_end(struct bytes *x, size_t off)
{
	uint16_t len = (uint16_t)(x->n - off);
	memcpy(x->b + off, &len, 2);
}

/* nlmsghdr (len patched by b_msg_end) and a 4-byte family header. */
static void b_msg(struct bytes *x, uint16_t type, uint16_t flags, const uint8_t fam[4])
{
	x->n = 0;
	b_u32(x, 0);
	b_u16(x, type);
	b_u16(x, flags);
	b_u32(x, 0); /* seq: set when sent */
	b_u32(x, 0); /* pid */
	b_raw(x, fam, 4);
}

static void b_msg_end(struct bytes *x)
{
	uint32_t len = (uint32_t)x->n;
	memcpy(x->b, &len, 4);
}

static bool same_bytes(const struct nlmsghdr *nlh, const struct bytes *want, const char *what)
{
	bool ok = nlh && nlh->nlmsg_len == want->n && memcmp(nlh, want->b, want->n) == 0;

	TAP_OK(ok, "%s: bytes as laid out by hand", what);
	if (!ok && nlh) {
		const uint8_t *got = (const uint8_t *)nlh;
		TAP_DIAG("length: got %u, expected %zu", nlh->nlmsg_len, want->n);
		for (size_t i = 0; i < want->n && i < nlh->nlmsg_len; i++)
			if (got[i] != want->b[i]) {
				TAP_DIAG("first difference at byte %zu: got 0x%02x, expected 0x%02x", i, got[i], want->b[i]);
				break;
			}
	}
	return ok;
}

/* ---- keys ---------------------------------------------------------------- */

static void test_base64(void)
{
	/* base64 of the bytes 0x00..0x1f (RFC 4648 alphabet) */
	static const char b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	uint8_t key[32], want[32];
	char out[WG_KEY_B64_LEN + 1];

	for (int i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	TAP_INT_EQ(wg_key_from_base64(b64, key), 0, "a 44-character key decodes");
	TAP_OK(memcmp(key, want, 32) == 0, "to the right bytes");
	wg_key_to_base64(want, out);
	TAP_STREQ(out, b64, "and encodes back");

	static const char *const bad[] = {
		"",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",    /* 43, no '=' */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",  /* 45 */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",   /* no '=' at the end */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8=",   /* not base64 */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH=8=",   /* '=' inside */
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		memset(key, 0xaa, sizeof(key));
		TAP_INT_EQ(wg_key_from_base64(bad[i], key), -EINVAL, "refused: '%s'", bad[i]);
		TAP_OK(key[0] == 0xaa && key[31] == 0xaa, "key untouched on failure");
	}
}

static char dir[] = "/tmp/netnsctl-test-wg.XXXXXX";

static const char *key_file(const char *name, const char *content, mode_t mode, uid_t uid)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content) || fchmod(fd, mode) < 0 ||
	    fchown(fd, uid, 0) < 0)
		TAP_DIAG("setting up %s failed: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return path;
}

static void key_refused(const char *path, const char *msg, const char *secret, const char *what)
{
	struct cfg_loc loc = { "web.conf", 7 };
	struct error e = { 0 };
	uint8_t key[32];
	char buf[2048];

	TAP_INT_EQ(wg_key_read_file(path, "PrivateKeyFile", loc, key, &e), -EINVAL, "%s: refused", what);
	TAP_INT_EQ(err_exit_status(&e), 2, "%s: as a config error (exit 2)", what);
	err_format(&e, buf, sizeof(buf));
	TAP_LIKE(buf, "web.conf:7: PrivateKeyFile=", "%s: points at the config line", what);
	TAP_LIKE(buf, msg, "%s: says why", what);
	if (secret)
		TAP_OK(!strstr(buf, secret), "%s: the file's content is not in the message", what);
}

static void test_key_files(void)
{
	static const char *const good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	struct cfg_loc loc = { "web.conf", 7 };
	struct error e = { 0 };
	uint8_t key[32];

	if (geteuid() != 0) {
		TAP_OK(true, "# SKIP key file ownership checks need root");
		return;
	}
	if (!mkdtemp(dir)) {
		TAP_OK(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	TAP_INT_EQ(wg_key_read_file(key_file("ok.key", good, 0600, 0), "PrivateKeyFile", loc, key, &e), 0,
		   "a root-owned 0600 file with one key and a newline is read");
	TAP_INT_EQ(key[31], 31, "with the right content");
	TAP_INT_EQ(wg_key_read_file(key_file("ro.key", good, 0400, 0), "PrivateKeyFile", loc, key, &e), 0,
		   "0400 is fine too");
	key_refused(key_file("world.key", good, 0644, 0), "group or others can access (mode 0644; chmod 600 it)",
		    "AAECAwQF", "mode 0644");
	key_refused(key_file("group.key", good, 0640, 0), "mode 0640", NULL, "mode 0640");
	key_refused(key_file("gw.key", good, 0620, 0), "mode 0620", NULL, "group-writable");
	key_refused(key_file("user.key", good, 0600, 1000), "not owned by root (owner uid 1000)", NULL, "owner 1000");
	key_refused(key_file("bad.key", "c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n", 0600, 0), "not a valid WireGuard key",
		    "c2VjcmV0", "malformed key");
	key_refused(key_file("two.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
			     0600, 0),
		    "not a valid WireGuard key", "AAECAwQF", "two keys");
	key_refused(key_file("empty.key", "", 0600, 0), "not a valid WireGuard key", NULL, "empty file");
	char link[300];
	snprintf(link, sizeof(link), "%s/link.key", dir);
	TAP_OK(symlink("ok.key", link) == 0, "made a symlink");
	key_refused(link, "symbolic link", NULL, "symlink");
	snprintf(link, sizeof(link), "%s/absent.key", dir);
	key_refused(link, "No such file", NULL, "missing file");
	key_refused(dir, "not a regular file", NULL, "a directory");
}

/* ---- generic netlink ----------------------------------------------------------- */

static void test_family_request(void)
{
	char buf[256] = { 0 };
	struct bytes want;
	static const uint8_t genl[4] = { CTRL_CMD_GETFAMILY, 1, 0, 0 };

	b_msg(&want, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, genl);
	b_attr(&want, CTRL_ATTR_FAMILY_NAME, "wireguard", 10);
	b_msg_end(&want);
	same_bytes(wg_genl_family_request(buf), &want, "CTRL_CMD_GETFAMILY \"wireguard\"");
}

static void test_link_request(void)
{
	char buf[512] = { 0 };
	struct bytes want;
	size_t info;
	static const uint8_t hdr[4] = { AF_UNSPEC, 0, 0, 0 };

	/* struct ifinfomsg is 16 bytes: family, pad, type, index, flags, change */
	b_msg(&want, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, hdr);
	b_u32(&want, 0);
	b_u32(&want, 0);
	b_u32(&want, 0);
	b_attr(&want, IFLA_IFNAME, "nwg12345678", 12);
	info = b_nest(&want, IFLA_LINKINFO);
	b_attr(&want, IFLA_INFO_KIND, "wireguard", 10);
	b_nest_end(&want, info);
	b_msg_end(&want);
	same_bytes(wg_link_request(buf, "nwg12345678"), &want, "RTM_NEWLINK kind wireguard");
}

static struct cfg_addr addr(const char *s)
{
	struct cfg_addr a = { 0 };
	if (cfg_addr_parse(s, true, &a) < 0)
		TAP_DIAG("bad test address %s", s);
	return a;
}

static void fill(uint8_t *k, uint8_t first)
{
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(first + i);
}

static void want_allowed(struct bytes *x, const struct cfg_addr *a)
{
	size_t n = b_nest(x, 0);
	uint16_t fam = (uint16_t)a->family;
	b_attr(x, WGALLOWEDIP_A_FAMILY, &fam, 2);
	b_attr(x, WGALLOWEDIP_A_IPADDR, a->raw, a->family == AF_INET ? 4 : 16);
	b_attr(x, WGALLOWEDIP_A_CIDR_MASK, &a->prefixlen, 1);
	b_nest_end(x, n);
}

static void test_set_device(void)
{
	struct cfg_addr allowed[2] = { addr("10.0.0.0/24"), addr("::/0") };
	struct cfg_endpoint ep = { .port = 51820 };
	struct wg_peer peer = { .has_psk = true, .endpoint = &ep, .keepalive = 25, .allowed = allowed, .n_allowed = 2 };
	struct wg_device d = { .ifname = "wg0", .has_listen_port = true, .listen_port = 51820, .has_fwmark = true,
			       .fwmark = 0x42, .peers = &peer, .n_peers = 1 };
	static const uint8_t genl[4] = { WG_CMD_SET_DEVICE, WG_GENL_VERSION, 0, 0 };
	struct wg_cursor cur = { 0 };
	struct bytes want;
	char buf[4096];
	bool more = true;

	ep.addr = addr("192.0.2.1/32");
	fill(d.private_key, 0x10);
	fill(peer.public_key, 0x40);
	fill(peer.psk, 0x80);

	b_msg(&want, 0x1234, NLM_F_REQUEST | NLM_F_ACK, genl);
	b_attr(&want, WGDEVICE_A_IFNAME, "wg0", 4);
	b_attr(&want, WGDEVICE_A_PRIVATE_KEY, d.private_key, 32);
	b_attr(&want, WGDEVICE_A_LISTEN_PORT, &(uint16_t){ 51820 }, 2);
	b_attr(&want, WGDEVICE_A_FWMARK, &(uint32_t){ 0x42 }, 4);
	b_attr(&want, WGDEVICE_A_FLAGS, &(uint32_t){ WGDEVICE_F_REPLACE_PEERS }, 4);
	size_t peers = b_nest(&want, WGDEVICE_A_PEERS), p = b_nest(&want, 0);
	b_attr(&want, WGPEER_A_PUBLIC_KEY, peer.public_key, 32);
	b_attr(&want, WGPEER_A_FLAGS, &(uint32_t){ WGPEER_F_REPLACE_ALLOWEDIPS }, 4);
	b_attr(&want, WGPEER_A_PRESHARED_KEY, peer.psk, 32);
	/* struct sockaddr_in: family, port (network order), address, 8 zero bytes */
	uint8_t sin[16] = { AF_INET, 0, 0xca, 0x6c, 192, 0, 2, 1 };
	b_attr(&want, WGPEER_A_ENDPOINT, sin, 16);
	b_attr(&want, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &(uint16_t){ 25 }, 2);
	size_t aips = b_nest(&want, WGPEER_A_ALLOWEDIPS);
	want_allowed(&want, &allowed[0]);
	want_allowed(&want, &allowed[1]);
	b_nest_end(&want, aips);
	b_nest_end(&want, p);
	b_nest_end(&want, peers);
	b_msg_end(&want);

	same_bytes(wg_build_set_device(buf, sizeof(buf), 0x1234, &d, &cur, &more), &want,
		   "WG_CMD_SET_DEVICE with keys, port, fwmark and one peer");
	TAP_OK(!more, "one message is enough");

	/* A peer without preshared key or endpoint, keepalive off, and an
	 * IPv6 endpoint on another. */
	struct wg_peer two[2] = { { .allowed = allowed, .n_allowed = 1 }, { .endpoint = &ep, .n_allowed = 0 } };
	struct wg_device d2 = { .ifname = "wg1", .peers = two, .n_peers = 2 };
	ep.addr = addr("2001:db8::1/128");
	fill(d2.private_key, 1);
	fill(two[0].public_key, 2);
	fill(two[1].public_key, 3);
	b_msg(&want, 0x1234, NLM_F_REQUEST | NLM_F_ACK, genl);
	b_attr(&want, WGDEVICE_A_IFNAME, "wg1", 4);
	b_attr(&want, WGDEVICE_A_PRIVATE_KEY, d2.private_key, 32);
	b_attr(&want, WGDEVICE_A_FLAGS, &(uint32_t){ WGDEVICE_F_REPLACE_PEERS }, 4);
	peers = b_nest(&want, WGDEVICE_A_PEERS);
	p = b_nest(&want, 0);
	b_attr(&want, WGPEER_A_PUBLIC_KEY, two[0].public_key, 32);
	b_attr(&want, WGPEER_A_FLAGS, &(uint32_t){ WGPEER_F_REPLACE_ALLOWEDIPS }, 4);
	b_attr(&want, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &(uint16_t){ 0 }, 2);
	aips = b_nest(&want, WGPEER_A_ALLOWEDIPS);
	want_allowed(&want, &allowed[0]);
	b_nest_end(&want, aips);
	b_nest_end(&want, p);
	p = b_nest(&want, 0);
	b_attr(&want, WGPEER_A_PUBLIC_KEY, two[1].public_key, 32);
	b_attr(&want, WGPEER_A_FLAGS, &(uint32_t){ WGPEER_F_REPLACE_ALLOWEDIPS }, 4);
	/* struct sockaddr_in6: family, port, flowinfo, address, scope id */
	uint8_t sin6[28] = { AF_INET6, 0, 0xca, 0x6c, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 };
	sin6[8 + 15] = 1;
	b_attr(&want, WGPEER_A_ENDPOINT, sin6, 28);
	b_attr(&want, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &(uint16_t){ 0 }, 2);
	b_nest_end(&want, p);
	b_nest_end(&want, peers);
	b_msg_end(&want);
	memset(&cur, 0, sizeof(cur));
	same_bytes(wg_build_set_device(buf, sizeof(buf), 0x1234, &d2, &cur, &more), &want,
		   "two peers: no psk, IPv6 endpoint, no allowed IPs");

	/* No peers: the device attributes and REPLACE_PEERS (removes all). */
	struct wg_device d3 = { .ifname = "wg2" };
	b_msg(&want, 0x1234, NLM_F_REQUEST | NLM_F_ACK, genl);
	b_attr(&want, WGDEVICE_A_IFNAME, "wg2", 4);
	b_attr(&want, WGDEVICE_A_PRIVATE_KEY, d3.private_key, 32);
	b_attr(&want, WGDEVICE_A_FLAGS, &(uint32_t){ WGDEVICE_F_REPLACE_PEERS }, 4);
	b_msg_end(&want);
	memset(&cur, 0, sizeof(cur));
	same_bytes(wg_build_set_device(buf, sizeof(buf), 0x1234, &d3, &cur, &more), &want, "no peers");
}

/* ---- splitting ---------------------------------------------------------------- */

struct seen {
	unsigned allowed[3];  /* per peer */
	unsigned flags_peers; /* peers that came with REPLACE_ALLOWEDIPS */
	unsigned device_attrs;
	bool bad;
};

static void walk_peer(const struct nlattr *peer, const struct wg_device *d, struct seen *s)
{
	const struct nlattr *a, *b;
	int idx = -1;
	bool flags = false;

	mnl_attr_for_each_nested(a, peer) {
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY)
			for (size_t i = 0; i < d->n_peers; i++)
				if (memcmp(mnl_attr_get_payload(a), d->peers[i].public_key, 32) == 0)
					idx = (int)i;
		if (mnl_attr_get_type(a) == WGPEER_A_FLAGS)
			flags = true;
		if (mnl_attr_get_type(a) == WGPEER_A_ALLOWEDIPS && idx >= 0)
			mnl_attr_for_each_nested(b, a)
				s->allowed[idx]++;
	}
	if (idx < 0)
		s->bad = true;
	/* A peer's settings come once, with its first allowed IPs. */
	if (flags && idx >= 0 && s->allowed[idx] > d->peers[idx].n_allowed)
		s->bad = true;
	s->flags_peers += flags;
}

static void walk(const struct nlmsghdr *nlh, const struct wg_device *d, struct seen *s)
{
	const struct nlattr *a, *p;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == WGDEVICE_A_PRIVATE_KEY)
			s->device_attrs++;
		if (mnl_attr_get_type(a) == WGDEVICE_A_PEERS)
			mnl_attr_for_each_nested(p, a)
				walk_peer(p, d, s);
	}
}

static void test_split(void)
{
	static struct cfg_addr many[300];
	struct wg_peer peers[3] = { 0 };
	struct wg_device d = { .ifname = "wg0", .peers = peers, .n_peers = 3 };
	struct wg_cursor cur = { 0 };
	struct seen s = { 0 };
	char buf[1024];
	bool more = true, fits = true;
	unsigned msgs = 0;

	for (int i = 0; i < 300; i++) {
		char txt[32];
		snprintf(txt, sizeof(txt), "10.%d.%d.0/24", i / 256, i % 256);
		many[i] = addr(txt);
	}
	for (int i = 0; i < 3; i++) {
		fill(peers[i].public_key, (uint8_t)(i * 50));
		peers[i].allowed = many + i * 100;
		peers[i].n_allowed = 100;
	}
	while (more && msgs < 100) {
		struct nlmsghdr *nlh = wg_build_set_device(buf, sizeof(buf), 0x1234, &d, &cur, &more);
		if (!nlh)
			break;
		fits &= nlh->nlmsg_len <= sizeof(buf);
		walk(nlh, &d, &s);
		msgs++;
	}
	TAP_OK(!more && msgs > 3, "300 allowed IPs in 1 KiB messages: %u messages", msgs);
	TAP_OK(fits, "every message fits the buffer");
	TAP_INT_EQ(s.device_attrs, 1, "device attributes (and REPLACE_PEERS) only in the first");
	TAP_OK(s.allowed[0] == 100 && s.allowed[1] == 100 && s.allowed[2] == 100, "every allowed IP exactly once");
	TAP_INT_EQ(s.flags_peers, 3, "each peer's settings exactly once");
	TAP_OK(!s.bad, "continued peers carry only their key and more allowed IPs");

	memset(&cur, 0, sizeof(cur));
	TAP_OK(wg_build_set_device(buf, 40, 0x1234, &d, &cur, &more) == NULL, "a buffer too small is refused");
}

/* ---- UAPI ------------------------------------------------------------------------ */

static void test_uapi(void)
{
	struct cfg_addr allowed[2] = { addr("0.0.0.0/0"), addr("::/0") };
	struct cfg_endpoint ep4 = { .port = 51820 }, ep6 = { .port = 443 };
	struct wg_peer peers[2] = {
		{ .has_psk = true, .endpoint = &ep4, .keepalive = 25, .allowed = allowed, .n_allowed = 2 },
		{ .endpoint = &ep6 },
	};
	struct wg_device d = { .ifname = "wg0", .has_listen_port = true, .listen_port = 51820, .has_fwmark = true,
			       .fwmark = 7, .peers = peers, .n_peers = 2 };
	char *s;

	ep4.addr = addr("192.0.2.1/32");
	ep6.addr = addr("2001:db8::1/128");
	memset(d.private_key, 0x11, 32);
	memset(peers[0].public_key, 0xab, 32);
	memset(peers[0].psk, 0x01, 32);
	memset(peers[1].public_key, 0xcd, 32);
	s = wg_uapi_build(&d);
	TAP_STREQ(s,
		  "set=1\n"
		  "private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		  "listen_port=51820\n"
		  "fwmark=7\n"
		  "replace_peers=true\n"
		  "public_key=abababababababababababababababababababababababababababababababab\n"
		  "preshared_key=0101010101010101010101010101010101010101010101010101010101010101\n"
		  "endpoint=192.0.2.1:51820\n"
		  "persistent_keepalive_interval=25\n"
		  "replace_allowed_ips=true\n"
		  "allowed_ip=0.0.0.0/0\n"
		  "allowed_ip=::/0\n"
		  "public_key=cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\n"
		  "endpoint=[2001:db8::1]:443\n"
		  "persistent_keepalive_interval=0\n"
		  "replace_allowed_ips=true\n"
		  "\n",
		  "UAPI set request, ending with a blank line");
	wg_uapi_free(s);

	char path[128];
	wg_uapi_path("nwg0123abcd", path, sizeof(path));
	TAP_STREQ(path, "/var/run/wireguard/nwg0123abcd.sock", "UAPI socket path");
}

/* ---- reading a device back, comparing ------------------------------------------- */

/* 32 times byte in hex; rotates through buffers, for several in one call. */
static const char *hex_of(uint8_t byte)
{
	static char bufs[4][65];
	static int next;
	char *buf = bufs[next++ % 4];
	for (int i = 0; i < 32; i++)
		snprintf(buf + 2 * i, 3, "%02x", byte);
	return buf;
}

static void test_uapi_parse(void)
{
	char text[2048];
	struct wg_device have = { 0 };

	snprintf(text, sizeof(text),
		 "private_key=%s\nlisten_port=51820\n", hex_of(0x11));
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "public_key=%s\npreshared_key=%s\nprotocol_version=1\nendpoint=192.0.2.1:51820\n"
		 "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
		 "persistent_keepalive_interval=25\nallowed_ip=0.0.0.0/0\nallowed_ip=::/0\n",
		 hex_of(0xab), hex_of(0));
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "public_key=%s\npreshared_key=%s\nprotocol_version=1\nendpoint=[2001:db8::1]:443\n"
		 "persistent_keepalive_interval=0\nerrno=0\n\n",
		 hex_of(0xcd), hex_of(0x01));
	TAP_INT_EQ(wg_uapi_parse(text, &have), 0, "a get=1 reply as wireguard-go writes it parses");
	TAP_INT_EQ(have.private_key[0], 0x11, "private key");
	TAP_OK(have.has_listen_port && have.listen_port == 51820, "listen port");
	TAP_OK(!have.has_fwmark, "no fwmark line: none");
	if (TAP_INT_EQ(have.n_peers, 2, "two peers")) {
		TAP_OK(!have.peers[0].has_psk && have.peers[1].has_psk, "an all-zero preshared key means none");
		TAP_OK(have.peers[0].endpoint && have.peers[0].endpoint->port == 51820, "IPv4 endpoint");
		TAP_OK(have.peers[1].endpoint && have.peers[1].endpoint->addr.family == AF_INET6 &&
			       have.peers[1].endpoint->port == 443,
		       "bracketed IPv6 endpoint");
		TAP_INT_EQ(have.peers[0].keepalive, 25, "keepalive");
		TAP_INT_EQ(have.peers[0].n_allowed, 2, "allowed IPs");
	}

	/* The configuration that produced it matches; each difference does not. */
	struct cfg_addr allowed[3] = { addr("::/0"), addr("0.0.0.0/0"), addr("10.0.0.0/8") };
	struct cfg_endpoint ep4 = { .addr = addr("192.0.2.1/32"), .port = 51820 };
	struct wg_peer peers[2] = { { .endpoint = &ep4, .keepalive = 25, .allowed = allowed, .n_allowed = 2 },
				    { .has_psk = true } };
	struct wg_device want = { .peers = peers, .n_peers = 2 };
	memset(want.private_key, 0x11, 32);
	memset(peers[0].public_key, 0xab, 32);
	memset(peers[1].public_key, 0xcd, 32);
	memset(peers[1].psk, 0x01, 32);
	TAP_OK(wg_device_matches(&want, &have), "matches the config it came from (order of allowed IPs, unset port and endpoint do not matter)");
	peers[0].n_allowed = 3;
	TAP_OK(!wg_device_matches(&want, &have), "an added allowed IP differs");
	peers[0].n_allowed = 2;
	peers[1].psk[5] = 9;
	TAP_OK(!wg_device_matches(&want, &have), "another preshared key differs");
	peers[1].psk[5] = 1;
	ep4.port = 51821;
	TAP_OK(!wg_device_matches(&want, &have), "another endpoint differs");
	ep4.port = 51820;
	want.has_fwmark = true;
	want.fwmark = 7;
	TAP_OK(!wg_device_matches(&want, &have), "a firewall mark differs");
	want.has_fwmark = false;
	want.n_peers = 1;
	TAP_OK(!wg_device_matches(&want, &have), "a peer too many on the device differs");
	want.n_peers = 2;
	want.has_listen_port = true;
	want.listen_port = 1;
	TAP_OK(!wg_device_matches(&want, &have), "another listen port differs");
	wg_device_wipe(&have);

	memset(&have, 0, sizeof(have));
	TAP_INT_EQ(wg_uapi_parse("errno=-22\n\n", &have), -22, "an error reply gives its errno");
	wg_device_wipe(&have);
	memset(&have, 0, sizeof(have));
	TAP_INT_EQ(wg_uapi_parse("private_key=12zz\nerrno=0\n\n", &have), -EPROTO, "a malformed key is a protocol error");
	wg_device_wipe(&have);
	memset(&have, 0, sizeof(have));
	TAP_INT_EQ(wg_uapi_parse("private_key=\n", &have), -EPROTO, "no errno line is a protocol error");
	wg_device_wipe(&have);
}

static void test_genl_parse(void)
{
	static const uint8_t genl[4] = { WG_CMD_GET_DEVICE, WG_GENL_VERSION, 0, 0 };
	struct cfg_addr a[3] = { addr("10.0.0.0/24"), addr("10.1.0.0/24"), addr("2001:db8::/64") };
	uint8_t priv[32], pub[32], psk[32] = { 0 };
	uint8_t sin[16] = { AF_INET, 0, 0xca, 0x6c, 192, 0, 2, 1 };
	struct wg_device have = { 0 };
	struct bytes m;

	fill(priv, 0x10);
	fill(pub, 0x40);
	/* Message 1: device attributes and the peer with two allowed IPs. */
	b_msg(&m, 0x1234, NLM_F_MULTI, genl);
	b_attr(&m, WGDEVICE_A_IFNAME, "wg0", 4);
	b_attr(&m, WGDEVICE_A_PRIVATE_KEY, priv, 32);
	b_attr(&m, WGDEVICE_A_LISTEN_PORT, &(uint16_t){ 51820 }, 2);
	b_attr(&m, WGDEVICE_A_FWMARK, &(uint32_t){ 0 }, 4);
	size_t peers = b_nest(&m, WGDEVICE_A_PEERS), p = b_nest(&m, 0);
	b_attr(&m, WGPEER_A_PUBLIC_KEY, pub, 32);
	b_attr(&m, WGPEER_A_PRESHARED_KEY, psk, 32);
	b_attr(&m, WGPEER_A_ENDPOINT, sin, 16);
	b_attr(&m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &(uint16_t){ 25 }, 2);
	size_t aips = b_nest(&m, WGPEER_A_ALLOWEDIPS);
	want_allowed(&m, &a[0]);
	want_allowed(&m, &a[1]);
	b_nest_end(&m, aips);
	b_nest_end(&m, p);
	b_nest_end(&m, peers);
	b_msg_end(&m);
	TAP_INT_EQ(wg_genl_parse_device((struct nlmsghdr *)m.b, &have), MNL_CB_OK, "a GET_DEVICE message parses");
	/* Message 2: the same peer continues with one more allowed IP. */
	b_msg(&m, 0x1234, NLM_F_MULTI, genl);
	b_attr(&m, WGDEVICE_A_IFNAME, "wg0", 4);
	peers = b_nest(&m, WGDEVICE_A_PEERS);
	p = b_nest(&m, 0);
	b_attr(&m, WGPEER_A_PUBLIC_KEY, pub, 32);
	aips = b_nest(&m, WGPEER_A_ALLOWEDIPS);
	want_allowed(&m, &a[2]);
	b_nest_end(&m, aips);
	b_nest_end(&m, p);
	b_nest_end(&m, peers);
	b_msg_end(&m);
	TAP_INT_EQ(wg_genl_parse_device((struct nlmsghdr *)m.b, &have), MNL_CB_OK, "its continuation parses");
	TAP_OK(memcmp(have.private_key, priv, 32) == 0 && have.listen_port == 51820 && !have.has_fwmark,
	       "device attributes");
	if (TAP_INT_EQ(have.n_peers, 1, "a peer continued across messages is one peer")) {
		const struct wg_peer *hp = &have.peers[0];
		TAP_INT_EQ(hp->n_allowed, 3, "with the allowed IPs of both messages");
		TAP_OK(!hp->has_psk && hp->keepalive == 25, "no preshared key, keepalive 25");
		TAP_OK(hp->endpoint && hp->endpoint->port == 51820 && hp->endpoint->addr.v4.s_addr == htonl(0xc0000201),
		       "endpoint from struct sockaddr_in");
		TAP_OK(cfg_addr_equal(&hp->allowed[2], &a[2]), "IPv6 allowed IP");
	}
	wg_device_wipe(&have);

	/* A peer without a public key is refused. */
	memset(&have, 0, sizeof(have));
	b_msg(&m, 0x1234, NLM_F_MULTI, genl);
	peers = b_nest(&m, WGDEVICE_A_PEERS);
	p = b_nest(&m, 0);
	b_attr(&m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &(uint16_t){ 25 }, 2);
	b_nest_end(&m, p);
	b_nest_end(&m, peers);
	b_msg_end(&m);
	TAP_INT_EQ(wg_genl_parse_device((struct nlmsghdr *)m.b, &have), MNL_CB_ERROR, "a peer without a key is refused");
	wg_device_wipe(&have);
}

static void remove_dir(void)
{
	DIR *d = dir[sizeof(dir) - 7] != 'X' ? opendir(dir) : NULL;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int main(void)
{
	test_base64();
	test_key_files();
	test_family_request();
	test_link_request();
	test_set_device();
	test_split();
	test_uapi();
	test_uapi_parse();
	test_genl_parse();
	remove_dir();
	return tap_done();
}
