# -i attaches our stdin to the workload (virtio-console stdin port); without -i
# the workload's stdin is at EOF at once; EOF on our stdin reaches the workload.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"

out=$(echo hi | sandbox run -i "$img" cat)
rc=$?
expect_eq "-i cat exit status" "$rc" 0
expect_eq "-i cat stdout" "$out" "hi"

# Without -i: cat must end at once and see nothing, though data is offered and
# our stdin stays open (only sandbox's own EOF can end cat).
tmp=$(mktemp -d)
mkfifo "$tmp/in"
sh -c 'echo must-not-arrive; exec sleep 300' >"$tmp/in" &
writer=$!
out=$(timeout 100 sandbox run "$img" cat <"$tmp/in")
rc=$?
kill "$writer" 2>/dev/null
rm -rf "$tmp"
expect_eq "cat without -i exit status" "$rc" 0
expect_eq "cat without -i stdout" "$out" ""

out=$(printf abc | sandbox run -i "$img" wc -c)
rc=$?
expect_eq "wc -c exit status" "$rc" 0
expect_eq "wc -c of abc" "$(echo $out)" 3

# Empty stdin with -i: EOF right away.
out=$(sandbox run -i "$img" wc -c </dev/null)
expect_eq "wc -c of nothing" "$(echo $out)" 0

# The workload's stdin ends even when it reads only part: head exits, status 0.
out=$(printf 'one\ntwo\nthree\n' | sandbox run -i "$img" head -n 1)
expect_eq "head -n 1" "$out" "one"
