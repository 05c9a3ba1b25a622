#!/bin/sh
# usage: domU-net.sh up <if> <ip/prefix> <peer> — wait for the netfront
#            interface, address it, ping the peer (dom0's bridge)
#        domU-net.sh send <peer> <port> <MiB> <seed>  (xb-netcheck)
#        domU-net.sh recv <port> <MiB> <seed>
#        domU-net.sh jumbo <if> <peer> — the interface's MTU set to 9000, an
#            8000-byte ping goes both ways unfragmented (Ip FragCreates)
#        domU-net.sh gone <if> — the interface went (network-detach)
#        domU-net.sh queues <if> — its tx queues
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
# Ip's FragCreates (fragments this host made) and ReasmReqds (fragments it got)
frags() {
	awk '$1 == "Ip:" && $2 !~ /^[0-9]+$/ { for (i = 2; i <= NF; i++) k[i] = $i; next }
	     $1 == "Ip:" { for (i = 2; i <= NF; i++) v[k[i]] = $i; print v["FragCreates"] "/" v["ReasmReqds"] }' /proc/net/snmp
}
cmd=$1; shift
case $cmd in
up)
	i=0
	while [ ! -e "/sys/class/net/$1" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
	[ -e "/sys/class/net/$1" ]; point $? "$1: netfront's interface appeared"
	ip link set "$1" up && ip addr add "$2" dev "$1"; point $? "$1: up, $2"
	# the bridge port may still be learning: a few tries
	i=0
	while ! ping -c 1 -W 2 "$3" >/dev/null 2>&1 && [ $i -lt 10 ]; do i=$((i + 1)); done
	ping -c 3 -W 3 "$3" > /tmp/ping.out 2>&1; point $? "$1: ping $3 (3 of 3)"
	sed 's/^/# /' /tmp/ping.out | tail -n 2 ;;
send)
	xb-netcheck send "$@"; point $? "sent $3 MiB to $1:$2" ;;
recv)
	xb-netcheck recv "$@"; point $? "received $2 MiB on port $1, every byte as sent" ;;
jumbo)
	# (netfront does not read the vif's mtu key: the guest sets its own,
	# up to 65521 when the backend offers feature-sg)
	ip link set "$1" mtu 9000
	m=$(cat "/sys/class/net/$1/mtu")
	[ "$m" = 9000 ]; point $? "$1: MTU 9000 set in the guest ($m)"
	f0=$(frags)
	ping -c 3 -W 3 -s 8000 "$2" > /tmp/ping.out 2>&1; point $? "$1: ping -s 8000 $2"
	f1=$(frags)
	[ "$f0" = "$f1" ]; point $? "$1: no fragment made or received (FragCreates/ReasmReqds $f0 -> $f1): 8028-byte frames both ways" ;;
gone)
	i=0
	while [ -e "/sys/class/net/$1" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	[ ! -e "/sys/class/net/$1" ]; point $? "$1: gone from the guest" ;;
queues)
	n=0
	for q in "/sys/class/net/$1/queues/tx-"*; do [ -e "$q" ] && n=$((n + 1)); done
	[ "$n" = 2 ]; point $? "$1: netfront made 2 tx queues ($n)" ;;
*)
	notok "domU-net.sh: unknown command $cmd"; exit 2 ;;
esac
