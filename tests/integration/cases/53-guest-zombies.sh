# Orphaned grandchildren are reparented to PID 1 and reaped by it (no
# zombies); when the workload exits, what is left of it is killed and the run
# still ends, with the workload's status.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
script='bash -c "sleep 3 & echo \$! >/tmp/gc1; sleep 4 & echo \$! >/tmp/gc2; exit 0"
read -r gc1 </tmp/gc1
read -r gc2 </tmp/gc2
grep "^PPid:" /proc/$gc1/status
sleep 6
for p in $gc1 $gc2; do [ -e /proc/$p ] && echo "not reaped: $(cat /proc/$p/stat)"; done
for s in /proc/[0-9]*/stat; do
	read -r line <"$s" 2>/dev/null || continue
	case ${line##*) } in Z*) echo "zombie: $line" ;; esac
done
echo done'
run sandbox run "$img" bash -c "$script"
expect_eq "orphans: exit status" "$rc" 0
expect_eq "orphans: stdout" "$out" "PPid:	1
done"

# Leftovers: one holds stdout open, one has its own session, one ignores
# SIGTERM and SIGHUP.
start=$(date +%s)
run timeout 120 sandbox run "$img" bash -c 'sleep 1000 &
setsid sleep 1000 &
(trap "" TERM HUP; exec sleep 1000) &
sleep 1000 >/dev/null 2>&1 </dev/null &
echo started
exit 5'
secs=$(($(date +%s) - start))
expect_eq "leftovers: exit status" "$rc" 5
expect_eq "leftovers: stdout" "$out" started
[ "$secs" -le 60 ] || fail "leftovers: the run took ${secs}s"
