/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process's open file descriptors, for bad-input tests that compare
 * the count before and after (nothing a guest does may leak an fd). */
#ifndef XENBACK_TEST_FDCOUNT_H
#define XENBACK_TEST_FDCOUNT_H
/* Entries of /proc/self/fd (the directory's own fd not counted); -1 if it
 * cannot be read. */
int fd_count(void);
#endif
