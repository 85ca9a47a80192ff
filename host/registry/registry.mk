# host/registry/: the OCI registry client (sandbox pull) and its blob store.
# HTTP(S) goes through libcurl, built static by host/registry/curl-build from
# Debian's source package (HTTP/HTTPS only, OpenSSL, HTTP/2 via nghttp2).
CURL_A := $(B)/curl/libcurl.a
CURL_INC := -I$(B)/curl/include
# libcurl first: what it needs (libssl, libcrypto, pthread) comes after it.
CURL_LIBS := $(CURL_A) -lnghttp2 -lssl
HOST_LIBS := $(CURL_LIBS) $(HOST_LIBS)

$(CURL_A): host/registry/curl-build | deps
	$(Q)host/registry/curl-build $(dir $@)
$(B)/sandbox: $(CURL_A)

# Pure parts first (no libcurl): references.
REGISTRY_PURE_SRCS := host/registry/ref.c
REGISTRY_SRCS := $(REGISTRY_PURE_SRCS)
HOST_SRCS += $(REGISTRY_SRCS)
REGISTRY_INC := -Ihost/registry
$(B)/san/tests/unit/test_registry_%.o: CFLAGS_SAN += $(REGISTRY_INC)

UNIT_TESTS += test_registry_ref
test_registry_ref_SRCS := host/registry/ref.c host/util/error.c

# Fuzz targets (libFuzzer; `make fuzz` builds them, tests/run runs them).
REGISTRY_FUZZ := fuzz_registry_ref
fuzz_registry_ref_SRCS := tests/fuzz/fuzz_registry_ref.c host/registry/ref.c host/util/error.c
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
