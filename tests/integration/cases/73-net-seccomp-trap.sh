# The network thread's seccomp path, live: syscall-inject makes the running
# `vmm-net` thread (libslirp's, under its own allow-list) of a `sandbox run`
# call openat; the call must fail with EPERM, the VM must stop, and sandbox
# must name the network thread in its last stderr line and exit 125, as for
# the vCPU and event-loop threads (36-seccomp-trap). One VM boot.
. "$TESTS_DIR/lib.sh"
command -v syscall-inject >/dev/null || fail "no syscall-inject on PATH (make tools)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sandbox run -q "$IMAGES/busybox" sleep 120 </dev/null >/dev/null 2>"$tmp/err" &
pid=$!
end=$(($(date +%s) + 120))
tid=
until [ -n "$tid" ]; do
	for t in /proc/$(vmm_pid $pid)/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = vmm-net ] || continue
		sed -n 's/^Seccomp:[[:space:]]*//p' "$t/status" 2>/dev/null | grep -qx 2 && tid=${t##*/}
	done
	[ -n "$tid" ] && break
	kill -0 $pid 2>/dev/null || fail "sandbox ended before its vmm-net thread ran filtered: $(cat "$tmp/err")"
	[ "$(date +%s)" -le $end ] || { kill -KILL $pid; fail "no filtered vmm-net thread in 120 s"; }
	sleep 0.2
done
got=$(syscall-inject -t 60 "$tid" 257 -100 s:/dev/null 0 2>&1) ||
	{ kill -KILL $pid; fail "syscall-inject failed: $got"; }
[ "$got" = "-1 EPERM" ] || { kill -KILL $pid; fail "openat was not refused with EPERM: $got"; }
wait_gone $pid 60 "sandbox did not stop after the network thread's forbidden call"
expect_eq "exit status" "$rc" 125
expect_eq "last stderr line" "$(tail -n 1 "$tmp/err")" \
	"sandbox: VMM network thread made a forbidden system call: openat (seccomp); the VM was stopped"
