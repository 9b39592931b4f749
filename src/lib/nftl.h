/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnftables, loaded on first use (as sdl.h does for libsystemd): linked
 * normally, it and its dependencies (jansson, xtables, gmp, ...) cost every
 * netnsctl process about 0.45 ms at start, including `exec` and `up` of
 * namespaces without firewall rules. */
#pragma once

#include <nftables/libnftables.h>

struct nftl {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*ctx_buffer_output)(struct nft_ctx *ctx);
	int (*ctx_buffer_error)(struct nft_ctx *ctx);
	const char *(*ctx_get_output_buffer)(struct nft_ctx *ctx);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
	int (*run_cmd_from_buffer)(struct nft_ctx *nft, const char *buf);
	int (*run_cmd_from_filename)(struct nft_ctx *nft, const char *filename);
	void (*ctx_output_set_flags)(struct nft_ctx *ctx, unsigned int flags);
	unsigned int (*ctx_output_get_flags)(struct nft_ctx *ctx);
};

/* The loaded library, or NULL (errno set) if libnftables.so.1 is missing. */
const struct nftl *nftl_get(void);
