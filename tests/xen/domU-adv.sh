#!/bin/sh
# usage: domU-adv.sh <devid> <scenario> [persistent] — the adversarial userspace frontend
# (tests/xen/adversary/, /usr/bin/xb-adversary) runs one scenario against
# this guest's vbd <devid> (a guest booted with xb.noblkfront). Its TAP
# passes through.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
command -v xb-adversary >/dev/null || { notok "$2: xb-adversary is in the domU initramfs (make build/xen/xb-adversary)"; exit 1; }
for m in /dev/xen/gntalloc /dev/xen/evtchn /dev/xen/xenbus; do
	i=0
	while [ ! -c $m ]; do i=$((i + 1)); [ $i -gt 50 ] && { notok "$2: $m exists"; exit 1; }; sleep 0.2; done
done
xb-adversary "$@"
