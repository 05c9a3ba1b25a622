/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interdomain ports.
 * Without Xen (vm tier): binds fail with EOPNOTSUPP.
 * On Xen (run in dom0 by the xen tier): dom0 talks to itself: an unbound
 * port from /dev/xen/evtchn (remote domain 0) is bound through xenback, then
 * events go both ways; lateeoi, suppression (spurious lateeoi to Xen),
 * counters, unbind and teardown on close run on real event channels.
 */
#include "xbtest.h"

#include <xen/xen.h> /* domid_t, for xen/sys/evtchn.h */
#include <xen/sys/evtchn.h>

static void without_xen(struct xbt *x)
{
	struct xenback_bind_interdomain b = { .remote_domid = 1, .remote_port = 1 };

	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b), EOPNOTSUPP,
		"interdomain bind without Xen fails with EOPNOTSUPP");
	b.pad = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b), EINVAL,
		"interdomain bind with non-zero padding is EINVAL");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_INTERDOMAIN, (void *)8), EFAULT,
		"interdomain bind with a bad pointer is EFAULT");
}

/* /dev/xen/evtchn: next pending port within timeout_ms, or -1. */
static int evtchn_next(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t port;

	if (poll(&p, 1, timeout_ms) != 1 || read(fd, &port, sizeof(port)) != sizeof(port))
		return -1;
	if (write(fd, &port, sizeof(port)) != sizeof(port)) /* unmask */
		return -1;
	return (int)port;
}

static int bind_interdomain(int fd, uint32_t dom, uint32_t port, uint32_t *local)
{
	struct xenback_bind_interdomain b = { .remote_domid = dom, .remote_port = port };
	int r = ioctl(fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b);

	*local = b.local_port;
	return r < 0 ? -errno : 0;
}

static void with_xen(struct xbt *x)
{
	struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
	struct ioctl_evtchn_notify en;
	struct xenback_port_stats st;
	uint32_t local = 0, got, sr[2] = { 0, 0 }, dummy;
	int efd, u, i, ok, r;
	struct xbt y;

	efd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (efd < 0)
		t_bail("open /dev/xen/evtchn");
	u = ioctl(efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	tap_ok(u > 0, "an unbound port from /dev/xen/evtchn (%d)", u);
	tap_eq(bind_interdomain(x->fd, 0, (uint32_t)u, &local), 0, "bind it through xenback");
	tap_ok(local > 0 && local < XENBACK_LOOPBACK_PORT_BASE, "local port is Xen's (%u)", local);
	/* Xen marks a freshly bound port pending: drain it. */
	xbt_wait(x, 1000);
	xbt_take(x, NULL, 4);
	xbt_eoi1(x->fd, local, 0);
	while (evtchn_next(efd, 0) >= 0)
		;

	tap_eq(xbt_notify1(x->fd, local), 0, "notify through xenback");
	tap_eq(evtchn_next(efd, 5000), u, "the event arrives on the /dev/xen/evtchn end");
	en.port = (unsigned int)u;
	tap_eq(ioctl(efd, IOCTL_EVTCHN_NOTIFY, &en), 0, "notify back from /dev/xen/evtchn");
	tap_eq(xbt_wait(x, 5000), 1, "xenback's ring becomes readable");
	tap_ok(xbt_take(x, &got, 4) == 1 && got == local, "it names our port");

	/* masked until lateeoi: a second event stays with Xen */
	ioctl(efd, IOCTL_EVTCHN_NOTIFY, &en);
	tap_eq(xbt_wait(x, 200), 0, "no second delivery before the re-arm");
	tap_eq(xbt_eoi1(x->fd, local, 0), 0, "re-arm (xen_irq_lateeoi)");
	tap_eq(xbt_wait(x, 5000), 1, "the event Xen kept arrives after the re-arm");
	xbt_take(x, NULL, 4);
	xbt_eoi1(x->fd, local, 0);

	for (i = 0, ok = 1; i < 50 && ok; i++) {
		ok = xbt_notify1(x->fd, local) == 0 && evtchn_next(efd, 5000) == u &&
		     ioctl(efd, IOCTL_EVTCHN_NOTIFY, &en) == 0 && xbt_wait(x, 5000) == 1 &&
		     xbt_take(x, NULL, 4) == 1 && xbt_eoi1(x->fd, local, 0) == 0;
	}
	tap_ok(ok, "50 round trips between xenback and /dev/xen/evtchn");
	r = xbt_stats(x->fd, local, &st);
	tap_ok(r == 0 && st.kind == XENBACK_PORT_INTERDOMAIN &&
		     st.domid == 0 && st.notifies >= 51 && st.wakes >= 52,
	     "counters: interdomain, domid 0, notifies %llu, wakes %llu",
	     (unsigned long long)st.notifies, (unsigned long long)st.wakes);

	/* suppression: nothing new in the ring -> spurious lateeoi to Xen */
	tap_eq(xbt_set_ring(x->fd, local, &sr[0], &sr[1]), 0, "register a ring");
	for (i = 0; i < 20; i++)
		ioctl(efd, IOCTL_EVTCHN_NOTIFY, &en);
	usleep(300 * 1000);
	st.spurious = xbt_stat(x->fd, local, 's');
	tap_ok(xbt_avail(x) == 0 && st.spurious >= 1 && st.spurious != (uint64_t)-1,
	     "events with nothing new are suppressed (spurious %llu)",
	     (unsigned long long)st.spurious);
	tap_eq(xbt_unbind(x->fd, local), 0, "unbind (closes the channel)");

	/* close a context with a bound Xen port */
	xbt_open_or_bail(&y);
	u = ioctl(efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	r = bind_interdomain(y.fd, 0, (uint32_t)u, &dummy);
	xbt_close(&y);
	tap_ok(u > 0 && r == 0, "a context closed with a bound interdomain port");
	close(efd);
}

int main(void)
{
	struct xenback_version v;
	struct xbt x;

	xbt_open_or_bail(&x);
	if (ioctl(x.fd, XENBACK_IOCTL_VERSION, &v))
		t_bail("VERSION");
	if (v.features & XENBACK_F_XEN)
		with_xen(&x);
	else
		without_xen(&x);
	xbt_close(&x);
	return tap_done();
}
