# A loopback registry over TLS with a certificate from a test CA: refused
# without the CA (one line naming the certificate problem), pulled with
# SSL_CERT_FILE pointing at the CA, and with --tls-verify=false.
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
echo "PASS: TLS with a test CA, without it, --tls-verify=false"
