/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenback-dm's QMP (QEMU's JSON monitor protocol) server side, without any
 * I/O of its own: bytes in (qmp_conn_input), replies out through the
 * connection's send function. The answers are what QEMU 7.2 gives libxl
 * 4.17 for a PV guest; everything else is CommandNotFound.
 */
#ifndef XENBACK_DM_QMP_H
#define XENBACK_DM_QMP_H
#include <stdbool.h>
#include <stddef.h>

/* Longest JSON message accepted (QEMU's own limit is far higher; libxl's
 * commands are below 200 bytes). Longer ones are refused with an error. */
#define QMP_MAX_MSG 65536
/* Deepest nesting accepted in a message. */
#define QMP_MAX_DEPTH 32

/* The emulated machine, shared by every connection. */
struct qmp {
	/* What query-status reports: "running"; "prelaunch" when started with
	 * -S, until "cont"; "paused" after "stop". */
	const char *status;
	/* Set once "quit" was answered: the caller exits. */
	bool quit;
	/* One line per command and per refused message (no newline). */
	void (*log)(void *data, const char *msg);
	/* "cont": the guest is to run (xenstore's device-model state). Called
	 * before the reply goes out; its result does not change the reply. */
	int (*on_cont)(void *data);
	/* "query-chardev": the chardevs the guest has (a JSON array, malloc()ed;
	 * NULL: none, "[]"). */
	char *(*chardevs)(void *data);
	void *data;
};

/* Writes all of s or returns -1 (the connection is then dropped). */
typedef int (*qmp_send_fn)(void *arg, const char *s, size_t len);

struct qmp_conn;

/* A connection of q; replies go out through send(arg, ...). NULL: ENOMEM. */
struct qmp_conn *qmp_conn_new(struct qmp *q, qmp_send_fn send, void *arg);
void qmp_conn_free(struct qmp_conn *c);
/* Sends QEMU's greeting: the first thing a QMP client reads. */
int qmp_conn_greet(struct qmp_conn *c);
/*
 * Handles the next n bytes the client sent, split anywhere: each complete
 * JSON value gets its reply, with or without a newline after it (libxl ends
 * its commands with "\r\n", libxenstat with nothing). Malformed input gets
 * a GenericError reply, is logged, and the rest of its line is dropped; a
 * message longer than QMP_MAX_MSG the same. Memory stays bounded whatever
 * comes in. Returns 0, or -1 when a reply could not be sent or memory ran
 * out (drop the connection).
 */
int qmp_conn_input(struct qmp_conn *c, const char *data, size_t n);

#endif
