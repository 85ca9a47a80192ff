# Both kernel formats boot: bzImage (64-bit boot protocol) and ELF vmlinux (PVH entry).
. "$TESTS_DIR/lib.sh"
kdir=$(dirname "${GUEST_KERNEL:-/sandbox/kernel/bzImage}")
for k in bzImage vmlinux; do
	[ -f "$kdir/$k" ] || fail "no $kdir/$k"
	run sandbox run --kernel "$kdir/$k" "$IMAGES/busybox" sh -c 'echo booted; exit 3'
	expect_eq "exit status ($k)" "$rc" 3
	expect_eq "stdout ($k)" "$out" booted
done
