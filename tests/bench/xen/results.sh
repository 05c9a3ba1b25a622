#!/usr/bin/env bash
# After benchmark boots: the plots (gnuplot, PNG) and the figures block of
# tests/bench/RESULTS.md from <dir>/bench.txt (the BENCH lines) of each boot,
# in the order given (the first leads: its plot is xen-bench.png, the others'
# xen-bench-<backing>.png); a dir without BENCH lines is reported and skipped.
# usage: results.sh <dir>...
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
res=$top/tests/bench/RESULTS.md
dirs=()
for d in "$@"; do
	if [ -s "$d/bench.txt" ]; then dirs+=("$d"); else echo "results: no $d/bench.txt: left out" >&2; fi
done
[ ${#dirs[@]} -gt 0 ] || { echo "results: no BENCH lines" >&2; exit 1; }
backing_of() { # <dir>: the disks' backing (BENCH ... backing=), tmpfs before it was printed
	local b
	b=$(sed -n 's/.* backing=\([a-z0-9]*\).*/\1/p' "$1/bench.txt" | head -n 1)
	echo "${b:-tmpfs}"
}
# plot <dir> <png>: IOPS and dom0 CPU per I/O of one boot
plot() {
	local dir=$1 png=$2 dat=$1/plot.dat backing kb
	backing=$(backing_of "$dir")
	# blkback is on a loop device except on raw block devices
	case $backing in raw) kb="xen-blkback (phy)" ;; ext4) kb="xen-blkback (loop, direct I/O)" ;; *) kb="xen-blkback (loop)" ;; esac
	command -v gnuplot >/dev/null && [ -s "$dat" ] || return 0
	gnuplot <<GP || { echo "results: no plot $png (gnuplot failed)" >&2; return 0; }
set terminal pngcairo size 1100,480 font ",10"
set output "$png"
set multiplot layout 1,2 title "xenback vs xen-blkback vs QEMU qdisk — Xen 4.17 in QEMU (TCG), fio in a PV domU, medians, backing $backing"
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
}
blk=$(mktemp) runs=$(mktemp) prof=$(mktemp)
trap 'rm -f "$blk" "$runs" "$prof"' EXIT
{
	echo "<!-- figures: written by tests/bench/xen/results.sh; edit outside the markers -->"
	first=1
	for dir in "${dirs[@]}"; do
		backing=$(backing_of "$dir")
		# workload xenback_iops blkback_iops qdisk_iops xenback_us blkback_us qdisk_us
		awk '$2 ~ /^blk-/ {
			for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			w = $2; sub(/^blk-/, "", w)
			print w, v["xenback_iops"], v["blkback_iops"], v["qdisk_iops"], v["xenback_us_per_io"], v["blkback_us_per_io"], v["qdisk_us_per_io"]
		}' "$dir/bench.txt" > "$dir/plot.dat"
		if [ $first = 1 ]; then png=xen-bench.png; else png=xen-bench-$backing.png; fi
		plot "$dir" "$top/tests/bench/$png"
		echo "### Backing: $backing"
		echo
		echo "Last run: $(date -u -r "$dir/bench.txt" '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), runtime ${XB_BENCH_RUNTIME:-12} s after a ${XB_BENCH_RAMP:-2} s ramp, ${XB_BENCH_REPS:-3} interleaved repetitions, ${XB_BENCH_SIZE_MB:-64} MiB disks, backing $backing."
		echo
		echo '```'
		cat "$dir/bench.txt"
		echo '```'
		echo
		if [ -s "$dir/plot.dat" ]; then
			echo "| workload | xenbackd IOPS | blkback IOPS | qdisk IOPS | xenbackd µs/IO | blkback µs/IO | qdisk µs/IO |"
			echo "|---|---|---|---|---|---|---|"
			awk '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$dir/plot.dat"
			echo
			echo "![IOPS and dom0 CPU per I/O, $backing]($png)"
			echo
		fi
		first=0
		{ echo "== backing=$backing ($(date -u -r "$dir/bench.txt" '+%Y-%m-%d %H:%M UTC'))"; cat "$dir/runs.txt" 2>/dev/null || :; } >> "$runs"
		{ echo "== backing=$backing ($(date -u -r "$dir/bench.txt" '+%Y-%m-%d %H:%M UTC'))"; cat "$dir/profile.txt" 2>/dev/null || :; } >> "$prof"
	done
	echo "Every run (dom0 CPU over the window, before the idle rate is subtracted): [xen-bench-runs.txt](xen-bench-runs.txt);"
	echo "dom0 processes and perf profiles (cpu-clock, xenback:* counts) of one extra randread and seqread run per backend: [xen-bench-profile.txt](xen-bench-profile.txt)."
	echo "<!-- /figures -->"
} > "$blk"
if [ -f "$res" ] && grep -q '^<!-- figures' "$res"; then
	awk -v f="$blk" '/^<!-- figures/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/^<!-- \/figures -->/ { skip = 0; next } !skip' "$res" > "$res.tmp" && mv "$res.tmp" "$res"
else
	{ echo "# Benchmarks on real Xen"; echo; cat "$blk"; } > "$res"
fi
cp "$runs" "$top/tests/bench/xen-bench-runs.txt"
cp "$prof" "$top/tests/bench/xen-bench-profile.txt"
echo "results: $res" >&2
