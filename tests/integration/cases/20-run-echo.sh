# sandbox run boots the image on our VMM and prints the workload's output.
. "$TESTS_DIR/lib.sh"
run sandbox run "$IMAGES/busybox" echo hello from the sandbox
expect_eq "exit status" "$rc" 0
expect_eq stdout "$out" "hello from the sandbox"
expect_eq stderr "$err" ""
