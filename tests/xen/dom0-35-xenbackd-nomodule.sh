#!/bin/sh
# xenbackd without xenback.ko (--no-module: event channels through
# libxenevtchn) serving a PV domU's qdisk disk. SIGTERM while the disk is
# connected detaches: exit status 0, both ends stay Connected; a new
# xenbackd --no-module takes the disk over (the guest's I/O goes on); then
# the explicit stop, `xenbackctl shutdown`: the device is closed and the
# frontend told (backend Closed, blkfront Closing/Closed), exit status 0.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "xenbackd --no-module: end-to-end and SIGTERM" || exit 0
[ -d /sys/module/xenback ] && rmmod xenback
xenbackd --types qdisk --no-module --log-level info > $W/xenbackd-nomod.log 2>&1 &
xpid=$!
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "nomodule: xenbackd --no-module started (pid $xpid)"
g=xbnomod
img=$W/nomod.img
truncate -s 8M $img
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
t0=$(now)
guest_create $g; point $? "nomodule: xl create ($(since "$t0") s)"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g; point $? "nomodule: domU $id booted to its init"
be=/local/domain/0/backend/qdisk/$id/51712 fe=/local/domain/$id/device/vbd/51712
connected "$be" "$fe"
point $? "nomodule: handshake Connected on both ends (libxenevtchn)"
guest_run $g pattern xvda
cmp -s $img $P; point $? "nomodule: backing file holds the pattern"

kill -TERM $xpid
# shellcheck disable=SC2317 # called through wait_for
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 10 gone $xpid; point $? "nomodule: xenbackd exits on SIGTERM with a connected disk"
wait $xpid; point $? "nomodule: exit status 0"
sleep 1
xs_is "$be/state" 4 && xs_is "$fe/state" 4
point $? "nomodule: SIGTERM detached: backend and blkfront still Connected ($(xenstore-read "$be/state" 2>/dev/null)/$(xenstore-read "$fe/state" 2>/dev/null))"
xenbackd --types qdisk --no-module --log-level info > $W/xenbackd-nomod2.log 2>&1 &
xpid=$!
wait_for 10 sh -c "xenbackctl list 2>/dev/null | grep -q ' 51712 .*Connected'"
point $? "nomodule: a new xenbackd --no-module took the disk over (Connected in its registry)"
guest_run $g pattern xvda
cmp -s $img $P; point $? "nomodule: the guest's I/O goes on through the new daemon"
xs_is "$be/state" 4 && xs_is "$fe/state" 4; point $? "nomodule: both ends still Connected"
xenbackctl shutdown > $W/xbctl-shutdown.out 2>&1
point $? "nomodule: xenbackctl shutdown: exit 0 ($(cat $W/xbctl-shutdown.out))"
wait_for 10 gone $xpid; point $? "nomodule: xenbackd exited"
wait $xpid; point $? "nomodule: exit status 0"
xs_is "$be/state" 6; point $? "nomodule: backend state Closed (6) after xenbackctl shutdown (now $(xenstore-read "$be/state" 2>/dev/null))"
wait_for 10 sh -c "s=\$(xenstore-read $fe/state); [ \"\$s\" = 5 ] || [ \"\$s\" = 6 ]"
point $? "nomodule: blkfront was told: frontend state $(xenstore-read "$fe/state" 2>/dev/null) (Closing/Closed)"
tail -n 8 $W/xenbackd-nomod2.log | sed 's/^/# xenbackd: /'
xl destroy $g; point $? "nomodule: xl destroy"
guest_console_clean $g
exit 0
