# `sandbox pack` and `umoci unpack` give the same tree (types, modes, owners,
# sizes, contents, link targets, hard-link groups, mtimes) for the busybox
# image and three multi-layer ones (whiteouts, opaque dirs, type swaps, hard links).
# Native: packing needs no KVM.
. "$TESTS_DIR/lib.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
compare=$TESTS_DIR/../images/compare-umoci
[ -x "$compare" ] || fail "no $compare"
for t in umoci cpio lz4 bash; do
	command -v $t >/dev/null || skip "$t is not installed"
done
for img in busybox layers-gzip churn debian-layers; do
	[ -f "$IMAGES/$img/index.json" ] || skip "no test image $IMAGES/$img (make images)"
done
for img in busybox layers-gzip churn debian-layers; do
	run bash "$compare" "$SANDBOX" "$IMAGES/$img"
	printf '%s\n' "$out"
	[ -z "$err" ] || printf '%s\n' "$err"
	expect_eq "compare-umoci $img" "$rc" 0
	case $out in *PASS:*) ;; *) fail "compare-umoci $img did not say PASS" ;; esac
done
