/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The waits of blk_drain.c, on their own (libc only): also built into the
 * vm tier's test of them against a real kernel (tests/vm/progs/test-drain.c). */
#ifndef XENBACK_BLK_DRAIN_WAIT_H
#define XENBACK_BLK_DRAIN_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in ms. */
int64_t blk_drain_now_ms(void);
/* Until the block device's in-flight count (its sysfs "inflight": reads,
 * writes) is 0 0: 0; -ETIMEDOUT at deadline (blk_drain_now_ms() time),
 * -ECANCELED once *cancel, -errno if the file cannot be read. Polls, from
 * 1 ms to 100 ms apart. */
int blk_drain_wait_inflight(const char *path, int64_t deadline, const atomic_bool *cancel);
/* Until the direct I/O in flight on the regular file fd is over:
 * fallocate(FALLOC_FL_KEEP_SIZE) of its first 4 KiB, which ext4, XFS and
 * btrfs run only after it (inode_dio_wait()). 0, or -errno (-EOPNOTSUPP:
 * a file system without fallocate). Blocks as long as the storage takes. */
int blk_drain_wait_dio(int fd);

#endif
