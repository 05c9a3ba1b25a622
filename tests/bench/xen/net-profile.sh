#!/bin/sh
# bench-net, profile (after the measured rounds; not part of any figure):
# one tcp4-rx run (four streams dom0 to guest) per backend with perf in
# dom0: where dom0's CPU goes (cpu-clock samples by command and by
# command/symbol over 3 s, all CPUs), xenbackd's syscalls and context
# switches, and which CPUs took the vif's event interrupts. Run by
# net-run.sh with the guest up; leaves the vif detached.
# shellcheck source=net-lib.sh
. /xen/bench/net-lib.sh
command -v perf >/dev/null || { note "bench: no perf in dom0: no net profile"; exit 0; }
for be in xenback netback; do
	net_use "$be" || { note "bench: net profile: the vif on $be failed"; continue; }
	(
		sleep 4
		grep -E 'evtchn|vif' /proc/interrupts > $BW/irq.0
		if [ "$be" = xenback ]; then
			pid=$(cat "$BW/xenbackd-net.pid")
			perf stat -e raw_syscalls:sys_enter,context-switches,cpu-migrations -p "$pid" -- sleep 2 2>&1 |
				grep -E 'sys_enter|context|migrations|seconds' | sed "s/^/# perf stat tcp4-rx $be: /"
		fi
		perf record -q -e cpu-clock -F 999 -a -o "$BW/perf.net.$be" -- sleep 3 >/dev/null 2>&1
		grep -E 'evtchn|vif' /proc/interrupts | diff $BW/irq.0 - | grep '^[+]' | grep -v '^+++' |
			head -n 8 | sed "s/^/# perf irq tcp4-rx $be: /"
		perf report -i "$BW/perf.net.$be" --stdio --no-children -n --sort comm 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 8 | sed "s/^/# perf comm tcp4-rx $be: /"
		perf report -i "$BW/perf.net.$be" --stdio --no-children --sort comm,dso,sym 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 40 | sed "s/^/# perf tcp4-rx $be: /"
	) &
	pp=$!
	NET_T=14 net_one "$be" tcp4-rx | sed 's/^# run /# perf run /'
	wait $pp
done
net_use none
exit 0
