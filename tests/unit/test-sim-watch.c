// SPDX-License-Identifier: LGPL-2.1-or-later
/* Watches of the simulated xenstore: initial events, prefix matching at
 * component boundaries, rm, special paths, the pollable fd, overflow,
 * batches and unwatch. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "xenback/sim.h"
#include "platform.h"
#include "tap.h"
#include "helpers/simbus.h"

static struct xenback_sim *sim;
static const struct xb_xs_ops *xs;
static void *h;

static int readable(void)
{
	struct pollfd p = { .fd = xs->fd(h), .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Next event is exactly (path, token). */
static int next_is(const char *path, const char *token)
{
	char *p = NULL, *t = NULL;
	int r = xs->read_watch(h, &p, &t), ok;

	ok = r == 0 && !strcmp(p, path) && !strcmp(t, token);
	if (!ok)
		tap_diag("got r=%d %s %s, want %s %s", r, r ? "-" : p, r ? "-" : t,
			 path, token);
	if (r == 0) {
		free(p);
		free(t);
	}
	return ok;
}

static int empty(void)
{
	char *p, *t;

	return xs->read_watch(h, &p, &t) == -EAGAIN && !readable();
}

/* Drains the queue; returns how many events there were. */
static int drain(void)
{
	return xbt_xs_drain(xs, h);
}

static void test_initial(void)
{
	tap_ok(empty(), "queue starts empty, fd not readable");
	tap_eq(xs->watch(h, "/w/a", "tokA"), 0, "watch an absent path");
	tap_ok(readable(), "fd readable: the initial event is queued");
	tap_ok(next_is("/w/a", "tokA"), "initial event carries the watched path and token");
	tap_ok(empty(), "exactly one initial event; fd drained");
	tap_eq(xs->watch(h, "/w/a", "tokA"), -EEXIST, "same path+token again: -EEXIST");
	tap_eq(xs->watch(h, "/w/a", "tokB"), 0, "same path, other token");
	tap_ok(next_is("/w/a", "tokB"), "its initial event");
	tap_eq(xs->watch(h, "w/a", "t"), -EINVAL, "relative path: -EINVAL");
	tap_eq(xs->watch(h, "/w/a/", "t"), -EINVAL, "trailing slash: -EINVAL");
	tap_eq(xs->watch(h, "/w/a", NULL), -EINVAL, "NULL token: -EINVAL");
}

static void test_matching(void)
{
	xenback_sim_write(sim, "/w/a", "1");
	tap_ok(next_is("/w/a", "tokA") && next_is("/w/a", "tokB"),
	       "write of the watched node fires both watches, in order");
	xenback_sim_write(sim, "/w/a/b/c", "1");
	tap_ok(next_is("/w/a/b/c", "tokA"), "descendant write fires with the changed path");
	tap_ok(next_is("/w/a/b/c", "tokB"), "... for each watch");
	tap_ok(empty(), "created parents fire no extra events (xenstored)");
	xenback_sim_write(sim, "/w/ab", "1");
	xenback_sim_write(sim, "/w", "1");
	xenback_sim_write(sim, "/x", "1");
	tap_ok(empty(), "/w/ab, /w, /x do not match /w/a (component boundary)");
	tap_eq(xs->unwatch(h, "/w/a", "tokB"), 0, "unwatch tokB");
	tap_eq(xs->unwatch(h, "/w/a", "tokB"), -ENOENT, "unwatch again: -ENOENT");
	tap_eq(xs->unwatch(h, "/w/zz", "tokA"), -ENOENT, "unwatch of unknown path: -ENOENT");

	tap_eq(xs->watch(h, "/", "root"), 0, "watch /");
	tap_ok(next_is("/", "root"), "initial event of /");
	xenback_sim_write(sim, "/x/y", "1");
	tap_ok(next_is("/x/y", "root") && empty(), "/ sees every change");
	xs->write(h, 0, "/w/a", "2", 1);
	tap_ok(next_is("/w/a", "root") && next_is("/w/a", "tokA") && empty(),
	       "backend side's own writes fire its watches, ancestors first");
	tap_eq(xs->unwatch(h, "/", "root"), 0, "unwatch /");
}

static void test_rm(void)
{
	xenback_sim_write(sim, "/w/a/b/c", "1");
	xenback_sim_write(sim, "/w/a/b/d", "1");
	drain();
	tap_eq(xs->watch(h, "/w/a/b/c", "deep"), 0, "watch inside a subtree");
	tap_eq(xs->watch(h, "/w/a/b/none", "gone"), 0, "watch on an absent node in it");
	drain();
	xenback_sim_rm(sim, "/w/a/b");
	tap_ok(next_is("/w/a/b", "tokA"), "rm fires ancestors' watches with the removed path");
	tap_ok(next_is("/w/a/b/c", "deep"), "and watches on removed descendants with their path");
	tap_ok(empty(), "no event for watches on nodes that did not exist");
	xs->unwatch(h, "/w/a/b/c", "deep");
	xs->unwatch(h, "/w/a/b/none", "gone");
	xenback_sim_rm(sim, "/w/a/b");
	tap_ok(empty(), "rm of an absent node fires nothing");
	xs->rm(h, 0, "/w/a/zz");
	tap_ok(empty(), "backend rm of an absent node fires nothing");
}

static void test_special(void)
{
	tap_eq(xs->watch(h, "@releaseDomain", "rel"), 0, "watch @releaseDomain");
	tap_eq(xs->watch(h, "@introduceDomain", "intro"), 0, "watch @introduceDomain");
	tap_ok(next_is("@releaseDomain", "rel") && next_is("@introduceDomain", "intro"),
	       "special watches fire their initial event too");
	xenback_sim_write(sim, "/local/domain/5/name", "guest");
	tap_ok(next_is("@introduceDomain", "intro") && empty(),
	       "a new /local/domain/<id> fires @introduceDomain");
	xenback_sim_write(sim, "/local/domain/5/other", "x");
	tap_ok(empty(), "later writes in it do not");
	tap_eq(xs->watch(h, "/local/domain/5", "dom5"), 0, "watch the domain's node");
	drain();
	xenback_sim_domain_destroy(sim, 5);
	tap_ok(next_is("/local/domain/5", "dom5"), "domain death removes its directory");
	tap_ok(next_is("@releaseDomain", "rel") && empty(), "then fires @releaseDomain");
	xenback_sim_write(sim, "/w/a", "3");
	tap_ok(next_is("/w/a", "tokA") && empty(), "special watches ignore tree writes");
	xs->unwatch(h, "/local/domain/5", "dom5");
	xs->unwatch(h, "@introduceDomain", "intro");
}

static void test_fd_and_overflow(void)
{
	char *p, *t;

	xenback_sim_write(sim, "/w/a", "1");
	xenback_sim_write(sim, "/w/a", "2");
	tap_ok(readable(), "readable while events are queued");
	tap_ok(next_is("/w/a", "tokA"), "first");
	tap_ok(readable(), "still readable with one left");
	tap_ok(next_is("/w/a", "tokA") && empty(), "second, then not readable");
	xenback_sim_write(sim, "/w/a", "3");
	xenback_sim_write(sim, "/w/a", "4");
	xenback_sim_watch_overflow(sim);
	tap_ok(readable(), "readable after overflow (the loss must be reported)");
	tap_eq(xs->read_watch(h, &p, &t), -ENOBUFS, "read_watch: -ENOBUFS");
	tap_eq(xs->read_watch(h, &p, &t), -EAGAIN, "once: queued events were dropped");
	tap_ok(!readable(), "fd drained");
	xenback_sim_watch_overflow(sim);
	xenback_sim_write(sim, "/w/a", "5");
	tap_eq(xs->read_watch(h, &p, &t), -ENOBUFS, "-ENOBUFS comes before newer events");
	tap_ok(next_is("/w/a", "tokA") && empty(), "events after the overflow are kept");
	tap_eq(xs->read_watch(h, NULL, &t), -EINVAL, "NULL out pointer: -EINVAL");
}

static void test_batch(void)
{
	xenback_sim_batch_begin(sim);
	xenback_sim_write(sim, "/w/a/x", "1");
	xenback_sim_write(sim, "/w/a/y", "1");
	xenback_sim_write(sim, "/w/a/x", "2");
	tap_ok(empty(), "no events during a batch");
	tap_ok(xenback_sim_read_int(sim, "/w/a/x") == 2, "batched writes are in the tree");
	xenback_sim_batch_begin(sim);
	xenback_sim_rm(sim, "/w/a/y");
	xenback_sim_batch_end(sim);
	tap_ok(empty(), "nested batch: still held");
	xenback_sim_batch_end(sim);
	tap_ok(readable(), "events arrive at the end");
	tap_ok(next_is("/w/a/x", "tokA") && next_is("/w/a/y", "tokA") && empty(),
	       "once per node and watch, in order");
	xenback_sim_batch_end(sim); /* unbalanced end is harmless */
	xenback_sim_write(sim, "/w/a", "6");
	tap_ok(next_is("/w/a", "tokA"), "unbalanced batch_end ignored");
}

static void test_unwatch_drops(void)
{
	xs->watch(h, "/u", "u1");
	xs->watch(h, "/u2", "u2");
	xenback_sim_write(sim, "/u/x", "1");
	xenback_sim_write(sim, "/u2", "1");
	tap_eq(xs->unwatch(h, "/u", "u1"), 0, "unwatch with events queued");
	tap_ok(next_is("/u2", "u2") && next_is("/u2", "u2") && empty(),
	       "its queued events are discarded (xs_unwatch), others kept");
	xs->unwatch(h, "/u2", "u2");
}

static void test_counter_and_close(void)
{
	char *p, *t;
	uint64_t before = xenback_sim_watch_events(sim);

	xenback_sim_write(sim, "/w/a", "7");
	xenback_sim_write(sim, "/w/a", "8");
	tap_eq(xenback_sim_watch_events(sim), before, "queued events are not yet delivered");
	drain();
	tap_eq(xenback_sim_watch_events(sim), before + 2, "delivered events counted");
	xenback_sim_reset_counters(sim);
	tap_eq(xenback_sim_watch_events(sim), 0, "reset with the request counters");

	xenback_sim_write(sim, "/w/a", "9");
	xenback_sim_platform(sim)->free(xenback_sim_platform(sim));
	xs = xenback_sim_platform(sim)->xs;
	h = xenback_sim_platform(sim)->xs_h;
	tap_eq(xs->read_watch(h, &p, &t), -EAGAIN, "platform free dropped queued events");
	xenback_sim_write(sim, "/w/a", "10");
	tap_ok(empty(), "and the watches");
	tap_eq(xs->watch(h, "/w/a", "tokA"), 0, "the same watch can be set again");
	tap_ok(next_is("/w/a", "tokA"), "it works");
}

static void test_many_watches(void)
{
	char path[64];
	int ok = 1;

	for (int i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/local/domain/%d/device/vif/0/state", i + 1);
		ok &= xs->watch(h, path, path) == 0;
	}
	tap_ok(ok, "10,000 watches");
	tap_eq(drain(), 10000, "10,000 initial events");
	xenback_sim_write(sim, "/local/domain/4242/device/vif/0/state", "3");
	tap_ok(next_is("/local/domain/4242/device/vif/0/state",
		       "/local/domain/4242/device/vif/0/state") && empty(),
	       "a write fires only the matching one");
}

int main(void)
{
	sim = xenback_sim_new();
	xs = xenback_sim_platform(sim)->xs;
	h = xenback_sim_platform(sim)->xs_h;
	test_initial();
	test_matching();
	test_rm();
	test_special();
	test_fd_and_overflow();
	test_batch();
	test_unwatch_drops();
	test_counter_and_close();
	test_many_watches();
	xenback_sim_free(sim);
	return tap_done();
}
