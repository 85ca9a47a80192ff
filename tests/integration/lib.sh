# Helpers for integration cases (POSIX sh, sourced).
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got [$2], want [$3]"; }
# run CMD...: runs it, sets $out (stdout), $err (stderr), $rc
run() {
	_o=$(mktemp) _e=$(mktemp)
	"$@" >"$_o" 2>"$_e"
	rc=$?
	out=$(cat "$_o") err=$(cat "$_e")
	rm -f "$_o" "$_e"
}
# wait_line FILE TEXT PID [SECS]: until FILE has a line containing TEXT (a
# background sandbox, PID, got there); fails if PID ends first or after SECS
# (default 180).
wait_line() {
	_i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le "${4:-180}" ] || { kill -KILL "$3"; fail "no \"$2\" in $1 after ${4:-180} s"; }
		kill -0 "$3" 2>/dev/null || fail "process $3 ended before printing \"$2\""
		sleep 1
	done
}
# wait_gone PID SECS WHAT: until PID has exited (then reaps it: status in $rc);
# after SECS it is killed and the case fails with WHAT.
wait_gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le "$2" ] || { kill -KILL "$1"; fail "$3"; }
		sleep 1
	done
	wait "$1"
	rc=$?
}
# vmm_pid PID: the VMM process of the sandbox command PID, its jailed child
# or grandchild named sandbox-vmm (host/jail/vmmproc.h); PID itself until then
vmm_pid() {
	for _p in /proc/[0-9]*; do
		[ "$(cat "$_p/comm" 2>/dev/null)" = sandbox-vmm ] || continue
		_pp=$(sed -n 's/^PPid:[[:space:]]*//p' "$_p/status" 2>/dev/null)
		_gp=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$_pp/status" 2>/dev/null)
		if [ "$_pp" = "$1" ] || [ "$_gp" = "$1" ]; then
			echo "${_p##*/}"
			return
		fi
	done
	echo "$1"
}
