# The guest's network without a NIC (--network none): lo up
# with 127.0.0.1 that answers ping and carries TCP, IPv6 disabled (no ::1),
# no other interface, and the files init writes as docker does: /etc/hosts
# with localhost only (no own address without a NIC), /etc/hostname; the
# image's /etc/resolv.conf is left as it was (no DNS settings given); the
# kernel has AF_PACKET (raw frames, for the security tests' sender).
# One VM boot (busybox image).
. "$TESTS_DIR/lib.sh"
probe='echo "hosts:"; cat /etc/hosts
echo "hostname file: $(cat /etc/hostname) uname: $(hostname)"
echo "resolv.conf: $(cat /etc/resolv.conf 2>&1 | head -n 1)"
echo "interfaces: $(ls /sys/class/net | tr "\n" " ")"
echo "lo: flags up $(($(cat /sys/class/net/lo/flags) & 1)) $(ifconfig lo | grep -o "inet addr:[0-9.]* *Mask:[0-9.]*")"
echo "ipv6 disabled: all $(cat /proc/sys/net/ipv6/conf/all/disable_ipv6) lo $(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6) default $(cat /proc/sys/net/ipv6/conf/default/disable_ipv6)"
echo "ipv6 addresses: $(wc -l </proc/net/if_inet6)"
echo "af_packet: $([ -e /proc/net/packet ] && echo yes || echo no)"
ping -c 1 -W 5 127.0.0.1 >/dev/null && echo "ping 127.0.0.1: ok"
ping -c 1 -W 5 localhost >/dev/null && echo "ping localhost: ok"
nc -l -p 7777 >/tmp/got </dev/null &
i=0
until echo hello-over-lo | nc 127.0.0.1 7777 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
done
wait
echo "tcp over lo: $(cat /tmp/got)"
echo "route: $(grep -vc "^Iface" /proc/net/route) entries"'

run sandbox run --network none --hostname web-1 "$IMAGES/busybox" sh -c "$probe"
expect_eq "exit status" "$rc" 0
expect_eq stderr "$err" ""
hosts_tab=$(printf '127.0.0.1\tlocalhost')
expect_eq stdout "$out" "hosts:
$hosts_tab
hostname file: web-1 uname: web-1
resolv.conf: cat: can't open '/etc/resolv.conf': No such file or directory
interfaces: lo 
lo: flags up 1 inet addr:127.0.0.1  Mask:255.0.0.0
ipv6 disabled: all 1 lo 1 default 1
ipv6 addresses: 0
af_packet: yes
ping 127.0.0.1: ok
ping localhost: ok
tcp over lo: hello-over-lo
route: 0 entries"
