#!/bin/sh
# usage: domU-ro.sh <dev> — a read-only disk (holding the pattern) refuses writes
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
[ "$(blockdev --getro "$d")" = 1 ]; point $? "$1 is read-only in the guest (blkfront saw mode r)"
! dd if=/dev/zero of="$d" bs=4k count=1 oflag=direct 2>/dev/null
point $? "$1: a write is refused"
dd if="$d" bs=64k count=128 iflag=direct 2>/dev/null | cmp -s - $P
point $? "$1: its content reads back"
