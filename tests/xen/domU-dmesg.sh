#!/bin/sh
# usage: domU-dmesg.sh — the domU kernel log has no WARN/BUG/oops/blkfront error
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG')
[ -z "$bad" ]; point $? "domU kernel log has no WARN or oops"
[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
exit 0
