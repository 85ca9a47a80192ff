# One boot (--debug: its virtio-fs counters) with five volumes (a :ro directory, a read-write one with traps
# planted by the host, a :ro and a read-write file bind, the tools), two tmpfs mounts and --read-only:
# - :ro refuses writes with EROFS, also after the guest's root remounts it
#   read-write (the file server refuses them), and the host tree is unchanged;
# - the root file system is read-only, the tmpfs mounts and /dev/shm are not;
# - --tmpfs size and mode, --mount type=tmpfs's mode;
# - a file bind shows that one file, read-only (:ro) or written in place;
#   the guest's root mounting the file bind's virtio-fs tag again (vol2,
#   vol4: run_vol.c numbers the binds in command-line order) sees that one
#   file and nothing else of its host directory, and can make, remove or
#   rename no name there (the file server serves one file);
# - host symlinks (absolute, and .. out of the share) are resolved by the
#   guest in its own tree and reach nothing of the host's; a host device node
#   cannot be opened (nodev); the guest cannot make device nodes or setuid
#   files in the share.
. "$TESTS_DIR/lib.sh"
command -v fsprobe >/dev/null || fail "no fsprobe on PATH (make tools)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ro/sub" "$tmp/esc" "$tmp/tools" "$tmp/conf" "$tmp/conf2/sub"
cp "$(command -v fsprobe)" "$tmp/tools/fsprobe"
echo "read only" >"$tmp/ro/data"
echo "deep" >"$tmp/ro/sub/deep"
echo "SECRET-$$" >"$tmp/secret"
echo "setting=1" >"$tmp/conf/app.conf"
echo "SIBLING-$$" >"$tmp/conf/sibling"
echo "rw=1" >"$tmp/conf2/rw.conf"
echo "SIBLING2-$$" >"$tmp/conf2/sibling"
conf2_ino=$(stat -c %i "$tmp/conf2/rw.conf")
conf2_sum() { (cd "$tmp/conf2" && find . ! -name rw.conf | LC_ALL=C sort | while read -r f; do
	stat -c '%n %a %s %i' "$f"; [ -f "$f" ] && cat "$f"; done); }
conf2_before=$(conf2_sum)
ln -s "$tmp/secret" "$tmp/esc/abs"
ln -s ../secret "$tmp/esc/up"
mkfifo "$tmp/esc/fifo"
mknod "$tmp/esc/null" c 1 3
tree_sum() { (cd "$tmp/ro" && find . | LC_ALL=C sort | while read -r f; do
	stat -c '%n %a %s %Y' "$f"; [ -f "$f" ] && sha256sum <"$f"; done); }
before=$(tree_sum)

# --privileged: the guest is the strongest attacker, root with every capability
# (remounts, mounts of the tags); the host side must hold anyway
run sandbox run --debug --privileged --read-only -v "$tmp/ro:/ro:ro" -v "$tmp/esc:/esc" \
	-v "$tmp/conf/app.conf:/etc/app.conf:ro" -v "$tmp/tools:/tools:ro" \
	-v "$tmp/conf2/rw.conf:/etc/rw.conf" \
	--tmpfs /scratch:size=1m --mount type=tmpfs,target=/private,tmpfs-mode=0700 \
	"$IMAGES/busybox" sh -c '
	p() { echo "$1 $(/tools/fsprobe "$2" "$3")"; }
	p ro-create create /ro/new
	echo "ro-read $(cat /ro/sub/deep)"
	rm -f /ro/data 2>/dev/null; echo "ro-rm $?"
	mount -o remount,rw /ro && echo "ro-remounted"
	p ro-create-after-remount create /ro/new2
	mkdir /ro/dir 2>/dev/null; echo "ro-mkdir-after-remount $?"
	p root-create create /newfile
	p shm-create create /dev/shm/x
	p scratch-create create /scratch/x
	echo "scratch-opts $(grep " /scratch " /proc/mounts | cut -d" " -f4)"
	echo "private-mode $(stat -c %a /private)"
	echo "conf $(cat /etc/app.conf)"
	p conf-create create /etc/app.conf
	echo "conf-dir $(ls /etc | grep -c -e sibling -e SIBLING)"
	mkdir /scratch/m2 /scratch/m4
	mount -t virtiofs vol2 /scratch/m2 || mount -t virtiofs -o ro vol2 /scratch/m2
	echo "tag-ro-list $(ls -a /scratch/m2 | tr "\n" " ")"
	cat /scratch/m2/sibling 2>/dev/null; echo "tag-ro-sibling $?"
	echo "tag-ro-file $(cat /scratch/m2/app.conf)"
	echo "rw-conf $(cat /etc/rw.conf)"
	echo "rw=2" >/etc/rw.conf; echo "rw-conf-write $?"
	mount -t virtiofs vol4 /scratch/m4; echo "tag-rw-mount $?"
	echo "tag-rw-list $(ls -a /scratch/m4 | tr "\n" " ")"
	cat /scratch/m4/sibling 2>/dev/null; echo "tag-rw-sibling $?"
	echo "tag-rw-file $(cat /scratch/m4/rw.conf)"
	p tag-rw-create create /scratch/m4/new
	p tag-rw-create-sibling create /scratch/m4/sibling
	mkdir /scratch/m4/sub 2>/dev/null; echo "tag-rw-mkdir $?"
	mv /scratch/m4/rw.conf /scratch/m4/moved 2>/dev/null; echo "tag-rw-mv $?"
	ln /scratch/m4/rw.conf /scratch/m4/hard 2>/dev/null; echo "tag-rw-ln $?"
	ln -s /etc /scratch/m4/sym 2>/dev/null; echo "tag-rw-symlink $?"
	rm -f /scratch/m4/rw.conf 2>/dev/null; echo "tag-rw-rm $?"
	chmod 777 /scratch/m4 2>/dev/null; echo "tag-rw-chmod-root $?"
	echo "rw=3" >/scratch/m4/rw.conf; echo "tag-rw-write $?"
	cat /esc/abs /esc/up 2>/dev/null; echo "links $? $(readlink /esc/abs | grep -c secret)"
	p dev-open open /esc/null
	mknod /esc/mydev c 1 3 2>/dev/null; echo "mknod $?"
	cp /tools/fsprobe /esc/suid && chmod 4755 /esc/suid; echo "chmod $?"
	echo end'
expect_eq "exit status (stderr: $(echo "$err" | grep '^sandbox'))" "$rc" 0
# --debug's counters: requests went through, none malformed, no bad replies
vols=$(echo "$err" | grep '^sandbox: volumes: ')
case $vols in *"(0 malformed), 0 bad server messages"*) ;; *) fail "--debug: [$vols]" ;; esac
[ "$(echo "$vols" | sed 's/^sandbox: volumes: \([0-9]*\) requests.*/\1/')" -gt 10 ] ||
	fail "--debug: too few requests: [$vols]"
line() { echo "$out" | sed -n "s/^$1 //p"; }
expect_eq ":ro create" "$(line ro-create)" EROFS
expect_eq ":ro read" "$(line ro-read)" deep
[ "$(line ro-rm)" != 0 ] || fail ":ro rm succeeded"
case $out in *ro-remounted*) ;; *) echo "note: the guest could not remount /ro read-write" ;; esac
case $(line ro-create-after-remount) in ok) fail ":ro create after the guest's remount succeeded" ;; esac
[ "$(line ro-mkdir-after-remount)" != 0 ] || fail ":ro mkdir after the guest's remount succeeded"
expect_eq "--read-only: create in /" "$(line root-create)" EROFS
expect_eq "--read-only: /dev/shm" "$(line shm-create)" ok
expect_eq "--tmpfs: create" "$(line scratch-create)" ok
case ,$(line scratch-opts), in *,size=1024k,*) ;; *) fail "--tmpfs size: $(line scratch-opts)" ;; esac
case ,$(line scratch-opts), in *,noexec,*) ;; *) fail "--tmpfs noexec: $(line scratch-opts)" ;; esac
expect_eq "--mount tmpfs-mode" "$(line private-mode)" 700
expect_eq "file bind" "$(line conf)" setting=1
expect_eq "file bind is read-only" "$(line conf-create)" EROFS
expect_eq "file bind shows no sibling" "$(line conf-dir)" 0
expect_eq ":ro file bind's tag mounted again lists" "$(line tag-ro-list)" ". .. app.conf "
[ "$(line tag-ro-sibling)" != 0 ] || fail ":ro file bind's tag: the sibling was read"
expect_eq ":ro file bind's tag: the file" "$(line tag-ro-file)" setting=1
expect_eq "rw file bind read" "$(line rw-conf)" rw=1
expect_eq "rw file bind written" "$(line rw-conf-write)" 0
expect_eq "rw file bind's tag mounted again" "$(line tag-rw-mount)" 0
expect_eq "rw file bind's tag mounted again lists" "$(line tag-rw-list)" ". .. rw.conf "
[ "$(line tag-rw-sibling)" != 0 ] || fail "rw file bind's tag: the sibling was read"
expect_eq "rw file bind's tag: the file" "$(line tag-rw-file)" rw=2
expect_eq "rw file bind's tag: create" "$(line tag-rw-create)" EPERM
expect_eq "rw file bind's tag: create over the sibling" "$(line tag-rw-create-sibling)" EPERM
for op in mkdir mv ln symlink rm chmod-root; do
	[ "$(line tag-rw-$op)" != 0 ] || fail "rw file bind's tag: $op succeeded"
done
expect_eq "rw file bind's tag: the file written" "$(line tag-rw-write)" 0
case $out in *SECRET*) fail "a host symlink reached the host's file: $out" ;; esac
expect_eq "host symlinks stay links" "$(line links | cut -d' ' -f2)" 1
expect_eq "host device node" "$(line dev-open)" EACCES
expect_eq "last line" "$(echo "$out" | tail -n 1)" end

[ "$(tree_sum)" = "$before" ] || fail "the :ro tree changed on the host"
[ ! -e "$tmp/ro/new" ] && [ ! -e "$tmp/ro/new2" ] && [ ! -e "$tmp/ro/dir" ] ||
	fail "a file appeared in the :ro tree"
if [ -b "$tmp/esc/mydev" ] || [ -c "$tmp/esc/mydev" ]; then
	fail "the guest made a device node on the host"
fi
[ -p "$tmp/esc/fifo" ] || fail "the host FIFO is gone"
expect_eq "no setuid bit on the host" "$(stat -c %a "$tmp/esc/suid" 2>/dev/null || echo none)" 755
expect_eq "secret untouched" "$(cat "$tmp/secret")" "SECRET-$$"
expect_eq "rw file bind: written in place on the host" "$(cat "$tmp/conf2/rw.conf")" rw=3
expect_eq "rw file bind: same inode" "$(stat -c %i "$tmp/conf2/rw.conf")" "$conf2_ino"
[ "$(conf2_sum)" = "$conf2_before" ] || fail "the rw file bind's directory changed: $(ls -la "$tmp/conf2")"
expect_eq ":ro file bind's sibling untouched" "$(cat "$tmp/conf/sibling")" "SIBLING-$$"
