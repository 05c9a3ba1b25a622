/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later */
/*
 * xenback.h - the contract between xenback.ko (/dev/xenback) and userspace.
 *
 * This is the only header shared by the kernel module and libxenback. Every
 * structure uses fixed-width types, carries explicit padding and has the same
 * size and layout for 32- and 64-bit processes (pointers travel as __u64), so
 * the module needs no compat translation. Padding and unused flag bits must be
 * zero: the module rejects anything else with EINVAL, which keeps them free
 * for later versions.
 *
 * Model
 * -----
 * Every open() of /dev/xenback is an isolated *context*. A context owns the
 * ports it bound and can only see, notify, re-arm and unbind those; a port
 * number unknown to the context is EINVAL, whoever else owns it.
 *
 * Ports are event channels:
 *   - interdomain: a Xen event channel bound to (remote domid, remote port)
 *     with EVTCHNOP_bind_interdomain; the local port number is Xen's.
 *     Only on Xen (XENBACK_F_XEN); elsewhere the bind fails with EOPNOTSUPP.
 *   - loopback: a connected pair of ports inside the module, in one context
 *     or across two. Notifying one end raises an event on the other. Port
 *     numbers start at XENBACK_LOOPBACK_PORT_BASE, so they never collide with
 *     Xen's. They behave exactly like interdomain ports (masking, lateeoi,
 *     suppression, eventfd, statistics, tracepoints), which makes the module
 *     usable and testable without Xen.
 *
 * Receive path (lateeoi semantics, as Linux's /dev/xen/evtchn after XSA-332):
 * an event on an unmasked port masks it and publishes the port once in the
 * context's pending ring (or signals the port's eventfd). Further events on a
 * masked port are latched, not queued. The port stays masked until userspace
 * re-arms it with XENBACK_IOCTL_NOTIFY's eoi vector; a latched event is then
 * delivered at once. Re-arming a port "spuriously" (the event carried no
 * work) feeds the storm throttle: repeated spurious re-arms delay the unmask
 * exponentially, up to one second, so a hostile peer cannot burn a CPU.
 * Because a port is in the ring at most once, the ring never overflows while
 * userspace only re-arms ports it has taken out of the ring.
 *
 * Pending ring: mmap() XENBACK_MMAP_SIZE bytes at offset 0, MAP_SHARED. The
 * mapping starts with struct xenback_shared; the ring of __u32 port numbers
 * (XENBACK_RING_SIZE entries, a power of two) starts at XENBACK_RING_OFFSET.
 * The module writes ring[prod % size] then advances prod (release order);
 * userspace reads prod (acquire), consumes entries up to it and stores cons
 * (release). poll()/epoll report EPOLLIN while prod != cons.
 *
 * Ring-aware suppression (XENBACK_IOCTL_SET_RING): with a shared ring
 * registered for a port, an event wakes userspace only if the ring's req_prod
 * differs from the consumer index userspace publishes; otherwise it is
 * counted as spurious, re-armed by the module as a spurious lateeoi, and
 * userspace never hears of it.
 *
 * Statistics: a generic netlink family XENBACK_GENL_NAME dumps per-port
 * counters of every context (CAP_NET_ADMIN); XENBACK_IOCTL_PORT_STATS reads
 * one port of the caller's own context.
 *
 * Tracepoints: system "xenback", events bind, unbind, port_event, wake, notify,
 * spurious, each with port and domid (perf record -e 'xenback:*').
 */
#ifndef _UAPI_XENBACK_H
#define _UAPI_XENBACK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define XENBACK_DEVICE_NAME "xenback" /* /dev/xenback, mode 0600 */

/*
 * Bumped on any incompatible change; additions are feature bits, and every
 * argument structure has flags, padding or reserved words that must be zero
 * today, so a later version can give them a meaning without a new command.
 * ABI 2: XENBACK_IOCTL_SET_EVENTFD gained flags and padding (16 bytes),
 * XENBACK_IOCTL_NOTIFY reserved words (48 bytes); both command numbers
 * changed with their sizes, and ABI 1's are ENOTTY.
 */
#define XENBACK_ABI_VERSION 2u

/* Features (struct xenback_version.features). */
#define XENBACK_F_LOOPBACK    (1u << 0) /* XENBACK_IOCTL_BIND_LOOPBACK */
#define XENBACK_F_XEN         (1u << 1) /* running on Xen: interdomain binds work */
#define XENBACK_F_EVENTFD     (1u << 2) /* XENBACK_IOCTL_SET_EVENTFD */
#define XENBACK_F_RING        (1u << 3) /* XENBACK_IOCTL_SET_RING */
#define XENBACK_F_NOTIFY_WAIT (1u << 4) /* XENBACK_NOTIFY_WAIT */
#define XENBACK_F_GENL_STATS  (1u << 5) /* the "xenback" genl family */
#define XENBACK_F_PORT_STATS  (1u << 6) /* XENBACK_IOCTL_PORT_STATS */
#define XENBACK_F_WAIT_FD     (1u << 7) /* XENBACK_NOTIFY_WAIT_FD */
#define XENBACK_F_RESTRICT    (1u << 8) /* XENBACK_IOCTL_RESTRICT_DOMID */
#define XENBACK_F_RING_GRANT  (1u << 9) /* XENBACK_SET_RING_GRANT (with XENBACK_F_XEN) */
#define XENBACK_F_GRANT_IO    (1u << 10) /* XENBACK_IOCTL_GRANT_IO_OPEN (with XENBACK_F_XEN) */
#define XENBACK_F_BLKIF       (1u << 11) /* XENBACK_IOCTL_BLKIF_OPEN (with XENBACK_F_XEN) */
#define XENBACK_F_TAP_RX      (1u << 12) /* XENBACK_IOCTL_TAP_RX (with XENBACK_F_XEN) */
#define XENBACK_F_TAP_TX      (1u << 13) /* XENBACK_IOCTL_TAP_TX (with XENBACK_F_XEN) */

/* Limits. */
#define XENBACK_MAX_PORTS 512u  /* ports per context (open more contexts for more) */
#define XENBACK_MAX_VEC   1024u /* entries per port vector */
#define XENBACK_LOOPBACK_PORT_BASE 0x40000000u
/* The domid reported for loopback ports (Xen's DOMID_SELF). */
#define XENBACK_DOMID_LOOPBACK 0x7ff0u

/* Shared mapping: one page, header and ring (one page keeps the hot path to
 * a single TLB entry on each side). */
#define XENBACK_MMAP_SIZE   4096u
#define XENBACK_RING_OFFSET 2048u
#define XENBACK_RING_SIZE   512u /* entries: XENBACK_MAX_PORTS fit */

struct xenback_shared {
	__u32 prod;  /* written by the module */
	__u32 cons;  /* written by userspace */
	__u32 flags; /* XENBACK_SHARED_*, written by the module */
	__u32 pad[13];
};
/* The ring was full when a port had to be pushed (entries of ports unbound
 * before they were consumed take room, or userspace broke the protocol:
 * cons ahead of prod, re-arming ports it had not consumed). Such a port
 * stays masked and is pushed once there is room, at the next
 * XENBACK_IOCTL_NOTIFY or poll: no event is lost. Informational, sticky. */
#define XENBACK_SHARED_OVERFLOW (1u << 0)

#define XENBACK_IOC_MAGIC 0xE5

/*
 * XENBACK_IOCTL_VERSION - what the module speaks.
 * out: everything. Never fails on a valid pointer (EFAULT otherwise).
 */
struct xenback_version {
	__u32 abi_version; /* XENBACK_ABI_VERSION */
	__u32 features;    /* XENBACK_F_* */
	__u32 max_ports;   /* XENBACK_MAX_PORTS */
	__u32 max_vec;     /* XENBACK_MAX_VEC */
	__u32 mmap_size;   /* XENBACK_MMAP_SIZE */
	__u32 ring_offset; /* XENBACK_RING_OFFSET */
	__u32 ring_size;   /* XENBACK_RING_SIZE */
	__u32 pad;
};
#define XENBACK_IOCTL_VERSION _IOR(XENBACK_IOC_MAGIC, 0x00, struct xenback_version)

/*
 * XENBACK_IOCTL_BIND_INTERDOMAIN - bind a Xen interdomain event channel.
 * in: remote_domid, remote_port; pad 0. out: local_port.
 * Errors: EOPNOTSUPP not on Xen; ENOSPC the context has XENBACK_MAX_PORTS
 * ports; EINVAL bad domid or pad; Xen's error for the hypercall (EINVAL,
 * ESRCH, EPERM, ...). As on Xen, the new port may start with one event
 * pending ("an event may have been lost"): drain it before relying on it.
 */
struct xenback_bind_interdomain {
	__u32 remote_domid;
	__u32 remote_port;
	__u32 local_port;
	__u32 pad;
};
#define XENBACK_IOCTL_BIND_INTERDOMAIN \
	_IOWR(XENBACK_IOC_MAGIC, 0x01, struct xenback_bind_interdomain)

/*
 * XENBACK_IOCTL_BIND_LOOPBACK - create a connected pair of ports.
 * in: peer_fd: -1 puts both ends in this context, else an open /dev/xenback
 *     file descriptor whose context gets the other end; flags 0.
 * out: port (this context's end), peer_port (the other end).
 * Errors: EBADF bad peer_fd; EINVAL peer_fd is not /dev/xenback or flags;
 * ENOSPC either context is full.
 */
struct xenback_bind_loopback {
	__s32 peer_fd;
	__u32 flags;
	__u32 port;
	__u32 peer_port;
};
#define XENBACK_IOCTL_BIND_LOOPBACK \
	_IOWR(XENBACK_IOC_MAGIC, 0x02, struct xenback_bind_loopback)

/*
 * XENBACK_IOCTL_UNBIND - unbind a port of this context. An interdomain
 * channel is closed; a loopback port's peer stays bound but disconnected
 * (notifying it does nothing). Its eventfd and ring registration go too.
 * Errors: EINVAL unknown port or pad.
 */
struct xenback_unbind {
	__u32 port;
	__u32 pad;
};
#define XENBACK_IOCTL_UNBIND _IOW(XENBACK_IOC_MAGIC, 0x03, struct xenback_unbind)

/*
 * XENBACK_IOCTL_NOTIFY - re-arm, notify and optionally wait, in one call.
 * in: eoi: user pointer to eoi_count __u32 ports to re-arm (lateeoi), each
 *     optionally or'ed with XENBACK_EOI_SPURIOUS ("this event carried no
 *     work"); re-arming an unmasked port does nothing.
 *     notify: user pointer to notify_count __u32 ports to notify (a port may
 *     appear more than once).
 *     flags: XENBACK_NOTIFY_WAIT: afterwards sleep until the pending ring is
 *     non-empty (EINTR on a signal).
 *     XENBACK_NOTIFY_WAIT_FD (with XENBACK_NOTIFY_WAIT): sleep until the
 *     ring is non-empty or the file wait_fd is readable, e.g. an epoll fd
 *     holding the caller's other sources (xenstore, timers, I/O
 *     completions), so that a backend's whole loop is this one call: answer
 *     the last round and wait for the next. wait_fd must be 0 without it.
 * Both vectors and wait_fd are checked before anything takes effect.
 * Returns 0; with XENBACK_NOTIFY_WAIT the number of ring entries pending,
 * or'ed with XENBACK_NOTIFY_FD_READY if wait_fd was readable on return.
 * Errors: EFAULT a vector is unreadable; E2BIG a count > XENBACK_MAX_VEC;
 * EINVAL a port not bound in this context, unknown flags, wait_fd without
 * the flag, wait_fd a file that cannot be polled or a /dev/xenback
 * context, or a reserved word not 0; EBADF wait_fd is not open.
 */
struct xenback_notify {
	__u64 eoi;
	__u64 notify;
	__u32 eoi_count;
	__u32 notify_count;
	__u32 flags;
	__s32 wait_fd;
	__u64 reserved[2]; /* 0 */
};
#define XENBACK_EOI_SPURIOUS    (1u << 31)
#define XENBACK_NOTIFY_WAIT     (1u << 0)
#define XENBACK_NOTIFY_WAIT_FD  (1u << 1)
#define XENBACK_NOTIFY_FD_READY (1 << 30) /* in the return value */
#define XENBACK_IOCTL_NOTIFY _IOW(XENBACK_IOC_MAGIC, 0x04, struct xenback_notify)

/*
 * XENBACK_IOCTL_SET_EVENTFD - deliver a port's events to an eventfd (the
 * counter grows by one per delivered event) instead of the pending ring,
 * like KVM's irqfd. The port still masks on delivery: re-arm it as usual.
 * in: port; fd: an eventfd, or -1 to detach (back to the ring); flags 0;
 * pad 0.
 * Errors: EINVAL unknown port, fd not an eventfd, flags or pad not 0; EBADF
 * bad fd.
 */
struct xenback_set_eventfd {
	__u32 port;
	__s32 fd;
	__u32 flags;
	__u32 pad;
};
#define XENBACK_IOCTL_SET_EVENTFD \
	_IOW(XENBACK_IOC_MAGIC, 0x05, struct xenback_set_eventfd)

/*
 * XENBACK_IOCTL_SET_RING - ring-aware suppression for a port.
 * in: port; req_prod: where the shared ring's req_prod is (the first field
 *     of every struct *_sring, xen/io/ring.h); req_cons: user address of a
 *     __u32 where userspace publishes how far it has consumed requests,
 *     4-byte aligned. req_prod 0 (and req_cons 0) removes the
 *     registration.
 * flags 0: req_prod is a user address (4-byte aligned) in ordinary memory
 *     (anonymous, shared memory, a file). Its page is pinned, for writing
 *     (so the pinned page is the one the process's later writes reach).
 *     Special mappings are refused with EINVAL: gntdev and privcmd
 *     mappings, device memory. A pinned grant mapping cannot be unmapped
 *     (in a PV dom0 an unmap, or the process's exit, then corrupts the page
 *     and crashes the kernel), so a ring the frontend granted is registered
 *     by its grant instead:
 * XENBACK_SET_RING_GRANT: req_prod is the grant reference of the shared
 *     ring's (first) page, offered by the port's remote domain; the module
 *     maps it read-only itself. The process may unmap its own mapping of
 *     the ring whenever it likes; the module's goes with the registration.
 *     Interdomain ports only (XENBACK_F_RING_GRANT).
 * The registration lasts until the port is unbound, re-registered or the
 * context closes. The req_cons page (and the req_prod page or the grant's
 * page) are charged to the caller's locked memory (VmLck, RLIMIT_MEMLOCK
 * unless CAP_IPC_LOCK) while registered.
 * Errors: EINVAL unknown port, misaligned address, unknown flags, exactly
 * one of req_prod and req_cons 0, a special mapping, a grant flag on a
 * loopback port, a grant reference above 32 bits or one Xen refuses to map;
 * EOPNOTSUPP a grant without Xen; EFAULT an address not mapped readable and
 * writable; ENOMEM over RLIMIT_MEMLOCK.
 */
#define XENBACK_SET_RING_GRANT (1u << 0)
struct xenback_set_ring {
	__u32 port;
	__u32 flags;
	__u64 req_prod;
	__u64 req_cons;
};
#define XENBACK_IOCTL_SET_RING _IOW(XENBACK_IOC_MAGIC, 0x06, struct xenback_set_ring)

/*
 * XENBACK_IOCTL_PORT_STATS - counters of one port of this context.
 * in: port; pad 0. out: the rest.
 * Errors: EINVAL unknown port or pad.
 */
struct xenback_port_stats {
	__u32 port;
	__u32 pad;
	__u32 domid; /* remote domid; XENBACK_DOMID_LOOPBACK for loopback */
	__u32 kind;  /* XENBACK_PORT_* */
	__u64 events;    /* events raised on this port */
	__u64 wakes;     /* events published to userspace (ring or eventfd) */
	__u64 notifies;  /* notifications sent from this port */
	__u64 spurious;  /* events with no work (suppressed or re-armed spurious) */
	__u64 throttled; /* re-arms delayed by the storm throttle */
};
#define XENBACK_PORT_LOOPBACK    1u
#define XENBACK_PORT_INTERDOMAIN 2u
#define XENBACK_IOCTL_PORT_STATS \
	_IOWR(XENBACK_IOC_MAGIC, 0x07, struct xenback_port_stats)

/*
 * XENBACK_IOCTL_RESTRICT_DOMID - from now on, this context binds
 * interdomain channels of one frontend domain only (an fd handed to a
 * per-guest helper cannot bind ports offered to other backends). One way:
 * it cannot be lifted or changed, and is kept by the open file (dup, fork,
 * SCM_RIGHTS). Ports bound before stay bound. Loopback binds are not
 * affected.
 * in: domid (< 0x7ff0); pad 0.
 * Errors: EINVAL a reserved domid or non-zero pad; EPERM already restricted
 * to another domain (the same domain again is 0). Afterwards a bind for
 * another domain is EPERM.
 */
struct xenback_restrict_domid {
	__u32 domid;
	__u32 pad;
};
#define XENBACK_IOCTL_RESTRICT_DOMID \
	_IOW(XENBACK_IOC_MAGIC, 0x08, struct xenback_restrict_domid)

/*
 * XENBACK_IOCTL_GRANT_IO_OPEN - grant I/O: direct I/O between a file (a
 * block device or a regular file, opened O_DIRECT) and pages a frontend
 * granted, done by the module, which maps the grants itself, as blkback
 * does, and keeps them mapped (persistent grants) until the grant I/O file
 * is closed or a mapping is evicted. No guest page is ever mapped into the
 * process: a process that exits, or closes the file, with I/O in flight
 * leaves the pages mapped in the kernel until that I/O ends, then unmapped.
 * in: port: an interdomain port of this context; its remote domain is the
 *     one whose grants this file maps (for its whole life);
 *     image_fd: the file, opened O_DIRECT (and for writing if writes are
 *     to be done); max_grants: mappings kept at most (1 ..
 *     XENBACK_GRANT_IO_MAX_GRANTS); beyond it the least recently used
 *     mapping no I/O uses is unmapped; flags 0; pad 0.
 * out: fd: a new file (close-on-exec, non-blocking) for the ioctl below,
 *     read() and poll().
 * Errors: EOPNOTSUPP not on Xen; EINVAL unknown or loopback port, the file
 * not O_DIRECT or not a regular file or block device, max_grants out of
 * range, flags or pad; EBADF image_fd; EMFILE no fd left.
 */
#define XENBACK_GRANT_IO_MAX_GRANTS   4096u /* mappings per grant I/O file */
#define XENBACK_GRANT_IO_MAX_SEGS     256u  /* segments per request (1 MiB) */
#define XENBACK_GRANT_IO_MAX_BATCH    64u   /* requests per SUBMIT */
#define XENBACK_GRANT_IO_MAX_INFLIGHT 2048u /* requests in flight per file */
struct xenback_grant_io_open {
	__u32 port;
	__s32 image_fd;
	__u32 max_grants;
	__u32 flags;
	__s32 fd;
	__u32 pad;
};
#define XENBACK_IOCTL_GRANT_IO_OPEN \
	_IOWR(XENBACK_IOC_MAGIC, 0x09, struct xenback_grant_io_open)

/*
 * XENBACK_GRANT_IO_SUBMIT (on a grant I/O file) - start count requests,
 * then return up to done_max completions (each request ends in exactly one
 * completion: here, from this or a later SUBMIT, or from read()).
 * A request: op XENBACK_GRANT_IO_READ (file to pages) or _WRITE (pages to
 * file); offset in bytes into the file; segs: nseg (1 ..
 * XENBACK_GRANT_IO_MAX_SEGS) segments, each a grant reference and a byte
 * range inside its page (offset + len <= 4096, len > 0); the file's own
 * alignment rules for direct I/O apply (a misaligned request ends with
 * EINVAL). A request's own faults end it, not the call: res is the bytes
 * moved or a negative errno (EINVAL a bad segment count, segment or op, or
 * an offset beyond 2^63, EFAULT its segments unreadable, EBUSY more new
 * grants than max_grants, or every mapping busy, EIO a grant Xen refused
 * to map, ENOMEM, or the file's own error).
 * Storage that completes at once (a ramdisk) has its completions returned
 * by the same call.
 * Returns the number of completions written to done (the call may clear
 * the rest of done's first min(done_max, XENBACK_GRANT_IO_MAX_INFLIGHT)
 * entries: it checks them writable first). Errors (nothing
 * started): EFAULT reqs or done unreadable/unwritable; E2BIG count >
 * XENBACK_GRANT_IO_MAX_BATCH; EINVAL flags or pad; EBUSY the file would
 * have more than XENBACK_GRANT_IO_MAX_INFLIGHT requests whose completions
 * were not taken; ENOMEM.
 * read() returns completions too (struct xenback_grant_io_done, as many as
 * fit), EAGAIN if none; poll() says POLLIN while some wait.
 */
#define XENBACK_GRANT_IO_READ  0u
#define XENBACK_GRANT_IO_WRITE 1u
struct xenback_grant_io_seg {
	__u32 gref;
	__u16 offset;
	__u16 len;
};
struct xenback_grant_io_req {
	__u64 user_data;
	__u64 offset;
	__u64 segs;  /* user pointer to nseg struct xenback_grant_io_seg */
	__u32 nseg;
	__u32 op;
};
struct xenback_grant_io_done {
	__u64 user_data;
	__s64 res;
};
struct xenback_grant_io_submit {
	__u64 reqs;  /* user pointer to count struct xenback_grant_io_req */
	__u64 done;  /* user pointer to done_max struct xenback_grant_io_done */
	__u32 count;
	__u32 done_max;
	__u32 flags;
	__u32 pad;
};
#define XENBACK_GRANT_IO_SUBMIT \
	_IOW(XENBACK_IOC_MAGIC, 0x40, struct xenback_grant_io_submit)

/*
 * XENBACK_GRANT_IO_STATS (on a grant I/O file) - out: its counters.
 */
struct xenback_grant_io_stats {
	__u64 requests;  /* requests started */
	__u64 maps;      /* grants mapped */
	__u64 hits;      /* segments that found their grant mapped */
	__u64 evicted;   /* mappings unmapped to make room */
	__u32 mapped;    /* mappings now */
	__u32 inflight;  /* requests now */
};
#define XENBACK_GRANT_IO_STATS \
	_IOR(XENBACK_IOC_MAGIC, 0x41, struct xenback_grant_io_stats)

/*
 * XENBACK_IOCTL_BLKIF_OPEN - the blkif ring engine: the module serves one
 * blkif ring (xen/io/blkif.h, the native x86_64 layout) by itself, as
 * xen-blkback does: it maps the ring and binds the frontend's event
 * channel, takes each request as it arrives (copied out once, checked as
 * xenbackd checks them), does reads and writes by grant I/O (above: the
 * frontend's grants mapped and kept, persistent grants), flushes with
 * fsync and discards on a workqueue, and answers, notifying the frontend
 * when it asked. Userspace does the xenstore side (handshake, features,
 * teardown) and never sees a request.
 * Requests: READ, WRITE, FLUSH_DISKCACHE (without data: the image synced;
 * with data: synced, then written), INDIRECT (READ/WRITE, up to
 * max_indirect_segs segments), DISCARD (if XENBACK_BLKIF_DISCARD); any
 * other operation is answered BLKIF_RSP_EOPNOTSUPP; a bad segment, a
 * range past sectors, an I/O not aligned to logical_block_size, a write
 * with XENBACK_BLKIF_READONLY, a grant that does not map: BLKIF_RSP_ERROR.
 * A frontend that breaks the ring (req_prod more than the ring's size
 * ahead of the responses) stops the ring: nothing more is taken, what is
 * in flight is still answered, and the file polls readable
 * (XENBACK_BLKIF_STATS says why).
 * in: domid, remote_port: the frontend and its unbound port (this context's
 *     XENBACK_IOCTL_RESTRICT_DOMID applies); image_fd: as for grant I/O,
 *     opened for writing unless XENBACK_BLKIF_READONLY; sectors: the disk's
 *     size in 512-byte sectors; nr_ring_refs (1, 2, 4, 8 or 16) and
 *     ring_refs; max_grants: as for grant I/O, at least
 *     max_indirect_segs + 1 and 11; max_indirect_segs (0 or 1 ..
 *     XENBACK_GRANT_IO_MAX_SEGS, what the backend offered);
 *     logical_block_size: 512 .. 4096, a power of 2; flags:
 *     XENBACK_BLKIF_READONLY, _DISCARD, _RESUME (a ring served before,
 *     every request it took answered: take requests from its rsp_prod; else
 *     a fresh ring, from index 0); pad 0.
 * out: fd: a new file (close-on-exec, non-blocking): XENBACK_BLKIF_STATS,
 *     XENBACK_BLKIF_KICK, poll(). Closing it stops taking requests; the
 *     module answers what it took when that I/O ends, then notifies the
 *     frontend one last time, unbinds the port and unmaps the ring and the
 *     grants. An open of the same domid and remote_port waits (up to 30 s,
 *     interruptible) for that to finish; EBUSY if another file serves it.
 * Errors: EOPNOTSUPP not on Xen; EINVAL a bad field, flags or pad, the image
 * not O_DIRECT, not a regular file or block device, or not writable
 * without XENBACK_BLKIF_READONLY; EBADF image_fd; EPERM domid other than
 * the context is restricted to; EBUSY; ETIMEDOUT the previous file's I/O
 * did not end; EIO a ring page did not map; the event channel's bind
 * error; EMFILE.
 */
#define XENBACK_BLKIF_MAX_RING_REFS 16u
#define XENBACK_BLKIF_READONLY (1u << 0)
#define XENBACK_BLKIF_DISCARD  (1u << 1)
#define XENBACK_BLKIF_RESUME   (1u << 2)
struct xenback_blkif_open {
	__u32 domid;
	__u32 remote_port;
	__s32 image_fd;
	__u32 flags;
	__u64 sectors;
	__u32 nr_ring_refs;
	__u32 ring_refs[XENBACK_BLKIF_MAX_RING_REFS];
	__u32 max_grants;
	__u32 max_indirect_segs;
	__u32 logical_block_size;
	__s32 fd;
	__u32 pad;
};
#define XENBACK_IOCTL_BLKIF_OPEN \
	_IOWR(XENBACK_IOC_MAGIC, 0x0a, struct xenback_blkif_open)

/*
 * XENBACK_BLKIF_STATS (on a blkif file) - out: its counters, and whether
 * the ring was stopped (stopped: the errno, reason: why, NUL-terminated).
 */
struct xenback_blkif_stats {
	__u64 requests;  /* requests taken from the ring */
	__u64 responses; /* responses pushed */
	__u64 errors;    /* ... of them not BLKIF_RSP_OKAY */
	__u64 notifies;  /* frontend notified */
	__u64 maps;      /* grants mapped */
	__u64 hits;      /* segments that found their grant mapped */
	__u64 evicted;   /* mappings unmapped to make room */
	__u32 mapped;    /* mappings now */
	__u32 inflight;  /* requests taken, not answered */
	__u32 stopped;   /* 0, or why the ring was stopped (an errno) */
	__u32 pad;
	char reason[64];
};
#define XENBACK_BLKIF_STATS \
	_IOR(XENBACK_IOC_MAGIC, 0x42, struct xenback_blkif_stats)
/* XENBACK_BLKIF_KICK (on a blkif file, no argument) - look at the ring now,
 * as if the frontend had notified. */
#define XENBACK_BLKIF_KICK _IO(XENBACK_IOC_MAGIC, 0x43)

/*
 * XENBACK_IOCTL_TAP_RX - host to guest for a netif backend (xen/io/netif.h,
 * rx-copy): frames taken straight from a tap queue's kernel queue (the
 * skbs tun would hand to read(), none of them copied into the process) and
 * grant-copied into buffers the frontend posted, in one batch, as
 * xen-netback copies from its skbs. The caller keeps the ring: it reads the
 * posted requests, passes their grant references in ring order, and writes
 * the responses from what comes back.
 * A frame fills its buffers in order, each from offset 0, 4096 bytes each
 * but the last; with XENBACK_TAP_RX_GSO_EXTRA a GSO frame leaves the
 * buffer after its first one unused (netif's extra-info slot). A frame that
 * needs more than max_slots data buffers, that the skb's metadata cannot
 * describe (struct virtio_net_hdr's rules) or that is not an skb is taken
 * and dropped (counted in dropped). A frame needing more buffers than are
 * left stays queued (next_bufs says how many it needs).
 * in: port: an interdomain port of this context: its remote domain owns the
 *     grants; tap_fd: a tun/tap queue file (not read meanwhile by anyone
 *     else: it would get frames in between); nbufs: 1 ..
 *     XENBACK_TAP_RX_MAX_BUFS grant references at grefs; max_frames: 1 ..
 *     XENBACK_TAP_RX_MAX_FRAMES entries at frames; max_slots: 1 ..
 *     XENBACK_TAP_RX_MAX_SLOTS; flags: XENBACK_TAP_RX_GSO_EXTRA; pad 0.
 * out: nframes frames described at frames (the order of the queue);
 *     bufs_used: buffers they took, extra-info buffers included; dropped;
 *     next_bufs: 0 when the queue is empty, else the buffers its next frame
 *     needs.
 * Errors (nothing taken): EOPNOTSUPP not on Xen; EINVAL a loopback or
 * unknown port, a count, flags or pad, tap_fd not a tun/tap file; EBADF
 * tap_fd; EFAULT; ENOMEM; ENOENT tun.ko is not loaded.
 */
#define XENBACK_TAP_RX_MAX_BUFS   256u /* a netif rx ring's slots */
#define XENBACK_TAP_RX_MAX_FRAMES 64u
#define XENBACK_TAP_RX_MAX_SLOTS  17u  /* netfront: MAX_SKB_FRAGS + 1 */
#define XENBACK_TAP_RX_GSO_EXTRA  (1u << 0)
/* One frame: its virtio_net_hdr fields (host byte order), its length, the
 * buffers it took, and 0 or -EIO (a grant copy of it failed). */
struct xenback_tap_rx_frame {
	__u8 vnet_flags;  /* VIRTIO_NET_HDR_F_NEEDS_CSUM, _DATA_VALID */
	__u8 gso_type;    /* VIRTIO_NET_HDR_GSO_* */
	__u16 hdr_len;
	__u16 gso_size;
	__u16 csum_start;
	__u16 csum_offset;
	__u16 bufs;
	__u32 len;
	__s32 status;
};
struct xenback_tap_rx {
	__u32 port;
	__s32 tap_fd;
	__u64 grefs;   /* user pointer to nbufs __u32 */
	__u64 frames;  /* user pointer to max_frames struct xenback_tap_rx_frame */
	__u32 nbufs;
	__u32 max_frames;
	__u32 max_slots;
	__u32 flags;
	__u32 nframes;   /* out */
	__u32 bufs_used; /* out */
	__u32 dropped;   /* out */
	__u32 next_bufs; /* out */
	__u32 pad[4];
};
#define XENBACK_IOCTL_TAP_RX _IOWR(XENBACK_IOC_MAGIC, 0x0b, struct xenback_tap_rx)

/*
 * XENBACK_IOCTL_TAP_TX - guest to host for a netif backend (tx): frames the
 * caller took off the tx ring, and checked by netback's rules, are
 * grant-copied from the frontend's pages into skbs of the module's own
 * (up to 256 bytes into the head, the rest into pages) and handed to the
 * tap's network device as tun hands it the frames written to the tap,
 * with the checksum and GSO set up as xen-netback sets them up (a partial
 * checksum's offsets found from the headers, gso_segs counted). No frame
 * passes through the process. The tap's XDP program, if it has one, is not
 * run, and its rx counters do not count these frames.
 * in: port: an interdomain port of this context: its remote domain owns
 *     the grants; ifindex: the tap's network device (tun/tap, in the
 *     caller's network namespace); queue: the rx queue to record;
 *     nframes: 1 .. XENBACK_TAP_TX_MAX_FRAMES at frames; nsegs: 1 ..
 *     XENBACK_TAP_TX_MAX_SEGS at segs (a grant reference and a byte range
 *     of its page each; len 0: no copy), each frame taking the next nseg;
 *     flags 0; pad 0.
 * out: each frame's status: 0 handed over (the stack may still drop it),
 *     -EIO a grant copy of it failed, -EINVAL its checksum or GSO could not
 *     be set up from its headers, -ENETDOWN the device is down, -ENOMEM.
 * Errors (nothing handed over): EOPNOTSUPP not on Xen; EINVAL a loopback
 * or unknown port, a count, flags or pad, a frame whose segments are not
 * 1 .. XENBACK_TAP_TX_FRAME_SEGS of those given, run past their page or do
 * not add up to its len, a len out of 14 .. 65535, an unknown frame flag
 * or GSO type, or a GSO frame without gso_size; ENODEV no such device, or
 * not a tun/tap device; EFAULT; ENOMEM.
 */
#define XENBACK_TAP_TX_MAX_FRAMES 64u
#define XENBACK_TAP_TX_MAX_SEGS   1024u
#define XENBACK_TAP_TX_FRAME_SEGS 19u /* netback: the first slot and 18 more */
#define XENBACK_TAP_TX_CSUM_BLANK (1u << 0) /* NETTXF_csum_blank: a partial checksum */
#define XENBACK_TAP_TX_DATA_VALID (1u << 1) /* NETTXF_data_validated */
#define XENBACK_TAP_TX_GSO_NONE   0u
#define XENBACK_TAP_TX_GSO_TCPV4  1u /* XEN_NETIF_GSO_TYPE_TCPV4 */
#define XENBACK_TAP_TX_GSO_TCPV6  2u /* XEN_NETIF_GSO_TYPE_TCPV6 */
struct xenback_tap_tx_frame {
	__u32 len;
	__u16 nseg;
	__u16 flags;     /* XENBACK_TAP_TX_CSUM_BLANK, _DATA_VALID */
	__u16 gso_type;  /* XENBACK_TAP_TX_GSO_* */
	__u16 gso_size;
	__s32 status;    /* out */
};
struct xenback_tap_tx {
	__u32 port;
	__u32 ifindex;
	__u64 frames;  /* user pointer to nframes struct xenback_tap_tx_frame */
	__u64 segs;    /* user pointer to nsegs struct xenback_grant_io_seg */
	__u32 nframes;
	__u32 nsegs;
	__u32 queue;
	__u32 flags;
	__u32 pad[4];
};
#define XENBACK_IOCTL_TAP_TX _IOWR(XENBACK_IOC_MAGIC, 0x0c, struct xenback_tap_tx)

/*
 * Generic netlink statistics. Family XENBACK_GENL_NAME, command
 * XENBACK_CMD_GET_STATS with NLM_F_DUMP (needs CAP_NET_ADMIN): one message
 * per bound port of every context, with the attributes XENBACK_A_CTX to
 * XENBACK_A_THROTTLED. XENBACK_CMD_GET_BLKIF (NLM_F_DUMP, CAP_NET_ADMIN):
 * one message per blkif ring the module serves (XENBACK_IOCTL_BLKIF_OPEN),
 * with XENBACK_A_DOMID, XENBACK_A_PORT (the frontend's port), XENBACK_A_NOTIFIES
 * and XENBACK_A_REQUESTS to XENBACK_A_REASON (struct xenback_blkif_stats's
 * fields, and the grants it may keep mapped). Counters are u64 (padded with
 * XENBACK_A_PAD), the rest u32, the reason a string.
 */
#define XENBACK_GENL_NAME    "xenback"
#define XENBACK_GENL_VERSION 1

enum xenback_genl_cmd {
	XENBACK_CMD_UNSPEC,
	XENBACK_CMD_GET_STATS,
	XENBACK_CMD_GET_BLKIF,
	__XENBACK_CMD_MAX,
};
#define XENBACK_CMD_MAX (__XENBACK_CMD_MAX - 1)

enum xenback_genl_attr {
	XENBACK_A_UNSPEC,
	XENBACK_A_PAD,
	XENBACK_A_CTX,       /* u32: context id (per open, from 1) */
	XENBACK_A_PID,       /* u32: tgid that opened the context */
	XENBACK_A_PORT,      /* u32 */
	XENBACK_A_DOMID,     /* u32 */
	XENBACK_A_KIND,      /* u32: XENBACK_PORT_* */
	XENBACK_A_EVENTS,    /* u64 */
	XENBACK_A_WAKES,     /* u64 */
	XENBACK_A_NOTIFIES,  /* u64 */
	XENBACK_A_SPURIOUS,  /* u64 */
	XENBACK_A_THROTTLED, /* u64 */
	XENBACK_A_REQUESTS,  /* u64: blkif requests taken */
	XENBACK_A_RESPONSES, /* u64 */
	XENBACK_A_ERRORS,    /* u64: responses not BLKIF_RSP_OKAY */
	XENBACK_A_MAPS,      /* u64: grants mapped */
	XENBACK_A_HITS,      /* u64: segments that found their grant mapped */
	XENBACK_A_EVICTED,   /* u64 */
	XENBACK_A_MAPPED,    /* u32: mappings now */
	XENBACK_A_MAX_GRANTS, /* u32: the most it may keep mapped */
	XENBACK_A_INFLIGHT,  /* u32 */
	XENBACK_A_STOPPED,   /* u32: 0, or the errno it stopped the ring with */
	XENBACK_A_REASON,    /* string: why it stopped ("" if running) */
	__XENBACK_A_MAX,
};
#define XENBACK_A_MAX (__XENBACK_A_MAX - 1)

/* Each attribute's netlink type, for the policy tables of both sides (the
 * module's and xenbackctl's libnl one): expand with a macro X(attr, type)
 * that names NLA_##type (name its parameters other than "type"). */
#define XENBACK_GENL_POLICY(X)                                               \
	X(XENBACK_A_CTX, U32) X(XENBACK_A_PID, U32) X(XENBACK_A_PORT, U32)    \
	X(XENBACK_A_DOMID, U32) X(XENBACK_A_KIND, U32)                        \
	X(XENBACK_A_EVENTS, U64) X(XENBACK_A_WAKES, U64)                      \
	X(XENBACK_A_NOTIFIES, U64) X(XENBACK_A_SPURIOUS, U64)                 \
	X(XENBACK_A_THROTTLED, U64) X(XENBACK_A_REQUESTS, U64)                \
	X(XENBACK_A_RESPONSES, U64) X(XENBACK_A_ERRORS, U64)                  \
	X(XENBACK_A_MAPS, U64) X(XENBACK_A_HITS, U64) X(XENBACK_A_EVICTED, U64) \
	X(XENBACK_A_MAPPED, U32) X(XENBACK_A_MAX_GRANTS, U32)                 \
	X(XENBACK_A_INFLIGHT, U32) X(XENBACK_A_STOPPED, U32)                  \
	X(XENBACK_A_REASON, NUL_STRING)

/* Layout checks: identical on every ABI (no compat translation needed). */
#if defined(__KERNEL__)
#include <linux/build_bug.h>
#define XENBACK_ASSERT_SIZE(t, n) static_assert(sizeof(t) == (n), #t " size")
#elif defined(__cplusplus)
#define XENBACK_ASSERT_SIZE(t, n) static_assert(sizeof(t) == (n), #t " size")
#else
#define XENBACK_ASSERT_SIZE(t, n) _Static_assert(sizeof(t) == (n), #t " size")
#endif
XENBACK_ASSERT_SIZE(struct xenback_shared, 64);
XENBACK_ASSERT_SIZE(struct xenback_version, 32);
XENBACK_ASSERT_SIZE(struct xenback_bind_interdomain, 16);
XENBACK_ASSERT_SIZE(struct xenback_bind_loopback, 16);
XENBACK_ASSERT_SIZE(struct xenback_unbind, 8);
XENBACK_ASSERT_SIZE(struct xenback_notify, 48);
XENBACK_ASSERT_SIZE(struct xenback_set_eventfd, 16);
XENBACK_ASSERT_SIZE(struct xenback_set_ring, 24);
XENBACK_ASSERT_SIZE(struct xenback_restrict_domid, 8);
XENBACK_ASSERT_SIZE(struct xenback_port_stats, 56);
XENBACK_ASSERT_SIZE(struct xenback_grant_io_open, 24);
XENBACK_ASSERT_SIZE(struct xenback_grant_io_seg, 8);
XENBACK_ASSERT_SIZE(struct xenback_grant_io_req, 32);
XENBACK_ASSERT_SIZE(struct xenback_grant_io_done, 16);
XENBACK_ASSERT_SIZE(struct xenback_grant_io_submit, 32);
XENBACK_ASSERT_SIZE(struct xenback_grant_io_stats, 40);
XENBACK_ASSERT_SIZE(struct xenback_blkif_open, 112);
XENBACK_ASSERT_SIZE(struct xenback_blkif_stats, 136);

#endif /* _UAPI_XENBACK_H */
