#!/usr/bin/env bash
# The xen tier as one TAP program (run by prove): boots Xen 4.17 + dom0 in
# QEMU with build/xen/dom0.cpio (make xen-initramfs) and passes the TAP of
# tests/xen/dom0-*.sh through scripts/xen-run.sh.
#   XB_XEN_TESTS=<pattern>  only the dom0-*.sh scripts matching it
#   XB_XEN_VERBOSE=1        copy the serial console to stderr
#   XB_XEN_TIMEOUT=<s>      default 2400 (the adversarial suite alone took
#                           12 min on this loaded 2-core machine)
#   XB_XEN_SCRIPT_TIMEOUT=<s> each dom0-*.sh, default 1200 (a loaded machine
#                           needs more: e.g. 1500 with XB_XEN_TIMEOUT=4000)
#   XB_XEN_DOM0_ENV="A=x B=y"  knobs exported to the dom0 scripts (no spaces
#                           in values: e.g. XB_ADV_SCENARIOS=big,revoke)
#   XB_XEN_READY_TIMEOUT=<s> dom0 must be up within this, default 300 (on a
#                           2-core machine busy with builds beside it, dom0
#                           was still booting after 150 s once)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cpio=$top/build/xen/dom0.cpio
[ -s "$cpio" ] || { echo "1..1"; echo "not ok 1 - xen tier: $cpio missing (make xen-check builds it)"; exit 1; }
args=(--initrd "$cpio" --timeout "${XB_XEN_TIMEOUT:-2400}" --console "$top/build/xen/console.log" \
	--ready-timeout "${XB_XEN_READY_TIMEOUT:-300}")
append=
[ -n "${XB_XEN_TESTS:-}" ] && append="xb.tests=$XB_XEN_TESTS"
[ -n "${XB_XEN_SCRIPT_TIMEOUT:-}" ] && append="${append:+$append }xb.script_timeout=$XB_XEN_SCRIPT_TIMEOUT"
for e in ${XB_XEN_DOM0_ENV:-}; do append="${append:+$append }xb.env.$e"; done
[ -n "$append" ] && args+=(--dom0-append "$append")
[ "${XB_XEN_VERBOSE:-0}" = 1 ] && args+=(--verbose)
exec "$top/scripts/xen-run.sh" "${args[@]}"
