# -u against the image's /etc/passwd and /etc/group (docker's rules): name,
# uid, uid:gid, name:group, the image's USER, supplementary groups, HOME, a
# missing user (125), and files created with umask 022. (/proc's Groups line
# is the kernel's sorted list; docker passes the gid in it too.) The default,
# root, is checked in 55-guest-system.
. "$TESTS_DIR/lib.sh"
img="$IMAGES/debian"
probe='id; grep "^Groups:" /proc/self/status | tr -s "\t " " " | sed "s/ $//"; echo "HOME=$HOME"; pwd'

# check WHAT WANT [sandbox run options...]
check() {
	what=$1 want=$2
	shift 2
	run sandbox run "$@" bash -c "$probe"
	expect_eq "$what: exit status" "$rc" 0
	expect_eq "$what: stderr" "$err" ""
	expect_eq "$what" "$out" "$want"
}
check "-u app" "uid=1000(app) gid=1000(app) groups=1000(app),29(audio),50(staff)
Groups: 29 50 1000
HOME=/home/app
/" -u app "$img"
check "-u 1 (daemon by uid)" "uid=1(daemon) gid=1(daemon) groups=1(daemon),50(staff)
Groups: 1 50
HOME=/usr/sbin
/" -u 1 "$img"
check "-u 4242:50 (no passwd entry)" "uid=4242 gid=50(staff) groups=50(staff)
Groups: 50
HOME=/
/" -u 4242:50 "$img"
check "-u app:audio" "uid=1000(app) gid=29(audio) groups=29(audio)
Groups: 29
HOME=/home/app
/" -u app:audio "$img"

# The image's USER and WorkingDir; files and directories get umask 022.
run sandbox run "$IMAGES/debian-app" bash -c "$probe"'
touch f && mkdir d && stat -c "%n %a %u:%g" f d'
expect_eq "image USER: exit status" "$rc" 0
expect_eq "image USER" "$out" "uid=1000(app) gid=1000(app) groups=1000(app),29(audio),50(staff)
Groups: 29 50 1000
HOME=/home/app
/home/app
f 644 1000:1000
d 755 1000:1000"

run sandbox run -u nosuch "$img" id
expect_eq "missing user: exit status" "$rc" 125
expect_eq "missing user: stdout" "$out" ""
case $err in
*"unable to find user nosuch: no matching entries in passwd file"*) ;;
*) fail "missing user: stderr [$err]" ;;
esac
