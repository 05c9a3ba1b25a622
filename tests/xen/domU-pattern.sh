#!/bin/sh
# usage: domU-pattern.sh <dev>   (e.g. xvda; the disk is at least 8 MiB)
# Writes the 8 MiB pattern across the disk, the first half with O_DIRECT and
# the second through the page cache (then fsync), reads it all back with
# O_DIRECT and, after dropping the caches, through the page cache.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
sz=$(blockdev --getsize64 "$d")
[ "$sz" -ge $((8 << 20)) ]; point $? "$1 has ${sz} bytes (>= 8 MiB)"
dd if=$P of="$d" bs=64k count=64 oflag=direct 2>/dev/null
point $? "$1: first 4 MiB of the pattern written with O_DIRECT"
dd if=$P of="$d" bs=64k skip=64 seek=64 count=64 conv=fsync 2>/dev/null
point $? "$1: last 4 MiB written through the page cache (fsync)"
dd if="$d" bs=64k count=128 iflag=direct 2>/dev/null | cmp -s - $P
point $? "$1: pattern reads back with O_DIRECT"
sync; echo 3 > /proc/sys/vm/drop_caches
dd if="$d" bs=64k count=128 2>/dev/null | cmp -s - $P
point $? "$1: pattern reads back through the page cache"
