#!/bin/sh
# xenback.ko on real Xen: interdomain ports, dom0 talking to itself through
# /dev/xen/evtchn (tests/vm/progs/test-interdomain.c, built by the vm tier as
# build/vm/progs/test-interdomain and packed as /xen/test-interdomain).
t=/xen/test-interdomain
if [ ! -x $t ] || [ ! -e /xen/xenback.ko ]; then
	echo "ok - xenback interdomain # SKIP $t or /xen/xenback.ko not in the initramfs"
	exit 0
fi
loaded=0
[ -d /sys/module/xenback ] && loaded=1
if [ $loaded = 0 ]; then
	if insmod /xen/xenback.ko; then echo "ok - xenback interdomain: insmod xenback.ko"
	else echo "not ok - xenback interdomain: insmod xenback.ko"; exit 0; fi
fi
# Renumbered by xen-run.sh: drop the program's own plan and numbers' context.
$t 2>&1 | sed -e '/^1\.\./d' -e '/^TAP version/d' \
	-e 's/^\(not \)\{0,1\}ok [0-9]* - /&xenback interdomain: /'
if [ $loaded = 0 ]; then
	if rmmod xenback; then echo "ok - xenback interdomain: rmmod xenback"
	else echo "not ok - xenback interdomain: rmmod xenback"; fi
fi
