# shellcheck shell=sh
# TAP helpers of the xen tier's dom0 and domU scripts (sourced by dom0-lib.sh
# and domU-lib.sh; packed as /xen/tests/tap-lib.sh in both initramfs). TAP
# without numbers ("ok - ..."): dom0 relays the domU's points and
# scripts/xen-run.sh numbers them all.
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
skip() { echo "ok - $1 # SKIP $2"; } # desc reason
point() { # status desc
	if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi
}
note() { echo "# $*"; }
