# docker's 127 (command not found) and 126 (found but not executable), each
# with runc's kind of message on stderr. (Not found in $PATH: 43-run-tty.)
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
run sandbox run "$img" /no/such/program
expect_eq "missing path: exit status" "$rc" 127
expect_eq "missing path: stdout" "$out" ""
case $err in *'exec: "/no/such/program": no such file or directory'*) ;;
*) fail "missing path: stderr [$err]" ;; esac

run sandbox run "$img" /etc/passwd
expect_eq "not executable: exit status" "$rc" 126
case $err in *'exec: "/etc/passwd": permission denied'*) ;;
*) fail "not executable: stderr [$err]" ;; esac
