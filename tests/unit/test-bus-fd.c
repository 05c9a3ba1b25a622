/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Extra fds in the bus's epoll set: callbacks run from dispatch, may remove
 * themselves or others, and removed ones are never called again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/simbus.h"

static struct xbt t;
static int efd[2], calls[2];

static void cb(int fd, uint32_t ev, void *arg)
{
	int i = (int)(intptr_t)arg;
	uint64_t v;

	(void)ev;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return;
	calls[i]++;
	/* The first callback removes both fds, its own and its sibling's. */
	xenback_bus_del_fd(t.bus, efd[0]);
	xenback_bus_del_fd(t.bus, efd[1]);
}

int main(void)
{
	uint64_t one = 1;

	xbt_init(&t, XENBACK_LOG_ERR);
	efd[0] = eventfd(0, EFD_NONBLOCK);
	efd[1] = eventfd(0, EFD_NONBLOCK);
	tap_eq(xenback_bus_add_fd(t.bus, efd[0], EPOLLIN, cb, (void *)0), 0, "add fd 0");
	tap_eq(xenback_bus_add_fd(t.bus, efd[1], EPOLLIN, cb, (void *)1), 0, "add fd 1");
	tap_eq(xenback_bus_add_fd(t.bus, efd[1], EPOLLIN, cb, (void *)1), -EEXIST, "adding twice: -EEXIST");
	if (write(efd[0], &one, 8) != 8 || write(efd[1], &one, 8) != 8)
		return 1;
	xenback_bus_run_once(t.bus, 100);
	tap_eq(calls[0] + calls[1], 1, "both ready, the first removed both: one callback ran");
	tap_eq(xenback_bus_del_fd(t.bus, efd[0]), -ENOENT, "removed fds are gone");
	if (write(efd[0], &one, 8) != 8)
		return 1;
	xenback_bus_run_once(t.bus, 10);
	tap_eq(calls[0] + calls[1], 1, "and never called again");
	xbt_fini(&t);
	close(efd[0]);
	close(efd[1]);
	return tap_done();
}
