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
