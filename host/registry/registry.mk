# host/registry/: the OCI registry client (sandbox pull) and its blob store.
# Two programs share this folder (helper.h says why):
#   build/sandbox           names, the store, images/rmi, and starting the client;
#   build/sandbox-registry  the client: HTTP(S) through libcurl (built static by
#                           host/registry/curl-build from Debian's source package:
#                           HTTP/HTTPS only, OpenSSL, HTTP/2 via nghttp2), auth,
#                           pull, login/logout.
CURL_A := $(B)/curl/libcurl.a
CURL_INC := -I$(B)/curl/include
# libcurl first: what it needs (libssl, libcrypto, pthread) comes after it.
CURL_LIBS := $(CURL_A) -lnghttp2 -lssl

$(CURL_A): host/registry/curl-build | deps
	$(Q)host/registry/curl-build $(dir $@)

# Pure parts (no libcurl, fuzzed): references, auth challenges, credential
# files, manifests.
REGISTRY_PURE_SRCS := host/registry/ref.c host/registry/challenge.c host/registry/authfile.c \
	host/registry/manifest.c host/registry/errors.c
REGISTRY_STORE_SRCS := host/registry/store.c host/registry/store_index.c host/registry/store_gc.c
# In sandbox: what run, pack, images, rmi and cache prune need.
HOST_SRCS += host/registry/ref.c host/registry/manifest.c host/registry/errors.c \
	$(REGISTRY_STORE_SRCS) host/registry/resolve.c host/registry/helper.c \
	host/registry/cmd_client.c host/registry/cmd_images.c
# The client's own (libcurl users: http, client, auth), then the engine and
# its commands; it also links the pure parts, the store, and the few
# sandbox objects those use.
REGISTRY_CURL_SRCS := host/registry/http.c host/registry/client.c host/registry/auth.c
REGISTRY_CLIENT_SRCS = $(REGISTRY_PURE_SRCS) $(REGISTRY_STORE_SRCS) $(REGISTRY_CURL_SRCS) \
	host/registry/authfile_io.c host/registry/certsd.c host/registry/mirrors.c \
	host/registry/blob.c host/registry/pull.c \
	host/registry/pull_pack.c $(ROOTFS_SRCS) \
	host/registry/progress.c host/registry/cmd_pull.c host/registry/cmd_login.c \
	host/registry/client_main.c host/cli.c host/paths.c host/util/error.c \

REGISTRY_CLIENT_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(sort $(REGISTRY_CLIENT_SRCS)))
sandbox: $(B)/sandbox-registry
# (the packer too: run packs while it pulls, pull_pack.c). ROOTFS_SRCS comes
# from rootfs.mk, read later: the object list is expanded a second time.
.SECONDEXPANSION:
$(B)/sandbox-registry: $$(REGISTRY_CLIENT_OBJS) $(CURL_A) $(ISAL_A) Makefile host/registry/registry.mk
	@echo "  LD      $@"
	$(Q)$(CC) $(OPT) -static-pie -o $@ $(filter %.o,$^) $(CURL_LIBS) -larchive -ljansson \
		-lcrypto -llz4 -lzstd -llzma -lbz2 -lz $(ISAL_A) -lpthread -lm $(LDFLAGS)
# Every object may include this folder's headers (run.c and cmd_pack.c use
# registry.h); only the libcurl users see curl's, and wait for the library.
REGISTRY_INC := -Ihost/registry
CFLAGS_HOST += $(REGISTRY_INC)
CFLAGS_SAN += $(REGISTRY_INC)
REGISTRY_CURL_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(REGISTRY_CURL_SRCS)) \
	$(patsubst %.c,$(B)/san/%.o,$(REGISTRY_CURL_SRCS))
$(REGISTRY_CURL_OBJS): CFLAGS_HOST += $(CURL_INC)
$(REGISTRY_CURL_OBJS): CFLAGS_SAN += $(CURL_INC)
$(REGISTRY_CURL_OBJS): | $(CURL_A)

UNIT_TESTS += test_registry_ref test_registry_helper test_registry_certsd test_registry_mirrors
test_registry_mirrors_SRCS := host/registry/mirrors.c host/registry/errors.c host/util/error.c
test_registry_mirrors_LIBS := -ljansson
test_registry_certsd_SRCS := host/registry/certsd.c host/registry/errors.c host/util/error.c
test_registry_helper_SRCS := host/registry/helper.c host/registry/errors.c host/paths.c \
	host/util/error.c
test_registry_ref_SRCS := host/registry/ref.c host/util/error.c

UNIT_TESTS += test_registry_challenge test_registry_authfile test_registry_manifest
test_registry_challenge_SRCS := host/registry/challenge.c host/registry/errors.c host/util/error.c
test_registry_authfile_SRCS := host/registry/authfile.c host/registry/authfile_io.c \
	host/registry/errors.c host/util/error.c
test_registry_authfile_LIBS := -ljansson
REGISTRY_MANIFEST_DEPS := host/registry/manifest.c host/registry/errors.c rootfs/oci_manifest.c \
	rootfs/oci_ports.c rootfs/digest.c host/util/error.c
test_registry_manifest_SRCS := $(REGISTRY_MANIFEST_DEPS)
test_registry_manifest_LIBS := -ljansson -lcrypto

# Fuzz targets (libFuzzer; `make fuzz` builds them, tests/run runs them).
REGISTRY_FUZZ := fuzz_registry_ref fuzz_registry_challenge fuzz_registry_manifest \
	fuzz_registry_report
fuzz_registry_report_SRCS := tests/fuzz/fuzz_registry_report.c host/registry/helper.c \
	host/registry/errors.c host/paths.c host/util/error.c
fuzz_registry_ref_SRCS := tests/fuzz/fuzz_registry_ref.c host/registry/ref.c host/util/error.c
fuzz_registry_challenge_SRCS := tests/fuzz/fuzz_registry_challenge.c host/registry/challenge.c \
	host/registry/errors.c host/util/error.c
fuzz_registry_manifest_SRCS := tests/fuzz/fuzz_registry_manifest.c host/registry/authfile.c \
	host/registry/mirrors.c \
	$(REGISTRY_MANIFEST_DEPS)
.PHONY: fuzz-registry
fuzz: fuzz-registry
fuzz-registry: $(addprefix $(B)/fuzz/,$(REGISTRY_FUZZ))
define fuzz_registry_rule
$(B)/fuzz/$(1): $($(1)_SRCS)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZ    $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(REGISTRY_INC) -o $$@ $($(1)_SRCS) -ljansson -lcrypto -lpthread
endef
$(foreach f,$(REGISTRY_FUZZ),$(eval $(call fuzz_registry_rule,$(f))))

# The store, opened by rootfs's OCI code as the packer does (recursive: rootfs.mk
# is read after this file).
UNIT_TESTS += test_registry_store
test_registry_store_SRCS = host/registry/store.c host/registry/store_index.c \
	host/registry/store_gc.c host/registry/manifest.c host/registry/errors.c \
	$(ROOTFS_OCI_SRCS) host/util/error.c
test_registry_store_LIBS := -ljansson -lcrypto -larchive
