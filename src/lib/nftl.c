/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nftl.h"

#include <dlfcn.h>

#include "dl.h"
#include "util.h"

static struct nftl nftl;

static const struct dl_sym syms[] = {
	DL_SYM(struct nftl, ctx_new, "nft_ctx_new"),
	DL_SYM(struct nftl, ctx_free, "nft_ctx_free"),
	DL_SYM(struct nftl, ctx_buffer_output, "nft_ctx_buffer_output"),
	DL_SYM(struct nftl, ctx_buffer_error, "nft_ctx_buffer_error"),
	DL_SYM(struct nftl, ctx_get_output_buffer, "nft_ctx_get_output_buffer"),
	DL_SYM(struct nftl, ctx_get_error_buffer, "nft_ctx_get_error_buffer"),
	DL_SYM(struct nftl, run_cmd_from_buffer, "nft_run_cmd_from_buffer"),
	DL_SYM(struct nftl, run_cmd_from_filename, "nft_run_cmd_from_filename"),
	DL_SYM(struct nftl, ctx_output_set_flags, "nft_ctx_output_set_flags"),
	DL_SYM(struct nftl, ctx_output_get_flags, "nft_ctx_output_get_flags"),
};

/* Lazy binding: of libnftables' many symbols we call a handful. */
static struct dl_lib lib = { "libnftables.so.1", RTLD_LAZY | RTLD_LOCAL, syms, ELEMENTSOF(syms), &nftl, 0 };

const struct nftl *nftl_get(void)
{
	return dl_get(&lib);
}
