# sandbox-runtime driven as an engine drives runc: create (held workload, pid file,
# state), start, kill, delete, exit statuses seen by the subreaper, refusals.
. "$TESTS_DIR/lib.sh"
command -v sandbox-runtime >/dev/null || fail "sandbox-runtime is not on PATH"
# The VMM outlives `create`: like conmon, a subreaper collects its status.
if [ -z "${RT_CASE_TMP:-}" ]; then
	t=$(mktemp -d)
	RT_CASE_TMP=$t exec subreaper "$t/exits" sh "$0"
fi
tmp=$RT_CASE_TMP
root=$tmp/state/runtime # missing parents: made as runc makes them (containerd relies on it)
rt() { sandbox-runtime --root "$root" --log "$tmp/log.json" --log-format json "$@"; }
# A failed check leaves no VM behind: the subreaper would wait for it.
trap 'for id in $(rt list -q 2>/dev/null); do rt delete --force "$id"; done; rm -rf "$tmp"; rmdir /sys/fs/cgroup/sbx-case85-$$ 2>/dev/null' EXIT

# exit_of PID: the status the subreaper saw for PID (waits up to 120 s).
exit_of() {
	_i=0
	while ! grep -q "^$1 " "$tmp/exits" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le 1200 ] || fail "process $1 did not end"
		sleep 0.1
	done
	sed -n "s/^$1 //p" "$tmp/exits"
}
# status_of ID: the "status" field of `state ID`
status_of() { rt state "$1" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }

# A bundle: a busybox root file system and its config.json.
b=$tmp/bundle
mkdir -p "$b/rootfs/bin" "$b/rootfs/etc" "$b/rootfs/tmp" "$b/rootfs/data"
bb=/bin/busybox; [ -x "$bb" ] || bb=$(readlink -f /bin/sh)
cp "$bb" "$b/rootfs/bin/busybox"
for a in sh echo cat sleep id pwd hostname ls tty stty tr sort; do ln -s busybox "$b/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/:/bin/sh' >"$b/rootfs/etc/passwd"
echo "a file bound in" >"$tmp/bound.txt"
# config ARGS_JSON [TERMINAL]
config() {
	cat >"$b/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": ${2:-false},
    "consoleSize": {"height": 30, "width": 100},
    "user": {"uid": 1000, "gid": 100, "additionalGids": [20, 10]},
    "args": $1,
    "env": ["PATH=/bin", "GREETING=hello from the spec"],
    "cwd": "/tmp",
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 8192, "soft": 4096}]
  },
  "root": {"path": "rootfs"},
  "hostname": "rt-case",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/etc/bound.txt", "type": "bind", "source": "$tmp/bound.txt", "options": ["rbind", "ro"]},
    {"destination": "/data", "type": "bind", "source": "$tmp/vol", "options": ["rbind", "rw"]},
    {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}
  ],
  "annotations": {"org.example.case": "85"},
  "linux": {
    "cgroupsPath": "/sbx-case85-$$",
    "resources": {"memory": {"limit": 134217728}, "pids": {"limit": 64}},
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}]
  },
  "unknownTopLevelField": {"ignored": true}
}
EOF
}
mkdir -p "$tmp/vol" && chmod 0777 "$tmp/vol" # the workload runs as 1000:100
# what an engine's cgroup manager (systemd) does before it hands out a cgroupsPath
[ ! -f /sys/fs/cgroup/cgroup.controllers ] ||
	echo "+memory +cpu +pids" >/sys/fs/cgroup/cgroup.subtree_control

# 1. create holds the workload: state "created", pid file = the VMM, no output yet.
config '["sh", "-c", "echo \"$GREETING\" as $(id -u):$(id -g) in $(pwd) on $(hostname); cat /etc/bound.txt; echo nofile $(ulimit -n) $(ulimit -Hn); echo groups $(id -G | tr \" \" \"\\n\" | sort -n | tr \"\\n\" \" \"); echo written >/data/out; echo tmp >/scratch/x && cat /scratch/x; echo err >&2; exit 3"]'
rt create --bundle "$b" --pid-file "$tmp/pid1" c1 >"$tmp/c1.out" 2>"$tmp/c1.err" ||
	fail "create: $(cat "$tmp/c1.err")"
pid=$(cat "$tmp/pid1")
case $pid in *[!0-9]* | "") fail "pid file holds [$pid], want digits only" ;; esac
expect_eq "pid file: no newline" "$(wc -c <"$tmp/pid1")" "${#pid}"
kill -0 "$pid" || fail "the VMM ($pid) is not running after create"
expect_eq "state after create" "$(status_of c1)" created
rt state c1 | grep -q '"org.example.case": "85"' || fail "state: annotations missing: $(rt state c1)"
rt state c1 | grep -q "\"pid\": $pid" || fail "state: pid missing: $(rt state c1)"
rt state c1 | grep -q "\"rootfs\": \"$b/rootfs\"" || fail "state: rootfs: $(rt state c1)"
# the VMM in cgroupsPath, which holds the VM's host limits (guest RAM and more)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cg=/sys/fs/cgroup/sbx-case85-$$
	grep -qx "$pid" "$cg/cgroup.procs" || fail "the runtime's VMM process is not in $cg"
	mm=$(cat "$cg/memory.max")
	case $mm in *[!0-9]* | "") fail "cgroupsPath memory.max: [$mm], want the VM's limit" ;; esac
	[ "$mm" -gt 134217728 ] || fail "cgroupsPath memory.max $mm: not above the workload's limit"
	case $(cat "$cg/pids.max") in max | "") fail "cgroupsPath pids.max not set" ;; esac
fi
[ ! -e "$root/c1/rootfs.initrd" ] || fail "the packed root stays in the state directory"
sleep 3
expect_eq "no output before start" "$(cat "$tmp/c1.out")" ""
rt list | grep -q '^c1 ' || fail "list: no c1: $(rt list)"

# 2. start releases it; its status is the workload's.
rt start c1 || fail "start: $(tail -1 "$tmp/log.json")"
expect_eq "exit status" "$(exit_of "$pid")" 3
expect_eq "stdout" "$(cat "$tmp/c1.out")" "hello from the spec as 1000:100 in /tmp on rt-case
a file bound in
nofile 4096 8192
groups 10 20 100
tmp"
grep -q '^err$' "$tmp/c1.err" || fail "stderr: [$(cat "$tmp/c1.err")]"
expect_eq "volume written" "$(cat "$tmp/vol/out")" written
expect_eq "state after exit" "$(status_of c1)" stopped
run rt start c1
[ "$rc" != 0 ] || fail "start of a stopped container succeeded"
rt delete c1 || fail "delete of a stopped container failed"
run rt state c1
[ "$rc" != 0 ] && echo "$err" | grep -q "container does not exist" ||
	fail "state after delete: rc $rc, [$err]"
grep -q '"level":"error".*"msg":"container does not exist"' "$tmp/log.json" ||
	fail "--log-format json: no error line in $(cat "$tmp/log.json")"

# 3. A running container: kill with a name, delete refuses without --force.
config '["sh", "-c", "trap \"echo got-term; exit 7\" TERM; echo ready; while :; do sleep 1; done"]'
rt create --bundle "$b" --pid-file "$tmp/pid2" c2 >"$tmp/c2.out" 2>&1 || fail "create c2"
pid=$(cat "$tmp/pid2")
rt start c2 || fail "start c2"
wait_line "$tmp/c2.out" ready "$pid" 120
expect_eq "state while running" "$(status_of c2)" running
# exec: a process beside the workload, in its PID namespace, with the spec's
# user and cwd unless told otherwise; stdio, status, env, stdin, failures.
run rt exec c2 sh -c 'echo in-exec $(id -u):$(id -g) $PWD $GREETING; echo exec-err >&2; exit 5'
expect_eq "exec status" "$rc" 5
expect_eq "exec stdout" "$out" "in-exec 1000:100 /tmp hello from the spec"
expect_eq "exec stderr" "$err" "exec-err"
run rt exec --env X=1 -e Y=2 --cwd / --user 0:0 c2 sh -c 'echo $X$Y $(pwd) $(id -u)'
expect_eq "exec --env --cwd --user" "$out" "12 / 0"
run rt exec c2 sh -c 'tr "\0" " " </proc/1/cmdline'
case $out in "sh -c trap"*) ;; *) fail "exec: PID 1 is not the workload: [$out]" ;; esac
expect_eq "exec stdin" "$(printf 'piped\nline2\n' | rt exec c2 cat)" "piped
line2"
run rt exec c2 no-such-command
[ "$rc" != 0 ] && echo "$err" | grep -q 'executable file not found' || fail "exec missing: rc $rc [$err]"
echo '{"args": ["sh", "-c", "echo from-process-json $(id -u)"], "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}' >"$tmp/process.json"
run rt exec --process "$tmp/process.json" c2
expect_eq "exec --process" "$out" "from-process-json 0"
# --detach: the proxy outlives the call, its pid in the pid file, its status the process's.
rt exec --detach --pid-file "$tmp/xpid" c2 sh -c 'sleep 2; exit 6' || fail "exec --detach"
xpid=$(cat "$tmp/xpid")
case $xpid in *[!0-9]* | "") fail "exec pid file holds [$xpid]" ;; esac
expect_eq "exec --detach: status" "$(exit_of "$xpid")" 6
# A signal to the proxy reaches the process (the proxy itself, not a subshell around it).
sandbox-runtime --root "$root" exec c2 sh -c 'trap "echo exec-term; exit 9" TERM; echo up; while :; do sleep 1; done' >"$tmp/x.out" 2>&1 &
xp=$!
wait_line "$tmp/x.out" up "$xp" 120
kill -TERM $xp
xrc=0
wait $xp || xrc=$?
expect_eq "exec: TERM forwarded" "$xrc" 9
grep -q exec-term "$tmp/x.out" || fail "exec: no trap output: [$(cat "$tmp/x.out")]"
run rt delete c2
[ "$rc" != 0 ] || fail "delete of a running container succeeded"
rt kill c2 SIGTERM || fail "kill SIGTERM"
expect_eq "SIGTERM: exit status" "$(exit_of "$pid")" 7
grep -q got-term "$tmp/c2.out" || fail "the workload did not get SIGTERM"
run rt kill c2 KILL
[ "$rc" != 0 ] && echo "$err" | grep -q "container not running" || fail "kill of a stopped one: rc $rc [$err]"
rt delete c2 || fail "delete c2"
# With the spec's PID namespace the workload is PID 1: TERM without a handler
# leaves it running (runc's and docker's rule); KILL ends it.
config '["sleep", "1000"]'
rt create --bundle "$b" --pid-file "$tmp/pid2b" c2b >/dev/null 2>&1 || fail "create c2b"
pid=$(cat "$tmp/pid2b")
rt start c2b || fail "start c2b"
sleep 3
rt kill c2b TERM || fail "kill TERM c2b"
sleep 3
expect_eq "PID 1 ignores an unhandled TERM" "$(status_of c2b)" running
rt kill c2b KILL || fail "kill KILL c2b"
expect_eq "KILL: exit status" "$(exit_of "$pid")" 137
rt delete c2b || fail "delete c2b"

# 4. Killed before start: the held VM ends as its workload would (128+9);
#    deleting a created container kills its VM; --force on an unknown id is fine.
config '["echo", "never"]'
rt create --bundle "$b" --pid-file "$tmp/pid3" c3 >"$tmp/c3.out" 2>&1 || fail "create c3"
pid=$(cat "$tmp/pid3")
rt kill c3 9 || fail "kill 9 before start"
expect_eq "killed before start" "$(exit_of "$pid")" 137
expect_eq "nothing ran" "$(cat "$tmp/c3.out")" ""
rt delete c3 || fail "delete c3"
rt create --bundle "$b" --pid-file "$tmp/pid4" c4 >/dev/null 2>&1 || fail "create c4"
pid=$(cat "$tmp/pid4")
rt delete c4 || fail "delete of a created container failed"
exit_of "$pid" >/dev/null
[ ! -e "$root/c4" ] || fail "delete left $root/c4"
rt delete --force no-such-id || fail "delete --force of an unknown id failed"

# 5. A terminal: the pty's master goes over the console socket, the guest's
#    own pty has the spec's size, typed input reaches the workload.
config '["sh", "-c", "tty >/dev/null && echo is-a-tty; stty size; read line; echo typed:$line; exit 4"]' true
recvtty "$tmp/console.sock" "$tmp/tty.out" "hello-pty
" &
rpid=$!
i=0
until [ -S "$tmp/console.sock" ]; do i=$((i + 1)); [ $i -le 100 ] || fail "recvtty did not listen"; sleep 0.1; done
rt create --bundle "$b" --console-socket "$tmp/console.sock" --pid-file "$tmp/pid6" c6 \
	>"$tmp/c6.out" 2>&1 || fail "create with a terminal: $(cat "$tmp/c6.out")"
pid=$(cat "$tmp/pid6")
rt start c6 || fail "start c6"
expect_eq "terminal: exit status" "$(exit_of "$pid")" 4
wait $rpid || fail "recvtty failed"
tr -d '\r' <"$tmp/tty.out" >"$tmp/tty.txt"
grep -q '^is-a-tty$' "$tmp/tty.txt" || fail "terminal: no tty: [$(cat "$tmp/tty.txt")]"
grep -q '^30 100$' "$tmp/tty.txt" || fail "terminal: size: [$(cat "$tmp/tty.txt")]"
grep -q '^typed:hello-pty$' "$tmp/tty.txt" || fail "terminal: input: [$(cat "$tmp/tty.txt")]"
expect_eq "terminal: nothing on create's own stdio" "$(cat "$tmp/c6.out")" ""
rt delete c6 || fail "delete c6"
run rt create --bundle "$b" c7
[ "$rc" != 0 ] && echo "$err" | grep -q "console socket" || fail "terminal without a console socket: rc $rc [$err]"

# 6. Refusals: one line each, non-zero, nothing left behind.
run rt create --bundle "$b" "bad/id"
[ "$rc" != 0 ] && echo "$err" | grep -q "invalid container id" || fail "bad id: rc $rc [$err]"
echo '{"ociVersion": "1.0.2", "process": {"args": "not-a-list"}, "root": {"path": "rootfs"}}' >"$b/config.json"
run rt create --bundle "$b" c5
[ "$rc" != 0 ] && echo "$err" | grep -q "process.args" || fail "bad spec: rc $rc [$err]"
[ ! -e "$root/c5" ] || fail "a refused create left $root/c5"
run rt exec c5 true
[ "$rc" != 0 ] && echo "$err" | grep -q "container does not exist" || fail "exec unknown: rc $rc [$err]"
run rt pause c5
[ "$rc" != 0 ] && echo "$err" | grep -q "not supported" || fail "pause: rc $rc [$err]"
run rt state no-such-id
[ "$rc" != 0 ] && echo "$err" | grep -q "container does not exist" || fail "state unknown: rc $rc [$err]"
echo ok
