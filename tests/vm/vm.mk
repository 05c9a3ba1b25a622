# vm tier: xenback.ko and its static test programs in a QEMU VM running
# Debian's kernel (included by the top Makefile).
#   make vm-check      build everything, boot once, run every test (TAP)
#   make bench-notify  boot once, run the notify benchmark
VM_DIR      := $(B)/vm
export XB_VM_DIR := $(abspath $(VM_DIR))
VM_BZIMAGE  := $(lastword $(sort $(wildcard /boot/vmlinuz-*-amd64)))
VM_QEMU     := $(shell command -v qemu-system-x86_64 2>/dev/null)
VM_BUSYBOX  := $(shell command -v busybox 2>/dev/null)
VM_MISSING  := $(strip $(if $(VM_QEMU),,qemu-system-x86_64) \
                 $(if $(VM_BZIMAGE),,/boot/vmlinuz-*-amd64) \
                 $(if $(KDIR),,kernel headers) \
                 $(if $(VM_BUSYBOX),,busybox-static))

VM_CFLAGS   := -std=gnu11 -D_GNU_SOURCE -I. -Iinclude -Iuserspace/lib/platform $(WARN) -O2 -g -MMD -MP -static -pthread
VM_HDR      := tests/vm/progs/vmtest.h tests/vm/progs/vt_late.h tests/unit/tap.h uapi/xenback.h userspace/lib/platform/xenback_dev.h
# The one /dev/xenback client, linked into every program (the library's own,
# userspace/lib/platform/xenback_dev.c).
VM_CLIENT   := userspace/lib/platform/xenback_dev.c
VM_TEST_SRC := $(sort $(wildcard tests/vm/progs/test-*.c))
VM_TESTS    := $(VM_TEST_SRC:tests/vm/progs/%.c=$(VM_DIR)/progs/%)
VM_NOMOD    := $(VM_DIR)/progs/test-libops
VM_BENCH    := $(VM_DIR)/progs/bench-notify
VM_CTL      := $(VM_DIR)/xenbackctl
VM_CTL_SRC  := userspace/tools/xenbackctl/stats.c tests/vm/progs/xbctl-main.c
VM_NL_STATIC := $(shell pkg-config --static --libs libnl-genl-3.0 json-c 2>/dev/null)

$(VM_DIR)/vmlinux: $(VM_BZIMAGE) scripts/extract-vmlinux.sh
	@mkdir -p $(@D)
	scripts/extract-vmlinux.sh $< $@

$(VM_DIR)/progs/test-libops: tests/vm/progs/test-libops.c userspace/lib/platform/evtchn_xenback.c $(VM_CLIENT) $(VM_HDR)
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) -o $@ $(filter %.c,$^)
# test-drain: the blk backend's waits (libc only), io_uring; a ramdisk and
# dm-delay from the VM kernel's modules.
$(VM_DIR)/progs/test-drain: tests/vm/progs/test-drain.c userspace/backends/blk/blk_drain_wait.c userspace/backends/blk/blk_drain_wait.h $(VM_CLIENT) $(VM_HDR)
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) -o $@ $(filter %.c,$^) -luring
$(VM_DIR)/progs/%: tests/vm/progs/%.c $(VM_CLIENT) $(VM_HDR)
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) -o $@ $(filter %.c,$^)

$(VM_CTL): $(VM_CTL_SRC) userspace/tools/xenbackctl/stats.h uapi/xenback.h
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) $(NL_CFLAGS) -o $@ $(VM_CTL_SRC) $(VM_NL_STATIC)

# The VM kernel's ramdisk and dm-delay modules (test-drain).
VM_KVER     := $(patsubst /boot/vmlinuz-%,%,$(VM_BZIMAGE))
VM_MODS     := $(wildcard $(addprefix /lib/modules/$(VM_KVER)/kernel/drivers/,block/brd.ko md/dm-mod.ko md/dm-delay.ko))

# xb_pollq.ko: a test device (tests/vm/pollq) for test-races: a file polling
# on more wait queues than any stock one, freed with POLLFREE. Built in its
# folder against the kernel the VM boots, like kmod/.
VM_POLLQ    := tests/vm/pollq/xb_pollq.ko
$(VM_POLLQ): tests/vm/pollq/xb_pollq.c tests/vm/pollq/xb_pollq.h tests/vm/pollq/Kbuild
	@test -n "$(KDIR)" || { echo "xb_pollq: no kernel headers (set KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/pollq KCFLAGS=-Werror modules
VM_MODS     += $(VM_POLLQ)

# perf (linux-perf), with its libraries, when installed: test-perf SKIPs without.
VM_PERF     := $(wildcard /usr/bin/perf)

# vm_initramfs <xenback.ko> <extra modules>: the tier's initramfs.
define vm_initramfs
	scripts/mkinitramfs-vm.sh -o $@ -i tests/vm/init.sh -f $(1):/xenback.ko \
	  $(if $(VM_PERF),-l $(VM_PERF):/usr/bin/perf) \
	  $(foreach t,$(VM_TESTS),-f $(t):/tests/$(notdir $(t))) \
	  -f $(VM_NOMOD):/tests/nomod/test-libops \
	  -f $(VM_BENCH):/bench/bench-notify -f $(VM_CTL):/bin/xenbackctl \
	  $(foreach m,$(2),-f $(m):/mod/$(notdir $(m)))
endef
$(VM_DIR)/initramfs.cpio: tests/vm/init.sh scripts/mkinitramfs-vm.sh kmod/xenback.ko $(VM_TESTS) $(VM_BENCH) $(VM_CTL) $(VM_POLLQ)
	$(call vm_initramfs,kmod/xenback.ko,$(VM_MODS))

VM_DEPS := $(VM_DIR)/vmlinux $(VM_DIR)/initramfs.cpio

.PHONY: vm-check bench-notify vm-build
ifeq ($(VM_MISSING),)
vm-build: $(VM_DEPS)
vm-check: $(VM_DEPS)
	@scripts/run-tap.sh vm tests/vm/vm-tier.sh
bench-notify: $(VM_DEPS)
	@XB_VM_MODE=bench XB_VM_SMP=$${XB_VM_SMP:-1} tests/vm/vm-tier.sh | grep -E '^(BENCH|not ok|#)' ; \
	  test $${PIPESTATUS[0]} -eq 0
CHECK_DEPS  += $(VM_DEPS)
CHECK_TESTS += tests/vm/vm-tier.sh
else
.PHONY: $(VM_DIR)/skip-vm.sh
$(VM_DIR)/skip-vm.sh:
	@mkdir -p $(@D)
	printf '#!/bin/sh\necho 1..1\necho "ok 1 # SKIP vm tier: missing $(VM_MISSING)"\n' > $@
	chmod +x $@
vm-check: $(VM_DIR)/skip-vm.sh
	@scripts/run-tap.sh vm $<
bench-notify:
	@echo "bench-notify: missing $(VM_MISSING)" >&2; exit 1
CHECK_DEPS  += $(VM_DIR)/skip-vm.sh
CHECK_TESTS += $(VM_DIR)/skip-vm.sh
endif

# ------------------------------------------------------------ vm-debug tier
# The same programs on a debug kernel (KASAN, KFENCE, lockdep, kmemleak, ...)
# built once per machine from linux-source-6.1 (scripts/debug-kernel.sh,
# cached under /var/cache/xenback), the module built against it.
#   make vm-debug-check
VMD_DIR     := $(B)/vm-debug
VMD_MISSING := $(strip $(VM_MISSING) $(if $(wildcard /usr/src/linux-source-6.1.tar.xz),,linux-source-6.1))
.PHONY: vm-debug-check $(VMD_DIR)/kdir.new
ifeq ($(VMD_MISSING),)
# The cached build tree's path; rewritten only when it changes.
$(VMD_DIR)/kdir.new:
	@mkdir -p $(@D)
	scripts/debug-kernel.sh > $@
$(VMD_DIR)/kdir: $(VMD_DIR)/kdir.new
	@cmp -s $< $@ || cp $< $@
$(VMD_DIR)/bzImage: $(VMD_DIR)/kdir
	cp "$$(cat $<)/arch/x86/boot/bzImage" $@
# vmd_kbuild <source dir> <copy under $(VMD_DIR)>: a module built against
# the debug kernel in a copy of its sources (kbuild writes next to them; the
# vm tier's builds stay as they are), then copied to the target.
define vmd_kbuild
	rm -rf $(VMD_DIR)/$(2) && mkdir -p $(VMD_DIR)/$(2)
	cp $(1)/Kbuild $(1)/*.c $(1)/*.h $(VMD_DIR)/$(2)/
	$(MAKE) -C "$$(cat $<)" M=$(abspath $(VMD_DIR))/$(2) KCFLAGS=-Werror XENBACK_TEST_HOOKS=y modules
	cp $(VMD_DIR)/$(2)/$(notdir $@) $@
endef
# xenback.ko; its Kbuild finds uapi/ one level up, copied there too.
$(VMD_DIR)/xenback.ko: $(VMD_DIR)/kdir $(KMOD_SRC)
	mkdir -p $(VMD_DIR)/mod/uapi && cp uapi/*.h $(VMD_DIR)/mod/uapi/
	$(call vmd_kbuild,kmod,mod/kmod)
# test-races' poll-queue module, against the debug kernel too.
$(VMD_DIR)/xb_pollq.ko: $(VMD_DIR)/kdir tests/vm/pollq/xb_pollq.c tests/vm/pollq/xb_pollq.h tests/vm/pollq/Kbuild
	$(call vmd_kbuild,tests/vm/pollq,pollq)
$(VMD_DIR)/initramfs.cpio: tests/vm/init.sh scripts/mkinitramfs-vm.sh $(VMD_DIR)/xenback.ko $(VMD_DIR)/xb_pollq.ko $(VM_TESTS) $(VM_BENCH) $(VM_CTL)
	$(call vm_initramfs,$(VMD_DIR)/xenback.ko,$(VMD_DIR)/xb_pollq.ko)
VMD_DEPS := $(VMD_DIR)/bzImage $(VMD_DIR)/initramfs.cpio
vm-debug-check: $(VMD_DEPS)
	@scripts/run-tap.sh vm-debug tests/vm/vm-debug-tier.sh
CHECK_DEPS  += $(VMD_DEPS)
CHECK_TESTS += tests/vm/vm-debug-tier.sh
else
vm-debug-check:
	@echo "vm-debug-check: missing $(VMD_MISSING)" >&2; exit 1
endif
