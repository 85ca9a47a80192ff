# host/runtime/: sandbox-runtime, runc's command line over sandbox VMs (host/runtime/runtime.h).
# The same static binary: build/sandbox-runtime is a link to build/sandbox.
RUNTIME_SRCS := host/runtime/main.c host/runtime/state.c host/runtime/ctl.c host/runtime/execmux.c \
	host/runtime/create.c host/runtime/exec.c host/runtime/podnet.c host/runtime/verbs.c
HOST_SRCS += $(RUNTIME_SRCS)
$(patsubst %.c,$(B)/obj/%.o,$(RUNTIME_SRCS)): CFLAGS_HOST += -Ihost/runtime

sandbox: $(B)/sandbox-runtime
$(B)/sandbox-runtime: $(B)/sandbox
	$(Q)ln -sf sandbox $@

# Unit tests: the state directories (pure file work, no VM).
UNIT_TESTS += test_runtime_state
test_runtime_state_SRCS := host/runtime/state.c host/util/error.c
test_runtime_state_LIBS := -ljansson
$(B)/san/tests/unit/test_runtime_state.o: CFLAGS_SAN += -Ihost/runtime

# config.json's parser is pure (jansson only): unit-tested and fuzzed.
RUNTIME_SPEC_SRCS := host/runtime/spec.c host/runtime/spec_process.c host/runtime/spec_linux.c \
	host/runtime/spec_json.c
HOST_SRCS += $(RUNTIME_SPEC_SRCS)
UNIT_TESTS += test_runtime_spec
test_runtime_spec_SRCS := $(RUNTIME_SPEC_SRCS) host/secopts.c host/util/error.c
test_runtime_spec_LIBS := -ljansson
fuzz_runtime_spec_SRCS := tests/fuzz/fuzz_runtime_spec.c $(RUNTIME_SPEC_SRCS) host/secopts.c \
	host/util/error.c
fuzz-host: $(B)/fuzz/fuzz_runtime_spec
$(B)/fuzz/fuzz_runtime_spec: $(fuzz_runtime_spec_SRCS) $(wildcard host/runtime/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(fuzz_runtime_spec_SRCS) -ljansson

# The exec router: proxies and a fake guest on socketpairs.
UNIT_TESTS += test_runtime_execmux
test_runtime_execmux_SRCS := host/runtime/execmux.c host/vmm/virtio/execproto.c
$(B)/san/tests/unit/test_runtime_execmux.o: CFLAGS_SAN += -Ihost/runtime
