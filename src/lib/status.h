/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `list` and `status` show: read live from the kernel and the state
 * record, with the config consulted only for what the kernel cannot know
 * (joined units, description). The library renders JSON; the CLI renders
 * the human form. */
#pragma once

#include <stdio.h>

#include "config.h"
#include "live.h"
#include "state.h"

struct nft_status;

enum ns_state {
	NS_DOWN,    /* configured, no namespace */
	NS_UP,      /* namespace exists (and, if managed, the last up finished) */
	NS_PARTIAL, /* managed, but the last up did not finish */
};

struct ns_info {
	char name[NS_NAME_MAX + 1];
	bool managed;    /* a state record exists */
	bool configured; /* a config file exists */
	enum ns_state state;
	struct cfg *cfg; /* NULL if absent or unparsable */
	char cfg_error[512];
	struct state *st;
	struct live live; /* inside; empty when down */
	size_t n_links;   /* excluding lo */
	struct nft_status *fw; /* firewall rules and counters (detail only); NULL if none */
};

/* Everything about one namespace; detail=false reads only the link list. */
int ns_info_read(const char *cfg_dir, const char *name, bool detail, struct ns_info *ret,
		 struct error *e);
void ns_info_free(struct ns_info *i);

/* Names of every namespace that exists or is configured, sorted; free with
 * strv_free (netns.h). */
int ns_info_names(const char *cfg_dir, char ***ret, size_t *ret_n, struct error *e);

/* What reading many namespaces in one command shares, so that the cost per
 * namespace is only its own files and dumps: one read of the config
 * directory (which configs and drop-in directories exist, the directory's
 * ownership checked once) and the caller's own network namespace, opened
 * once to come back to after making each namespace's netlink socket. */
struct ns_reader {
	const char *cfg_dir;
	struct cfg_dir_index cfgs;
	int self_fd;
};

int ns_reader_open(struct ns_reader *rd, const char *cfg_dir, struct error *e);
void ns_reader_close(struct ns_reader *rd);
/* As ns_info_names, from what ns_reader_open read. */
int ns_reader_names(const struct ns_reader *rd, char ***ret, size_t *ret_n, struct error *e);
/* As ns_info_read, with the same result. */
int ns_reader_read(const struct ns_reader *rd, const char *name, bool detail, struct ns_info *ret,
		   struct error *e);

/* Every namespace that exists or is configured, sorted by name; what `list`
 * shows: each entry has its flags, state, link count and config, but no
 * state record (st) and no live links. */
int ns_info_list(const char *cfg_dir, struct ns_info **ret, size_t *ret_n, struct error *e);
void ns_info_list_free(struct ns_info *v, size_t n);

const char *ns_state_to_string(enum ns_state s);

/* Host-side name of a link inside (veth host end) or NULL. */
const char *ns_info_host_peer(const struct ns_info *i, const struct live_link *l);

/* What kind a live link is, as the config would call it: "loopback",
 * "physical" for a device netnsctl moved in, the configured Kind= of a
 * link the config names, else the kernel's kind or "device". */
const char *ns_info_link_kind(const struct ns_info *i, const struct live_link *l);

void status_json(FILE *f, const struct ns_info *i, bool pretty);
void list_json(FILE *f, const struct ns_info *v, size_t n, bool pretty);
