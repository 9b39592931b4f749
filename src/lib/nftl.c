/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nftl.h"

#include <dlfcn.h>
#include <errno.h>

static struct nftl nftl;
static int nftl_state; /* 0 not tried, 1 loaded, -errno failed */

#define SYM(field, name)                                  \
	do {                                              \
		*(void **)&nftl.field = dlsym(h, name);   \
		if (!nftl.field)                          \
			return -ENOSYS;                   \
	} while (0)

static int nftl_load(void)
{
	/* Lazy binding: of libnftables' many symbols we call a handful. */
	void *h = dlopen("libnftables.so.1", RTLD_LAZY | RTLD_LOCAL);

	if (!h)
		return -ENOENT;
	SYM(ctx_new, "nft_ctx_new");
	SYM(ctx_free, "nft_ctx_free");
	SYM(ctx_buffer_output, "nft_ctx_buffer_output");
	SYM(ctx_buffer_error, "nft_ctx_buffer_error");
	SYM(ctx_get_output_buffer, "nft_ctx_get_output_buffer");
	SYM(ctx_get_error_buffer, "nft_ctx_get_error_buffer");
	SYM(run_cmd_from_buffer, "nft_run_cmd_from_buffer");
	SYM(run_cmd_from_filename, "nft_run_cmd_from_filename");
	SYM(ctx_output_set_flags, "nft_ctx_output_set_flags");
	SYM(ctx_output_get_flags, "nft_ctx_output_get_flags");
	return 1; /* kept open for the life of the process */
}

const struct nftl *nftl_get(void)
{
	if (nftl_state == 0)
		nftl_state = nftl_load();
	if (nftl_state < 0) {
		errno = -nftl_state;
		return NULL;
	}
	return &nftl;
}
