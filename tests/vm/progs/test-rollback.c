/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bind whose result cannot be written back (EFAULT) takes back the ports
 * it bound, and only those: never a port that got the same number
 * meanwhile, in this context or in the peer's.
 *
 * Deterministic: the argument page is write-protected with userfaultfd, so
 * the module's copy_to_user of the result sleeps in the fault. While it
 * sleeps, the test unbinds the new pair by its (predictable, lowest free)
 * numbers and binds another pair, which gets the same numbers. Then the
 * page is made read-only and the fault woken: the write fails, the ioctl
 * returns EFAULT and rolls back. The second pair must still be bound.
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>

#include "vmtest.h"

struct held {
	int fd;   /* the context the bind runs in */
	void *arg; /* struct xenback_bind_loopback on the write-protected page */
	int ret;
};

static void *bind_held(void *p)
{
	struct held *h = p;

	h->ret = t_ret(ioctl(h->fd, XENBACK_IOCTL_BIND_LOOPBACK, h->arg));
	return NULL;
}

/* A userfaultfd write-protecting page, or -1 (errno set). */
static int uffd_protect(void *page)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)page, .len = 4096 },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)page, .len = 4096 },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int u = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (u < 0)
		return -1;
	if (ioctl(u, UFFDIO_API, &api) || ioctl(u, UFFDIO_REGISTER, &reg) ||
	    ioctl(u, UFFDIO_WRITEPROTECT, &wp)) {
		int e = errno;

		close(u);
		errno = e;
		return -1;
	}
	return u;
}

/* Wait (5 s) for the write-protect fault on page. */
static bool uffd_fault_seen(int u, void *page)
{
	struct pollfd p = { .fd = u, .events = POLLIN };
	struct uffd_msg m;

	if (poll(&p, 1, 5000) != 1 || read(u, &m, sizeof(m)) != sizeof(m))
		return false;
	return m.event == UFFD_EVENT_PAGEFAULT && (m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) &&
	       (m.arg.pagefault.address & ~4095ull) == (uintptr_t)page;
}

/* Make the page read-only, then lift the protection: the held write is
 * retried on a read-only mapping and fails. */
static void uffd_fail_write(int u, void *page)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)page, .len = 4096 },
		.mode = 0, /* unprotect and wake */
	};

	mprotect(page, 4096, PROT_READ);
	if (ioctl(u, UFFDIO_WRITEPROTECT, &wp))
		tap_diag("UFFDIO_WRITEPROTECT (wake): %s", strerror(errno));
}

static bool bound(struct xb_xenback *x, uint32_t port)
{
	struct xenback_port_stats st;

	return xb_xenback_port_stats(x, port, &st) == 0;
}

/* One round: a bind held at its result's write in x (peer y, or x when y
 * is NULL), the numbers reused meanwhile, the write failed. */
static void round_held(const char *name, struct xb_xenback *x, struct xb_xenback *y)
{
	struct xb_xenback *py = y ? y : x;
	/* the first pair of fresh contexts: the lowest free indices */
	uint32_t pa = XENBACK_LOOPBACK_PORT_BASE, pb = XENBACK_LOOPBACK_PORT_BASE + (y ? 0 : 1);
	uint32_t na, nb;
	struct held h = { .fd = x->fd };
	struct xenback_bind_loopback *l;
	pthread_t t;
	int u;

	l = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(l, 0, sizeof(*l));
	l->peer_fd = y ? y->fd : -1;
	h.arg = l;
	u = uffd_protect(l);
	if (u < 0) {
		tap_skip(name, "no userfaultfd write-protect in this kernel: %s", strerror(errno));
		munmap(l, 4096);
		return;
	}
	pthread_create(&t, NULL, bind_held, &h);
	tap_ok(uffd_fault_seen(u, l), "%s: the bind sleeps writing its result", name);
	tap_ok(bound(x, pa) && bound(py, pb), "%s: its pair %#x/%#x is bound meanwhile", name, pa, pb);
	tap_ok(xb_xenback_unbind(x, pa) == 0 && xb_xenback_unbind(py, pb) == 0,
	       "%s: another thread unbinds it by number", name);
	vt_pair(x, y, &na, &nb);
	tap_ok(na == pa && nb == pb, "%s: and binds a new pair with the same numbers (%#x/%#x)", name, na, nb);
	uffd_fail_write(u, l);
	pthread_join(t, NULL);
	tap_eq(h.ret, -EFAULT, "%s: the held bind then fails: EFAULT", name);
	tap_ok(bound(x, na) && bound(py, nb), "%s: and its rollback left the new pair bound", name);
	close(u);
	munmap(l, 4096);
}

int main(void)
{
	struct xb_xenback x, y;

	vt_open(&x);
	round_held("one context", &x, NULL);
	xb_xenback_close(&x);
	vt_open(&x);
	vt_open(&y);
	round_held("peer context", &x, &y);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
