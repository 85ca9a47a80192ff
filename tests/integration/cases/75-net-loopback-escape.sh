# The guest reaches no host loopback service by any address or encoding
# (issue 14, security posture). A listener on the test host accepts on
# 0.0.0.0:P and [::]:P, so every loopback address (127/8, ::1) lands there;
# rawprobe runs in the guest and tries P through connect() to 20 addresses and
# ~85 hand-built Ethernet frames (IPv4 options, fragments, odd flags and
# headers, IPv6 extension headers; see tests/tools/rawprobe.c), and sends a
# UDP datagram naming itself to each raw destination (the listener takes UDP
# on 0.0.0.0:P and [::]:P too and prints what arrives).
#  1. default network: nothing reached, the listener saw no connection and no
#     datagram, and every raw frame to a host-local address went unanswered;
#  2. --ipv6: the same with the IPv6 rules live;
#  3. --ipv6 --allow-host-loopback: the gateway (10.0.2.2, fec0::2) reaches P
#     by connect(), by a raw SYN and by UDP, and the listener sees them
#     (so the probe and this case can fail), while 127/8, ::1, 0/8, mapped,
#     NAT64 and 6to4 forms stay unreachable.
# The raw path is proven to reach libslirp in every run: the SYN-ACK sent to
# the gateway and the SYN to the DNS address on a port other than 53 come
# back refused (RST / ICMP from libslirp), not silent.
. "$TESTS_DIR/lib.sh"
command -v rawprobe >/dev/null || fail "no rawprobe on PATH (make tools)"
probe=$(command -v rawprobe)
img="$IMAGES/busybox"
port=47011
tmp=$(mktemp -d)
lpid=
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$tmp"' EXIT
ip link set lo up 2>/dev/null

rawprobe listen -t 570 "$port" >"$tmp/listen" 2>&1 &
lpid=$!
wait_line "$tmp/listen" listening "$lpid" 30

# guest RUN OPTIONS...: rawprobe in a sandbox; its output in $tmp/RUN, the
# listener's new lines in $tmp/RUN.l, its status in $rc
guest() {
	_name=$1
	shift
	_before=$(grep -c '^accepted\|^datagram' "$tmp/listen")
	sandbox run -i "$@" "$img" sh -c \
		"cat >/tmp/rawprobe && chmod +x /tmp/rawprobe && exec /tmp/rawprobe probe -t 5 $port" \
		<"$probe" >"$tmp/$_name" 2>"$tmp/$_name.err"
	rc=$?
	sleep 1
	grep '^accepted\|^datagram' "$tmp/listen" | sed "1,${_before}d" >"$tmp/$_name.l"
	echo "--- $_name (sandbox run $*): exit $rc"
	grep -v ' silent$' "$tmp/$_name"
	sed 's/^/listener: /' "$tmp/$_name.l"
	grep -q '^rawprobe: [0-9]* attempts' "$tmp/$_name" ||
		fail "$_name: rawprobe did not finish: $(tail -n 3 "$tmp/$_name.err")"
}

# reached RUN: the attempts of RUN that reached P
reached() { grep -E '^[^ ]+ reached( |$)' "$tmp/$1"; }

# dest LINE: the address an attempt aimed at (raw4:VARIANT:ADDR, connect:ADDR)
dest() {
	_f=${1%% *}
	case $_f in
	connect:*) echo "${_f#connect:}" ;;
	rawudp?:*) echo "${_f#rawudp?:}" ;;
	raw?:*) _f=${_f#raw?:} && echo "${_f#*:}" ;;
	esac
}

# common RUN: the raw path reached libslirp, and no raw frame to a host-local
# encoding got any answer (libslirp's answers to the gateway and DNS
# addresses are allowed: they are not the host's loopback)
common() {
	grep -q '^raw4:syn-ack:10.0.2.2 refused' "$tmp/$1" ||
		fail "$1: libslirp never answered the raw SYN-ACK to 10.0.2.2: is the raw path dead?"
	grep -q '^raw4:syn:10.0.2.3 refused' "$tmp/$1" ||
		fail "$1: libslirp never refused the raw SYN to 10.0.2.3:$port: is the raw path dead?"
	grep -E '^raw(udp)?[46]:' "$tmp/$1" | grep -v ' silent$' | while read -r line; do
		case $(dest "$line") in
		10.0.2.2 | 10.0.2.3 | fec0::2 | fec0::3 | fec0::1234) ;;
		*) echo "$line" ;;
		esac
	done >"$tmp/$1.bad"
	[ ! -s "$tmp/$1.bad" ] || fail "$1: host-local encodings answered: $(cat "$tmp/$1.bad")"
}

guest default
expect_eq "default: rawprobe exit status" "$rc" 0
reached default && fail "default: something reached host loopback"
[ ! -s "$tmp/default.l" ] || fail "default: the host's listener accepted: $(cat "$tmp/default.l")"
common default

guest ipv6 --ipv6
expect_eq "--ipv6: rawprobe exit status" "$rc" 0
reached ipv6 && fail "--ipv6: something reached host loopback"
[ ! -s "$tmp/ipv6.l" ] || fail "--ipv6: the host's listener accepted: $(cat "$tmp/ipv6.l")"
common ipv6
grep -q '^raw6:syn-ack:fec0::2 refused' "$tmp/ipv6" ||
	fail "--ipv6: libslirp never answered the raw SYN-ACK to fec0::2: is the IPv6 raw path dead?"

guest allow --ipv6 --allow-host-loopback
expect_eq "--allow-host-loopback: rawprobe exit status (something reached)" "$rc" 1
for want in connect:10.0.2.2 raw4:syn:10.0.2.2 connect:fec0::2 raw6:syn:fec0::2; do
	grep -q "^$want reached" "$tmp/allow" || fail "--allow-host-loopback: $want did not reach P"
done
reached allow | while read -r line; do
	case $(dest "$line") in
	10.0.2.2 | fec0::2 | fec0::1234) ;; # the gateway: what the option opens
	*) echo "$line" ;;
	esac
done >"$tmp/allow.bad"
[ ! -s "$tmp/allow.bad" ] ||
	fail "--allow-host-loopback: more than the gateway reached: $(cat "$tmp/allow.bad")"
common allow
grep -q '^accepted 127\.0\.0\.1:' "$tmp/allow.l" ||
	fail "--allow-host-loopback: the listener saw no connection on 127.0.0.1"
grep -q '^accepted \[::1\]:' "$tmp/allow.l" ||
	fail "--allow-host-loopback: the listener saw no connection on ::1"
grep -q '^datagram from 127\.0\.0\.1:[0-9]*: rawudp4:10\.0\.2\.2$' "$tmp/allow.l" ||
	fail "--allow-host-loopback: the UDP datagram to 10.0.2.2 did not arrive from 127.0.0.1"
grep -q '^datagram from \[::1\]:[0-9]*: rawudp6:fec0::2$' "$tmp/allow.l" ||
	fail "--allow-host-loopback: the UDP datagram to fec0::2 did not arrive from ::1"
grep '^datagram' "$tmp/allow.l" | grep -v ': rawudp[46]:\(10\.0\.2\.2\|fec0::2\|fec0::1234\)$' >"$tmp/allow.dbad"
[ ! -s "$tmp/allow.dbad" ] ||
	fail "--allow-host-loopback: datagrams to more than the gateway arrived: $(cat "$tmp/allow.dbad")"
echo "ok: $(grep -c . "$tmp/default") attempts per run; host loopback reached only through --allow-host-loopback"
