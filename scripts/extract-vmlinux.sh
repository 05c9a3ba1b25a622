#!/usr/bin/env bash
# Extracts the uncompressed ELF vmlinux from a bzImage (booting it under TCG
# saves the ~3.5 s the decompressor costs).
# usage: extract-vmlinux.sh <bzImage> <out>
set -euo pipefail
in=$1 out=$2
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT

is_elf() { [ "$(head -c4 "$1" | od -An -c | tr -d ' \n')" = "177ELF" ]; }

# magic (as grep -P pattern) and decompressor, for each compression Kbuild uses
try() {
	local magic=$1; shift
	local off
	while read -r off; do
		tail -c +$((off + 1)) "$in" | "$@" > "$tmp" 2>/dev/null || true
		if [ -s "$tmp" ] && is_elf "$tmp"; then
			mv "$tmp" "$out"
			return 0
		fi
	done < <(LC_ALL=C grep -obaP "$magic" "$in" | cut -d: -f1)
	return 1
}

try '\xFD7zXZ\x00' xz -dc ||
try '\x1F\x8B\x08' gzip -dc ||
try '\x28\xB5\x2F\xFD' zstd -dc ||
try '\x02\x21\x4C\x18' lz4 -dc ||
try 'BZh' bunzip2 -c ||
{ echo "extract-vmlinux: no compressed ELF found in $in" >&2; exit 1; }
