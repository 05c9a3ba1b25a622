// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated blkif ring engine (xenback.ko's XENBACK_IOCTL_BLKIF_OPEN and
 * its file, uapi/xenback.h), off until a test turns it on
 * (xenback_sim_blkif()). The open is checked as the module checks it; the
 * frontend's port is bound on the engine's behalf (a frontend notify runs
 * the engine at once, in the notifier's thread: deterministic); each
 * request is copied out of the ring once, checked by the module's rules
 * and done with preadv/pwritev between the image and the simulated grants'
 * pages, fdatasync for flushes, a punched hole for discards; responses go
 * with blkif's notify rule. A req_prod more than a ring ahead stops the
 * ring for good and makes the file (an eventfd) readable. While held
 * (xenback_sim_blkif_hold()) requests are taken and kept, as at a slow
 * disk; closing the file answers them first, as the module does when
 * their I/O ends, then unbinds the port. What the simulation leaves out:
 * the grant cache (stats count segments mapped, none kept), parking,
 * 32-bit layouts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <utlist.h>

#include "sim_internal.h"
#include "uapi/xenback.h"

#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>

#define SIM_SEGS_PER_PAGE (SIM_PAGE_SIZE / sizeof(struct blkif_request_segment))

struct sim_blkif_held {
	blkif_request_t req;
	struct sim_blkif_held *next;
};

struct sim_blkif {
	int efd;                       /* the file: readable once stopped */
	int image;                     /* dup()ed: the module holds the file */
	uint32_t domid, remote_port, port;
	uint32_t flags, lbs, max_indirect;
	uint64_t sectors;
	unsigned int nr_pages, size;
	uint32_t refs[XENBACK_BLKIF_MAX_RING_REFS];
	RING_IDX req_cons, rsp_prod_pvt;
	struct xenback_blkif_stats st;
	struct sim_blkif_held *held;
	struct sim_blkif *next;
};

static struct sim_blkif *blkif_find(struct xenback_sim *sim, int fd)
{
	struct sim_blkif *b;

	LL_FOREACH(sim->blkif.files, b)
		if (b->efd == fd)
			return b;
	return NULL;
}

/* Bytes of the ring at off, page by page (the ring's pages are separate
 * grants); false if one is no longer granted. */
static bool ring_rw(struct xenback_sim *sim, struct sim_blkif *b, size_t off, void *buf,
		    size_t len, bool write)
{
	while (len) {
		size_t o = off % SIM_PAGE_SIZE, n = SIM_PAGE_SIZE - o;
		char *p = xb_sim_gnt_page(sim, b->domid, b->refs[off / SIM_PAGE_SIZE]);

		if (!p)
			return false;
		if (n > len)
			n = len;
		if (write)
			memcpy(p + o, buf, n);
		else
			memcpy(buf, p + o, n);
		off += n;
		buf = (char *)buf + n;
		len -= n;
	}
	return true;
}

static size_t slot(struct sim_blkif *b, RING_IDX i)
{
	return offsetof(struct blkif_sring, ring) + (size_t)(i & (b->size - 1)) * sizeof(union blkif_sring_entry);
}

static struct blkif_sring *sring(struct xenback_sim *sim, struct sim_blkif *b)
{
	return (struct blkif_sring *)xb_sim_gnt_page(sim, b->domid, b->refs[0]);
}

static void stop(struct sim_blkif *b, int err, const char *why)
{
	uint64_t one = 1;

	if (b->st.stopped)
		return;
	b->st.stopped = (uint32_t)err;
	snprintf(b->st.reason, sizeof(b->st.reason), "%s", why);
	if (write(b->efd, &one, sizeof(one)) < 0) {
		/* cannot overflow */
	}
}

static void answer(struct xenback_sim *sim, struct sim_blkif *b, uint64_t id, uint8_t op, int16_t status)
{
	struct blkif_response rsp = { .id = id, .operation = op, .status = status };
	struct blkif_sring *s = sring(sim, b);

	b->st.inflight--;
	if (!s || !ring_rw(sim, b, slot(b, b->rsp_prod_pvt), &rsp, sizeof(rsp), true))
		return;
	b->rsp_prod_pvt++;
	wmb();
	s->rsp_prod = b->rsp_prod_pvt;
	mb();
	b->st.responses++;
	if (status != BLKIF_RSP_OKAY)
		b->st.errors++;
	if (s->rsp_event == b->rsp_prod_pvt) {
		b->st.notifies++;
		xb_sim_evtchn_notify_remote(sim, b->port);
	}
}

/* The segments' bytes into iov (n of them), 0 if one is malformed,
 * misaligned or not granted. */
static size_t segs_iov(struct xenback_sim *sim, struct sim_blkif *b, const struct blkif_request_segment *seg,
		       unsigned int n, struct iovec *iov)
{
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int first = seg[i].first_sect, last = seg[i].last_sect;
		size_t off = (size_t)first << 9, len = (size_t)(last - first + 1) << 9;
		char *page;

		if (first > last || last >= SIM_PAGE_SIZE >> 9 || (off & (b->lbs - 1)) || (len & (b->lbs - 1)))
			return 0;
		page = xb_sim_gnt_page(sim, b->domid, seg[i].gref);
		if (!page)
			return 0;
		b->st.maps++;
		iov[i].iov_base = page + off;
		iov[i].iov_len = len;
		bytes += len;
	}
	return bytes;
}

static bool range_ok(struct sim_blkif *b, uint64_t sector, uint64_t bytes)
{
	uint64_t nr = bytes >> 9;

	return sector <= b->sectors && nr <= b->sectors - sector && !((sector << 9) & (b->lbs - 1)) &&
	       !(bytes & (b->lbs - 1));
}

static int16_t rw(struct xenback_sim *sim, struct sim_blkif *b, bool write, uint64_t sector,
		  const struct blkif_request_segment *seg, unsigned int n, bool preflush)
{
	struct iovec iov[XENBACK_GRANT_IO_MAX_SEGS];
	size_t bytes = segs_iov(sim, b, seg, n, iov);
	ssize_t done;

	if (!bytes || !range_ok(b, sector, bytes) || (write && (b->flags & XENBACK_BLKIF_READONLY)))
		return BLKIF_RSP_ERROR;
	if (preflush && fdatasync(b->image) < 0)
		return BLKIF_RSP_ERROR;
	done = write ? pwritev(b->image, iov, (int)n, (off_t)(sector << 9)) :
		       preadv(b->image, iov, (int)n, (off_t)(sector << 9));
	return done == (ssize_t)bytes ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
}

/* A request done now: its status (and the op it is answered as in *op). */
static int16_t serve(struct xenback_sim *sim, struct sim_blkif *b, const blkif_request_t *req, uint8_t *op,
		     uint64_t *id)
{
	*op = req->operation;
	*id = req->id;
	switch (req->operation) {
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (!req->nr_segments)
			return fdatasync(b->image) < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
		/* data, after the flush */
		__attribute__((fallthrough));
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (!req->nr_segments || req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		return rw(sim, b, req->operation != BLKIF_OP_READ, req->sector_number, req->seg, req->nr_segments,
			  req->operation == BLKIF_OP_FLUSH_DISKCACHE);
	case BLKIF_OP_INDIRECT: {
		const blkif_request_indirect_t *ind = (const blkif_request_indirect_t *)req;
		struct blkif_request_segment seg[XENBACK_GRANT_IO_MAX_SEGS];
		unsigned int n = ind->nr_segments, i;

		*op = ind->indirect_op;
		*id = ind->id;
		if ((ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE) || !n ||
		    n > b->max_indirect || n > XENBACK_GRANT_IO_MAX_SEGS)
			return BLKIF_RSP_ERROR;
		for (i = 0; i < (n + SIM_SEGS_PER_PAGE - 1) / SIM_SEGS_PER_PAGE; i++) {
			const char *p = xb_sim_gnt_page(sim, b->domid, ind->indirect_grefs[i]);
			unsigned int k = n - i * SIM_SEGS_PER_PAGE;

			if (!p)
				return BLKIF_RSP_ERROR;
			if (k > SIM_SEGS_PER_PAGE)
				k = SIM_SEGS_PER_PAGE;
			memcpy(&seg[i * SIM_SEGS_PER_PAGE], p, k * sizeof(seg[0]));
		}
		return rw(sim, b, ind->indirect_op == BLKIF_OP_WRITE, ind->sector_number, seg, n, false);
	}
	case BLKIF_OP_DISCARD: {
		const blkif_request_discard_t *d = (const blkif_request_discard_t *)req;

		*id = d->id;
		if (!(b->flags & XENBACK_BLKIF_DISCARD) || d->nr_sectors > UINT64_MAX >> 9 ||
		    !range_ok(b, d->sector_number, d->nr_sectors << 9))
			return BLKIF_RSP_ERROR;
		return fallocate(b->image, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				 (off_t)(d->sector_number << 9), (off_t)(d->nr_sectors << 9)) < 0 ?
			       BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
	}
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

static void finish(struct xenback_sim *sim, struct sim_blkif *b, const blkif_request_t *req)
{
	uint64_t id;
	uint8_t op;
	int16_t st = serve(sim, b, req, &op, &id);

	answer(sim, b, id, op, st);
}

/* The ring looked at to the end: what the module's work does per event. */
static void run(struct xenback_sim *sim, struct sim_blkif *b)
{
	struct blkif_sring *s;

	while (!b->st.stopped && (s = sring(sim, b))) {
		RING_IDX rp = s->req_prod;

		rmb();
		if (rp - b->rsp_prod_pvt > b->size) {
			stop(b, EPROTO, "req_prod runs ahead of responses");
			return;
		}
		while (b->req_cons != rp) {
			blkif_request_t req;
			struct sim_blkif_held *h;

			if (!ring_rw(sim, b, slot(b, b->req_cons), &req, sizeof(req), false)) {
				stop(b, EFAULT, "the ring is no longer granted");
				return;
			}
			if (sim->blkif.hold && !(h = calloc(1, sizeof(*h)))) {
				stop(b, ENOMEM, "out of memory for a held request");
				return;
			}
			b->req_cons++;
			b->st.requests++;
			sim->blkif.requests++;
			b->st.inflight++;
			if (sim->blkif.hold) {
				h->req = req;
				LL_APPEND(b->held, h);
				continue;
			}
			finish(sim, b, &req);
		}
		s->req_event = b->req_cons + 1;
		mb();
		if (s->req_prod == b->req_cons)
			return;
	}
}

void xb_sim_blkif_event(struct xenback_sim *sim, uint32_t port)
{
	struct sim_blkif *b;

	LL_FOREACH(sim->blkif.files, b)
		if (b->port == port) {
			sim->blkif.events++;
			run(sim, b);
			return;
		}
}

static void release_held(struct xenback_sim *sim, struct sim_blkif *b)
{
	struct sim_blkif_held *h, *t;

	LL_FOREACH_SAFE(b->held, h, t) {
		LL_DELETE(b->held, h);
		finish(sim, b, &h->req);
		free(h);
	}
}

static int check(const struct xenback_blkif_open *o)
{
	uint32_t n = o->nr_ring_refs, mg = o->max_indirect_segs + 1;

	if (mg < BLKIF_MAX_SEGMENTS_PER_REQUEST)
		mg = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	if (o->flags & ~(XENBACK_BLKIF_READONLY | XENBACK_BLKIF_DISCARD | XENBACK_BLKIF_RESUME) || o->pad ||
	    !n || n > XENBACK_BLKIF_MAX_RING_REFS || (n & (n - 1)) ||
	    o->max_indirect_segs > XENBACK_GRANT_IO_MAX_SEGS || o->max_grants > XENBACK_GRANT_IO_MAX_GRANTS ||
	    o->max_grants < mg || o->logical_block_size < 512 || o->logical_block_size > SIM_PAGE_SIZE ||
	    (o->logical_block_size & (o->logical_block_size - 1)) || o->sectors > (UINT64_MAX >> 9))
		return -EINVAL;
	return 0;
}

int xb_sim_blkif_open(void *h, struct xenback_blkif_open *o)
{
	struct xenback_sim *sim = h;
	struct sim_blkif *b;
	unsigned int i;
	int fl, r, port;

	if (!sim->blkif.on)
		return -EOPNOTSUPP;
	if ((r = check(o)) < 0)
		return r;
	fl = fcntl(o->image_fd, F_GETFL);
	if (fl < 0)
		return -EBADF;
	if (!(fl & O_DIRECT) || (!(o->flags & XENBACK_BLKIF_READONLY) && (fl & O_ACCMODE) == O_RDONLY))
		return -EINVAL;
	LL_FOREACH(sim->blkif.files, b)
		if (b->domid == o->domid && b->remote_port == o->remote_port)
			return -EBUSY; /* the sim closes synchronously: nothing to wait for */
	for (i = 0; i < o->nr_ring_refs; i++)
		if (!xb_sim_gnt_page(sim, o->domid, o->ring_refs[i]))
			return -EINVAL; /* Xen would not map it */
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->domid = o->domid;
	b->remote_port = o->remote_port;
	b->flags = o->flags;
	b->lbs = o->logical_block_size;
	b->max_indirect = o->max_indirect_segs;
	b->sectors = o->sectors;
	b->nr_pages = o->nr_ring_refs;
	b->size = __CONST_RING_SIZE(blkif, (size_t)b->nr_pages * SIM_PAGE_SIZE);
	memcpy(b->refs, o->ring_refs, b->nr_pages * sizeof(b->refs[0]));
	if (o->flags & XENBACK_BLKIF_RESUME)
		b->req_cons = b->rsp_prod_pvt = sring(sim, b)->rsp_prod;
	b->image = fcntl(o->image_fd, F_DUPFD_CLOEXEC, 0);
	b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	port = xb_sim_evtchn_bind_engine(sim, o->domid, o->remote_port);
	if (b->image < 0 || b->efd < 0 || port < 0) {
		r = port < 0 ? port : -errno;
		if (port >= 0)
			xb_sim_evtchn_unbind_engine(sim, (uint32_t)port);
		if (b->image >= 0)
			close(b->image);
		if (b->efd >= 0)
			close(b->efd);
		free(b);
		return r;
	}
	b->port = (uint32_t)port;
	LL_PREPEND(sim->blkif.files, b);
	sim->blkif.opened++;
	sim->blkif.last_open = *o;
	o->fd = b->efd;
	run(sim, b); /* requests already there */
	return b->efd;
}

int xb_sim_blkif_stats(void *h, int fd, struct xenback_blkif_stats *st)
{
	struct sim_blkif *b = blkif_find(h, fd);

	if (!b)
		return -EBADF;
	*st = b->st;
	return 0;
}

void xb_sim_blkif_close_file(void *h, int fd)
{
	struct xenback_sim *sim = h;
	struct sim_blkif *b = blkif_find(sim, fd);
	struct blkif_sring *s;

	if (!b)
		return;
	release_held(sim, b);
	s = sring(sim, b);
	if (s && b->st.responses)
		xb_sim_evtchn_notify_remote(sim, b->port); /* whatever it missed */
	xb_sim_evtchn_unbind_engine(sim, b->port);
	LL_DELETE(sim->blkif.files, b);
	close(b->efd);
	close(b->image);
	free(b);
	sim->blkif.closed++;
}

void xb_sim_blkif_close(struct xenback_sim *sim)
{
	while (sim->blkif.files)
		xb_sim_blkif_close_file(sim, sim->blkif.files->efd);
}

XB_EXPORT void xenback_sim_blkif(struct xenback_sim *sim, bool on)
{
	if (sim)
		sim->blkif.on = on;
}

XB_EXPORT void xenback_sim_blkif_hold(struct xenback_sim *sim, bool hold)
{
	struct sim_blkif *b;

	if (!sim)
		return;
	sim->blkif.hold = hold;
	if (hold)
		return;
	LL_FOREACH(sim->blkif.files, b)
		release_held(sim, b);
}

XB_EXPORT void xenback_sim_blkif_stats(const struct xenback_sim *sim, struct xenback_sim_blkif_stats *st)
{
	const struct sim_blkif *b;
	const struct sim_blkif_held *h;

	memset(st, 0, sizeof(*st));
	if (!sim)
		return;
	st->opened = sim->blkif.opened;
	st->closed = sim->blkif.closed;
	st->events = sim->blkif.events;
	st->requests = sim->blkif.requests;
	st->last_flags = sim->blkif.last_open.flags;
	st->last_max_grants = sim->blkif.last_open.max_grants;
	st->last_nr_ring_refs = sim->blkif.last_open.nr_ring_refs;
	st->last_sectors = sim->blkif.last_open.sectors;
	LL_FOREACH(sim->blkif.files, b) {
		st->open_files++;
		LL_FOREACH(b->held, h)
			st->held++;
	}
}
