#!/usr/bin/env bash
# Builds the initramfs of the xen tier's domains (uncompressed newc cpio), on
# top of scripts/mkinitramfs-vm.sh (busybox + files + their ldd libraries).
# usage: mkinitramfs-xen.sh domU <out.cpio>
#        mkinitramfs-xen.sh domU-fio <out.cpio> <domU.cpio>
#        mkinitramfs-xen.sh dom0 <out.cpio> <domU.cpio> [<domU-fio.cpio>]
# domU: busybox, xen-blkfront.ko, xen-netfront.ko, xen-evtchn.ko, xen-gntalloc.ko,
#       xen-gntdev.ko, xenbackd and xenbackctl (a storage domain's),
#       build/xen/progs/xb-netcheck, build/xen/progs/xb-chancheck (static),
#       xenstore-read/-write/-exists (+ libs), the adversary frontend
#       build/xen/xb-adversary when built (tests/xen/adversary/), the
#       domU init (tests/xen/domU-init.sh) and the domU test scripts
#       (tests/xen/domU-*.sh), their TAP helpers (tests/xen/tap-lib.sh), the
#       test pattern.
# domU-fio: the domU archive followed by an overlay with fio and its
#       libraries, gzipped (tests/xen/dom0-50-adversary.sh's well-behaved
#       guest; newc archives concatenate). usage: mkinitramfs-xen.sh domU-fio <out> <domU.cpio>
# dom0: busybox, the Xen userspace from xen-utils-4.17 (xl, xenstored,
#       xenconsoled, xen-init-dom0, xenstore-*) with every ldd library and
#       libgcc_s.so.1, the Xen kernel modules (+ xen-blkback, loop, brd, tun, bridge for the
#       peers), the domU kernel and initramfs, the dom0 tests (tests/xen/dom0-*,
#       tests/xen/tap-lib.sh), and when built: kmod/xenback.ko, build/xenbackd,
#       build/xenbackctl, build/xenback-dm, build/vm/progs/test-interdomain,
#       build/xen/progs/test-gntdev-ring, build/xen/progs/test-grant-io.
#       What is missing is listed in /xen/missing (the tests report it as SKIP)
#       and on stderr.
# Environment: XB_KVER (kernel version; default the newest /boot/vmlinuz-*-amd64).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-} out=${2:-}
if [ -z "$mode" ] || [ -z "$out" ]; then echo "usage: $0 dom0|domU|domU-fio <out.cpio> [<domU.cpio> [<domU-fio.cpio>]]" >&2; exit 2; fi
kver=${XB_KVER:-$(compgen -G '/boot/vmlinuz-*-amd64' | sed 's|/boot/vmlinuz-||' | sort -V | tail -n1 || true)}
if [ -z "$kver" ] || [ ! -d "/lib/modules/$kver" ]; then echo "$0: no Debian kernel (linux-image-amd64)" >&2; exit 1; fi
xbin=/usr/lib/xen-4.17/bin
B=$top/build/xen
mkdir -p "$B"
pattern=$B/pattern.bin
# The data every test writes: random, fixed per build, 8 MiB (the size of a test disk).
if [ ! -s "$pattern" ]; then
	head -c $((8 << 20)) /dev/urandom > "$pattern.$$" && mv -n "$pattern.$$" "$pattern"
	rm -f "$pattern.$$"
fi

args=()
# modules: <name>... -> -f args, /etc/xb-modules lists them in load order (deps first)
wd=$(mktemp -d) # per build: concurrent builds must not share lists
trap 'rm -rf "$wd"' EXIT
modlist=$wd/modules
: > "$modlist"
mods() {
	local m line path
	for m in "$@"; do
		modprobe -S "$kver" --show-depends "$m" 2>/dev/null | while read -r line; do
			path=$(echo "$line" | awk '$1 == "insmod" {print $2}')
			[ -n "$path" ] || continue
			case $path in */crc32c-intel.ko*) continue ;; esac # SSE4.2: not on QEMU's qemu64 CPU
			grep -qxF "$path" "$modlist" || echo "$path" >> "$modlist"
		done
		grep -q "/${m//-/[-_]}\.ko" "$modlist" || { echo "$0: module $m not found for $kver" >&2; exit 1; }
	done
}
finish_mods() {
	local p
	while read -r p; do args+=(-f "$p:$p"); done < "$modlist"
	args+=(-f "$modlist:/etc/xb-modules")
}
xs_tools() {
	local t
	args+=(-l "/usr/bin/xenstore:/usr/bin/xenstore")
	for t in read write exists rm list ls chmod watch; do
		args+=(-f "/usr/bin/xenstore:/usr/bin/xenstore-$t")
	done
}

case $mode in
domU)
	mods xen-blkfront xen-netfront xen-evtchn xen-gntalloc xen-gntdev
	finish_mods
	xs_tools
	# the storage domain of tests/xen/dom0-39-driver-domain.sh
	for b in xenbackd xenbackctl; do
		if [ -x "$top/build/$b" ]; then args+=(-l "$top/build/$b:/usr/bin/$b"); else echo "$0: build/$b not built (its tests will fail)" >&2; fi
	done
	adv=$top/build/xen/xb-adversary
	if [ -x "$adv" ]; then args+=(-l "$adv:/usr/bin/xb-adversary"); else echo "$0: $adv not built (its tests will fail)" >&2; fi
	nc=$top/build/xen/progs/xb-netcheck
	if [ -x "$nc" ]; then args+=(-f "$nc:/usr/bin/xb-netcheck"); else echo "$0: $nc not built (its tests will fail)" >&2; fi
	cc=$top/build/xen/progs/xb-chancheck
	if [ -x "$cc" ]; then args+=(-f "$cc:/usr/bin/xb-chancheck"); else echo "$0: $cc not built (its tests will fail)" >&2; fi
	args+=(-i "$top/tests/xen/domU-init.sh" -f "$pattern:/xen/pattern.bin")
	args+=(-f "$top/tests/xen/tap-lib.sh:/xen/tests/tap-lib.sh")
	for t in "$top"/tests/xen/domU-*.sh; do
		[ "$t" = "$top/tests/xen/domU-init.sh" ] || args+=(-f "$t:/xen/tests/${t##*/}")
	done ;;
domU-fio)
	base=${3:-}
	[ -s "$base" ] || { echo "$0: domU-fio needs the domU initramfs" >&2; exit 2; }
	fio=$(command -v fio) || { echo "$0: fio not installed" >&2; exit 1; }
	"$top/scripts/mkinitramfs-vm.sh" -o "$wd/overlay.cpio" -i "$top/tests/xen/domU-init.sh" -l "$fio:/usr/bin/fio"
	# gzip: fio's libraries are ~85 MiB, and dom0 (768 MiB) holds this file in
	# its initramfs; the domU kernel inflates a gzip member of a concatenated
	# initramfs by itself.
	{ cat "$base" && gzip -6 -c "$wd/overlay.cpio"; } > "$out.$$" && mv "$out.$$" "$out"
	exit 0 ;;
dom0)
	domu=${3:-}
	[ -s "$domu" ] || { echo "$0: dom0 needs the domU initramfs" >&2; exit 2; }
	mods xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback loop brd ext4 dm-delay tun bridge
	finish_mods
	xs_tools
	# dmsetup (package dmsetup): dm-delay disks (tests/xen/dom0-37-*)
	args+=(-l "/sbin/dmsetup:/sbin/dmsetup")
	# e2fsprogs' mkfs.ext4 (busybox's mke2fs makes ext2 only): the ext4
	# images of tests/xen/dom0-30-* and the bench, by its full path
	[ -x /usr/sbin/mkfs.ext4 ] || { echo "$0: /usr/sbin/mkfs.ext4 missing (e2fsprogs)" >&2; exit 1; }
	args+=(-l /usr/sbin/mkfs.ext4:/usr/sbin/mkfs.ext4)
	[ -f /etc/mke2fs.conf ] && args+=(-f /etc/mke2fs.conf:/etc/mke2fs.conf)
	for t in xl xenstored xenconsoled xen-init-dom0; do
		[ -x "$xbin/$t" ] || { echo "$0: $xbin/$t missing (xen-utils-4.17)" >&2; exit 1; }
		args+=(-l "$xbin/$t:$xbin/$t")
	done
	gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !f {print $NF; f = 1}')
	[ -n "$gcc_s" ] || { echo "$0: libgcc_s.so.1 not found (xl needs it)" >&2; exit 1; }
	args+=(-f "$gcc_s:$gcc_s" -f /etc/xen/xl.conf:/etc/xen/xl.conf)
	# The domU kernel as a gzipped ELF: libxc inflates gzip several seconds
	# faster than the bzImage's xz under TCG (measured per xl create).
	kgz=$B/vmlinux-$kver.gz
	if [ ! -s "$kgz" ] || [ "/boot/vmlinuz-$kver" -nt "$kgz" ]; then
		"$top/scripts/extract-vmlinux.sh" "/boot/vmlinuz-$kver" "$wd/vmlinux" &&
			gzip -1 -c "$wd/vmlinux" > "$kgz.$$" && mv "$kgz.$$" "$kgz"
		rm -f "$wd/vmlinux" "$kgz.$$"
	fi
	args+=(-f "$kgz:/xen/domU/vmlinuz" -f "$domu:/xen/domU/initramfs.cpio")
	domu_fio=${4:-}
	if [ -s "$domu_fio" ]; then args+=(-f "$domu_fio:/xen/domU/initramfs-fio.cpio"); else echo "domU-fio.cpio (fio)" >> "$wd/missing.early"; fi
	args+=(-f "$pattern:/xen/pattern.bin")
	args+=(-i "$top/tests/xen/dom0-init.sh")
	args+=(-f "$top/tests/xen/tap-lib.sh:/xen/tests/tap-lib.sh")
	for t in "$top"/tests/xen/dom0-*.sh "$top"/tests/xen/hotplug-*; do
		[ -e "$t" ] && [ "$t" != "$top/tests/xen/dom0-init.sh" ] && args+=(-f "$t:/xen/tests/${t##*/}")
	done
	missing=$wd/missing
	cat "$wd/missing.early" > "$missing" 2>/dev/null || : > "$missing"
	ours() { # src dst (ldd libs too)
		if [ -e "$top/$1" ]; then args+=(-l "$top/$1:$2"); else echo "$1" >> "$missing"; fi
	}
	if [ -e "$top/kmod/xenback.ko" ]; then args+=(-f "$top/kmod/xenback.ko:/xen/xenback.ko"); else echo kmod/xenback.ko >> "$missing"; fi
	ours build/xenbackd /usr/bin/xenbackd
	ours build/xenbackctl /usr/bin/xenbackctl
	ours build/xenback-dm /usr/lib/xenback/xenback-dm
	ours build/vm/progs/test-interdomain /xen/test-interdomain   # tests/xen/dom0-40-*
	ours build/xen/progs/test-gntdev-ring /xen/test-gntdev-ring  # tests/xen/dom0-40-*
	ours build/xen/progs/test-grant-io /xen/test-grant-io        # tests/xen/dom0-40-*
	ours build/xen/progs/xb-netcheck /usr/bin/xb-netcheck        # tests/xen/dom0-70-*
	ours build/xen/progs/xb-chancheck /usr/bin/xb-chancheck      # tests/xen/dom0-38-*
	# the packages, unpacked (scripts/deb-root.sh): tests/xen/dom0-31-packages.sh
	dr=$top/build/xen/deb-root
	if [ -x "$dr/usr/sbin/xenbackd" ] && [ -e "$dr/xenback-dkms.ko" ]; then
		for f in usr/sbin/xenbackd usr/bin/xenbackctl usr/lib/xenback/xenback-dm; do
			args+=(-l "$dr/$f:/xen/deb-root/$f")
		done
		args+=(-f "$dr/xenback-dkms.ko:/xen/deb-root/xenback-dkms.ko")
		args+=(-f "$dr/lib/systemd/system/xenbackd.service:/xen/deb-root/lib/systemd/system/xenbackd.service")
	else
		echo "build/xen/deb-root (the packages)" >> "$missing"
	fi
	args+=(-f "$missing:/xen/missing")
	[ -s "$missing" ] && echo "mkinitramfs-xen: not built yet (their tests will SKIP): $(paste -sd ' ' "$missing")" >&2 ;;
*)
	echo "usage: $0 dom0|domU|domU-fio <out.cpio> [<domU.cpio> [<domU-fio.cpio>]]" >&2; exit 2 ;;
esac
args+=(-d var/log/xen -d var/lib/xen -d run/xen -d run/xenstored -d var/lock -d data)
# A private name, then an atomic rename: two builds of one path (make check and
# a benchmark, say) must not trip over each other's temporary file.
"$top/scripts/mkinitramfs-vm.sh" -o "$out.$$" "${args[@]}"
mv "$out.$$" "$out"
