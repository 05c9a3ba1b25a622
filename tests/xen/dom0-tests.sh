#!/bin/sh
# The xen tier's dom0 driver: runs /xen/tests/dom0-[0-9]*.sh in order (each a
# behaviour; TAP on stdout, numbered by scripts/xen-run.sh). XB_TESTS: a shell
# pattern on the script names, e.g. "*qdisk*" (default every one);
# XB_SCRIPT_TIMEOUT: seconds each script may take (default 1200).
for t in /xen/tests/dom0-[0-9]*.sh; do
	name=${t##*/}
	# shellcheck disable=SC2254 # XB_TESTS is a pattern: unquoted to match as one
	case $name in ${XB_TESTS:-*}) ;; *) continue ;; esac
	echo "# --- $name ($(cut -d' ' -f1 /proc/uptime) s)"
	timeout "${XB_SCRIPT_TIMEOUT:-1200}" sh "$t"
	rc=$?
	[ $rc = 0 ] || echo "not ok - $name exited with status $rc"
done
