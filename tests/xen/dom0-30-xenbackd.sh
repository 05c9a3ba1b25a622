#!/bin/sh
# xenbackd on real Xen: a PV domU created with xl, its qdisk disks routed to
# xenback-dm (libxl's device model stand-in) and served by xenbackd, with
# xenback.ko loaded. Disks: xvda (rw, the pattern), xvdb (read-only), xvdc
# (backing file missing: QEMU commit eb6ae7a682's rule), xvdd (flush and discard);
# xvde hot-plugged twice. Then xl destroy tears everything down.
# xvda and xvdd are files on ext4 (with its journal, as the benchmark's
# ext4 backing) over brd ramdisks (xenbackd's O_DIRECT path; with the module,
# the blkif ring engine); xvdb and xvde's first round are files on tmpfs (no
# O_DIRECT there), xvde's second round a raw brd device.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "xenbackd: end-to-end tests on real Xen" || exit 0
T=/sys/kernel/tracing
mod=0
if [ -e /xen/xenback.ko ]; then
	insmod /xen/xenback.ko; point $? "xenbackd: xenback.ko loaded in dom0"
	[ -c /dev/xenback ] && mod=1
	mkdir -p $T/instances/xbmod && echo 1 > $T/instances/xbmod/events/xenback/enable
else
	skip "xenbackd: xenback.ko loaded in dom0" "kmod/xenback.ko not built"
fi
# fsyncs reaching files (any path: fsync, fdatasync, io_uring): a kprobe in its own instance
FS=$T/instances/xbfs
if ! { mkdir -p "$FS" && echo 'p:xbfsync vfs_fsync_range' >> "$T/kprobe_events" &&
	echo 1 > "$FS/events/kprobes/xbfsync/enable"; }; then
	note "no kprobe on vfs_fsync_range: the flush check will fail"
fi
# (xenbackctl must answer: a dead daemon is not an empty registry)
no_dev() { xenbackctl list >/dev/null 2>&1 && ! xbctl_devs | grep -q "^qdisk $1 $2 "; } # domid devid
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
# shellcheck disable=SC2317 # called through wait_for
no_port_for() { xenbackctl stats >/dev/null 2>&1 && ! xbctl_ports | awk -v d="$1" '$2 == d' | grep -q .; }
# shellcheck disable=SC2317 # called through wait_for
gone() { ! kill -0 "$1" 2>/dev/null; } # pid

xenbackd --types qdisk --foreground --log-level info > $W/xenbackd.log 2>&1 &
xpid=$!
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "xenbackd: started (pid $xpid), control socket up"

fs_on_ram() { # /dev/ramN mountpoint: ext4 (e2fsprogs' mkfs.ext4: journal, extents)
	[ -b "$1" ] && /usr/sbin/mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$1" >/dev/null 2>&1 &&
		mkdir -p "$2" && mount -t ext4 "$1" "$2"
}
if fs_on_ram /dev/ram0 /mnt/xb0 && fs_on_ram /dev/ram1 /mnt/xb1; then
	good=/mnt/xb0/good.img disc=/mnt/xb1/disc.img
	ok "xenbackd: xvda and xvdd backed by files on ext4 over brd (O_DIRECT-capable)"
else
	good=$W/good.img disc=$W/disc.img
	notok "xenbackd: xvda and xvdd backed by files on ext4 over brd (falling back to tmpfs)"
fi
ro=$W/ro.img missing=$W/missing.img hot=$W/hot.img
truncate -s 8M $good
cp $P $ro
cp $P $disc
rm -f $missing
g=xbd
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g \
	"format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$good" \
	"format=raw,vdev=xvdb,access=ro,backendtype=qdisk,target=$ro" \
	"format=raw,vdev=xvdc,access=rw,backendtype=qdisk,target=$missing" \
	"format=raw,vdev=xvdd,access=rw,backendtype=qdisk,target=$disc"
t0=$(now)
guest_create $g; point $? "xenbackd: xl create of a PV domU with 4 qdisk disks, one missing ($(since "$t0") s)"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g; point $? "xenbackd: domU $id booted to its init"

be=/local/domain/0/backend/qdisk/$id fe=/local/domain/$id/device/vbd
for dv in 51712:xvda 51728:xvdb 51760:xvdd; do
	n=${dv%%:*}
	connected "$be/$n" "$fe/$n"
	point $? "xenbackd: ${dv#*:} handshake: backend and blkfront both Connected (4)" || hs_bad=1
done
if [ "${hs_bad:-0}" = 1 ]; then # what the module and the daemon did
	grep -v '^#' $T/instances/xbmod/trace 2>/dev/null | tail -n 40 | sed 's/^/# trace: /'
	dmesg | tail -n 20 | sed 's/^/# dmesg: /'
	tail -n 20 $W/xenbackd.log | sed 's/^/# xenbackd: /'
	grep -i xenback /proc/interrupts | sed 's/^/# irq: /'
fi
[ "$(xenstore-read "$be/51712/hotplug-status" 2>/dev/null)" = connected ]; point $? "xenbackd: hotplug-status=connected written by xenbackd"

# QEMU commit eb6ae7a682's rule: xvdc's backing file does not exist, its
# failed instance is kept and never re-created
nfail() { grep -c "qdisk/$id/51744: .*cannot open" $W/xenbackd.log; }
xbctl_devs | grep -q "^qdisk $id 51744 failed .*cannot_open"
point $? "xenbackd: xvdc (missing file) is listed as failed with its error"
[ "$(nfail)" = 1 ]; point $? "xenbackd: xvdc's create failed exactly once ($(nfail))"

guest_run $g pattern xvda
guest_run $g ro xvdb
# O_DIRECT files with the module: the module serves the ring itself
if [ $mod = 1 ] && [ "$good" = /mnt/xb0/good.img ]; then
	grep -q "qdisk/$id/51712: .*served by xenback.ko's blkif ring engine" $W/xenbackd.log
	point $? "xenbackd: xvda's ring is served by xenback.ko's blkif ring engine"
	# the module's own account of the guest's rings (generic netlink)
	xbctl_blkif | sed "s/^/# xenbackctl stats: blkif (domid port requests errors mapped max_grants inflight stopped): /"
	xbctl_blkif | awk -v d="$id" '$1 == d && $3 > 0 && $5 > 0 && $5 <= $6 && $8 == 0 { n++ } END { exit !n }'
	point $? "xenbackd: xenbackctl stats lists the guest's rings from xenback.ko: requests taken, grants kept mapped within the limit, running"
fi

# flush: a write + fsync in the guest makes xenbackd fsync the backing file
echo > $FS/trace
guest_run $g flush xvdd
nf=$(grep -c 'xbfsync:' $FS/trace)
# by xenbackd, its io_uring, or xenback.ko's blkif ring engine (a kworker)
nx=$(grep 'xbfsync:' $FS/trace | grep -cE 'xenbackd|iou-|kworker')
[ "$nx" -gt 0 ]; point $? "xenbackd: a guest flush reached the backing file ($nx of $nf fsyncs by xenbackd or xenback.ko)"
[ "$nx" -gt 0 ] || note "flushes xenback.ko's blkif ring engine took: $(grep -c 'blkif_request:.* op=3 ' $T/instances/xbmod/trace 2>/dev/null), its responses to them: $(grep 'blkif_response:.* op=3 ' $T/instances/xbmod/trace 2>/dev/null | tail -n 2)"
# discard: 4 MiB punched out of the 8 MiB file
b0=$(stat -c %b $disc)
guest_run $g discard xvdd 0 4194304
b1=$(stat -c %b $disc)
[ $((b0 - b1)) -ge 7000 ]; point $? "xenbackd: a guest discard punched a hole in the backing file ($b0 -> $b1 blocks of 512)"

# hotplug twice while the guest runs: a file on tmpfs, then a raw block
# device (brd: with the module, its ring is served by the blkif ring engine)
for i in 1 2; do
	hotdev=$hot.$i
	truncate -s 8M $hot.$i
	if [ $i = 2 ] && [ -b /dev/ram3 ]; then
		hotdev=/dev/ram3
		dd if=/dev/zero of=$hotdev bs=1M count=1 oflag=direct 2>/dev/null
	fi
	t1=$(now)
	timeout 60 xl block-attach $g "format=raw,vdev=xvde,access=rw,backendtype=qdisk,target=$hotdev" > $W/attach.log 2>&1
	point $? "xenbackd: xl block-attach xvde (round $i, $(since "$t1") s)"
	sed 's/^/# xl block-attach: /' $W/attach.log | head -n 10
	connected "$be/51776" "$fe/51776"
	point $? "xenbackd: hot-plugged xvde Connected on both ends (round $i)"
	if [ "$hotdev" = /dev/ram3 ] && [ $mod = 1 ]; then
		grep -q "qdisk/$id/51776: .*served by xenback.ko's blkif ring engine" $W/xenbackd.log
		point $? "xenbackd: xvde on /dev/ram3 (a raw block device): its ring is served by xenback.ko's blkif ring engine"
	fi
	guest_run $g quick xvde
	timeout 60 xl block-detach $g xvde > $W/detach.log 2>&1
	point $? "xenbackd: xl block-detach xvde (round $i)"
	sed 's/^/# xl block-detach: /' $W/detach.log | head -n 10
	guest_run $g gone xvde
	wait_for 10 no_dev "$id" 51776
	no_dev "$id" 51776; point $? "xenbackd: xvde left the registry after detach (round $i)"
	if [ -b "$hotdev" ]; then # what the device holds, not dom0's cache of it
		dd if=$hotdev bs=1M count=1 iflag=direct 2>/dev/null > $W/hot.head
	else
		head -c 1048576 $hotdev > $W/hot.head
	fi
	head -c 1048576 $P | cmp -s - $W/hot.head; point $? "xenbackd: xvde's backing $hotdev holds what the guest wrote (round $i)"
done
[ "$(nfail)" = 1 ]; point $? "xenbackd: xvdc was never retried while xvde came and went ($(nfail) failure)"
xbctl_devs | grep -q "^qdisk $id 51744 failed"; point $? "xenbackd: xvdc still listed as failed"
guest_run $g verify xvda

# the hot path: xvdb's file on tmpfs is mapped (reads are a memcpy, no
# syscall); with the module, xenbackd sleeps in xenback.ko's wait (one
# ioctl per round), and the event interrupts of the disks it serves itself
# (xvdb: the module's blkif ring engine serves xvda on irqs of its own,
# "xenback-blkif") follow its CPU
grep -q " $ro\$" /proc/$xpid/maps; point $? "xenbackd: xvdb's image on tmpfs is mapped into xenbackd"
irqs() { awk '/ xenback$/ { c0 += $2; c1 += $3 } END { print c0 + 0, c1 + 0 }' /proc/interrupts; }
if [ $mod = 1 ]; then
	wc=$(cat /proc/$xpid/wchan 2>/dev/null)
	[ "$wc" = xb_wait ]; point $? "xenbackd: idle inside xenback.ko's NOTIFY wait (wchan $wc)"
	if [ "$(nproc)" -ge 2 ] && taskset -p 2 $xpid >/dev/null 2>&1; then
		sleep 0.3 # past the module's 100 ms between moves
		v=$(irqs); a0=${v% *} a1=${v#* }
		guest_run $g ro xvdb
		v=$(irqs); d0=$((${v% *} - a0)) d1=$((${v#* } - a1))
		[ $d1 -gt 0 ] && [ $d1 -ge $((9 * (d0 + d1) / 10)) ]
		point $? "xenbackd: pinned to CPU 1, its event interrupts followed it ($d0 on CPU 0, $d1 on CPU 1)"
		# An affinity the administrator set is left alone: every
		# xenback irq to CPU 0 while xenbackd stays on CPU 1.
		nums=$(awk '/ xenback$/ { sub(":", "", $1); print $1 }' /proc/interrupts)
		for n in $nums; do echo 1 > "/proc/irq/$n/smp_affinity"; done
		sleep 0.3
		v=$(irqs); a0=${v% *} a1=${v#* }
		guest_run $g ro xvdb
		v=$(irqs); d0=$((${v% *} - a0)) d1=$((${v#* } - a1))
		kept=1
		for n in $nums; do [ "$(cat "/proc/irq/$n/smp_affinity")" = 1 ] || kept=0; done
		[ $kept = 1 ] && [ $d0 -gt 0 ] && [ $d0 -ge $((9 * (d0 + d1) / 10)) ]
		point $? "xenbackd: an smp_affinity the administrator set is left alone ($(echo "$nums" | wc -w) irqs on CPU 0: $d0 there, $d1 on CPU 1)"
		taskset -p 3 $xpid >/dev/null
	else
		skip "xenbackd: event interrupts follow xenbackd's CPU" "one CPU or no taskset"
	fi
fi

# the module: real interdomain ports and tracepoints
if [ $mod = 1 ]; then
	xbctl_ports | sed 's/^/# port (port domid kind events notifies): /'
	xbctl_ports | awk -v d="$id" '$2 == d && $3 == "interdomain"' | grep -q .
	point $? "xenbackd: xenback.ko has interdomain ports bound to domain $id"
	nt=$(grep -v '^#' $T/instances/xbmod/trace | grep -c .)
	[ "$nt" -gt 0 ]; point $? "xenbackd: xenback.ko tracepoints fired ($nt events)"
	grep -v '^#' $T/instances/xbmod/trace | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[a-z_]+:$/ && $(i-1) ~ /^[0-9.]+:$/) { print $i; break } }' | sort | uniq -c | sed 's/^/# trace event: /'
fi
xbctl_devs | sed 's/^/# registry: /'

# xl destroy tears every device down
xl destroy $g; point $? "xenbackd: xl destroy"
wait_for 15 registry_empty
registry_empty; point $? "xenbackd: registry is empty after xl destroy (no grant mapping, no port)"
xbctl_devs | sed 's/^/# left: /'
if [ $mod = 1 ]; then
	wait_for 5 no_port_for "$id"; point $? "xenbackd: no xenback.ko port left for domain $id"
	xbctl_ports | sed 's/^/# port left: /'
fi
wait_for 10 sh -c "! xenstore-exists $be"; point $? "xenbackd: backend/qdisk/$id removed"
xenstore-exists "$be" && xs_dump "$be"
cmp -s $good $P; point $? "xenbackd: xvda's backing file holds the pattern after the guest is gone"
cmp -s $ro $P; point $? "xenbackd: the read-only disk's backing file is unchanged"
guest_console_clean $g

kill -TERM $xpid
wait_for 10 gone $xpid; point $? "xenbackd: exits on SIGTERM"
wait $xpid; point $? "xenbackd: exit status 0 after SIGTERM"
bad=$(grep -iE 'error|warning' $W/xenbackd.log | grep -v "51744")
[ -z "$bad" ]; point $? "xenbackd: log has no error or warning beyond xvdc's"
tail -n 30 $W/xenbackd.log | sed 's/^/# xenbackd: /'
[ $mod = 1 ] && { rmmod xenback; point $? "xenbackd: rmmod xenback after the daemon exited"; }
echo 0 > $FS/events/kprobes/xbfsync/enable 2>/dev/null
exit 0
