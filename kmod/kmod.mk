# xenback.ko: make kmod / make kmod-clean (included by the top Makefile).
# The project's own build has -Werror and the test hooks (kmod/test_hooks.c:
# module parameters test_*); a DKMS build has neither.
# KDIR: the kernel build tree; default the running kernel's if installed,
# else the newest Debian /usr/src/linux-headers-*-amd64.
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
KMOD_SRC := $(wildcard kmod/*.c kmod/*.h kmod/Kbuild) uapi/xenback.h

.PHONY: kmod kmod-clean
kmod: kmod/xenback.ko
kmod/xenback.ko: $(KMOD_SRC)
	@test -n "$(KDIR)" || { echo "kmod: no kernel headers (set KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod KCFLAGS=-Werror XENBACK_TEST_HOOKS=y modules
kmod-clean:
	@test -z "$(KDIR)" || $(MAKE) -s -C $(KDIR) M=$(CURDIR)/kmod clean
	@test -z "$(KDIR)" || $(MAKE) -s -C $(KDIR) M=$(CURDIR)/tests/vm/pollq clean
