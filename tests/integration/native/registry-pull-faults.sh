# A hostile or broken registry (tests/tools/registry-proxy in front of a
# loopback docker-registry): a blob cut mid-body is resumed with Range; 429
# with Retry-After is waited out; a flipped byte, an endless body, a huge or
# non-JSON manifest, an unknown layer type, a redirect loop each end in one
# line and 125 with nothing partial left in the store.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
registry_start
registry_push debian-layers app:1
export SANDBOX_REGISTRY_RETRY_MS=50 # backoff between attempts (not used by Retry-After)
blobs() { ls -A "$SANDBOX_CACHE/registry/blobs/sha256" 2>/dev/null | wc -l; }
clean_store() { rm -rf "$SANDBOX_CACHE/registry"; }
# nothing partial: no temp files, no index entry for the image
expect_nothing_stored() {
	[ -z "$(ls -A "$SANDBOX_CACHE/registry/blobs/sha256" 2>/dev/null | grep '^\.tmp-')" ] ||
		fail "$1: a temp file was left in the store"
	run "$SANDBOX" images -q
	expect_eq "$1: images" "$out" ""
}
one_line() { # WHAT: $err is one line starting with "sandbox: "
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$1: not one line: [$err]"
	case $err in "sandbox: "*) ;; *) fail "$1: [$err]" ;; esac
}

# a blob cut after 100000 bytes: resumed from there, once, with Range
proxy_start --cut-blob 100000
run "$SANDBOX" pull -q "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "pull through a cut ($err)" "$rc" 0
expect_eq "one request resumed at byte 100000" "$(proxy_count 'GET .*/blobs/.* range=bytes=100000-')" 1
expect_eq "no other Range request" "$(proxy_count 'range=bytes')" 1
run "$SANDBOX" pack -q --pull never "127.0.0.1:$PROXY_PORT/app:1" -o "$work/a"
expect_eq "the resumed image packs (digests and diff_ids checked) ($err)" "$rc" 0
run "$SANDBOX" pack -q "$IMAGES/debian-layers" -o "$work/b"
cmp -s "$work/a" "$work/b" || fail "the resumed image packs differently"
proxy_stop
clean_store

# 429 with Retry-After: 1, twice: waited out (at least 2 s), then pulled
proxy_start --fail-429 2
start=$(date +%s)
run "$SANDBOX" pull -q "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "pull after two 429s ($err)" "$rc" 0
[ $(($(date +%s) - start)) -ge 2 ] || fail "Retry-After was not honoured"
expect_eq "HEADs of the manifest (2 refused, 1 answered)" "$(proxy_count 'HEAD /v2/app/manifests/1 ')" 3
expect_eq "GETs of the manifest" "$(proxy_count 'GET /v2/app/manifests/1 ')" 1
proxy_stop
clean_store

# a flipped byte in every blob: the first fails its digest, nothing is stored
proxy_start --flip-blob
run "$SANDBOX" pull "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "pull of flipped blobs" "$rc" 125
one_line "flipped byte"
case $err in *"has the wrong digest"*) ;; *) fail "flipped byte said [$err]" ;; esac
expect_nothing_stored "flipped byte"
proxy_stop
clean_store

# an endless blob body: cut at the size the manifest gives
proxy_start --endless-blob
run "$SANDBOX" pull "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "pull of an endless blob" "$rc" 125
one_line "endless blob"
case $err in *"blobs/sha256:"*": response larger than "*" bytes") ;; *) fail "endless blob said [$err]" ;; esac
expect_nothing_stored "endless blob"
proxy_stop
clean_store

# a server that trickles (100 bytes/s): under 1 KiB/s for 2 s is a stall; each
# blob is tried at most 5 times (resumed where it stopped)
proxy_start --slow-blob
run env SANDBOX_REGISTRY_STALL_TIMEOUT=2 "$SANDBOX" pull "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "pull from a trickling server" "$rc" 125
one_line "trickle"
case $err in *"too slow (stalled)"*) ;; *) fail "trickle said [$err]" ;; esac
most=$(grep 'GET /v2/app/blobs/' "$work/proxy.log" | cut -d' ' -f3 | sort | uniq -c | sort -n | tail -n 1)
[ "${most% *}" -le 5 ] || fail "more than 5 attempts at one blob: $most"
expect_nothing_stored "trickle"
proxy_stop
clean_store

# manifests of our own making
bad_manifest() { # WHAT FILE TYPE MESSAGE
	proxy_start --manifest "$2" --manifest-type "$3"
	run "$SANDBOX" pull "127.0.0.1:$PROXY_PORT/app:1"
	expect_eq "$1: status" "$rc" 125
	one_line "$1"
	case $err in *"$4"*) ;; *) fail "$1 said [$err]" ;; esac
	expect_nothing_stored "$1"
	proxy_stop
	clean_store
}
head -c 5000000 /dev/zero | tr '\0' ' ' >"$work/huge"
bad_manifest "a 5 MB manifest" "$work/huge" application/vnd.oci.image.manifest.v1+json \
	"larger than 4194304 bytes"
printf '<html>not json</html>' >"$work/html"
bad_manifest "an HTML manifest" "$work/html" text/html "manifest is not a JSON object"
D=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":2},"layers":[{"mediaType":"application/x-mystery","digest":"sha256:%s","size":3}]}' \
	"$D" "$D" >"$work/mystery"
bad_manifest "an unknown layer type" "$work/mystery" application/vnd.oci.image.manifest.v1+json \
	"unsupported media type \`application/x-mystery\`"
printf '{"schemaVersion":1,"name":"app","tag":"1","fsLayers":[]}' >"$work/v1"
bad_manifest "schema 1" "$work/v1" application/vnd.docker.distribution.manifest.v1+prettyjws \
	"schema 1 manifest: not supported"

# a redirect loop
proxy_start --redirect-loop
run "$SANDBOX" pull "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "redirect loop" "$rc" 125
one_line "redirect loop"
case $err in *"more than 5 redirects"*) ;; *) fail "redirect loop said [$err]" ;; esac
proxy_stop
clean_store

# a digest reference whose bytes do not match
run "$SANDBOX" pull "127.0.0.1:$REG_PORT/app@sha256:$D"
expect_eq "pull of an unknown digest" "$rc" 125
one_line "unknown digest"
expect_nothing_stored "unknown digest"
echo "PASS: resume, 429, flipped byte, endless body, bad manifests, redirect loop"
