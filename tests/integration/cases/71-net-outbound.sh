# The default network (--network slirp), outbound: the workload reaches a web
# server, a DNS server and a UDP echo server (netpeer) that the test runs in a
# network namespace of its own (10.77.0.2, joined to the test host's 10.77.0.1
# by a veth pair: nothing leaves the machine) by address and by name (DNS
# over UDP through slirp's forwarder at 10.0.2.3, whose upstream comes from
# the test host's /etc/resolv.conf), exchanges UDP datagrams with it (the
# server sees the test host's address: slirp's own socket), pings the gateway
# and that server, and gets eth0, its route and the files init writes
# (--dns-search, --dns-option, --add-host as docker writes them). A TCP
# service on the test host's 127.0.0.1 is NOT reachable through the gateway
# 10.0.2.2 (the other encodings of loopback are the backend's unit tests' and
# the raw-frame case's). One VM boot (busybox image; netpeer crosses stdin).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/netcase.sh"
command -v dnsanswer >/dev/null || skip "dnsanswer not built (make tools)"
command -v netpeer >/dev/null || skip "netpeer not built (make tools)"
tmp=$(mktemp -d)
pids=
cp /etc/resolv.conf "$tmp/resolv.saved" 2>/dev/null || : >"$tmp/resolv.saved"
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	netns_down
	cat "$tmp/resolv.saved" >/etc/resolv.conf
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up
netns_up
mkdir -p "$tmp/www" "$tmp/secret"
echo outside-page >"$tmp/www/page"
echo loopback-secret >"$tmp/secret/page"
netns_exec httpd -f -p 10.77.0.2:8080 -h "$tmp/www" & pids="$pids $!"
netns_exec dnsanswer 10.77.0.2 53 web.test=10.77.0.2 & pids="$pids $!"
netns_exec netpeer serve -i outside udp:7 >/dev/null & pids="$pids $!"
httpd -f -p 127.0.0.1:9090 -h "$tmp/secret" & pids="$pids $!"
echo "nameserver 10.77.0.2" >/etc/resolv.conf
# unprivileged ICMP sockets (what slirp pings with) for root's group
echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
sleep 1
wget -q -O - http://10.77.0.2:8080/page >/dev/null || fail "the test's web server does not answer"
wget -q -O - http://127.0.0.1:9090/page >/dev/null || fail "the test's loopback server does not answer"
ip -o addr show dev sbx0 | grep -q 10.77.0.1/24 || fail "sbx0 has no 10.77.0.1"
netns_exec ip -o addr show dev lo | grep -q 10.77 && fail "the server's address is on a loopback"

probe='echo "interfaces: $(ls /sys/class/net | tr "\n" " ")"
echo "eth0: mtu $(cat /sys/class/net/eth0/mtu) $(ip -4 addr show eth0 | grep -o "inet [0-9./]*")"
echo "default route: $(ip route | grep ^default)"
echo "resolv.conf: $(tr "\n" ";" </etc/resolv.conf)"
echo "hosts: $(tr "\t\n" " ;" </etc/hosts)"
echo "by address: $(timeout 20 wget -q -O - http://10.77.0.2:8080/page 2>&1)"
echo "by name: $(timeout 20 wget -q -O - http://web.test:8080/page 2>&1)"
echo "by added host: $(timeout 20 wget -q -O - http://outside:8080/page 2>&1)"
nslookup web.test 2>&1 | grep -q "10.77.0.2" && echo "nslookup (UDP): ok"
ping -c 1 -W 5 10.0.2.2 >/dev/null && echo "ping gateway: ok"
echo "udp: $(/tmp/netpeer ask -t 20 udp 10.77.0.2 7 hello-udp 2>&1 | sed "s/:[0-9]* / /")"
ping -c 1 -W 10 10.77.0.2 >/dev/null && echo "ping server: ok"
timeout 5 wget -q -O - http://10.0.2.2:9090/page >/dev/null 2>&1 && echo "host loopback via gateway: REACHED" || echo "host loopback via gateway: refused"'

run sandbox run -i --hostname web-1 --dns-search corp.test --dns-option ndots:2 \
	--add-host outside:10.77.0.2 "$IMAGES/busybox" \
	sh -c "cat >/tmp/netpeer && chmod +x /tmp/netpeer && { $probe; }" <"$(command -v netpeer)"
echo "$out"
echo "$err"
expect_eq "exit status" "$rc" 0
expect_eq stderr "$err" ""
expect_eq stdout "$out" "interfaces: eth0 lo 
eth0: mtu 65520 inet 10.0.2.15/24
default route: default via 10.0.2.2 dev eth0 
resolv.conf: search corp.test;nameserver 10.0.2.3;options ndots:2;
hosts: 127.0.0.1 localhost;10.77.0.2 outside;10.0.2.15 web-1;
by address: outside-page
by name: outside-page
by added host: outside-page
nslookup (UDP): ok
ping gateway: ok
udp: outside 10.77.0.1 hello-udp
ping server: ok
host loopback via gateway: refused"
