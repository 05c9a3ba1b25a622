/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Grant I/O (XENBACK_IOCTL_GRANT_IO_OPEN) on real Xen, run in dom0 by the
 * xen tier (tests/xen/dom0-40-xenback-kmod.sh).
 *
 * dom0 grants pages to itself (/dev/xen/gntalloc, the "frontend": the test
 * writes and reads the data through gntalloc's mapping) and binds an
 * interdomain channel to itself; a grant I/O file on that port moves data
 * between those grants and an O_DIRECT image, a brd ramdisk (IMG: no other
 * dom0 script uses it). The module maps the grants itself and keeps them
 * (persistent grants); Xen's grant table dump (debug key 'g') says when it
 * lets them go. For the request in flight at close, a dm-delay device over
 * the same ramdisk holds a write a few seconds.
 */
#include "xentest.h"

#include <xen/grant_table.h> /* grant_ref_t, for xen/gntalloc.h */
#include <xen/gntalloc.h>

#define PG      4096
#define NPAGES  24
#define IMG     "/dev/ram5"
#define MIB     (1u << 20)
#define DELAY   "xbgio"       /* the dm-delay device: /dev/mapper/xbgio */
#define DELAY_MS 5000
#define NO_DONE INT64_MIN     /* io(): no completion came back */

typedef struct xenback_grant_io_seg seg_t;
typedef struct xenback_grant_io_req req_t;
typedef struct xenback_grant_io_done done_t;

static int ga_fd, ev_fd;
static uint8_t *pages;        /* gntalloc's view of the NPAGES grants */
static uint32_t ref[NPAGES];  /* their grant references */
static void *noaccess;        /* a PROT_NONE page: unreadable, unwritable */
static uint64_t seq;          /* user_data of io()'s requests */

static uint8_t *pg(unsigned int i)
{
	return pages + (size_t)i * PG;
}

/* A page of data that differs per seed and per byte. */
static void fill(void *p, size_t len, uint32_t seed)
{
	uint8_t *b = p;
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
}

/* Is p what fill(seed) wrote? */
static bool same(const void *p, size_t len, uint32_t seed)
{
	uint8_t *want = malloc(len);
	bool eq;

	fill(want, len, seed);
	eq = !memcmp(p, want, len);
	free(want);
	return eq;
}

/* The frontend grants NPAGES pages to dom0 and maps them. */
static void grants_alloc(void)
{
	union {
		struct ioctl_gntalloc_alloc_gref a;
		char room[sizeof(struct ioctl_gntalloc_alloc_gref) + NPAGES * sizeof(uint32_t)];
	} u = { .a = { .domid = 0, .flags = GNTALLOC_FLAG_WRITABLE, .count = NPAGES } };
	void *p;

	if (ioctl(ga_fd, IOCTL_GNTALLOC_ALLOC_GREF, &u.a))
		t_bail("IOCTL_GNTALLOC_ALLOC_GREF");
	memcpy(ref, u.a.gref_ids, sizeof(ref));
	p = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, ga_fd, (off_t)u.a.index);
	if (p == MAP_FAILED)
		t_bail("mmap gntalloc");
	pages = p;
}

static int submit_raw(int gfd, const req_t *q, uint32_t n, done_t *d, uint32_t dmax)
{
	struct xenback_grant_io_submit s = { .reqs = (uintptr_t)q, .done = (uintptr_t)d,
					     .count = n, .done_max = dmax };

	return t_ret(ioctl(gfd, XENBACK_GRANT_IO_SUBMIT, &s));
}

static struct xenback_grant_io_stats stats(int gfd)
{
	struct xenback_grant_io_stats st;

	memset(&st, 0xff, sizeof(st));
	if (ioctl(gfd, XENBACK_GRANT_IO_STATS, &st))
		tap_diag("XENBACK_GRANT_IO_STATS: %s", strerror(errno));
	return st;
}

/* One request, completed by the same SUBMIT (the ramdisk completes at
 * once): its res, or NO_DONE. */
static int64_t io(int gfd, uint32_t op, uint64_t off, const seg_t *s, uint32_t nseg)
{
	req_t q = { .user_data = ++seq, .offset = off, .segs = (uintptr_t)s, .nseg = nseg,
		    .op = op };
	done_t d = { 0 };

	if (submit_raw(gfd, &q, 1, &d, 1) != 1 || d.user_data != q.user_data)
		return NO_DONE;
	return d.res;
}

/* One request of n whole pages, page first onwards. */
static int64_t io_pages(int gfd, uint32_t op, uint64_t off, unsigned int first, unsigned int n)
{
	seg_t s[NPAGES];
	unsigned int i;

	for (i = 0; i < n; i++)
		s[i] = (seg_t){ .gref = ref[first + i], .offset = 0, .len = PG };
	return io(gfd, op, off, s, n);
}

/* The image, read straight (O_DIRECT, past the module): is it what
 * fill(seed) wrote, at off? */
static bool image_has(const char *path, uint64_t off, size_t len, uint32_t seed)
{
	void *buf = NULL;
	bool eq = false;
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);

	if (fd >= 0 && !posix_memalign(&buf, PG, len) &&
	    pread(fd, buf, len, (off_t)off) == (ssize_t)len)
		eq = same(buf, len, seed);
	free(buf);
	if (fd >= 0)
		close(fd);
	return eq;
}

static int run_sh(const char *cmd, char *out, size_t len)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };

	return vt_run(out, len, argv, 1);
}

/* Polls Xen's dump until none of refs[0..n) is mapped: true if so within
 * ~15 s (the module unmaps from a workqueue, after the last I/O). */
static bool grants_released(const uint32_t *refs, unsigned int n)
{
	int i, m = -1;

	for (i = 0; i < 30 && m != 0; i++) {
		m = xt_grants_mapped(refs, n);
		if (m != 0)
			usleep(500 * 1000);
	}
	if (m)
		tap_diag("Xen still shows %d of the %u grants mapped", m, n);
	return m == 0;
}

/* 1. The module says it can. */
static void test_features(struct xb_xenback *x)
{
	tap_ok((x->features & (XENBACK_F_GRANT_IO | XENBACK_F_XEN)) ==
	       (XENBACK_F_GRANT_IO | XENBACK_F_XEN),
	       "XENBACK_IOCTL_VERSION offers XENBACK_F_GRANT_IO and XENBACK_F_XEN (%#x)",
	       x->features);
}

/* GRANT_IO_OPEN with o as given: 0 (the file is closed again) or -errno. */
static int open_raw(struct xb_xenback *x, struct xenback_grant_io_open o)
{
	int r = ioctl(x->fd, XENBACK_IOCTL_GRANT_IO_OPEN, &o);

	if (!r)
		close(o.fd);
	return t_ret(r);
}

/* 2. Every refusal of GRANT_IO_OPEN, each against an otherwise good
 * request; then the good one. */
static void test_open(struct xb_xenback *x, uint32_t port, int img)
{
	const struct xenback_grant_io_open good = { .port = port, .image_fd = img,
						    .max_grants = 16 };
	struct xenback_grant_io_open o;
	uint32_t lb, lb_peer;
	int fd, pfd[2];

	o = good, o.flags = 1;
	tap_eq(open_raw(x, o), -EINVAL, "open: flags != 0 is EINVAL");
	o = good, o.pad = 1;
	tap_eq(open_raw(x, o), -EINVAL, "open: pad != 0 is EINVAL");
	o = good, o.max_grants = 0;
	tap_eq(open_raw(x, o), -EINVAL, "open: max_grants 0 is EINVAL");
	o = good, o.max_grants = XENBACK_GRANT_IO_MAX_GRANTS + 1;
	tap_eq(open_raw(x, o), -EINVAL, "open: max_grants %u is EINVAL", o.max_grants);
	o = good, o.port = port + 1000;
	tap_eq(open_raw(x, o), -EINVAL, "open: a port not bound in the context is EINVAL");
	vt_pair(x, NULL, &lb, &lb_peer);
	o = good, o.port = lb;
	tap_eq(open_raw(x, o), -EINVAL, "open: a loopback port is EINVAL (no remote domain)");
	xb_xenback_unbind(x, lb);
	xb_xenback_unbind(x, lb_peer);
	o = good, o.image_fd = -1;
	tap_eq(open_raw(x, o), -EBADF, "open: image fd -1 is EBADF");
	o = good, o.image_fd = open(IMG, O_RDWR | O_CLOEXEC);
	tap_eq(open_raw(x, o), -EINVAL, "open: an image opened without O_DIRECT is EINVAL");
	close(o.image_fd);
	o = good, o.image_fd = open(IMG, O_WRONLY | O_DIRECT | O_CLOEXEC);
	tap_eq(open_raw(x, o), -EINVAL, "open: an image opened write-only is EINVAL");
	close(o.image_fd);
	if (pipe2(pfd, O_DIRECT | O_CLOEXEC)) /* O_DIRECT: only the file type is wrong */
		t_bail("pipe2");
	o = good, o.image_fd = pfd[0];
	tap_eq(open_raw(x, o), -EINVAL, "open: a pipe (even O_DIRECT) is EINVAL");
	close(pfd[0]);
	close(pfd[1]);

	fd = xb_xenback_grant_io_open(x, port, img, 16);
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_NONBLOCK),
	       "open: a good request gives a close-on-exec, non-blocking fd (%d)", fd);
	if (fd >= 0)
		close(fd);
}

/* 3. Data goes both ways, whole pages and parts of pages, and reaches the
 * image; 7 (first half). The cache: one map per distinct grant, hits on
 * reuse. */
static void test_data(int gfd)
{
	seg_t part = { .gref = ref[16], .offset = 512, .len = 1024 };
	struct xenback_grant_io_stats st;
	unsigned int i;
	bool eq;

	for (i = 0; i < 8; i++)
		fill(pg(i), PG, 100 + i);
	memset(pg(8), 0, 8 * PG);
	tap_eq(io_pages(gfd, XENBACK_GRANT_IO_WRITE, MIB, 0, 8), 8 * PG,
	       "write 8 granted pages (one request, 8 segments) at 1 MiB: res 32768");
	tap_ok(image_has(IMG, MIB, PG, 100) && image_has(IMG, MIB + 7 * PG, PG, 107),
	       "the image holds them (pread O_DIRECT of " IMG ")");
	tap_eq(io_pages(gfd, XENBACK_GRANT_IO_READ, MIB, 8, 8), 8 * PG,
	       "read them back into 8 other granted pages: res 32768");
	for (i = 0, eq = true; i < 8; i++)
		eq = eq && same(pg(8 + i), PG, 100 + i);
	tap_ok(eq, "the 8 pages read match the 8 written, byte for byte (gntalloc's view)");

	memset(pg(0), 0, 8 * PG); /* the same grants again: cache hits */
	tap_eq(io_pages(gfd, XENBACK_GRANT_IO_READ, MIB, 0, 8), 8 * PG,
	       "read again into the first 8 pages (grants already mapped)");
	for (i = 0, eq = true; i < 8; i++)
		eq = eq && same(pg(i), PG, 100 + i);
	tap_ok(eq, "through the kept mappings too");

	fill(pg(16) + 512, 1024, 200);
	tap_eq(io(gfd, XENBACK_GRANT_IO_WRITE, 3 * MIB, &part, 1), 1024,
	       "write a segment of bytes 512..1535 of a page at 3 MiB: res 1024");
	tap_ok(image_has(IMG, 3 * MIB, 1024, 200), "the image holds those 1024 bytes");
	memset(pg(17), 0xee, PG);
	part.gref = ref[17];
	tap_eq(io(gfd, XENBACK_GRANT_IO_READ, 3 * MIB, &part, 1), 1024,
	       "read them into bytes 512..1535 of another page: res 1024");
	tap_ok(same(pg(17) + 512, 1024, 200) && pg(17)[511] == 0xee && pg(17)[1536] == 0xee &&
	       pg(17)[0] == 0xee && pg(17)[PG - 1] == 0xee,
	       "they match, and the rest of the page is untouched");

	st = stats(gfd);
	tap_ok(st.requests == 5 && st.maps == 18 && st.hits == 8 && st.evicted == 0 &&
	       st.mapped == 18 && st.inflight == 0,
	       "stats: 5 requests, 18 maps (18 distinct grants), 8 hits (the re-read), none "
	       "evicted, 18 mapped, none in flight (%llu %llu %llu %llu %u %u)",
	       (unsigned long long)st.requests, (unsigned long long)st.maps,
	       (unsigned long long)st.hits, (unsigned long long)st.evicted, st.mapped,
	       st.inflight);
}

/* 4. Completions left by SUBMIT (done_max 0) are read(), POLLIN says so,
 * read() takes as many as fit and then says EAGAIN. */
static void test_completions(int gfd)
{
	seg_t s = { .gref = ref[18], .offset = 0, .len = PG };
	struct pollfd p = { .fd = gfd, .events = POLLIN };
	req_t q[3];
	done_t d[4];
	ssize_t n;
	int i;

	tap_ok(poll(&p, 1, 0) == 0, "poll: nothing pending at first");
	for (i = 0; i < 3; i++)
		q[i] = (req_t){ .user_data = 0xc0de0000u + (unsigned int)i,
				.offset = MIB + (uint64_t)i * PG, .segs = (uintptr_t)&s, .nseg = 1,
				.op = XENBACK_GRANT_IO_READ };
	tap_eq(submit_raw(gfd, q, 3, NULL, 0), 0, "SUBMIT 3 reads with done_max 0: 0 returned");
	n = poll(&p, 1, 1000);
	tap_ok(n == 1 && (p.revents & POLLIN), "poll: POLLIN (%#x)", p.revents);
	memset(d, 0, sizeof(d));
	n = read(gfd, d, 2 * sizeof(done_t));
	tap_ok(n == 2 * sizeof(done_t) && d[0].user_data == q[0].user_data && d[0].res == PG &&
	       d[1].user_data == q[1].user_data && d[1].res == PG,
	       "read() room for 2: the first 2, user_data and res 4096 (%zd bytes)", n);
	n = read(gfd, d, sizeof(d));
	tap_ok(n == sizeof(done_t) && d[0].user_data == q[2].user_data && d[0].res == PG,
	       "read() room for 4: the third one (%zd bytes)", n);
	tap_ok(same(pg(18), PG, 102), "the page holds what the last read brought");
	n = read(gfd, d, sizeof(d));
	tap_ok(n == -1 && errno == EAGAIN, "read() with nothing pending: -1 EAGAIN");
	tap_ok(poll(&p, 1, 0) == 0, "poll: no POLLIN once all are read");
}

/* 5. A request's own faults end it with a negative res; the call
 * succeeds and the good request beside them is done. */
static void test_request_errors(int gfd, int ro_gfd)
{
	static seg_t many[XENBACK_GRANT_IO_MAX_SEGS + 1];
	static const char *const what[] = {
		"a good read beside them: res 4096",
		"nseg 0: res -EINVAL",
		"nseg 257: res -EINVAL",
		"op 2: res -EINVAL",
		"a segment of len 0: res -EINVAL",
		"a segment with offset 4000 + len 200 > 4096: res -EINVAL",
		"a grant never offered (0x7fffffff): res -EIO (Xen refuses the map)",
		"segments at an unreadable address: res -EFAULT",
		"a misaligned request (a segment of 100 bytes): res -EINVAL (block layer)",
	};
	static const int64_t want[] = { PG, -EINVAL, -EINVAL, -EINVAL, -EINVAL,
					-EINVAL, -EIO, -EFAULT, -EINVAL };
	enum { N = sizeof(want) / sizeof(want[0]) };
	seg_t good = { .gref = ref[19], .len = PG };
	seg_t len0 = { .gref = ref[19], .len = 0 };
	seg_t over = { .gref = ref[19], .offset = 4000, .len = 200 };
	seg_t bad_gref = { .gref = 0x7fffffff, .len = PG };
	seg_t odd = { .gref = ref[19], .len = 100 };
	const void *segs[N] = { &good, &good, many, &good, &len0, &over, &bad_gref, noaccess,
				&odd };
	const uint32_t nseg[N] = { 1, 0, XENBACK_GRANT_IO_MAX_SEGS + 1, 1, 1, 1, 1, 1, 1 };
	req_t q[N];
	done_t d[N];
	int i, j, r;

	for (i = 0; i < (int)(sizeof(many) / sizeof(many[0])); i++)
		many[i] = good;
	for (i = 0; i < N; i++)
		q[i] = (req_t){ .user_data = 0xe0000u + (unsigned int)i, .offset = MIB,
				.segs = (uintptr_t)segs[i], .nseg = nseg[i],
				.op = i == 3 ? 2 : XENBACK_GRANT_IO_READ };
	memset(d, 0, sizeof(d));
	r = submit_raw(gfd, q, N, d, N);
	tap_eq(r, N, "SUBMIT of %d requests, 8 of them bad: the call succeeds, %d completions", N,
	       N);
	for (i = 0; i < N; i++) {
		int64_t res = NO_DONE;

		for (j = 0; j < r; j++)
			if (d[j].user_data == q[i].user_data)
				res = d[j].res;
		tap_eq(res, want[i], "request error: %s", what[i]);
	}
	tap_eq(io_pages(ro_gfd, XENBACK_GRANT_IO_WRITE, MIB, 19, 1), -EBADF,
	       "request error: a write on an image opened O_RDONLY: res -EBADF");
	tap_eq(io_pages(ro_gfd, XENBACK_GRANT_IO_READ, MIB, 19, 1), PG,
	       "and a read on it is fine: res 4096");
}

/* 6. Faults of the call itself: an error, and nothing started. */
static void test_call_errors(int gfd)
{
	seg_t s = { .gref = ref[19], .len = PG };
	req_t q = { .user_data = 1, .offset = MIB, .segs = (uintptr_t)&s, .nseg = 1 };
	struct xenback_grant_io_submit sub = { .reqs = (uintptr_t)&q, .count = 1 };
	uint64_t before = stats(gfd).requests;
	done_t d[4];

	tap_eq(submit_raw(gfd, &q, XENBACK_GRANT_IO_MAX_BATCH + 1, NULL, 0), -E2BIG,
	       "SUBMIT: count %u is E2BIG", XENBACK_GRANT_IO_MAX_BATCH + 1);
	sub.flags = 1;
	t_errno(ioctl(gfd, XENBACK_GRANT_IO_SUBMIT, &sub), EINVAL, "SUBMIT: flags != 0 is EINVAL");
	sub.flags = 0, sub.pad = 1;
	t_errno(ioctl(gfd, XENBACK_GRANT_IO_SUBMIT, &sub), EINVAL, "SUBMIT: pad != 0 is EINVAL");
	tap_eq(submit_raw(gfd, noaccess, 1, NULL, 0), -EFAULT,
	       "SUBMIT: reqs at an unreadable address is EFAULT");
	tap_eq(submit_raw(gfd, &q, 1, noaccess, 1), -EFAULT,
	       "SUBMIT: done at an unwritable address is EFAULT");
	tap_eq(stats(gfd).requests, before, "none of them started a request");
	while (read(gfd, d, sizeof(d)) > 0) /* whatever they may have left */
		;
}

/* 7 (second half). A file keeping 4 mappings, for requests over 8
 * grants: the least recently used go, the data is right. */
static void test_eviction(struct xb_xenback *x, uint32_t port, int img)
{
	struct xenback_grant_io_stats st;
	seg_t s[8];
	req_t q[8];
	done_t d[8];
	int gfd, i, ok;
	bool eq;

	gfd = xb_xenback_grant_io_open(x, port, img, 4);
	if (gfd < 0) {
		errno = -gfd;
		t_bail("open a grant I/O file with max_grants 4");
	}
	for (i = 0; i < 8; i++) {
		fill(pg(i), PG, 300 + (unsigned int)i);
		s[i] = (seg_t){ .gref = ref[i], .len = PG };
		q[i] = (req_t){ .user_data = (unsigned int)i, .offset = 5 * MIB + (uint64_t)i * PG,
				.segs = (uintptr_t)&s[i], .nseg = 1, .op = XENBACK_GRANT_IO_WRITE };
	}
	ok = submit_raw(gfd, q, 8, d, 8) == 8;
	for (i = 0; i < 8 && ok; i++)
		ok = d[i].res == PG;
	tap_ok(ok, "max_grants 4: 8 writes, one page each, over 8 grants: all res 4096");
	for (i = 0; i < 8; i++) {
		s[i].gref = ref[8 + i];
		q[i].op = XENBACK_GRANT_IO_READ;
	}
	memset(pg(8), 0, 8 * PG);
	ok = submit_raw(gfd, q, 8, d, 8) == 8;
	for (i = 0; i < 8 && ok; i++)
		ok = d[i].res == PG;
	for (i = 0, eq = true; i < 8; i++)
		eq = eq && same(pg(8 + i), PG, 300 + (unsigned int)i);
	tap_ok(ok && eq, "and 8 reads into 8 other grants: the data is right");
	tap_ok(image_has(IMG, 5 * MIB, PG, 300) && image_has(IMG, 5 * MIB + 7 * PG, PG, 307),
	       "the image holds the writes");
	st = stats(gfd);
	tap_ok(st.maps == 16 && st.evicted == 12 && st.mapped == 4 && st.hits == 0,
	       "stats: 16 maps, 12 evicted, 4 mapped (%llu %llu %u)",
	       (unsigned long long)st.maps, (unsigned long long)st.evicted, st.mapped);
	tap_eq(io_pages(gfd, XENBACK_GRANT_IO_READ, MIB, 0, 8), -EBUSY,
	       "a request needing 8 mappings at once, with max_grants 4: res -EBUSY");
	st = stats(gfd);
	tap_ok(st.mapped <= 4, "still at most 4 mapped (%u)", st.mapped);
	close(gfd);
}

/* 8 (in flight). A write held by dm-delay when its file and the image are
 * closed: the grant stays mapped until the write ends, then goes; the
 * write reaches the image. */
static void test_close_inflight(struct xb_xenback *x, uint32_t port, int refs_before)
{
	char out[4096], cmd[256];
	int img, gfd, r;
	uint64_t t0, ms;

	snprintf(cmd, sizeof(cmd),
		 "dmsetup --noudevsync --verifyudev create " DELAY
		 " --table \"0 $(blockdev --getsz " IMG ") delay " IMG " 0 %d\"",
		 DELAY_MS);
	if (run_sh(cmd, out, sizeof(out)) != 0) {
		tap_skip("a write in flight at close", "no dm-delay device: %s", out);
		return;
	}
	img = open("/dev/mapper/" DELAY, O_RDWR | O_DIRECT | O_CLOEXEC);
	gfd = img < 0 ? -1 : xb_xenback_grant_io_open(x, port, img, 8);
	if (gfd < 0)
		t_bail("a grant I/O file on the dm-delay device");
	fill(pg(20), PG, 400);
	{
		seg_t s = { .gref = ref[20], .len = PG };
		req_t q = { .user_data = 7, .offset = 4 * MIB, .segs = (uintptr_t)&s, .nseg = 1,
			    .op = XENBACK_GRANT_IO_WRITE };
		done_t d;

		t0 = vt_now_ns();
		r = submit_raw(gfd, &q, 1, &d, 1);
	}
	tap_ok(r == 0 && stats(gfd).inflight == 1,
	       "a write to dm-delay (%d ms): SUBMIT returns no completion, 1 in flight", DELAY_MS);
	close(gfd);
	close(img);
	tap_ok(vt_module_refcnt() > refs_before,
	       "closed with it in flight: the module is still held (refcnt %d)",
	       vt_module_refcnt());
	r = xt_grants_mapped(&ref[20], 1);
	ms = (vt_now_ns() - t0) / 1000000u;
	if (r != 1 && ms >= DELAY_MS)
		tap_skip("Xen: its grant is still mapped", "the dump came %llu ms after the SUBMIT",
			 (unsigned long long)ms);
	else
		tap_eq(r, 1, "Xen: its grant is still mapped (%llu ms after the SUBMIT)",
		       (unsigned long long)ms);
	tap_ok(grants_released(&ref[20], 1), "Xen: unmapped once the write ended");
	tap_ok(image_has(IMG, 4 * MIB, PG, 400), "the write reached the image");
	tap_eq(vt_module_refcnt(), refs_before, "the module's refcnt is back to %d", refs_before);
	run_sh("dmsetup --noudevsync remove " DELAY, out, sizeof(out));
}

/* Lines of dom0's kernel log that should never appear. */
static int bad_log(char *out, size_t len)
{
	int n = 0;
	char *p;

	run_sh("dmesg | grep -E 'BUG|WARN|Bad page|Call Trace|xenback: grant I/O'; true", out,
	       len);
	for (p = out; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

int main(void)
{
	static char log[1 << 16];
	struct xb_xenback x;
	int img, ro, gfd, ro_gfd, remote, refs_before, bad_before, bad;
	uint32_t port;

	xt_open(&x);
	ga_fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	ev_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (ga_fd < 0 || ev_fd < 0)
		t_bail("open /dev/xen/gntalloc, evtchn");
	img = open(IMG, O_RDWR | O_DIRECT | O_CLOEXEC);
	ro = open(IMG, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (img < 0 || ro < 0)
		t_bail("open " IMG " O_DIRECT (brd)");
	noaccess = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (noaccess == MAP_FAILED)
		t_bail("mmap PROT_NONE");
	bad_before = bad_log(log, sizeof(log));
	grants_alloc();
	port = xt_self_port(&x, ev_fd, &remote);
	refs_before = vt_module_refcnt();

	test_features(&x);
	test_open(&x, port, img);
	gfd = xb_xenback_grant_io_open(&x, port, img, 64);
	ro_gfd = xb_xenback_grant_io_open(&x, port, ro, 64);
	if (gfd < 0 || ro_gfd < 0) {
		errno = -(gfd < 0 ? gfd : ro_gfd);
		t_bail("open the grant I/O files");
	}
	test_data(gfd);
	test_completions(gfd);
	test_request_errors(gfd, ro_gfd);
	test_call_errors(gfd);
	test_eviction(&x, port, img);

	/* 8. Closing the files lets every grant go (the positive control
	 * first: the first file maps grants 0..19 until then). */
	tap_eq(xt_grants_mapped(ref, 20), 20, "Xen: the 20 grants used are mapped while open");
	close(gfd);
	close(ro_gfd);
	tap_ok(grants_released(ref, NPAGES), "Xen: none of the %d grants mapped after close",
	       NPAGES);
	tap_eq(vt_module_refcnt(), refs_before, "the module's refcnt is back to %d", refs_before);
	test_close_inflight(&x, port, refs_before);

	/* 9. Nothing went wrong in the kernel meanwhile. */
	bad = bad_log(log, sizeof(log));
	tap_eq(bad, bad_before, "dom0's kernel log: no new BUG, WARN, Bad page or grant I/O warning");
	if (bad != bad_before)
		tap_diag("%s", log);

	close(img);
	close(ro);
	xb_xenback_close(&x);
	return tap_done();
}
