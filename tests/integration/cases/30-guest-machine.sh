# The guest sees every vCPU, its memory, kvm-clock and virtio-rng.
. "$TESTS_DIR/lib.sh"
probe='nproc
cat /sys/devices/system/clocksource/clocksource0/current_clocksource
cat /sys/devices/virtual/misc/hw_random/rng_current
awk "/MemTotal/ {print \$2}" /proc/meminfo'
for cpus in 1 2; do
	run sandbox run --cpus "$cpus" -m 1g "$IMAGES/busybox" sh -c "$probe"
	expect_eq "exit status (--cpus $cpus)" "$rc" 0
	set -- $out
	expect_eq "nproc (--cpus $cpus)" "$1" "$cpus"
	expect_eq "clocksource" "$2" kvm-clock
	expect_eq "hw_random" "$3" virtio_rng.0
	# -m 1g is the workload's limit; the VM holds that plus kernel and image
	[ "$4" -ge $((1024 * 1024)) ] || fail "MemTotal $4 kB < 1 GiB with -m 1g"
done
