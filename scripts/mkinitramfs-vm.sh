#!/usr/bin/env bash
# Builds a busybox initramfs (uncompressed newc cpio) for booting test VMs.
# usage: mkinitramfs-vm.sh -o <out.cpio> -i <init script>
#                          [-f <src>:<dst>]...   copy a file (dst: path in the VM)
#                          [-l <src>:<dst>]...   same, plus its shared libraries (ldd)
#                          [-d <dir>]...         create an empty directory
# The init script becomes /init; busybox is /bin/busybox with one symlink
# per applet. Shared by every VM tier (vm, xen).
set -euo pipefail
out='' init=''
files=() libs=() dirs=()
while getopts "o:i:f:l:d:" opt; do
	case $opt in
	o) out=$OPTARG ;;
	i) init=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	l) libs+=("$OPTARG") ;;
	d) dirs+=("$OPTARG") ;;
	*) echo "usage: see $0" >&2; exit 2 ;;
	esac
done
if [ -z "$out" ] || [ -z "$init" ]; then echo "$0: -o and -i are required" >&2; exit 2; fi
bb=$(command -v busybox) || { echo "$0: busybox not found (busybox-static)" >&2; exit 1; }
if ldd "$bb" >/dev/null 2>&1; then
	echo "$0: $bb is not static (install busybox-static)" >&2
	exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,lib,lib64}
for d in "${dirs[@]}"; do mkdir -p "$root/$d"; done
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] && continue
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
install -m 755 "$init" "$root/init"

put() { # src dst
	mkdir -p "$root/$(dirname "$2")"
	cp -L "$1" "$root/$2"
}
for f in "${files[@]}"; do put "${f%%:*}" "${f#*:}"; done
for f in "${libs[@]}"; do
	src=${f%%:*}
	put "$src" "${f#*:}"
	for lib in $(ldd "$src" 2>/dev/null | grep -oE '/[^ ]+' | sort -u); do
		[ -e "$root$lib" ] || put "$lib" "$lib"
	done
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
