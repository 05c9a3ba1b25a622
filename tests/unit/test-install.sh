#!/usr/bin/env bash
# make install ships what a backend author needs and nothing unusable: a
# program written against the installed headers (library, simulator, the
# module's uapi) builds with pkg-config alone, links shared and static, and
# runs; no header is installed without the library it declares.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/unit/tap.sh
. "$top/tests/unit/tap.sh"

root=$tmp/root
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s -C "$top" install \
	DESTDIR="$root" PREFIX=/usr >"$tmp/install.log" 2>&1
r=$?
tap_point $r "make install DESTDIR=... PREFIX=/usr"
[ $r -eq 0 ] || tap_diag_file "$tmp/install.log"
grep -qx 'includedir=/usr/include' "$root/usr/lib/pkgconfig/xenback.pc"
tap_point $? "xenback.pc names the install's directories, not the build's default"

# Every installed header is one a program can use with an installed library.
hdrs=$(cd "$root/usr/include" 2>/dev/null && find . -name '*.h' | sort | tr '\n' ' ')
[ "$hdrs" = "./xenback.h ./xenback/sim.h ./xenback/uapi/xenback.h " ]
tap_point $? "installed headers: xenback.h, xenback/sim.h, xenback/uapi/xenback.h (got: $hdrs)"

cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include <xenback.h>
#include <xenback/sim.h>
#include <uapi/xenback.h>

int main(void)
{
	struct xenback_sim *sim = xenback_sim_new();
	struct xenback_bus *bus = NULL;
	int r = sim ? xenback_bus_new(xenback_sim_platform(sim), NULL, &bus) : -1;

	printf("bus %d notify-ioctl %lu\n", r, (unsigned long)XENBACK_IOCTL_NOTIFY);
	xenback_bus_free(bus);
	xenback_sim_free(sim);
	return r != 0;
}
EOF
export PKG_CONFIG_PATH=$root/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
gcc -Wall -Werror -o "$tmp/prog" "$tmp/prog.c" $(pkg-config --cflags --libs xenback-sim) >"$tmp/cc.log" 2>&1
r=$?
tap_point $r "builds with \`pkg-config --cflags --libs xenback-sim\` only"
[ $r -eq 0 ] || tap_diag_file "$tmp/cc.log"
out=$(LD_LIBRARY_PATH=$root/usr/lib "$tmp/prog" 2>&1)
tap_point $? "runs against the installed shared libraries ($out)"
ldd_out=$(LD_LIBRARY_PATH=$root/usr/lib ldd "$tmp/prog" 2>&1)
grep -q "libxenback.so.0 => $root" <<<"$ldd_out" && grep -q "libxenback-sim.so.0 => $root" <<<"$ldd_out"
tap_point $? "linked to libxenback.so.0 and libxenback-sim.so.0 by soname"

# shellcheck disable=SC2046
gcc -Wall -Werror -o "$tmp/prog-static" "$tmp/prog.c" \
	$(pkg-config --static --cflags xenback-sim) "$root/usr/lib/libxenback-sim.a" \
	"$root/usr/lib/libxenback.a" $(pkg-config --static --libs-only-l xenback | sed 's/-lxenback //') \
	>"$tmp/cc-static.log" 2>&1 && "$tmp/prog-static" >/dev/null
r=$?
tap_point $r "links statically against the installed archives and runs"
[ $r -eq 0 ] || tap_diag_file "$tmp/cc-static.log"

[ -x "$root/usr/sbin/xenbackd" ] && [ -x "$root/usr/bin/xenbackctl" ] &&
	[ -x "$root/usr/lib/xenback/xenback-dm" ] && [ -e "$root/usr/share/man/man8/xenbackd.8" ]
tap_point $? "the daemon, its tools and man page are installed"
[ -e "$root/usr/share/man/man8/xenbackctl.8" ] && [ -e "$root/usr/share/man/man8/xenback-dm.8" ] &&
	[ -e "$root/usr/share/man/man3/libxenback.3" ]
tap_point $? "and xenbackctl(8), xenback-dm(8), libxenback(3)"
u=$root/etc/systemd/system/xenbackd.service
grep -q '^ExecStart=/usr/sbin/xenbackd ' "$u" && grep -q '^ExecReload=/usr/bin/xenbackctl restart' "$u" && ! grep -q /usr/local "$u"
tap_point $? "the installed unit runs the installed binaries (PREFIX=/usr: nothing under /usr/local)"
tap_done
