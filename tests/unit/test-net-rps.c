/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Receive packet steering of a vif's tap (userspace/backends/net/net_rps.c),
 * in network and mount namespaces of the test's own (root; skipped without
 * them or with one CPU): sysfs mounted for the namespace, a two-queue tap;
 * each rx queue's rps_cpus gets the CPUs this process may use; a mask set
 * already (by an administrator) is left alone; XENBACK_NET_RPS=0 leaves
 * them all alone; a tap that does not exist is an error. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tap.h"
#include "userspace/backends/net/net.h"

static char sys[64] = "/tmp/xb-rps-XXXXXX";

static int mask_read(unsigned int q, char *buf, size_t len)
{
	char path[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/class/net/vif9.0/queues/rx-%u/rps_cpus", sys, q);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return n > 0 ? 0 : -1;
}

static int mask_write(unsigned int q, const char *m)
{
	char path[160];
	int fd, r;

	snprintf(path, sizeof(path), "%s/class/net/vif9.0/queues/rx-%u/rps_cpus", sys, q);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = write(fd, m, strlen(m)) < 0 ? -1 : 0;
	close(fd);
	return r;
}

/* The affinity mask's lowest 32 CPUs as a hex number. */
static unsigned long low_cpus(void)
{
	cpu_set_t c;
	unsigned long m = 0;
	int i;

	sched_getaffinity(0, sizeof(c), &c);
	for (i = 0; i < 32; i++)
		if (CPU_ISSET(i, &c))
			m |= 1ul << i;
	return m;
}

int main(void)
{
	char m0[128], m1[128];
	cpu_set_t c;
	int fds[2];

	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || !mkdtemp(sys) ||
	    mount("sysfs", sys, "sysfs", 0, NULL) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP needs root, network and mount namespaces, sysfs and /dev/net/tun (%s)\n",
		       strerror(errno));
		return 0;
	}
	if (sched_getaffinity(0, sizeof(c), &c) < 0 || CPU_COUNT(&c) < 2) {
		printf("1..0 # SKIP one CPU: nothing to steer over\n");
		return 0;
	}
	tap_eq(net_tap_open("vif9.0", 2, fds), 0, "a two-queue tap vif9.0");
	if (mask_read(0, m0, sizeof(m0)) < 0) {
		tap_skip("rps_cpus", "the kernel has no RPS (no rps_cpus file)");
		return tap_done();
	}
	tap_ok(strtoul(m0, NULL, 16) == 0, "a new tap's rx-0 steers nowhere (%s)", m0);
	setenv("XENBACK_NET_RPS", "0", 1);
	tap_eq(net_tap_rps("vif9.0", 2, sys), 0, "XENBACK_NET_RPS=0: nothing set");
	tap_ok(mask_read(0, m0, sizeof(m0)) == 0 && strtoul(m0, NULL, 16) == 0, "... rx-0 still empty");
	unsetenv("XENBACK_NET_RPS");
	tap_eq(net_tap_rps("vif9.0", 2, sys), 2, "both rx queues set");
	tap_ok(mask_read(0, m0, sizeof(m0)) == 0 && mask_read(1, m1, sizeof(m1)) == 0 &&
		       strtoul(m0, NULL, 16) == low_cpus() && strtoul(m1, NULL, 16) == low_cpus(),
	       "rx-0 and rx-1 steer over this process's CPUs (%s, %s; affinity %lx)", m0, m1, low_cpus());
	tap_eq(net_tap_rps("vif9.0", 2, sys), 0, "again: masks set already are left (0 set)");
	tap_ok(mask_write(0, "0") == 0 && mask_write(1, "1") == 0, "an administrator: rx-0 cleared, rx-1 on CPU 0");
	tap_eq(net_tap_rps("vif9.0", 2, sys), 1, "one queue set: the empty one");
	tap_ok(mask_read(1, m1, sizeof(m1)) == 0 && strtoul(m1, NULL, 16) == 1,
	       "rx-1 keeps the administrator's mask (%s)", m1);
	tap_eq(net_tap_rps("nosuch0", 1, sys), -ENOENT, "a tap that does not exist: ENOENT");
	close(fds[0]);
	close(fds[1]);
	umount(sys);
	rmdir(sys);
	return tap_done();
}
