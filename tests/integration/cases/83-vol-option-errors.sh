# Volume options that cannot work: exit 125 and one line naming the option,
# before anything boots (no VM here).
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/fifo"
# refused WANT ARGS...: sandbox run ARGS IMAGE true fails with 125 and one
# line containing WANT
refused() {
	_want=$1
	shift
	run sandbox run "$@" "$IMAGES/busybox" true
	expect_eq "$_want: exit status" "$rc" 125
	expect_eq "$_want: stdout" "$out" ""
	expect_eq "$_want: one line" "$(echo "$err" | wc -l)" 1
	case $err in *"$_want"*) ;; *) fail "stderr [$err] lacks [$_want]" ;; esac
}
refused "named volumes are not supported" -v data:/d
refused "anonymous volumes are not supported" -v /only
refused "named volumes are not supported" --mount type=volume,source=v,target=/d
refused "must be absolute" -v "$tmp:/proc/x"
refused "option \`z\` is not supported" -v "$tmp:/d:z"
refused "duplicate mount point /d" -v "$tmp:/d" --tmpfs /d
refused "bind source path does not exist" --mount "type=bind,source=$tmp/missing,target=/d"
refused "neither a directory nor a regular file" -v "$tmp/fifo:/d"
refused "option \`size=huge\` is not supported" --tmpfs /t:size=huge
[ ! -e "$tmp/missing" ] || fail "--mount created its missing source"
