# A reader that never reads: the VMM blocks writing the workload's stdout, yet
# a second SIGTERM still ends sandbox (after a short grace time, 128+15), and a
# third one at once.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/busybox"
tmp=$(mktemp -d)
trap 'kill $reader 2>/dev/null; rm -rf "$tmp"' EXIT
mkfifo "$tmp/out"
sleep 600 <"$tmp/out" &
reader=$!

stuck() { # start sandbox writing forever into the fifo; wait until it blocks
	sandbox run "$img" sh -c 'echo ready >&2; exec yes' >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	until grep -q ready "$tmp/err" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 180 ] || { kill -KILL $pid; fail "the workload never started"; }
		kill -0 $pid 2>/dev/null || fail "sandbox ended early: $(cat "$tmp/err")"
		sleep 1
	done
	sleep 3 # yes fills the pipe (64 KiB) at once
}

stuck
kill -TERM $pid
sleep 1
kill -TERM $pid
start=$(date +%s)
i=0
while kill -0 $pid 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 60 ] || { kill -KILL $pid; fail "sandbox still runs 60 s after the second SIGTERM"; }
	sleep 1
done
wait $pid
expect_eq "stuck output, second SIGTERM: status" "$?" 143
grep -q "did not stop in time" "$tmp/err" || fail "no abandon note on stderr: $(cat "$tmp/err")"

stuck
kill -TERM $pid
sleep 1
kill -TERM $pid
sleep 1
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 10 ] || { kill -KILL $pid; fail "a third signal did not end sandbox"; }
	sleep 1
done
wait $pid
expect_eq "stuck output, third signal: status" "$?" 143
