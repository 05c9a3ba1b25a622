/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-place engine: reads and writes of a memory-backed image (a file
 * on tmpfs or ramfs, blk_image_in_memory()) are done at once, in the round
 * that took them, and their result goes straight to completion.
 *
 * The image is mapped into the backend: a read or write is a memcpy
 * between the mapping and the guest's pages, with no system call at all.
 * On a PV dom0 every system call of a user process is two trips through
 * Xen (and under emulation two address-space switches), so the
 * preadv/pwritev it replaces was one of the three calls each I/O cost
 * (wait, read or write, notify).
 *
 * What a system call would have reported as an error arrives here as
 * SIGBUS: the image truncated behind our back, or tmpfs out of space when a
 * write fills a hole. The copy runs under a guard: a SIGBUS inside the
 * mapping jumps out of the copy, the request fails with BLKIF_RSP_ERROR,
 * and the device drops its mapping and goes back to preadv/pwritev, which
 * report such errors as errno. A SIGBUS anywhere else goes to whatever
 * handler was installed before us (or kills the process, as it would have).
 *
 * XENBACK_BLK_MMAP=0 in the environment keeps preadv/pwritev (the fallback
 * whenever there is no mapping).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk.h"

/* The copy in progress on this thread, if any. */
static __thread struct {
	sigjmp_buf jb;
	const char *lo, *hi;
	bool armed;
} guard;

static struct sigaction prev_bus;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int install_err;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	const char *a = si->si_addr;

	if (guard.armed && a >= guard.lo && a < guard.hi) {
		guard.armed = false;
		siglongjmp(guard.jb, 1);
	}
	/* Not ours: what would have happened without us. */
	if (prev_bus.sa_flags & SA_SIGINFO) {
		prev_bus.sa_sigaction(sig, si, uc);
	} else if (prev_bus.sa_handler != SIG_DFL && prev_bus.sa_handler != SIG_IGN) {
		prev_bus.sa_handler(sig);
	} else {
		signal(SIGBUS, SIG_DFL);
		raise(SIGBUS);
	}
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	/* SA_NODEFER: siglongjmp(.., 0-saved mask) leaves SIGBUS unblocked. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &prev_bus) < 0)
		install_err = -errno;
}

int blk_inplace_map(struct blk_dev *d)
{
	const char *env = getenv("XENBACK_BLK_MMAP");
	size_t len = (size_t)(d->sectors * BLK_SECTOR);
	struct stat st;
	void *p;

	d->map = NULL;
	d->map_len = 0;
	if ((env && *env == '0') || !d->inline_rw || !len || d->sectors > SIZE_MAX / BLK_SECTOR ||
	    fstat(d->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	pthread_once(&once, install);
	if (install_err)
		return install_err;
	p = mmap(NULL, len, PROT_READ | (d->readonly ? 0 : PROT_WRITE), MAP_SHARED, d->fd, 0);
	if (p == MAP_FAILED)
		return -errno; /* the caller keeps preadv/pwritev */
	d->map = p;
	d->map_len = len;
	return 0;
}

void blk_inplace_unmap(struct blk_dev *d)
{
	if (d->map)
		munmap(d->map, d->map_len);
	d->map = NULL;
	d->map_len = 0;
}

/* Bytes between the image at byte off and the request's buffers. */
static void copy(struct blk_dev *d, struct blk_req *r, uint64_t off, bool rd)
{
	char *img = (char *)d->map + off;
	unsigned int i;

	if (!r->persistent) {
		if (rd)
			memcpy(r->buf, img, r->bytes);
		else
			memcpy(img, r->buf, r->bytes);
		return;
	}
	for (i = 0; i < r->nseg; i++) {
		if (rd)
			memcpy(r->iov[i].iov_base, img, r->iov[i].iov_len);
		else
			memcpy(img, r->iov[i].iov_base, r->iov[i].iov_len);
		img += r->iov[i].iov_len;
	}
}

/* 0, or -EIO: SIGBUS in the mapping (the device drops it and goes back to
 * preadv/pwritev). */
static int map_rw(struct blk_dev *d, struct blk_req *r)
{
	uint64_t off = r->sector * BLK_SECTOR;
	bool rd = r->io_op == BLKIF_OP_READ;

	if (off > d->map_len || r->bytes > d->map_len - off)
		return -ERANGE; /* validated before; never trust it twice */
	guard.lo = d->map;
	guard.hi = (const char *)d->map + d->map_len;
	if (sigsetjmp(guard.jb, 0)) {
		xenback_device_log(d->dev, XENBACK_LOG_ERR,
				   "%s: SIGBUS at byte %llu of the mapped image (truncated, or its file "
				   "system is full): request failed, back to preadv/pwritev",
				   d->path, (unsigned long long)off);
		blk_inplace_unmap(d);
		return -EIO;
	}
	guard.armed = true;
	copy(d, r, off, rd);
	guard.armed = false;
	return 0;
}

void blk_inplace_rw(struct blk_dev *d, struct blk_req *r)
{
	off_t off = (off_t)(r->sector * BLK_SECTOR);
	bool rd = r->io_op == BLKIF_OP_READ;
	ssize_t n;

	if (r->preflush && fdatasync(d->fd) < 0) { /* FLUSH_DISKCACHE with data */
		blk_complete_io(d, r, -errno);
		return;
	}
	if (d->map)
		n = map_rw(d, r) == 0 ? (ssize_t)r->bytes : -1;
	else if (r->persistent)
		n = rd ? preadv(d->fd, r->iov, r->nseg, off) : pwritev(d->fd, r->iov, r->nseg, off);
	else
		n = rd ? pread(d->fd, r->buf, r->bytes, off) : pwrite(d->fd, r->buf, r->bytes, off);
	r->q->inline_rw++;
	blk_complete_io(d, r, n);
}
