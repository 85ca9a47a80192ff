# Container engines in the test host (tests/testhost/run --hostroot), for
# tests/runtime/inside and bench/runtime-inner: sourced (bash).
#
# engines_podman IMAGES: podman configured for a host without systemd, storage
# on tmpfs, IMAGES/busybox loaded as localhost/rt-busybox.
# engines_containerd IMAGES DIR: containerd started (its pid in $ctrd, its log
# in DIR), the same image imported for ctr.

engines_podman() {
	local images=$1 t
	# cgroup v2 controllers for the containers' cgroups (--memory needs memory)
	echo "+cpu +memory +pids +io" >/sys/fs/cgroup/cgroup.subtree_control

	# podman: no systemd here (cgroupfs, events and logs in files); CNI pinned: it
	# is what podman 4.3 picks on Debian 12 without netavark (containernetworking-
	# plugins and /etc/cni/net.d/87-podman-bridge.conflist), named so that
	# installing netavark later does not switch the suite's network under it.
	# Storage: the overlay driver on the tmpfs /var/lib/containers (the kernel's
	# overlayfs on tmpfs works; /var/lib/containers must not be the root's overlay).
	mkdir -p /etc/containers
	cat >/etc/containers/containers.conf <<'C'
[containers]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "cni"
C
	cat >/etc/containers/storage.conf <<'C'
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
C
	t=$SECONDS
	podman pull -q "oci:$images/busybox:latest" >/dev/null
	podman tag "localhost$images/busybox:latest" localhost/rt-busybox:latest
	echo "runtime-tests: podman image loaded in $((SECONDS - t))s"
}

engines_containerd() {
	local images=$1 dir=$2 t=$SECONDS
	mkdir -p /etc/containerd
	# no CRI (no kubelet here): less to start
	cat >/etc/containerd/config.toml <<-'C'
		version = 2
		root = "/var/lib/containerd"
		state = "/run/containerd"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "/run/containerd/containerd.sock"
	C
	containerd --config /etc/containerd/config.toml >"$dir/containerd.log" 2>&1 &
	ctrd=$!
	for _ in $(seq 60); do
		ctr version >/dev/null 2>&1 && break
		sleep 1
	done
	ctr version >/dev/null || { tail -20 "$dir/containerd.log" >&2; return 1; }
	# ctr imports an OCI layout as a tar; its ref name "latest" is the tag
	tar -C "$images/busybox" -cf "$dir/busybox.tar" .
	ctr image import --base-name localhost/rt-busybox "$dir/busybox.tar" >/dev/null
	echo "runtime-tests: containerd up and image imported in $((SECONDS - t))s"
}
