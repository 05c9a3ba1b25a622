/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eventfd delivery: a port's events bump an attached eventfd. */
#include <sys/eventfd.h>

#include "xbtest.h"

static long long efd_read(int efd)
{
	uint64_t v;

	return read(efd, &v, sizeof(v)) == sizeof(v) ? (long long)v : -errno;
}

int main(void)
{
	uint32_t pa, pb;
	struct xbt x;
	int efd, nul;

	xbt_open_or_bail(&x);
	if (xbt_loop(x.fd, -1, &pa, &pb))
		t_bail("bind");
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	tap_eq(xbt_set_eventfd(x.fd, pb, efd), 0, "attach an eventfd");
	xbt_notify1(x.fd, pa);
	tap_eq(efd_read(efd), 1, "an event bumps the eventfd by one");
	tap_eq(xbt_avail(&x), 0, "and bypasses the pending ring");
	xbt_notify1(x.fd, pa);
	tap_eq(efd_read(efd), -EAGAIN, "the port stays masked until re-armed");
	tap_eq(xbt_eoi1(x.fd, pb, 0), 0, "re-arm");
	tap_eq(efd_read(efd), 1, "the latched event arrives on re-arm");
	tap_eq(xbt_stat(x.fd, pb, 'w'), 2, "eventfd deliveries count as wakes");
	xbt_eoi1(x.fd, pb, 0);
	tap_eq(xbt_set_eventfd(x.fd, pb, -1), 0, "detach");
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 1, "after detaching, events use the ring again");
	tap_eq(efd_read(efd), -EAGAIN, "and leave the eventfd alone");

	nul = open("/dev/null", O_RDONLY);
	tap_eq(xbt_set_eventfd(x.fd, pb, nul), -EINVAL, "a file that is not an eventfd is EINVAL");
	tap_eq(xbt_set_eventfd(x.fd, pb, 9999), -EBADF, "a closed fd is EBADF");
	tap_eq(xbt_set_eventfd(x.fd, pb, -2), -EBADF, "fd -2 is EBADF");
	tap_eq(xbt_set_eventfd(x.fd, 12345, efd), -EINVAL, "an unknown port is EINVAL");
	/* Unbind with the eventfd still attached: it is released. */
	xbt_set_eventfd(x.fd, pb, efd);
	xbt_unbind(x.fd, pb);
	close(efd);
	close(nul);
	xbt_close(&x);
	return tap_done();
}
