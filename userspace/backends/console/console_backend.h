/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console backend's entry point (xen/io/console.h), for xenbackd and
 * the tests: xenback_backend_register(bus, &xenback_console_info).
 * Part of xenbackd, not of the installed library. */
#ifndef XENBACK_CONSOLE_BACKEND_H
#define XENBACK_CONSOLE_BACKEND_H

#include "xenback.h"

/* type "console": what libxl writes for a guest's `channel = [...]`
 * entries (and the primary console). Served when the frontend's type is
 * "ioemu" (the device model's, as QEMU serves them); every other console,
 * the primary one with type=xenconsoled first, is declined silently. */
extern const struct xenback_backend_info xenback_console_info;

#endif
