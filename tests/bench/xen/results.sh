#!/usr/bin/env bash
# After a benchmark boot: the plot (gnuplot, PNG) and the figures block of
# tests/bench/RESULTS.md from <dir>/bench.txt (the BENCH lines).
# usage: results.sh <dir>
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$1
res=$top/tests/bench/RESULTS.md png=$top/tests/bench/xen-bench.png
[ -s "$dir/bench.txt" ] || { echo "results: no $dir/bench.txt" >&2; exit 1; }
dat=$dir/plot.dat
# workload xenback_iops blkback_iops qdisk_iops xenback_us blkback_us qdisk_us
awk '$2 ~ /^blk-/ {
	for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	w = $2; sub(/^blk-/, "", w)
	print w, v["xenback_iops"], v["blkback_iops"], v["qdisk_iops"], v["xenback_us_per_io"], v["blkback_us_per_io"], v["qdisk_us_per_io"]
}' "$dir/bench.txt" > "$dat"
# the disks' backing (BENCH ... backing=): blkback is on a loop device
# except on raw block devices
backing=$(sed -n 's/.* backing=\([a-z0-9]*\).*/\1/p' "$dir/bench.txt" | head -n 1)
kb="xen-blkback (loop)"
[ "$backing" = raw ] && kb="xen-blkback (phy)"
if command -v gnuplot >/dev/null && [ -s "$dat" ]; then
	gnuplot <<GP
set terminal pngcairo size 1100,480 font ",10"
set output "$png"
set multiplot layout 1,2 title "xenback vs xen-blkback vs QEMU qdisk — Xen 4.17 in QEMU (TCG), fio in a PV domU, medians"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right
set yrange [0:*]
set title "IOPS (4 KiB QD32 random; 1 MiB QD8 sequential)"
plot "$dat" using 2:xtic(1) title "xenbackd" lc rgb "#1b9e77", '' using 3 title "$kb" lc rgb "#7570b3", '' using 4 title "QEMU qdisk" lc rgb "#d95f02"
set title "dom0 CPU per I/O, µs, log scale (Xen accounting, idle subtracted)"
set logscale y
set yrange [100:*]
set key top left
plot "$dat" using 5:xtic(1) title "xenbackd" lc rgb "#1b9e77", '' using 6 title "$kb" lc rgb "#7570b3", '' using 7 title "QEMU qdisk" lc rgb "#d95f02"
unset multiplot
GP
	echo "results: $png" >&2
fi
# the figures block between the markers
blk=$(mktemp)
{
	echo "<!-- figures: written by tests/bench/xen/results.sh; edit outside the markers -->"
	echo "Last run: $(date -u -r "$dir/bench.txt" '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), \`make bench-xen\` (runtime ${XB_BENCH_RUNTIME:-12} s after a ${XB_BENCH_RAMP:-2} s ramp, ${XB_BENCH_REPS:-3} interleaved repetitions, ${XB_BENCH_SIZE_MB:-64} MiB disks, backing ${backing:-tmpfs})."
	echo
	echo '```'
	cat "$dir/bench.txt"
	echo '```'
	echo
	echo "| workload | xenbackd IOPS | blkback IOPS | qdisk IOPS | xenbackd µs/IO | blkback µs/IO | qdisk µs/IO |"
	echo "|---|---|---|---|---|---|---|"
	awk '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$dat"
	echo
	echo '![IOPS and dom0 CPU per I/O](xen-bench.png)'
	echo
	echo "Every run (dom0 CPU over the window, before the idle rate is subtracted): [xen-bench-runs.txt](xen-bench-runs.txt);"
	echo "dom0 processes and perf profiles (cpu-clock, xenback:* counts) of one extra randread run per backend: [xen-bench-profile.txt](xen-bench-profile.txt)."
	echo "<!-- /figures -->"
} > "$blk"
if [ -f "$res" ] && grep -q '^<!-- figures' "$res"; then
	awk -v f="$blk" '/^<!-- figures/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/^<!-- \/figures -->/ { skip = 0; next } !skip' "$res" > "$res.tmp" && mv "$res.tmp" "$res"
else
	{ echo "# Benchmarks on real Xen"; echo; cat "$blk"; } > "$res"
fi
rm -f "$blk"
[ -s "$dir/runs.txt" ] && cp "$dir/runs.txt" "$top/tests/bench/xen-bench-runs.txt"
[ -s "$dir/profile.txt" ] && cp "$dir/profile.txt" "$top/tests/bench/xen-bench-profile.txt"
echo "results: $res" >&2
