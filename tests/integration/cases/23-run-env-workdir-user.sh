# -e, -w and -u reach the workload.
. "$TESTS_DIR/lib.sh"
run sandbox run -e FOO=bar -w /tmp -u 1000:1000 "$IMAGES/busybox" sh -c 'echo "$FOO $(pwd) $(id -u):$(id -g)"'
expect_eq "exit status" "$rc" 0
expect_eq stdout "$out" "bar /tmp 1000:1000"
