# `sandbox pull` from a loopback docker-registry over plain http (no VM):
# the pulled image packs to the very bytes the same image packs to from its
# OCI layout; images / rmi / --pull never|always; docker v2s2 media types; an
# index with several platforms; the Docker Hub mirror setting (the variable,
# and docker's daemon.json registry-mirrors: in order, the variable first, a
# malformed file one line, a mirror gets its own credentials, not Docker Hub's).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
registry_start
registry_push busybox busybox:latest
registry_push debian-layers app:1
registry_push debian-layers app-v2s2:1 --format v2s2
R=127.0.0.1:$REG_PORT

# pull: the docker-style report, then the full name
run "$SANDBOX" pull "$R/busybox"
expect_eq "pull status ($err)" "$rc" 0
digest=$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$IMAGES/busybox/index.json")
expect_eq "pull output" "$out" "Digest: $digest
Status: Downloaded image for $R/busybox:latest
$R/busybox:latest"
expect_eq "pull prints nothing on stderr (a pipe)" "$err" ""
run "$SANDBOX" pull -q "docker://$R/busybox:latest"
expect_eq "second pull, -q" "$out" "$R/busybox:latest"
run "$SANDBOX" pull "$R/busybox"
case $out in *"Image is up to date for $R/busybox:latest"*) ;; *) fail "second pull said [$out]" ;; esac

# the pulled image packs exactly as its OCI layout does
run "$SANDBOX" pack -q "$IMAGES/busybox" -o "$work/local.cpio.lz4"
expect_eq "pack of the layout ($err)" "$rc" 0
run "$SANDBOX" pack -q "$R/busybox" -o "$work/pulled.cpio.lz4"
expect_eq "pack of the pulled image ($err)" "$rc" 0
cmp -s "$work/local.cpio.lz4" "$work/pulled.cpio.lz4" || fail "pulled image packs differently"
# a multi-layer image in OCI and in docker media types: pulled by run (missing)
for name in app:1 app-v2s2:1; do
	run "$SANDBOX" run -q --export-initrd "$work/initrd" "$R/$name" true
	expect_eq "run pulls $name and packs it ($err)" "$rc" 0
	[ -s "$work/initrd" ] || fail "no initrd for $name"
done
run "$SANDBOX" images
expect_eq "images status" "$rc" 0
expect_eq "images lines" "$(printf '%s\n' "$out" | wc -l)" 4
printf '%s\n' "$out" | grep -q "^$R/app-v2s2  *1  *sha256:[0-9a-f]\{12\} .*MB" ||
	fail "images has no app-v2s2 line: [$out]"
run "$SANDBOX" images -q
expect_eq "images -q" "$out" "$R/app-v2s2:1
$R/app:1
$R/busybox:latest"

# --pull never: only what is stored; always: asks the registry again
run "$SANDBOX" pack --pull never "$R/busybox" -o "$work/x"
expect_eq "--pull never of a stored image ($err)" "$rc" 0
run "$SANDBOX" pack --pull never "$R/debian-layers:1" -o "$work/x"
expect_eq "--pull never of an image not stored" "$rc" 125
case $err in *"not in the store and --pull is never"*) ;; *) fail "--pull never said [$err]" ;; esac
run "$SANDBOX" pack --pull sometimes "$R/busybox" -o "$work/x"
expect_eq "--pull sometimes" "$rc" 125

# rmi: names go, blobs no other name uses go with them
blobs() { ls "$SANDBOX_CACHE/registry/blobs/sha256" | wc -l; }
before=$(blobs)
run "$SANDBOX" rmi "$R/app-v2s2:1"
expect_eq "rmi status ($err)" "$rc" 0
# its v2s2 manifest goes; the config and layers are app:1's as well
case $out in "Untagged: $R/app-v2s2:1"*"Deleted: 1 blob, "*kB) ;; *) fail "rmi said [$out]" ;; esac
expect_eq "blobs after rmi" "$(blobs)" $((before - 1))
run "$SANDBOX" rmi "$R/app-v2s2:1"
expect_eq "rmi of a name not stored" "$rc" 125
run "$SANDBOX" run -q --pull never --export-initrd "$work/initrd" "$R/app-v2s2:1" true
expect_eq "--pull never after rmi" "$rc" 125
run "$SANDBOX" run -q --pull always --export-initrd "$work/initrd" "$R/app:1" true
expect_eq "--pull always ($err)" "$rc" 0

# a name that is not in the registry: one line, 125
run "$SANDBOX" pull "$R/nothing:here"
expect_eq "pull of a missing name" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $R: manifest nothing:here: 404 not found"

# an index with two platforms (amd64: busybox; arm64: the same layer under an
# arm64 config), pushed with --all
idx=$work/multi
cp -r "$IMAGES/busybox" "$idx"
chmod -R u+w "$idx"
man=${digest#sha256:}
cfg=$(sed -n 's/.*"config":{[^}]*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$idx/blobs/sha256/$man")
[ -n "$cfg" ] || fail "no config digest in the busybox manifest"
sed 's/"architecture":"amd64"/"architecture":"arm64"/' "$idx/blobs/sha256/$cfg" >"$work/cfg"
acfg=$(sha256sum "$work/cfg" | cut -d' ' -f1)
mv "$work/cfg" "$idx/blobs/sha256/$acfg"
sed "s/$cfg/$acfg/; s/\"size\":$(stat -c %s "$idx/blobs/sha256/$cfg"),/\"size\":$(stat -c %s "$idx/blobs/sha256/$acfg"),/" \
	"$idx/blobs/sha256/$man" >"$work/man"
aman=$(sha256sum "$work/man" | cut -d' ' -f1)
mv "$work/man" "$idx/blobs/sha256/$aman"
ms() { stat -c %s "$idx/blobs/sha256/$1"; }
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"arm64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
	"$aman" "$(ms "$aman")" "$man" "$(ms "$man")" >"$work/index"
ihex=$(sha256sum "$work/index" | cut -d' ' -f1)
mv "$work/index" "$idx/blobs/sha256/$ihex"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
	"$ihex" "$(ms "$ihex")" >"$idx/index.json"
skopeo copy -q --all --dest-tls-verify=false "oci:$idx:latest" "docker://$R/multi:latest" \
	>"$work/skopeo.log" 2>&1 || fail "skopeo copy --all: $(cat "$work/skopeo.log")"
run "$SANDBOX" pull "$R/multi"
expect_eq "pull of an index ($err)" "$rc" 0
expect_eq "the index digest is reported" "$(printf '%s\n' "$out" | head -n 1)" "Digest: sha256:$ihex"
run "$SANDBOX" images
printf '%s\n' "$out" | grep -q "^$R/multi  *latest  *sha256:$(echo "$man" | cut -c1-12) " ||
	fail "multi is not stored as its amd64 manifest: [$out]"
run "$SANDBOX" pull --platform linux/arm64 -q "$R/multi:latest"
expect_eq "pull --platform linux/arm64 ($err)" "$rc" 0
run "$SANDBOX" images
printf '%s\n' "$out" | grep -q "^$R/multi  *latest  *sha256:$(echo "$aman" | cut -c1-12) " ||
	fail "multi is not stored as its arm64 manifest after --platform: [$out]"
run "$SANDBOX" pack -q "$R/multi" --pull never -o "$work/x"
expect_eq "packing the arm64 image" "$rc" 125
case $err in *"no linux/amd64 image"*) ;; *) fail "packing arm64 said [$err]" ;; esac
run "$SANDBOX" pull --platform linux/s390x "$R/multi"
expect_eq "a platform the index lacks" "$rc" 125
case $err in *"no linux/s390x image in the index (platforms: linux/arm64, linux/amd64)"*) ;;
*) fail "missing platform said [$err]" ;; esac

# the Docker Hub mirror: `busybox` comes from the loopback registry
registry_push busybox library/busybox:latest
run env SANDBOX_REGISTRY_MIRROR="http://$R" "$SANDBOX" pull -q busybox
expect_eq "pull through the mirror ($err)" "$rc" 0
expect_eq "its name" "$out" "docker.io/library/busybox:latest"
run "$SANDBOX" pack -q --pull never busybox -o "$work/hub.cpio.lz4"
expect_eq "pack busybox from the store ($err)" "$rc" 0
cmp -s "$work/local.cpio.lz4" "$work/hub.cpio.lz4" || fail "mirrored busybox packs differently"

# docker's daemon.json (rootless docker's place): the first mirror refuses
# connections, the second serves
mkdir -p "$HOME/.config/docker"
printf '{"log-level":"warn","registry-mirrors":["http://127.0.0.1:1","http://%s/"]}\n' "$R" \
	>"$HOME/.config/docker/daemon.json"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q busybox
expect_eq "pull through daemon.json's second mirror ($err)" "$rc" 0
expect_eq "its name" "$out" "docker.io/library/busybox:latest"
# the variable wins over the file (whose only mirror is dead: Docker Hub would be next)
printf '{"registry-mirrors":["http://127.0.0.1:1"]}' >"$HOME/.config/docker/daemon.json"
rm -rf "$SANDBOX_CACHE"
run env SANDBOX_REGISTRY_MIRROR="http://$R" "$SANDBOX" pull -q busybox
expect_eq "the variable wins over daemon.json ($err)" "$rc" 0
printf '{"registry-mirrors":["http://%s","ftp://x"]}' "$R" >"$HOME/.config/docker/daemon.json"
run "$SANDBOX" pull -q busybox:other
expect_eq "a malformed mirror list" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry settings: $HOME/.config/docker/daemon.json: \"registry-mirrors\" entry 2 is not http(s)://HOST[:PORT]"
rm "$HOME/.config/docker/daemon.json"
run env SANDBOX_REGISTRY_MIRROR="$R" "$SANDBOX" pull -q busybox
expect_eq "a mirror variable without a scheme" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry settings: SANDBOX_REGISTRY_MIRROR \`$R\` is not http(s)://HOST[:PORT]"
# a mirror that wants a login gets its own credentials, never Docker Hub's
proxy_start --bearer tokm --token-user 'mir:ror'
printf '{"registry-mirrors":["http://127.0.0.1:%s"]}' "$PROXY_PORT" >"$HOME/.config/docker/daemon.json"
printf '{"auths":{"docker.io":{"auth":"%s"}}}' "$(printf 'hub:secret' | base64)" >"$REGISTRY_AUTH_FILE"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q busybox
expect_eq "a mirror with Docker Hub's credentials only" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry http://127.0.0.1:$PROXY_PORT (mirror of docker.io): the token service refused an anonymous token (401)"
expect_eq "Docker Hub's credentials went nowhere" "$(proxy_count 'auth=basic')" 0
printf '{"auths":{"docker.io":{"auth":"%s"},"127.0.0.1:%s":{"auth":"%s"}}}' "$(printf 'hub:secret' | base64)" \
	"$PROXY_PORT" "$(printf 'mir:ror' | base64)" >"$REGISTRY_AUTH_FILE"
run "$SANDBOX" pull -q busybox
expect_eq "a mirror with its own credentials ($err)" "$rc" 0
proxy_stop
rm -f "$HOME/.config/docker/daemon.json" "$REGISTRY_AUTH_FILE"

# a local path of the same name wins over the registry name
mkdir -p "$work/cwd" && cp -r "$IMAGES/busybox" "$work/cwd/app"
run sh -c "cd '$work/cwd' && '$SANDBOX' pack -q --pull never app -o '$work/y'"
expect_eq "a local directory app, not docker.io/library/app ($err)" "$rc" 0
run "$SANDBOX" pack -q --pull never app -o "$work/y"
expect_eq "elsewhere, app is a registry name" "$rc" 125
echo "PASS: pull, pack, images, rmi, --pull, v2s2, index platforms, mirror"
