#!/bin/sh
# The xen tier from the packages (issue 16): xenbackd, xenbackctl and
# xenback-dm as the xenbackd .deb ships them, and xenback.ko as DKMS builds
# it from xenback-dkms for this kernel (scripts/deb-root.sh). They are
# unpacked with dpkg -x at build time, not installed with dpkg -i: this
# dom0 is an initramfs with no dpkg database and no systemd, so the
# maintainer scripts (dkms install, the unit's enable) cannot run here;
# tests/pkg/deb-check.sh runs them (dpkg -i, dpkg --purge) on the build host.
# The end-to-end disk test: a PV guest whose qdisk disk the packaged
# xenbackd serves, with the packaged xenback-dm as its device model and the
# DKMS-built module loaded; the pattern written and read back, xl destroy,
# nothing left.
# shellcheck source=dom0-lib.sh
. /xen/tests/dom0-lib.sh
R=/xen/deb-root
have "build/xen/deb-root (the packages)" || { notok "packages: build/xen/deb-root was built (scripts/deb-root.sh failed)"; exit 0; }
# the packaged tools first in PATH: xenbackctl (and the helpers using it) too
PATH=$R/usr/sbin:$R/usr/bin:$PATH
export PATH
registry_empty() { xenbackctl list >/dev/null 2>&1 && [ -z "$(xbctl_devs)" ]; }
[ -c /dev/xenback ] && rmmod xenback
insmod $R/xenback-dkms.ko; point $? "packages: xenback.ko built by DKMS from xenback-dkms loads"
[ -c /dev/xenback ]; point $? "packages: /dev/xenback is there"
grep -q "^ExecStart=/usr/sbin/xenbackd " $R/lib/systemd/system/xenbackd.service
point $? "packages: the packaged unit starts /usr/sbin/xenbackd (what runs here, from $R)"
[ "$(command -v xenbackd)" = $R/usr/sbin/xenbackd ] && [ "$(command -v xenbackctl)" = $R/usr/bin/xenbackctl ]
point $? "packages: xenbackd and xenbackctl are the packaged ones ($(command -v xenbackd))"
xenbackd --types qdisk --foreground --log-level info > $W/xenbackd-deb.log 2>&1 &
xpid=$!
wait_for 10 xenbackctl list; point $? "packages: the packaged xenbackd answers the packaged xenbackctl"
img=$W/deb.img
cp /xen/pattern.bin $img
g=xbdeb
XB_EXTRA_CFG="device_model_override = \"$R/usr/lib/xenback/xenback-dm\"" guest_cfg $g "format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=$img"
guest_create $g; point $? "packages: xl create with the packaged xenback-dm as device model"
id=$(domid $g) || { kill $xpid; exit 0; }
guest_ready $g; point $? "packages: domU $id booted"
connected /local/domain/0/backend/qdisk/"$id"/51712 /local/domain/"$id"/device/vbd/51712
point $? "packages: xvda Connected"
guest_run $g verify xvda
guest_run $g pattern xvda
np=$(xbctl_ports | awk -v d="$id" '$2 == d' | wc -l)
[ "$np" -gt 0 ]; point $? "packages: the DKMS-built module carries xvda's events ($np ports for domain $id)"
xl destroy $g; point $? "packages: xl destroy"
wait_for 15 registry_empty; point $? "packages: registry empty"
guest_console_clean $g
kill -TERM $xpid; wait $xpid; point $? "packages: the packaged xenbackd exits 0 on SIGTERM"
rmmod xenback; point $? "packages: rmmod of the DKMS-built module"
! grep -qE "error|warning" $W/xenbackd-deb.log; point $? "packages: no error or warning in the packaged xenbackd's log"
grep -E "error|warning|xenback.ko" $W/xenbackd-deb.log | head -n 5 | sed 's/^/# log: /'
rm -f "$img" # dom0's /tmp is its memory
