# shellcheck shell=sh
# bench-blk, one workload (sourced by dom0-9x-bench-blk-<workload>.sh with WL set):
# REPS rounds of xenback, blkback, qdisk interleaved; medians; the BENCH line.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
[ -s $BW/idle ] || { notok "bench: $WL: setup did not finish"; exit 0; }
XB_TOP=1 # one snapshot of dom0's processes during the first run
r=0
while [ "$r" -lt "$REPS" ]; do
	r=$((r + 1))
	for be in $BACKENDS; do run_one "$be" "$WL"; done
done
read -r iw ic < $BW/idle
awk -v wl="$WL" -v iw="$iw" -v ic="$ic" -v backing="$BACKING" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	$1 == wl {
		be = $2; k = ++n[be]
		iops[be, k] = $3
		# CPU per I/O over the window, minus the idle rate
		us[be, k] = ($6 - ic * $5 / iw) / ($3 * $5 / 1e9) / 1000
	}
	END {
		split("xenback blkback qdisk", B, " ")
		for (b = 1; b <= 3; b++) {
			be = B[b]; split("", x); split("", y)
			for (k = 1; k <= n[be]; k++) { x[k] = iops[be, k]; y[k] = us[be, k] }
			I[be] = median(x, n[be]); U[be] = median(y, n[be])
			printf "# %s %s: %d runs, median iops %d, median dom0 us/io %.1f\n", wl, be, n[be], I[be], U[be]
		}
		if (!n["xenback"] || !n["blkback"] || !n["qdisk"]) { print "not ok - bench: " wl ": runs missing"; exit }
		printf "BENCH blk-%s xenback_iops=%d blkback_iops=%d qdisk_iops=%d xenback_us_per_io=%.1f blkback_us_per_io=%.1f qdisk_us_per_io=%.1f iops_over_blkback=%.2f iops_over_qdisk=%.2f cpu_vs_blkback=%.2f cpu_vs_qdisk=%.2f backing=%s\n",
			wl, I["xenback"], I["blkback"], I["qdisk"], U["xenback"], U["blkback"], U["qdisk"],
			I["xenback"] / I["blkback"], I["xenback"] / I["qdisk"], U["xenback"] / U["blkback"], U["xenback"] / U["qdisk"], backing
		print "ok - bench: " wl
	}' $BW/runs
exit 0
