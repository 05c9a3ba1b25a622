/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging and the bus's last-error text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

/* The one table of log-level names (xenbackd, xenback-demo-sim and the
 * default stderr log use it through the two functions below). */
static const char *const level_names[] = {
	[XENBACK_LOG_ERR] = "error",
	[XENBACK_LOG_WARNING] = "warning",
	[XENBACK_LOG_NOTICE] = "notice",
	[XENBACK_LOG_INFO] = "info",
	[XENBACK_LOG_DEBUG] = "debug",
};

XB_EXPORT const char *xenback_log_level_name(int level)
{
	if (level < XENBACK_LOG_ERR || level > XENBACK_LOG_DEBUG)
		return "?";
	return level_names[level];
}

XB_EXPORT int xenback_log_level_parse(const char *name)
{
	char *end;
	long n;
	int l;

	if (!name || !*name)
		return -EINVAL;
	for (l = XENBACK_LOG_ERR; l <= XENBACK_LOG_DEBUG; l++)
		if (!strcasecmp(name, level_names[l]))
			return l;
	if (!strcasecmp(name, "err")) /* syslog's spelling */
		return XENBACK_LOG_ERR;
	if (!strcasecmp(name, "warn"))
		return XENBACK_LOG_WARNING;
	if (*name < '0' || *name > '9')
		return -EINVAL;
	errno = 0;
	n = strtol(name, &end, 10);
	if (!errno && !*end && n >= XENBACK_LOG_ERR && n <= XENBACK_LOG_DEBUG)
		return (int)n;
	return -EINVAL;
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
		fprintf(stderr, "xenback: %s: %s\n", xenback_log_level_name(level), msg);
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

#ifdef XB_TEST_HOOKS
unsigned long xb_test_clock_reads; /* the unit tier counts them */
#endif

uint64_t xb_now_ns(void)
{
	struct timespec ts;

#ifdef XB_TEST_HOOKS
	xb_test_clock_reads++;
#endif
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
