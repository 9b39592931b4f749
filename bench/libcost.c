/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcost: what loading netnsctl's libraries costs a one-shot process, for
 * the "where the time goes" part of docs/PERFORMANCE.md. bench/run.sh
 * builds it twice: libcost-plain (libc only) and libcost-libs (also linked
 * against libmnl and libcap-ng, as netnsctl is; libcap-ng's constructor
 * runs at every start).
 *
 *   libcost          start and exit
 *   libcost nft      dlopen libnftables.so.1 and make and free one context,
 *                    the fixed part of a firewall change in `up` */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	void *(*ctx_new)(unsigned);
	void (*ctx_free)(void *);
	void *h;

	if (argc < 2 || strcmp(argv[1], "nft") != 0)
		return 0;
	h = dlopen("libnftables.so.1", RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "libcost: %s\n", dlerror());
		return 1;
	}
	*(void **)&ctx_new = dlsym(h, "nft_ctx_new");
	*(void **)&ctx_free = dlsym(h, "nft_ctx_free");
	if (!ctx_new || !ctx_free)
		return 1;
	ctx_free(ctx_new(0));
	return 0;
}
