# shellcheck shell=sh
# dom0 side of `make bench-net` (sourced; packed as /xen/bench/net-lib.sh).
# One PV domU (2 vCPUs, iperf3 in its initramfs) and a bridge xenbr0 in dom0
# (10.99.0.1, iperf3 -s). Its vif is served in turn by xenbackd (xen-netback
# not loaded) and by Linux's xen-netback (xenbackd not serving vifs): the
# vif is detached, the backend switched, the vif attached again, since both
# cannot serve backend/vif at once. Rounds interleave the two.
# shellcheck source=blk-lib.sh
. /xen/bench/blk-lib.sh
NET_T=${XB_BENCH_NET_TIME:-10}
# five rounds: one run's spread (a backend's runs of one workload range
# over 1.5x here) is wider than the differences measured
# shellcheck disable=SC2034 # used by net-run.sh
REPS=${XB_BENCH_NET_REPS:-5}
NETBACK_KO=$(grep '/xen-netback\.ko' /etc/xb-modules 2>/dev/null || find /lib/modules -name 'xen-netback.ko*' | head -n 1)
HP=/xen/tests/hotplug-vif
G=xbnb
net_params() { # workload -> iperf3 client options
	case $1 in
	tcp-tx) echo "" ;;            # guest to dom0, one stream
	tcp-rx) echo "-R" ;;          # dom0 to guest
	tcp4-tx) echo "-P 4" ;;
	tcp4-rx) echo "-P 4 -R" ;;
	udp64-tx) echo "-u -l 64 -b 0" ;;
	esac
}
# net_use <xenback|netback|none>: the guest's vif 0 served by that backend
# (none: detached, xenbackd stopped, xen-netback unloaded)
net_use() {
	_id=$(cat "$BW/$G.id")
	if xenstore-exists "/local/domain/$_id/device/vif/0" 2>/dev/null; then
		xl network-detach $G 0 >/dev/null 2>&1
		wait_for 30 sh -c "! xenstore-exists /local/domain/0/backend/vif/$_id/0"
	fi
	if [ -s "$BW/xenbackd-net.pid" ]; then
		kill -TERM "$(cat "$BW/xenbackd-net.pid")" 2>/dev/null
		wait_for 10 sh -c "! kill -0 $(cat "$BW/xenbackd-net.pid") 2>/dev/null"
		rm -f "$BW/xenbackd-net.pid"
	fi
	grep -q '^xen_netback ' /proc/modules && rmmod xen-netback
	case $1 in
	xenback)
		xenbackd --types vif --foreground --log-level notice \
			--control /run/xenback/xenbackd-net.sock > "$W/xenbackd-net.log" 2>&1 &
		echo $! > "$BW/xenbackd-net.pid"
		wait_for 10 test -S /run/xenback/xenbackd-net.sock ;;
	netback)
		insmod "$NETBACK_KO" || return 1 ;;
	*) return 0 ;; # none: the vif detached, neither backend running
	esac
	xl network-attach $G mac=00:16:3e:5b:00:01 bridge=xenbr0 script=$HP > "$W/attach.log" 2>&1 || {
		sed 's/^/# xl: /' "$W/attach.log"; return 1; }
	connected "/local/domain/0/backend/vif/$_id/0" "/local/domain/$_id/device/vif/0" || return 1
	guest_run $G iperf up 10.99.0.2/24 >/dev/null || return 1
	[ "$1" = xenback ] && note "bench: net: the tap's rx queues' rps_cpus: $(cat /sys/class/net/vif"$_id".0/queues/rx-*/rps_cpus 2>/dev/null | tr '\n' ' ')"
	# the bridge port learning, ARP
	wait_for 20 ping -c 1 -W 1 10.99.0.2
}
# xbd_ticks: the running xenbackd's utime+stime in clock ticks (USER_HZ,
# 100 on x86; 0 when none runs): fields 14 and 15 of its stat, counted
# after the command's closing parenthesis.
xbd_ticks() {
	_p=$(cat "$BW/xenbackd-net.pid" 2>/dev/null)
	if [ -z "$_p" ] || [ ! -r "/proc/$_p/stat" ]; then
		echo 0
		return
	fi
	sed 's/.*) //' "/proc/$_p/stat" | awk '{ print $12 + $13 }'
}
# net_one <backend> <workload>: one iperf3 run; dom0's CPU over the window.
# Appends "<workload> <backend> <mbps> <pkts/s> <window ns> <dom0 cpu ns>" to $BW/net-runs.
net_one() {
	_be=$1 _wl=$2
	_id=$(cat "$BW/$G.id")
	_log=$(glog $G)
	_n0=$(grep -c XB-IPERF-START "$_log")
	_c=$(( $(cat "$W/$G.n" 2>/dev/null || echo 0) + 1 ))
	echo $_c > "$W/$G.n"
	xenstore-write "/local/domain/$_id/data/xb-cmd-$_c" "iperf run 10.99.0.1 $NET_T $(net_params "$_wl")"
	_st=/sys/class/net/vif$_id.0/statistics
	_d0=$(cat "$_st"/tx_dropped 2>/dev/null || echo 0)
	wait_for 60 sh -c "[ \$(grep -c XB-IPERF-START $_log) -gt $_n0 ]"
	_x0=$(xbd_ticks)
	_win=$(xb-dom0cpu window 1 $((NET_T - 2)))
	_x1=$(xbd_ticks)
	cmd_output "$_log" "$_c" > $BW/net-run.out
	# frames the vif's device dropped on the way to the guest (tun: its
	# queue full; netback: its queue stopped and the qdisc full)
	_drops=$(( $(cat "$_st"/tx_dropped 2>/dev/null || echo 0) - _d0 ))
	_res=$(sed -n 's/.*XB-IPERF mbps=\([0-9.]*\) pkts=\([0-9]*\) secs=\([0-9.]*\).*/\1 \2 \3/p' $BW/net-run.out | tail -n 1)
	if [ -z "$_res" ] || [ -z "$_win" ]; then
		notok "bench: net $_wl on $_be"
		sed 's/^/# /' $BW/net-run.out | tail -n 8
		return 1
	fi
	# shellcheck disable=SC2086 # three numbers, split on purpose
	set -- $_res
	_pps=$(awk -v p="$2" -v s="$3" 'BEGIN { printf "%d", (s > 0 ? p / s : 0) }')
	echo "$_wl $_be $1 $_pps $_win" >> $BW/net-runs
	echo "# run net-$_wl $_be mbps=$1 pps=$_pps window_ns=${_win% *} dom0_cpu_ns=${_win#* } drops=$_drops xenbackd_cpu_ms=$(( (_x1 - _x0) * 10 ))"
}
