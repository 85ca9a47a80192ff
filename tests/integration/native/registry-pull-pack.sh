# `sandbox run NAME` of an image not yet stored packs it while it downloads:
# with the last layer held back at tests/tools/registry-proxy, the packer has
# already started (its temp file is in the pack cache); once the layer is let
# through, the run finishes from that one packed image. A layer that fails its
# digest ends the pull and the pack: one line, nothing packed, no temp file.
# A client killed while it packs leaves no temporary layout behind.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
registry_start
registry_push debian-layers app:1
layers() { # IMAGE: its layer digests, one per line
	m=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$IMAGES/$1/index.json")
	tr ',' '\n' <"$IMAGES/$1/blobs/sha256/$m" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' | tail -n +2
}
[ "$(layers debian-layers | wc -l)" -eq 3 ] || fail "test image changed: debian-layers has $(layers debian-layers | wc -l) layers"
last=$(layers debian-layers | tail -n 1)
proxy_start --hold-blob "$last" --hold-file "$work/release"
P=127.0.0.1:$PROXY_PORT

"$SANDBOX" run --export-initrd "$work/initrd" "$P/app:1" true >"$work/out" 2>"$work/err" &
run_pid=$!
i=0
until ls "$SANDBOX_CACHE"/images/.tmp-* >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 300 ]; then
		touch "$work/release"
		fail "no pack started while the last layer was held back ($(cat "$work/err"))"
	fi
	sleep 0.1
done
expect_eq "the held layer was asked for" "$(proxy_count "GET /v2/app/blobs/sha256:$last")" 1
[ ! -e "$work/initrd" ] || fail "the run went on before its last layer arrived"
touch "$work/release"
wait "$run_pid"
expect_eq "run ($(cat "$work/err"))" "$?" 0
expect_eq "run: stdout" "$(cat "$work/out")" ""
expect_eq "run: stderr" "$(cat "$work/err")" ""
expect_eq "stored" "$("$SANDBOX" images -q)" "$P/app:1"
packed=$(ls "$SANDBOX_CACHE"/images/ | grep -v '^\.' | grep -c -v '\.meta$' || true)
expect_eq "one packed image in the cache" "$packed" 1
[ -z "$(ls -A "$SANDBOX_CACHE"/images/ | grep '^\.tmp-' || true)" ] || fail "temp files left in the pack cache"
img=$(ls "$SANDBOX_CACHE"/images/ | grep -v '^\.' | grep -v '\.meta$')
cmp -s -n "$(stat -c %s "$SANDBOX_CACHE/images/$img")" "$SANDBOX_CACHE/images/$img" "$work/initrd" ||
	fail "the exported initrd does not start with the packed image"
# the same image packed from the store alone (no overlap) is the same bytes
cp "$SANDBOX_CACHE/images/$img" "$work/overlapped"
rm -rf "$SANDBOX_CACHE/images"
run "$SANDBOX" run --pull never --export-initrd "$work/initrd2" "$P/app:1" true
expect_eq "run from the store ($err)" "$rc" 0
cmp -s "$work/overlapped" "$SANDBOX_CACHE/images/$img" || fail "packing while pulling made other bytes"

# killed while the packer waits for the held layer: its temporary layout goes too
rm -rf "$SANDBOX_CACHE" "$work/release"
mkdir -p "$work/tmp"
TMPDIR=$work/tmp "$SANDBOX" run --export-initrd "$work/k" "$P/app:1" true >"$work/out" 2>"$work/err" &
run_pid=$!
i=0
until ls "$SANDBOX_CACHE"/images/.tmp-* >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -le 300 ] || { touch "$work/release"; fail "no pack started ($(cat "$work/err"))"; }
	sleep 0.1
done
ls -d "$work"/tmp/sandbox-pull-pack-* >/dev/null 2>&1 || fail "no temporary layout in TMPDIR: $(ls -A "$work/tmp")"
kill -TERM "$(pgrep -P "$run_pid" -f 'sandbox-registry pull')"
wait "$run_pid"
expect_eq "run whose client was killed" "$?" 125
expect_eq "its message" "$(cat "$work/err")" "sandbox: the registry client was killed by signal 15 (Terminated)"
expect_eq "TMPDIR after the kill" "$(ls -A "$work/tmp")" ""
touch "$work/release"
proxy_stop

# a flipped byte in a layer: the pull fails, and so does the pack beside it
rm -rf "$SANDBOX_CACHE"
proxy_start --flip-blob
P=127.0.0.1:$PROXY_PORT
run "$SANDBOX" pull -q "$P/app:1"
pull_err=$err
expect_eq "pull of a flipped layer" "$rc" 125
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" run --export-initrd "$work/x" "$P/app:1" true
expect_eq "run of a flipped layer" "$rc" 125
expect_eq "its message is the pull's" "$err" "$pull_err"
[ -z "$(ls -A "$SANDBOX_CACHE/images" 2>/dev/null)" ] || fail "the failed run left in the pack cache: $(ls -A "$SANDBOX_CACHE/images")"
[ ! -e "$work/x" ] || fail "the failed run wrote an initrd"
expect_eq "nothing stored" "$("$SANDBOX" images -q)" ""
echo "PASS: run packs while the last layer downloads; same bytes as packing after; a bad layer stops both"
