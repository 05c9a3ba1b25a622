/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XENBACKD_H
#define XENBACKD_H
#include <sys/types.h>

#include "xenback.h"

#define XENBACKD_CONTROL_DEFAULT "/run/xenback/xenbackd.sock"

/* control.c: a unix socket answering "list" with the registry as JSON. */
#define XBD_CONTROL_MODE 0600          /* root only */
#define XBD_CONTROL_IDLE_MS 10000      /* a client making no progress is dropped */
#define XBD_CONTROL_MAX_CLIENTS 16     /* served at once; more are refused */
struct xbd_control_opts {
	mode_t mode;                   /* the socket's permission bits (0777 at most) */
	unsigned int idle_timeout_ms;
	unsigned int max_clients;
};
void xbd_control_defaults(struct xbd_control_opts *o);
struct xbd_control;
/* -EINVAL: bad opts; else 0 or a negative errno (the socket not made). */
int xbd_control_open(struct xenback_bus *bus, const char *path,
		     const struct xbd_control_opts *opts, struct xbd_control **out);
void xbd_control_close(struct xbd_control *c);
#endif
