#!/bin/sh
# usage: domU-mq.sh <dev> — O_DIRECT reads of the whole 8 MiB pattern from
# each vCPU at once (taskset), so that blk-mq submits on every hardware
# queue; then the queues blkfront made (sysfs).
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
n=$(grep -c '^processor' /proc/cpuinfo)
[ "$n" -ge 2 ]; point $? "$1: the guest has $n vCPUs"
nq=0
for q in "/sys/block/$1/mq/"*; do [ -e "$q" ] && nq=$((nq + 1)); done
[ "$nq" -ge 2 ]; point $? "$1: blk-mq has $nq hardware queues"
i=0 pids=
while [ $i -lt "$n" ]; do
	taskset $((1 << i)) sh -c "for r in 1 2 3; do dd if=$d bs=64k count=128 iflag=direct 2>/dev/null | cmp -s - $P || exit 1; done" &
	pids="$pids $!"
	i=$((i + 1))
done
bad=0
for p in $pids; do wait "$p" || bad=$((bad + 1)); done
[ $bad = 0 ]; point $? "$1: the pattern read back 3 times from each of $n vCPUs at once ($bad failed)"
