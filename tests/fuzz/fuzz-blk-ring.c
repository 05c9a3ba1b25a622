/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the block backend's ring request parser, direct and
 * indirect requests, through the real backend (userspace/backends/blk) on
 * the simulated platform, driven by the simulated blkfront
 * (tests/unit/helpers/blkfront.h). Set up once: two disks on a 1 MiB
 * memory-backed image, one with persistent grants, one without.
 *
 * An input is
 *   byte 0     bits 0-4: slots to push - 1 (at most what the input holds),
 *              bit 5: grant refs taken as they are (else each is mapped
 *              onto a page the frontend granted, or left bad 1 time in 8),
 *              bit 6: the disk with persistent grants
 *   then       112-byte ring slots (blkif_request_t, any layout: read,
 *              write, indirect, discard, flush, garbage)
 *   the rest   the indirect descriptor page (up to 4096 bytes; zero after)
 * and one round: push, notify, dispatch until every slot is answered.
 * Every pushed request must get exactly one response while the disk stays
 * Connected; anything else is a finding (abort).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"
#include "userspace/lib/core/internal.h"

#define SLOT_BYTES sizeof(blkif_request_t)
#define NDISKS 2
#define DOMID 7

static struct xbt t;
static struct sfront disks[NDISKS];
static char img[] = "/dev/shm/xenback-fuzz-blk-XXXXXX";

static void setup(void)
{
	unsigned int i;
	int fd;

	fd = mkstemp(img);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0) {
		fprintf(stderr, "fuzz-blk-ring: cannot create %s\n", img);
		abort();
	}
	close(fd);
	setenv("XENBACK_BLK_INLINE", "1", 1);
	xbt_init(&t, XENBACK_LOG_ERR);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	for (i = 0; i < NDISKS; i++) {
		sfront_persistent = i == 1;
		if (sfront_attach(&disks[i], &t, DOMID, 51712 + i * 16, img, "w", 1, 0) !=
		    XENBACK_STATE_CONNECTED) {
			fprintf(stderr, "fuzz-blk-ring: disk %u not Connected\n", i);
			abort();
		}
	}
	/* No log lines from here: the hostile requests are expected. */
	xenback_bus_set_log_level(t.bus, 1);
}

static void cleanup(void)
{
	unlink(img);
}

/* A grant ref from the input: one of the frontend's pages (data or the
 * indirect page) 7 times in 8, else as it came. */
static uint32_t gref_of(const struct sfront *f, uint32_t v)
{
	uint32_t k = v % (SF_DATA_PAGES + SF_DATA_PAGES / 8);

	if (k < SF_DATA_PAGES)
		return f->data_ref[k];
	return (v & 1) ? f->ind_ref : v;
}

/*
 * A request whose data goes into a ring page (both disks belong to one
 * domain, so either disk's ring) is the frontend
 * overwriting its own ring (its req_event, its req_prod): it hurts only
 * itself (it stops notifying, or the device is failed for a bad req_prod),
 * and the harness could no longer tell whether the backend answered. Such
 * refs become the first data page, in every mode.
 */
static uint32_t not_ring(const struct sfront *f, uint32_t ref)
{
	unsigned int i, k;

	for (k = 0; k < NDISKS; k++) /* one domain: either disk's ring */
		for (i = 0; i < (1u << disks[k].order); i++)
			if (ref == disks[k].q[0].refs[i])
				return f->data_ref[0];
	return ref;
}

static void keep_off_ring(const struct sfront *f, unsigned char *slot)
{
	blkif_request_t rw;
	unsigned int i, n;

	memcpy(&rw, slot, SLOT_BYTES);
	if (rw.operation == BLKIF_OP_INDIRECT || rw.operation == BLKIF_OP_DISCARD)
		return; /* descriptor pages are read, never written */
	n = rw.nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ? rw.nr_segments :
							       BLKIF_MAX_SEGMENTS_PER_REQUEST;
	for (i = 0; i < n; i++)
		rw.seg[i].gref = not_ring(f, rw.seg[i].gref);
	memcpy(slot, &rw, SLOT_BYTES);
}

static void map_grefs(const struct sfront *f, unsigned char *slot)
{
	union {
		blkif_request_t rw;
		blkif_request_indirect_t ind;
	} u;
	unsigned int i, n;

	memcpy(&u, slot, SLOT_BYTES);
	if (u.rw.operation == BLKIF_OP_INDIRECT) {
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			u.ind.indirect_grefs[i] = i == 0 && u.ind.indirect_grefs[i] % 8 ?
				f->ind_ref : gref_of(f, u.ind.indirect_grefs[i]);
	} else if (u.rw.operation != BLKIF_OP_DISCARD) {
		n = u.rw.nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ?
			u.rw.nr_segments : BLKIF_MAX_SEGMENTS_PER_REQUEST;
		for (i = 0; i < n; i++)
			u.rw.seg[i].gref = gref_of(f, u.rw.seg[i].gref);
	}
	memcpy(slot, &u, SLOT_BYTES);
}

static void fill_indirect(const struct sfront *f, const uint8_t *data, size_t n, bool raw)
{
	struct blkif_request_segment *s = f->ind;
	unsigned int i;

	if (n > BLK_PAGE)
		n = BLK_PAGE;
	memcpy(f->ind, data, n);
	memset((char *)f->ind + n, 0, BLK_PAGE - n);
	for (i = 0; i < BLK_SEGS_PER_INDIRECT_PAGE; i++)
		s[i].gref = not_ring(f, raw ? s[i].gref : gref_of(f, s[i].gref));
}

/* What the disks hold once every request is answered: nothing in flight. */
static int held(const struct xenback_device_info *i, void *arg)
{
	uint64_t *sum = arg;

	sum[0] += i->requests_inflight;
	sum[1] += i->mem_bytes;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sfront *f;
	struct sfront_q *q;
	unsigned int n, i, got, rounds;
	bool raw;
	int notify;

	if (!ready) {
		setup();
		atexit(cleanup);
		ready = true;
	}
	if (size < 1 + SLOT_BYTES)
		return 0;
	f = &disks[(data[0] >> 6) & 1];
	q = &f->q[0];
	raw = data[0] & 0x20;
	n = (data[0] & 31u) + 1;
	if (n > (size - 1) / SLOT_BYTES)
		n = (unsigned int)((size - 1) / SLOT_BYTES);
	if (n > RING_FREE_REQUESTS(&q->ring))
		abort(); /* a slot of an earlier input was never answered */
	for (i = 0; i < n; i++) {
		unsigned char slot[SLOT_BYTES];

		memcpy(slot, data + 1 + i * SLOT_BYTES, SLOT_BYTES);
		if (!raw)
			map_grefs(f, slot);
		keep_off_ring(f, slot);
		sfront_queue_raw(f, 0, (const blkif_request_t *)slot);
	}
	fill_indirect(f, data + 1 + n * SLOT_BYTES, size - 1 - n * SLOT_BYTES, raw);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, notify);
	if (notify)
		xenback_sim_evtchn_notify(t.sim, f->domid, q->port);
	/* Reads and writes are done in place within the round; a flush or
	 * discard goes through io_uring: wait for its eventfd (up to 5 s). */
	for (got = 0, rounds = 0; got < n && rounds < 1000; rounds++) {
		int more;

		if (rounds < 4)
			xenback_bus_dispatch(t.bus);
		else
			xenback_bus_run_once(t.bus, 5);
		do {
			while (RING_HAS_UNCONSUMED_RESPONSES(&q->ring)) {
				q->ring.rsp_cons++;
				if (++got > n) {
					fprintf(stderr, "fuzz-blk-ring: more responses than the %u "
						"requests\n", n);
					abort();
				}
			}
			RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
		} while (more);
	}
	xenback_sim_evtchn_take(t.sim, f->domid, q->port);
	if (got != n || xbt_be_state(&t, "qdisk", f->domid, f->devid) != XENBACK_STATE_CONNECTED) {
		struct xb_type *ty = xb_type_by_name(t.bus, "qdisk");
		struct xenback_backend *be = ty ? xb_backend_find(t.bus, ty->idx, f->domid, f->devid) : NULL;

		fprintf(stderr, "fuzz-blk-ring: %u requests, %u responses, backend state %ld\n", n,
			got, xbt_be_state(&t, "qdisk", f->domid, f->devid));
		if (be && be->dev) {
			struct blk_dev *d = xenback_device_priv(be->dev);
			struct blk_queue *bq = &d->q[0];

			fprintf(stderr, "fuzz-blk-ring: queue: inflight %u stalled %d throttled %d "
				"budgeted %d req_cons %u rsp_prod_pvt %u; uring_inflight %u "
				"sq_pending %u\n", bq->inflight, bq->stalled, bq->throttled,
				bq->budgeted, bq->ring.req_cons, bq->ring.rsp_prod_pvt,
				d->uring_inflight, d->sq_pending);
			fprintf(stderr, "fuzz-blk-ring: shared ring: req_prod %u req_event %u "
				"rsp_prod %u rsp_event %u; notify was %s\n", bq->ring.sring->req_prod,
				bq->ring.sring->req_event, bq->ring.sring->rsp_prod,
				bq->ring.sring->rsp_event, notify ? "sent" : "not needed");
		}
		abort();
	}
	{
		uint64_t sum[2] = { 0, 0 };

		xenback_bus_foreach(t.bus, held, sum);
		if (sum[0] || sum[1]) {
			fprintf(stderr, "fuzz-blk-ring: all answered, yet %llu requests and %llu bytes "
				"still accounted in flight\n", (unsigned long long)sum[0],
				(unsigned long long)sum[1]);
			abort();
		}
	}
	return 0;
}
