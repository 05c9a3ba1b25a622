#!/bin/sh
# bench-blk, teardown: xenbackd's stats, the domUs, the daemon.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
xbctl_ports | sed 's/^/# bench port (port domid kind events notifies): /'
idle=$(xb-dom0cpu window 0 3)
note "bench: dom0 idle at the end: ${idle#* } ns of CPU in ${idle% *} ns"
for g in xbx xbq; do xl destroy $g; point $? "bench: xl destroy $g"; done
pid=$(cat $BW/xenbackd.pid 2>/dev/null)
[ -n "$pid" ] && kill -TERM "$pid"
wait_for 10 sh -c "! kill -0 $pid"; point $? "bench: xenbackd exits"
grep -iE 'error|warn' $W/xenbackd.log | head -n 10 | sed 's/^/# xenbackd: /'
tail -n 5 /var/log/xen/qemu-dm-xbq.log 2>/dev/null | sed 's/^/# qemu-dm-xbq: /'
[ -s "$BW/loop" ] && losetup -d "$(cat "$BW/loop")" 2>/dev/null
grep -q ' /mnt/xbbench ' /proc/mounts && umount /mnt/xbbench
exit 0
