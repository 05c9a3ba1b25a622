#!/usr/bin/env bash
# After `make bench-net`: the plot tests/bench/xen-bench-net.png (gnuplot)
# and the figures block of tests/bench/RESULTS.md's network section (between
# its "net-figures" markers) from <dir>/bench.txt (the BENCH net-* lines).
# usage: net-results.sh <dir>   (make bench-net: build/xen-bench/net)
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
res=$top/tests/bench/RESULTS.md
dir=${1:-$top/build/xen-bench/net}
grep -q '^BENCH net-' "$dir/bench.txt" 2>/dev/null || { echo "net-results: no BENCH net- lines in $dir/bench.txt" >&2; exit 1; }
dat=$dir/plot.dat
# workload, throughput ratio (pps for UDP), dom0 CPU ratio
awk '$1 == "BENCH" {
	wl = $2; sub(/^net-/, "", wl); r = ""; c = ""
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		if (kv[1] == "mbps_over_netback" || kv[1] == "pps_over_netback") r = kv[2]
		if (kv[1] == "cpu_vs_netback") c = kv[2]
	}
	print wl, r, c }' "$dir/bench.txt" > "$dat"
if command -v gnuplot >/dev/null; then
	gnuplot <<GP || echo "net-results: no plot (gnuplot failed)" >&2
set terminal pngcairo size 900,460 font ",10"
set output "$top/tests/bench/xen-bench-net.png"
set title "xenback vs xen-netback — Xen 4.17 in QEMU (TCG), iperf3 in a PV domU, medians (1.0 = netback)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set yrange [0:*]
set grid ytics
set key outside below
set ylabel "ratio to xen-netback"
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot "$dat" using 2:xtic(1) title "throughput (Mbit/s; UDP: packets/s)", "" using 3 title "dom0 CPU per MB (UDP: per 1000 packets)"
GP
fi
when=$(date -u -r "$dir/bench.txt" '+%Y-%m-%d %H:%M UTC')
# rounds: the runs of one workload on one backend (runs.txt's "run" lines)
rounds=$(grep -c '^run net-tcp-tx xenback ' "$dir/runs.txt" 2>/dev/null || :)
{
	echo "<!-- net-figures: written by tests/bench/xen/net-results.sh -->"
	echo "Boot of $when (\`make bench-net\`), medians of ${rounds:-?} interleaved rounds:"
	echo
	echo '```'
	grep '^BENCH net-' "$dir/bench.txt"
	echo '```'
	echo
	echo "![xenback vs xen-netback](xen-bench-net.png)"
	echo "<!-- /net-figures -->"
} > "$dir/figures.md"
if grep -q '<!-- net-figures' "$res"; then
	awk -v f="$dir/figures.md" '
		/<!-- net-figures/ { while ((getline l < f) > 0) print l; skip = 1; next }
		/<!-- \/net-figures -->/ { skip = 0; next }
		!skip' "$res" > "$res.tmp" && mv "$res.tmp" "$res"
else
	echo "net-results: RESULTS.md has no net-figures markers: figures in $dir/figures.md" >&2
fi
