# shellcheck shell=bash
# TAP for the test scripts (the shell twin of tests/unit/tap.h), sourced by
# tests/unit/test-*.sh, scripts/lint.sh and scripts/abi-check.sh: numbered
# points, the plan printed last by tap_done, so no script counts its points.
# (The xen tier's dom0/domU scripts use tests/xen/tap-lib.sh: busybox sh,
# unnumbered points that scripts/xen-run.sh numbers.)
tap_n=0 tap_failed=0
echo "TAP version 13"

# tap_point <status> <description>: ok when status is 0; returns status.
tap_point() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
	return "$1"
}
# tap_diag: standard input as TAP comments; tap_diag_file <file>: a file's.
tap_diag() { sed 's/^/# /'; }
tap_diag_file() { sed 's/^/# /' "$1"; }
# tap_skip_all <reason>: nothing to test here (before any point).
tap_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
# tap_done: the plan, and the exit status (1 if a point failed).
tap_done() {
	echo "1..$tap_n"
	exit $((tap_failed > 0))
}
