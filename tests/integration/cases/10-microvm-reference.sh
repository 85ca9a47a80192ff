# Reference check: our guest kernel + guest init boot under QEMU's microvm with the
# very initrd sandbox would use. Separates kernel/init faults from VMM faults.
. "$TESTS_DIR/lib.sh"
k=${GUEST_KERNEL:-/sandbox/kernel/bzImage}
[ -f "$k" ] || fail "no guest kernel at $k"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not available here"
sandbox run --export-initrd /tmp/ref.initrd "$IMAGES/busybox" sh -c 'exit 7' || fail "export-initrd failed"
out=$(timeout 300 qemu-system-x86_64 -M microvm,x-option-roms=off,isa-serial=on,rtc=off \
	-enable-kvm -cpu host -m 256 -smp 2 -nodefaults -no-user-config -display none -serial stdio \
	-kernel "$k" -initrd /tmp/ref.initrd -no-reboot \
	-append "console=ttyS0 reboot=t panic=-1 rdinit=/.sandbox/init" </dev/null 2>&1)
rm -f /tmp/ref.initrd
printf '%s\n' "$out" | grep -q 'sandbox-init: exit status 7' || {
	printf '%s\n' "$out" | tail -n 30
	fail "guest init did not report exit status 7 under QEMU microvm"
}
