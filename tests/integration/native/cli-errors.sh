# Bad options and values: one line naming the option, exit 125. Needs no KVM.
. "$TESTS_DIR/lib.sh"
[ -x "$SANDBOX" ] || fail "no sandbox binary at $SANDBOX"
check() { # WANT-IN-STDERR ARGS...
	want=$1; shift
	run "$SANDBOX" "$@"
	expect_eq "exit status of sandbox $*" "$rc" 125
	expect_eq "stderr lines of sandbox $*" "$(printf '%s\n' "$err" | wc -l)" 1
	case $err in *"$want"*) ;; *) fail "sandbox $*: stderr [$err] lacks [$want]" ;; esac
}
check "--bogus" run --bogus "$IMAGES/busybox" true
check "--memory" run -m lots "$IMAGES/busybox" true
check "invalid --memory \`5m\`: the minimum is 6m" run -m 5m "$IMAGES/busybox" true
check "invalid --memory \`300g\`: the maximum is 255g" run -m 300g "$IMAGES/busybox" true
check "--cpus" run --cpus 0 "$IMAGES/busybox" true
check "--pids-limit" run --pids-limit -3 "$IMAGES/busybox" true
check "no image" run
check "frobnicate" frobnicate
run "$SANDBOX" version
expect_eq "version status" "$rc" 0
case $out in "sandbox "*) ;; *) fail "version output [$out]" ;; esac
check "--timeout" run --timeout 0 "$IMAGES/busybox" true
check "--timeout" run --timeout 5y "$IMAGES/busybox" true
check "--name" run --name -x "$IMAGES/busybox" true
check "--name" run --name a/b "$IMAGES/busybox" true
check "--env-file" run --env-file /nonexistent "$IMAGES/busybox" true
# Networking options: bad syntax and impossible combinations, before anything boots.
B=$IMAGES/busybox
check "invalid -p \`99999:80\`: the host port must be a number from 1 to 65535" run -p 99999:80 "$B" true
check "invalid -p \`a:b\`: the guest port must be" run -p a:b "$B" true
check "invalid -p \`0:80\`" run --publish 0:80 "$B" true
check "invalid -p \`80/sctp\`: the protocol must be tcp or udp" run -p 80/sctp "$B" true
check "invalid -p \`8000-8001:80-82\`: ranges of different lengths" run -p 8000-8001:80-82 "$B" true
check "invalid -p \`[fe80::1%eth0]:80:80\`: the host address must be a plain IPv6 address" \
	run -p '[fe80::1%eth0]:80:80' "$B" true
check "invalid -p \`1-100\`: at most 64 published ports" run -p 1-100 "$B" true
check "invalid -p \`8080:81\`: host port 8080/tcp is published already (by -p \`8080:80\`)" \
	run -p 8080:80 -p 8080:81 "$B" true
check "option -p needs a value" run -p
check "invalid --network \`bogus\`: expected slirp, none or tap:NAME" run --network bogus "$B" true
check "invalid --network \`host\`" run --net host "$B" true
check "invalid --network \`tap:a/b\`: not an interface name" run --network tap:a/b "$B" true
check "--network tap:tap0 needs the guest's address: add ip=ADDR/PREFIX" run --network tap:tap0 "$B" true
check "invalid --network \`tap:tap0,ip=10.0.0.2\`: ip must be an IPv4 address with a prefix length" \
	run --network tap:tap0,ip=10.0.0.2 "$B" true
check "conflicting options: -p needs --network slirp, not tap:tap0" \
	run --network tap:tap0,ip=10.0.0.2/24 -p 80 "$B" true
check "invalid --network \`slirp:mtu=70000\`: mtu must be a number from 576 to 65520" \
	run --network slirp:mtu=70000 "$B" true
check "invalid --add-host \`x\`: expected NAME:IP or NAME=IP" run --add-host x "$B" true
check "invalid --add-host \`x:1.2.3\`" run --add-host x:1.2.3 "$B" true
check "invalid --mac-address \`01:00:00:00:00:00\`: a multicast address" \
	run --mac-address 01:00:00:00:00:00 "$B" true
check "invalid --mac-address \`00:00:00:00:00:00\`: all zero" run --mac-address 00:00:00:00:00:00 "$B" true
check "invalid --dns \`1.2.3\`: expected an IPv4 or IPv6 address" run --dns 1.2.3 "$B" true
check "invalid --dns \`4.4.4.4\`: at most 3 servers" \
	run --dns 1.1.1.1 --dns 2.2.2.2 --dns 3.3.3.3 --dns 4.4.4.4 "$B" true
check "invalid --dns-search \`-x.com\`: not a domain name" run --dns-search -x.com "$B" true
check "invalid --dns-option \`a b\`" run --dns-option 'a b' "$B" true
check "conflicting options: -p and --network none" run --network none -p 80 "$B" true
check "conflicting options: -P and --network none" run -P --net none "$B" true
check "conflicting options: -p needs --network slirp, not tap:tap0" run --network tap:tap0 -p 80 "$B" true
check "conflicting options: --ipv6 and --network slirp:mtu=1000" \
	run --ipv6 --network slirp:mtu=1000 "$B" true
# a control byte in a value never splits the error line
check "invalid -p \`80?81\`" run -p "$(printf '80\n81')" "$B" true
check "needs a value" run --env-file
# A registry name that is not a local path is pulled (tests/integration/native/
# registry-pull*.sh); --pull never keeps this check off the network.
check "image docker.io/library/busybox:latest is not in the store and --pull is never (sandbox pull busybox:latest)" \
	run --pull never busybox:latest true
check "image \`/nonexistent/img\` not found: no such file or directory" run /nonexistent/img true
run "$SANDBOX" run /nonexistent/img true
case $err in *skopeo*) fail "a missing path got the registry hint [$err]" ;; esac
check "image docker.io/library/alpine:latest is not in the store" pack --pull never alpine -o /tmp/sandbox-cli-errors.$$
[ ! -e /tmp/sandbox-cli-errors.$$ ] || fail "pack wrote its output after an error"
# A name held by a running sandbox is refused (a holder process keeps the lock).
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
mkdir -p "$cache/names"
( exec 9>"$cache/names/web" && flock 9 && echo 4242 >&9 && sleep 30 ) &
holder=$!
i=0
until [ -s "$cache/names/web" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
SANDBOX_CACHE=$cache check "the name \`web\` is in use" run --name web "$IMAGES/busybox" true
kill $holder
# version names the guest kernel's and the guest init's own versions.
run "$SANDBOX" version
case $out in *"guest kernel: "*"Linux "*) ;; *) fail "version lacks the kernel's version: [$out]" ;; esac
case $out in *"guest init: "*"(sandbox-init "*", guest ABI "*) ;; *) fail "version lacks the init's version: [$out]" ;; esac
case $out in *"pack format: "[0-9]*) ;; *) fail "version lacks the pack format: [$out]" ;; esac

# --help: sandbox's and run's, on stdout, status 0; run's names every option.
run "$SANDBOX" --help
expect_eq "--help: status" "$rc" 0
case $out in "Usage: sandbox COMMAND"*) ;; *) fail "--help: [$out]" ;; esac
for c in run pack cache version; do
	printf '%s\n' "$out" | grep -q "^  $c " || fail "--help lacks the command $c"
done
run "$SANDBOX" run --help
expect_eq "run --help: status" "$rc" 0
expect_eq "run --help: stderr" "$err" ""
for o in "-e, --env" --env-file "-w, --workdir" "-u, --user" --entrypoint "-i, --interactive" \
	"-t, --tty" "-m, --memory" --cpus --pids-limit --hostname --name --timeout --kernel \
	--debug "-q, --quiet" "-h, --help" --network --net "-p, --publish" "-P, --publish-all" \
	--dns --dns-search --dns-option --add-host --mac-address --ipv6 --allow-host-loopback; do
	case $out in *"  $o "*) ;; *) fail "run --help lacks $o" ;; esac
done
run "$SANDBOX"
expect_eq "no command: status" "$rc" 125
case $err in "Usage: sandbox COMMAND"*) ;; *) fail "no command: stderr [$err]" ;; esac

# An image path that exists but is no image: the error says what it holds.
tmp=$(mktemp -d)
trap 'rm -rf "$cache" "$tmp"' EXIT
mkdir "$tmp/dir" && echo hello >"$tmp/dir/file" && echo hello >"$tmp/text"
(cd "$tmp/dir" && tar cf "$tmp/plain.tar" file)
check "\`$tmp/dir\` is a directory without oci-layout or index.json" pack "$tmp/dir" -o "$tmp/o"
check "\`$tmp/text\` is not a readable tar" pack "$tmp/text" -o "$tmp/o"
: >"$tmp/empty"
check "image archive \`$tmp/empty\` is an empty file" pack "$tmp/empty" -o "$tmp/o"
check "\`$tmp/plain.tar\` is a tar without oci-layout, index.json or manifest.json" \
	pack "$tmp/plain.tar" -o "$tmp/o"

# No /dev/kvm, or no permission on it (runs as root: a private /dev, then
# another user). KVM is checked after the kernel and init files, before the
# image is packed.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	run unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh "$SANDBOX" run "$IMAGES/busybox" true
	expect_eq "no /dev/kvm: status" "$rc" 125
	case $err in "sandbox: /dev/kvm does not exist: "*"load kvm_intel or kvm_amd"*) ;;
	*) fail "no /dev/kvm: [$err]" ;; esac
else
	echo "not root or no unshare: the missing /dev/kvm error is not checked here"
fi
if [ "$(id -u)" = 0 ] && [ -c /dev/kvm ] && command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
	! setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/kvm; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$SANDBOX" run "$IMAGES/busybox" true
	expect_eq "no permission on /dev/kvm: status" "$rc" 125
	case $err in "sandbox: no permission to open /dev/kvm: "*"usermod -aG kvm"*) ;;
	*) fail "no permission on /dev/kvm: [$err]" ;; esac
else
	echo "nobody can open /dev/kvm here (or no setpriv): the permission error is not checked"
fi

# The guest kernel missing: say how to build it. It is looked for before the
# host's KVM, so this holds on any host: hardware KVM, PVM or none (checked
# on each below: as found, then with /dev/kvm hidden).
SANDBOX_KERNEL=$tmp/no-kernel \
	check "guest kernel \`$tmp/no-kernel\` not readable (build it with \`make kernel\`, or pass --kernel PATH)" \
	run "$IMAGES/busybox" true
check "guest kernel \`$tmp/no-kernel\` not readable" \
	run --kernel "$tmp/no-kernel" "$IMAGES/busybox" true
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	run unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh \
		"$SANDBOX" run --kernel "$tmp/no-kernel" "$IMAGES/busybox" true
	expect_eq "no kernel, no /dev/kvm: status" "$rc" 125
	case $err in "sandbox: guest kernel \`$tmp/no-kernel\` not readable"*) ;;
	*) fail "no kernel, no /dev/kvm: [$err]" ;; esac
fi
