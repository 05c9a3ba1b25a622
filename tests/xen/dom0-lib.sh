# shellcheck shell=sh
# Helpers for the dom0 test scripts of the xen tier (sourced).
# TAP without numbers ("ok - ..."): scripts/xen-run.sh numbers the points.
# ok, notok, skip, point, note: tests/xen/tap-lib.sh (shared with the domU).
# shellcheck source=tap-lib.sh
. /xen/tests/tap-lib.sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
W=/tmp/xb
mkdir -p "$W"
# The pattern every test writes, and the device model stand-in: used by the
# scripts that source this file, not here.
# shellcheck disable=SC2034
P=/xen/pattern.bin
have() { ! grep -qxF "$1" /xen/missing 2>/dev/null; } # have build/xenbackd ...
# shellcheck disable=SC2034 # (see P above)
DM=/usr/lib/xenback/xenback-dm
# have_xenbackd <what the script tests>: xenbackd, xenbackctl and xenback-dm
# are in the initramfs, else one SKIP point and false
have_xenbackd() {
	for _b in build/xenbackd build/xenbackctl build/xenback-dm; do
		have $_b || { skip "$1" "$_b not built"; return 1; }
	done
}
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; } # seconds since $(now)

# wait_for <seconds> <command...>: poll every 0.2 s until the command succeeds
wait_for() {
	_t=$1; shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1)); [ $_i -gt $((_t * 5)) ] && return 1
		sleep 0.2
	done
}
xs_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; } # path value
# connected <backend node> <frontend node>: both reach Connected (4), the
# backend within 30 s, then the frontend within 10 s
connected() { wait_for 30 xs_is "$1/state" 4 && wait_for 10 xs_is "$2/state" 4; }

# guest_cfg <name> <disk spec>... : writes $W/<name>.cfg (a PV domU on Debian's kernel)
guest_cfg() {
	_n=$1; shift
	{
		echo "name = \"$_n\""
		echo 'type = "pv"'
		echo 'kernel = "/xen/domU/vmlinuz"'
		echo 'ramdisk = "/xen/domU/initramfs.cpio"'
		echo 'cmdline = "console=hvc0 rdinit=/init quiet loglevel=4 panic_on_warn=1 oops=panic panic=-1"'
		echo 'memory = 128'
		echo 'vcpus = 1'
		echo 'on_poweroff = "destroy"'
		echo 'on_reboot = "destroy"'
		echo 'on_crash = "destroy"'
		printf 'disk = [ '
		_sep=
		for _d in "$@"; do printf '%s"%s"' "$_sep" "$_d"; _sep=', '; done
		echo ' ]'
		[ -n "${XB_EXTRA_CFG:-}" ] && printf '%s\n' "$XB_EXTRA_CFG"
	} > "$W/$_n.cfg"
}
# guest_create <name>: xl create; output in $W/xl-create-<name>.log
guest_create() {
	rm -f "$W/$1.stuck" "$W/$1.n"
	timeout 120 xl -v create "$W/$1.cfg" > "$W/xl-create-$1.log" 2>&1
	_rc=$?
	if [ $_rc != 0 ]; then
		grep -iE 'error|warn|fail' "$W/xl-create-$1.log" | head -n 15 | sed "s/^/# xl create $1: /"
		for _f in /var/log/xen/qemu-dm-$1.log; do
			[ -s "$_f" ] && tail -n 10 "$_f" | sed "s|^|# ${_f##*/}: |"
		done
	fi
	return $_rc
}
domid() { xl domid "$1" 2>/dev/null; }
glog() { echo "/var/log/xen/guest-$1.log"; }
guest_ready() { # <name> [seconds]: its init printed XB-DOMU-READY
	wait_for "${2:-90}" grep -q XB-DOMU-READY "$(glog "$1")"
}
# guest_run <name> <test> [args]: runs /xen/tests/domU-<test>.sh in the guest,
# relays its TAP (points prefixed with the guest's name) and other output
# (as comments); returns its exit status (124 if it did not finish in time).
guest_run() {
	guest_send "$@" || return $?
	guest_wait "$1" "$(cat "$W/$1.n")" "$2"
}
# guest_send <name> <test> [args]: starts the command without waiting for it
# (its number is in $W/<name>.n); guest_wait collects it.
guest_send() {
	_g=$1; shift
	_id=$(domid "$_g") || { notok "$_g: $1 (guest not running)"; return 1; }
	# A guest still inside an earlier command cannot take this one: fail fast.
	[ -e "$W/$_g.stuck" ] && { notok "$_g: $1 (guest stuck in an earlier command)"; return 125; }
	_nf=$W/$_g.n
	_c=$(( $(cat "$_nf" 2>/dev/null || echo 0) + 1 ))
	echo $_c > "$_nf"
	xenstore-write "/local/domain/$_id/data/xb-cmd-$_c" "$*"
}
# guest_wait <name> <command number> <test>: waits for that command's end
# (XB_GUEST_TIMEOUT, default 120 s) and relays its output as guest_run says.
guest_wait() {
	_g=$1 _c=$2
	if ! wait_for "${XB_GUEST_TIMEOUT:-120}" grep -q "^XB-END $_c " "$(glog "$_g")"; then
		notok "$_g: $3 finished within ${XB_GUEST_TIMEOUT:-120} s"
		tr -d '\r' < "$(glog "$_g")" | tail -n 20 | sed "s/^/# $_g console: /"
		touch "$W/$_g.stuck"
		return 124
	fi
	tr -d '\r' < "$(glog "$_g")" | awk -v c="$_c" -v g="$_g" '
		$1 == "XB-CMD" && $2 == c { on = 1; next }
		$1 == "XB-END" && $2 == c { sub(/^rc=/, "", $3); rc = $3; on = 0; next }
		!on || $1 == "XB-FIO-STAT" { next }
		/^(not )?ok / { p = $0; sub(/^(not )?ok *(- *)?/, "", p)
			printf "%sok - %s: %s\n", ($1 == "ok" ? "" : "not "), g, p; next }
		{ print "# " g ": " $0 }
		END { exit rc }'
}
# guest_stop <name>: asks the guest to power off, waits for it to be gone
# (xl destroy after 30 s); then checks its console for crashes.
guest_stop() {
	_id=$(domid "$1") || return 0
	[ -e "$W/$1.stuck" ] || guest_run "$1" poweroff >/dev/null
	wait_for 30 sh -c "! xl domid $1" || { note "$1 did not power off: xl destroy"; xl destroy "$1"; }
	guest_console_clean "$1"
}
guest_console_clean() {
	_bad=$(tr -d '\r' < "$(glog "$1")" | grep -E 'Kernel panic|Oops|BUG:|WARNING: CPU:|general protection fault|kernel BUG|Call Trace')
	[ -z "$_bad" ]; point $? "$1: guest console shows no panic, oops or WARN"
	[ -n "$_bad" ] && echo "$_bad" | head -n 20 | sed "s/^/# $1 console: /"
	return 0
}
# xs_dump <path>: the subtree as comments (debugging a failure)
xs_dump() { xenstore-ls -f "$1" 2>&1 | head -n 40 | sed 's/^/# xs: /'; }

# json_rows <array key> <field>...: one line per object of that array in the
# JSON on stdin (pretty or plain; values with spaces get "_"; "-" if absent)
json_rows() {
	_k=$1; shift
	awk -v want="$_k" -v fields="$*" '
	{ buf = buf $0 "\n" }
	END {
		gsub(/[{]/, "\n{\n", buf); gsub(/[}]/, "\n}\n", buf); gsub(/,/, "\n", buf)
		n = split(buf, L, "\n"); nf = split(fields, F, " ")
		for (i = 1; i <= n; i++) {
			l = L[i]
			# (an empty array, "want":[], is a line of its own: not entered)
			if (!on) { if (l ~ ("\"" want "\"[ \t]*:[ \t]*\\[") && l !~ ("\\[[ \t]*\\]")) { on = 1; depth = 0 } continue }
			if (l ~ /^[ \t]*\{[ \t]*$/) { if (++depth == 1) split("", v); continue }
			if (l ~ /^[ \t]*\}[ \t]*$/) {
				if (depth == 1) {
					out = ""
					for (j = 1; j <= nf; j++) out = out (j > 1 ? " " : "") ((F[j] in v) ? v[F[j]] : "-")
					print out
				}
				depth--; continue
			}
			if (depth == 0 && l ~ /\]/) { on = 0; continue }
			if (depth == 1 && match(l, /"[a-z_]+"[ \t]*:[ \t]*/)) {
				k = substr(l, RSTART + 1); sub(/".*/, "", k)
				val = substr(l, RSTART + RLENGTH); sub(/[ \t]*$/, "", val)
				gsub(/^"|"$/, "", val); gsub(/\\\//, "/", val); gsub(/[ \t]/, "_", val)
				v[k] = val
			}
		}
	}'
}
# xbctl_devs: xenbackd's registry (xenbackctl list --json), one device a line:
#   type frontend_id devid state_name grants_mapped ports_bound error_msg
xbctl_devs() {
	xenbackctl list --json 2>/dev/null |
		json_rows devices type frontend_id devid state_name grants_mapped ports_bound error_msg
}
# xbctl_ports: xenback.ko's ports (xenbackctl stats --json), one a line:
#   port domid kind events notifies
xbctl_ports() {
	xenbackctl stats --json 2>/dev/null | json_rows ports port domid kind events notifies
}
# the blkif rings xenback.ko serves: "domid port requests errors mapped
# max_grants inflight stopped" per line
xbctl_blkif() {
	xenbackctl stats --json 2>/dev/null | json_rows blkif domid port requests errors mapped max_grants inflight stopped
}
