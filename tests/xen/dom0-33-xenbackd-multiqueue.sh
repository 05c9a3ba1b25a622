#!/bin/sh
# xenbackd and a 2-vCPU domU whose Linux blkfront uses multi-queue and
# multi-page rings (xen_blkfront.max_ring_page_order=2 on the guest's
# command line): the keys both ends wrote, one port per queue, I/O from
# both vCPUs on both queues, the data in the file, teardown.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "xenbackd multi-queue: tests on real Xen" || exit 0
loaded=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "xenbackd multi-queue: xenback.ko loaded"
	loaded=1
fi
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
xenbackd --types qdisk --foreground --log-level info > $W/xenbackd-mq.log 2>&1 &
xpid=$!
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "xenbackd multi-queue: xenbackd started"
img=$W/mq.img
truncate -s 8M $img
g=xbmq
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
sed -i -e 's/^vcpus = 1/vcpus = 2/' -e 's/^cmdline = "\(.*\)"/cmdline = "\1 xen_blkfront.max_ring_page_order=2"/' $W/$g.cfg
guest_create $g; point $? "xenbackd multi-queue: xl create of a 2-vCPU PV domU"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g; point $? "xenbackd multi-queue: domU $id booted"
be=/local/domain/0/backend/qdisk/$id/51712 fe=/local/domain/$id/device/vbd/51712
connected "$be" "$fe"
point $? "xenbackd multi-queue: handshake, both ends Connected"
nq=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null)
[ "$nq" = 2 ]; point $? "xenbackd multi-queue: blkfront asked for 2 queues (multi-queue-num-queues=$nq)"
order=$(xenstore-read "$fe/ring-page-order" 2>/dev/null)
[ "$order" = 2 ]; point $? "xenbackd multi-queue: and 4-page rings (ring-page-order=$order)"
xenstore-exists "$fe/queue-1/ring-ref3" && xenstore-exists "$fe/queue-1/event-channel"
point $? "xenbackd multi-queue: queue-1 has ring-ref0..3 and its own event channel"
nports=$(xbctl_devs | awk -v d="$id" '$1 == "qdisk" && $2 == d { print $6 }')
[ "$nports" = 2 ]; point $? "xenbackd multi-queue: xenbackd bound one port per queue ($nports)"
guest_run $g pattern xvda
guest_run $g mq xvda
if [ -c /dev/xenback ]; then
	xbctl_ports | awk -v d="$id" '$2 == d' | sed 's/^/# port (port domid kind events notifies): /'
	busy=$(xbctl_ports | awk -v d="$id" '$2 == d && $4 > 0' | wc -l)
	[ "$busy" = 2 ]; point $? "xenbackd multi-queue: events arrived on both queues' ports ($busy)"
fi
head -c 8388608 $img | cmp -s - $P; point $? "xenbackd multi-queue: the file holds the pattern"
xl destroy $g; point $? "xenbackd multi-queue: xl destroy"
wait_for 15 registry_empty
registry_empty; point $? "xenbackd multi-queue: registry empty after xl destroy"
guest_console_clean $g
kill -TERM $xpid
wait $xpid; point $? "xenbackd multi-queue: xenbackd exits 0 on SIGTERM"
bad=$(grep -iE 'error|warning' $W/xenbackd-mq.log)
[ -z "$bad" ]; point $? "xenbackd multi-queue: log has no error or warning"
[ -n "$bad" ] && echo "$bad" | head -n 10 | sed 's/^/# xenbackd: /'
[ $loaded = 1 ] && { rmmod xenback; point $? "xenbackd multi-queue: rmmod xenback"; }
exit 0
