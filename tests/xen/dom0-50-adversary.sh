#!/bin/sh
# One hostile guest hurts only itself (issue 10's adversarial suite): a PV
# domU booted without xen-blkfront runs a userspace blkif frontend
# (tests/xen/adversary/, xb-adversary) against a disk xl block-attach gives
# it, one scenario per disk, while a second, well-behaved domU's Linux
# blkfront runs fio with crc32c verification on its own xenbackd disk.
# Per scenario: the good guest's fio sees no error and verifies; xenbackd
# stays up (kill -0, control socket) with its RSS, fds and mappings inside
# the bounds below; the hostile device alone is answered with errors or shut
# down (the hostile guest's own points), with a log line naming it.
#
# Bounds, over what xenbackd held after the baseline run (good guest
# connected), peaks sampled every second during the attack:
# - RSS: + the daemon-wide bounce budget xenbackd is started with
#   (--max-bounce-mib XB_ADV_BOUNCE_MIB, default 64; the hostile disk's own
#   --max-device-bounce-mib XB_ADV_DEV_BOUNCE_MIB, default 16) + 16 MiB for
#   everything else; a xenbackd without budget flags gets a fixed 64 MiB;
# - fds + 16 and mappings (/proc/<pid>/maps lines) + 64: fixed (no budget
#   for them; the hostile frontend asks for no persistent grants, so its
#   rings, io_uring and the image are all it can make xenbackd map).
# The good guest's IOPS under attack over its baseline is printed (TAP
# diagnostic and "BENCH adversary-iops ..."), never asserted: the project's
# rule is that no test asserts a timing. Under TCG on 2 shared cores that
# ratio is dominated by the hostile domU's own vCPU time, so each scenario
# has a control in the same boot: after the hostile disk is detached the
# hostile guest spins its vCPU for as long as the attack took, with no I/O
# to any backend (domU-burn.sh), measured the same way; printed as
# "BENCH adversary-fairness scenario=<s> iops_attack= iops_control= ratio="
# (attack over control) with xenbackd's CPU time (utime+stime from
# /proc/<pid>/stat) during each. The control is a measurement, not a test:
# it runs only with XB_ADV_CONTROL=1 (e.g. XB_XEN_DOM0_ENV=XB_ADV_CONTROL=1
# make xen-check); a vCPU spinning 38 s per scenario also starved dom0's
# timers under TCG (RCU stall warnings ended two runs). After the detach, xenbackd's fds must be
# back to what they were before the attach (mappings are noted).
# Then the request-ring scenarios again with the hostile disk on a raw block
# device (/dev/ram6) and the frontend asking for persistent grants, so that
# xenback.ko's blkif ring engine serves the ring (points "<scenario>@engine"):
# the same checks on the good guest and on xenbackd (the engine's grant
# mappings are the kernel's, bounded by the count xenbackd reserves for the
# device, not in xenbackd's address space), plus: the log line saying the
# engine served it; the grants the module keeps mapped for the hostile ring
# (xenbackctl stats, every 0.2 s) within that reservation (asserted when a
# sample saw the ring; always for "big", which holds it 30 s); dom0's
# kernel log saying why it refused or failed a request (the engine logs a
# ring's first refusal and first failure, counts the rest); no port and no
# blkif ring of the hostile guest left in the kernel after the detach.
# XB_ADV_SCENARIOS: which scenarios, comma-separated (default all, "big"
# last: on a daemon without a memory budget it takes dom0's memory;
# "reconnect" before "state-flood": run right after the flood, reconnect
# rounds once took 6-46 s each instead of under 1 s, cause not found yet,
# see issue 10's notes);
# XB_ADV_RT: seconds of the baseline. From the host: XB_XEN_DOM0_ENV (tests/xen/xen-tier.sh).
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
have_xenbackd "adversary: tests on real Xen" || exit 0
FIOCPIO=/xen/domU/initramfs-fio.cpio
[ -s $FIOCPIO ] || { skip "adversary: the well-behaved guest" "no fio in the build (scripts/packages.txt: fio)"; exit 0; }
SCEN=$(echo "${XB_ADV_SCENARIOS:-req-prod,bad-segments,bad-indirect,revoke,revoke-inflight,flush-data,discard-end,ring-params,reconnect,state-flood,big}" | tr , ' ')
# XB_ADV_ENGINE_SCENARIOS: the request-ring scenarios again against
# xenback.ko's blkif ring engine (a raw device, a frontend asking for
# persistent grants); the handshake scenarios are xenbackd's alone
ESCEN=$(echo "${XB_ADV_ENGINE_SCENARIOS-req-prod,bad-segments,bad-indirect,revoke,revoke-inflight,flush-data,discard-end,big}" | tr , ' ')
RT=${XB_ADV_RT:-8} # the baseline's seconds
loaded=0
if [ -e /xen/xenback.ko ] && [ ! -c /dev/xenback ]; then
	insmod /xen/xenback.ko; point $? "adversary: xenback.ko loaded"
	loaded=1
fi
LOG=$W/xenbackd-adv.log
budget=''
if xenbackd --help 2>&1 | grep -q -- --max-device-bounce-mib; then
	budget="--max-bounce-mib ${XB_ADV_BOUNCE_MIB:-64} --max-device-bounce-mib ${XB_ADV_DEV_BOUNCE_MIB:-16}"
fi
# $budget: flags or nothing, split on purpose
# shellcheck disable=SC2086
xenbackd --types qdisk --foreground --log-level info $budget > $LOG 2>&1 &
xpid=$!
wait_for 10 test -S /run/xenback/xenbackd.sock; point $? "adversary: xenbackd started (pid $xpid)"
alive() { kill -0 $xpid 2>/dev/null && xenbackctl list >/dev/null 2>&1; }
# (0 once xenbackd is gone)
rss() { { awk '/^VmRSS:/ { print $2 }' /proc/$xpid/status || echo 0; } 2>/dev/null; } # KiB
nfds() { find /proc/$xpid/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
nmaps() { { wc -l < /proc/$xpid/maps || echo 0; } 2>/dev/null; }
cpu() { { awk '{ print $14 + $15 }' /proc/$xpid/stat || echo 0; } 2>/dev/null; } # ticks
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
ms() { echo $(( $1 * 1000 / HZ )); } # ticks -> ms
# engine_grants <domid>: "mapped max_grants" of that domain's blkif ring
# that is closest to its limit, "0 0" if none
engine_grants() {
	xbctl_blkif | awk -v d="$1" '$1 == d && (!n++ || $6 - $5 < best) { best = $6 - $5; m = $5; l = $6 }
		END { print (n ? m " " l : "0 0") }'
}
# sample_peaks [domid]: in the background, the peaks of rss/fds/maps (and,
# with a domid, the grants xenback.ko keeps mapped for its blkif rings,
# with their limit, at the sample closest to it) to $W/adv.peak until
# $W/adv.sampling goes away
sample_peaks() {
	: > $W/adv.sampling
	(
		pr=0 pf=0 pm=0 pg=0 pl=0
		while [ -e $W/adv.sampling ]; do
			r=$(rss) f=$(nfds) m=$(nmaps)
			[ "${r:-0}" -gt "$pr" ] && pr=$r
			[ "${f:-0}" -gt "$pf" ] && pf=$f
			[ "${m:-0}" -gt "$pm" ] && pm=$m
			if [ -n "${1:-}" ]; then
				gl=$(engine_grants "$1")
				g=${gl% *} l=${gl#* }
				[ "$pl" = 0 ] || [ $((l - g)) -lt $((pl - pg)) ] && [ "$l" != 0 ] && pg=$g pl=$l
			fi
			echo "$pr $pf $pm $pg $pl" > $W/adv.peak
			# (a blkif ring may live under a second: sampled faster)
			if [ -n "${1:-}" ]; then sleep 0.2; else sleep 1; fi
		done
	) &
	spid=$!
}
sample_stop() { rm -f $W/adv.sampling; wait $spid 2>/dev/null; }

# the well-behaved guest: Linux blkfront, fio (384 MiB: fio's libraries
# live in its initramfs)
gimg=$W/adv-good.img
truncate -s 16M $gimg
g=advgood
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$gimg"
sed -i -e "s|^ramdisk = .*|ramdisk = \"$FIOCPIO\"|" -e 's/^memory = .*/memory = 384/' $W/$g.cfg
t0=$(now)
guest_create $g; point $? "adversary: xl create of the well-behaved guest ($(since "$t0") s)"
gid=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g 180; point $? "adversary: well-behaved guest $gid booted"
connected "/local/domain/0/backend/qdisk/$gid/51712" "/local/domain/$gid/device/vbd/51712"
point $? "adversary: the good guest's xvda Connected"

# the hostile guest: no xen-blkfront; its xvda, never driven, makes libxl
# start the device model stand-in that block-attach of a qdisk disk needs
h=advbad
truncate -s 8M $W/adv-idle.img
XB_EXTRA_CFG="device_model_override = \"$DM\"" guest_cfg $h "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$W/adv-idle.img"
sed -i 's/^cmdline = "\(.*\)"/cmdline = "\1 xb.noblkfront"/' $W/$h.cfg
t0=$(now)
guest_create $h; point $? "adversary: xl create of the hostile guest, no xen-blkfront ($(since "$t0") s)"
hid=$(domid $h) || { kill $xpid; exit 0; }
guest_ready $h; point $? "adversary: hostile guest $hid booted"

# The good guest's fio (tests/xen/domU-goodio.sh) runs until told to stop
# and reports "XB-FIO-STAT <tag> <errors> <KiB written> <ms>" every second.
fio_start() { # <tag>
	xenstore-rm "/local/domain/$gid/data/xb-fio-stop" 2>/dev/null
	guest_send $g goodio xvda "$1"
	fc=$(cat "$W/$g.n")
	wait_for 90 sh -c "tr -d '\r' < $(glog $g) | grep -q '^XB-FIO-STAT $1 '"
}
fio_stop() { # <tag>
	xenstore-write "/local/domain/$gid/data/xb-fio-stop" 1
	XB_GUEST_TIMEOUT=60 guest_wait $g "$fc" "goodio $1"
}
fio_stat() { # <tag>: the latest "errors KiB ms"
	tr -d '\r' < "$(glog $g)" | awk -v t="$1" '$1 == "XB-FIO-STAT" && $2 == t { l = $3 " " $4 " " $5 } END { print l }'
}
fio_running() { ! grep -q "^XB-END $fc " "$(glog $g)"; }
iops_between() { # <stat> <stat>: write IOPS between two samples
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, A, " "); split(b, B, " "); d = B[3] - A[3]
		if (d > 0) printf "%d", (B[2] - A[2]) / 4 / d * 1000; else print 0 }'
}
c0=$(cpu)
fio_start baseline; point $? "adversary: the good guest's fio started"
b0=$(fio_stat baseline)
sleep "$RT"
b1=$(fio_stat baseline)
fio_stop baseline
base=$(iops_between "$b0" "$b1")
c1=$(cpu); sleep 5
note "adversary: xenbackd CPU while the good guest is idle: $(( $(cpu) - c1 )) ticks in 5 s"
note "adversary: baseline: the good guest alone, $base write IOPS over $RT s; xenbackd CPU $(( $(cpu) - c0 )) ticks"
rss0=$(rss) fds0=$(nfds) maps0=$(nmaps)
note "adversary: xenbackd after the baseline: RSS $rss0 KiB, $fds0 fds, $maps0 mappings"
if [ -n "$budget" ]; then
	rss_add=$(( ${XB_ADV_BOUNCE_MIB:-64} + 16 )) rss_why="--max-bounce-mib ${XB_ADV_BOUNCE_MIB:-64} + 16 MiB"
else
	rss_add=64 rss_why="fixed 64 MiB: this xenbackd has no budget flags"
fi
rss_max=$((rss0 + rss_add * 1024)) fds_max=$((fds0 + 16)) maps_max=$((maps0 + 64))

# the attack: one fio in the good guest for all of it
fio_start attack; point $? "adversary: the good guest's fio started for the attack"
k=0 tall=$(now)
blkif_irqs() { grep -c xenback-blkif /proc/interrupts; }
# run_scenario <scenario> <mode>: mode "file" (an image file on dom0's
# tmpfs; the frontend asks for no persistent grants: xenbackd serves the
# ring) or "engine" (the raw block device $ENGINE_DEV and
# feature-persistent=1: xenback.ko's blkif ring engine serves the ring; the
# checks on xenbackd stand, dom0's kernel log must say why a request was
# refused, and the module must let go of the ring at the detach; its
# points say "<scenario>@engine")
run_scenario() {
	sc=$1 s=$1 mode=$2 persistent=
	[ "$mode" = engine ] && s=$sc@engine persistent=persistent
	k=$((k + 1))
	echo "# --- adversary scenario $s"
	vd=xvd$(echo abcdefghijklmnopqrstuvwxyz | cut -c$((k + 1)))
	# xvda..xvdp: 202 << 8 | disk << 4; from xvdq on, the extended
	# encoding 1 << 28 | disk << 8 (xen-vbd-interface)
	if [ $k -lt 16 ]; then devid=$((51712 + 16 * k)); else devid=$(((1 << 28) + (k << 8))); fi
	if [ "$mode" = engine ]; then
		img=$ENGINE_DEV
		dmesg0=$(dmesg | wc -l) irq0=$(blkif_irqs)
	else
		img=$W/adv-$s.img
		truncate -s 8M "$img"
	fi
	if ! alive; then
		notok "adversary $s: xenbackd is up before the scenario"
		return
	fi
	t0=$(now) ts=$(now)
	fdb=$(nfds) mpb=$(nmaps)
	timeout 60 xl block-attach $h "format=raw,vdev=$vd,access=rw,backendtype=qdisk,target=$img" > $W/adv-attach.log 2>&1
	point $? "adversary $s: xl block-attach $vd to the hostile guest ($(since "$t0") s)"
	sed 's/^/# xl block-attach: /' $W/adv-attach.log | head -n 5
	bpath=/local/domain/0/backend/qdisk/$hid/$devid
	wait_for 30 xs_is "$bpath/state" 2; point $? "adversary $s: its backend waits for the frontend (InitWait)"
	n0=$(wc -l < $LOG) c0=$(cpu)
	if [ "$mode" = engine ]; then sample_peaks "$hid"; else sample_peaks; fi
	st0=$(fio_stat attack)
	ta=$(now)
	# ($persistent: a word or nothing, split on purpose)
	# shellcheck disable=SC2086
	XB_GUEST_TIMEOUT=240 guest_run $h adv $devid "$sc" $persistent | tee "$W/adv-guest-$s.out"
	tattack=$(since "$ta")
	sleep 1.5 # one more sample of the good guest's
	sample_stop
	st1=$(fio_stat attack)
	cpu_attack=$(( $(cpu) - c0 ))
	read -r prss pfds pmaps pgrants plimit < $W/adv.peak
	fio_running && [ "${st1%% *}" = 0 ] && [ "$(echo "$st1" | cut -d' ' -f2)" -gt "$(echo "$st0" | cut -d' ' -f2)" ]
	point $? "adversary $s: the good guest's verifying fio runs on with no error and wrote during the attack (KiB, ms: ${st0#* } -> ${st1#* }; errors ${st1%% *})"
	iops=$(iops_between "$st0" "$st1")
	ratio=$(awk -v a="${iops:-0}" -v b="${base:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
	# a ratio, never asserted (timings are not asserted in this project)
	note "adversary $s: the good guest kept ${iops:-?} of ${base:-?} write IOPS (ratio $ratio; the issue asks >= 0.9, not asserted)"
	echo "BENCH adversary-iops scenario=$s baseline_iops=${base:-0} attack_iops=${iops:-0} ratio=$ratio"
	note "adversary $s: xenbackd CPU $(( $(cpu) - c0 )) ticks during the scenario"
	alive; point $? "adversary $s: xenbackd is up and its control socket answers"
	kill -0 $xpid 2>/dev/null || dmesg | grep -iE 'out of memory|killed process|oom-kill' | tail -n 3 | sed "s/^/# dom0 dmesg ($s): /"
	[ "${prss:-0}" -le $rss_max ]; point $? "adversary $s: xenbackd's RSS peak ${prss:-?} KiB <= $rss_max KiB (baseline $rss0 + $rss_why)"
	[ "${pfds:-0}" -le $fds_max ]; point $? "adversary $s: xenbackd's open fds peak ${pfds:-?} <= $fds_max (baseline $fds0 + 16; fixed bound)"
	[ "${pmaps:-0}" -le $maps_max ]; point $? "adversary $s: xenbackd's mappings peak ${pmaps:-?} <= $maps_max (baseline $maps0 + 64; fixed bound)"
	tail -n +$((n0 + 1)) $LOG > "$W/adv-$s.log"
	# a reason: a line naming the device beyond the routine info lines
	# (created, connected, closed, destroyed), or one that names a refusal
	grep -E "qdisk/$hid/${devid}[: ]" "$W/adv-$s.log" | sed "s/^/# xenbackd ($s): /" | head -n 12
	why=$(grep -E "qdisk/$hid/${devid}[: ]" "$W/adv-$s.log" |
		awk '!/: (info|debug): / || /refus|bad|invalid|out of range|limit|budget|throttl|denied|malformed/')
	reg=$(xenbackctl list --json 2>/dev/null | json_rows devices type frontend_id devid state_name mem_bytes requests_inflight fds throttled error_msg |
		awk -v d="$hid" -v n="$devid" '$2 == d && $3 == n')
	if [ "$mode" = engine ]; then
		grep -q "qdisk/$hid/$devid: .*served by xenback.ko's blkif ring engine" "$W/adv-$s.log"
		point $? "adversary $s: xenback.ko's blkif ring engine served the hostile ring (a raw device, feature-persistent=1)"
		if [ "${plimit:-0}" = 0 ] && [ "$sc" != big ]; then
			# most scenarios hold the ring for about a second; "big"
			# holds it for 30 s and must be seen
			note "adversary $s: the ring came and went between two samples of xenbackctl stats (0.2 s apart)"
		else
			[ "${plimit:-0}" -gt 0 ] && [ "${pgrants:-0}" -le "$plimit" ]
			point $? "adversary $s: xenback.ko kept no more of the hostile guest's grants mapped than xenbackd allowed it (xenbackctl stats, every 0.2 s: at most ${pgrants:-?} of ${plimit:-?})"
			[ "${plimit:-0}" -gt 0 ] || xenbackctl stats --json 2>&1 | head -c 800 | sed 's/^/# xenbackctl stats --json: /'
		fi
		# the engine refuses in the kernel: dom0's log says why
		kwhy=$(dmesg | tail -n +$((dmesg0 + 1)) | grep -E "xenback: blkif d$hid port [0-9]+: (refused|stopped|a request failed)")
		echo "$kwhy" | grep . | head -n 4 | sed "s/^/# dom0 kernel ($s): /"
		why="$why$kwhy"
	fi
	# only where xenbackd refused something (an error status, a refused
	# layout, a device shut down): reconnecting, or a flush with data that
	# was written, is legal and needs no reason
	if ! grep -qE 'answered (ERROR|EOPNOTSUPP)|ERROR [1-9]|refused|shut the device down|device shut down|not Connected' "$W/adv-guest-$s.out" &&
		[ "$(echo "$reg" | cut -d' ' -f4)" != failed ]; then
		note "adversary $s: xenbackd refused nothing the hostile guest did: no reason to log"
	else
		[ -n "$why" ]; point $? "adversary $s: xenbackd's log says why it refused the hostile device's requests (a line beyond info)"
	fi
	other=$(grep -iE 'error|warn|fail' "$W/adv-$s.log" | grep -vE "qdisk/$hid/")
	[ -z "$other" ]; point $? "adversary $s: no error in xenbackd's log about anything but the hostile guest"
	[ -n "$other" ] && echo "$other" | head -n 5 | sed "s/^/# xenbackd ($s, other): /"
	echo "$reg" | grep . | sed "s/^/# registry ($s; type domid devid state mem_bytes requests fds throttled error): /"
	timeout 30 xl block-detach $h $devid > $W/adv-detach.log 2>&1
	rc=$?
	[ $rc = 0 ] || { sed 's/^/# xl block-detach: /' $W/adv-detach.log | head -n 5; timeout 30 xl block-detach -f $h $devid >/dev/null 2>&1; }
	point $rc "adversary $s: xl block-detach of the hostile disk"
	# after the scenario: is xenbackd still busy (state R) with only the
	# good guest's I/O to do? 10 samples, 0.3 s apart, and its CPU meanwhile
	c1=$(cpu) nr=0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(awk '{ print $3 }' /proc/$xpid/stat 2>/dev/null)" = R ] && nr=$((nr + 1))
		sleep 0.3
	done
	note "adversary $s: afterwards xenbackd was running in $nr of 10 samples, $(( $(cpu) - c1 )) CPU ticks in ~3 s"
	# no fd left behind by the hostile device (its teardown may wait
	# for I/O in the kernel's hands: a while)
	wait_for 15 sh -c "[ \$(find /proc/$xpid/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) -le $fdb ]"
	point $? "adversary $s: after the detach xenbackd holds no more fds than before the attach ($(nfds), before $fdb)"
	if [ "$mode" = engine ]; then
		# the module let go of the ring: its port unbound (kernel side)
		wait_for 15 sh -c "[ \$(grep -c xenback-blkif /proc/interrupts) -le $irq0 ]"
		point $? "adversary $s: after the detach xenback.ko holds no port of the hostile ring (xenback-blkif irqs $(blkif_irqs), before $irq0)"
		left=$(xbctl_blkif | awk -v d="$hid" '$1 == d')
		[ -z "$left" ]; point $? "adversary $s: after the detach xenback.ko serves no blkif ring of the hostile guest (xenbackctl stats${left:+: $left})"
	fi
	note "adversary $s: xenbackd's mappings before the attach $mpb, after the detach $(nmaps)"
	# the control: the hostile guest's vCPU busy as long as the attack
	# took, no I/O to the backend; the good guest measured the same way
	if [ "${XB_ADV_CONTROL:-0}" != 1 ]; then
		note "adversary $s: $(since "$ts") s in all (attack $tattack s; control not run: XB_ADV_CONTROL=1)"
		return
	fi
	cs=$(awk -v t="$tattack" 'BEGIN { t = int(t + 0.5); print (t < 5 ? 5 : t) }')
	c0=$(cpu) sc0=$(fio_stat attack)
	XB_GUEST_TIMEOUT=$((cs + 60)) guest_run $h burn "$cs"
	sleep 1.5
	sc1=$(fio_stat attack)
	cpu_control=$(( $(cpu) - c0 ))
	ctl=$(iops_between "$sc0" "$sc1")
	fratio=$(awk -v a="${iops:-0}" -v b="${ctl:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }')
	note "adversary $s: control (hostile guest burning its vCPU ${cs} s, no I/O): the good guest did ${ctl:-?} write IOPS, under attack ${iops:-?} (attack/control $fratio, not asserted); xenbackd CPU $(ms $cpu_attack) ms during the attack, $(ms $cpu_control) ms during the control"
	echo "BENCH adversary-fairness scenario=$s iops_attack=${iops:-0} iops_control=${ctl:-0} ratio=$fratio xenbackd_cpu_ms_attack=$(ms $cpu_attack) xenbackd_cpu_ms_control=$(ms $cpu_control) attack_s=$tattack control_s=$cs"
	note "adversary $s: $(since "$ts") s in all (attack $tattack s)"
}
for s in $SCEN; do
	run_scenario "$s" file
done
ENGINE_DEV=/dev/ram6
if [ -z "$ESCEN" ]; then
	note "adversary: no scenario against the blkif ring engine (XB_ADV_ENGINE_SCENARIOS empty)"
elif [ ! -c /dev/xenback ] || [ ! -b $ENGINE_DEV ]; then
	skip "adversary: scenarios against xenback.ko's blkif ring engine" "no xenback.ko or no $ENGINE_DEV"
else
	for s in $ESCEN; do
		run_scenario "$s" engine
	done
fi
note "adversary: the scenarios took $(since "$tall") s"
fio_stop attack

guest_stop $h
guest_stop $g
alive; point $? "adversary: xenbackd up after both guests are gone"
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
wait_for 15 registry_empty
registry_empty; point $? "adversary: registry empty after both guests are gone"
xbctl_devs | sed 's/^/# left in the registry: /'
c1=$(cpu); sleep 5
note "adversary: xenbackd at the end: RSS $(rss) KiB, $(nfds) fds, $(nmaps) mappings; CPU with no guest: $(( $(cpu) - c1 )) ticks in 5 s"
kill -TERM $xpid
wait_for 10 sh -c "! kill -0 $xpid"; point $? "adversary: xenbackd exits on SIGTERM"
grep -ciE 'error|warn' $LOG | sed 's/^/# xenbackd log: error or warning lines: /'
tail -n 15 $LOG | sed 's/^/# xenbackd: /'
[ $loaded = 1 ] && { rmmod xenback; point $? "adversary: rmmod xenback"; }
exit 0
