# A loopback registry over TLS with a certificate from a test CA: refused
# without the CA (one line naming the certificate problem), pulled with
# SSL_CERT_FILE pointing at the CA, and with --tls-verify=false. certs.d:
# the CA in ~/.config/containers/certs.d/HOST:PORT (pull, and pack through
# the client), --cert-dir, its CAs added to the store rather than replacing
# it, a .crt that holds no certificate; a registry that wants a client
# certificate gets the certs.d's client.cert/client.key, and a .cert
# without its .key is an error. docker's daemon.json insecure-registries
# (HOST:PORT or a CIDR) lets run use the registry without its CA.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
command -v openssl >/dev/null || skip "openssl is not installed (.ci/deps)"
t=$work/tls
mkdir -p "$t"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# shellcheck disable=SC2086
{ openssl req -x509 $ec -keyout "$t/ca.key" -out "$t/ca.pem" -days 2 -subj /CN=sandbox-test-ca &&
	openssl req $ec -keyout "$t/srv.key" -out "$t/srv.csr" -subj /CN=127.0.0.1 &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$t/ext" &&
	openssl x509 -req -in "$t/srv.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
		-out "$t/srv.pem" -days 2 -extfile "$t/ext"; } >"$t/log" 2>&1 || fail "openssl: $(tail -n 3 "$t/log")"
registry_start "  tls:
    certificate: $t/srv.pem
    key: $t/srv.key"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false "oci:$IMAGES/busybox" "docker://$R/busybox:latest" \
	>"$work/skopeo.log" 2>&1 || fail "skopeo: $(cat "$work/skopeo.log")"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull without the CA" "$rc" 125
case $err in "sandbox: registry $R: https://$R/v2/: "*certificate*) ;; *) fail "without the CA: [$err]" ;; esac
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "not one line: [$err]"
run env SSL_CERT_FILE="$t/ca.pem" "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull trusting the test CA ($err)" "$rc" 0
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q --tls-verify=false "$R/busybox"
expect_eq "pull with --tls-verify=false ($err)" "$rc" 0
run "$SANDBOX" pack -q --pull never "$R/busybox" -o "$work/a"
expect_eq "pack ($err)" "$rc" 0

# --- certs.d ----------------------------------------------------------------
# a second CA, which signed nothing the registry has
# shellcheck disable=SC2086
openssl req -x509 $ec -keyout "$t/ca2.key" -out "$t/ca2.pem" -days 2 -subj /CN=other-ca \
	>>"$t/log" 2>&1 || fail "openssl: $(tail -n 3 "$t/log")"
D=$HOME/.config/containers/certs.d/$R
mkdir -p "$D"
cp "$t/ca.pem" "$D/ca.crt"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with the CA in certs.d ($err)" "$rc" 0
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pack -q "$R/busybox" -o "$work/b"
expect_eq "pack (through the client) with the CA in certs.d ($err)" "$rc" 0
# only the unrelated CA there: refused; with the real one as the "system"
# store (SSL_CERT_FILE) as well: pulled, so certs.d adds trust
mv "$D/ca.crt" "$t/ca.crt.away"
cp "$t/ca2.pem" "$D/other.crt"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with an unrelated CA in certs.d" "$rc" 125
case $err in "sandbox: registry $R: https://$R/v2/: "*certificate*) ;; *) fail "unrelated CA: [$err]" ;; esac
run env SSL_CERT_FILE="$t/ca.pem" "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with certs.d and the system store together ($err)" "$rc" 0
# --cert-dir DIR instead of the certs.d directories
mkdir -p "$t/certdir"
cp "$t/ca.pem" "$t/certdir/mine.crt"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q --cert-dir "$t/certdir" "$R/busybox"
expect_eq "pull with --cert-dir ($err)" "$rc" 0
run "$SANDBOX" pull -q --cert-dir "$t/nowhere" "$R/busybox"
expect_eq "pull with a missing --cert-dir" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $R: --cert-dir $t/nowhere: No such file or directory"
# a .crt with no certificate in it
echo "not a certificate" >"$D/bad.crt"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "pull with a bad .crt" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $R: https://$R/v2/: CA file $D/bad.crt holds no certificate"
rm -f "$D/bad.crt" "$D/other.crt"

# daemon.json's insecure-registries: no CA anywhere, and run has no --tls-verify
mkdir -p "$HOME/.config/docker"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" run --export-initrd "$work/i" "$R/busybox" true
expect_eq "run without the CA" "$rc" 125
for entry in "$R" 127.0.0.0/8; do
	printf '{"insecure-registries":["10.1.2.3:5000","%s"]}' "$entry" >"$HOME/.config/docker/daemon.json"
	rm -rf "$SANDBOX_CACHE"
	run "$SANDBOX" run --export-initrd "$work/i" "$R/busybox" true
	expect_eq "run of an insecure registry ($entry: $err)" "$rc" 0
done
printf '{"insecure-registries":["10.0.0.0/8","127.0.0.1:1"]}' >"$HOME/.config/docker/daemon.json"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" run --export-initrd "$work/i" "$R/busybox" true
expect_eq "run of a registry no entry names" "$rc" 125
printf '{"insecure-registries":["https://%s"]}' "$R" >"$HOME/.config/docker/daemon.json"
run "$SANDBOX" pull -q "$R/busybox"
expect_eq "an insecure entry with a scheme" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry settings: $HOME/.config/docker/daemon.json: \"insecure-registries\" entry 1 is not HOST[:PORT] or an IPv4 CIDR"
rm -f "$HOME/.config/docker/daemon.json"
mv "$t/ca.crt.away" "$D/ca.crt"

# a registry that wants a client certificate signed by the test CA
# shellcheck disable=SC2086
{ openssl req $ec -keyout "$t/cli.key" -out "$t/cli.csr" -subj /CN=sandbox-client &&
	printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' >"$t/cext" &&
	openssl x509 -req -in "$t/cli.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
		-out "$t/cli.pem" -days 2 -extfile "$t/cext"; } >>"$t/log" 2>&1 || fail "openssl: $(tail -n 3 "$t/log")"
registry_start "  tls:
    certificate: $t/srv.pem
    key: $t/srv.key
    clientcas:
      - $t/ca.pem"
R2=127.0.0.1:$REG_PORT
D2=$HOME/.config/containers/certs.d/$R2
mkdir -p "$D2"
cp "$t/ca.pem" "$D2/ca.crt"
skopeo copy -q --dest-cert-dir "$D2" "oci:$IMAGES/busybox" "docker://$R2/busybox:latest" \
	>"$work/skopeo.log" 2>&1 && fail "the registry took a push without a client certificate"
cp "$t/cli.pem" "$D2/client.cert"
cp "$t/cli.key" "$D2/client.key"
skopeo copy -q --dest-cert-dir "$D2" "oci:$IMAGES/busybox" "docker://$R2/busybox:latest" \
	>"$work/skopeo.log" 2>&1 || fail "skopeo with a client certificate: $(cat "$work/skopeo.log")"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$R2/busybox"
expect_eq "pull with the client certificate from certs.d ($err)" "$rc" 0
rm -f "$D2/client.key"
rm -rf "$SANDBOX_CACHE"
run "$SANDBOX" pull -q "$R2/busybox"
expect_eq "pull with a .cert and no .key" "$rc" 125
expect_eq "its message" "$err" "sandbox: registry $R2: $D2/client.cert has no client.key beside it: No such file or directory"
rm -f "$D2/client.cert"
run "$SANDBOX" pull -q "$R2/busybox"
expect_eq "pull without a client certificate" "$rc" 125
case $err in "sandbox: registry $R2: https://$R2/v2/: "*) ;; *) fail "no client certificate: [$err]" ;; esac
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "not one line: [$err]"
echo "PASS: TLS with a test CA, without it, --tls-verify=false, certs.d CAs and client certificates, insecure-registries"
