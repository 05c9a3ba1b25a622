#!/bin/sh
# usage: domU-chan.sh <hvcN> <bytes> <send seed> <recv seed> — a channel's
# console in the guest (Linux hvc_xen): xb-chancheck sends the send seed's
# stream and checks the recv seed's, both at once, in raw mode
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
i=0
while [ ! -c "$d" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && break
	sleep 0.2
done
[ -c "$d" ]; point $? "$1 appeared in the guest"
timeout 180 xb-chancheck "$d" "$2" "$3" "$4" lead
point $? "$1: $2 bytes each way, what arrived here checked byte for byte"
