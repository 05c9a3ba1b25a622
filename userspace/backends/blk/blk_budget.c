/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The budgets, the path's last stage: what each device holds, kept within
 * its own limits and the daemon-wide ones (blk_backend.h), and reported to
 * the library (xenback_device_account()): bounce-buffer bytes (MEM),
 * persistent mappings, requests in flight (REQUESTS, counted by the ring
 * and response stages), throttles (THROTTLED).
 *
 * Bounce buffers: a request takes one of its size class from the process's
 * pool (blk_pool.c) when it needs one and gives it back when answered; the
 * device accounts the buffers of its requests in flight, the pool's idle
 * buffers are no device's (they count in the daemon-wide budget, and the
 * pool trims them). A request that would pass the device's budget waits
 * for the device's own answers; one that would pass the daemon-wide budget
 * (bytes in use, all devices) waits, and its device goes on the waiters
 * list: whoever frees memory kicks them (their engine eventfd, so the bus
 * runs them next round). The limits are process-wide, like the memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "blk.h"
#include "blk_backend.h"

static struct xenback_blk_limits lim = {
	.bounce_bytes = (uint64_t)XENBACK_BLK_BOUNCE_MIB_DEFAULT << 20,
	.device_bounce_bytes = (uint64_t)XENBACK_BLK_DEVICE_BOUNCE_MIB_DEFAULT << 20,
	.persistent_grants = XENBACK_BLK_PERSISTENT_GRANTS_DEFAULT,
	.device_persistent_grants = XENBACK_BLK_DEVICE_PERSISTENT_GRANTS_DEFAULT,
	.device_requests = XENBACK_BLK_DEVICE_REQUESTS_DEFAULT,
};
/* Buffers of requests the kernel still held at a teardown that could not
 * wait for them: never freed, reachable from here. */
static struct blk_leak {
	struct blk_leak *next;
	void *buf;
	size_t len;
} *leaked;
static uint64_t leaked_bytes;
static uint32_t pgrants_used; /* persistent mappings, all devices */
static struct blk_dev *waiters; /* throttled on the daemon-wide bounce budget */

void xenback_blk_get_limits(struct xenback_blk_limits *out)
{
	*out = lim;
}

int xenback_blk_set_limits(const struct xenback_blk_limits *l)
{
	if (!l || l->device_bounce_bytes < BLK_MAX_REQ_BYTES ||
	    l->bounce_bytes < l->device_bounce_bytes || !l->persistent_grants ||
	    l->device_persistent_grants > l->persistent_grants || !l->device_requests)
		return -EINVAL;
	lim = *l;
	return 0;
}

static void account_mem(struct blk_dev *d, int64_t delta)
{
	xenback_device_account(d->dev, XENBACK_USAGE_MEM, delta);
}

size_t blk_budget_bounce_leak(struct blk_dev *d, struct blk_req *r)
{
	struct blk_leak *l;
	size_t len = r->buf_cap;

	if (!r->buf)
		return 0;
	l = malloc(sizeof(*l));
	if (l) { /* else lost for good, which is what a leak is anyway */
		*l = (struct blk_leak){ .next = leaked, .buf = r->buf, .len = len };
		leaked = l;
	}
	leaked_bytes += len;
	d->bounce_inflight -= len; /* still in use in the pool: the memory is gone */
	account_mem(d, -(int64_t)len);
	r->buf = NULL;
	r->buf_cap = 0;
	return len;
}

uint64_t blk_budget_leaked(void)
{
	return leaked_bytes;
}

/* d waits for the daemon-wide budget: kicked when memory frees. */
static int wait_daemon(struct blk_dev *d)
{
	if (!d->waiting) {
		d->waiting = true;
		d->wait_next = waiters;
		waiters = d;
	}
	return -EAGAIN;
}

/* Bytes of bounce buffers in use, all devices (leaked ones included). */
static uint64_t bounce_used(void)
{
	struct blk_pool_stats s;

	blk_pool_stats(&s);
	return s.used_bytes;
}

int blk_budget_bounce_get(struct blk_dev *d, struct blk_req *r)
{
	size_t size = blk_pool_class(r->bytes);

	if (r->buf)
		return 0;
	if (!size)
		return -ENOMEM; /* larger than any request: validated before */
	if (d->bounce_inflight + size > lim.device_bounce_bytes)
		return -EAGAIN; /* this device's own answers resume it */
	if (bounce_used() + size > lim.bounce_bytes)
		return wait_daemon(d);
	r->buf = blk_pool_get(size, lim.bounce_bytes);
	if (!r->buf)
		return -ENOMEM;
	r->buf_cap = size;
	d->bounce_inflight += size;
	account_mem(d, (int64_t)size);
	return 0;
}

/* Memory went back to the daemon-wide pool: every waiting device gets a
 * round (it takes what the budgets allow then, or waits again). */
static void kick_waiters(void)
{
	static const uint64_t one = 1;
	struct blk_dev *w;

	while ((w = waiters)) {
		waiters = w->wait_next;
		w->wait_next = NULL;
		w->waiting = false;
		if (w->efd >= 0 && write(w->efd, &one, sizeof(one)) < 0) {
			/* a full eventfd has a round pending anyway */
		}
	}
}

void blk_budget_bounce_put(struct blk_dev *d, struct blk_req *r)
{
	if (!r->buf)
		return;
	blk_pool_put(r->buf, r->buf_cap);
	d->bounce_inflight -= r->buf_cap;
	account_mem(d, -(int64_t)r->buf_cap);
	r->buf = NULL;
	r->buf_cap = 0;
	if (waiters)
		kick_waiters();
}

bool blk_budget_pgrant_get(struct blk_dev *d)
{
	if (pgrants_used >= lim.persistent_grants || d->npgrants >= lim.device_persistent_grants)
		return false;
	pgrants_used++;
	d->npgrants++;
	return true;
}

unsigned int blk_budget_pgrant_share(const struct blk_dev *d, unsigned int parts)
{
	unsigned int dev_left = lim.device_persistent_grants > d->npgrants ?
					lim.device_persistent_grants - d->npgrants : 0;
	unsigned int all_left = lim.persistent_grants > pgrants_used ? lim.persistent_grants - pgrants_used : 0;
	unsigned int left = dev_left < all_left ? dev_left : all_left;

	return parts ? left / parts : 0;
}

unsigned int blk_budget_pgrant_reserve(struct blk_dev *d, unsigned int want)
{
	unsigned int n = 0;

	while (n < want && blk_budget_pgrant_get(d))
		n++;
	return n;
}

void blk_budget_pgrant_put(struct blk_dev *d, unsigned int n)
{
	if (n > d->npgrants)
		n = d->npgrants;
	d->npgrants -= n;
	pgrants_used -= n;
}

bool blk_budget_request_ok(const struct blk_dev *d)
{
	return d->inflight < lim.device_requests;
}

void blk_budget_forget(struct blk_dev *d)
{
	struct blk_dev **p;

	for (p = &waiters; *p; p = &(*p)->wait_next) {
		if (*p == d) {
			*p = d->wait_next;
			break;
		}
	}
	d->waiting = false;
	d->wait_next = NULL;
}
