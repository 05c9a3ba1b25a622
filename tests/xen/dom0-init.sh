#!/bin/sh
# /init of the xen tier's dom0 (PV, Debian's kernel, under Xen 4.17 in QEMU).
# Brings up Xen's userspace (xenstored, xen-init-dom0, xenconsoled), prints
# XB-DOM0-READY, runs /xen/tests/dom0-tests.sh (TAP on the console), checks the
# kernel log, prints XB-DONE and powers off. scripts/xen-run.sh reads this.
# Kernel command line: xb.tests=<glob> limits which dom0-*.sh run (default all);
# xb.script_timeout=<s> bounds each dom0-*.sh (default 1200);
# xb.crash=panic panics dom0 on purpose (tests scripts/xen-run.sh);
# xb.env.<NAME>=<value> exports a knob to the scripts (e.g. XB_ADV_SCENARIOS).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
rm -rf /var/run && ln -s /run /var/run
mkdir -p /run/xen /run/xenstored /var/log/xen /var/lib/xen /var/lock

fail() { echo "not ok - dom0 setup: $*"; echo "XB-DONE"; sleep 1; poweroff -f; }
while read -r m; do
	insmod "$m" || echo "# insmod $m failed"
done < /etc/xb-modules
mount -t xenfs xenfs /proc/xen || fail "mount xenfs"
xenstored --pid-file=/run/xenstored.pid || fail "xenstored did not start"
i=0
while [ ! -S /run/xenstored/socket ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no /run/xenstored/socket after 10 s"
	sleep 0.1
done
xen-init-dom0 >/var/log/xen/xen-init-dom0.log 2>&1 || fail "xen-init-dom0: $(cat /var/log/xen/xen-init-dom0.log)"
xenconsoled --log=guest --log-dir=/var/log/xen --pid-file=/run/xenconsoled.pid || fail "xenconsoled did not start"
echo "XB-DOM0-READY"

tests='' crash='' demo='' script_timeout=1200
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	xb.tests=*) tests=${w#xb.tests=} ;;
	xb.script_timeout=*) script_timeout=${w#xb.script_timeout=} ;;
	xb.demo=*) demo=${w#xb.demo=} ;; # make demo: tests/xen/dom0-demo.sh instead of the tests
	xb.crash=*) crash=${w#xb.crash=} ;; # self-test of xen-run.sh's crash detection
	xb.env.*=*) export "${w#xb.env.}" ;; # a knob for the scripts (XB_XEN_DOM0_ENV)
	esac
done
case $crash in
panic) echo c > /proc/sysrq-trigger ;;

esac
if [ -n "$demo" ]; then
	sh /xen/tests/dom0-demo.sh
else
	XB_TESTS=$tests XB_SCRIPT_TIMEOUT=$script_timeout sh /xen/tests/dom0-tests.sh
fi

bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|kernel BUG|list_add corruption|list_del corruption|Poison overwritten|Redzone')
if [ -n "$bad" ]; then
	echo "not ok - dom0 kernel log is clean"
	echo "$bad" | sed 's/^/# dom0 dmesg: /'
else
	echo "ok - dom0 kernel log is clean"
fi
echo "XB-DONE"
sleep 1
poweroff -f
