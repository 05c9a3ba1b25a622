# Benchmarks (never part of make check). `make bench` runs them all.
BENCH_CFLAGS := $(BASEFLAGS) -O2

$(B)/bench/bench-bringup: $(call pic,tests/bench/bench-bringup.c) $(B)/libxenback-sim.a $(B)/libxenback.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(XEN_LIBS)

# The block backend's bounce-buffer pool against an mmap per request.
$(B)/bench/bench-bounce: $(call pic,tests/bench/bench-bounce.c) $(B)/libxenback-blk.a $(B)/libxenback-sim.a $(B)/libxenback.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(XEN_LIBS) -luring

.PHONY: bench bench-bringup bench-bounce
bench-bringup: $(B)/bench/bench-bringup
	$(B)/bench/bench-bringup

bench-bounce: $(B)/bench/bench-bounce
	$(B)/bench/bench-bounce

BENCH_TARGETS += bench-bringup bench-bounce $(if $(VM_MISSING),,bench-notify)
bench: $(BENCH_TARGETS)
