#!/usr/bin/env bash
# The vm tier as one TAP program (run by prove): boots Debian's kernel in
# QEMU with xenback.ko and the static test programs (see tests/vm/vm.mk),
# then prints every test point of every program, renumbered, plus points for
# the boot, insmod, rmmod and a clean kernel log.
#   XB_VM_MODE=bench  run the notify benchmark instead (prints BENCH lines)
#   XB_VM_VERBOSE=1   copy the guest console to stderr
#   XB_VM_ONLY=test-x only the tests whose name matches this glob
#   XB_VM_KERNEL, XB_VM_MEM (MiB), XB_VM_TIMEOUT (s), XB_VM_DEBUG=1 (a debug
#   kernel: kmemleak scanned): the vm-debug tier's (vm-debug-tier.sh)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vm=${XB_VM_DIR:-$top/build/vm}
mode=${XB_VM_MODE:-check}
console=$vm/console-$mode.log
results=$vm/results-$mode.log
verbose=()
[ "${XB_VM_VERBOSE:-0}" = 1 ] && verbose=(--verbose)

kernel=${XB_VM_KERNEL:-$vm/vmlinux}
for f in "$kernel" "$vm/initramfs.cpio"; do
	[ -e "$f" ] || { echo "1..1"; echo "not ok 1 - vm tier: $f missing (make vm-check builds it)"; exit 1; }
done

start=$(date +%s%N)
"$top/scripts/vm-run.sh" --kernel "$kernel" --initrd "$vm/initramfs.cpio" \
	--append "console=ttyS0 rdinit=/init no_timer_check panic_on_warn=1 oops=panic panic=-1 slub_debug=FZPU quiet loglevel=4 xb.mode=$mode${XB_VM_ONLY:+ xb.only=$XB_VM_ONLY}${XB_VM_DEBUG:+ xb.debug=1}" \
	--console "$console" --results "$results" --timeout "${XB_VM_TIMEOUT:-240}" --smp "${XB_VM_SMP:-2}" --mem "${XB_VM_MEM:-256}" \
	"${verbose[@]}"
qrc=$?
secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')

tr -d '\r' < "$results" | awk -v qrc="$qrc" -v secs="$secs" -v console="$console" -v mode="$mode" '
function point(ok, desc) { n++; printf "%sok %d - %s\n", ok ? "" : "not ", n, desc; if (!ok) failed++ }
function finish_prog(rc,   good) {
	# a benchmark prints no TAP; a test must print its plan
	good = (rc == 0) && !bail && (planned >= 0 ? seen == planned : mode == "bench" && seen == 0)
	point(good, prog ": exit status " rc ", " seen "/" (planned < 0 ? "?" : planned) " points" (bail ? ", bailed out" : ""))
	prog = ""
}
/^XB-INSMOD / { point($2 == "ok", "insmod xenback.ko"); next }
/^XB-RMMOD /  { point($2 == "ok", "rmmod xenback (everything released)"); rmmod = 1; next }
/^XB-DMESG /  { point($2 == "clean", "kernel log has no WARN/BUG/oops/slab corruption (KASAN, KFENCE, lockdep, debug objects on a debug kernel)"); next }
/^XB-DEBUGKERNEL / { point($2 == "ok", "the debug kernel has KASAN, lockdep, KFENCE and kmemleak on" ($2 == "ok" ? "" : " (" $0 ")")); next }
/^XB-KMEMLEAK / { point($2 == "clean", "kmemleak finds no object leaked by xenback.ko (" $3 " unreferenced in all)"); next }
/^XB-DONE/    { done = 1; next }
/^XB-BEGIN /  { prog = $2; planned = -1; seen = 0; bail = 0; next }
/^XB-END /    {
	sub(/^rc=/, "", $3); sub(/^t0=/, "", $4); sub(/^t1=/, "", $5)
	if ($5 != "") printf "# %s took %.2f s\n", prog, $5 - $4
	finish_prog($3 + 0); next
}
/^BENCH /     { print; next }
prog != "" && /^1\.\.[0-9]+/ { planned = substr($1, 4) + 0; next }
prog != "" && /^(not )?ok [0-9]+/ {
	ok = ($1 == "ok"); line = $0
	sub(/^(not )?ok [0-9]+ *(- *)?/, "", line)
	seen++; n++
	printf "%sok %d - %s: %s\n", ok ? "" : "not ", n, prog, line
	if (!ok && line !~ /# *TODO/) failed++
	next
}
/^TAP version/ { next }
prog != "" && /^Bail out!/ { bail = 1; print "# " prog ": " $0; next }
{ print "# " $0 }
END {
	if (prog != "") finish_prog(-1)
	point(done && qrc == 0, "VM ran to completion in " secs " s (qemu status " qrc ")")
	if (mode == "check" && !rmmod) point(0, "rmmod xenback was reached")
	printf "1..%d\n", n
	if (!done || failed) printf "# console log: %s\n", console
	exit failed > 0 || !done || qrc != 0
}'
rc=$?
if [ "$rc" != 0 ]; then
	echo "# --- last lines of the guest console ---"
	tail -n 40 "$console" | tr -d '\r' | sed 's/^/# /'
fi
exit "$rc"
