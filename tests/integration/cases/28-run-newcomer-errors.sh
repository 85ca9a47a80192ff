# The errors a newcomer meets say what to do next, in one line with status 125,
# before anything boots: no /dev/kvm, no permission on it, an image path that
# is missing or holds something else, a missing guest kernel, --memory out of
# range. (A PVM host: native/pvm-refusal.sh.)
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img="$IMAGES/debian"

# check WHAT TEXT CMD...: status 125, nothing on stdout, one line on stderr
# containing TEXT.
check() {
	what=$1 want=$2
	shift 2
	run "$@"
	expect_eq "$what: exit status" "$rc" 125
	expect_eq "$what: stdout" "$out" ""
	expect_eq "$what: stderr lines" "$(printf '%s\n' "$err" | wc -l)" 1
	case $err in *"$want"*) ;; *) fail "$what: stderr [$err] lacks [$want]" ;; esac
}

# No /dev/kvm: a private, empty /dev. No permission: in a private mount
# namespace, a 0600 root-owned node over /dev/kvm and a passwd with a user to
# run as. (Both need root, as the test host has.)
if [ "$(id -u)" = 0 ]; then
	check "no /dev/kvm" "/dev/kvm does not exist: this host has no KVM (load kvm_intel or kvm_amd" \
		unshare -m sh -c 'mount -t tmpfs none /dev && exec sandbox run "$1" true' sh "$img"
	mknod -m 0600 "$tmp/kvm" c 10 232
	cp /etc/passwd "$tmp/passwd" && echo "newbie:x:1000:1000::/tmp:/bin/sh" >>"$tmp/passwd"
	check "no permission on /dev/kvm" "no permission to open /dev/kvm: add yourself to group kvm" \
		unshare -m sh -c 'mount --bind "$1/kvm" /dev/kvm && mount --bind "$1/passwd" /etc/passwd &&
			exec su newbie -c "exec sandbox run $2 true"' sh "$tmp" "$img"
else
	echo "not root: the /dev/kvm errors are not checked here (native/cli-errors does when root)"
fi

check "missing image" "image \`$tmp/nothing\` not found: no such file or directory" \
	sandbox run "$tmp/nothing" true
check "registry name" "image docker.io/library/debian:12 is not in the store and --pull is never" \
	sandbox run --pull never debian:12 true
check "a directory, not an image" "\`$TESTS_DIR\` is a directory without oci-layout or index.json" \
	sandbox run "$TESTS_DIR" true
check "a file, not an image" "\`$img/index.json\` is not a readable tar" \
	sandbox run "$img/index.json" true

check "guest kernel missing" \
	"guest kernel \`$tmp/bzImage\` not readable (build it with \`make kernel\`, or pass --kernel PATH)" \
	env SANDBOX_KERNEL="$tmp/bzImage" sandbox run "$img" true
check "--kernel missing" "guest kernel \`$tmp/vmlinux\` not readable" \
	sandbox run --kernel "$tmp/vmlinux" "$img" true

check "-m below docker's floor" "invalid --memory \`4m\`: the minimum is 6m" \
	sandbox run -m 4m "$img" true
check "-m beyond the VMM" "invalid --memory \`1t\`: the maximum is 255g" sandbox run -m 1t "$img" true
