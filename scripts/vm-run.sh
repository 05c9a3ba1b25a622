#!/usr/bin/env bash
# Boots a kernel in QEMU (TCG) and waits for it to power off: the one way the
# test tiers boot VMs.
# usage: vm-run.sh --kernel <image> [--initrd <files>] [--append <cmdline>]
#                  [--console <log>] [--results <file>] [--timeout <s>]
#                  [--smp <n>] [--mem <MiB>] [--machine <m>] [--cpu <model>]
#                  [--verbose] [-- <extra qemu arguments>]
# The guest console (ttyS0 / the first serial port) goes to --console; a
# second serial port (ttyS1 in a Linux guest) is written to --results, a clean
# channel for test output. --initrd is passed as is (multiboot: "a args,b").
# Exit status: QEMU's (0 after a guest poweroff), 124 on timeout.
# QEMU exits 0 on a guest reboot too (-no-reboot), so callers must check the
# results for their own completion marker; a panic with panic=-1 reboots.
set -uo pipefail
kernel='' initrd='' append='' console=/dev/null results='' timeout=120
smp=1 mem=256 machine=pc cpu=max verbose=0
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--append) append=$2; shift ;;
	--console) console=$2; shift ;;
	--results) results=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--machine) machine=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--verbose) verbose=1 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "vm-run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$kernel" ] || { echo "vm-run.sh: --kernel is required" >&2; exit 2; }
# One QEMU at a time on this machine (parallel work trees, 2 cores): wait
# for the others (XB_QEMU_LOCK=none skips the wait).
if [ "${XB_QEMU_LOCK:-/tmp/xenback-qemu.lock}" != none ]; then
	exec 9>"${XB_QEMU_LOCK:-/tmp/xenback-qemu.lock}"
	flock -n 9 || { echo "vm-run.sh: waiting for another QEMU run to end" >&2; flock 9; }
fi
qemu=$(command -v qemu-system-x86_64) || { echo "vm-run.sh: qemu-system-x86_64 not found" >&2; exit 2; }

args=(-machine "$machine" -accel tcg -cpu "$cpu" -smp "$smp" -m "$mem"
      -nographic -nodefaults -no-reboot -monitor none -serial stdio
      -kernel "$kernel")
[ -n "$initrd" ] && args+=(-initrd "$initrd")
[ -n "$append" ] && args+=(-append "$append")
if [ -n "$results" ]; then
	: > "$results"
	args+=(-serial "file:$results")
fi

# A guest that panicked and did not reset (seen with the debug kernel: a
# KFENCE panic left QEMU running until the timeout) is stopped 20 s after
# its panic message.
panic_watch() {
	local seen=0
	while kill -0 "$1" 2>/dev/null; do
		if [ "$seen" = 0 ] && grep -q 'Kernel panic - not syncing' "$console" 2>/dev/null; then
			seen=$SECONDS
		fi
		if [ "$seen" != 0 ] && [ $((SECONDS - seen)) -ge 20 ]; then
			echo "vm-run.sh: the guest panicked and did not reset: stopped" >&2
			kill "$1"
			return
		fi
		sleep 2
	done
}

if [ "$verbose" = 1 ]; then
	timeout -k 5 "$timeout" "$qemu" "${args[@]}" "${extra[@]}" </dev/null 2>&1 | tee "$console" >&2
	rc=${PIPESTATUS[0]}
else
	[ -c "$console" ] || : >"$console" # there before the watch looks
	timeout -k 5 "$timeout" "$qemu" "${args[@]}" "${extra[@]}" </dev/null >"$console" 2>&1 &
	qpid=$!
	wpid=
	if [ -f "$console" ]; then
		panic_watch "$qpid" &
		wpid=$!
	fi
	wait "$qpid"
	rc=$?
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
fi
[ "$rc" = 124 ] && echo "vm-run.sh: timed out after ${timeout}s" >&2
exit "$rc"
