# The workload's capabilities are docker's: the default set (CapBnd a80425fb)
# for root, only the bounding set for another user, --cap-add/--cap-drop
# (ALL too), --privileged keeps all, --security-opt no-new-privileges; a
# capability outside the set really is missing (mount needs CAP_SYS_ADMIN).
# docker's masked paths too: /proc/timer_list empty, /proc/sys and /sys
# (cgroupfs included) read-only; --privileged has none of that. Every
# workload has a cgroup namespace of its own: /sys/fs/cgroup is its group.
# Bad names are refused before any VM (125).
. "$TESTS_DIR/lib.sh"
img="$IMAGES/busybox"
probe='grep -E "^(Cap|NoNewPrivs)" /proc/self/status | tr -s "\t " " "
mkdir -p /tmp/m && if mount -t tmpfs none /tmp/m 2>/dev/null; then echo mount ok; else echo mount denied; fi
[ "$(head -c 1 /proc/timer_list 2>/dev/null | wc -c)" = 1 ] && echo timer_list shown || echo timer_list masked
o=$(cat /proc/sys/vm/overcommit_memory)
(echo $o >/proc/sys/vm/overcommit_memory) 2>/dev/null && echo /proc/sys rw || echo /proc/sys ro
mkdir /sys/fs/cgroup/x 2>/dev/null && rmdir /sys/fs/cgroup/x && echo cgroupfs rw || echo cgroupfs ro
echo "cgroup $(cat /proc/self/cgroup) $(cat /sys/fs/cgroup/memory.max)"'

# check WHAT WANT [sandbox run options...]
check() {
	what=$1 want=$2
	shift 2
	run sandbox run "$@" "$img" sh -c "$probe"
	expect_eq "$what: exit status" "$rc" 0
	expect_eq "$what: stderr" "$err" ""
	expect_eq "$what" "$out" "$want"
}
# want PRM BND NNP MOUNT MASKED: the probe's lines for permitted = effective
# = PRM, bounding BND, inheritable and ambient empty; MASKED yes or no
want() {
	printf 'CapInh: %016x\nCapPrm: %s\nCapEff: %s\nCapBnd: %s\nCapAmb: %016x\nNoNewPrivs: %s\nmount %s\n' \
		0 "$1" "$1" "$2" 0 "$3" "$4"
	case $5 in
	yes) printf 'timer_list masked\n/proc/sys ro\ncgroupfs ro' ;;
	no) printf 'timer_list shown\n/proc/sys rw\ncgroupfs rw' ;;
	esac
	# its own cgroup namespace: its group is "/", and /sys/fs/cgroup is that group
	printf '\ncgroup 0::/ max'
}
check "default (root)" "$(want 00000000a80425fb 00000000a80425fb 0 denied yes)"
check "another user" "$(want 0000000000000000 00000000a80425fb 0 denied yes)" -u 4242:4242
check "--cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges" \
	"$(want 0000000000000400 0000000000000400 1 denied yes)" \
	--cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges
check "--cap-add sys_admin --cap-drop CAP_KILL,NET_RAW" \
	"$(want 00000000a82405db 00000000a82405db 0 ok yes)" --cap-add sys_admin --cap-drop CAP_KILL,NET_RAW
check "--privileged" "$(want 000001ffffffffff 000001ffffffffff 0 ok no)" --privileged

run sandbox run --cap-add NET_ADMIN,BOGUS "$img" true
expect_eq "unknown capability: exit status" "$rc" 125
case $err in *"unknown capability \`BOGUS\`"*) ;; *) fail "unknown capability: message [$err]" ;; esac
run sandbox run --security-opt seccomp=unconfined "$img" true
expect_eq "--security-opt seccomp: exit status" "$rc" 125
case $err in *"not supported"*) ;; *) fail "--security-opt seccomp: message [$err]" ;; esac
