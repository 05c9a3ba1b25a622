/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Receive packet steering for a vif's tap: what the guest sends reaches
 * the host's stack from one thread (xenbackd's, or a TAP_TX ioctl of
 * xenback.ko on its behalf), and the stack's work for it (TCP's ACK
 * processing, which also sends the next data to the guest) would run
 * there too. With the CPUs this process may use in each tap rx queue's
 * rps_cpus, Linux hands each flow's frames to a CPU of its own (by flow
 * hash, through the backlog), as netback gets from per-queue threads and
 * NAPI on several CPUs. A mask the administrator set is left alone (only
 * an all-zero one is written); XENBACK_NET_RPS=0 turns this off.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

/* cpus as Linux's bitmap format: 32-bit hex words, commas between, most
 * significant first. */
static void mask_hex(const cpu_set_t *cpus, char *buf, size_t len)
{
	uint32_t words[(CPU_SETSIZE + 31) / 32] = { 0 };
	int top = 0, w, c;
	size_t at = 0;

	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, cpus)) {
			words[c / 32] |= 1u << (c % 32);
			top = c / 32;
		}
	buf[0] = 0;
	for (w = top; w >= 0 && at < len; w--)
		at += (size_t)snprintf(buf + at, len - at, w == top ? "%x" : ",%08x", words[w]);
}

/* Only hex digits 0 and commas: nobody set it. */
static bool mask_empty(const char *m)
{
	for (; *m && *m != '\n'; m++)
		if (*m != '0' && *m != ',')
			return false;
	return true;
}

static bool read_uint(const char *path, unsigned int *v)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%u", v) == 1;
	fclose(f);
	return ok;
}

int net_tap_rps(const char *name, unsigned int nq, const char *sysfs)
{
	char path[256], cur[512], want[512];
	unsigned int i, ifindex;
	cpu_set_t cpus;
	int set = 0;

	if (net_knob_off("XENBACK_NET_RPS"))
		return 0;
	if (!sysfs)
		sysfs = "/sys";
	if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0)
		return -errno;
	if (CPU_COUNT(&cpus) < 2)
		return 0; /* one CPU: nothing to spread over */
	mask_hex(&cpus, want, sizeof(want));
	/* sysfs shows the network namespace it was mounted in: the tap must
	 * be there under its name (not another namespace's link of that name) */
	snprintf(path, sizeof(path), "%s/class/net/%s/ifindex", sysfs, name);
	if (!read_uint(path, &ifindex) || ifindex != if_nametoindex(name))
		return -ENOENT;
	for (i = 0; i < nq; i++) {
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/class/net/%s/queues/rx-%u/rps_cpus", sysfs, name,
			 i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno; /* no RPS in this kernel, or no such queue */
		n = read(fd, cur, sizeof(cur) - 1);
		cur[n > 0 ? n : 0] = 0;
		if (n > 0 && mask_empty(cur)) {
			if (pwrite(fd, want, strlen(want), 0) < 0) {
				int e = errno;

				close(fd);
				return -e;
			}
			set++;
		}
		close(fd);
	}
	return set;
}
