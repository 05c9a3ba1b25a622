#!/bin/sh
# usage: domU-goodio.sh <dev> <runtime s> <tag> [noverify] — the well-behaved guest of
# dom0-50-adversary.sh: fio random 4 KiB writes (libaio, O_DIRECT, depth 8)
# on 8 MiB of <dev> for <runtime> s, every block verified (crc32c, fatal on
# the first mismatch, checked as it goes). Prints
# "XB-FIO tag=<tag> rc=<fio status> err=<errors> iops=<write IOPS>" for dom0.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1 rt=$2 tag=$3
vf="--verify=crc32c --verify_fatal=1 --verify_backlog=64"
[ "${4:-}" = noverify ] && vf=
wait_dev "$d" || { notok "$tag: $1 appeared"; exit 1; }
command -v fio >/dev/null || { notok "$tag: fio is in this guest's initramfs"; exit 1; }
# $vf: several options or none, split on purpose
# shellcheck disable=SC2086
out=$(fio --name=good --filename="$d" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
	--iodepth=8 --size=8M --time_based --runtime="$rt" $vf --output-format=terse,normal 2>&1)
rc=$?
line=$(echo "$out" | grep '^3;' | tail -n 1)
err=$(echo "$line" | cut -d';' -f5)
iops=$(echo "$line" | cut -d';' -f49)
echo "XB-FIO tag=$tag rc=$rc err=${err:-?} iops=${iops:-0}"
[ $rc = 0 ] && [ "$err" = 0 ]
point $? "$tag: fio random writes on $1${vf:+ verified with crc32c}, no error (status $rc, $iops IOPS)"
echo "$out" | grep -E 'IOPS=|clat \(|^ +lat \(|cpu +:|err=' | sed 's/^ */fio: /'
[ $rc = 0 ] || echo "$out" | grep -v '^3;' | tail -n 15
exit $rc
