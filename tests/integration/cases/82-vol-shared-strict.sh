# Eight sandboxes at once share one read-only volume (-m 16m each): each
# reads a 4 MiB file's sha256 and lists the tree. Then the strict cache mode
# (:consistent): the guest sees a file the host rewrites while it runs.
. "$TESTS_DIR/lib.sh"
n=8
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/shared/d"
head -c $((4 << 20)) /dev/urandom >"$tmp/shared/blob"
for i in $(seq 50); do echo "$i" >"$tmp/shared/d/$i"; done
want=$(sha256sum <"$tmp/shared/blob" | cut -d' ' -f1)

for i in $(seq $n); do
	sandbox run -q -m 16m -v "$tmp/shared:/shared:ro" "$IMAGES/busybox" sh -c \
		'echo "$(sha256sum /shared/blob | cut -d" " -f1) $(ls /shared/d | wc -l)"' \
		>"$tmp/out$i" 2>"$tmp/err$i" &
	pids="$pids $!"
	eval "pid$i=$!"
done
for i in $(seq $n); do
	eval "wait_gone \$pid$i 600 \"sandbox $i did not end\""
	expect_eq "sandbox $i: exit status" "$rc" 0
	expect_eq "sandbox $i: stdout" "$(cat "$tmp/out$i")" "$want 50"
	expect_eq "sandbox $i: stderr" "$(cat "$tmp/err$i")" ""
done
pids=

# :consistent: the guest waits for the host's change of a file it already read.
echo before >"$tmp/shared/f"
sandbox run -v "$tmp/shared:/s:ro,consistent" "$IMAGES/busybox" sh -c '
	echo "first $(cat /s/f)"
	i=0
	while [ "$(cat /s/f)" != after ]; do
		i=$((i + 1)); [ $i -lt 3000 ] || { echo "never saw the change"; exit 1; }
		sleep 0.1
	done
	echo "then $(cat /s/f)"' >"$tmp/strict" 2>"$tmp/strict.err" &
pids=$!
wait_line "$tmp/strict" "first before" "$pids" 300
echo after >"$tmp/shared/f.new" && mv "$tmp/shared/f.new" "$tmp/shared/f"
wait_gone "$pids" 300 "the strict-mode guest did not end"
pids=
expect_eq "strict: exit status" "$rc" 0
expect_eq "strict: stdout" "$(cat "$tmp/strict")" "first before
then after"
expect_eq "strict: stderr" "$(cat "$tmp/strict.err")" ""
