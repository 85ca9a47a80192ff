# A read-write volume (-v DIR:/data -w /data), one boot: files both ways, a
# 24 MiB file's sha256 both ways, a MAP_SHARED write, rename, link, symlink,
# chmod, truncate and fsync, and a tar of 600 small files unpacked in the
# guest, compared file by file with the same tar unpacked on the host. The
# guest's fsprobe comes from a second, read-only volume; a third one's host
# directory does not exist yet (-v creates it, as docker does).
. "$TESTS_DIR/lib.sh"
command -v fsprobe >/dev/null || fail "no fsprobe on PATH (make tools)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vol=$tmp/vol
mkdir -p "$vol" "$tmp/tools" "$tmp/src"
cp "$(command -v fsprobe)" "$tmp/tools/fsprobe"
echo "from the host" >"$vol/hello.txt"
head -c $((24 << 20)) /dev/urandom >"$vol/big.host"
host_big=$(sha256sum <"$vol/big.host" | cut -d' ' -f1)
printf 'abcdefghijklmnopqrstuvwxyz' >"$vol/mapped"
# 600 small files in 20 directories, with a symlink and an empty file
for d in $(seq 20); do
	mkdir -p "$tmp/src/tree/d$d"
	for f in $(seq 30); do echo "file $d/$f $(head -c 24 /dev/urandom | od -An -tx1)" \
		>"$tmp/src/tree/d$d/f$f"; done
done
: >"$tmp/src/tree/empty"
ln -s d1/f1 "$tmp/src/tree/link"
tar -cf "$vol/tree.tar" -C "$tmp/src" tree

run sandbox run -v "$vol:/data" -v "$tmp/tools:/tools:ro" -v "$tmp/made/by/run:/made" -w /data \
	"$IMAGES/busybox" sh -c '
	echo made >/made/file
	set -e
	echo "pwd $(pwd)"
	echo "hello $(cat hello.txt)"
	echo "host-big $(sha256sum big.host | cut -d" " -f1)"
	echo "from the guest" >guest.txt
	head -c 25165824 /dev/urandom >big.guest
	echo "guest-big $(sha256sum big.guest | cut -d" " -f1)"
	/tools/fsprobe mmap mapped 3 XYZ
	echo "mapped $(cat mapped)"
	echo one >a && mv a b && ln b hard && ln -s b soft && chmod 640 b
	echo 0123456789 >short && truncate -s 4 short && /tools/fsprobe fsync short
	tar -xf tree.tar
	echo done'
expect_eq "exit status (stderr: $err)" "$rc" 0
expect_eq stderr "$err" ""
expect_eq "guest pwd" "$(echo "$out" | sed -n 's/^pwd //p')" /data
expect_eq "guest reads the host's file" "$(echo "$out" | sed -n 's/^hello //p')" "from the host"
expect_eq "guest's sha256 of the host's big file" "$(echo "$out" | sed -n 's/^host-big //p')" \
	"$host_big"
expect_eq "host reads the guest's file" "$(cat "$vol/guest.txt")" "from the guest"
expect_eq "host's sha256 of the guest's big file" \
	"$(sha256sum <"$vol/big.guest" | cut -d' ' -f1)" "$(echo "$out" | sed -n 's/^guest-big //p')"
expect_eq "MAP_SHARED write, guest view" "$(echo "$out" | sed -n 's/^mapped //p')" \
	abcXYZghijklmnopqrstuvwxyz
expect_eq "MAP_SHARED write, host view" "$(cat "$vol/mapped")" abcXYZghijklmnopqrstuvwxyz
[ ! -e "$vol/a" ] || fail "rename left the old name"
expect_eq "renamed file" "$(cat "$vol/b")" one
expect_eq "hard link count" "$(stat -c %h "$vol/b")" 2
expect_eq "hard link inode" "$(stat -c %i "$vol/hard")" "$(stat -c %i "$vol/b")"
expect_eq "symlink target" "$(readlink "$vol/soft")" b
expect_eq "chmod" "$(stat -c %a "$vol/b")" 640
expect_eq "truncate" "$(cat "$vol/short")" 0123
expect_eq "last line" "$(echo "$out" | tail -n 1)" done
expect_eq "-v created the missing host directory" "$(cat "$tmp/made/by/run/file")" made

# The tree the guest unpacked, against the host's own unpacking of the same tar.
mkdir "$tmp/ref"
tar -xf "$vol/tree.tar" -C "$tmp/ref"
sums() { (cd "$1" && find tree -type f | LC_ALL=C sort | xargs sha256sum); }
expect_eq "file count" "$(find "$vol/tree" -type f | wc -l)" 601
expect_eq "tree contents" "$(sums "$vol")" "$(sums "$tmp/ref")"
expect_eq "symlink in the tree" "$(readlink "$vol/tree/link")" d1/f1
expect_eq "directories" "$(cd "$vol" && find tree -type d | LC_ALL=C sort | tr '\n' ' ')" \
	"$(cd "$tmp/ref" && find tree -type d | LC_ALL=C sort | tr '\n' ' ')"
