# The guest sees every vCPU, its memory (128 MiB and 1 GiB machines too),
# kvm-clock and virtio-rng.
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

# Machine sizes: the same initrd booted with 128 MiB and with 1 GiB of guest
# RAM (`sandbox boot --mem`: exactly that much). MemTotal is the RAM less what
# the kernel keeps for itself (its image, ~10 MiB, and struct pages, 1/64 of
# the RAM): at most the size, and no more than 1/32 + 16 MiB below it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run sandbox run --export-initrd "$tmp/initrd" "$IMAGES/busybox" \
	sh -c 'awk "/MemTotal/ {print \"memtotal=\" \$2}" /proc/meminfo'
expect_eq "export-initrd: exit status" "$rc" 0
for mib in 128 1024; do
	run sandbox boot --kernel "${GUEST_KERNEL:-/sandbox/kernel/bzImage}" --initrd "$tmp/initrd" --mem "${mib}m" \
		--cmdline "rdinit=/.sandbox/init quiet"
	expect_eq "boot --mem ${mib}m: exit status" "$rc" 0
	kb=$(echo "$out" | sed -n 's/^memtotal=//p')
	[ -n "$kb" ] || fail "boot --mem ${mib}m: no MemTotal in [$out] [$err]"
	[ "$kb" -le $((mib * 1024)) ] || fail "MemTotal $kb kB > ${mib} MiB"
	[ "$kb" -ge $((mib * 1024 - mib * 32 - 16 * 1024)) ] || fail "MemTotal $kb kB: too far below ${mib} MiB"
done
