# --timeout DURATION: the VM ends that long after it started and sandbox exits
# 124 (timeout(1)), silently unless --debug; a workload that ends first keeps
# its own status.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"

t0=$(date +%s)
run sandbox run --timeout 3s "$img" sleep 1000
t1=$(date +%s)
expect_eq "timeout: exit status" "$rc" 124
expect_eq "timeout: stdout" "$out" ""
expect_eq "timeout: stderr" "$err" ""
[ $((t1 - t0)) -lt 120 ] || fail "timeout: took $((t1 - t0)) s"

run sandbox run --timeout 300s "$img" bash -c 'echo fine; exit 3'
expect_eq "before the timeout: exit status" "$rc" 3
expect_eq "before the timeout: stdout" "$out" "fine"

run sandbox run --debug --timeout 2s "$img" sleep 1000
expect_eq "timeout --debug: exit status" "$rc" 124
case "$err" in *"sandbox: --timeout: stopped the VM"*) ;; *) fail "timeout --debug: no line" ;; esac

# With -it the terminal comes back after the timeout too.
command -v ptyrun >/dev/null || fail "ptyrun not built (make tools)"
e=$(mktemp)
ptyrun -t 240 -- sandbox run -it --timeout 3s "$img" sleep 1000 >/dev/null 2>"$e"
rc=$?
log=$(cat "$e")
rm -f "$e"
expect_eq "timeout -it: exit status" "$rc" 124
case "$log" in *"ptyrun: termios same"*) ;; *) fail "timeout -it: [$log]" ;; esac
