// SPDX-License-Identifier: LGPL-2.1-or-later
/* Simulated grant tables: shared pages, contiguous maps, Xen's errors,
 * batched copy with per-segment status, the mapped-grant count. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xenback/sim.h"
#include "platform.h"
#include "tap.h"

#define PG 4096

static struct xenback_sim *sim;
static const struct xb_gnt_ops *gnt;
static void *h;

static sigjmp_buf jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

/* Does writing to p fault? */
static int write_faults(volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	int faulted = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(jb, 1) == 0)
		*p = 1;
	else
		faulted = 1;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

static void test_share(void)
{
	void *fe[3];
	uint32_t ref[3];
	char *be;
	int ok = 1;

	for (int i = 0; i < 3; i++)
		ok &= xenback_sim_grant_page(sim, 5, 0, &fe[i], &ref[i]) == 0;
	tap_ok(ok, "frontend grants three pages");
	tap_ok(ref[0] >= 8 && ref[0] != ref[1] && ref[1] != ref[2],
	       "distinct refs, none of Xen's reserved 0-7");
	tap_ok(((uintptr_t)fe[0] & (PG - 1)) == 0, "frontend view is page-aligned");
	ok = 1;
	for (int i = 0; i < PG; i++)
		ok &= ((char *)fe[1])[i] == 0;
	tap_ok(ok, "granted page starts zeroed");
	memset(fe[0], 'a', PG);
	memset(fe[1], 'b', PG);
	memset(fe[2], 'c', PG);
	tap_eq(gnt->map(h, 5, ref, 3, true, (void **)&be), 0, "backend maps three refs");
	tap_ok(((uintptr_t)be & (PG - 1)) == 0, "mapping is page-aligned");
	tap_ok(be[0] == 'a' && be[PG - 1] == 'a' && be[PG] == 'b' &&
		       be[2 * PG] == 'c' && be[3 * PG - 1] == 'c',
	       "contiguous, in ref order, same bytes the frontend wrote");
	be[PG + 10] = 'X';
	tap_ok(((char *)fe[1])[10] == 'X', "backend writes are seen by the frontend");
	((char *)fe[2])[5] = 'Y';
	tap_ok(be[2 * PG + 5] == 'Y', "frontend writes are seen by the backend");
	tap_eq(xenback_sim_grants_mapped(sim), 3, "three grants mapped");
	tap_eq(xenback_sim_grant_end(sim, 5, ref[0]), -EBUSY, "ending a mapped grant: -EBUSY");
	tap_eq(gnt->unmap(h, be, 2), -EINVAL, "unmap with the wrong count: -EINVAL");
	tap_eq(gnt->unmap(h, be + PG, 2), -EINVAL, "unmap of a non-mapping address: -EINVAL");
	tap_eq(gnt->unmap(h, be, 3), 0, "unmap");
	tap_eq(xenback_sim_grants_mapped(sim), 0, "none mapped");
	tap_eq(gnt->unmap(h, be, 3), -EINVAL, "double unmap: -EINVAL");

	tap_eq(gnt->map(h, 5, ref, 1, false, (void **)&be), 0, "read-only map");
	tap_ok(be[0] == 'a', "readable");
	tap_ok(write_faults(be), "writing to a read-only mapping faults");
	gnt->unmap(h, be, 1);
	tap_eq(gnt->map(h, 5, &ref[0], 1, true, (void **)&be), 0, "same ref mapped twice");
	{
		char *be2;

		tap_eq(gnt->map(h, 5, &ref[0], 1, true, (void **)&be2), 0, "... second mapping");
		tap_ok(be != be2 && (be2[0] = 'Q', be[0] == 'Q'), "two views of one page");
		tap_eq(xenback_sim_grants_mapped(sim), 2, "counted per mapping");
		gnt->unmap(h, be2, 1);
	}
	gnt->unmap(h, be, 1);
	for (int i = 0; i < 3; i++)
		ok &= xenback_sim_grant_end(sim, 5, ref[i]) == 0;
	tap_ok(ok, "grants ended");
	tap_eq(xenback_sim_grant_end(sim, 5, ref[0]), -ENOENT, "ending twice: -ENOENT");
	tap_eq(gnt->map(h, 5, ref, 1, true, (void **)&be), -EINVAL, "mapping an ended ref: -EINVAL");
	xenback_sim_grant_page(sim, 5, 0, &fe[0], &ref[0]);
	tap_ok(((char *)fe[0])[0] == 0, "a reused page comes back zeroed");
	xenback_sim_grant_end(sim, 5, ref[0]);
}

static void test_errors(void)
{
	void *fe, *be = NULL;
	uint32_t ref, other, refs[2];

	xenback_sim_grant_page(sim, 6, 0, &fe, &ref);
	xenback_sim_grant_page(sim, 6, 9, &fe, &other);
	tap_eq(gnt->map(h, 6, &other, 1, true, &be), -EPERM,
	       "ref granted to another domain: -EPERM");
	tap_eq(gnt->map(h, 7, &ref, 1, true, &be), -EINVAL,
	       "right ref, wrong granting domain: -EINVAL");
	tap_eq(gnt->map(h, 6, (uint32_t[]){ 99999 }, 1, true, &be), -EINVAL,
	       "unknown ref: -EINVAL");
	refs[0] = ref;
	refs[1] = 99999;
	tap_eq(gnt->map(h, 6, refs, 2, true, &be), -EINVAL, "one bad ref fails the whole map");
	tap_eq(xenback_sim_grants_mapped(sim), 0, "and maps nothing");
	tap_eq(gnt->map(h, 6, &ref, 0, true, &be), -EINVAL, "n = 0: -EINVAL");
	tap_eq(gnt->map(h, 6, NULL, 1, true, &be), -EINVAL, "NULL refs: -EINVAL");
	tap_eq(gnt->unmap(h, NULL, 1), -EINVAL, "unmap NULL: -EINVAL");
	tap_eq(xenback_sim_grant_page(sim, 6, 0, NULL, &ref), -EINVAL, "NULL page: -EINVAL");
	xenback_sim_grant_end(sim, 6, other);
	xenback_sim_grant_end(sim, 6, ref);
}

static void test_copy(void)
{
	void *fe;
	uint32_t ref, foreign;
	char in[100], out[100];
	struct xenback_grant_copy segs[6];

	xenback_sim_grant_page(sim, 8, 3, &fe, &foreign);
	xenback_sim_grant_page(sim, 8, 0, &fe, &ref);
	memcpy(fe, "hello", 5);
	memset(in, 'z', sizeof(in));
	segs[0] = (struct xenback_grant_copy){ .domid = 8, .ref = ref, .offset = 0,
					       .len = 5, .buf = out, .status = 99 };
	segs[1] = (struct xenback_grant_copy){ .to_guest = true, .domid = 8, .ref = ref,
					       .offset = 4000, .len = 96, .buf = in,
					       .status = 99 };
	segs[2] = (struct xenback_grant_copy){ .domid = 8, .ref = 4242, .len = 1,
					       .buf = out, .status = 99 };
	segs[3] = (struct xenback_grant_copy){ .domid = 8, .ref = foreign, .len = 1,
					       .buf = out, .status = 99 };
	segs[4] = (struct xenback_grant_copy){ .domid = 8, .ref = ref, .offset = 4000,
					       .len = 97, .buf = out, .status = 99 };
	segs[5] = (struct xenback_grant_copy){ .domid = 8, .ref = ref, .len = 1,
					       .buf = NULL, .status = 99 };
	tap_eq(gnt->copy(h, segs, 6), 0, "one batched copy of six segments");
	tap_eq(segs[0].status, 0, "from guest: GNTST_okay");
	tap_ok(!memcmp(out, "hello", 5), "bytes copied from the guest page");
	tap_eq(segs[1].status, 0, "to guest at the end of the page: GNTST_okay");
	tap_ok(((char *)fe)[4000] == 'z' && ((char *)fe)[4095] == 'z' &&
		       ((char *)fe)[3999] == 0,
	       "exactly those bytes landed in the guest page");
	tap_eq(segs[2].status, -3, "unknown ref: GNTST_bad_gntref");
	tap_eq(segs[3].status, -8, "ref granted elsewhere: GNTST_permission_denied");
	tap_eq(segs[4].status, -10, "crossing the page end: GNTST_bad_copy_arg");
	tap_eq(segs[5].status, -5, "NULL buffer: GNTST_bad_virt_addr");
	tap_eq(gnt->copy(h, NULL, 1), -EINVAL, "NULL segments: -EINVAL");
	tap_eq(gnt->copy(h, segs, 0), 0, "empty batch: 0");
}

static void test_death_and_close(void)
{
	void *fe, *be;
	uint32_t r1, r2;
	struct xenback_grant_copy seg = { .domid = 11, .len = 1 };
	char c;

	xenback_sim_grant_page(sim, 11, 0, &fe, &r1);
	xenback_sim_grant_page(sim, 11, 0, &fe, &r2);
	memset(fe, 'd', PG);
	gnt->map(h, 11, &r2, 1, true, &be);
	xenback_sim_domain_destroy(sim, 11);
	tap_ok(((char *)be)[0] == 'd', "a dying domain's mapped page stays readable");
	tap_eq(xenback_sim_grants_mapped(sim), 1, "still counted as mapped");
	tap_eq(gnt->map(h, 11, &r1, 1, true, &be), -EINVAL, "its other grants are gone");
	seg.ref = r2;
	seg.buf = &c;
	gnt->copy(h, &seg, 1);
	tap_eq(seg.status, -2, "copy from a dead domain: GNTST_bad_domain");
	tap_eq(gnt->unmap(h, be, 1), 0, "unmapping it frees it");
	tap_eq(xenback_sim_grants_mapped(sim), 0, "none mapped");

	xenback_sim_grant_page(sim, 12, 0, &fe, &r1);
	gnt->map(h, 12, &r1, 1, true, &be);
	xenback_sim_platform(sim)->free(xenback_sim_platform(sim));
	tap_eq(xenback_sim_grants_mapped(sim), 0, "platform free unmaps what the backend held");
	gnt = xenback_sim_platform(sim)->gnt;
	tap_eq(xenback_sim_grant_end(sim, 12, r1), 0, "grant can be ended then");
	xenback_sim_grant_page(sim, 12, 0, &fe, &r1);
	gnt->map(h, 12, &r1, 1, true, &be); /* left for xenback_sim_free */
}

static void test_many(void)
{
	int ok = 1;
	uint32_t ref;
	void *fe, *be;

	for (int i = 0; i < 10000 && ok; i++) {
		ok &= xenback_sim_grant_page(sim, 100 + i, 0, &fe, &ref) == 0;
		ok &= gnt->map(h, 100 + i, &ref, 1, true, &be) == 0;
		*(int *)fe = i;
		ok &= *(int *)be == i;
	}
	tap_ok(ok, "10,000 domains each grant and map a page (one memfd)");
	tap_eq(xenback_sim_grants_mapped(sim), 10001, "10,001 mapped");
}

static int hooked;
static void hook(void *arg)
{
	(*(int *)arg)++;
}

/* Injected faults: a whole copy fails before any status is written; one
 * segment fails; maps fail; each only as many times as asked. */
static void test_faults(void)
{
	struct xenback_grant_copy segs[2];
	char buf[2][8];
	uint32_t ref;
	void *fe, *be;

	xenback_sim_grant_page(sim, 12, 0, &fe, &ref);
	memcpy(fe, "abcdefg", 8);
	for (int i = 0; i < 2; i++)
		segs[i] = (struct xenback_grant_copy){ .domid = 12, .ref = ref, .len = 8,
						       .buf = buf[i], .status = 77 };
	memset(buf, 0, sizeof(buf));
	xenback_sim_fail_grant_copies(sim, 1, -ENOMEM);
	tap_eq(gnt->copy(h, segs, 2), -ENOMEM, "injected whole-copy failure: -ENOMEM");
	tap_ok(segs[0].status == 77 && segs[1].status == 77 && !buf[0][0] && !buf[1][0],
	       "... no status written, nothing copied");
	tap_eq(gnt->copy(h, segs, 2), 0, "the next copy runs");
	tap_ok(!segs[0].status && !segs[1].status && !strcmp(buf[1], "abcdefg"), "... and copies");
	xenback_sim_fail_grant_copies(sim, 1, 0);
	tap_eq(gnt->copy(h, segs, 2), -EIO, "an err >= 0 becomes -EIO");
	xenback_sim_fail_grant_copy_segment(sim, 1, -1);
	tap_eq(gnt->copy(h, segs, 2), 0, "segment fault: the call succeeds");
	tap_ok(segs[0].status == 0 && segs[1].status == -1, "... segment 1 alone reports GNTST_general_error");
	gnt->copy(h, segs, 2);
	tap_ok(!segs[1].status, "a segment fault fires once");
	xenback_sim_fail_grant_maps(sim, 2, -ENOMEM);
	tap_eq(gnt->map(h, 12, &ref, 1, true, &be), -ENOMEM, "injected map failure: -ENOMEM");
	tap_eq(gnt->map(h, 12, &ref, 1, true, &be), -ENOMEM, "... twice");
	tap_eq(gnt->map(h, 12, &ref, 1, true, &be), 0, "the third map works");
	gnt->unmap(h, be, 1);
	xenback_sim_on_grant_map(sim, hook, &hooked);
	gnt->map(h, 12, &ref, 1, true, &be);
	gnt->unmap(h, be, 1);
	gnt->map(h, 12, &ref, 1, true, &be);
	gnt->unmap(h, be, 1);
	tap_eq(hooked, 1, "a map hook runs once, inside the next map");
	xenback_sim_grant_end(sim, 12, ref);
}

int main(void)
{
	sim = xenback_sim_new();
	gnt = xenback_sim_platform(sim)->gnt;
	h = xenback_sim_platform(sim)->gnt_h;
	test_share();
	test_errors();
	test_copy();
	test_faults();
	test_death_and_close();
	test_many();
	xenback_sim_free(sim);
	return tap_done();
}
