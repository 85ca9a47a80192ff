# A large random stream crosses virtio-console intact, in both directions:
# host stdin -> guest (sha256sum inside) and guest stdout -> host.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
: "${STREAM_BYTES:=67108864}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c "$STREAM_BYTES" /dev/urandom >"$tmp/data" || fail "no random data"
want=$(sha256sum <"$tmp/data" | cut -d' ' -f1)

# stdin direction: the guest hashes what it received.
got=$(sandbox run -i "$img" sha256sum <"$tmp/data")
rc=$?
expect_eq "stdin direction exit status" "$rc" 0
expect_eq "stdin direction sha256" "${got%% *}" "$want"

# both directions through cat: what comes back is what went in.
sandbox run -i "$img" cat <"$tmp/data" >"$tmp/back"
rc=$?
expect_eq "cat exit status" "$rc" 0
expect_eq "cat byte count" "$(wc -c <"$tmp/back" | tr -d ' ')" "$STREAM_BYTES"
expect_eq "cat sha256" "$(sha256sum <"$tmp/back" | cut -d' ' -f1)" "$want"

# stdout direction alone: the guest generates, both sides hash.
sandbox run "$img" bash -c "head -c $STREAM_BYTES /dev/urandom | { tee /dev/fd/3 | sha256sum >&2; } 3>&1" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
expect_eq "stdout direction exit status" "$rc" 0
expect_eq "stdout direction sha256" "$(sha256sum <"$tmp/out" | cut -d' ' -f1)" \
	"$(cut -d' ' -f1 <"$tmp/err")"
