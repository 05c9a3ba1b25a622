/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Open file descriptors of this process, for bad-input tests: a test
 * records the count before, and checks it is back after the hostile input
 * was refused or the device shut down. */
#ifndef XENBACK_TEST_FDCOUNT_H
#define XENBACK_TEST_FDCOUNT_H

/* Entries of /proc/self/fd (not counting the one used to read it), or -1. */
int fd_count(void);
#endif
