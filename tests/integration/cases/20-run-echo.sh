# sandbox run boots a Debian image on our VMM and prints the workload's
# output; without --debug nothing else reaches our stdout or stderr (no kernel
# log, no init chatter).
. "$TESTS_DIR/lib.sh"
run sandbox run "$IMAGES/debian" echo hello from the sandbox
expect_eq "exit status" "$rc" 0
expect_eq stdout "$out" "hello from the sandbox"
expect_eq stderr "$err" ""
