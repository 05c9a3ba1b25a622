/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ring-aware suppression: no wake when the shared ring has nothing new. */
#include "xbtest.h"

struct sring {
	uint32_t req_prod, req_event, rsp_prod, rsp_event;
};

int main(void)
{
	struct sring *s;
	uint32_t pa, pb, *cons;
	struct xbt x;
	char *page;

	xbt_open_or_bail(&x);
	if (xbt_loop(x.fd, -1, &pa, &pb))
		t_bail("bind");
	s = aligned_alloc(4096, 4096);
	memset(s, 0, 4096);
	cons = aligned_alloc(64, 64);
	*cons = 0;

	tap_eq(xbt_set_ring(x.fd, pb, &s->req_prod, cons), 0, "register req_prod and the consumer index");
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 0, "req_prod == consumed: no wake");
	tap_eq(xbt_stat(x.fd, pb, 's'), 1, "counted as spurious");
	tap_eq(xbt_stat(x.fd, pb, 'w'), 0, "no wake counted");
	tap_eq(xbt_stat(x.fd, pb, 'e'), 1, "the event itself is counted");

	s->req_prod = 1;
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 1, "req_prod moved: wake");
	xbt_take(&x, NULL, 4);
	*cons = 1;
	tap_eq(xbt_eoi1(x.fd, pb, 0), 0, "consume and re-arm");
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 0, "a notify with nothing new after consuming: no wake");
	s->req_prod = 3;
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 1, "new requests: wake");
	xbt_take(&x, NULL, 4);
	xbt_eoi1(x.fd, pb, 0);

	tap_eq(xbt_set_ring(x.fd, pb, (char *)&s->req_prod + 1, cons), -EINVAL, "misaligned req_prod is EINVAL");
	tap_eq(xbt_set_ring(x.fd, pb, &s->req_prod, (char *)cons + 2), -EINVAL, "misaligned req_cons is EINVAL");
	tap_eq(xbt_set_ring(x.fd, pb, &s->req_prod, NULL), -EINVAL, "req_prod without req_cons is EINVAL");
	tap_eq(xbt_set_ring(x.fd, pb, (void *)0x1000, cons), -EFAULT, "an unmapped req_prod is EFAULT");
	tap_eq(xbt_set_ring(x.fd, pb, (void *)-4096L, cons), -EFAULT, "a kernel address is EFAULT");
	tap_eq(xbt_set_ring(x.fd, 777, &s->req_prod, cons), -EINVAL, "an unknown port is EINVAL");
	{
		struct xenback_set_ring r = { .port = pb, .flags = 1,
			.req_prod = (uintptr_t)&s->req_prod, .req_cons = (uintptr_t)cons };
		t_errno(ioctl(x.fd, XENBACK_IOCTL_SET_RING, &r), EINVAL, "unknown flags are EINVAL");
	}

	/* The registration pins the page: unmapping it is harmless. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(page, 0, 4096);
	tap_eq(xbt_set_ring(x.fd, pb, page, page + 64), 0, "register a ring in a page we will unmap");
	munmap(page, 4096);
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 0, "events after munmap read the pinned copy (no wake, no fault)");

	tap_eq(xbt_set_ring(x.fd, pb, NULL, NULL), 0, "remove the registration");
	xbt_notify1(x.fd, pa);
	tap_eq(xbt_avail(&x), 1, "without suppression every event wakes");
	free(s);
	free(cons);
	xbt_close(&x);
	return tap_done();
}
