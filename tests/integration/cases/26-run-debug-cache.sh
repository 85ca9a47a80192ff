# The first run of an image packs it, with a progress line when stderr is a
# terminal (-q: none); later runs take it from the cache (nothing on the
# terminal, the cached file untouched). --debug adds the guest kernel log and
# the timings on stderr, never on stdout. `sandbox pack` writes the LZ4
# initramfs; `sandbox cache ls` and `cache prune --all` list and empty the cache.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
command -v ptyrun >/dev/null || fail "ptyrun not built (make tools)"
tmp=$(mktemp -d)
SANDBOX_CACHE="$tmp/cache"
export SANDBOX_CACHE
trap 'rm -rf "$tmp"' EXIT
digest=$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' "$img/index.json")

# on_tty NAME CMD...: CMD with its stderr on a pty (ptyrun's output, in
# $tmp/NAME.tty) and its stdout in $tmp/NAME.out; status in $rc.
on_tty() {
	name=$1
	shift
	ptyrun -t 240 -- sh -c 'out=$1; shift; exec "$@" >"$out"' sh "$tmp/$name.out" "$@" \
		>"$tmp/$name.tty" 2>/dev/null
	rc=$?
}

run sandbox cache ls
expect_eq "empty cache: ls" "$out$err" ""

# The first run, with --debug: its stdout is the workload's alone; on the
# terminal (stderr) the progress line (shown from the start with
# SANDBOX_PROGRESS_AFTER_MS=0, whatever the pack's speed), the guest kernel
# log, init's timeline and our timing breakdown.
on_tty first env SANDBOX_PROGRESS_AFTER_MS=0 sandbox run --debug "$img" echo first
expect_eq "first run: status" "$rc" 0
expect_eq "first run: stdout" "$(cat "$tmp/first.out")" first
tr -d '\r' <"$tmp/first.tty" >"$tmp/first.log"
# init reseeded the guest's CRNG with the config's fresh host bytes (abi.h's
# random-seed) before anything else of the run
for want in "Linux version" "sandbox-init: started " " ready in " ", CRNG reseeded from the host" \
	"sandbox-init: exit status 0"; do
	grep -q "$want" "$tmp/first.log" || fail "--debug: no [$want] in: $(cat "$tmp/first.log")"
done
t='[0-9]+\.[0-9] ms'
grep -Eq "^sandbox: timings: pack $t, vmm setup $t, vm $t; guest clock: kernel $t, init $t, workload $t \(1 vCPU, [0-9]+ MiB\)$" "$tmp/first.log" ||
	fail "--debug: no timing breakdown (pack, vmm setup, vm, kernel, init, workload): $(tail -n 3 "$tmp/first.log")"
# The line is redrawn in place (\r, erase to the end of the line), then erased.
grep -Eq "sandbox: packing image: reading layers [0-9]+/[0-9]+ MiB \([0-9]+\.[0-9] s\)" "$tmp/first.log" ||
	fail "first run: no progress line: $(head -c 600 "$tmp/first.log")"
run sandbox cache ls
case $out in "$digest "*) ;; *) fail "cache ls after the first run: [$out], want $digest" ;; esac
expect_eq "cache ls: image lines" "$(printf '%s\n' "$out" | grep -c '^sha256:')" 1
# and the VM the first run saved (snapshots: case 86)
expect_eq "cache ls: snapshot lines" "$(printf '%s\n' "$out" | grep -c '^snapshot ')" 1
f=$(find "$SANDBOX_CACHE" -type f -name "${digest#sha256:}*.lz4" | head -n 1)
[ -n "$f" ] || fail "no cache file named after $digest in $(find "$SANDBOX_CACHE")"
before=$(stat -c '%i %Y %s' "$f")

on_tty second sandbox run "$img" echo second
expect_eq "cached run: status" "$rc" 0
expect_eq "cached run: stdout" "$(cat "$tmp/second.out")" second
expect_eq "cached run: terminal" "$(cat "$tmp/second.tty")" ""
expect_eq "cached run: cache file" "$(stat -c '%i %Y %s' "$f")" "$before"

# pack: an LZ4 legacy stream (magic 02 21 4c 18) holding the image's cpio.
run sandbox pack "$img" -o "$tmp/debian.lz4"
expect_eq "pack: status" "$rc" 0
expect_eq "pack: magic" "$(head -c 4 "$tmp/debian.lz4" | od -An -tx1 | tr -d ' ')" 02214c18

run sandbox cache prune --all
expect_eq "prune --all: status" "$rc" 0
run sandbox cache ls
expect_eq "cache ls after prune --all" "$out" ""

# -q: a first pack on a terminal, and no progress line.
on_tty quiet sandbox run -q --export-initrd "$tmp/initrd" "$img" true
expect_eq "-q: status" "$rc" 0
grep -q "packing" "$tmp/quiet.tty" && fail "-q: progress shown: [$(cat "$tmp/quiet.tty")]"
[ -s "$tmp/initrd" ] || fail "-q: no initrd written"
run sandbox cache ls
expect_eq "-q: packed into the cache" "${out%% *}" "$digest"
