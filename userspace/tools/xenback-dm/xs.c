/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback-dm's xenstore side: tell libxl the device model runs, notice the
 * guest's end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include <json-c/json.h>

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

static char *xs_get(struct dm *dm, const char *fmt, unsigned int devid, const char *key)
{
	char path[160];
	unsigned int n;

	snprintf(path, sizeof(path), fmt, dm->domid, devid, key);
	return xs_read(dm->xs, XBT_NULL, path, &n);
}

/*
 * query-chardev, truthfully: the guest's channels that a backend serves
 * (xenbackd's console type: backend state InitWait to Connected in dom0),
 * named as libxl names them for QEMU (the frontend's output,
 * chardev:<label>, or libxl-channel<devid>), with QEMU's filename forms (pty:<tty>, unix:<path>,server=on)
 * and frontend-open once the guest connected. libxl 4.17 itself only
 * looks for "serial0" (HVM); this is for whoever asks.
 */
char *dm_chardevs(struct dm *dm)
{
	char dir[96], **devs;
	unsigned int n, i;
	json_object *a;
	char *r;

	if (!dm->xs)
		return NULL;
	snprintf(dir, sizeof(dir), "/local/domain/0/backend/console/%u", dm->domid);
	devs = xs_directory(dm->xs, XBT_NULL, dir, &n);
	if (!devs)
		return NULL;
	a = json_object_new_array();
	for (i = 0; a && i < n; i++) {
		static const char be[] = "/local/domain/0/backend/console/%u/%u/%s";
		static const char fe[] = "/local/domain/%u/device/console/%u/%s";
		char *end, *state, *conn, *out, *where = NULL, label[64], *name = NULL;
		unsigned long devid = strtoul(devs[i], &end, 10), st;
		json_object *o;

		if (*end || !devid || devid > 4096)
			continue; /* (0: the primary console, xenconsoled's) */
		state = xs_get(dm, be, (unsigned int)devid, "state");
		st = state ? strtoul(state, NULL, 10) : 0;
		free(state);
		if (st < 2 || st > 4)
			continue; /* nobody serves it */
		conn = xs_get(dm, be, (unsigned int)devid, "connection");
		if (conn && !strcmp(conn, "socket")) {
			char *p = xs_get(dm, be, (unsigned int)devid, "path");

			if (p && asprintf(&name, "unix:%s,server=on", p) < 0)
				name = NULL;
			free(p);
		} else {
			where = xs_get(dm, fe, (unsigned int)devid, "tty");
			if (where && *where && asprintf(&name, "pty:%s", where) < 0)
				name = NULL;
		}
		free(conn);
		free(where);
		if (!name)
			continue;
		/* the chardev libxl named in the frontend's output, else its
		 * libxl-channel<devid> (QEMU's -chardev id for a pty channel) */
		out = xs_get(dm, fe, (unsigned int)devid, "output");
		if (out && !strncmp(out, "chardev:", 8) && out[8])
			snprintf(label, sizeof(label), "%s", out + 8);
		else
			snprintf(label, sizeof(label), "libxl-channel%lu", devid);
		free(out);
		o = json_object_new_object();
		json_object_object_add(o, "label", json_object_new_string(label));
		json_object_object_add(o, "filename", json_object_new_string(name));
		json_object_object_add(o, "frontend-open", json_object_new_boolean(st == 4));
		json_object_array_add(a, o);
		free(name);
	}
	free(devs);
	r = a ? strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;
	json_object_put(a);
	return r;
}

void dm_xs_close(struct dm *dm)
{
	if (dm->xs)
		xs_close(dm->xs);
	dm->xs = NULL;
}
