/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A static xenbackctl with only the stats command, for the vm initramfs. */
#include <stdio.h>
#include <string.h>

#include "userspace/tools/xenbackctl/stats.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "stats"))
		return xbctl_stats(argc - 1, argv + 1);
	fprintf(stderr, "usage: xenbackctl stats [--json]\n");
	return 2;
}
