# The live end of the seccomp path on this machine's own /dev/kvm (PVM is
# enough: the guest only has to run); the check is ../seccomp-trap-check.sh.
# Without /dev/kvm it skips, and cases/36-seccomp-trap.sh makes the same check
# inside the test host.
. "$TESTS_DIR/lib.sh"
[ -c /dev/kvm ] || skip "this host has no /dev/kvm (the test host makes this check: cases/36-seccomp-trap)"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
sandbox=$SANDBOX
kernel=${KERNEL:-$(dirname "$SANDBOX")/kernel/bzImage}
inject=$(dirname "$SANDBOX")/tools/syscall-inject
[ -x "$inject" ] || fail "no $inject (make tools)"
. "$TESTS_DIR/seccomp-trap-check.sh"
