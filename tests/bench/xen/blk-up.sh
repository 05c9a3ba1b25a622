#!/bin/sh
# bench-blk, setup: the two domUs and the idle rate of dom0.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
# disk_of <xb|q|k>: the backing of xenbackd's, qdisk's, blkback's disk
disk_of() {
	case $BACKING in
	raw) case $1 in xb) echo /dev/ram1 ;; k) echo /dev/ram2 ;; q) echo /dev/ram3 ;; esac ;;
	*) echo "$BW/$1.img" ;;
	esac
}
if [ "$BACKING" = raw ]; then
	# Debian's brd devices are 16 MiB: loaded again at the disks' size
	brd=$(grep '/brd\.ko' /etc/xb-modules)
	rmmod brd 2>/dev/null
	insmod "$brd" rd_nr=4 rd_size=$((SIZE_MB * 1024)); point $? "bench: brd loaded with 4 devices of $SIZE_MB MiB"
fi
for f in xb q k; do
	# written whole first: a brd page is allocated on its first write
	dd if=/dev/zero of="$(disk_of $f)" bs=1M count="$SIZE_MB" 2>/dev/null
	point $? "bench: $BACKING backing: $(disk_of $f), $SIZE_MB MiB written"
done
# 1. the qdisk peer first: QEMU only serves its own domain's backend/qdisk,
#    xenbackd (not started yet) never sees this disk in Initialising.
bench_cfg xbq "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$(disk_of q)"
t0=$(now)
guest_create xbq; point $? "bench: xl create xbq (qdisk peer: QEMU 7.2 started by libxl) ($(since "$t0") s)"
guest_ready xbq 120; point $? "bench: xbq booted"
id=$(domid xbq)
echo "$id" > "$BW/xbq.id"
wait_for 60 xs_is "/local/domain/$id/device/vbd/51712/state" 4; point $? "bench: xbq's disk Connected through QEMU's qdisk"
# shellcheck disable=SC2009 # dom0's busybox has no pgrep
qemu_ps=$(ps | grep -v grep | grep -o 'xen-qemu-system-i386.*' | cut -c1-150)
[ -n "$qemu_ps" ]; point $? "bench: QEMU's qdisk is running ($qemu_ps)"
# 2. xenbackd (with xenback.ko), then xbx: xvda served by xenbackd, xvdb by blkback
[ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ] && { insmod /xen/xenback.ko; point $? "bench: xenback.ko loaded"; }
# XB_BENCH_XENBACKD_ENV: e.g. XENBACK_BLK_INLINE=0 (the io_uring path on tmpfs too)
# shellcheck disable=SC2086 # NAME=value words, split on purpose
env ${XB_BENCH_XENBACKD_ENV:-XB_NONE=1} xenbackd --types qdisk --foreground --log-level notice > $W/xenbackd.log 2>&1 &
note "bench: xenbackd environment: ${XB_BENCH_XENBACKD_ENV:-(default)}"
echo $! > $BW/xenbackd.pid
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "bench: xenbackd up"
if [ "$BACKING" = raw ]; then
	kdev=$(disk_of k) # blkback on the device itself: its best configuration
	: > "$BW/loop"
else
	kdev=$(losetup -f)
	losetup "$kdev" "$(disk_of k)"; point $? "bench: loop device $kdev on the blkback file"
	echo "$kdev" > "$BW/loop"
fi
XB_EXTRA_CFG='device_model_override = "/usr/lib/xenback/xenback-dm"' bench_cfg xbx \
	"format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$(disk_of xb)" \
	"format=raw,vdev=xvdb,access=rw,backendtype=phy,script=/xen/tests/hotplug-block,target=$kdev"
t0=$(now)
guest_create xbx; point $? "bench: xl create xbx (xenbackd + blkback disks) ($(since "$t0") s)"
guest_ready xbx 120; point $? "bench: xbx booted"
id=$(domid xbx)
echo "$id" > "$BW/xbx.id"
wait_for 60 xs_is "/local/domain/$id/device/vbd/51712/state" 4 &&
	wait_for 60 xs_is "/local/domain/$id/device/vbd/51728/state" 4
point $? "bench: xbx's disks Connected (xenbackd, blkback)"
for d in /local/domain/0/backend/qdisk/$id/51712 /local/domain/0/backend/vbd/$id/51728 /local/domain/0/backend/qdisk/$(domid xbq)/51712; do
	fe=$(xenstore-read "$d/frontend")
	note "bench: $d: max-ring-page-order=$(xenstore-read "$d/max-ring-page-order" 2>/dev/null) indirect=$(xenstore-read "$d/feature-max-indirect-segments" 2>/dev/null) persistent=$(xenstore-read "$d/feature-persistent" 2>/dev/null) queues=$(xenstore-read "$d/multi-queue-max-queues" 2>/dev/null); frontend ring-page-order=$(xenstore-read "$fe/ring-page-order" 2>/dev/null) persistent=$(xenstore-read "$fe/feature-persistent" 2>/dev/null) queues=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null)"
done
sleep 3
idle=$(xb-dom0cpu window 0 5)
echo "$idle" > $BW/idle
note "bench: dom0 idle with both domUs up: ${idle#* } ns of CPU in ${idle% *} ns"
top_snapshot idle
xl vcpu-list 2>/dev/null | sed 's/^/# vcpu: /'
xl list 2>/dev/null | sed 's/^/# xl list: /' 
exit 0
