# Helpers for the domU test scripts (sourced). TAP without numbers: dom0
# relays and scripts/xen-run.sh numbers the points.
P=/xen/pattern.bin
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
point() { # status desc
	if [ "$1" = 0 ]; then ok "$2"; else notok "$2"; fi
}
wait_dev() { # /dev/xvdX [seconds]: wait for the block device to appear
	i=0
	while [ ! -b "$1" ]; do
		i=$((i + 1)); [ $i -gt $((${2:-15} * 5)) ] && return 1
		sleep 0.2
	done
}
