#!/usr/bin/env bash
# Initramfs of the xen benchmarks, on top of the xen tier's (scripts/mkinitramfs-xen.sh):
# newc archives can be concatenated, so each image is the tier's own archive
# followed by an overlay with the benchmark's files.
# usage: mkinitramfs-bench.sh <out dir> <xen tier's domU.cpio>
# Writes <out>/domU.cpio (+ fio, iperf3 and their libraries, domU-fio.sh,
# domU-disk.sh, domU-iperf.sh) and
# <out>/dom0.cpio (+ QEMU's qdisk peer /usr/libexec/xen-qemu-system-i386 and
# its libraries and keymaps, xb-dom0cpu, bench-notify-xen, iperf3,
# xen-netback.ko (bench-net's peer), and
# util-linux's losetup (+ libraries), the benchmark
# scripts as /xen/tests/dom0-9x-bench-*.sh, run by dom0-init with xb.tests).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=$1 domu_base=$2
here=$top/tests/bench/xen
mkdir -p "$out"
fio=$(command -v fio) || { echo "$0: fio not installed" >&2; exit 1; }
iperf=$(command -v iperf3) || { echo "$0: iperf3 not installed" >&2; exit 1; }
kver=${XB_KVER:-$(compgen -G '/boot/vmlinuz-*-amd64' | sed 's|/boot/vmlinuz-||' | sort -V | tail -n1 || true)}
# Linux's xen-netback, bench-net's peer (not in the xen tier's dom0: there
# backend/vif is xenbackd's), loaded and unloaded by tests/bench/xen/net-lib.sh
netback=$(modprobe -S "$kver" --show-depends xen-netback 2>/dev/null | awk '$1 == "insmod" { print $2 }' | tail -n 1)
[ -n "$netback" ] || { echo "$0: xen-netback.ko not found for $kver" >&2; exit 1; }
qemu=/usr/libexec/xen-qemu-system-i386
[ -x $qemu ] || { echo "$0: $qemu missing (qemu-system-xen)" >&2; exit 1; }

"$top/scripts/mkinitramfs-vm.sh" -o "$out/domU-overlay.cpio" -i "$top/tests/xen/domU-init.sh" \
	-l "$fio:/usr/bin/fio" -f "$here/domU-fio.sh:/xen/tests/domU-fio.sh" \
	-l "$iperf:/usr/bin/iperf3" -f "$here/domU-iperf.sh:/xen/tests/domU-iperf.sh" \
	-f "$here/domU-disk.sh:/xen/tests/domU-disk.sh"
cat "$domu_base" "$out/domU-overlay.cpio" > "$out/domU.cpio.tmp" && mv "$out/domU.cpio.tmp" "$out/domU.cpio"

"$top/scripts/mkinitramfs-xen.sh" dom0 "$out/dom0-base.cpio" "$out/domU.cpio"
gen=$out/gen
rm -rf "$gen" && mkdir -p "$gen"
args=(-i "$top/tests/xen/dom0-init.sh" -l "$qemu:$qemu" -d run/xen
	-l "$top/build/bench/xb-dom0cpu:/usr/bin/xb-dom0cpu"
	-l "$top/build/bench/bench-notify-xen:/xen/bench/bench-notify-xen"
	-l "$iperf:/usr/bin/iperf3" -f "$netback:$netback")
for k in /usr/share/qemu/keymaps/*; do [ -f "$k" ] && args+=(-f "$k:$k"); done
[ -x /usr/bin/perf ] && args+=(-l /usr/bin/perf:/usr/bin/perf)
# XB_BENCH_BACKING=ext4: util-linux's losetup (busybox's has no
# --direct-io), by its full path: busybox's applets come first in dom0's
# PATH (mkfs.ext4 is in the dom0 image already)
[ -x /usr/sbin/losetup ] || { echo "$0: /usr/sbin/losetup missing (util-linux)" >&2; exit 1; }
args+=(-l /usr/sbin/losetup:/usr/sbin/losetup)
[ -x /usr/bin/strace ] && args+=(-l /usr/bin/strace:/usr/bin/strace)
for f in blk-lib.sh blk-run.sh blk-up.sh blk-down.sh blk-profile.sh net-lib.sh net-run.sh net-profile.sh; do args+=(-f "$here/$f:/xen/bench/$f"); done
printf '#!/bin/sh\n[ -c /dev/xenback ] || insmod /xen/xenback.ko\n/xen/bench/bench-notify-xen\n' > "$gen/dom0-91-bench-notify.sh"
printf '#!/bin/sh\nsh /xen/bench/blk-up.sh\n' > "$gen/dom0-92-bench-blk-up.sh"
n=3
for wl in randread randwrite seqread seqwrite; do
	printf '#!/bin/sh\nWL=%s\n. /xen/bench/blk-run.sh\n' $wl > "$gen/dom0-9$n-bench-blk-$wl.sh"
	n=$((n + 1))
done
printf '#!/bin/sh\nsh /xen/bench/blk-profile.sh\n' > "$gen/dom0-965-bench-blk-profile.sh"
printf '#!/bin/sh\nsh /xen/bench/blk-down.sh\n' > "$gen/dom0-97-bench-blk-down.sh"
printf '#!/bin/sh\nsh /xen/bench/net-run.sh\n' > "$gen/dom0-98-net-bench.sh"
for f in "$gen"/*.sh; do args+=(-f "$f:/xen/tests/${f##*/}"); done
"$top/scripts/mkinitramfs-vm.sh" -o "$out/dom0-overlay.cpio" "${args[@]}"
cat "$out/dom0-base.cpio" "$out/dom0-overlay.cpio" > "$out/dom0.cpio.tmp" && mv "$out/dom0.cpio.tmp" "$out/dom0.cpio"
ls -l "$out"/dom0.cpio "$out"/domU.cpio >&2
