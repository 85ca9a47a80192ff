# The VMM's threads run under seccomp: while a workload runs, every vCPU
# thread (vcpuN), the event-loop thread (vmm-io) and the main thread of the
# jailed VMM process (sandbox-vmm, host/jail/) show "Seccomp: 2" (filter
# mode), the sandbox command's own main thread 0; the workload still gets its
# input, writes its output and ends with its own status. A SIGSYS sent from
# outside is not a forbidden call: the VM goes on.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/busybox"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seccomp_mode TASKDIR: the Seccomp: field of a thread's status
seccomp_mode() { sed -n 's/^Seccomp:[[:space:]]*//p' "$1/status"; }

echo from-stdin >"$tmp/in"
sandbox run -i --cpus 2 "$img" sh -c 'read l; echo "ready $l"; sleep 8; exit 7' \
	<"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" ready $pid

vmm=$(vmm_pid $pid)
[ "$vmm" != "$pid" ] || fail "no sandbox-vmm process under sandbox ($pid)"
vcpus=0 loops=0 others=""
for t in /proc/$vmm/task/*; do
	name=$(cat "$t/comm" 2>/dev/null) || continue # a thread that just ended
	mode=$(seccomp_mode "$t")
	case $name in
	vcpu*) expect_eq "$name: Seccomp" "$mode" 2; vcpus=$((vcpus + 1)) ;;
	vmm-io) expect_eq "$name: Seccomp" "$mode" 2; loops=$((loops + 1)) ;;
	*) others="$others $name=$mode" ;;
	esac
done
expect_eq "vCPU threads seen" "$vcpus" 2
expect_eq "event-loop threads seen" "$loops" 1
expect_eq "VMM main thread: Seccomp" "$(seccomp_mode /proc/$vmm/task/$vmm)" 2
expect_eq "sandbox command's main thread: Seccomp" "$(seccomp_mode /proc/$pid/task/$pid)" 0
echo "other threads:$others"

kill -SYS $vmm
wait_gone $pid 120 "the VM did not end"
expect_eq "exit status" "$rc" 7
expect_eq "stdout" "$(cat "$tmp/out")" "ready from-stdin"
expect_eq "stderr" "$(cat "$tmp/err")" ""
