# rootfs/: OCI image -> cpio newc -> LZ4 legacy initramfs (linked into build/sandbox).

ROOTFS_SRCS += rootfs/digest.c rootfs/oci.c rootfs/oci_index.c rootfs/oci_manifest.c \
	rootfs/oci_ports.c \
	rootfs/tree.c rootfs/tree_path.c rootfs/tree_merge.c rootfs/tree_walk.c \
	rootfs/layer.c rootfs/layer_entry.c rootfs/layer_read.c rootfs/feed.c \
	rootfs/cpio.c rootfs/lz4legacy.c \
	rootfs/pack.c rootfs/pack_out.c rootfs/pack_direct.c rootfs/pack_cache.c rootfs/pack_meta.c \
	rootfs/pack_progress.c rootfs/pack_prune.c rootfs/pack_archive.c rootfs/pack_dir.c \
	rootfs/tarindex.c rootfs/oci_src.c rootfs/oci_blob.c rootfs/oci_docker.c \
	rootfs/oci_inflate.c

# ISA-L's inflate for gzip layers: linked statically into build/sandbox from
# rootfs/isal-build (see the top Makefile); unit tests use libisal-dev's -lisal.

# `sandbox cache` is the CLI face of this component (host/cli.mk is the lead's).

ROOTFS_OCI_SRCS := rootfs/digest.c rootfs/oci.c rootfs/oci_index.c rootfs/oci_manifest.c \
	rootfs/oci_ports.c \
	rootfs/oci_src.c rootfs/oci_blob.c rootfs/oci_docker.c rootfs/oci_inflate.c \
	rootfs/tarindex.c rootfs/tree.c rootfs/tree_path.c
ROOTFS_TREE_SRCS := rootfs/tree.c rootfs/tree_path.c rootfs/tree_merge.c rootfs/tree_walk.c
ROOTFS_LAYER_SRCS := $(ROOTFS_TREE_SRCS) rootfs/digest.c rootfs/layer.c rootfs/layer_entry.c \
	rootfs/layer_read.c rootfs/feed.c

UNIT_TESTS += test_cpio test_lz4legacy test_oci test_layer test_tree test_pack test_tarindex \
	test_pack_direct test_pack_archive

test_cpio_SRCS := rootfs/cpio.c host/util/error.c
test_lz4legacy_SRCS := rootfs/lz4legacy.c host/util/error.c
test_lz4legacy_LIBS := -llz4 -lpthread
test_oci_SRCS := $(ROOTFS_OCI_SRCS) host/util/error.c
test_oci_LIBS := -ljansson -lcrypto -larchive
test_tarindex_SRCS := rootfs/tarindex.c rootfs/tree.c rootfs/tree_path.c host/util/error.c
test_tarindex_LIBS := -larchive
test_tree_SRCS := $(ROOTFS_TREE_SRCS) host/util/error.c
test_layer_SRCS := $(ROOTFS_LAYER_SRCS) host/util/error.c
test_layer_LIBS := -larchive -lcrypto -lisal -lpthread
test_pack_SRCS := $(ROOTFS_SRCS) host/util/error.c
test_pack_LIBS := -larchive -ljansson -lcrypto -llz4 -lisal -lpthread
test_pack_direct_SRCS := $(ROOTFS_SRCS) host/util/error.c
test_pack_direct_LIBS := $(test_pack_LIBS)
test_pack_archive_SRCS := $(ROOTFS_SRCS) host/util/error.c
test_pack_archive_LIBS := $(test_pack_LIBS)
# a host directory (sandbox-runtime's bundle root) packed the same way
UNIT_TESTS += test_pack_dir
test_pack_dir_SRCS := $(ROOTFS_SRCS) host/util/error.c
test_pack_dir_LIBS := $(test_pack_LIBS)

# libFuzzer targets (clang). The top-level `fuzz` target builds these.
ROOTFS_FUZZ := $(B)/fuzz/fuzz_layer $(B)/fuzz/fuzz_oci
.PHONY: fuzz-rootfs
fuzz-rootfs: $(ROOTFS_FUZZ)
$(B)/fuzz/fuzz_layer: tests/fuzz/fuzz_layer.c $(ROOTFS_LAYER_SRCS) host/util/error.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -larchive -lcrypto -lisal -lpthread
$(B)/fuzz/fuzz_oci: tests/fuzz/fuzz_oci.c $(ROOTFS_OCI_SRCS) host/util/error.c
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -ljansson -lcrypto -larchive
