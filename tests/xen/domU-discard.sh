#!/bin/sh
# usage: domU-discard.sh <dev> <offset> <length> — blkfront negotiated discard; blkdiscard succeeds
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
m=$(cat "/sys/block/$1/queue/discard_max_bytes" 2>/dev/null)
[ "${m:-0}" -gt 0 ]; point $? "$1: blkfront sees feature-discard (discard_max_bytes $m)"
blkdiscard -o "$2" -l "$3" "$d"; point $? "$1: blkdiscard -o $2 -l $3"
