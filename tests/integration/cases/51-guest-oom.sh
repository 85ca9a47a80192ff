# A workload that allocates past -m is OOM-killed: exit 137 and one line on
# the host's stderr. When the OOM killer takes a child instead, the workload
# goes on and its own status comes back (the VM stays sane).
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
# dd reads /dev/zero into a 64 MiB buffer: every page of it gets touched.
run sandbox run -m 32m "$img" dd if=/dev/zero of=/dev/null bs=64M count=1
expect_eq "OOM: exit status" "$rc" 137
expect_eq "OOM: stdout" "$out" ""
expect_eq "OOM: stderr" "$err" "sandbox: workload killed: out of memory (memory limit 33554432 bytes; raise it with --memory)"

run sandbox run -m 32m "$img" bash -c 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
echo "dd=$?"
grep -o "oom_kill [0-9]*" /sys/fs/cgroup/memory.events
head -c 1048576 /dev/zero | wc -c
exit 3'
expect_eq "OOM in a child: exit status" "$rc" 3
expect_eq "OOM in a child: stdout" "$out" "dd=137
oom_kill 1
1048576"
# bash reports its job as Killed; the note is only for the workload's own death
case $err in *"sandbox:"*) fail "OOM in a child: stderr [$err]" ;; esac
