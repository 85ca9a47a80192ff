# --env-file (docker's format, -e wins) and --name (unique while its run lasts).
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '# settings\nA=from-file\n  B=two words\nHOSTVAR\nUNSETVAR\nC=x=y\n' >"$tmp/env"
HOSTVAR=from-host
export HOSTVAR
run sandbox run --env-file "$tmp/env" -e A=from-cli \
	"$img" bash -c 'echo "$A|$B|$HOSTVAR|${UNSETVAR-unset}|$C"'
expect_eq "env-file: status" "$rc" 0
expect_eq "env-file: values" "$out" "from-cli|two words|from-host|unset|x=y"

# A second run with a name in use is refused; the name is free again afterwards.
sandbox run --name web "$img" bash -c 'echo ready; sleep 600' >"$tmp/web.out" 2>"$tmp/web.err" &
pid=$!
wait_line "$tmp/web.out" ready $pid
run sandbox run --name web "$img" true
expect_eq "name in use: status" "$rc" 125
case $err in *"the name \`web\` is in use"*) ;; *) fail "name in use: stderr [$err]" ;; esac
run sandbox run --name other "$img" echo ok
expect_eq "another name: output" "$out" ok
kill -TERM $pid
wait $pid
expect_eq "named run after SIGTERM: status" "$?" 143
run sandbox run --name web "$img" echo again
expect_eq "name reused after its run ended: status" "$rc" 0
expect_eq "name reused after its run ended: output" "$out" again
