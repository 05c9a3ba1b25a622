# xenback — the one entry point. See README.md.
#   make              library (.so/.a), xenback.pc, tools
#   make check        every test tier that exists, then a summary
#   make unit-check   unit tier (simulated platform, ASan+UBSan)
#   make vm-check     kernel-module tier (boots Debian's kernel in QEMU)
#   make demo         the main job on an embedded default
#   make bench        every benchmark
#   make lint         shellcheck, checkpatch, clang-format (scripts/lint.mk)
#   make deb          Debian packages in build/deb/ (tests/pkg/pkg.mk)
SHELL := /bin/bash
.DEFAULT_GOAL := all

# Goals that need the Debian packages install them first, before anything
# below is parsed: what a tier is missing (VM_MISSING, XEN_MISSING, the
# pkg-config flags) is computed when the Makefile is read, so a first run on
# a fresh machine must install before that to run what the second run runs.
# DEPS is the installer (tests/unit/test-deps-first-run.sh fakes it);
# XB_DEPS_DONE keeps sub-makes from checking again.
DEPS        ?= scripts/deps.sh
DEPS_GOALS  := check unit-check vm-check xen-check demo demo-sim bench bench-% abi-check lint fuzz fuzz-check deb deb-check
ifneq ($(XB_DEPS_DONE),1)
ifneq ($(filter $(DEPS_GOALS),$(MAKECMDGOALS)),)
DEPS_RC := $(shell $(DEPS) --check-or-install >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error $(DEPS) --check-or-install failed (exit $(DEPS_RC)))
endif
export XB_DEPS_DONE := 1
endif
endif

VERSION     := 0.1.0
SOVERSION   := 0
PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
BINDIR      ?= $(PREFIX)/bin

B           := build
CC          ?= gcc
WARN        := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# -MMD -MP: every object depends on the headers it includes (build/**/*.d).
BASEFLAGS   := -std=gnu11 -D_GNU_SOURCE -Iinclude -I. -Iuserspace/lib/platform $(WARN) -g -MMD -MP
CFLAGS      ?= -O2
XEN_LIBS    := $(shell pkg-config --libs xenstore xengnttab xenevtchn 2>/dev/null || echo -lxenstore -lxengnttab -lxenevtchn)
URING_LIBS  := $(shell pkg-config --libs liburing 2>/dev/null || echo -luring)
NL_CFLAGS   := $(shell pkg-config --cflags libnl-genl-3.0 libnl-route-3.0 json-c 2>/dev/null)
NL_LIBS     := $(shell pkg-config --libs libnl-genl-3.0 libnl-route-3.0 json-c 2>/dev/null)
SAN         := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Objects: $(B)/pic/<source path>.o for what ships (-fPIC, symbols hidden
# unless XB_EXPORT), $(B)/san/<source path>.o for the unit tier.
pic = $(patsubst %.c,$(B)/pic/%.o,$(1))
san = $(patsubst %.c,$(B)/san/%.o,$(1))

# libxenback: the core and the real platform (libxenstore, libxengnttab,
# libxenevtchn, /dev/xenback).
LIB_SRC     := $(sort $(wildcard userspace/lib/core/*.c userspace/lib/platform/*.c))
LIB_MAP     := userspace/lib/libxenback.map
# libxenback-sim: the simulated platform, a library of its own (tests, demo).
SIM_SRC     := $(sort $(wildcard userspace/lib/sim/*.c))
SIM_MAP     := userspace/lib/sim/libxenback-sim.map
# Backends: one folder per type, each a static archive linked into xenbackd.
BLK_SRC     := $(sort $(wildcard userspace/backends/blk/*.c))
NET_SRC     := $(sort $(wildcard userspace/backends/net/*.c))
CONS_SRC    := $(sort $(wildcard userspace/backends/console/*.c))

$(B)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(NL_CFLAGS) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
$(B)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASEFLAGS) $(NL_CFLAGS) -Itests/unit -O1 $(SAN) -DXB_TEST_HOOKS -c $< -o $@

.PHONY: all lib tools check unit-check unit-build demo demo-sim install clean deps deps-check
all: lib tools $(B)/xenback.pc $(B)/xenback-sim.pc

SOLIBS      := $(B)/libxenback.so $(B)/libxenback-sim.so
lib: $(SOLIBS) $(B)/libxenback.a $(B)/libxenback-sim.a $(B)/libxenback-blk.a $(B)/libxenback-net.a $(B)/libxenback-console.a

# lib_so <name> <objects> <map> <libs>: the .so.VERSION, its two links, the .a.
define lib_so
$(B)/$(1).so.$(VERSION): $(2) $(3)
	$$(CC) -shared -Wl,-soname,$(1).so.$(SOVERSION) -Wl,--version-script=$(3) \
	  -Wl,--no-undefined $$(LDFLAGS) -o $$@ $(2) $(4)
$(B)/$(1).so: $(B)/$(1).so.$(VERSION)
	ln -sf $(1).so.$(VERSION) $$@
	ln -sf $(1).so.$(VERSION) $(B)/$(1).so.$(SOVERSION)
endef
$(eval $(call lib_so,libxenback,$(call pic,$(LIB_SRC)),$(LIB_MAP),$(XEN_LIBS)))
$(eval $(call lib_so,libxenback-sim,$(call pic,$(SIM_SRC)),$(SIM_MAP),))

$(B)/libxenback.a: $(call pic,$(LIB_SRC))
$(B)/libxenback-sim.a: $(call pic,$(SIM_SRC))
$(B)/libxenback-blk.a: $(call pic,$(BLK_SRC))
$(B)/libxenback-net.a: $(call pic,$(NET_SRC))
$(B)/libxenback-console.a: $(call pic,$(CONS_SRC))
$(B)/libxenback-san.a: $(call san,$(LIB_SRC))
$(B)/libxenback-sim-san.a: $(call san,$(SIM_SRC))
$(B)/libxenback-blk-san.a: $(call san,$(BLK_SRC))
$(B)/libxenback-net-san.a: $(call san,$(NET_SRC))
$(B)/libxenback-console-san.a: $(call san,$(CONS_SRC))
$(B)/%.a:
	rm -f $@ && ar rcs $@ $^

$(B)/xenback.pc: userspace/lib/xenback.pc.in
$(B)/xenback-sim.pc: userspace/lib/sim/xenback-sim.pc.in
# The install directories the .pc files name: rewritten (and the .pc files
# with it) whenever PREFIX, LIBDIR or INCLUDEDIR differ from the last run, so
# `make install PREFIX=/usr` after a plain `make` installs correct ones.
PC_DIRS     := $(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(VERSION)
$(B)/pc-dirs: FORCE
	@mkdir -p $(@D); echo '$(PC_DIRS)' | cmp -s - $@ || echo '$(PC_DIRS)' > $@
.PHONY: FORCE
$(B)/%.pc: $(B)/pc-dirs
	sed -e 's|@PREFIX@|$(PREFIX)|;s|@LIBDIR@|$(LIBDIR)|;s|@INCLUDEDIR@|$(INCLUDEDIR)|;s|@VERSION@|$(VERSION)|' $(filter %.pc.in,$^) > $@

# Tools: every .c of userspace/tools/<name>/ (or userspace/tools/<name>.c),
# linked with the static libraries so they run from the build tree.
TOOLS       := xenbackd xenbackctl xenback-dm xenback-demo-sim
TOOL_BINS   := $(TOOLS:%=$(B)/%)
tool_src     = $(or $(sort $(wildcard userspace/tools/$(1)/*.c)),userspace/tools/$(1).c)
tools: $(TOOL_BINS)
$(B)/xenbackd: $(call pic,$(call tool_src,xenbackd)) $(B)/libxenback-blk.a $(B)/libxenback-net.a $(B)/libxenback-console.a $(B)/libxenback.a
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS) $(URING_LIBS) $(NL_LIBS)
$(B)/xenbackctl: $(call pic,$(call tool_src,xenbackctl)) $(B)/libxenback.a
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS) $(NL_LIBS)
$(B)/xenback-dm: $(call pic,$(call tool_src,xenback-dm)) $(B)/libxenback.a
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS) $(NL_LIBS)
$(B)/xenback-demo-sim: $(call pic,$(call tool_src,xenback-demo-sim)) $(B)/libxenback-sim.a $(B)/libxenback.a
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS)

# ---------------------------------------------------------------- unit tier
UNIT_SRC    := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS   := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
UNIT_HELP   := $(sort $(wildcard tests/unit/helpers/*.c))
# Script tests of the build itself (TAP, run as they are).
UNIT_SH     := $(sort $(wildcard tests/unit/test-*.sh))
UNIT_LIBS   := $(B)/libxenback-blk-san.a $(B)/libxenback-net-san.a $(B)/libxenback-console-san.a $(B)/libxenback-sim-san.a $(B)/libxenback-san.a
$(B)/unit/%: $(B)/san/tests/unit/%.o $(call san,$(UNIT_HELP)) $(UNIT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(SAN) -o $@ $^ $(XEN_LIBS) $(URING_LIBS) $(UNIT_TOOL_LIBS)
# The net backend's tap and link code: libnl-route.
$(B)/unit/test-net-tap $(B)/unit/test-net-rps $(B)/unit/test-net-vif $(B)/unit/test-net-vif-kmod: UNIT_TOOL_LIBS := $(NL_LIBS)
# A tool's own code under unit test: xenback-dm's QMP (json-c).
$(B)/unit/test-xenback-dm-qmp: $(call san,userspace/tools/xenback-dm/qmp.c)
$(B)/unit/test-xenback-dm-qmp: UNIT_TOOL_LIBS := $(NL_LIBS)
$(B)/unit/test-xenback-dm-server: $(call san,userspace/tools/xenback-dm/server.c userspace/tools/xenback-dm/qmp.c)
$(B)/unit/test-xenback-dm-server: UNIT_TOOL_LIBS := $(NL_LIBS)
# xenbackd's control socket on the simulated bus.
$(B)/unit/test-control: $(call san,userspace/tools/xenbackd/control.c)
$(B)/unit/test-control: UNIT_TOOL_LIBS := $(NL_LIBS)

unit-build: $(UNIT_BINS)
unit-check: $(UNIT_BINS) $(SOLIBS) $(TOOL_BINS) # test-tool-options runs the tools
	@scripts/run-tap.sh unit $(UNIT_BINS) $(UNIT_SH)

# ---------------------------------------------------------------- the rest
include kmod/kmod.mk
include tests/vm/vm.mk
include tests/xen/xen.mk
include tests/bench/xen-bench.mk
include tests/bench/bench.mk
include scripts/lint.mk
include tests/fuzz/fuzz.mk
include tests/pkg/pkg.mk

# ---------------------------------------------------------------- ABI
# The shared libraries against the committed dumps (userspace/lib/abi/);
# abi-dump accepts an intended change (new symbols, a new SOVERSION).
.PHONY: abi-check abi-dump
abi-check: $(SOLIBS)
	@scripts/run-tap.sh abi scripts/abi-check.sh
abi-dump: $(SOLIBS)
	scripts/abi-check.sh --update
CHECK_DEPS  += $(SOLIBS)
CHECK_TESTS += scripts/abi-check.sh

check: $(UNIT_BINS) $(TOOL_BINS) $(CHECK_DEPS)
	@scripts/run-tap.sh all $(UNIT_BINS) $(UNIT_SH) $(CHECK_TESTS)

# make demo: real Xen in QEMU (scripts/xen-demo.sh); make demo-sim: the
# simulated platform, no Xen needed.
demo-sim: $(B)/xenback-demo-sim
	$(B)/xenback-demo-sim
ifeq ($(XEN_MISSING),)
demo: xen-initramfs
	@scripts/xen-demo.sh
else
demo: $(B)/xenback-demo-sim
	@echo "demo: real Xen is not available here (missing: $(XEN_MISSING)); the simulated demo instead:"
	$(B)/xenback-demo-sim
endif

deps:
	scripts/deps.sh
deps-check:
	@$(DEPS) --check-or-install

# What a backend author and a host need: the two libraries (shared, static,
# pkg-config), their headers and the module's ABI header (xenback/uapi/xenback.h:
# #include <uapi/xenback.h> with `pkg-config --cflags xenback`), the daemon,
# its tools, man page and unit. The block backend is part of xenbackd, not a
# library: its header and archive are not installed.
install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/xenback/uapi $(DESTDIR)$(BINDIR)
	for l in libxenback libxenback-sim; do \
	  install -m 644 $(B)/$$l.a $(DESTDIR)$(LIBDIR)/ && \
	  install -m 755 $(B)/$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/ && \
	  ln -sf $$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$$l.so.$(SOVERSION) && \
	  ln -sf $$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$$l.so || exit 1; done
	install -m 644 $(B)/xenback.pc $(B)/xenback-sim.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 include/xenback.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/xenback/sim.h $(DESTDIR)$(INCLUDEDIR)/xenback/
	install -m 644 uapi/xenback.h $(DESTDIR)$(INCLUDEDIR)/xenback/uapi/
	install -m 755 $(B)/xenbackctl $(DESTDIR)$(BINDIR)/
	install -D -m 755 $(B)/xenbackd $(DESTDIR)$(PREFIX)/sbin/xenbackd
	install -D -m 755 $(B)/xenback-dm $(DESTDIR)$(PREFIX)/lib/xenback/xenback-dm
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 userspace/tools/xenbackd/xenbackd.8 userspace/tools/xenbackctl/xenbackctl.8 \
	  userspace/tools/xenback-dm/xenback-dm.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 userspace/lib/libxenback.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -d $(DESTDIR)/etc/systemd/system
	sed 's|/usr/local/|$(PREFIX)/|g' userspace/tools/xenbackd/xenbackd.service > $(DESTDIR)/etc/systemd/system/xenbackd.service

clean:
	rm -rf $(B)
	-$(MAKE) -s kmod-clean 2>/dev/null

# Header dependencies written by -MMD (absent before the first build).
-include $(shell find $(B) -name '*.d' 2>/dev/null)
