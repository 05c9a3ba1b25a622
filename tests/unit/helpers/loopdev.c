/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "loopdev.h"

int loop_attach(const char *file, unsigned int block_size, char *dev, size_t len)
{
	struct loop_config cfg;
	int ctl, n, lfd, ffd, e;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -1;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	e = errno;
	close(ctl);
	if (n < 0) {
		errno = e;
		return -1;
	}
	snprintf(dev, len, "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	ffd = open(file, O_RDWR | O_CLOEXEC);
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)ffd;
	cfg.block_size = block_size;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (lfd < 0 || ffd < 0 || ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0) {
		e = errno;
		if (lfd >= 0)
			close(lfd);
		if (ffd >= 0)
			close(ffd);
		errno = e;
		return -1;
	}
	close(ffd);
	return lfd;
}
