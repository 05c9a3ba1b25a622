#!/usr/bin/env bash
# The shared libraries' ABI against the committed dumps (TAP, run by make
# check and make abi-check): abi-dumper describes build/<lib>.so from its
# debug info and public headers, abi-compliance-checker -strict compares it
# with userspace/lib/abi/<lib>.dump; any problem or warning fails. A last
# point proves the check bites: a copy of the library built with one public
# struct changed must be reported incompatible.
#   scripts/abi-check.sh          check (needs make lib first)
#   scripts/abi-check.sh --update write the dumps anew (an intended ABI change:
#                                 new symbols, or a new SOVERSION)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
out=build/abi
mkdir -p "$out"
libs="libxenback:include/xenback.h libxenback-sim:include/xenback/sim.h"

dump() { # dump <so> <header> <out.dump>: -public-headers takes a list file
	echo "$top/$2" >"$3.headers"
	abi-dumper "$1" -o "$3" -lver "$version" -public-headers "$3.headers" -quiet >"$3.log" 2>&1
	r=$?
	rm -f "$3.headers"
	return $r
}

if [ "${1:-}" = --update ]; then
	for l in $libs; do
		dump "build/${l%%:*}.so.$version" "${l#*:}" "$out/${l%%:*}.dump" || exit 1
		cp "$out/${l%%:*}.dump" userspace/lib/abi/
		echo "wrote userspace/lib/abi/${l%%:*}.dump"
	done
	exit 0
fi

# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"
missing=
for t in abi-dumper abi-compliance-checker; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
if [ -n "$missing" ]; then
	tap_point 1 "abi check: missing$missing (scripts/deps.sh installs them)"
	tap_done
fi

compare() { # compare <lib> <old.dump> <new.dump>
	abi-compliance-checker -strict -l "$1" -old "$2" -new "$3" \
		-report-path "$out/$1-report.html" >"$out/$1-compare.log" 2>&1
}
for l in $libs; do
	lib=${l%%:*}
	so=build/$lib.so.$version
	if [ ! -e "$so" ]; then
		tap_point 1 "$lib: $so not built"
		continue
	fi
	dump "$so" "${l#*:}" "$out/$lib.dump" && compare "$lib" "userspace/lib/abi/$lib.dump" "$out/$lib.dump"
	r=$?
	tap_point $r "$lib.so compatible with userspace/lib/abi/$lib.dump"
	[ $r -eq 0 ] || sed -n 's/^/# /;/compatibility\|problems\|rror/p' "$out/$lib-compare.log"
done

# The check bites: libxenback built with xenback_bus_config.backend_domid
# widened to 64 bits (every later field moves) must be reported.
v=$out/variant
rm -rf "$v" && mkdir -p "$v/include"
sed 's/^\tuint32_t backend_domid;/\tuint64_t backend_domid;/' include/xenback.h >"$v/include/xenback.h"
if cmp -s include/xenback.h "$v/include/xenback.h"; then
	tap_point 1 "variant: the field to change was not found in include/xenback.h"
else
	objs=()
	for c in userspace/lib/core/*.c userspace/lib/platform/*.c; do
		o=$v/$(basename "$c" .c).o
		gcc -std=gnu11 -D_GNU_SOURCE -I"$v/include" -Iinclude -I. -Iuserspace/lib/platform \
			-g -O0 -fPIC -fvisibility=hidden -c "$c" -o "$o" || break
		objs+=("$o")
	done
	if ! gcc -shared -Wl,-soname,libxenback.so.0 -Wl,--version-script=userspace/lib/libxenback.map \
		-o "$v/libxenback.so.$version" "${objs[@]}" -lxenstore -lxengnttab -lxenevtchn ||
		! dump "$v/libxenback.so.$version" "$v/include/xenback.h" "$v/libxenback.dump"; then
		tap_point 1 "variant: could not build or dump it"
	elif compare libxenback-variant userspace/lib/abi/libxenback.dump "$v/libxenback.dump"; then
		tap_point 1 "a widened field in xenback_bus_config is reported incompatible"
	else
		tap_point 0 "a widened field in xenback_bus_config is reported incompatible"
	fi
fi
tap_done
