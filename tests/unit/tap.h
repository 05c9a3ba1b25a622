/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Minimal TAP producer for the unit and vm tiers (kselftest-style output).
 * Include it in a test's main source file only: the counters are per file.
 *
 * "TAP version 13" is printed before main() runs; tap_done() prints the plan
 * ("1..N", N the points printed) at the end, so no test counts its points.
 * A test that dies before tap_done() leaves no plan: prove reports "No plan
 * found" and the run fails (scripts/run-tap.sh; the vm tier's parser too).
 */
#ifndef XENBACK_TAP_H
#define XENBACK_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

static void __attribute__((constructor, used)) tap_version(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

static inline __attribute__((format(printf, 2, 3))) int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* A point that could not run here: "ok N - what # SKIP why". */
static inline __attribute__((format(printf, 2, 3))) void tap_skip(const char *what,
								 const char *why, ...)
{
	va_list ap;
	printf("ok %d - %s # SKIP ", ++tap_n, what);
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ok(cond, name...) plus a diagnostic of the two values when they differ. */
#define tap_eq(got, want, ...)                                                   \
	do {                                                                     \
		long long g_ = (long long)(got), w_ = (long long)(want);         \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                              \
			printf("#   got %lld, want %lld  (%s:%d)\n", g_, w_,      \
			       __FILE__, __LINE__);                              \
	} while (0)

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* The plan, then main's exit status. A test that printed no point fails
 * (a plan "1..0" would pass as skipped). */
static inline int tap_done(void)
{
	if (!tap_n)
		tap_ok(0, "the test printed no test point");
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
#endif
