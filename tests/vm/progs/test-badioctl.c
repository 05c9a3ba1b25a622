/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every ioctl rejects bad arguments with the documented errno. */
#include "xbtest.h"

#define BAD ((void *)8)

int main(void)
{
	struct xenback_notify n;
	struct xenback_bind_loopback l;
	struct xenback_unbind u;
	struct xenback_port_stats st;
	struct xenback_version *ro;
	struct xenback_bind_loopback *rol;
	uint32_t pa, pb, v[2], many[XENBACK_MAX_VEC + 1];
	uint32_t ports[XENBACK_MAX_PORTS];
	struct xbt x, y;
	int i, r, nul;
	char c;

	xbt_open_or_bail(&x);
	xbt_open_or_bail(&y);
	if (xbt_loop(x.fd, y.fd, &pa, &pb))
		t_bail("bind");

	t_errno(ioctl(x.fd, _IO(XENBACK_IOC_MAGIC, 0x7f), 0), ENOTTY, "unknown command number: ENOTTY");
	t_errno(ioctl(x.fd, _IOR('T', 0x00, struct xenback_version), 0), ENOTTY, "foreign magic: ENOTTY");
	t_errno(ioctl(x.fd, _IOW(XENBACK_IOC_MAGIC, 0x04, uint64_t), 0), ENOTTY, "known number, wrong size: ENOTTY");
	t_errno(ioctl(x.fd, 0x5401 /* TCGETS */, &c), ENOTTY, "a tty ioctl: ENOTTY");

	/* EFAULT for every command with a bad argument pointer */
	t_errno(ioctl(x.fd, XENBACK_IOCTL_VERSION, BAD), EFAULT, "VERSION bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_VERSION, NULL), EFAULT, "VERSION NULL: EFAULT");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t_errno(ioctl(x.fd, XENBACK_IOCTL_VERSION, ro), EFAULT, "VERSION into read-only memory: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_INTERDOMAIN, BAD), EFAULT, "BIND_INTERDOMAIN bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_LOOPBACK, BAD), EFAULT, "BIND_LOOPBACK bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_UNBIND, BAD), EFAULT, "UNBIND bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_NOTIFY, BAD), EFAULT, "NOTIFY bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_SET_EVENTFD, BAD), EFAULT, "SET_EVENTFD bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_SET_RING, BAD), EFAULT, "SET_RING bad pointer: EFAULT");
	t_errno(ioctl(x.fd, XENBACK_IOCTL_PORT_STATS, BAD), EFAULT, "PORT_STATS bad pointer: EFAULT");
	/* BIND_LOOPBACK whose result cannot be written back binds nothing */
	rol = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rol->peer_fd = -1;
	mprotect(rol, 4096, PROT_READ);
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_LOOPBACK, rol), EFAULT,
		"BIND_LOOPBACK into read-only memory: EFAULT");
	tap_eq(xbt_stats(x.fd, XENBACK_LOOPBACK_PORT_BASE + 1, &st), -EINVAL,
	     "and leaves no port behind");

	/* NOTIFY vectors */
	tap_eq(xbt_kick(x.fd, BAD, 1, NULL, 0, 0), -EFAULT, "NOTIFY eoi vector bad pointer: EFAULT");
	tap_eq(xbt_kick(x.fd, NULL, 0, BAD, 1, 0), -EFAULT, "NOTIFY notify vector bad pointer: EFAULT");
	tap_eq(xbt_kick(x.fd, NULL, 0, NULL, 1, 0), -EFAULT, "NOTIFY NULL vector with a count: EFAULT");
	for (i = 0; i <= (int)XENBACK_MAX_VEC; i++)
		many[i] = pa;
	tap_eq(xbt_kick(x.fd, many, XENBACK_MAX_VEC + 1, NULL, 0, 0), -E2BIG, "NOTIFY eoi_count > max: E2BIG");
	tap_eq(xbt_kick(x.fd, NULL, 0, many, XENBACK_MAX_VEC + 1, 0), -E2BIG, "NOTIFY notify_count > max: E2BIG");
	tap_eq(xbt_kick(x.fd, NULL, 0, many, 0xffffffffu, 0), -E2BIG, "NOTIFY notify_count 2^32-1: E2BIG");
	tap_eq(xbt_kick(x.fd, NULL, 0, many, XENBACK_MAX_VEC, 0), 0, "NOTIFY with exactly max entries works");
	xbt_take(&y, NULL, 8);
	xbt_eoi1(y.fd, pb, 0); /* delivers the latched event */
	xbt_take(&y, NULL, 8);
	xbt_eoi1(y.fd, pb, 0);
	tap_eq(xbt_kick(x.fd, NULL, 0, NULL, 0, 2), -EINVAL, "NOTIFY unknown flags: EINVAL");
	memset(&n, 0, sizeof(n));
	n.wait_fd = 1;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_NOTIFY, &n), EINVAL, "NOTIFY wait_fd without XENBACK_NOTIFY_WAIT_FD: EINVAL");
	v[0] = pa;
	v[1] = 0xdead;
	tap_eq(xbt_kick(x.fd, NULL, 0, v, 2, 0), -EINVAL, "NOTIFY with an unknown port: EINVAL");
	tap_eq(xbt_avail(&y), 0, "and nothing took effect (validated before acting)");
	v[1] = pa | XENBACK_EOI_SPURIOUS;
	tap_eq(xbt_kick(x.fd, NULL, 0, v, 2, 0), -EINVAL, "NOTIFY with the spurious bit in the notify vector: EINVAL");
	v[0] = 0xdead | XENBACK_EOI_SPURIOUS;
	tap_eq(xbt_kick(x.fd, v, 1, NULL, 0, 0), -EINVAL, "NOTIFY eoi of an unknown port: EINVAL");

	/* BIND_LOOPBACK */
	memset(&l, 0, sizeof(l));
	l.peer_fd = -1;
	l.flags = 1;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EINVAL, "BIND_LOOPBACK flags: EINVAL");
	l.flags = 0;
	l.peer_fd = 9999;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EBADF, "BIND_LOOPBACK closed peer fd: EBADF");
	l.peer_fd = -2;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EBADF, "BIND_LOOPBACK peer fd -2: EBADF");
	nul = open("/dev/null", O_RDWR);
	l.peer_fd = nul;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_BIND_LOOPBACK, &l), EINVAL, "BIND_LOOPBACK peer not /dev/xenback: EINVAL");

	/* UNBIND, PORT_STATS */
	u.port = pa;
	u.pad = 1;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_UNBIND, &u), EINVAL, "UNBIND non-zero padding: EINVAL");
	tap_eq(xbt_unbind(x.fd, 0xdead), -EINVAL, "UNBIND unknown port: EINVAL");
	memset(&st, 0, sizeof(st));
	st.port = pa;
	st.pad = 1;
	t_errno(ioctl(x.fd, XENBACK_IOCTL_PORT_STATS, &st), EINVAL, "PORT_STATS non-zero padding: EINVAL");
	tap_eq(xbt_stats(x.fd, 0xdead, &st), -EINVAL, "PORT_STATS unknown port: EINVAL");
	tap_eq(xbt_unbind(x.fd, pa), 0, "UNBIND");
	tap_eq(xbt_unbind(x.fd, pa), -EINVAL, "UNBIND twice: EINVAL");
	tap_eq(xbt_notify1(y.fd, pb), 0, "notifying a port whose peer is gone is accepted (and dropped)");

	/* ENOSPC when a context is full */
	for (i = 0, r = 0; i < (int)XENBACK_MAX_PORTS / 2 && !r; i++)
		r = xbt_loop(x.fd, -1, &ports[2 * i], &ports[2 * i + 1]);
	tap_eq(r, 0, "bind %u ports in one context", XENBACK_MAX_PORTS);
	tap_eq(xbt_loop(x.fd, -1, &pa, &pb), -ENOSPC, "one more pair: ENOSPC");
	tap_eq(xbt_loop(y.fd, x.fd, &pa, &pb), -ENOSPC, "a pair whose peer context is full: ENOSPC");

	/* not a stream of bytes */
	tap_ok(read(x.fd, &c, 1) < 0 && errno == EINVAL, "read() is EINVAL");
	tap_ok(write(x.fd, &c, 1) < 0 && errno == EINVAL, "write() is EINVAL");
	close(nul);
	xbt_close(&x);
	xbt_close(&y);
	return tap_done();
}
