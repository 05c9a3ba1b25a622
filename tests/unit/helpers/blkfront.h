/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated Linux-like blkfront on the simulated platform: grants its
 * rings and data pages, writes the xenbus keys blkfront writes, pushes
 * requests and waits for responses. */
#ifndef XENBACK_TEST_BLKFRONT_H
#define XENBACK_TEST_BLKFRONT_H
#include "../../../userspace/backends/blk/blk.h"
#include "simbus.h"

#define SF_DATA_PAGES 256

struct sfront_q {
	blkif_front_ring_t ring;
	void *sring;                 /* contiguous view of the ring pages */
	uint32_t refs[16];
	uint32_t port;
};

struct sfront {
	struct xbt *t;
	uint32_t domid, devid;
	unsigned int nq, order;
	struct sfront_q q[4];
	void *data[SF_DATA_PAGES];
	uint32_t data_ref[SF_DATA_PAGES];
	void *ind;                   /* indirect descriptor page */
	uint32_t ind_ref;
};

/* Set before sfront_attach(): the frontend offers feature-persistent. */
extern bool sfront_persistent;
/* A 1 MiB image file from img (a mkstemp template, renamed in place) and a
 * simulated bus (xbt_init) with the qdisk type registered; bails out if
 * the image cannot be made. unlink(img) when done. */
void sfront_bus_init(struct xbt *t, char *img, int log_level);
/* Set before connecting: a frontend key the frontend leaves out (relative
 * to its node, e.g. "queue-1/ring-ref"); NULL: none. */
extern const char *sfront_omit;
/* Toolstack adds a qdisk node for image (mode "w" or "r"); the frontend
 * connects with nq queues of 2^order pages. Returns the backend state. */
long sfront_attach(struct sfront *f, struct xbt *t, uint32_t domid, uint32_t devid,
		   const char *image, const char *mode, unsigned int nq, unsigned int order);
/* The frontend (re)connects on its own: fresh rings and ports, the keys
 * (but sfront_omit), Initialised; settles. Releases the old views first. */
void sfront_connect(struct sfront *f);
/* Unmaps the frontend's own views of its rings (they count as mapped
 * grants of the simulated platform). */
void sfront_release(struct sfront *f);
/* Queue a request (not pushed). seg_sectors: sectors per segment (1..8). */
void sfront_queue_rw(struct sfront *f, unsigned int qi, uint8_t op, uint64_t sector,
		     unsigned int nseg, unsigned int seg_sectors, uint64_t id);
void sfront_queue_indirect(struct sfront *f, unsigned int qi, uint8_t op, uint64_t sector,
			   unsigned int nseg, uint64_t id);
void sfront_queue_raw(struct sfront *f, unsigned int qi, const blkif_request_t *req);
/* Push queued requests, notify if needed; wait for n responses; returns the
 * number received; statuses[i]/ids[i] filled in order of arrival. */
unsigned int sfront_run(struct sfront *f, unsigned int qi, unsigned int n,
			int16_t *statuses, uint64_t *ids);
/* Push and notify queue qi without waiting. */
void sfront_push(struct sfront *f, unsigned int qi);
/* sfront_run() for the one request queued on queue 0: its status, or 99
 * if no response came. */
int16_t sfront_status(struct sfront *f);
/* The frontend goes (toolstack offline, frontend Closed), settled. */
void sfront_detach(struct sfront *f, const char *type);
/* A bus on the simulated platform serving the block backend's "qdisk". */
void sfront_bus(struct xbt *t, int log_level);
/* mkstemp(tmpl) sized to bytes; false on failure. */
bool sfront_image(char *tmpl, long bytes);
/* Operation of the last response sfront_run() consumed. */
extern uint8_t sfront_last_op;
/* Fill/check data page i with a pattern derived from seed. */
void sfront_fill(struct sfront *f, unsigned int first, unsigned int n, uint32_t seed);
bool sfront_check(struct sfront *f, unsigned int first, unsigned int n, uint32_t seed);
/* The image file holds the pattern of seed over [off, off + len). */
bool sfront_file_matches(const char *img, uint64_t off, size_t len, uint32_t seed);
/* Pattern the image file holds at a byte offset for a seed (same generator). */
uint32_t sfront_word(uint32_t seed, uint64_t index);
#endif
