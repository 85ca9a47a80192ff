# --cpus sets both the vCPUs (rounded up) and cpu.max, -m memory.max (the VM
# holds at least that much), --pids-limit pids.max, --hostname the name; and
# --kernel boots another guest kernel (the ELF vmlinux of the same build here;
# both formats: 31-guest-kernel-formats).
. "$TESTS_DIR/lib.sh"
kernel="$(dirname "${GUEST_KERNEL:-/sandbox/kernel/bzImage}")/vmlinux"
[ -f "$kernel" ] || fail "no $kernel"
run sandbox run --kernel "$kernel" --cpus 1.5 -m 200m --pids-limit 40 --hostname res-1 \
	"$IMAGES/debian" bash -c '
cd /sys/fs/cgroup
echo "nproc=$(nproc) cpu.max=$(cat cpu.max) memory.max=$(cat memory.max) pids.max=$(cat pids.max)"
echo "hostname=$(uname -n)"
set -- $(grep MemTotal: /proc/meminfo)
echo "memtotal-ok=$(($2 >= 200 * 1024))"'
expect_eq "exit status" "$rc" 0
expect_eq stderr "$err" ""
expect_eq stdout "$out" "nproc=2 cpu.max=150000 100000 memory.max=209715200 pids.max=40
hostname=res-1
memtotal-ok=1"
