/* The host <-> guest ABI: paths, I/O ports and run-config (FDT) names shared by
 * the VMM (host/) and the PID 1 (guest-init/). Changing anything here is a
 * format change: bump SANDBOX_ABI_VERSION. */
#ifndef SANDBOX_ABI_H
#define SANDBOX_ABI_H

#define SANDBOX_ABI_VERSION 8

/* Files the host puts into the initramfs. /.sandbox is hidden from the
 * workload once PID 1 has read it. */
#define ABI_DIR "/.sandbox"
#define ABI_INIT_PATH "/.sandbox/init"
#define ABI_CONFIG_PATH "/.sandbox/config.dtb"

/* Paravirtual I/O ports served by the VMM (host/vmm/devices/hostio.c).
 *
 * ABI_PORT_EXIT: a 32-bit OUT ends the VM. Bits 0-7 are the workload's exit
 * status (already mapped: signal N -> 128+N). If ABI_EXIT_INIT_FAILED is set,
 * guest init itself failed (bad config, mount failure, ...): the host reports
 * a sandbox failure (exit 125) using the message last written to
 * ABI_PORT_STDERR.
 *
 * ABI_PORT_STDOUT / ABI_PORT_STDERR: byte OUTs (typically `rep outsb`)
 * carry the workload's stdout and stderr, binary-safe, in order.
 * Fallback only: guest init uses the virtio-console ports below when they
 * exist, and these ports when the VMM has no virtio console. */
#define ABI_PORT_EXIT 0x510
#define ABI_PORT_STDOUT 0x511
#define ABI_PORT_STDERR 0x512
#define ABI_PORT_FIRST 0x510
#define ABI_PORT_COUNT 3
/* Ports the guest ioperm()s: the CPU checks every byte an OUT covers in the
 * I/O bitmap, so the 32-bit OUT to ABI_PORT_EXIT needs 0x510-0x513. The VMM
 * still serves only the ABI_PORT_COUNT ports above. */
#define ABI_PORT_IOPERM_COUNT 4
#define ABI_EXIT_INIT_FAILED 0x100u

/* Run config: a flattened device tree, sent on the control port (ABI_CTL_CONFIG)
 * when init asks for it, or a file at ABI_CONFIG_PATH (an exported initrd,
 * for another VMM; init reads the file when there is one).
 *
 *   / {
 *       compatible = "sandbox,run-config";
 *       version = <8>;                     u32, == SANDBOX_ABI_VERSION
 *       argv = "sh", "-c", "...";          string list, >= 1 entry
 *       env = "PATH=/bin", ...;            string list, may be empty
 *       cwd = "/";                         string, absolute
 *       user = "1000:1000";                docker -u syntax: name|uid[:group|gid]
 *       hostname = "sandbox";              string
 *       time-ns = /bits/ 64 <...>;         u64, host CLOCK_REALTIME in ns
 *       random-seed = [...];               bytes, optional: ABI_SEED_MIN..ABI_SEED_MAX
 *                                          fresh random bytes from the host (it sends
 *                                          ABI_SEED_BYTES); init credits them to the
 *                                          kernel's pool (RNDADDENTROPY) and reseeds
 *                                          the CRNG (RNDRESEEDCRNG) before anything
 *                                          else, so VMs that share a boot (a restored
 *                                          snapshot) never share their random numbers
 *       tty = <0>;                         u32, 0 or 1
 *       winsize = <24 80>;                 u32 rows, u32 cols: the pty's first size
 *       hold = <1>;                        u32 0/1, optional: set everything up, then
 *                                          start the workload only on ABI_CTL_START
 *       groups = <10 20>;                  u32 list, optional: supplementary groups
 *                                          added to the user's (at most ABI_GROUPS_MAX)
 *       capabilities = /bits/ 64 <B E P I A>;  optional: the workload's bounding,
 *                                          effective, permitted, inheritable and ambient
 *                                          sets, bit masks of CAP_* numbers (bits above
 *                                          the kernel's last capability are ignored);
 *                                          absent: every capability kept
 *       capabilities-root-only = <1>;      u32 0/1, optional: the effective, permitted,
 *                                          inheritable and ambient sets apply only when
 *                                          the user is uid 0; any other uid starts with
 *                                          them empty (docker's behaviour)
 *       masked-paths = "/proc/kcore", ...; string list, optional: absolute paths made
 *                                          empty for the workload (masks.c; at most
 *                                          ABI_MASKS_MAX, a missing one skipped)
 *       readonly-paths = "/proc/sys", ...; string list, optional: absolute paths made
 *                                          read-only for it
 *       no-new-privileges = <1>;           u32 0/1, optional: PR_SET_NO_NEW_PRIVS
 *                                          before exec
 *       rlimits = /bits/ 64 <7 1024 4096>; optional: u64 triplets RESOURCE SOFT HARD
 *                                          (RLIMIT_* numbers < ABI_RLIMITS_MAX, at most
 *                                          ABI_RLIMITS_MAX triplets, SOFT <= HARD,
 *                                          2^64-1 unlimited), set before the workload
 *                                          drops its privileges
 *       exec = <1>;                        u32 0/1, optional: the host serves the exec
 *                                          port (ABI_VPORT_EXEC); init waits for it and
 *                                          runs the sessions it carries
 *       pid-namespace = <1>;               u32 0/1, optional: the workload is PID 1 of
 *                                          a PID namespace of its own (an OCI spec's
 *                                          pid namespace: signals it has no handler
 *                                          for do not end it, as under runc)
 *       limits {                           optional node, each prop optional
 *           memory-max = /bits/ 64 <...>;  u64 bytes, cgroup memory.max
 *           pids-max = /bits/ 64 <...>;    u64, cgroup pids.max
 *           cpu-quota-us = /bits/ 64 <..>; u64, with cpu-period-us: cpu.max
 *           cpu-period-us = /bits/ 64 <..>;
 *       };
 *       network {                          optional node (absent: mode "none")
 *           mode = "nic";                  "none" (lo only) or "nic" (one NIC)
 *           mtu = <65520>;                 u32, nic only; absent: the device's
 *           address = "10.0.2.15";         IPv4 text, required with nic
 *           prefix-length = <24>;          u32 1..32, with address
 *           gateway = "10.0.2.2";          IPv4 text, nic only, in the subnet;
 *                                          absent: no default route
 *           ipv6 = <0>;                    u32 0/1; 0: IPv6 disabled everywhere
 *           address6 = "fec0::15";         IPv6 text, nic + ipv6 only; absent:
 *           prefix-length6 = <64>;         (u32 1..128) autoconfiguration only
 *           gateway6 = "fec0::2";          IPv6 text, with address6
 *           dns-servers = "10.0.2.3", ...; string list of IPv4/IPv6 texts
 *           dns-search = "example.com";    string list of domain names
 *           dns-options = "ndots:2", ...;  string list of resolv.conf options
 *           extra-hosts = "db", "10.0.2.9", ...; string list: NAME, IP pairs
 *       };
 *       mounts {                           optional node: volumes and tmpfs mounts
 *           readonly-rootfs = <1>;         u32 0/1: / read-only once set up (--read-only)
 *           m0 {                           one subnode per mount, mounted in name
 *                                          order m0, m1, ... (parents first)
 *               type = "virtiofs";         "virtiofs" or "tmpfs"
 *               target = "/data";          absolute guest path
 *               readonly = <1>;            u32 0/1
 *               tag = "vol0";              virtiofs: the device's tag
 *               file = "app.conf";         virtiofs, optional: bind only this
 *                                          file of the share at target
 *               size = /bits/ 64 <...>;    tmpfs, optional: bytes
 *               mode = <01777>;            tmpfs: permission bits (<= 07777)
 *               exec = <0>;                tmpfs: u32 0/1 (0: noexec)
 *           };
 *       };
 *   };
 */
#define ABI_FDT_COMPATIBLE "sandbox,run-config"
#define ABI_PROP_VERSION "version"
#define ABI_PROP_ARGV "argv"
#define ABI_PROP_ENV "env"
#define ABI_PROP_CWD "cwd"
#define ABI_PROP_USER "user"
#define ABI_PROP_HOSTNAME "hostname"
#define ABI_PROP_TIME_NS "time-ns"
#define ABI_PROP_SEED "random-seed"
#define ABI_SEED_BYTES 64
#define ABI_SEED_MIN 16
#define ABI_SEED_MAX 256
#define ABI_PROP_TTY "tty"
#define ABI_PROP_WINSIZE "winsize"
#define ABI_PROP_HOLD "hold"
#define ABI_PROP_PID_NS "pid-namespace"
#define ABI_PROP_EXEC "exec"
#define ABI_PROP_RLIMITS "rlimits"
#define ABI_PROP_GROUPS "groups"
#define ABI_PROP_CAPS "capabilities"
#define ABI_PROP_CAPS_ROOT_ONLY "capabilities-root-only"
#define ABI_PROP_NO_NEW_PRIVS "no-new-privileges"
#define ABI_PROP_MASKED_PATHS "masked-paths"
#define ABI_PROP_READONLY_PATHS "readonly-paths"
#define ABI_MASKS_MAX 64
#define ABI_CAP_SETS 5 /* bounding, effective, permitted, inheritable, ambient */
#define ABI_GROUPS_MAX 256
#define ABI_RLIMITS_MAX 16
#define ABI_NODE_LIMITS "limits"
#define ABI_PROP_MEMORY_MAX "memory-max"
#define ABI_PROP_PIDS_MAX "pids-max"
#define ABI_PROP_CPU_QUOTA "cpu-quota-us"
#define ABI_PROP_CPU_PERIOD "cpu-period-us"
#define ABI_NODE_NETWORK "network"
#define ABI_PROP_NET_MODE "mode"
#define ABI_PROP_NET_MTU "mtu"
#define ABI_PROP_NET_ADDRESS "address"
#define ABI_PROP_NET_PREFIX "prefix-length"
#define ABI_PROP_NET_GATEWAY "gateway"
#define ABI_PROP_NET_IPV6 "ipv6"
#define ABI_PROP_NET_ADDRESS6 "address6"
#define ABI_PROP_NET_PREFIX6 "prefix-length6"
#define ABI_PROP_NET_GATEWAY6 "gateway6"
#define ABI_PROP_NET_DNS "dns-servers"
#define ABI_PROP_NET_SEARCH "dns-search"
#define ABI_PROP_NET_DNS_OPTIONS "dns-options"
#define ABI_PROP_NET_HOSTS "extra-hosts"
#define ABI_NET_MODE_NONE "none"
#define ABI_NET_MODE_NIC "nic"
#define ABI_NODE_MOUNTS "mounts"
#define ABI_PROP_MNT_RO_ROOTFS "readonly-rootfs"
#define ABI_PROP_MNT_TYPE "type"
#define ABI_PROP_MNT_TARGET "target"
#define ABI_PROP_MNT_READONLY "readonly"
#define ABI_PROP_MNT_TAG "tag"
#define ABI_PROP_MNT_FILE "file"
#define ABI_PROP_MNT_SIZE "size"
#define ABI_PROP_MNT_MODE "mode"
#define ABI_PROP_MNT_EXEC "exec"
#define ABI_MNT_VIRTIOFS "virtiofs"
#define ABI_MNT_TMPFS "tmpfs"

/* Presence and values (host/runconfig.c writes, guest-init/config.c checks):
 * compatible, version and argv are required; every other property is
 * optional (defaults: env empty, cwd "/", user "" = root, hostname "sandbox",
 * time-ns absent = leave the clock alone, tty 0). Unknown properties or
 * subnodes are rejected; the blob is a version 17 FDT (as libfdt writes).
 * argv[0] is non-empty; each env entry is NAME=VALUE with a non-empty NAME;
 * cwd is absolute. A limits property, when present, is never 0 (absent =
 * unlimited); cpu-period-us defaults to ABI_CPU_PERIOD_DEFAULT and is only
 * allowed together with cpu-quota-us. winsize is only allowed with tty = <1>,
 * each cell in 1..ABI_WINSIZE_MAX (absent: the kernel's default 0x0 until an
 * ABI_CTL_WINSIZE frame). hostname is 1..ABI_HOSTNAME_MAX bytes of letters,
 * digits, '-', '_', '.'.
 *
 * network (guest-init/config_net.c checks, guest-init/net.c applies): mode
 * is required in the node; address, prefix-length, mtu, gateway, address6,
 * prefix-length6 and gateway6 only with "nic" (address and prefix-length
 * together, address6 and prefix-length6 together, the 6 ones only with
 * ipv6 = <1>); a gateway lies inside its subnet and is not the address.
 * Addresses are parsed with inet_pton and written back canonical. Names
 * (dns-search, extra-hosts names) are 1..ABI_NET_NAME_MAX bytes of letters,
 * digits, '-', '_', '.'; dns-options entries 1..ABI_NET_OPTION_MAX bytes of
 * letters, digits, ':', '-', '_', '.'. Init always writes /etc/hosts and
 * /etc/hostname (as docker does, also for "none"), and /etc/resolv.conf only
 * when the node has a dns-servers, dns-search or dns-options property.
 *
 * mounts (guest-init/config_mounts.c checks, guest-init/volumes.c applies):
 * subnodes m0..mN-1 (at most ABI_MAX_MOUNTS, each name once, no gaps), each
 * with type and target; tag (1..ABI_MNT_TAG_MAX bytes) required with and only
 * with virtiofs, file (one path component, not . or ..) only with it; size,
 * mode and exec only with tmpfs. Targets are absolute, without `.` or `..`
 * components, never / itself. virtiofs mounts are nosuid,nodev; tmpfs ones
 * nosuid,nodev and noexec unless exec = <1>. Init creates missing targets
 * (an empty file for a file bind) before mounting. */

/* Bounds the guest enforces on the blob (and the host respects). */
#define ABI_CONFIG_MAX_BYTES (1u << 20)
#define ABI_MAX_ARGS 4096
#define ABI_MAX_ENV 4096
#define ABI_PATH_MAX 4096	   /* cwd and user, including the NUL */
#define ABI_HOSTNAME_MAX 64	   /* bytes, excluding the NUL (HOST_NAME_MAX) */
#define ABI_CPU_PERIOD_MIN 1000ull /* the kernel's cpu.max period range */
#define ABI_CPU_PERIOD_MAX 1000000ull
#define ABI_CPU_PERIOD_DEFAULT 100000ull
#define ABI_CPU_QUOTA_MIN 1000ull
#define ABI_CPU_QUOTA_MAX (1ull << 40)
#define ABI_WINSIZE_MAX 65535u /* rows and cols (struct winsize has 16-bit fields) */
#define ABI_NET_MTU_MIN 68u    /* IPv4's minimum (IPv6 needs 1280) */
#define ABI_NET_MTU_MAX 65535u
#define ABI_NET_MAX_DNS 16     /* dns-servers entries */
#define ABI_NET_MAX_SEARCH 32  /* dns-search entries */
#define ABI_NET_MAX_OPTIONS 32 /* dns-options entries */
#define ABI_NET_MAX_HOSTS 256  /* extra-hosts NAME, IP pairs */
#define ABI_NET_NAME_MAX 253   /* bytes of a name, excluding the NUL */
#define ABI_NET_OPTION_MAX 64  /* bytes of a dns option, excluding the NUL */
#define ABI_MAX_MOUNTS 64      /* mounts subnodes */
#define ABI_MNT_TAG_MAX 36     /* bytes of a virtio-fs tag, excluding the NUL */
#define ABI_MNT_FILE_MAX 255   /* bytes of a file name, excluding the NUL */

/* virtio-console ports (host/vmm/virtio/console.c). The VMM offers one
 * virtio-console device with VIRTIO_CONSOLE_F_MULTIPORT: port 0 is a plain
 * console (hvc0, output goes to the kernel log), then one named port per
 * stream below. The guest finds them by name in
 * /sys/class/virtio-ports/vportNpM/name; the device node is /dev/vportNpM.
 *
 *   stdin:   host -> guest. Read from the host only while the guest has the
 *            port open and has posted buffers (no unbounded buffering).
 *            Host EOF (or no stdin at all) = the host side closes the port
 *            (VIRTIO_CONSOLE_PORT_OPEN 0): guest reads then return 0.
 *   stdout, stderr: guest -> host, binary-safe, in order.
 *   control: framed messages both ways (ABI_CTL_* below).
 *   exec:    optional (only when the host serves `exec`, e.g. sandbox-runtime):
 *            sessions of extra processes in the running sandbox, framed both
 *            ways as host/vmm/virtio/execproto.h describes. The guest starts
 *            each one like the workload (its cgroup and PID namespace), as
 *            the user the session's config names. */
#define ABI_VPORT_STDIN "sandbox.stdin"
#define ABI_VPORT_STDOUT "sandbox.stdout"
#define ABI_VPORT_STDERR "sandbox.stderr"
#define ABI_VPORT_CONTROL "sandbox.control"
#define ABI_VPORT_EXEC "sandbox.exec"

/* Control port frames: a stream of fixed ABI_CTL_FRAME_SIZE-byte frames,
 *
 *   byte 0     ABI_CTL_MAGIC
 *   byte 1     type (ABI_CTL_EXIT, ...)
 *   bytes 2-3  zero
 *   bytes 4-7  value, little-endian u32
 *
 * guest -> host:
 *   ABI_CTL_EXIT     value exactly as for ABI_PORT_EXIT: bits 0-7 the exit
 *                    status, ABI_EXIT_INIT_FAILED when init itself failed
 *                    (no other bits). Ends the VM like the ABI_PORT_EXIT
 *                    OUT, after the host has written out everything already
 *                    queued on the stdout and stderr ports.
 *   ABI_CTL_UPTIME_INIT, ABI_CTL_UPTIME_READY, ABI_CTL_UPTIME_END,
 *   ABI_CTL_UPTIME_CONFIG
 *                    value = the guest's CLOCK_BOOTTIME in microseconds
 *                    (saturated at 2^32 - 1) when init started, when the
 *                    workload started, when it ended (sent before
 *                    ABI_CTL_EXIT), and when the run config arrived (a
 *                    restored VM's first moment of its run). Only recorded:
 *                    --debug's timing breakdown. Optional, any value.
 * host -> guest:
 *   ABI_CTL_SIGNAL   value = signal number, 1..64, to deliver to the workload
 *   ABI_CTL_WINSIZE  value = rows << 16 | cols, the host terminal's size
 *   ABI_CTL_START    value 0: start the workload of a config with hold = <1>
 *                    (sandbox-runtime's `start`); ignored at any other time
 *   ABI_CTL_CONFIG   value = n, 1..ABI_CONFIG_MAX_BYTES: the next n bytes
 *                    on the port are the run config (the FDT otherwise at
 *                    ABI_CONFIG_PATH), then frames again. The host sends it
 *                    once, after ABI_CTL_CONFIG_WAIT, before any other frame.
 *
 * A frame with a wrong magic, non-zero bytes 2-3, an unknown type or a value
 * out of range is a protocol error: the host ends the VM with a reason; the
 * guest should ignore the frame. host/vmm/virtio/ctlproto.c encodes and
 * decodes (libc-free, usable by guest-init). */
#define ABI_CTL_FRAME_SIZE 8
#define ABI_CTL_MAGIC 0x53u /* 'S' */
#define ABI_CTL_EXIT 1u
#define ABI_CTL_SIGNAL 2u
#define ABI_CTL_WINSIZE 3u
#define ABI_CTL_UPTIME_INIT 4u
#define ABI_CTL_UPTIME_READY 5u
#define ABI_CTL_UPTIME_END 6u
#define ABI_CTL_START 7u
#define ABI_CTL_CONFIG_WAIT 8u
#define ABI_CTL_CONFIG 9u
#define ABI_CTL_UPTIME_CONFIG 10u
#define ABI_CTL_SIGNAL_MAX 64u

#endif
