/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit-tier helpers: a bus on the simulated platform (struct xbt), with a
 * toolstack and a frontend acting on it, a test backend type that counts its
 * calls, and a settle loop. */
#ifndef XENBACK_TEST_SIMBUS_H
#define XENBACK_TEST_SIMBUS_H
#include <stdbool.h>
#include <stdint.h>

#include "xenback.h"
#include "xenback/sim.h"

/* A test backend type "vtest": create() fails when the node has fail=1,
 * declines when it has decline=1, else creates a device publishing
 * feature-test=1. connect() maps ring-ref and binds event-channel. */
struct vtest_counts {
	unsigned int create, destroy, connect, disconnect, events;
};
extern struct vtest_counts vtest;
extern const struct xenback_backend_info vtest_info;
/* Same with XENBACK_TYPE_HOTPLUG, type "vhot". */
extern const struct xenback_backend_info vhot_info;

struct xbt {
	struct xenback_sim *sim;
	struct xenback_bus *bus;
};
/* A sim and a started bus (backend domid 0) with vtest and vhot registered;
 * messages up to log_level go to the TAP stream as diagnostics. */
void xbt_init(struct xbt *t, int log_level);
/* The same with a bus config of the test's own (log: the TAP stream if
 * cfg->log is NULL). */
void xbt_init_cfg(struct xbt *t, const struct xenback_bus_config *cfg);
void xbt_fini(struct xbt *t);
/* Dispatch until nothing is left; returns the number of dispatch rounds. */
int xbt_settle(struct xbt *t);

/* Toolstack: writes backend and frontend nodes in one batch, like libxl.
 * extra: NULL or "key=value" strings ending with NULL. */
void xbt_add(struct xbt *t, const char *type, uint32_t domid, uint32_t devid,
	     const char *const *extra);
/* Toolstack removal the libxl way: online=0 and state=5 in one batch. */
void xbt_offline(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
void xbt_rm(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
/* Backend and frontend XenbusState as stored in xenstore (-1 if absent). */
long xbt_be_state(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
long xbt_fe_state(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
void xbt_fe_set_state(struct xbt *t, const char *type, uint32_t domid, uint32_t devid,
		      int state);
/* Frontend connects: grants a ring page, allocates a port, writes ring-ref,
 * event-channel and Initialised. Returns the frontend's port. */
uint32_t xbt_fe_connect(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
bool xbt_exists(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
/* A formatted path in one of 8 rotating buffers (test code only). */
const char *xbt_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads and frees every queued watch event of a platform's xenstore
 * handle; returns how many there were. */
struct xb_xs_ops;
int xbt_xs_drain(const struct xb_xs_ops *xs, void *h);
/* Error recorded for an instance (0 if none or no instance). */
int xbt_error(struct xbt *t, const char *type, uint32_t domid, uint32_t devid);
#endif
