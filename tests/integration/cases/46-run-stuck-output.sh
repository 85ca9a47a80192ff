# A reader that never reads: the VMM blocks writing the workload's stdout, yet
# a second SIGTERM still ends sandbox (after a short grace time, 128+15), and a
# third one at once.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
tmp=$(mktemp -d)
trap 'kill $reader 2>/dev/null; rm -rf "$tmp"' EXIT
mkfifo "$tmp/out"
sleep 600 <"$tmp/out" &
reader=$!

stuck() { # start sandbox writing forever into the fifo; wait until it blocks
	sandbox run "$img" bash -c 'echo ready >&2; exec yes' >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_line "$tmp/err" ready $pid
	sleep 3 # yes fills the pipe (64 KiB) at once
}

stuck
kill -TERM $pid
sleep 1
kill -TERM $pid
wait_gone $pid 60 "sandbox still runs 60 s after the second SIGTERM"
expect_eq "stuck output, second SIGTERM: status" "$rc" 143
grep -q "did not stop in time" "$tmp/err" || fail "no abandon note on stderr: $(cat "$tmp/err")"

stuck
kill -TERM $pid
sleep 1
kill -TERM $pid
sleep 1
kill -INT $pid
wait_gone $pid 10 "a third signal did not end sandbox"
expect_eq "stuck output, third signal: status" "$rc" 143
