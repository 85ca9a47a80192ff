# sandbox run -t / -it: the workload gets a pty of our terminal's size that
# follows resizes; with -it our terminal is raw (^C is a byte for the guest's
# pty) and restored on every way out. tests/tools/ptyrun plays the terminal.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
command -v ptyrun >/dev/null || skip "ptyrun not built (make tools)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# pty NAME PTYRUN-ARGS...: output in $tmp/NAME.out, ptyrun's lines in
# $tmp/NAME.err, status in $rc.
pty() {
	name=$1
	shift
	ptyrun -t 240 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}
has() { grep -q "$2" "$tmp/$1.out" || fail "$1: no \`$2\` in: $(cat "$tmp/$1.out")"; }
restored() {
	grep -q "ptyrun: termios same" "$tmp/$1.err" ||
		fail "$1: terminal not restored: $(cat "$tmp/$1.err")"
}

# -t: a pty as controlling terminal, our size, TERM, stderr on stdout.
pty basic -s 37x111 -- sandbox run -t "$img" \
	bash -c 'tty; stty size; echo "TERM=$TERM"; echo to-stderr >&2; exit 4'
expect_eq "-t: exit status" "$rc" 4
grep -Eq '^/dev/pts/[0-9]+' "$tmp/basic.out" || fail "-t: tty: $(cat "$tmp/basic.out")"
has basic "^37 111"
has basic "TERM=xterm"
has basic "to-stderr"
restored basic

# Output is the pty's, relayed unchanged: \n became \r\n in the guest (our
# stdout here is a pipe), and nothing comes on our stderr.
out=$(sandbox run -t "$img" bash -c 'printf "a\nb\n"; echo e >&2' 2>"$tmp/t.err" | od -An -c)
expect_eq "-t: bytes" "$(echo $out)" 'a \r \n b \r \n e \r \n'
expect_eq "-t: stderr" "$(cat "$tmp/t.err")" ""

# A resize reaches the workload as SIGWINCH, with the new size.
pty winch -s 24x80 -e ready -r 33x91 -- sandbox run -t "$img" \
	bash -c 'trap "stty size; exit 5" WINCH; echo ready; sleep 100 & wait'
expect_eq "resize: exit status" "$rc" 5
has winch "^33 91"
restored winch

# -it: our terminal is raw while it runs; ^C is the byte 0x03 and the guest's
# line discipline turns it into SIGINT for its foreground group.
pty intr -e ready -c -i '\003' -- sandbox run -it "$img" bash -c 'echo ready; sleep 100'
expect_eq "-it ^C: exit status" "$rc" 130
grep -q "ptyrun: mode raw" "$tmp/intr.err" ||
	fail "-it: not raw: $(cat "$tmp/intr.err"), output: $(od -c "$tmp/intr.out")"
restored intr

# ... a byte, not our SIGINT: a raw guest terminal reads it as data.
pty byte -e ready -i '\003' -- sandbox run -it "$img" \
	bash -c 'stty raw -echo; echo ready; head -c 1 | od -An -tx1'
expect_eq "-it raw byte: exit status" "$rc" 0
has byte " 03"
restored byte

# Restored after a failed exec (127), an init failure (125) and a second
# SIGTERM that ends the VM (143). The reason is on the terminal's stream (our
# stdout, with the pty's "\r\n"), as docker shows it; our stderr stays empty.
# on_pty NAME ARGS...: sandbox run -it ARGS on a pty, its stderr in NAME.stderr
on_pty() {
	name=$1
	shift
	pty "$name" -- sh -c 'e=$1; shift; exec sandbox run -it "$@" 2>"$e"' sh "$tmp/$name.stderr" "$@"
}
on_pty missing "$img" no-such-command
expect_eq "missing command: exit status" "$rc" 127
restored missing
tr -d '\r' <"$tmp/missing.out" |
	grep -qx 'sandbox: exec: "no-such-command": executable file not found in \$PATH' ||
	fail "missing command: no reason on the terminal: $(od -c "$tmp/missing.out" | head)"
expect_eq "missing command: stderr" "$(cat "$tmp/missing.stderr")" ""
on_pty initfail -u no-such-user "$img" true
expect_eq "init failure: exit status" "$rc" 125
restored initfail
grep -q "unable to find user no-such-user" "$tmp/initfail.out" ||
	fail "init failure: no reason on the terminal: $(cat "$tmp/initfail.out")"
expect_eq "init failure: stderr" "$(cat "$tmp/initfail.stderr")" ""
pty term -e ready -k 15 -e got-term -k 15 -- sandbox run -it "$img" \
	bash -c 'trap "echo got-term" TERM; echo ready; while :; do sleep 100 & wait; done'
expect_eq "second SIGTERM: exit status" "$rc" 143
restored term

# -it with a pipe for stdin: no raw mode, and our EOF is the pty's ^D.
out=$(printf 'hi\n' | timeout 200 sandbox run -it "$img" bash -c 'read x; echo "got:$x"; cat; echo end')
rc=$?
expect_eq "-it piped: exit status" "$rc" 0
case "$out" in *got:hi*end*) ;; *) fail "-it piped: output [$out]" ;; esac
