# shellcheck shell=sh
# Helpers for the domU test scripts (sourced). TAP without numbers: dom0
# relays and scripts/xen-run.sh numbers the points.
# ok, notok, point: tests/xen/tap-lib.sh (shared with dom0).
# shellcheck source=tap-lib.sh
. /xen/tests/tap-lib.sh
# The pattern the tests write: used by the scripts that source this file.
# shellcheck disable=SC2034
P=/xen/pattern.bin
wait_dev() { # /dev/xvdX [seconds]: wait for the block device to appear
	i=0
	while [ ! -b "$1" ]; do
		i=$((i + 1)); [ $i -gt $((${2:-15} * 5)) ] && return 1
		sleep 0.2
	done
}
