# A command that does not exist: 127 and docker's kind of message.
. "$TESTS_DIR/lib.sh"
run sandbox run "$IMAGES/busybox" /no/such/program
expect_eq "exit status" "$rc" 127
case $err in *"no/such/program"*) ;; *) fail "stderr does not name the command: [$err]" ;; esac
