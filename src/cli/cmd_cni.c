/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until CNI plugin mode lands (work in progress, issue 11):
 * answers with the CNI spec's error object. */
#include "cli.h"

int cni_main(int argc _unused_, char **argv _unused_)
{
	printf("{\"cniVersion\":\"1.0.0\",\"code\":4,\"msg\":\"netnsctl: CNI plugin mode is not implemented yet\"}\n");
	return 1;
}
