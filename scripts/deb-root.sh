#!/usr/bin/env bash
# The xen tier's copy of the packages (tests/xen/dom0-31-packages.sh):
#   deb-root.sh <dir>
# builds the .debs (scripts/make-deb.sh), unpacks xenbackd's and
# xenback-dkms's with dpkg -x into <dir> (the dom0 initramfs has no dpkg
# database and no systemd: the maintainer scripts cannot run there), and
# builds xenback.ko from the unpacked DKMS sources with dkms, for the kernel
# the tier boots, into <dir>/xenback-dkms.ko. On failure <dir> is left
# without it and the test fails naming what is missing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:?usage: deb-root.sh <dir>}")
kver=${XB_KVER:-$(compgen -G '/boot/vmlinuz-*-amd64' | sed 's|/boot/vmlinuz-||' | sort -V | tail -n1 || true)}
ver=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
rm -rf "$out" "$out.tmp"
mkdir -p "$out.tmp"
"$top/scripts/make-deb.sh" > "$out.tmp.log" 2>&1 || { cat "$out.tmp.log" >&2; exit 1; }
for p in xenbackd xenback-dkms; do
	dpkg -x "$top/build/deb/${p}_${ver}_"*.deb "$out.tmp"
done
mkdir -p "$out.tmp/dkms"
dkms build -m xenback -v "$ver" -k "$kver" --sourcetree "$out.tmp/usr/src" --dkmstree "$out.tmp/dkms" \
	> "$out.tmp/dkms.log" 2>&1 || { tail -n 30 "$out.tmp/dkms.log" >&2; exit 1; }
ko=$(find "$out.tmp/dkms" -name xenback.ko | head -n 1)
[ -n "$ko" ] || { echo "deb-root: dkms built no xenback.ko" >&2; exit 1; }
cp "$ko" "$out.tmp/xenback-dkms.ko"
rm -rf "$out.tmp/dkms" "$out.tmp.log"
mv "$out.tmp" "$out"
