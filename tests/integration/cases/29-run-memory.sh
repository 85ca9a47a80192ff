# Guest memory a user can run short of. (--memory below 6m or beyond the
# VMM's reach: 28; the workload over its -m: 51-guest-oom.) Here the image
# itself: the kernel unpacks it into its rootfs tmpfs, which it caps at half
# the guest's RAM, so sandbox sizes the VM for twice the image; then init lifts
# the cap, so the workload's files are limited by its memory, not by half the
# RAM. zeros: 100 MiB unpacked, 100 KiB packed, run with a tiny -m.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/zeros"
[ -f "$img/index.json" ] || fail "no test image $img (make images)"

run sandbox run -m 6m "$img" sh -c 'wc -c </zeros
	awk "\$2 == \"/\" { print \$4 }" /proc/mounts
	awk "/^MemTotal:/ { print \$2 }" /proc/meminfo'
expect_eq "-m 6m: exit status (stderr: $err)" "$rc" 0
set -- $out
expect_eq "-m 6m: the image's 100 MiB file" "${1:-}" 104857600
size=$(printf '%s\n' "${2:-}" | sed -n 's/.*size=\([0-9]*\)k.*/\1/p')
[ -n "$size" ] || fail "no size in the root's mount options [${2:-}]"
[ "$size" -ge "${3:-0}" ] || fail "root still capped: size=${size}k, MemTotal ${3:-?} kB"
echo "root size ${size}k, MemTotal ${3} kB"
