#!/bin/sh
# usage: domU-verify.sh <dev> — the 8 MiB pattern still reads back (O_DIRECT)
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
d=/dev/$1
wait_dev "$d" || { notok "$1 appeared"; exit 1; }
dd if="$d" bs=64k count=128 iflag=direct 2>/dev/null | cmp -s - $P
point $? "$1: pattern still reads back (O_DIRECT)"
