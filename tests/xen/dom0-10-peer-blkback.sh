#!/bin/sh
# Peer sanity (proves the tier's infrastructure, nothing of ours): a PV domU
# created with xl whose disk is served by the kernel's xen-blkback (phy over a
# loop device); Linux blkfront connects, the guest writes and reads the
# pattern; dom0 finds it in the backing file after the guest is gone.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
g=xbpeer
img=$W/peer.img
truncate -s 8M $img
loop=$(losetup -f)
losetup "$loop" $img || { notok "peer: losetup $loop $img"; exit 0; }
guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=phy,script=/xen/tests/hotplug-block,target=$loop"
t0=$(now)
guest_create $g; point $? "peer: xl create of a PV domU, disk on xen-blkback (phy over $loop) ($(since "$t0") s)"
id=$(domid $g) || { losetup -d "$loop"; exit 0; }
guest_ready $g; point $? "peer: domU $id booted to its init"
wait_for 30 xs_is "/local/domain/0/backend/vbd/$id/51712/state" 4 &&
wait_for 30 xs_is "/local/domain/$id/device/vbd/51712/state" 4
point $? "peer: blkback and blkfront Connected (state 4 on both ends)"
guest_run $g pattern xvda
guest_run $g dmesg
guest_stop $g
cmp -s $img $P; point $? "peer: backing file holds the pattern after the guest is gone"
[ -z "$(xenstore-list /local/domain/0/backend/vbd 2>/dev/null)" ]; point $? "peer: backend/vbd is empty after the guest is gone"
losetup -d "$loop"
note "peer: $(since "$t0") s for the guest round trip"
