# --network tap:NAME: the guest on an existing TAP device (sbxtap0, made here
# with busybox tunctl, 10.78.0.1/24 on the test host's side; nothing leaves
# the test host). One VM boot (busybox image): eth0 gets ip= and gateway=,
# the TAP's MTU and the host's nameserver; 16 MiB each way with sha256 (the
# guest fetches from the host's web server; the host fetches from the
# guest's, a connection the host opens: checksum and TSO offloads on both
# paths); ping. While that VM holds the device, a second run on it is 125;
# so are a missing device, a device that is not a TAP, and no ip=. Then a
# saved and a restored run (snapshots), each with its own address.
. "$TESTS_DIR/lib.sh"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (tun module): --network tap needs it"
command -v tunctl >/dev/null || skip "no tunctl to create the TAP device"
tmp=$(mktemp -d)
pids= vm=
cp /etc/resolv.conf "$tmp/resolv.saved" 2>/dev/null || : >"$tmp/resolv.saved"
cleanup() {
	for p in $pids $vm; do kill "$p" 2>/dev/null; done
	tunctl -d sbxtap0 >/dev/null 2>&1
	cat "$tmp/resolv.saved" >/etc/resolv.conf
	rm -rf "$tmp"
}
trap cleanup EXIT
tunctl -t sbxtap0 >/dev/null || fail "tunctl cannot create sbxtap0"
ip addr add 10.78.0.1/24 dev sbxtap0 && ip link set sbxtap0 up || fail "cannot set up sbxtap0"
mkdir -p "$tmp/www"
head -c 16777216 /dev/urandom >"$tmp/www/big"
down=$(sha256sum <"$tmp/www/big" | cut -d' ' -f1)
httpd -f -p 10.78.0.1:8080 -h "$tmp/www" & pids="$pids $!"
echo "nameserver 10.78.0.1" >/etc/resolv.conf
net=tap:sbxtap0,ip=10.78.0.2/24,gateway=10.78.0.1

# Refused before any boot, with one line each.
for bad in "tap:sbx-nope,ip=10.78.0.2/24|no such network device" \
	"tap:lo,ip=10.78.0.2/24|not a TAP device" \
	"tap:sbxtap0|needs the guest's address"; do
	run sandbox run --network "${bad%%|*}" "$IMAGES/busybox" true
	expect_eq "--network ${bad%%|*}: exit status" "$rc" 125
	case $err in *"${bad#*|}"*) ;; *) fail "--network ${bad%%|*}: stderr [$err]" ;; esac
	expect_eq "--network ${bad%%|*}: one line" "$(printf '%s\n' "$err" | wc -l)" 1
done

probe='echo "interfaces: $(ls /sys/class/net | tr "\n" " ")"
echo "eth0: mtu $(cat /sys/class/net/eth0/mtu) $(ip -4 addr show eth0 | grep -o "inet [0-9./]*")"
echo "default route: $(ip route | grep ^default)"
echo "resolv.conf: $(tr "\n" ";" </etc/resolv.conf)"
ping -c 1 -W 10 10.78.0.1 >/dev/null && echo "ping host: ok"
echo "down: $(timeout 120 wget -q -O - http://10.78.0.1:8080/big | sha256sum | cut -d" " -f1)"
mkdir -p /tmp/www && head -c 16777216 /dev/urandom >/tmp/www/up
echo "up: $(sha256sum </tmp/www/up | cut -d" " -f1)"
httpd -p 10.78.0.2:8081 -h /tmp/www
echo serving
i=0
until wget -q -O /dev/null http://10.78.0.1:8080/go 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 600 ] || { echo "no go from the host"; exit 3; }; sleep 0.2
done
echo done'
sandbox run --network "$net" "$IMAGES/busybox" sh -c "$probe" >"$tmp/out" 2>"$tmp/err" &
vm=$!
wait_line "$tmp/out" serving "$vm" 600
# The device is held: a second sandbox cannot have it.
run sandbox run --network "$net" "$IMAGES/busybox" true
expect_eq "second run on a held TAP: exit status" "$rc" 125
case $err in *"attached to another process"*) ;; *) fail "second run: stderr [$err]" ;; esac
wget -q -O "$tmp/up" http://10.78.0.2:8081/up || fail "the guest's web server does not answer"
touch "$tmp/www/go"
wait_gone "$vm" 300 "the tap sandbox did not end"
vm=
cat "$tmp/out" "$tmp/err"
expect_eq "exit status" "$rc" 0
expect_eq stderr "$(cat "$tmp/err")" ""
up=$(sha256sum <"$tmp/up" | cut -d' ' -f1)
expect_eq stdout "$(cat "$tmp/out")" "interfaces: eth0 lo 
eth0: mtu 1500 inet 10.78.0.2/24
default route: default via 10.78.0.1 dev eth0 
resolv.conf: nameserver 10.78.0.1;
ping host: ok
down: $down
up: $up
serving
done"

# Snapshots: the first --debug run saves its VM, the second restores it
# with its own address; the TAP's offloads fit what the restored driver
# accepted (1 MiB down, checksummed).
head -c 1048576 /dev/urandom >"$tmp/www/small"
small=$(sha256sum <"$tmp/www/small" | cut -d' ' -f1)
for n in 3 4; do
	run sandbox run --debug --network "tap:sbxtap0,ip=10.78.0.$n/24,gateway=10.78.0.1" \
		"$IMAGES/busybox" sh -c 'ip -4 addr show eth0 | grep -o "inet [0-9./]*"
wget -q -O - http://10.78.0.1:8080/small | sha256sum | cut -d" " -f1'
	expect_eq "tap run .$n: status" "$rc" 0
	expect_eq "tap run .$n: stdout" "$out" "inet 10.78.0.$n/24
$small"
done
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored " ||
	fail "tap: the second run was not restored: $(printf '%s\n' "$err" | grep snapshot)"
echo "PASS: tap: 16 MiB each way, ping, addresses, held/missing/not-a-TAP/no-ip refused, restored"
