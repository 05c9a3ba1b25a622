#!/usr/bin/env bash
# Runs TAP test programs under prove and ends with a line "N passed, N failed".
# usage: run-tap.sh <label> <test program>...
# N counts test points (TAP "ok"/"not ok" lines of every program); a program
# that exits non-zero or breaks its plan counts as one more failure. Skipped
# points ("# SKIP") are reported apart and never counted as passed.
set -uo pipefail
label=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
prove -v -e '' "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
pass=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# *SKIP' || true)
skip=$(grep -E '^ok [0-9]+' "$log" | grep -c '# *SKIP' || true)
fail=$(grep -cE '^not ok [0-9]+' "$log" || true)
# prove's summary: "<file> (Wstat: <non-zero> ...)" for a program that died
# or exited non-zero, an indented "Parse errors:" line for a broken plan.
badfiles=$(grep -cE '\(Wstat: [1-9]|^[[:space:]]+Parse errors:' "$log" || true)
fail=$((fail + badfiles))
[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "[$label] skipped: $skip"
echo "$pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
