/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The block backend's in-flight journal (issue 11): a bus with a state
 * directory serves a disk; a simulated blkfront has writes, reads
 * (direct and indirect) and flushes in flight; the process "dies" at a
 * crash point (xenback_bus_detach(), with blk_respond() stopped where a
 * process dying there would stop, or the journal edited into the state a
 * death between two of its stores leaves); a new bus on the same
 * simulation and state directory takes the disk over. The frontend must
 * get exactly one response per request, the image hold what was written
 * and reads return the image's data.
 * Also: without a journal only an idle ring is taken over; a journal about
 * other rings or that does not add up is refused (the device goes
 * Closing, nothing answered); fds, mappings and ports return to their
 * baseline after each detach; 20 detach/reattach cycles with I/O in flight.
 * And the wait for the previous process's I/O (blk_drain.c), its in-flight
 * count a file the test writes: nothing runs again or is answered while it
 * is not 0, all of it once it is; past the deadline the disk is shut down
 * unanswered; a disk torn down while it waits leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blkfront.h"
#include "helpers/fdcount.h"
#include "userspace/backends/blk/blk_backend.h"

#define DEV 51712
#define NREQ 24
#define LOG XENBACK_LOG_NOTICE

struct w {
	struct xbt t;
	struct sfront f;
	uint32_t domid;
	unsigned int nq, order;
	void *ind[4];
	uint32_t ind_ref[4];
	uint64_t base;                 /* this round's first request id */
	uint32_t seed;                 /* this round's write seed */
	unsigned int seen[NREQ];
	int16_t st[NREQ];
	unsigned int stray, got;
	int fds0;
};

static char dir[] = "/tmp/xbt-journal-XXXXXX";
static char img[] = "/tmp/xbt-journal-img-XXXXXX";

static void bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

static unsigned int replayed; /* requests run again, from the reattach's log lines */

static void log_cb(void *data, int level, const char *msg)
{
	const char *p = strstr(msg, "rsp_prod ");
	unsigned int n;

	(void)data;
	if (p && strstr(msg, "run again") && sscanf(p, "rsp_prod %*u, %u request", &n) == 1)
		replayed += n;
	printf("# [%d] %s\n", level, msg);
}

static void bus_up(struct w *w)
{
	struct xenback_bus_config cfg = { .log_level = LOG, .log = log_cb, .retry_delay_ms = 1 };

	if (xenback_bus_new(xenback_sim_platform(w->t.sim), &cfg, &w->t.bus) ||
	    xenback_backend_register(w->t.bus, &xenback_blk_qdisk_info) ||
	    xenback_bus_set_state_dir(w->t.bus, dir) || xenback_bus_start(w->t.bus))
		bail("cannot set up a bus with a state directory");
	xbt_settle(&w->t);
}

static const char *kept_path(const struct w *w)
{
	return xbt_path("%s/qdisk-%u-%u", dir, w->domid, DEV);
}

/* The image's pattern for seed over npages pages from page pg. */
static void file_fill(uint64_t pg, unsigned int npages, uint32_t seed)
{
	size_t len = (size_t)npages * 4096, i;
	uint32_t *buf = malloc(len);
	int fd = open(img, O_WRONLY);

	for (i = 0; buf && i < len / 4; i++)
		buf[i] = sfront_word(seed, i);
	if (!buf || fd < 0 || pwrite(fd, buf, len, (off_t)(pg * 4096)) != (ssize_t)len)
		bail("cannot fill the image");
	close(fd);
	free(buf);
}

/* The requests of a round: id base + i on queue i % nq.
 *   0..7   write, 2 pages (pages 2i..), image pages 2i..
 *   8..15  read, 2 pages (pages 16 + 2(i-8)..), image pages 64 + 2(i-8)..
 *   16..17 indirect write, 16 pages (pages 32 + 16(i-16)..), image 16 + 16(i-16)..
 *   18..19 indirect read, 16 pages (pages 64 + 16(i-18)..), image 96 + 16(i-18)..
 *   20..23 flush */
static unsigned int req_first(unsigned int i)
{
	return i < 8 ? 2 * i : i < 16 ? 16 + 2 * (i - 8) : i < 18 ? 32 + 16 * (i - 16) :
	       64 + 16 * (i - 18);
}

static unsigned int req_pages(unsigned int i)
{
	return i < 16 ? 2 : 16;
}

static uint64_t req_image_page(unsigned int i)
{
	return i < 8 ? 2 * i : i < 16 ? 64 + 2 * (i - 8) : i < 18 ? 16 + 16 * (i - 16) :
	       96 + 16 * (i - 18);
}

static uint32_t read_seed(unsigned int i)
{
	return 5000 + i;
}

static void queue_round(struct w *w)
{
	unsigned int i, k, qi;
	bool used[4] = { false };

	memset(w->seen, 0, sizeof(w->seen));
	w->stray = w->got = 0;
	for (i = 0; i < NREQ; i++) {
		unsigned int first = req_first(i), n = req_pages(i);
		uint64_t id = w->base + i, sector = req_image_page(i) * 8;
		bool wr = i < 8 || i == 16 || i == 17;

		qi = i % w->nq;
		used[qi] = true;
		if (i >= 20) {
			blkif_request_t req = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = id };

			sfront_queue_raw(&w->f, qi, &req);
			continue;
		}
		if (wr)
			sfront_fill(&w->f, first, n, w->seed + i);
		else
			for (k = 0; k < n; k++)
				memset(w->f.data[first + k], 0, 4096);
		if (i < 16) {
			blkif_request_t req = { .operation = wr ? BLKIF_OP_WRITE : BLKIF_OP_READ,
						.nr_segments = (uint8_t)n, .id = id,
						.sector_number = sector };

			for (k = 0; k < n; k++)
				req.seg[k] = (struct blkif_request_segment){ w->f.data_ref[first + k], 0, 7 };
			sfront_queue_raw(&w->f, qi, &req);
		} else {
			union blk_ring_req u;
			struct blkif_request_segment *s = w->ind[i - 16];

			memset(&u, 0, sizeof(u));
			u.ind = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT,
							    .indirect_op = wr ? BLKIF_OP_WRITE : BLKIF_OP_READ,
							    .nr_segments = (uint16_t)n, .id = id,
							    .sector_number = sector };
			u.ind.indirect_grefs[0] = w->ind_ref[i - 16];
			for (k = 0; k < n; k++)
				s[k] = (struct blkif_request_segment){ w->f.data_ref[first + k], 0, 7 };
			sfront_queue_raw(&w->f, qi, &u.rw);
		}
	}
	for (qi = 0; qi < w->nq; qi++)
		if (used[qi])
			sfront_push(&w->f, qi);
}

/* The frontend takes every published response. */
static void drain(struct w *w)
{
	unsigned int qi;

	for (qi = 0; qi < w->nq; qi++) {
		blkif_front_ring_t *ring = &w->f.q[qi].ring;
		int more;

		do {
			RING_IDX rp = ring->sring->rsp_prod;

			xen_rmb();
			while (ring->rsp_cons != rp) {
				blkif_response_t *rsp = RING_GET_RESPONSE(ring, ring->rsp_cons);
				uint64_t i = rsp->id - w->base;

				if (i < NREQ) {
					w->seen[i]++;
					w->st[i] = rsp->status;
				} else {
					w->stray++;
				}
				w->got++;
				ring->rsp_cons++;
			}
			RING_FINAL_CHECK_FOR_RESPONSES(ring, more);
		} while (more);
		xenback_sim_evtchn_take(w->t.sim, w->domid, w->f.q[qi].port);
	}
}

static void wait_all(struct w *w)
{
	unsigned int rounds;

	drain(w);
	for (rounds = 0; w->got < NREQ && rounds < 1000; rounds++) {
		xenback_bus_run_once(w->t.bus, 10);
		drain(w);
	}
	/* A few more rounds: a response answered twice would show now. */
	for (rounds = 0; rounds < 5; rounds++) {
		xenback_bus_run_once(w->t.bus, 1);
		drain(w);
	}
}

/* Every request answered once, OKAY; the image holds the writes; the
 * reads returned the image's data. */
static bool round_ok(struct w *w, const char *what)
{
	unsigned int i, lost = 0, twice = 0, failed = 0, bad_data = 0;

	for (i = 0; i < NREQ; i++) {
		unsigned int first = req_first(i), n = req_pages(i);
		bool wr = i < 8 || i == 16 || i == 17;

		if (!w->seen[i])
			lost++;
		else if (w->seen[i] > 1)
			twice++;
		if (w->seen[i] && w->st[i] != BLKIF_RSP_OKAY)
			failed++;
		if (i >= 20)
			continue;
		if (wr ? !sfront_file_matches(img, req_image_page(i) * 4096, (size_t)n * 4096,
					      w->seed + i) :
			 !sfront_check(&w->f, first, n, read_seed(i)))
			bad_data++;
	}
	if (lost || twice || failed || bad_data || w->stray)
		tap_diag("%s: %u lost, %u answered twice, %u failed, %u with bad data, "
			 "%u stray", what, lost, twice, failed, bad_data, w->stray);
	return !lost && !twice && !failed && !bad_data && !w->stray;
}

/* The process goes: nothing it held stays (fds, mappings, ports). */
static void detach(struct w *w, const char *what)
{
	unsigned int mine = w->nq << w->order; /* the frontend's own ring views */

	xenback_bus_detach(w->t.bus);
	w->t.bus = NULL;
	if (fd_count() != w->fds0 || xenback_sim_grants_mapped(w->t.sim) != mine ||
	    xenback_sim_ports_bound(w->t.sim) != 0)
		tap_diag("%s: after detach %d fds (baseline %d), %u grants mapped (frontend's %u), "
			 "%u ports bound", what, fd_count(), w->fds0,
			 xenback_sim_grants_mapped(w->t.sim), mine,
			 xenback_sim_ports_bound(w->t.sim));
}

static bool detach_clean(struct w *w)
{
	return fd_count() == w->fds0 && xenback_sim_grants_mapped(w->t.sim) == w->nq << w->order &&
	       xenback_sim_ports_bound(w->t.sim) == 0;
}

/* The kept journal, mapped (the test edits it as a death between two of
 * its stores would leave it). */
static struct blk_journal *journal_map(struct w *w, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(kept_path(w), O_RDWR);

	if (fd < 0 || fstat(fd, &st) < 0)
		bail("no kept journal");
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		bail("cannot map the kept journal");
	*len = (size_t)st.st_size;
	return p;
}

static struct blk_jqueue *journal_queue(struct blk_journal *j, unsigned int qi)
{
	unsigned int nslots = __CONST_RING_SIZE(blkif, (size_t)j->ring_pages * BLK_PAGE);

	return (struct blk_jqueue *)((char *)(j + 1) +
				     qi * (sizeof(struct blk_jqueue) + nslots * sizeof(struct blk_jrec)));
}

/* The live unanswered record taken last on queue 0 (req_idx req_cons - 1). */
static struct blk_jrec *last_taken(struct blk_jqueue *jq)
{
	unsigned int i;

	for (i = 0; i < jq->nslots; i++)
		if (jq->rec[i].live && !jq->rec[i].answered &&
		    jq->rec[i].req_idx == jq->req_cons - 1)
			return &jq->rec[i];
	return NULL;
}

enum edit { EDIT_NONE, EDIT_CONS_NOT_STORED, EDIT_NOT_LIVE };

/* One crash: a round queued; the backend runs until the crash point
 * (steps rounds of the bus, or blk_respond() stopping at crash); the
 * frontend takes what was published; the bus detaches (journal edited);
 * a new bus takes over; every request answered once. */
static void crash(struct w *w, const char *what, enum blk_crash at, unsigned int steps,
		  enum edit edit)
{
	unsigned int i;
	bool clean, connected, edited = true, silent = true;
	RING_IDX rsp[4];

	w->base += 1000;
	w->seed += 100;
	queue_round(w);
	blk_test_crashes = 0;
	blk_test_crash = at;
	/* One completion per look: at the crash point, whatever the machine's
	 * speed, some requests are still in flight (to run again), not all
	 * answered in the first blk_respond(). */
	blk_test_reap_max = at ? 1 : 0;
	for (i = 0; i < (at ? 100u : steps) && !(at && blk_test_crashes); i++)
		xenback_bus_run_once(w->t.bus, at ? 10 : 0);
	drain(w);
	blk_test_crash = BLK_CRASH_NONE;
	blk_test_reap_max = 0;
	if (at && !blk_test_crashes)
		tap_diag("%s: the crash point was never reached", what);
	for (i = 0; i < w->nq; i++)
		rsp[i] = w->f.q[i].ring.sring->rsp_prod;
	detach(w, what);
	for (i = 0; i < w->nq; i++)
		silent &= rsp[i] == w->f.q[i].ring.sring->rsp_prod;
	if (!silent)
		tap_diag("%s: the detach published responses", what);
	clean = detach_clean(w);
	if (edit) {
		size_t len;
		struct blk_journal *j = journal_map(w, &len);
		struct blk_jqueue *jq = journal_queue(j, 0);
		struct blk_jrec *rec = last_taken(jq);

		edited = rec != NULL;
		if (rec) { /* req_cons store not done (and the record not live) */
			jq->req_cons--;
			if (edit == EDIT_NOT_LIVE)
				rec->live = 0;
		}
		munmap(j, len);
	}
	replayed = 0;
	bus_up(w);
	connected = xbt_be_state(&w->t, "qdisk", w->domid, DEV) == XENBACK_STATE_CONNECTED &&
		    xbt_error(&w->t, "qdisk", w->domid, DEV) == 0;
	wait_all(w);
	tap_ok(edited && connected && clean && silent && round_ok(w, what) &&
		       (steps || at ? replayed > 0 : replayed == 0),
	       "%s: detach answers nothing; taken over (%u replayed), every request answered "
	       "exactly once, data as written%s", what, replayed,
	       at ? " (blk_respond stopped there)" : "");
}

static void world_init(struct w *w, uint32_t domid, unsigned int nq, unsigned int order)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->domid = domid;
	w->nq = nq;
	w->order = order;
	w->seed = domid * 10000;
	w->t.sim = xenback_sim_new();
	if (!w->t.sim)
		bail("no sim");
	w->fds0 = fd_count();
	bus_up(w);
	if (sfront_attach(&w->f, &w->t, domid, DEV, img, "w", nq, order) != XENBACK_STATE_CONNECTED)
		bail("the disk did not connect");
	for (i = 0; i < 4; i++)
		xenback_sim_grant_page(w->t.sim, domid, 0, &w->ind[i], &w->ind_ref[i]);
}

static void world_fini(struct w *w)
{
	sfront_detach(&w->f, "qdisk");
	xbt_rm(&w->t, "qdisk", w->domid, DEV);
	xbt_settle(&w->t);
	sfront_release(&w->f);
	xenback_bus_free(w->t.bus);
	xenback_sim_free(w->t.sim);
}

static void crash_points(uint32_t domid, bool in_place)
{
	const char *mode = in_place ? "in place" : "io_uring";
	struct w w;

	setenv("XENBACK_BLK_INLINE", in_place ? "1" : "0", 1);
	world_init(&w, domid, 2, 1);
	w.base = 0;
	w.seed += 1;
	queue_round(&w);
	wait_all(&w);
	tap_ok(round_ok(&w, "first round"), "%s: a round before any crash is answered", mode);
	crash(&w, xbt_path("%s: requests taken, none reaped", mode), BLK_CRASH_NONE, 1, EDIT_NONE);
	crash(&w, xbt_path("%s: nothing taken yet", mode), BLK_CRASH_NONE, 0, EDIT_NONE);
	crash(&w, xbt_path("%s: after the answered mark, before the response", mode),
	      BLK_CRASH_AFTER_MARK, 0, EDIT_NONE);
	crash(&w, xbt_path("%s: after the responses, before the push", mode),
	      BLK_CRASH_BEFORE_PUSH, 0, EDIT_NONE);
	crash(&w, xbt_path("%s: after the push, before the records are cleared", mode),
	      BLK_CRASH_BEFORE_CLEAR, 0, EDIT_NONE);
	if (!in_place) { /* requests stay in flight after one round */
		crash(&w, xbt_path("%s: a request recorded, req_cons not stored", mode),
		      BLK_CRASH_NONE, 1, EDIT_CONS_NOT_STORED);
		crash(&w, xbt_path("%s: a request copied, its record not live yet", mode),
		      BLK_CRASH_NONE, 1, EDIT_NOT_LIVE);
	}
	world_fini(&w);
}

/* Refusals: a reattach that cannot be exact goes Closing with a reason and
 * answers nothing. */
static void refusal(uint32_t domid, const char *what, int want_err,
		    void (*spoil)(struct w *w), bool in_flight)
{
	struct w w;
	RING_IDX rsp0;
	long st;
	int err;

	setenv("XENBACK_BLK_INLINE", "0", 1);
	world_init(&w, domid, 1, 0);
	w.base = 0;
	queue_round(&w);
	if (in_flight) {
		xenback_bus_run_once(w.t.bus, 0); /* taken, not reaped */
	} else {
		wait_all(&w);
	}
	drain(&w);
	rsp0 = w.f.q[0].ring.sring->rsp_prod;
	detach(&w, what);
	spoil(&w);
	bus_up(&w);
	st = xbt_be_state(&w.t, "qdisk", domid, DEV);
	err = xbt_error(&w.t, "qdisk", domid, DEV);
	tap_ok(st == XENBACK_STATE_CLOSING && err == want_err && w.f.q[0].ring.sring->rsp_prod == rsp0,
	       "%s: refused (state %ld, error %d, want Closing and %d), nothing answered", what, st,
	       err, want_err);
	world_fini(&w);
}

static void no_journal(struct w *w)
{
	unlink(kept_path(w));
}

static void other_port(struct w *w)
{
	size_t len;
	struct blk_journal *j = journal_map(w, &len);

	j->ports[0]++;
	munmap(j, len);
}

static void other_ref(struct w *w)
{
	size_t len;
	struct blk_journal *j = journal_map(w, &len);

	j->refs[0][0]++;
	munmap(j, len);
}

static void lost_record(struct w *w)
{
	size_t len;
	struct blk_journal *j = journal_map(w, &len);
	struct blk_jqueue *jq = journal_queue(j, 0);
	unsigned int i;

	for (i = 0; i < jq->nslots; i++)
		if (jq->rec[i].live) {
			jq->rec[i].live = 0; /* a request consumed and in no record */
			break;
		}
	munmap(j, len);
}

/* No journal, idle ring: taken over where it stands; new I/O works. */
static void idle_fallback(uint32_t domid)
{
	struct w w;
	bool clean;

	setenv("XENBACK_BLK_INLINE", "0", 1);
	world_init(&w, domid, 1, 0);
	w.base = 0;
	queue_round(&w);
	wait_all(&w);
	detach(&w, "idle");
	clean = detach_clean(&w);
	tap_ok(access(kept_path(&w), F_OK) == 0, "the journal is kept across a detach");
	no_journal(&w);
	bus_up(&w);
	tap_ok(clean && xbt_be_state(&w.t, "qdisk", domid, DEV) == XENBACK_STATE_CONNECTED &&
		       xbt_error(&w.t, "qdisk", domid, DEV) == 0,
	       "no journal, idle ring: reattached, still Connected");
	w.base = 1000;
	w.seed += 7;
	queue_round(&w);
	wait_all(&w);
	tap_ok(round_ok(&w, "after the idle fallback"),
	       "... and the next requests are answered once each (req_cons = rsp_prod)");
	world_fini(&w);
	tap_ok(access(kept_path(&w), F_OK) < 0, "the journal file goes with the device");
}

static void set_inflight(const char *path, const char *v)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(v, f) < 0 || fclose(f))
		bail("cannot write the in-flight count");
}

static bool rsp_unchanged(struct w *w, const RING_IDX *rsp)
{
	unsigned int i;
	bool same = true;

	for (i = 0; i < w->nq; i++)
		same &= w->f.q[i].ring.sring->rsp_prod == rsp[i];
	return same;
}

/* The previous process's I/O still at the storage when the new one takes
 * the disk over: how: 0 it ends, 1 it never ends (deadline), 2 the disk
 * goes while the new process waits. */
static void drain_wait(uint32_t domid, int how)
{
	static const char *const what[] = { "the I/O ends", "the I/O never ends",
					    "the disk goes meanwhile" };
	char inflight[64];
	RING_IDX rsp[4];
	unsigned int i;
	struct w w;
	bool held;
	long st = 0;
	int err = 0;

	snprintf(inflight, sizeof(inflight), "%s/inflight", dir);
	setenv("XENBACK_BLK_INLINE", "0", 1);
	world_init(&w, domid, 2, 0);
	w.base = 0;
	queue_round(&w);
	xenback_bus_run_once(w.t.bus, 0); /* taken, not reaped */
	drain(&w);
	for (i = 0; i < w.nq; i++)
		rsp[i] = w.f.q[i].ring.sring->rsp_prod;
	detach(&w, what[how]);
	set_inflight(inflight, "       0        3\n");
	blk_test_drain_inflight = inflight;
	blk_test_drain_wait_ms = how == 1 ? 100 : 60000;
	replayed = 0;
	bus_up(&w);
	for (i = 0; i < (how == 1 ? 100u : 20u); i++) {
		xenback_bus_run_once(w.t.bus, 5);
		drain(&w);
		st = xbt_be_state(&w.t, "qdisk", domid, DEV);
		if (st != XENBACK_STATE_CONNECTED)
			break;
	}
	err = xbt_error(&w.t, "qdisk", domid, DEV);
	held = rsp_unchanged(&w, rsp) && replayed == 0;
	if (how == 0) {
		tap_ok(held && st == XENBACK_STATE_CONNECTED && err == 0,
		       "%s: reattached (Connected), nothing run again nor answered while the "
		       "storage has writes in flight", what[how]);
		set_inflight(inflight, "0 0\n");
		wait_all(&w);
		tap_ok(round_ok(&w, what[how]) && replayed > 0,
		       "%s: then every request answered once, data as written (%u run again)",
		       what[how], replayed);
	} else if (how == 1) {
		tap_ok(held && st >= XENBACK_STATE_CLOSING && err == -ETIMEDOUT,
		       "%s: the disk is shut down at the deadline (state %ld, error %d), nothing "
		       "run again nor answered", what[how], st, err);
	} else {
		tap_ok(held && st == XENBACK_STATE_CONNECTED,
		       "%s: waiting, nothing answered", what[how]);
	}
	world_fini(&w); /* how 2: torn down while the thread polls */
	blk_test_drain_inflight = NULL;
	blk_test_drain_wait_ms = 0;
	unlink(inflight);
}

/* Graceful handovers in a loop with I/O in flight. */
static void cycles(uint32_t domid, unsigned int n)
{
	struct w w;
	unsigned int i, ok = 0, clean = 0;

	setenv("XENBACK_BLK_INLINE", "0", 1);
	world_init(&w, domid, 2, 0);
	for (i = 0; i < n; i++) {
		unsigned int k;

		w.base += 1000;
		w.seed += 100;
		queue_round(&w);
		for (k = 0; k < i % 4; k++)
			xenback_bus_run_once(w.t.bus, k ? 1 : 0);
		drain(&w);
		detach(&w, "cycle");
		clean += detach_clean(&w);
		bus_up(&w);
		wait_all(&w);
		ok += round_ok(&w, xbt_path("cycle %u", i));
	}
	tap_eq(ok, n, "%u detach/reattach cycles with I/O in flight: every request answered once, data right", n);
	tap_eq(clean, n, "... and every detach returned fds, mappings and ports");
	world_fini(&w);
}

int main(void)
{
	unsigned int i;

	/* These tests hold requests in flight across rounds: completions
	 * wait for the eventfd (the io_uring image here completes within its
	 * submission, which a round would otherwise answer at once). */
	setenv("XENBACK_BLK_REAP_INLINE", "0", 1);

	if (!mkdtemp(dir) || !sfront_image(img, 1 << 20))
		bail("no state directory or image");
	for (i = 0; i < NREQ; i++)
		if (i >= 8 && i < 20 && (i < 16 || i >= 18))
			file_fill(req_image_page(i), req_pages(i), read_seed(i));
	sfront_persistent = false;
	crash_points(21, false);
	crash_points(22, true);
	sfront_persistent = true;
	crash_points(23, false);
	sfront_persistent = false;
	idle_fallback(24);
	refusal(25, "no journal, requests in flight", -ESTALE, no_journal, true);
	refusal(26, "journal about another event channel", -ESTALE, other_port, false);
	refusal(27, "journal about another ring page", -ESTALE, other_ref, false);
	refusal(28, "journal short of a consumed request", -EPROTO, lost_record, true);
	cycles(29, 20);
	drain_wait(30, 0);
	drain_wait(31, 1);
	drain_wait(32, 2);
	unlink(img);
	unlink(xbt_path("%s/lock", dir));
	rmdir(dir);
	return tap_done();
}
