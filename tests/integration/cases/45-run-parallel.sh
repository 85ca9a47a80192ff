# 8 sandboxes at once (PARALLEL_RUNS): each gets its own stdout, stderr and
# exit status, and nothing leaks between them (a file written in one is absent
# in the others). Before the guest saw the TSC-deadline timer, 8 at once took
# over 12 minutes in the test host (4 took 25 s); now about 26 s.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=${PARALLEL_RUNS:-8}
i=1
while [ $i -le $n ]; do
	(
		sandbox run -e "ID=$i" --hostname "box$i" "$img" bash -c \
			'ls /tmp/mark-* 2>/dev/null; touch /tmp/mark-$ID; echo "out-$ID $(uname -n)"
			 echo "err-$ID" >&2; exit $((40 + ID))' >"$tmp/$i.out" 2>"$tmp/$i.err"
		echo $? >"$tmp/$i.rc"
	) &
	i=$((i + 1))
done
wait
i=1
while [ $i -le $n ]; do
	expect_eq "run $i: status" "$(cat "$tmp/$i.rc")" $((40 + i))
	expect_eq "run $i: stdout" "$(cat "$tmp/$i.out")" "out-$i box$i"
	expect_eq "run $i: stderr" "$(cat "$tmp/$i.err")" "err-$i"
	i=$((i + 1))
done
