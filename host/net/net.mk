# host/net/: the network backend (libslirp on its own thread, host/net/net.h)
# and the frame rings it shares with the virtio-net device. Objects linked
# into build/sandbox; libslirp itself comes from host/net/slirp-build.
NET_SRCS := host/net/framering.c host/net/net.c host/net/netdns.c host/net/netfilter.c \
	host/net/slirp.c host/net/slirphooks.c
HOST_SRCS += $(NET_SRCS)

# Only these see libslirp's and glib's headers; they wait for the library.
GLIB_CFLAGS := $(shell pkg-config --cflags glib-2.0 2>/dev/null)
SLIRP_INC := -I$(B)/slirp/include
NET_SLIRP_OBJS := $(B)/obj/host/net/slirp.o $(B)/san/host/net/slirp.o
NET_GLIB_OBJS := $(B)/obj/host/net/slirphooks.o $(B)/san/host/net/slirphooks.o
$(NET_SLIRP_OBJS): CFLAGS_HOST += $(SLIRP_INC)
$(NET_SLIRP_OBJS): CFLAGS_SAN += $(SLIRP_INC)
$(NET_GLIB_OBJS): CFLAGS_HOST += $(GLIB_CFLAGS)
$(NET_GLIB_OBJS): CFLAGS_SAN += $(GLIB_CFLAGS)
$(NET_SLIRP_OBJS) $(NET_GLIB_OBJS): | $(SLIRP_A)

# Unit tests (no VM): the rings.
UNIT_TESTS += test_net_framering
test_net_framering_SRCS := host/net/framering.c
test_net_framering_LIBS := -lpthread
