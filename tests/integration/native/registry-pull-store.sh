# The blob store under concurrent and repeated pulls, counted at
# tests/tools/registry-proxy: a second image sharing a base layer fetches only
# what is new; pulling a stored image again costs a HEAD and no GET; an image
# already stored runs with --pull missing without a single request; four
# pulls of one image at once all succeed and leave one complete copy.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
registry_start
registry_push debian base:1
registry_push debian-layers app:1
proxy_start
P=127.0.0.1:$PROXY_PORT
layers() { # IMAGE: its layer digests, one per line
	m=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$IMAGES/$1/index.json")
	tr ',' '\n' <"$IMAGES/$1/blobs/sha256/$m" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' | tail -n +2
}
[ "$(layers debian | wc -l)" -eq 1 ] && [ "$(layers debian-layers | wc -l)" -eq 3 ] ||
	fail "test images changed: debian has $(layers debian | wc -l) layers, debian-layers $(layers debian-layers | wc -l)"
layers debian-layers | grep -qx "$(layers debian)" || fail "debian-layers does not share debian's layer"

run "$SANDBOX" pull -q "$P/base:1"
expect_eq "pull base ($err)" "$rc" 0
expect_eq "blob GETs for base (config + 1 layer)" "$(proxy_count 'GET /v2/base/blobs/')" 2
run "$SANDBOX" pull -q "$P/app:1"
expect_eq "pull app ($err)" "$rc" 0
expect_eq "blob GETs for app: config + its 2 new layers, not the shared one" \
	"$(proxy_count 'GET /v2/app/blobs/')" 3
proxy_count "GET /v2/app/blobs/sha256:$(layers debian) " | grep -qx 0 || fail "the shared layer was fetched again"

# again: a HEAD says the manifest is the same, nothing else is fetched
: >"$work/proxy.log"
run "$SANDBOX" pull "$P/app:1"
expect_eq "second pull ($err)" "$rc" 0
case $out in *"Image is up to date"*) ;; *) fail "second pull said [$out]" ;; esac
expect_eq "second pull: GETs of manifests or blobs" "$(proxy_count 'GET /v2/app/')" 0
expect_eq "second pull: HEADs" "$(proxy_count 'HEAD /v2/app/manifests/1 ')" 1
# run/pack with --pull missing: no request at all
: >"$work/proxy.log"
run "$SANDBOX" run -q --export-initrd "$work/initrd" "$P/app:1" true
expect_eq "run of a stored image ($err)" "$rc" 0
expect_eq "requests for a stored image" "$(proxy_count ' ')" 0

# four pulls of one image into an empty store, at once
rm -rf "$SANDBOX_CACHE"
i=0
while [ $i -lt 4 ]; do
	"$SANDBOX" pull -q "$P/app:1" >"$work/out$i" 2>&1 &
	eval "p$i=\$!"
	i=$((i + 1))
done
i=0
while [ $i -lt 4 ]; do
	eval "wait \$p$i"
	expect_eq "concurrent pull $i ($(cat "$work/out$i"))" "$?" 0
	i=$((i + 1))
done
run "$SANDBOX" images -q
expect_eq "one image stored" "$out" "$P/app:1"
ls -A "$SANDBOX_CACHE/registry/blobs/sha256" | grep -q '^\.' && fail "temp files left: $(ls -A "$SANDBOX_CACHE/registry/blobs/sha256")"
expect_eq "blobs (manifest, config, 3 layers)" "$(ls "$SANDBOX_CACHE/registry/blobs/sha256" | wc -l)" 5
run "$SANDBOX" pack -q --pull never "$P/app:1" -o "$work/a"
expect_eq "pack after the concurrent pulls ($err)" "$rc" 0
run "$SANDBOX" pack -q "$IMAGES/debian-layers" -o "$work/b"
cmp -s "$work/a" "$work/b" || fail "the image packs differently after concurrent pulls"
echo "PASS: shared layers fetched once, HEAD-only repeat pulls, concurrent pulls"
