/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discard on a block device: ioctl(BLKDISCARD), which is synchronous (no
 * io_uring discard before Linux 6.12) and can take long (a thin-provisioned
 * or slow device), so it never runs on the daemon's one thread. One small
 * worker thread for the process does them, one at a time, taking requests
 * from the devices in turn (round robin: a guest flooding discards delays
 * its own, not another's). What waits is bounded by the requests a device
 * may have in flight (its ring slots and request budget).
 *
 * A finished discard is put on its device's done list and the device's
 * engine eventfd raised; the engine's handler (blk_engine_reap()) takes the
 * done list and completes each request like an io_uring completion.
 *
 * The worker uses its own dup() of the image fd, so a disk torn down while
 * a discard runs cannot have its fd number reused under the worker. Teardown
 * (blk_discard_fini()) drops what has not started and waits at most
 * BLK_TEARDOWN_WAIT_MS for one that has; past that it leaves it to the
 * worker, which frees the device's discard state when the ioctl returns (a
 * discard writes no memory of ours: nothing else is at risk).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "blk.h"

/* A device's discards, shared with the worker (under lock). */
struct blk_discard {
	int fd;                        /* dup() of the image fd */
	int efd;                       /* the device's engine eventfd */
	struct blk_req *pending, *pending_tail; /* not started, in order */
	struct blk_req *done;          /* finished (result in r->discard_res) */
	struct blk_req *busy;          /* with the worker now */
	bool queued;                   /* on the round-robin list */
	bool orphan;                   /* its device is gone: the worker frees it */
	struct blk_discard *rr_next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;   /* to the worker */
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;   /* from the worker */
static struct blk_discard *rr_head, *rr_tail;
static bool started, held;
static struct blk_discard_stats stats;

static void rr_add(struct blk_discard *dc)
{
	dc->queued = true;
	dc->rr_next = NULL;
	if (rr_tail)
		rr_tail->rr_next = dc;
	else
		rr_head = dc;
	rr_tail = dc;
}

static void rr_del(struct blk_discard *dc)
{
	struct blk_discard **p, *prev = NULL;

	for (p = &rr_head; *p; prev = *p, p = &(*p)->rr_next) {
		if (*p == dc) {
			*p = dc->rr_next;
			if (rr_tail == dc)
				rr_tail = prev;
			break;
		}
	}
	dc->queued = false;
	dc->rr_next = NULL;
}

static void free_dc(struct blk_discard *dc)
{
	if (dc->fd >= 0)
		close(dc->fd);
	free(dc);
}

static void *worker(void *arg)
{
	static const uint64_t one = 1;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct blk_discard *dc;
		struct blk_req *r;
		uint64_t range[2];
		int fd, res;

		while (!rr_head)
			pthread_cond_wait(&work, &lock);
		dc = rr_head;
		rr_del(dc);
		r = dc->pending;
		dc->pending = r->next;
		if (!dc->pending)
			dc->pending_tail = NULL;
		else
			rr_add(dc); /* its next one after the other devices' */
		r->next = NULL;
		dc->busy = r;
		fd = dc->fd;
		range[0] = r->sector * BLK_SECTOR;
		range[1] = r->nr_sectors * BLK_SECTOR;
		while (held) /* a test's slow discard */
			pthread_cond_wait(&work, &lock);
		pthread_mutex_unlock(&lock);

		res = ioctl(fd, BLKDISCARD, range) < 0 ? -errno : 0;

		pthread_mutex_lock(&lock);
		dc->busy = NULL;
		stats.done++;
		if (dc->orphan) { /* r went with its device */
			stats.orphans_freed++;
			free_dc(dc);
		} else {
			r->discard_res = res;
			r->next = dc->done;
			dc->done = r;
			if (write(dc->efd, &one, sizeof(one)) < 0) {
				/* a full eventfd has a round pending anyway */
			}
		}
		pthread_cond_broadcast(&idle);
	}
	return NULL;
}

/* The worker, started once; false if it cannot be. */
static bool start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	bool ok;

	if (started)
		return true;
	/* It takes no signal: they stay the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 << 10);
	ok = pthread_create(&t, &attr, worker, NULL) == 0;
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	started = ok;
	return ok;
}

int blk_discard_submit(struct blk_dev *d, struct blk_req *r)
{
	struct blk_discard *dc = d->discard;
	int e = 0;

	if (!dc) {
		dc = calloc(1, sizeof(*dc));
		if (!dc)
			return -ENOMEM;
		dc->fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 0);
		if (dc->fd < 0) {
			e = -errno;
			free(dc);
			return e;
		}
		xenback_device_account(d->dev, XENBACK_USAGE_FDS, 1);
		dc->efd = d->efd;
		d->discard = dc;
	}
	pthread_mutex_lock(&lock);
	if (!start()) {
		e = -EAGAIN;
	} else {
		r->next = NULL;
		if (dc->pending_tail)
			dc->pending_tail->next = r;
		else
			dc->pending = r;
		dc->pending_tail = r;
		if (!dc->queued)
			rr_add(dc);
		stats.queued++;
		pthread_cond_signal(&work);
	}
	pthread_mutex_unlock(&lock);
	return e;
}

void blk_discard_reap(struct blk_dev *d)
{
	struct blk_req *r, *next, *done;

	if (!d->discard)
		return;
	pthread_mutex_lock(&lock);
	done = d->discard->done;
	d->discard->done = NULL;
	pthread_mutex_unlock(&lock);
	for (r = done; r; r = next) {
		next = r->next;
		r->next = NULL;
		blk_complete_io(d, r, r->discard_res);
	}
}

static void deadline_in(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

void blk_discard_fini(struct blk_dev *d)
{
	struct blk_discard *dc = d->discard;
	struct timespec ts;
	bool orphan;

	if (!dc)
		return;
	d->discard = NULL;
	deadline_in(&ts, BLK_TEARDOWN_WAIT_MS);
	pthread_mutex_lock(&lock);
	rr_del(dc); /* what has not started never will; the slots go with the rings */
	dc->pending = dc->pending_tail = NULL;
	dc->done = NULL;
	while (dc->busy && pthread_cond_timedwait(&idle, &lock, &ts) == 0)
		;
	orphan = dc->busy != NULL;
	if (orphan) {
		dc->orphan = true; /* the worker frees it when its ioctl returns */
		stats.orphaned++;
	}
	pthread_mutex_unlock(&lock);
	if (orphan)
		xenback_device_log(d->dev, XENBACK_LOG_ERR,
				   "%s: a discard did not finish within %u ms of teardown: "
				   "left to the discard thread, which closes its fd when it returns",
				   d->path ? d->path : "image", BLK_TEARDOWN_WAIT_MS);
	else
		free_dc(dc);
	xenback_device_account(d->dev, XENBACK_USAGE_FDS, -1);
}

void blk_discard_stats(struct blk_discard_stats *s)
{
	pthread_mutex_lock(&lock);
	*s = stats;
	pthread_mutex_unlock(&lock);
}

void blk_discard_hold(bool on)
{
	pthread_mutex_lock(&lock);
	held = on;
	pthread_cond_broadcast(&work);
	pthread_mutex_unlock(&lock);
}
