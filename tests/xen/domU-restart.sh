#!/bin/sh
# usage: domU-restart.sh <dev> — the guest of dom0-60-restart.sh: fio on
# <dev> while dom0 kills and restarts xenbackd, until dom0 writes
# data/xb-restart-stop. Four jobs, pinned two per vCPU so that blk-mq uses
# both of blkfront's queues: 4 KiB random writes and 1 MiB sequential writes
# (each verified with crc32c as it goes, fatal on the first mismatch, an
# fsync every 16 writes; serialize_overlap: the 1 MiB job's region holds
# three blocks, so at iodepth 4 it would wrap onto its own writes still in
# flight, and two in-flight writes to one block may finish in any order,
# on blkif as on any disk), 4 KiB random reads and 1 MiB sequential reads;
# libaio, O_DIRECT. Then: fio's errors, the kernel log (no blkfront error,
# no reconnect), the I/O stalls (every gap > 100 ms between completions of
# the two 4 KiB jobs, from fio's per-I/O completion logs: the 12 longest,
# "XB-GAP <ms> at <ms since fio's start>"),
# and the device's md5 ("XB-RESTART-SUM <md5>") for dom0 to compare with
# the image once the guest is gone.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1 b=$1
wait_dev "$d" || { notok "restart: $b appeared"; exit 1; }
command -v fio >/dev/null || { notok "restart: fio is in this guest's initramfs"; exit 1; }
nq=0
for q in "/sys/block/$b/mq/"*; do [ -e "$q" ] && nq=$((nq + 1)); done
[ "$nq" -ge 2 ]; point $? "restart: blk-mq has $nq hardware queues on $b"
conn0=$(dmesg | grep -c "blkfront: $b:")
mb=$(($(cat "/sys/block/$b/size") / 2048))
q=$((mb / 4)) # four regions of $q MiB: 4k writes, 1M writes, reads
cd /tmp || exit 1
cat > job.fio <<EOJ
[global]
filename=$d
ioengine=libaio
direct=1
time_based
runtime=900
group_reporting=0
[w4k]
rw=randwrite
bs=4k
iodepth=8
offset=0
size=${q}M
verify=crc32c
verify_fatal=1
verify_backlog=64
serialize_overlap=1
fsync=16
cpus_allowed=0
write_lat_log=w4k
log_avg_msec=0
[w1m]
rw=write
bs=1M
iodepth=4
offset=${q}M
size=${q}M
verify=crc32c
verify_fatal=1
verify_backlog=2
serialize_overlap=1
fsync=16
cpus_allowed=1
[r4k]
rw=randread
bs=4k
iodepth=8
offset=$((2 * q))M
size=$((2 * q))M
cpus_allowed=1
write_lat_log=r4k
log_avg_msec=0
[r1m]
rw=read
bs=1M
iodepth=2
offset=$((2 * q))M
size=$((2 * q))M
cpus_allowed=0
EOJ
fio --output-format=terse job.fio > fio.out 2> fio.err &
pid=$!
sleep 2
echo "XB-RESTART-FIO-START"
stopped=0
while kill -0 $pid 2>/dev/null; do
	if xenstore-read data/xb-restart-stop >/dev/null 2>&1; then
		kill -INT $pid
		stopped=1
		break
	fi
	sleep 1
done
wait $pid
rc=$?
# terse: one line a job; field 5 is its error
nj=$(awk -F';' 'NF > 100' fio.out | wc -l)
errs=$(awk -F';' 'NF > 100 { e += ($5 != 0) } END { print e + 0 }' fio.out)
vfail=$(cat fio.out fio.err | grep -ciE 'verify|bad magic|crc32c|error')
[ "$stopped" = 1 ] && [ "$nj" = 4 ] && [ "$errs" = 0 ] && [ "$vfail" = 0 ]
point $? "restart: fio (4 jobs, crc32c verified) ran until dom0 stopped it: $errs jobs with errors, $vfail error/verify messages, $nj job reports, status $rc"
[ "$vfail" = 0 ] || grep -iE 'verify|bad magic|crc32c|error' fio.out fio.err | head -n 10 | sed 's/^/# fio: /'
awk -F';' 'NF > 100 { printf "# fio %s: read %s KiB %s IOPS, write %s KiB %s IOPS\n", $3, $6, $8, $47, $49 }' fio.out
# the stalls: gaps between consecutive completions of the 4 KiB jobs
cat w4k_clat.*.log r4k_clat.*.log 2>/dev/null | cut -d, -f1 | sort -n |
	awk 'NR > 1 && $1 - p > 100 { printf "XB-GAP %d at %d\n", $1 - p, p } { p = $1 } END { printf "# %d completions logged\n", NR > "/dev/stderr" }' 2>&1 |
	sort -k2,2rn | head -n 13
bad=$(dmesg | grep -iE "blkfront|$b|blk_update_request|I/O error" | grep -iE 'error|fail|timeout|reset|closing|closed')
[ -z "$bad" ]; point $? "restart: the guest's kernel log shows no blkfront error"
[ -n "$bad" ] && echo "$bad" | head -n 10 | sed 's/^/# dmesg: /'
conn1=$(dmesg | grep -c "blkfront: $b:")
[ "$conn1" = "$conn0" ]; point $? "restart: blkfront did not reconnect ($conn0 -> $conn1 connect messages)"
sum=$(dd if="$d" bs=1M iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
echo "XB-RESTART-SUM $sum"
