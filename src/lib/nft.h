/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nftables through libnftables (never by running nft): the tables
 * netnsctl owns in the host namespace and inside namespaces. */
#pragma once

#include "error.h"

/* Delete table FAMILY NAME in the namespace ns_fd (-1: the caller's). An
 * absent table is success. Only ever called for tables netnsctl made. */
int nft_table_delete(int ns_fd, const char *family, const char *table, struct error *e);
