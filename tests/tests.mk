# Test images (real OCI layouts built from Debian packages), test tools and fuzz aggregation.
images: tools
	$(Q)tests/images/build $(B)/images

# Test tools: small static programs the integration cases run (in the test host
# they are on PATH, from /sandbox/bin). TEST_TOOLS += name builds
# $(B)/tools/name from tests/tools/name.c.
TEST_TOOLS :=
# (add tools here, before the rule below expands the list)
TEST_TOOLS += ptyrun syscall-inject dnsanswer rawprobe netrr
TEST_TOOLS += netpeer
TEST_TOOLS += registry-proxy
TEST_TOOLS += fsprobe
TEST_TOOLS += fsload
TEST_TOOLS += subreaper recvtty runas
TOOL_BINS = $(addprefix $(B)/tools/,$(TEST_TOOLS))
.PHONY: tools
tools: $(TOOL_BINS)
$(B)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<
