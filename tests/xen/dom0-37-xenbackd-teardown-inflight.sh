#!/bin/sh
# A guest's reads still at the disk while xenbackd goes (SIGKILL) or the
# guest does (xl destroy). The disk: dm-delay over a brd device, every read
# held 20 s; blkfront offers persistent grants. O_DIRECT I/O pins the pages
# it reads into until the disk is done; a gntdev page (a persistently mapped
# guest page) unmapped while the kernel holds it gives, in a PV dom0,
# "BUG: Bad page map" and a WARN when the I/O ends: with panic_on_warn,
# dom0 down. Seen here: xenbackd SIGKILLed with one such read held (its
# exit unmaps its memory before it closes its files), and the teardown of a
# destroyed guest unmapping after its bounded wait (BLK_TEARDOWN_WAIT_MS).
#   default, with xenback.ko: its blkif ring engine serves the ring, maps
#            the guest's pages and does the I/O; the process maps none:
#            SIGKILL and destroy leave the ring and the held reads' pages
#            to the module, which answers them when they end, then lets go;
#   XENBACK_BLK_RING=0: grant I/O, the module maps the pages and does the
#            I/O the process asks for: likewise;
#   XENBACK_BLK_RING=0 XENBACK_BLK_GRANT_IO=0: bounce buffers and grant
#            copies, no guest page is mapped for the I/O: the destroy is
#            harmless;
#   ... XENBACK_BLK_DIRECT_MAPPED=1 (straight into
#            gntdev-mapped pages): the teardown keeps the pages the held
#            reads use mapped (a SIGKILL there is still fatal to dom0 and
#            not run).
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "xenbackd teardown with I/O in flight" || exit 0
N="xenbackd held reads"
loaded=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "$N: xenback.ko loaded"
	loaded=1
fi
ram=/dev/ram4
sz=$(blockdev --getsz $ram 2>/dev/null)
dmsetup --noudevsync --verifyudev create xbslow --table "0 $sz delay $ram 0 20000" >/dev/null 2>&1
disk=/dev/mapper/xbslow
[ -b $disk ]; point $? "$N: dm-delay over $ram ($sz sectors), reads held 20 s"
[ -b $disk ] || exit 0
# shellcheck disable=SC2317 # called through wait_for
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
held() { dmsetup status xbslow 2>/dev/null | awk '{ print $4 }'; } # reads dm-delay holds
# shellcheck disable=SC2317 # called through wait_for
holding() { [ "$(held)" -gt 0 ]; }
# the blkif ring engine's tracepoints, in an instance of their own
BT=/sys/kernel/tracing/instances/xbheld
mkdir -p $BT 2>/dev/null && echo 1 > $BT/events/xenback/enable 2>/dev/null
# bt <what>: how many of the engine's events of that name since the last clear
bt() { grep -c "$1:" $BT/trace 2>/dev/null; }
log=
# start <label> [VAR=value ...]: xenbackd (pid in $xpid, log in $log), then a
# guest (name in $g) whose reads are held at the disk.
start() {
	log=$W/xenbackd-held-$1.log
	# shellcheck disable=SC2086 # the VAR=value words
	env ${2:-XB_NONE=1} xenbackd --types qdisk --foreground --log-level info > "$log" 2>&1 &
	xpid=$!
	wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "$N, $1: xenbackd started ${2:-}"
	g=xbheld$1
	XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg "$g" "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$disk"
	guest_create "$g"; point $? "$N, $1: xl create"
	guest_ready "$g" || { notok "$N, $1: the guest booted"; return 1; }
	_id=$(domid "$g")
	connected /local/domain/0/backend/qdisk/"$_id"/51712 /local/domain/"$_id"/device/vbd/51712
	point $? "$N, $1: both ends Connected"
	[ "$(xenstore-read "/local/domain/$_id/device/vbd/51712/feature-persistent" 2>/dev/null)" = 1 ]
	point $? "$N, $1: blkfront offers persistent grants"
	echo > $BT/trace 2>/dev/null
	guest_run "$g" slowread xvda
	# (the guest's dd processes may take a while to start under TCG)
	wait_for 10 holding
	point $? "$N, $1: dm-delay holds the guest's reads ($(held))"
	note "$1: blkif ring engine events: $(bt blkif_run) runs, $(bt blkif_request) requests, $(bt blkif_response) responses"
	grep -v '^#' $BT/trace 2>/dev/null | tail -n 3 | sed 's/^/# trace: /'
	[ -e $BT/events/xenback/blkif_run/enable ] || note "no blkif tracepoints in $BT"
}
# clean <label>: dom0's kernel log has nothing bad
clean() {
	_bad=$(dmesg | grep -E 'Bad page map|BUG:|WARNING:|Call Trace')
	[ -z "$_bad" ]; point $? "$N, $1: dom0's kernel log has no bad page map, BUG or WARN"
	[ -n "$_bad" ] && echo "$_bad" | head -n 5 | sed 's/^/# dmesg: /'
	tail -n 6 "$log" | sed 's/^/# xenbackd: /'
}

# 1. xenbackd killed with the reads held
if start kill; then
	grep -q "served by xenback.ko's blkif ring engine" "$log"; point $? "$N, kill: the module's blkif ring engine serves the ring"
	kill -KILL $xpid; wait $xpid 2>/dev/null
	sleep 22 # the reads end
	clean kill
	xl destroy "$g"
fi
# 2. the guest destroyed with the reads held: by grant I/O, then by grant copy
# destroy <label> <what the teardown logs> [VAR=value ...]
destroy() {
	start "$1" "$3" || return
	xl destroy "$g"; point $? "$N, $1: xl destroy"
	wait_for 15 registry_empty; point $? "$N, $1: the device left the registry"
	grep -q "$2" "$log"; point $? "$N, $1: the teardown found requests the disk still held ($2)"
	sleep 22
	clean "$1"
	kill -0 $xpid && xenbackctl list >/dev/null 2>&1; point $? "$N, $1: xenbackd still serves"
	kill -TERM $xpid; wait $xpid; point $? "$N, $1: xenbackd exits 0 on SIGTERM"
}
destroy destroy "still at the disk: xenback.ko answers them"
destroy gio "still at the disk: xenback.ko unmaps" XENBACK_BLK_RING=0
destroy copy "did not finish" "XENBACK_BLK_RING=0 XENBACK_BLK_GRANT_IO=0"
# 3. the same, I/O straight into mapped guest pages
if start mapped "XENBACK_BLK_RING=0 XENBACK_BLK_GRANT_IO=0 XENBACK_BLK_DIRECT_MAPPED=1"; then
	xl destroy "$g"; point $? "$N, mapped: xl destroy"
	wait_for 15 registry_empty; point $? "$N, mapped: the device left the registry"
	grep -q "mapped for good" "$log"
	point $? "$N, mapped: the teardown kept the guest pages the held reads use mapped (logged)"
	sleep 22
	clean mapped
	kill -TERM $xpid; wait $xpid; point $? "$N, mapped: xenbackd exits 0 on SIGTERM"
fi
dmsetup --noudevsync remove xbslow >/dev/null 2>&1
[ $loaded = 1 ] && { rmmod xenback; point $? "$N: rmmod xenback"; }
exit 0
