/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bounce-buffer pool, one for the process: every bounce buffer, in use
 * or idle, comes from here. Page-aligned buffers in size classes, powers
 * of two from 4 KiB to 1 MiB (the largest request), each class with a free
 * list: a request takes a buffer of its class and gives it back when
 * answered, so a steady stream of requests reuses the same few buffers
 * instead of allocating (mmap, page faults) and freeing (munmap) one each.
 *
 * Bounded: the budget stage (blk_budget.c) asks for a buffer only while
 * the bytes in use stay within the daemon-wide bounce budget, and before
 * allocating, the pool frees idle buffers until idle + in use + the new
 * one fit that budget: idle memory counts in the budget too.
 *
 * Trimmed: a timer (a timerfd in the epoll set of one bus that has a
 * connected disk) runs every trim interval while anything is idle; each
 * class frees half (rounded up) of the buffers that stayed idle the whole
 * interval. A burst's buffers go back to the system within a few intervals
 * of it; buffers a steady load keeps using are never idle that long. When
 * the last connected disk goes, everything idle is freed and the timer
 * closed.
 *
 * Buffers from BLK_POOL_MMAP_MIN up are mmap()ed (freeing returns their
 * memory at once); smaller ones come from posix_memalign().
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "blk.h"

#define BLK_POOL_MMAP_MIN (128u << 10)

/* An idle buffer: its first bytes link it into its class's free list. */
struct idle {
	struct idle *next;
};

static struct {
	struct idle *head;
	unsigned int nfree;    /* on the free list */
	unsigned int min_free; /* the fewest on it since the last tick */
} cls[BLK_POOL_CLASSES];

static struct blk_pool_stats st;
static unsigned int trim_ms = BLK_POOL_TRIM_MS;

/* Buses with connected disks (how many each), the first holds the timer. */
static struct pool_bus {
	struct xenback_bus *bus;
	unsigned int users;
	struct pool_bus *next;
} *buses;
static int tfd = -1;
static bool armed;

static unsigned int class_of(size_t size)
{
	unsigned int c = 0;

	while (((size_t)BLK_PAGE << c) < size)
		c++;
	return c;
}

size_t blk_pool_class(size_t n)
{
	size_t size = BLK_PAGE;

	while (size < n && size < BLK_MAX_REQ_BYTES)
		size <<= 1;
	return size >= n ? size : 0;
}

static void buf_free(void *p, size_t size)
{
	if (size >= BLK_POOL_MMAP_MIN)
		munmap(p, size);
	else
		free(p);
	st.frees++;
}

/* The first idle buffer of class c freed. */
static void drop_one(unsigned int c)
{
	struct idle *b = cls[c].head;
	size_t size = (size_t)BLK_PAGE << c;

	cls[c].head = b->next;
	cls[c].nfree--;
	if (cls[c].min_free > cls[c].nfree)
		cls[c].min_free = cls[c].nfree;
	st.idle_bytes -= size;
	buf_free(b, size);
}

static void arm(bool on)
{
	struct itimerspec its = { 0 };

	if (tfd < 0 || armed == on)
		return;
	if (on) {
		its.it_interval.tv_sec = trim_ms / 1000;
		its.it_interval.tv_nsec = (long)(trim_ms % 1000) * 1000000;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(tfd, 0, &its, NULL) == 0)
		armed = on;
}

void *blk_pool_get(size_t size, uint64_t limit)
{
	unsigned int c = class_of(size), o;
	void *p;

	if (c >= BLK_POOL_CLASSES)
		return NULL;
	if (cls[c].head) {
		p = cls[c].head;
		cls[c].head = cls[c].head->next;
		cls[c].nfree--;
		if (cls[c].min_free > cls[c].nfree)
			cls[c].min_free = cls[c].nfree;
		st.idle_bytes -= size;
		st.hits++;
		goto out;
	}
	/* Room in the budget first: idle buffers of other classes go,
	 * the largest first. */
	for (o = BLK_POOL_CLASSES; o-- > 0;)
		while (cls[o].head && st.idle_bytes + st.used_bytes + size > limit)
			drop_one(o);
	if (size >= BLK_POOL_MMAP_MIN) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
	} else if (posix_memalign(&p, BLK_PAGE, size)) {
		return NULL;
	}
	st.allocs++;
out:
	st.used_bytes += size;
	return p;
}

void blk_pool_put(void *buf, size_t size)
{
	unsigned int c = class_of(size);
	struct idle *b = buf;

	st.used_bytes -= size;
	if (!buses || c >= BLK_POOL_CLASSES) { /* no disk left to reuse it */
		buf_free(buf, size);
		return;
	}
	b->next = cls[c].head;
	cls[c].head = b;
	cls[c].nfree++;
	st.idle_bytes += size;
	arm(true);
}

/* Each class frees half (rounded up) of what stayed idle since the last
 * tick; nothing idle: the timer stops until a buffer is put back. */
static void trim(int fd, uint32_t events, void *arg)
{
	uint64_t ticks;
	unsigned int c, n;

	(void)events;
	(void)arg;
	if (read(fd, &ticks, sizeof(ticks)) < 0) {
		/* EAGAIN: no tick yet, trim anyway */
	}
	for (c = 0; c < BLK_POOL_CLASSES; c++) {
		for (n = (cls[c].min_free + 1) / 2; n && cls[c].head; n--)
			drop_one(c);
		cls[c].min_free = cls[c].nfree;
	}
	if (!st.idle_bytes)
		arm(false);
}

static void drop_all(void)
{
	unsigned int c;

	for (c = 0; c < BLK_POOL_CLASSES; c++)
		while (cls[c].head)
			drop_one(c);
}

/* The timer goes into the first bus's epoll set (if any is left). */
static int timer_on_first(void)
{
	int r;

	if (!buses)
		return 0;
	r = xenback_bus_add_fd(buses->bus, tfd, EPOLLIN, trim, NULL);
	return r == -EEXIST ? 0 : r;
}

int blk_pool_attach(struct xenback_bus *bus)
{
	struct pool_bus *b;
	int r;

	for (b = buses; b; b = b->next) {
		if (b->bus == bus) {
			b->users++;
			return 0;
		}
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->bus = bus;
	b->users = 1;
	if (!buses) {
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (tfd < 0) {
			r = -errno;
			free(b);
			return r;
		}
		armed = false;
		b->next = NULL;
		buses = b;
		r = timer_on_first();
		if (r < 0) {
			buses = NULL;
			free(b);
			close(tfd);
			tfd = -1;
		}
		return r;
	}
	b->next = buses->next; /* the timer stays where it is */
	buses->next = b;
	return 0;
}

void blk_pool_detach(struct xenback_bus *bus)
{
	struct pool_bus **pb, *b;

	for (pb = &buses; *pb && (*pb)->bus != bus; pb = &(*pb)->next)
		;
	b = *pb;
	if (!b || --b->users)
		return;
	*pb = b->next;
	free(b);
	if (pb == &buses) { /* it held the timer */
		xenback_bus_del_fd(bus, tfd);
		if (timer_on_first() < 0) { /* cannot trim: keep nothing idle */
			while ((b = buses)) {
				buses = b->next;
				free(b);
			}
		}
	}
	if (buses)
		return;
	drop_all();
	arm(false);
	close(tfd);
	tfd = -1;
}

void blk_pool_stats(struct blk_pool_stats *s)
{
	*s = st;
}

void blk_pool_set_trim_ms(unsigned int ms)
{
	trim_ms = ms ? ms : BLK_POOL_TRIM_MS;
	if (armed) {
		armed = false;
		arm(true);
	}
}
