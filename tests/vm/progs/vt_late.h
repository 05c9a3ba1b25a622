/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An event that should come and has not after 5 s: what the machine is
 * doing (the threads that used the most CPU over the next second, and the
 * event-channel interrupts' counts), then a longer wait. Tests assert that
 * events are delivered, not how fast: on a busy TCG host Linux's own
 * /dev/xen/evtchn re-arm (a lateeoi, deferred to a per-CPU work item when
 * it comes in the event's own interrupt epoch) was seen to take longer
 * than 5 s. The log says how late it was.
 */
#ifndef XENBACK_VT_LATE_H
#define XENBACK_VT_LATE_H

#include <dirent.h>

#include "vmtest.h"

#define VT_LATE_FIRST_MS 5000
#define VT_LATE_TOTAL_MS 60000
#define VT_LATE_THREADS 8192

struct vt_thread_cpu {
	int tid;
	int cpu;
	unsigned long long ticks;
	char comm[20];
};

/* Every thread's utime+stime (clock ticks) and last CPU; returns the count. */
static inline int vt_threads_cpu(struct vt_thread_cpu *t, int max)
{
	DIR *pd = opendir("/proc");
	struct dirent *p;
	int n = 0;

	if (!pd)
		return 0;
	while (n < max && (p = readdir(pd)) != NULL) {
		char path[64];
		struct dirent *e;
		DIR *td;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/task", p->d_name);
		td = opendir(path);
		if (!td)
			continue;
		while (n < max && (e = readdir(td)) != NULL) {
			char buf[1024], *close_paren;
			unsigned long long ut, st;
			int cpu;
			FILE *f;

			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.20s/task/%.20s/stat", p->d_name,
				 e->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			buf[0] = 0;
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
			close_paren = strrchr(buf, ')');
			/* after "pid (comm)": state, then fields 4..; utime is
			 * field 14, stime 15, processor 39 */
			if (!close_paren ||
			    sscanf(close_paren + 2,
				   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
				   "%*d %*d %*d %*d %*d %*d %*u %*u %*d %*u %*u %*u %*u %*u %*u %*u "
				   "%*u %*u %*u %*u %*u %*u %*u %*d %d",
				   &ut, &st, &cpu) != 3)
				continue;
			t[n].tid = atoi(e->d_name);
			t[n].ticks = ut + st;
			t[n].cpu = cpu;
			snprintf(t[n].comm, sizeof(t[n].comm), "%.*s",
				 (int)(close_paren - strchr(buf, '(') - 1), strchr(buf, '(') + 1);
			n++;
		}
		closedir(td);
	}
	closedir(pd);
	return n;
}

/* The five threads that used the most CPU over one second. */
static inline void vt_busiest(void)
{
	static struct vt_thread_cpu a[VT_LATE_THREADS], b[VT_LATE_THREADS];
	int na = vt_threads_cpu(a, VT_LATE_THREADS), nb, i, j, k;

	sleep(1);
	nb = vt_threads_cpu(b, VT_LATE_THREADS);
	for (i = 0; i < nb; i++) { /* b[i].ticks becomes the second's use */
		unsigned long long before = 0;

		for (j = 0; j < na; j++)
			if (a[j].tid == b[i].tid)
				before = a[j].ticks;
		b[i].ticks = b[i].ticks >= before ? b[i].ticks - before : 0;
	}
	for (k = 0; k < 5; k++) {
		int top = -1;

		for (i = 0; i < nb; i++)
			if (b[i].ticks && (top < 0 || b[i].ticks > b[top].ticks))
				top = i;
		if (top < 0)
			break;
		tap_diag("busiest over 1 s: %s (tid %d) on cpu %d: %llu ticks of %ld", b[top].comm,
			 b[top].tid, b[top].cpu, b[top].ticks, sysconf(_SC_CLK_TCK));
		b[top].ticks = 0;
	}
}

/* /proc/interrupts' event-channel lines for user ports (evtchn:<comm>). */
static inline void vt_evtchn_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	int n = 0;

	if (!f)
		return;
	while (n < 16 && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "evtchn:") && !strstr(line, "CPU0"))
			continue;
		line[strcspn(line, "\n")] = 0;
		tap_diag("interrupts: %s", line);
		n++;
	}
	fclose(f);
}

/* The next event from /dev/xen/evtchn fd for port want (any port if want
 * < 0; others are taken and passed over): first_ms, then the machine's
 * state printed and up to VT_LATE_TOTAL_MS in all. The port, or -1. */
static inline int vt_evtchn_wait(int fd, int want, int first_ms)
{
	uint64_t t0 = vt_now_ns();
	int limit = first_ms, spent, p;

	for (;;) {
		spent = (int)((vt_now_ns() - t0) / 1000000u);
		if (spent >= limit) {
			if (limit >= VT_LATE_TOTAL_MS) {
				tap_diag("no event after %d ms", spent);
				return -1;
			}
			tap_diag("no event after %d ms; the machine meanwhile:", spent);
			vt_busiest();
			vt_evtchn_irqs();
			limit = VT_LATE_TOTAL_MS;
			continue;
		}
		p = vt_evtchn_next(fd, limit - spent);
		if (p >= 0 && (want < 0 || p == want))
			break;
	}
	if (limit != first_ms)
		tap_diag("the event came late: after %llu ms",
			 (unsigned long long)((vt_now_ns() - t0) / 1000000u));
	return p;
}

/* The next port from /dev/xen/evtchn fd, waited for as above from 5 s. */
static inline int vt_evtchn_next_late(int fd)
{
	return vt_evtchn_wait(fd, -1, VT_LATE_FIRST_MS);
}

#endif
