# The image's config is honoured (Env, Entrypoint, Cmd, WorkingDir, User) and
# the options override it as docker's do: arguments replace Cmd, -e Env, -w
# WorkingDir, -u User; --entrypoint replaces Entrypoint and drops Cmd, and an
# empty --entrypoint clears it. debian-entry's Entrypoint prints
# "$GREETING|$0|$*|$(pwd)|$(id -un)" with $0 = entry.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian-entry"
[ -f "$img/index.json" ] || fail "no test image $img (make images)"

# check WHAT WANT-STDOUT sandbox-run-args...
check() {
	what=$1 want=$2
	shift 2
	run sandbox run "$@"
	expect_eq "$what: exit status" "$rc" 0
	expect_eq "$what: stderr" "$err" ""
	expect_eq "$what" "$out" "$want"
}
check "image config" "hello from the image|entry|c1 c2 with space|/var/lib/app|daemon" "$img"
check "arguments, -e, -w, -u override Cmd, Env, WorkingDir, User" "hi|entry|x y|/tmp|root" \
	-e GREETING=hi -w /tmp -u root "$img" x y

# --entrypoint drops the image's Cmd (else env would run "c1": 127).
run sandbox run --entrypoint /usr/bin/env "$img"
expect_eq "--entrypoint: exit status" "$rc" 0
expect_eq "--entrypoint: stderr" "$err" ""
for want in "GREETING=hello from the image" "EMPTY=" "HOME=/usr/sbin" \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"; do
	printf '%s\n' "$out" | grep -qx "$want" || fail "--entrypoint env: no [$want] in [$out]"
done

check "--entrypoint '' and a command" "plain" --entrypoint "" "$img" echo plain
