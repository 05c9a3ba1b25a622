/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging and the bus's last-error text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char *level_name(int level)
{
	switch (level) {
	case XENBACK_LOG_ERR: return "error";
	case XENBACK_LOG_WARNING: return "warning";
	case XENBACK_LOG_NOTICE: return "notice";
	case XENBACK_LOG_INFO: return "info";
	default: return "debug";
	}
}

static void xb_vlog(struct xenback_bus *bus, int level, const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > bus->cfg.log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (bus->cfg.log)
		bus->cfg.log(bus->cfg.log_data, level, msg);
	else
		fprintf(stderr, "xenback: %s: %s\n", level_name(level), msg);
}

void xb_log(struct xenback_bus *bus, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xb_vlog(bus, level, fmt, ap);
	va_end(ap);
}

int xb_error(struct xenback_bus *bus, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bus->err, sizeof(bus->err), fmt, ap);
	va_end(ap);
	xb_log(bus, XENBACK_LOG_ERR, "%s", bus->err);
	return err;
}

XB_EXPORT const char *xenback_bus_error(const struct xenback_bus *bus)
{
	return bus ? bus->err : "no bus";
}

XB_EXPORT void xenback_bus_set_log_level(struct xenback_bus *bus, int level)
{
	bus->cfg.log_level = level;
}

uint64_t xb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

char *xb_vstrdup_printf(const char *fmt, va_list ap)
{
	char *s;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *xb_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xb_vstrdup_printf(fmt, ap);
	va_end(ap);
	return s;
}
