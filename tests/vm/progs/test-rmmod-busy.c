/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rmmod while xenback.ko is in use must fail and leave the module working:
 * with a context open, with only a mapping of a closed context's shared
 * area left, and with only an ioctl in progress on a closed fd (a thread
 * asleep in NOTIFY). delete_module(2) with O_NONBLOCK, as rmmod does: a
 * module in use is EWOULDBLOCK (EBUSY on some kernels).
 * The module is never really unloaded here (init.sh does that after every
 * test): delete_module is only called while this test holds a reference,
 * checked in /sys/module/xenback/refcnt first.
 */
#include "vmtest.h"

/* delete_module("xenback", O_NONBLOCK), only while refcnt > 0: -errno, or
 * 1 when not called (no reference seen: it would have unloaded). */
static int try_rmmod(void)
{
	int n = vt_module_refcnt();

	if (n <= 0) {
		tap_diag("refcnt %d: delete_module not called", n);
		return 1;
	}
	return t_ret((int)syscall(SYS_delete_module, "xenback", O_NONBLOCK));
}

static bool busy(int r)
{
	return r == -EWOULDBLOCK || r == -EBUSY;
}

static bool module_live(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/module/xenback/initstate", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return !strncmp(buf, "live", 4);
}

/* The module still binds, notifies and delivers. */
static bool module_works(void)
{
	struct xb_xenback x;
	uint32_t a, b, got = 0;
	bool ok;

	if (xb_xenback_open(&x))
		return false;
	ok = xb_xenback_bind_loopback(&x, -1, &a, &b) == 0 && xb_xenback_notify(&x, a) == 0 &&
	     xb_xenback_kick_wait(&x, NULL, 0, NULL, 0, -1) == 1 &&
	     xb_xenback_take(&x, &got, 1) == 1 && got == b;
	xb_xenback_close(&x);
	return ok;
}

int main(void)
{
	struct xenback_shared *sh;
	struct vt_sleeper s;
	int base = vt_module_refcnt(), fd, r;
	void *map;

	tap_diag("xenback.ko refcnt at the start: %d", base);
	tap_ok(base >= 0 && module_live(), "xenback.ko is loaded and live");

	/* an open context */
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		t_bail("open " XB_DEV);
	r = try_rmmod();
	tap_ok(busy(r), "delete_module(O_NONBLOCK) with a context open: EWOULDBLOCK/EBUSY (%d)", r);
	tap_ok(module_live() && module_works(), "the module is still live and works");
	{
		struct xenback_bind_loopback l = { .peer_fd = -1 };

		tap_eq(t_ret(ioctl(fd, XENBACK_IOCTL_BIND_LOOPBACK, &l)), 0,
		       "and the open context still binds");
	}
	close(fd);
	tap_eq(vt_module_refcnt(), base, "closed: refcnt back to %d", base);

	/* only a mapping left */
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		t_bail("open " XB_DEV);
	map = mmap(NULL, XENBACK_MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		t_bail("mmap");
	close(fd);
	tap_eq(vt_module_refcnt(), base + 1, "open, mmap, close: the mapping holds the context");
	r = try_rmmod();
	tap_ok(busy(r), "delete_module with only a mapping left: EWOULDBLOCK/EBUSY (%d)", r);
	sh = map;
	sh->cons = sh->prod; /* the page is still ours to read and write */
	tap_ok(module_live() && module_works() && sh->cons == sh->prod,
	       "the module works; the mapping still reads and writes (prod %u)", sh->prod);
	munmap(map, XENBACK_MMAP_SIZE);
	tap_eq(vt_module_refcnt(), base, "munmap: refcnt back to %d", base);

	/* only an ioctl in progress: a thread asleep in NOTIFY on a closed fd */
	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		t_bail("open " XB_DEV);
	tap_ok(vt_sleeper_start(&s, fd, -1, true), "a thread asleep in NOTIFY WAIT");
	close(fd);
	tap_eq(vt_module_refcnt(), base + 1, "its fd closed: the ioctl holds the context");
	r = try_rmmod();
	tap_ok(busy(r), "delete_module with only a sleeping ioctl left: EWOULDBLOCK/EBUSY (%d)", r);
	tap_ok(module_live() && module_works(), "the module works");
	vt_sleeper_interrupt(&s);
	tap_eq(s.ret, -EINTR, "a signal ends the wait: EINTR");
	tap_eq(vt_module_refcnt(), base, "and the context goes with it: refcnt back to %d", base);
	tap_ok(module_live(), "xenback.ko still loaded (init.sh unloads it after the tests)");
	return tap_done();
}
