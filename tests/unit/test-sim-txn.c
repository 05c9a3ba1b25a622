// SPDX-License-Identifier: LGPL-2.1-or-later
/* Transactions of the simulated xenstore: buffering, own-write
 * visibility, commit-time watches, conflicts, injected commit failures. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenback/sim.h"
#include "platform.h"
#include "tap.h"
#include "helpers/simbus.h"

static struct xenback_sim *sim;
static const struct xb_xs_ops *xs;
static void *h;

static int tread(xb_txn_t t, const char *path, const char *want)
{
	char *v = NULL;
	unsigned int len = 0;
	int r = xs->read(h, t, path, &v, &len), ok;

	if (!want)
		return r == -ENOENT;
	ok = r == 0 && !strcmp(v, want) && len == strlen(want);
	free(v);
	return ok;
}

static int twrite(xb_txn_t t, const char *path, const char *val)
{
	return xs->write(h, t, path, val, (unsigned int)strlen(val));
}

static int tdir(xb_txn_t t, const char *path, const char *want)
{
	char **names = NULL, buf[256] = "";
	unsigned int n = 0;
	int r = xs->directory(h, t, path, &names, &n);

	if (r < 0)
		return want == NULL && r == -ENOENT;
	for (unsigned int i = 0; i < n; i++) {
		strcat(buf, names[i]);
		strcat(buf, i + 1 < n ? "," : "");
	}
	free(names);
	if (!want || strcmp(buf, want))
		tap_diag("directory %s: [%s], want [%s]", path, buf, want ? want : "ENOENT");
	return want && !strcmp(buf, want);
}

/* Drains the queue; returns how many events there were. */
static int nevents(void)
{
	return xbt_xs_drain(xs, h);
}

static void test_buffering(void)
{
	xb_txn_t t = XB_TXN_NULL;
	char *p, *tok;

	xenback_sim_write(sim, "/be/old", "o");
	xenback_sim_write(sim, "/be/gone/x", "g");
	xs->watch(h, "/be", "be");
	nevents();
	tap_eq(xs->txn_start(h, &t), 0, "txn_start");
	tap_ok(t != XB_TXN_NULL, "transaction id is not XB_TXN_NULL");
	tap_eq(twrite(t, "/be/new/deep", "n"), 0, "write in a transaction");
	tap_eq(twrite(t, "/be/old", "o2"), 0, "overwrite in a transaction");
	tap_eq(xs->rm(h, t, "/be/gone"), 0, "rm in a transaction");
	tap_ok(!xenback_sim_exists(sim, "/be/new"), "others do not see buffered writes");
	tap_ok(tread(XB_TXN_NULL, "/be/old", "o"), "nor do backend reads outside it");
	tap_ok(xenback_sim_exists(sim, "/be/gone/x"), "nor the buffered rm");
	tap_ok(tread(t, "/be/new/deep", "n"), "the transaction reads its own write");
	tap_ok(tread(t, "/be/new", ""), "and the parent it creates");
	tap_ok(tread(t, "/be/old", "o2"), "its own overwrite");
	tap_ok(tread(t, "/be/gone", NULL) && tread(t, "/be/gone/x", NULL),
	       "its own rm, subtree included");
	tap_ok(tdir(t, "/be", "old,new"), "directory sees buffered creation and rm");
	tap_ok(tdir(t, "/be/gone", NULL), "directory of a removed node: -ENOENT");
	tap_ok(tdir(XB_TXN_NULL, "/be", "old,gone"), "outside: the tree as it is");
	tap_eq(twrite(t, "/be/gone/y", "again"), 0, "write below the removed node");
	tap_ok(tread(t, "/be/gone", "") && tdir(t, "/be/gone", "y"),
	       "re-creates it empty, old children still gone");
	tap_eq(xs->read_watch(h, &p, &tok), -EAGAIN, "no watch event before the commit");
	tap_eq(xs->txn_end(h, t, false), 0, "commit");
	tap_ok(tread(0, "/be/new/deep", "n") && tread(0, "/be/old", "o2") &&
		       tread(0, "/be/gone/y", "again") && tread(0, "/be/gone/x", NULL),
	       "commit applied every operation in order");
	tap_eq(nevents(), 4, "events at commit: new/deep, old, gone (rm), gone/y");
	tap_eq(xs->txn_end(h, t, false), -ENOENT, "the id is gone after commit");
	tap_ok(tread(t, "/be/old", NULL), "read with a finished id: -ENOENT");
	tap_eq(twrite(12345, "/be/x", "1"), -ENOENT, "unknown transaction: -ENOENT");
}

static void test_dedup_and_abort(void)
{
	xb_txn_t t;

	xs->txn_start(h, &t);
	twrite(t, "/be/k", "1");
	twrite(t, "/be/k", "2");
	twrite(t, "/be/k", "3");
	tap_eq(xs->txn_end(h, t, false), 0, "commit of three writes to one node");
	tap_eq(nevents(), 1, "one event per node and watch (xenstored)");
	tap_ok(tread(0, "/be/k", "3"), "last write wins");

	xs->txn_start(h, &t);
	twrite(t, "/be/k", "aborted");
	xs->rm(h, t, "/be/old");
	tap_eq(xs->txn_end(h, t, true), 0, "abort");
	tap_ok(tread(0, "/be/k", "3") && tread(0, "/be/old", "o2"), "abort discards everything");
	tap_eq(nevents(), 0, "and fires nothing");
	xs->txn_start(h, &t);
	tap_eq(xs->rm(h, t, "/be/none/deeper"), -ENOENT, "rm with absent parent: -ENOENT");
	tap_eq(xs->rm(h, t, "/be/none"), 0, "rm of absent node, parent exists: 0");
	tap_eq(xs->txn_end(h, t, false), 0, "empty commit succeeds");
}

static void test_conflicts(void)
{
	xb_txn_t t, t2;

	xs->txn_start(h, &t);
	tap_ok(tread(t, "/be/k", "3"), "txn reads /be/k");
	twrite(t, "/be/out", "1");
	xenback_sim_write(sim, "/be/k", "changed");
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "node read then changed: -EAGAIN");
	tap_ok(!xenback_sim_exists(sim, "/be/out"), "nothing applied");
	nevents();

	xs->txn_start(h, &t);
	twrite(t, "/be/k", "mine");
	xenback_sim_write(sim, "/be/k", "theirs");
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "node written by both: -EAGAIN");
	tap_ok(tread(0, "/be/k", "theirs"), "the other side's value stays");

	xs->txn_start(h, &t);
	xenback_sim_write(sim, "/be/k", "before-first-access");
	tap_ok(tread(t, "/be/k", "before-first-access"), "txn reads after the change");
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "changed after start, before first access: -EAGAIN");

	xs->txn_start(h, &t);
	xenback_sim_rm(sim, "/be/old");
	tap_ok(tread(t, "/be/old", NULL), "txn finds the node deleted after it started");
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "deleted after start: -EAGAIN (tombstone)");

	xs->txn_start(h, &t);
	tap_ok(tread(t, "/be/later", NULL), "txn reads an absent node");
	xenback_sim_write(sim, "/be/later", "1");
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "created since: -EAGAIN");

	xs->txn_start(h, &t);
	tap_ok(tread(t, "/be/k", "before-first-access"), "txn reads /be/k");
	twrite(t, "/be/k2", "x");
	xenback_sim_write(sim, "/other/node", "1");
	xenback_sim_write(sim, "/be/k2", "pre");
	xenback_sim_rm(sim, "/be/later");
	nevents();
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "overwriting a node changed meanwhile: -EAGAIN");
	xs->txn_start(h, &t);
	tap_ok(tread(t, "/be/k", "before-first-access"), "txn reads /be/k again");
	twrite(t, "/be/k2", "x");
	xenback_sim_write(sim, "/other/node", "2");
	tap_eq(xs->txn_end(h, t, false), 0, "unrelated changes do not conflict");
	tap_ok(tread(0, "/be/k2", "x"), "applied");

	xs->txn_start(h, &t);
	xs->txn_start(h, &t2);
	tap_ok(t != t2, "concurrent transactions get distinct ids");
	tread(t, "/be/k2", "x");
	tread(t2, "/be/k2", "x");
	twrite(t, "/be/k2", "t1");
	twrite(t2, "/be/k2", "t2");
	tap_eq(xs->txn_end(h, t, false), 0, "first of two racing transactions commits");
	tap_eq(xs->txn_end(h, t2, false), -EAGAIN, "the second loses the race");
	tap_ok(tread(0, "/be/k2", "t1"), "first one's value");

	xs->txn_start(h, &t);
	twrite(t, "/be/newdir/a", "1");
	xenback_sim_write(sim, "/be/sibling", "1");
	tap_eq(xs->txn_end(h, t, false), -EAGAIN,
	       "creating a child of a node whose children changed: -EAGAIN");
	nevents();
}

static void test_injection(void)
{
	xb_txn_t t;
	int ok = 1;

	xenback_sim_fail_commits(sim, 2);
	for (int i = 0; i < 3; i++) {
		xs->txn_start(h, &t);
		twrite(t, "/be/inj", i == 2 ? "done" : "no");
		ok &= xs->txn_end(h, t, false) == (i < 2 ? -EAGAIN : 0);
	}
	tap_ok(ok, "fail_commits(2): two commits -EAGAIN, the third succeeds");
	tap_ok(tread(0, "/be/inj", "done"), "only the successful commit applied");
	xenback_sim_fail_commits(sim, 1);
	xs->txn_start(h, &t);
	tap_eq(xs->txn_end(h, t, true), 0, "an abort does not consume an injected failure");
	xs->txn_start(h, &t);
	tap_eq(xs->txn_end(h, t, false), -EAGAIN, "the next commit does");

	xenback_sim_fail_requests(sim, XENBACK_SIM_TXN_START, 1, -EAGAIN);
	t = 77;
	tap_eq(xs->txn_start(h, &t), -EAGAIN, "injected txn_start failure");
	xs->txn_start(h, &t);
	twrite(t, "/be/io", "1");
	xenback_sim_fail_requests(sim, XENBACK_SIM_TXN_END, 1, -EIO);
	tap_eq(xs->txn_end(h, t, false), -EIO, "injected txn_end failure");
	tap_ok(tread(0, "/be/io", NULL), "the transaction was not applied");
	tap_eq(xs->txn_end(h, t, false), -ENOENT, "and its id is gone");
	xenback_sim_fail_requests(sim, XENBACK_SIM_WRITE, 1, -ENOSPC);
	xs->txn_start(h, &t);
	tap_eq(twrite(t, "/be/w", "1"), -ENOSPC, "injected write failure in a txn");
	tap_eq(xs->txn_end(h, t, false), 0, "commit");
	tap_ok(tread(0, "/be/w", NULL), "the failed write was not buffered");
	nevents();
}

static void test_close(void)
{
	xb_txn_t t;

	xs->txn_start(h, &t);
	twrite(t, "/be/leak", "1");
	xenback_sim_platform(sim)->free(xenback_sim_platform(sim));
	tap_ok(!xenback_sim_exists(sim, "/be/leak"),
	       "platform free drops open transactions (ASan: no leak)");
	xs = xenback_sim_platform(sim)->xs;
	tap_eq(xs->txn_end(h, t, false), -ENOENT, "their ids are gone");
	xs->txn_start(h, &t); /* left open for xenback_sim_free */
	twrite(t, "/be/leak2", "1");
}

int main(void)
{
	sim = xenback_sim_new();
	xs = xenback_sim_platform(sim)->xs;
	h = xenback_sim_platform(sim)->xs_h;
	test_buffering();
	test_dedup_and_abort();
	test_conflicts();
	test_injection();
	test_close();
	xenback_sim_free(sim);
	return tap_done();
}
