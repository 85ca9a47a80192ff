# `sandbox cache ls` / `cache prune [--all]` on a cache filled by
# `sandbox run --export-initrd` (packs the image, boots nothing): one line per
# image keyed by its manifest digest, prune keeps current images, --all empties.
# A gzip'd archive of the same image is inflated on its first run only: the
# second run hits without a temp file (TMPDIR points nowhere), and once the
# file is touched it is read again.
. "$TESTS_DIR/lib.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
img=$IMAGES/busybox
[ -f "$img/index.json" ] || skip "no test image $img (make images)"
SANDBOX_CACHE=$(mktemp -d)
export SANDBOX_CACHE
trap 'rm -rf "$SANDBOX_CACHE"' EXIT
run "$SANDBOX" cache ls
expect_eq "ls of an empty cache: status" "$rc" 0
expect_eq "ls of an empty cache" "$out" ""
run "$SANDBOX" run -q --export-initrd "$SANDBOX_CACHE/initrd" "$img" true
case $err in *init*) skip "no guest init archive: $err" ;; esac
expect_eq "export-initrd status ($err)" "$rc" 0
digest=$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$img/index.json")
[ -n "$digest" ] || fail "no manifest digest in $img/index.json"
run "$SANDBOX" cache ls
expect_eq "ls status" "$rc" 0
expect_eq "ls lines" "$(printf '%s\n' "$out" | wc -l)" 1
case $out in "$digest "*) ;; *) fail "ls [$out] does not start with $digest" ;; esac
(cd "$img" && tar -cf - .) | gzip -c >"$SANDBOX_CACHE/img.tar.gz" || fail "tar | gzip"
run "$SANDBOX" run -q --export-initrd "$SANDBOX_CACHE/initrd" "$SANDBOX_CACHE/img.tar.gz" true
expect_eq "export-initrd of the archive ($err)" "$rc" 0
run env TMPDIR=/nonexistent "$SANDBOX" run -q --export-initrd "$SANDBOX_CACHE/initrd" \
	"$SANDBOX_CACHE/img.tar.gz" true
expect_eq "second run of the archive, no inflating ($err)" "$rc" 0
touch "$SANDBOX_CACHE/img.tar.gz"
run env TMPDIR=/nonexistent "$SANDBOX" run -q --export-initrd "$SANDBOX_CACHE/initrd" \
	"$SANDBOX_CACHE/img.tar.gz" true
expect_eq "touched archive is read again (fails without a TMPDIR)" "$rc" 125
run "$SANDBOX" cache ls
expect_eq "ls lines after the archive runs" "$(printf '%s\n' "$out" | wc -l)" 1
run "$SANDBOX" cache prune
expect_eq "prune status" "$rc" 0
expect_eq "prune output" "$out" "removed 0 files, 0 B"
run "$SANDBOX" cache prune --all
expect_eq "prune --all status" "$rc" 0
case $out in "removed 1 file, "*) ;; *) fail "prune --all said [$out]" ;; esac
run "$SANDBOX" cache ls
expect_eq "ls after prune --all" "$out" ""
run "$SANDBOX" cache frob
expect_eq "bad subcommand status" "$rc" 125
echo "PASS: cache ls / prune"
