# Registry authentication: htpasswd Basic auth on docker-registry itself
# (credentials from $REGISTRY_AUTH_FILE, docker's config.json, a credential
# helper); the Bearer token flow against tests/tools/registry-proxy's token
# service (anonymous and with credentials); a 401 loop and a token answer
# that is not JSON fail in one line; Authorization never follows a redirect
# to another host.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
command -v htpasswd >/dev/null || skip "htpasswd is not installed (apache2-utils, .ci/deps)"
export SANDBOX_REGISTRY_RETRY_MS=50

# --- Basic auth on the registry --------------------------------------------
htpasswd -Bbn alice 'pa:ss w0rd' >"$work/htpasswd" 2>/dev/null || fail "htpasswd"
registry_start "auth:
  htpasswd:
    realm: test-realm
    path: $work/htpasswd"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false --dest-creds 'alice:pa:ss w0rd' "oci:$IMAGES/busybox" \
	"docker://$R/busybox:latest" >"$work/skopeo.log" 2>&1 || fail "skopeo: $(cat "$work/skopeo.log")"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull without credentials" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $R requires a login (sandbox login $R, or an auth file: see sandbox pull --help)"
# podman's auth.json via $REGISTRY_AUTH_FILE: base64("alice:pa:ss w0rd")
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(printf 'alice:pa:ss w0rd' | base64)" >"$REGISTRY_AUTH_FILE"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with auth.json ($err)" "$rc" 0
# a wrong password: refused, one line
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(printf 'alice:wrong' | base64)" >"$REGISTRY_AUTH_FILE"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with a wrong password" "$rc" 125
case $err in "sandbox: registry $R: access denied after authenticating: 401 unauthorized"*) ;;
*) fail "wrong password said [$err]" ;; esac
# sandbox login: checked against the registry, then kept in $REGISTRY_AUTH_FILE
rm -f "$REGISTRY_AUTH_FILE"
rm -rf "$SANDBOX_CACHE"
run sh -c "printf 'wrong\n' | '$SANDBOX' login -u alice --password-stdin $R"
expect_eq "login with a wrong password" "$rc" 125
case $err in "sandbox: login to $R failed: registry $R: access denied after authenticating: 401"*) ;;
*) fail "wrong login said [$err]" ;; esac
[ ! -e "$REGISTRY_AUTH_FILE" ] || fail "a refused login was kept"
run sh -c "printf 'pa:ss w0rd\n' | '$SANDBOX' login -u alice --password-stdin $R"
expect_eq "login ($err)" "$rc" 0
expect_eq "login output" "$out" "Login Succeeded"
expect_eq "auth file mode" "$(stat -c %a "$REGISTRY_AUTH_FILE")" 600
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull after login ($err)" "$rc" 0
run "$SANDBOX" logout "$R"
expect_eq "logout" "$out" "Removed login credentials for $R"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull after logout" "$rc" 125
run "$SANDBOX" logout "$R"
expect_eq "second logout" "$rc" 125
rm -f "$REGISTRY_AUTH_FILE"

# docker's config.json, through a credential helper on PATH
rm -f "$REGISTRY_AUTH_FILE"
mkdir -p "$DOCKER_CONFIG" "$work/bin"
printf '{"credHelpers":{"%s":"test"}}' "$R" >"$DOCKER_CONFIG/config.json"
cat >"$work/bin/docker-credential-test" <<EOF
#!/bin/sh
read -r server
[ "\$1" = get ] && [ "\$server" = "$R" ] || exit 1
printf '{"ServerURL":"%s","Username":"alice","Secret":"pa:ss w0rd"}\n' "\$server"
EOF
chmod +x "$work/bin/docker-credential-test"
rm -rf "$SANDBOX_CACHE"
run env PATH="$work/bin:$PATH" "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with a credential helper ($err)" "$rc" 0
rm -f "$DOCKER_CONFIG/config.json"

# --- Bearer tokens (the proxy is the token service) --------------------------
registry_start
registry_push debian-layers app:1
proxy_start --bearer tok123 --second --redirect-blobs
P=127.0.0.1:$PROXY_PORT
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$P/app:1"
expect_eq "anonymous token pull ($err)" "$rc" 0
expect_eq "token requests (the token is cached for the pull)" "$(proxy_count 'GET /token')" 1
proxy_count '^1 GET /token?service=test&scope=repository%3Aapp%3Apull auth=none' | grep -qx 1 ||
	fail "token request: $(grep /token "$work/proxy.log")"
# every blob went through the redirect: with the token to 127.0.0.1, without it to 127.0.0.2
expect_eq "blob requests on 127.0.0.1 without the token" "$(proxy_count '^1 GET /v2/app/blobs/.* auth=none')" 0
expect_eq "blob requests redirected to 127.0.0.2" "$(proxy_count '^2 GET /v2/app/blobs/')" 4
expect_eq "Authorization sent to 127.0.0.2" "$(proxy_count '^2 .* auth=[^n]')" 0
run "$SANDBOX" pack -q --pull never "$P/app:1" -o "$work/a"
expect_eq "the redirected image packs ($err)" "$rc" 0
proxy_stop

# a token service that wants credentials
proxy_start --bearer tok456 --token-user 'bob:hunter2'
P=127.0.0.1:$PROXY_PORT
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$P/app:1"
expect_eq "token service without credentials" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $P: the token service refused an anonymous token (401)"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$P" "$(printf 'bob:hunter2' | base64)" >"$REGISTRY_AUTH_FILE"
run "$SANDBOX" pull -q "$P/app:1"
expect_eq "token with credentials ($err)" "$rc" 0
expect_eq "the token request carried Basic credentials" "$(proxy_count 'GET /token.* auth=basic')" 1
expect_eq "no request to the registry carried them" "$(proxy_count '/v2/.* auth=basic')" 0
rm -f "$REGISTRY_AUTH_FILE"
run sh -c "printf 'hunter2\n' | '$SANDBOX' login -u bob --password-stdin $P"
expect_eq "login to a token service ($err)" "$rc" 0
expect_eq "the login asked for a token without a scope" "$(proxy_count 'GET /token?service=test auth=basic')" 1
run sh -c "printf 'hunter3\n' | '$SANDBOX' login -u bob --password-stdin $P"
expect_eq "login with a wrong password to a token service" "$rc" 125
case $err in *"the token service refused the credentials (401)"*) ;; *) fail "wrong token login said [$err]" ;; esac
rm -f "$REGISTRY_AUTH_FILE"
proxy_stop

# docker's identity tokens: config.json's "identitytoken" (and a credential
# helper's "<token>" user) is an OAuth2 refresh token, POSTed to the realm
proxy_start --bearer tok789 --refresh-token rt-secret-1
P=127.0.0.1:$PROXY_PORT
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"auth":"%s","identitytoken":"rt-secret-1"}}}' "$P" "$(printf 'alice:' | base64)" \
	>"$DOCKER_CONFIG/config.json"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$P/app:1"
expect_eq "pull with an identity token ($err)" "$rc" 0
expect_eq "the refresh_token grant, POSTed once" \
	"$(proxy_count '^1 POST /token auth=none range=- grant=refresh_token scope=repository%3Aapp%3Apull$')" 1
expect_eq "no GET of a token" "$(proxy_count 'GET /token')" 0
expect_eq "no Basic credentials anywhere" "$(proxy_count 'auth=basic')" 0
printf '{"auths":{"%s":{"identitytoken":"rt-revoked"}}}' "$P" >"$DOCKER_CONFIG/config.json"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$P/app:1"
expect_eq "pull with a revoked identity token" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $P: the token service refused the identity token (400: log in again)"
printf '{"credHelpers":{"%s":"idt"}}' "$P" >"$DOCKER_CONFIG/config.json"
printf '#!/bin/sh\nprintf %s\n' "'{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"rt-secret-1\"}'" \
	>"$work/bin/docker-credential-idt"
chmod +x "$work/bin/docker-credential-idt"
: >"$work/proxy.log"
rm -rf "$SANDBOX_CACHE"
run env PATH="$work/bin:$PATH" "$SANDBOX" pull -q "$P/app:1"
expect_eq "pull with a helper's identity token ($err)" "$rc" 0
expect_eq "the helper's token went as a refresh_token grant" "$(proxy_count 'POST /token .*grant=refresh_token')" 1
rm -f "$DOCKER_CONFIG/config.json"
proxy_stop
# an identity token for a registry that wants a password (Basic)
printf '{"auths":{"%s":{"identitytoken":"rt-secret-1"}}}' "$R" >"$DOCKER_CONFIG/config.json"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "identity token for a Basic registry" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $R asks for a password, and $DOCKER_CONFIG/config.json has only an identity token for it"
rm -f "$DOCKER_CONFIG/config.json"

# a token answer that is not JSON; a registry that answers 401 whatever we send
proxy_start --bearer x --token-body '<html>login page</html>'
run "$SANDBOX" pull -q "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "token not JSON" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry 127.0.0.1:$PROXY_PORT: token response is not a JSON object"
proxy_stop
proxy_start --always-401
run "$SANDBOX" pull -q "127.0.0.1:$PROXY_PORT/app:1"
expect_eq "401 loop" "$rc" 125
case $err in "sandbox: registry 127.0.0.1:$PROXY_PORT: access denied after authenticating: 401 unauthorized") ;;
*) fail "401 loop said [$err]" ;; esac
[ "$(proxy_count 'GET /token')" -le 3 ] || fail "401 loop: $(proxy_count 'GET /token') token requests"
echo "PASS: Basic (auth.json, helper), Bearer (anonymous, credentials, identity tokens), 401 loop, bad token, redirect"
