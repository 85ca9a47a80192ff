# host/jail/: the VMM's own process and its jail (namespaces, an empty root,
# an unprivileged uid, no capabilities, limits). Objects linked into
# build/sandbox and build/sandbox-runtime.
JAIL_SRCS := host/jail/jail.c host/jail/vmmproc.c host/jail/hostcg.c
HOST_SRCS += $(JAIL_SRCS)

# Unit tests: the configuration and fd list (pure), then jail_enter in forked
# children (as root here: the id switch; as nobody: the user namespace).
UNIT_TESTS += test_jail
test_jail_SRCS := $(JAIL_SRCS) host/util/error.c tests/unit/test_jail_vmm.c

# Fuzz target: the VMM child's result message as the parent reads it (the
# stand-in VMM of the unit test links in place of the real one).
fuzz_vmmproc_msg_SRCS := tests/fuzz/fuzz_vmmproc_msg.c $(JAIL_SRCS) tests/unit/test_jail_vmm.c \
	host/util/error.c
fuzz: fuzz-jail
.PHONY: fuzz-jail
fuzz-jail: $(B)/fuzz/fuzz_vmmproc_msg
$(B)/fuzz/fuzz_vmmproc_msg: $(fuzz_vmmproc_msg_SRCS) $(wildcard host/jail/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(fuzz_vmmproc_msg_SRCS)
