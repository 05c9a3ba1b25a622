/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Receive packet steering of a vif's tap (userspace/backends/net/net_rps.c),
 * in network and mount namespaces of the test's own (root; skipped without
 * them or with one CPU): sysfs mounted for the namespace, a two-queue tap;
 * each rx queue's rps_cpus gets the CPUs this process may use; a mask set
 * already (by an administrator) is left alone; XENBACK_NET_RPS=0 leaves
 * them all alone; a tap that does not exist is an error. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tap.h"
#include "userspace/backends/net/net.h"

static char sys[64] = "/tmp/xb-rps-XXXXXX";

static int mask_at(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return n > 0 ? 0 : -1;
}

static int mask_read(unsigned int q, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/class/net/vif9.0/queues/rx-%u/rps_cpus", sys, q);
	return mask_at(path, buf, len);
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

/* /sys still shows the host's namespace: a tap of ours named as one of the
 * host's links (another ifindex) is not written through the host's link. */
static void test_other_namespace(void)
{
	char path[160], host[IFNAMSIZ] = "", m[128], after[128];
	unsigned int host_idx = 0;
	struct dirent *e;
	DIR *d = opendir("/sys/class/net");
	int fd = -1;

	while (d && (e = readdir(d)) != NULL && !host[0]) {
		FILE *f;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo") ||
		    strlen(e->d_name) >= IFNAMSIZ)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%.15s/queues/rx-0/rps_cpus",
			 e->d_name);
		if (access(path, R_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%.15s/ifindex", e->d_name);
		f = fopen(path, "re");
		if (f && fscanf(f, "%u", &host_idx) == 1)
			snprintf(host, sizeof(host), "%.15s", e->d_name);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	if (!host[0] || net_tap_open(host, 1, &fd) != 0 || if_nametoindex(host) == host_idx) {
		tap_skip("a host link's name",
			 "no host link with rps_cpus, or ours got its ifindex");
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%.15s/queues/rx-0/rps_cpus", host);
	mask_at(path, m, sizeof(m));
	tap_eq(net_tap_rps(host, 1, "/sys"), -ENOENT,
	       "a tap named %s as a host link, with the host's sysfs: ENOENT, not the host's link",
	       host);
	mask_at(path, after, sizeof(after));
	tap_ok(!strcmp(m, after), "the host's %s keeps its rps_cpus (%s)", host, after);
	close(fd);
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
	tap_ok(mask_read(0, m0, sizeof(m0)) == 0 && strtoul(m0, NULL, 16) == 0,
	       "... rx-0 still empty");
	unsetenv("XENBACK_NET_RPS");
	tap_eq(net_tap_rps("vif9.0", 2, sys), 2, "both rx queues set");
	tap_ok(mask_read(0, m0, sizeof(m0)) == 0 && mask_read(1, m1, sizeof(m1)) == 0 &&
		       strtoul(m0, NULL, 16) == low_cpus() && strtoul(m1, NULL, 16) == low_cpus(),
	       "rx-0 and rx-1 steer over this process's CPUs (%s, %s; affinity %lx)", m0, m1,
	       low_cpus());
	tap_eq(net_tap_rps("vif9.0", 2, sys), 0, "again: masks set already are left (0 set)");
	tap_ok(mask_write(0, "0") == 0 && mask_write(1, "1") == 0,
	       "an administrator: rx-0 cleared, rx-1 on CPU 0");
	tap_eq(net_tap_rps("vif9.0", 2, sys), 1, "one queue set: the empty one");
	tap_ok(mask_read(1, m1, sizeof(m1)) == 0 && strtoul(m1, NULL, 16) == 1,
	       "rx-1 keeps the administrator's mask (%s)", m1);
	tap_eq(net_tap_rps("nosuch0", 1, sys), -ENOENT, "a tap that does not exist: ENOENT");
	test_other_namespace();
	close(fds[0]);
	close(fds[1]);
	umount(sys);
	rmdir(sys);
	return tap_done();
}
