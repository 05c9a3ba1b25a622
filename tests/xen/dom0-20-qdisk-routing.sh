#!/bin/sh
# Routing from the toolstack, without any backend serving the disk: a PV domU
# whose disk has backendtype=qdisk and whose config sets device_model_override
# to xenback-dm. libxl spawns xenback-dm instead of QEMU; xl create returns;
# backend/qdisk/<domid>/51712 is left in state 1 (Initialising) for xenbackd;
# xl destroy kills xenback-dm and removes the nodes.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
if ! have build/xenback-dm; then
	skip "routing: xl create with a qdisk disk routed to xenback-dm" "build/xenback-dm not built"
	exit 0
fi
g=xbroute
img=$W/route.img
truncate -s 8M $img
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
t0=$(now)
guest_create $g
point $? "routing: xl create returns for a PV guest with a qdisk disk and device_model_override = xenback-dm ($(since "$t0") s)"
id=$(domid $g) || exit 0
be=/local/domain/0/backend/qdisk/$id/51712
xs_is "$be/state" 1; point $? "routing: $be exists in state 1 (Initialising), left for xenbackd"
xs_is "$be/params" "aio:$img" && xs_is "$be/type" qdisk && xs_is "$be/mode" w
point $? "routing: backend node has params=aio:$img, type=qdisk, mode=w"
xs_is "/local/domain/0/device-model/$id/state" running; point $? "routing: device-model/$id/state = running"
pid=$(xenstore-read "/local/domain/$id/image/device-model-pid" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q xenback-dm "/proc/$pid/cmdline"
point $? "routing: xenback-dm is libxl's device model for domain $id (pid $pid) and stays alive"
log=/var/log/xen/qemu-dm-$g.log
grep -q 'QMP: qmp_capabilities' $log && grep -q 'QMP: query-chardev' $log
point $? "routing: libxl's QMP exchange (qmp_capabilities, query-chardev) answered"
grep 'QMP:' $log | sed 's/^/# xenback-dm: /'
xl destroy $g; point $? "routing: xl destroy"
wait_for 10 sh -c "! kill -0 $pid"; point $? "routing: xl destroy stopped xenback-dm"
wait_for 10 sh -c "! xenstore-exists /local/domain/0/backend/qdisk/$id"
point $? "routing: backend/qdisk/$id removed"
