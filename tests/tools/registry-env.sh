# Helpers for the registry pull cases (POSIX sh, sourced after lib.sh): a
# loopback docker-registry (distribution 2.8) filled with skopeo from the test
# images, and tests/tools/registry-proxy in front of it. Everything lives in
# $work (removed on exit) and listens on 127.0.0.1 (the proxy also on
# 127.0.0.2); ports are picked by the kernel.
#   registry_need             skip unless docker-registry, skopeo and the proxy are there
#   registry_start [YAML]     start a registry (YAML: extra config, e.g. auth:); sets REG_PORT
#   registry_push IMAGE NAME [SKOPEO-ARG...]   $IMAGES/IMAGE -> 127.0.0.1:$REG_PORT/NAME
#   proxy_start [ARG...]      start registry-proxy; sets PROXY_PORT (PROXY_PORT2 with --second),
#                             its log is $work/proxy.log (cleared on each start)
#   proxy_count PATTERN       lines of the proxy log matching the grep pattern

registry_need() {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed (.ci/deps)"
	command -v skopeo >/dev/null || skip "skopeo is not installed (.ci/deps)"
	PROXY=${PROXY:-$(dirname "$SANDBOX")/tools/registry-proxy}
	[ -x "$PROXY" ] || skip "no $PROXY (make tools)"
	[ -f "$IMAGES/busybox/index.json" ] || skip "no test images in $IMAGES (make images)"
	work=$(mktemp -d)
	SANDBOX_CACHE=$work/cache
	export SANDBOX_CACHE
	# no credentials of the machine's user may leak into a case
	REGISTRY_AUTH_FILE=$work/auth.json HOME=$work XDG_RUNTIME_DIR=$work/run DOCKER_CONFIG=$work/docker
	export REGISTRY_AUTH_FILE HOME XDG_RUNTIME_DIR DOCKER_CONFIG
	unset XDG_CONFIG_HOME SANDBOX_REGISTRY_MIRROR SSL_CERT_FILE
	pids=""
	trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
}

registry_start() {
	_n=$(($(ls -d "$work"/reg* 2>/dev/null | wc -l) + 1))
	_d=$work/reg$_n
	mkdir -p "$_d/data"
	cat >"$_d/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $_d/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
${1:-}
EOF
	# the registry reads REGISTRY_* variables as configuration: not ours
	env -u REGISTRY_AUTH_FILE docker-registry serve "$_d/config.yml" >"$_d/log" 2>&1 &
	pids="$pids $!"
	_i=0
	until REG_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$_d/log" | head -n 1) &&
		[ -n "$REG_PORT" ]; do
		_i=$((_i + 1))
		[ $_i -le 100 ] || fail "docker-registry did not start: $(tail -n 3 "$_d/log")"
		sleep 0.1
	done
}

registry_push() {
	_img=$1 _name=$2
	shift 2
	skopeo copy -q --dest-tls-verify=false "$@" "oci:$IMAGES/$_img" \
		"docker://127.0.0.1:$REG_PORT/$_name" >"$work/skopeo.log" 2>&1 ||
		fail "skopeo copy $_img -> $_name: $(tail -n 3 "$work/skopeo.log")"
}

proxy_start() {
	rm -f "$work/proxy.port" "$work/proxy.log"
	"$PROXY" --upstream "$REG_PORT" --port-file "$work/proxy.port" --log "$work/proxy.log" "$@" \
		>"$work/proxy.err" 2>&1 &
	pids="$pids $!"
	_i=0
	until [ -s "$work/proxy.port" ]; do
		_i=$((_i + 1))
		[ $_i -le 100 ] || fail "registry-proxy did not start: $(cat "$work/proxy.err")"
		sleep 0.1
	done
	read -r PROXY_PORT PROXY_PORT2 <"$work/proxy.port"
}

proxy_stop() {
	for _p in $pids; do
		case $(cat /proc/"$_p"/cmdline 2>/dev/null | tr '\0' ' ') in
		*registry-proxy*) kill "$_p" 2>/dev/null ;;
		esac
	done
}

proxy_count() {
	grep -c -- "$1" "$work/proxy.log" 2>/dev/null || true
}
