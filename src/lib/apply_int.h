/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to apply*.c: the context and the undo stack. */
#pragma once

#include "addr.h"
#include "apply.h"
#include "link.h"
#include "live.h"
#include "state.h"

enum undo_kind {
	U_NETNS,       /* delete the namespace we created */
	U_HOSTLINK,    /* delete a host-side link we created (veth host end) */
	U_PHYSICAL,    /* move a physical device back */
	U_NSLINK,      /* delete a link we created inside the namespace */
	U_ADDR,        /* remove an address we added */
	U_ADDR_READD,  /* put back an address we removed */
	U_ROUTE,       /* remove a route we added */
	U_ROUTE_READD, /* put back a route we removed */
	U_LINKSET,     /* restore mtu/mac/up of a link we changed */
	U_SYSCTL,      /* restore a sysctl inside the namespace */
	U_FILE,        /* remove a file we wrote, or put back its old content (blob) */
	U_DIR,         /* remove a directory we created */
	U_FILE_READD,  /* write back a file (blob) we removed, and its record */
	U_DIR_READD,   /* re-create a directory we removed, and its record */
	U_PROCESS,     /* stop a helper process we started (key = pid; its ST_PROCESS record) */
	U_NFT,         /* nftables (apply_fw.c): host: blob NULL removes this namespace's host
			* part (up=1: and drops its ST_NFT record), else blob is its old part;
			* inside: blob is the batch that puts the old table back */
	U_HOST_SYSCTL, /* restore host sysctl key to value (up=1: drop its ST_SYSCTL record) */
};

struct undo {
	enum undo_kind kind;
	bool host; /* acts through the host socket rather than the namespace's */
	char name[IFNAME_MAX + 1];
	int ifindex;
	struct cfg_addr addr;
	struct route_spec route;
	uint32_t mtu;
	uint8_t mac[6];
	bool has_mac;
	int up;
	int master; /* U_LINKSET: 0 leave, else as link_req.master */
	char key[256], value[256];
	char *blob; /* owned; freed with the undo stack */
};

struct apply_ctx {
	const struct cfg *c;
	struct state *st;
	int ns_fd;
	struct nl_sock host;
	struct nl_sock ns;
	struct live host_live; /* host links (+routes if a physical link is moved) */
	struct live live;      /* inside the namespace */
	struct undo *undo;
	size_t n_undo;
	unsigned changes;
	struct fw_async *fwa; /* the host firewall part, loaded by a helper (apply_fw.c) */
	bool fresh;   /* no record at the start: failure removes the record too */
	bool created; /* this run created the namespace (not for external ones) */
};

int undo_push(struct apply_ctx *ctx, const struct undo *u, struct error *e);
void undo_all(struct apply_ctx *ctx);

/* apply_link.c */
int links_preflight(struct apply_ctx *ctx, struct error *e);
int links_apply(struct apply_ctx *ctx, struct error *e);
int links_remove_stale(struct apply_ctx *ctx, struct error *e);
int physical_return(struct apply_ctx *ctx, const struct state_rec *rec, int host_ns_fd,
		    struct error *e);

/* apply.c */
int process_stop(const struct state_rec *rec, struct error *e);

/* apply_files.c */
int files_apply(struct apply_ctx *ctx, struct error *e);
int file_remove(const char *path, struct error *e);
int file_write_atomic(const char *path, const char *content, struct error *e);

/* apply_vpn.c: Kind=wireguard and Kind=tun. vpn_create makes the device
 * in the host namespace and moves it in (pushing its own undo); the rest
 * (addresses, up) is done by the common link code afterwards. */
int vpn_preflight(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e);
int vpn_create(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e);
/* An existing Kind=wireguard link (for reconcile; called by apply_one
 * after check_kind): send its configuration only if the live device
 * differs, and bring its AllowedIPs routes in line. */
int vpn_update(struct apply_ctx *ctx, const struct cfg_link *l, const struct live_link *ll, struct error *e);
/* U_PROCESS: stop the process, wait for it, drop its record. */
int vpn_undo_process(struct apply_ctx *ctx, const struct undo *u, struct error *e);

/* apply_fw.c: [Link] Masquerade=, [Publish] Mode=nat and [Firewall]
 * (docs/FIREWALL.md). */
struct fw_batch {
	char *text;                  /* one nft command per line */
	size_t len;
	const struct cfg_loc **locs; /* per line: the config line behind it, or NULL */
	size_t n_lines;
	bool deletes;                /* removes objects (see nft_close()) */
};
int fw_line(struct fw_batch *b, const struct cfg_loc *loc, const char *fmt, ...) _printf_(3, 4);
void fw_batch_free(struct fw_batch *b);
bool fw_wants_host(const struct cfg *c);
bool fw_wants_ns(const struct cfg *c);
/* This namespace's part of the host table, and the table inside; ret_hash
 * gets the content hash that is also written into the comments. */
int fw_render_host(const struct cfg *c, struct fw_batch *b, char ret_hash[9], struct error *e);
int fw_render_ns(const struct cfg *c, struct fw_batch *b, char ret_hash[9], struct error *e);
int firewall_apply(struct apply_ctx *ctx, struct error *e);
/* The host part loaded by a helper process (see apply_fw.c):
 * fw_async_start forks it before `up` touches anything (no helper if the
 * config does not allow it; a failure to fork only means no head start),
 * fw_async_go writes the record and lets it commit, firewall_apply()
 * collects the result. A failed `up` calls fw_async_finish(ctx, NULL)
 * before its rollback, so that the rollback sees what the helper did;
 * fw_async_free() is for every exit. */
int fw_async_start(struct apply_ctx *ctx);
int fw_async_go(struct apply_ctx *ctx, struct error *e);
int fw_async_finish(struct apply_ctx *ctx, struct error *e);
void fw_async_free(struct apply_ctx *ctx);
int fw_undo(struct apply_ctx *ctx, const struct undo *u, struct error *e);

/* apply_route.c */
int routes_apply(struct apply_ctx *ctx, struct error *e);
