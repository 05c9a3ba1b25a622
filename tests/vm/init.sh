#!/bin/sh
# /init of the vm-tier initramfs. Mode from the kernel command line:
#   xb.mode=check  load xenback.ko, run /tests/test-*, rmmod, run /tests/nomod/*
#   xb.mode=bench  load xenback.ko, run /bench/bench-notify
#   xb.only=<glob> only the tests whose name matches (XB_VM_ONLY)
#   xb.debug=1     a debug kernel (the vm-debug tier): longer per-test
#                  timeout; kmemleak cleared after boot and scanned after
#                  the tests, before rmmod (XB-KMEMLEAK: objects whose
#                  allocation backtrace is in xenback.ko)
# Test output goes to the second serial port (/dev/ttyS1), framed by
# XB-BEGIN/XB-END lines; the console keeps the kernel log. Last line: XB-DONE.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /dev/shm /tmp && mount -t tmpfs tmpfs /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

say() { echo "$*" >&3; }
mode=check only='*' debug=0
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	xb.mode=*) mode=${w#xb.mode=} ;;
	xb.only=*) only=${w#xb.only=} ;;
	xb.debug=1) debug=1 ;;
	esac
done

run() { # name program...
	name=$1; shift
	say "XB-BEGIN $name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout "$tmo" "$@" >&3 2>&1
	rc=$?
	say "XB-END $name rc=$rc t0=$t0 t1=$(cut -d' ' -f1 /proc/uptime)"
}

tmo=120
kml=/sys/kernel/debug/kmemleak
if [ $debug = 1 ]; then
	tmo=600
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -w $kml ] && echo clear > $kml # what boot left: not ours to judge
	# XB-DEBUGKERNEL ok|missing <what>: the checks are really on
	miss=
	dmesg | grep -q 'KernelAddressSanitizer initialized' || miss="$miss KASAN"
	[ -e /proc/lockdep ] || miss="$miss lockdep"
	[ -e /sys/kernel/debug/kfence/stats ] || miss="$miss KFENCE"
	[ -w $kml ] || miss="$miss kmemleak"
	if [ -z "$miss" ]; then say "XB-DEBUGKERNEL ok"; else say "XB-DEBUGKERNEL missing$miss"; fi
fi
# XB-KMEMLEAK clean|dirty <unreferenced objects in all>: dirty if one was
# allocated from xenback.ko (its backtrace names the module).
leakscan() {
	[ -w $kml ] || { say "XB-KMEMLEAK dirty no-kmemleak"; return; }
	sleep 6 # kmemleak reports objects older than 5 s, unreferenced twice
	echo scan > $kml; sleep 1; echo scan > $kml
	cat $kml > /tmp/kmemleak.txt
	n=$(grep -c 'unreferenced object' /tmp/kmemleak.txt)
	ours=$(awk '/^unreferenced object/ { if (b ~ /\[xenback\]/) printf "%s", b; b = "" }
		{ b = b $0 "\n" } END { if (b ~ /\[xenback\]/) printf "%s", b }' /tmp/kmemleak.txt)
	if [ -n "$ours" ]; then
		say "XB-KMEMLEAK dirty $n"
		echo "$ours" | sed 's/^/# kmemleak: /' >&3
	else
		say "XB-KMEMLEAK clean $n"
	fi
}

if insmod /xenback.ko; then say "XB-INSMOD ok"; else say "XB-INSMOD fail"; fi
case $mode in
check)
	for t in /tests/test-*; do
		# shellcheck disable=SC2254 # a glob on purpose
		case ${t##*/} in $only) run "${t##*/}" "$t" ;; esac
	done
	[ $debug = 1 ] && leakscan
	if rmmod xenback; then say "XB-RMMOD ok"; else say "XB-RMMOD fail"; fi
	for t in /tests/nomod/test-*; do
		# shellcheck disable=SC2254 # a glob on purpose
		case ${t##*/} in $only) [ -x "$t" ] && run "${t##*/}-nomod" "$t" absent ;; esac
	done ;;
bench)
	run bench-notify /bench/bench-notify
	if rmmod xenback; then say "XB-RMMOD ok"; else say "XB-RMMOD fail"; fi ;;
esac
bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG|list_add corruption|list_del corruption|Poison overwritten|Redzone|Object padding|slub|INFO: |KASAN|KFENCE|ODEBUG|suspicious RCU usage|possible recursive locking|possible circular locking|inconsistent lock state' | grep -v 'slub_debug' )
if [ -n "$bad" ]; then
	say "XB-DMESG dirty"
	echo "$bad" | sed 's/^/# dmesg: /' >&3
else
	say "XB-DMESG clean"
fi
say "XB-DONE"
sleep 1
# The debug kernel has no ACPI to power off with: a reboot ends QEMU too
# (-no-reboot); the results' XB-DONE says it finished.
[ $debug = 1 ] && reboot -f
poweroff -f
