# On a PVM host, sandbox run fails at once with one line naming the cause, exit 125.
. "$TESTS_DIR/lib.sh"
[ -e /dev/kvm ] || skip "this host has no /dev/kvm (the refusal needs a PVM /dev/kvm; cli-errors checks the no-KVM error)"
[ -e /sys/module/kvm_pvm ] || skip "this host's /dev/kvm is not PVM"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
run timeout 20 "$SANDBOX" run "$IMAGES/busybox" true
expect_eq "exit status" "$rc" 125
expect_eq "stdout" "$out" ""
expect_eq "stderr lines" "$(printf '%s\n' "$err" | wc -l)" 1
case $err in *PVM*testhost*) ;; *) fail "message does not name PVM and the test host: [$err]" ;; esac
