#!/bin/sh
# usage: domU-quick.sh <dev> — a hot-plugged disk appears; 1 MiB of the pattern
# written with O_DIRECT and read back
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" 20; point $? "$1 appeared in the guest"
[ -b "$d" ] || exit 1
dd if=$P of="$d" bs=64k count=16 oflag=direct 2>/dev/null
dd if="$d" bs=64k count=16 iflag=direct 2>/dev/null > /tmp/back.bin
head -c 1048576 $P | cmp -s - /tmp/back.bin
point $? "$1: 1 MiB written and read back with O_DIRECT"
