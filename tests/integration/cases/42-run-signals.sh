# Signals sent to `sandbox run` reach the workload (virtio-console control
# frames); a second SIGINT/SIGTERM ends the VM with 128+N.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# start NAME SCRIPT: sandbox run in the background; waits for the workload's
# "ready" line (its traps are set) before returning; pid in $pid.
start() {
	sandbox run "$img" bash -c "$2" >"$tmp/$1.out" 2>"$tmp/$1.err" &
	pid=$!
	wait_line "$tmp/$1.out" ready $pid
}

start term 'trap "echo got-term; exit 7" TERM; echo ready; sleep 100 & wait'
kill -TERM $pid
wait $pid
rc=$?
expect_eq "SIGTERM: exit status" "$rc" 7
expect_eq "SIGTERM: stdout" "$(cat "$tmp/term.out")" "ready
got-term"

# SIGUSR1, SIGUSR2 and SIGHUP too (SIGUSR1 was the VMM's own vCPU kick signal once).
start usr 'trap "echo got-usr1" USR1; trap "echo got-usr2" USR2; trap "echo got-hup; exit 3" HUP
	echo ready; while :; do sleep 100 & wait; done'
kill -USR1 $pid
wait_line "$tmp/usr.out" got-usr1 $pid 60
kill -USR2 $pid
wait_line "$tmp/usr.out" got-usr2 $pid 60
kill -HUP $pid
wait $pid
rc=$?
expect_eq "SIGUSR1+SIGUSR2+SIGHUP: exit status" "$rc" 3
expect_eq "SIGUSR1+SIGUSR2+SIGHUP: stdout" "$(cat "$tmp/usr.out")" "ready
got-usr1
got-usr2
got-hup"

# A workload that traps SIGINT gets the first one; the second ends the VM, 128+2.
start int 'trap "echo got-int" INT; echo ready; while :; do sleep 100 & wait; done'
kill -INT $pid
wait_line "$tmp/int.out" got-int $pid 60
kill -INT $pid
wait $pid
rc=$?
expect_eq "second SIGINT: exit status" "$rc" 130
