#!/usr/bin/env bash
# make lint (and part of make check, see scripts/lint.mk): the tree's static
# checks as one TAP program. No network; a missing tool is a failed point that
# names the Debian package to install (scripts/deps.sh installs them all).
#   scripts       shellcheck, one point per shell script: every *.sh and every
#                 file whose first line is a sh/bash shebang (settings in
#                 .shellcheckrc; each sourced file is named by a source=
#                 directive above the line that sources it)
#   checkpatch    one point: Linux's scripts/checkpatch.pl (linux-source-6.1,
#                 extracted once into build/lint/) on kmod/*.c kmod/*.h; every
#                 finding is listed as a comment; kmod/ has none, and
#                 an ERROR fails the point (checkpatch_errors_fail below)
#   clang-format  one point: .clang-format (kernel style) parses and runs; the
#                 C tree is NOT formatted with it yet, so how many files and
#                 lines it would change is a comment, never a failure
# usage: scripts/lint.sh (from anywhere; checks the tree it belongs to)
# Environment: XB_LINUX_SOURCE (default /usr/src/linux-source-6.1.tar.xz).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=$top/build/lint
ksrc=${XB_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz} # (linux-source-6.1)

# kmod/ is checkpatch-clean: an ERROR fails lint (WARNINGs are listed as
# comments, and there are none today either).
checkpatch_errors_fail=1
# Options for an out-of-tree module: no kernel tree to look things up in.
checkpatch_opts=(--no-tree --file --terse --show-types --max-line-length=100)

# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"

# The tree's files: what git tracks or would track (new files too), else
# everything outside build/ and .git.
files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -co --exclude-standard
	else
		find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||'
	fi | LC_ALL=C sort -u
}
mapfile -t all < <(files)

# ------------------------------------------------------------ shellcheck
scripts=()
for f in "${all[@]}"; do
	[ -f "$f" ] || continue
	case $f in
	*.sh) scripts+=("$f") ;;
	*) head -c 128 "$f" 2>/dev/null | head -n 1 |
		grep -qE '^#![[:space:]]*(/usr)?/bin/(env[[:space:]]+)?(ba|da|k|a)?sh([[:space:]]|$)' &&
		scripts+=("$f") ;;
	esac
done
if command -v shellcheck >/dev/null; then
	for f in "${scripts[@]}"; do
		res=$(shellcheck -f gcc "$f" 2>&1)
		rc=$?
		tap_point "$rc" "shellcheck $f"
		[ -n "$res" ] && printf '%s\n' "$res" | tap_diag
	done
else
	tap_point 1 "shellcheck: not installed (apt-get install shellcheck; scripts/deps.sh)"
fi

# ------------------------------------------------------------ checkpatch
# scripts/checkpatch.pl and the two files it reads beside it, from Debian's
# kernel source tarball; extracted again when the tarball is newer.
checkpatch() {
	local cp=$out/checkpatch.pl tmp
	if [ ! -s "$cp" ] || [ "$ksrc" -nt "$cp" ]; then
		mkdir -p "$out"
		tmp=$(mktemp -d "$out/extract.XXXXXX") || return 1
		if ! tar -xmJf "$ksrc" -C "$tmp" --strip-components=2 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'; then
			rm -rf "$tmp"
			return 1
		fi
		mv "$tmp/spelling.txt" "$tmp/const_structs.checkpatch" "$out/" &&
			mv "$tmp/checkpatch.pl" "$cp"
		rm -rf "$tmp"
	fi
	[ -s "$cp" ]
}
kfiles=()
for f in "${all[@]}"; do
	case $f in kmod/*.c|kmod/*.h) [ -f "$f" ] && kfiles+=("$f") ;; esac
done
if ! command -v perl >/dev/null; then
	tap_point 1 "checkpatch: perl not installed (apt-get install perl; scripts/deps.sh)"
elif [ ! -s "$ksrc" ]; then
	tap_point 1 "checkpatch: $ksrc missing (apt-get install linux-source-6.1; scripts/deps.sh)"
elif ! checkpatch; then
	tap_point 1 "checkpatch: could not extract scripts/checkpatch.pl from $ksrc"
else
	res=$(perl "$out/checkpatch.pl" "${checkpatch_opts[@]}" "${kfiles[@]}" 2>&1)
	rc=$? # 0: clean, 1: findings; anything else: checkpatch itself failed
	st=0
	[ "$rc" -gt 1 ] && { st=1; res="checkpatch exited with status $rc"$'\n'"$res"; }
	res=$(printf '%s\n' "$res" | grep -v -e '^total: ' -e '^$')
	errors=$(printf '%s\n' "$res" | grep -c ': ERROR:')
	warnings=$(printf '%s\n' "$res" | grep -c ': WARNING:')
	checks=$(printf '%s\n' "$res" | grep -c ': CHECK:')
	[ "$checkpatch_errors_fail" = 1 ] && [ "$errors" -gt 0 ] && st=1
	desc="checkpatch kmod/ (${#kfiles[@]} files): $errors errors, $warnings warnings, $checks checks"
	[ "$checkpatch_errors_fail" = 1 ] || desc+=" (reported, not failed on yet: see scripts/lint.sh)"
	tap_point "$st" "$desc"
	[ -n "$res" ] && printf '%s\n' "$res" | tap_diag
fi

# ------------------------------------------------------------ clang-format
cfiles=()
for f in "${all[@]}"; do
	case $f in *.c|*.h) [ -f "$f" ] && cfiles+=("$f") ;; esac
done
if ! command -v clang-format >/dev/null; then
	tap_point 1 "clang-format: not installed (apt-get install clang-format; scripts/deps.sh)"
elif ! err=$(clang-format --style=file --dump-config "${cfiles[0]:-kmod/main.c}" 2>&1 >/dev/null) || [ -n "$err" ]; then
	tap_point 1 "clang-format: .clang-format does not parse"
	printf '%s\n' "$err" | tap_diag
else
	nf=0 nl=0 bad=0
	for f in "${cfiles[@]}"; do
		# lines of $f that clang-format would change; its own status last
		if ! d=$(clang-format --style=file "$f" 2>/dev/null | diff "$f" - | grep -c '^<'
			exit "${PIPESTATUS[0]}"); then
			bad=1
			clang-format --style=file "$f" 2>&1 >/dev/null | head -n 5 | sed "s|^|# clang-format $f: |"
			continue
		fi
		[ "$d" -gt 0 ] && nf=$((nf + 1)) nl=$((nl + d))
	done
	tap_point "$bad" "clang-format (.clang-format, Linux kernel style) runs on ${#cfiles[@]} C files"
	echo "# clang-format: the tree is not formatted yet: $nf of ${#cfiles[@]} files, $nl lines would change (clang-format --dry-run <file> shows where)"
fi

tap_done
