/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random ioctls: every command with random argument bytes, random vector
 * pointers (valid, unmapped, kernel, read-only) and random counts, on a few
 * contexts with live pairs, from THREADS threads at once (so unbinds, binds
 * and notifies of the same ports race). Nothing may crash or hang (a
 * ticker thread interrupts every thread's waits); the module must still
 * work afterwards, and the vm tier checks the kernel log and rmmod.
 * The seed is printed ("# seed N"); XB_FUZZ_SEED=N in the environment
 * replays it (each thread's sequence of calls is the seed's; how they
 * interleave is the scheduler's).
 * Raw ioctls on purpose: the point is the module's checking of raw,
 * random arguments, which the client (xenback_dev.c) never sends; the
 * contexts and the checks afterwards go through the client.
 */
#include <sys/random.h>

#include "vmtest.h"

#define THREADS 4
#define ITER    12000 /* per thread */

struct fuzzer {
	pthread_t thread;
	uint64_t rng;
	uint32_t vec[2048];
	int errors, okc[9];
	int done;
};

static uint64_t rnd(struct fuzzer *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static const unsigned long cmds[] = {
	XENBACK_IOCTL_VERSION, XENBACK_IOCTL_BIND_INTERDOMAIN, XENBACK_IOCTL_BIND_LOOPBACK,
	XENBACK_IOCTL_UNBIND, XENBACK_IOCTL_NOTIFY, XENBACK_IOCTL_SET_EVENTFD,
	XENBACK_IOCTL_SET_RING, XENBACK_IOCTL_PORT_STATS, XENBACK_IOCTL_RESTRICT_DOMID,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* Three contexts with live pairs, and what random arguments point at.
 * ports[] grows (np, atomically) with the threads' successful binds. */
static struct xb_xenback ctx[3];
static uint32_t ports[64];
static int np, efd;
static char *ro, *unmapped;
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int ticking;

static uint32_t some_port(struct fuzzer *f)
{
	int n = __atomic_load_n(&np, __ATOMIC_ACQUIRE);

	return n ? __atomic_load_n(&ports[rnd(f) % (unsigned int)n], __ATOMIC_RELAXED) : 0;
}

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
static void random_arg(struct fuzzer *f, uint8_t *arg, size_t len, unsigned long cmd,
		       void *const *ptrs)
{
	size_t j;

	for (j = 0; j < len; j++)
		arg[j] = (uint8_t)rnd(f);
	if (rnd(f) % 2) {
		uint32_t *w = (uint32_t *)arg;

		w[0] = some_port(f);
		if (cmd == XENBACK_IOCTL_NOTIFY) {
			struct xenback_notify *n = (void *)arg;

			n->eoi = (uintptr_t)ptrs[rnd(f) % 6];
			n->notify = (uintptr_t)ptrs[rnd(f) % 6];
			n->eoi_count = rnd(f) % 4 ? rnd(f) % 8 : (uint32_t)rnd(f);
			n->notify_count = rnd(f) % 4 ? rnd(f) % 8 : (uint32_t)rnd(f);
			switch (rnd(f) % 8) {
			case 0: n->flags = XENBACK_NOTIFY_WAIT; break;
			case 1: n->flags = XENBACK_NOTIFY_WAIT | XENBACK_NOTIFY_WAIT_FD; break;
			default: n->flags = rnd(f) % 16 ? 0 : (uint32_t)rnd(f);
			}
			/* an eventfd, another fd, a closed one, or garbage */
			n->wait_fd = rnd(f) % 4 ? 0 : rnd(f) % 2 ? efd : (int32_t)(rnd(f) % 8) - 1;
			if (rnd(f) % 8) /* mostly 0, so the deep paths run */
				memset(n->reserved, 0, sizeof(n->reserved));
		} else if (cmd == XENBACK_IOCTL_SET_RING) {
			struct xenback_set_ring *s = (void *)arg;

			s->flags = 0;
			s->req_prod = rnd(f) % 3 ? (uintptr_t)ptrs[rnd(f) % 6] : 0;
			s->req_cons = (uintptr_t)ptrs[rnd(f) % 6];
		} else if (cmd == XENBACK_IOCTL_SET_EVENTFD) {
			w[1] = rnd(f) % 2 ? (uint32_t)efd : (uint32_t)(rnd(f) % 8) - 1;
			w[2] = rnd(f) % 8 ? 0 : (uint32_t)rnd(f); /* flags */
			w[3] = rnd(f) % 8 ? 0 : (uint32_t)rnd(f); /* pad */
		} else if (cmd == XENBACK_IOCTL_RESTRICT_DOMID) {
			/* loopback binds ignore it; a context restricted stays usable */
			w[0] = rnd(f) % 2 ? (uint32_t)(rnd(f) % 8) : (uint32_t)rnd(f);
			w[1] = rnd(f) % 8 ? 0 : (uint32_t)rnd(f);
		} else if (cmd == XENBACK_IOCTL_BIND_LOOPBACK) {
			w[0] = rnd(f) % 2 ? (uint32_t)-1 : (uint32_t)ctx[rnd(f) % 3].fd;
			w[1] = rnd(f) % 8 ? 0 : (uint32_t)rnd(f);
		} else {
			w[1] = rnd(f) % 8 ? 0 : (uint32_t)rnd(f);
		}
	}
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	int i, j, ci;
	uint8_t arg_buf[64];
	uint32_t *vec = f->vec;

	for (i = 0; i < ITER; i++) {
		int fd = ctx[rnd(f) % 3].fd;
		unsigned long cmd = cmds[ci = (int)(rnd(f) % NCMDS)];
		void *ptrs[] = { vec, ro, unmapped, (void *)-4096L, NULL, (char *)vec + 1 };
		void *p;
		int r, n;

		random_arg(f, arg_buf, sizeof(arg_buf), cmd, ptrs);
		for (j = 0; j < (int)(sizeof(f->vec) / sizeof(f->vec[0])); j += 97)
			vec[j] = rnd(f) % 2 ? some_port(f) : (uint32_t)rnd(f);
		p = rnd(f) % 16 ? (void *)arg_buf : ptrs[rnd(f) % 6];
		r = ioctl(fd, cmd, p);
		if (r < 0 && (errno == 0 || errno > 200))
			f->errors++;
		if (r >= 0)
			f->okc[ci]++;
		if (rnd(f) % 64 == 0) { /* keep the rings drained (one consumer at a time) */
			pthread_mutex_lock(&drain_lock);
			for (j = 0; j < 3; j++)
				vt_skip(&ctx[j], 1024);
			pthread_mutex_unlock(&drain_lock);
		}
		if (cmd == XENBACK_IOCTL_BIND_LOOPBACK && r == 0 && p == arg_buf) {
			struct xenback_bind_loopback *l = (void *)arg_buf;

			n = __atomic_load_n(&np, __ATOMIC_RELAXED);
			while (n < 62 && !__atomic_compare_exchange_n(&np, &n, n + 1, false,
								      __ATOMIC_ACQ_REL,
								      __ATOMIC_RELAXED))
				;
			if (n < 62)
				__atomic_store_n(&ports[n], l->port, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Interrupts every fuzz thread's waits (per thread: a process signal
 * would reach one of them only). */
static void *ticker(void *arg)
{
	struct fuzzer *f = arg;
	int i;

	while (ticking) {
		for (i = 0; i < THREADS; i++)
			pthread_kill(f[i].thread, SIGALRM);
		usleep(5000);
	}
	return NULL;
}

static void test_fuzz(uint64_t seed)
{
	static struct fuzzer f[THREADS];
	int i, j, errors = 0, okc[9] = { 0 };
	pthread_t tick;

	for (i = 0; i < THREADS; i++) {
		/* a distinct non-zero xorshift state per thread */
		f[i].rng = (seed + (uint64_t)i * 0x9e3779b97f4a7c15ull) | 1;
		if (pthread_create(&f[i].thread, NULL, fuzz_thread, &f[i]))
			t_bail("fuzz thread");
	}
	ticking = 1;
	if (pthread_create(&tick, NULL, ticker, f))
		t_bail("ticker thread");
	/* the ticker signals the threads until all are done, none joined yet */
	for (i = 0; i < THREADS; i++)
		while (!__atomic_load_n(&f[i].done, __ATOMIC_ACQUIRE))
			usleep(10000);
	ticking = 0;
	pthread_join(tick, NULL);
	for (i = 0; i < THREADS; i++) {
		pthread_join(f[i].thread, NULL);
		errors += f[i].errors;
		for (j = 0; j < 9; j++)
			okc[j] += f[i].okc[j];
	}
	tap_diag("successes per command: version %d interdomain %d loopback %d unbind %d notify %d "
		 "eventfd %d ring %d stats %d restrict %d", okc[0], okc[1], okc[2], okc[3], okc[4],
		 okc[5], okc[6], okc[7], okc[8]);
	tap_eq(errors, 0, "%d random ioctls from %d threads at once, only sane errnos",
	       THREADS * ITER, THREADS);
}

/* The module still works afterwards: the fuzzed contexts unbind what the
 * fuzz left bound (binds outnumber the unbinds that find a port, so a
 * context may be full), then bind, notify and deliver. */
static void test_after(void)
{
	uint32_t pa, pb, i;
	int k, left[2] = { 0, 0 }, full[2];

	xb_xenback_close(&ctx[2]);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 2 * XENBACK_MAX_PORTS; i++)
			left[k] += xb_xenback_unbind(&ctx[k], XENBACK_LOOPBACK_PORT_BASE + i) == 0;
	tap_diag("loopback ports the fuzz left bound: %d and %d (of %u each at most)", left[0],
		 left[1], XENBACK_MAX_PORTS);
	for (k = 0; k < 2; k++) {
		full[k] = 0;
		while (full[k] < 2 * (int)XENBACK_MAX_PORTS &&
		       xb_xenback_bind_loopback(&ctx[k], -1, &pa, &pb) == 0)
			full[k] += 2;
		for (i = 0; i < 2 * XENBACK_MAX_PORTS; i++)
			xb_xenback_unbind(&ctx[k], XENBACK_LOOPBACK_PORT_BASE + i);
	}
	tap_ok(full[0] == (int)XENBACK_MAX_PORTS && full[1] == (int)XENBACK_MAX_PORTS,
	       "emptied, each fuzzed context binds %u ports again (%d, %d): its port count is "
	       "intact", XENBACK_MAX_PORTS, full[0], full[1]);
	tap_eq(xb_xenback_bind_loopback(&ctx[0], ctx[1].fd, &pa, &pb), 0,
	       "the module still binds after the fuzz");
	vt_skip(&ctx[1], 1024);
	xb_xenback_set_ring(&ctx[1], pb, NULL, NULL);
	xb_xenback_set_eventfd(&ctx[1], pb, -1);
	tap_eq(xb_xenback_notify(&ctx[0], pa), 0, "and notifies");
	tap_eq(xb_xenback_poll(&ctx[1], 5000), 1, "and delivers");
	xb_xenback_close(&ctx[0]);
	xb_xenback_close(&ctx[1]);
}

/* XB_FUZZ_SEED if set, else a random one. */
static uint64_t fuzz_seed(void)
{
	const char *env = getenv("XB_FUZZ_SEED");
	uint64_t seed = 0;

	if (env && *env)
		return strtoull(env, NULL, 0);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = vt_now_ns() ^ (uint64_t)getpid() << 32;
	return seed;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	uint64_t seed = fuzz_seed();

	tap_diag("seed %llu", (unsigned long long)seed);
	tap_diag("replay: XB_FUZZ_SEED=%llu (the interleaving of the %d threads is not replayed)",
		 (unsigned long long)seed, THREADS);
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waits return EINTR */
	setup();
	test_fuzz(seed);
	test_after();
	close(efd);
	return tap_done();
}
