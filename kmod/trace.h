/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints, system "xenback": bind, unbind, port_event, wake, notify,
 * spurious
 * (each records the port and the remote domid, XENBACK_DOMID_LOOPBACK for
 * loopback ports), and irq_follow (affinity.c). perf record -e 'xenback:*'; perf trace -e 'xenback:*'.
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
#endif /* XENBACK_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
