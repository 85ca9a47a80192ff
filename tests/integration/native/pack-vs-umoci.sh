# `sandbox pack` and `umoci unpack` give the same tree (types, modes, owners,
# sizes, contents, link targets, hard-link groups, mtimes) for the busybox
# image, three multi-layer ones (whiteouts, opaque dirs, type swaps, hard
# links), and two single-layer images made here that `sandbox pack` streams
# without merging (rootfs/pack_direct.c): hard links near their file (patched
# nlink) and one whose first link is beyond the patch window (falls back).
# Native: packing needs no KVM.
. "$TESTS_DIR/lib.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
compare=$TESTS_DIR/../images/compare-umoci
[ -x "$compare" ] || fail "no $compare"
for t in umoci cpio lz4 bash sha256sum tar; do
	command -v $t >/dev/null || skip "$t is not installed"
done
for img in busybox layers-gzip churn debian-layers; do
	[ -f "$IMAGES/$img/index.json" ] || skip "no test image $IMAGES/$img (make images)"
done
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# blob FILE LAYOUT: FILE into LAYOUT's blobs; prints "sha256:HEX SIZE".
blob() {
	d=$(sha256sum "$1" | cut -d' ' -f1) s=$(stat -c %s "$1")
	mv "$1" "$2/blobs/sha256/$d"
	echo "sha256:$d $s"
}
# single NAME FIRST-LINK-FAR: a one-layer image at $w/NAME, its tar in the
# order given here (z before a: not sorted), uncompressed.
single() {
	r=$w/$1.root l=$w/$1
	mkdir -p "$r/z" "$r/a" "$l/blobs/sha256"
	printf 'small\n' >"$r/z/small"
	head -c 300000 /dev/urandom >"$r/z/exe"
	ln "$r/z/exe" "$r/z/exe-near"
	head -c $((25 << 20)) /dev/zero >"$r/a/big"
	ln "$r/z/small" "$r/a/far"
	[ "$2" = 1 ] || ln "$r/z/small" "$r/z/small-near"
	ln -s ../z/exe "$r/a/sym"
	touch -d @1700000000 "$r"/z/* "$r"/a/*
	near=z/small-near
	[ "$2" = 1 ] && near=
	printf '%s\n' . z z/small $near z/exe z/exe-near a a/big a/far a/sym >"$w/list"
	tar -C "$r" --numeric-owner --no-recursion -T "$w/list" -cf "$w/layer.tar" || fail "tar"
	read -r ld ls <<-X
	$(blob "$w/layer.tar" "$l")
	X
	printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' \
		"$ld" >"$w/config"
	read -r cd cs <<-X
	$(blob "$w/config" "$l")
	X
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
		"$cd" "$cs" "$ld" "$ls" >"$w/manifest"
	read -r md ms <<-X
	$(blob "$w/manifest" "$l")
	X
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"$md" "$ms" >"$l/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$l/oci-layout"
	rm -rf "$r"
}
single links-near 0
single links-far 1

for img in "$IMAGES/busybox" "$IMAGES/layers-gzip" "$IMAGES/churn" "$IMAGES/debian-layers" \
	"$w/links-near" "$w/links-far"; do
	run bash "$compare" "$SANDBOX" "$img"
	printf '%s\n' "$out"
	[ -z "$err" ] || printf '%s\n' "$err"
	expect_eq "compare-umoci $img" "$rc" 0
	case $out in *PASS:*) ;; *) fail "compare-umoci $img did not say PASS" ;; esac
done
# links-near was streamed (tar order: z first), links-far merged (sorted: a first).
for i in near:z far:a; do
	run "$SANDBOX" pack "oci:$w/links-${i%:*}:latest" -o "$w/out.lz4"
	expect_eq "pack links-${i%:*}" "$rc" 0
	first=$( (lz4 -dc "$w/out.lz4" 2>/dev/null || true) | cpio -it --quiet 2>/dev/null | head -1)
	expect_eq "first entry of links-${i%:*}" "$first" "${i#*:}"
done
echo "PASS: pack equals umoci unpack, merged and streamed"
