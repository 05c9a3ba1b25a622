/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xb_pollq.ko's ioctls (/dev/xb-pollq), shared with the vm tier's
 * test-races.c. A test device, never shipped: each open file's poll() puts
 * its caller on PQ_HEADS wait queues, which the test wakes one by one or
 * frees with POLLFREE (as signalfd and binder do).
 */
#ifndef XB_POLLQ_H
#define XB_POLLQ_H

#include <linux/ioctl.h>

#define XB_POLLQ_DEVICE "/dev/xb-pollq"
#define XB_POLLQ_MAX 8 /* wait queues per file */

#define XB_POLLQ_MAGIC 0xE6
/* arg 1..XB_POLLQ_MAX: how many queues poll() uses (default 4); EBUSY once freed */
#define XB_POLLQ_SET_HEADS _IO(XB_POLLQ_MAGIC, 1)
/* the file polls readable (arg 1) or not (arg 0); no wake-up */
#define XB_POLLQ_SET_READY _IO(XB_POLLQ_MAGIC, 2)
/* wake queue arg (EPOLLIN key) */
#define XB_POLLQ_WAKE _IO(XB_POLLQ_MAGIC, 3)
/*
 * wake_up_pollfree() every queue, then free them after a grace period:
 * poll() uses none from then on
 */
#define XB_POLLQ_POLLFREE _IO(XB_POLLQ_MAGIC, 4)
/* returns a bit mask of the queues that have waiters (0 once freed) */
#define XB_POLLQ_WAITERS _IO(XB_POLLQ_MAGIC, 5)

#endif
