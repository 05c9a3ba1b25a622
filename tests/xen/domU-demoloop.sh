#!/bin/sh
# make demo, the guest's side of the restart step: write a 4 KiB block
# (its round number in it) with O_DIRECT, read it back, compare; again and
# again until dom0 writes data/xb-demo-stop. Once a second a line: rounds
# done, and the longest wait for one round (xenbackd killed: the guest
# waits, then goes on, no error).
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
up() { cut -d' ' -f1 /proc/uptime; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
start=$(up) last=$start n=0 bad=0 worst=0 sworst=0
while ! xenstore-read data/xb-demo-stop >/dev/null 2>&1; do
	n=$((n + 1))
	t0=$(up)
	printf 'xenback demo round %-12d' $n | dd of=/tmp/blk bs=4096 conv=sync 2>/dev/null
	dd if=/tmp/blk of="$d" bs=4096 seek=$((10240 + n % 1024)) oflag=direct 2>/dev/null &&
		dd if="$d" bs=4096 skip=$((10240 + n % 1024)) count=1 iflag=direct 2>/dev/null | cmp -s - /tmp/blk ||
		bad=$((bad + 1))
	t1=$(up)
	w=$(ms "$t0" "$t1")
	[ "$w" -gt "$worst" ] && worst=$w
	[ "$w" -gt "$sworst" ] && sworst=$w
	if [ "$(ms "$last" "$t1")" -ge 1000 ]; then
		echo "guest t=$(ms "$start" "$t1" | awk '{ printf "%.0f", $1 / 1000 }')s: $n blocks written and verified, $bad bad; longest wait this second: $sworst ms"
		last=$t1 sworst=0
	fi
done
[ $bad = 0 ]; point $? "guest: $n blocks written and read back while xenbackd was killed and came back: $bad bad, longest wait $worst ms"
