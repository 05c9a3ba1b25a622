#!/bin/sh
# xenbackd's vif backend on real Xen with Linux netfront (issue 14): no
# xen-netback in dom0, so backend/vif is xenbackd's. A 2-vCPU PV domU with
# `vif = [ 'mac=..,bridge=xenbr0,script=...' ]` (the project's
# tests/xen/hotplug-vif doing what vif-bridge does): the tap made before
# InitWait and bridged by the script, both ends Connected with 2 queues and
# split event channels, ping both ways, 64 MiB each way over TCP with every
# byte checked at the far end; xenbackd SIGKILLed, stopped and restarted in
# place under a 1 GiB transfer that still arrives whole; `xl network-attach` of a second vif with
# mtu=9000 on a jumbo bridge (8000-byte pings unfragmented both ways,
# 16 MiB over it), `xl network-detach`, twice; `xl destroy` removes the tap
# and leaves the registry empty. Between: a hostile netfront in a second
# guest breaks netback's tx rules on 9 vifs (5 tolerated, 4 fatal to that
# vif alone) while the good guest streams 1 GiB.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "vif: tests on real Xen" || exit 0
have build/xen/progs/xb-netcheck || { skip "vif: tests on real Xen" "xb-netcheck not built"; exit 0; }
loaded=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "vif: xenback.ko loaded"
	loaded=1
fi
HP=/xen/tests/hotplug-vif
# shellcheck disable=SC2317 # called through wait_for
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
no_link() { [ ! -e "/sys/class/net/$1" ]; }
in_bridge() { [ -e "/sys/class/net/$1/brif/$2" ]; } # bridge link
! grep -q '^xen_netback ' /proc/modules; point $? "vif: xen-netback is not loaded (backend/vif is ours)"
bridge() { # name address mtu
	brctl addbr "$1" && ip addr add "$2" dev "$1" && ip link set "$1" mtu "$3" up
}
bridge xenbr0 10.99.0.1/24 1500 && bridge xenbr1 10.99.1.1/24 9000
point $? "vif: bridges xenbr0 (10.99.0.1) and xenbr1 (10.99.1.1, MTU 9000)"
xenbackd --types vif --foreground --log-level info > $W/xenbackd-vif.log 2>&1 &
xpid=$!
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "vif: xenbackd --types vif started"

g=xbnet
XB_EXTRA_CFG="vif = [ 'mac=00:16:3e:5a:00:01,bridge=xenbr0,script=$HP' ]" guest_cfg $g
sed -i 's/^vcpus = 1/vcpus = 2/' $W/$g.cfg
guest_create $g; point $? "vif: xl create of a 2-vCPU PV domU with a vif"
id=$(domid $g) || { kill $xpid; exit 0; }
be=/local/domain/0/backend/vif/$id/0 fe=/local/domain/$id/device/vif/0
guest_ready $g; point $? "vif: domU $id booted"
connected "$be" "$fe"; point $? "vif: handshake, both ends Connected"
[ "$(xenstore-read "$be"/hotplug-status 2>/dev/null)" = connected ]; point $? "vif: the script wrote hotplug-status=connected"
in_bridge xenbr0 vif"$id".0; point $? "vif: the tap vif$id.0 is a port of xenbr0"
nq=$(xenstore-read "$fe"/multi-queue-num-queues 2>/dev/null)
[ "$nq" = 2 ]; point $? "vif: netfront asked for 2 queues (multi-queue-num-queues=$nq)"
xenstore-exists "$fe"/queue-1/event-channel-rx; point $? "vif: with split event channels (queue-1/event-channel-rx)"
nports=$(xbctl_devs | awk -v d="$id" '$1 == "vif" && $2 == d && $3 == 0 { print $6 }')
[ "$nports" = 4 ]; point $? "vif: xenbackd bound 4 ports (2 queues x tx/rx: $nports)"
if [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
	# what the guest sends is taken in over dom0's CPUs (net_rps.c)
	rps=$(cat /sys/class/net/vif"$id".0/queues/rx-1/rps_cpus 2>/dev/null)
	case $rps in *[1-9a-f]*) true ;; *) false ;; esac
	point $? "vif: the tap's rx queues steer over dom0's CPUs (rx-1 rps_cpus=$rps)"
fi
guest_run $g net queues eth0
guest_run $g net up eth0 10.99.0.2/24 10.99.0.1
ping -c 3 -W 3 10.99.0.2 > $W/ping0.out 2>&1; point $? "vif: dom0 pings the guest"

# 64 MiB each way, checked byte for byte at the far end
timeout 120 xb-netcheck recv 5001 64 11 > $W/nc-recv.log 2>&1 &
rpid=$!
guest_run $g net send 10.99.0.1 5001 64 11
wait $rpid; point $? "vif: dom0 received 64 MiB from the guest, every byte as sent"
sed 's/^/# dom0: /' $W/nc-recv.log
guest_send $g net recv 5002 64 12
timeout 120 xb-netcheck send 10.99.0.2 5002 64 12 > $W/nc-send.log 2>&1; point $? "vif: dom0 sent 64 MiB to the guest"
sed 's/^/# dom0: /' $W/nc-send.log
guest_wait $g "$(cat $W/$g.n)" "net recv"
if [ -c /dev/xenback ]; then
	# host to guest without the daemon in the data path (XENBACK_IOCTL_TAP_RX)
	grep -q "vif/$id/0: queue 0 rx: frames through xenback.ko's tap copy" $W/xenbackd-vif.log
	point $? "vif: host to guest went through xenback.ko's tap copy (no read() in xenbackd)"
	# and guest to host (XENBACK_IOCTL_TAP_TX)
	grep -q "vif/$id/0: queue 0 tx: frames through xenback.ko's tap copy" $W/xenbackd-vif.log
	point $? "vif: guest to host went through xenback.ko's tap copy (no write() in xenbackd)"

	busy=$(xbctl_ports | awk -v d="$id" '$2 == d && $4 > 0' | wc -l)
	note "ports of domain $id with events: $busy of 4"
fi

# xenbackd killed (SIGKILL) and started again, stopped (SIGTERM: handed
# over) and started again, and restarted in place (SIGHUP: exec), all while
# the guest streams 1 GiB to dom0: netfront never leaves Connected, the
# tap stays the same netdev in its bridge, every byte arrives
start_vif() {
	xenbackd --types vif --foreground --log-level info >> $W/xenbackd-vif.log 2>&1 &
	xpid=$!
	wait_for 10 xenbackctl list
}
ifx=$(cat "/sys/class/net/vif$id.0/ifindex")
timeout 300 xb-netcheck recv 5005 1024 31 > $W/nc-recv-rs.log 2>&1 &
rpid=$!
guest_send $g net send 10.99.0.1 5005 1024 31
sleep 2
kill -KILL $xpid; wait $xpid 2>/dev/null
start_vif; point $? "vif: SIGKILL mid-transfer, a new xenbackd answers"
fe_ok=0
xs_is "$fe/state" 4 || fe_ok=1
sleep 2
kill -TERM $xpid; wait $xpid
start_vif; point $? "vif: SIGTERM mid-transfer (handed over), a new xenbackd answers"
xs_is "$fe/state" 4 || fe_ok=1
sleep 2
kill -HUP $xpid
sleep 1
wait_for 10 xenbackctl list; point $? "vif: SIGHUP mid-transfer (restart in place), xenbackd answers again"
guest_wait $g "$(cat $W/$g.n)" "net send (1 GiB across three restarts)"
wait $rpid; point $? "vif: 1 GiB from the guest reached dom0 intact across SIGKILL, SIGTERM and SIGHUP"
sed 's/^/# dom0: /' $W/nc-recv-rs.log
xs_is "$fe/state" 4 || fe_ok=1
[ $fe_ok = 0 ]; point $? "vif: netfront stayed Connected throughout"
[ "$(cat "/sys/class/net/vif$id.0/ifindex" 2>/dev/null)" = "$ifx" ] && in_bridge xenbr0 "vif$id.0"
point $? "vif: the tap is the same netdev (ifindex $ifx), still in xenbr0"
nre=$(grep -c "vif/$id/0: reattached to its rings, still Connected" $W/xenbackd-vif.log)
[ "$nre" = 3 ]; point $? "vif: each new process reattached to the rings ($nre of 3)"
ping -c 2 -W 3 10.99.0.2 >/dev/null 2>&1; point $? "vif: the guest answers after the restarts"

# a hostile netfront (xb-adversary net, tests/xen/adversary/adv_net.c) in
# a second guest without xen-netfront, one vif per scenario, while the
# good guest streams 1 GiB to dom0
A="slots19 small big zero storm prod chain cross extra"
a=xbnadv
specs='' k=0
for s in $A; do
	specs="$specs${specs:+, }'mac=00:16:3e:5a:02:0$k,bridge=xenbr0,script=$HP'"
	k=$((k + 1))
done
nfds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; } # pid
fds0=$(nfds "$xpid")
XB_EXTRA_CFG="vif = [ $specs ]" guest_cfg $a
sed -i 's/^cmdline = "\(.*\)"/cmdline = "\1 xb.nonetfront"/' $W/$a.cfg
guest_create $a; point $? "vif: xl create of the hostile guest with $k vifs (no xen-netfront)"
aid=$(domid $a)
guest_ready $a; point $? "vif: hostile domU $aid booted"
timeout 600 xb-netcheck recv 5004 1024 21 > $W/nc-recv-bg.log 2>&1 &
rpid=$!
guest_send $g net send 10.99.0.1 5004 1024 21
t0=$(now)
k=0
for s in $A; do
	guest_run $a adv net $k "$s"
	k=$((k + 1))
done
note "the hostile scenarios took $(since "$t0") s"
guest_wait $g "$(cat $W/$g.n)" "net send (1 GiB during the hostile scenarios)"
wait $rpid; point $? "vif: the good guest's 1 GiB reached dom0 intact during the hostile scenarios"
sed 's/^/# dom0: /' $W/nc-recv-bg.log
k=0
for s in $A; do
	case $s in
	prod|chain|cross|extra)
		why=$(xbctl_devs | awk -v d="$aid" -v k=$k '$1 == "vif" && $2 == d && $3 == k { print $7 }')
		case $why in *broke_netif*) r=0 ;; *) r=1 ;; esac
		point $r "vif: $s: vif $aid.$k shut down with the reason ($why)"
		no_link vif"$aid".$k; point $? "vif: $s: its tap is gone" ;;
	*)
		[ -e /sys/class/net/vif"$aid".$k ]; point $? "vif: $s: vif $aid.$k tolerated it (its tap stays)" ;;
	esac
	k=$((k + 1))
done
grep -E "vif/$aid/" $W/xenbackd-vif.log | grep -E 'refused|broke' | head -n 12 | sed 's/^/# xenbackd: /'
xl destroy $a; point $? "vif: xl destroy of the hostile guest"
# shellcheck disable=SC2317 # called through wait_for
adv_gone() { ! xbctl_devs | grep -q "^vif $aid "; }
wait_for 15 adv_gone
fds1=$(nfds "$xpid")
[ "$fds1" = "$fds0" ]; point $? "vif: xenbackd holds as many files as before the hostile guest ($fds0 -> $fds1)"
ping -c 2 -W 3 10.99.0.2 >/dev/null 2>&1; point $? "vif: the good guest still answers"

# a second vif, MTU 9000, attached and detached twice
for round in 1 2; do
	# (xl network-attach takes the spec's keys as separate words)
	xl network-attach $g mac=00:16:3e:5a:01:0$round bridge=xenbr1 mtu=9000 script=$HP > $W/attach.log 2>&1
	point $? "vif: round $round: xl network-attach (mtu=9000, xenbr1)" || sed 's/^/# xl: /' $W/attach.log
	dev=$(xenstore-list /local/domain/0/backend/vif/"$id" 2>/dev/null | grep -vx 0 | tail -n 1)
	b1=/local/domain/0/backend/vif/$id/$dev f1=/local/domain/$id/device/vif/$dev
	connected "$b1" "$f1"; point $? "vif: round $round: vif $dev Connected" || { xs_dump "$b1"; tail -n 5 $W/xenbackd-vif.log | sed 's/^/# xenbackd: /'; }
	m=$(cat /sys/class/net/vif"$id"."$dev"/mtu 2>/dev/null)
	[ "$m" = 9000 ] && in_bridge xenbr1 vif"$id"."$dev"; point $? "vif: round $round: tap vif$id.$dev has MTU 9000 ($m) and is in xenbr1"
	guest_run $g net up eth1 10.99.1.2/24 10.99.1.1
	guest_run $g net jumbo eth1 10.99.1.1
	timeout 120 xb-netcheck recv 5003 16 $round > $W/nc-recv1.log 2>&1 &
	rpid=$!
	guest_run $g net send 10.99.1.1 5003 16 $round
	wait $rpid; point $? "vif: round $round: 16 MiB over the MTU-9000 vif, every byte as sent"
	xl network-detach $g "$dev"; point $? "vif: round $round: xl network-detach $dev"
	wait_for 15 no_link vif"$id"."$dev"; point $? "vif: round $round: its tap is gone"
	wait_for 15 sh -c "! xenstore-exists $b1"; point $? "vif: round $round: its backend node is gone"
	guest_run $g net gone eth1
done
ping -c 1 -W 3 10.99.0.2 >/dev/null 2>&1; point $? "vif: the first vif still answers"

xl destroy $g; point $? "vif: xl destroy"
wait_for 15 no_link vif"$id".0; point $? "vif: the tap vif$id.0 is gone"
wait_for 15 registry_empty; point $? "vif: registry empty after xl destroy"
guest_console_clean $g
kill -TERM $xpid
wait $xpid; point $? "vif: xenbackd exits 0 on SIGTERM"
bad=$(grep -E ': (error|warning): ' $W/xenbackd-vif.log | grep -v "vif/$aid/")
[ -z "$bad" ]; point $? "vif: xenbackd's log has no error or warning but the hostile guest's"
[ -n "$bad" ] && echo "$bad" | head -n 10 | sed 's/^/# xenbackd: /'
grep -E 'queue [0-9]: tx' $W/xenbackd-vif.log | head -n 6 | sed 's/^/# xenbackd: /'
ip link set xenbr0 down; ip link set xenbr1 down
brctl delbr xenbr0; brctl delbr xenbr1
[ $loaded = 1 ] && { rmmod xenback; point $? "vif: rmmod xenback"; }
exit 0
