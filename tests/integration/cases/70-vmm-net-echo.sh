# virtio-net against Linux's own driver, without slirp: vmm-netecho boots the
# guest kernel with a NIC whose backend answers ARP, ICMP echo and DNS (always
# NXDOMAIN) for 10.0.2.2 and checks every checksum; the guest pings (small and
# 30 KB, which spans several receive buffers) and asks DNS over UDP (whose
# checksum Linux leaves to the device; the answer's, the guest checks).
. "$TESTS_DIR/lib.sh"
command -v vmm-netecho >/dev/null || skip "vmm-netecho not built (make tools)"
bb=$(which busybox 2>/dev/null) && [ -f "$bb" ] || skip "no busybox"
ldd "$bb" 2>/dev/null | grep -q '=>' && skip "busybox at $bb is not static (busybox-static)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/dev"
cp "$bb" "$tmp/root/bin/busybox"
cat >"$tmp/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys
mount -t proc proc /proc
mount -t sysfs sys /sys
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0
echo "G: mtu=$(cat /sys/class/net/eth0/mtu)"
echo "G: features=$(cat /sys/class/net/eth0/device/features)"
ping -c 3 -W 5 10.0.2.2 >/dev/null && echo "G: ping ok"
ping -c 2 -W 5 -s 30000 10.0.2.2 >/dev/null && echo "G: bigping ok"
nslookup -type=a name.test 10.0.2.2 2>&1 | grep -q NXDOMAIN && echo "G: dns ok"
echo "G: done"
reboot -f
INIT
chmod +x "$tmp/root/init"
(cd "$tmp/root" && find . | "$bb" cpio -o -H newc >"$tmp/initrd") || fail "cpio"
run vmm-netecho "${GUEST_KERNEL:-/sandbox/kernel/bzImage}" "$tmp/initrd"
echo "$out" | grep -E '^(G:|netecho:|device:)'
echo "$err"
expect_eq "exit status" "$rc" 0
g() { echo "$out" | sed -n "s/^G: $1=//p" | tr -d '\r'; }
expect_eq "guest MTU" "$(g mtu)" 65520
f=$(g features)
expect_eq "CSUM, MRG_RXBUF, EVENT_IDX negotiated" \
	"$(echo "$f" | cut -c1)$(echo "$f" | cut -c16)$(echo "$f" | cut -c30)" 111
echo "$out" | grep -q '^G: ping ok' || fail "ping 10.0.2.2 failed"
echo "$out" | grep -q '^G: bigping ok' || fail "30 KB ping failed"
echo "$out" | grep -q '^G: dns ok' || fail "no DNS answer over UDP"
line=$(echo "$out" | grep '^netecho:')
echo "$line" | grep -q 'bad_csum=0 ' || fail "bad checksums reached the backend: $line"
echo "$line" | grep -q 'icmp=5 ' || fail "ICMP echo count: $line"
echo "$line" | grep -q 'udp=0 ' && fail "no UDP reached the backend: $line"
echo "$out" | grep '^device:' | grep -q 'tx_csum=0$' &&
	fail "the guest never left a checksum to the device: $(echo "$out" | grep '^device:')"
echo "$out" | grep '^device:' | grep -q 'tx_dropped=0 rx_dropped=0' ||
	fail "device dropped frames: $(echo "$out" | grep '^device:')"
