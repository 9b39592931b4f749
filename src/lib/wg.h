/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WireGuard: keys, the kernel's "wireguard" generic-netlink family (through
 * libmnl, as wireguard-tools does it) and wireguard-go's UAPI socket. The
 * message builders are separate from the senders so that unit tests can
 * compare what would be sent, byte for byte.
 *
 * Secrets: private and preshared keys are only ever read from files, live
 * in struct wg_device for as long as it takes to send them, and are wiped
 * with wg_device_wipe(). No function here puts a key in an error message. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "netlink.h"

#define WG_KEY_B64_LEN 44            /* base64 of 32 bytes, with one '=' */
#define WG_UAPI_DIR "/var/run/wireguard" /* where wireguard-go puts NAME.sock */
/* Protocol of the routes netnsctl adds for AllowedIPs= (`ip route` shows
 * "proto 110"): distinct from ROUTE_PROTO_NETNSCTL, whose routes the
 * generic reconcile owns. */
#define VPN_ROUTE_PROTO 110

/* Decode a base64 key (exactly 44 characters, ending in '='). -EINVAL if
 * it is not one. key is untouched on failure. */
int wg_key_from_base64(const char *s, uint8_t key[CFG_KEY_LEN]);
void wg_key_to_base64(const uint8_t key[CFG_KEY_LEN], char out[WG_KEY_B64_LEN + 1]);

/* Read a key file. Refused (config error at loc, naming the key= that
 * points there): not a regular file or a symlink, not owned by root,
 * readable or writable by group or others, not exactly one base64 key
 * (surrounding whitespace allowed). The file's content never appears in
 * the error. */
int wg_key_read_file(const char *path, const char *key_name, struct cfg_loc loc,
		     uint8_t key[CFG_KEY_LEN], struct error *e);

struct wg_peer {
	uint8_t public_key[CFG_KEY_LEN];
	uint8_t psk[CFG_KEY_LEN];
	bool has_psk;
	const struct cfg_endpoint *endpoint; /* NULL or family 0: none */
	uint16_t keepalive;                  /* seconds, 0 = off */
	const struct cfg_addr *allowed;      /* into the config, or owned (read from a device) */
	size_t n_allowed;
	/* for a device read back: storage that endpoint and allowed point to */
	struct cfg_endpoint endpoint_buf;
	struct cfg_addr *allowed_buf;
};

struct wg_device {
	char ifname[IFNAME_MAX + 1];
	uint8_t private_key[CFG_KEY_LEN];
	bool has_listen_port;
	uint16_t listen_port;
	bool has_fwmark;
	uint32_t fwmark;
	struct wg_peer *peers;
	size_t n_peers;
};

/* Read the keys of a Kind=wireguard link into d (device ifname given).
 * The config must outlive d (endpoints and allowed IPs point into it). */
int wg_device_load(const struct cfg_link *l, const char *ifname, struct wg_device *d, struct error *e);
/* Wipe the keys and free the peers; d may be partly filled. */
void wg_device_wipe(struct wg_device *d);

/* Does the device `have` (read back from the kernel or wireguard-go) have
 * the configuration `want`? Not compared: the listen port when want does
 * not set one (chosen at random), and a peer's endpoint when want has none
 * (learnt from the peer). Reconcile sends nothing when it matches, so that
 * a second `up` does not reset the peers' sessions. */
bool wg_device_matches(const struct wg_device *want, const struct wg_device *have);

/* ---- kernel: generic netlink ---------------------------------------- */

/* CTRL_CMD_GETFAMILY for "wireguard", built into buf (zeroed by the
 * caller: libmnl does not write attribute padding). */
struct nlmsghdr *wg_genl_family_request(void *buf);
/* Resolve the family id over a NETLINK_GENERIC socket; -ENOENT if the
 * kernel has no WireGuard. */
int wg_genl_family(struct nl_sock *genl, uint16_t *ret_id, struct error *e);

/* Where the next WG_CMD_SET_DEVICE message continues, when one device
 * does not fit in one message (many peers or allowed IPs). Zero to start. */
struct wg_cursor {
	size_t peer;    /* next peer to put */
	size_t allowed; /* next allowed IP of that peer (0: the peer is new) */
	bool started;   /* the first message (device attributes) was built */
};

/* Build one WG_CMD_SET_DEVICE message of at most size bytes into buf. The
 * first carries the device attributes and WGDEVICE_F_REPLACE_PEERS; a peer
 * starts with WGPEER_F_REPLACE_ALLOWEDIPS, and one continued from an
 * earlier message carries only its public key and further allowed IPs.
 * Returns the message and sets *ret_more when another one is needed; NULL
 * if size is too small for even one allowed IP. */
struct nlmsghdr *wg_build_set_device(void *buf, size_t size, uint16_t family, const struct wg_device *d,
				     struct wg_cursor *cur, bool *ret_more);

/* Configure a kernel WireGuard device (in genl's namespace) completely:
 * device attributes, and exactly the peers of d. */
int wg_kernel_set_device(struct nl_sock *genl, uint16_t family, const struct wg_device *d,
			 struct error *e);

/* Read a kernel device's configuration (WG_CMD_GET_DEVICE dump). Free
 * with wg_device_wipe(). */
int wg_kernel_get_device(struct nl_sock *genl, uint16_t family, const char *ifname, struct wg_device *ret,
			 struct error *e);
/* One message of that dump, added to d (a peer may continue from the
 * previous message). MNL_CB_OK or MNL_CB_ERROR. Exposed for tests. */
int wg_genl_parse_device(const struct nlmsghdr *nlh, struct wg_device *d);

/* RTM_NEWLINK creating a WireGuard link called name (kind "wireguard");
 * buf zeroed by the caller, as above. */
struct nlmsghdr *wg_link_request(void *buf, const char *name);

/* ---- userspace: wireguard-go's UAPI socket ---------------------------- */

/* The "set=1" request for d, ending with the blank line. Returned in
 * malloc'd memory that holds keys: free it with wg_uapi_free(). */
char *wg_uapi_build(const struct wg_device *d);
void wg_uapi_free(char *s);

/* WG_UAPI_DIR/IFNAME.sock */
void wg_uapi_path(const char *ifname, char *buf, size_t size);

/* Send d to the UAPI socket of ifname and check the reply ("errno=0").
 * With expect_pid > 0, the listener must be that process (SO_PEERCRED). */
int wg_uapi_set(const char *ifname, pid_t expect_pid, const struct wg_device *d, struct error *e);

/* Read the device's configuration ("get=1"). Free with wg_device_wipe(). */
int wg_uapi_get(const char *ifname, pid_t expect_pid, struct wg_device *ret, struct error *e);
/* Parse a "get=1" reply into d: -EPROTO if malformed, or the (negative)
 * errno= it reports. Exposed for tests. */
int wg_uapi_parse(const char *text, struct wg_device *d);
