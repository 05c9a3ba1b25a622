/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ring-aware suppression: no wake when the shared ring has nothing new.
 * The argument checks pass the client's set_ring through as they are; only
 * unknown flags (which the client never sets) take a raw ioctl.
 */
#include <sys/resource.h>
#include <sys/syscall.h>

#include "vmtest.h"

struct sring {
	uint32_t req_prod, req_event, rsp_prod, rsp_event;
};

/* x's port pa notifies its port pb, whose ring is s, consumed up to *cons. */
static void test_suppression(struct xb_xenback *x, uint32_t pa, uint32_t pb, struct sring *s,
			     uint32_t *cons)
{
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, cons), 0, "register req_prod and the consumer index");
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 0, "req_prod == consumed: no wake");
	tap_eq(vt_stat(x, pb, 's'), 1, "counted as spurious");
	tap_eq(vt_stat(x, pb, 'w'), 0, "no wake counted");
	tap_eq(vt_stat(x, pb, 'e'), 1, "the event itself is counted");

	s->req_prod = 1;
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 1, "req_prod moved: wake");
	vt_skip(x, 4);
	*cons = 1;
	tap_eq(xb_xenback_rearm(x, pb, false), 0, "consume and re-arm");
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 0, "a notify with nothing new after consuming: no wake");
	s->req_prod = 3;
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 1, "new requests: wake");
	vt_skip(x, 4);
	xb_xenback_rearm(x, pb, false);
}

/* The start of a mapping named name in /proc/self/maps, or NULL. */
static void *mapping(const char *name)
{
	char line[512];
	void *at = NULL;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && !at && fgets(line, sizeof(line), f))
		if (strstr(line, name))
			at = (void *)strtoul(line, NULL, 16);
	if (f)
		fclose(f);
	return at;
}

/* A special mapping (VM_IO, VM_PFNMAP, VM_MIXEDMAP: the vDSO's data, and on
 * Xen gntdev's and privcmd's mappings) is refused before any pin: a grant
 * mapping pinned crashed a PV dom0 at its munmap (xen tier,
 * test-gntdev-ring). Here the vDSO data page ([vvar], VM_IO | VM_PFNMAP). */
static void test_special(struct xb_xenback *x, uint32_t pb, uint32_t *cons)
{
	void *vvar = mapping("[vvar]");

	tap_ok(vvar != NULL, "the process has a [vvar] mapping (%p)", vvar);
	tap_eq(xb_xenback_set_ring(x, pb, vvar, cons), -EINVAL,
	       "req_prod in a special mapping ([vvar]) is EINVAL");
}

static void test_bad_args(struct xb_xenback *x, uint32_t pb, struct sring *s, uint32_t *cons)
{
	struct xenback_set_ring r = { .port = pb, .flags = 2,
		.req_prod = (uintptr_t)&s->req_prod, .req_cons = (uintptr_t)cons };

	tap_eq(xb_xenback_set_ring(x, pb, (char *)&s->req_prod + 1, cons), -EINVAL, "misaligned req_prod is EINVAL");
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, (char *)cons + 2), -EINVAL, "misaligned req_cons is EINVAL");
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, NULL), -EINVAL, "req_prod without req_cons is EINVAL");
	tap_eq(xb_xenback_set_ring(x, pb, (void *)0x1000, cons), -EFAULT, "an unmapped req_prod is EFAULT");
	tap_eq(xb_xenback_set_ring(x, pb, (void *)-4096L, cons), -EFAULT, "a kernel address is EFAULT");
	tap_eq(xb_xenback_set_ring(x, 777, &s->req_prod, cons), -EINVAL, "an unknown port is EINVAL");
	t_errno(ioctl(x->fd, XENBACK_IOCTL_SET_RING, &r), EINVAL, "unknown flags are EINVAL");
	tap_eq(xb_xenback_set_ring_grant(x, pb, 8, cons), -EOPNOTSUPP,
	       "a ring by its grant without Xen is EOPNOTSUPP");
	r.flags = 0;
	r.req_prod = 0;
	t_errno(ioctl(x->fd, XENBACK_IOCTL_SET_RING, &r), EINVAL,
		"req_prod 0 with a non-zero req_cons is EINVAL (room kept for a meaning)");
	{
		void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		tap_eq(xb_xenback_set_ring(x, pb, ro, cons), -EFAULT,
		       "a read-only req_prod is EFAULT (pinned for writing)");
		munmap(ro, 4096);
	}
	test_special(x, pb, cons);
}

/* Untouched memory: a .bss page and fresh anonymous or private file
 * pages read as the shared zero page (or the file's page) until written;
 * a pin taken for reading keeps that page while the process's later writes
 * land in a copy of its own, so the module would read req_prod 0 forever,
 * take every event as spurious and never wake us. */
static struct sring bss_ring __attribute__((aligned(4096)));
static uint32_t bss_cons[16] __attribute__((aligned(4096)));

static void test_untouched(struct xb_xenback *x, uint32_t pa, uint32_t pb, struct sring *s,
			   uint32_t *cons, const char *what)
{
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, cons), 0, "%s: register", what);
	s->req_prod = 1; /* written after the registration */
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 1, "%s: req_prod written after SET_RING is seen: wake", what);
	vt_skip(x, 4);
	*cons = 1;
	xb_xenback_rearm(x, pb, false);
	xb_xenback_notify(x, pa);
	tap_eq(xb_xenback_avail(x), 0, "%s: the consumer index written after SET_RING is seen: "
	       "no wake", what);
	tap_eq(xb_xenback_set_ring(x, pb, NULL, NULL), 0, "%s: unregister", what);
}

static void test_untouched_all(struct xb_xenback *x, uint32_t pa, uint32_t pb)
{
	char path[] = "/tmp/xb-ring-XXXXXX";
	char *anon, *file;
	int fd;

	test_untouched(x, pa, pb, &bss_ring, bss_cons, "untouched .bss");
	anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	test_untouched(x, pa, pb, (struct sring *)anon, (uint32_t *)(anon + 4096),
		       "untouched anonymous memory");
	munmap(anon, 8192);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 8192) < 0) {
		tap_ok(false, "a file for a private mapping");
		return;
	}
	file = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	(void)!*(volatile char *)file; /* the file's page, read-faulted */
	(void)!*(volatile char *)(file + 4096);
	test_untouched(x, pa, pb, (struct sring *)file, (uint32_t *)(file + 4096),
		       "a private file mapping");
	munmap(file, 8192);
	close(fd);
	unlink(path);
}

/* VmLck of this process, in kB (-1 if unreadable). */
static long vmlck_kb(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* The pins are locked memory: charged while registered, refused over
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK (in a child, which drops it). */
static void test_memlock(struct xb_xenback *x, uint32_t pb, struct sring *s, uint32_t *cons)
{
	long before, during, after;
	pid_t pid;
	int st;

	xb_xenback_set_ring(x, pb, NULL, NULL); /* from a clean slate */
	before = vmlck_kb();
	tap_eq(xb_xenback_set_ring(x, pb, &s->req_prod, cons), 0, "memlock: register");
	during = vmlck_kb();
	tap_eq(xb_xenback_set_ring(x, pb, NULL, NULL), 0, "memlock: unregister");
	after = vmlck_kb();
	tap_ok(during == before + 8, "memlock: two pinned pages charged to VmLck (%ld -> %ld kB)",
	       before, during);
	tap_eq(after, before, "memlock: and uncharged when released (%ld kB)", after);
	pid = fork();
	if (pid == 0) {
		struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
		struct { uint32_t eff, perm, inh; } data[2];
		struct rlimit rl = { 0, 0 };

		if (syscall(SYS_capget, &hdr, data))
			_exit(2);
		data[0].eff &= ~(1u << 14); /* CAP_IPC_LOCK */
		data[0].perm &= ~(1u << 14);
		if (syscall(SYS_capset, &hdr, data) || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(3);
		_exit(xb_xenback_set_ring(x, pb, &s->req_prod, cons) == -ENOMEM ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "memlock: without CAP_IPC_LOCK and RLIMIT_MEMLOCK 0, registering is ENOMEM (child %d)",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	struct sring *s;
	uint32_t pa, pb, *cons;
	struct xb_xenback x;
	char *page;

	vt_open(&x);
	vt_pair(&x, NULL, &pa, &pb);
	s = aligned_alloc(4096, 4096);
	memset(s, 0, 4096);
	cons = aligned_alloc(64, 64);
	*cons = 0;
	test_suppression(&x, pa, pb, s, cons);
	test_bad_args(&x, pb, s, cons);
	test_memlock(&x, pb, s, cons);

	/* The registration pins the page: unmapping it is harmless. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(page, 0, 4096);
	tap_eq(xb_xenback_set_ring(&x, pb, page, page + 64), 0, "register a ring in a page we will unmap");
	munmap(page, 4096);
	xb_xenback_notify(&x, pa);
	tap_eq(xb_xenback_avail(&x), 0, "events after munmap read the pinned copy (no wake, no fault)");

	tap_eq(xb_xenback_set_ring(&x, pb, NULL, NULL), 0, "remove the registration");
	xb_xenback_notify(&x, pa);
	tap_eq(xb_xenback_avail(&x), 1, "without suppression every event wakes");
	vt_skip(&x, 4);
	xb_xenback_rearm(&x, pb, false);
	test_untouched_all(&x, pa, pb);
	free(s);
	free(cons);
	xb_xenback_close(&x);
	return tap_done();
}
