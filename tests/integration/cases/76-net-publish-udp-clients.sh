# -p and -P beyond case 72, in one VM boot: a busybox image with netpeer
# (tests/tools/netpeer.c) and ExposedPorts 80/tcp, 53/udp, 7/udp, run with
# -P -p 18053:53/udp --mac-address; the workload answers every TCP line and
# UDP datagram with the client address it sees.
#  - -P publishes the image's ports on free host ports and reports each on
#    stderr (`sandbox: published 0.0.0.0:P -> 80/tcp`); the -p for 53/udp
#    wins over -P (fixed port, not reported);
#  - UDP: the workload's server answers through -p and through -P;
#  - the client address the workload sees is the real one: a client in a
#    network namespace of the test's (10.77.0.2, another host as far as
#    sandbox knows) shows as 10.77.0.2 and its own port, over TCP and UDP; a
#    client on the test host's loopback shows as the gateway 10.0.2.2 with its
#    own port (a guest cannot be sent 127.0.0.1: it drops it as a martian),
#    over UDP also right after the guest answered the other client (libslirp
#    alone then passed 127.0.0.1 through; host/net/slirp.c corrects that);
#  - a burst of 100 connections at once through -P: every one answered with
#    its own token (counted, not timed);
#  - --mac-address is eth0's address in the guest;
#  - IPv6 clients (when the test host has ::1): a port published on every
#    address also listens on [::] (reported as `published [::]:P`), and -p
#    [::1]::81 on ::1 alone; TCP and UDP from ::1 reach the IPv4 guest, which
#    sees the gateway (IPv6 clients have no IPv4 address to show), and the
#    UDP answer finds its way back to the IPv6 client.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/netcase.sh"
command -v netpeer >/dev/null || fail "no netpeer on PATH (make tools)"
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	netns_down
	echo "--- stdout:"
	cat "$tmp/out" 2>/dev/null
	echo "--- stderr:"
	cat "$tmp/err" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up
netns_up
netpeer_image "$tmp/img" '{"80/tcp":{},"53/udp":{},"7/udp":{}}'

v6=0
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && v6=1
v6p=
[ $v6 = 1 ] && v6p='-p [::1]::81'
# shellcheck disable=SC2086 # v6p is one option and its value, or nothing
sandbox run -P -p 18053:53/udp $v6p --mac-address 02:42:ac:11:00:2a "$tmp/img" sh -c \
	'echo "eth0: $(cat /sys/class/net/eth0/address)"; exec netpeer serve -i pub tcp:80 tcp:81 udp:53 udp:7' \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" ready "$pid"
p80=$(sed -n 's|^sandbox: published 0\.0\.0\.0:\([0-9]*\) -> 80/tcp$|\1|p' "$tmp/err")
p7=$(sed -n 's|^sandbox: published 0\.0\.0\.0:\([0-9]*\) -> 7/udp$|\1|p' "$tmp/err")
[ -n "$p80" ] && [ -n "$p7" ] || fail "-P did not report 80/tcp and 7/udp"

# the far client first, so that the guest's last UDP answer on 53 went there
far_tcp=$(netns_exec netpeer ask -b 10.77.0.2:40080 tcp 10.77.0.1 "$p80" far-tcp 2>&1)
far_udp=$(netns_exec netpeer ask -b 10.77.0.2:40053 udp 10.77.0.1 18053 far-udp 2>&1)
lo_udp=$(netpeer ask -b 127.0.0.1:40054 udp 127.0.0.1 18053 lo-udp 2>&1)
lo_tcp=$(netpeer ask -b 127.0.0.1:40081 tcp 127.0.0.1 "$p80" lo-tcp 2>&1)
lo_p7=$(netpeer ask -b 127.0.0.1:40007 udp 127.0.0.1 "$p7" seven 2>&1)
far_again=$(netns_exec netpeer ask -b 10.77.0.2:40055 udp 10.77.0.1 18053 far-again 2>&1)
if [ $v6 = 1 ]; then
	p80v6=$(sed -n 's|^sandbox: published \[::1\]:\([0-9]*\) -> 81/tcp$|\1|p' "$tmp/err")
	v6_tcp=$(netpeer ask tcp ::1 "$p80" v6-tcp 2>&1)
	v6_only=$(netpeer ask tcp ::1 "$p80v6" v6-only 2>&1)
	v6_udp=$(netpeer ask udp ::1 18053 v6-udp 2>&1)
	v6_p7=$(netpeer ask udp ::1 "$p7" v6-seven 2>&1)
fi
burst=$(netpeer burst 127.0.0.1 "$p80" 100 2>&1)
netpeer ask tcp 127.0.0.1 "$p80" quit >/dev/null
wait_gone "$pid" 120 "the VM did not end after quit"
pid=

expect_eq "exit status" "$rc" 0
expect_eq "TCP from 10.77.0.2 through -P" "$far_tcp" "pub 10.77.0.2:40080 far-tcp"
expect_eq "UDP from 10.77.0.2 through -p" "$far_udp" "pub 10.77.0.2:40053 far-udp"
expect_eq "UDP from 127.0.0.1 after it" "$lo_udp" "pub 10.0.2.2:40054 lo-udp"
expect_eq "TCP from 127.0.0.1" "$lo_tcp" "pub 10.0.2.2:40081 lo-tcp"
expect_eq "UDP from 127.0.0.1 through -P" "$lo_p7" "pub 10.0.2.2:40007 seven"
expect_eq "UDP from 10.77.0.2 again" "$far_again" "pub 10.77.0.2:40055 far-again"
expect_eq "100 connections at once" "$burst" "burst: 100 connections, 100 answered, 0 failed"
expect_eq stdout "$(cat "$tmp/out")" "eth0: 02:42:ac:11:00:2a
ready"
if [ $v6 = 1 ]; then
	gw='^pub 10\.0\.2\.2:[0-9][0-9]* '
	echo "$v6_tcp" | grep -qx "${gw}v6-tcp" || fail "TCP from ::1 through -P: $v6_tcp"
	echo "$v6_only" | grep -qx "${gw}v6-only" || fail "TCP from ::1 through -p [::1]::81: $v6_only"
	echo "$v6_udp" | grep -qx "${gw}v6-udp" || fail "UDP from ::1 through -p: $v6_udp"
	echo "$v6_p7" | grep -qx "${gw}v6-seven" || fail "UDP from ::1 through -P: $v6_p7"
	expect_eq "stderr (-P's ports on 0.0.0.0 and [::], -p [::1]::81's; not the fixed one)" \
		"$(sort "$tmp/err")" "$({
			printf 'sandbox: published %s:%s -> %s\n' 0.0.0.0 "$p80" 80/tcp [::] "$p80" 80/tcp \
				0.0.0.0 "$p7" 7/udp [::] "$p7" 7/udp [::1] "$p80v6" 81/tcp
		} | sort)"
else
	echo "note: no ::1 in this host: the IPv6 clients are not checked"
	expect_eq "stderr (-P's two ports, any order; -p's fixed one is not reported)" \
		"$(sort "$tmp/err")" \
		"$(printf 'sandbox: published 0.0.0.0:%s -> %s\n' "$p80" 80/tcp "$p7" 7/udp | sort)"
fi
