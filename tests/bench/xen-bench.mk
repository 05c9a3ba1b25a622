# Benchmarks on real Xen 4.17 in QEMU (TCG), side by side with the peers
# (included by the top Makefile; never part of `make check`, never asserts timings).
#   make bench-blk          fio in a PV domU: xenbackd vs xen-blkback vs QEMU's qdisk
#   make bench-notify-xen   dom0 ping-pong: /dev/xenback vs libxenevtchn
#   make bench-xen          both in one boot, then tests/bench/RESULTS.md's figures and plot
# Knobs (environment): XB_BENCH_RUNTIME (6 s), XB_BENCH_RAMP (2 s), XB_BENCH_REPS (3),
# XB_BENCH_SIZE_MB (64), XB_XEN_VERBOSE=1 (console to stderr).
XB_BENCH_B := $(B)/xen-bench
XB_BENCH_SRC := $(wildcard tests/bench/xen/*)

$(B)/bench/xb-dom0cpu: tests/bench/xen/xb-dom0cpu.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -lxenctrl
$(B)/bench/bench-notify-xen: tests/bench/xen/bench-notify-xen.c uapi/xenback.h tests/vm/progs/xbtest.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -lxenevtchn

.PHONY: bench-blk bench-notify-xen bench-xen xen-bench-initramfs
xen-bench-initramfs: xen-build $(XEN_B)/domU.cpio $(B)/bench/xb-dom0cpu $(B)/bench/bench-notify-xen
	tests/bench/xen/mkinitramfs-bench.sh $(XB_BENCH_B) $(XEN_B)/domU.cpio

# One QEMU at a time on this machine: wait for any other to finish first.
XB_BENCH_BOOT = while pgrep -x qemu-system-x86 >/dev/null; do echo "bench: waiting for another QEMU to finish" >&2; sleep 10; done; \
	tests/bench/xen/xen-bench.sh $(XB_BENCH_B)

bench-blk: xen-bench-initramfs
	@$(XB_BENCH_BOOT) '*bench-blk*'
bench-notify-xen: xen-bench-initramfs
	@$(XB_BENCH_BOOT) '*bench-notify*'
bench-xen: xen-bench-initramfs
	@$(XB_BENCH_BOOT) '*bench-*' && tests/bench/xen/results.sh $(XB_BENCH_B)

ifneq ($(XEN_READY),)
BENCH_TARGETS += bench-xen
endif
