#!/bin/sh
# make demo, the guest's side: write a message and 8 MiB to the disk xenbackd
# serves, read them back, then time 32 MiB of O_DIRECT writes and reads.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
echo "guest: $1 is $(($(blockdev --getsize64 "$d") >> 20)) MiB, served by xenbackd in dom0"
msg="hello from domain $(xenstore-read domid 2>/dev/null) at $(date -u +%H:%M:%S)"
printf '%-512s' "$msg" | dd of="$d" bs=512 count=1 oflag=direct 2>/dev/null
point $? "guest: wrote \"$msg\" to sector 0"
back=$(dd if="$d" bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\0' | sed 's/ *$//')
[ "$back" = "$msg" ]; point $? "guest: read it back: \"$back\""
dd if=$P of="$d" bs=1M seek=1 count=8 oflag=direct 2>/dev/null &&
	dd if="$d" bs=1M skip=1 count=8 iflag=direct 2>/dev/null | cmp -s - $P
point $? "guest: 8 MiB pattern written and read back identical (O_DIRECT)"
mbps() { # bytes, start, end (uptime seconds)
	awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { t = e - s; if (t <= 0) t = 0.01; printf "%.1f", b / t / 1048576 }'
}
t0=$(cut -d' ' -f1 /proc/uptime)
dd if=/dev/zero of="$d" bs=1M seek=16 count=32 oflag=direct 2>/dev/null
t1=$(cut -d' ' -f1 /proc/uptime)
dd if="$d" of=/dev/null bs=1M skip=16 count=32 iflag=direct 2>/dev/null
t2=$(cut -d' ' -f1 /proc/uptime)
echo "guest: throughput, 1 MiB O_DIRECT requests: write $(mbps 33554432 "$t0" "$t1") MB/s, read $(mbps 33554432 "$t1" "$t2") MB/s (QEMU TCG: slow by design)"
