#!/usr/bin/env bash
# Installs the Debian 12 packages xenback needs (the list: scripts/packages.txt).
#   scripts/deps.sh                   install (as root)
#   scripts/deps.sh --check           exit 1 and list what is missing
#   scripts/deps.sh --check-or-install  install what is missing when root,
#                                     else say what to run (used by make)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t pkgs < <(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$')

missing() {
	local p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "$@"
}

case "${1:-}" in
--check)
	mapfile -t m < <(missing)
	[ ${#m[@]} = 0 ] && exit 0
	echo "missing packages: ${m[*]}" >&2
	exit 1 ;;
--check-or-install)
	mapfile -t m < <(missing)
	[ ${#m[@]} = 0 ] && exit 0
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing ${m[*]}" >&2
		install "${m[@]}"
	else
		echo "deps: missing packages: ${m[*]}" >&2
		echo "deps: run as root: scripts/deps.sh" >&2
		exit 1
	fi ;;
"")
	[ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
	install "${pkgs[@]}" ;;
*)
	echo "usage: $0 [--check|--check-or-install]" >&2; exit 2 ;;
esac
