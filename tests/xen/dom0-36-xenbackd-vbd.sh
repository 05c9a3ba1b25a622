#!/bin/sh
# xenbackd's vbd type on real Xen (issue 15): `backendtype=phy` disks with
# xen-blkback unloaded, so backend/vbd is xenbackd's; a hotplug script
# (tests/xen/hotplug-block, what Xen's block script does for a block
# device: physical-device, hotplug-status=connected) runs before the
# device connects. A PV domU on a brd device: the pattern written and read
# back, found on the device; xl block-attach and block-detach twice; a
# script that reports an error (hotplug-status=error) fails that disk alone
# (xenbackctl list says why, the frontend is told Closed) while the first
# disk goes on; xl destroy leaves nothing. xen-blkback is loaded again
# afterwards if it was loaded before.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "vbd: tests on real Xen" || exit 0
HB=/xen/tests/hotplug-block
# shellcheck disable=SC2317 # called through wait_for
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
# shellcheck disable=SC2317 # called through wait_for
node_gone() { ! xenstore-exists "$1"; }
blkback=0
if grep -q '^xen_blkback ' /proc/modules; then
	rmmod xen-blkback; point $? "vbd: xen-blkback unloaded (backend/vbd is xenbackd's)"
	blkback=1
fi
loaded=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "vbd: xenback.ko loaded"
	loaded=1
fi
xenbackd --types vbd --foreground --log-level info > $W/xenbackd-vbd.log 2>&1 &
xpid=$!
wait_for 10 xenbackctl list; point $? "vbd: xenbackd --types vbd started"
dd if=/dev/zero of=/dev/ram8 bs=1M count=8 2>/dev/null
g=xbvbd
guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=phy,script=$HB,target=/dev/ram8"
guest_create $g; point $? "vbd: xl create, xvda backendtype=phy on /dev/ram8"
id=$(domid $g) || { kill $xpid; exit 0; }
be=/local/domain/0/backend/vbd/$id/51712 fe=/local/domain/$id/device/vbd/51712
guest_ready $g; point $? "vbd: domU $id booted"
connected "$be" "$fe"; point $? "vbd: handshake, both ends Connected"
pd=$(xenstore-read "$be/physical-device" 2>/dev/null)
[ -n "$pd" ] && xs_is "$be/hotplug-status" connected
point $? "vbd: the script wrote physical-device ($pd) and hotplug-status=connected"
st=$(xbctl_devs | awk -v d="$id" '$1 == "vbd" && $2 == d && $3 == 51712 { print $4 }')
[ "$st" = Connected ]; point $? "vbd: xenbackctl list shows vbd $id/51712 Connected ($st)"
guest_run $g pattern xvda
head -c 8388608 /dev/ram8 | cmp -s - $P; point $? "vbd: /dev/ram8 holds the pattern"
b2=/local/domain/0/backend/vbd/$id/51728 f2=/local/domain/$id/device/vbd/51728
for round in 1 2; do
	dd if=/dev/zero of=/dev/ram9 bs=1M count=8 2>/dev/null
	xl block-attach $g "format=raw,vdev=xvdb,access=rw,backendtype=phy,script=$HB,target=/dev/ram9"
	point $? "vbd: round $round: xl block-attach xvdb (/dev/ram9)"
	connected "$b2" "$f2"; point $? "vbd: round $round: xvdb Connected"
	guest_run $g pattern xvdb
	head -c 8388608 /dev/ram9 | cmp -s - $P; point $? "vbd: round $round: /dev/ram9 holds the pattern"
	xl block-detach $g xvdb; point $? "vbd: round $round: xl block-detach xvdb"
	wait_for 15 node_gone "$b2"; point $? "vbd: round $round: its backend node is gone"
	! xbctl_devs | grep -q "^vbd $id 51728 "; point $? "vbd: round $round: not in xenbackctl list"
done
# a hotplug script that reports an error
f3=/local/domain/$id/device/vbd/51744
xl block-attach $g "format=raw,vdev=xvdc,access=rw,backendtype=phy,script=/xen/tests/hotplug-fail,target=/dev/ram10" > $W/attach-fail.log 2>&1
note "vbd: xl block-attach with a failing script: exit $?"
why=$(xbctl_devs | awk -v d="$id" '$1 == "vbd" && $2 == d && $3 == 51744 { print $7 }')
i=0
while [ -z "$why" ] || [ "$why" = - ]; do
	i=$((i + 1)); [ $i -gt 50 ] && break
	sleep 0.2
	why=$(xbctl_devs | awk -v d="$id" '$1 == "vbd" && $2 == d && $3 == 51744 { print $7 }')
done
case $why in *hotplug*) r=0 ;; *) r=1 ;; esac
point $r "vbd: hotplug-status=error: xenbackctl list says why ($why)"
wait_for 15 sh -c "s=\$(xenstore-read $f3/state 2>/dev/null); [ \"\$s\" = 6 ] || [ \"\$s\" = 5 ] || [ -z \"\$s\" ]"
point $? "vbd: the frontend was told (xvdc's frontend state: $(xenstore-read "$f3/state" 2>/dev/null || echo gone))"
xl block-detach $g xvdc >/dev/null 2>&1
guest_run $g quick xvda # (the first disk goes on)
xl destroy $g; point $? "vbd: xl destroy"
wait_for 15 registry_empty; point $? "vbd: registry empty after xl destroy"
guest_console_clean $g
kill -TERM $xpid
wait $xpid; point $? "vbd: xenbackd exits 0 on SIGTERM"
bad=$(grep -E ': (error|warning): ' $W/xenbackd-vbd.log | grep -v "vbd/$id/51744")
[ -z "$bad" ]; point $? "vbd: xenbackd's log has no error or warning but the failing script's disk"
[ -n "$bad" ] && echo "$bad" | head -n 10 | sed 's/^/# xenbackd: /'
[ $loaded = 1 ] && { rmmod xenback; point $? "vbd: rmmod xenback"; }
if [ $blkback = 1 ]; then
	insmod "$(grep '/xen-blkback\.ko' /etc/xb-modules)"; point $? "vbd: xen-blkback loaded again"
fi
exit 0
