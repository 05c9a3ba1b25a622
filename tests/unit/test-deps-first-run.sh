#!/usr/bin/env bash
# The first `make check` / `make demo` on a fresh machine must run what the
# second run runs: the packages are installed before the Makefile decides
# which tiers it can run. Simulated with a controlled PATH in which
# qemu-system-x86_64 appears only when the (fake) installer runs.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"

# What a make run decides when it reads the Makefile (make -p prints the
# variables; -n -k: run nothing, keep going), as a fresh shell would run it:
# nothing inherited from the make that runs this test.
decisions() { # decisions <goal> [make args]; make's status is not the point
	{ env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u XB_DEPS_DONE PATH="$tmp/bin" \
		make --no-print-directory -pnk -C "$top" "$@" 2>/dev/null || true; } |
		grep -E '^(CHECK_TESTS|VM_MISSING|XEN_MISSING) :?= ' || true
}

qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ]; then
	tap_skip_all "qemu-system-x86_64 is not installed: nothing to compare with"
fi
mkdir -p "$tmp/bin"
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
	for f in "$d"/*; do
		b=${f##*/}
		[ -e "$tmp/bin/$b" ] || ln -s "$f" "$tmp/bin/$b"
	done
done
# Precondition: with every package present (a second run), the vm tier runs.
if ! decisions check DEPS=true | grep -q '^CHECK_TESTS .*tests/vm/vm-tier.sh'; then
	tap_skip_all "the vm tier cannot run here even with every package"
fi

# The fake installer: "installs" qemu and logs how it was called.
printf '#!/bin/sh\necho "$*" >>"%s/deps.log"\nln -sf "%s" "%s/bin/qemu-system-x86_64"\n' \
	"$tmp" "$qemu" "$tmp" >"$tmp/deps"
chmod +x "$tmp/deps"

first_run() { # first_run <goal>: a fresh machine's first make <goal>
	rm -f "$tmp/bin/qemu-system-x86_64" "$tmp/deps.log"
	decisions "$1" DEPS="$tmp/deps"
}
installed_once() {
	[ "$(grep -c . "$tmp/deps.log" 2>/dev/null)" = 1 ] &&
		grep -qx -- '--check-or-install' "$tmp/deps.log"
}

out=$(first_run check)
grep -q '^CHECK_TESTS .*tests/vm/vm-tier.sh' <<<"$out"
tap_point $? "first make check runs the vm tier"
grep -q '^VM_MISSING := *$' <<<"$out"
tap_point $? "first make check finds nothing missing for the vm tier"
installed_once
tap_point $? "first make check ran the installer once, before choosing tiers"

out=$(first_run demo)
grep -q '^XEN_MISSING := *$' <<<"$out"
tap_point $? "first make demo finds real Xen complete (runs it, not the simulated demo)"
installed_once
tap_point $? "first make demo ran the installer once"

first_run unit-check >/dev/null
installed_once
tap_point $? "first make unit-check ran the installer once"

rm -f "$tmp/deps.log"
decisions all DEPS="$tmp/deps" >/dev/null
[ ! -e "$tmp/deps.log" ]
tap_point $? "make (build only) installs nothing"
tap_done
