#!/bin/sh
# /init of the xen tier's PV domU. Loads xen-blkfront and xen-netfront
# (unless the kernel command line says xb.noblkfront or xb.nonetfront: a
# userspace frontend, tests/xen/adversary/, drives the disks or vifs
# then), xen-evtchn and xen-gntalloc, prints XB-DOMU-READY,
# then runs the commands dom0 writes to its xenstore directory:
#   /local/domain/<domid>/data/xb-cmd-<n> = "<test> <args>"  (n = 1, 2, ...)
# runs /xen/tests/domU-<test>.sh <args> (TAP on the console) between
# "XB-CMD <n> ..." and "XB-END <n> rc=<status>" lines. "poweroff" ends it.
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
# In the background: after boot, loading xen-blkfront waits (up to 5 min) for
# every vbd to connect, and a disk whose backend failed never does.
# Parameters come from the command line as modprobe would pass them
# (xen_blkfront.max_ring_page_order=2): insmod alone does not.
noblk=0 nonet=0
grep -qw xb.noblkfront /proc/cmdline && noblk=1
grep -qw xb.nonetfront /proc/cmdline && nonet=1
(while read -r m; do
	n=$(basename "$m" .ko | tr - _)
	[ $noblk = 1 ] && [ "$n" = xen_blkfront ] && continue
	[ $nonet = 1 ] && [ "$n" = xen_netfront ] && continue
	# one argument per <module>.<param>=<value> word of the command line
	# shellcheck disable=SC2046
	insmod "$m" $(tr ' ' '\n' < /proc/cmdline | sed -n "s/^$n\.//p") || echo "# insmod $m failed"
done < /etc/xb-modules) &
echo "XB-DOMU-READY"
n=1
while :; do
	cmd=$(xenstore-read "data/xb-cmd-$n" 2>/dev/null) || { sleep 0.2; continue; }
	echo "XB-CMD $n $cmd"
	# "<test> <args>": split into words on purpose
	# shellcheck disable=SC2086
	set -- $cmd
	t=$1; shift
	case $t in
	poweroff)
		echo "XB-END $n rc=0"
		sleep 0.5
		poweroff -f ;;
	*)
		if [ -f "/xen/tests/domU-$t.sh" ]; then
			sh "/xen/tests/domU-$t.sh" "$@" 2>&1
			rc=$?
		else
			echo "not ok - unknown domU test $t"
			rc=127
		fi
		echo "XB-END $n rc=$rc" ;;
	esac
	n=$((n + 1))
done
