/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The blkif ring engine (XENBACK_IOCTL_BLKIF_OPEN) without Xen, under the
 * vm tier's kernels (the debug kernel's KASAN, lockdep and kmemleak
 * included). With the test hook test_fake_grants the ring is pages of the
 * module's own that this test maps and plays the frontend on (requests in,
 * XENBACK_BLKIF_KICK for the event channel), and a data grant g "maps" to a
 * pattern page, word i being (g << 16) ^ i. The image: a brd ramdisk,
 * O_DIRECT. Checked: the open's refusals, data both ways, every request
 * the engine refuses and how, flushes, the notification rule, a frontend
 * that overruns the ring (stopped, said why, still answered what it took),
 * requests parked for grant room, a file closed with a write in flight
 * (answered, module held until it ends), and a second file that resumes
 * the ring where the first left it. (On real Xen, blkfront drives it:
 * the xen tier's dom0-30 and test-blkif.)
 */
#include <poll.h>
#include <stdint.h>

#ifndef mb
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/xen.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>

#include "vmtest.h"

#define PG 4096u
#define RAM "/dev/ram0"
#define DOMID 7u
#define PORT 99u
#define RING_NAME "xenback: blkif d7 port 99" /* as the kernel log names it */
#define SECTORS (8192u * 2) /* rd_size=8192 KiB */

struct front {
	int fd;
	blkif_sring_t *sring;
	blkif_front_ring_t ring;
};

static int bopen(struct xb_xenback *x, int image, uint32_t flags, uint32_t max_grants,
		 struct xenback_blkif_open *out)
{
	struct xenback_blkif_open o = {
		.domid = DOMID, .remote_port = PORT, .image_fd = image, .flags = flags,
		.sectors = SECTORS, .nr_ring_refs = 1, .ring_refs = { 5 },
		.max_grants = max_grants, .max_indirect_segs = 32, .logical_block_size = 512,
	};

	if (out)
		o = *out;
	return ioctl(x->fd, XENBACK_IOCTL_BLKIF_OPEN, &o) < 0 ? -errno : o.fd;
}

static bool front_open(struct xb_xenback *x, int image, uint32_t flags, uint32_t max_grants,
		       struct front *f)
{
	f->fd = bopen(x, image, flags, max_grants, NULL);
	if (f->fd < 0)
		return false;
	f->sring = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (f->sring == MAP_FAILED)
		return false;
	/* Fake rings are new zeroed pages, also with XENBACK_BLKIF_RESUME
	 * (it then starts at their rsp_prod, 0). */
	SHARED_RING_INIT(f->sring);
	FRONT_RING_INIT(&f->ring, f->sring, PG);
	return true;
}

/* `xenbackctl stats --json`'s entry for the ring (DOMID, PORT) into out
 * (from its '{' to the end of the output); false if it lists none. */
static bool ctl_ring(char *out, size_t len)
{
	char *argv[] = { (char *)"/bin/xenbackctl", (char *)"stats", (char *)"--json", NULL };
	char want[64], *p;

	if (vt_run(out, len, argv, 0) != 0 || !strstr(out, "\"blkif\":["))
		return false;
	snprintf(want, sizeof(want), "{\"domid\":%u,\"port\":%u,", DOMID, PORT);
	p = strstr(out, want);
	if (p)
		memmove(out, p, strlen(p) + 1);
	return p != NULL;
}

/* A read/write of n whole pages, grants first.., at sector. */
static blkif_request_t *rw(struct front *f, uint8_t op, uint64_t id, uint32_t first,
			   unsigned int n, uint64_t sector)
{
	blkif_request_t *r = RING_GET_REQUEST(&f->ring, f->ring.req_prod_pvt++);
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->operation = op;
	r->nr_segments = (uint8_t)n;
	r->id = id;
	r->sector_number = sector;
	for (i = 0; i < n && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r->seg[i] = (struct blkif_request_segment){ first + i, 0, 7 };
	return r;
}

static void push_kick(struct front *f)
{
	RING_PUSH_REQUESTS(&f->ring);
	ioctl(f->fd, XENBACK_BLKIF_KICK);
}

/* The next response, waiting up to ms; its status, or -99 none. */
static int next_rsp(struct front *f, uint64_t *id, uint8_t *op, int ms)
{
	uint64_t t0 = vt_now_ns();
	blkif_response_t *rsp;

	while (!RING_HAS_UNCONSUMED_RESPONSES(&f->ring)) {
		if ((vt_now_ns() - t0) / 1000000 > (uint64_t)ms)
			return -99;
		usleep(1000);
	}
	rmb();
	rsp = RING_GET_RESPONSE(&f->ring, f->ring.rsp_cons++);
	if (id)
		*id = rsp->id;
	if (op)
		*op = rsp->operation;
	return rsp->status;
}

/* One request of it, pushed, kicked and answered: its status. */
static int one(struct front *f, blkif_request_t *r)
{
	uint64_t id = r->id, got = 0;
	int st;

	push_kick(f);
	st = next_rsp(f, &got, NULL, 3000);
	return st != -99 && got != id ? -98 : st;
}

static struct xenback_blkif_stats bstats(int fd)
{
	struct xenback_blkif_stats st;

	memset(&st, 0xff, sizeof(st));
	ioctl(fd, XENBACK_BLKIF_STATS, &st);
	return st;
}

static void test_refusals(struct xb_xenback *x, int ram)
{
	struct xenback_blkif_open o = {
		.domid = DOMID, .remote_port = PORT, .image_fd = ram, .sectors = SECTORS,
		.nr_ring_refs = 1, .max_grants = 64, .max_indirect_segs = 32,
		.logical_block_size = 512,
	};
	struct xenback_blkif_open b;
	int buffered = open(RAM, O_RDWR), ro = open(RAM, O_RDONLY | O_DIRECT);

	b = o, b.nr_ring_refs = 3;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "3 ring pages: EINVAL");
	b = o, b.nr_ring_refs = 32;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "32 ring pages: EINVAL");
	b = o, b.flags = 1u << 7;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "an unknown flag: EINVAL");
	b = o, b.pad = 1;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "pad: EINVAL");
	b = o, b.max_grants = 20;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "max_grants below max_indirect_segs + 1: EINVAL");
	b = o, b.max_indirect_segs = 257;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "257 indirect segments: EINVAL");
	b = o, b.logical_block_size = 1000;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "a logical block size of 1000: EINVAL");
	b = o, b.domid = 0x7ff0;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "a reserved domid: EINVAL");
	b = o, b.image_fd = buffered;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "an image without O_DIRECT: EINVAL");
	b = o, b.image_fd = ro;
	tap_eq(bopen(x, ram, 0, 0, &b), -EINVAL, "a read-only image without READONLY: EINVAL");
	b = o, b.image_fd = 999;
	tap_eq(bopen(x, ram, 0, 0, &b), -EBADF, "a bad image fd: EBADF");
	close(buffered);
	close(ro);
}

static void test_requests(struct xb_xenback *x, int ram)
{
	struct xenback_blkif_stats st;
	blkif_request_t *r;
	struct front f;
	uint8_t op = 0;
	uint64_t id = 0;
	int st2;

	f.fd = -1;
	int logged = vt_klog_count(RING_NAME ": refused a request");
	int failed = vt_klog_count(RING_NAME ": a request failed");
	bool ok = front_open(x, ram, 0, 64, &f);

	tap_ok(ok, "a blkif file on a fake ring, mapped (%d)", f.fd);
	if (!ok)
		return;
	tap_eq(bopen(x, ram, 0, 64, NULL), -EBUSY, "a second file for the same ring: EBUSY");
	tap_eq(one(&f, rw(&f, BLKIF_OP_WRITE, 1, 1, 8, 0)), BLKIF_RSP_OKAY,
	       "write grants 1-8 at sector 0: OKAY");
	tap_ok(vt_ram_holds(ram, 0, 1, 8), "the ramdisk holds their patterns");
	tap_eq(one(&f, rw(&f, BLKIF_OP_READ, 2, 101, 8, 0)), BLKIF_RSP_OKAY,
	       "read them into grants 101-108");
	tap_eq(one(&f, rw(&f, BLKIF_OP_WRITE, 3, 101, 8, 2048)), BLKIF_RSP_OKAY,
	       "write grants 101-108 at 1 MiB");
	tap_ok(vt_ram_holds(ram, 1 << 20, 1, 8), "1 MiB holds 1-8's patterns: the read filled 101-108");
	r = rw(&f, BLKIF_OP_WRITE, 4, 20, 2, 8);
	r->seg[1] = (struct blkif_request_segment){ 21, 0, 3 };
	tap_eq(one(&f, r), BLKIF_RSP_OKAY, "a page and a half at sector 8");
	tap_eq(one(&f, rw(&f, BLKIF_OP_FLUSH_DISKCACHE, 5, 0, 0, 0)), BLKIF_RSP_OKAY,
	       "a flush: OKAY");
	tap_eq(one(&f, rw(&f, BLKIF_OP_FLUSH_DISKCACHE, 6, 30, 2, 4096)), BLKIF_RSP_OKAY,
	       "a flush with data: OKAY");
	tap_ok(vt_ram_holds(ram, 2 << 20, 30, 2), "and its data written");
	/* refusals: one response each, the ring goes on */
	tap_eq(one(&f, rw(&f, BLKIF_OP_WRITE, 7, 1, 12, 0)), BLKIF_RSP_ERROR, "12 segments: ERROR");
	tap_eq(one(&f, rw(&f, BLKIF_OP_READ, 8, 1, 0, 0)), BLKIF_RSP_ERROR, "0 segments: ERROR");
	r = rw(&f, BLKIF_OP_READ, 9, 1, 1, 0);
	r->seg[0].first_sect = 5, r->seg[0].last_sect = 2;
	tap_eq(one(&f, r), BLKIF_RSP_ERROR, "first_sect after last_sect: ERROR");
	r = rw(&f, BLKIF_OP_READ, 10, 1, 1, 0);
	r->seg[0].last_sect = 8;
	tap_eq(one(&f, r), BLKIF_RSP_ERROR, "last_sect past the page: ERROR");
	tap_eq(one(&f, rw(&f, BLKIF_OP_READ, 11, 1, 2, SECTORS - 8)), BLKIF_RSP_ERROR,
	       "two pages from 8 sectors before the end: ERROR");
	tap_eq(one(&f, rw(&f, BLKIF_OP_READ, 12, 1, 1, UINT64_MAX - 3)), BLKIF_RSP_ERROR,
	       "a sector near 2^64: ERROR");
	tap_eq(one(&f, rw(&f, BLKIF_OP_READ, 13, 0xffffffffu, 1, 0)), BLKIF_RSP_ERROR,
	       "a grant that does not map: ERROR");
	r = rw(&f, 42, 14, 1, 1, 0);
	tap_eq(one(&f, r), BLKIF_RSP_EOPNOTSUPP, "operation 42: EOPNOTSUPP");
	r = rw(&f, BLKIF_OP_DISCARD, 15, 0, 0, 0);
	((blkif_request_discard_t *)r)->id = 15;
	((blkif_request_discard_t *)r)->sector_number = 0;
	((blkif_request_discard_t *)r)->nr_sectors = 8;
	tap_eq(one(&f, r), BLKIF_RSP_ERROR, "a discard not offered: ERROR");
	r = rw(&f, BLKIF_OP_INDIRECT, 0, 0, 0, 0);
	{
		blkif_request_indirect_t *ind = (blkif_request_indirect_t *)r;

		ind->indirect_op = BLKIF_OP_READ;
		ind->nr_segments = 33;
		ind->id = 16;
		ind->indirect_grefs[0] = 50;
	}
	push_kick(&f);
	st2 = next_rsp(&f, &id, &op, 3000);
	tap_ok(st2 == BLKIF_RSP_ERROR && id == 16 && op == BLKIF_OP_READ,
	       "indirect, 33 segments (32 offered): ERROR, answered as the indirect op (%d %llu %u)",
	       st2, (unsigned long long)id, op);
	r = rw(&f, BLKIF_OP_INDIRECT, 0, 0, 0, 0);
	{
		blkif_request_indirect_t *ind = (blkif_request_indirect_t *)r;

		ind->indirect_op = BLKIF_OP_WRITE;
		ind->nr_segments = 4;
		ind->id = 17;
		ind->indirect_grefs[0] = 50; /* a pattern page: bad descriptors */
	}
	tap_eq(one(&f, r), BLKIF_RSP_ERROR, "indirect with malformed descriptors: ERROR");
	st = bstats(f.fd);
	tap_ok(st.requests == 17 && st.responses == 17 && st.errors == 11 && st.inflight == 0 &&
		       !st.stopped,
	       "stats: 17 requests, 17 responses, 11 errors (EOPNOTSUPP counted), none in flight, running "
	       "(%llu %llu %llu %u %u)", (unsigned long long)st.requests,
	       (unsigned long long)st.responses, (unsigned long long)st.errors, st.inflight,
	       st.stopped);
	tap_eq(vt_klog_count(RING_NAME ": refused a request") - logged, 1,
	       "the kernel log names the ring's first refusal, not the 10 after it");
	tap_ok(vt_klog_count(RING_NAME ": refused a request (operation 1): nr_segments 0 or above 11") > 0,
	       "... with its reason (12 segments)");
	tap_eq(vt_klog_count(RING_NAME ": a request failed (operation 0)") - failed, 1,
	       "and the first request that failed (the grant that does not map), once");
	{
		static char out[1 << 14];

		tap_ok(ctl_ring(out, sizeof(out)) &&
			       strstr(out, "\"requests\":17,\"responses\":17,\"errors\":11,") &&
			       strstr(out, "\"max_grants\":64,\"inflight\":0,\"stopped\":0,\"reason\":\"\""),
		       "xenbackctl stats lists the ring over netlink: 17 requests, 11 errors, up to 64 grants (%.200s)",
		       out);
	}
	tap_eq(st.notifies, 1, "rsp_event 1 (SHARED_RING_INIT), never moved: one notify, the first");
	f.sring->rsp_event = f.ring.rsp_cons + 1;
	tap_eq(one(&f, rw(&f, BLKIF_OP_READ, 18, 1, 1, 0)), BLKIF_RSP_OKAY, "a read");
	tap_eq(bstats(f.fd).notifies, 2, "rsp_event at it: notified");
	close(f.fd);
	munmap(f.sring, PG);
}

static void test_overrun(struct xb_xenback *x, int ram)
{
	struct xenback_blkif_stats st;
	struct pollfd p;
	struct front f = { .fd = -1 };

	if (!front_open(x, ram, 0, 64, &f)) {
		tap_ok(false, "a blkif file for the overrun (%d)", f.fd);
		return;
	}
	rw(&f, BLKIF_OP_WRITE, 1, 1, 1, 0);
	f.ring.req_prod_pvt += 40; /* 41 requests on a ring of 32 */
	push_kick(&f);
	p = (struct pollfd){ .fd = f.fd, .events = POLLIN };
	tap_ok(poll(&p, 1, 3000) == 1 && (p.revents & POLLIN), "req_prod 41 ahead: POLLIN");
	st = bstats(f.fd);
	tap_ok(st.stopped == EPROTO && strstr(st.reason, "ahead of responses") && st.requests == 0,
	       "stopped: EPROTO, \"%s\", nothing taken", st.reason);
	f.sring->req_prod = 1;
	ioctl(f.fd, XENBACK_BLKIF_KICK);
	usleep(100 * 1000);
	tap_eq(bstats(f.fd).requests, 0, "stopped for good: a kick takes nothing");
	{
		static char out[1 << 14];

		tap_ok(ctl_ring(out, sizeof(out)) && strstr(out, "\"stopped\":71,") &&
			       strstr(out, "ahead of responses"),
		       "xenbackctl stats shows it stopped (EPROTO) and why (%.200s)", out);
		close(f.fd);
		munmap(f.sring, PG);
		for (int i = 0; i < 200 && ctl_ring(out, sizeof(out)); i++)
			usleep(10 * 1000);
		tap_ok(!ctl_ring(out, sizeof(out)), "closed and idle: xenbackctl stats lists it no more");
	}
}

/* max_grants 11, completions held: a second request's new grants wait
 * (parked) for the first's to be idle, then go. */
static void test_parked(struct xb_xenback *x, int ram)
{
	struct xenback_blkif_open o = {
		.domid = DOMID, .remote_port = PORT, .image_fd = ram, .sectors = SECTORS,
		.nr_ring_refs = 1, .ring_refs = { 5 }, .max_grants = 11, .max_indirect_segs = 0,
		.logical_block_size = 512,
	};
	struct front f;
	uint64_t id1 = 0, id2 = 0;
	int s1, s2;

	f.fd = ioctl(x->fd, XENBACK_IOCTL_BLKIF_OPEN, &o) < 0 ? -errno : o.fd;
	f.sring = f.fd >= 0 ? mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0) :
			      MAP_FAILED;
	if (f.sring == MAP_FAILED) {
		tap_ok(false, "a blkif file with max_grants 11 (%d)", f.fd);
		return;
	}
	SHARED_RING_INIT(f.sring);
	FRONT_RING_INIT(&f.ring, f.sring, PG);
	vt_set_param("test_gio_delay_ms", "800");
	rw(&f, BLKIF_OP_WRITE, 1, 700, 11, 4096);
	rw(&f, BLKIF_OP_WRITE, 2, 800, 11, 4096 + 88);
	push_kick(&f);
	usleep(300 * 1000);
	tap_eq(bstats(f.fd).inflight, 2, "two writes of 11 new grants each, max_grants 11: both taken");
	tap_eq(bstats(f.fd).mapped, 11, "only the first's grants mapped: the second waits");
	s1 = next_rsp(&f, &id1, NULL, 3000);
	s2 = next_rsp(&f, &id2, NULL, 3000);
	tap_ok(s1 == BLKIF_RSP_OKAY && s2 == BLKIF_RSP_OKAY && id1 == 1 && id2 == 2,
	       "both answered OKAY, in order (%d %d)", s1, s2);
	tap_ok(vt_ram_holds(ram, 4096 * 512, 700, 11) && vt_ram_holds(ram, (4096 + 88) * 512, 800, 11),
	       "both writes landed");
	vt_set_param("test_gio_delay_ms", "0");
	close(f.fd);
	munmap(f.sring, PG);
}

/* A file closed with a write held at the "disk": answered anyway, the
 * module held until then; a new file then resumes the ring. */
static void test_close_resume(struct xb_xenback *x, int ram)
{
	struct front f = { .fd = -1 }, g = { .fd = -1 };
	int base, fd2;
	uint64_t t0, ms;

	if (!front_open(x, ram, 0, 64, &f)) {
		tap_ok(false, "a blkif file for close/resume (%d)", f.fd);
		return;
	}
	tap_eq(one(&f, rw(&f, BLKIF_OP_WRITE, 1, 900, 1, 6000)), BLKIF_RSP_OKAY, "a write");
	vt_set_param("test_gio_delay_ms", "1500");
	rw(&f, BLKIF_OP_WRITE, 2, 901, 2, 6008);
	push_kick(&f);
	usleep(200 * 1000);
	base = vt_module_refcnt();
	munmap(f.sring, PG); /* the mapping holds the file too */
	close(f.fd);
	tap_eq(vt_module_refcnt(), base - 1, "closed with a write held: the module still held");
	t0 = vt_now_ns();
	fd2 = front_open(x, ram, XENBACK_BLKIF_RESUME, 64, &g) ? g.fd : -1;
	ms = (vt_now_ns() - t0) / 1000000;
	tap_ok(fd2 >= 0 && ms >= 700, "an open of the same ring waits for its I/O (%llu ms)",
	       (unsigned long long)ms);
	tap_ok(vt_ram_holds(ram, 6008 * 512, 901, 2), "the held write landed");
	vt_set_param("test_gio_delay_ms", "0");
	if (fd2 < 0)
		return;
	tap_eq(one(&g, rw(&g, BLKIF_OP_READ, 3, 950, 1, 6000)), BLKIF_RSP_OKAY,
	       "the new file (RESUME, at its ring's rsp_prod) answers a request");
	munmap(g.sring, PG);
	close(g.fd);
	usleep(100 * 1000);
	/* f held three: its file, the ring engine, its grant I/O engine */
	tap_eq(vt_module_refcnt(), base - 3, "both gone: every reference back");
}

/* The engine's tracepoints fire: a write taken, answered, one run. */
static void test_trace(struct xb_xenback *x, int ram)
{
	static char buf[1 << 16];
	struct front f = { .fd = -1 };
	ssize_t n = 0, got;
	int fd;

	tap_eq(vt_put("/sys/kernel/tracing/events/xenback/enable", "1"), 0,
	       "enable every xenback event");
	vt_put("/sys/kernel/tracing/trace", "");
	if (front_open(x, ram, 0, 64, &f)) {
		one(&f, rw(&f, BLKIF_OP_WRITE, 41, 1, 2, 64));
		munmap(f.sring, PG);
		close(f.fd);
	}
	vt_put("/sys/kernel/tracing/events/xenback/enable", "0");
	fd = open("/sys/kernel/tracing/trace", O_RDONLY);
	while (fd >= 0 && (got = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += got;
	buf[n] = 0;
	if (fd >= 0)
		close(fd);
	tap_ok(strstr(buf, "blkif_request: domid=7 port=99 idx=0 op=1 indirect=0 nseg=2 sector=64") != NULL,
	       "xenback:blkif_request fired");
	tap_ok(strstr(buf, "blkif_response: domid=7 port=99 idx=0 op=1 status=0 notify=1") != NULL,
	       "xenback:blkif_response fired (the first response notifies)");
	tap_ok(strstr(buf, "blkif_run: domid=7 port=99 taken=1 again=0 parked=0 stopped=0") != NULL,
	       "xenback:blkif_run fired");
	if (tap_failed)
		printf("# trace:\n# %.1500s\n", buf);
}

int main(void)
{
	struct xb_xenback x;
	int ram;

	if (system("insmod /mod/brd.ko rd_nr=1 rd_size=8192 2>/dev/null") < 0) {
		/* built in (the debug kernel), or loaded by another test */
	}
	ram = open(RAM, O_RDWR | O_DIRECT);
	tap_ok(ram >= 0, "a brd ramdisk, O_DIRECT (%s)", RAM);
	if (ram < 0)
		return tap_done();
	vt_open(&x);
	tap_eq(bopen(&x, ram, 0, 64, NULL), -EOPNOTSUPP, "without the hook, no Xen: EOPNOTSUPP");
	tap_ok(vt_set_param("test_fake_grants", "1"), "test hook test_fake_grants on");
	test_refusals(&x, ram);
	test_requests(&x, ram);
	test_overrun(&x, ram);
	test_parked(&x, ram);
	test_close_resume(&x, ram);
	test_trace(&x, ram);
	vt_set_param("test_fake_grants", "0");
	xb_xenback_close(&x);
	close(ram);
	return tap_done();
}
