#!/usr/bin/env bash
# Boots Xen once (scripts/xen-run.sh) with the benchmark initramfs and runs the
# dom0 scripts matching <glob>; prints the BENCH lines, keeps the console and
# the per-run figures.
# usage: xen-bench.sh <dir with dom0.cpio> <glob on dom0-9x-bench-*.sh>
# XB_BENCH_OUT: where the console, TAP and figures go (default: that dir).
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
img=$1 glob=$2
dir=${XB_BENCH_OUT:-$img}
mkdir -p "$dir"
rm -f "$dir/bench.txt"
log=$dir/console.log
env=
for v in XB_BENCH_NET_TIME XB_BENCH_RUNTIME XB_BENCH_RAMP XB_BENCH_REPS XB_BENCH_SIZE_MB XB_BENCH_XENBACKD_ENV XB_BENCH_BACKING; do
	[ -n "${!v:-}" ] && env="$env xb.env.$v=${!v}"
done
verbose=()
[ "${XB_XEN_VERBOSE:-0}" = 1 ] && verbose=(--verbose)
echo "bench: booting Xen 4.17 in QEMU (TCG): $glob, backing ${XB_BENCH_BACKING:-tmpfs}, output in $dir" >&2
"$top/scripts/xen-run.sh" --initrd "$img/dom0.cpio" --timeout "${XB_BENCH_TIMEOUT:-1500}" \
	--console "$log" --mem 4096 --xen-append "dom0_mem=1536M,max:1536M" \
	--dom0-append "xb.tests=$glob$env" --no-plan "${verbose[@]}" > "$dir/tap.txt"
rc=$?
tr -d '\r' < "$log" | grep -E '^# (run|bench|.*median)' | sed 's/^# //' > "$dir/runs.txt"
tr -d '\r' < "$log" | grep -E '^# (perf|top)' | sed 's/^# //' > "$dir/profile.txt"
tr -d '\r' < "$log" | grep '^BENCH ' | tee "$dir/bench.txt"
grep -E '^not ok' "$dir/tap.txt" >&2
[ -s "$dir/bench.txt" ] || { echo "bench: no BENCH line; console: $log" >&2; tail -n 30 "$dir/tap.txt" >&2; exit 1; }
exit $rc
