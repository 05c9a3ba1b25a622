/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Concurrency and lifetime races of xenback.ko (issue 12):
 *   sleepers  a thread asleep in NOTIFY's wait (plain, or WAIT_FD) while
 *             another closes its fd, unbinds its port, or closes the peer
 *             context: the sleeper returns (a result or an error), the
 *             contexts go when their last user does;
 *   unbind    UNBIND against NOTIFY/re-arm (and eventfd, ring, stats) of
 *             the same ports from other threads, thousands of rounds: every
 *             port is unbound exactly once, the per-context port count is
 *             intact afterwards;
 *   genl      `xenbackctl stats` dumps in a loop while contexts are bound,
 *             unbound and closed under them;
 *   wait_fd   files with two wait queues (a FIFO), with more (up to eight:
 *             xb_pollq.ko, a test device, tests/vm/pollq; no stock file of
 *             Debian's 6.1 uses more than two), whose queues are freed
 *             with POLLFREE under the sleeper (xb_pollq.ko again: on this
 *             kernel only signalfd and binder do that, signalfd to the
 *             poller's own sighand, which outlives its wait), signalfds
 *             (the thread that made it gone, the process exiting under the
 *             waiter, and a signalfd in a watched epoll set whose sighand
 *             is freed: POLLFREE on epoll's entry);
 *   access    a process without root (uid/gid 65534, no capabilities)
 *             cannot open /dev/xenback nor dump the statistics.
 * Nothing here asserts a time: "returned" means within 20 s (a hang
 * otherwise). Leaks: xenback.ko's refcnt (one per context file) back where
 * it was, and the genl dump empty at the end; the vm tier checks the
 * kernel log and rmmod, the vm-debug tier kmemleak.
 */
#include <grp.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "tests/vm/pollq/xb_pollq.h"
#include "vmtest.h"

#define CTL "/bin/xenbackctl"

/* ------------------------------------------------------------ raw calls */

static int raw_notify(int fd, const uint32_t *eoi, unsigned int ne, const uint32_t *ntf,
		      unsigned int nn)
{
	struct xenback_notify n = {
		.eoi = (uintptr_t)eoi,
		.notify = (uintptr_t)ntf,
		.eoi_count = ne,
		.notify_count = nn,
	};

	return t_ret(ioctl(fd, XENBACK_IOCTL_NOTIFY, &n));
}

/* A loopback pair: *port in fd's context, *peer_port in peer_fd's (-1: fd's). */
static int raw_pair(int fd, int peer_fd, uint32_t *port, uint32_t *peer_port)
{
	struct xenback_bind_loopback l = { .peer_fd = peer_fd };
	int r = t_ret(ioctl(fd, XENBACK_IOCTL_BIND_LOOPBACK, &l));

	*port = r ? 0 : l.port;
	*peer_port = r ? 0 : l.peer_port;
	return r;
}

static int raw_unbind(int fd, uint32_t port)
{
	struct xenback_unbind u = { .port = port };

	return t_ret(ioctl(fd, XENBACK_IOCTL_UNBIND, &u));
}

static int raw_set_eventfd(int fd, uint32_t port, int efd)
{
	struct xenback_set_eventfd s = { .port = port, .fd = efd };

	return t_ret(ioctl(fd, XENBACK_IOCTL_SET_EVENTFD, &s));
}

static void xwrite64(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		t_bail("write an eventfd");
}

static uint32_t rnd32(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* A child's exit status, waiting at most 20 s (then it is killed: -1). */
static int wait_child(pid_t pid)
{
	int i, st;

	for (i = 0; i < 2000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* ------------------------------------------------------------ sleepers */

/* The sleeper's own fd closed under it: its ioctl keeps the context; an
 * event from the peer still wakes it; the context goes when it returns. */
static void test_close_own_fd(void)
{
	struct xenback_port_stats st;
	struct vt_sleeper s;
	struct xb_xenback y;
	int fd, base = vt_module_refcnt(), held;
	uint32_t a, b;
	bool asleep, returned;

	fd = open(XB_DEV, O_RDWR | O_CLOEXEC);
	vt_open(&y);
	if (fd < 0 || raw_pair(y.fd, fd, &b, &a))
		t_bail("close_own_fd setup");
	asleep = vt_sleeper_start(&s, fd, -1, true);
	close(fd);
	held = vt_module_refcnt();
	tap_ok(asleep && held == base + 2,
	       "close() of the fd a thread sleeps on in NOTIFY: its ioctl still holds the context "
	       "(refcnt %d, %d before)",
	       held, base);
	tap_eq(xb_xenback_notify(&y, b), 0, "the peer notifies the closed fd's port");
	returned = vt_sleeper_join(&s);
	tap_ok(returned && s.ret == 1, "and the sleeper returns 1 pending (%d)", s.ret);
	tap_eq(vt_module_refcnt(), base + 1, "the closed context went when the sleeper returned");
	tap_eq(xb_xenback_notify(&y, b), 0, "the peer's port is left disconnected: notify 0");
	xb_xenback_port_stats(&y, b, &st);
	tap_eq(st.notifies, 2, "and still counts its notifies");
	xb_xenback_close(&y);
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
}

/* UNBIND of the port a sleeper waits for, from another thread. */
static void test_unbind_under_sleeper(void)
{
	struct xb_xenback x, y;
	struct vt_sleeper s;
	uint32_t a, b, c, d;
	int e, base = vt_module_refcnt();
	bool asleep, returned;

	vt_open(&x);
	vt_open(&y);
	vt_pair(&x, &y, &a, &b);
	e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	asleep = vt_sleeper_start(&s, x.fd, e, true);
	tap_ok(asleep && xb_xenback_unbind(&x, a) == 0,
	       "UNBIND of the port a thread waits for (NOTIFY WAIT_FD): 0");
	tap_eq(xb_xenback_notify(&y, b), 0, "the peer's notify then goes nowhere");
	xwrite64(e, 1);
	returned = vt_sleeper_join(&s);
	tap_ok(returned && s.ret == XENBACK_NOTIFY_FD_READY,
	       "the sleeper returns when its wait_fd is written: FD_READY, nothing pending (0x%x)",
	       (unsigned int)s.ret);
	/* plain WAIT: only a signal or another port can end it */
	vt_pair(&x, &y, &c, &d);
	asleep = vt_sleeper_start(&s, x.fd, -1, true);
	tap_ok(asleep && xb_xenback_unbind(&x, c) == 0 && xb_xenback_unbind(&y, d) == 0,
	       "both ends of the last pair unbound under a plain-WAIT sleeper");
	vt_sleeper_interrupt(&s);
	tap_eq(s.ret, -EINTR, "a signal ends its wait: EINTR");
	tap_eq(xb_xenback_avail(&x), 0, "and its ring holds nothing");
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	close(e);
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
}

/* The peer context closes while the sleeper waits. */
static void test_peer_close_under_sleeper(void)
{
	struct xb_xenback x, y, z;
	struct vt_sleeper s;
	uint32_t a, b, c, d, got = 0;
	int base = vt_module_refcnt();
	bool asleep, returned;

	vt_open(&x);
	vt_open(&y);
	vt_pair(&x, &y, &a, &b);
	asleep = vt_sleeper_start(&s, x.fd, -1, true);
	xb_xenback_close(&y);
	tap_ok(asleep && vt_module_refcnt() == base + 1,
	       "the peer context closed while a thread sleeps on the other end (refcnt %d)",
	       vt_module_refcnt());
	tap_eq(xb_xenback_notify(&x, a), 0, "the sleeper's side notifies its orphaned port: 0");
	vt_open(&z);
	vt_pair(&x, &z, &c, &d);
	tap_eq(xb_xenback_notify(&z, d), 0,
	       "a new peer binds to the sleeper's context and notifies");
	returned = vt_sleeper_join(&s);
	tap_ok(returned && s.ret == 1, "the sleeper returns 1 pending (%d)", s.ret);
	xb_xenback_take(&x, &got, 1);
	tap_eq(got, c, "the new pair's port");
	xb_xenback_close(&x);
	xb_xenback_close(&z);
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
}

/* Teardown in every order under a sleeper, with the peer flooding. */
#define TEARDOWN_ITER 300

struct teardown {
	int x, y;
	uint32_t a, b; /* a in x, b in y */
	volatile int stop;
	int bad; /* flooder results other than 0, EINVAL, EBADF */
	long sent;
};

static void *flood_peer(void *arg)
{
	struct teardown *t = arg;
	int r;

	while (!t->stop) {
		r = raw_notify(t->y, NULL, 0, &t->b, 1);
		if (r == -EBADF)
			break;
		if (r && r != -EINVAL)
			t->bad++;
		__atomic_store_n(&t->sent, t->sent + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_teardown_orders(void)
{
	int i, k, e, e2, base = vt_module_refcnt(), hung = 0, bad = 0, fbad = 0;
	int res[5] = { 0 }; /* FD_READY, 1 (|FD_READY), EINTR, EBADF, other */
	long sent = 0;

	for (i = 0; i < TEARDOWN_ITER; i++) {
		struct teardown t = { .x = -1, .y = -1 };
		bool plain = i % 3 == 0, x_open = true, y_open = true;
		struct vt_sleeper s;
		pthread_t f;
		int order = i % 6;

		t.x = open(XB_DEV, O_RDWR | O_CLOEXEC);
		t.y = open(XB_DEV, O_RDWR | O_CLOEXEC);
		e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		e2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t.x < 0 || t.y < 0 || e < 0 || e2 < 0 || raw_pair(t.y, t.x, &t.b, &t.a))
			t_bail("teardown setup");
		/* odd rounds: the flood goes to an eventfd, the sleeper is not woken by it */
		if (i % 2 && raw_set_eventfd(t.x, t.a, e2))
			t_bail("teardown eventfd");
		vt_sleeper_start(&s, t.x, plain ? -1 : e, i % 4 != 0);
		if (pthread_create(&f, NULL, flood_peer, &t))
			t_bail("teardown flooder");
		/* the teardown starts once the flood is under way */
		for (k = 0; k < 1000 && __atomic_load_n(&t.sent, __ATOMIC_ACQUIRE) < 1 + i % 8; k++)
			usleep(100);
		/* three steps in one of six orders: unbind a, close x, close y */
		for (k = 0; k < 3; k++) {
			switch ((order + k * (1 + order % 2)) % 3) {
			case 0:
				if (x_open && raw_unbind(t.x, t.a))
					bad++;
				break;
			case 1:
				close(t.x);
				x_open = false;
				break;
			case 2:
				close(t.y);
				y_open = false;
				break;
			}
		}
		if (x_open)
			close(t.x);
		if (y_open)
			close(t.y);
		if (plain) {
			vt_sleeper_interrupt(&s);
		} else {
			xwrite64(e, 1);
			hung += !vt_sleeper_join(&s);
		}
		if (s.ret == XENBACK_NOTIFY_FD_READY)
			res[0]++;
		else if ((s.ret & ~XENBACK_NOTIFY_FD_READY) == 1 && i % 2 == 0)
			res[1]++;
		else if (s.ret == -EINTR && plain)
			res[2]++;
		else if (s.ret == -EBADF)
			res[3]++;
		else
			res[4]++;
		t.stop = 1;
		pthread_join(f, NULL);
		fbad += t.bad;
		sent += t.sent;
		close(e);
		close(e2);
	}
	tap_diag("sleeper results: FD_READY %d, 1 pending %d, EINTR %d, EBADF %d, other %d; "
		 "%ld notifies from the flooders",
		 res[0], res[1], res[2], res[3], res[4], sent);
	tap_ok(hung == 0 && res[4] == 0 && bad == 0 && fbad == 0,
	       "%d rounds of UNBIND, close of the sleeper's fd and of the peer's, in six orders, "
	       "under a sleeper and a flooding peer: every sleeper returned, only expected results "
	       "(hung %d, unexpected %d, unbind errors %d, flooder errors %d)",
	       TEARDOWN_ITER, hung, res[4], bad, fbad);
	tap_eq(vt_module_refcnt(), base, "every context of those rounds released (refcnt %d)",
	       base);
}

/* ------------------------------------------------------------ unbind vs notify */

#define SLOTS 64
#define REBINDS 3000
#define NOTIFIERS 2

struct churn {
	struct xb_xenback x, y;
	uint32_t slot[SLOTS]; /* ports of x, 0 none */
	uint32_t yslot[SLOTS]; /* y's ends of cross pairs (binder only) */
	uint32_t sring[2] __attribute__((aligned(8)));
	int efd;
	volatile int stop;
	/* counted with atomics */
	long binds_x, binds_y, unbinds_y, unbind_ok, unbind_einval, notify_ok, notify_einval;
	long other_ok, bad, bad_errno[4]; /* the first unexpected results */
	long taken;
};

static void add(long *c, long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void count_bad(struct churn *c, int r)
{
	long n = __atomic_fetch_add(&c->bad, 1, __ATOMIC_RELAXED);

	if (n < 4)
		c->bad_errno[n] = r;
}

/* A call's result: 0 and EINVAL (a port another thread unbound) counted,
 * anything else a bad one. */
static void tally(struct churn *c, int r, long *ok, long *einval)
{
	if (r == 0)
		add(ok, 1);
	else if (r == -EINVAL)
		add(einval, 1);
	else
		count_bad(c, r);
}

static void count_unbind(struct churn *c, int r)
{
	tally(c, r, &c->unbind_ok, &c->unbind_einval);
}

/* Rebinds slots: unbind what a slot pair holds, bind a new pair there. */
static void *churn_binder(void *arg)
{
	struct churn *c = arg;
	uint64_t seed = 0x1234567;
	uint32_t a, b, old;
	int it, i, k;

	for (it = 0; it < REBINDS; it++) {
		i = (int)(rnd32(&seed) % SLOTS) & ~1;
		for (k = 0; k < 2; k++) {
			old = __atomic_exchange_n(&c->slot[i + k], 0, __ATOMIC_ACQ_REL);
			if (old)
				count_unbind(c, raw_unbind(c->x.fd, old));
		}
		if (c->yslot[i]) {
			k = raw_unbind(c->y.fd, c->yslot[i]);
			if (k)
				count_bad(c, k);
			add(&c->unbinds_y, 1);
			c->yslot[i] = 0;
		}
		if (it % 2) { /* both ends in x */
			k = raw_pair(c->x.fd, -1, &a, &b);
			if (k) {
				count_bad(c, k);
				continue;
			}
			add(&c->binds_x, 2);
		} else { /* a in x, b in y */
			k = raw_pair(c->x.fd, c->y.fd, &a, &b);
			if (k) {
				count_bad(c, k);
				continue;
			}
			add(&c->binds_x, 1);
			add(&c->binds_y, 1);
			c->yslot[i] = b;
			b = 0;
		}
		__atomic_store_n(&c->slot[i], a, __ATOMIC_RELEASE);
		__atomic_store_n(&c->slot[i + 1], b, __ATOMIC_RELEASE);
	}
	c->stop = 1;
	return NULL;
}

/* A second unbinder on the same slots: a port is unbound by one of them. */
static void *churn_unbinder(void *arg)
{
	struct churn *c = arg;
	uint64_t seed = 0x7654321;
	uint32_t p;
	int i;

	while (!c->stop) {
		i = (int)(rnd32(&seed) % SLOTS);
		p = __atomic_load_n(&c->slot[i], __ATOMIC_ACQUIRE);
		if (!p || rnd32(&seed) % 4) {
			sched_yield();
			continue;
		}
		count_unbind(c, raw_unbind(c->x.fd, p));
		__atomic_compare_exchange_n(&c->slot[i], &p, 0, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Re-arm and notify vectors of slot ports (some stale), and now and then
 * an eventfd, a ring registration or the statistics of one. */
static void *churn_notifier(void *arg)
{
	struct churn *c = arg;
	uint64_t seed = (uintptr_t)&seed ^ 0x9e3779b97f4a7c15ull;
	struct xenback_set_ring sr;
	struct xenback_port_stats st;
	uint32_t eoi[8], ntf[8], p;
	unsigned int ne, nn, j;
	int r;

	while (!c->stop) {
		ne = rnd32(&seed) % 9;
		nn = rnd32(&seed) % 9;
		for (j = 0; j < ne; j++)
			eoi[j] = c->slot[rnd32(&seed) % SLOTS] |
				 (rnd32(&seed) % 4 ? 0 : XENBACK_EOI_SPURIOUS);
		for (j = 0; j < nn; j++)
			ntf[j] = c->slot[rnd32(&seed) % SLOTS];
		tally(c, raw_notify(c->x.fd, eoi, ne, ntf, nn), &c->notify_ok, &c->notify_einval);
		p = c->slot[rnd32(&seed) % SLOTS];
		switch (rnd32(&seed) % 16) {
		case 0:
			r = raw_set_eventfd(c->x.fd, p, rnd32(&seed) % 2 ? c->efd : -1);
			break;
		case 1:
			sr = (struct xenback_set_ring){ .port = p };
			if (rnd32(&seed) % 2) {
				sr.req_prod = (uintptr_t)&c->sring[0];
				sr.req_cons = (uintptr_t)&c->sring[1];
			}
			r = t_ret(ioctl(c->x.fd, XENBACK_IOCTL_SET_RING, &sr));
			break;
		case 2:
			r = xb_xenback_port_stats(&c->x, p, &st);
			break;
		default:
			continue;
		}
		if (r == 0)
			add(&c->other_ok, 1);
		else if (r != -EINVAL)
			count_bad(c, r);
	}
	return NULL;
}

/* Consumes both rings and re-arms what it took (stale ports: EINVAL). */
static void *churn_drainer(void *arg)
{
	struct churn *c = arg;
	struct xb_xenback *ctx[2] = { &c->x, &c->y };
	uint32_t got[64];
	int n, j, k, r;

	while (!c->stop) {
		for (k = 0; k < 2; k++) {
			n = xb_xenback_take(ctx[k], got, 64);
			for (j = 0; j < n; j++) {
				r = xb_xenback_rearm(ctx[k], got[j], false);
				if (r && r != -EINVAL)
					count_bad(c, r);
			}
			add(&c->taken, n > 0 ? n : 0);
		}
		sched_yield();
	}
	return NULL;
}

/* Unbinds every loopback port a context may hold; returns how many were bound. */
static long sweep(struct xb_xenback *x)
{
	long n = 0;
	uint32_t i;

	for (i = 0; i < 2 * XENBACK_MAX_PORTS; i++)
		n += xb_xenback_unbind(x, XENBACK_LOOPBACK_PORT_BASE + i) == 0;
	return n;
}

/* Binds same-context pairs until refused; returns the ports bound, *err the
 * refusal. */
static int fill(struct xb_xenback *x, int *err)
{
	uint32_t a, b;
	int n = 0;

	while ((*err = xb_xenback_bind_loopback(x, -1, &a, &b)) == 0 &&
	       n < 2 * (int)XENBACK_MAX_PORTS)
		n += 2;
	return n;
}

static void test_unbind_vs_notify(void)
{
	pthread_t t[3 + NOTIFIERS];
	struct churn *c = calloc(1, sizeof(*c));
	long sx, sy, unbound;
	int i, nx, ny, ex, ey, base = vt_module_refcnt();

	if (!c)
		t_bail("calloc");
	vt_open(&c->x);
	vt_open(&c->y);
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pthread_create(&t[0], NULL, churn_binder, c) ||
	    pthread_create(&t[1], NULL, churn_unbinder, c) ||
	    pthread_create(&t[2], NULL, churn_drainer, c))
		t_bail("churn threads");
	for (i = 0; i < NOTIFIERS; i++)
		if (pthread_create(&t[3 + i], NULL, churn_notifier, c))
			t_bail("churn notifier");
	for (i = 0; i < 3 + NOTIFIERS; i++)
		pthread_join(t[i], NULL);
	tap_diag("binds: %ld ports in x, %ld in y; unbinds: %ld done, %ld EINVAL (the other "
		 "unbinder was first); notifies: %ld done, %ld EINVAL (a stale port); eventfd/ring/"
		 "stats %ld done; %ld events taken",
		 c->binds_x, c->binds_y, c->unbind_ok, c->unbind_einval, c->notify_ok,
		 c->notify_einval, c->other_ok, c->taken);
	tap_ok(c->bad == 0,
	       "%d rebinds of %d slots against %d notify/re-arm threads, a second "
	       "unbinder and a drainer in one context: only 0 and EINVAL (%ld others: %ld %ld %ld "
	       "%ld)",
	       REBINDS, SLOTS, NOTIFIERS, c->bad, c->bad_errno[0], c->bad_errno[1], c->bad_errno[2],
	       c->bad_errno[3]);
	tap_ok(c->notify_ok > 0 && c->unbind_ok > 0, "both sides ran (%ld notifies, %ld unbinds)",
	       c->notify_ok, c->unbind_ok);
	sx = sweep(&c->x);
	sy = sweep(&c->y);
	unbound = c->unbind_ok + sx;
	tap_ok(unbound == c->binds_x,
	       "every port of x unbound exactly once: %ld by the threads + %ld left = %ld bound",
	       c->unbind_ok, sx, c->binds_x);
	tap_ok(sy + c->unbinds_y == c->binds_y,
	       "y held exactly its ends of the cross pairs: %ld unbound by the binder + %ld left = "
	       "%ld bound",
	       c->unbinds_y, sy, c->binds_y);
	nx = fill(&c->x, &ex);
	ny = fill(&c->y, &ey);
	tap_ok(nx == (int)XENBACK_MAX_PORTS && ex == -ENOSPC && ny == (int)XENBACK_MAX_PORTS &&
		       ey == -ENOSPC,
	       "afterwards each context binds %u ports again, then ENOSPC (x %d %d, y %d %d): the "
	       "port count is intact",
	       XENBACK_MAX_PORTS, nx, ex, ny, ey);
	xb_xenback_close(&c->x);
	xb_xenback_close(&c->y);
	close(c->efd);
	free(c);
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
}

/* ------------------------------------------------------------ genl dump */

#define DUMPS 60

struct dumps {
	int runs, fails, bad_json, stop;
};

static void dump_loop(struct dumps *d)
{
	static char out[1 << 18];
	char *argv[] = { (char *)CTL, (char *)"stats", NULL, NULL };
	int rc;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE) && d->runs < 20 * DUMPS) {
		argv[2] = d->runs % 2 ? (char *)"--json" : NULL;
		rc = vt_run(out, sizeof(out), argv, 0);
		if (rc != 0)
			d->fails++;
		else if (d->runs % 2 && strncmp(out, "{\"ports\":[", 10))
			d->bad_json++;
		__atomic_store_n(&d->runs, d->runs + 1, __ATOMIC_RELEASE);
	}
}

/* One round: three contexts, 320 ports across them, some notified and
 * unbound, the contexts closed in a rotating order. */
static int churn_contexts(int round)
{
	struct xb_xenback c[3];
	uint32_t a[128], b[128], p, q;
	int i, bad = 0;

	for (i = 0; i < 3; i++)
		vt_open(&c[i]);
	for (i = 0; i < 128; i++)
		bad += xb_xenback_bind_loopback(&c[i % 3], c[(i + 1) % 3].fd, &a[i], &b[i]) != 0;
	for (i = 0; i < 32; i++)
		bad += xb_xenback_bind_loopback(&c[i % 3], -1, &p, &q) != 0;
	for (i = 0; i < 128; i += 3)
		bad += xb_xenback_notify(&c[i % 3], a[i]) != 0;
	for (i = 0; i < 128; i += 2)
		bad += xb_xenback_unbind(&c[i % 3], a[i]) != 0;
	for (i = 0; i < 3; i++)
		xb_xenback_close(&c[(round + i) % 3]);
	return bad;
}

static void test_genl_dump_race(void)
{
	struct dumps *d =
		mmap(NULL, sizeof(*d), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int rounds = 0, bad = 0, rc, base = vt_module_refcnt();
	pid_t pid;

	if (d == MAP_FAILED)
		t_bail("mmap");
	memset(d, 0, sizeof(*d));
	pid = fork();
	if (pid == 0) {
		dump_loop(d);
		_exit(0);
	}
	while (__atomic_load_n(&d->runs, __ATOMIC_ACQUIRE) < DUMPS && rounds < 20000) {
		bad += churn_contexts(rounds);
		rounds++;
	}
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	rc = wait_child(pid);
	tap_diag("%d xenbackctl stats runs (half --json) during %d rounds of 3 contexts with 320 "
		 "ports bound, unbound and closed",
		 d->runs, rounds);
	tap_ok(rc == 0 && d->runs >= DUMPS && d->fails == 0 && d->bad_json == 0,
	       "genl stats dumps racing binds, unbinds and closes: every dump succeeded "
	       "(runs %d, failed %d, bad JSON %d, child %d)",
	       d->runs, d->fails, d->bad_json, rc);
	tap_eq(bad, 0, "and every bind, notify and unbind of the churning side succeeded");
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
	munmap(d, sizeof(*d));
}

/* ------------------------------------------------------------ wait_fd files */

/* A FIFO open for reading and writing: two wait queues (readers', writers'). */
static void test_fifo(void)
{
	const char *path = "/tmp/xb-races.fifo";
	struct xb_xenback x;
	struct vt_sleeper s;
	int fd, base = vt_module_refcnt();
	char ch = 'x';
	bool asleep, returned;

	unlink(path);
	if (mkfifo(path, 0600))
		t_bail("mkfifo");
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		t_bail("open fifo");
	vt_open(&x);
	asleep = vt_sleeper_start(&s, x.fd, fd, true);
	if (write(fd, &ch, 1) != 1)
		t_bail("write fifo");
	returned = vt_sleeper_join(&s);
	tap_ok(asleep && returned && s.ret == XENBACK_NOTIFY_FD_READY,
	       "WAIT_FD on a FIFO (two wait queues): asleep, woken by a write, FD_READY (0x%x)",
	       (unsigned int)s.ret);
	if (read(fd, &ch, 1) != 1)
		t_bail("read fifo");
	asleep = vt_sleeper_start(&s, x.fd, fd, true);
	close(fd);
	unlink(path);
	vt_sleeper_interrupt(&s);
	tap_ok(asleep && s.ret == -EINTR,
	       "the FIFO closed under the sleeper, then a signal: EINTR");
	xb_xenback_close(&x);
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
}

/* xb_pollq.ko's device (loaded from /mod once); false where it is absent. */
static bool pollq_present(void)
{
	if (access(XB_POLLQ_DEVICE, F_OK) && access("/mod/xb_pollq.ko", F_OK) == 0 &&
	    system("insmod /mod/xb_pollq.ko") != 0)
		tap_diag("insmod /mod/xb_pollq.ko failed");
	return access(XB_POLLQ_DEVICE, F_OK) == 0;
}

static int pollq_open(unsigned long heads)
{
	int q = open(XB_POLLQ_DEVICE, O_RDWR | O_CLOEXEC);

	if (q < 0 || ioctl(q, XB_POLLQ_SET_HEADS, heads))
		t_bail("open " XB_POLLQ_DEVICE);
	return q;
}

/* WAIT_FD on files polling on 2, 4 and 8 queues, woken through the first
 * queue, the last, or none (readiness alone). */
static void test_many_heads(void)
{
	static const unsigned long heads[] = { 2, 4, 8 };
	struct xb_xenback x;
	struct vt_sleeper s;
	int h, how, q, bad, left, mask;
	bool asleep;

	vt_open(&x);
	for (h = 0; h < 3; h++) {
		bad = left = mask = 0;
		for (how = 0; how < 3; how++) {
			if (how == 2 && heads[h] == 2)
				continue; /* on every queue: only a wake-up can end its sleep */
			q = pollq_open(heads[h]);
			asleep = vt_sleeper_start(&s, x.fd, q, true);
			mask |= (int)ioctl(q, XB_POLLQ_WAITERS);
			ioctl(q, XB_POLLQ_SET_READY, 1);
			if (how < 2)
				ioctl(q, XB_POLLQ_WAKE, how ? heads[h] - 1 : 0);
			bad += !asleep || !vt_sleeper_join(&s) || s.ret != XENBACK_NOTIFY_FD_READY;
			left |= (int)ioctl(q, XB_POLLQ_WAITERS);
			close(q);
		}
		tap_ok(bad == 0 && left == 0,
		       "WAIT_FD on a file polling on %lu wait queues: asleep, then FD_READY when "
		       "woken through the first queue, the last%s; left every queue (waiting on "
		       "queues 0x%x, after 0x%x)",
		       heads[h], heads[h] > 2 ? ", or readiness alone" : "", (unsigned int)mask,
		       (unsigned int)left);
	}
	xb_xenback_close(&x);
}

/* POLLFREE: the file's queues freed under the sleeper (wake_up_pollfree()
 * warns, and panic_on_warn ends the run, if a waiter stayed on one). */
static void test_pollfree(void)
{
	static const unsigned long heads[] = { 2, 4 };
	struct xb_xenback x;
	struct vt_sleeper s;
	int h, q, w;
	bool asleep, returned;

	vt_open(&x);
	for (h = 0; h < 2; h++) {
		q = pollq_open(heads[h]);
		asleep = vt_sleeper_start(&s, x.fd, q, true);
		ioctl(q, XB_POLLQ_POLLFREE);
		w = (int)ioctl(q, XB_POLLQ_WAITERS);
		ioctl(q, XB_POLLQ_SET_READY, 1); /* no queue left to wake */
		returned = vt_sleeper_join(&s);
		tap_ok(asleep && returned && s.ret == XENBACK_NOTIFY_FD_READY && w == 0,
		       "POLLFREE of the %lu queues a sleeper waits on: it leaves them, and still sees "
		       "the file turn readable with no queue to wake it: FD_READY (0x%x)",
		       heads[h], (unsigned int)s.ret);
		close(q);
	}
	xb_xenback_close(&x);
}

#define POLLFREE_RACES 200

struct freer {
	pthread_barrier_t go;
	int q;
};

static void *pollfree_thread(void *arg)
{
	struct freer *fr = arg;

	pthread_barrier_wait(&fr->go);
	ioctl(fr->q, XB_POLLQ_POLLFREE);
	return NULL;
}

/* POLLFREE against the sleeper's own return (an event wakes it at once). */
static void test_pollfree_race(void)
{
	struct xb_xenback x, y;
	struct vt_sleeper s;
	struct freer fr;
	uint32_t a, b, got;
	pthread_t t;
	int i, bad = 0, hung = 0;

	vt_open(&x);
	vt_open(&y);
	vt_pair(&x, &y, &a, &b);
	for (i = 0; i < POLLFREE_RACES; i++) {
		fr.q = pollq_open(i % 2 ? 4 : 2);
		pthread_barrier_init(&fr.go, NULL, 2);
		vt_sleeper_start(&s, x.fd, fr.q, i % 4 != 0);
		if (pthread_create(&t, NULL, pollfree_thread, &fr))
			t_bail("pollfree thread");
		pthread_barrier_wait(&fr.go);
		xb_xenback_notify(&y, b);
		hung += !vt_sleeper_join(&s);
		bad += s.ret != 1;
		pthread_join(t, NULL);
		pthread_barrier_destroy(&fr.go);
		close(fr.q);
		if (xb_xenback_take(&x, &got, 1) != 1 || got != a || xb_xenback_rearm(&x, a, false))
			bad++;
	}
	tap_ok(hung == 0 && bad == 0,
	       "%d rounds of POLLFREE racing the sleeper's wake-up by an event: each returned 1 "
	       "(hung %d, other %d)",
	       POLLFREE_RACES, hung, bad);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
}

struct sfd_maker {
	sigset_t mask;
	int fd;
};

static void *make_signalfd(void *arg)
{
	struct sfd_maker *m = arg;

	m->fd = signalfd(-1, &m->mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return NULL;
}

/* A signalfd made by a thread that is gone; a blocked signal to the
 * process makes it readable. */
static void test_signalfd(void)
{
	struct signalfd_siginfo si;
	struct sfd_maker m;
	struct xb_xenback x;
	struct vt_sleeper s;
	pthread_t t;
	bool asleep, returned;

	sigemptyset(&m.mask);
	sigaddset(&m.mask, SIGUSR2);
	if (pthread_create(&t, NULL, make_signalfd, &m) || pthread_join(t, NULL) || m.fd < 0)
		t_bail("signalfd");
	vt_open(&x);
	asleep = vt_sleeper_start(&s, x.fd, m.fd, true);
	kill(getpid(), SIGUSR2); /* blocked in every thread: pending for the process */
	returned = vt_sleeper_join(&s);
	tap_ok(asleep && returned && s.ret == XENBACK_NOTIFY_FD_READY,
	       "WAIT_FD on a signalfd whose maker thread exited: a signal to the process wakes "
	       "it, FD_READY (0x%x)",
	       (unsigned int)s.ret);
	tap_eq(read(m.fd, &si, sizeof(si)), (long)sizeof(si), "and the signalfd reads the signal");
	close(m.fd);
	xb_xenback_close(&x);
}

/* A process exits while one of its threads sleeps in NOTIFY on a signalfd. */
static void test_signalfd_exit(void)
{
	int base = vt_module_refcnt(), rc;
	pid_t pid = fork();

	if (pid == 0) {
		struct xb_xenback x;
		struct vt_sleeper s;
		sigset_t mask;
		int sfd;

		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		sfd = signalfd(-1, &mask, SFD_CLOEXEC);
		if (sfd < 0 || xb_xenback_open(&x))
			_exit(3);
		if (!vt_sleeper_start(&s, x.fd, sfd, true))
			_exit(4);
		_exit(0); /* the sleeper dies with the process, in its wait */
	}
	rc = wait_child(pid);
	tap_eq(rc, 0, "a process exits while its thread sleeps in NOTIFY WAIT_FD on a signalfd");
	tap_eq(vt_module_refcnt(), base, "its context was released (refcnt %d)", base);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b = 0;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * POLLFREE inside the watched file: the wait_fd is an epoll set holding a
 * signalfd that a child added (epoll's entry sits on the child's sighand)
 * and handed over; the child exits, its sighand is freed and POLLFREE
 * clears epoll's entry, which wakes the epoll set and so the sleeper; the
 * set is not readable (no signal for us), so it sleeps on until an event.
 */
static void test_epoll_pollfree(void)
{
	struct xb_xenback x, y;
	struct vt_sleeper s;
	uint32_t a, b;
	int sv[2], ep, sfd, rc, base = vt_module_refcnt();
	bool asleep, returned;
	char go = 1;
	pid_t pid;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		t_bail("epoll/socketpair");
	pid = fork();
	if (pid == 0) {
		struct epoll_event ev = { .events = EPOLLIN };
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
		if (sfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) || send_fd(sv[1], sfd))
			_exit(3);
		/* exit once told: the sighand epoll's entry is on goes with us */
		_exit(read(sv[1], &go, 1) == 1 ? 0 : 4);
	}
	sfd = recv_fd(sv[0]);
	if (sfd < 0)
		t_bail("receive the child's signalfd");
	vt_open(&x);
	vt_open(&y);
	vt_pair(&x, &y, &a, &b);
	asleep = vt_sleeper_start(&s, x.fd, ep, true);
	if (write(sv[0], &go, 1) != 1)
		t_bail("tell the child");
	rc = wait_child(pid);
	tap_ok(asleep && rc == 0,
	       "the child whose sighand holds epoll's entry exits while we sleep on that epoll set");
	tap_ok(!vt_sleeper_returned(&s, 0) || s.ret != XENBACK_NOTIFY_FD_READY,
	       "the set did not turn readable for us (0x%x)", (unsigned int)s.ret);
	tap_eq(xb_xenback_notify(&y, b), 0, "an event for the sleeper");
	returned = vt_sleeper_join(&s);
	tap_ok(returned && (s.ret & ~XENBACK_NOTIFY_FD_READY) == 1,
	       "the sleeper returns 1 pending after the POLLFREE (0x%x)", (unsigned int)s.ret);
	close(sfd);
	close(ep);
	close(sv[0]);
	close(sv[1]);
	xb_xenback_close(&x);
	xb_xenback_close(&y);
	tap_eq(vt_module_refcnt(), base, "refcnt back to %d", base);
}

/* ------------------------------------------------------------ access */

/*
 * In a child: drop to uid/gid 65534 with no supplementary groups (which
 * clears every capability: checked with capget), then what(dev, bin).
 * The VM's root directory is 0700 (the initramfs's), which alone would
 * refuse nobody every absolute path: /dev and /bin (0755) are opened
 * before the drop and the files looked up from them, so a refusal is the
 * file's own. 10: could not drop; 11: capabilities left.
 */
static int as_nobody(int (*what)(int dev, int bin))
{
	pid_t pid = fork();

	if (pid == 0) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct cap[2];
		int dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
		int bin = open("/bin", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (dev < 0 || bin < 0 || setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (syscall(SYS_capget, &hdr, cap) || cap[0].effective || cap[1].effective ||
		    cap[0].permitted || cap[1].permitted)
			_exit(11);
		_exit(what(dev, bin));
	}
	return wait_child(pid);
}

/* 0: /dev/null opens, /dev/xenback is refused with EACCES or EPERM; 1:
 * it opened; 2: another error; 3: /dev/null did not open. */
static int nobody_open(int dev, int bin)
{
	int fd = openat(dev, "null", O_RDWR | O_CLOEXEC);

	(void)bin;
	if (fd < 0)
		return 3;
	close(fd);
	fd = openat(dev, XENBACK_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return 1;
	return errno == EACCES || errno == EPERM ? 0 : 2;
}

/* 0: the dump was refused for want of CAP_NET_ADMIN; 1: it succeeded; 2:
 * it failed otherwise (its output is printed as a comment). */
static int nobody_stats(int dev, int bin)
{
	char out[4096], *argv[] = { (char *)"xenbackctl", (char *)"stats", NULL }, *line;
	char *envp[] = { NULL };
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	(void)dev;
	if (pipe(pfd))
		return 2;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		syscall(SYS_execveat, bin, "xenbackctl", argv, envp, 0);
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = 0;
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	if (strstr(out, "CAP_NET_ADMIN"))
		return 0;
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		printf("# as 65534: %s\n", line);
	fflush(stdout);
	return 2;
}

static void test_unprivileged(void)
{
	struct stat st;

	if (stat(XB_DEV, &st) == 0)
		tap_diag("%s: mode %03o, uid %d, gid %d", XB_DEV, (unsigned int)(st.st_mode & 0777),
			 (int)st.st_uid, (int)st.st_gid);
	tap_eq(as_nobody(nobody_open), 0,
	       "uid/gid 65534 without capabilities: /dev/null opens, %s is refused "
	       "(EACCES/EPERM)",
	       XB_DEV);
	tap_eq(as_nobody(nobody_stats), 0,
	       "and xenbackctl stats is refused the genl dump (CAP_NET_ADMIN)");
}

/* ------------------------------------------------------------ main */

static void test_genl_empty(void)
{
	static char out[1 << 16];
	char *argv[] = { (char *)CTL, (char *)"stats", (char *)"--json", NULL };
	int rc = vt_run(out, sizeof(out), argv, 0);

	tap_ok(rc == 0 && !strncmp(out, "{\"ports\":[],\"blkif\":[]}", 23),
	       "after everything, the genl dumps list no port and no blkif ring (%d: %.60s)", rc, out);
}

int main(void)
{
	sigset_t usr2;
	int base;

	/* SIGUSR2 stays pending for the signalfds (threads inherit the mask) */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	base = vt_module_refcnt();
	tap_diag("xenback.ko refcnt at the start: %d", base);

	test_close_own_fd();
	test_unbind_under_sleeper();
	test_peer_close_under_sleeper();
	test_teardown_orders();
	test_unbind_vs_notify();
	test_genl_dump_race();
	test_fifo();
	if (pollq_present()) {
		test_many_heads();
		test_pollfree();
		test_pollfree_race();
	} else {
		tap_skip("WAIT_FD on files with 2, 4, 8 queues; POLLFREE", "no %s (xb_pollq.ko)",
			 XB_POLLQ_DEVICE);
	}
	test_signalfd();
	test_signalfd_exit();
	test_epoll_pollfree();
	test_unprivileged();
	test_genl_empty();
	tap_eq(vt_module_refcnt(), base, "xenback.ko refcnt back to %d", base);
	return tap_done();
}
