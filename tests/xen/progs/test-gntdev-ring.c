/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A ring mapped through gntdev and registered with XENBACK_IOCTL_SET_RING,
 * on real Xen (run in dom0 by the xen tier: tests/xen/dom0-40-xenback-kmod.sh).
 *
 * dom0 grants itself a page (/dev/xen/gntalloc, the "frontend") and maps
 * that grant (/dev/xen/gntdev), as a backend maps its frontend's ring.
 * Registering the gntdev mapping's address is refused: a pinned grant
 * mapping cannot be unmapped (in a PV dom0 its munmap, or the process's
 * exit, then hit "BUG: Bad page map" and a WARN at the unpin, and with
 * panic_on_warn dom0 went down). The ring is registered by its grant
 * reference instead (XENBACK_SET_RING_GRANT) and the module maps it itself.
 *
 * Two observations: gntdev's own unmap notification (UNMAP_NOTIFY_SEND_EVENT
 * fires when the mapping is freed, in Linux 6.1 after its grants are
 * unmapped) says the process's mapping is gone; Xen's grant table dump
 * (debug key 'g') says whether anybody still maps the grant.
 */
#include "xentest.h"
#include "vt_late.h"

#include <xen/grant_table.h> /* grant_ref_t, for xen/gntdev.h */
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#define PG 4096

static int ga_fd, gd_fd, ev_fd;
static uint32_t unmap_port;   /* gntdev notifies this ... */
static int unmap_seen_port;   /* ... and the event arrives here */

/* One page dom0 grants itself, and its gntdev mapping. */
struct grant {
	uint64_t ga_index, gd_index;
	uint32_t ref;
	volatile uint32_t *front;   /* gntalloc's view */
	volatile uint32_t *back;    /* gntdev's: the "backend's ring" */
};

/* Waits for gntdev's unmap notification; ms it took, or -1. */
static int unmap_wait(int timeout_ms)
{
	uint64_t t0 = vt_now_ns();

	/* delivery is asserted, not its speed: past timeout_ms, what the
	 * machine does and a longer wait (vt_late.h) */
	if (vt_evtchn_wait(ev_fd, unmap_seen_port, timeout_ms) < 0)
		return -1;
	return (int)((vt_now_ns() - t0) / 1000000u);
}

/* The frontend grants a page to dom0. */
static void grant_alloc(struct grant *g)
{
	struct ioctl_gntalloc_alloc_gref a = { .domid = 0, .flags = GNTALLOC_FLAG_WRITABLE,
					       .count = 1 };
	void *p;

	if (ioctl(ga_fd, IOCTL_GNTALLOC_ALLOC_GREF, &a))
		t_bail("IOCTL_GNTALLOC_ALLOC_GREF");
	g->ga_index = a.index;
	g->ref = a.gref_ids[0];
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ga_fd, (off_t)a.index);
	if (p == MAP_FAILED)
		t_bail("mmap gntalloc");
	g->front = p;
}

/* The backend maps it (gntdev; a PV dom0's mappings are not inherited by
 * a child), with the unmap notification. */
static void grant_map(struct grant *g)
{
	struct ioctl_gntdev_map_grant_ref m = { .count = 1 };
	struct ioctl_gntdev_unmap_notify n = { .action = UNMAP_NOTIFY_SEND_EVENT };
	void *p;

	m.refs[0].domid = 0;
	m.refs[0].ref = g->ref;
	if (ioctl(gd_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m))
		t_bail("IOCTL_GNTDEV_MAP_GRANT_REF");
	g->gd_index = m.index;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, gd_fd, (off_t)m.index);
	if (p == MAP_FAILED)
		t_bail("mmap gntdev");
	g->back = p;
	n.index = m.index;
	n.event_channel_port = unmap_port;
	if (ioctl(gd_fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n))
		t_bail("IOCTL_GNTDEV_SET_UNMAP_NOTIFY");
}

static void grant_new(struct grant *g)
{
	grant_alloc(g);
	grant_map(g);
}

/* gntdev forgets the grant reference (freed once no mapping uses it). */
static void grant_forget(uint64_t gd_index)
{
	struct ioctl_gntdev_unmap_grant_ref u = { .index = gd_index, .count = 1 };

	if (ioctl(gd_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u))
		t_bail("IOCTL_GNTDEV_UNMAP_GRANT_REF");
}

/* The backend lets the grant go: munmap, then the grant reference. */
static void grant_unmap(struct grant *g)
{
	if (munmap((void *)g->back, PG))
		t_bail("munmap the gntdev mapping");
	grant_forget(g->gd_index);
}

/* The frontend takes its page back. */
static void grant_free(struct grant *g)
{
	struct ioctl_gntalloc_dealloc_gref d = { .index = g->ga_index, .count = 1 };

	munmap((void *)g->front, PG);
	ioctl(ga_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
}

static void remote_notify(int remote)
{
	struct ioctl_evtchn_notify en = { .port = (unsigned int)remote };

	ioctl(ev_fd, IOCTL_EVTCHN_NOTIFY, &en);
}

/* Registering the gntdev mapping's address: refused. */
static void test_mapping_refused(struct xb_xenback *x)
{
	static uint32_t cons;
	struct grant g;
	uint32_t port;
	int remote, ms;

	grant_new(&g);
	g.front[0] = 0x5a5a0001;
	tap_eq(g.back[0], 0x5a5a0001, "the gntdev mapping shows what the frontend wrote (grant %u)",
	       g.ref);
	port = xt_self_port(x, ev_fd, &remote);
	tap_eq(xb_xenback_set_ring(x, port, (const void *)g.back, &cons), -EINVAL,
	       "SET_RING on the gntdev mapping's address is EINVAL (a special mapping)");
	grant_unmap(&g);
	ms = unmap_wait(5000);
	tap_ok(ms >= 0, "the mapping is freed at once (%d ms)", ms);
	tap_eq(xt_grants_mapped(&g.ref, 1), 0, "Xen: nobody maps the grant any more");
	xb_xenback_unbind(x, port);
	grant_free(&g);
}

/* By its grant: the module reads what the frontend writes, and the
 * process can unmap its own mapping at any time. */
static void test_by_grant(struct xb_xenback *x)
{
	static uint32_t cons;
	struct xenback_set_ring raw = { .flags = XENBACK_SET_RING_GRANT };
	struct grant g;
	uint32_t port;
	uint64_t sp;
	int remote, ms;

	grant_new(&g);
	port = xt_self_port(x, ev_fd, &remote);
	raw.port = port;
	raw.req_prod = 1ull << 32 | g.ref;
	raw.req_cons = (uintptr_t)&cons;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_SET_RING, &raw), EINVAL,
		"a grant reference above 32 bits is EINVAL");
	tap_eq(xb_xenback_set_ring_grant(x, port, 0x7ffffff0u, &cons), -EINVAL,
	       "a grant reference dom0 never offered is EINVAL (Xen refuses the map)");
	g.front[0] = 7;
	cons = 7;
	tap_eq(xb_xenback_set_ring_grant(x, port, g.ref, &cons), 0,
	       "SET_RING_GRANT with the ring's grant reference");
	tap_eq(xt_grants_mapped(&g.ref, 1), 1, "Xen: the grant is mapped (gntdev's and the module's)");
	sp = vt_stat(x, port, 's');
	remote_notify(remote);
	usleep(200 * 1000);
	tap_ok(xb_xenback_avail(x) == 0 && vt_stat(x, port, 's') == sp + 1,
	       "an event with req_prod == req_cons is suppressed");
	g.front[0] = 8; /* the frontend queues a request */
	remote_notify(remote);
	tap_eq(xb_xenback_poll(x, 5000), 1, "after the frontend writes req_prod, the event wakes us");
	vt_skip(x, 4);
	xb_xenback_rearm(x, port, false);

	grant_unmap(&g); /* while registered */
	ms = unmap_wait(2000);
	tap_ok(ms >= 0, "the process unmaps its mapping while registered: freed at once (%d ms)",
	       ms);
	tap_eq(xt_grants_mapped(&g.ref, 1), 1, "Xen: the module still maps the grant");
	g.front[0] = 9;
	remote_notify(remote);
	tap_eq(xb_xenback_poll(x, 5000), 1, "and still reads it: the next request wakes us");
	vt_skip(x, 4);
	xb_xenback_rearm(x, port, false);
	tap_eq(xb_xenback_set_ring_grant(x, port, g.ref, &cons), 0, "register again (replaces)");
	tap_eq(xb_xenback_unbind(x, port), 0, "unbind");
	tap_eq(xt_grants_mapped(&g.ref, 1), 0, "Xen: nobody maps the grant after the unbind");
	grant_free(&g);
}

/* A process that exits registered: nothing is left mapped. The kernel
 * tears its memory down before it closes its files. */
static void test_exit_registered(void)
{
	struct grant g;
	uint64_t *shared;
	pid_t pid;
	int st = -1, ms;

	shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		t_bail("mmap a shared page");
	grant_alloc(&g);
	pid = fork();
	if (pid == 0) {
		static uint32_t cons;
		struct xb_xenback y;
		int remote;

		grant_map(&g);
		*shared = g.gd_index;
		if (xb_xenback_open(&y))
			_exit(2);
		if (xb_xenback_set_ring_grant(&y, xt_self_port(&y, ev_fd, &remote), g.ref, &cons))
			_exit(3);
		_exit(0); /* neither unbound nor unmapped */
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "a child maps the grant, registers it and exits (status %#x)", st);
	grant_forget(*shared); /* the child's mapping went at its exit */
	ms = unmap_wait(5000);
	tap_ok(ms >= 0, "its gntdev mapping is freed (%d ms)", ms);
	tap_eq(xt_grants_mapped(&g.ref, 1), 0, "Xen: nobody maps the grant after the exit");
	grant_free(&g);
	munmap(shared, PG);
}

int main(void)
{
	struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
	struct ioctl_evtchn_bind_interdomain bi = { .remote_domain = 0 };
	struct xb_xenback x;

	xt_open(&x);
	ga_fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	gd_fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	ev_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	if (ga_fd < 0 || gd_fd < 0 || ev_fd < 0)
		t_bail("open /dev/xen/gntalloc, gntdev, evtchn");
	unmap_seen_port = ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	bi.remote_port = (unsigned int)unmap_seen_port;
	unmap_port = (uint32_t)ioctl(ev_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi);
	if (unmap_seen_port < 0 || (int)unmap_port < 0)
		t_bail("an event channel of dom0 to itself");
	while (vt_evtchn_next(ev_fd, 0) >= 0)
		;
	tap_ok(x.features & XENBACK_F_RING_GRANT, "the module offers XENBACK_F_RING_GRANT");
	test_mapping_refused(&x);
	test_by_grant(&x);
	test_exit_registered();
	xb_xenback_close(&x);
	return tap_done();
}
