# Volume options that cannot work: exit 125 and one line naming the option,
# before anything boots (no VM here).
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/fifo"
# refused ARGS... -- WANT: sandbox run ARGS fails with 125 and a line containing WANT
refused() {
	_want=$(eval "echo \"\${$#}\"")
	_n=$(($# - 2))
	_args=
	while [ $_n -gt 0 ]; do _args="$_args \"\$1\""; shift; _n=$((_n - 1)); done
	eval "run sandbox run $_args \"\$IMAGES/busybox\" true"
	expect_eq "$_want: exit status" "$rc" 125
	expect_eq "$_want: stdout" "$out" ""
	expect_eq "$_want: one line" "$(echo "$err" | wc -l)" 1
	case $err in *"$_want"*) ;; *) fail "stderr [$err] lacks [$_want]" ;; esac
}
refused -v data:/d -- "named volumes are not supported"
refused -v /only -- "anonymous volumes are not supported"
refused --mount type=volume,source=v,target=/d -- "named volumes are not supported"
refused -v "$tmp:/proc/x" -- "must be absolute"
refused -v "$tmp:/d:z" -- "option \`z\` is not supported"
refused -v "$tmp:/d" --tmpfs /d -- "duplicate mount point /d"
refused --mount "type=bind,source=$tmp/missing,target=/d" -- "bind source path does not exist"
refused -v "$tmp/fifo:/d" -- "neither a directory nor a regular file"
refused --tmpfs /t:size=huge -- "option \`size=huge\` is not supported"
[ ! -e "$tmp/missing" ] || fail "--mount created its missing source"
