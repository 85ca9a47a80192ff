# The live end of the VMM's seccomp path, shared by native/seccomp-trap.sh (on
# this machine's /dev/kvm) and cases/36-seccomp-trap.sh (in the test host).
# syscall-inject makes a filtered thread (vcpu0, vmm-io, then the jailed
# process's main thread: openat and setuid) of a running
# `sandbox boot` call openat: the call must fail with EPERM, the VM must stop,
# and sandbox must say why in its last stderr line and exit 125.
# Sourced after lib.sh (POSIX sh, busybox too), with $sandbox (the command),
# $kernel (the guest kernel) and $inject (the syscall-inject command) set.
[ -f "$kernel" ] || fail "no guest kernel at $kernel"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A workload that lives long enough on a host whose KVM boots it all the way.
"$sandbox" run -q --export-initrd "$tmp/initrd" "$IMAGES/busybox" sleep 60 ||
	fail "could not export an initrd"

# filtered_tid PID NAME: the id of the thread NAME of PID's VMM once it runs
# under its seccomp filter (Seccomp: 2); empty before that
filtered_tid() {
	for _t in /proc/$(vmm_pid "$1")/task/*; do
		[ "$(cat "$_t/comm" 2>/dev/null)" = "$2" ] || continue
		sed -n 's/^Seccomp:[[:space:]]*//p' "$_t/status" 2>/dev/null | grep -qx 2 &&
			echo "${_t##*/}"
	done
}

trap_thread() { # THREAD KIND [NR ARGS... NAME]: openat by default
	# SANDBOX_ALLOW_PVM: a PVM /dev/kvm cannot boot Linux, but the VMM's threads run
	SANDBOX_ALLOW_PVM=1 "$sandbox" boot --kernel "$kernel" --initrd "$tmp/initrd" --mem 64m \
		--cmdline "rdinit=/.sandbox/init quiet" </dev/null >/dev/null 2>"$tmp/err" &
	pid=$!
	end=$(($(date +%s) + 60))
	until tid=$(filtered_tid $pid "$1"); [ -n "$tid" ]; do
		kill -0 $pid 2>/dev/null || fail "sandbox ended before its $1 thread ran filtered: $(cat "$tmp/err")"
		[ "$(date +%s)" -le $end ] || { kill -KILL $pid; fail "no filtered $1 thread in 60 s"; }
		sleep 0.1
	done
	# openat(AT_FDCWD, "/dev/null", O_RDONLY), or the call given, made by that thread
	_name=openat
	_call="257 -100 s:/dev/null 0"
	if [ $# -gt 2 ]; then
		_name=$5
		_call="$3 $4"
	fi
	# shellcheck disable=SC2086 # the call's number and arguments, split
	got=$("$inject" -t 60 "$tid" $_call 2>&1) ||
		{ kill -KILL $pid; fail "$1: syscall-inject failed: $got"; }
	[ "$got" = "-1 EPERM" ] || { kill -KILL $pid; fail "$1: $_name was not refused with EPERM: $got"; }
	wait_gone $pid 60 "sandbox did not stop after the forbidden call of $1"
	expect_eq "$1: exit status" "$rc" 125
	expect_eq "$1: last stderr line" "$(tail -n 1 "$tmp/err")" \
		"sandbox: VMM $2 thread made a forbidden system call: $_name (seccomp); the VM was stopped"
}
trap_thread vcpu0 vCPU
trap_thread vmm-io event-loop
# the jailed process's main thread (host/jail/): a file by name, then setuid(0)
trap_thread sandbox-vmm main
trap_thread sandbox-vmm main 105 0 setuid
