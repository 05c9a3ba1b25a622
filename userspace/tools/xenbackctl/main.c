/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenbackctl: look at xenback from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "list.h"
#include "stats.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: xenbackctl [-h|--help] <command> [options]\n"
		   "commands:\n"
		   "  list [--json] [--control PATH]\n"
		   "                   devices of the running xenbackd (type, domain, devid,\n"
		   "                   state, error of failed ones)\n"
		   "  stats [--json]   per-port counters of xenback.ko (generic netlink)\n"
		   "  restart [--exec PATH] [--control PATH] [--timeout S]\n"
		   "                   xenbackd hands its devices over and executes PATH (default:\n"
		   "                   itself): an upgrade in place, guests see no change\n"
		   "  shutdown [--control PATH] [--timeout S]\n"
		   "                   xenbackd closes every device (frontends told Closed), exits\n"
		   "  help             this text\n"
		   "`xenbackctl <command> --help` describes a command's options.\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	/* "+": options before the command only; the command parses its own. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
		return usage(c == 'h' ? stdout : stderr);
	if (optind == argc)
		return usage(stderr);
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "list"))
		return xbctl_list(argc, argv);
	if (!strcmp(argv[0], "stats"))
		return xbctl_stats(argc, argv);
	if (!strcmp(argv[0], "restart") || !strcmp(argv[0], "shutdown"))
		return xbctl_daemon(argc, argv);
	if (!strcmp(argv[0], "help"))
		return usage(stdout);
	fprintf(stderr, "xenbackctl: unknown command '%s'\n", argv[0]);
	return usage(stderr);
}
