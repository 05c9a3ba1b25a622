#!/usr/bin/env bash
# The vm-debug tier as one TAP program: the vm tier's programs on the debug
# kernel (scripts/debug-kernel.sh: KASAN, KFENCE, lockdep, debug objects,
# list debugging, kmemleak) with the module built against it. Slower (KASAN,
# lockdep, under TCG), so more memory and time; a KASAN, lockdep or
# kmemleak report fails it (tests/vm/init.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/build/vm-debug
export XB_VM_DIR=$vm XB_VM_KERNEL=$vm/bzImage XB_VM_MEM=${XB_VM_MEM:-1536}
export XB_VM_TIMEOUT=${XB_VM_DEBUG_TIMEOUT:-1200} XB_VM_DEBUG=1
exec "$top/tests/vm/vm-tier.sh"
