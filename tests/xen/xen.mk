# The xen tier (included by the top Makefile): real Xen 4.17 in QEMU (TCG),
# Debian's kernel as PV dom0 and domU; scripts/xen-run.sh boots it. See README.md.
#   make xen-check          build, make the initramfs, boot, TAP
#   XB_XEN_TESTS='*peer*'   only some dom0-*.sh scripts
#   XB_XEN_VERBOSE=1        copy the serial console to stderr
XEN_B       := $(B)/xen
XEN_MISSING := $(strip $(if $(wildcard /boot/xen-4.17*-amd64.gz),,xen-hypervisor-4.17-amd64) \
                 $(if $(wildcard /usr/lib/xen-4.17/bin/xl),,xen-utils-4.17) \
                 $(if $(wildcard /usr/bin/xenstore-read),,xenstore-utils) \
                 $(if $(wildcard /sbin/dmsetup),,dmsetup) \
                 $(if $(wildcard /boot/vmlinuz-*-amd64),,linux-image-amd64) \
                 $(if $(shell command -v qemu-system-x86_64 2>/dev/null),,qemu-system-x86) \
                 $(if $(shell command -v busybox 2>/dev/null),,busybox-static) \
                 $(if $(shell command -v cpio 2>/dev/null),,cpio))
XEN_TESTSRC := $(wildcard tests/xen/*)
# The adversarial frontend run in a domU (tests/xen/adversary/, dom0-50-adversary.sh).
ADV_SRC     := $(sort $(wildcard tests/xen/adversary/*.c))

$(XEN_B)/xb-adversary: $(ADV_SRC) tests/xen/adversary/adv.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) -g $(CFLAGS) -o $@ $(ADV_SRC) $(XEN_LIBS)

.PHONY: xen-check xen-build xen-initramfs
# Our binaries and module; tests/xen/dom0-40-* runs the vm tier's interdomain
# program, test-gntdev-ring and test-grant-io (static) in dom0.
xen-build: $(B)/xenbackd $(B)/xenback-dm $(B)/xenbackctl $(VM_DIR)/progs/test-interdomain \
           $(XEN_B)/progs/test-gntdev-ring $(XEN_B)/progs/test-grant-io $(XEN_B)/progs/xb-netcheck \
           $(XEN_B)/progs/xb-chancheck kmod
# dom0's own test programs (tests/xen/progs/), static like the vm tier's,
# with their helpers (xentest.h, vmtest.h) and /dev/xenback client.
$(XEN_B)/progs/%: tests/xen/progs/%.c tests/xen/progs/xentest.h $(VM_CLIENT) $(VM_HDR)
	@mkdir -p $(@D)
	$(CC) $(VM_CFLAGS) -Itests/vm/progs -o $@ $(filter %.c,$^)

$(XEN_B)/domU.cpio: scripts/mkinitramfs-xen.sh scripts/mkinitramfs-vm.sh $(XEN_TESTSRC) $(XEN_B)/xb-adversary \
                    $(XEN_B)/progs/xb-netcheck $(XEN_B)/progs/xb-chancheck $(B)/xenbackd $(B)/xenbackctl
	scripts/mkinitramfs-xen.sh domU $@
# The well-behaved guest of dom0-50-adversary.sh: the domU archive plus fio
# (left out, and that script skips, when fio is not installed).
XEN_FIO     := $(if $(shell command -v fio 2>/dev/null),$(XEN_B)/domU-fio.cpio)
$(XEN_B)/domU-fio.cpio: $(XEN_B)/domU.cpio
	scripts/mkinitramfs-xen.sh domU-fio $@ $<
# The packages, as the dom0 of tests/xen/dom0-31-packages.sh gets them:
# unpacked, and xenback.ko built through DKMS (scripts/deb-root.sh). A
# failure leaves them out (that test fails, naming it) and the rest runs.
.PHONY: xen-deb-root
xen-deb-root:
	scripts/deb-root.sh $(XEN_B)/deb-root || echo "xen: the packages could not be built (tests/xen/dom0-31-packages.sh will fail)" >&2
xen-initramfs: xen-deb-root
xen-initramfs: xen-build $(XEN_B)/domU.cpio $(XEN_FIO)
	scripts/mkinitramfs-xen.sh dom0 $(XEN_B)/dom0.cpio $(XEN_B)/domU.cpio $(XEN_FIO)

ifeq ($(XEN_MISSING),)
xen-check: xen-initramfs
	@scripts/run-tap.sh xen tests/xen/xen-tier.sh
CHECK_DEPS  += xen-initramfs
CHECK_TESTS += tests/xen/xen-tier.sh
else
xen-check:
	@XEN_MISSING="$(XEN_MISSING)" scripts/run-tap.sh xen tests/xen/xen-skip.sh
export XEN_MISSING
CHECK_TESTS += tests/xen/xen-skip.sh
endif
