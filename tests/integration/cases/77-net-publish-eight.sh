# Eight sandboxes at once (-m 16m each), each publishing its own host port
# (-p 127.0.0.1:1820N:80) and serving its own identity (its --hostname,
# sb-N, through netpeer): once all eight are up, every port answers with
# its own sandbox's name, asked in one order and then the reverse while all
# still run; then each ends on its own `quit` with status 0.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/netcase.sh"
command -v netpeer >/dev/null || fail "no netpeer on PATH (make tools)"
n=8
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	for i in $(seq $n); do
		[ -s "$tmp/err$i" ] && { echo "--- stderr of sb-$i:"; cat "$tmp/err$i"; }
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
ip link set lo up
netpeer_image "$tmp/img" ''

for i in $(seq $n); do
	sandbox run -q -m 16m --hostname "sb-$i" -p "127.0.0.1:$((18200 + i)):80" "$tmp/img" \
		sh -c 'exec netpeer serve -i "$(hostname)" tcp:80' >"$tmp/out$i" 2>"$tmp/err$i" &
	pids="$pids $!"
	eval "pid$i=$!"
done
for i in $(seq $n); do
	eval "wait_line \"\$tmp/out$i\" ready \$pid$i 300"
done

# ask PORT TOKEN: the answer without the client port (it varies)
ask() { netpeer ask tcp 127.0.0.1 "$1" "$2" 2>&1 | sed 's/^\([^ ]* [0-9.]*\):[0-9]* /\1 /'; }
for i in $(seq $n) $(seq $n | sort -rn); do
	expect_eq "port $((18200 + i))" "$(ask $((18200 + i)) "to-$i")" "sb-$i 10.0.2.2 to-$i"
done
for i in $(seq $n); do
	ask $((18200 + i)) quit >/dev/null
done
for i in $(seq $n); do
	eval "wait_gone \$pid$i 120 \"sb-$i did not end after quit\""
	expect_eq "sb-$i: exit status" "$rc" 0
	expect_eq "sb-$i: stdout" "$(cat "$tmp/out$i")" ready
	expect_eq "sb-$i: stderr" "$(cat "$tmp/err$i")" ""
done
pids=
