/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback-dm: what its files share (see main.c for what it is). */
#ifndef XENBACK_DM_H
#define XENBACK_DM_H
#include <stdbool.h>

#include "qmp.h"

struct xs_handle;

struct dm {
	unsigned int domid;
	bool no_xs;              /* --no-xenstore: QMP only (testing) */
	char *qmp_path;          /* libxl's QMP socket to create; NULL: qmp_fd is libxl's */
	int qmp_fd;              /* listening socket for libxl's QMP */
	char *stat_path;         /* libxenstat's QMP socket, NULL if none */
	int stat_fd;
	struct xs_handle *xs;
	bool announced;          /* device-model/<domid>/state = running written */
	struct qmp qmp;
};

/* main.c: one line on stderr (libxl's qemu-dm-<name>.log), with pid, time
 * and domain. */
void dm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* xs.c: xenstore. */
int dm_xs_open(struct dm *dm);           /* and watch @releaseDomain */
int dm_xs_fd(const struct dm *dm);       /* -1 without xenstore */
int dm_announce_running(struct dm *dm);  /* 0 or -1 (logged) */
bool dm_domain_gone(struct dm *dm);      /* after a watch event */
char *dm_chardevs(struct dm *dm);        /* query-chardev's answer, or NULL */
void dm_xs_close(struct dm *dm);

/* server.c: the sockets and the loop. */
void dm_catch_signals(void);             /* SIGTERM, SIGINT, SIGHUP end dm_serve() */
int dm_listen(struct dm *dm);            /* 0 or -1 (logged) */
void dm_serve(struct dm *dm);            /* until a signal, "quit" or the domain's end */
void dm_unlisten(struct dm *dm);
#endif
