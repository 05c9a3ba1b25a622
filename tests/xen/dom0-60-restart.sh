#!/bin/sh
# xenbackd restarts, upgrades and crashes under a guest's fio (issue 11).
# A 2-vCPU guest runs fio (tests/xen/domU-restart.sh: 4 KiB random and 1 MiB
# sequential reads and writes on both of blkfront's queues, crc32c-verified
# writes, fsyncs) on a qdisk disk while dom0 kills xenbackd with SIGKILL at
# 5 random moments (started again each time) and restarts it 3 times
# gracefully (SIGTERM then start, and `xenbackctl restart --exec` to a copy
# of the binary under another name). Daemons alternate between xenback.ko
# and --no-module (libxenevtchn), so both rebind the guest's ports.
# Pass: fio sees no error and no verify failure; the guest's kernel log has
# no blkfront error and no reconnect; both ends stay Connected throughout
# (xenstore watches: no other state ever seen) with the same event channels
# and rings; after each restart the daemon holds the same fds as the first
# daemon of its kind and each queue's port once (a module daemon whose disk
# xenback.ko's blkif ring engine serves binds none: the module binds them,
# and resumes the rings the previous daemon's files let go); the image's md5 after the
# guest is gone is the one the guest read. Then, on the same guest: kill
# during a hot-plug's connect, during `xl block-detach`, the seed rule
# across a restart (a disk whose create failed is not retried; re-added, it
# is tried once), and kill during `xl destroy`: each ends clean (served, or
# gone with an empty registry), with no fd, gntdev mapping or port left.
# BENCH restart stall_ms=<median> max_ms=<max>: the 8 longest gaps between
# I/O completions the guest saw (printed, never asserted).
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "restart: tests on real Xen" || exit 0
FIOCPIO=/xen/domU/initramfs-fio.cpio
[ -s $FIOCPIO ] || { skip "restart: fio guest" "no fio in the build (scripts/packages.txt: fio)"; exit 0; }
mod=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "restart: xenback.ko loaded"
fi
[ -c /dev/xenback ] && mod=1
SD=/run/xenback
# shellcheck disable=SC2317 # called through wait_for
gone() { ! kill -0 "$1" 2>/dev/null; }
nfds() { find /proc/"$1"/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
ngnt() { grep -c gntdev /proc/"$1"/maps 2>/dev/null; }
n=0 xpid=
# start [--no-module]: a new xenbackd ($xpid), its log $W/xbr-$n.log
start() {
	n=$((n + 1))
	xenbackd --types qdisk --log-level info "$@" > $W/xbr-$n.log 2>&1 &
	xpid=$!
	wait_for 10 sh -c "xenbackctl list >/dev/null 2>&1"
}
# the kind of daemon number $1: odd with the module, even without (all
# without if the module is missing)
kind() { [ $mod = 1 ] && [ $(($1 % 2)) = 1 ] && echo mod || echo nomod; }
# kind_of <n>: the kind of daemon n as it turned out: "ring" for a module
# daemon whose disk xenback.ko's blkif ring engine serves (no port bound in
# a context: the module binds it), "mod" for one serving the ring itself
# (after a --no-module daemon died with requests in its journal)
kind_of() {
	_kk=$(kind "$1")
	[ "$_kk" = mod ] && grep -q "served by xenback.ko's blkif ring engine" $W/xbr-"$1".log && _kk=ring
	echo "$_kk"
}
start_next() { if [ "$(kind $((n + 1)))" = mod ]; then start; else start --no-module; fi; }

# Fresh daemons with no device: what each kind holds at rest.
rm -f $SD/qdisk-* 2>/dev/null
start --no-module; point $? "restart: a fresh xenbackd --no-module answers"
sleep 0.5; base_nomod=$(nfds $xpid)
kill -TERM $xpid; wait $xpid
n=0 # the daemons that serve the guest are numbered from 1 (odd: module)
start; point $? "restart: a fresh xenbackd$([ $mod = 1 ] && echo ' (xenback.ko)') answers"
sleep 0.5; base_mod=$(nfds $xpid)
note "restart: fresh daemons with no device hold $base_mod fds (module), $base_nomod (--no-module)"
# A second xenbackd on the same state directory refuses to start.
xenbackd --types qdisk --control $W/second.sock > $W/xbr-second.log 2>&1
rc=$?
[ $rc = 1 ] && grep -q "another xenbackd is running" $W/xbr-second.log && xenbackctl list >/dev/null
point $? "restart: a second xenbackd on $SD refuses to start (exit $rc), the first one still answers"
[ $mod = 1 ] || { kill -TERM $xpid; wait $xpid; n=0; start_next; }

# The image: on ext2 over a brd ramdisk (O_DIRECT, io_uring, requests in
# flight at each kill; brd finishes a write in its submitter, so nothing is
# left at the storage once the daemon is reaped: the wait for what is, is
# tested in tests/vm/progs/test-drain.c). XB_RESTART_IMAGE=tmpfs (or no
# brd): on tmpfs, served in place.
if [ "${XB_RESTART_IMAGE:-brd}" = brd ] && [ -b /dev/ram2 ] && mke2fs -q -F -b 4096 /dev/ram2 >/dev/null 2>&1 && mkdir -p /mnt/xbr &&
	mount -t ext2 /dev/ram2 /mnt/xbr &&
	[ "$(df -k /mnt/xbr | awk 'NR == 2 { print $4 }')" -ge 13312 ] &&
	dd if=/dev/zero of=/mnt/xbr/r.img bs=1M count=12 2>/dev/null; then
	img=/mnt/xbr/r.img
	note "restart: image on ext2 over brd, O_DIRECT through io_uring ($img)"
else
	img=$W/restart.img
	truncate -s 12M $img
	note "restart: image on tmpfs ($img)"
fi
g=xbrestart
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
sed -i -e "s|^ramdisk = .*|ramdisk = \"$FIOCPIO\"|" -e 's/^memory = .*/memory = 384/' -e 's/^vcpus = 1/vcpus = 2/' $W/$g.cfg
t0=$(now)
guest_create $g; point $? "restart: xl create of a 2-vCPU fio guest ($(since "$t0") s)"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g 180; point $? "restart: guest $id booted"
be=/local/domain/0/backend/qdisk/$id/51712 fe=/local/domain/$id/device/vbd/51712
connected "$be" "$fe"; point $? "restart: xvda Connected on both ends"
nq=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null)
[ "${nq:-1}" -ge 2 ]; point $? "restart: blkfront uses ${nq:-1} queues"
# what says "the same frontend, never reconnected": its channels and rings
fe_id() { xenstore-ls -f "$fe" 2>/dev/null | grep -E '/(event-channel|ring-ref[0-9]*) ' | sort; }
fe0=$(fe_id)
# shellcheck disable=SC2317 # called through wait_for
conn_ok() { xbctl_devs | grep -q "^qdisk $id 51712 Connected "; }
wait_for 10 conn_ok
sleep 1
# shellcheck disable=SC2034
fd_first_mod='' fd_first_ring='' fd_first_nomod=
eval "fd_first_$(kind_of $n)=\$(nfds \$xpid)"

# every state either end goes through, from now on
: > $W/xbr-states
wp=
i=0
for p in "$be/state" "$fe/state"; do
	i=$((i + 1))
	rm -f $W/xbr-w$i; mkfifo $W/xbr-w$i
	( while read -r w; do echo "$w $(xenstore-read "$w" 2>/dev/null)" >> $W/xbr-states; done < $W/xbr-w$i ) &
	xenstore-watch "$p" > $W/xbr-w$i 2>/dev/null &
	wp="$wp $!"
done
xenstore-rm "/local/domain/$id/data/xb-restart-stop" 2>/dev/null
guest_send $g restart xvda
fc=$(cat "$W/$g.n")
wait_for 60 sh -c "grep -q XB-RESTART-FIO-START $(glog $g)"; point $? "restart: the guest's fio started"
sleep 3

rnd() { awk -v a="$1" -v b="$2" -v s="$(cut -d' ' -f1 /proc/uptime | tr -d .)$n" \
	'BEGIN { srand(s); printf "%.2f", a + rand() * (b - a) }'; }
cp "$(command -v xenbackd)" $W/xenbackd-next
# check_after <what>: the new daemon took xvda over
bad_after=0
check_after() {
	_t0=$(now) # (not _t: wait_for's)
	wait_for 20 conn_ok
	_c=$?
	sleep 0.5
	_f=$(nfds $xpid) _k=$(kind_of $n)
	eval "_b=\${fd_first_$_k}"
	[ -z "$_b" ] && eval "fd_first_$_k=$_f" && _b=$_f
	_p=$(xbctl_devs | awk -v d="$id" '$1 == "qdisk" && $2 == d && $3 == 51712 { print $6 }')
	_m=$( [ $mod = 1 ] && xbctl_ports | awk -v d="$id" '$2 == d' | wc -l)
	_mw=$( [ "$_k" = mod ] && echo "$nq" || echo 0)
	_pw=$( [ "$_k" = ring ] && echo 0 || echo "$nq")
	[ $_c = 0 ] && [ "$_f" = "$_b" ] && [ "$_p" = "$_pw" ] && { [ $mod = 0 ] || [ "$_m" = "$_mw" ]; }
	point $? "restart: $1: daemon $n ($_k) took xvda over, Connected in $(since "$_t0") s; $_f fds (first $_k daemon: $_b), $_p ports bound (want $_pw), xenback.ko ports for the guest ${_m:--} (want ${_mw})"
	[ $_c = 0 ] || { bad_after=1; tail -n 15 $W/xbr-$n.log | sed "s/^/# xenbackd $n: /"; }
}
ev=0
for what in kill kill term kill exec kill term kill; do
	ev=$((ev + 1))
	sleep "$(rnd 1 4)"
	case $what in
	kill)
		kill -KILL $xpid; wait $xpid 2>/dev/null
		sleep "$(rnd 0 0.5)"
		start_next
		check_after "SIGKILL $ev" ;;
	term)
		kill -TERM $xpid; wait $xpid; _rc=$?
		grep -q "handed over" $W/xbr-$n.log; _h=$?
		start_next
		[ $_rc = 0 ] && [ $_h = 0 ]; point $? "restart: SIGTERM $ev: daemon $((n - 1)) detached and exited 0 ($_rc)"
		check_after "SIGTERM $ev" ;;
	exec)
		_o=$(nfds $xpid)
		xenbackctl restart --exec $W/xenbackd-next --timeout 20 > $W/xbr-exec.out 2>&1; _rc=$?
		_exe=$(readlink /proc/$xpid/exe)
		[ $_rc = 0 ] && [ "$_exe" = "$W/xenbackd-next" ]
		point $? "restart: xenbackctl restart --exec $W/xenbackd-next: exit $_rc, pid $xpid now runs $_exe ($(cat $W/xbr-exec.out))"
		check_after "exec $ev (daemon $n, same pid, $_o fds before)" ;;
	esac
done
[ $bad_after = 0 ] || xs_dump "$be"
sleep 3
xenstore-write "/local/domain/$id/data/xb-restart-stop" 1
XB_GUEST_TIMEOUT=180 guest_wait $g "$fc" restart
sum_g=$(tr -d '\r' < "$(glog $g)" | awk '$1 == "XB-RESTART-SUM" { s = $2 } END { print s }')
tr -d '\r' < "$(glog $g)" | awk '$1 == "XB-GAP" { print $2 }' | sort -rn | head -n 8 > $W/xbr-gaps
med=$(sort -n $W/xbr-gaps | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }')
max=$(head -n 1 $W/xbr-gaps)
echo "BENCH restart stall_ms=${med:-0} max_ms=${max:-0} kills=5 graceful=3 gaps=$(tr '\n' ',' < $W/xbr-gaps)"
# shellcheck disable=SC2086 # pids
kill $wp 2>/dev/null
odd=$(awk '$2 != 4' $W/xbr-states)
[ -z "$odd" ] && [ -s $W/xbr-states ]
point $? "restart: both ends stayed Connected: $(wc -l < $W/xbr-states) state events seen, none but 4"
[ -n "$odd" ] && echo "$odd" | head -n 10 | sed 's/^/# state: /'
[ "$(fe_id)" = "$fe0" ]; point $? "restart: the same frontend: its event channels and rings unchanged"

# --- kill during a hot-plug's connect: xvdb served in the end, or gone
hot=$W/xbr-hot.img
truncate -s 8M $hot
hbe=/local/domain/0/backend/qdisk/$id/51728
( timeout 60 xl block-attach $g "format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=$hot" > $W/xbr-attach.log 2>&1; echo $? > $W/xbr-attach.rc ) &
wait_for 10 xenstore-exists "$hbe"
sleep "$(rnd 0 0.3)"
kill -KILL $xpid; wait $xpid 2>/dev/null; start_next
wait_for 60 test -s $W/xbr-attach.rc
# shellcheck disable=SC2317 # called through wait_for
hot_ok() { xs_is "$hbe/state" 4 && xbctl_devs | grep -q "^qdisk $id 51728 Connected "; }
hot_gone() { ! xenstore-exists "$hbe" && ! xbctl_devs | grep -q "^qdisk $id 51728 "; }
# shellcheck disable=SC2317 # called through wait_for
hot_done() { hot_ok || hot_gone; }
wait_for 30 hot_done
if hot_ok; then r=served; elif hot_gone; then r=removed; else r="neither (be state $(xenstore-read "$hbe/state" 2>/dev/null))"; fi
case $r in served|removed) true ;; *) false ;; esac
point $? "restart: SIGKILL during xl block-attach's connect: xvdb $r (xl block-attach exit $(cat $W/xbr-attach.rc))"

# --- kill during xl block-detach: xvdb gone from xenstore and the registry
if [ "$r" = served ]; then
	( timeout 60 xl block-detach $g xvdb > $W/xbr-detach.log 2>&1; echo $? > $W/xbr-detach.rc ) &
	sleep "$(rnd 0 0.3)"
	kill -KILL $xpid; wait $xpid 2>/dev/null; start_next
	wait_for 60 test -s $W/xbr-detach.rc
	wait_for 20 hot_gone
	hot_gone || hot_ok
	point $? "restart: SIGKILL during xl block-detach: xvdb $(hot_gone && echo removed, not in the registry || echo still served) (xl block-detach exit $(cat $W/xbr-detach.rc))"
else
	skip "restart: SIGKILL during xl block-detach" "xvdb was not served"
fi

# --- the seed rule across a restart: a failed create is not retried
sbe=/local/domain/0/backend/qdisk/$id/51744
nfail() { cat $W/xbr-*.log | grep -c "qdisk/$id/51744: .*cannot open"; }
timeout 30 xl block-attach $g "format=raw,vdev=xvdc,access=rw,backendtype=qdisk,target=$W/no-such.img" > /dev/null 2>&1 &
wait_for 20 sh -c "xenbackctl list | grep -q ' 51744 .*failed'"
f0=$(nfail)
kill -TERM $xpid; wait $xpid; start_next
sleep 3
f1=$(nfail)
xbctl_devs | grep -q "^qdisk $id 51744 failed"; st=$?
[ "$f0" = 1 ] && [ "$f1" = 1 ] && [ $st = 0 ]
point $? "restart: xvdc's create failed once ($f0), not retried by the new daemon ($f1), listed failed"
timeout 30 xl block-detach $g xvdc > $W/xbr-seed-detach.out 2>&1; d_rc=$?
[ $d_rc = 0 ] || xenstore-rm "$sbe" 2>/dev/null
wait_for 10 sh -c "! xenstore-exists $sbe"; gone_rc=$?
timeout 30 xl block-attach $g "format=raw,vdev=xvdc,access=rw,backendtype=qdisk,target=$W/no-such.img" > $W/xbr-seed-attach.out 2>&1 &
wait_for 20 sh -c "[ \$(cat $W/xbr-*.log | grep -c 'qdisk/$id/51744: .*cannot open') -ge 2 ]"
sleep 2
f2=$(nfail)
[ "$f2" = 2 ]; point $? "restart: re-added after the restart, xvdc is tried once more ($f2 failures in all; block-detach exit $d_rc, node gone: $gone_rc)"
if [ "$f2" != 2 ]; then
	sed 's/^/# xl block-detach: /' $W/xbr-seed-detach.out | head -n 5
	sed 's/^/# xl block-attach: /' $W/xbr-seed-attach.out | head -n 5
	xs_dump "$sbe"
	grep -h 51744 $W/xbr-[0-9]*.log | tail -n 10 | sed 's/^/# xenbackd: /'
	xbctl_devs | sed 's/^/# registry: /'
fi
timeout 30 xl block-detach $g xvdc > /dev/null 2>&1 || xenstore-rm "$sbe" 2>/dev/null

# --- kill during xl destroy: everything gone, nothing held
( xl destroy $g > $W/xbr-destroy.log 2>&1; echo $? > $W/xbr-destroy.rc ) &
sleep "$(rnd 0 0.3)"
kill -KILL $xpid; wait $xpid 2>/dev/null; start_next
wait_for 60 test -s $W/xbr-destroy.rc
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
wait_for 30 registry_empty
registry_empty; point $? "restart: SIGKILL during xl destroy (exit $(cat $W/xbr-destroy.rc)): the new daemon's registry is empty"
wait_for 10 sh -c "! xenstore-exists /local/domain/0/backend/qdisk/$id"
point $? "restart: backend/qdisk/$id removed"
sleep 1
k=$(kind $n)
eval "_b=\$base_$k"
f=$(nfds $xpid) m=$(ngnt $xpid)
left=$(find $SD -name 'qdisk-*' | wc -l)
[ "$f" = "$_b" ] && [ "$m" = 0 ] && [ "$left" = 0 ]
point $? "restart: daemon $n ($k) holds what a fresh one does: $f fds (fresh: $_b), $m gntdev mappings, $left device files in $SD"
if [ $mod = 1 ]; then
	p=$(xbctl_ports | awk -v d="$id" '$2 == d' | wc -l)
	[ "$p" = 0 ]; point $? "restart: no xenback.ko port left for domain $id ($p)"
fi
sum_d=$(md5sum < $img | cut -d' ' -f1)
[ -n "$sum_g" ] && [ "$sum_g" = "$sum_d" ]
point $? "restart: the image's md5 after the guest is gone is what the guest read ($sum_d / guest $sum_g)"
guest_console_clean $g
err=$(grep -hiE 'error|warning' $W/xbr-[0-9]*.log | grep -v 51744 | sort | uniq -c | head -n 8)
[ -n "$err" ] && echo "$err" | sed 's/^/# xenbackd logs: /'
kill -TERM $xpid; wait $xpid; point $? "restart: the last xenbackd exits 0 on SIGTERM"
umount /mnt/xbr 2>/dev/null
exit 0
