/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory-backed images are mapped and read or written with memcpy (no
 * system call): the data path through the mapping (grant copy and
 * persistent), XENBACK_BLK_MMAP=0, the mapping's lifetime, and the SIGBUS
 * guard: an image truncated behind the backend fails the request, the
 * device goes back to preadv/pwritev and keeps serving, and a SIGBUS that
 * is not the backend's still reaches the handler installed before. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/blk-data-checks.h"
#include "helpers/blkfront.h"
#include "userspace/backends/blk/blk_backend.h"

static sigjmp_buf own_jb;
static volatile sig_atomic_t own_hits;

static void own_sigbus(int sig)
{
	(void)sig;
	own_hits++;
	siglongjmp(own_jb, 1);
}

/* The image is mapped into this process (/proc/self/maps names it). */
static bool mapped(const char *img)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, img) != NULL;
	fclose(f);
	return found;
}

static void detach(struct xbt *t, uint32_t domid)
{
	xbt_offline(t, "qdisk", domid, 51712);
	xbt_fe_set_state(t, "qdisk", domid, 51712, XENBACK_STATE_CLOSED);
	xbt_settle(t);
}

static void data_path(struct xbt *t, const char *img, uint32_t domid, bool persistent, bool want_map)
{
	const char *how = persistent ? "persistent" : "grant copy";
	const char *via = want_map ? "mapped" : "XENBACK_BLK_MMAP=0";
	struct sfront f;
	char label[64];

	sfront_persistent = persistent;
	tap_eq(sfront_attach(&f, t, domid, 51712, img, "w", 1, 2), XENBACK_STATE_CONNECTED,
	       "%s (%s): Connected", via, how);
	tap_ok(mapped(img) == want_map, "%s (%s): image %s", via, how, want_map ? "mapped" : "not mapped");
	snprintf(label, sizeof(label), "%s (%s)", via, how);
	blk_data_checks(&f, img, domid, label);
	detach(t, domid);
	tap_ok(!mapped(img), "%s (%s): no mapping left after disconnect", via, how);
}

/* The file shrinks under a connected device. */
static void truncated(struct xbt *t, const char *img, uint32_t domid)
{
	struct sfront f;
	int16_t st[2];
	unsigned int got;

	sfront_persistent = true;
	tap_eq(sfront_attach(&f, t, domid, 51712, img, "w", 1, 2), XENBACK_STATE_CONNECTED,
	       "SIGBUS guard: Connected, image mapped (%s)", mapped(img) ? "yes" : "no");
	sfront_fill(&f, 0, 1, domid);
	sfront_queue_rw(&f, 0, BLKIF_OP_WRITE, 0, 1, 8, 1);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY, "SIGBUS guard: a write before the truncation");
	tap_ok(truncate(img, 4 << 20) == 0, "SIGBUS guard: image truncated from 8 to 4 MiB behind the backend");
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 12288, 1, 8, 2); /* 6 MiB: beyond the new end */
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_ERROR,
	       "SIGBUS guard: a read beyond the new end fails (BLKIF_RSP_ERROR), the process lives");
	tap_ok(!mapped(img), "SIGBUS guard: the device dropped its mapping");
	memset(f.data[0], 0, 4096);
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 0, 1, 8, 3);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_OKAY && sfront_check(&f, 0, 1, domid),
	       "SIGBUS guard: the device keeps serving (preadv): data written before is read back");
	sfront_queue_rw(&f, 0, BLKIF_OP_READ, 12288, 1, 8, 4);
	got = sfront_run(&f, 0, 1, st, NULL);
	tap_ok(got == 1 && st[0] == BLKIF_RSP_ERROR, "SIGBUS guard: beyond the end still fails, through preadv");
	detach(t, domid);
}

/* A SIGBUS outside the backend's copies reaches the handler set before. */
static void foreign_sigbus(void)
{
	char path[] = "/tmp/xenback-bus-XXXXXX";
	int fd = mkstemp(path);
	volatile char *p;

	if (fd < 0 || ftruncate(fd, 8192) < 0) {
		tap_ok(false, "foreign SIGBUS: scratch file");
		return;
	}
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	if (ftruncate(fd, 0) < 0 || p == MAP_FAILED) {
		tap_ok(false, "foreign SIGBUS: scratch mapping");
		close(fd);
		return;
	}
	own_hits = 0;
	if (!sigsetjmp(own_jb, 1))
		(void)p[4096];
	tap_eq(own_hits, 1, "a SIGBUS outside the backend's copies goes to the handler installed before");
	munmap((void *)p, 8192);
	close(fd);
	unlink(path);
}

int main(void)
{
	char img[64] = "/dev/shm/xenback-map-XXXXXX";
	struct sigaction sa;
	struct xbt t;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = own_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	fd = mkstemp(img);
	if (fd < 0) { /* no /dev/shm: any file, in place forced */
		strcpy(img, "/tmp/xenback-map-XXXXXX");
		fd = mkstemp(img);
	}
	if (fd < 0 || ftruncate(fd, 8 << 20) < 0)
		return printf("Bail out! no image\n"), 1;
	close(fd);
	setenv("XENBACK_BLK_INLINE", "1", 1);
	unsetenv("XENBACK_BLK_MMAP");
	xbt_init(&t, XENBACK_LOG_WARNING);
	xenback_backend_register(t.bus, &xenback_blk_qdisk_info);
	data_path(&t, img, 61, false, true);
	data_path(&t, img, 62, true, true);
	setenv("XENBACK_BLK_MMAP", "0", 1);
	data_path(&t, img, 63, true, false);
	unsetenv("XENBACK_BLK_MMAP");
	truncated(&t, img, 64);
	foreign_sigbus();
	xbt_fini(&t);
	unsetenv("XENBACK_BLK_INLINE");
	unlink(img);
	return tap_done();
}
