#!/bin/sh
# usage: domU-stor.sh start|restart|stop|empty|clean|log — the storage domain of
# dom0-39-driver-domain.sh: xenbackd --backend-domid <this domain's id>
# --types qdisk serves /tmp/stor.img (48 MiB, the 8 MiB pattern first) and
# /tmp/stor2.img (the pattern) to
# other guests whose disk spec says backend=<this domain>. No xl devd runs
# here: xenbackd itself removes a backend node once Closed and offline.
#   start    the image, then the first xenbackd
#   restart  SIGTERM (the devices handed over), a new xenbackd, which takes
#            every device over while its frontend keeps going
#   stop     SIGTERM, exit 0 expected
#   empty    xenbackctl list shows no device
#   clean    no error or warning in any xenbackd's log
#   log      every xenbackd's log, as TAP comments
# shellcheck source=domU-lib.sh
. /xen/tests/domU-lib.sh
id=$(xenstore-read domid)
L=/tmp/xenbackd
n=$(cat $L.n 2>/dev/null || echo 0)
answers() {
	_i=0
	while ! xenbackctl list >/dev/null 2>&1; do
		_i=$((_i + 1)); [ $_i -gt 50 ] && return 1
		sleep 0.2
	done
}
launch() {
	n=$((n + 1)); echo $n > $L.n
	xenbackd --backend-domid "$id" --types qdisk --log-level info > $L-$n.log 2>&1 &
	echo $! > $L.pid
	answers
}
term() { # SIGTERM the running xenbackd and wait for it to go
	_p=$(cat $L.pid)
	kill -TERM "$_p" || return 1
	_i=0
	while kill -0 "$_p" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -gt 100 ] && return 1
		sleep 0.1
	done
}
case $1 in
start)
	i=0
	while [ ! -c /dev/xen/gntdev ] || [ ! -c /dev/xen/evtchn ]; do
		i=$((i + 1)); [ $i -gt 50 ] && break
		sleep 0.2
	done
	[ -c /dev/xen/gntdev ] && [ -c /dev/xen/evtchn ] && [ -c /dev/xen/xenbus ]
	point $? "stor: /dev/xen/gntdev, evtchn and xenbus are here (domain $id)"
	cp /xen/pattern.bin /tmp/stor.img && dd if=/dev/zero of=/tmp/stor.img bs=1M seek=8 count=40 2>/dev/null &&
		cp /xen/pattern.bin /tmp/stor2.img
	point $? "stor: images of 48 and 8 MiB in this domain's memory, the pattern first"
	launch; point $? "stor: xenbackd --backend-domid $id --types qdisk answers"
	;;
restart)
	term; point $? "stor: xenbackd $n went on SIGTERM"
	grep -q "handed over" "$L-$n.log"; point $? "stor: and handed its devices over"
	launch; point $? "stor: xenbackd $n answers"
	;;
stop)
	term; point $? "stor: xenbackd $n went on SIGTERM"
	;;
empty)
	out=$(xenbackctl list 2>&1); r=$?
	[ $r = 0 ] && ! echo "$out" | grep -q "^qdisk"
	point $? "stor: xenbackd's registry is empty"
	[ $r = 0 ] || echo "$out" | sed 's/^/# /'
	;;
clean)
	! grep -hE "error|warning" "$L"-*.log | grep -q .
	point $? "stor: no error or warning in any xenbackd's log"
	;;
log)
	for f in "$L"-*.log; do sed "s|^|# ${f#/tmp/}: |" "$f"; done
	;;
*)
	notok "stor: unknown command $1"; exit 2 ;;
esac
