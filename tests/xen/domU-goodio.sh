#!/bin/sh
# usage: domU-goodio.sh <dev> <tag> — the well-behaved guest of
# dom0-50-adversary.sh: fio random 4 KiB writes (libaio, O_DIRECT, depth 8)
# on 8 MiB of <dev>, every block verified (crc32c, checked as it goes, fatal
# on the first mismatch), until dom0 writes data/xb-fio-stop. Once a second:
#   XB-FIO-STAT <tag> <errors> <KiB written> <write runtime ms>
# (cumulative), so dom0 can tell what the guest did during each scenario;
# at the end "XB-FIO <tag> rc=<fio status> err=<errors> iops=<write IOPS>".
# fio stopped by SIGINT exits non-zero: the verdict is its error count and
# the absence of verify failures, not its status.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1 tag=$2 out=/tmp/fio.$2
wait_dev "$d" || { notok "$tag: $1 appeared"; exit 1; }
command -v fio >/dev/null || { notok "$tag: fio is in this guest's initramfs"; exit 1; }
fio --name=good --filename="$d" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
	--iodepth=8 --size=8M --time_based --runtime=3600 --verify=crc32c --verify_fatal=1 \
	--verify_backlog=64 --status-interval=1 --output-format=terse > "$out" 2>&1 &
pid=$!
n=0
relay() { # the complete lines fio wrote since the last call
	n2=$(wc -l < "$out")
	[ "$n2" -gt "$n" ] || return 0
	head -n "$n2" "$out" | tail -n +$((n + 1)) |
		awk -F';' -v t="$tag" 'NF > 100 { print "XB-FIO-STAT", t, $5, $47, $50; next } { print "fio: " $0 }'
	n=$n2
}
stopped=0
while kill -0 $pid 2>/dev/null; do
	if xenstore-read data/xb-fio-stop >/dev/null 2>&1; then
		kill -INT $pid
		stopped=1
		break
	fi
	sleep 1
	relay
done
wait $pid
rc=$?
relay
last=$(awk -F';' 'NF > 100' "$out" | tail -n 1)
err=$(echo "$last" | cut -d';' -f5)
kb=$(echo "$last" | cut -d';' -f47)
ms=$(echo "$last" | cut -d';' -f50)
iops=$(awk -v k="${kb:-0}" -v m="${ms:-0}" 'BEGIN { if (m > 0) printf "%d", k / 4 / m * 1000; else print 0 }')
echo "XB-FIO $tag rc=$rc err=${err:-?} iops=$iops"
vfail=$(grep -ciE 'verify|bad magic|crc32c' "$out")
[ "$stopped" = 1 ] && [ "$err" = 0 ] && [ "$vfail" = 0 ]
point $? "$tag: fio random writes on $1 verified with crc32c until dom0 stopped it: no error ($err errors, $vfail verify messages, $iops write IOPS, status $rc)"
