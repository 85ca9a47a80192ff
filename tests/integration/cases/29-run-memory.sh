# Guest memory a user can run short of, and the one line that says what to do.
# (--memory below 6m or beyond the VMM's reach: 28; the workload over its -m:
# 51-guest-oom.) Here the image itself: the guest's root filesystem is the
# kernel's rootfs tmpfs, which takes at most half the guest's RAM, and a tiny
# -m leaves a VM whose half is smaller than the image (zeros: 100 MiB
# unpacked, 100 KiB packed). Either the VM holds it, or sandbox fails with one
# line saying to give it more --memory, and doing so works.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/zeros"
[ -f "$img/index.json" ] || fail "no test image $img (make images)"

run sandbox run -m 6m "$img" sh -c 'wc -c </zeros'
if [ "$rc" -eq 0 ]; then
	expect_eq "-m 6m: stdout" "$out" 104857600
	echo "the VM holds the image with -m 6m"
else
	expect_eq "-m 6m: exit status" "$rc" 125
	expect_eq "-m 6m: stderr lines" "$(printf '%s\n' "$err" | wc -l)" 1
	case $err in
	"sandbox: the VM ended without an exit status: "*"the guest ran out of memory ("*"MiB of RAM for an image of "*" MiB unpacked): give it more with --memory") ;;
	*) fail "-m 6m: stderr [$err]" ;;
	esac
	run sandbox run -m 256m "$img" sh -c 'wc -c </zeros'
	expect_eq "after the advice, -m 256m: exit status" "$rc" 0
	expect_eq "after the advice, -m 256m: stdout" "$out" 104857600
fi
