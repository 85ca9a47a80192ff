# The registry client is a program of its own (build/sandbox-registry, beside
# sandbox): sandbox links no libcurl or OpenSSL; run and pack start the client
# for a missing image and pass on its one-line errors unchanged, with nothing
# on stdout; a client that is missing, killed, or reports nonsense is one
# line and exit 125; an image already stored needs no client at all.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
CLIENT=$(dirname "$SANDBOX")/sandbox-registry
[ -x "$CLIENT" ] || fail "no registry client beside $SANDBOX"
command -v nm >/dev/null || skip "nm is not installed (binutils)"

# what every exec of sandbox no longer pays for
n=$(nm "$SANDBOX" 2>/dev/null | grep -c -E ' [Tt] (curl_easy_perform|SSL_CTX_new|nghttp2_session_client_new)$')
expect_eq "libcurl/libssl/nghttp2 entry points in sandbox" "$n" 0
n=$(nm "$CLIENT" 2>/dev/null | grep -c -E ' [Tt] (curl_easy_perform|SSL_CTX_new|nghttp2_session_client_new)$')
expect_eq "... and in the client" "$n" 3

registry_start
registry_push busybox busybox:1
R=127.0.0.1:$REG_PORT

# run and pack through the client: nothing on stdout, nothing on stderr (a pipe)
run "$SANDBOX" run --export-initrd "$work/initrd" "$R/busybox:1" true
expect_eq "run pulls through the client ($err)" "$rc" 0
expect_eq "run: stdout" "$out" ""
expect_eq "run: stderr" "$err" ""
expect_eq "the image is stored" "$("$SANDBOX" images -q)" "$R/busybox:1"

# the client's error, passed on unchanged by pack and run
run "$SANDBOX" pull -q "$R/busybox:nope"
expect_eq "pull of a missing tag" "$rc" 125
pull_err=$err
case $pull_err in "sandbox: registry $R: manifest busybox:nope: 404 not found"*) ;;
*) fail "pull said [$pull_err]" ;; esac
run "$SANDBOX" pack "$R/busybox:nope" -o "$work/x"
expect_eq "pack of a missing tag" "$rc" 125
expect_eq "pack's message is the client's" "$err" "$pull_err"
expect_eq "pack: stdout" "$out" ""
run "$SANDBOX" run --export-initrd "$work/x" "$R/busybox:nope" true
expect_eq "run of a missing tag" "$rc" 125
expect_eq "run's message is the client's" "$err" "$pull_err"

# a lone sandbox (copied without its client): stored images still work
mkdir -p "$work/lone"
cp "$SANDBOX" "$work/lone/sandbox"
run "$work/lone/sandbox" pack -q "$R/busybox:1" -o "$work/y"
expect_eq "pack of a stored image without the client ($err)" "$rc" 0
run "$work/lone/sandbox" pull "$R/busybox:1"
expect_eq "pull without the client" "$rc" 125
expect_eq "its message" "$err" "sandbox: the registry client $work/lone/sandbox-registry is missing (it is built beside sandbox; install both): No such file or directory"
run "$work/lone/sandbox" pack --pull always "$R/busybox:1" -o "$work/y"
expect_eq "pack --pull always without the client" "$rc" 125
expect_eq "its message" "$err" "sandbox: the registry client $work/lone/sandbox-registry is missing (it is built beside sandbox; install both): No such file or directory"

# a client that reports nonsense, or nothing
cat >"$work/lone/sandbox-registry" <<'EOF'
#!/bin/sh
echo "hello there" >&3
EOF
chmod +x "$work/lone/sandbox-registry"
run "$work/lone/sandbox" pack --pull always "$R/busybox:1" -o "$work/y"
expect_eq "a client reporting nonsense" "$rc" 125
expect_eq "its message" "$err" "sandbox: the registry client's report is malformed"
printf '#!/bin/sh\nexit 3\n' >"$work/lone/sandbox-registry"
run "$work/lone/sandbox" pack --pull always "$R/busybox:1" -o "$work/y"
expect_eq "a client exiting without a report" "$rc" 125
expect_eq "its message" "$err" "sandbox: the registry client exited 3 without a report"

# a client killed mid-pull (its blobs trickle through the proxy): one line,
# nothing partial stored
proxy_start --slow-blob
rm -rf "$SANDBOX_CACHE"
"$SANDBOX" pack -q "127.0.0.1:$PROXY_PORT/busybox:1" -o "$work/z" >"$work/kout" 2>"$work/kerr" &
parent=$!
i=0
until client=$(pgrep -P "$parent" -f 'sandbox-registry pull'); do
	i=$((i + 1))
	[ $i -le 100 ] || fail "no client process under pack ($(cat "$work/kerr"))"
	sleep 0.1
done
# wait until the client is in a blob (the proxy logged the blob GET)
i=0
until [ "$(proxy_count 'GET /v2/busybox/blobs/')" -ge 2 ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the client never asked for a layer"
	sleep 0.1
done
kill -TERM "$client"
wait "$parent"
expect_eq "pack whose client was killed" "$?" 125
expect_eq "its message" "$(cat "$work/kerr")" "sandbox: the registry client was killed by signal 15 (Terminated)"
[ ! -e "$work/z" ] || fail "pack left an output file"
expect_eq "images after the killed pull" "$("$SANDBOX" images -q)" ""
echo "PASS: sandbox without libcurl; run/pack through the client; missing, killed, bad client"
