/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each device holds for its guest (memory, requests in flight, fds)
 * and how often a budget held it back, as its backend reports it; the
 * bus keeps the sums. Budgets are the backends' (they know what a request
 * costs); these totals are what xenbackctl list and the tests read.
 */
#include "internal.h"

XB_EXPORT void xenback_device_account(struct xenback_device *dev, enum xenback_usage what,
				      int64_t delta)
{
	uint64_t *d, *b;

	if (!dev || (unsigned int)what >= XENBACK_USAGE_NR)
		return;
	d = &dev->usage[what];
	b = &dev->be->bus->usage[what];
	if (delta < 0 && (uint64_t)-delta > *d)
		delta = -(int64_t)*d; /* never below 0: a backend's bug, not the bus's */
	*d += (uint64_t)delta;
	*b += (uint64_t)delta;
}

XB_EXPORT uint64_t xenback_device_usage(const struct xenback_device *dev, enum xenback_usage what)
{
	return dev && (unsigned int)what < XENBACK_USAGE_NR ? dev->usage[what] : 0;
}

XB_EXPORT uint64_t xenback_bus_usage(const struct xenback_bus *bus, enum xenback_usage what)
{
	return bus && (unsigned int)what < XENBACK_USAGE_NR ? bus->usage[what] : 0;
}

void xb_usage_release(struct xenback_device *dev)
{
	unsigned int i;

	for (i = 0; i < XENBACK_USAGE_NR; i++)
		if (i != XENBACK_USAGE_THROTTLED) /* a count of events, not a holding */
			dev->be->bus->usage[i] -= dev->usage[i] < dev->be->bus->usage[i] ?
						  dev->usage[i] : dev->be->bus->usage[i];
}
