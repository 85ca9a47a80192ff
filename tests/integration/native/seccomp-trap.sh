# The end of the seccomp path, on a live VMM: gdb makes a filtered thread
# (vcpu0, then vmm-io) of a running `sandbox boot` call openat. The call must
# fail with EPERM, the VM must stop, and sandbox must say why in one line and
# exit 125. Needs gdb and /dev/kvm (PVM is enough: the guest only has to run).
. "$TESTS_DIR/lib.sh"
command -v gdb >/dev/null || skip "no gdb (apt-get install gdb)"
[ -c /dev/kvm ] || skip "this host has no /dev/kvm (the filters' live end is checked where a VMM runs: here on PVM or hardware KVM)"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
kernel=${KERNEL:-$(dirname "$SANDBOX")/kernel/bzImage}
[ -f "$kernel" ] || fail "no guest kernel at $kernel"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A workload that lives long enough on a host whose KVM boots it all the way.
"$SANDBOX" run -q --export-initrd "$tmp/initrd" "$IMAGES/busybox" sleep 60 ||
	fail "could not export an initrd"

trap_thread() { # THREAD KIND
	SANDBOX_ALLOW_PVM=1 "$SANDBOX" boot --kernel "$kernel" --initrd "$tmp/initrd" --mem 64m \
		--cmdline "rdinit=/.sandbox/init quiet" </dev/null >/dev/null 2>"$tmp/err" &
	pid=$!
	i=0
	until grep -qx "$1" /proc/$pid/task/*/comm 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || { kill -KILL $pid; fail "no $1 thread in 10 s: $(cat "$tmp/err")"; }
		sleep 0.1
	done
	n=$(gdb -batch -p $pid -ex "thread find $1" 2>&1 |
		sed -n "s/^Thread \([0-9]*\) has target name '$1'.*/\1/p")
	[ -n "$n" ] || { kill -KILL $pid; fail "gdb does not see thread $1"; }
	got=$(gdb -batch -p $pid -ex 'handle SIGSYS nostop noprint pass' \
		-ex 'handle SIG34 nostop noprint pass' -ex "thread $n" \
		-ex 'p (long)syscall(257, -100, "/dev/null", 0)' -ex 'p *(int *)__errno_location()' 2>&1)
	wait_gone $pid 20 "sandbox did not stop after the forbidden call of $1"
	printf '%s\n' "$got" | grep -qx '\$1 = -1' || fail "$1: openat was not refused: $got"
	printf '%s\n' "$got" | grep -qx '\$2 = 1' || fail "$1: errno is not EPERM: $got"
	expect_eq "$1: exit status" "$rc" 125
	expect_eq "$1: last stderr line" "$(tail -n 1 "$tmp/err")" \
		"sandbox: VMM $2 thread made a forbidden system call: openat (seccomp); the VM was stopped"
}
trap_thread vcpu0 vCPU
trap_thread vmm-io event-loop
