# host/net/: the network backend (libslirp on its own thread, host/net/net.h)
# and the frame rings it shares with the virtio-net device. Objects linked
# into build/sandbox; libslirp itself comes from host/net/slirp-build.
NET_SRCS := host/net/framering.c host/net/net.c host/net/netdns.c host/net/netfilter.c \
	host/net/slirp.c host/net/slirphooks.c host/net/tap.c
HOST_SRCS += $(NET_SRCS)

# Only these see libslirp's and glib's headers; they wait for the library.
# GLIB_CFLAGS is expanded at compile time: on a fresh machine deps installs
# glib only after this file is read.
GLIB_CFLAGS = $(shell pkg-config --cflags glib-2.0 2>/dev/null)
SLIRP_INC := -I$(B)/slirp/include
NET_SLIRP_OBJS := $(B)/obj/host/net/slirp.o $(B)/san/host/net/slirp.o
NET_GLIB_OBJS := $(B)/obj/host/net/slirphooks.o $(B)/san/host/net/slirphooks.o
$(NET_SLIRP_OBJS): CFLAGS_HOST += $(SLIRP_INC)
$(NET_SLIRP_OBJS): CFLAGS_SAN += $(SLIRP_INC)
$(NET_GLIB_OBJS): CFLAGS_HOST += $(GLIB_CFLAGS)
$(NET_GLIB_OBJS): CFLAGS_SAN += $(GLIB_CFLAGS)
$(NET_SLIRP_OBJS) $(NET_GLIB_OBJS): | $(SLIRP_A)

# Unit tests (no VM): the rings; the filter and the DNS choice (pure); the
# whole backend driven with hand-made frames through its rings; attaching to
# TAP devices the test creates (skipped without CAP_NET_ADMIN).
UNIT_TESTS += test_net_framering test_net_filter test_net_dns test_net_slirp test_net_tap
test_net_tap_SRCS := host/net/tap.c host/util/error.c
test_net_framering_SRCS := host/net/framering.c
test_net_framering_LIBS := -lpthread
test_net_filter_SRCS := host/net/netfilter.c tests/unit/test_net_frames.c
test_net_dns_SRCS := host/net/netdns.c host/util/error.c
test_net_slirp_SRCS := $(NET_SRCS) host/vmm/sysfilter.c host/util/error.c tests/unit/test_net_frames.c
test_net_slirp_LIBS := $(SLIRP_A) -lglib-2.0 -lpcre2-8 -lseccomp -lpthread -lm
$(B)/unit/test_net_slirp: $(SLIRP_A)

# Fuzz target: hostile frames from the guest through the filter (the rule
# comes from host/host.mk's fuzz_host_rule).
fuzz_net_filter_SRCS := tests/fuzz/fuzz_net_filter.c host/net/netfilter.c
fuzz-host: $(B)/fuzz/fuzz_net_filter
$(eval $(call fuzz_host_rule,fuzz_net_filter))
