#!/usr/bin/env bash
# The block backend's request path flows one way (issue 9): each stage is a
# file of userspace/backends/blk/, and a stage references (calls, or takes
# the address of) functions of later stages only, so each file reads alone
# and nothing calls back up the path. Read from the built objects: nm says
# which symbols a file leaves undefined and which blk file defines them.
#
# The stages, in path order (blk.h says what each does):
stages=(
	blk_event.c          # incoming events: event channel, engine eventfd; resumes stalled queues
	blk_ring.c           # requests copied out of the shared ring, validated
	blk_data.c           # data movement in: persistent grant or bounce buffer, write data fetched
	blk_persist.c        # persistent grants, mapped once
	blk_engine.c         # the I/O engine: in place or io_uring, submit, reap
	blk_engine_grant_io.c # grant I/O: xenback.ko's direct I/O on guest pages it maps
	blk_engine_inplace.c # in place: memcpy through the mapped image, or preadv/pwritev
	blk_discard.c        # BLKDISCARD on a block device, on the discard thread
	blk_complete.c       # completion: result -> status, read data back to the guest
	blk_grant.c          # the batched grant copy (the data stage's and completion's)
	blk_respond.c        # responses, push, notify
	blk_journal.c        # the in-flight journal: take, answered, cleared; recovery
	blk_budget.c         # budgets: bounce bytes, persistent mappings, requests; accounting
	blk_pool.c           # the process's pool of bounce buffers: size classes, reuse, trim
)
# Set-up and tear-down, outside the path and outside the order: they may
# reference any stage (blk_connect.c binds blk_event.c's handlers, starts and
# stops the engine, releases persistent grants; blk_image.c maps an in-place
# image; blk_backend.c registers the types), but no stage references them:
# nothing on the request path calls back into registration, connect or open.
setup=(
	blk_backend.c
	blk_blkif.c
	blk_connect.c
	blk_drain.c
	blk_drain_wait.c
	blk_image.c
)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
src=userspace/backends/blk
obj=build/san/$src # the unit tier's objects: up to date under make unit-check
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"

# The objects of today's sources (a stale object of a removed source must
# not count), built now if absent or older than their sources. A fresh
# make: nothing inherited from the make that runs this test.
files=()
for f in "$top/$src"/*.c; do
	files+=("${f##*/}")
done
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$top" -j2 \
	build/libxenback-blk-san.a >"$tmp/make.log" 2>&1
rc=$?
for f in "${files[@]}"; do
	[ -f "$top/$obj/${f%.c}.o" ] || rc=1
done
[ "$rc" -eq 0 ] || tap_diag_file "$tmp/make.log"
tap_point "$rc" "every blk source is built (${#files[@]} objects in $obj)"

# symbol -> the blk file that defines it; then file<TAB>file<TAB>symbol for
# every reference from one blk file to another.
for f in "${files[@]}"; do
	nm -P -g "$top/$obj/${f%.c}.o" 2>/dev/null | awk -v f="$f" '{ print f "\t" $1 "\t" $2 }'
done >"$tmp/syms"
awk -F'\t' '$3 != "U" && $3 != "w" && $3 != "v" { def[$2] = $1; next }
	{ use[NR] = $1 "\t" $2 }
	END { for (i in use) { split(use[i], u, "\t")
		if ((u[2] in def) && def[u[2]] != u[1]) print u[1] "\t" def[u[2]] "\t" u[2] } }' \
	"$tmp/syms" | sort -u >"$tmp/refs"

pos() { # pos <file>: its place among the stages (1..), 0 if not a stage
	local i
	for i in "${!stages[@]}"; do
		[ "${stages[$i]}" = "$1" ] && { echo $((i + 1)); return; }
	done
	echo 0
}
is_setup() {
	local s
	for s in "${setup[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

# Every file has exactly one place, and every place names a file.
bad=0
for f in "${files[@]}"; do
	p=$(pos "$f")
	if [ "$p" = 0 ] && ! is_setup "$f"; then
		echo "# $f is neither a stage nor set-up: give it a place in $0"
		bad=1
	elif [ "$p" != 0 ] && is_setup "$f"; then
		echo "# $f is both a stage and set-up"
		bad=1
	fi
done
for f in "${stages[@]}" "${setup[@]}"; do
	[ -f "$top/$src/$f" ] || { echo "# $f is listed but $src/$f does not exist"; bad=1; }
done
tap_point "$bad" "every blk file is a stage or set-up, and every listed file exists"

# No cycle at all, set-up included.
cut -f1,2 "$tmp/refs" | tr '\t' ' ' | tsort >/dev/null 2>"$tmp/tsort"
rc=$?
[ "$rc" -eq 0 ] || awk '!seen[$0]++ { print "# " $0 }' "$tmp/tsort"
tap_point "$rc" "no cycle between the blk files ($(wc -l <"$tmp/refs") cross-file references)"

# Each stage references later stages only (never an earlier or unlisted file,
# never set-up).
for i in "${!stages[@]}"; do
	f=${stages[$i]}
	bad=0 to=""
	[ -f "$top/$src/$f" ] || { echo "# $src/$f does not exist"; bad=1; }
	while IFS=$'\t' read -r from dst sym; do
		[ "$from" = "$f" ] || continue
		p=$(pos "$dst")
		case " $to " in *" $dst "*) ;; *) to="$to $dst" ;; esac
		if [ "$p" = 0 ]; then
			echo "# $f -> $dst ($sym): $dst is not a later stage"
			bad=1
		elif [ "$p" -le $((i + 1)) ]; then
			echo "# $f -> $dst ($sym): back up the path (stage $p of ${#stages[@]}, $f is $((i + 1)))"
			bad=1
		fi
	done <"$tmp/refs"
	tap_point "$bad" "stage $((i + 1)) $f references only later stages:${to:- none}"
done

# Set-up is referenced by no stage.
for f in "${setup[@]}"; do
	bad=0
	while IFS=$'\t' read -r from dst sym; do
		if [ "$dst" = "$f" ] && [ "$(pos "$from")" != 0 ]; then
			echo "# stage $from -> $f ($sym)"
			bad=1
		fi
	done <"$tmp/refs"
	tap_point "$bad" "set-up file $f is referenced by no stage"
done
tap_done
