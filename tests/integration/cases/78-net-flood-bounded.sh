# A guest that floods TX and never reads RX cannot grow the VMM's memory, and
# another VM running at the same time still gets its answers (issue 14).
# Servers in a network namespace of the test's (10.77.0.2): a UDP sink and a
# chargen (writes to every connection without end). The flooder (-m 16m):
#   1. holds a TCP connection to chargen and a UDP socket on its published
#      port 7, and never reads either;
#   2. sends 1500 UDP datagrams of 65000 bytes (98 MB) to the sink as fast as
#      its kernel takes them (the device's TX queue into the backend is bounded
#      and back-pressures);
#   3. takes eth0 down: the guest no longer takes frames from the device at
#      all, while the test host sends 10000 datagrams of 65000 bytes (650 MB)
#      to its published UDP port; the backend's queue towards the guest is
#      full and drops.
# The VMM's own memory (its resident set without the guest's RAM mapping,
# sampled throughout) may grow by at most what its two frame rings hold
# (NET_RING_BYTES, 4 MiB each way, host/net/net.h) and a fixed allowance for
# libslirp's socket buffers and mbufs; VmHWM may not exceed the guest's RAM
# + the VMM's own memory at the start + that much. The backend must report
# frames dropped towards the guest (proof that the RX side was full). A
# neighbour VM (-m 16m, TCP and UDP published) answers every question put to
# it before, during both floods, and after.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/netcase.sh"
command -v netpeer >/dev/null || fail "no netpeer on PATH (make tools)"
# vmm_mem tells the guest's RAM by its huge-page advice, which needs THP
[ -d /sys/kernel/mm/transparent_hugepage ] ||
	skip "no transparent huge pages here: cannot tell the guest's RAM from the VMM's own memory"
ring_kib=4096      # NET_RING_BYTES (host/net/net.h), each way
allowance_kib=4096 # libslirp: TCP socket buffers (128 KiB each way), mbufs of up to 64 KiB
tmp=$(mktemp -d)
fpid= npid= pids=
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $fpid $npid $pids; do kill -KILL "$p" 2>/dev/null; done
	netns_down
	for f in flood.out flood.err neighbour.out neighbour.err; do
		echo "--- $f:"
		grep -v '^\[\|^ ' "$tmp/$f" 2>/dev/null | tail -n 20
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up
netns_up
netns_exec netpeer chargen -b 10.77.0.2 19 >"$tmp/chargen" 2>&1 &
cg=$!
netns_exec netpeer sink -b 10.77.0.2 9 >"$tmp/sink" 2>&1 &
sk=$!
pids="$cg $sk"
netpeer_image "$tmp/img" ''
wait_line "$tmp/chargen" listening "$cg" 30
wait_line "$tmp/sink" listening "$sk" 30

sandbox run -m 16m -p 127.0.0.1:18301:80 -p 127.0.0.1:18302:53/udp "$tmp/img" \
	sh -c 'exec netpeer serve -i neighbour tcp:80 udp:53' \
	>"$tmp/neighbour.out" 2>"$tmp/neighbour.err" &
npid=$!
mkfifo "$tmp/ctl"
# (ip link set needs CAP_NET_ADMIN, outside docker's default set)
sandbox run --debug -i -m 16m --cap-add NET_ADMIN -p 127.0.0.1:18307:7/udp "$tmp/img" sh -c '
netpeer hold tcp:10.77.0.2:19 udp:7 >/tmp/hold &
until grep -q holding /tmp/hold; do sleep 0.2; done
echo flooding
netpeer flood -n 1500 10.77.0.2 9
ip link set eth0 down
echo rx-off
read bye
echo "$bye"' <"$tmp/ctl" >"$tmp/flood.out" 2>"$tmp/flood.err" &
fpid=$!
exec 3>"$tmp/ctl"
wait_line "$tmp/neighbour.out" ready "$npid" 300
wait_line "$tmp/flood.out" flooding "$fpid" 300
fvmm=$(vmm_pid "$fpid") # the flooder's VMM process (host/jail/)
mem=$(vmm_mem "$fvmm") || fail "cannot tell the flooder's guest RAM in /proc/$fvmm/smaps"
own0=${mem% *} guest_kib=${mem#* }
bound_own=$((own0 + 2 * ring_kib + allowance_kib))
bound_hwm=$((guest_kib + bound_own))
echo "at the start: own $own0 KiB, guest RAM $guest_kib KiB; bounds: own $bound_own KiB, VmHWM $bound_hwm KiB"

max_own=$own0 asked=0 q=0
# sample: the flooder's own memory (its peak so far in max_own)
sample() {
	_o=$(vmm_mem "$fvmm") || {
		kill -0 "$fpid" 2>/dev/null || fail "the flooder ended early"
		fail "cannot tell the flooder's guest RAM in /proc/$fvmm/smaps any more"
	}
	_o=${_o% *}
	[ "$_o" -gt "$max_own" ] && max_own=$_o
	return 0
}
# neighbour: one TCP and one UDP question, each must get its own answer
neighbour() {
	q=$((q + 1))
	_t=$(netpeer ask tcp 127.0.0.1 18301 "t$q" 2>&1 | sed 's/ [0-9.]*:[0-9]* / /')
	expect_eq "neighbour, TCP question $q ($1)" "$_t" "neighbour t$q"
	_u=$(netpeer ask udp 127.0.0.1 18302 "u$q" 2>&1 | sed 's/ [0-9.]*:[0-9]* / /')
	expect_eq "neighbour, UDP question $q ($1)" "$_u" "neighbour u$q"
	asked=$((asked + 2))
}

neighbour "before"
until grep -q rx-off "$tmp/flood.out"; do
	kill -0 "$fpid" 2>/dev/null || fail "the flooder ended during its TX flood"
	sample
	neighbour "during the TX flood"
done
sample
echo "after the TX flood: own peak $max_own KiB"
[ "$max_own" -le "$bound_own" ] ||
	fail "TX flood: the flooder's VMM grew to $max_own KiB of its own (bound $bound_own: $own0 at the start + 2 rings + allowance)"
netpeer flood -n 10000 127.0.0.1 18307 >"$tmp/hostflood" 2>&1 &
hf=$!
while kill -0 "$hf" 2>/dev/null; do
	sample
	neighbour "during the RX flood"
done
sample
neighbour "after"
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$fvmm/status")
echo "after the RX flood: own peak $max_own KiB, VmHWM $hwm KiB; $(cat "$tmp/hostflood")"
[ "$max_own" -le "$bound_own" ] ||
	fail "RX flood: the flooder's VMM grew to $max_own KiB of its own (bound $bound_own: $own0 at the start + 2 rings + allowance)"
[ "$hwm" -le "$bound_hwm" ] || fail "the flooder's VmHWM $hwm KiB > bound $bound_hwm KiB"
echo bye >&3
exec 3>&-
wait_gone "$fpid" 120 "the flooder did not end"
fpid=
expect_eq "flooder: exit status" "$rc" 0
expect_eq "flooder: stdout" "$(sed 's/ sent, [0-9]* errors$/ sent/' "$tmp/flood.out")" "flooding
flood: 1500 sent
rx-off
bye"
stats=$(grep '^sandbox: network:.*frames from the guest' "$tmp/flood.err")
echo "flooder: $stats"
dropped=$(echo "$stats" | sed -n 's/.*(\([0-9]*\) dropped: ring full).*/\1/p')
[ "${dropped:-0}" -gt 0 ] || fail "no frame for the guest was dropped: its RX side was never full ($stats)"
netpeer ask tcp 127.0.0.1 18301 quit >/dev/null
wait_gone "$npid" 120 "the neighbour did not end after quit"
npid=
expect_eq "neighbour: exit status" "$rc" 0
echo "ok: own memory peak $max_own KiB <= $bound_own, VmHWM $hwm <= $bound_hwm; neighbour answered all $asked questions"
