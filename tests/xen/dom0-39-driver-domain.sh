#!/bin/sh
# A driver domain (issue 15): a PV guest, xbstor, runs xenbackd
# --backend-domid <its domid> --types qdisk (tests/xen/domU-stor.sh) and
# serves a disk image in its own memory to a second PV guest, xbcli, whose
# disk spec says backend=xbstor,backendtype=qdisk. No xl devd in xbstor:
# xenbackd removes its backend node once Closed and offline, which dom0's
# libxl waits for at detach and destroy (for a qdisk, xl devd would start a
# QEMU in the driver domain instead). libxl writes the backend node in
# xbstor's tree owned by xbstor, readable by the client, and the frontend
# readable by xbstor: checked. Then I/O verified, xbstor's xenbackd
# restarted (SIGTERM, handover) twice while the client writes and reads
# blocks back, the client noticing nothing (same rings and event channels,
# both ends Connected throughout, no error), then
# xl block-detach of a second disk and xl destroy of the client: xbstor's
# registry empty, its backend tree empty. (libxl 4.17 refuses to hot-plug
# a qdisk disk into a guest without a device model; noted, not a point.)
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "driver domain: tests on real Xen" || exit 0
s=xbstor c=xbcli
guest_cfg $s
sed -i 's/^memory = .*/memory = 256/' $W/$s.cfg
guest_create $s; point $? "driver domain: xl create of the storage domain $s"
sid=$(domid $s) || exit 0
guest_ready $s; point $? "driver domain: $s (domain $sid) booted"
guest_run $s stor start
disk="backend=$s,format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/tmp/stor.img"
disk2="backend=$s,format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=/tmp/stor2.img"
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $c "$disk" "$disk2"
guest_create $c; point $? "driver domain: xl create of $c, its disks served by $s ($disk)"
cid=$(domid $c) || { guest_run $s stor log; guest_stop $s; exit 0; }
guest_ready $c; point $? "driver domain: $c (domain $cid) booted"
if xenstore-exists /local/domain/0/device-model/"$cid"; then note "libxl started a device model for $c (xenback-dm)"; else note "libxl started no device model for $c"; fi
be=/local/domain/$sid/backend/qdisk/$cid/51712 fe=/local/domain/$cid/device/vbd/51712
be2=/local/domain/$sid/backend/qdisk/$cid/51728 fe2=/local/domain/$cid/device/vbd/51728
connected "$be" "$fe"; point $? "driver domain: xvda Connected on both ends ($be)"
connected "$be2" "$fe2"; point $? "driver domain: xvdb Connected on both ends"
[ "$(xenstore-read "$fe/backend" 2>/dev/null)" = "$be" ] && [ "$(xenstore-read "$fe/backend-id" 2>/dev/null)" = "$sid" ]
point $? "driver domain: the frontend names its backend in $s"
# permissions as libxl sets them for a driver domain: the backend node
# owned by the storage domain (the client may read it), the frontend node
# owned by the client (the storage domain may read it)
bp=$(xenstore-ls -p "$(dirname "$be")" 2>/dev/null | awk '$1 == "51712" { print $NF }')
fp=$(xenstore-ls -p "$(dirname "$fe")" 2>/dev/null | awk '$1 == "51712" { print $NF }')
case $bp in *"(n$sid,r$cid)"*|*"(n$sid, r$cid)"*) r=0 ;; *) r=1 ;; esac
case $fp in *"(n$cid,r$sid)"*|*"(n$cid, r$sid)"*) ;; *) r=1 ;; esac
point $r "driver domain: backend node owned by $sid, read by $cid ($bp); frontend owned by $cid, read by $sid ($fp)"
guest_run $c verify xvda
guest_run $c pattern xvda
# xenbackd restarted in the storage domain twice while the client writes
fe_id() { xenstore-ls -f "$fe" 2>/dev/null | grep -E '/(event-channel|ring-ref[0-9]*) ' | sort; }
fe0=$(fe_id)
: > $W/dd-states
wp=
i=0
for p in "$be/state" "$fe/state"; do
	i=$((i + 1))
	rm -f $W/dd-w$i; mkfifo $W/dd-w$i
	( while read -r w; do echo "$w $(xenstore-read "$w" 2>/dev/null)" >> $W/dd-states; done < $W/dd-w$i ) &
	xenstore-watch "$p" > $W/dd-w$i 2>/dev/null &
	wp="$wp $!"
done
xenstore-rm "/local/domain/$cid/data/xb-demo-stop" 2>/dev/null
guest_send $c demoloop xvda
lc=$(cat "$W/$c.n")
sleep 3
for _ in 1 2; do
	guest_run $s stor restart
	wait_for 20 xs_is "$be/state" 4
	sleep 2
done
xenstore-write "/local/domain/$cid/data/xb-demo-stop" 1
XB_GUEST_TIMEOUT=60 guest_wait $c "$lc" demoloop
# shellcheck disable=SC2086 # pids
kill $wp 2>/dev/null
odd=$(awk '$2 != 4' $W/dd-states)
[ -z "$odd" ] && [ -s $W/dd-states ]
point $? "driver domain: both ends stayed Connected through the restarts ($(wc -l < $W/dd-states) state events, none but 4)"
[ -n "$odd" ] && echo "$odd" | head -n 10 | sed 's/^/# state: /'
[ "$(fe_id)" = "$fe0" ]; point $? "driver domain: the same frontend: its event channel and ring unchanged"
guest_run $c verify xvda
guest_run $c dmesg
# detach xvdb: xenbackd in the storage domain removes the backend node,
# which dom0's libxl waits for before it removes the frontend
timeout 60 xl block-detach $c xvdb > $W/dd-detach.log 2>&1; r=$?
[ $r = 0 ] && ! xenstore-exists "$be2" && ! xenstore-exists "$fe2"
point $? "driver domain: xl block-detach xvdb (exit $r): backend and frontend nodes gone"
[ $r = 0 ] || sed 's/^/# xl: /' $W/dd-detach.log | head -n 5
# libxl 4.17 hot-plugs a qdisk disk only into a guest with a running
# device model (libxl__dm_check_start), and it starts none at xl create
# when every qdisk disk is in a driver domain: what it says is noted
timeout 60 xl block-attach $c "$disk2" > $W/dd-attach.log 2>&1; r=$?
note "xl block-attach of xvdb again: exit $r: $(grep -m1 -o 'device model required but not running' $W/dd-attach.log)"
[ $r = 0 ] && timeout 60 xl block-detach $c xvdb > /dev/null 2>&1
xl destroy $c; point $? "driver domain: xl destroy $c (xvda still attached)"
wait_for 20 sh -c "! xenstore-exists /local/domain/$sid/backend/qdisk/$cid"
point $? "driver domain: $s's backend tree for $cid is gone"
guest_run $s stor empty
guest_run $s stor stop
guest_run $s stor clean
guest_run $s stor log | grep -E "error|warning|removed|handed|took" | head -n 30
guest_stop $s
