# Progress on a terminal (tests/tools/ptyrun gives the pull a pty): one line per
# layer, redrawn in place, ending "HEX12: done SIZE" ("already exists" for a layer
# the store had); `run` of an image not yet stored adds an "initramfs" line that
# ends "done"; -q draws nothing. On a pipe nothing is drawn (the other cases
# check stderr is empty).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/../tools/registry-env.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
registry_need
PTYRUN=$(dirname "$SANDBOX")/tools/ptyrun
[ -x "$PTYRUN" ] || skip "no $PTYRUN (make tools)"
registry_start
registry_push debian base:1
registry_push debian-layers app:1
R=127.0.0.1:$REG_PORT
layers() { # IMAGE: its layer digests, one per line
	m=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$IMAGES/$1/index.json")
	tr ',' '\n' <"$IMAGES/$1/blobs/sha256/$m" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' | tail -n +2
}
# the screen's last N lines, escapes and carriage returns gone, spaces squeezed
screen_tail() { # FILE N
	sed 's/\x1b\[[0-9]*[AK]//g; s/\r//g; s/ *$//' "$1" | tr -s ' ' | grep -v '^$' | tail -n "$2"
}

"$PTYRUN" -- "$SANDBOX" pull -q "$R/base:1" >"$work/base.tty" 2>"$work/pty.err"
expect_eq "pull -q on a terminal ($(cat "$work/pty.err"))" "$?" 0
expect_eq "-q draws nothing" "$(sed 's/\r//g' "$work/base.tty")" "$R/base:1"

"$PTYRUN" -- "$SANDBOX" pull "$R/app:1" >"$work/app.tty" 2>"$work/pty.err"
expect_eq "pull on a terminal ($(cat "$work/pty.err"))" "$?" 0
want=""
shared=$(layers debian)
for l in $(layers debian-layers); do
	if [ "$l" = "$shared" ]; then
		want="$want$(printf '%.12s: already exists' "$l")
"
	else
		want="$want$(printf '%.12s: done' "$l")
"
	fi
done
got=$(screen_tail "$work/app.tty" 6 | head -n 3 | sed 's/ [0-9.]* [kMG]*B$//')
expect_eq "the layer lines' last state" "$got" "$(printf '%s' "$want")"
grep -q "$(printf '\033')\[3A" "$work/app.tty" || fail "the lines were not redrawn in place: $(od -c "$work/app.tty" | head)"
case $(screen_tail "$work/app.tty" 3 | tr '\n' '|') in
"Digest: sha256:"*"|Status: Downloaded image for $R/app:1|$R/app:1|") ;;
*) fail "pull's report: [$(screen_tail "$work/app.tty" 3)]" ;;
esac

rm -rf "$SANDBOX_CACHE"
"$PTYRUN" -- "$SANDBOX" run --export-initrd "$work/initrd" "$R/app:1" true >"$work/run.tty" 2>"$work/pty.err"
expect_eq "run on a terminal ($(cat "$work/pty.err"))" "$?" 0
got=$(screen_tail "$work/run.tty" 4 | sed 's/ [0-9.]* [kMG]*B$//')
want=$(for l in $(layers debian-layers); do printf '%.12s: done\n' "$l"; done; echo "initramfs: done")
expect_eq "run's lines: the layers, then the initramfs" "$got" "$want"
echo "PASS: per-layer lines on a terminal, redrawn; already exists; initramfs line for run; -q"
