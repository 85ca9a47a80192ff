# The workload's capabilities are docker's: the default set (CapBnd a80425fb)
# for root, only the bounding set for another user, --cap-add/--cap-drop
# (ALL too), --privileged keeps all, --security-opt no-new-privileges; a
# capability outside the set really is missing (mount needs CAP_SYS_ADMIN).
# docker's masked paths too: /proc/timer_list empty, /proc/sys and /sys
# (cgroupfs included) read-only; --privileged has none of that.
# Bad names are refused before any VM (125).
. "$TESTS_DIR/lib.sh"
img="$IMAGES/busybox"
probe='grep -E "^(Cap|NoNewPrivs)" /proc/self/status | tr -s "\t " " "
mkdir -p /tmp/m && if mount -t tmpfs none /tmp/m 2>/dev/null; then echo mount ok; else echo mount denied; fi
[ "$(head -c 1 /proc/timer_list 2>/dev/null | wc -c)" = 1 ] && echo timer_list shown || echo timer_list masked
o=$(cat /proc/sys/vm/overcommit_memory)
(echo $o >/proc/sys/vm/overcommit_memory) 2>/dev/null && echo /proc/sys rw || echo /proc/sys ro
mkdir /sys/fs/cgroup/x 2>/dev/null && rmdir /sys/fs/cgroup/x && echo cgroupfs rw || echo cgroupfs ro'

# check WHAT WANT [sandbox run options...]
check() {
	what=$1 want=$2
	shift 2
	run sandbox run "$@" "$img" sh -c "$probe"
	expect_eq "$what: exit status" "$rc" 0
	expect_eq "$what: stderr" "$err" ""
	expect_eq "$what" "$out" "$want"
}
check "default (root)" "CapInh: 0000000000000000
CapPrm: 00000000a80425fb
CapEff: 00000000a80425fb
CapBnd: 00000000a80425fb
CapAmb: 0000000000000000
NoNewPrivs: 0
mount denied
timer_list masked
/proc/sys ro
cgroupfs ro"
check "another user" "CapInh: 0000000000000000
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 00000000a80425fb
CapAmb: 0000000000000000
NoNewPrivs: 0
mount denied
timer_list masked
/proc/sys ro
cgroupfs ro" -u 4242:4242
check "--cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges" "CapInh: 0000000000000000
CapPrm: 0000000000000400
CapEff: 0000000000000400
CapBnd: 0000000000000400
CapAmb: 0000000000000000
NoNewPrivs: 1
mount denied
timer_list masked
/proc/sys ro
cgroupfs ro" --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges
check "--cap-add sys_admin --cap-drop CAP_KILL,NET_RAW" "CapInh: 0000000000000000
CapPrm: 00000000a82405db
CapEff: 00000000a82405db
CapBnd: 00000000a82405db
CapAmb: 0000000000000000
NoNewPrivs: 0
mount ok
timer_list masked
/proc/sys ro
cgroupfs ro" --cap-add sys_admin --cap-drop CAP_KILL,NET_RAW
check "--privileged" "CapInh: 0000000000000000
CapPrm: 000001ffffffffff
CapEff: 000001ffffffffff
CapBnd: 000001ffffffffff
CapAmb: 0000000000000000
NoNewPrivs: 0
mount ok
timer_list shown
/proc/sys rw
cgroupfs rw" --privileged

run sandbox run --cap-add NET_ADMIN,BOGUS "$img" true
expect_eq "unknown capability: exit status" "$rc" 125
case $err in *"unknown capability \`BOGUS\`"*) ;; *) fail "unknown capability: message [$err]" ;; esac
run sandbox run --security-opt seccomp=unconfined "$img" true
expect_eq "--security-opt seccomp: exit status" "$rc" 125
case $err in *"not supported"*) ;; *) fail "--security-opt seccomp: message [$err]" ;; esac
