# Benchmarks (never part of make check). `make bench` runs them all.
BENCH_CFLAGS := $(BASEFLAGS) -O2

$(B)/bench/bench-bringup: $(call pic,tests/bench/bench-bringup.c) $(B)/libxenback-sim.a $(B)/libxenback.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(XEN_LIBS)

.PHONY: bench bench-bringup
bench-bringup: $(B)/bench/bench-bringup
	$(B)/bench/bench-bringup

BENCH_TARGETS += bench-bringup $(if $(VM_MISSING),,bench-notify)
bench: $(BENCH_TARGETS)
