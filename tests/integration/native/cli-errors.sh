# Bad options and values: one line naming the option, exit 125. Needs no KVM.
. "$TESTS_DIR/lib.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
check() { # WANT-IN-STDERR ARGS...
	want=$1; shift
	run "$SANDBOX" "$@"
	expect_eq "exit status of sandbox $*" "$rc" 125
	expect_eq "stderr lines of sandbox $*" "$(printf '%s\n' "$err" | wc -l)" 1
	case $err in *"$want"*) ;; *) fail "sandbox $*: stderr [$err] lacks [$want]" ;; esac
}
check "--bogus" run --bogus "$IMAGES/busybox" true
check "--memory" run -m lots "$IMAGES/busybox" true
check "--cpus" run --cpus 0 "$IMAGES/busybox" true
check "--pids-limit" run --pids-limit -3 "$IMAGES/busybox" true
check "no image" run
check "frobnicate" frobnicate
run "$SANDBOX" version
expect_eq "version status" "$rc" 0
case $out in "sandbox "*) ;; *) fail "version output [$out]" ;; esac
check "--timeout" run --timeout 0 "$IMAGES/busybox" true
check "--timeout" run --timeout 5y "$IMAGES/busybox" true
check "--name" run --name -x "$IMAGES/busybox" true
check "--name" run --name a/b "$IMAGES/busybox" true
check "--env-file" run --env-file /nonexistent "$IMAGES/busybox" true
check "needs a value" run --env-file
# A registry-style name that is not a local path: say what sandbox takes.
check "skopeo copy docker://busybox:latest" run busybox:latest true
check "skopeo copy docker://alpine" pack alpine -o /tmp/sandbox-cli-errors.$$
[ ! -e /tmp/sandbox-cli-errors.$$ ] || fail "pack wrote its output after an error"
# A name held by a running sandbox is refused (a holder process keeps the lock).
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
mkdir -p "$cache/names"
( exec 9>"$cache/names/web" && flock 9 && echo 4242 >&9 && sleep 30 ) &
holder=$!
i=0
until [ -s "$cache/names/web" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
SANDBOX_CACHE=$cache check "the name \`web\` is in use" run --name web "$IMAGES/busybox" true
kill $holder
# version names the guest kernel's and the guest init's own versions.
run "$SANDBOX" version
case $out in *"guest kernel: "*"Linux "*) ;; *) fail "version lacks the kernel's version: [$out]" ;; esac
case $out in *"guest init: "*"(sandbox-init "*", guest ABI "*) ;; *) fail "version lacks the init's version: [$out]" ;; esac
