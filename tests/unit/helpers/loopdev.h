/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loop devices for tests that need a real block device (sector sizes,
 * discard, file systems on 4Kn disks). */
#ifndef XENBACK_TEST_LOOPDEV_H
#define XENBACK_TEST_LOOPDEV_H
#include <stddef.h>

/* A loop device over file with block_size-byte sectors, detached when its
 * last user closes it; its path in dev. Returns its fd, or -1 (errno set)
 * if none can be set up here. */
int loop_attach(const char *file, unsigned int block_size, char *dev, size_t len);
#endif
