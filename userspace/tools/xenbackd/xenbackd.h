/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XENBACKD_H
#define XENBACKD_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenback.h"

#define XENBACKD_CONTROL_DEFAULT "/run/xenback/xenbackd.sock"
/* The library's state directory (xenback_bus_set_state_dir()): its files
 * are "lock" and "<type>-<domid>-<devid>", so the control socket
 * (xenbackd.sock) may live in it. */
#define XENBACKD_STATE_DIR_DEFAULT "/run/xenback"

/* control.c: a unix socket answering "list" with the registry as JSON,
 * and taking the daemon's "restart [PATH]" and "shutdown" (through the
 * action handler, from a client running as root or as the daemon's user). */
#define XBD_CONTROL_MODE 0600          /* root only */
#define XBD_CONTROL_IDLE_MS 10000      /* a client making no progress is dropped */
#define XBD_CONTROL_MAX_CLIENTS 16     /* served at once; more are refused */
struct xbd_control_opts {
	mode_t mode;                   /* the socket's permission bits (0777 at most) */
	unsigned int idle_timeout_ms;
	unsigned int max_clients;
};
#define XBD_CONTROL_OPTS_DEFAULT \
	{ .mode = XBD_CONTROL_MODE, .idle_timeout_ms = XBD_CONTROL_IDLE_MS, \
	  .max_clients = XBD_CONTROL_MAX_CLIENTS }
void xbd_control_defaults(struct xbd_control_opts *o);
struct xbd_control;
/* -EINVAL: bad opts; else 0 or a negative errno (the socket not made). */
int xbd_control_open(struct xenback_bus *bus, const char *path,
		     const struct xbd_control_opts *opts, struct xbd_control **out);
void xbd_control_close(struct xbd_control *c);

/* An action asked for on the socket: XBD_ACTION_RESTART (arg: the binary
 * to execute, NULL for the daemon's own) or XBD_ACTION_SHUTDOWN (arg
 * NULL). The handler returns 0 to accept (the client gets {"ok":true,...}
 * and its connection stays open until the process exits or executes
 * another binary: xbd_control_finish()), or a negative errno with a
 * message in err (the client gets {"error":...}). Without a handler the
 * actions are refused ("not supported"). */
enum xbd_action { XBD_ACTION_RESTART = 1, XBD_ACTION_SHUTDOWN };
typedef int (*xbd_action_fn)(void *data, enum xbd_action action, const char *arg,
			     char *err, size_t errlen);
void xbd_control_set_action(struct xbd_control *c, xbd_action_fn fn, void *data);
/* This instance's identifier (its start time, microseconds since the
 * epoch): in every reply as "instance", so that a client can tell the
 * daemon that answers after a restart from the one before. */
uint64_t xbd_control_instance(const struct xbd_control *c);
/* Ends the control socket for a process about to exit or exec: replies
 * still being sent get up to timeout_ms to go out, the socket is closed
 * and removed, clients are closed, except the ones whose action was
 * accepted: their fds (close-on-exec) stay open until the process exits
 * or executes the next binary, which is how their client learns that the
 * action is done. */
void xbd_control_finish(struct xbd_control *c, unsigned int timeout_ms);
#endif
