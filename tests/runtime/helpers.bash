# Shared by the engine-level suites (podman.bats, ctr.bats): the runtime under
# test and a few helpers. RUNTIME (the OCI runtime binary) and IMAGE come from
# tests/runtime/inside.
: "${RUNTIME:?RUNTIME: the OCI runtime binary under test (tests/runtime/run)}"
: "${IMAGE:=localhost/rt-busybox:latest}"

# podman with the runtime under test. --network none unless a test asks for a
# network: podman's default network costs seconds per container here.
pod() { podman --runtime "$RUNTIME" "$@"; }
prun() { podman --runtime "$RUNTIME" run --network none "$@"; }

# The output (bats' run sets it) without the carriage returns a terminal adds.
# shellcheck disable=SC2154
crlf() { printf '%s' "$output" | tr -d '\r'; }

# Wait until COMMAND succeeds, up to SECS seconds (in this emulated test host).
wait_for() { # SECS COMMAND...
	local secs=$1 i; shift
	for ((i = 0; i < secs; i++)); do
		"$@" && return 0
		sleep 1
	done
	"$@"
}

# Fail with what was expected and what came.
expect_eq() { # EXPECTED ACTUAL [WHAT]
	[ "$1" = "$2" ] && return 0
	printf '%s: expected [%s], got [%s]\n' "${3:-value}" "$1" "$2" >&2
	return 1
}
