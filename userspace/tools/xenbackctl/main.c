/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenbackctl: look at xenback from the command line. */
#include <stdio.h>
#include <string.h>

#include "list.h"
#include "stats.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: xenbackctl <command> [options]\n"
		   "commands:\n"
		   "  list [--json]    devices of the running xenbackd (type, domain, devid,\n"
		   "                   state, error of failed ones)\n"
		   "  stats [--json]   per-port counters of xenback.ko (generic netlink)\n"
		   "  help             this text\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "list"))
		return xbctl_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return xbctl_stats(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout);
	fprintf(stderr, "xenbackctl: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
