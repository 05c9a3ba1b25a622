/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus: one pollable fd (an epoll set of the xenstore watch fd, the
 * event-channel fd, a retry timer and a "work left" eventfd) and a
 * dispatch call. No threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "internal.h"

/* epoll tags: small numbers for the bus's own sources, else a struct xb_fdw *. */
enum { SRC_XS = 1, SRC_EVTCHN, SRC_TIMER, SRC_OTHER, SRC_PENDING, SRC_MAX = 16 };

static int ep_add(int epfd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

XB_EXPORT int xenback_bus_new(struct xenback_platform *plat,
			      const struct xenback_bus_config *cfg,
			      struct xenback_bus **out)
{
	struct xenback_bus *bus;
	int r;

	if (!plat || !plat->xs || !out)
		return -EINVAL;
	if (cfg && (cfg->backend_domid > XB_DOMID_MAX ||
		    !xb_all_zero(cfg->reserved, sizeof(cfg->reserved))))
		return -EINVAL;
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	bus->plat = plat;
	if (cfg)
		bus->cfg = *cfg;
	if (!bus->cfg.log_level)
		bus->cfg.log_level = XENBACK_LOG_WARNING;
	if (!bus->cfg.txn_retries)
		bus->cfg.txn_retries = 16;
	if (!bus->cfg.flap_limit)
		bus->cfg.flap_limit = 64;
	if (!bus->cfg.flap_window_ms)
		bus->cfg.flap_window_ms = 1000;
	if (!bus->cfg.retry_delay_ms)
		bus->cfg.retry_delay_ms = 100;
	if (!bus->cfg.connect_fail_free)
		bus->cfg.connect_fail_free = 4;
	if (!bus->cfg.connect_fail_limit)
		bus->cfg.connect_fail_limit = 16;
	if (!bus->cfg.connect_backoff_ms)
		bus->cfg.connect_backoff_ms = 1000;
	if (!bus->cfg.connect_backoff_max_ms)
		bus->cfg.connect_backoff_max_ms = 64000;
	if (bus->cfg.connect_backoff_max_ms < bus->cfg.connect_backoff_ms)
		bus->cfg.connect_backoff_max_ms = bus->cfg.connect_backoff_ms;
	bus->xs_fd = bus->ev_fd = bus->state_lock = -1;
	xb_watchq_init(&bus->wq);
	bus->epfd = epoll_create1(EPOLL_CLOEXEC);
	bus->src_fd = bus->epfd;
	bus->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	bus->pending_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (bus->epfd < 0 || bus->timerfd < 0 || bus->pending_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (plat->evtchn && plat->evtchn->kick_wait) {
		/* The event channels wait in the kernel together with this
		 * nested set of everything else; the bus fd holds both. */
		bus->src_fd = epoll_create1(EPOLL_CLOEXEC);
		r = bus->src_fd < 0 ? -errno : ep_add(bus->epfd, bus->src_fd, SRC_OTHER);
		if (r < 0)
			goto fail;
		bus->kwait = true;
	}
	bus->xs_fd = plat->xs->fd(plat->xs_h);
	r = bus->xs_fd < 0 ? bus->xs_fd : ep_add(bus->src_fd, bus->xs_fd, SRC_XS);
	if (r < 0)
		goto fail;
	if (plat->evtchn) {
		bus->ev_fd = plat->evtchn->fd(plat->evtchn_h);
		r = bus->ev_fd < 0 ? bus->ev_fd : ep_add(bus->epfd, bus->ev_fd, SRC_EVTCHN);
		if (r < 0)
			goto fail;
	}
	r = ep_add(bus->src_fd, bus->timerfd, SRC_TIMER);
	if (r == 0)
		r = ep_add(bus->src_fd, bus->pending_fd, SRC_PENDING);
	if (r < 0)
		goto fail;
	*out = bus;
	return 0;
fail:
	if (bus->src_fd >= 0 && bus->src_fd != bus->epfd)
		close(bus->src_fd);
	if (bus->epfd >= 0)
		close(bus->epfd);
	if (bus->timerfd >= 0)
		close(bus->timerfd);
	if (bus->pending_fd >= 0)
		close(bus->pending_fd);
	free(bus);
	return r;
}

static void bus_free(struct xenback_bus *bus, bool detach)
{
	struct xenback_backend *be, *tmp;
	uint32_t i;

	xb_evtchn_flush(bus); /* the last round's notifies and re-arms */
	bus->closing = true;
	bus->detaching = detach;
	xb_bus_reap(bus);
	/* Frontends are told Closed, unless the devices are handed over:
	 * then no node is written (handover.c). */
	HASH_ITER(hh, bus->instances, be, tmp)
		xb_backend_forget(be, !detach);
	for (i = 0; i < bus->ntypes; i++) {
		struct xb_type *t = bus->type_vec[i];

		if (t->watching)
			bus->plat->xs->unwatch(bus->plat->xs_h, t->watch_path, t->token);
		HASH_DEL(bus->types, t);
		free(t->watch_path);
		free(t->token);
		free(t);
	}
	while (bus->fds)
		xenback_bus_del_fd(bus, bus->fds->fd);
	if (bus->release_watch)
		bus->plat->xs->unwatch(bus->plat->xs_h, "@releaseDomain", "r");
	free(bus->type_vec);
	xb_evtchn_kick_free(bus);
	if (bus->src_fd != bus->epfd)
		close(bus->src_fd);
	close(bus->epfd);
	close(bus->timerfd);
	close(bus->pending_fd);
	xb_watchq_clear(&bus->wq);
	xb_handover_free(bus);
	free(bus);
}

XB_EXPORT void xenback_bus_free(struct xenback_bus *bus)
{
	if (bus)
		bus_free(bus, false);
}

XB_EXPORT void xenback_bus_detach(struct xenback_bus *bus)
{
	if (bus)
		bus_free(bus, true);
}

XB_EXPORT int xenback_bus_start(struct xenback_bus *bus)
{
	uint32_t i;
	int r;

	if (bus->started)
		return -EALREADY;
	r = bus->plat->xs->watch(bus->plat->xs_h, "@releaseDomain", "r");
	if (r < 0)
		return xb_error(bus, r, "watch @releaseDomain: %s", strerror(-r));
	bus->release_watch = true;
	bus->started = true;
	for (i = 0; i < bus->ntypes; i++) {
		r = xb_enum_watch_type(bus, bus->type_vec[i]);
		if (r < 0)
			return r;
	}
	xb_handover_sweep(bus);
	return 0;
}

XB_EXPORT int xenback_bus_fd(const struct xenback_bus *bus)
{
	return bus->epfd;
}

XB_EXPORT uint32_t xenback_bus_backend_domid(const struct xenback_bus *bus)
{
	return bus->cfg.backend_domid;
}

void xb_bus_signal_pending(struct xenback_bus *bus)
{
	uint64_t one = 1;

	if (!bus->pending_set && write(bus->pending_fd, &one, sizeof(one)) == sizeof(one))
		bus->pending_set = true;
}

static void pending_clear(struct xenback_bus *bus)
{
	uint64_t v;

	if (read(bus->pending_fd, &v, sizeof(v)) == sizeof(v) || !bus->pending_set)
		bus->pending_set = false;
}

/* The round's watch events, once per round whatever woke it. */
static int watches(struct xenback_bus *bus)
{
	if (!bus->watch_ready)
		return 0;
	bus->watch_ready = false;
	return xb_watch_round(bus);
}

void xb_bus_arm_timer(struct xenback_bus *bus)
{
	struct itimerspec its = { 0 };
	uint64_t now = 0, due = UINT64_MAX;

	/* Called every round: the clock (a system call in a Xen PV domain,
	 * which has no vDSO clock) is read only when a deadline is made. */
	if (bus->retry_list || bus->rescan_pending) {
		if (!bus->retry_due_ns) { /* the list's first entry sets its turn */
			now = xb_now_ns();
			bus->retry_due_ns = now + (uint64_t)bus->cfg.retry_delay_ms * 1000000u;
		}
		due = bus->retry_due_ns;
	} else {
		bus->retry_due_ns = 0;
	}
	if (bus->hold_due_ns && bus->hold_due_ns < due)
		due = bus->hold_due_ns;
	if (due == UINT64_MAX || (bus->timer_armed && bus->timer_due_ns <= due))
		return;
	if (!now)
		now = xb_now_ns();
	if (due <= now)
		due = now + 1; /* an absolute time in the past fires at once */
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	if (timerfd_settime(bus->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) {
		bus->timer_armed = true;
		bus->timer_due_ns = due;
	}
}

/* Handle what epoll_wait() returned; < 0: a bus-wide failure. */
static int handle(struct xenback_bus *bus, const struct epoll_event *evs, int n)
{
	struct epoll_event inner[16];
	int i, r, handled = 0;
	uint64_t ticks;

	for (i = 0; i < n; i++) {
		switch (evs[i].data.u64) {
		case SRC_OTHER: /* the nested set of the other sources */
			r = epoll_wait(bus->src_fd, inner, (int)(sizeof(inner) / sizeof(inner[0])), 0);
			r = r > 0 ? handle(bus, inner, r) : 0;
			if (r < 0)
				return r;
			handled += r;
			break;
		case SRC_XS:
			bus->watch_ready = true; /* handled once, at the round's end */
			break;
		case SRC_PENDING:
			pending_clear(bus);
			bus->watch_ready = true;
			break;
		case SRC_EVTCHN:
			xb_evtchn_dispatch(bus);
			handled++;
			break;
		case SRC_TIMER:
			if (read(bus->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
				bus->timer_armed = false;
				if (bus->retry_due_ns && xb_now_ns() >= bus->retry_due_ns) {
					bus->retry_due_ns = 0;
					xb_enum_retry(bus);
				}
				xb_device_holds_expire(bus);
				handled++;
			}
			break;
		default: {
			struct xb_fdw *w = (struct xb_fdw *)(uintptr_t)evs[i].data.u64;

			/* An earlier callback in this round may have removed it:
			 * removed entries stay allocated until the round ends. */
			if (!w->dead) {
				w->fn(w->fd, evs[i].events, w->arg);
				handled++;
			}
		}
		}
		xb_bus_reap(bus);
	}
	return handled;
}

/*
 * The round's re-arms and notifies, the wait for the next round and which
 * sources woke it, in one call (kick_wait): > 0 handled, 0 nothing,
 * -EOPNOTSUPP not this way (the caller waits with epoll).
 */
static int kwait_round(struct xenback_bus *bus, int timeout_ms)
{
	struct epoll_event evs[16];
	int r, n, handled = 0;

	r = xb_evtchn_flush_wait(bus, bus->src_fd, timeout_ms);
	if (r == -EOPNOTSUPP || r == -EINTR)
		return r == -EINTR ? 0 : r;
	if (r < 0) { /* kicks went the slow way; wait with epoll from now on */
		bus->kwait = false;
		xb_log(bus, XENBACK_LOG_WARNING, "event channel wait: %s: using epoll", strerror(-r));
		return -EOPNOTSUPP;
	}
	bus->dispatching = true;
	if (r & ~XB_WAIT_OTHER) {
		xb_evtchn_dispatch(bus);
		xb_bus_reap(bus);
		handled++;
	}
	if (r & XB_WAIT_OTHER) {
		n = epoll_wait(bus->src_fd, evs, (int)(sizeof(evs) / sizeof(evs[0])), 0);
		n = n > 0 ? handle(bus, evs, n) : 0;
		if (n >= 0) {
			r = watches(bus);
			n = r < 0 ? r : n + r;
		}
		handled = n < 0 ? n : handled + n;
	}
	return handled;
}

/*
 * One round: wait up to timeout_ms for the bus's sources, handle them.
 * With kick_wait (/dev/xenback), the round's re-arms and notifies go out
 * with the next round's wait; otherwise before the wait and at the end.
 */
static int dispatch_round(struct xenback_bus *bus, int timeout_ms)
{
	struct epoll_event evs[16];
	int n, handled = -EOPNOTSUPP;

	if (bus->kwait)
		handled = kwait_round(bus, timeout_ms);
	if (handled == -EOPNOTSUPP) {
		xb_evtchn_flush(bus); /* kicks left by a kwait round */
		n = epoll_wait(bus->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout_ms);
		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		bus->dispatching = true;
		handled = handle(bus, evs, n);
		if (handled >= 0) {
			n = watches(bus);
			handled = n < 0 ? n : handled + n;
		}
		xb_evtchn_flush(bus);
	}
	bus->dispatching = false;
	while (bus->fd_graves) {
		struct xb_fdw *w = bus->fd_graves;

		bus->fd_graves = w->grave_next;
		free(w);
	}
	xb_bus_arm_timer(bus);
	return handled;
}

XB_EXPORT void xenback_bus_flush(struct xenback_bus *bus)
{
	xb_evtchn_flush(bus);
}

XB_EXPORT int xenback_bus_add_fd(struct xenback_bus *bus, int fd, uint32_t events,
				 xenback_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct xb_fdw *w;

	if (fd < 0 || !fn)
		return -EINVAL;
	HASH_FIND_INT(bus->fds, &fd, w);
	if (w)
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	ev.data.u64 = (uint64_t)(uintptr_t)w;
	if (epoll_ctl(bus->src_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(w);
		return r;
	}
	HASH_ADD_INT(bus->fds, fd, w);
	return 0;
}

XB_EXPORT int xenback_bus_del_fd(struct xenback_bus *bus, int fd)
{
	struct xb_fdw *w;

	HASH_FIND_INT(bus->fds, &fd, w);
	if (!w)
		return -ENOENT;
	epoll_ctl(bus->src_fd, EPOLL_CTL_DEL, fd, NULL);
	HASH_DEL(bus->fds, w);
	if (bus->dispatching) {
		w->dead = true;
		w->grave_next = bus->fd_graves;
		bus->fd_graves = w;
	} else {
		free(w);
	}
	return 0;
}

XB_EXPORT int xenback_bus_dispatch(struct xenback_bus *bus)
{
	return dispatch_round(bus, 0);
}

/* The wait and the round: with /dev/xenback one ioctl per round (the last
 * round's notifies, the wait, which sources are ready), else epoll_wait. */
XB_EXPORT int xenback_bus_run_once(struct xenback_bus *bus, int timeout_ms)
{
	return dispatch_round(bus, timeout_ms);
}
