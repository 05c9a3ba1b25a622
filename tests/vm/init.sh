#!/bin/sh
# /init of the vm-tier initramfs. Mode from the kernel command line:
#   xb.mode=check  load xenback.ko, run /tests/test-*, rmmod, run /tests/nomod/*
#   xb.mode=bench  load xenback.ko, run /bench/bench-notify
#   xb.only=<glob> only the tests whose name matches (XB_VM_ONLY)
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
mode=check only='*'
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	xb.mode=*) mode=${w#xb.mode=} ;;
	xb.only=*) only=${w#xb.only=} ;;
	esac
done

run() { # name program...
	name=$1; shift
	say "XB-BEGIN $name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout 120 "$@" >&3 2>&1
	rc=$?
	say "XB-END $name rc=$rc t0=$t0 t1=$(cut -d' ' -f1 /proc/uptime)"
}

if insmod /xenback.ko; then say "XB-INSMOD ok"; else say "XB-INSMOD fail"; fi
case $mode in
check)
	for t in /tests/test-*; do
		# shellcheck disable=SC2254 # a glob on purpose
		case ${t##*/} in $only) run "${t##*/}" "$t" ;; esac
	done
	if rmmod xenback; then say "XB-RMMOD ok"; else say "XB-RMMOD fail"; fi
	for t in /tests/nomod/test-*; do
		# shellcheck disable=SC2254 # a glob on purpose
		case ${t##*/} in $only) [ -x "$t" ] && run "${t##*/}-nomod" "$t" absent ;; esac
	done ;;
bench)
	run bench-notify /bench/bench-notify
	if rmmod xenback; then say "XB-RMMOD ok"; else say "XB-RMMOD fail"; fi ;;
esac
bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG|list_add corruption|list_del corruption|Poison overwritten|Redzone|Object padding|slub|INFO: ' | grep -v 'slub_debug' )
if [ -n "$bad" ]; then
	say "XB-DMESG dirty"
	echo "$bad" | sed 's/^/# dmesg: /' >&3
else
	say "XB-DMESG clean"
fi
say "XB-DONE"
sleep 1
poweroff -f
