# The live end of the seccomp path (../seccomp-trap-check.sh) in the test host,
# for suites started on a machine without /dev/kvm. Where native/seccomp-trap
# ran before the suite (a /dev/kvm, PVM or hardware), tests/run passes
# SECCOMP_TRAP_NATIVE=ran and this case skips instead of checking it twice.
. "$TESTS_DIR/lib.sh"
[ "${SECCOMP_TRAP_NATIVE:-}" = ran ] &&
	skip "native/seccomp-trap made this check on the machine that started the suite"
command -v syscall-inject >/dev/null || fail "no syscall-inject on PATH (make tools)"
sandbox=sandbox
kernel=${GUEST_KERNEL:-/sandbox/kernel/bzImage}
inject=syscall-inject
. "$TESTS_DIR/seccomp-trap-check.sh"
