// SPDX-License-Identifier: GPL-2.0
/*
 * eventfd delivery: a port's events can bump an eventfd instead of going
 * through the pending ring (KVM irqfd style), for io_uring/epoll consumers.
 */
#include <linux/err.h>
#include <linux/eventfd.h>

#include "xenback_kmod.h"

struct eventfd_ctx *xb_eventfd_get(int fd)
{
	return eventfd_ctx_fdget(fd); /* ERR_PTR(-EBADF / -EINVAL) */
}

void xb_eventfd_put(struct eventfd_ctx *e)
{
	if (e)
		eventfd_ctx_put(e);
}

void xb_eventfd_signal(struct eventfd_ctx *e)
{
	eventfd_signal(e, 1);
}
