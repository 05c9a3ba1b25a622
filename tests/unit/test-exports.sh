#!/usr/bin/env bash
# Each shared library exports exactly its public API: the functions its
# header declares = the names its version script lists = the dynamic symbols
# the built .so defines. libxenback.so has no simulator symbol in it.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"

# Functions a header declares: comments stripped, then every xenback_*
# name followed by "(" that is not a function-pointer type "(*name)".
declared() {
	perl -0777 -ne 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g;
		while (/(\(\s*\*\s*)?\b(xenback_\w+)\s*\(/g) { print "$2\n" unless $1 }' "$1" |
		grep -v '^xenback_.*_fn$' | sort -u
}
mapped() { # names in a version script's global: lists
	sed -n '/global:/,/local:/p' "$1" | grep -oE '\bxenback_[a-z0-9_]+\b' | sort -u
}
exported() { # functions and data the .so defines, version nodes excluded
	nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sed 's/@.*//' |
		grep -v '^LIBXENBACK' | sort -u
}

check_lib() { # check_lib <so> <header> <map>
	local so=$1 h=$2 map=$3 d m e
	if [ ! -e "$so" ]; then
		tap_point 1 "$so is built"
		tap_point 1 "$so: header, map and exports agree"
		return
	fi
	d=$(declared "$h")
	m=$(mapped "$map")
	e=$(exported "$so")
	[ "$d" = "$m" ]
	tap_point $? "$map lists exactly the functions $h declares ($(wc -l <<<"$d"))"
	[ -n "$e" ] && [ "$e" = "$m" ]
	tap_point $? "$so exports exactly what $map lists"
	if [ "$d" != "$m" ] || [ "$e" != "$m" ]; then
		diff <(echo "$d") <(echo "$m") | sed 's/^/# header vs map: /'
		diff <(echo "$m") <(echo "$e") | sed 's/^/# map vs .so: /'
	fi
}
check_lib build/libxenback.so include/xenback.h userspace/lib/libxenback.map
check_lib build/libxenback-sim.so include/xenback/sim.h userspace/lib/sim/libxenback-sim.map

! nm -D build/libxenback.so 2>/dev/null | grep -i sim
tap_point $? "libxenback.so has no simulator symbol"
! nm -D --undefined-only build/libxenback-sim.so 2>/dev/null | awk '{print $2}' | grep '^xenback_\|^xb_'
tap_point $? "libxenback-sim.so needs nothing of libxenback's internals"
# The .so really hides what it does not export: an internal function of the
# core is in the static archive but not among the dynamic symbols.
archive=$(nm build/libxenback.a 2>/dev/null)
dynamic=$(nm -D build/libxenback.so 2>/dev/null)
grep -q ' T xb_log$' <<<"$archive" && ! grep -q ' xb_log$' <<<"$dynamic"
tap_point $? "internal functions (xb_log) are hidden in the .so"
tap_done
