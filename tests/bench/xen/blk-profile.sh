#!/bin/sh
# bench-blk, profile (after the measured runs; not part of any figure): one
# 4 KiB randread run per backend with perf in dom0: where dom0's CPU goes
# (cpu-clock samples by command and symbol, all CPUs) and, for xenback, the
# xenback.ko tracepoints counted over the same seconds.
. /xen/bench/blk-lib.sh
command -v perf >/dev/null || { note "bench: no perf in dom0: no profile"; exit 0; }
[ -s $BW/idle ] || exit 0
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
for be in $BACKENDS; do
	(
		sleep 3
		if [ $be = xenback ]; then
			perf stat -e 'xenback:*' -a -- sleep 3 2>&1 | grep -E 'xenback:|seconds' | sed "s/^/# perf stat $be: /"
		fi
		perf record -q -e cpu-clock -F 999 -a -o $BW/perf.$be -- sleep 3 >/dev/null 2>&1
		perf report -i $BW/perf.$be --stdio --no-children --sort comm,dso,sym 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 25 | sed "s/^/# perf $be: /"
	) &
	pp=$!
	run_one $be profile-randread
	wait $pp
done
exit 0
