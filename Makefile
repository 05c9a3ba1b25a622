# xenback — the one entry point. See README.md.
#   make              library (.so/.a), xenback.pc, tools
#   make check        every test tier that exists, then a summary
#   make unit-check   unit tier (simulated platform, ASan+UBSan)
#   make vm-check     kernel-module tier (boots Debian's kernel in QEMU)
#   make demo         the main job on an embedded default
#   make bench        every benchmark
SHELL := /bin/bash
.DEFAULT_GOAL := all

# Goals that need the Debian packages install them first, before anything
# below is parsed: what a tier is missing (VM_MISSING, XEN_MISSING, the
# pkg-config flags) is computed when the Makefile is read, so a first run on
# a fresh machine must install before that to run what the second run runs.
# DEPS is the installer (tests/unit/test-deps-first-run.sh fakes it);
# XB_DEPS_DONE keeps sub-makes from checking again.
DEPS        ?= scripts/deps.sh
DEPS_GOALS  := check unit-check vm-check xen-check demo demo-sim bench bench-% abi-check lint
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
PKGS        := xenstore xengnttab xenevtchn
WARN        := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS   := -std=gnu11 -D_GNU_SOURCE -Iinclude -I. -Iuserspace/lib $(WARN) -g
CFLAGS      ?= -O2
XEN_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lxenstore -lxengnttab -lxenevtchn)
SAN         := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC     := $(sort $(wildcard userspace/lib/*.c))
LIB_HDR     := $(wildcard include/*.h include/xenback/*.h userspace/lib/*.h uapi/*.h)
LIB_OBJ     := $(LIB_SRC:%.c=$(B)/pic/%.o)
LIB_SAN_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
LIB_MAP     := userspace/lib/libxenback.map

# Backends: one folder per type, each a static archive linked into xenbackd.
BLK_SRC     := $(sort $(wildcard userspace/backends/blk/*.c))
BLK_HDR     := $(wildcard userspace/backends/blk/*.h)
BLK_OBJ     := $(BLK_SRC:%.c=$(B)/pic/%.o)
BLK_SAN_OBJ := $(BLK_SRC:%.c=$(B)/san/%.o)
URING_LIBS  := $(shell pkg-config --libs liburing 2>/dev/null || echo -luring)

TOOLS       := xenbackctl xenback-demo-sim xenback-dm
TOOL_BINS   := $(TOOLS:%=$(B)/%)
# Multi-file tools: every .c in userspace/tools/<name>/.
CTL_SRC     := $(sort $(wildcard userspace/tools/xenbackctl/*.c))
NL_CFLAGS   := $(shell pkg-config --cflags libnl-genl-3.0 json-c 2>/dev/null)
NL_LIBS     := $(shell pkg-config --libs libnl-genl-3.0 json-c 2>/dev/null)

UNIT_SRC    := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS   := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
# Script tests of the build itself (TAP, run as they are).
UNIT_SH     := $(sort $(wildcard tests/unit/test-*.sh))
UNIT_HELP   := $(wildcard tests/unit/helpers/*.c)

.PHONY: all lib tools check unit-check demo demo-sim bench install clean deps kmod vm-check bench-bringup
all: lib tools $(B)/xenback.pc

lib: $(B)/libxenback.so $(B)/libxenback.a $(B)/libxenback-blk.a
tools: $(TOOL_BINS)

$(B)/pic/%.o: %.c $(LIB_HDR) $(BLK_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(CFLAGS) -fPIC -c $< -o $@

$(B)/san/%.o: %.c $(LIB_HDR) $(BLK_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O1 $(SAN) -c $< -o $@

$(B)/libxenback.so.$(VERSION): $(LIB_OBJ) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,libxenback.so.$(SOVERSION) -Wl,--version-script=$(LIB_MAP) \
	  -Wl,--no-undefined -o $@ $(LIB_OBJ) $(XEN_LIBS)
$(B)/libxenback.so: $(B)/libxenback.so.$(VERSION)
	ln -sf libxenback.so.$(VERSION) $@
	ln -sf libxenback.so.$(VERSION) $(B)/libxenback.so.$(SOVERSION)
$(B)/libxenback.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libxenback-san.a: $(LIB_SAN_OBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libxenback-blk.a: $(BLK_OBJ)
	rm -f $@ && ar rcs $@ $^
$(B)/libxenback-blk-san.a: $(BLK_SAN_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/xenback.pc: userspace/lib/xenback.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|;s|@LIBDIR@|$(LIBDIR)|;s|@INCLUDEDIR@|$(INCLUDEDIR)|;s|@VERSION@|$(VERSION)|' $< > $@

# Tools link the static library so they run from the build tree.
XENBACKD_SRC := $(sort $(wildcard userspace/tools/xenbackd/*.c))
$(B)/xenbackd: $(XENBACKD_SRC) $(wildcard userspace/tools/xenbackd/*.h) $(B)/libxenback-blk.a $(B)/libxenback.a $(LIB_HDR)
	$(CC) $(BASEFLAGS) $(NL_CFLAGS) $(CFLAGS) -o $@ $(XENBACKD_SRC) $(B)/libxenback-blk.a $(B)/libxenback.a $(XEN_LIBS) $(URING_LIBS) $(NL_LIBS)

$(B)/xenbackctl: $(CTL_SRC) $(B)/libxenback.a $(LIB_HDR) $(wildcard userspace/tools/xenbackctl/*.h)
	$(CC) $(BASEFLAGS) $(NL_CFLAGS) $(CFLAGS) -o $@ $(CTL_SRC) $(B)/libxenback.a $(XEN_LIBS) $(NL_LIBS)
$(B)/%: userspace/tools/%.c $(B)/libxenback.a $(LIB_HDR)
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< $(B)/libxenback.a $(XEN_LIBS) $(TOOL_LIBS_$*)

# ---------------------------------------------------------------- unit tier
$(B)/unit/%: tests/unit/%.c $(UNIT_HELP) $(wildcard tests/unit/helpers/*.h) tests/unit/tap.h $(B)/libxenback-san.a $(B)/libxenback-blk-san.a
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -Itests/unit -O1 $(SAN) -o $@ $< $(UNIT_HELP) $(B)/libxenback-blk-san.a $(B)/libxenback-san.a $(XEN_LIBS) $(URING_LIBS)

unit-build: $(UNIT_BINS)
unit-check: $(UNIT_BINS)
	@scripts/run-tap.sh unit $(UNIT_BINS) $(UNIT_SH)

# ---------------------------------------------------------------- the rest
-include kmod/kmod.mk
-include tests/vm/vm.mk
-include tests/xen/xen.mk
-include tests/bench/xen-bench.mk
-include tests/bench/bench.mk

CHECK_TIERS ?= unit $(EXTRA_TIERS)
check: $(UNIT_BINS) $(CHECK_DEPS)
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

install: all $(B)/xenbackd
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/xenback $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libxenback.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/libxenback.so.$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libxenback.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libxenback.so.$(SOVERSION)
	ln -sf libxenback.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libxenback.so
	install -m 644 include/xenback.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/xenback/*.h $(DESTDIR)$(INCLUDEDIR)/xenback/
	install -m 644 $(B)/xenback.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 755 $(B)/xenbackctl $(DESTDIR)$(BINDIR)/
	install -D -m 755 $(B)/xenbackd $(DESTDIR)$(PREFIX)/sbin/xenbackd
	install -D -m 755 $(B)/xenback-dm $(DESTDIR)$(PREFIX)/lib/xenback/xenback-dm
	install -D -m 644 userspace/tools/xenbackd/xenbackd.8 $(DESTDIR)$(PREFIX)/share/man/man8/xenbackd.8
	install -D -m 644 userspace/tools/xenbackd/xenbackd.service $(DESTDIR)/etc/systemd/system/xenbackd.service

clean:
	rm -rf $(B)
	-$(MAKE) -s kmod-clean 2>/dev/null
