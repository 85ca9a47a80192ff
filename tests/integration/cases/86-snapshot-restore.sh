# Snapshots (issue 18): the first run of an image boots and saves the VM when
# init asks for its config; later runs restore it and behave as cold ones
# (stdout, stderr, exit codes, env, user); clones do not share their random
# numbers; eight restores of one snapshot at once each keep their own output
# and status; the first restore records its working set, later ones
# prefetch it; a restored VM serves a published port; runs with volumes
# are saved and restored too; a damaged or truncated snapshot means a cold
# boot (--debug says so), never a failed run; --no-snapshot and
# SANDBOX_SNAPSHOT=off boot cold; `cache ls` lists the snapshot and `cache
# prune --all` removes it. Case 87 runs the run cases with snapshots off.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/busybox"
tmp=$(mktemp -d)
SANDBOX_CACHE="$tmp/cache"
export SANDBOX_CACHE
trap 'rm -rf "$tmp"' EXIT

run sandbox run --debug "$img" sh -c 'echo cold; echo err >&2; exit 3'
expect_eq "first run: status" "$rc" 3
expect_eq "first run: stdout" "$out" cold
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: saved [0-9a-f]\{12\} (" ||
	fail "first run saved no snapshot: $(printf '%s\n' "$err" | grep -E 'snapshot|sandbox-init' | tail -n 5)"
printf '%s\n' "$err" | grep -qx err || fail "first run: no stderr line"
dir=$(find "$SANDBOX_CACHE/snapshots" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | head -n 1)
[ -n "$dir" ] && [ -f "$dir/meta" ] && [ -f "$dir/memory" ] && [ -f "$dir/state" ] ||
	fail "no snapshot directory with meta, memory and state: $(find "$SANDBOX_CACHE/snapshots")"

# Restored: the same behaviour as cold, its own config (env, workdir, user).
run sandbox run --debug -e GREETING=hi -w /tmp -u 1000:1000 "$img" \
	sh -c 'echo "$GREETING $(pwd) $(id -u)"; echo warn >&2; exit 5'
expect_eq "restored: status" "$rc" 5
expect_eq "restored: stdout" "$out" "hi /tmp 1000"
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored [0-9a-f]\{12\} (state [0-9.]* ms" ||
	fail "second run was not restored: $(printf '%s\n' "$err" | grep -E 'snapshot|sandbox-init' | tail -n 5)"
printf '%s\n' "$err" | grep -qx warn || fail "restored: no stderr line"
printf '%s\n' "$err" | grep -q ", CRNG reseeded from the host" || fail "restored: no CRNG reseed"

# Working set: the first restore records the pages it touched, later ones
# read them ahead (or map them in); a damaged file is replaced, never used.
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored .*; working set of [0-9]* pages recorded)" ||
	fail "first restore recorded no working set: $(printf '%s\n' "$err" | grep snapshot)"
[ -s "$dir/workset" ] || fail "no workset file in $dir"
run sandbox run --debug "$img" sh -c 'echo ahead'
expect_eq "prefetched: stdout" "$out" ahead
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored .*; [0-9]* pages read ahead in " ||
	fail "no read-ahead: $(printf '%s\n' "$err" | grep snapshot)"
run env SANDBOX_SNAPSHOT_PREFETCH=populate sandbox run --debug "$img" sh -c 'echo mapped'
expect_eq "populated: stdout" "$out" mapped
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored .*; [0-9]* pages mapped in in " ||
	fail "no populate: $(printf '%s\n' "$err" | grep snapshot)"
rm "$dir/workset"
head -c 4000 /dev/urandom >"$dir/workset"
run sandbox run --debug "$img" sh -c 'echo damaged-ws'
expect_eq "damaged working set: stdout" "$out" damaged-ws
printf '%s\n' "$err" | grep -q "; working set of [0-9]* pages recorded)" ||
	fail "a damaged working set was not recorded anew: $(printf '%s\n' "$err" | grep snapshot)"

# stdin: -i is another device set (its own snapshot); the run that saved it
# and the one restored from it each get their own input, once (none of the
# first run's input may be in the snapshot).
run sh -c "echo piped1 | sandbox run -i --debug '$img' cat"
expect_eq "saving -i: stdout" "$out" piped1
run sh -c "echo piped2 | sandbox run -i --debug '$img' cat"
expect_eq "restored -i: stdout" "$out" piped2
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored " || fail "-i: not restored"
# Networking in a restored VM (saved with its interface down, configured from
# this run's config): a server in the workload answers on a published port.
ip link set lo up
guest='mkdir -p /tmp/w; echo restored-net >/tmp/w/index.html; httpd -p 8080 -h /tmp/w
echo ready; nc -l -p 99 </dev/null >/dev/null'
sandbox run --debug -p 127.0.0.1:18086:8080 -p 127.0.0.1:18087:99 "$img" sh -c "$guest" \
	>"$tmp/net.out" 2>"$tmp/net.err" &
pid=$!
wait_line "$tmp/net.out" ready "$pid"
i=0
until got=$(timeout 10 wget -q -O - http://127.0.0.1:18086/index.html 2>/dev/null) && [ -n "$got" ]; do
	i=$((i + 1))
	[ $i -lt 30 ] || break
	sleep 1
done
echo bye | nc 127.0.0.1 18087
wait_gone "$pid" 120 "the restored VM with a published port did not end"
expect_eq "restored network: the guest's page" "$got" restored-net
grep -q "^sandbox: snapshot: restored " "$tmp/net.err" ||
	fail "the networked run was not restored: $(grep snapshot "$tmp/net.err")"

# Volumes: the restored VM mounts its shares afresh (its file servers
# never saw the saving run): a host file read, one written, a read-only
# share refused.
mkdir -p "$tmp/rw" "$tmp/ro"
echo from-host >"$tmp/ro/in"
for n in 1 2; do
	run sandbox run --debug -v "$tmp/rw:/rw" -v "$tmp/ro:/ro:ro" "$img" \
		sh -c "cat /ro/in; echo run$n >/rw/out; touch /ro/no 2>/dev/null || echo ro"
	expect_eq "volumes run $n: status" "$rc" 0
	expect_eq "volumes run $n: stdout" "$out" "from-host
ro"
	expect_eq "volumes run $n: written" "$(cat "$tmp/rw/out")" "run$n"
done
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored " ||
	fail "volumes: the second run was not restored: $(printf '%s\n' "$err" | grep snapshot)"
run sandbox run "$img" /no/such/command
expect_eq "missing command: status" "$rc" 127

# Clones: their CRNG, a fresh process's stack (ASLR from AT_RANDOM's
# source) and their wall clock.
probe='head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n"; echo; grep "\[stack\]" /proc/self/maps | cut -d" " -f1; date +%s'
run sandbox run "$img" sh -c "$probe"
a=$out
run sandbox run "$img" sh -c "$probe"
b=$out
[ "$(printf '%s\n' "$a" | sed -n 1p)" != "$(printf '%s\n' "$b" | sed -n 1p)" ] ||
	fail "two restored runs read the same /dev/urandom bytes: $a"
[ "$(printf '%s\n' "$a" | sed -n 2p)" != "$(printf '%s\n' "$b" | sed -n 2p)" ] ||
	fail "two restored runs put a fresh process's stack at the same place: $a"
now=$(date +%s)
guest=$(printf '%s\n' "$b" | sed -n 3p)
[ $((now - guest)) -ge -5 ] && [ $((now - guest)) -le 60 ] ||
	fail "restored guest clock $guest, host $now"

# Eight restores at once, each with its own output and status.
i=1
while [ $i -le 8 ]; do
	sandbox run "$img" sh -c "echo run$i; exit $((10 + i))" >"$tmp/p$i.out" 2>"$tmp/p$i.err" &
	eval "pid$i=\$!"
	i=$((i + 1))
done
i=1
while [ $i -le 8 ]; do
	eval "wait \$pid$i"
	expect_eq "parallel $i: status" "$?" $((10 + i))
	expect_eq "parallel $i: stdout" "$(cat "$tmp/p$i.out")" "run$i"
	i=$((i + 1))
done

# cache ls lists it.
run sandbox cache ls
printf '%s\n' "$out" | grep -q "^snapshot $(basename "$dir" | cut -c1-12)" ||
	fail "cache ls: no snapshot line: $out"

# Damaged state: cold boot, the run still right, the snapshot made again.
printf 'X' | dd of="$dir/state" bs=1 seek=100 conv=notrunc 2>/dev/null
run sandbox run --debug "$img" sh -c 'echo after-damage'
expect_eq "damaged: status" "$rc" 0
expect_eq "damaged: stdout" "$out" after-damage
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: saved .*checksum" ||
	fail "damaged state: no cold boot with a note: $(printf '%s\n' "$err" | grep snapshot)"
# Truncated memory: the same.
truncate -s 4096 "$dir/memory"
run sandbox run --debug "$img" sh -c 'echo after-truncate'
expect_eq "truncated: status" "$rc" 0
expect_eq "truncated: stdout" "$out" after-truncate
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: saved " ||
	fail "truncated memory: not booted cold and saved again: $(printf '%s\n' "$err" | grep snapshot)"
run sandbox run --debug "$img" true
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: restored " ||
	fail "the snapshot made again is not restored: $(printf '%s\n' "$err" | grep snapshot)"

# Off switches.
run sandbox run --debug --no-snapshot "$img" true
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: cold boot (--no-snapshot)" ||
	fail "--no-snapshot: $(printf '%s\n' "$err" | grep snapshot)"
run env SANDBOX_SNAPSHOT=off sandbox run --debug "$img" true
printf '%s\n' "$err" | grep -q "^sandbox: snapshot: cold boot (SANDBOX_SNAPSHOT=off)" ||
	fail "SANDBOX_SNAPSHOT=off: $(printf '%s\n' "$err" | grep snapshot)"

run sandbox cache prune --all
expect_eq "prune --all: status" "$rc" 0
[ -z "$(find "$SANDBOX_CACHE/snapshots" -mindepth 1 -maxdepth 1 ! -name '*.lock' 2>/dev/null)" ] ||
	fail "prune --all left: $(find "$SANDBOX_CACHE/snapshots")"
exit 0
