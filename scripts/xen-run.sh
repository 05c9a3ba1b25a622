#!/usr/bin/env bash
# Boots Xen 4.17 with Debian's kernel as PV dom0 in qemu-system-x86_64 (TCG)
# and streams the serial console: the one way the xen tier and the real-Xen
# demo boot Xen.
# usage: xen-run.sh --initrd <dom0.cpio> [--timeout <s>] [--console <log>]
#                   [--dom0-append <args>] [--xen-append <args>] [--smp <n>]
#                   [--mem <MiB>] [--ready-timeout <s>] [--verbose] [--no-plan]
# stdout is TAP: every "ok"/"not ok" line dom0 prints (numbered or not) is
# renumbered and passed through, as are "# ..." lines; then three points of
# this script's own (dom0 came up, no crash on the console, completion) and the
# plan. The whole console goes to --console (default build/xen/console.log);
# --verbose copies it to stderr as it arrives.
# A crash ends the run early (3 s after the first sign, to keep the trace):
# Xen "Panic on CPU", "FATAL", "Xen BUG/WARN at", assertion failures, dom0
# crashing or rebooting; Linux panics, oopses, "BUG:", "WARNING: CPU:",
# general protection faults, soft lockups and RCU stalls (also in domU console
# lines dom0 relays). A hang is bounded by --timeout, and a boot that does not
# reach dom0's userspace by --ready-timeout (default 150 s).
# dom0 must print "XB-DOM0-READY" once Xen's userspace is up and "XB-DONE"
# when it is about to power off.
# Exit status: 0 all points passed, 1 a point failed or a crash, 124 timeout.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build/xen
initrd='' timeout=300 console=$B/console.log verbose=0 plan=1 smp=2 mem=2048 ready_timeout=150
dom0_append='' xen_append=''
while [ $# -gt 0 ]; do
	case $1 in
	--initrd) initrd=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--console) console=$2; shift ;;
	--dom0-append) dom0_append=$2; shift ;;
	--xen-append) xen_append=$2; shift ;;
	--smp) smp=$2; shift ;;
	--ready-timeout) ready_timeout=$2; shift ;;
	--mem) mem=$2; shift ;;
	--verbose) verbose=1 ;;
	--no-plan) plan=0 ;;
	*) echo "xen-run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -s "$initrd" ] || { echo "xen-run.sh: --initrd <dom0.cpio> is required" >&2; exit 2; }
# One QEMU at a time on this machine (parallel work trees, 2 cores): wait
# for the others (XB_QEMU_LOCK=none skips the wait).
if [ "${XB_QEMU_LOCK:-/tmp/xenback-qemu.lock}" != none ]; then
	exec 9>"${XB_QEMU_LOCK:-/tmp/xenback-qemu.lock}"
	flock -n 9 || { echo "xen-run.sh: waiting for another QEMU run to end" >&2; flock 9; }
fi
qemu=$(command -v qemu-system-x86_64) || { echo "xen-run.sh: qemu-system-x86_64 not found (qemu-system-x86)" >&2; exit 2; }
xengz=$(compgen -G '/boot/xen-4.17*-amd64.gz' | head -n1)
[ -n "$xengz" ] || { echo "xen-run.sh: /boot/xen-4.17-amd64.gz missing (xen-hypervisor-4.17-amd64)" >&2; exit 2; }
kver=${XB_KVER:-$(compgen -G '/boot/vmlinuz-*-amd64' | sed 's|/boot/vmlinuz-||' | sort -V | tail -n1)}
kernel=/boot/vmlinuz-$kver
[ -e "$kernel" ] || { echo "xen-run.sh: no Debian kernel (linux-image-amd64)" >&2; exit 2; }

mkdir -p "$B" "$(dirname "$console")"
# QEMU's multiboot loader wants the hypervisor as a plain ELF.
xen=$B/xen-4.17.elf
if [ ! -s "$xen" ] || [ "$xengz" -nt "$xen" ]; then
	if ! { gzip -dc "$xengz" > "$xen.$$" && mv "$xen.$$" "$xen"; }; then rm -f "$xen.$$"; exit 2; fi
fi

# dom0: 768 MiB. Its initramfs (~115 MiB: tools, the domU images, the
# packages) and /tmp are RAM; with 512 MiB the tier's 28th minute ran out
# (the OOM killer took an `xl create` of dom0-70's 9-vif guest).
xen_cmd="console=com1 com1=115200,8n1 dom0_mem=768M,max:768M loglvl=all guest_loglvl=all noreboot $xen_append"
# Under TCG on a loaded host a vCPU's timer can go unserviced for tens of
# seconds (a busy domU, a domain's teardown): RCU stall and soft-lockup
# reports after 21/20 s are emulation artifacts there, so both wait 120 s
# (a real hang still trips them, and every test has its own timeout).
dom0_cmd="console=hvc0 earlyprintk=xen rdinit=/init panic_on_warn=1 oops=panic panic=-1 quiet loglevel=4 rcupdate.rcu_cpu_stall_timeout=120 watchdog_thresh=60 $dom0_append"
pidfile=$B/qemu.$$.pid flag=$B/crash.$$
rm -f "$pidfile" "$flag"
# A literal comma in a multiboot module's command line is written ",,".
modules="$kernel ${dom0_cmd//,/,,},$initrd"

# Watchdog: once the filter flags a crash, give the trace 3 s, then stop QEMU;
# stop it too if dom0 has not come up after --ready-timeout seconds.
(
	waited=0
	while [ ! -e "$flag" ]; do
		sleep 1
		waited=$((waited + 1))
		if [ "$waited" = "$ready_timeout" ] && ! grep -q XB-DOM0-READY "$console" 2>/dev/null; then
			: > "$flag.hung"
			break
		fi
	done
	sleep 3
	[ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
) &
watchdog=$!
trap 'kill $watchdog 2>/dev/null; rm -f "$pidfile" "$flag" "$flag.hung"' EXIT

# mawk reads a pipe in blocks unless told to be interactive: the stream must be live.
awkopt=()
case $(awk -W version 2>&1 </dev/null) in *mawk*) awkopt=(-W interactive) ;; esac

start=$(date +%s)
timeout -k 5 "$timeout" "$qemu" -machine q35 -accel tcg -cpu qemu64 -m "$mem" -smp "$smp" \
	-display none -monitor none -nodefaults -serial stdio -no-reboot -pidfile "$pidfile" \
	-kernel "$xen" -append "$xen_cmd" -initrd "$modules" </dev/null 2>&1 |
	awk "${awkopt[@]}" -v verbose="$verbose" -v flag="$flag" -v clog="$console" '
	function crash(line) {
		if (!crashed) { crashed = line; printf "" > flag; close(flag) }
		print "# CRASH: " line; fflush()
	}
	BEGIN { printf "" > clog }
	{ gsub(/\r/, ""); print >> clog; fflush(clog)
	  if (verbose) { print > "/dev/stderr"; fflush("/dev/stderr") } }
	/Panic on CPU|FATAL|Xen BUG at|Xen WARN at|Assertion .* failed|Hardware Dom0 crashed|Hardware Dom0 shutdown: rebooting|Kernel panic|Oops|BUG:|WARNING: CPU:|WARNING: at |general protection fault|kernel BUG at|soft lockup|rcu_sched detected stall|rcu: INFO|blocked for more than|list_add corruption|list_del corruption|Poison overwritten|Redzone/ {
		crash($0)
	}
	/XB-DOM0-READY/ { ready = 1 }
	/^XB-DONE/ { done = 1 }
	/^(not )?ok( [0-9]+)?( |$)/ {
		line = $0; ok = ($1 == "ok")
		sub(/^(not )?ok( [0-9]+)? *(- *)?/, "", line)
		n++
		if (!ok && line !~ /# *TODO/) fails++
		printf "%sok %d - %s\n", ok ? "" : "not ", n, line; fflush()
		next
	}
	/^# / || /^Bail out!/ { print; fflush() }
	END {
		printf "%d %d %d %d %s\n", ready, done, n, fails, crashed > (flag ".state")
	}'
qrc=${PIPESTATUS[0]}
secs=$(( $(date +%s) - start ))
read -r ready finished n fails crashed < "$flag.state" 2>/dev/null || { ready=0 finished=0 n=0 fails=0 crashed=''; }
rm -f "$flag.state"
[ -e "$flag" ] && [ -z "$crashed" ] && crashed="(see console)"
point() { n=$((n + 1)); if [ "$1" = 1 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi; }
bad=0
[ "${fails:-0}" -gt 0 ] && bad=1
if [ -e "$flag.hung" ]; then
	point 0 "Xen 4.17 booted, dom0 up with xenstored and xenconsoled (not within ${ready_timeout} s: hung)"
else
	point "$ready" "Xen 4.17 booted, dom0 up with xenstored and xenconsoled"
fi
point "$([ -z "$crashed" ] && echo 1 || echo 0)" "no Xen or kernel crash, oops, WARN or stall on the console${crashed:+ (first: $crashed)}"
if [ "$qrc" = 124 ]; then
	point 0 "ran to completion (timed out after ${timeout}s)"
else
	point "$finished" "ran to completion in ${secs} s (qemu status $qrc)"
fi
[ "$plan" = 1 ] && echo "1..$n"
if [ "$bad" = 1 ]; then
	echo "# console log: $console"
	tail -n 40 "$console" | sed 's/^/# | /'
fi
[ "$bad" = 0 ]
