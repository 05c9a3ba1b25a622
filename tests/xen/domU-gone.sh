#!/bin/sh
# usage: domU-gone.sh <dev> — a detached disk disappears from the guest
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
i=0
while [ -b "/dev/$1" ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
[ ! -b "/dev/$1" ]; point $? "$1 is gone from the guest"
