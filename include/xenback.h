/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxenback: a library for writing Xen paravirtual backends.
 *
 * A bus (struct xenback_bus) watches backend/<type> in xenstore for every
 * registered backend type, keeps a registry of backend instances keyed by
 * (type, frontend domid, devid), creates devices when the toolstack asks for
 * them, drives the XenbusState handshake and tears devices down again.
 *
 * Mapping to QEMU's include/hw/xen/xen-backend.h (the system we started
 * from). QEMU keeps its registry in file-level globals; ours belongs to a
 * bus object, so every call takes the bus or an object owned by it.
 *
 *   QEMU                               libxenback
 *   XenBus                             struct xenback_bus
 *   XenBackendInstance                 struct xenback_backend
 *   XenDevice                          struct xenback_device
 *   XenBackendInfo                     struct xenback_backend_info
 *   QDict *opts                        struct xenback_opts
 *   xen_backend_get_bus()              xenback_backend_get_bus()
 *   xen_backend_get_name()             xenback_backend_get_name()
 *   xen_backend_set_device()           xenback_backend_set_device()
 *   xen_backend_get_device()           xenback_backend_get_device()
 *   xen_backend_register()             xenback_backend_register()
 *   xen_backend_get_types()            xenback_backend_get_types()
 *   xen_backend_exists()               xenback_backend_exists()
 *   xen_backend_device_create()        xenback_backend_device_create()
 *   xen_backend_try_device_destroy()   xenback_backend_try_device_destroy()
 *
 * The rule of QEMU commit eb6ae7a682 ("do not repeatedly try to create a failing
 * backend device"): the instance of a device whose create() failed is kept,
 * with its error recorded and no device attached, so exists() finds it and
 * enumeration never creates it again while its xenstore node exists. A
 * create() that returns 0 without attaching a device *declines* it (QEMU's
 * console ignoring non-ioemu consoles): remembered the same way, no error.
 * The fd budget: while fewer than 64 file descriptors are left under the
 * process's RLIMIT_NOFILE, create() is not called and the instance fails
 * with -EMFILE (reason logged), rather than failing later in a connect.
 * When the node disappears the instance goes too; a re-added node is tried
 * afresh, exactly once, even if the daemon reads the removal's watch event
 * only after the re-add:
 *  - the node of an instance without a device (failed, declined, domain
 *    gone) gets the key "xenback-record" ("failed", "declined",
 *    "domain-gone"), written only while the node exists. Removal takes it
 *    away and the toolstack's new node has none, so an event for the node
 *    or its state that finds the node without the key is a new node: the
 *    instance is forgotten and the node tried afresh (marked again if it
 *    fails again). If the key cannot be written (logged), only the node's
 *    removal is noticed.
 *  - a live device's node reads state Initialising (1) only until the
 *    device publishes InitWait; reading 1 afterwards (an event for the
 *    node or its state, or before any state write of ours, in the same
 *    transaction) means the toolstack wrote a new node (forced removal, a
 *    reused domid): the old device is torn down without writing into the
 *    new node, its ring unmapped and channel unbound, and the new node
 *    tried afresh.
 *
 * A guest that dies: nothing is created for a frontend domain that does
 * not exist (/local/domain/<domid> absent). When a domain dies
 * (@releaseDomain) its devices are torn down (Closed written), and every
 * instance of a node the toolstack left behind is kept holding nothing,
 * with error -ESRCH and the text "domain gone" (xenback_bus_foreach(),
 * xenbackctl list), until its node goes; events for such a node create
 * nothing.
 *
 * A name is "<frontend-domid>/<devid>", the node's path under
 * backend/<type>/.
 *
 * Glossary (one word per thing, in this library, xenback.ko, the uapi and
 * the tools):
 *   type      a kind of backend ("qdisk", "vbd"): struct xenback_backend_info.
 *   instance  the registry's record of one backend/<type>/<domid>/<devid>
 *             node: struct xenback_backend (QEMU: XenBackendInstance). Kept
 *             for failed and declined devices too. Functions: xenback_backend_*.
 *   device    a live instance's device and its XenbusState machine:
 *             struct xenback_device.
 *   port      an event channel's number at one end (local or remote).
 *   channel   a bound event channel: struct xenback_evtchn here, struct
 *             xb_evtchn in xenback.ko.
 *   ring      the shared pages of a request/response protocol (xen/io/ring.h).
 *   queue     one ring and its channel; a multi-queue device has several.
 *   event     a notification the frontend sent us (incoming); a backend's
 *             handler for it is named *_event.
 *   notify    a notification we send the frontend (outgoing).
 *   re-arm    letting a channel deliver its next event after handling one
 *             (Linux: xen_irq_lateeoi(), libxenevtchn: unmask); carries a
 *             "spurious" hint when the event found no work. The uapi's
 *             eoi/eoi_count fields are re-arms (Linux's lateeoi call).
 *   kick      the batch of a round's re-arms and notifies, sent in one call
 *             (one NOTIFY ioctl with xenback.ko).
 *   round     one xenback_bus_dispatch() pass over everything pending; its
 *             kick goes out at its end (or with the next round's wait).
 *
 * Errors: functions return 0 or a negative errno; the text of the last
 * error on a bus is xenback_bus_error(). The library never aborts and has no
 * global state and no threads: drive it from your loop with
 * xenback_bus_fd() and xenback_bus_dispatch().
 */
#ifndef XENBACK_H
#define XENBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xenback_platform;
struct xenback_bus;
struct xenback_backend;
struct xenback_device;
struct xenback_opts;
struct xenback_evtchn;

/* ---------------------------------------------------------------- platform */

/*
 * The real platform: libxenstore, libxengnttab, and event channels through
 * /dev/xenback when xenback.ko is loaded, else libxenevtchn.
 * flags: XENBACK_PLATFORM_NO_MODULE forces libxenevtchn.
 */
#define XENBACK_PLATFORM_NO_MODULE 1u
int xenback_platform_open(unsigned int flags, struct xenback_platform **out);
void xenback_platform_free(struct xenback_platform *p);
/* "real+xenback", "real+libxenevtchn", "sim", ... */
const char *xenback_platform_name(const struct xenback_platform *p);

/* One segment of a batched grant copy (mirrors xengnttab_grant_copy_segment). */
struct xenback_grant_copy {
	bool to_guest;      /* true: local buffer -> guest grant */
	uint32_t domid;     /* the granting domain */
	uint32_t ref;       /* grant reference */
	uint16_t offset;    /* offset inside the granted page */
	uint16_t len;       /* bytes, offset + len <= 4096 */
	void *buf;          /* local buffer */
	int16_t status;     /* out: 0 (GNTST_okay) or a negative GNTST_* */
};

/* ---------------------------------------------------------------- bus */

enum xenback_log_level {
	XENBACK_LOG_ERR = 3,
	XENBACK_LOG_WARNING = 4,
	XENBACK_LOG_NOTICE = 5,
	XENBACK_LOG_INFO = 6,
	XENBACK_LOG_DEBUG = 7,
};

/* "error", "warning", "notice", "info" or "debug" for XENBACK_LOG_ERR..
 * XENBACK_LOG_DEBUG; "?" for any other value. */
const char *xenback_log_level_name(int level);
/* The XENBACK_LOG_* value of a level's name as xenback_log_level_name()
 * spells it (any case; also "err" and "warn") or of its number ("3".."7");
 * -EINVAL for anything else (NULL, "", "8", "loud"). */
int xenback_log_level_parse(const char *name);

typedef void (*xenback_log_fn)(void *data, int level, const char *msg);

struct xenback_bus_config {
	/* Domain the backends run in: 0 for dom0, else a driver domain. The
	 * bus watches /local/domain/<backend_domid>/backend/<type>. */
	uint32_t backend_domid;
	/* Messages at or below this level go to log (default: stderr). */
	int log_level;
	xenback_log_fn log;
	void *log_data;
	/* Bounded retries of an option-reading transaction on EAGAIN
	 * (0: default 16). After that the device is retried from a timer. */
	unsigned int txn_retries;
	/* A frontend changing state more than flap_limit times within
	 * flap_window_ms gets its device shut down (0: defaults 64, 1000). */
	unsigned int flap_limit;
	unsigned int flap_window_ms;
	/* Delay before retrying a device whose transaction kept failing
	 * (0: default 100 ms). */
	unsigned int retry_delay_ms;
	/* Backoff of a device whose connect keeps failing: after
	 * connect_fail_free failed connects in a row (no good connect between),
	 * the backend waits before it offers InitWait again to the frontend
	 * (back to Initialising): connect_backoff_ms, doubling with every
	 * further failure up to connect_backoff_max_ms. After
	 * connect_fail_limit failed connects in a row the device is shut down
	 * with the reason logged. A good connect clears the count. (0: defaults
	 * 4, 16, 1000 ms, 64000 ms.) */
	unsigned int connect_fail_free;
	unsigned int connect_fail_limit;
	unsigned int connect_backoff_ms;
	unsigned int connect_backoff_max_ms;
	/* Room for fields added later without breaking binaries built against
	 * this version: zero-fill (a designated initializer or memset does);
	 * xenback_bus_new() refuses non-zero with -EINVAL, so a later field
	 * that takes a slot reads as its default from an older caller. */
	uint64_t reserved[6];
};

int xenback_bus_new(struct xenback_platform *plat,
		    const struct xenback_bus_config *cfg,
		    struct xenback_bus **out);
/* Destroys every device (frontends are told Closed) and frees the bus. The
 * platform stays the caller's. */
void xenback_bus_free(struct xenback_bus *bus);
/* Watches every registered type and scans once. Types registered later are
 * watched and scanned when registered. */
int xenback_bus_start(struct xenback_bus *bus);
/* One fd for the whole bus (xenstore, event channels, timers): poll it for
 * POLLIN, then call xenback_bus_dispatch(). */
int xenback_bus_fd(const struct xenback_bus *bus);
/* Handles what is pending without blocking, within a round's budgets:
 * at most 1024 xenstore watch events are read per round, repeats coalesced
 * (one entry per node and watch, one per device for its frontend's state
 * subtree: a guest rewriting its state 100,000 times costs one read per
 * round), at most 256 coalesced events handled per round, at most 4096
 * held. What a round leaves keeps the bus fd readable, so the next round
 * comes at once (a poll or run_once does not wait). Returns the number of
 * events handled (>= 0) or a negative errno for a bus-wide failure. */
int xenback_bus_dispatch(struct xenback_bus *bus);
/* Blocks up to timeout_ms (-1: forever) for the bus fd, then dispatches.
 * With xenback.ko, a round's event-channel notifies and re-arms go out with
 * the next round's wait (one ioctl per round): call run_once again at once,
 * or xenback_bus_flush() before doing anything slow in between. */
int xenback_bus_run_once(struct xenback_bus *bus, int timeout_ms);
/* Send the notifies and re-arms the last round left queued. */
void xenback_bus_flush(struct xenback_bus *bus);
/* Extra fds in the bus's epoll set (a backend's io_uring eventfd, a
 * daemon's control socket): fn runs from xenback_bus_dispatch() when fd is
 * ready for events (EPOLLIN etc.). One callback per fd. */
typedef void (*xenback_fd_fn)(int fd, uint32_t events, void *arg);
int xenback_bus_add_fd(struct xenback_bus *bus, int fd, uint32_t events,
		       xenback_fd_fn fn, void *arg);
int xenback_bus_del_fd(struct xenback_bus *bus, int fd);
/* Text of the last error on this bus ("" if none). */
const char *xenback_bus_error(const struct xenback_bus *bus);
uint32_t xenback_bus_backend_domid(const struct xenback_bus *bus);
void xenback_bus_set_log_level(struct xenback_bus *bus, int level);

/* ------------------------------------------- restart, upgrade, crash */

/*
 * A process that serves devices can stop, be replaced (a new binary) or die
 * without any frontend noticing: the next process takes the devices over
 * where this one left them (userspace/DESIGN-restart.md).
 *
 * xenback_bus_set_state_dir(): where the bus keeps what must outlive the
 * process (one file per connected device, xenback_device_keep(); a lock,
 * so that one process at a time uses the directory). Call it before
 * xenback_bus_start(). With it, the bus's scans take over nodes a previous
 * process left: a Connected device is connected again with
 * xenback_device_reattaching() true (types with XENBACK_TYPE_REATTACH;
 * others go Closing), a device mid-handshake resumes its handshake, a
 * Closing one finishes closing, and a node marked failed or declined is
 * not tried again (the seed's rule holds across a restart). Without it
 * (the default) the bus creates devices only from Initialising nodes.
 * -EBUSY: another process holds the directory; -EINVAL: already started.
 */
int xenback_bus_set_state_dir(struct xenback_bus *bus, const char *dir);
/* Frees the bus like xenback_bus_free() but tells no frontend anything:
 * every connected device's disconnect() runs (rings unmapped, channels
 * unbound, so each frontend's port is free to be bound again), no state
 * node is written, and the kept files stay for the next process. */
void xenback_bus_detach(struct xenback_bus *bus);

/* ---------------------------------------------------------------- types */

#define XENBACK_TYPE_HOTPLUG 1u /* a hotplug script writes hotplug-status */
/* connect() can take over a device a previous process left Connected
 * (xenback_device_reattaching(), xenback_device_keep()). */
#define XENBACK_TYPE_REATTACH 2u

struct xenback_backend_info {
	const char *type;
	/* Called for a new device node (online=1, state=Initialising).
	 * Return 0 after xenback_backend_set_device() to create the device,
	 * 0 without it to decline silently, or a negative errno (with
	 * xenback_backend_set_error() for the text) on failure. */
	int (*create)(struct xenback_backend *be, const struct xenback_opts *opts);
	/* Releases what create() made. Called only for created devices. */
	void (*destroy)(struct xenback_backend *be);
	/* Frontend is Initialised: map rings, bind channels. 0 -> Connected.
	 * A failure (a negative return, or xenback_device_fail() called from
	 * inside connect()) is a connect error, not the device's end: the
	 * library calls disconnect(), moves the backend to Closing (as
	 * blkback does) and shows the error in xenback_bus_foreach(); when
	 * the frontend comes back to Initialising (through Closed) the device
	 * returns to InitWait and connect() runs again on the next
	 * Initialised. A frontend looping connect/fail is shut down by the
	 * flap limit (xenback_bus_config.flap_limit). */
	int (*connect)(struct xenback_device *dev);
	/* Undo connect(). Also called after a connect() that failed half way,
	 * so it must cope with a partial connect: release exactly what was
	 * taken (fds, bus fds, buffers), skip what was not. Grants and
	 * channels left over are released by the library afterwards. */
	void (*disconnect)(struct xenback_device *dev);
	unsigned int flags;
	/* Room for callbacks added later (see xenback_bus_config.reserved):
	 * must be NULL; xenback_backend_register() refuses others. */
	void *reserved[8];
};

/* ------------------------------------- QEMU's xen-backend.h API, mapped */

struct xenback_bus *xenback_backend_get_bus(struct xenback_backend *be);
const char *xenback_backend_get_name(struct xenback_backend *be);
const char *xenback_backend_get_type(struct xenback_backend *be);
void xenback_backend_set_device(struct xenback_backend *be,
				struct xenback_device *dev);
struct xenback_device *xenback_backend_get_device(struct xenback_backend *be);
/* Registers a type (the info must outlive the bus). -EEXIST if the type is
 * registered already, -EINVAL for a bad info. */
int xenback_backend_register(struct xenback_bus *bus,
			     const struct xenback_backend_info *info);
/* Registered type names; free() the array (not the strings). */
const char **xenback_backend_get_types(struct xenback_bus *bus,
				       unsigned int *nr);
/* O(1). True for created, failed, declined and "domain gone" instances. */
bool xenback_backend_exists(struct xenback_bus *bus, const char *type,
			    const char *name);
/* Creates an instance and runs the type's create(), after the checks
 * enumeration applies: the node exists (else -ENOENT, nothing kept), the
 * frontend domain exists (else -ESRCH, kept as "domain gone"), and the
 * node's frontend lies inside /local/domain/<domid>/ with a matching
 * frontend-id (else -EINVAL). On failure the instance is kept with its
 * error and never created again while its node exists (QEMU commit
 * eb6ae7a682), and the error returned. */
int xenback_backend_device_create(struct xenback_bus *bus, const char *type,
				  const char *name,
				  const struct xenback_opts *opts);
/* Destroys dev if a backend instance owns it; false otherwise. */
bool xenback_backend_try_device_destroy(struct xenback_device *dev);

/* Record the reason create() fails (printf format). Returns err. */
int xenback_backend_set_error(struct xenback_backend *be, int err,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 0 for declined instances and live ones that connected, the negative
 * errno of a failed one or of a live device's last failed connect. */
int xenback_backend_get_error(struct xenback_backend *be, const char **msg);
uint32_t xenback_backend_frontend_id(struct xenback_backend *be);
uint32_t xenback_backend_devid(struct xenback_backend *be);

/* ---------------------------------------------------------------- options */

/* Options of a device: every key of its backend node except state, online,
 * frontend, frontend-id, hotplug-status and xenback-record. */
const char *xenback_opts_get(const struct xenback_opts *o, const char *key);
unsigned int xenback_opts_count(const struct xenback_opts *o);
/* i-th key/value, sorted by key; NULL past the end. */
const char *xenback_opts_key(const struct xenback_opts *o, unsigned int i);
const char *xenback_opts_value(const struct xenback_opts *o, unsigned int i);
struct xenback_opts *xenback_opts_new(void);
int xenback_opts_set(struct xenback_opts *o, const char *key, const char *val);
void xenback_opts_free(struct xenback_opts *o);

/* ---------------------------------------------------------------- devices */

/* XenbusState values (xen/io/xenbus.h). */
enum xenback_state {
	XENBACK_STATE_UNKNOWN = 0,
	XENBACK_STATE_INITIALISING = 1,
	XENBACK_STATE_INITWAIT = 2,
	XENBACK_STATE_INITIALISED = 3,
	XENBACK_STATE_CONNECTED = 4,
	XENBACK_STATE_CLOSING = 5,
	XENBACK_STATE_CLOSED = 6,
	XENBACK_STATE_RECONFIGURING = 7,
	XENBACK_STATE_RECONFIGURED = 8,
};
const char *xenback_state_name(int state);

/* A new device for be with priv_size zeroed bytes of backend data; attach
 * it with xenback_backend_set_device() (an unattached device is freed when
 * create() returns). */
int xenback_device_new(struct xenback_backend *be, size_t priv_size,
		       struct xenback_device **out);
void *xenback_device_priv(struct xenback_device *dev);
/* Inside connect(): true when the device was Connected under a previous
 * process (restart, upgrade or crash) and the frontend has been using its
 * rings: connect() takes them over where that process left them, from what
 * it kept with xenback_device_keep(), rather than from the start. */
bool xenback_device_reattaching(const struct xenback_device *dev);
/* Inside connect(): size bytes of memory that outlive the process, mapped
 * shared from a file in the bus's state directory (one per device). When
 * reattaching and the previous process kept the same size, its content is
 * returned as it was and *kept is true; otherwise the memory is zeroed and
 * *kept false. Unmapped after disconnect(); the file is removed then,
 * except by xenback_bus_detach() or the process's death. NULL with errno:
 * no state directory (EOPNOTSUPP), size 0 or more than 64 MiB (EINVAL),
 * called twice for one connect (EBUSY), or the file system's error. */
void *xenback_device_keep(struct xenback_device *dev, size_t size, bool *kept);
/* Inside disconnect() and destroy(): true when the device is handed over
 * to the next process (xenback_bus_detach()) rather than ended: what the
 * next process takes over (a network device, say) must be left in place. */
bool xenback_device_handing_over(const struct xenback_device *dev);
struct xenback_backend *xenback_device_get_backend(struct xenback_device *dev);
struct xenback_bus *xenback_device_get_bus(struct xenback_device *dev);
int xenback_device_state(const struct xenback_device *dev);
int xenback_device_frontend_state(const struct xenback_device *dev);
const char *xenback_device_backend_path(const struct xenback_device *dev);
const char *xenback_device_frontend_path(const struct xenback_device *dev);
uint32_t xenback_device_frontend_id(const struct xenback_device *dev);

/* Write a key of the backend node. In create() the writes are buffered and
 * published with the move to InitWait in one transaction. */
int xenback_device_printf(struct xenback_device *dev, const char *key,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Read a key of the frontend node (malloc()ed; -ENOENT if absent). */
int xenback_device_read_frontend(struct xenback_device *dev, const char *key,
				 char **val);
/* Write a key of the frontend node, one the toolstack keeps read-only for
 * the guest (a console's tty, as QEMU writes it), while the node exists:
 * -ENOENT once it is gone, -EINVAL for a bad key or value. */
int xenback_device_write_frontend(struct xenback_device *dev, const char *key,
				  const char *val);
/* Read an unsigned decimal key of the frontend; -EINVAL if not a number
 * or above max. */
int xenback_device_read_frontend_uint(struct xenback_device *dev,
				      const char *key, unsigned long max,
				      unsigned long *val);
/* Log a message about this device through the bus's log (prefixed with
 * "<type>/<name>: "), e.g. a recovered error that does not shut it down. */
void xenback_device_log(struct xenback_device *dev, int level,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shut this device alone down with an error (logged, kept in the registry
 * as failed until its node goes). Returns err. Called from inside the
 * type's connect() it is a connect error instead (see
 * xenback_backend_info.connect): the device stays, goes Closing and may
 * connect again; the first reason given is the one shown. */
int xenback_device_fail(struct xenback_device *dev, int err,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* What a device holds, for budgets and xenbackctl list: a backend adds
 * (delta > 0) and returns (delta < 0) what it takes for a guest. The
 * library keeps the per-device totals and the bus-wide ones
 * (xenback_bus_usage()); a total never goes below 0. */
enum xenback_usage {
	XENBACK_USAGE_MEM,        /* bytes */
	XENBACK_USAGE_REQUESTS,   /* requests in flight */
	XENBACK_USAGE_FDS,        /* file descriptors */
	XENBACK_USAGE_THROTTLED,  /* a budget held the device back (count) */
	XENBACK_USAGE_NR,
};
void xenback_device_account(struct xenback_device *dev, enum xenback_usage what,
			    int64_t delta);
uint64_t xenback_device_usage(const struct xenback_device *dev, enum xenback_usage what);
uint64_t xenback_bus_usage(const struct xenback_bus *bus, enum xenback_usage what);

/* Grants of the device's frontend. Mappings still held at disconnect are
 * unmapped by the library. */
int xenback_device_map_grants(struct xenback_device *dev, const uint32_t *refs,
			      unsigned int n, bool writable, void **addr);
int xenback_device_unmap_grants(struct xenback_device *dev, void *addr);
/* Leave a mapping mapped for good (until the process exits), forgotten by
 * the device: for pages the kernel may still be doing I/O on when the
 * device goes. Unmapping a gntdev page the kernel holds corrupts it (a PV
 * dom0: "Bad page map", then a WARN when the I/O lets it go). */
int xenback_device_leak_grants(struct xenback_device *dev, void *addr);
int xenback_device_grant_copy(struct xenback_device *dev,
			      struct xenback_grant_copy *segs, unsigned int n);

/* Event channels: the handler runs from xenback_bus_dispatch(); the port
 * is re-armed after it returns (spurious if the handler returns false). */
typedef bool (*xenback_evtchn_fn)(struct xenback_evtchn *ch, void *arg);
int xenback_device_bind_evtchn(struct xenback_device *dev, uint32_t remote_port,
			       xenback_evtchn_fn fn, void *arg,
			       struct xenback_evtchn **out);
int xenback_evtchn_notify(struct xenback_evtchn *ch);
uint32_t xenback_evtchn_port(const struct xenback_evtchn *ch);
void xenback_evtchn_unbind(struct xenback_evtchn *ch);
/* Grant I/O through xenback.ko (uapi/xenback.h, XENBACK_IOCTL_GRANT_IO_OPEN):
 * a new file descriptor on which the module does direct I/O between
 * image_fd (opened O_DIRECT) and pages ch's frontend domain granted,
 * mapping them itself and keeping up to max_grants mapped; the process
 * never maps them, so closing it (or exiting) with I/O in flight is safe.
 * The caller closes the fd. -EOPNOTSUPP: the event channels are not on
 * xenback.ko, or it cannot (not Xen, an older module). */
int xenback_evtchn_grant_io_open(struct xenback_evtchn *ch, int image_fd,
				 unsigned int max_grants);
/* (The request and completion layouts are the module's: <uapi/xenback.h>.) */
struct xenback_grant_io_req;
struct xenback_grant_io_done;
/* On that file: start n (<= XENBACK_GRANT_IO_MAX_BATCH) requests, then take
 * up to max completions into done (returns their count; < 0: nothing
 * started); take up to max completions (0: none yet; the file is readable
 * while some wait); close it (requests in flight end in the module). */
int xenback_device_grant_io_submit(struct xenback_device *dev, int fd,
				   const struct xenback_grant_io_req *reqs, unsigned int n,
				   struct xenback_grant_io_done *done, unsigned int max);
int xenback_device_grant_io_reap(struct xenback_device *dev, int fd,
				 struct xenback_grant_io_done *done, unsigned int max);
void xenback_device_grant_io_close(struct xenback_device *dev, int fd);

/* The blkif ring engine (<uapi/xenback.h>, XENBACK_IOCTL_BLKIF_OPEN): the
 * module serves one blkif ring of dev's frontend by itself, as blkback
 * does; the caller does the xenstore side. o: the ring (refs, the
 * frontend's event-channel port), the image, limits and flags; its domid
 * is set to dev's frontend. Returns the file's fd (also o->fd): readable
 * once the module stopped the ring (the frontend broke it;
 * xenback_device_blkif_stats() says why). Closing it: the module answers
 * what it took, then lets go of the ring. -EOPNOTSUPP: the event channels
 * are not on xenback.ko, or it cannot (not Xen, an older module). */
struct xenback_blkif_open;
struct xenback_blkif_stats;
int xenback_device_blkif_open(struct xenback_device *dev, struct xenback_blkif_open *o);
int xenback_device_blkif_stats(struct xenback_device *dev, int fd,
			       struct xenback_blkif_stats *st);
void xenback_device_blkif_close(struct xenback_device *dev, int fd);

/* Host to guest for a netif backend through xenback.ko (<uapi/xenback.h>,
 * XENBACK_IOCTL_TAP_RX): frames taken from the tap queue tap_fd are
 * grant-copied into the buffers rx lists, in ch's frontend domain, without
 * passing through the process; rx->port and rx->tap_fd are set here, the
 * rest is the caller's (the outcome comes back in *rx and its frames).
 * 0, or a negative errno with nothing taken; -EOPNOTSUPP: the event
 * channels are not on xenback.ko, or it cannot (not Xen, an older module). */
struct xenback_tap_rx;
int xenback_evtchn_tap_rx(struct xenback_evtchn *ch, int tap_fd, struct xenback_tap_rx *rx);
/* Guest to host, the same way (XENBACK_IOCTL_TAP_TX): the frames tx lists,
 * grant-copied from ch's frontend domain into the module's own skbs and
 * handed to the tap's device (ifindex; tap_fd is its queue's file, which
 * the simulated platform writes to); tx->port and tx->ifindex are set
 * here. tx->nframes 0 asks only whether it is there: -EOPNOTSUPP if not,
 * else -EINVAL. */
struct xenback_tap_tx;
int xenback_evtchn_tap_tx(struct xenback_evtchn *ch, int tap_fd, unsigned int ifindex,
			  struct xenback_tap_tx *tx);

/* ---------------------------------------------------------------- listing */

struct xenback_device_info {
	const char *type;
	uint32_t frontend_id;
	uint32_t devid;
	int state;          /* backend XenbusState, -1 if no device */
	int frontend_state; /* -1 if unknown */
	int error;          /* 0, or the negative errno of a failed device
			     * (-ESRCH, "domain gone": its frontend domain
			     * died; the record holds nothing), or
			     * of a live device's last failed connect
			     * (cleared by a connect that succeeds) */
	const char *error_msg;
	bool declined;
	unsigned int grants_mapped;
	unsigned int ports_bound;
	/* What the device holds now, as its backend reports it
	 * (xenback_device_account()); 0 without a device. */
	uint64_t mem_bytes;          /* memory held for this guest (buffers) */
	uint32_t requests_inflight;  /* requests taken, not yet answered */
	uint32_t fds;                /* file descriptors held */
	uint64_t throttled;          /* times a budget held this device back */
	/* Zero for now: fields added later go here, so the struct's size and
	 * the offsets above never change. */
	uint64_t reserved[1];
};
/* Calls fn for every instance (order unspecified); stops if fn returns
 * non-zero and returns that value. */
int xenback_bus_foreach(struct xenback_bus *bus,
			int (*fn)(const struct xenback_device_info *, void *),
			void *data);
unsigned int xenback_bus_count(const struct xenback_bus *bus);

#ifdef __cplusplus
}
#endif
#endif
