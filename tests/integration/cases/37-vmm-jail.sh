# The VMM's jail (host/jail/), seen from the test host's /proc while a sandbox
# runs: pid, mount, IPC and UTS namespaces of its own, an empty root, a uid
# from the jail's range, no capability in any set, no_new_privs, seccomp on
# every thread, core dumps off, only its own fds (not a host file the caller
# left open; a restored VM's working-set recording). Then an ordinary user with /dev/kvm access runs a sandbox (the
# jail in a user namespace of its own), SANDBOX_JAIL=off runs unjailed, and a
# bad SANDBOX_JAIL_UIDS is refused.
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# fd 7: a host file left open by the caller
sandbox run "$IMAGES/busybox" sh -c 'echo up; sleep 120' >"$tmp/out" 2>"$tmp/err" 7</etc/passwd &
pid=$!
wait_line "$tmp/out" up $pid
vmm=$(vmm_pid $pid)
[ "$vmm" != "$pid" ] || { kill -KILL $pid; fail "no sandbox-vmm process under sandbox ($pid)"; }
field() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$vmm/status" | tr -s '\t ' '  '; }
uid=$(field Uid | cut -d' ' -f1)
{ [ "$uid" -ge 2147418112 ] && [ "$uid" -le 2147483645 ]; } ||
	fail "the VMM runs as uid $uid, not one of the jail's (2147418112-2147483645)"
expect_eq "VMM uids (real effective saved fs)" "$(field Uid)" "$uid $uid $uid $uid"
expect_eq "VMM gids" "$(field Gid)" "$uid $uid $uid $uid"
expect_eq "VMM supplementary groups" "$(field Groups)" ""
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_eq "VMM $c" "$(field $c)" 0000000000000000
done
expect_eq "VMM NoNewPrivs" "$(field NoNewPrivs)" 1
expect_eq "VMM pid in its own namespace" "$(field NSpid | awk '{print $NF}')" 1
for t in /proc/$vmm/task/*; do
	expect_eq "Seccomp of VMM thread $(cat "$t/comm")" \
		"$(sed -n 's/^Seccomp:[[:space:]]*//p' "$t/status")" 2
done
for ns in mnt pid ipc uts; do
	[ "$(readlink /proc/$vmm/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
		fail "the VMM shares the host's $ns namespace"
done
# the user-mode network makes the guest's connections from the host's network
expect_eq "VMM network namespace (slirp)" "$(readlink /proc/$vmm/ns/net)" "$(readlink /proc/self/ns/net)"
expect_eq "the VMM's root directory" "$(ls -A /proc/$vmm/root/)" ""
grep -Eq '^Max core file size +0 +0 ' /proc/$vmm/limits || fail "the VMM may dump core"
grep -Eq '^Max open files +4096 +4096 ' /proc/$vmm/limits || fail "the VMM's open files are not bounded"
# KVM objects, eventfds, epoll, pipes, sockets, the streams it writes; no other file, no directory
for f in /proc/$vmm/fd/*; do
	l=$(readlink "$f")
	case $l in
	anon_inode:* | pipe:* | socket:* | /dev/kvm | /dev/null | "$tmp/out" | "$tmp/err") ;;
	# a restored VM recording its snapshot's working set: its own page table
	# (no frame numbers) and the file it writes (RLIMIT_FSIZE 1 MiB)
	/proc/[0-9]*/pagemap | */snapshots/*/.workset-[0-9]*) ;;
	*) kill -KILL $pid; fail "the VMM holds $l (fd ${f##*/})" ;;
	esac
done
kill -TERM $pid
wait_gone $pid 60 "sandbox did not stop on SIGTERM"

# An ordinary user (nobody, in /dev/kvm's group) with /dev/kvm access: its
# own cache, the jail in a user namespace it makes.
command -v runas >/dev/null || fail "no runas on PATH (make tools)"
mkdir "$tmp/home"
kvm_gid=$(stat -c %g /dev/kvm)
chown "65534:$kvm_gid" "$tmp/home"
chmod g+rw /dev/kvm
run env -u SANDBOX_CACHE -u XDG_CACHE_HOME HOME="$tmp/home" \
	runas 65534 "$kvm_gid" sandbox run --debug "$IMAGES/busybox" id -u
expect_eq "as nobody: status (stderr: $(echo "$err" | grep -v '^\[' | tail -n 3))" "$rc" 0
expect_eq "as nobody: the workload's uid" "$out" 0
echo "$err" | grep -qx "sandbox: jail: VMM as uid 65534 gid $kvm_gid, user namespace, pid namespace, mount/ipc/uts namespaces, empty read-only root, no capabilities" ||
	fail "as nobody: no jail line, or another: $(echo "$err" | grep 'jail:')"
[ -d "$tmp/home/.cache" ] || fail "as nobody: no cache under its own home"

# Off for debugging; a bad range refused before the VM starts.
run env SANDBOX_JAIL=off sandbox run --debug "$IMAGES/busybox" true
expect_eq "SANDBOX_JAIL=off: status" "$rc" 0
case $err in *"sandbox: jail:"*) fail "SANDBOX_JAIL=off: the VMM was jailed" ;; esac
run env SANDBOX_JAIL_UIDS=0-9 sandbox run "$IMAGES/busybox" true
expect_eq "bad SANDBOX_JAIL_UIDS: status" "$rc" 125
expect_eq "bad SANDBOX_JAIL_UIDS: stderr" "$err" \
	"sandbox: SANDBOX_JAIL_UIDS=0-9: want FIRST-LAST, ids from 1 to 4294967294"
