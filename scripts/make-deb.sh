#!/usr/bin/env bash
# make deb: the Debian packages, built from a clean copy of the tree with
# scripts/debian/ as its debian/ directory (the tree's top level stays as it
# is). dpkg-buildpackage -us -uc -b, no network. Output in build/deb/:
# the .debs, the .changes and build.log.
#   libxenback0, libxenback-dev, libxenback-sim0, libxenback-sim-dev,
#   xenback-dkms, xenbackd
# The symbols files are generated here from the version scripts
# (userspace/lib/libxenback.map, userspace/lib/sim/libxenback-sim.map), and
# the build fails if the libraries export anything else (check level 4).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
sover=$(sed -n 's/^SOVERSION *:= *//p' "$top/Makefile")
out=$top/build/deb
stage=$out/xenback-$ver
rm -rf "$out"
mkdir -p "$stage"
# the sources, without what any build left behind
tar -C "$top" --exclude=./build --exclude=./.git --exclude=./.ci --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers \
	--exclude=modules.order --exclude='*.d' -cf - . | tar -C "$stage" -xf -
cp -r "$top/scripts/debian" "$stage/debian"
sed 's|/usr/local/|/usr/|g' "$top/userspace/tools/xenbackd/xenbackd.service" > "$stage/debian/xenbackd.service"
# symbols <map> <soname> <package>: every symbol of every version node, and
# the nodes themselves, at this version
symbols() {
	echo "$2 $3 #MINVER#"
	echo "* Build-Depends-Package: $4"
	awk -v v="$ver" '
		/^[A-Z0-9_.]+ *\{/ { node = $1; printf " %s@%s %s\n", node, node, v; next }
		node != "" && /^[ \t]*[a-z_][a-z0-9_]*;/ { s = $1; sub(/;$/, "", s); printf " %s@%s %s\n", s, node, v }
		/^\}/ { node = "" }' "$1"
}
symbols "$top/userspace/lib/libxenback.map" "libxenback.so.$sover" "libxenback$sover" libxenback-dev > "$stage/debian/libxenback$sover.symbols"
symbols "$top/userspace/lib/sim/libxenback-sim.map" "libxenback-sim.so.$sover" "libxenback-sim$sover" libxenback-sim-dev > "$stage/debian/libxenback-sim$sover.symbols"
cd "$stage"
# not the calling make's jobserver or level: a package build of its own
unset MAKEFLAGS MFLAGS MAKELEVEL
export DPKG_GENSYMBOLS_CHECK_LEVEL=4
if ! dpkg-buildpackage -us -uc -b > "$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "make-deb: dpkg-buildpackage failed (build/deb/build.log)" >&2
	exit 1
fi
ls "$out"/*.deb
