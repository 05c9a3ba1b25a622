#!/usr/bin/env bash
# Builds (once per machine) the vm-debug tier's kernel: Debian's
# linux-source-6.1 with allnoconfig plus tests/vm/debug-kernel.config
# (KASAN, KFENCE, lockdep, kmemleak, ...), cached outside the checkout under
# $XB_DEBUG_KERNEL_CACHE (default /var/cache/xenback), keyed by the source
# package's version, the config fragment and the recipe's version below
# (raise it when the build steps change). Prints the build
# tree (bzImage at arch/x86/boot/bzImage; the tree modules build against).
# usage: debug-kernel.sh [--print-key]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/tests/vm/debug-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${XB_DEBUG_KERNEL_CACHE:-/var/cache/xenback}
[ -r "$tarball" ] || { echo "debug-kernel.sh: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
ver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$tarball")
recipe=1
key=$( { echo "$ver $recipe"; cat "$frag"; } | sha256sum | cut -c1-16)
[ "${1:-}" = --print-key ] && { echo "$key"; exit 0; }
dir=$cache/debug-kernel-$key
if [ -e "$dir/done" ]; then
	echo "$dir/build"
	exit 0
fi
mkdir -p "$cache"
# One builder at a time; a second one waits and then finds it done.
exec 8>"$cache/debug-kernel.lock"
flock 8
if [ -e "$dir/done" ]; then
	echo "$dir/build"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
t0=$(date +%s)
echo "debug-kernel.sh: building the debug kernel into $dir (log: $log); once per machine" >&2
{
	tar -xJf "$tarball" -C "$dir"
	src=$(echo "$dir"/linux-source-*)
	make -C "$src" O="$dir/build" ARCH=x86_64 allnoconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" "$dir/build/.config" "$frag"
	make -C "$src" O="$dir/build" ARCH=x86_64 olddefconfig
} > "$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
# Every line of the fragment must have stuck (a dependency missing turns an
# option off silently).
missing=$(grep -E '^CONFIG_' "$frag" | while read -r l; do grep -qx "$l" "$dir/build/.config" || echo "$l"; done)
if [ -n "$missing" ]; then
	echo "debug-kernel.sh: options the kernel's Kconfig did not take:" >&2
	echo "$missing" | awk '{ print "  " $0 }' >&2
	exit 1
fi
src=$(echo "$dir"/linux-source-*)
if ! make -C "$src" O="$dir/build" ARCH=x86_64 -j"$(nproc)" bzImage modules_prepare >> "$log" 2>&1; then
	tail -n 30 "$log" >&2
	exit 1
fi
# Module.symvers (vmlinux's exports) for building modules against the tree.
if ! make -C "$src" O="$dir/build" ARCH=x86_64 modules >> "$log" 2>&1 || [ ! -s "$dir/build/Module.symvers" ]; then
	tail -n 30 "$log" >&2
	exit 1
fi
# What modules need from the tree stays; the source is kept (headers).
echo "$(($(date +%s) - t0)) s" > "$dir/done"
echo "debug-kernel.sh: built in $(cat "$dir/done")" >&2
echo "$dir/build"
