#!/bin/sh
# make demo, dom0's side (run instead of the tests when dom0 boots with
# xb.demo=1): load xenback.ko, start xenbackd, create a PV guest whose disk
# (backendtype=qdisk, routed by xenback-dm) xenbackd serves, let the guest
# write and read it, show xenbackctl's view; then kill xenbackd and start it
# again, and restart it in place, while the guest writes and verifies; stop
# the guest.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
say() { echo "# ==> $*"; }
show() { sed 's/^/#     /'; }
for b in build/xenbackd build/xenbackctl build/xenback-dm; do
	have $b || { notok "demo: $b is built"; exit 1; }
done
say "dom0 is up: Xen $(xl info 2>/dev/null | awk '/^xen_version/ {print $3}'), xenstored and xenconsoled running"
if [ -e /xen/xenback.ko ] && insmod /xen/xenback.ko; then
	say "xenback.ko loaded: event channels go through /dev/xenback"
else
	say "xenback.ko not loaded: event channels go through libxenevtchn"
fi
xenbackd --types qdisk --log-level info > $W/xenbackd.log 2>&1 &
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "demo: xenbackd started, serving backend/qdisk"
img=$W/demo.img
truncate -s 64M $img
say "guest config: disk = [ \"format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img\" ]"
say "              device_model_override = \"$DM\"   (libxl's device model stand-in; xenbackd serves the disk)"
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg demo \
	"format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
t=$(now)
guest_create demo; point $? "demo: xl create (PV guest, Debian's kernel) in $(since "$t") s"
guest_ready demo 90; point $? "demo: the guest booted to its init"
id=$(domid demo)
be=/local/domain/0/backend/qdisk/$id/51712
wait_for 30 xs_is "$be/state" 4
point $? "demo: handshake done: backend $(xenstore-read "$be/state") (Connected), blkfront $(xenstore-read "/local/domain/$id/device/vbd/51712/state" 2>/dev/null)"
say "the guest writes and reads its disk (its console):"
guest_run demo demo xvda
say "xenbackctl list (xenbackd's registry):"
xenbackctl list 2>&1 | show
say "xenbackctl stats (xenback.ko's per-port counters):"
xenbackctl stats 2>&1 | show
say "backend node in xenstore: $be"
xenstore-ls -f "$be" 2>/dev/null | grep -E '/(state|params|mode|sectors|feature-[a-z-]+|max-ring-page-order|multi-queue-max-queues) ' | show
say "dom0 sees the guest's message in the image: $(dd if=$img bs=512 count=1 2>/dev/null | tr -d '\0' | sed 's/ *$//')"
say "restart and crash: the guest keeps writing and verifying while xenbackd is killed"
xenstore-rm "/local/domain/$id/data/xb-demo-stop" 2>/dev/null
guest_send demo demoloop xvda
dc=$(cat "$W/demo.n")
sleep 4
xp=$(pidof xenbackd)
say "kill -9 xenbackd (pid $xp): nobody serves the guest's ring now, its I/O waits"
kill -KILL "$xp"
sleep 1
t=$(now)
xenbackd --types qdisk --log-level info >> $W/xenbackd.log 2>&1 &
wait_for 20 sh -c "xenbackctl list 2>/dev/null | grep -q ' 51712 .*Connected'"
point $? "demo: a new xenbackd (pid $!) took the disk over in $(since "$t") s: same rings, same event channels"
say "backend state $(xenstore-read "$be/state"), blkfront $(xenstore-read "/local/domain/$id/device/vbd/51712/state" 2>/dev/null): nobody saw a disconnect"
sleep 3
say "xenbackctl restart: an in-place upgrade (the daemon executes its binary again, devices handed over)"
xenbackctl restart 2>&1 | show
sleep 3
xenstore-write "/local/domain/$id/data/xb-demo-stop" 1
say "the guest's view (one line a second; the waits are the kill and the restart):"
guest_wait demo "$dc" demoloop
say "stopping the guest"
guest_stop demo
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
wait_for 20 registry_empty
point $? "demo: the guest is gone and xenbackd's registry is empty"
for p in $(pidof xenbackd); do kill "$p" 2>/dev/null; done
say "xenbackd's log:"
tail -n 12 $W/xenbackd.log | show
