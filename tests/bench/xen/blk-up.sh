#!/bin/sh
# bench-blk, setup: the two domUs and the idle rate of dom0.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
# disk_of <xb|q|k>: the backing of xenbackd's, qdisk's, blkback's disk
MNT=/mnt/xbbench # ext4: the file system of the three image files
disk_of() {
	case $BACKING in
	raw) case $1 in xb) echo /dev/ram1 ;; k) echo /dev/ram2 ;; q) echo /dev/ram3 ;; esac ;;
	ext4) echo "$MNT/$1.img" ;;
	*) echo "$BW/$1.img" ;;
	esac
}
# Debian's brd devices are 16 MiB: loaded again at the size needed
brd_load() { # <devices> <MiB each>
	rmmod brd 2>/dev/null
	insmod "$(grep '/brd\.ko' /etc/xb-modules)" rd_nr="$1" rd_size=$(($2 * 1024))
	point $? "bench: brd loaded with $1 device(s) of $2 MiB"
}
case $BACKING in
raw) brd_load 4 "$SIZE_MB" ;;
ext4)
	# one brd device, ext4 (e2fsprogs' mkfs.ext4, default features: extents,
	# journal), the inode tables and journal written now so that no
	# ext4lazyinit thread runs during the measurements
	brd_load 1 $((3 * SIZE_MB + 64))
	mkdir -p $MNT
	/usr/sbin/mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/ram0 &&
		mount -t ext4 /dev/ram0 $MNT
	point $? "bench: ext4 on /dev/ram0 ($((3 * SIZE_MB + 64)) MiB) mounted on $MNT"
	grep " $MNT " /proc/mounts | sed 's/^/# bench: mount: /' ;;
tmpfs|'') ;;
*) notok "bench: unknown XB_BENCH_BACKING=$BACKING (raw, ext4, tmpfs)"; exit 0 ;;
esac
for f in xb q k; do
	# written whole first: a brd page (an ext4 block) is allocated on its
	# first write, and a preallocated extent would still be unwritten
	dd if=/dev/zero of="$(disk_of $f)" bs=1M count="$SIZE_MB" conv=fsync 2>/dev/null
	point $? "bench: $BACKING backing: $(disk_of $f), $SIZE_MB MiB written"
done
if [ "$BACKING" = ext4 ]; then
	# the images start out of dom0's page cache (xenbackd and blkback
	# bypass it, QEMU reads through it)
	sync && echo 3 > /proc/sys/vm/drop_caches
	df -k $MNT | sed 's/^/# bench: df: /'
fi
# 1. the qdisk peer first: QEMU only serves its own domain's backend/qdisk,
#    xenbackd (not started yet) never sees this disk in Initialising.
# QEMU's qdisk does buffered I/O, through dom0's page cache (libxl's default
# for qdisk). The disk option that would let it use O_DIRECT, direct-io-safe
# (xl-disk-configuration(5)), makes QEMU open with aio=native, which Debian's
# xen-qemu-system-i386 7.2 is built without ("aio=native was specified, but
# is not supported in this build"): its disk would not open.
bench_cfg xbq "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$(disk_of q)"
t0=$(now)
guest_create xbq; point $? "bench: xl create xbq (qdisk peer: QEMU 7.2 started by libxl) ($(since "$t0") s)"
guest_ready xbq 120; point $? "bench: xbq booted"
id=$(domid xbq)
echo "$id" > "$BW/xbq.id"
wait_for 60 xs_is "/local/domain/$id/device/vbd/51712/state" 4; point $? "bench: xbq's disk Connected through QEMU's qdisk"
# what QEMU made of the disk: its size as the frontend will read it
be=/local/domain/0/backend/qdisk/$id/51712
note "bench: qdisk $be: params=$(xenstore-read "$be/params" 2>/dev/null) sectors=$(xenstore-read "$be/sectors" 2>/dev/null) sector-size=$(xenstore-read "$be/sector-size" 2>/dev/null)"
# xenbackd, started below, must leave this node alone: it takes over only
# nodes a process of its own served (a "<type>-<domid>-<devid>.served" mark
# in its state directory, userspace/lib/core/handover.c). Before that mark,
# it took QEMU's node over, failed to bind the event channel QEMU holds and
# wrote Closing: xbq's disk went dead (0 sectors). Checked after its start.
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
sleep 2
xs_is "$be/state" 4 && ! grep -q "qdisk/$id/51712" $W/xenbackd.log
point $? "bench: xenbackd left QEMU's node $be alone (still Connected, not in its log)"
if [ "$BACKING" = raw ]; then
	kdev=$(disk_of k) # blkback on the device itself: its best configuration
	: > "$BW/loop"
elif [ "$BACKING" = ext4 ]; then
	# a loop device with direct I/O (util-linux's losetup: busybox's has no
	# --direct-io): blkback's I/O reaches ext4 as O_DIRECT, as xenbackd's does
	kdev=$(/usr/sbin/losetup --direct-io=on --show -f "$(disk_of k)")
	point $? "bench: loop device $kdev on the blkback file, direct I/O"
	echo "$kdev" > "$BW/loop"
	dio=$(cat "/sys/block/${kdev#/dev/}/loop/dio" 2>/dev/null)
	[ "$dio" = 1 ]; point $? "bench: $kdev does direct I/O (loop/dio=${dio:-none})"
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
# every disk at its full size in its guest, before any fio
for gd in xbq:xvda xbx:xvda xbx:xvdb; do
	g=${gd%:*} d=${gd#*:}
	out=$(guest_run "$g" disk "$d")
	echo "$out"
	sec=$(echo "$out" | sed -n "s/.*XB-DISK $d sectors=\([0-9]*\).*/\1/p")
	[ "$sec" = $((SIZE_MB * 2048)) ]; point $? "bench: $g's $d is $SIZE_MB MiB in the guest (${sec:-no} sectors)"
done
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
