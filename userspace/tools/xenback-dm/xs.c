/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback-dm's xenstore side: tell libxl the device model runs, notice the
 * guest's end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "dm.h"

int dm_xs_open(struct dm *dm)
{
	if (dm->no_xs)
		return 0;
	dm->xs = xs_open(0);
	if (!dm->xs) {
		dm_log("cannot open xenstore: %s", strerror(errno));
		return -1;
	}
	if (!xs_watch(dm->xs, "@releaseDomain", "release"))
		dm_log("cannot watch @releaseDomain: %s (relying on xl destroy)", strerror(errno));
	return 0;
}

int dm_xs_fd(const struct dm *dm)
{
	return dm->xs ? xs_fileno(dm->xs) : -1;
}

/* What QEMU writes when its guest CPUs start; libxl waits for it. */
int dm_announce_running(struct dm *dm)
{
	char path[128];

	if (dm->announced || !dm->xs)
		return 0;
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/state", dm->domid);
	if (!xs_write(dm->xs, XBT_NULL, path, "running", 7)) {
		dm_log("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	dm->announced = true;
	return 0;
}

bool dm_domain_gone(struct dm *dm)
{
	char path[64];
	unsigned int n;
	char **ev = xs_read_watch(dm->xs, &n);
	void *v;

	free(ev);
	snprintf(path, sizeof(path), "/local/domain/%u", dm->domid);
	v = xs_read(dm->xs, XBT_NULL, path, &n);
	if (v) {
		free(v);
		return false;
	}
	return errno == ENOENT;
}

void dm_xs_close(struct dm *dm)
{
	if (dm->xs)
		xs_close(dm->xs);
	dm->xs = NULL;
}
