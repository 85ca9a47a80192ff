# The same image as an OCI layout, an oci-archive tar and a docker-archive tar
# (skopeo's docker save format: legacy <id>/layer.tar symlinks; from layers-gzip
# as docker archives cannot hold zstd layers), plain or compressed (`docker save
# | gzip`, zstd), packs to the same bytes, by explicit transport and by bare
# path; a wrong tag and a non-image path fail with one line and exit 125.
# Native: needs no KVM.
. "$TESTS_DIR/lib.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
command -v skopeo >/dev/null || skip "skopeo is not installed"
img=$IMAGES/layers gz=$IMAGES/layers-gzip
for i in "$img" "$gz"; do
	[ -f "$i/index.json" ] || skip "no test image $i (make images)"
done
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
run "$SANDBOX" pack "oci:$img:latest" -o "$w/ref.lz4"
expect_eq "pack oci: status" "$rc" 0
run "$SANDBOX" pack "oci:$gz:latest" -o "$w/ref-gz.lz4"
expect_eq "pack oci: status" "$rc" 0
(cd "$img" && tar -cf "$w/oci.tar" .) || fail "tar of the layout"
skopeo copy -q "oci:$gz:latest" "docker-archive:$w/docker.tar:test/layers:v1" >/dev/null 2>&1 ||
	skip "skopeo could not write a docker-archive"
same() { # WHAT REFERENCE-PACK REF
	run "$SANDBOX" pack "$3" -o "$w/out.lz4"
	expect_eq "$1: exit status ($err)" "$rc" 0
	cmp -s "$2" "$w/out.lz4" || fail "$1: packs differently from the OCI layout"
}
same "oci-archive" "$w/ref.lz4" "oci-archive:$w/oci.tar:latest"
same "oci-archive, bare path" "$w/ref.lz4" "$w/oci.tar"
same "docker-archive" "$w/ref-gz.lz4" "docker-archive:$w/docker.tar:test/layers:v1"
same "docker-archive, no tag" "$w/ref-gz.lz4" "docker-archive:$w/docker.tar"
same "docker-archive, bare path" "$w/ref-gz.lz4" "$w/docker.tar"
refuse() { # WANT-IN-STDERR REF
	run "$SANDBOX" pack "$2" -o "$w/bad.lz4"
	expect_eq "pack $2: exit status" "$rc" 125
	expect_eq "pack $2: stderr lines" "$(printf '%s\n' "$err" | wc -l)" 1
	case $err in *"$1"*) ;; *) fail "pack $2: stderr [$err] lacks [$1]" ;; esac
	[ ! -e "$w/bad.lz4" ] || fail "pack $2 left an output file"
}
refuse "no image tagged \`test/layers:v2\`" "docker-archive:$w/docker.tar:test/layers:v2"
refuse "is a directory without oci-layout or index.json" "$w"
refuse "not found" "$w/missing.tar"
gzip -c "$w/docker.tar" >"$w/docker.tar.gz"
same "docker-archive, gzip'd" "$w/ref-gz.lz4" "docker-archive:$w/docker.tar.gz:test/layers:v1"
same "docker-archive, gzip'd, bare path" "$w/ref-gz.lz4" "$w/docker.tar.gz"
zstd -q -c "$w/oci.tar" >"$w/oci.tar.zst"
same "oci-archive, zstd'd" "$w/ref.lz4" "oci-archive:$w/oci.tar.zst:latest"
head -c 3000 "$w/docker.tar.gz" >"$w/cut.tar.gz"
refuse "cut.tar.gz" "$w/cut.tar.gz"
echo "PASS: oci, oci-archive and docker-archive pack alike, compressed or not"
