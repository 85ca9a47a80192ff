# -m, --pids-limit and --cpus become the limits of the workload's cgroup
# (memory.max, memory.swap.max, pids.max, cpu.max), and every process of the
# workload, children included, is in that cgroup.
. "$TESTS_DIR/lib.sh"
probe='cd /sys/fs/cgroup || exit 9
for f in memory.max memory.swap.max pids.max cpu.max; do echo "$f=$(cat $f)"; done
sleep 60 &
child=$!
bash -c "sleep 60 & wait" &
sub=$!
sleep 1
# every user process but PID 1 (kernel threads have no cmdline) is in the
# workload group, the root of its cgroup namespace
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	[ "$p" = 1 ] || [ -z "$(tr -d "\0" <"$d/cmdline" 2>/dev/null)" ] && continue
	read -r cg <"$d/cgroup" 2>/dev/null || continue
	[ "$cg" = 0::/ ] || echo "outside: $p $(tr "\0" " " <"$d/cmdline") in $cg"
done
# cgroup.procs lists them: the shell, both children, the grandchild, ...
n=$(wc -l <cgroup.procs)
echo "procs>=4: $([ "$n" -ge 4 ] && echo yes || echo "no ($n)")"
for p in $$ $child $sub; do grep -qx "$p" cgroup.procs || echo "missing: $p"; done
read -r cg </proc/1/cgroup
echo "init=$cg"
kill $child $sub'
run sandbox run -m 48m --pids-limit 77 --cpus 1.5 "$IMAGES/debian" bash -c "$probe"
expect_eq "exit status" "$rc" 0
expect_eq stderr "$err" ""
expect_eq stdout "$out" "memory.max=50331648
memory.swap.max=0
pids.max=77
cpu.max=150000 100000
procs>=4: yes
init=0::/.."
