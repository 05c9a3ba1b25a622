/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every ioctl rejects bad arguments with the documented errno.
 * Raw ioctls on purpose: the point is the module's checking of the raw
 * arguments (bad pointers, counts, flags, padding), which the client
 * (xenback_dev.c) never sends; contexts, pairs and the calls with valid
 * arguments go through the client.
 */
#include "vmtest.h"

#define BAD ((void *)8)

/* One raw XENBACK_IOCTL_NOTIFY with the vectors, counts and flags as given. */
static int raw_notify(struct xb_xenback *x, const void *eoi, unsigned int ne, const void *ntf,
		      unsigned int nn, uint32_t flags)
{
	struct xenback_notify n = {
		.eoi = (uintptr_t)eoi, .notify = (uintptr_t)ntf,
		.eoi_count = ne, .notify_count = nn, .flags = flags,
	};

	return t_ret(ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n));
}

static void test_unknown_commands(struct xb_xenback *x)
{
	char c;

	t_errno(ioctl(x->fd, _IO(XENBACK_IOC_MAGIC, 0x7f), 0), ENOTTY, "unknown command number: ENOTTY");
	t_errno(ioctl(x->fd, _IOR('T', 0x00, struct xenback_version), 0), ENOTTY, "foreign magic: ENOTTY");
	t_errno(ioctl(x->fd, _IOW(XENBACK_IOC_MAGIC, 0x04, uint64_t), 0), ENOTTY, "known number, wrong size: ENOTTY");
	t_errno(ioctl(x->fd, 0x5401 /* TCGETS */, &c), ENOTTY, "a tty ioctl: ENOTTY");
	/* ABI 1's numbers (the sizes were 8 and 32 bytes) are gone */
	t_errno(ioctl(x->fd, _IOW(XENBACK_IOC_MAGIC, 0x05, uint64_t), 0), ENOTTY,
		"ABI 1 SET_EVENTFD (8 bytes): ENOTTY");
	t_errno(ioctl(x->fd, _IOW(XENBACK_IOC_MAGIC, 0x04, uint64_t[4]), 0), ENOTTY,
		"ABI 1 NOTIFY (32 bytes): ENOTTY");
}

/* ABI 2's room: SET_EVENTFD flags and padding, NOTIFY reserved words, all
 * 0 today (EINVAL otherwise, before anything takes effect). */
static void test_reserved_fields(struct xb_xenback *x, struct xb_xenback *y, uint32_t pa,
				 uint32_t pb)
{
	struct xenback_set_eventfd se;
	struct xenback_notify n;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t cnt = 0;
	int k;

	memset(&se, 0, sizeof(se));
	se.port = pb;
	se.fd = efd;
	se.flags = 1;
	t_errno(ioctl(y->fd, XENBACK_IOCTL_SET_EVENTFD, &se), EINVAL, "SET_EVENTFD flags: EINVAL");
	se.flags = 0;
	se.pad = 1;
	t_errno(ioctl(y->fd, XENBACK_IOCTL_SET_EVENTFD, &se), EINVAL, "SET_EVENTFD non-zero padding: EINVAL");
	se.pad = 0;
	tap_eq(t_ret(ioctl(y->fd, XENBACK_IOCTL_SET_EVENTFD, &se)), 0, "SET_EVENTFD with them 0 attaches");
	se.fd = -1;
	tap_eq(t_ret(ioctl(y->fd, XENBACK_IOCTL_SET_EVENTFD, &se)), 0, "and -1 detaches");
	for (k = 0; k < 2; k++) {
		memset(&n, 0, sizeof(n));
		n.notify = (uintptr_t)&pa;
		n.notify_count = 1;
		n.reserved[k] = 1ull << (k ? 63 : 0);
		t_errno(ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n), EINVAL, "NOTIFY reserved[%d] not 0: EINVAL", k);
	}
	tap_eq(xb_xenback_avail(y), 0, "and nothing was notified");
	tap_ok(read(efd, &cnt, sizeof(cnt)) < 0 && errno == EAGAIN, "nor signalled to the detached eventfd");
	close(efd);
}

/* EFAULT for every command with a bad argument pointer */
static void test_bad_pointers(struct xb_xenback *x)
{
	struct xenback_port_stats st;
	struct xenback_version *ro;
	struct xenback_bind_loopback *rol;

	t_errno(ioctl(x->fd, XENBACK_IOCTL_VERSION, BAD), EFAULT, "VERSION bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_VERSION, NULL), EFAULT, "VERSION NULL: EFAULT");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t_errno(ioctl(x->fd, XENBACK_IOCTL_VERSION, ro), EFAULT, "VERSION into read-only memory: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_INTERDOMAIN, BAD), EFAULT, "BIND_INTERDOMAIN bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_LOOPBACK, BAD), EFAULT, "BIND_LOOPBACK bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_UNBIND, BAD), EFAULT, "UNBIND bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_NOTIFY, BAD), EFAULT, "NOTIFY bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_SET_EVENTFD, BAD), EFAULT, "SET_EVENTFD bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_SET_RING, BAD), EFAULT, "SET_RING bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_PORT_STATS, BAD), EFAULT, "PORT_STATS bad pointer: EFAULT");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_RESTRICT_DOMID, BAD), EFAULT, "RESTRICT_DOMID bad pointer: EFAULT");
	/* BIND_LOOPBACK whose result cannot be written back binds nothing */
	rol = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rol->peer_fd = -1;
	mprotect(rol, 4096, PROT_READ);
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_LOOPBACK, rol), EFAULT,
		"BIND_LOOPBACK into read-only memory: EFAULT");
	tap_eq(xb_xenback_port_stats(x, XENBACK_LOOPBACK_PORT_BASE + 1, &st), -EINVAL,
	     "and leaves no port behind");
}

/* Grant I/O without Xen: arguments checked first (EFAULT, EINVAL), then
 * EOPNOTSUPP; the grant I/O file's own commands are not the context's.
 * (On Xen: tests/xen/progs/test-grant-io.c.) */
static void test_grant_io(struct xb_xenback *x, uint32_t pa)
{
	struct xenback_grant_io_open o = { .port = pa, .image_fd = 0, .max_grants = 16 };

	t_errno(ioctl(x->fd, XENBACK_IOCTL_GRANT_IO_OPEN, BAD), EFAULT,
		"GRANT_IO_OPEN bad pointer: EFAULT");
	o.flags = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_GRANT_IO_OPEN, &o), EINVAL, "GRANT_IO_OPEN flags: EINVAL");
	o.flags = 0;
	o.pad = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_GRANT_IO_OPEN, &o), EINVAL, "GRANT_IO_OPEN pad: EINVAL");
	o.pad = 0;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_GRANT_IO_OPEN, &o), EOPNOTSUPP,
		"GRANT_IO_OPEN without Xen: EOPNOTSUPP");
	tap_eq(xb_xenback_grant_io_open(x, pa, 0, 16), -EOPNOTSUPP,
	       "the client says EOPNOTSUPP without asking (no XENBACK_F_XEN)");
	t_errno(ioctl(x->fd, XENBACK_GRANT_IO_SUBMIT, BAD), ENOTTY,
		"GRANT_IO_SUBMIT on a context: ENOTTY");
	t_errno(ioctl(x->fd, XENBACK_GRANT_IO_STATS, BAD), ENOTTY,
		"GRANT_IO_STATS on a context: ENOTTY");
}

/* NOTIFY vectors: x's port pa, y's peer port pb */
static void test_notify_vectors(struct xb_xenback *x, struct xb_xenback *y, uint32_t pa,
				uint32_t pb)
{
	static uint32_t many[XENBACK_MAX_VEC + 1];
	struct xenback_notify n;
	uint32_t v[2];
	int i;

	tap_eq(raw_notify(x, BAD, 1, NULL, 0, 0), -EFAULT, "NOTIFY eoi vector bad pointer: EFAULT");
	tap_eq(raw_notify(x, NULL, 0, BAD, 1, 0), -EFAULT, "NOTIFY notify vector bad pointer: EFAULT");
	tap_eq(raw_notify(x, NULL, 0, NULL, 1, 0), -EFAULT, "NOTIFY NULL vector with a count: EFAULT");
	for (i = 0; i <= (int)XENBACK_MAX_VEC; i++)
		many[i] = pa;
	tap_eq(raw_notify(x, many, XENBACK_MAX_VEC + 1, NULL, 0, 0), -E2BIG, "NOTIFY eoi_count > max: E2BIG");
	tap_eq(raw_notify(x, NULL, 0, many, XENBACK_MAX_VEC + 1, 0), -E2BIG, "NOTIFY notify_count > max: E2BIG");
	tap_eq(raw_notify(x, NULL, 0, many, 0xffffffffu, 0), -E2BIG, "NOTIFY notify_count 2^32-1: E2BIG");
	tap_eq(raw_notify(x, NULL, 0, many, XENBACK_MAX_VEC, 0), 0, "NOTIFY with exactly max entries works");
	vt_skip(y, 8);
	xb_xenback_rearm(y, pb, false); /* delivers the latched event */
	vt_skip(y, 8);
	xb_xenback_rearm(y, pb, false);
	tap_eq(raw_notify(x, NULL, 0, NULL, 0, 2), -EINVAL, "NOTIFY unknown flags: EINVAL");
	memset(&n, 0, sizeof(n));
	n.wait_fd = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_NOTIFY, &n), EINVAL, "NOTIFY wait_fd without XENBACK_NOTIFY_WAIT_FD: EINVAL");
	v[0] = pa;
	v[1] = 0xdead;
	tap_eq(raw_notify(x, NULL, 0, v, 2, 0), -EINVAL, "NOTIFY with an unknown port: EINVAL");
	tap_eq(xb_xenback_avail(y), 0, "and nothing took effect (validated before acting)");
	v[1] = pa | XENBACK_EOI_SPURIOUS;
	tap_eq(raw_notify(x, NULL, 0, v, 2, 0), -EINVAL, "NOTIFY with the spurious bit in the notify vector: EINVAL");
	v[0] = 0xdead | XENBACK_EOI_SPURIOUS;
	tap_eq(raw_notify(x, v, 1, NULL, 0, 0), -EINVAL, "NOTIFY eoi of an unknown port: EINVAL");
}

static void test_bind_loopback(struct xb_xenback *x)
{
	struct xenback_bind_loopback l;
	int nul;

	memset(&l, 0, sizeof(l));
	l.peer_fd = -1;
	l.flags = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EINVAL, "BIND_LOOPBACK flags: EINVAL");
	l.flags = 0;
	l.peer_fd = 9999;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EBADF, "BIND_LOOPBACK closed peer fd: EBADF");
	l.peer_fd = -2;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EBADF, "BIND_LOOPBACK peer fd -2: EBADF");
	nul = open("/dev/null", O_RDWR);
	l.peer_fd = nul;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EINVAL, "BIND_LOOPBACK peer not /dev/xenback: EINVAL");
	close(nul);
}

/* UNBIND, PORT_STATS: x's port pa, y's peer port pb */
static void test_unbind_stats(struct xb_xenback *x, struct xb_xenback *y, uint32_t pa,
			      uint32_t pb)
{
	struct xenback_port_stats st;
	struct xenback_unbind u;

	u.port = pa;
	u.pad = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_UNBIND, &u), EINVAL, "UNBIND non-zero padding: EINVAL");
	tap_eq(xb_xenback_unbind(x, 0xdead), -EINVAL, "UNBIND unknown port: EINVAL");
	memset(&st, 0, sizeof(st));
	st.port = pa;
	st.pad = 1;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_PORT_STATS, &st), EINVAL, "PORT_STATS non-zero padding: EINVAL");
	tap_eq(xb_xenback_port_stats(x, 0xdead, &st), -EINVAL, "PORT_STATS unknown port: EINVAL");
	tap_eq(xb_xenback_unbind(x, pa), 0, "UNBIND");
	tap_eq(xb_xenback_unbind(x, pa), -EINVAL, "UNBIND twice: EINVAL");
	tap_eq(xb_xenback_notify(y, pb), 0, "notifying a port whose peer is gone is accepted (and dropped)");
}

/* ENOSPC when a context is full */
static void test_full(struct xb_xenback *x, struct xb_xenback *y)
{
	uint32_t ports[XENBACK_MAX_PORTS], pa, pb;
	int i, r;

	for (i = 0, r = 0; i < (int)XENBACK_MAX_PORTS / 2 && !r; i++)
		r = xb_xenback_bind_loopback(x, -1, &ports[2 * i], &ports[2 * i + 1]);
	tap_eq(r, 0, "bind %u ports in one context", XENBACK_MAX_PORTS);
	tap_eq(xb_xenback_bind_loopback(x, -1, &pa, &pb), -ENOSPC, "one more pair: ENOSPC");
	tap_eq(xb_xenback_bind_loopback(y, x->fd, &pa, &pb), -ENOSPC, "a pair whose peer context is full: ENOSPC");
}

int main(void)
{
	struct xb_xenback x, y;
	uint32_t pa, pb;
	char c;

	vt_open(&x);
	vt_open(&y);
	vt_pair(&x, &y, &pa, &pb);
	test_unknown_commands(&x);
	test_bad_pointers(&x);
	test_notify_vectors(&x, &y, pa, pb);
	test_reserved_fields(&x, &y, pa, pb);
	test_bind_loopback(&x);
	test_unbind_stats(&x, &y, pa, pb);
	test_full(&x, &y);
	test_grant_io(&x, pa);

	/* not a stream of bytes */
	tap_ok(read(x.fd, &c, 1) < 0 && errno == EINVAL, "read() is EINVAL");
	tap_ok(write(x.fd, &c, 1) < 0 && errno == EINVAL, "write() is EINVAL");
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
