#!/bin/sh
# domU side of `make bench-blk` (packed as /xen/tests/domU-disk.sh): what
# the guest sees of one disk before fio runs on it.
# usage: disk <dev>   prints "XB-DISK <dev> sectors=<n> lbs=<bytes>" and
# blkfront's kernel log lines.
dev=$1
i=0
while [ ! -b "/dev/$dev" ]; do i=$((i + 1)); [ $i -gt 150 ] && { echo "not ok - disk: no /dev/$dev"; exit 1; }; sleep 0.2; done
echo "XB-DISK $dev sectors=$(cat "/sys/block/$dev/size" 2>/dev/null) lbs=$(cat "/sys/block/$dev/queue/logical_block_size" 2>/dev/null)"
dmesg | grep -iE 'blkfront|xvd|capacity|vbd' | tail -n 8 | sed 's/^/# dmesg: /'
exit 0
