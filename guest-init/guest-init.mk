# guest-init: the static PID 1 (musl + libfdt) and the cpio the VMM appends to the initrd.
#
#   $(B)/guest/init        stripped static binary
#   $(B)/guest/init.cpio   newc: .sandbox (0700) + .sandbox/init (0755), owner 0:0

GUEST_INIT_SRCS := \
	guest-init/main.c guest-init/config.c guest-init/config_net.c guest-init/config_mounts.c guest-init/net.c \
	guest-init/netfiles.c guest-init/user.c guest-init/cglimits.c host/util/netcheck.c \
	guest-init/status.c guest-init/env.c guest-init/cgroup.c guest-init/masks.c guest-init/mounts.c \
	guest-init/sysinit.c guest-init/portio.c guest-init/spawn.c guest-init/supervise.c guest-init/volumes.c \
	guest-init/vports.c guest-init/fsutil.c guest-init/channel.c guest-init/pump.c host/vmm/virtio/ctlproto.c \
	guest-init/procio.c guest-init/execd.c guest-init/execd_spawn.c guest-init/execd_stdin.c \
	host/vmm/virtio/execproto.c \
	host/util/error.c
GUEST_OBJS := $(patsubst %.c,$(B)/guest/obj/%.o,$(GUEST_INIT_SRCS))
GUEST_LIBFDT := /usr/lib/x86_64-linux-gnu/libfdt.a
# musl-gcc must not see glibc's /usr/include: libfdt's headers get a private copy.
GUEST_FDT_HDRS := $(addprefix $(B)/guest/include/,libfdt.h libfdt_env.h fdt.h)
GUEST_CFLAGS := $(STD) $(WARN) -Os $(DEP) -I$(B)/guest/include -Iguest-init -Ihost/util \
	-Ihost/vmm \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables

init: $(B)/guest/init $(B)/guest/init.cpio

$(GUEST_FDT_HDRS): $(B)/guest/include/%.h: /usr/include/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(B)/guest/obj/%.o: %.c | $(GUEST_FDT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  MUSL-CC $<"
	$(Q)$(MUSL_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(B)/guest/init: $(GUEST_OBJS)
	@echo "  LD      $@"
	$(Q)$(MUSL_CC) -static -Os -Wl,--gc-sections -o $@ $^ $(GUEST_LIBFDT)
	$(Q)strip $@

# .sandbox/version ("sandbox-init 0.1.0, guest ABI 1") is what `sandbox version` shows;
# it comes before the init binary so that reading the archive's head finds it.
GUEST_IDENT = sandbox-init $(shell sed -n 's/^\#define SANDBOX_VERSION "\(.*\)"/\1/p' host/version.h), guest ABI $(shell sed -n 's/^\#define SANDBOX_ABI_VERSION //p' guest-init/abi.h)

$(B)/guest/init.cpio: $(B)/guest/init host/version.h guest-init/abi.h
	@echo "  CPIO    $@"
	$(Q)rm -rf $(B)/guest/stage && mkdir -p $(B)/guest/stage/.sandbox
	$(Q)cp $< $(B)/guest/stage/.sandbox/init
	$(Q)echo "$(GUEST_IDENT)" > $(B)/guest/stage/.sandbox/version
	$(Q)chmod 0700 $(B)/guest/stage/.sandbox && chmod 0755 $(B)/guest/stage/.sandbox/init
	$(Q)chmod 0444 $(B)/guest/stage/.sandbox/version
	$(Q)touch -h -d @0 $(B)/guest/stage/.sandbox/init $(B)/guest/stage/.sandbox/version \
		$(B)/guest/stage/.sandbox
	$(Q)cd $(B)/guest/stage && printf '.sandbox\n.sandbox/version\n.sandbox/init\n' | \
		cpio --quiet -o -H newc -R 0:0 --reproducible > ../init.cpio.tmp
	$(Q)mv $(B)/guest/init.cpio.tmp $@

# --- unit tests (sanitizer build, glibc): the pure parts, without main() ---
UNIT_TESTS += test_guest_config test_runconfig test_guest_user test_guest_exit \
	test_guest_limits test_guest_spawn
test_guest_config_SRCS := guest-init/config.c guest-init/config_net.c guest-init/config_mounts.c guest-init/env.c \
	host/util/netcheck.c host/util/error.c
test_guest_config_LIBS := -lfdt
test_runconfig_SRCS := host/runconfig.c host/runconfig_net.c host/runconfig_vol.c guest-init/config.c \
	guest-init/config_net.c guest-init/config_mounts.c host/util/netcheck.c guest-init/netfiles.c host/util/error.c
test_runconfig_LIBS := -lfdt
test_guest_user_SRCS := guest-init/user.c host/util/error.c
test_guest_exit_SRCS := guest-init/status.c
test_guest_limits_SRCS := guest-init/cglimits.c guest-init/cgroup.c guest-init/fsutil.c host/util/error.c
test_guest_spawn_SRCS := guest-init/spawn.c guest-init/masks.c guest-init/env.c guest-init/cgroup.c guest-init/fsutil.c \
	guest-init/cglimits.c guest-init/portio.c guest-init/status.c guest-init/config.c \
	guest-init/config_net.c guest-init/config_mounts.c host/util/netcheck.c host/util/error.c
test_guest_spawn_LIBS := -lfdt

# exec sessions against a socketpair standing in for the port (real fork/exec, unprivileged).
UNIT_TESTS += test_guest_execd
test_guest_execd_SRCS := guest-init/execd.c guest-init/execd_spawn.c guest-init/execd_stdin.c \
	guest-init/procio.c guest-init/pump.c guest-init/spawn.c guest-init/masks.c guest-init/user.c guest-init/env.c \
	guest-init/cgroup.c guest-init/cglimits.c guest-init/fsutil.c guest-init/portio.c \
	guest-init/status.c guest-init/config.c guest-init/config_net.c guest-init/config_mounts.c \
	host/vmm/virtio/execproto.c host/util/netcheck.c host/util/error.c
test_guest_execd_LIBS := -lfdt

UNIT_TESTS += test_guest_vports test_guest_pump
test_guest_vports_SRCS := guest-init/vports.c guest-init/fsutil.c
test_guest_pump_SRCS := guest-init/pump.c guest-init/channel.c guest-init/vports.c guest-init/fsutil.c \
	guest-init/portio.c host/vmm/virtio/ctlproto.c

# /etc/hosts, resolv.conf, hostname: contents from parsed configs, and the
# symlink-safe writer on a temporary directory.
UNIT_TESTS += test_guest_config_net test_guest_netfiles
test_guest_config_net_SRCS := guest-init/config.c guest-init/config_net.c guest-init/config_mounts.c host/util/netcheck.c \
	host/util/error.c
test_guest_config_net_LIBS := -lfdt
test_guest_netfiles_SRCS := guest-init/netfiles.c guest-init/config.c guest-init/config_net.c guest-init/config_mounts.c \
	host/util/netcheck.c host/util/error.c
test_guest_netfiles_LIBS := -lfdt

# net.c on real interfaces: each test unshares a network namespace and makes
# a tap its eth0 (SKIPs without root or /dev/net/tun).
UNIT_TESTS += test_guest_net
test_guest_net_SRCS := guest-init/net.c host/util/error.c

# libFuzzer: hostile run-config blobs through the parser and the /etc file renderers.
FUZZ_GUEST := fuzz_guest_config
fuzz_guest_config_SRCS := tests/fuzz/fuzz_guest_config.c guest-init/config.c \
	guest-init/config_net.c guest-init/config_mounts.c host/util/netcheck.c guest-init/netfiles.c host/util/error.c
.PHONY: fuzz-guest
fuzz-guest: $(addprefix $(B)/fuzz/,$(FUZZ_GUEST))
$(B)/fuzz/fuzz_guest_config: $(fuzz_guest_config_SRCS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lfdt

# The mounts node: host writer -> guest parser, both sides' checks, tmpfs data.
UNIT_TESTS += test_vol_config
test_vol_config_SRCS := host/runconfig.c host/runconfig_net.c host/runconfig_vol.c guest-init/config.c \
	guest-init/config_net.c guest-init/config_mounts.c guest-init/volumes.c host/util/netcheck.c \
	host/util/error.c
test_vol_config_LIBS := -lfdt
