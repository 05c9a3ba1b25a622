/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The budgets, the path's last stage: what each device holds, kept within
 * its own limits and the daemon-wide ones (blk_backend.h), and reported to
 * the library (xenback_device_account()): bounce-buffer bytes (MEM),
 * persistent mappings, requests in flight (REQUESTS, counted by the ring
 * and response stages), throttles (THROTTLED).
 *
 * Bounce buffers: a request takes one for its bytes when it needs one and
 * gives it back when answered. A slot keeps a buffer of up to
 * BLK_BOUNCE_KEEP for its next request while the device keeps less than
 * BLK_BOUNCE_STEADY idle; anything else is freed then, so a burst of large
 * requests leaves the device at its steady size. A request that would pass
 * the device's budget (in use + kept) first costs the device its kept
 * buffers, then waits; one that would pass the daemon-wide budget (bytes
 * in use, all devices) waits, and its device goes on the waiters list:
 * whoever frees memory kicks them (their engine eventfd, so the bus runs
 * them next round). The limits are process-wide, like the memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
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
static uint64_t bounce_used; /* bytes of bounce buffers in use, all devices */
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

static void buf_free(struct blk_dev *d, struct blk_req *r)
{
	if (!r->buf)
		return;
	if (r->buf_mmap)
		munmap(r->buf, r->buf_cap);
	else
		free(r->buf);
	account_mem(d, -(int64_t)r->buf_cap);
	r->buf = NULL;
	r->buf_cap = 0;
}

static int buf_alloc(struct blk_dev *d, struct blk_req *r, size_t n)
{
	void *p;

	if (n >= BLK_BOUNCE_MMAP_MIN) {
		p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -ENOMEM;
		r->buf_mmap = true;
	} else {
		if (posix_memalign(&p, BLK_PAGE, n))
			return -ENOMEM;
		r->buf_mmap = false;
	}
	r->buf = p;
	r->buf_cap = n;
	account_mem(d, (int64_t)n);
	return 0;
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
	if (r->buf_charged)
		d->bounce_inflight -= len; /* bounce_used keeps it: the memory is gone */
	else
		d->bounce_kept -= len;
	account_mem(d, -(int64_t)len);
	r->buf = NULL;
	r->buf_cap = 0;
	r->buf_charged = false;
	return len;
}

uint64_t blk_budget_leaked(void)
{
	return leaked_bytes;
}

void blk_budget_bounce_trim(struct blk_dev *d)
{
	unsigned int i, j;

	for (i = 0; i < d->nqueues && d->bounce_kept; i++) {
		struct blk_queue *q = &d->q[i];
		unsigned int size = q->slots ? RING_SIZE(&q->ring) : 0;

		for (j = 0; j < size; j++) {
			struct blk_req *r = &q->slots[j];

			if (r->buf && !r->buf_charged) {
				d->bounce_kept -= r->buf_cap;
				buf_free(d, r);
			}
		}
	}
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

int blk_budget_bounce_get(struct blk_dev *d, struct blk_req *r)
{
	size_t need = ((size_t)r->bytes + BLK_PAGE - 1) & ~(size_t)(BLK_PAGE - 1);
	int e;

	if (r->buf_charged)
		return 0;
	if (r->buf && r->buf_cap < need) {
		d->bounce_kept -= r->buf_cap;
		buf_free(d, r);
	}
	if (r->buf) { /* its kept buffer fits: the device's total is unchanged */
		if (bounce_used + r->buf_cap > lim.bounce_bytes)
			return wait_daemon(d);
		d->bounce_kept -= r->buf_cap;
	} else {
		if (d->bounce_inflight + d->bounce_kept + need > lim.device_bounce_bytes)
			blk_budget_bounce_trim(d);
		if (d->bounce_inflight + d->bounce_kept + need > lim.device_bounce_bytes)
			return -EAGAIN; /* this device's own answers resume it */
		if (bounce_used + need > lim.bounce_bytes)
			return wait_daemon(d);
		e = buf_alloc(d, r, need);
		if (e < 0)
			return e;
	}
	r->buf_charged = true;
	d->bounce_inflight += r->buf_cap;
	bounce_used += r->buf_cap;
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
	if (!r->buf_charged)
		return;
	r->buf_charged = false;
	d->bounce_inflight -= r->buf_cap;
	bounce_used -= r->buf_cap;
	if (r->buf_cap <= BLK_BOUNCE_KEEP && d->bounce_kept + r->buf_cap <= BLK_BOUNCE_STEADY)
		d->bounce_kept += r->buf_cap;
	else
		buf_free(d, r);
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
