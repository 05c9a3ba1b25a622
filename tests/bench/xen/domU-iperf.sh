#!/bin/sh
# domU side of `make bench-net` (packed as /xen/tests/domU-iperf.sh in the
# bench domU initramfs).
# usage: iperf up <ip/prefix>          wait for eth0 (netfront), address it
#        iperf run <server> <seconds> <iperf3 client options...>
# run prints XB-IPERF-START just before iperf3 starts (dom0 times its CPU
# window from it), then "XB-IPERF mbps=<receiver's Mbit/s> pkts=<datagrams
# received, UDP> secs=<receiver's interval>".
cmd=$1; shift
case $cmd in
up)
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
	if ! ip link set eth0 up || ! ip addr add "$1" dev eth0; then
		echo "not ok - iperf: eth0 up with $1"
		exit 1
	fi
	echo "ok - iperf: eth0 up, $1" ;;
run)
	srv=$1 t=$2; shift 2
	echo "XB-IPERF-START"
	out=$(iperf3 -c "$srv" -t "$t" -f m "$@" 2>&1)
	rc=$?
	line=$(echo "$out" | grep 'receiver' | tail -n 1)
	if [ $rc != 0 ] || [ -z "$line" ]; then
		echo "$out" | tail -n 5
		echo "not ok - iperf3 $* (status $rc)"
		exit 1
	fi
	echo "$line" | awk '{
		for (i = 1; i <= NF; i++) {
			if ($i == "Mbits/sec") mbps = $(i - 1)
			if ($i == "sec" && secs == "") { split($(i - 1), iv, "-"); secs = iv[2] - iv[1] }
			if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, lt, "/"); pkts = lt[2] - lt[1] }
		}
		printf "XB-IPERF mbps=%s pkts=%d secs=%s\n", mbps, pkts, secs }' ;;
esac
