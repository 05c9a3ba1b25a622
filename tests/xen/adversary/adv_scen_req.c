/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scenarios on the request ring: what a hostile frontend puts in the slots.
 * Each expects the backend to answer BLKIF_RSP_ERROR (or EOPNOTSUPP for an
 * operation it does not do) or to shut the device down, never OKAY for a
 * request it could not have done, never to lose a request. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"

static bool shut_down(struct adv *a)
{
	int s = adv_xs_state(a, a->be);

	return s == XenbusStateClosing || s == XenbusStateClosed;
}

static const char *st_name(int st)
{
	switch (st) {
	case BLKIF_RSP_OKAY: return "OKAY";
	case BLKIF_RSP_ERROR: return "ERROR";
	case BLKIF_RSP_EOPNOTSUPP: return "EOPNOTSUPP";
	case ADV_NO_ANSWER: return "no answer";
	default: return "other";
	}
}

/* One request in slot 0 of queue 0, answered within 5 s: its status. */
static int one(struct adv *a, const blkif_request_t *tmpl)
{
	blkif_request_t *r = adv_req_slot(a, 0);
	struct adv_tally t = { 0 };
	int16_t st = ADV_NO_ANSWER;

	memcpy(r, tmpl, sizeof(*r));
	r->id = 0;
	adv_push(a, 0, true);
	adv_collect(a, 1, 5, &t, &st, 1);
	return st;
}

/* A refused request: ERROR (EOPNOTSUPP too when ok_notsupp), or no answer
 * from a device the backend shut down. */
static int expect_refused(struct adv *a, const char *scen, const char *what, int st, bool ok_notsupp)
{
	bool good = st == BLKIF_RSP_ERROR || (ok_notsupp && st == BLKIF_RSP_EOPNOTSUPP) ||
		    (st == ADV_NO_ANSWER && shut_down(a));

	printf("%sok - %s: %s answered %s%s\n", good ? "" : "not ", scen, what, st_name(st),
	       st == ADV_NO_ANSWER && shut_down(a) ? " (device shut down)" : "");
	return good ? 0 : 1;
}

int adv_scen_req_prod(struct adv *a)
{
	struct adv_tally t = { 0 };
	int st, s, bad = 0;

	if (adv_connect(a, 1, 0) < 0 || adv_data_share(a, 1) < 0)
		return 1;
	st = adv_rw1(a, BLKIF_OP_READ, 0, 0, 5);
	printf("%sok - req-prod: a valid read before the attack answered %s\n",
	       st == BLKIF_RSP_OKAY ? "" : "not ", st_name(st));
	bad |= st != BLKIF_RSP_OKAY;
	/* req_prod 100000 slots past the last response: no ring holds that */
	a->q[0].ring.sring->req_prod = a->q[0].ring.req_prod_pvt + 100000;
	mb();
	adv_notify(a, 0);
	adv_collect(a, 1000, 5, &t, NULL, 0);
	s = adv_wait_backend(a, 1u << XenbusStateClosing | 1u << XenbusStateClosed, 5);
	adv_tally_print("req-prod", &t);
	printf("%sok - req-prod: backend shut the device down (state %d), answered %u\n",
	       s == XenbusStateClosing || s == XenbusStateClosed ? "" : "not ", s, t.answered);
	bad |= !(s == XenbusStateClosing || s == XenbusStateClosed);
	return bad;
}

int adv_scen_bad_segments(struct adv *a)
{
	blkif_request_t r;
	int bad = 0, st;

	if (adv_connect(a, 1, 0) < 0 || adv_data_share(a, 1) < 0)
		return 1;
	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_READ;
	r.handle = (blkif_vdev_t)a->devid;
	r.nr_segments = 1;
	r.seg[0].gref = a->data_refs[0];

	r.seg[0].first_sect = 5, r.seg[0].last_sect = 2;
	bad |= expect_refused(a, "bad-segments", "first_sect 5 > last_sect 2", one(a, &r), false);
	r.seg[0].first_sect = 0, r.seg[0].last_sect = 8;
	bad |= expect_refused(a, "bad-segments", "last_sect 8 (past the page)", one(a, &r), false);
	r.seg[0].last_sect = 255;
	bad |= expect_refused(a, "bad-segments", "last_sect 255", one(a, &r), false);
	r.seg[0].last_sect = 7;
	r.sector_number = a->sectors;
	bad |= expect_refused(a, "bad-segments", "sector = capacity (past the end)", one(a, &r), false);
	r.sector_number = a->sectors - 4;
	bad |= expect_refused(a, "bad-segments", "8 sectors from capacity-4 (across the end)", one(a, &r), false);
	r.sector_number = UINT64_MAX - 3;
	bad |= expect_refused(a, "bad-segments", "sector 2^64-4 (wraps)", one(a, &r), false);
	r.sector_number = 0;
	r.operation = BLKIF_OP_WRITE;
	r.nr_segments = 12;
	bad |= expect_refused(a, "bad-segments", "write with nr_segments 12 (> 11)", one(a, &r), false);
	r.nr_segments = 255;
	bad |= expect_refused(a, "bad-segments", "write with nr_segments 255", one(a, &r), false);
	r.nr_segments = 0;
	bad |= expect_refused(a, "bad-segments", "write with nr_segments 0", one(a, &r), false);
	r.operation = 200;
	r.nr_segments = 1;
	bad |= expect_refused(a, "bad-segments", "operation 200", one(a, &r), true);
	if (!shut_down(a)) {
		st = adv_rw1(a, BLKIF_OP_READ, 0, 0, 5);
		ADV_NOTE("bad-segments: a valid read afterwards answered %s\n", st_name(st));
	}
	return bad;
}

/* An indirect read of nseg segments described by the page ind (or by the
 * reference iref if ind is NULL). */
static int indirect(struct adv *a, uint8_t iop, uint16_t nseg, uint32_t iref, uint64_t sector)
{
	blkif_request_t buf;
	blkif_request_indirect_t *r = (blkif_request_indirect_t *)&buf;

	memset(&buf, 0, sizeof(buf));
	r->operation = BLKIF_OP_INDIRECT;
	r->indirect_op = iop;
	r->nr_segments = nseg;
	r->handle = (blkif_vdev_t)a->devid;
	r->sector_number = sector;
	r->indirect_grefs[0] = iref;
	return one(a, &buf);
}

static void fill_descs(struct adv *a, unsigned int page, unsigned int n, uint32_t gref, uint8_t first,
		       uint8_t last)
{
	struct blkif_request_segment *s =
		(struct blkif_request_segment *)((char *)a->data + (size_t)page * ADV_PAGE);
	unsigned int i;

	for (i = 0; i < n && i < ADV_SEGS_PER_PAGE; i++) {
		s[i].gref = gref ? gref : a->data_refs[0];
		s[i].first_sect = first;
		s[i].last_sect = last;
	}
}

int adv_scen_bad_indirect(struct adv *a)
{
	const char *sc = "bad-indirect";
	uint32_t iref;
	int bad = 0, st;

	if (!a->max_indirect) {
		printf("ok - %s # SKIP the backend offers no indirect segments\n", sc);
		return 0;
	}
	if (adv_connect(a, 1, 0) < 0 || adv_data_share(a, 2) < 0)
		return 1;
	iref = a->data_refs[1];
	fill_descs(a, 1, ADV_SEGS_PER_PAGE, 0, 0, 7);
	st = indirect(a, BLKIF_OP_READ, 8, iref, 0);
	ADV_NOTE("%s: a valid 8-segment indirect read answered %s\n", sc, st_name(st));
	bad |= expect_refused(a, sc, "nr_segments 0", indirect(a, BLKIF_OP_READ, 0, iref, 0), false);
	bad |= expect_refused(a, sc, "nr_segments max+1",
			      indirect(a, BLKIF_OP_READ, (uint16_t)(a->max_indirect + 1), iref, 0), false);
	bad |= expect_refused(a, sc, "nr_segments 65535",
			      indirect(a, BLKIF_OP_READ, 65535, iref, 0), false);
	bad |= expect_refused(a, sc, "descriptor page gref 0xfffff0 (not granted)",
			      indirect(a, BLKIF_OP_READ, 8, 0xfffff0u, 0), false);
	/* (ref 0 is no bad ref: it is this guest's console ring, granted to
	 * dom0 by the toolstack; reading into it hurts only this guest) */
	{
		uint32_t ro;
		void *p = xengntshr_share_pages(a->xgs, a->backend_id, 1, &ro, 0);

		if (p) {
			fill_descs(a, 1, 8, ro, 0, 7);
			bad |= expect_refused(a, sc, "a read into a page granted read-only",
					      indirect(a, BLKIF_OP_READ, 8, iref, 0), false);
			xengntshr_unshare(a->xgs, p, 1);
		} else {
			ADV_NOTOK("%s: sharing a read-only page\n", sc);
			bad = 1;
		}
	}
	fill_descs(a, 1, 8, 0xfffff1u, 0, 7);
	bad |= expect_refused(a, sc, "data segments with gref 0xfffff1 (not granted)",
			      indirect(a, BLKIF_OP_READ, 8, iref, 0), false);
	fill_descs(a, 1, 8, 0, 6, 1);
	bad |= expect_refused(a, sc, "descriptors with first_sect 6 > last_sect 1",
			      indirect(a, BLKIF_OP_WRITE, 8, iref, 0), false);
	fill_descs(a, 1, 8, 0, 0, 9);
	bad |= expect_refused(a, sc, "descriptors with last_sect 9",
			      indirect(a, BLKIF_OP_READ, 8, iref, 0), false);
	fill_descs(a, 1, ADV_SEGS_PER_PAGE, 0, 0, 7);
	bad |= expect_refused(a, sc, "256 segments from capacity-8 (across the end)",
			      indirect(a, BLKIF_OP_READ, 256, iref, a->sectors - 8), false);
	bad |= expect_refused(a, sc, "indirect_op FLUSH_DISKCACHE",
			      indirect(a, BLKIF_OP_FLUSH_DISKCACHE, 8, iref, 0), true);
	bad |= expect_refused(a, sc, "indirect_op INDIRECT (nested)",
			      indirect(a, BLKIF_OP_INDIRECT, 8, iref, 0), true);
	return bad;
}

/* Writes and reads whose data pages are ungranted right after the notify
 * (and some already before it): each must still be answered. */
int adv_scen_revoke(struct adv *a)
{
	struct adv_tally t = { 0 };
	unsigned int round, sent = 0, i, rounds = 24;
	uint64_t span;

	if (adv_connect(a, 1, 0) < 0)
		return 1;
	span = a->sectors > 88 ? a->sectors - 88 : 1;
	for (round = 0; round < rounds; round++) {
		uint32_t refs[11];
		void *pages = xengntshr_share_pages(a->xgs, a->backend_id, 11, refs, 1);
		blkif_request_t *r;

		if (!pages) {
			ADV_NOTE("revoke: sharing 11 pages failed in round %u\n", round);
			break;
		}
		memset(pages, 0x5a, 11 * ADV_PAGE);
		for (i = 0; i < 2; i++) {
			r = adv_req_slot(a, 0);
			r->operation = i ? BLKIF_OP_READ : BLKIF_OP_WRITE;
			r->nr_segments = 11;
			r->handle = (blkif_vdev_t)a->devid;
			r->id = sent++;
			r->sector_number = (round * 88u) % span;
			for (unsigned int s = 0; s < 11; s++)
				r->seg[s] = (struct blkif_request_segment){ .gref = refs[s], .last_sect = 7 };
		}
		if (round % 3 == 2) {
			/* ungranted before the backend could see them */
			xengntshr_unshare(a->xgs, pages, 11);
			adv_push(a, 0, true);
		} else {
			adv_push(a, 0, true);
			xengntshr_unshare(a->xgs, pages, 11);
		}
		/* never more in flight than the ring holds */
		if (sent - t.answered + 2 > RING_SIZE(&a->q[0].ring))
			adv_collect(a, 2, 5, &t, NULL, 0);
	}
	adv_collect(a, sent - t.answered, 15, &t, NULL, 0);
	adv_tally_print("revoke", &t);
	printf("%sok - revoke: every request whose grants were revoked was answered (%u of %u; OKAY %u, ERROR %u)%s\n",
	       t.answered == sent || shut_down(a) ? "" : "not ", t.answered, sent, t.okay, t.error,
	       shut_down(a) ? " (device shut down)" : "");
	return !(t.answered == sent || shut_down(a));
}

/* Grants revoked with requests in flight: 1 MiB indirect requests (reads
 * and writes) in every slot of every queue, and the moment they are pushed
 * the data pages are unshared (gntalloc ends the grants; a grant the
 * backend still uses goes when the backend lets it go). Three rounds. Every
 * request must be answered (OKAY for one done before the revocation, else
 * ERROR) or the device shut down; afterwards, with pages shared anew, a
 * plain read works (or the device is shut down). */
int adv_scen_revoke_inflight(struct adv *a)
{
	struct adv_tally t = { 0 };
	/* 2 queues of 1 page: 64 requests a round (the 2 GiB of "big" take
	 * minutes under TCG; the race is the same with fewer) */
	unsigned int nq = a->max_queues < 2 ? a->max_queues : 2, order = 0;
	unsigned int segs = a->max_indirect, i, j, k, sent = 0, rounds = 3;
	double t0 = adv_now();
	uint32_t iref;
	void *ipage;
	uint64_t blocks;
	int st;

	if (!nq)
		nq = 1;
	if (segs > ADV_SEGS_PER_PAGE)
		segs = ADV_SEGS_PER_PAGE;
	if (!segs) {
		printf("ok - revoke-inflight # SKIP the backend offers no indirect segments\n");
		return 0;
	}
	blocks = a->sectors / (segs * 8u);
	if (!blocks || adv_connect(a, nq, order) < 0)
		return 1;
	ipage = xengntshr_share_pages(a->xgs, a->backend_id, 1, &iref, 1);
	if (!ipage) {
		ADV_NOTOK("revoke-inflight: sharing the descriptor page\n");
		return 1;
	}
	for (k = 0; k < rounds; k++) {
		struct blkif_request_segment *d = ipage;
		unsigned int before = sent;

		if (adv_data_share(a, segs) < 0)
			break;
		memset(a->data, 0x6b, (size_t)segs * ADV_PAGE);
		for (i = 0; i < segs; i++)
			d[i] = (struct blkif_request_segment){ .gref = a->data_refs[i], .last_sect = 7 };
		for (i = 0; i < a->nqueues; i++) {
			unsigned int size = RING_SIZE(&a->q[i].ring);

			for (j = 0; j < size; j++) {
				blkif_request_indirect_t *r = (blkif_request_indirect_t *)adv_req_slot(a, i);

				r->operation = BLKIF_OP_INDIRECT;
				r->indirect_op = j & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ;
				r->nr_segments = (uint16_t)segs;
				r->handle = (blkif_vdev_t)a->devid;
				r->id = sent++;
				r->sector_number = (j % blocks) * segs * 8u;
				r->indirect_grefs[0] = iref;
			}
			adv_push(a, i, true);
		}
		/* revoked while the backend works on them */
		adv_data_unshare(a);
		/* answers come slowly under TCG (each read is 1 MiB of I/O
		 * before its copy fails): wait while they keep coming */
		for (;;) {
			unsigned int got = t.answered;

			adv_collect(a, sent - t.answered, 20, &t, NULL, 0);
			if (t.answered == sent || t.answered == got || adv_now() - t0 > 150)
				break;
		}
		ADV_NOTE("revoke-inflight: round %u: %u requests of %u KiB on %u queue(s) of %u page(s), data unshared at once; answered so far %u of %u (OKAY %u, ERROR %u) at %.1f s\n",
			 k, sent - before, segs * 4, a->nqueues, 1u << order, t.answered, sent, t.okay, t.error, adv_now() - t0);
		if (t.answered != sent || adv_xs_state(a, a->be) != XenbusStateConnected ||
		    adv_now() - t0 > 60)
			break;
	}
	xengntshr_unshare(a->xgs, ipage, 1);
	adv_tally_print("revoke-inflight", &t);
	printf("%sok - revoke-inflight: every request whose data grants were revoked in flight was answered (%u of %u; OKAY %u, ERROR %u)%s\n",
	       t.answered == sent || shut_down(a) ? "" : "not ", t.answered, sent, t.okay, t.error,
	       shut_down(a) ? " (device shut down)" : "");
	if (shut_down(a))
		return !(t.answered == sent || shut_down(a));
	st = ADV_NO_ANSWER;
	if (adv_data_share(a, 1) == 0)
		st = adv_rw1(a, BLKIF_OP_READ, 0, 0, 10);
	printf("%sok - revoke-inflight: afterwards, with a page shared anew, a read answered %s%s\n",
	       st == BLKIF_RSP_OKAY || shut_down(a) ? "" : "not ", st_name(st),
	       shut_down(a) ? " (device shut down)" : "");
	return !(t.answered == sent) || !(st == BLKIF_RSP_OKAY || shut_down(a));
}

/* 1 MiB reads (one indirect page of 256 segments) in every slot of every
 * queue, the most the backend offers. */
int adv_scen_big(struct adv *a)
{
	struct adv_tally t = { 0 };
	unsigned int nq = a->max_queues, order = a->max_order, segs = a->max_indirect, i, j, sent = 0;
	uint64_t blocks;
	double t0;

	if (nq > ADV_MAX_QUEUES)
		nq = ADV_MAX_QUEUES;
	if (order > ADV_MAX_ORDER)
		order = ADV_MAX_ORDER;
	if (segs > ADV_SEGS_PER_PAGE)
		segs = ADV_SEGS_PER_PAGE;
	if (!segs) {
		printf("ok - big # SKIP the backend offers no indirect segments\n");
		return 0;
	}
	blocks = a->sectors / (segs * 8u);
	if (!blocks || adv_connect(a, nq, order) < 0 || adv_data_share(a, segs + 1) < 0)
		return 1;
	{
		struct blkif_request_segment *d =
			(struct blkif_request_segment *)((char *)a->data + (size_t)segs * ADV_PAGE);

		for (i = 0; i < segs; i++)
			d[i] = (struct blkif_request_segment){ .gref = a->data_refs[i], .last_sect = 7 };
	}
	t0 = adv_now();
	for (i = 0; i < a->nqueues; i++) {
		unsigned int size = RING_SIZE(&a->q[i].ring);

		for (j = 0; j < size; j++) {
			blkif_request_indirect_t *r = (blkif_request_indirect_t *)adv_req_slot(a, i);

			r->operation = BLKIF_OP_INDIRECT;
			r->indirect_op = BLKIF_OP_READ;
			r->nr_segments = (uint16_t)segs;
			r->handle = (blkif_vdev_t)a->devid;
			r->id = sent++;
			r->sector_number = (j % blocks) * segs * 8u;
			r->indirect_grefs[0] = a->data_refs[segs];
		}
		adv_push(a, i, true);
	}
	ADV_NOTE("big: %u requests of %u KiB on %u queue(s) of %u page(s)\n", sent, segs * 4, a->nqueues,
		 1u << order);
	/* No timing is asserted: under TCG 2 GiB of grant copies take minutes.
	 * What must hold within the window: answers keep coming and none is an
	 * error (a budget throttles, never fails); then we close with the rest
	 * in flight, which the backend's teardown must take. */
	adv_collect(a, sent, 30, &t, NULL, 0);
	adv_tally_print("big", &t);
	printf("%sok - big: the backend keeps answering 1 MiB reads, none failed (%u of %u answered in %.1f s; OKAY %u, ERROR %u)%s\n",
	       (t.answered && !t.error) || shut_down(a) ? "" : "not ", t.answered, sent, adv_now() - t0,
	       t.okay, t.error, shut_down(a) ? " (device shut down)" : "");
	return !((t.answered && !t.error) || shut_down(a));
}

/* FLUSH_DISKCACHE carrying a data segment: the data must reach the disk
 * (blkback writes it after the preflush) or the request be refused; OKAY
 * with the data dropped is the defect. */
int adv_scen_flush_data(struct adv *a)
{
	blkif_request_t r;
	unsigned char *A, *B, *C;
	int st, sw, sr;

	if (adv_connect(a, 1, 0) < 0 || adv_data_share(a, 3) < 0)
		return 1;
	A = a->data, B = A + ADV_PAGE, C = B + ADV_PAGE;
	memset(A, 0xa5, ADV_PAGE);
	memset(B, 0x5b, ADV_PAGE);
	sw = adv_rw1(a, BLKIF_OP_WRITE, 0, 0, 5);
	memset(&r, 0, sizeof(r));
	r.operation = BLKIF_OP_FLUSH_DISKCACHE;
	r.handle = (blkif_vdev_t)a->devid;
	r.nr_segments = 1;
	r.seg[0] = (struct blkif_request_segment){ .gref = a->data_refs[1], .last_sect = 7 };
	st = one(a, &r);
	memset(C, 0, ADV_PAGE);
	sr = adv_rw1(a, BLKIF_OP_READ, 0, 2, 5);
	ADV_NOTE("flush-data: write %s, flush with a data segment %s, read back %s (%s)\n", st_name(sw),
		 st_name(st), st_name(sr),
		 !memcmp(C, B, ADV_PAGE) ? "the flush's data" : !memcmp(C, A, ADV_PAGE) ? "the old data" : "other");
	if (st == BLKIF_RSP_OKAY) {
		bool wrote = sr == BLKIF_RSP_OKAY && !memcmp(C, B, ADV_PAGE);

		printf("%sok - flush-data: a flush answered OKAY wrote its data segment%s\n", wrote ? "" : "not ",
		       wrote ? "" : " (the data was dropped)");
		return !wrote;
	}
	return expect_refused(a, "flush-data", "a flush with a data segment", st, true);
}

int adv_scen_discard_end(struct adv *a)
{
	blkif_request_t buf;
	blkif_request_discard_t *d = (blkif_request_discard_t *)&buf;
	const char *sc = "discard-end";
	int bad = 0;

	if (adv_connect(a, 1, 0) < 0)
		return 1;
	memset(&buf, 0, sizeof(buf));
	d->operation = BLKIF_OP_DISCARD;
	d->handle = (blkif_vdev_t)a->devid;
	d->sector_number = a->sectors, d->nr_sectors = 8;
	bad |= expect_refused(a, sc, "discard at capacity", one(a, &buf), true);
	d->sector_number = a->sectors - 4, d->nr_sectors = 8;
	bad |= expect_refused(a, sc, "discard across the end", one(a, &buf), true);
	d->sector_number = UINT64_MAX - 3, d->nr_sectors = 8;
	bad |= expect_refused(a, sc, "discard at 2^64-4 (wraps)", one(a, &buf), true);
	d->sector_number = 8, d->nr_sectors = UINT64_MAX;
	bad |= expect_refused(a, sc, "discard of 2^64-1 sectors", one(a, &buf), true);
	d->sector_number = 0, d->nr_sectors = 8;
	ADV_NOTE("%s: a valid discard of 8 sectors answered %d (feature-discard=%d)\n", sc, one(a, &buf),
		 a->discard);
	return bad;
}
