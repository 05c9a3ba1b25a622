#!/bin/sh
# A guest destroyed while its reads are still at the disk: xenbackd's
# teardown waits a bounded time (BLK_TEARDOWN_WAIT_MS) for the kernel to
# give the guest's pages back, then must not unmap persistently mapped grant
# pages the kernel still does I/O on. (Unmapping a gntdev page the kernel
# holds: in a PV dom0 "BUG: Bad page map", and a WARN when the I/O lets it
# go: with panic_on_warn, dom0 down.) The disk: dm-delay over a brd device,
# every read held 3 s; blkfront uses persistent grants, so the reads go by
# O_DIRECT straight into mapped guest pages.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "xenbackd teardown with I/O in flight" || exit 0
N="xenbackd teardown in flight"
loaded=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "$N: xenback.ko loaded"
	loaded=1
fi
ram=/dev/ram4
sz=$(blockdev --getsz $ram 2>/dev/null)
dmsetup --noudevsync --verifyudev create xbslow --table "0 $sz delay $ram 0 3000" >/dev/null 2>&1
disk=/dev/mapper/xbslow
[ -b $disk ]; point $? "$N: dm-delay over $ram ($sz sectors), reads held 3 s"
[ -b $disk ] || exit 0
xenbackd --types qdisk --foreground --log-level info > $W/xenbackd-tdi.log 2>&1 &
xpid=$!
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "$N: xenbackd started"
g=xbtdi
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$disk"
guest_create $g; point $? "$N: xl create"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g; point $? "$N: domU $id booted"
be=/local/domain/0/backend/qdisk/$id/51712 fe=/local/domain/$id/device/vbd/51712
connected "$be" "$fe"; point $? "$N: both ends Connected"
[ "$(xenstore-read "$fe/feature-persistent" 2>/dev/null)" = 1 ] &&
	[ "$(xenstore-read "$be/feature-persistent" 2>/dev/null)" = 1 ]
point $? "$N: both ends offer persistent grants"
guest_run $g slowread xvda
dm=$(basename "$(readlink -f $disk)")
# shellcheck disable=SC2317 # called through wait_for
busy() { read -r r w < "/sys/block/$dm/inflight" && [ "$r" -gt 0 ]; }
wait_for 5 busy; point $? "$N: reads in flight at the disk ($(cat "/sys/block/$dm/inflight"))"
xl destroy $g; point $? "$N: xl destroy with the reads in flight"
# shellcheck disable=SC2317 # called through wait_for
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
wait_for 15 registry_empty; point $? "$N: the device left the registry"
# shellcheck disable=SC2317 # called through wait_for
idle() { read -r r w < "/sys/block/$dm/inflight" && [ "$r" = 0 ] && [ "$w" = 0 ]; }
wait_for 15 idle; point $? "$N: the held reads ended"
sleep 1
grep -q "mapped for good" $W/xenbackd-tdi.log
point $? "$N: xenbackd kept the guest pages the held reads use mapped (logged)"
grep -E "leak|did not finish|mapped for good" $W/xenbackd-tdi.log | head -n 4 | sed 's/^/# xenbackd: /'
bad=$(dmesg | grep -E 'Bad page map|BUG:|WARNING:|Call Trace')
[ -z "$bad" ]; point $? "$N: dom0's kernel log has no bad page map, BUG or WARN"
[ -n "$bad" ] && echo "$bad" | head -n 5 | sed 's/^/# dmesg: /'
kill -0 $xpid && xenbackctl list >/dev/null 2>&1; point $? "$N: xenbackd still serves"
kill -TERM $xpid
wait $xpid; point $? "$N: xenbackd exits 0 on SIGTERM"
dmsetup --noudevsync remove xbslow >/dev/null 2>&1
[ $loaded = 1 ] && { rmmod xenback; point $? "$N: rmmod xenback"; }
exit 0
