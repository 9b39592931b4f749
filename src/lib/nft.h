/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nftables through libnftables (never by running nft): the tables
 * netnsctl owns in the host namespace and inside namespaces.
 *
 * The host side is ONE table, `inet netnsctl`, shared by every namespace:
 * each namespace owns a few base chains in it (pre-NAME, out-NAME,
 * post-NAME, fwd-NAME) whose comment reads "ns=NAME hash=H", and the
 * elements commented "ns=NAME" of the sets that claim published host
 * ports (published4, published6: a port claimed twice is refused by the
 * kernel, atomically with the rest of the batch). A table per
 * namespace would cost every libnftables call about 0.5 ms per table on
 * the host (libnftables 1.0.6 allocates four 128 KiB hash tables for each
 * table it caches), so `up` would get slower with every namespace. See
 * docs/FIREWALL.md for the layout, priorities and the cost figures. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define NFT_TABLE "netnsctl"    /* inet netnsctl, in the host and in each namespace */
#define NFT_RESTORE_CHAIN "restore" /* host: sysctls to put back when the table goes */

struct nft_ctx;

/* One libnftables context whose netlink socket is bound to a namespace. */
struct nft_sess {
	struct nft_ctx *ctx;
	bool defer;    /* a committed batch deleted something: see nft_close() */
	bool no_fault; /* nft_run is not a fault-injection point: the caller counts it */
};

/* Open a context in the namespace ns_fd (-1: the caller's). The socket is
 * created while the thread is inside, so it stays bound there. */
int nft_open(int ns_fd, struct nft_sess *s, struct error *e);

/* Run batch (one command per line) as ONE transaction. It is a kernel
 * operation for fault injection. On failure *ret_line is the 1-based line
 * of batch that libnftables blamed (0 if none) and e->kernel holds its
 * message. deletes: the batch removes objects (see nft_close()). */
int nft_run(struct nft_sess *s, const char *batch, bool deletes, unsigned *ret_line, struct error *e);

/* A read-only command ("list table inet netnsctl"): *ret is its output
 * (caller frees), or NULL with -ENOENT if the object does not exist. */
int nft_query(struct nft_sess *s, const char *cmd, char **ret, struct error *e);

/* Free the context. If it committed a deletion, closing its socket makes
 * the kernel wait for an RCU grace period (10-18 ms here); then a detached
 * grandchild inherits the socket and holds the last reference, so that the
 * wait happens there and not in this process. */
void nft_close(struct nft_sess *s);

/* Open, run one batch, close: for undo steps. */
int nft_run_once(int ns_fd, const char *batch, struct error *e);

/* Remove what the ST_NFT record (family, table) names, in the namespace
 * ns_fd (-1: the caller's). table is either a table netnsctl owns
 * outright (deleted), or "netnsctl/NAME": NAME's chains in the shared
 * table; the shared table itself goes with its last namespace, after the
 * host sysctls listed in its restore chain are put back. Absent is
 * success. */
int nft_table_delete(int ns_fd, const char *family, const char *table, struct error *e);

/* Remove NAME's part of the shared host table (as above). */
int nft_part_remove(int ns_fd, const char *name, struct error *e);

/* ---- reading `list table` output ------------------------------------------ */

struct nft_rule_info {
	char *text;             /* the rule without its "counter packets N bytes M" */
	bool has_counter;
	uint64_t packets, bytes;
};

struct nft_chain_info {
	char name[256];
	char comment[128];
	char spec[128];         /* "type nat hook postrouting priority srcnat + 10; policy accept;" */
	char *block;            /* the chain as listed, valid input for re-adding it */
	struct nft_rule_info *rules;
	size_t n_rules;
};

struct nft_elem_info {
	char key[160];          /* as listed, valid input for deleting it */
	char comment[128];
};

struct nft_set_info {
	char name[256];
	struct nft_elem_info *elems;
	size_t n_elems;
};

struct nft_counter_info {
	char name[256];
	uint64_t packets, bytes;
};

struct nft_table_info {
	char comment[128];
	struct nft_chain_info *chains;
	size_t n_chains;
	struct nft_counter_info *counters;
	size_t n_counters;
	struct nft_set_info *sets;
	size_t n_sets;
};

/* Parse the output of `list table FAMILY NAME`. */
int nft_table_parse(const char *text, struct nft_table_info *ret);
void nft_table_info_free(struct nft_table_info *t);

/* The namespace a host chain belongs to, from its "ns=NAME hash=H" comment,
 * copied to buf; false if the chain is not a namespace's. */
bool nft_chain_owner(const struct nft_chain_info *c, char *buf, size_t size);
/* The namespace a set element belongs to ("ns=NAME" comment). */
bool nft_elem_owner(const struct nft_elem_info *el, char *buf, size_t size);
/* The batch lines that remove name's chains and set elements; "" if it has
 * none. *ret_others: another namespace still has some. Caller frees. */
char *nft_part_removal(const struct nft_table_info *t, const char *name, bool *ret_others);
/* The "hash=H" value of a comment, or "" . */
const char *nft_comment_hash(const char *comment, char *buf, size_t size);

/* ---- status ------------------------------------------------------------------------------ */

struct json;
struct state;

/* What `status` shows of a namespace's firewall: its part of the host table
 * and the table inside, with packet and byte counters. */
struct nft_status {
	struct nft_table_info host;   /* only the chains and claims of the namespace */
	struct nft_table_info inside;
	bool has_inside;
	char error[256];              /* why something could not be read, or "" */
};

/* Read it for namespace name if its state record st lists a firewall part
 * (only then is libnftables loaded); NULL otherwise. */
struct nft_status *nft_status_for(const char *name, const struct state *st);
void nft_status_free(struct nft_status *s);
/* The "firewall" object of `status --json`. */
void nft_status_json(struct json *j, const struct nft_status *s);
/* The human form, two-space indented lines. */
void nft_status_print(FILE *f, const struct nft_status *s);
