# --host-limits (host/jail/hostcg.h) in the test host (cgroup v2, root): the
# VMM runs in a group of its own under /sys/fs/cgroup/sandbox with memory.max
# (guest RAM and the VMM's own), cpu.max from --cpus and pids.max. A guest
# that fills its RAM and then spins stays inside it (throttled, never over
# memory.max) while another sandbox runs normally; the group is gone after
# the run; off makes none; a bad mode is refused.
. "$TESTS_DIR/lib.sh"
[ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no cgroup v2 hierarchy at /sys/fs/cgroup here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sandbox run --debug --cpus 0.5 "$IMAGES/busybox" sh -c \
	'dd if=/dev/zero of=/big bs=1M count=160 2>/dev/null; echo up; while :; do :; done' \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" up $pid 300
cg=$(sed -n 's/^sandbox: host limits: //p' "$tmp/err")
case $cg in /sys/fs/cgroup/sandbox/vm-*) ;; *) kill -KILL $pid; fail "no host group: [$cg] $(cat "$tmp/err")" ;; esac
expect_eq "cpu.max" "$(cat "$cg/cpu.max")" "50000 100000"
max=$(cat "$cg/memory.max")
[ "$max" -gt $((256 << 20)) ] || { kill -KILL $pid; fail "memory.max $max: less than the guest's RAM"; }
grep -qx "$(vmm_pid $pid)" "$cg/cgroup.procs" || { kill -KILL $pid; fail "the VMM is not in $cg"; }
[ "$(cat "$cg/pids.max")" -ge 32 ] || fail "pids.max: $(cat "$cg/pids.max")"

# another sandbox meanwhile, normally
run sandbox run "$IMAGES/busybox" echo fine
expect_eq "a second sandbox beside it: status" "$rc" 0
expect_eq "a second sandbox beside it: output" "$out" fine

# the spinner is throttled to its half CPU (waits for the kernel to say so)
i=0
until [ "$(sed -n 's/^nr_throttled //p' "$cg/cpu.stat")" -gt 0 ]; do
	i=$((i + 1))
	[ $i -le 300 ] || { kill -KILL $pid; fail "the spinning VMM was never throttled: $(cat "$cg/cpu.stat")"; }
	sleep 1
done
peak=$(cat "$cg/memory.peak" 2>/dev/null || cat "$cg/memory.current")
[ "$peak" -le "$max" ] || fail "memory.peak $peak > memory.max $max"
[ "$peak" -gt $((160 << 20)) ] || fail "memory.peak $peak: the guest's 160 MiB are not counted in the VM's group"
expect_eq "OOM kills in the VM's group" "$(sed -n 's/^oom_kill //p' "$cg/memory.events")" 0
kill -TERM $pid
wait_gone $pid 120 "the spinner did not stop on SIGTERM"
[ ! -d "$cg" ] || fail "$cg is still there after the run"

run sandbox run --debug --host-limits=off "$IMAGES/busybox" true
expect_eq "--host-limits=off: status" "$rc" 0
case $err in *"host limits: /"*) fail "--host-limits=off made a group" ;; esac
run sandbox run --host-limits=sometimes "$IMAGES/busybox" true
expect_eq "bad --host-limits: status" "$rc" 125
expect_eq "bad --host-limits: stderr" "$err" "sandbox: --host-limits=sometimes: want auto, require or off"
