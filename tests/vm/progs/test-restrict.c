/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* XENBACK_IOCTL_RESTRICT_DOMID: a context restricted to one frontend domain
 * binds interdomain channels of that domain only, for good (like
 * IOCTL_EVTCHN_RESTRICT_DOMID of /dev/xen/evtchn). Without Xen (this tier)
 * an allowed bind gets as far as EOPNOTSUPP and a refused one stops at
 * EPERM; the xen tier binds for real. */
#include "vmtest.h"

static int restrict_domid(int fd, uint32_t domid, uint32_t pad)
{
	struct xenback_restrict_domid r = { .domid = domid, .pad = pad };

	return ioctl(fd, XENBACK_IOCTL_RESTRICT_DOMID, &r) < 0 ? -errno : 0;
}

static int bind(int fd, uint32_t domid)
{
	struct xenback_bind_interdomain b = { .remote_domid = domid, .remote_port = 1 };

	return ioctl(fd, XENBACK_IOCTL_BIND_INTERDOMAIN, &b) < 0 ? -errno : 0;
}

int main(void)
{
	struct xenback_version v;
	struct xb_xenback x, y;
	uint32_t a, b;
	int fd2, unrestricted;
	pid_t pid;
	int st;

	vt_open(&x);
	vt_open(&y);
	tap_eq(ioctl(x.fd, XENBACK_IOCTL_VERSION, &v), 0, "version");
	tap_ok(v.features & XENBACK_F_RESTRICT, "feature bit XENBACK_F_RESTRICT (0x%x)", v.features);
	unrestricted = bind(x.fd, 7);
	tap_ok(unrestricted != -EPERM, "unrestricted: a bind for domain 7 is not refused (%d)",
	       unrestricted);
	tap_eq(restrict_domid(x.fd, 5, 1), -EINVAL, "non-zero pad: EINVAL");
	tap_eq(restrict_domid(x.fd, 0x7ff0, 0), -EINVAL, "a reserved domid: EINVAL");
	tap_eq(restrict_domid(x.fd, 5, 0), 0, "restrict to domain 5");
	tap_eq(restrict_domid(x.fd, 5, 0), 0, "the same domain again: 0");
	tap_eq(restrict_domid(x.fd, 6, 0), -EPERM, "another domain: EPERM (one way)");
	tap_eq(bind(x.fd, 7), -EPERM, "a bind for domain 7: EPERM");
	tap_eq(bind(x.fd, 5), unrestricted, "a bind for domain 5 goes as far as an unrestricted one");
	tap_eq(bind(y.fd, 7), unrestricted, "another context is not restricted");
	fd2 = dup(x.fd);
	tap_eq(bind(fd2, 7), -EPERM, "a dup of the fd is restricted too");
	close(fd2);
	pid = fork();
	if (pid == 0)
		_exit(bind(x.fd, 7) == -EPERM ? 0 : 1);
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "and in a forked child");
	tap_eq(xb_xenback_bind_loopback(&x, -1, &a, &b), 0, "loopback binds are not affected");
	tap_eq(xb_xenback_unbind(&x, a), 0, "unbind one end");
	tap_eq(xb_xenback_unbind(&x, b), 0, "and the other");
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	return tap_done();
}
