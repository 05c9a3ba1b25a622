#!/bin/sh
# The console backend on real Xen (issue 15): a PV domU with two channels
# and device_model_override = xenback-dm, so no QEMU runs. libxl writes
# backend/console/<domid>/0 for the primary console (frontend type
# xenconsoled: declined silently by xenbackd, served by xenconsoled) and
# one node per channel (type ioemu: xenbackd's). The socket channel and the
# pty channel (its pty in the frontend's tty key, where `xl channel-list`
# finds it) each carry 1 MiB each way between the guest's /dev/hvcN and
# dom0, checked byte for byte at both ends; xl destroy leaves no socket, no
# fd and no record. xenback-dm's query-chardev lists the channels served. libxl cannot detach a channel ("channel/console
# hotunplug is not implemented"), so destroy is the only way one goes.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "console: tests on real Xen" || exit 0
have build/xen/progs/xb-chancheck || { skip "console: tests on real Xen" "xb-chancheck not built"; exit 0; }
# shellcheck disable=SC2317 # called through wait_for
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
dev_state() { # domid devid: the console's state in xenbackctl list
	xbctl_devs | awk -v d="$1" -v n="$2" '$1 == "console" && $2 == d && $3 == n { print $4 }'
}
fd_n() { set -- /proc/"$1"/fd/*; echo $#; }
dev_error() { xbctl_devs | awk -v d="$1" -v n="$2" '$1 == "console" && $2 == d && $3 == n { print $7 }'; }
S=/run/xb-chan.sock
rm -f $S
xenbackd --types qdisk,console --foreground --log-level info > $W/xenbackd-console.log 2>&1 &
xpid=$!
wait_for 10 xenbackctl list; point $? "console: xenbackd --types qdisk,console started"
fds0=$(fd_n $xpid)
g=xbcons
XB_EXTRA_CFG="device_model_override = \"$DM\"
channel = [ 'name=org.xenback.lost,connection=pty', 'name=org.xenback.test,connection=socket,path=$S', 'name=org.xenback.pty,connection=pty' ]" guest_cfg $g
guest_create $g; point $? "console: xl create, two channels (socket, pty), no QEMU"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g; point $? "console: domU $id booted, its primary console (xenconsoled's log) says so"
b0=/local/domain/0/backend/console/"$id"
[ "$(xenstore-read /local/domain/"$id"/console/type 2>/dev/null)" = xenconsoled ] && [ "$(dev_state "$id" 0)" = declined ]
point $? "console: the primary console (type xenconsoled) is declined ($(dev_state "$id" 0))"
[ "$(dev_error "$id" 0)" = - ] && ! grep -q "console/$id/0" $W/xenbackd-console.log
point $? "console: silently: no error recorded, nothing logged about it"
[ "$(xenstore-read "$b0/0/state" 2>/dev/null)" = 1 ]; point $? "console: and its backend node is left alone (state 1)"
for n in 1 2; do
	connected "$b0/$n" "/local/domain/$id/device/console/$n"
	point $? "console: channel $n: both ends Connected ($(dev_state "$id" $n))"
done
[ -S $S ]; point $? "console: the socket channel listens at $S"
if [ ! -S $S ] || [ "$(dev_state "$id" 2)" != Connected ]; then
	sed 's/^/# cfg: /' "$W/$g.cfg"
	xs_dump "$b0"
	xs_dump "/local/domain/$id/device/console"
	grep console "$W/xenbackd-console.log" | head -n 20 | sed 's/^/# log: /'
	grep -iE "channel|console" "$W/xl-create-$g.log" | head -n 20 | sed 's/^/# xl: /'
fi
tty=$(xenstore-read /local/domain/"$id"/device/console/2/tty 2>/dev/null)
case $tty in /dev/pts/*) [ -c "$tty" ] ;; *) false ;; esac
point $? "console: the pty channel's tty is published in the frontend ($tty)"
# xenback-dm's answer to libxl's query-chardev (its log has each answer)
qc=$(grep -m1 'QMP: query-chardev ->' /var/log/xen/qemu-dm-$g.log 2>/dev/null)
case $qc in *'"libxl-channel1"'*"unix:${S}"*) r=0 ;; *) r=1 ;; esac
case $qc in *'"libxl-channel2"'*'pty:/dev/pts/'*) ;; *) r=1 ;; esac
point $r "console: xenback-dm's query-chardev names both channels as QEMU would"
echo "# ${qc#*QMP: }"
xl channel-list $g > $W/channel-list.log 2>&1
grep -q "$tty" $W/channel-list.log; point $? "console: xl channel-list shows the pty"
sed 's/^/# /' $W/channel-list.log
# 1 MiB each way through the socket: guest hvc1 <-> dom0's client
guest_send $g chan hvc1 1048576 21 22
timeout 180 xb-chancheck unix:$S 1048576 22 21 follow > $W/chan-sock.log 2>&1
point $? "console: socket: dom0 got 1 MiB from the guest, checked, and sent 1 MiB"
sed 's/^/# /' $W/chan-sock.log
XB_GUEST_TIMEOUT=200 guest_wait $g "$(cat $W/$g.n)" chan; point $? "console: socket: the guest checked what it got"
# and through the pty: guest hvc2 <-> the pty's slave
guest_send $g chan hvc2 1048576 31 32
timeout 180 xb-chancheck "$tty" 1048576 32 31 follow > $W/chan-pty.log 2>&1
r=$?
point $r "console: pty: dom0 got 1 MiB from the guest, checked, and sent 1 MiB"
sed 's/^/# /' $W/chan-pty.log
if [ $r != 0 ]; then
	grep "console/$id/2" $W/xenbackd-console.log | sed 's/^/# log: /'
	xenbackctl list 2>&1 | grep console | sed 's/^/# list: /'
	for f in /proc/"$xpid"/fd/*; do
		case $(readlink "$f") in *pts*|*ptmx*) echo "# fd: $f -> $(readlink "$f")" ;; esac
	done
fi
XB_GUEST_TIMEOUT=200 guest_wait $g "$(cat $W/$g.n)" chan; point $? "console: pty: the guest checked what it got"
grep -E "bytes to the host|client" $W/xenbackd-console.log | sed 's/^/# /'
xl destroy $g; point $? "console: xl destroy"
wait_for 15 registry_empty; point $? "console: registry empty after xl destroy"
[ ! -e $S ]; point $? "console: the socket is gone"
fds1=$(fd_n $xpid)
[ "$fds1" -le "$fds0" ]; point $? "console: xenbackd holds no more fds than before the guest ($fds1, $fds0 before)"
guest_console_clean $g
kill -TERM $xpid
wait $xpid; point $? "console: xenbackd exits 0 on SIGTERM"
! grep -E "error|shut down|failed" $W/xenbackd-console.log | grep -v "^$" | grep -q .
point $? "console: xenbackd's log has no error"
grep -E "error|shut down|failed" $W/xenbackd-console.log | head -n 10 | sed 's/^/# log: /'
