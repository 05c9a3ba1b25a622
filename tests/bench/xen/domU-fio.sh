#!/bin/sh
# domU side of `make bench-blk` (packed as /xen/tests/domU-fio.sh in the
# bench domU initramfs): one fio run, libaio, O_DIRECT, time based.
# usage: fio <dev> <rw> <bs> <iodepth> <runtime s> <ramp s>
# Prints XB-FIO-START just before fio starts (dom0 times its CPU window from
# it), then "XB-FIO rw=<rw> iops=<n> bw_kib=<n>".
dev=/dev/$1 rw=$2 bs=$3 qd=$4 rt=$5 ramp=$6
grep -q ' /dev/shm ' /proc/mounts || { mkdir -p /dev/shm; mount -t tmpfs tmpfs /dev/shm; }
i=0
while [ ! -b "$dev" ]; do i=$((i + 1)); [ $i -gt 150 ] && { echo "not ok - fio: no $dev"; exit 1; }; sleep 0.2; done
echo "XB-FIO-START $rw"
out=$(fio --name=xb --filename="$dev" --ioengine=libaio --direct=1 --rw="$rw" --bs="$bs" \
	--iodepth="$qd" --runtime="$rt" --ramp_time="$ramp" --time_based --norandommap \
	--randrepeat=0 --output-format=terse --terse-version=3 2>&1)
rc=$?
line=$(echo "$out" | grep '^3;')
if [ $rc != 0 ] || [ -z "$line" ]; then
	echo "$out" | tail -n 5
	echo "not ok - fio $rw on $dev (status $rc)"
	exit 1
fi
echo "$line" | awk -F';' -v rw="$rw" '{ printf "XB-FIO rw=%s iops=%d bw_kib=%d\n", rw, $8 + $49, $7 + $48 }'
