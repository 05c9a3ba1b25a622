/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console backend on the simulated platform, against a simulated
 * hvc_xen frontend: the decline of every console that is not type=ioemu
 * (the primary one, xenconsoled's), a socket and a pty end carrying bytes
 * both ways in order, a reader that is absent or slow holding the ring
 * instead of losing bytes or growing memory, hostile ring indices
 * disabling that console alone, and destroy leaving no fd or socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <xen/io/console.h>

#include "helpers/fdcount.h"
#include "helpers/simbus.h"
#include "tap.h"
#include "userspace/backends/console/console_backend.h"

#define DOM 3
#define FE_KEY(devid, key) xbt_path("/local/domain/%u/device/console/%u/" key, DOM, devid)

struct fe {
	struct xencons_interface *intf;
	uint32_t ref, port;
};

static struct xbt t;

static void add_console(uint32_t devid, const char *type, const char *const *extra)
{
	xbt_add(&t, "console", DOM, devid, extra);
	if (type)
		xenback_sim_write(t.sim, FE_KEY(devid, "type"), "%s", type);
	xenback_sim_write(t.sim, FE_KEY(devid, "output"), "pty");
	xbt_settle(&t);
}

static void fe_connect(struct fe *f, uint32_t devid)
{
	void *page;

	if (xenback_sim_grant_page(t.sim, DOM, 0, &page, &f->ref) ||
	    xenback_sim_evtchn_alloc_unbound(t.sim, DOM, 0, &f->port))
		printf("Bail out! cannot grant or allocate a port\n");
	f->intf = page;
	memset(f->intf, 0, sizeof(*f->intf));
	xenback_sim_batch_begin(t.sim);
	xenback_sim_write(t.sim, FE_KEY(devid, "ring-ref"), "%u", f->ref);
	xenback_sim_write(t.sim, FE_KEY(devid, "port"), "%u", f->port);
	xenback_sim_write(t.sim, FE_KEY(devid, "state"), "3");
	xenback_sim_batch_end(t.sim);
	xbt_settle(&t);
}

/* the guest's writer: as much of buf as the out ring takes */
static size_t fe_write(struct fe *f, const char *buf, size_t n)
{
	struct xencons_interface *i = f->intf;
	size_t k = 0;

	while (k < n && i->out_prod - i->out_cons < sizeof(i->out)) {
		i->out[MASK_XENCONS_IDX(i->out_prod, i->out)] = buf[k++];
		i->out_prod++;
	}
	xenback_sim_evtchn_notify(t.sim, DOM, f->port);
	return k;
}

/* the guest's reader: everything in the in ring */
static size_t fe_read(struct fe *f, char *buf, size_t max)
{
	struct xencons_interface *i = f->intf;
	size_t k = 0;

	while (k < max && i->in_cons != i->in_prod) {
		buf[k++] = i->in[MASK_XENCONS_IDX(i->in_cons, i->in)];
		i->in_cons++;
	}
	xenback_sim_evtchn_notify(t.sim, DOM, f->port);
	return k;
}

static void pattern(char *buf, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (char)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

/* n bytes of the pattern from the guest to fd, pumped in the ring's pieces */
static size_t guest_to_host(struct fe *f, int fd, size_t n, unsigned int seed, char *got)
{
	char *src = malloc(n);
	size_t sent = 0, recvd = 0;
	int idle = 0;

	pattern(src, n, seed);
	while (recvd < n && idle < 1000) {
		ssize_t r;

		if (sent < n)
			sent += fe_write(f, src + sent, n - sent);
		xbt_settle(&t);
		r = read(fd, got + recvd, n - recvd);
		if (r > 0) {
			recvd += (size_t)r;
			idle = 0;
		} else {
			idle++;
			poll(NULL, 0, 1);
		}
	}
	free(src);
	return recvd;
}

static size_t host_to_guest(struct fe *f, int fd, size_t n, unsigned int seed, char *got)
{
	char *src = malloc(n);
	size_t sent = 0, recvd = 0;
	int idle = 0;

	pattern(src, n, seed);
	while (recvd < n && idle < 1000) {
		ssize_t w = sent < n ? write(fd, src + sent, n - sent) : 0;
		size_t k;

		if (w > 0)
			sent += (size_t)w;
		xbt_settle(&t);
		k = fe_read(f, got + recvd, n - recvd);
		xbt_settle(&t);
		recvd += k;
		if (k)
			idle = 0;
		else {
			idle++;
			poll(NULL, 0, 1);
		}
	}
	free(src);
	return recvd;
}

/* read what the backend delivers without the guest writing more */
static size_t drain(int fd, char *got, size_t n)
{
	size_t recvd = 0;
	int idle = 0;

	while (recvd < n && idle < 1000) {
		ssize_t r;

		xbt_settle(&t);
		r = read(fd, got + recvd, n - recvd);
		if (r > 0) {
			recvd += (size_t)r;
			idle = 0;
		} else {
			idle++;
			poll(NULL, 0, 1);
		}
	}
	return recvd;
}

static int sock_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		s = -1;
	}
	return s;
}

static bool same(const char *got, size_t n, unsigned int seed)
{
	char *want = malloc(n);
	bool ok;

	pattern(want, n, seed);
	ok = !memcmp(got, want, n);
	free(want);
	return ok;
}

int main(void)
{
	char dir[] = "/tmp/xb-console-XXXXXX", sock[128], sockopt[160], *tty;
	const char *sock_extra[] = { "connection=socket", sockopt, NULL };
	const char *pty_extra[] = { "connection=pty", NULL };
	const char *bad_extra[] = { "connection=tcp", NULL };
	enum { N = 64 * 1024 };
	char *got = malloc(N);
	struct fe f1, f2, f3;
	int fds0, s, p;
	struct stat st;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/chan.sock", dir);
	snprintf(sockopt, sizeof(sockopt), "path=%s", sock);
	xbt_init(&t, XENBACK_LOG_WARNING);
	tap_eq(xenback_backend_register(t.bus, &xenback_console_info), 0, "the console type registers");
	fds0 = fd_count();

	/* the decline: xenconsoled's primary console, and a console without a type */
	add_console(0, "xenconsoled", NULL);
	add_console(9, NULL, NULL);
	tap_ok(xbt_exists(&t, "console", DOM, 0), "a type=xenconsoled console is remembered");
	tap_eq(xbt_error(&t, "console", DOM, 0), 0, "declined without an error");
	tap_eq(xbt_be_state(&t, "console", DOM, 0), XENBACK_STATE_INITIALISING, "its node is left alone");
	tap_eq(xbt_error(&t, "console", DOM, 9), 0, "a console without a type is declined too");
	tap_eq(xbt_be_state(&t, "console", DOM, 9), XENBACK_STATE_INITIALISING, "and left alone");
	tap_eq(fd_count(), fds0, "declining opens nothing");
	tap_ok(*xenback_bus_error(t.bus) == 0, "nothing logged as an error (\"%s\")", xenback_bus_error(t.bus));

	/* a socket channel: listening from create() on */
	add_console(1, "ioemu", sock_extra);
	tap_eq(xbt_be_state(&t, "console", DOM, 1), XENBACK_STATE_INITWAIT, "a type=ioemu socket channel: InitWait");
	tap_ok(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode), "its socket listens at %s", sock);
	fe_connect(&f1, 1);
	tap_eq(xbt_be_state(&t, "console", DOM, 1), XENBACK_STATE_CONNECTED, "the frontend connects");
	{
		/* no reader yet: the ring is held, nothing dropped */
		char a[4096];
		size_t w;

		pattern(a, sizeof(a), 1);
		w = fe_write(&f1, a, sizeof(a));
		xbt_settle(&t);
		w += fe_write(&f1, a + w, sizeof(a) - w);
		xbt_settle(&t);
		tap_eq(w, sizeof(a), "without a client: one ring in the buffer, one in the ring");
		tap_eq(f1.intf->out_prod - f1.intf->out_cons, sizeof(f1.intf->out), "the out ring stays full (held)");
		s = sock_connect(sock);
		tap_ok(s >= 0, "a client connects");
		xbt_settle(&t);
		memset(got, 0, N);
		tap_eq(drain(s, got, sizeof(a)), sizeof(a), "the held 4096 bytes arrive");
		tap_ok(same(got, sizeof(a), 1), "in order, byte for byte");
	}
	tap_eq(guest_to_host(&f1, s, N, 2, got), N, "64 KiB guest to host through the socket");
	tap_ok(same(got, N, 2), "byte for byte");
	tap_eq(host_to_guest(&f1, s, N, 3, got), N, "64 KiB host to guest through a 1 KiB ring");
	tap_ok(same(got, N, 3), "byte for byte");
	{
		/* the guest does not read: the client's bytes wait in the socket */
		char a[8192];
		ssize_t w;

		pattern(a, sizeof(a), 4);
		w = write(s, a, sizeof(a));
		xbt_settle(&t);
		tap_eq(w, (ssize_t)sizeof(a), "the client writes 8 KiB");
		tap_eq(f1.intf->in_prod - f1.intf->in_cons, sizeof(f1.intf->in), "the in ring fills, no further");
		memset(got, 0, sizeof(a));
		tap_eq(host_to_guest(&f1, s, 0, 4, got), 0, "(no more written)");
		{
			size_t k = 0;
			int idle = 0;

			while (k < sizeof(a) && idle < 100) {
				size_t n = fe_read(&f1, got + k, sizeof(a) - k);

				xbt_settle(&t);
				k += n;
				idle = n ? 0 : idle + 1;
			}
			tap_eq(k, sizeof(a), "the guest reads all 8 KiB once it reads");
			tap_ok(same(got, sizeof(a), 4), "in order");
		}
	}
	close(s);
	xbt_settle(&t);
	s = sock_connect(sock);
	xbt_settle(&t);
	tap_eq(guest_to_host(&f1, s, 1000, 5, got), 1000, "a second client after the first left");

	/* a pty channel: its path in the frontend's tty */
	add_console(2, "ioemu", pty_extra);
	tty = xenback_sim_read(t.sim, FE_KEY(2, "tty"));
	tap_ok(tty && !strncmp(tty, "/dev/pts/", 9), "a pty channel publishes its tty (%s)", tty ? tty : "none");
	p = tty ? open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) : -1;
	tap_ok(p >= 0, "the pty opens");
	{
		struct termios tio;

		tap_ok(p >= 0 && tcgetattr(p, &tio) == 0 && !(tio.c_lflag & (ICANON | ECHO)) && !(tio.c_oflag & OPOST),
		       "in raw mode");
	}
	fe_connect(&f2, 2);
	tap_eq(xbt_be_state(&t, "console", DOM, 2), XENBACK_STATE_CONNECTED, "the pty channel connects");
	tap_eq(guest_to_host(&f2, p, N, 6, got), N, "64 KiB guest to host through the pty");
	tap_ok(same(got, N, 6), "byte for byte (binary, no line discipline)");
	tap_eq(host_to_guest(&f2, p, N, 7, got), N, "64 KiB host to guest through the pty");
	tap_ok(same(got, N, 7), "byte for byte");
	free(tty);
	{
		/* lateeoi: nobody reads the pty, so it fills and holds the guest's
		 * bytes; an event that brought new bytes is still work (not
		 * spurious, or the guest's next events would be delayed up to a
		 * second each); only an event with nothing new is spurious */
		char a[100];
		size_t total = 0, w = sizeof(a), k;
		uint64_t sp_blocked = 0, sp0;
		int blocked = 0, i;

		pattern(a, sizeof(a), 9);
		for (i = 0; i < 4000 && blocked < 3 && w == sizeof(a); i++) {
			XENCONS_RING_IDX cons0 = f2.intf->out_cons;

			sp0 = xenback_sim_evtchn_spurious(t.sim);
			w = fe_write(&f2, a, sizeof(a));
			xbt_settle(&t);
			total += w;
			if (w == sizeof(a) && f2.intf->out_cons == cons0) {
				blocked++;
				sp_blocked += xenback_sim_evtchn_spurious(t.sim) - sp0;
			}
		}
		tap_eq(blocked, 3, "the pty fills: the guest's bytes wait in the ring (%zu written)", total);
		tap_eq(sp_blocked, 0, "events that brought them are not spurious");
		sp0 = xenback_sim_evtchn_spurious(t.sim);
		xenback_sim_evtchn_notify(t.sim, DOM, f2.port);
		xbt_settle(&t);
		tap_eq(xenback_sim_evtchn_spurious(t.sim) - sp0, 1, "an event with nothing new is spurious");
		memset(got, 0, N);
		k = drain(p, got, total < N ? total : N);
		tap_eq(k, total < N ? total : N, "the reader comes back: everything held arrives");
		for (i = 0; (size_t)(i + 1) * sizeof(a) <= k && !memcmp(got + (size_t)i * sizeof(a), a, sizeof(a)); i++)
			;
		tap_eq((size_t)i * sizeof(a), k - k % sizeof(a), "byte for byte");
		/* the guest reads what the host wrote: its event is work even
		 * when the host has nothing more to send */
		tap_eq(write(p, "ping", 4), 4, "the host writes 4 bytes");
		xbt_settle(&t);
		sp0 = xenback_sim_evtchn_spurious(t.sim);
		tap_eq(fe_read(&f2, got, 16), 4, "the guest reads them");
		xbt_settle(&t);
		tap_eq(xenback_sim_evtchn_spurious(t.sim) - sp0, 0, "its event (in_cons advanced) is not spurious");
	}

	/* an extra console without a connection key: output=pty */
	add_console(4, "ioemu", NULL);
	tap_eq(xbt_be_state(&t, "console", DOM, 4), XENBACK_STATE_INITWAIT, "no connection key, output=pty: a pty");
	add_console(5, "ioemu", bad_extra);
	tap_ok(xbt_error(&t, "console", DOM, 5) < 0, "connection=tcp: refused with an error");

	/* hostile indices: that console alone goes */
	fe_connect(&f3, 4);
	f3.intf->out_prod = f3.intf->out_cons + 4096;
	xenback_sim_evtchn_notify(t.sim, DOM, f3.port);
	xbt_settle(&t);
	tap_eq(xbt_error(&t, "console", DOM, 4), -EPROTO, "out_prod a ring and more ahead: the console fails");
	tap_ok(strstr(xenback_bus_error(t.bus), "console ring") != NULL, "with a reason (\"%s\")",
	       xenback_bus_error(t.bus));
	f2.intf->in_cons = f2.intf->in_prod + 5;
	xenback_sim_evtchn_notify(t.sim, DOM, f2.port);
	xbt_settle(&t);
	tap_eq(xbt_error(&t, "console", DOM, 2), -EPROTO, "in_cons beyond in_prod: that console fails");
	tap_eq(xbt_error(&t, "console", DOM, 1), 0, "the socket channel is untouched");
	tap_eq(guest_to_host(&f1, s, 2000, 8, got), 2000, "and still carries bytes");
	tap_ok(same(got, 2000, 8), "byte for byte");
	if (p >= 0)
		close(p);
	close(s);

	/* destroy: nothing left */
	for (uint32_t d = 0; d <= 9; d++)
		if (xbt_exists(&t, "console", DOM, d))
			xbt_rm(&t, "console", DOM, d);
	xbt_settle(&t);
	tap_ok(stat(sock, &st) < 0 && errno == ENOENT, "the socket is gone with its device");
	tap_eq(fd_count(), fds0, "every fd is closed");
	tap_eq(xenback_sim_grants_mapped(t.sim), 0, "no grant stays mapped");
	tap_eq(xenback_sim_ports_bound(t.sim), 0, "no port stays bound");
	xbt_fini(&t);
	rmdir(dir);
	free(got);
	return tap_done();
}
