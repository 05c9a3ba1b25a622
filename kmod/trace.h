/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints, system "xenback": bind, unbind, port_event, wake, notify,
 * spurious
 * (each records the port and the remote domid, XENBACK_DOMID_LOOPBACK for
 * loopback ports), irq_follow (affinity.c), and the blkif ring engine's
 * blkif_request, blkif_response, blkif_run (blkif.c). perf record -e 'xenback:*'; perf trace -e 'xenback:*'.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xenback

#if !defined(XENBACK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XENBACK_TRACE_H

#include <linux/trace_events.h>
#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(xenback_port_class,
	TP_PROTO(u32 port, u32 domid),
	TP_ARGS(port, domid),
	TP_STRUCT__entry(
		__field(u32, port)
		__field(u32, domid)
	),
	TP_fast_assign(
		__entry->port = port;
		__entry->domid = domid;
	),
	TP_printk("port=%u domid=%u", __entry->port, __entry->domid)
);

TRACE_EVENT(bind,
	TP_PROTO(u32 port, u32 domid, u32 kind),
	TP_ARGS(port, domid, kind),
	TP_STRUCT__entry(
		__field(u32, port)
		__field(u32, domid)
		__field(u32, kind)
	),
	TP_fast_assign(
		__entry->port = port;
		__entry->domid = domid;
		__entry->kind = kind;
	),
	TP_printk("port=%u domid=%u kind=%s", __entry->port, __entry->domid,
		  __entry->kind == XENBACK_PORT_LOOPBACK ? "loopback" : "interdomain")
);

/* The port is closed. */
DEFINE_EVENT(xenback_port_class, unbind,
	TP_PROTO(u32 port, u32 domid), TP_ARGS(port, domid));
/* An event arrived on the port (from Xen or the loopback peer). */
DEFINE_EVENT(xenback_port_class, port_event,
	TP_PROTO(u32 port, u32 domid), TP_ARGS(port, domid));
/* The event was published to userspace (pending ring or eventfd). */
DEFINE_EVENT(xenback_port_class, wake,
	TP_PROTO(u32 port, u32 domid), TP_ARGS(port, domid));
/* Userspace notified the remote end through the port. */
DEFINE_EVENT(xenback_port_class, notify,
	TP_PROTO(u32 port, u32 domid), TP_ARGS(port, domid));
/* An event carried no work (suppressed, or re-armed as spurious). */
DEFINE_EVENT(xenback_port_class, spurious,
	TP_PROTO(u32 port, u32 domid), TP_ARGS(port, domid));

/* A context's event interrupts moved to the CPU its waiter runs on. */
TRACE_EVENT(irq_follow,
	TP_PROTO(int cpu, u32 nports),
	TP_ARGS(cpu, nports),
	TP_STRUCT__entry(
		__field(int, cpu)
		__field(u32, nports)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->nports = nports;
	),
	TP_printk("cpu=%d ports=%u", __entry->cpu, __entry->nports)
);
/* The blkif ring engine (blkif.c) took a request from a ring: its slot
 * index, operation (the indirect op for BLKIF_OP_INDIRECT: indirect=1),
 * segments and first sector. */
TRACE_EVENT(blkif_request,
	TP_PROTO(u32 domid, u32 port, u32 idx, u8 op, bool indirect, u32 nseg, u64 sector),
	TP_ARGS(domid, port, idx, op, indirect, nseg, sector),
	TP_STRUCT__entry(
		__field(u32, domid)
		__field(u32, port)
		__field(u32, idx)
		__field(u8, op)
		__field(bool, indirect)
		__field(u32, nseg)
		__field(u64, sector)
	),
	TP_fast_assign(
		__entry->domid = domid;
		__entry->port = port;
		__entry->idx = idx;
		__entry->op = op;
		__entry->indirect = indirect;
		__entry->nseg = nseg;
		__entry->sector = sector;
	),
	TP_printk("domid=%u port=%u idx=%u op=%u indirect=%d nseg=%u sector=%llu",
		  __entry->domid, __entry->port, __entry->idx, __entry->op, __entry->indirect,
		  __entry->nseg, (unsigned long long)__entry->sector)
);

/* ... and answered one (status: BLKIF_RSP_*; notify: the frontend was
 * notified). */
TRACE_EVENT(blkif_response,
	TP_PROTO(u32 domid, u32 port, u32 idx, u8 op, s16 status, bool notify),
	TP_ARGS(domid, port, idx, op, status, notify),
	TP_STRUCT__entry(
		__field(u32, domid)
		__field(u32, port)
		__field(u32, idx)
		__field(u8, op)
		__field(s16, status)
		__field(bool, notify)
	),
	TP_fast_assign(
		__entry->domid = domid;
		__entry->port = port;
		__entry->idx = idx;
		__entry->op = op;
		__entry->status = status;
		__entry->notify = notify;
	),
	TP_printk("domid=%u port=%u idx=%u op=%u status=%d notify=%d", __entry->domid,
		  __entry->port, __entry->idx, __entry->op, __entry->status, __entry->notify)
);

/* The engine looked at a ring (an event or a kick): requests taken, and
 * whether it goes on at once (budget), is parked or stopped. */
TRACE_EVENT(blkif_run,
	TP_PROTO(u32 domid, u32 port, u32 taken, bool again, bool parked, bool stopped),
	TP_ARGS(domid, port, taken, again, parked, stopped),
	TP_STRUCT__entry(
		__field(u32, domid)
		__field(u32, port)
		__field(u32, taken)
		__field(bool, again)
		__field(bool, parked)
		__field(bool, stopped)
	),
	TP_fast_assign(
		__entry->domid = domid;
		__entry->port = port;
		__entry->taken = taken;
		__entry->again = again;
		__entry->parked = parked;
		__entry->stopped = stopped;
	),
	TP_printk("domid=%u port=%u taken=%u again=%d parked=%d stopped=%d", __entry->domid,
		  __entry->port, __entry->taken, __entry->again, __entry->parked, __entry->stopped)
);
#endif /* XENBACK_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
