/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kind=wireguard and Kind=tun: placeholder until the VPN work (issue 7)
 * lands. Both are refused as config errors, before anything is applied. */
#include "apply_int.h"

int vpn_preflight(struct apply_ctx *ctx _unused_, const struct cfg_link *l, struct error *e)
{
	return err_cfg(e, l->kind.loc.file, l->kind.loc.line,
		       "Kind=%s is not supported by this version of netnsctl yet",
		       link_kind_to_string((enum link_kind)l->kind.v));
}

int vpn_create(struct apply_ctx *ctx, const struct cfg_link *l, struct error *e)
{
	return vpn_preflight(ctx, l, e);
}
