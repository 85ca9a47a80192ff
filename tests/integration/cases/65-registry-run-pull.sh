# `sandbox run 127.0.0.1:PORT/busybox echo hi` pulls the image from a
# loopback registry (tests/tools/registry-proxy --serve: the test images as a
# read-only registry) into the blob store and runs it; the Docker Hub mirror
# setting makes plain `busybox` come from there too; a second run needs no
# registry (--pull never, the registry gone).
. "$TESTS_DIR/lib.sh"
command -v registry-proxy >/dev/null || skip "no registry-proxy on PATH (make tools)"
[ -f "$IMAGES/busybox/index.json" ] || skip "no test image $IMAGES/busybox"
tmp=$(mktemp -d)
SANDBOX_CACHE=$tmp/cache
export SANDBOX_CACHE
mkdir -p "$tmp/srv/library"
ln -s "$IMAGES/busybox" "$tmp/srv/busybox"
ln -s "$IMAGES/busybox" "$tmp/srv/library/busybox"
registry-proxy --serve "$tmp/srv" --port-file "$tmp/port" --log "$tmp/log" >"$tmp/err" 2>&1 &
proxy=$!
trap 'kill $proxy 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
until [ -s "$tmp/port" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "registry-proxy did not start: $(cat "$tmp/err")"
	sleep 0.1
done
read -r port <"$tmp/port"
run sandbox run "127.0.0.1:$port/busybox" echo hi
expect_eq "run of a registry image: status ($err)" "$rc" 0
expect_eq "its output" "$out" "hi"
expect_eq "nothing on stderr (not a terminal)" "$err" ""
grep -q "GET /v2/busybox/blobs/" "$tmp/log" || fail "no blob was fetched: $(cat "$tmp/log")"
run env SANDBOX_REGISTRY_MIRROR="http://127.0.0.1:$port" sandbox run busybox echo mirrored
expect_eq "run busybox through the mirror ($err)" "$rc" 0
expect_eq "its output" "$out" "mirrored"
kill $proxy
run sandbox run --pull never "127.0.0.1:$port/busybox" echo again
expect_eq "second run, registry gone ($err)" "$rc" 0
expect_eq "its output" "$out" "again"
run sandbox images -q
expect_eq "images" "$out" "127.0.0.1:$port/busybox:latest
docker.io/library/busybox:latest"
