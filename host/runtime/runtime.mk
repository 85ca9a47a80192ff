# host/runtime/: sandbox-runtime, runc's command line over sandbox VMs (host/runtime/runtime.h).
# The same static binary: build/sandbox-runtime is a link to build/sandbox.
RUNTIME_SRCS := host/runtime/main.c host/runtime/state.c host/runtime/ctl.c \
	host/runtime/create.c host/runtime/verbs.c
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
