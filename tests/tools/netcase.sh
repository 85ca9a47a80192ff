# Helpers for the network integration cases (POSIX sh, sourced after lib.sh;
# they run under busybox in the test host, or with iproute2 natively).

# netns_up: a network namespace of the test's own, held by a sleeping process
# ($netns_pid), joined to the test host by a veth pair: the test host is
# 10.77.0.1 on sbx0, the namespace 10.77.0.2 on sbx1 (and its own lo). Nothing
# in it reaches beyond the test host. Run a server in it with
# `netns_exec CMD...`; netns_down removes it (the pair goes with the namespace).
# Needs veth (the test host loads veth.ko) and unshare/nsenter.
netns_pid=
netns_up() {
	unshare -n sleep 100000 &
	netns_pid=$!
	ip link add sbx0 type veth 2>/dev/null ||
		skip "cannot create a veth pair (no veth module?): the server's namespace needs one"
	# busybox ip ignores `peer name`: the kernel named the other end vethN
	_peer=$(ip -o link | sed -n 's/^[0-9]*: \([^@:]*\)@sbx0:.*/\1/p')
	[ -n "$_peer" ] || fail "no peer of sbx0 in: $(ip -o link)"
	_i=0
	until ip link set "$_peer" netns "$netns_pid" 2>/dev/null; do
		_i=$((_i + 1)) # until unshare has made the namespace
		[ $_i -lt 50 ] || fail "cannot move $_peer into the namespace of $netns_pid"
		sleep 0.1
	done
	ip addr add 10.77.0.1/24 dev sbx0 && ip link set sbx0 up || fail "cannot set up sbx0"
	netns_exec sh -c "ip link set lo up && ip link set $_peer name sbx1 &&
		ip addr add 10.77.0.2/24 dev sbx1 && ip link set sbx1 up" ||
		fail "cannot set up sbx1 in the namespace"
}
netns_exec() { nsenter -t "$netns_pid" -n "$@"; }
netns_down() {
	[ -n "$netns_pid" ] && kill "$netns_pid" 2>/dev/null
	ip link del sbx0 2>/dev/null
	netns_pid=
}

# netpeer_image DIR EXPOSED_JSON: an OCI layout at DIR: the busybox test image
# plus a layer with netpeer at /usr/local/bin/netpeer, and the config's
# ExposedPorts set to EXPOSED_JSON (e.g. '{"80/tcp":{},"53/udp":{}}', or ''
# for none). The guest runs netpeer without it crossing stdin.
netpeer_image() {
	_d=$1 _base="$IMAGES/busybox"
	_np=$(command -v netpeer) || fail "no netpeer on PATH (make tools)"
	mkdir -p "$_d/blobs/sha256" "$_d.stage/usr/local/bin" || fail "mkdir $_d"
	cp "$_np" "$_d.stage/usr/local/bin/netpeer" && chmod 755 "$_d.stage/usr/local/bin/netpeer"
	tar -cf "$_d.layer" -C "$_d.stage" usr || fail "tar of the netpeer layer"
	_layer=$(sha256sum "$_d.layer" | cut -d' ' -f1)
	_lsize=$(wc -c <"$_d.layer")
	mv "$_d.layer" "$_d/blobs/sha256/$_layer"
	rm -rf "$_d.stage"
	# the base: its one manifest, config and layer
	_bm=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$_base/index.json")
	_bc=$(sed 's/"layers".*//' "$_base/blobs/sha256/$_bm" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')
	_bl=$(sed 's/.*"layers"//' "$_base/blobs/sha256/$_bm" | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')
	[ -n "$_bm" ] && [ -n "$_bc" ] && [ -n "$_bl" ] || fail "cannot read $_base"
	cp "$_base/blobs/sha256/$_bl" "$_d/blobs/sha256/"
	_ports=
	[ -n "$2" ] && _ports="\"ExposedPorts\":$2,"
	sed -e "s|\"config\":{|&$_ports|" \
		-e "s/\"diff_ids\":\[\([^]]*\)\]/\"diff_ids\":[\1,\"sha256:$_layer\"]/" \
		"$_base/blobs/sha256/$_bc" >"$_d/config" || fail "netpeer_image: config"
	grep -q "sha256:$_layer" "$_d/config" || fail "netpeer_image: no diff_id added"
	_c=$(sha256sum "$_d/config" | cut -d' ' -f1)
	_csize=$(wc -c <"$_d/config")
	mv "$_d/config" "$_d/blobs/sha256/$_c"
	_lt='"mediaType":"application/vnd.oci.image.layer.v1.tar"'
	sed -e "s/\"sha256:$_bc\",\"size\":[0-9]*/\"sha256:$_c\",\"size\":$_csize/" \
		-e "s|\]}\$|,{$_lt,\"digest\":\"sha256:$_layer\",\"size\":$_lsize}]}|" \
		"$_base/blobs/sha256/$_bm" >"$_d/manifest" || fail "netpeer_image: manifest"
	_m=$(sha256sum "$_d/manifest" | cut -d' ' -f1)
	_msize=$(wc -c <"$_d/manifest")
	mv "$_d/manifest" "$_d/blobs/sha256/$_m"
	sed "s/\"sha256:$_bm\",\"size\":[0-9]*/\"sha256:$_m\",\"size\":$_msize/" \
		"$_base/index.json" >"$_d/index.json" || fail "netpeer_image: index"
	cp "$_base/oci-layout" "$_d/"
}

# vmm_mem PID: "OWN GUEST" for sandbox process PID, in KiB: OWN is its
# resident memory outside the guest's RAM (what the VMM itself holds), GUEST
# the size of the guest's RAM mapping, the one mapping the VMM advises for
# huge pages (host/vmm/memory.c: VmFlags "hg"). Prints nothing (and returns
# 1) when that mapping is not there exactly once.
vmm_mem() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { split($1, a, "-"); size = ("0x" a[2]) - ("0x" a[1]) }
	/^Rss:/ { rss = $2; total += $2 }
	/^VmFlags:/ && / hg( |$)/ { guest += rss; gsize += size; n++ }
	END { if (n != 1) exit 1; print total - guest, gsize / 1024 }' "/proc/$1/smaps"
}
