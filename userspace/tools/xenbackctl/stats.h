/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XENBACKCTL_STATS_H
#define XENBACKCTL_STATS_H

/*
 * `xenbackctl stats [--json]`: per-port counters of xenback.ko (every
 * context), read from the "xenback" generic netlink family. argv[0] is the
 * subcommand name ("stats"). Returns the process exit status: 0, 1 on
 * error (module not loaded, no permission), 2 on a usage error.
 */
int xbctl_stats(int argc, char **argv);

#endif
