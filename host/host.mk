# host/: the sandbox CLI (lead) and the VMM (host/vmm/). Objects linked into build/sandbox.
HOST_SRCS += host/main.c host/run.c host/runconfig.c host/runconfig_net.c host/util/error.c \
	host/util/netcheck.c

# VMM: generic KVM objects, devices, then the x86_64 guest ABI.
VMM_ARCH_SRCS := host/vmm/arch/x86_64/arch.c host/vmm/arch/x86_64/bootparams.c \
	host/vmm/arch/x86_64/bzimage.c host/vmm/arch/x86_64/cpu.c host/vmm/arch/x86_64/cpuid.c \
	host/vmm/arch/x86_64/elf.c host/vmm/arch/x86_64/mptable.c host/vmm/arch/x86_64/msr.c \
	host/vmm/arch/x86_64/pvh.c host/vmm/arch/x86_64/vstate.c
VMM_DEV_SRCS := host/vmm/devices/hostio.c host/vmm/devices/i8042.c host/vmm/devices/uart.c
# virtio: the shared transport and virtqueues, then one file per device.
VMM_VIRTIO_SRCS := host/vmm/virtio/mmio.c host/vmm/virtio/virtq.c host/vmm/virtio/rng.c \
	host/vmm/virtio/console.c host/vmm/virtio/console_ctl.c host/vmm/virtio/ctlproto.c \
	host/vmm/virtio/execproto.c host/vmm/virtio/net.c host/vmm/virtio/net_csum.c host/vmm/virtio/fs.c
VMM_SRCS := host/vmm/builder.c host/vmm/bus.c host/vmm/devmgr.c host/vmm/eventloop.c \
	host/vmm/exit.c host/vmm/fdwrite.c \
	host/vmm/kvm.c host/vmm/logring.c host/vmm/memory.c host/vmm/payload.c \
	host/vmm/runstate.c host/vmm/snapstate.c host/vmm/sysfilter.c host/vmm/vcpu.c host/vmm/vm.c \
	host/vmm/vmsnap.c $(VMM_DEV_SRCS) \
	$(VMM_VIRTIO_SRCS) $(VMM_ARCH_SRCS)
HOST_SRCS += $(VMM_SRCS)

# Unit tests (no /dev/kvm needed): each links only the ioctl-free modules it tests.
VMM_X86 := host/vmm/arch/x86_64
UNIT_TESTS += test_vmm_memory test_vmm_bootparams test_vmm_bzimage test_vmm_elf \
	test_vmm_cpuid test_vmm_mptable test_vmm_uart test_vmm_hostio test_vmm_payload
test_vmm_memory_SRCS := host/vmm/memory.c host/util/error.c
test_vmm_bootparams_SRCS := $(VMM_X86)/bootparams.c $(VMM_X86)/pvh.c $(VMM_X86)/cpu.c \
	$(VMM_X86)/msr.c host/vmm/memory.c host/util/error.c
test_vmm_bzimage_SRCS := $(VMM_X86)/bzimage.c host/vmm/memory.c host/util/error.c
test_vmm_elf_SRCS := $(VMM_X86)/elf.c host/vmm/memory.c host/util/error.c
test_vmm_cpuid_SRCS := $(VMM_X86)/cpuid.c
test_vmm_mptable_SRCS := $(VMM_X86)/mptable.c host/vmm/memory.c host/util/error.c
test_vmm_uart_SRCS := host/vmm/devices/uart.c host/vmm/devices/i8042.c host/vmm/bus.c \
	host/vmm/runstate.c host/vmm/logring.c host/vmm/fdwrite.c host/util/error.c host/vmm/snapstate.c
test_vmm_hostio_SRCS := host/vmm/devices/hostio.c host/vmm/exit.c host/vmm/bus.c \
	host/vmm/runstate.c host/vmm/fdwrite.c host/util/error.c
test_vmm_payload_SRCS := host/vmm/payload.c host/vmm/memory.c host/util/error.c
# snapshot vCPU/VM state: the MSR list rules and a damaged state refused, no /dev/kvm.
UNIT_TESTS += test_vmm_vstate
test_vmm_vstate_SRCS := $(VMM_X86)/vstate.c host/vmm/snapstate.c host/util/error.c
test_vmm_uart_LIBS := -lpthread
# seccomp: the allow-lists in a forked child's thread (libseccomp builds them).
UNIT_TESTS += test_vmm_seccomp
test_vmm_seccomp_SRCS := host/vmm/sysfilter.c host/util/error.c
test_vmm_seccomp_LIBS := -lseccomp -lpthread

# virtio: fake guest RAM and a fake driver (tests/unit/test_vmm_vdrv.c).
VDRV := tests/unit/test_vmm_vdrv.c host/vmm/memory.c host/vmm/runstate.c host/util/error.c
UNIT_TESTS += test_vmm_virtq test_vmm_virtio_mmio test_vmm_console test_vmm_devmgr
test_vmm_virtq_SRCS := host/vmm/virtio/virtq.c $(VDRV) host/vmm/virtio/mmio.c host/vmm/snapstate.c
test_vmm_virtio_mmio_SRCS := host/vmm/virtio/mmio.c host/vmm/virtio/virtq.c \
	host/vmm/virtio/rng.c $(VDRV) host/vmm/snapstate.c
test_vmm_console_SRCS := host/vmm/virtio/console.c host/vmm/virtio/console_ctl.c \
	host/vmm/virtio/ctlproto.c host/vmm/virtio/mmio.c host/vmm/virtio/virtq.c \
	host/vmm/eventloop.c host/vmm/fdwrite.c $(VDRV) host/vmm/snapstate.c
UNIT_TESTS += test_execproto
test_execproto_SRCS := host/vmm/virtio/execproto.c
test_vmm_devmgr_SRCS := host/vmm/devmgr.c host/vmm/eventloop.c host/vmm/bus.c \
	host/vmm/virtio/rng.c host/vmm/virtio/mmio.c host/vmm/virtio/virtq.c $(VDRV) host/vmm/snapstate.c
UNIT_TESTS += test_vmm_net
test_vmm_net_SRCS := host/vmm/virtio/net.c host/vmm/virtio/net_csum.c host/vmm/virtio/mmio.c \
	host/vmm/virtio/virtq.c host/vmm/eventloop.c host/net/framering.c $(VDRV) host/vmm/snapstate.c
test_vmm_net_LIBS := -lpthread
UNIT_TESTS += test_vmm_net_tap
test_vmm_net_tap_SRCS := $(test_vmm_net_SRCS)
test_vmm_net_tap_LIBS := -lpthread
test_vmm_virtq_LIBS := -lpthread
test_vmm_console_LIBS := -lpthread
test_vmm_devmgr_LIBS := -lpthread
test_vmm_virtio_mmio_LIBS := -lpthread
# virtio-fs: the test is the file server, on a socketpair.
UNIT_TESTS += test_virtio_fs
test_virtio_fs_SRCS := host/vmm/virtio/fs.c host/vmm/virtio/mmio.c host/vmm/virtio/virtq.c \
	host/vmm/eventloop.c $(VDRV) host/vmm/snapstate.c
test_virtio_fs_LIBS := -lpthread
test_vmm_hostio_LIBS := -lpthread

# Fuzz targets (libFuzzer): hostile I/O exits, hostile kernel images, hostile virtqueues.
FUZZ_HOST := fuzz_vmm_hostio fuzz_vmm_loader fuzz_vmm_virtq fuzz_vmm_net fuzz_virtio_fs \
	fuzz_execproto fuzz_vmm_snapstate
# A snapshot's device records, restored onto fresh devices (vmsnap.c without KVM).
fuzz_vmm_snapstate_SRCS := tests/fuzz/fuzz_vmm_snapstate.c $(VMM_VIRTIO_SRCS) host/vmm/snapstate.c \
	host/vmm/devices/uart.c host/vmm/devices/i8042.c host/net/framering.c host/vmm/eventloop.c \
	host/vmm/memory.c host/vmm/runstate.c host/vmm/fdwrite.c host/util/error.c
# The exec port's frames (sandbox-runtime exec), as the guest and the VMM read them.
fuzz_execproto_SRCS := tests/fuzz/fuzz_execproto.c host/vmm/virtio/execproto.c
# virtio-fs: hostile request chains and a file server answering anything.
fuzz_virtio_fs_SRCS := tests/fuzz/fuzz_virtio_fs.c host/vmm/virtio/fs.c host/vmm/virtio/mmio.c \
	host/vmm/virtio/virtq.c host/vmm/eventloop.c host/vmm/memory.c host/vmm/runstate.c \
	host/util/error.c host/vmm/snapstate.c
fuzz_vmm_hostio_SRCS := tests/fuzz/fuzz_vmm_hostio.c host/vmm/devices/hostio.c \
	host/vmm/devices/uart.c host/vmm/devices/i8042.c host/vmm/exit.c host/vmm/bus.c \
	host/vmm/runstate.c host/vmm/logring.c host/vmm/fdwrite.c host/util/error.c host/vmm/snapstate.c
fuzz_vmm_loader_SRCS := tests/fuzz/fuzz_vmm_loader.c $(VMM_X86)/bzimage.c $(VMM_X86)/elf.c \
	$(VMM_X86)/bootparams.c host/vmm/memory.c host/util/error.c
fuzz_vmm_virtq_SRCS := tests/fuzz/fuzz_vmm_virtq.c $(VMM_VIRTIO_SRCS) host/vmm/snapstate.c \
	host/net/framering.c host/vmm/eventloop.c \
	host/vmm/memory.c host/vmm/runstate.c host/vmm/fdwrite.c host/util/error.c
# virtio-net: hostile TX/RX chains and backend frames of any length.
fuzz_vmm_net_SRCS := tests/fuzz/fuzz_vmm_net.c host/vmm/virtio/net.c host/vmm/virtio/net_csum.c \
	host/vmm/virtio/mmio.c host/vmm/virtio/virtq.c host/vmm/eventloop.c host/net/framering.c \
	host/vmm/memory.c host/vmm/runstate.c host/util/error.c host/vmm/snapstate.c

.PHONY: fuzz-host
fuzz-host: $(addprefix $(B)/fuzz/,$(FUZZ_HOST))
define fuzz_host_rule
$(B)/fuzz/$(1): $($(1)_SRCS)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZ    $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $$@ $($(1)_SRCS) -lpthread
endef
$(foreach f,$(FUZZ_HOST),$(eval $(call fuzz_host_rule,$(f))))

# vmm-netecho (a test tool, in the test host's PATH): the VMM with a network
# backend that answers ARP, ICMP echo and UDP echo, to check virtio-net against
# Linux's driver without slirp (tests/integration/cases/70-vmm-net-echo.sh).
NETECHO_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(VMM_SRCS) host/snapshot/workset.c host/net/framering.c host/util/error.c \
	tests/tools/vmm_netecho.c)
tools: $(B)/tools/vmm-netecho
$(B)/tools/vmm-netecho: $(NETECHO_OBJS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -static-pie -o $@ $^ -lseccomp -lfdt -lpthread -lm $(LDFLAGS)

# Volumes (-v, --mount, --tmpfs, --read-only): the option parser, the run's
# shares and file servers, the run config's mounts node.
HOST_SRCS += host/volopts.c host/run_vol.c host/runconfig_vol.c
UNIT_TESTS += test_volopts
test_volopts_SRCS := host/volopts.c host/cli.c host/util/error.c
test_volopts_LIBS := -lm
fuzz_volopts_SRCS := tests/fuzz/fuzz_volopts.c host/volopts.c host/cli.c host/util/error.c
fuzz-host: $(B)/fuzz/fuzz_volopts
$(eval $(call fuzz_host_rule,fuzz_volopts))
