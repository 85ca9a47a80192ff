# sandbox: one top-level Makefile. Each component lists its objects explicitly
# in its own fragment (host/host.mk, rootfs/rootfs.mk, guest-init/guest-init.mk,
# tests/tests.mk); this file holds the flags, the rules and the top targets.
#
#   make            deps + sandbox binary + guest init + guest kernel + test images
#   make test       unit tests (ASan+UBSan) then integration tests (test host if needed)
#   make demo       build everything and `sandbox run` the bundled busybox image
#   make bench      side-by-side benchmarks
#   make fuzz       libFuzzer targets
#   V=1             verbose

B := build
CC ?= cc
MUSL_CC ?= musl-gcc
FUZZ_CC ?= clang

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes
STD := -std=c11 -D_GNU_SOURCE
OPT ?= -O2 -g
DEP = -MMD -MP
# guest-init only for quoted includes: its limits.h must not shadow <limits.h>
INC := -Ihost -Ihost/util -Ihost/vmm -Irootfs -iquote guest-init
CFLAGS_HOST := $(STD) $(WARN) $(OPT) $(DEP) $(INC) $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS_SAN := $(STD) $(WARN) -O1 -g $(SAN) $(DEP) $(INC) -DUNIT_TEST $(CFLAGS)
# libFuzzer targets (clang); each component lists its own (fuzz-host, fuzz-rootfs).
FUZZ_FLAGS := $(STD) $(WARN) -Wno-missing-prototypes -O1 -g $(INC) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# The sandbox binary is static (static-pie: still randomized), with the
# compression libraries libarchive pulls in and ISA-L built by
# rootfs/isal-build: exec spends no time in a dynamic loader, and the VMM maps
# no shared library. bench/startup measures exec -> first KVM_RUN.
# libslirp is built by host/net/slirp-build (Debian ships no .a) and needs
# glib, whose static archive Debian ships (with pcre2's).
ISAL_A := $(B)/isal/libisal.a
SLIRP_A := $(B)/slirp/libslirp.a
HOST_LIBS := -larchive -ljansson -lcrypto -llz4 -lfdt -lzstd -llzma -lbz2 -lz $(ISAL_A) \
	$(SLIRP_A) -lglib-2.0 -lpcre2-8 -lseccomp -lpthread -lm

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps sandbox init kernel images test unit integration demo fuzz fuzz-long bench clean format install
all: deps sandbox init kernel images

include host/host.mk
include host/cli.mk
include host/net/net.mk
include host/fsd/fsd.mk
include host/jail/jail.mk
include host/snapshot/snapshot.mk
include host/runtime/runtime.mk
include host/registry/registry.mk
include rootfs/rootfs.mk
include guest-init/guest-init.mk
include tests/tests.mk

deps:
	$(Q)./.ci/deps

# --- host binary ---------------------------------------------------------
HOST_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(sort $(HOST_SRCS) $(ROOTFS_SRCS)))
sandbox: $(B)/sandbox
$(B)/sandbox: $(HOST_OBJS) $(ISAL_A) $(SLIRP_A) Makefile
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -static-pie -o $@ $(filter %.o,$^) $(HOST_LIBS) $(LDFLAGS)

$(ISAL_A): rootfs/isal-build | deps
	$(Q)rootfs/isal-build $@

$(SLIRP_A): host/net/slirp-build | deps
	$(Q)host/net/slirp-build $(dir $@)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_HOST) -c -o $@ $<

# --- sanitizer objects for unit tests ------------------------------------
$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	$(Q)$(CC) $(CFLAGS_SAN) -c -o $@ $<

# One binary per tests/unit/test_<module>.c; its module sources are listed in
# the component fragment as test_<module>_SRCS (and extra libs as _LIBS).
define unit_test_rule
$(B)/unit/$(1): $(B)/san/tests/unit/$(1).o $(patsubst %.c,$(B)/san/%.o,$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	@echo "  LD-SAN  $$@"
	$(Q)$(CC) $(SAN) -o $$@ $$^ $($(1)_LIBS) -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))
UNIT_BINS := $(addprefix $(B)/unit/,$(UNIT_TESTS))

# --- guest kernel (cached outside the clone) -----------------------------
# Always asks the script: its cache key includes the linux-source package
# version, which make cannot see; a cache hit costs a few milliseconds.
kernel: deps
	$(Q)kernel-config/build $(B)/kernel

# --- targets ---------------------------------------------------------------
test: all $(UNIT_BINS) fuzz
	$(Q)tests/run $(UNIT_BINS)

unit: deps $(UNIT_BINS) fuzz
	$(Q)tests/run --unit-only $(UNIT_BINS)

# make install [PREFIX=/usr/local] [DESTDIR=]: the binaries with the guest kernel
# and init beside them in PREFIX/lib/sandbox (where they look for them), and
# PREFIX/bin/sandbox and PREFIX/bin/sandbox-runtime linking there.
PREFIX ?= /usr/local
LIBDIR := $(DESTDIR)$(PREFIX)/lib/sandbox
install: sandbox init kernel
	install -d $(LIBDIR)/kernel $(LIBDIR)/guest $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(B)/sandbox $(B)/sandbox-registry $(LIBDIR)/
	install -m 0644 $(B)/kernel/bzImage $(LIBDIR)/kernel/
	install -m 0644 $(B)/guest/init.cpio $(LIBDIR)/guest/
	ln -sf ../lib/sandbox/sandbox $(DESTDIR)$(PREFIX)/bin/sandbox
	ln -sf ../lib/sandbox/sandbox $(DESTDIR)$(PREFIX)/bin/sandbox-runtime

integration: all
	$(Q)tests/run --integration-only

demo: all
	$(Q)tests/demo

fuzz: deps fuzz-host fuzz-rootfs fuzz-guest
# Every target for minutes (FUZZ_LONG_SECONDS each, default 300): executions and
# coverage per target in build/fuzz-long/report.txt (README, "Fuzzing").
fuzz-long: fuzz
	$(Q)tests/fuzz/long $(FUZZ_LONG_SECONDS)

# Side-by-side benchmarks (each prints its own table; see README "Figures").
bench: all
	$(Q)bench/all

clean:
	rm -rf $(B)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)
