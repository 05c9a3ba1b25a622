/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Grant I/O's lifetimes without Xen, under the vm tier's kernels (the
 * debug kernel's KASAN, lockdep and kmemleak included): the test hook
 * test_fake_grants lets a grant I/O file open on a loopback port and "map"
 * a grant into a page of the module's own, word i of grant g's page being
 * (g << 16) ^ i (grant 0xffffffff does not map); test_gio_delay_ms holds
 * completions like a slow disk. The image: a brd ramdisk, O_DIRECT.
 * Checked: data both ways, the mapping cache and its eviction, a grant that
 * does not map, completions by read(), and files closed (and the context
 * too) with requests in flight: the module stays held until they end, then
 * everything is freed. (On real Xen: tests/xen/progs/test-grant-io.c.)
 */
#include <poll.h>
#include <sys/stat.h>

#include "vmtest.h"

#define PG 4096u
#define RAM "/dev/ram0"

/* A file on port: its fd, or -errno. */
static int gio_open(struct xb_xenback *x, uint32_t port, int image, uint32_t max_grants)
{
	struct xenback_grant_io_open o = { .port = port, .image_fd = image,
					   .max_grants = max_grants };

	return ioctl(x->fd, XENBACK_IOCTL_GRANT_IO_OPEN, &o) < 0 ? -errno : o.fd;
}

/* One request of n whole pages, grants first..first+n-1, at byte off;
 * submitted and, unless the completion is held, its result (-999: none
 * came back with the SUBMIT). */
static long one(int fd, uint32_t op, uint32_t first, unsigned int n, uint64_t off)
{
	struct xenback_grant_io_seg segs[16];
	struct xenback_grant_io_req q = { .user_data = 77, .offset = off, .nseg = n, .op = op,
					  .segs = (uintptr_t)segs };
	struct xenback_grant_io_done d;
	struct xenback_grant_io_submit s = { .reqs = (uintptr_t)&q, .count = 1,
					     .done = (uintptr_t)&d, .done_max = 1 };
	unsigned int i;
	int got;

	for (i = 0; i < n; i++)
		segs[i] = (struct xenback_grant_io_seg){ first + i, 0, PG };
	got = ioctl(fd, XENBACK_GRANT_IO_SUBMIT, &s);
	if (got < 0)
		return -1000 - errno;
	return got == 1 ? d.res : -999;
}

static struct xenback_grant_io_stats gio_stats(int fd)
{
	struct xenback_grant_io_stats st;

	memset(&st, 0xff, sizeof(st));
	ioctl(fd, XENBACK_GRANT_IO_STATS, &st);
	return st;
}

static void test_data(struct xb_xenback *x, uint32_t port, int ram)
{
	struct xenback_grant_io_stats st;
	int fd = gio_open(x, port, ram, 64);

	tap_ok(fd >= 0, "test_fake_grants: a grant I/O file on a loopback port (%d)", fd);
	if (fd < 0)
		return;
	tap_eq(one(fd, XENBACK_GRANT_IO_WRITE, 1, 8, 0), 8 * PG, "write grants 1-8: 32 KiB");
	tap_ok(vt_ram_holds(ram, 0, 1, 8), "the ramdisk holds their patterns");
	/* read into 101-108, then write those out elsewhere: what was read */
	tap_eq(one(fd, XENBACK_GRANT_IO_READ, 101, 8, 0), 8 * PG, "read them into grants 101-108");
	tap_eq(one(fd, XENBACK_GRANT_IO_WRITE, 101, 8, 1 << 20), 8 * PG,
	       "write grants 101-108 at 1 MiB");
	tap_ok(vt_ram_holds(ram, 1 << 20, 1, 8), "1 MiB holds grants 1-8's patterns: the read filled 101-108");
	tap_eq(one(fd, XENBACK_GRANT_IO_READ, 0xffffffffu, 1, 0), -EIO,
	       "a grant that does not map: -EIO");
	st = gio_stats(fd);
	tap_ok(st.requests == 4 && st.maps == 16 && st.hits == 8 && st.mapped == 16 &&
		       st.inflight == 0,
	       "stats: 4 requests, 16 maps, 8 hits, 16 mapped, none in flight (%llu %llu %llu %u %u)",
	       (unsigned long long)st.requests, (unsigned long long)st.maps,
	       (unsigned long long)st.hits, st.mapped, st.inflight);
	close(fd);
}

static void test_evict(struct xb_xenback *x, uint32_t port, int ram)
{
	struct xenback_grant_io_stats st;
	unsigned int i, ok = 0;
	int fd = gio_open(x, port, ram, 4);

	for (i = 0; i < 12; i++)
		ok += one(fd, XENBACK_GRANT_IO_WRITE, 200 + i, 1, (2 << 20) + i * PG) == PG;
	tap_eq(ok, 12, "max_grants 4: 12 writes over 12 grants");
	tap_ok(vt_ram_holds(ram, 2 << 20, 200, 12), "the data is right");
	st = gio_stats(fd);
	tap_ok(st.maps == 12 && st.evicted == 8 && st.mapped == 4,
	       "12 maps, 8 evicted, 4 mapped (%llu %llu %u)", (unsigned long long)st.maps,
	       (unsigned long long)st.evicted, st.mapped);
	tap_eq(one(fd, XENBACK_GRANT_IO_WRITE, 300, 5, 0), -EBUSY,
	       "a request of 5 new grants with max_grants 4: -EBUSY");
	tap_eq(gio_stats(fd).mapped, 4, "and nothing evicted for it");
	close(fd);
}

/* Completions held 1.5 s: read() after, then close with one in flight,
 * then the context too. */
static void test_inflight(struct xb_xenback *x, uint32_t port, int ram)
{
	struct xenback_grant_io_done d[4];
	struct pollfd p;
	int fd = gio_open(x, port, ram, 16), base, pr;
	uint64_t t0, ms;

	tap_ok(vt_set_param("test_gio_delay_ms", "1500"), "test hook test_gio_delay_ms 1500");
	tap_eq(one(fd, XENBACK_GRANT_IO_WRITE, 400, 2, 3 << 20), -999,
	       "a held write: no completion from SUBMIT");
	tap_eq(gio_stats(fd).inflight, 1, "one in flight");
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	t0 = vt_now_ns();
	pr = poll(&p, 1, 5000);
	ms = (vt_now_ns() - t0) / 1000000;
	tap_ok(pr == 1 && (p.revents & POLLIN) && ms >= 1000,
	       "poll: POLLIN once it ends, not before (%llu ms)", (unsigned long long)ms);
	tap_ok(read(fd, d, sizeof(d)) == sizeof(d[0]) && d[0].user_data == 77 &&
		       d[0].res == 2 * PG,
	       "read(): its completion");
	tap_ok(vt_ram_holds(ram, 3 << 20, 400, 2), "the write reached the ramdisk");
	base = vt_module_refcnt();
	tap_eq(one(fd, XENBACK_GRANT_IO_WRITE, 500, 2, (3 << 20) + 2 * PG), -999,
	       "another held write");
	close(fd);
	tap_eq(vt_module_refcnt(), base - 1,
	       "its file closed: the module still held by the request in flight");
	usleep(2000 * 1000);
	tap_eq(vt_module_refcnt(), base - 2, "released once the write ended");
	tap_ok(vt_ram_holds(ram, (3 << 20) + 2 * PG, 500, 2), "and the write reached the ramdisk");
	/* a file whose context goes first, with a write held */
	fd = gio_open(x, port, ram, 16);
	tap_eq(one(fd, XENBACK_GRANT_IO_WRITE, 600, 1, (3 << 20) + 8 * PG),
	       -999, "a held write on a new file");
	xb_xenback_close(x);
	close(fd);
	usleep(2000 * 1000);
	tap_ok(vt_ram_holds(ram, (3 << 20) + 8 * PG, 600, 1),
	       "context and file closed before it ended: the write still landed");
	vt_set_param("test_gio_delay_ms", "0");
}

int main(void)
{
	struct xb_xenback x, y;
	uint32_t pa, pb;
	int ram;

	if (system("insmod /mod/brd.ko rd_nr=1 rd_size=8192 2>/dev/null") < 0) {
		/* built in (the debug kernel), or loaded by another test */
	}
	ram = open(RAM, O_RDWR | O_DIRECT);
	tap_ok(ram >= 0, "a brd ramdisk, O_DIRECT (%s)", RAM);
	if (ram < 0)
		return tap_done();
	vt_open(&x);
	vt_open(&y);
	vt_pair(&x, &y, &pa, &pb);
	tap_eq(gio_open(&x, pa, ram, 64), -EOPNOTSUPP, "without the hook, no Xen: EOPNOTSUPP");
	tap_ok(vt_set_param("test_fake_grants", "1"), "test hook test_fake_grants on");
	tap_eq(gio_open(&x, 12345, ram, 64), -EINVAL, "an unbound port: EINVAL");
	test_data(&x, pa, ram);
	test_evict(&x, pa, ram);
	test_inflight(&x, pa, ram);
	vt_set_param("test_fake_grants", "0");
	xb_xenback_close(&y);
	close(ram);
	return tap_done();
}
