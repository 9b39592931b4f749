/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nft.h"

#include <stdio.h>

#include "fault.h"
#include "netns.h"
#include "nftl.h"

int nft_table_delete(int ns_fd, const char *family, const char *table, struct error *e)
{
	const struct nftl *L = nftl_get();
	struct nft_ctx *nft;
	char cmd[256];
	int saved = -1, r;

	if (!L)
		return err_set(e, -errno, "loading libnftables.so.1");
	r = fault_check("nft", e);
	if (r < 0)
		return r;
	if (ns_fd >= 0 && (r = ns_enter(ns_fd, &saved, e)) < 0)
		return r;
	nft = L->ctx_new(NFT_CTX_DEFAULT);
	if (ns_fd >= 0)
		ns_leave(&saved);
	if (!nft)
		return err_set(e, -ENOMEM, "creating nftables context");
	L->ctx_buffer_output(nft);
	L->ctx_buffer_error(nft);
	/* "destroy" would ignore a missing table, but needs nftables >= 1.0.8;
	 * list first so that absent stays success on Debian 12's 1.0.6. */
	snprintf(cmd, sizeof(cmd), "list table %s %s", family, table);
	r = L->run_cmd_from_buffer(nft, cmd);
	if (r == 0) {
		snprintf(cmd, sizeof(cmd), "delete table %s %s", family, table);
		r = L->run_cmd_from_buffer(nft, cmd);
		if (r != 0) {
			const char *msg = L->ctx_get_error_buffer(nft);
			if (e && msg)
				strscpy(e->kernel, sizeof(e->kernel), msg);
			r = err_set(e, -EIO, "deleting nftables table %s %s", family, table);
		}
	} else {
		r = 0;
	}
	L->ctx_free(nft);
	return r;
}
