# The workload's exit status comes back; stdout and stderr stay apart.
. "$TESTS_DIR/lib.sh"
run sandbox run "$IMAGES/busybox" sh -c 'echo to-out; echo to-err >&2; exit 42'
expect_eq "exit status" "$rc" 42
expect_eq stdout "$out" "to-out"
expect_eq stderr "$err" "to-err"
