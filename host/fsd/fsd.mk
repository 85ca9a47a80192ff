# host/fsd/: the virtio-fs file server, one confined process per shared
# directory (host/fsd/fsd.h), on libfuse's low-level API with our socket as
# its I/O. Objects linked into build/sandbox, libfuse3.a with them.
FSD_SRCS := host/fsd/spawn.c host/fsd/confine.c host/fsd/server.c host/fsd/gate.c \
	host/fsd/inodes.c host/fsd/handles.c host/fsd/ops_entry.c host/fsd/ops_attr.c \
	host/fsd/ops_file.c host/fsd/ops_dir.c
HOST_SRCS += $(FSD_SRCS)
HOST_LIBS += -lfuse3

# libfuse's headers, for the fsd objects only (expanded at compile time:
# deps installs libfuse3-dev after this file is read on a fresh machine).
FUSE_CFLAGS = $(shell pkg-config --cflags fuse3 2>/dev/null)
FSD_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(FSD_SRCS)) $(patsubst %.c,$(B)/san/%.o,$(FSD_SRCS))
$(FSD_OBJS): CFLAGS_HOST += $(FUSE_CFLAGS) -Ihost/fsd
$(FSD_OBJS): CFLAGS_SAN += $(FUSE_CFLAGS) -Ihost/fsd

# Unit tests: the gate and the tables (pure), then spawned servers driven
# over their sockets with hand-built FUSE requests.
UNIT_TESTS += test_fsd_gate test_fsd_tables test_fsd test_fsd_file
test_fsd_gate_SRCS := host/fsd/gate.c
test_fsd_tables_SRCS := host/fsd/inodes.c host/fsd/handles.c
test_fsd_SRCS := $(FSD_SRCS) host/util/error.c
test_fsd_LIBS := -lfuse3 -lseccomp -lpthread
$(B)/san/tests/unit/test_fsd.o: CFLAGS_SAN += -Ihost/fsd
# test_fsd_file: the single-file mode (file binds), same way in
test_fsd_file_SRCS := $(FSD_SRCS) host/util/error.c
test_fsd_file_LIBS := -lfuse3 -lseccomp -lpthread
$(B)/san/tests/unit/test_fsd_file.o: CFLAGS_SAN += -Ihost/fsd

# Fuzz target: arbitrary request messages through the gate and libfuse into
# the operations, in process, on a temporary tree.
FSD_FUZZ_SRCS := tests/fuzz/fuzz_fsd.c host/fsd/server.c host/fsd/gate.c host/fsd/inodes.c \
	host/fsd/handles.c host/fsd/ops_entry.c host/fsd/ops_attr.c host/fsd/ops_file.c \
	host/fsd/ops_dir.c host/util/error.c
fuzz-host: $(B)/fuzz/fuzz_fsd
$(B)/fuzz/fuzz_fsd: $(FSD_FUZZ_SRCS)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUSE_CFLAGS) -Ihost/fsd -o $@ $(FSD_FUZZ_SRCS) -lfuse3 -lpthread

# fsd-spawntime: fsd_spawn's cost (fork to a ready server), for the issue's
# "<= 3 ms added start-up per volume": build/tools/fsd-spawntime DIR [RUNS [MIB]].
FSDTIME_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(FSD_SRCS) host/util/error.c host/fsd/spawntime.c)
$(B)/obj/host/fsd/spawntime.o: CFLAGS_HOST += -Ihost/fsd
tools: $(B)/tools/fsd-spawntime
$(B)/tools/fsd-spawntime: $(FSDTIME_OBJS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -static-pie -o $@ $^ -lfuse3 -lseccomp -lpthread $(LDFLAGS)
