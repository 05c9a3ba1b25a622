#!/bin/sh
# xenback.ko on real Xen, dom0 talking to itself:
#   interdomain ports through /dev/xen/evtchn (tests/vm/progs/test-interdomain.c,
#     built by the vm tier as build/vm/progs/test-interdomain);
#   a ring mapped through gntdev and registered with SET_RING
#     (tests/xen/progs/test-gntdev-ring.c);
#   grant I/O between granted pages and a brd ramdisk, /dev/ram5
#     (tests/xen/progs/test-grant-io.c).
# All static, packed as /xen/<name>.
if [ ! -e /xen/xenback.ko ]; then
	echo "ok - xenback kmod # SKIP /xen/xenback.ko not in the initramfs"
	exit 0
fi
loaded=0
[ -d /sys/module/xenback ] && loaded=1
if [ $loaded = 0 ]; then
	if insmod /xen/xenback.ko; then echo "ok - xenback kmod: insmod xenback.ko"
	else echo "not ok - xenback kmod: insmod xenback.ko"; exit 0; fi
fi
for t in interdomain gntdev-ring grant-io; do
	if [ ! -x /xen/test-$t ]; then
		echo "ok - xenback $t # SKIP /xen/test-$t not in the initramfs"
		continue
	fi
	# Renumbered by xen-run.sh: drop the program's own plan and numbers.
	/xen/test-$t 2>&1 | sed -e '/^1\.\./d' -e '/^TAP version/d' \
		-e "s/^\(not \)\{0,1\}ok [0-9]* - /&xenback $t: /"
done
if [ $loaded = 0 ]; then
	if rmmod xenback; then echo "ok - xenback kmod: rmmod xenback"
	else echo "not ok - xenback kmod: rmmod xenback"; fi
fi
