#!/bin/sh
# bench-blk, profile (after the measured runs; not part of any figure): one
# 4 KiB randread run per backend with perf in dom0: where dom0's CPU goes
# (cpu-clock samples by command and symbol, all CPUs) and, for xenback, the
# xenback.ko tracepoints counted over the same seconds.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
command -v perf >/dev/null || { note "bench: no perf in dom0: no profile"; exit 0; }
[ -s $BW/idle ] || exit 0
RT=14 # long enough for the counters, the strace and the perf record below
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
for be in $BACKENDS; do
	(
		sleep 3
		pid=
		case $be in
		xenback) pid=$(cat $BW/xenbackd.pid) ;;
		qdisk) pid=$(pgrep -f xen-qemu-system-i386 | head -n 1) ;;
		esac
		if [ -n "$pid" ]; then
			# the backend process: syscalls and context switches over 3 s,
			# which CPU it ran on, which CPUs took the event interrupts
			grep -E 'xenback|evtchn' /proc/interrupts > $BW/irq.0
			perf stat -e raw_syscalls:sys_enter,context-switches,cpu-migrations -p "$pid" -- sleep 3 2>&1 |
				grep -E 'sys_enter|context|migrations|seconds' | sed "s/^/# perf stat $be: /" &
			ps=$!
			if [ "$be" = xenback ]; then
				perf stat -e 'xenback:*' -a -- sleep 3 2>&1 | grep -E 'xenback:|seconds' | sed "s/^/# perf stat $be: /"
			fi
			wait $ps
			grep -E 'xenback|evtchn' /proc/interrupts | diff $BW/irq.0 - | grep '^[+]' | grep -v '^+++' |
				head -n 6 | sed "s/^/# perf irq $be: /"
			echo "# perf cpu $be: pid $pid last ran on CPU $(cut -d' ' -f39 "/proc/$pid/stat")"
			strace -c -f -p "$pid" -o "$BW/strace.$be" 2>/dev/null &
			sp=$!
			sleep 2
			kill -INT $sp 2>/dev/null
			wait $sp
			head -n 14 "$BW/strace.$be" 2>/dev/null | sed "s/^/# perf strace $be: /"
		fi
		perf record -q -e cpu-clock -F 999 -a -o "$BW/perf.$be" -- sleep 3 >/dev/null 2>&1
		perf report -i "$BW/perf.$be" --stdio --no-children --sort comm,dso,sym 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 25 | sed "s/^/# perf $be: /"
	) &
	pp=$!
	run_one "$be" profile-randread
	wait $pp
done
exit 0
