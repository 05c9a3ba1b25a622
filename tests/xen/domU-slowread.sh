#!/bin/sh
# usage: domU-slowread.sh <dev> — starts 8 O_DIRECT reads of 64 KiB at
# different offsets in the background and returns once they are issued
# (the disk holds them: dm-delay in dom0); they never finish if the guest
# is destroyed meanwhile, which is the point.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" 20; point $? "$1 appeared in the guest"
[ -b "$d" ] || exit 1
i=0
while [ $i -lt 8 ]; do
	dd if="$d" of=/dev/null bs=64k count=1 skip=$i iflag=direct 2>/dev/null &
	i=$((i + 1))
done
sleep 2
ok "$1: 8 O_DIRECT reads issued"
