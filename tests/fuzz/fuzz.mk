# Fuzzing (libFuzzer, clang-14 from Debian: clang-14 and libfuzzer-14-dev).
#   make fuzz [FUZZ_SECONDS=60]   each harness for FUZZ_SECONDS, TAP
#   make fuzz-check               each for FUZZ_CHECK_SECONDS (make check runs it)
# Harnesses: tests/fuzz/fuzz-<name>.c, each seeded from tests/fuzz/corpus/<name>/
# (committed); what a run finds new goes to $(B)/fuzz/corpus/<name>/, crashes
# to $(B)/fuzz/artifacts/. Any crash, leak, timeout or UBSan report fails.
FUZZ_CC            ?= clang-14
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 20
FUZZ_B             := $(B)/fuzz
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS        := $(BASEFLAGS) -Itests/unit $(NL_CFLAGS) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_NAMES         := blk-ring xs-path qmp
FUZZ_BINS          := $(FUZZ_NAMES:%=$(FUZZ_B)/fuzz-%)
fuzzo = $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(1))

# What is missing to build the harnesses (empty: nothing).
FUZZ_MISSING := $(strip $(if $(shell command -v $(FUZZ_CC) 2>/dev/null),,$(FUZZ_CC)) \
	$(if $(wildcard /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a),,libfuzzer-14-dev))

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

FUZZ_SIM := $(call fuzzo,$(LIB_SRC) $(SIM_SRC) tests/unit/helpers/simbus.c)
$(FUZZ_B)/fuzz-blk-ring: $(call fuzzo,tests/fuzz/fuzz-blk-ring.c $(BLK_SRC) tests/unit/helpers/blkfront.c) $(FUZZ_SIM)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(XEN_LIBS) $(URING_LIBS)
$(FUZZ_B)/fuzz-xs-path: $(call fuzzo,tests/fuzz/fuzz-xs-path.c) $(FUZZ_SIM)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(XEN_LIBS)
$(FUZZ_B)/fuzz-qmp: $(call fuzzo,tests/fuzz/fuzz-qmp.c userspace/tools/xenback-dm/qmp.c)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(NL_LIBS)

.PHONY: fuzz fuzz-build fuzz-check
ifeq ($(FUZZ_MISSING),)
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@FUZZ_RUN_SECONDS=$(FUZZ_SECONDS) scripts/run-tap.sh fuzz tests/fuzz/fuzz-run.sh
fuzz-check: $(FUZZ_BINS)
	@scripts/run-tap.sh fuzz tests/fuzz/fuzz-run.sh
CHECK_DEPS  += $(FUZZ_BINS)
else
fuzz fuzz-build fuzz-check:
	@scripts/run-tap.sh fuzz tests/fuzz/fuzz-run.sh
endif
# fuzz-run.sh: the harnesses, where they are, for how long, what is missing.
export FUZZ_MISSING FUZZ_CHECK_SECONDS FUZZ_B FUZZ_NAMES
CHECK_TESTS += tests/fuzz/fuzz-run.sh

# The first seeds (tests/fuzz/fuzz-seeds.c) into tests/fuzz/corpus/.
.PHONY: fuzz-seeds
$(FUZZ_B)/fuzz-seeds: tests/fuzz/fuzz-seeds.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) -O1 -o $@ $<
fuzz-seeds: $(FUZZ_B)/fuzz-seeds
	$(FUZZ_B)/fuzz-seeds tests/fuzz/corpus
