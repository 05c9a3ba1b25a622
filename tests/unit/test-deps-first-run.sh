#!/usr/bin/env bash
# The first `make check` / `make demo` on a fresh machine must run what the
# second run runs: the packages are installed before the Makefile decides
# which tiers it can run. Simulated with a controlled PATH in which
# qemu-system-x86_64 appears only when the (fake) installer runs, and
# `make -n` to see what each goal would run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { # ok <cond-status> <name>
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
echo "TAP version 13"

qemu=$(command -v qemu-system-x86_64 || true)
# A make run as a fresh shell would run it: nothing inherited from the
# make that runs this test.
fresh_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u XB_DEPS_DONE PATH="$tmp/bin" \
		make --no-print-directory -n -C "$top" "$@" 2>&1
}

# Precondition: with every package present, the vm tier runs.
if [ -z "$qemu" ]; then
	echo "1..0 # SKIP qemu-system-x86_64 is not installed: nothing to compare with"
	exit 0
fi
mkdir -p "$tmp/bin"
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
	for f in "$d"/*; do
		b=${f##*/}
		[ -e "$tmp/bin/$b" ] || ln -s "$f" "$tmp/bin/$b"
	done
done
if ! fresh_make check DEPS=true | grep -q 'tests/vm/vm-tier.sh'; then
	echo "1..0 # SKIP the vm tier cannot run here even with every package"
	exit 0
fi
echo "1..6"

# The fake installer: --check-or-install "installs" qemu and logs the call.
cat >"$tmp/deps" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/deps.log"
ln -sf "$qemu" "$tmp/bin/qemu-system-x86_64"
EOF
chmod +x "$tmp/deps"

first_run() { # first_run <goal>: a fresh machine's first make <goal>
	rm -f "$tmp/bin/qemu-system-x86_64" "$tmp/deps.log"
	fresh_make "$1" DEPS="$tmp/deps"
}

out=$(first_run check)
grep -q 'tests/vm/vm-tier.sh' <<<"$out"
ok $? "first make check runs the vm tier"
! grep -q 'SKIP vm tier' <<<"$out"
ok $? "first make check skips no tier for a package it installed"
[ "$(grep -c . "$tmp/deps.log")" = 1 ] && grep -qx -- '--check-or-install' "$tmp/deps.log"
ok $? "the installer ran once, before the tiers were chosen"

out=$(first_run demo)
grep -q 'scripts/xen-demo.sh' <<<"$out" || ! grep -q 'qemu-system-x86' <<<"$out"
ok $? "first make demo chooses as the second would (no qemu missing)"
! grep -q 'missing:.*qemu' <<<"$out"
ok $? "first make demo does not report qemu missing"

rm -f "$tmp/deps.log"
fresh_make all DEPS="$tmp/deps" >/dev/null
[ ! -e "$tmp/deps.log" ]
ok $? "make (build only) installs nothing"
exit $((failed > 0))
