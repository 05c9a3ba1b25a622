/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blkfront.h"
#include "platform.h"
#include "userspace/backends/blk/blk_backend.h"

uint32_t sfront_word(uint32_t seed, uint64_t index)
{
	uint64_t x = (index + 1) * 0x9e3779b97f4a7c15ull ^ seed;

	x ^= x >> 29;
	return (uint32_t)(x * 0xbf58476d1ce4e5b9ull >> 32);
}

bool sfront_file_matches(const char *img, uint64_t off, size_t len, uint32_t seed)
{
	uint32_t *buf = malloc(len);
	int fd = open(img, O_RDONLY);
	bool ok = buf && fd >= 0 && pread(fd, buf, len, (off_t)off) == (ssize_t)len;
	size_t i;

	for (i = 0; ok && i < len / 4; i++)
		ok = buf[i] == sfront_word(seed, i);
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

void sfront_fill(struct sfront *f, unsigned int first, unsigned int n, uint32_t seed)
{
	unsigned int p, w;

	for (p = 0; p < n; p++)
		for (w = 0; w < 1024; w++)
			((uint32_t *)f->data[first + p])[w] = sfront_word(seed, (uint64_t)p * 1024 + w);
}

bool sfront_check(struct sfront *f, unsigned int first, unsigned int n, uint32_t seed)
{
	unsigned int p, w;

	for (p = 0; p < n; p++)
		for (w = 0; w < 1024; w++)
			if (((uint32_t *)f->data[first + p])[w] != sfront_word(seed, (uint64_t)p * 1024 + w))
				return false;
	return true;
}

#define FE "/local/domain/%u/device/qdisk/%u"

void sfront_bus_init(struct xbt *t, char *img, int log_level)
{
	int fd = mkstemp(img);

	if (fd < 0 || ftruncate(fd, 1 << 20) < 0) {
		printf("Bail out! no image\n");
		exit(1);
	}
	close(fd);
	xbt_init(t, log_level);
	xenback_backend_register(t->bus, &xenback_blk_qdisk_info);
}

bool sfront_persistent;
uint8_t sfront_last_op;
const char *sfront_omit;

/* key (a full path) ends with "/" sfront_omit: the test left it out. */
static bool omitted(const struct sfront *f, const char *key)
{
	size_t kl = strlen(key), ol = sfront_omit ? strlen(sfront_omit) : 0;

	(void)f;
	return ol && kl > ol && key[kl - ol - 1] == '/' && !strcmp(key + kl - ol, sfront_omit);
}

/* The frontend's half of a connect: grant rings, allocate ports, write the
 * keys blkfront writes (but sfront_omit) and Initialised. */
void sfront_connect(struct sfront *f)
{
	struct xbt *t = f->t;
	struct xenback_platform *plat = xenback_sim_platform(t->sim);
	uint32_t domid = f->domid, devid = f->devid;
	unsigned int i, j, pages = 1u << f->order, nq = f->nq;

	sfront_release(f);
	xenback_sim_batch_begin(t->sim);
	for (i = 0; i < nq; i++) {
		struct sfront_q *q = &f->q[i];
		char base[128], key[160];
		void *page;

		for (j = 0; j < pages; j++)
			xenback_sim_grant_page(t->sim, domid, 0, &page, &q->refs[j]);
		/* The frontend's contiguous view of its own ring pages. */
		plat->gnt->map(plat->gnt_h, domid, q->refs, pages, true, &q->sring);
		SHARED_RING_INIT((blkif_sring_t *)q->sring);
		FRONT_RING_INIT(&q->ring, (blkif_sring_t *)q->sring, (size_t)pages * 4096);
		xenback_sim_evtchn_alloc_unbound(t->sim, domid, 0, &q->port);
		if (nq > 1)
			snprintf(base, sizeof(base), FE "/queue-%u", domid, devid, i);
		else
			snprintf(base, sizeof(base), FE, domid, devid);
		for (j = 0; j < pages; j++) {
			if (f->order)
				snprintf(key, sizeof(key), "%s/ring-ref%u", base, j);
			else
				snprintf(key, sizeof(key), "%s/ring-ref", base);
			if (!omitted(f, key))
				xenback_sim_write(t->sim, key, "%u", q->refs[j]);
		}
		xenback_sim_write(t->sim, xbt_path("%s/event-channel", base), "%u", q->port);
	}
	if (nq > 1)
		xenback_sim_write(t->sim, xbt_path(FE "/multi-queue-num-queues", domid, devid), "%u", nq);
	if (f->order)
		xenback_sim_write(t->sim, xbt_path(FE "/ring-page-order", domid, devid), "%u", f->order);
	xenback_sim_write(t->sim, xbt_path(FE "/protocol", domid, devid), "x86_64-abi");
	xenback_sim_write(t->sim, xbt_path(FE "/feature-persistent", domid, devid), "%d",
			  sfront_persistent ? 1 : 0);
	xenback_sim_write(t->sim, xbt_path(FE "/state", domid, devid), "3");
	xenback_sim_batch_end(t->sim);
	xbt_settle(t);
}

void sfront_release(struct sfront *f)
{
	struct xenback_platform *plat = xenback_sim_platform(f->t->sim);
	unsigned int i;

	for (i = 0; i < f->nq; i++) {
		struct sfront_q *q = &f->q[i];

		if (q->sring)
			plat->gnt->unmap(plat->gnt_h, q->sring, 1u << f->order);
		q->sring = NULL;
	}
}

long sfront_attach(struct sfront *f, struct xbt *t, uint32_t domid, uint32_t devid,
		   const char *image, const char *mode, unsigned int nq, unsigned int order)
{
	char params[256], k1[64];
	const char *extra[] = { params, k1, NULL };
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->t = t;
	f->domid = domid;
	f->devid = devid;
	f->nq = nq;
	f->order = order;
	snprintf(params, sizeof(params), "params=aio:%s", image);
	snprintf(k1, sizeof(k1), "mode=%s", mode);
	xbt_add(t, "qdisk", domid, devid, extra);
	xbt_settle(t);
	for (i = 0; i < SF_DATA_PAGES; i++)
		xenback_sim_grant_page(t->sim, domid, 0, &f->data[i], &f->data_ref[i]);
	xenback_sim_grant_page(t->sim, domid, 0, &f->ind, &f->ind_ref);
	sfront_connect(f);
	return xbt_be_state(t, "qdisk", domid, devid);
}

void sfront_queue_raw(struct sfront *f, unsigned int qi, const blkif_request_t *req)
{
	struct sfront_q *q = &f->q[qi];

	/* Bytes, not a struct assignment: other layouts (indirect, discard) use
	 * bytes that are padding in blkif_request_t. */
	memcpy(RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt), req, sizeof(*req));
	q->ring.req_prod_pvt++;
}

void sfront_queue_rw(struct sfront *f, unsigned int qi, uint8_t op, uint64_t sector,
		     unsigned int nseg, unsigned int seg_sectors, uint64_t id)
{
	blkif_request_t req = { .operation = op, .nr_segments = (uint8_t)nseg,
				.id = id, .sector_number = sector };
	unsigned int i;

	for (i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		req.seg[i].gref = f->data_ref[i];
		req.seg[i].first_sect = 0;
		req.seg[i].last_sect = (uint8_t)(seg_sectors - 1);
	}
	sfront_queue_raw(f, qi, &req);
}

void sfront_queue_indirect(struct sfront *f, unsigned int qi, uint8_t op, uint64_t sector,
			   unsigned int nseg, uint64_t id)
{
	struct blkif_request_segment *s = f->ind;
	union {
		blkif_request_t raw;
		blkif_request_indirect_t ind;
	} u;
	blkif_request_indirect_t *req = &u.ind;
	unsigned int i;

	memset(&u, 0, sizeof(u));
	*req = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT, .indirect_op = op,
					   .nr_segments = (uint16_t)nseg, .id = id,
					   .sector_number = sector };
	for (i = 0; i < nseg && i < SF_DATA_PAGES; i++)
		s[i] = (struct blkif_request_segment){ .gref = f->data_ref[i], .first_sect = 0,
						       .last_sect = 7 };
	req->indirect_grefs[0] = f->ind_ref;
	sfront_queue_raw(f, qi, &u.raw);
}

unsigned int sfront_run(struct sfront *f, unsigned int qi, unsigned int n,
			int16_t *statuses, uint64_t *ids)
{
	struct sfront_q *q = &f->q[qi];
	unsigned int got = 0, rounds;
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, notify);
	if (notify)
		xenback_sim_evtchn_notify(f->t->sim, f->domid, q->port);
	for (rounds = 0; got < n && rounds < 500; rounds++) {
		int more;

		xenback_bus_run_once(f->t->bus, 10);
		do {
			while (RING_HAS_UNCONSUMED_RESPONSES(&q->ring)) {
				blkif_response_t *rsp = RING_GET_RESPONSE(&q->ring, q->ring.rsp_cons);

				if (got < n) {
					if (statuses)
						statuses[got] = rsp->status;
					if (ids)
						ids[got] = rsp->id;
				}
				sfront_last_op = rsp->operation;
				got++;
				q->ring.rsp_cons++;
			}
			RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
		} while (more);
	}
	xenback_sim_evtchn_take(f->t->sim, f->domid, q->port);
	return got;
}

void sfront_push(struct sfront *f, unsigned int qi)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->q[qi].ring, notify);
	(void)notify; /* always: the test may have consumed the backend's req_event */
	xenback_sim_evtchn_notify(f->t->sim, f->domid, f->q[qi].port);
}

int16_t sfront_status(struct sfront *f)
{
	int16_t st = 99;

	if (sfront_run(f, 0, 1, &st, NULL) != 1)
		return 99;
	return st;
}

void sfront_detach(struct sfront *f, const char *type)
{
	xbt_offline(f->t, type, f->domid, f->devid);
	xbt_fe_set_state(f->t, type, f->domid, f->devid, XENBACK_STATE_CLOSED);
	xbt_settle(f->t);
}

void sfront_bus(struct xbt *t, int log_level)
{
	xbt_init(t, log_level);
	xenback_backend_register(t->bus, &xenback_blk_qdisk_info);
}

bool sfront_image(char *tmpl, long bytes)
{
	int fd = mkstemp(tmpl);
	bool ok = fd >= 0 && ftruncate(fd, bytes) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}
