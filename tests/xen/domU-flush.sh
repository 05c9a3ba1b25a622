#!/bin/sh
# usage: domU-flush.sh <dev> — blkfront negotiated a write-back cache; a write
# with fsync sends a flush
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
wc=$(cat "/sys/block/$1/queue/write_cache" 2>/dev/null)
[ "$wc" = "write back" ]; point $? "$1: blkfront sees feature-flush-cache (write_cache: $wc)"
dd if=$P of="$d" bs=64k count=1 conv=fsync 2>/dev/null; point $? "$1: write + fsync"
