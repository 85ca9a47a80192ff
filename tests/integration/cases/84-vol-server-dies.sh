# The file server of a volume dies while the guest uses it (killed from the
# host): the guest's reads then fail with an I/O error instead of hanging, and
# the workload still ends normally with its own status.
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/v"
echo alive >"$tmp/v/a"
# :consistent, so that every read reaches the server (nothing cached)
sandbox run -v "$tmp/v:/v:consistent" "$IMAGES/busybox" sh -c '
	echo "ready $(cat /v/a)"
	i=0
	while cat /v/a >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 3000 ] || { echo "reads never failed"; exit 1; }
		sleep 0.1
	done
	cat /v/a 2>&1 | sed "s/^/after: /"
	echo end; exit 7' >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" "ready alive" "$pid" 300
# the sandbox's children are its file servers, and its VMM (sandbox-vmm)
kids=$(awk -v p="$pid" '$4 == p && $2 != "(sandbox-vmm)" { print $1 }' /proc/[0-9]*/stat 2>/dev/null)
[ -n "$kids" ] || fail "no file server process under sandbox $pid"
kill -KILL $kids
wait_gone "$pid" 300 "the guest hung after its file server died"
pid=
expect_eq "exit status (stderr: $(cat "$tmp/err"))" "$rc" 7
case $(cat "$tmp/out") in
*"after: "*"Input/output error"*) ;;
*) fail "no I/O error after the server died: $(cat "$tmp/out")" ;;
esac
expect_eq "last line" "$(tail -n 1 "$tmp/out")" end
