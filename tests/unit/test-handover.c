/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Handover (userspace/lib/core/handover.c): a bus with a state directory
 * hands its devices to the next process (xenback_bus_detach(), or dying)
 * and takes over what a previous one left. On one simulated platform, one
 * bus after another: a Connected device is connected again with
 * xenback_device_reattaching() and its kept memory as it was, without a
 * state write; a type that cannot reattach goes Closing; InitWait resumes;
 * Closing finishes; a failed node is not tried again until re-added; kept
 * files of nodes gone meanwhile are removed; one process per directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "helpers/fdcount.h"
#include "helpers/simbus.h"

#define KEEP_MAGIC 0x6b656570u

/* "vre": like vtest, but declares XENBACK_TYPE_REATTACH and keeps a word. */
static struct {
	unsigned int connect, reattach, kept, disconnect;
	uint32_t last_word;
	int keep_errno;
} vre;

struct vre_dev {
	void *ring;
	struct xenback_evtchn *ch;
	uint32_t *word;
};

static int vre_create(struct xenback_backend *be, const struct xenback_opts *opts)
{
	struct xenback_device *dev;
	const char *v = xenback_opts_get(opts, "fail");
	int r;

	vtest.create++;
	if (v && !strcmp(v, "1"))
		return xenback_backend_set_error(be, -ENOENT, "test: failing create");
	r = xenback_device_new(be, sizeof(struct vre_dev), &dev);
	if (r < 0)
		return r;
	xenback_device_printf(dev, "feature-test", "%d", 1);
	xenback_backend_set_device(be, dev);
	return 0;
}

static bool vre_event(struct xenback_evtchn *ch, void *arg)
{
	(void)ch;
	(void)arg;
	return true;
}

static int vre_connect(struct xenback_device *dev)
{
	struct vre_dev *v = xenback_device_priv(dev);
	unsigned long ref, port;
	uint32_t r32;
	bool kept = false;
	int r;

	vre.connect++;
	if (xenback_device_reattaching(dev))
		vre.reattach++;
	v->word = xenback_device_keep(dev, 4096, &kept);
	vre.keep_errno = v->word ? 0 : errno;
	if (v->word) {
		if (kept) {
			vre.kept++;
			vre.last_word = *v->word;
		}
		*v->word = KEEP_MAGIC + vre.connect;
	}
	r = xenback_device_read_frontend_uint(dev, "ring-ref", UINT32_MAX, &ref);
	if (r == 0)
		r = xenback_device_read_frontend_uint(dev, "event-channel", UINT32_MAX, &port);
	if (r < 0)
		return r;
	r32 = (uint32_t)ref;
	r = xenback_device_map_grants(dev, &r32, 1, true, &v->ring);
	if (r < 0)
		return r;
	return xenback_device_bind_evtchn(dev, (uint32_t)port, vre_event, NULL, &v->ch);
}

static void vre_disconnect(struct xenback_device *dev)
{
	struct vre_dev *v = xenback_device_priv(dev);

	vre.disconnect++;
	if (v->ch)
		xenback_evtchn_unbind(v->ch);
	if (v->ring)
		xenback_device_unmap_grants(dev, v->ring);
	memset(v, 0, sizeof(*v));
}

static void vre_destroy(struct xenback_backend *be)
{
	(void)be;
}

static const struct xenback_backend_info vre_info = {
	.type = "vre", .create = vre_create, .destroy = vre_destroy,
	.connect = vre_connect, .disconnect = vre_disconnect,
	.flags = XENBACK_TYPE_REATTACH,
};

static void tap_log(void *data, int level, const char *msg)
{
	(void)data;
	(void)level;
	printf("# %s\n", msg);
}

/* A bus on t->sim with vre and vtest registered; dir: its state directory
 * (NULL: none). Returns 0 or set_state_dir's error. */
static int bus_up(struct xbt *t, const char *dir)
{
	struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_INFO, .log = tap_log,
					  .retry_delay_ms = 1 };
	int r;

	if (xenback_bus_new(xenback_sim_platform(t->sim), &cfg, &t->bus) ||
	    xenback_backend_register(t->bus, &vre_info) ||
	    xenback_backend_register(t->bus, &vtest_info)) {
		printf("Bail out! cannot set up the simulated bus\n");
		exit(1);
	}
	if (dir && (r = xenback_bus_set_state_dir(t->bus, dir)) < 0) {
		xenback_bus_free(t->bus);
		t->bus = NULL;
		return r;
	}
	if (xenback_bus_start(t->bus)) {
		printf("Bail out! cannot start the bus\n");
		exit(1);
	}
	xbt_settle(t);
	return 0;
}

static bool keep_file(const char *dir, const char *type, unsigned int domid, unsigned int devid)
{
	return access(xbt_path("%s/%s-%u-%u", dir, type, domid, devid), F_OK) == 0;
}

/* The write hook: vre 2/1's state written as InitWait; 1 if its mark was
 * there then, 0 if not, -1 not seen. */
static const char *mark_dir;
static int initwait_marked = -1;

static void initwait_seen(void *arg, const char *path, const char *val, unsigned int len)
{
	const char *tail = "/backend/vre/2/1/state";
	size_t pl = strlen(path), tl = strlen(tail);

	(void)arg;
	if (pl < tl || strcmp(path + pl - tl, tail) || len != 1 || val[0] != '2')
		return;
	initwait_marked = access(xbt_path("%s/vre-2-1.served", mark_dir), F_OK) == 0;
}

int main(void)
{
	char dir[] = "/tmp/xb-handover-XXXXXX";
	struct xbt t = { 0 }, t2 = { 0 };
	unsigned int creates, fds0;
	uint64_t writes;
	uint32_t port;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	t.sim = xenback_sim_new();
	fds0 = fd_count();

	/* ---- without a state directory: today's behaviour */
	tap_eq(bus_up(&t, NULL), 0, "a bus without a state directory");
	xbt_add(&t, "vre", 1, 1, NULL);
	xbt_settle(&t);
	xbt_fe_connect(&t, "vre", 1, 1);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CONNECTED, "vre 1/1 Connected");
	tap_eq(vre.keep_errno, EOPNOTSUPP, "xenback_device_keep() without a state dir: EOPNOTSUPP");
	xenback_bus_detach(t.bus);
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CONNECTED,
	       "detach writes no state: still Connected");
	tap_eq(xenback_sim_ports_bound(t.sim), 0, "detach unbinds every port");
	tap_eq(xenback_sim_grants_mapped(t.sim), 0, "detach unmaps every grant");
	memset(&vre, 0, sizeof(vre));
	tap_eq(bus_up(&t, NULL), 0, "a new bus without a state directory");
	tap_eq(vre.connect, 0, "it leaves a Connected node alone (nothing to take it over with)");
	xenback_bus_free(t.bus);
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CONNECTED, "and frees without writing it");

	/* ---- with one, a node no process of ours served (QEMU serves its own
	 * domains' qdisk nodes): left alone */
	memset(&vre, 0, sizeof(vre));
	tap_eq(bus_up(&t, dir), 0, "a bus with state directory %s", dir);
	tap_eq(vre.connect, 0,
	       "a Connected node without our mark is not taken over (another backend's)");
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CONNECTED, "and is not written");
	tap_ok(!xbt_exists(&t, "vre", 1, 1), "and has no record");
	xenback_bus_free(t.bus);

	/* ---- marked (as a process of ours with this directory leaves it):
	 * Connected -> reattached, kept memory as it was */
	{
		char mark[256];
		int fd;

		snprintf(mark, sizeof(mark), "%s/vre-1-1.served", dir);
		fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		tap_ok(fd >= 0 && close(fd) == 0, "vre 1/1 marked as served from this directory");
	}
	memset(&vre, 0, sizeof(vre));
	tap_eq(bus_up(&t, dir), 0, "a bus with state directory %s", dir);
	tap_eq(vre.connect, 1, "it takes over the Connected node: connect() once");
	tap_eq(vre.reattach, 1, "... with xenback_device_reattaching() true");
	tap_eq(vre.kept, 0, "... and nothing kept (the previous process had no state dir)");
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CONNECTED, "still Connected");
	tap_ok(keep_file(dir, "vre", 1, 1), "its kept file exists");
	tap_eq(xenback_sim_ports_bound(t.sim), 1, "its port is bound again");
	{
		struct xenback_bus_config cfg = { .log_level = XENBACK_LOG_ERR, .log = tap_log };

		xenback_bus_new(xenback_sim_platform(t.sim), &cfg, &t2.bus);
		tap_eq(xenback_bus_set_state_dir(t2.bus, dir), -EBUSY,
		       "a second bus on the same state directory: -EBUSY");
		xenback_bus_free(t2.bus);
	}
	xenback_bus_detach(t.bus);
	tap_ok(keep_file(dir, "vre", 1, 1), "detach keeps the file");
	{
		char mark[256];

		snprintf(mark, sizeof(mark), "%s/vre-1-1.served", dir);
		tap_eq(unlink(mark), 0, "its mark removed (as a process from before the marks left "
					"it: only the kept file)");
	}
	writes = xenback_sim_requests(t.sim, XENBACK_SIM_WRITE);
	memset(&vre, 0, sizeof(vre));
	tap_eq(bus_up(&t, dir), 0, "the next process");
	tap_eq(vre.reattach, 1, "reattached");
	tap_eq(vre.kept, 1, "kept memory found");
	tap_eq(vre.last_word, KEEP_MAGIC + 1, "holding what the previous process wrote");
	tap_eq(xenback_sim_requests(t.sim, XENBACK_SIM_WRITE), writes,
	       "taking a Connected device over writes nothing to xenstore");
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CONNECTED, "still Connected");

	/* ---- the frontend closes normally afterwards: the file goes */
	xbt_fe_set_state(&t, "vre", 1, 1, XENBACK_STATE_CLOSING);
	xbt_settle(&t);
	tap_eq(vre.disconnect, 1, "frontend Closing: disconnect()");
	tap_ok(!keep_file(dir, "vre", 1, 1), "a normal disconnect removes the kept file");
	xbt_fe_set_state(&t, "vre", 1, 1, XENBACK_STATE_CLOSED);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CLOSED, "and the backend goes Closed");

	/* ---- mid-handshake, a type without reattach, a failed node; the mark
	 * must exist by the time InitWait is written (a process killed between
	 * the two left a node the next one took for another backend's) */
	mark_dir = dir;
	xenback_sim_on_write(t.sim, initwait_seen, NULL);
	xbt_add(&t, "vre", 2, 1, NULL);             /* will be InitWait */
	xbt_add(&t, "vtest", 3, 1, NULL);           /* Connected, cannot reattach */
	{
		static const char *const failing[] = { "fail=1", NULL };

		xbt_add(&t, "vre", 4, 1, failing);
	}
	xbt_settle(&t);
	xbt_fe_connect(&t, "vtest", 3, 1);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vre", 2, 1), XENBACK_STATE_INITWAIT, "vre 2/1 InitWait");
	xenback_sim_on_write(t.sim, NULL, NULL);
	tap_eq(initwait_marked, 1, "its mark existed when InitWait was written (%d)",
	       initwait_marked);
	tap_eq(xbt_be_state(&t, "vtest", 3, 1), XENBACK_STATE_CONNECTED, "vtest 3/1 Connected");
	tap_ok(xbt_error(&t, "vre", 4, 1) < 0, "vre 4/1 failed");
	xenback_bus_detach(t.bus);
	/* While no process serves: the toolstack takes vre 1/1 offline and
	 * removes a node with a kept file. */
	xbt_offline(&t, "vre", 1, 1);
	{
		int fd = open(xbt_path("%s/vre-9-9", dir), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	creates = vtest.create;
	memset(&vre, 0, sizeof(vre));
	tap_eq(bus_up(&t, dir), 0, "the next process");
	tap_ok(!keep_file(dir, "vre", 9, 9), "a kept file whose node is gone is removed at start");
	tap_eq(xbt_be_state(&t, "vtest", 3, 1), XENBACK_STATE_CLOSING,
	       "a Connected device of a type that cannot reattach goes Closing (frontend told)");
	tap_eq(xbt_be_state(&t, "vre", 2, 1), XENBACK_STATE_INITWAIT, "InitWait stays InitWait");
	tap_eq(vtest.create, creates + 3, "create() ran for the three nodes left live or closing");
	tap_ok(xbt_exists(&t, "vre", 4, 1) && xbt_error(&t, "vre", 4, 1) < 0,
	       "the failed node is recorded failed, not tried again");
	tap_eq(xbt_be_state(&t, "vre", 1, 1), XENBACK_STATE_CLOSED,
	       "the node taken offline meanwhile (Closing, frontend Closed): Closed");
	tap_ok(!xbt_exists(&t, "vre", 1, 1), "... and its record destroyed");
	port = xbt_fe_connect(&t, "vre", 2, 1);
	xbt_settle(&t);
	tap_eq(xbt_be_state(&t, "vre", 2, 1), XENBACK_STATE_CONNECTED,
	       "the InitWait device connects when its frontend does (port %u)", port);
	tap_eq(vre.reattach, 0, "... as a fresh connect (it never was Connected)");
	xbt_rm(&t, "vre", 4, 1);
	xbt_settle(&t);
	{
		static const char *const ok[] = { NULL };

		xbt_add(&t, "vre", 4, 1, ok);
	}
	xbt_settle(&t);
	tap_eq(vtest.create, creates + 4, "the failed node removed and re-added: tried once");
	tap_eq(xbt_be_state(&t, "vre", 4, 1), XENBACK_STATE_INITWAIT, "and created");

	/* ---- Closing left by a crash finishes */
	xbt_fe_set_state(&t, "vre", 2, 1, XENBACK_STATE_CONNECTED);
	xbt_settle(&t);
	xenback_bus_detach(t.bus);
	xbt_offline(&t, "vre", 2, 1);               /* xl block-detach meanwhile */
	xbt_fe_set_state(&t, "vre", 2, 1, XENBACK_STATE_CLOSED);
	tap_eq(bus_up(&t, dir), 0, "the next process");
	tap_eq(xbt_be_state(&t, "vre", 2, 1), XENBACK_STATE_CLOSED,
	       "a Closing node whose frontend closed meanwhile is finished: Closed");
	tap_ok(!xbt_exists(&t, "vre", 2, 1), "and, offline, its record destroyed");
	tap_ok(!keep_file(dir, "vre", 2, 1), "and its kept file removed");
	xenback_bus_free(t.bus);
	tap_eq(xenback_sim_ports_bound(t.sim), 0, "all ports unbound at the end");
	tap_eq(xenback_sim_grants_mapped(t.sim), 0, "all grants unmapped at the end");
	tap_eq(fd_count(), fds0, "no fd leaked over 6 processes' lifetimes");
	xenback_sim_free(t.sim);
	unlink(xbt_path("%s/lock", dir));
	rmdir(dir);
	return tap_done();
}
