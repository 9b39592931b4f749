/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration model: /etc/netnsctl/NAME.conf plus NAME.conf.d/ drop-ins,
 * parsed into plain structs with no side effects. Every value keeps the file
 * and line it came from, so later stages can point errors at it. */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "error.h"
#include "names.h"

#define CFG_DEFAULT_DIR "/etc/netnsctl"
#define CFG_MAX_FILE_SIZE (4u << 20)
#define CFG_MAX_LINE (64u << 10)

struct cfg_loc {
	const char *file; /* owned by struct cfg (files[]) */
	unsigned line;    /* 0 = not set */
};

struct cfg_addr {
	int family; /* AF_INET or AF_INET6; 0 = unset */
	uint8_t prefixlen;
	union {
		uint8_t raw[16];
		struct in_addr v4;
		struct in6_addr v6;
	};
	struct cfg_loc loc;
};

struct cfg_addr_list {
	struct cfg_addr *v;
	size_t n;
};

struct cfg_str {
	char *v;
	struct cfg_loc loc;
};

struct cfg_str_list {
	struct cfg_str *v;
	size_t n;
};

struct cfg_ifname {
	char v[IFNAME_MAX + 1];
	struct cfg_loc loc;
};

struct cfg_bool {
	bool v;
	struct cfg_loc loc; /* loc.line == 0: default in effect */
};

struct cfg_u32 {
	uint32_t v;
	struct cfg_loc loc;
};

struct cfg_mac {
	uint8_t v[6];
	struct cfg_loc loc;
};

enum link_kind {
	LINK_PHYSICAL,
	LINK_VETH,
	LINK_MACVLAN,
	LINK_BRIDGE,
	LINK_WIREGUARD,
	LINK_TUN,
	_LINK_KIND_MAX,
};

enum mv_mode {
	MV_BRIDGE,
	MV_PRIVATE,
	MV_VEPA,
	MV_PASSTHRU,
	_MV_MAX,
};

struct cfg_enum {
	int v;
	struct cfg_loc loc;
};

struct cfg_ports {
	uint16_t lo, hi; /* inclusive; lo == 0: unset */
	struct cfg_loc loc;
};

enum fw_proto {
	FW_TCP,
	FW_UDP,
	FW_ICMP,
	_FW_PROTO_MAX,
};

struct cfg_allow {
	enum fw_proto proto;
	struct cfg_ports ports; /* unset for icmp */
	struct cfg_loc loc;
};

struct cfg_allow_list {
	struct cfg_allow *v;
	size_t n;
};

enum publish_mode {
	PUBLISH_NAT,
	PUBLISH_PROXY,
	_PUBLISH_MODE_MAX,
};

enum fw_policy {
	FW_ACCEPT,
	FW_DROP,
	_FW_POLICY_MAX,
};

/* [Publish]: a port of the namespace made reachable on the host. */
struct cfg_publish {
	struct cfg_loc loc;          /* the [Publish] header */
	struct cfg_enum proto;       /* FW_TCP (default) or FW_UDP */
	struct cfg_ports host_port;  /* required */
	struct cfg_ports port;       /* default: host_port */
	struct cfg_addr host_addr;   /* family 0: every host address */
	struct cfg_enum mode;        /* enum publish_mode; default nat with a host link, else proxy */
	struct cfg_u32 max_conn;     /* proxy: concurrent connections (default 4096) */
	struct cfg_u32 idle_timeout; /* proxy: seconds without traffic before closing (0 = never) */
};

enum wg_impl {
	WG_IMPL_AUTO,      /* kernel if the "wireguard" genetlink family resolves, else wireguard-go */
	WG_IMPL_KERNEL,
	WG_IMPL_USERSPACE, /* wireguard-go, driven over its UAPI socket */
	_WG_IMPL_MAX,
};

#define CFG_KEY_LEN 32 /* WireGuard keys: Curve25519, 32 bytes */

/* Endpoint=HOST:PORT of a [WireGuardPeer]: an IP literal, never a name. */
struct cfg_endpoint {
	struct cfg_addr addr; /* family 0: unset; prefixlen unused */
	uint16_t port;
	struct cfg_loc loc;
};

/* [WireGuardPeer]: belongs to the [Link] before it in the same file. Only
 * the public key is held here; secrets stay in their files until `up`. */
struct cfg_wg_peer {
	struct cfg_loc loc; /* the [WireGuardPeer] header */
	uint8_t public_key[CFG_KEY_LEN];
	struct cfg_loc public_key_loc; /* line 0: not set */
	struct cfg_str psk_file;       /* PresharedKeyFile= */
	struct cfg_endpoint endpoint;
	struct cfg_addr_list allowed_ips;
	struct cfg_u32 keepalive; /* PersistentKeepalive= seconds, 0 = off */
};

struct cfg_link {
	struct cfg_loc loc; /* the [Link] header */
	struct cfg_enum kind; /* enum link_kind */
	struct cfg_ifname name;
	struct cfg_ifname device;
	struct cfg_addr_list addrs;
	struct cfg_addr_list gateways; /* at most one per family */
	struct cfg_u32 mtu;
	struct cfg_mac mac;
	struct cfg_ifname host_name;
	struct cfg_addr_list host_addrs;
	struct cfg_ifname bridge;
	struct cfg_enum mode; /* enum mv_mode */
	struct cfg_bool force;
	struct cfg_bool wait_for_device;
	struct cfg_bool masquerade; /* veth/bridge: NAT traffic out through the host */
	struct cfg_bool tunnel;     /* the kill switch lets traffic out here (default: wireguard) */

	/* Kind=wireguard */
	struct cfg_str private_key_file;
	struct cfg_u32 listen_port;  /* 0 with line 0: chosen at random */
	struct cfg_u32 fwmark;
	struct cfg_enum impl;        /* enum wg_impl */
	struct cfg_wg_peer *peers;
	size_t n_peers;
	/* Kind=tun: owner of the persistent device (name or number) */
	struct cfg_str user;
	struct cfg_str group;
};

struct cfg_route {
	struct cfg_loc loc; /* the [Route] header */
	struct cfg_addr dst;
	struct cfg_addr gw;
	struct cfg_ifname link;
	struct cfg_u32 metric;
};

struct cfg_sysctl {
	char *key;   /* normalised to dots: net.ipv4.ip_forward */
	char *value;
	struct cfg_loc loc;
};

struct cfg_sysctl_list {
	struct cfg_sysctl *v;
	size_t n;
};

struct cfg {
	char name[NS_NAME_MAX + 1];
	struct cfg_loc name_loc;
	struct cfg_str description;
	struct cfg_bool loopback; /* default yes */
	struct cfg_bool ipv6;     /* default yes */
	struct cfg_sysctl_list sysctls;

	struct cfg_link *links;
	size_t n_links;
	struct cfg_route *routes;
	size_t n_routes;

	struct cfg_loc dns_loc; /* first [DNS] header; line 0 = no [DNS] section */
	struct cfg_addr_list nameservers;
	struct cfg_str_list search;
	struct cfg_bool dns_leak_guard; /* default: yes when [DNS] is present */

	struct cfg_str_list joins; /* [Service] Join= */

	struct cfg_publish *publish;
	size_t n_publish;

	struct cfg_loc fw_loc;       /* first [Firewall] header */
	struct cfg_enum fw_policy;   /* enum fw_policy, inbound inside the namespace */
	struct cfg_allow_list fw_allow;
	struct cfg_bool kill_switch;

	/* Set by the CNI front end: an existing namespace (CNI_NETNS) that
	 * netnsctl configures but neither creates nor deletes. NULL normally. */
	char *netns_path;

	char **files; /* every file read, in order; cfg_loc.file points here */
	size_t n_files;
};

/* Callback-driven reader for systemd-style INI text. Exposed for the fuzzer
 * and unit tests. `section` is NULL for assignments before any header, and
 * key is NULL for a section header event. Returns -errno with e filled. */
typedef int (*ini_handler)(void *data, const char *section, const char *key, const char *value,
			   unsigned line, struct error *e);
int ini_parse(const char *text, size_t len, const char *file, ini_handler handler, void *data,
	      struct error *e);

/* Parse one file's text into c (which may already hold earlier files).
 * `file` is remembered for locations. */
int cfg_parse_text(struct cfg *c, const char *text, size_t len, const char *file, struct error *e);

/* Read a file (with size, NUL and ownership checks) and parse it into c. */
int cfg_parse_file(struct cfg *c, const char *path, struct error *e);

/* Load DIR/NAME.conf and DIR/NAME.conf.d/ *.conf in lexical order, fill in
 * defaults and validate. -ENOENT (with a message) if NAME.conf is absent. */
int cfg_load(const char *dir, const char *name, struct cfg **ret, struct error *e);

/* One read of a config directory, for commands that load many configs from
 * it (list, status): which NAME.conf and NAME.conf.d entries exist, and the
 * directory's ownership verdict, so that each load skips the stat, access,
 * geteuid and drop-in probes cfg_load makes for a single name. */
struct cfg_dir_index {
	const char *dir;   /* borrowed */
	bool root;         /* geteuid() == 0: ownership is enforced */
	int dir_r;         /* the directory's own check; < 0 refuses every config */
	struct error dir_e;
	char **confs;      /* NAME of every valid NAME.conf entry, sorted */
	size_t n_confs;
	char **dropins;    /* NAME of every NAME.conf.d entry of any type, sorted */
	size_t n_dropins;
	char **probe;      /* NAME.conf entries that may not exist for access(2): symbolic
			    * links (perhaps dangling) and unknown types; sorted */
	size_t n_probe;
};

/* Read dir once; a missing directory gives an empty index. */
int cfg_dir_index_read(struct cfg_dir_index *x, const char *dir, struct error *e);
void cfg_dir_index_free(struct cfg_dir_index *x);
/* Whether DIR/NAME.conf exists, as access(F_OK) would say. */
bool cfg_dir_index_has(const struct cfg_dir_index *x, const char *name);
/* cfg_load with what the index knows: the same result and errors. */
int cfg_load_indexed(const struct cfg_dir_index *x, const char *name, struct cfg **ret,
		     struct error *e);

/* Load an arbitrary file (for `check FILE`): name from the file's base name. */
int cfg_load_path(const char *path, struct cfg **ret, struct error *e);

/* Fill in defaults (derived names) and check everything that can be checked
 * without the kernel. */
int cfg_validate(struct cfg *c, struct error *e);

struct cfg *cfg_new(void);
void cfg_free(struct cfg *c);
static inline void cfg_freep(struct cfg **c) { cfg_free(*c); }
#define _cleanup_cfg_ _cleanup_(cfg_freep)

/* The config directory in effect: explicit dir, else $NETNSCTL_CONFIG_DIR,
 * else CFG_DEFAULT_DIR. */
const char *cfg_dir(const char *explicit_dir);

const char *link_kind_to_string(enum link_kind k);
const char *macvlan_mode_to_string(enum mv_mode m);
const char *fw_proto_to_string(enum fw_proto p);
const char *wg_impl_to_string(enum wg_impl i);

/* True if some link of c has a host end (veth or bridge). */
bool cfg_has_host_link(const struct cfg *c);

/* "192.0.2.1/24" or "2001:db8::1" (with_prefix=false). */
const char *cfg_addr_to_string(const struct cfg_addr *a, bool with_prefix, char *buf, size_t size);
int cfg_addr_parse(const char *s, bool want_prefix, struct cfg_addr *ret);
bool cfg_addr_equal(const struct cfg_addr *a, const struct cfg_addr *b);

/* Every key the parser accepts, as "Section.Key", NULL-terminated; for the
 * documentation drift test. */
const char *const *cfg_known_keys(void);
