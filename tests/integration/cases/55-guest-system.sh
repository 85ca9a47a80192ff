# The system the workload finds: /proc, /sys, /dev (devtmpfs nodes, pts,
# shm, fd links), a writable /tmp, cgroup2 without limits, the hostname
# (--hostname and the default), loopback up, the clock near the host's, no
# /.sandbox, and the default user (root, HOME=/root, umask 022).
. "$TESTS_DIR/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
probe='while read -r src tgt type rest; do
	case $tgt in /proc | /sys | /dev | /dev/pts | /dev/shm | /sys/fs/cgroup) echo "$tgt $type" ;; esac
done </proc/mounts
for d in null zero full random urandom tty ptmx; do [ -c /dev/$d ] || echo "no /dev/$d"; done
echo "links: $(readlink /dev/fd /dev/stdin /dev/stdout /dev/stderr | tr "\n" " ")"
echo "urandom: $(head -c 16 /dev/urandom | wc -c) zero: $(head -c 8 /dev/zero | tr -d "\0" | wc -c)"
echo to-null >/dev/null || echo "cannot write /dev/null"
echo via-dev-stderr >/dev/stderr
echo shm >/dev/shm/f && echo "shm: $(cat /dev/shm/f)"
echo tmp >/tmp/f && echo "tmp: $(cat /tmp/f) $(stat -c %a /tmp)"
echo "cgroup: $(cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max | tr "\n" " ")"
echo "hostname: $(uname -n) $(cat /proc/sys/kernel/hostname) $HOSTNAME"
echo "lo flags up: $(($(cat /sys/class/net/lo/flags) & 1))"
(echo >/dev/tcp/127.0.0.1/1) 2>&1 | grep -o "Connection refused" | head -n 1
ls -a / | grep -x .sandbox
echo "user: $(id) $(grep "^Groups:" /proc/self/status | tr -s "\t " " " | sed "s/ $//") HOME=$HOME umask=$(umask)"
echo "clock=$(date +%s)"
sleep 2'

# The host reads the guest clock's line while the workload still runs.
sandbox run --hostname web-1 "$IMAGES/debian" bash -c "$probe" >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
until grep -q "^clock=" "$tmp/out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 900 ] || { kill -KILL $pid; fail "no clock line: $(cat "$tmp/out" "$tmp/err")"; }
	kill -0 $pid 2>/dev/null || break
	sleep 0.2
done
host_now=$(date +%s)
wait $pid
rc=$?
expect_eq "exit status" "$rc" 0
expect_eq stderr "$(cat "$tmp/err")" via-dev-stderr
guest_now=$(sed -n 's/^clock=//p' "$tmp/out")
[ -n "$guest_now" ] || fail "no clock line"
d=$((guest_now - host_now))
# whole seconds on both sides, and the host reads the line up to ~1 s late
[ $d -ge -3 ] && [ $d -le 2 ] || fail "guest clock $guest_now, host $host_now: off by ${d}s"
echo "guest clock - host clock: ${d}s"
expect_eq stdout "$(grep -v "^clock=" "$tmp/out")" "/proc proc
/sys sysfs
/dev devtmpfs
/dev/pts devpts
/dev/shm tmpfs
/sys/fs/cgroup cgroup2
links: /proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 
urandom: 16 zero: 0
shm: shm
tmp: tmp 1777
cgroup: max max 
hostname: web-1 web-1 web-1
lo flags up: 1
Connection refused
user: uid=0(root) gid=0(root) groups=0(root) Groups: 0 HOME=/root umask=0022"

# The default hostname, and 127.0.0.1 on lo as busybox's ifconfig shows it.
run sandbox run "$IMAGES/busybox" sh -c 'hostname; ifconfig lo | grep -o "inet addr:[0-9.]*"'
expect_eq "busybox: exit status" "$rc" 0
expect_eq "busybox: stdout" "$out" "sandbox
inet addr:127.0.0.1"
