/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eventfd delivery: a port's events bump an attached eventfd. */
#include <sys/eventfd.h>

#include "vmtest.h"

static long long efd_read(int efd)
{
	uint64_t v;

	return read(efd, &v, sizeof(v)) == sizeof(v) ? (long long)v : -errno;
}

int main(void)
{
	uint32_t pa, pb;
	struct xb_xenback x;
	int efd, nul;

	vt_open(&x);
	vt_pair(&x, NULL, &pa, &pb);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	tap_eq(xb_xenback_set_eventfd(&x, pb, efd), 0, "attach an eventfd");
	xb_xenback_notify(&x, pa);
	tap_eq(efd_read(efd), 1, "an event bumps the eventfd by one");
	tap_eq(xb_xenback_avail(&x), 0, "and bypasses the pending ring");
	xb_xenback_notify(&x, pa);
	tap_eq(efd_read(efd), -EAGAIN, "the port stays masked until re-armed");
	tap_eq(xb_xenback_rearm(&x, pb, false), 0, "re-arm");
	tap_eq(efd_read(efd), 1, "the latched event arrives on re-arm");
	tap_eq(vt_stat(&x, pb, 'w'), 2, "eventfd deliveries count as wakes");
	xb_xenback_rearm(&x, pb, false);
	tap_eq(xb_xenback_set_eventfd(&x, pb, -1), 0, "detach");
	xb_xenback_notify(&x, pa);
	tap_eq(xb_xenback_avail(&x), 1, "after detaching, events use the ring again");
	tap_eq(efd_read(efd), -EAGAIN, "and leave the eventfd alone");

	nul = open("/dev/null", O_RDONLY);
	tap_eq(xb_xenback_set_eventfd(&x, pb, nul), -EINVAL, "a file that is not an eventfd is EINVAL");
	tap_eq(xb_xenback_set_eventfd(&x, pb, 9999), -EBADF, "a closed fd is EBADF");
	tap_eq(xb_xenback_set_eventfd(&x, pb, -2), -EBADF, "fd -2 is EBADF");
	tap_eq(xb_xenback_set_eventfd(&x, 12345, efd), -EINVAL, "an unknown port is EINVAL");
	/* Unbind with the eventfd still attached: it is released. */
	xb_xenback_set_eventfd(&x, pb, efd);
	xb_xenback_unbind(&x, pb);
	close(efd);
	close(nul);
	xb_xenback_close(&x);
	return tap_done();
}
