// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Simulated grant I/O (xenback.ko's XENBACK_IOCTL_GRANT_IO_OPEN and its
 * file, uapi/xenback.h), off until a test turns it on
 * (xenback_sim_grant_io()). A grant I/O file is an eventfd, readable while
 * completions wait. Requests are checked as the module checks them and
 * done at once with preadv/pwritev between the image and the simulated
 * grants' pages, or, while held (xenback_sim_grant_io_hold()), kept until
 * released: I/O at a slow disk. A file closed with requests held drops
 * them, counted (the module would finish them on its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <utlist.h>

#include "sim_internal.h"
#include "uapi/xenback.h"

struct sim_gio_req {
	struct xenback_grant_io_req q;
	struct xenback_grant_io_seg segs[XENBACK_GRANT_IO_MAX_SEGS];
	long res;                      /* < 0 already failed at submit */
	struct sim_gio *gio;
	struct sim_gio_req *next;      /* the sim's held list */
};

struct sim_gio {
	int efd;
	int image;                     /* the file, dup()ed: the module holds it */
	uint32_t domid;
	unsigned int inflight;         /* held, or completed and not taken */
	struct xenback_grant_io_done done[XENBACK_GRANT_IO_MAX_INFLIGHT];
	unsigned int ndone;
	struct sim_gio *next;
};

static struct sim_gio *gio_find(struct xenback_sim *sim, int fd)
{
	struct sim_gio *g;

	LL_FOREACH(sim->gio.files, g)
		if (g->efd == fd)
			return g;
	return NULL;
}

static void raise_efd(struct sim_gio *g)
{
	uint64_t one = 1;

	if (write(g->efd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow here */
	}
}

static void push_done(struct sim_gio *g, uint64_t user_data, long res)
{
	g->done[g->ndone].user_data = user_data;
	g->done[g->ndone].res = res;
	g->ndone++;
	raise_efd(g);
}

/* The request's checks (as the module's), 0 or its error. */
static long check(const struct sim_gio_req *r)
{
	unsigned int i;

	if (r->q.nseg < 1 || r->q.nseg > XENBACK_GRANT_IO_MAX_SEGS ||
	    r->q.op > XENBACK_GRANT_IO_WRITE || r->q.offset > INT64_MAX)
		return -EINVAL;
	for (i = 0; i < r->q.nseg; i++)
		if (!r->segs[i].len || r->segs[i].offset + r->segs[i].len > SIM_PAGE_SIZE)
			return -EINVAL;
	return 0;
}

static long do_io(struct xenback_sim *sim, struct sim_gio *g, const struct sim_gio_req *r)
{
	struct iovec iov[XENBACK_GRANT_IO_MAX_SEGS];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < r->q.nseg; i++) {
		char *page = xb_sim_gnt_page(sim, g->domid, r->segs[i].gref);

		if (!page)
			return -EIO; /* Xen would not map it */
		iov[i].iov_base = page + r->segs[i].offset;
		iov[i].iov_len = r->segs[i].len;
	}
	if (r->q.op == XENBACK_GRANT_IO_READ)
		n = preadv(g->image, iov, (int)r->q.nseg, (off_t)r->q.offset);
	else
		n = pwritev(g->image, iov, (int)r->q.nseg, (off_t)r->q.offset);
	return n < 0 ? -errno : (long)n;
}

int xb_sim_gio_open(void *h, uint32_t port, int image_fd, unsigned int max_grants)
{
	struct xenback_sim *sim = h;
	struct sim_gio *g;
	uint32_t domid;
	int fl;

	if (!sim->gio.on)
		return -EOPNOTSUPP;
	if (xb_sim_evtchn_remote(sim, port, &domid) < 0 || max_grants < 1 ||
	    max_grants > XENBACK_GRANT_IO_MAX_GRANTS)
		return -EINVAL;
	fl = fcntl(image_fd, F_GETFL);
	if (fl < 0)
		return -EBADF;
	if (!(fl & O_DIRECT))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->domid = domid;
	g->image = fcntl(image_fd, F_DUPFD_CLOEXEC, 0);
	g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->image < 0 || g->efd < 0) {
		int e = -errno;

		if (g->image >= 0)
			close(g->image);
		if (g->efd >= 0)
			close(g->efd);
		free(g);
		return e;
	}
	LL_PREPEND(sim->gio.files, g);
	sim->gio.opened++;
	return g->efd;
}

static int take(struct sim_gio *g, struct xenback_grant_io_done *done, unsigned int max)
{
	unsigned int n = g->ndone < max ? g->ndone : max;
	uint64_t v;

	if (!n)
		return 0;
	memcpy(done, g->done, n * sizeof(*done));
	memmove(g->done, g->done + n, (g->ndone - n) * sizeof(*done));
	g->ndone -= n;
	g->inflight -= n;
	if (read(g->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: not raised */
	}
	if (g->ndone)
		raise_efd(g); /* still readable */
	return (int)n;
}

int xb_sim_gio_submit(void *h, int fd, const struct xenback_grant_io_req *reqs, unsigned int n,
		     struct xenback_grant_io_done *done, unsigned int max)
{
	struct xenback_sim *sim = h;
	struct sim_gio *g = gio_find(sim, fd);
	unsigned int i;

	if (!g)
		return -EBADF;
	if (n > XENBACK_GRANT_IO_MAX_BATCH)
		return -E2BIG;
	if (g->inflight + n > XENBACK_GRANT_IO_MAX_INFLIGHT)
		return -EBUSY;
	for (i = 0; i < n; i++) {
		struct sim_gio_req *r = calloc(1, sizeof(*r));
		long res;

		if (!r)
			return i ? (int)i : -ENOMEM; /* cannot happen in the tests */
		r->q = reqs[i];
		r->gio = g;
		g->inflight++;
		sim->gio.requests++;
		res = r->q.nseg >= 1 && r->q.nseg <= XENBACK_GRANT_IO_MAX_SEGS ? 0 : -EINVAL;
		if (!res && !r->q.segs)
			res = -EFAULT;
		if (!res)
			memcpy(r->segs, (const void *)(uintptr_t)r->q.segs,
			       r->q.nseg * sizeof(r->segs[0]));
		if (!res)
			res = check(r);
		if (!res && sim->gio.hold) {
			LL_APPEND(sim->gio.held, r);
			continue;
		}
		push_done(g, r->q.user_data, res ? res : do_io(sim, g, r));
		free(r);
	}
	return take(g, done, max);
}

int xb_sim_gio_reap(void *h, int fd, struct xenback_grant_io_done *done, unsigned int max)
{
	struct xenback_sim *sim = h;
	struct sim_gio *g = gio_find(sim, fd);

	return g ? take(g, done, max) : -EBADF;
}

void xb_sim_gio_close_file(void *h, int fd)
{
	struct xenback_sim *sim = h;
	struct sim_gio *g = gio_find(sim, fd);
	struct sim_gio_req *r, *t;

	if (!g)
		return;
	LL_FOREACH_SAFE(sim->gio.held, r, t) {
		if (r->gio != g)
			continue;
		LL_DELETE(sim->gio.held, r);
		free(r);
		sim->gio.dropped++;
	}
	LL_DELETE(sim->gio.files, g);
	close(g->efd);
	close(g->image);
	free(g);
}

XB_EXPORT void xenback_sim_grant_io(struct xenback_sim *sim, bool on)
{
	if (sim)
		sim->gio.on = on;
}

XB_EXPORT void xenback_sim_grant_io_hold(struct xenback_sim *sim, bool hold)
{
	struct sim_gio_req *r, *t;

	if (!sim)
		return;
	sim->gio.hold = hold;
	if (hold)
		return;
	LL_FOREACH_SAFE(sim->gio.held, r, t) {
		LL_DELETE(sim->gio.held, r);
		push_done(r->gio, r->q.user_data, do_io(sim, r->gio, r));
		free(r);
	}
}

XB_EXPORT void xenback_sim_grant_io_stats(const struct xenback_sim *sim,
					  struct xenback_sim_grant_io_stats *st)
{
	const struct sim_gio *g;
	const struct sim_gio_req *r;

	memset(st, 0, sizeof(*st));
	if (!sim)
		return;
	st->opened = sim->gio.opened;
	st->requests = sim->gio.requests;
	st->dropped = sim->gio.dropped;
	LL_FOREACH(sim->gio.files, g)
		st->open_files++;
	LL_FOREACH(sim->gio.held, r)
		st->held++;
}

void xb_sim_gio_close(struct xenback_sim *sim)
{
	while (sim->gio.files)
		xb_sim_gio_close_file(sim, sim->gio.files->efd);
}
