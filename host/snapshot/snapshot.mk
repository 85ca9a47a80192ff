# host/snapshot/: the snapshot cache (<cache>/snapshots/<key>/: memory, state, meta,
# workset), its key, and its face in `sandbox cache ls|prune`. Objects linked into
# build/sandbox.
SNAPSHOT_SRCS := host/snapshot/key.c host/snapshot/meta.c host/snapshot/open.c \
	host/snapshot/make.c host/snapshot/cache.c host/snapshot/store.c host/snapshot/workset.c \
	host/snapshot/workset_file.c
HOST_SRCS += $(SNAPSHOT_SRCS)

# Unit tests: keys, a begin/commit/open round trip, damage, locks, expiry, prune,
# in a temp cache directory.
UNIT_TESTS += test_snapshot
test_snapshot_SRCS := $(SNAPSHOT_SRCS) host/util/error.c
test_snapshot_LIBS := -lcrypto

# Unit tests: the working set from pagemap chunks, its file's bytes and refusals,
# recording and loading it in a temp snapshot directory.
UNIT_TESTS += test_snapshot_workset
test_snapshot_workset_SRCS := host/snapshot/workset.c host/snapshot/workset_file.c \
	host/util/error.c

# Fuzz target: the meta file's parser on hostile bytes (parse, then encode gives
# the same bytes back).
fuzz_snapshot_meta_SRCS := tests/fuzz/fuzz_snapshot_meta.c host/snapshot/meta.c \
	host/snapshot/store.c host/util/error.c
fuzz: fuzz-snapshot
.PHONY: fuzz-snapshot
fuzz-snapshot: $(B)/fuzz/fuzz_snapshot_meta
$(B)/fuzz/fuzz_snapshot_meta: $(fuzz_snapshot_meta_SRCS) $(wildcard host/snapshot/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(fuzz_snapshot_meta_SRCS) -lcrypto

# Fuzz target: the working set file's parser (parse, then encode gives the same bytes
# back) and pagemap extracts turned into ranges that encode and parse back.
fuzz_snapshot_workset_SRCS := tests/fuzz/fuzz_snapshot_workset.c host/snapshot/workset.c \
	host/util/error.c
fuzz-snapshot: $(B)/fuzz/fuzz_snapshot_workset
$(B)/fuzz/fuzz_snapshot_workset: $(fuzz_snapshot_workset_SRCS) $(wildcard host/snapshot/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(fuzz_snapshot_workset_SRCS)
