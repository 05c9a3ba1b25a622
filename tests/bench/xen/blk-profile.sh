#!/bin/sh
# bench-blk, profile (after the measured runs; not part of any figure): one
# 4 KiB randread and one 1 MiB seqread run per backend with perf in dom0:
# where dom0's CPU goes (cpu-clock samples by command and symbol, all CPUs,
# and per command in microseconds per I/O: samples at 999 Hz over 3 s divided
# by the run's I/Os in those 3 s) and, for xenback, the xenback.ko
# tracepoints counted over the same seconds. perf sees dom0's kernel and
# processes only, not the time Xen spends on dom0's behalf (hypercalls, grant
# operations), which Xen's accounting (the BENCH figures) includes.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
command -v perf >/dev/null || { note "bench: no perf in dom0: no profile"; exit 0; }
[ -s $BW/idle ] || exit 0
RT=20 # long enough for the counters, the strace and the perf record below
# (14 s was not: under TCG the perf record of some runs outlasted fio)
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
for wl in profile-randread profile-seqread; do
for be in $BACKENDS; do
	(
		sleep 3
		pid=
		case $be in
		xenback) pid=$(cat $BW/xenbackd.pid) ;;
		qdisk) pid=$(ps | awk '/xen-qemu-system-i386/ && !/awk/ { print $1; exit }') ;; # busybox: no pgrep
		esac
		if [ -n "$pid" ]; then
			# the backend process: syscalls and context switches over 3 s,
			# which CPU it ran on, which CPUs took the event interrupts
			grep -E 'xenback|evtchn' /proc/interrupts > $BW/irq.0
			perf stat -e raw_syscalls:sys_enter,context-switches,cpu-migrations -p "$pid" -- sleep 3 2>&1 |
				grep -E 'sys_enter|context|migrations|seconds' | sed "s/^/# perf stat $wl $be: /" &
			ps=$!
			if [ "$be" = xenback ]; then
				perf stat -e 'xenback:*' -a -- sleep 3 2>&1 | grep -E 'xenback:|seconds' | sed "s/^/# perf stat $wl $be: /"
			fi
			wait $ps
			grep -E 'xenback|evtchn' /proc/interrupts | diff $BW/irq.0 - | grep '^[+]' | grep -v '^+++' |
				head -n 6 | sed "s/^/# perf irq $wl $be: /"
			echo "# perf cpu $wl $be: pid $pid last ran on CPU $(cut -d' ' -f39 "/proc/$pid/stat")"
			strace -c -f -p "$pid" -o "$BW/strace.$be" 2>/dev/null &
			sp=$!
			sleep 2
			kill -INT $sp 2>/dev/null
			wait $sp
			head -n 14 "$BW/strace.$be" 2>/dev/null | sed "s/^/# perf strace $wl $be: /"
		fi
		perf record -q -e cpu-clock -F 999 -a -o "$BW/perf.$be" -- sleep 3 >/dev/null 2>&1
		perf report -i "$BW/perf.$be" --stdio --no-children --sort comm,dso,sym 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 25 | sed "s/^/# perf $wl $be: /"
		# "<percent> <samples> <command>" per command
		perf report -i "$BW/perf.$be" --stdio --no-children -n --sort comm 2>/dev/null |
			grep -v '^#' | grep -v '^$' > "$BW/perfcomm.$be"
	) &
	pp=$!
	: > "$BW/perfcomm.$be"
	run_one "$be" "$wl"
	wait $pp
	# dom0 CPU per I/O by command: samples (1001 us each) over 3 s, divided
	# by the I/Os fio did in 3 s (its mean rate over the run)
	iops=$(awk -v w="$wl" -v b="$be" '$1 == w && $2 == b { i = $3 } END { print i + 0 }' $BW/runs)
	awk -v wl="$wl" -v be="$be" -v iops="$iops" '
		{ sub(/%$/, "", $1); n = $2; c = $3; for (i = 4; i <= NF; i++) c = c " " $i
		  tot += n; if (c != "swapper") busy += n
		  if (++k <= 10 && iops > 0) printf "# perf per-io %s %s: %-16s %6d samples %7.1f us/io\n", wl, be, c, n, n * 1001 / (iops * 3) }
		END { if (iops > 0 && tot > 0) printf "# perf per-io %s %s: all but swapper (idle): %d of %d samples, %.1f us/io at %d IOPS\n", wl, be, busy, tot, busy * 1001 / (iops * 3), iops }' "$BW/perfcomm.$be"
done
done
exit 0
