#!/usr/bin/env bash
# make deb-check: the Debian packages (issue 16), TAP.
#   - make deb (scripts/make-deb.sh) builds the six packages; the symbols
#     files, generated from the version scripts, match the libraries
#     (dpkg-gensymbols at check level 4: anything more or less fails)
#   - lintian --pedantic: no error, no warning (the overrides say why)
#   - their contents: what each must ship
#   - unpacked (dpkg -x): the tools run, a program builds against the -dev
#     packages with pkg-config alone and runs on the shared libraries, and
#     DKMS builds xenback.ko from xenback-dkms's sources for the installed
#     kernel headers
#   - installed for real (dpkg -i, as root, when none of them is installed
#     already): systemd-analyze verify on the unit, the module built by the
#     DKMS postinst and loaded by nothing, then dpkg --purge leaves no file
#     of theirs, no DKMS tree and no unit link behind
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"
for t in dpkg-buildpackage dh dh_dkms lintian dkms; do
	command -v $t >/dev/null || tap_skip_all "$t not installed (scripts/packages.txt)"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
D=$top/build/deb
pkgs="libxenback0 libxenback-dev libxenback-sim0 libxenback-sim-dev xenback-dkms xenbackd"
ver=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")

"$top/scripts/make-deb.sh" > "$tmp/make-deb.log" 2>&1
tap_point $? "make deb (dpkg-buildpackage -us -uc -b)" || { tap_diag_file "$tmp/make-deb.log"; tap_done; }
n=0
for p in $pkgs; do ls "$D/${p}_${ver}_"*.deb >/dev/null 2>&1 && n=$((n + 1)); done
tap_point $((n != 6)) "six packages built ($n; and their -dbgsym)"
! grep -q "dpkg-gensymbols: warning" "$D/build.log"
tap_point $? "the symbols files generated from the version scripts match both libraries exactly"
grep -h "dpkg-gensymbols: warning" -A8 "$D/build.log" | head -n 20 | tap_diag

lintian --pedantic -I "$D"/*.changes > "$tmp/lintian.log" 2>&1
grep -E '^[EW]: ' "$tmp/lintian.log" > "$tmp/lintian.ew"
[ ! -s "$tmp/lintian.ew" ]
tap_point $? "lintian --pedantic: no error, no warning ($(grep -c '^[EW]: ' "$tmp/lintian.log") E/W, $(grep -c '^I: ' "$tmp/lintian.log") info)"
tap_diag_file "$tmp/lintian.ew"
grep '^I: ' "$tmp/lintian.log" | tap_diag

# contents
has() { # <package> <path>...
	_p=$1; shift
	dpkg -c "$D/${_p}_${ver}_"*.deb | awk '{ print $6 }' | sed 's|^\./|/|' > "$tmp/c"
	for _f in "$@"; do grep -qx "$_f" "$tmp/c" || { echo "$_f"; return 1; }; done
}
m=$(has libxenback0 /usr/lib/x86_64-linux-gnu/libxenback.so.0 "/usr/lib/x86_64-linux-gnu/libxenback.so.$ver")
tap_point $? "libxenback0: the shared library and its soname link${m:+ (missing $m)}"
m=$(has libxenback-dev /usr/include/xenback.h /usr/include/xenback/uapi/xenback.h \
	/usr/lib/x86_64-linux-gnu/libxenback.a /usr/lib/x86_64-linux-gnu/libxenback.so \
	/usr/lib/x86_64-linux-gnu/pkgconfig/xenback.pc /usr/share/man/man3/libxenback.3.gz)
tap_point $? "libxenback-dev: headers (uapi too), static library, .so link, xenback.pc, libxenback(3)${m:+ (missing $m)}"
m=$(has libxenback-sim-dev /usr/include/xenback/sim.h /usr/lib/x86_64-linux-gnu/pkgconfig/xenback-sim.pc)
tap_point $? "libxenback-sim-dev: xenback/sim.h and xenback-sim.pc${m:+ (missing $m)}"
m=$(has xenback-dkms "/usr/src/xenback-$ver/dkms.conf" "/usr/src/xenback-$ver/Kbuild" \
	"/usr/src/xenback-$ver/main.c" "/usr/src/xenback-$ver/uapi/xenback.h")
tap_point $? "xenback-dkms: the module's sources, Kbuild, dkms.conf, its uapi copy${m:+ (missing $m)}"
m=$(has xenbackd /usr/sbin/xenbackd /usr/bin/xenbackctl /usr/lib/xenback/xenback-dm \
	/lib/systemd/system/xenbackd.service /usr/share/man/man8/xenbackd.8.gz \
	/usr/share/man/man8/xenbackctl.8.gz /usr/share/man/man8/xenback-dm.8.gz \
	/usr/share/doc/xenbackd/examples/xenback-net.modprobe.conf)
tap_point $? "xenbackd: daemon, tools, unit, three man pages, the netback modprobe example (not installed as a conffile)${m:+ (missing $m)}"
! dpkg -c "$D/xenbackd_${ver}_"*.deb | grep -q 'etc/modprobe.d'
tap_point $? "xenbackd installs nothing in /etc/modprobe.d"
grep -q "ExecStart=/usr/sbin/xenbackd " <(dpkg --fsys-tarfile "$D/xenbackd_${ver}_"*.deb | tar -xOf - ./lib/systemd/system/xenbackd.service)
tap_point $? "the packaged unit runs /usr/sbin/xenbackd"

# unpacked
root=$tmp/root
for p in $pkgs; do dpkg -x "$D/${p}_${ver}_"*.deb "$root"; done
ok=0
for b in usr/sbin/xenbackd usr/bin/xenbackctl usr/lib/xenback/xenback-dm; do
	"$root/$b" --help > /dev/null 2>&1 || { ok=1; echo "# $b --help failed"; }
done
tap_point $ok "the unpacked xenbackd, xenbackctl and xenback-dm run (--help)"
cat > "$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include <xenback.h>
#include <xenback/sim.h>
#include <uapi/xenback.h>

int main(void)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct xenback_bus *bus = NULL;
	int r = sim ? xenback_bus_new(xenback_sim_platform(sim), NULL, &bus) : -1;

	printf("bus %d, state 4 is %s\n", r, xenback_state_name(4));
	xenback_bus_free(bus);
	xenback_sim_free(sim);
	return r != 0;
}
EOF
lib=$root/usr/lib/x86_64-linux-gnu
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
	gcc -Wall -Werror -o "$tmp/prog" "$tmp/prog.c" $(PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root pkg-config --cflags --libs xenback-sim) > "$tmp/cc.log" 2>&1
r=$?
out=$(LD_LIBRARY_PATH=$lib "$tmp/prog" 2>&1) && [ $r = 0 ]
tap_point $? "a program builds against the -dev packages with pkg-config alone and runs on their shared libraries ($out)"
[ $r = 0 ] || tap_diag_file "$tmp/cc.log"

kver=
for k in /lib/modules/*/build; do [ -e "$k/Makefile" ] && kver=$(basename "$(dirname "$k")"); done
if [ -n "$kver" ]; then
	mkdir -p "$tmp/dkms"
	dkms build -m xenback -v "$ver" -k "$kver" --sourcetree "$root/usr/src" --dkmstree "$tmp/dkms" > "$tmp/dkms.log" 2>&1
	r=$?
	ko=$(find "$tmp/dkms" -name xenback.ko 2>/dev/null | head -n 1)
	[ $r = 0 ] && [ -n "$ko" ]
	tap_point $? "DKMS builds xenback.ko for $kver from xenback-dkms's sources (${ko#"$tmp"/})"
	[ $r = 0 ] || tail -n 20 "$tmp/dkms.log" | tap_diag
else
	echo "ok $((tap_n += 1)) - DKMS builds xenback.ko # SKIP no kernel headers installed"
fi

# installed for real
inst=
for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && inst="$inst $p"; done
if [ "$(id -u)" != 0 ] || [ -n "$inst" ]; then
	why=${inst:+already installed:$inst}
	echo "ok $((tap_n += 1)) - dpkg -i, systemd-analyze verify, dpkg --purge # SKIP ${why:-not root}"
	tap_done
fi
debs=()
for p in $pkgs; do debs+=("$(ls "$D/${p}_${ver}_"*.deb)"); done
dpkg -i "${debs[@]}" > "$tmp/dpkg-i.log" 2>&1
r=$?
tap_point $r "dpkg -i of the six packages"
[ $r = 0 ] || tail -n 20 "$tmp/dpkg-i.log" | tap_diag
systemd-analyze verify --man=no /lib/systemd/system/xenbackd.service > "$tmp/verify.log" 2>&1
r=$?
tap_point $r "systemd-analyze verify xenbackd.service"
tap_diag_file "$tmp/verify.log"
if [ -n "$kver" ] && [ "$kver" = "$(uname -r)" ]; then
	dkms status xenback 2>&1 | grep -q "installed"
	tap_point $? "the DKMS postinst built and installed xenback.ko for the running kernel ($(dkms status xenback 2>&1 | head -n 1))"
else
	grep -qi "xenback" "$tmp/dpkg-i.log"
	echo "ok $((tap_n += 1)) - the DKMS postinst built xenback.ko for the running kernel # SKIP no headers for $(uname -r)"
fi
if [ -r /proc/modules ]; then
	! grep -qw xenback /proc/modules
	tap_point $? "installing loaded no module"
else
	echo "ok $((tap_n += 1)) - installing loaded no module # SKIP no /proc/modules here"
fi
# shellcheck disable=SC2086 # one word per package
dpkg -L $pkgs 2>/dev/null | sort -u > "$tmp/files"
# shellcheck disable=SC2086
dpkg --purge $pkgs > "$tmp/dpkg-p.log" 2>&1
r=$?
left=$(while read -r f; do [ -f "$f" ] && echo "$f"; done < "$tmp/files")
left="$left$(ls -d /usr/src/xenback-* /var/lib/dkms/xenback /etc/systemd/system/*/xenbackd.service 2>/dev/null)"
[ $r = 0 ] && [ -z "$left" ]
tap_point $? "dpkg --purge leaves no file of theirs, no DKMS tree, no unit link (exit $r)"
[ -n "$left" ] && echo "$left" | head -n 10 | tap_diag
tap_done
