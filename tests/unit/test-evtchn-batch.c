/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One dispatch round sends all its re-arms and notifies in one platform call
 * (with /dev/xenback: one ioctl), whatever the number of busy ports; and
 * with kick_wait (XENBACK_NOTIFY_WAIT_FD), xenback_bus_run_once(-1) is one
 * call per round: the last round's kicks, the wait, and what woke it
 * (ports, xenstore, the bus's other fds). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/simbus.h"
#include "platform.h"

static const struct xb_evtchn_ops *sim_ops;
static struct xb_evtchn_ops counting;
static unsigned int kicks, rearms, notifies, spurious;

static int count_kick(void *h, const uint32_t *rearm, unsigned int nr, const uint32_t *ntf,
		      unsigned int nn)
{
	unsigned int i;

	kicks++;
	rearms += nr;
	notifies += nn;
	for (i = 0; i < nr; i++) {
		spurious += !!(rearm[i] & XB_REARM_SPURIOUS);
		sim_ops->rearm(h, rearm[i] & ~XB_REARM_SPURIOUS, rearm[i] & XB_REARM_SPURIOUS);
	}
	for (i = 0; i < nn; i++)
		sim_ops->notify(h, ntf[i]);
	return 0;
}

static unsigned int waits, w_rearms, w_notifies;

static int count_kick_wait(void *h, const uint32_t *rearm, unsigned int nr, const uint32_t *ntf,
			   unsigned int nn, int other_fd, int timeout_ms)
{
	int r = sim_ops->kick_wait(h, rearm, nr, ntf, nn, other_fd, timeout_ms);

	if (r != -EOPNOTSUPP) {
		waits++;
		w_rearms += nr;
		w_notifies += nn;
	}
	return r;
}

static int user_fd_hits;

static void on_user_fd(int fd, uint32_t events, void *arg)
{
	uint64_t v;

	(void)events;
	(void)arg;
	if (read(fd, &v, sizeof(v)) == sizeof(v))
		user_fd_hits++;
}

static bool echo(struct xenback_evtchn *ch, void *arg)
{
	(void)arg;
	xenback_evtchn_notify(ch);
	xenback_evtchn_notify(ch); /* twice: still one notify */
	return false;              /* and report it as spurious */
}

static int echo_create(struct xenback_backend *be, const struct xenback_opts *o)
{
	struct xenback_device *dev;

	(void)o;
	if (xenback_device_new(be, sizeof(void *), &dev))
		return -ENOMEM;
	xenback_backend_set_device(be, dev);
	return 0;
}

static int echo_connect(struct xenback_device *dev)
{
	unsigned long port;
	struct xenback_evtchn *ch;

	if (xenback_device_read_frontend_uint(dev, "event-channel", UINT32_MAX, &port))
		return -EINVAL;
	return xenback_device_bind_evtchn(dev, (uint32_t)port, echo, NULL, &ch);
}

static const struct xenback_backend_info echo_info = {
	.type = "echo", .create = echo_create, .connect = echo_connect,
};

/* How many of the 8 frontends received a notification (taking it). */
static unsigned int notified(struct xenback_sim *sim, const uint32_t *ports)
{
	unsigned int i, got = 0;

	for (i = 0; i < 8; i++)
		got += xenback_sim_evtchn_take(sim, 40 + i, ports[i]) > 0;
	return got;
}

static void notify_all(struct xenback_sim *sim, const uint32_t *ports)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		xenback_sim_evtchn_notify(sim, 40 + i, ports[i]);
}

/* dispatch: one kick call per round */
static void test_dispatch(struct xbt *t, const uint32_t *ports)
{
	kicks = rearms = notifies = spurious = 0;
	notify_all(t->sim, ports);
	xenback_bus_dispatch(t->bus);
	tap_eq(kicks, 1, "8 busy ports handled in one round: one kick call");
	tap_eq(rearms, 8, "with 8 re-arms");
	tap_eq(notifies, 8, "and 8 notifies (double notify coalesced)");
	tap_eq(spurious, 8, "handlers that found no work mark their EOI spurious");
	tap_eq(notified(t->sim, ports), 8, "every frontend received its notification");
}

/* run_once(-1): one kick_wait call per round */
static void test_run_once(struct xbt *t, const uint32_t *ports)
{
	unsigned int got;

	waits = w_rearms = w_notifies = 0;
	notify_all(t->sim, ports);
	tap_ok(xenback_bus_run_once(t->bus, -1) > 0 && waits == 1 && w_rearms == 0 && w_notifies == 0,
	       "run_once(-1): one kick_wait call, nothing queued yet, woken by 8 ports");
	tap_eq(notified(t->sim, ports), 0, "that round's notifies are queued for the next call");
	notify_all(t->sim, ports);
	got = xenback_bus_run_once(t->bus, -1) > 0;
	tap_ok(got && waits == 2 && w_rearms == 8 && w_notifies == 8,
	       "the next run_once carries them: 8 re-arms and 8 notifies in its one call (%u, %u)", w_rearms,
	       w_notifies);
	tap_eq(notified(t->sim, ports), 8, "and every frontend received its notification");
	xenback_bus_flush(t->bus);
	tap_eq(notified(t->sim, ports), 8, "xenback_bus_flush() sends what the last round queued");
}

/* What else wakes run_once(-1), and the bus fd. */
static void test_other_wakes(struct xbt *t, const uint32_t *ports)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), ep = xenback_bus_fd(t->bus), n;
	struct epoll_event ev;
	uint64_t one = 1;

	xbt_add(t, "echo", 60, 1, NULL);
	tap_ok(xenback_bus_run_once(t->bus, -1) > 0 && xenback_bus_count(t->bus) == 9,
	       "a xenstore watch wakes run_once(-1) (the nested set): the new device exists");
	tap_ok(efd >= 0 && xenback_bus_add_fd(t->bus, efd, EPOLLIN, on_user_fd, NULL) == 0 &&
		       write(efd, &one, sizeof(one)) == sizeof(one) &&
		       xenback_bus_run_once(t->bus, -1) > 0 && user_fd_hits == 1,
	       "an fd added with xenback_bus_add_fd wakes run_once(-1) and its callback runs");
	xenback_bus_del_fd(t->bus, efd);
	close(efd);

	xenback_sim_evtchn_notify(t->sim, 40, ports[0]);
	n = epoll_wait(ep, &ev, 1, 0);
	tap_ok(n == 1 && xenback_bus_dispatch(t->bus) > 0,
	       "the bus fd still reports events (for callers' own loops) and dispatch handles them");
}

int main(void)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct xenback_platform plat = *xenback_sim_platform(sim);
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR };
	struct xbt t = { .sim = sim };
	uint32_t ports[8];
	unsigned int i;

	sim_ops = plat.evtchn;
	counting = *sim_ops;
	counting.kick = count_kick;
	counting.kick_wait = count_kick_wait;
	plat.evtchn = &counting;
	plat.free = NULL;
	if (xenback_bus_new(&plat, &cfg, &t.bus) || xenback_backend_register(t.bus, &echo_info) ||
	    xenback_bus_start(t.bus))
		return printf("Bail out! no bus\n"), 1;
	for (i = 0; i < 8; i++) {
		xbt_add(&t, "echo", 40 + i, 1, NULL);
		xbt_settle(&t);
		ports[i] = xbt_fe_connect(&t, "echo", 40 + i, 1);
		xbt_settle(&t);
	}
	tap_eq(xenback_sim_ports_bound(sim), 8, "8 devices with a bound port");
	test_dispatch(&t, ports);
	alarm(20); /* a wait that never ends fails the test instead of hanging it */
	test_run_once(&t, ports);
	test_other_wakes(&t, ports);
	tap_eq(xenback_sim_evtchn_kick_waits(sim), (uint64_t)waits, "the sim counted the same kick_wait calls");
	alarm(0);
	xenback_bus_free(t.bus);
	xenback_sim_free(sim);
	return tap_done();
}
