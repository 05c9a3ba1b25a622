/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XENBACKD_H
#define XENBACKD_H
#include "xenback.h"

#define XENBACKD_CONTROL_DEFAULT "/run/xenback/xenbackd.sock"

/* control.c: a unix socket answering "list" with the registry as JSON. */
struct xbd_control;
int xbd_control_open(struct xenback_bus *bus, const char *path, struct xbd_control **out);
void xbd_control_close(struct xbd_control *c);
#endif
