/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each device holds for its guest (memory, requests in flight, fds)
 * and how often a budget held it back, as its backend reports it; the
 * bus keeps the sums. Budgets are the backends' (they know what a request
 * costs); these totals are what xenbackctl list and the tests read.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "internal.h"

XB_EXPORT void xenback_device_account(struct xenback_device *dev, enum xenback_usage what,
				      int64_t delta)
{
	uint64_t *d, *b;

	if (!dev || (unsigned int)what >= XENBACK_USAGE_NR)
		return;
	d = &dev->usage[what];
	b = &dev->be->bus->usage[what];
	if (delta < 0 && (uint64_t)-delta > *d)
		delta = -(int64_t)*d; /* never below 0: a backend's bug, not the bus's */
	*d += (uint64_t)delta;
	*b += (uint64_t)delta;
}

XB_EXPORT uint64_t xenback_device_usage(const struct xenback_device *dev, enum xenback_usage what)
{
	return dev && (unsigned int)what < XENBACK_USAGE_NR ? dev->usage[what] : 0;
}

XB_EXPORT uint64_t xenback_bus_usage(const struct xenback_bus *bus, enum xenback_usage what)
{
	return bus && (unsigned int)what < XENBACK_USAGE_NR ? bus->usage[what] : 0;
}

void xb_usage_release(struct xenback_device *dev)
{
	unsigned int i;

	for (i = 0; i < XENBACK_USAGE_NR; i++)
		if (i != XENBACK_USAGE_THROTTLED) /* a count of events, not a holding */
			dev->be->bus->usage[i] -= dev->usage[i] < dev->be->bus->usage[i] ?
						  dev->usage[i] : dev->be->bus->usage[i];
}

/*
 * The daemon-wide fd budget: file descriptors left under RLIMIT_NOFILE's
 * soft limit, so a device is refused at create() rather than failing with
 * EMFILE in the middle of a connect. Cheap when far from the limit (the fd
 * table's size from /proc/self/status bounds what is open); counts
 * /proc/self/fd only when that bound comes near the limit.
 */
static long fd_table_size(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "FDSize:", 7)) {
			n = strtol(line + 7, NULL, 10);
			break;
		}
	fclose(f);
	return n;
}

static long fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

long xb_fds_left(unsigned long *limit)
{
	struct rlimit rl;
	long size, open;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > (rlim_t)LONG_MAX) {
		*limit = 0;
		return LONG_MAX;
	}
	*limit = (unsigned long)rl.rlim_cur;
	size = fd_table_size();
	if (size >= 0 && size + XB_FD_RESERVE <= (long)rl.rlim_cur)
		return (long)rl.rlim_cur - size; /* at least that many */
	open = fds_open();
	if (open < 0) /* no fd even to look (EMFILE), or no /proc */
		return errno == EMFILE || errno == ENFILE ? 0 : LONG_MAX;
	return open >= (long)rl.rlim_cur ? 0 : (long)rl.rlim_cur - open;
}
