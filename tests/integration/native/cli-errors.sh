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
