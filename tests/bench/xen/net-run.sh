#!/bin/sh
# `make bench-net` in one boot: the guest, then REPS rounds, each serving
# the vif by xenbackd and by xen-netback in turn (the order alternating)
# and running every workload; medians; the BENCH lines.
# shellcheck source=net-lib.sh
. /xen/bench/net-lib.sh
WLS="tcp-tx tcp-rx tcp4-tx tcp4-rx udp64-tx"
[ -n "$NETBACK_KO" ]; point $? "bench: net: xen-netback module found ($NETBACK_KO)"
[ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ] && insmod /xen/xenback.ko
brctl addbr xenbr0 && ip addr add 10.99.0.1/24 dev xenbr0 && ip link set xenbr0 up
point $? "bench: net: bridge xenbr0 (10.99.0.1)"
iperf3 -s -D > /dev/null 2>&1; point $? "bench: net: iperf3 server in dom0"
bench_cfg $G
sed -i 's/^vcpus = 1/vcpus = 2/' "$W/$G.cfg"
guest_create $G; point $? "bench: net: xl create $G (2 vCPUs, no vif yet)"
guest_ready $G 120; point $? "bench: net: $G booted"
domid $G > "$BW/$G.id"
: > $BW/net-runs
r=0
while [ "$r" -lt "$REPS" ]; do
	r=$((r + 1))
	order="xenback netback"
	[ $((r % 2)) = 0 ] && order="netback xenback"
	for be in $order; do
		net_use "$be"; point $? "bench: net: round $r: the vif on $be"
		for wl in $WLS; do net_one "$be" "$wl"; done
	done
done
awk -v wls="$WLS" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	{
		wl = $1; be = $2; k = ++n[wl, be]
		mb[wl, be, k] = $3; pps[wl, be, k] = $4
		secs = $5 / 1e9; cpu_us = $6 / 1000
		# dom0 CPU per megabyte and per thousand packets over the window
		permb[wl, be, k] = $3 > 0 ? cpu_us / ($3 * secs / 8) : 0
		perkp[wl, be, k] = $4 > 0 ? cpu_us / ($4 * secs / 1000) : 0
	}
	END {
		nw = split(wls, W, " ")
		for (w = 1; w <= nw; w++) {
			wl = W[w]
			for (b = 1; b <= 2; b++) {
				be = b == 1 ? "xenback" : "netback"
				split("", x); split("", y); split("", z); split("", q)
				for (k = 1; k <= n[wl, be]; k++) { x[k] = mb[wl, be, k]; y[k] = permb[wl, be, k]; z[k] = pps[wl, be, k]; q[k] = perkp[wl, be, k] }
				M[be] = median(x, n[wl, be]); C[be] = median(y, n[wl, be]); P[be] = median(z, n[wl, be]); K[be] = median(q, n[wl, be])
				printf "# net-%s %s: %d runs, median %.0f Mbit/s, %.0f pkt/s, dom0 %.1f us/MB, %.1f us/kpkt\n", wl, be, n[wl, be], M[be], P[be], C[be], K[be]
			}
			if (!n[wl, "xenback"] || !n[wl, "netback"] || !M["netback"] || !C["netback"] ||
			    (wl ~ /^udp/ && (!P["netback"] || !K["netback"]))) { print "not ok - bench: net-" wl ": runs missing"; continue }
			if (wl ~ /^udp/)
				printf "BENCH net-%s xenback_pps=%.0f netback_pps=%.0f xenback_dom0_us_per_kpkt=%.1f netback_dom0_us_per_kpkt=%.1f pps_over_netback=%.2f cpu_vs_netback=%.2f xenback_mbps=%.0f netback_mbps=%.0f\n",
					wl, P["xenback"], P["netback"], K["xenback"], K["netback"], P["xenback"] / P["netback"], K["xenback"] / K["netback"], M["xenback"], M["netback"]
			else
				printf "BENCH net-%s xenback_mbps=%.0f netback_mbps=%.0f xenback_dom0_us_per_mb=%.1f netback_dom0_us_per_mb=%.1f mbps_over_netback=%.2f cpu_vs_netback=%.2f\n",
					wl, M["xenback"], M["netback"], C["xenback"], C["netback"], M["xenback"] / M["netback"], C["xenback"] / C["netback"]
			print "ok - bench: net-" wl
		}
	}' $BW/net-runs
sh /xen/bench/net-profile.sh # after the figures: one profiled run per backend
net_use none
xl destroy $G
exit 0
