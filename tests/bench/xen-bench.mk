# Benchmarks on real Xen 4.17 in QEMU (TCG), side by side with the peers
# (included by the top Makefile; never part of `make check`, never asserts timings).
#   make bench-blk          fio in a PV domU: xenbackd vs xen-blkback vs QEMU's qdisk
#   make bench-notify-xen   dom0 ping-pong: /dev/xenback vs libxenevtchn
#   make bench-net          iperf3 in a PV domU: its vif on xenbackd vs on xen-netback
#                           (XB_BENCH_NET_TIME: seconds per run, 10; XB_BENCH_REPS rounds)
#   make bench-xen          one boot per backing (XB_BENCH_BACKINGS: raw ext4 tmpfs; the
#                           first also runs bench-notify-xen), then tests/bench/RESULTS.md's
#                           figures (the first backing leads) and plots
# Knobs (environment): XB_BENCH_RUNTIME (12 s, as in the issue), XB_BENCH_RAMP (2 s), XB_BENCH_REPS (3),
# XB_BENCH_SIZE_MB (64), XB_BENCH_BACKING for bench-blk (tmpfs: files on dom0's
# tmpfs, blkback over a loop device; raw: a brd block device per backend,
# blkback as phy with no loop device; ext4: files on ext4 over one brd device,
# blkback over a loop device with direct I/O), XB_XEN_VERBOSE=1 (console to stderr).
XB_BENCH_B := $(B)/xen-bench
XB_BENCH_SRC := $(wildcard tests/bench/xen/*)

$(B)/bench/xb-dom0cpu: tests/bench/xen/xb-dom0cpu.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -lxenctrl
# /dev/xenback through the library's client of it (xenback_dev.c), linked in.
$(B)/bench/bench-notify-xen: tests/bench/xen/bench-notify-xen.c userspace/lib/platform/xenback_dev.c \
                             userspace/lib/platform/xenback_dev.h uapi/xenback.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $(filter %.c,$^) -lxenevtchn

.PHONY: bench-blk bench-notify-xen bench-net bench-xen xen-bench-initramfs
xen-bench-initramfs: xen-build $(XEN_B)/domU.cpio $(B)/bench/xb-dom0cpu $(B)/bench/bench-notify-xen
	tests/bench/xen/mkinitramfs-bench.sh $(XB_BENCH_B) $(XEN_B)/domU.cpio

# One QEMU at a time on this machine: wait for any other to finish first.
XB_BENCH_BOOT = while pgrep -x qemu-system-x86 >/dev/null; do echo "bench: waiting for another QEMU to finish" >&2; sleep 10; done; \
	tests/bench/xen/xen-bench.sh $(XB_BENCH_B)

bench-blk: xen-bench-initramfs
	@$(XB_BENCH_BOOT) '*bench-blk*'
bench-notify-xen: xen-bench-initramfs
	@$(XB_BENCH_BOOT) '*bench-notify*'
bench-net: xen-bench-initramfs
	@XB_BENCH_OUT=$(XB_BENCH_B)/net; export XB_BENCH_OUT; $(XB_BENCH_BOOT) '*net-bench*'
# One boot per backing, each into $(XB_BENCH_B)/<backing>/; the figures of those
# that printed BENCH lines, even if another failed (then the status says so).
XB_BENCH_BACKINGS ?= raw ext4 tmpfs
bench-xen: xen-bench-initramfs
	@st=0; glob='*bench-*'; for b in $(XB_BENCH_BACKINGS); do \
	  export XB_BENCH_BACKING=$$b XB_BENCH_OUT=$(XB_BENCH_B)/$$b; \
	  $(XB_BENCH_BOOT) "$$glob" || st=1; glob='*bench-blk*'; \
	done; \
	tests/bench/xen/results.sh $(addprefix $(XB_BENCH_B)/,$(XB_BENCH_BACKINGS)) && exit $$st

# In `make bench` when the xen tier can run here (tests/xen/xen.mk says what is missing).
XB_BENCH_MISSING := $(strip $(XEN_MISSING) $(if $(shell command -v fio 2>/dev/null),,fio) \
                      $(if $(shell command -v iperf3 2>/dev/null),,iperf3) \
                      $(if $(wildcard /usr/libexec/xen-qemu-system-i386),,qemu-system-xen))
ifeq ($(XB_BENCH_MISSING),)
BENCH_TARGETS += bench-xen bench-net
endif

# Instruction counts of the block backend's data path on the unit tier's
# simulated platform (repeatable, unlike timings): Ir per request from callgrind.
$(B)/bench/blk-callgrind: tests/bench/blk-callgrind.c $(UNIT_HELP) $(B)/libxenback-blk.a $(B)/libxenback-sim.a $(B)/libxenback.a
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -Itests/unit -o $@ $(filter %.c,$^) $(filter %.a,$^) $(XEN_LIBS) $(URING_LIBS)
.PHONY: bench-blk-callgrind
bench-blk-callgrind: $(B)/bench/blk-callgrind
	@for p in 0 1; do for m in randread randwrite seqread seqwrite; do \
	  n=$$(case $$m in seq*) echo 20 ;; *) echo 20 ;; esac); \
	  XB_PERSISTENT=$$p valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=$(B)/bench/callgrind.$$m.$$p.out \
	    $(B)/bench/blk-callgrind $$m $$n >/dev/null 2>$(B)/bench/callgrind.$$m.$$p.log || { cat $(B)/bench/callgrind.$$m.$$p.log; exit 1; }; \
	  ir=$$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' $(B)/bench/callgrind.$$m.$$p.log); \
	  per=$$(case $$m in seq*) echo 1 ;; *) echo 32 ;; esac); \
	  echo "BENCH blk-callgrind-$$m persistent=$$p ir_per_request=$$((ir / (n * per)))"; \
	done; done
