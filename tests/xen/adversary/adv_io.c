/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The adversary's data pages, requests and responses. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adv.h"

int adv_data_share(struct adv *a, unsigned int pages)
{
	a->data_refs = calloc(pages, sizeof(*a->data_refs));
	if (!a->data_refs)
		return -1;
	a->data = xengntshr_share_pages(a->xgs, a->backend_id, (int)pages, a->data_refs, 1);
	if (!a->data) {
		ADV_NOTOK("adversary: sharing %u data page(s): %s\n", pages, strerror(errno));
		free(a->data_refs);
		a->data_refs = NULL;
		return -1;
	}
	a->ndata = pages;
	return 0;
}

void adv_data_unshare(struct adv *a)
{
	if (a->data)
		xengntshr_unshare(a->xgs, a->data, a->ndata);
	free(a->data_refs);
	a->data = NULL;
	a->data_refs = NULL;
	a->ndata = 0;
}

blkif_request_t *adv_req_slot(struct adv *a, unsigned int qi)
{
	struct adv_queue *q = &a->q[qi];
	blkif_request_t *r = RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt);

	q->ring.req_prod_pvt++;
	memset(r, 0, sizeof(*r));
	return r;
}

void adv_notify(struct adv *a, unsigned int qi)
{
	xenevtchn_notify(a->xce, a->q[qi].port);
}

void adv_push(struct adv *a, unsigned int qi, bool notify)
{
	struct adv_queue *q = &a->q[qi];

	wmb();
	q->ring.sring->req_prod = q->ring.req_prod_pvt;
	mb();
	if (notify)
		adv_notify(a, qi);
}

static void tally(struct adv_tally *t, int16_t st)
{
	t->answered++;
	if (st == BLKIF_RSP_OKAY)
		t->okay++;
	else if (st == BLKIF_RSP_ERROR)
		t->error++;
	else if (st == BLKIF_RSP_EOPNOTSUPP)
		t->eopnotsupp++;
	else
		t->other++;
}

static unsigned int reap(struct adv *a, struct adv_tally *t, int16_t *status_by_id, unsigned int nid)
{
	unsigned int i, n = 0;

	for (i = 0; i < a->nqueues; i++) {
		blkif_front_ring_t *ring = &a->q[i].ring;
		RING_IDX rp = ring->sring->rsp_prod, rc = ring->rsp_cons;

		rmb();
		if (rp - rc > RING_SIZE(ring)) {
			ADV_NOTE("queue %u: backend rsp_prod %u is %u past our %u (ring of %u)\n", i, rp,
				 rp - rc, rc, RING_SIZE(ring));
			rp = rc + RING_SIZE(ring);
		}
		for (; rc != rp; rc++) {
			blkif_response_t rsp;

			memcpy(&rsp, RING_GET_RESPONSE(ring, rc), sizeof(rsp));
			tally(t, rsp.status);
			if (status_by_id && rsp.id < nid)
				status_by_id[rsp.id] = rsp.status;
			n++;
		}
		ring->rsp_cons = rc;
		ring->sring->rsp_event = rc + 1;
		mb();
	}
	return n;
}

unsigned int adv_collect(struct adv *a, unsigned int want, double seconds, struct adv_tally *t,
			 int16_t *status_by_id, unsigned int nid)
{
	double end = adv_now() + seconds;
	unsigned int got = 0;
	struct pollfd pfd = { .fd = xenevtchn_fd(a->xce), .events = POLLIN };

	for (;;) {
		xenevtchn_port_or_error_t p;

		got += reap(a, t, status_by_id, nid);
		if (got >= want || adv_now() > end)
			return got;
		if (poll(&pfd, 1, 100) > 0) {
			p = xenevtchn_pending(a->xce);
			if (p >= 0)
				xenevtchn_unmask(a->xce, (evtchn_port_t)p);
		}
	}
}

void adv_tally_print(const char *what, const struct adv_tally *t)
{
	ADV_NOTE("%s: answered %u (OKAY %u, ERROR %u, EOPNOTSUPP %u, other %u)\n", what, t->answered,
		 t->okay, t->error, t->eopnotsupp, t->other);
}

int adv_rw1(struct adv *a, uint8_t op, uint64_t sector, unsigned int page, double seconds)
{
	blkif_request_t *r = adv_req_slot(a, 0);
	struct adv_tally t = { 0 };
	int16_t st = ADV_NO_ANSWER;

	r->operation = op;
	r->nr_segments = 1;
	r->handle = (blkif_vdev_t)a->devid;
	r->id = 0;
	r->sector_number = sector;
	r->seg[0].gref = a->data_refs[page];
	r->seg[0].first_sect = 0;
	r->seg[0].last_sect = 7;
	adv_push(a, 0, true);
	adv_collect(a, 1, seconds, &t, &st, 1);
	return st;
}
