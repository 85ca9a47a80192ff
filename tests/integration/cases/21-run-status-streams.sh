# The workload's exit status comes back (its own, or 128+N when a signal
# killed it); stdout and stderr stay apart, byte for byte (NUL and 0xff
# included), with nothing added by the kernel or init.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sandbox run "$img" bash -c 'printf "to-out\0\377\n"; printf "to-err\0\001" >&2; exit 42' \
	>"$tmp/out" 2>"$tmp/err"
expect_eq "exit status" "$?" 42
expect_eq stdout "$(od -An -c "$tmp/out" | tr -s ' ')" " t o - o u t \0 377 \n"
expect_eq stderr "$(od -An -c "$tmp/err" | tr -s ' ')" " t o - e r r \0 001"

# Killed by a signal: 128+N (SIGUSR1 is 10), and no note from sandbox.
run sandbox run "$img" bash -c 'echo before; kill -USR1 $$; echo after'
expect_eq "killed by SIGUSR1: exit status" "$rc" 138
expect_eq "killed by SIGUSR1: stdout" "$out" before
expect_eq "killed by SIGUSR1: stderr" "$err" ""
