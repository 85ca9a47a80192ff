# The sandbox CLI (lead-owned part of host/): entry point, run orchestration, paths.
HOST_SRCS += host/main.c host/run.c host/run_vm.c host/run_snap.c host/run_net.c host/initrd.c host/run_signals.c host/tty.c host/cmd_pack.c host/cmd_cache.c host/cmd_boot.c host/cmd_version.c host/cli.c host/netopts.c host/netopts_port.c host/secopts.c host/diagnose.c host/names.c host/paths.c host/util/error.c

UNIT_TESTS += test_cli
test_cli_SRCS := host/cli.c host/util/error.c
test_cli_LIBS := -lm

UNIT_TESTS += test_error
test_error_SRCS := host/util/error.c

UNIT_TESTS += test_run_signals
test_run_signals_SRCS := host/run_signals.c host/tty.c host/vmm/virtio/ctlproto.c host/util/error.c
test_run_signals_LIBS := -lpthread

UNIT_TESTS += test_names
test_names_SRCS := host/names.c host/util/error.c

UNIT_TESTS += test_tty
test_tty_SRCS := host/tty.c host/util/error.c

UNIT_TESTS += test_diagnose
test_diagnose_SRCS := host/diagnose.c

UNIT_TESTS += test_secopts
test_secopts_SRCS := host/secopts.c host/util/error.c

UNIT_TESTS += test_netopts
test_netopts_SRCS := host/netopts.c host/netopts_port.c host/util/error.c

# Fuzz target: every networking option parser on hostile strings (the rule
# comes from host/host.mk's fuzz_host_rule).
fuzz_netopts_SRCS := tests/fuzz/fuzz_netopts.c host/netopts.c host/netopts_port.c host/util/error.c
fuzz-host: $(B)/fuzz/fuzz_netopts
$(eval $(call fuzz_host_rule,fuzz_netopts))
