/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "console" type. libxl writes backend/console/<domid>/<devid> for the
 * primary console (frontend /local/domain/<domid>/console, type
 * xenconsoled: xenconsoled's) and for every channel (frontend
 * device/console/<devid>, type ioemu: the device model's, QEMU's
 * xen_console). As QEMU does, create() serves only frontends whose type is
 * "ioemu" and declines every other console silently: the registry keeps
 * the decline (no error, no retry) until the node goes.
 *
 * The host end comes from the backend's connection (pty or socket, with
 * path) or, for a console without one, from the frontend's output ("pty").
 * It exists from create() on: the socket is listening and the pty's path
 * is in the frontend's tty (where libxl and `xl channel-list` read it)
 * before the guest connects. Consoles are not handed over across a
 * restart (a pty or a socket cannot be reopened by name): a restarted
 * xenbackd closes them and serves them anew.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "console_backend.h"

static int console_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	const char *connection = xenback_opts_get(opts, "connection"), *path = xenback_opts_get(opts, "path");
	char *type = NULL, *output = NULL;
	struct xenback_device *dev;
	struct cons *c;
	int r;

	r = xenback_device_new(be, sizeof(*c), &dev);
	if (r < 0)
		return r;
	c = xenback_device_priv(dev);
	c->dev = dev; /* its fds: set up by cons_chardev_open() */
	r = xenback_device_read_frontend(dev, "type", &type);
	if (r < 0 || strcmp(type, "ioemu")) {
		free(type);
		return 0; /* not ours (xenconsoled's): declined */
	}
	free(type);
	if (!connection || !*connection) {
		if (xenback_device_read_frontend(dev, "output", &output) == 0 && !strcmp(output, "pty"))
			connection = "pty";
		free(output);
		if (!connection || !*connection)
			return xenback_backend_set_error(be, -EINVAL, "no connection key, and output is not pty");
	}
	r = cons_chardev_open(c, connection, path);
	if (r == -EOPNOTSUPP)
		return xenback_backend_set_error(be, r, "connection '%s' is neither pty nor socket", connection);
	if (r < 0)
		return xenback_backend_set_error(be, r, "%s %s: %s", connection, path && *path ? path : "",
						 strerror(-r));
	xenback_backend_set_device(be, dev);
	if (c->kind == CONS_PTY) {
		r = xenback_device_write_frontend(dev, "tty", c->path);
		if (r < 0)
			xenback_device_log(dev, XENBACK_LOG_WARNING, "publishing tty %s: %s", c->path, strerror(-r));
	}
	xenback_device_log(dev, XENBACK_LOG_INFO, "%s %s", connection, c->path);
	return 0;
}

static void console_destroy(struct xenback_backend *be)
{
	struct xenback_device *dev = xenback_backend_get_device(be);

	if (dev)
		cons_chardev_close(xenback_device_priv(dev));
}

const struct xenback_backend_info xenback_console_info = {
	.type = "console", .create = console_create, .destroy = console_destroy,
	.connect = cons_connect, .disconnect = cons_disconnect,
};
