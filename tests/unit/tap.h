/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal TAP producer for the unit tier (kselftest-style output). */
#ifndef XENBACK_TAP_H
#define XENBACK_TAP_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

static inline void tap_plan(int n) { printf("TAP version 13\n1..%d\n", n); fflush(stdout); }

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

static inline int tap_done(void)
{
	fflush(stdout);
	return tap_failed ? 1 : 0;
}
#endif
