#!/usr/bin/env bats
# containerd (ctr, the runc v2 shim) driving the OCI runtime under test
# ($RUNTIME, as --runc-binary): run, exec, kill, delete. containerd is started
# by tests/runtime/inside, which imports the image as $CTR_IMAGE.

load helpers

: "${CTR_IMAGE:=localhost/rt-busybox:latest}"

cr() { ctr run --runc-binary "$RUNTIME" "$@"; }

teardown() {
	local t
	for t in $(ctr task ls -q 2>/dev/null); do
		ctr task kill -s KILL "$t" >/dev/null 2>&1 || true
	done
	for t in $(ctr container ls -q 2>/dev/null); do
		wait_for 10 ctr task delete -f "$t" >/dev/null 2>&1 || true
		ctr container delete "$t" >/dev/null 2>&1 || true
	done
}

@test "ctr run: output and exit status" {
	run cr --rm "$CTR_IMAGE" c1 echo hello ctr
	expect_eq 0 "$status" status
	expect_eq "hello ctr" "$output"
	run cr --rm "$CTR_IMAGE" c2 sh -c 'exit 3'
	expect_eq 3 "$status" "exit 3"
	run ctr container ls -q
	expect_eq "" "$output" "containers left after --rm"
}

@test "ctr task exec: into a running task, output and status" {
	cr -d "$CTR_IMAGE" c3 sleep 1000
	run wait_for 30 sh -c 'ctr task ls | grep -q "^c3 .*RUNNING"'
	expect_eq 0 "$status" "c3 running"
	run ctr task exec --exec-id e1 c3 sh -c 'echo "in $(cat /proc/1/cmdline | tr "\0" " ")"'
	expect_eq 0 "$status" "exec status"
	expect_eq "in sleep 1000 " "$output"
	run ctr task exec --exec-id e2 c3 sh -c 'exit 4'
	expect_eq 4 "$status" "exec exit 4"
}

@test "ctr task kill: the signal ends the task with its status" {
	cr -d "$CTR_IMAGE" c4 sh -c 'trap "exit 11" TERM; while :; do sleep 1; done'
	sleep 2 # let the shell set its trap
	run ctr task kill -s TERM c4
	expect_eq 0 "$status" "kill TERM"
	run wait_for 30 sh -c 'ctr task ls | grep -q "^c4 .*STOPPED"'
	expect_eq 0 "$status" "c4 stopped"
	cr -d "$CTR_IMAGE" c5 sleep 1000
	run ctr task kill -s KILL c5
	expect_eq 0 "$status" "kill KILL"
	run wait_for 30 sh -c 'ctr task ls | grep -q "^c5 .*STOPPED"'
	expect_eq 0 "$status" "c5 stopped"
	# ctr task delete reports the exit code the shim collected
	run ctr task delete c4
	expect_eq 0 "$status" "delete c4"
	[[ "$output" == *"exit code 11"* ]] || { echo "c4: $output" >&2; false; }
	run ctr task delete c5
	[[ "$output" == *"exit code 137"* ]] || { echo "c5: $output" >&2; false; }
}

@test "ctr delete: a task and its container are gone" {
	cr -d "$CTR_IMAGE" c6 sleep 1000
	run ctr task delete -f c6
	expect_eq 0 "$status" "task delete -f"
	run ctr task ls -q
	expect_eq "" "$output" "tasks left"
	run ctr container delete c6
	expect_eq 0 "$status" "container delete"
	run ctr container ls -q
	expect_eq "" "$output" "containers left"
}
