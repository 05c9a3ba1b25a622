/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The waits of blk_drain.c (see blk_drain_wait.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "blk_drain_wait.h"

int64_t blk_drain_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int blk_drain_wait_inflight(const char *path, int64_t deadline, const atomic_bool *cancel)
{
	unsigned int us = 1000;

	for (;;) {
		unsigned int rd, wr;
		char buf[64];
		ssize_t len;
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len < 0)
			return -EIO;
		buf[len] = '\0';
		if (sscanf(buf, "%u %u", &rd, &wr) != 2)
			return -EINVAL;
		if (rd == 0 && wr == 0)
			return 0;
		if (cancel && atomic_load(cancel))
			return -ECANCELED;
		if (blk_drain_now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(us);
		us = us < 100000 ? us * 2 : 100000;
	}
}

int blk_drain_wait_dio(int fd)
{
	return fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4096) < 0 ? -errno : 0;
}
