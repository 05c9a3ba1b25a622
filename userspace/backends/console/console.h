/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console backend's internals: one device, its chardev end (a pty or a
 * listening unix socket with at most one client) and its ring. */
#ifndef XENBACK_CONSOLE_H
#define XENBACK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <xen/io/console.h>

#include "xenback.h"

#define CONS_PATH_MAX 108 /* sun_path */

enum cons_kind { CONS_PTY, CONS_SOCKET };

struct cons {
	struct xenback_device *dev;
	enum cons_kind kind;
	int master_fd;       /* pty: the master (the data fd) */
	int slave_fd;        /* pty: held open, so the master never hangs up */
	int listen_fd;       /* socket: the listener */
	int conn_fd;         /* socket: the client, -1 if none (the data fd) */
	dev_t sock_dev;      /* socket: what we bound, unlinked at destroy if */
	ino_t sock_ino;      /* the path still names it */
	char path[CONS_PATH_MAX]; /* the pty slave's or the socket's */

	/* connected: */
	struct xencons_interface *intf;
	struct xenback_evtchn *ch;
	XENCONS_RING_IDX out_cons; /* ours: the guest's out ring read up to */
	XENCONS_RING_IDX in_prod;  /* ours: the guest's in ring written up to */
	XENCONS_RING_IDX seen_out_prod; /* the frontend's indices as of its */
	XENCONS_RING_IDX seen_in_cons;  /* last event that brought news */
	bool dead;                 /* the frontend broke the protocol */
	/* guest to host bytes taken from the ring, not yet written out: at
	 * most one ring's worth, so a slow reader holds the ring (and the
	 * guest's writer), never memory */
	char obuf[sizeof(((struct xencons_interface *)0)->out)];
	size_t olen, ooff;
	uint64_t to_host, to_guest;
};

/* The ring (console_ring.c): -EPROTO when the frontend's index is more
 * than the ring away from ours. */
int cons_ring_take(struct xencons_interface *intf, XENCONS_RING_IDX *cons, char *buf, size_t max);
int cons_ring_space(struct xencons_interface *intf, XENCONS_RING_IDX prod);
void cons_ring_put(struct xencons_interface *intf, XENCONS_RING_IDX *prod, const char *buf, size_t n);

/* The chardev end (console_chardev.c). */
int cons_chardev_open(struct cons *c, const char *connection, const char *path);
void cons_chardev_close(struct cons *c);
int cons_data_fd(const struct cons *c);
void cons_client_drop(struct cons *c, const char *why);

/* Moving bytes (console_connect.c): both ways as far as the ring and the
 * chardev allow; true if anything moved. */
bool cons_pump(struct cons *c);
int cons_connect(struct xenback_device *dev);
void cons_disconnect(struct xenback_device *dev);

#endif
