/* xb-dom0cpu: Domain-0's CPU time from Xen's own accounting (libxenctrl),
 * cheap enough to sample under TCG (xl list costs 0.3-0.5 s there).
 *   xb-dom0cpu                      prints "<monotonic ns> <dom0 cpu ns>"
 *   xb-dom0cpu window <delay> <len> sleeps <delay> s, samples, sleeps <len> s,
 *                                   samples; prints "<elapsed ns> <cpu ns>"
 * Used by the xen benchmarks (tests/bench/xen/) in dom0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenctrl.h>

static xc_interface *xch;

static int sample(unsigned long long *t, unsigned long long *cpu)
{
	xc_domaininfo_t info;
	struct timespec ts;

	if (xc_domain_getinfolist(xch, 0, 1, &info) != 1 || info.domain != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*t = (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	*cpu = info.cpu_time;
	return 0;
}

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts))
		;
}

int main(int argc, char **argv)
{
	unsigned long long t0, c0, t1, c1;

	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		perror("xb-dom0cpu: xc_interface_open");
		return 1;
	}
	if (argc == 4 && !strcmp(argv[1], "window")) {
		nap(atof(argv[2]));
		if (sample(&t0, &c0))
			return 1;
		nap(atof(argv[3]));
		if (sample(&t1, &c1))
			return 1;
		printf("%llu %llu\n", t1 - t0, c1 - c0);
	} else {
		if (sample(&t0, &c0))
			return 1;
		printf("%llu %llu\n", t0, c0);
	}
	return 0;
}
