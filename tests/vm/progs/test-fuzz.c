/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random ioctls: every command with random argument bytes, random vector
 * pointers (valid, unmapped, kernel, read-only) and random counts, on a few
 * contexts with live pairs. Nothing may crash or hang (a timer interrupts
 * waits); the module must still work afterwards, and the vm tier checks the
 * kernel log and rmmod.
 * Raw ioctls on purpose: the point is the module's checking of raw,
 * random arguments, which the client (xenback_dev.c) never sends; the
 * contexts and the checks afterwards go through the client.
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/time.h>

#include "vmtest.h"

#define ITER 30000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static const unsigned long cmds[] = {
	XENBACK_IOCTL_VERSION, XENBACK_IOCTL_BIND_INTERDOMAIN, XENBACK_IOCTL_BIND_LOOPBACK,
	XENBACK_IOCTL_UNBIND, XENBACK_IOCTL_NOTIFY, XENBACK_IOCTL_SET_EVENTFD,
	XENBACK_IOCTL_SET_RING, XENBACK_IOCTL_PORT_STATS,
};

/* Three contexts with live pairs, and what random arguments point at. */
static struct xb_xenback ctx[3];
static uint32_t ports[64], vec[2048];
static int np, efd;
static char *ro, *unmapped;

static void setup(void)
{
	uint32_t a, b;
	int i;

	for (i = 0; i < 3; i++)
		vt_open(&ctx[i]);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (i = 0; i < 16; i++)
		if (!xb_xenback_bind_loopback(&ctx[i % 3], ctx[(i + 1) % 3].fd, &a, &b)) {
			ports[np++] = a;
			ports[np++] = b;
		}
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, 4096);
}

/* Random argument bytes for cmd, mostly plausible values, so the deep paths
 * run too. */
static void random_arg(uint8_t *arg, size_t len, unsigned long cmd, void *const *ptrs)
{
	size_t j;

	for (j = 0; j < len; j++)
		arg[j] = (uint8_t)rnd();
	if (rnd() % 2) {
		uint32_t *w = (uint32_t *)arg;

		w[0] = np ? ports[rnd() % np] : 0;
		if (cmd == XENBACK_IOCTL_NOTIFY) {
			struct xenback_notify *n = (void *)arg;

			n->eoi = (uintptr_t)ptrs[rnd() % 6];
			n->notify = (uintptr_t)ptrs[rnd() % 6];
			n->eoi_count = rnd() % 4 ? rnd() % 8 : (uint32_t)rnd();
			n->notify_count = rnd() % 4 ? rnd() % 8 : (uint32_t)rnd();
			switch (rnd() % 8) {
			case 0: n->flags = XENBACK_NOTIFY_WAIT; break;
			case 1: n->flags = XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD; break;
			default: n->flags = rnd() % 16 ? 0 : (uint32_t)rnd();
			}
			/* an eventfd, another fd, a closed one, or garbage */
			n->wait_fd = rnd() % 4 ? 0 : rnd() % 2 ? efd : (int32_t)(rnd() % 8) - 1;
		} else if (cmd == XENBACK_IOCTL_SET_RING) {
			struct xenback_set_ring *s = (void *)arg;

			s->flags = 0;
			s->req_prod = rnd() % 3 ? (uintptr_t)ptrs[rnd() % 6] : 0;
			s->req_cons = (uintptr_t)ptrs[rnd() % 6];
		} else if (cmd == XENBACK_IOCTL_SET_EVENTFD) {
			w[1] = rnd() % 2 ? (uint32_t)efd : (uint32_t)(rnd() % 8) - 1;
		} else if (cmd == XENBACK_IOCTL_BIND_LOOPBACK) {
			w[0] = rnd() % 2 ? (uint32_t)-1 : (uint32_t)ctx[rnd() % 3].fd;
			w[1] = rnd() % 8 ? 0 : (uint32_t)rnd();
		} else {
			w[1] = rnd() % 8 ? 0 : (uint32_t)rnd();
		}
	}
}

static void test_fuzz(void)
{
	int i, j, errors = 0, okc[8] = { 0 }, ci;
	uint8_t arg[64];

	for (i = 0; i < ITER; i++) {
		int fd = ctx[rnd() % 3].fd;
		unsigned long cmd = cmds[ci = (int)(rnd() % (sizeof(cmds) / sizeof(cmds[0])))];
		void *ptrs[] = { vec, ro, unmapped, (void *)-4096L, NULL, (char *)vec + 1 };
		void *p;
		int r;

		random_arg(arg, sizeof(arg), cmd, ptrs);
		for (j = 0; j < (int)(sizeof(vec) / sizeof(vec[0])); j += 97)
			vec[j] = np && rnd() % 2 ? ports[rnd() % np] : (uint32_t)rnd();
		p = rnd() % 16 ? (void *)arg : ptrs[rnd() % 6];
		r = ioctl(fd, cmd, p);
		if (r < 0 && (errno == 0 || errno > 200))
			errors++;
		if (r >= 0)
			okc[ci]++;
		if (rnd() % 64 == 0) /* keep the rings drained */
			for (j = 0; j < 3; j++)
				vt_skip(&ctx[j], 1024);
		if (cmd == XENBACK_IOCTL_BIND_LOOPBACK && r == 0 && p == arg && np < 62) {
			struct xenback_bind_loopback *l = (void *)arg;

			ports[np++] = l->port;
		}
	}
	tap_diag("successes per command: version %d interdomain %d loopback %d unbind %d notify %d "
	       "eventfd %d ring %d stats %d", okc[0], okc[1], okc[2], okc[3], okc[4], okc[5],
	       okc[6], okc[7]);
	tap_eq(errors, 0, "%d random ioctls, only sane errnos", ITER);
}

/* The module still works afterwards. */
static void test_after(void)
{
	uint32_t pa, pb;

	xb_xenback_close(&ctx[2]);
	tap_eq(xb_xenback_bind_loopback(&ctx[0], ctx[1].fd, &pa, &pb), 0, "the module still binds after the fuzz");
	vt_skip(&ctx[1], 1024);
	xb_xenback_set_ring(&ctx[1], pb, NULL, NULL);
	xb_xenback_set_eventfd(&ctx[1], pb, -1);
	tap_eq(xb_xenback_notify(&ctx[0], pa), 0, "and notifies");
	tap_eq(xb_xenback_poll(&ctx[1], 5000), 1, "and delivers");
	xb_xenback_close(&ctx[0]);
	xb_xenback_close(&ctx[1]);
}

int main(void)
{
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waits return EINTR */
	setitimer(ITIMER_REAL, &it, NULL);
	setup();
	test_fuzz();
	/* ignore the timer from here on */
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	test_after();
	close(efd);
	return tap_done();
}
