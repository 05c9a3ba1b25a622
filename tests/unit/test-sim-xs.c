// SPDX-License-Identifier: LGPL-2.1-or-later
/* The simulated xenstore tree: paths, values, directory, rm, limits,
 * request counters and fault injection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenback/sim.h"
#include "platform.h"
#include "tap.h"

static struct xenback_sim *sim;
static const struct xb_xs_ops *xs;
static void *h;

static int bread(const char *path, char **val, unsigned int *len)
{
	return xs->read(h, XB_TXN_NULL, path, val, len);
}

static int bwrite(const char *path, const char *val)
{
	return xs->write(h, XB_TXN_NULL, path, val, (unsigned int)strlen(val));
}

static int readeq(const char *path, const char *want)
{
	char *v = NULL;
	unsigned int len = 99;
	int r = bread(path, &v, &len);
	int ok = r == 0 && v && strlen(want) == len && !strcmp(v, want);

	free(v);
	return ok;
}

static char *long_path(size_t len)
{
	char *p = malloc(len + 1);

	for (size_t i = 0; i < len; i++)
		p[i] = (i % 8 == 0) ? '/' : 'a';
	p[len] = '\0';
	if (p[len - 1] == '/')
		p[len - 1] = 'b';
	return p;
}

static void test_platform(void)
{
	struct xenback_platform *p = xenback_sim_platform(sim);

	tap_ok(p && !strcmp(p->name, "sim"), "platform is named sim");
	tap_ok(p->xs && p->gnt && p->evtchn && p->free, "ops tables filled in");
	tap_ok(p->xs->read && p->xs->write && p->xs->directory && p->xs->rm &&
		       p->xs->txn_start && p->xs->txn_end && p->xs->watch &&
		       p->xs->unwatch && p->xs->fd && p->xs->read_watch &&
		       p->xs->close,
	       "every xenstore op present");
	tap_ok(p->xs->fd(p->xs_h) >= 0, "xenstore fd is an fd");
	xs = p->xs;
	h = p->xs_h;
}

static void test_values(void)
{
	char *v = NULL;
	unsigned int len = 0;
	static const char bin[] = { 'a', 'b', '\0', 'c' };

	tap_eq(xenback_sim_write(sim, "/a/b/c", "%d", 42), 0, "other-side write");
	tap_ok(xenback_sim_exists(sim, "/a") && xenback_sim_exists(sim, "/a/b"),
	       "write created the parents");
	tap_ok(readeq("/a", "") && readeq("/a/b", ""), "parents have empty values");
	tap_ok(readeq("/a/b/c", "42"), "backend reads the value, len excludes NUL");
	tap_eq(xenback_sim_read_int(sim, "/a/b/c"), 42, "read_int");
	tap_eq(xenback_sim_read_int(sim, "/a/b"), -1, "read_int of empty value is -1");
	tap_eq(xenback_sim_read_int(sim, "/nope"), -1, "read_int of absent node is -1");
	xenback_sim_write(sim, "/n", "12x");
	tap_eq(xenback_sim_read_int(sim, "/n"), -1, "read_int of non-number is -1");
	tap_eq(bread("/a/x", &v, &len), -ENOENT, "absent node: -ENOENT");
	tap_ok(xenback_sim_read(sim, "/a/x") == NULL, "other-side read of absent is NULL");

	tap_eq(bwrite("/a/b/c", "43"), 0, "backend write");
	v = xenback_sim_read(sim, "/a/b/c");
	tap_ok(v && !strcmp(v, "43"), "other side sees backend write");
	free(v);
	tap_eq(xs->write(h, XB_TXN_NULL, "/bin", bin, 4), 0, "binary value written");
	tap_eq(bread("/bin", &v, &len), 0, "binary value read");
	tap_ok(len == 4 && !memcmp(v, bin, 4) && v[4] == '\0',
	       "binary value kept with its length and a NUL after it");
	free(v);
	tap_eq(xs->write(h, XB_TXN_NULL, "/empty", NULL, 0), 0, "empty value from NULL, 0");
	tap_ok(readeq("/empty", ""), "empty value reads as \"\"");
	tap_eq(bwrite("/", "root"), 0, "the root may hold a value");
}

static void test_paths(void)
{
	char *v = NULL, *p;
	unsigned int len;
	static const char *bad[] = { "a/b", "", "/a/", "/a//b", "//", "/a b",
				     "/a\nb", "@releaseDomain", "/a.b", NULL };

	for (int i = 0; bad[i]; i++) {
		tap_eq(bread(bad[i], &v, &len), -EINVAL, "read of bad path #%d -EINVAL", i);
		tap_eq(bwrite(bad[i], "x"), -EINVAL, "write of bad path #%d -EINVAL", i);
	}
	tap_eq(bread(NULL, &v, &len), -EINVAL, "NULL path: -EINVAL");
	tap_eq(xenback_sim_write(sim, "rel", "x"), -EINVAL, "other side: relative path -EINVAL");
	tap_ok(!xenback_sim_exists(sim, "rel"), "nothing created for it");
	tap_eq(bwrite("/A-Z_az09/x-_y", "ok"), 0, "[A-Za-z0-9-_] are valid");

	p = long_path(XB_PATH_MAX);
	tap_eq(bwrite(p, "x"), 0, "path of exactly 3072 chars accepted");
	free(p);
	p = long_path(XB_PATH_MAX + 1);
	tap_eq(bwrite(p, "x"), -EINVAL, "path of 3073 chars: -EINVAL (xenstored)");
	tap_eq(bread(p, &v, &len), -EINVAL, "read of it: -EINVAL");
	free(p);

	p = malloc(XB_VALUE_MAX + 2);
	memset(p, 'v', XB_VALUE_MAX + 1);
	p[XB_VALUE_MAX + 1] = '\0';
	tap_eq(xs->write(h, 0, "/big", p, XB_VALUE_MAX + 1), -E2BIG,
	       "value of 4097 bytes: -E2BIG");
	tap_ok(!xenback_sim_exists(sim, "/big"), "not written");
	tap_eq(xs->write(h, 0, "/big", p, XB_VALUE_MAX), 0, "value of 4096 bytes accepted");
	tap_eq(xenback_sim_write(sim, "/big2", "%s", p), -E2BIG, "other side: -E2BIG too");
	free(p);
}

static void test_directory(void)
{
	char **names = NULL;
	unsigned int n = 99;
	static const char *want[] = { "zeta", "alpha", "mid" };
	int ok = 1;

	xenback_sim_write(sim, "/d/zeta", "1");
	xenback_sim_write(sim, "/d/alpha/deep", "2");
	xenback_sim_write(sim, "/d/mid", "3");
	tap_eq(xs->directory(h, XB_TXN_NULL, "/d", &names, &n), 0, "directory");
	tap_eq(n, 3, "three children");
	for (unsigned int i = 0; i < 3 && i < n; i++)
		ok &= !strcmp(names[i], want[i]);
	tap_ok(ok, "in creation order, like xenstored");
	tap_ok(names[n] == NULL, "array is NULL-terminated");
	free(names); /* one block: ASan checks the strings were inside it */
	tap_eq(xs->directory(h, XB_TXN_NULL, "/d/zeta", &names, &n), 0, "leaf directory");
	tap_eq(n, 0, "leaf has no children");
	free(names);
	tap_eq(xs->directory(h, XB_TXN_NULL, "/d/none", &names, &n), -ENOENT,
	       "directory of absent node: -ENOENT");
	tap_eq(xs->directory(h, XB_TXN_NULL, "d", &names, &n), -EINVAL, "relative: -EINVAL");
}

static void test_rm(void)
{
	xenback_sim_write(sim, "/r/a/b/c", "1");
	xenback_sim_write(sim, "/r/a/x", "2");
	xenback_sim_write(sim, "/r/keep", "3");
	tap_eq(xs->rm(h, XB_TXN_NULL, "/r/a"), 0, "backend rm of a subtree");
	tap_ok(!xenback_sim_exists(sim, "/r/a") && !xenback_sim_exists(sim, "/r/a/b/c") &&
		       !xenback_sim_exists(sim, "/r/a/x"),
	       "the whole subtree is gone");
	tap_ok(xenback_sim_exists(sim, "/r/keep"), "siblings stay");
	tap_eq(xs->rm(h, XB_TXN_NULL, "/r/a"), 0, "rm of absent node with parent: 0 (xenstored)");
	tap_eq(xs->rm(h, XB_TXN_NULL, "/r/a/b"), -ENOENT, "rm with absent parent: -ENOENT");
	tap_eq(xs->rm(h, XB_TXN_NULL, "/"), -EINVAL, "rm of / refused");
	tap_eq(xenback_sim_rm(sim, "/r/keep"), 0, "other-side rm");
	tap_eq(xenback_sim_rm(sim, "/r/keep"), -ENOENT, "other-side rm of absent: -ENOENT");
	xenback_sim_write(sim, "/r/a/b", "new");
	tap_ok(readeq("/r/a/b", "new") && readeq("/r/a", ""), "re-created afresh");
}

static void test_counters(void)
{
	char *v = NULL, *p, *t;
	char **names;
	unsigned int len, n;
	xb_txn_t txn;

	xenback_sim_reset_counters(sim);
	tap_eq(xenback_sim_requests_total(sim), 0, "counters reset");
	bread("/a", &v, &len);
	free(v);
	bread("/none", &v, &len);
	bread("bad", &v, &len);
	bwrite("/c/x", "1");
	xs->directory(h, 0, "/c", &names, &n);
	free(names);
	xs->rm(h, 0, "/c/x");
	xs->txn_start(h, &txn);
	xs->txn_end(h, txn, true);
	xs->watch(h, "/c", "tok");
	xs->unwatch(h, "/c", "tok");
	xs->fd(h);
	xs->read_watch(h, &p, &t);
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_READ), 3,
	       "reads counted, failed ones too");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_WRITE), 1, "writes");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_DIRECTORY), 1, "directories");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_RM), 1, "rms");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_TXN_START), 1, "txn starts");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_TXN_END), 1, "txn ends");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_WATCH), 1, "watches");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_UNWATCH), 1, "unwatches");
	tap_eq(xenback_sim_requests_total(sim), 10, "total; fd/read_watch are not requests");
	xenback_sim_write(sim, "/other", "x");
	free(xenback_sim_read(sim, "/other"));
	tap_eq(xenback_sim_requests_total(sim), 10, "other side is not counted");
	tap_eq(xenback_sim_requests(sim, XENBACK_SIM_NR_REQ), 0, "bad kind: 0");
	tap_ok(!strcmp(xenback_sim_req_name(XENBACK_SIM_TXN_END), "txn_end") &&
		       !strcmp(xenback_sim_req_name(XENBACK_SIM_READ), "read"),
	       "request names");
	tap_ok(xenback_sim_req_name(XENBACK_SIM_NR_REQ) != NULL, "bad kind has a name");
}

static void test_faults(void)
{
	char *v = NULL;
	unsigned int len;

	xenback_sim_fail_requests(sim, XENBACK_SIM_READ, 2, -EIO);
	tap_eq(bread("/a", &v, &len), -EIO, "injected read failure 1");
	tap_eq(bread("/a", &v, &len), -EIO, "injected read failure 2");
	tap_eq(bread("/a", &v, &len), 0, "third read succeeds");
	free(v);
	xenback_sim_fail_requests(sim, XENBACK_SIM_WRITE, 1, -ENOSPC);
	tap_eq(bwrite("/f", "1"), -ENOSPC, "injected write failure with its errno");
	tap_ok(!xenback_sim_exists(sim, "/f"), "failed write had no effect");
	tap_eq(bwrite("/f", "1"), 0, "next write succeeds");
	xenback_sim_fail_requests(sim, XENBACK_SIM_RM, 1, -EACCES);
	tap_eq(xs->rm(h, 0, "/f"), -EACCES, "injected rm failure");
	tap_ok(xenback_sim_exists(sim, "/f"), "node still there");
	tap_eq(xenback_sim_rm(sim, "/f"), 0, "other side never fails by injection");
}

static void test_domain_destroy(void)
{
	xenback_sim_write(sim, "/local/domain/7/device/vif/0/state", "4");
	xenback_sim_write(sim, "/local/domain/70/name", "other");
	tap_eq(xenback_sim_domain_destroy(sim, 7), 0, "domain_destroy");
	tap_ok(!xenback_sim_exists(sim, "/local/domain/7"), "its directory is gone");
	tap_ok(xenback_sim_exists(sim, "/local/domain/70/name"), "other domains stay");
	tap_eq(xenback_sim_domain_destroy(sim, 7), 0, "destroying it again is harmless");
}

static void test_scale(void)
{
	char path[128], **names = NULL;
	unsigned int n = 0;
	struct timespec a, b;
	double secs;
	int ok = 1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int d = 0; d < 10000; d++)
		for (int k = 0; k < 20; k++) {
			snprintf(path, sizeof(path),
				 "/local/domain/0/backend/vif/%d/0/key%d", d + 1, k);
			ok &= xenback_sim_write(sim, path, "%d", k) == 0;
		}
	for (int d = 0; d < 10000; d += 97) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%d/0/key7",
			 d + 1);
		ok &= readeq(path, "7");
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	tap_ok(ok, "10,000 devices x 20 keys written and read back");
	tap_eq(xs->directory(h, 0, "/local/domain/0/backend/vif", &names, &n), 0,
	       "directory of 10,000");
	tap_eq(n, 10000, "10,000 entries");
	free(names);
	tap_diag("200,000 writes in %.2fs", secs);
	tap_eq(xs->rm(h, 0, "/local/domain/0/backend/vif"), 0, "rm of 210,000 nodes");
}

int main(void)
{
	sim = xenback_sim_new();
	tap_ok(sim != NULL, "xenback_sim_new");
	test_platform();
	test_values();
	test_paths();
	test_directory();
	test_rm();
	test_counters();
	test_faults();
	test_domain_destroy();
	test_scale();
	/* The platform's free() is safe: the sim still owns and frees it. */
	xenback_sim_platform(sim)->free(xenback_sim_platform(sim));
	xenback_sim_free(sim);
	xenback_sim_free(NULL);
	return tap_done();
}
