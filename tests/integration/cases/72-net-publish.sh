# -p: servers in the workload answer on the test host's published ports, the
# fixed form (-p 18081:80) and the free-port form (-p 127.0.0.1::81, whose port
# sandbox reports on stderr); a host port that is taken fails with 125 and one
# line before any boot. The same boot checks --allow-host-loopback (a service
# on the test host's 127.0.0.1 answers through 10.0.2.2) and --dns /
# --add-host in resolv.conf and /etc/hosts. One VM boot (busybox image).
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; echo "--- stdout:"; cat "$tmp/out" 2>/dev/null; echo "--- stderr:"; cat "$tmp/err" 2>/dev/null; rm -rf "$tmp"' EXIT
ip link set lo up
mkdir -p "$tmp/www"
echo loopback-secret >"$tmp/www/page"
httpd -f -p 127.0.0.1:9090 -h "$tmp/www" & pids="$pids $!"
httpd -f -p 127.0.0.1:18080 -h "$tmp/www" & pids="$pids $!"
sleep 1

# A taken port: 125, one line naming it, and no boot (no guest output, quick).
run sandbox run -p 127.0.0.1:18080:80 "$IMAGES/busybox" echo booted
expect_eq "taken port: exit status" "$rc" 125
expect_eq "taken port: stdout" "$out" ""
expect_eq "taken port: lines on stderr" "$(echo "$err" | wc -l)" 1
echo "$err" | grep -q "127.0.0.1:18080" || fail "taken port: the message does not name it: $err"
echo "$err" | grep -qi "in use" || fail "taken port: the message does not say why: $err"

guest='echo "resolv.conf: $(tr "\n" ";" </etc/resolv.conf)"
echo "hosts: $(tr "\t\n" " ;" </etc/hosts)"
mkdir -p /tmp/w80 /tmp/w81
echo guest-80 >/tmp/w80/index.html
echo guest-81 >/tmp/w81/index.html
httpd -p 80 -h /tmp/w80 && httpd -p 81 -h /tmp/w81
echo "host loopback allowed: $(timeout 20 wget -q -O - http://10.0.2.2:9090/page 2>&1)"
echo ready
nc -l -p 99 </dev/null >/tmp/bye
echo "bye: $(cat /tmp/bye)"'
sandbox run --allow-host-loopback --dns 192.0.2.53 --add-host db:10.1.2.3 \
	-p 18081:80 -p 127.0.0.1::81 -p 127.0.0.1:18099:99 \
	"$IMAGES/busybox" sh -c "$guest" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" ready "$pid"
port81=$(sed -n 's|^sandbox: published 127.0.0.1:\([0-9]*\) -> 81/tcp$|\1|p' "$tmp/err")
[ -n "$port81" ] || fail "no published port reported for -p 127.0.0.1::81: $(cat "$tmp/err")"
get() { # URL: the page, retried while the guest's server starts
	_i=0
	until _p=$(timeout 10 wget -q -O - "$1" 2>/dev/null) && [ -n "$_p" ]; do
		_i=$((_i + 1)); [ $_i -lt 30 ] || { echo "no answer from $1"; return; }
		sleep 1
	done
	echo "$_p"
}
got80=$(get http://127.0.0.1:18081/index.html)
got81=$(get "http://127.0.0.1:$port81/index.html")
echo goodbye | nc 127.0.0.1 18099
wait_gone "$pid" 120 "the VM did not end after the goodbye"
cat "$tmp/out" "$tmp/err"
expect_eq "exit status" "$rc" 0
expect_eq "-p 18081:80" "$got80" guest-80
expect_eq "-p 127.0.0.1::81 (port $port81)" "$got81" guest-81
expect_eq stderr "$(cat "$tmp/err")" "sandbox: published 127.0.0.1:$port81 -> 81/tcp"
expect_eq stdout "$(cat "$tmp/out")" "resolv.conf: nameserver 192.0.2.53;
hosts: 127.0.0.1 localhost;10.1.2.3 db;10.0.2.15 sandbox;
host loopback allowed: loopback-secret
ready
bye: goodbye"
