# host/net/: the network backend (libslirp on its own thread) and the frame
# rings it shares with the virtio-net device. Objects linked into build/sandbox.
NET_SRCS := host/net/framering.c
HOST_SRCS += $(NET_SRCS)

# Unit tests (no VM): the rings.
UNIT_TESTS += test_net_framering
test_net_framering_SRCS := host/net/framering.c
test_net_framering_LIBS := -lpthread
