# A fork bomb under --pids-limit stops at pids.max; the workload can still
# report (shell builtins only: no fork can succeed at the limit) and choose
# its exit status; leaving kills the bomb and the run ends in reasonable time.
. "$TESTS_DIR/lib.sh"
script='read -r max </sys/fs/cgroup/pids.max
bomb() { bomb | bomb & }
bomb
while :; do
	read -r cur </sys/fs/cgroup/pids.current
	[ "$cur" -ge "$max" ] && break
	[ "$SECONDS" -lt 90 ] || { echo "never reached the limit: $cur/$max"; exit 1; }
done
read -r events </sys/fs/cgroup/pids.events
echo "pids.current=$cur/$max"
case $events in "max 0") echo "no fork was refused" ;; max\ *) echo refused ;; esac
exit 42'
start=$(date +%s)
run timeout 240 sandbox run --pids-limit 24 "$IMAGES/debian" bash -c "$script"
secs=$(($(date +%s) - start))
expect_eq "exit status" "$rc" 42
expect_eq stdout "$out" "pids.current=24/24
refused"
[ "$secs" -le 120 ] || fail "the run took ${secs}s"
