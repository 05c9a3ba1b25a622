#!/bin/sh
# usage: domU-burn.sh <seconds> — the control of dom0-50-adversary.sh: the
# hostile guest's vCPU spins in userspace for <seconds> (xb-adversary burn)
# with no I/O to any backend, so dom0 can measure what the guest's CPU time
# alone costs the well-behaved guest. Its TAP passes through.
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
command -v xb-adversary >/dev/null || { notok "burn: xb-adversary is in the domU initramfs"; exit 1; }
xb-adversary burn "${1:-5}"
