# shellcheck shell=sh
# dom0 side of `make bench-blk` (sourced; packed as /xen/bench/blk-lib.sh).
# Two PV domUs with fio in their initramfs:
#   xbq: one disk, backendtype=qdisk, no device_model_override: libxl starts
#        QEMU 7.2's qdisk for it (/usr/libexec/xen-qemu-system-i386 -xen-domid N
#        -xen-attach -machine xenpv ...), created before xenbackd runs;
#   xbx: xvda backendtype=qdisk routed to xenbackd (xenback-dm), xvdb
#        backendtype=phy on xen-blkback over a loop device.
# The disks (XB_BENCH_BACKING): tmpfs (default), a file of the same size each
# on dom0's tmpfs, blkback over a loop device; raw, a brd block device each
# (/dev/ram1 xenbackd, /dev/ram2 blkback as phy with no loop device, /dev/ram3
# qdisk), as an NVMe partition or an LVM volume would be. Only one fio runs
# at a time; the other domU idles in every run alike.
# shellcheck source=../../xen/dom0-lib.sh
. /xen/tests/dom0-lib.sh
# knobs from the kernel command line (xb.env.XB_BENCH_RUNTIME=4 ...)
read -r _cmdline < /proc/cmdline
for _w in $_cmdline; do
	case $_w in xb.env.XB_BENCH_*=*) _w=${_w#xb.env.}; export "${_w%%=*}=${_w#*=}" ;; esac
done
BW=$W/bench
mkdir -p $BW
# SIZE_MB, REPS, BACKENDS: used by the scripts that source this file.
# shellcheck disable=SC2034
SIZE_MB=${XB_BENCH_SIZE_MB:-64}
# shellcheck disable=SC2034
BACKING=${XB_BENCH_BACKING:-tmpfs}
RT=${XB_BENCH_RUNTIME:-12}    # fio --runtime (s), after RAMP s of --ramp_time
RAMP=${XB_BENCH_RAMP:-2}
# shellcheck disable=SC2034
REPS=${XB_BENCH_REPS:-3}
# shellcheck disable=SC2034
BACKENDS="xenback blkback qdisk"
guest_of() { case $1 in qdisk) echo xbq ;; *) echo xbx ;; esac; }
dev_of() { case $1 in blkback) echo xvdb ;; *) echo xvda ;; esac; }
params_of() { # workload -> rw bs iodepth
	case $1 in
	randread|profile-randread) echo randread 4k 32 ;;
	randwrite) echo randwrite 4k 32 ;;
	seqread|profile-seqread) echo read 1M 8 ;;
	seqwrite) echo write 1M 8 ;;
	esac
}
# bench_cfg <name> <disk>... : guest_cfg with 512 MiB (fio's libraries live in the initramfs)
bench_cfg() {
	_n=$1
	guest_cfg "$@"
	sed -i 's/^memory = .*/memory = 512/' "$W/$_n.cfg"
}
# top_snapshot <label>: what runs in dom0 (busybox top, two samples 0.5 s apart)
top_snapshot() {
	top -b -n 2 -d 0.5 2>/dev/null | awk '/^Mem:/ { page++ } page == 2' | head -n 14 | sed "s/^/# top $1: /"
}
# cmd_output <console log> <command number>: that guest command's output,
# once it ended (or after a minute)
cmd_output() {
	_i=0
	while ! tr -d '\r' < "$1" | grep -q "^XB-END $2 "; do
		_i=$((_i + 1)); [ $_i -gt 120 ] && break
		sleep 0.5
	done
	tr -d '\r' < "$1" | awk -v c="$2" '$1 == "XB-CMD" && $2 == c { on = 1; next }
		$1 == "XB-END" && $2 == c { on = 0 } on'
}
# run_one <backend> <workload>: one fio run; dom0's CPU over the steady window.
# Talks to the guest's init directly (like guest_run, without its 0.2 s grep
# loop and xl calls, which would run in dom0 during the window).
# Appends "<workload> <backend> <iops> <kib/s> <window ns> <dom0 cpu ns>" to $BW/runs.
run_one() {
	_be=$1 _wl=$2
	_g=$(guest_of "$_be")
	_id=$(cat "$BW/$_g.id")
	_log=$(glog "$_g")
	_n0=$(grep -c XB-FIO-START "$_log")
	_c=$(( $(cat "$W/$_g.n" 2>/dev/null || echo 0) + 1 ))
	echo $_c > "$W/$_g.n"
	xenstore-write "/local/domain/$_id/data/xb-cmd-$_c" "fio $(dev_of "$_be") $(params_of "$_wl") $RT $RAMP"
	wait_for 60 sh -c "[ \$(grep -c XB-FIO-START $_log) -gt $_n0 ]"
	# the window: from the end of fio's ramp to 1 s before its end
	_win=$(xb-dom0cpu window "$RAMP" $((RT - 1)))
	[ -n "${XB_TOP:-}" ] && { top_snapshot "$_wl $_be"; XB_TOP=; }
	sleep 1
	cmd_output "$_log" "$_c" > $BW/run.out
	_res=$(sed -n 's/.*XB-FIO rw=[a-z]* iops=\([0-9]*\) bw_kib=\([0-9]*\).*/\1 \2/p' $BW/run.out | tail -n 1)
	if [ -z "$_res" ] || [ -z "$_win" ]; then
		notok "bench: $_wl on $_be"
		sed 's/^/# /' $BW/run.out | tail -n 8
		return 1
	fi
	echo "$_wl $_be $_res $_win" >> $BW/runs
	echo "# run $_wl $_be iops=${_res% *} kib_s=${_res#* } window_ns=${_win% *} dom0_cpu_ns=${_win#* }"
}
