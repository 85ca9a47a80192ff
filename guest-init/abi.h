/* The host <-> guest ABI: paths, I/O ports and run-config (FDT) names shared by
 * the VMM (host/) and the PID 1 (guest-init/). Changing anything here is a
 * format change: bump SANDBOX_ABI_VERSION. */
#ifndef SANDBOX_ABI_H
#define SANDBOX_ABI_H

#define SANDBOX_ABI_VERSION 2

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

/* Run config: a flattened device tree at ABI_CONFIG_PATH.
 *
 *   / {
 *       compatible = "sandbox,run-config";
 *       version = <1>;                     u32, == SANDBOX_ABI_VERSION
 *       argv = "sh", "-c", "...";          string list, >= 1 entry
 *       env = "PATH=/bin", ...;            string list, may be empty
 *       cwd = "/";                         string, absolute
 *       user = "1000:1000";                docker -u syntax: name|uid[:group|gid]
 *       hostname = "sandbox";              string
 *       time-ns = /bits/ 64 <...>;         u64, host CLOCK_REALTIME in ns
 *       tty = <0>;                         u32, 0 or 1
 *       winsize = <24 80>;                 u32 rows, u32 cols: the pty's first size
 *       limits {                           optional node, each prop optional
 *           memory-max = /bits/ 64 <...>;  u64 bytes, cgroup memory.max
 *           pids-max = /bits/ 64 <...>;    u64, cgroup pids.max
 *           cpu-quota-us = /bits/ 64 <..>; u64, with cpu-period-us: cpu.max
 *           cpu-period-us = /bits/ 64 <..>;
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
#define ABI_PROP_TTY "tty"
#define ABI_PROP_WINSIZE "winsize"
#define ABI_NODE_LIMITS "limits"
#define ABI_PROP_MEMORY_MAX "memory-max"
#define ABI_PROP_PIDS_MAX "pids-max"
#define ABI_PROP_CPU_QUOTA "cpu-quota-us"
#define ABI_PROP_CPU_PERIOD "cpu-period-us"

/* Presence and values (host/runconfig.c writes, guest-init/config.c checks):
 * compatible, version and argv are required; every other property is
 * optional (defaults: env empty, cwd "/", user "" = root, hostname "sandbox",
 * time-ns absent = leave the clock alone, tty 0). Unknown properties or
 * subnodes are rejected. argv[0] is non-empty; each env entry is NAME=VALUE
 * with a non-empty NAME; cwd is absolute. A limits property, when present,
 * is never 0 (absent = unlimited); cpu-period-us defaults to
 * ABI_CPU_PERIOD_DEFAULT and is only allowed together with cpu-quota-us.
 * winsize is only allowed with tty = <1>, each cell in 1..ABI_WINSIZE_MAX
 * (absent: the kernel's default 0x0 until an ABI_CTL_WINSIZE frame). */

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
 *   control: framed messages both ways (ABI_CTL_* below). */
#define ABI_VPORT_STDIN "sandbox.stdin"
#define ABI_VPORT_STDOUT "sandbox.stdout"
#define ABI_VPORT_STDERR "sandbox.stderr"
#define ABI_VPORT_CONTROL "sandbox.control"

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
 *   ABI_CTL_UPTIME_INIT, ABI_CTL_UPTIME_READY, ABI_CTL_UPTIME_END
 *                    value = the guest's CLOCK_BOOTTIME in microseconds
 *                    (saturated at 2^32 - 1) when init started, when the
 *                    workload started, and when it ended (sent before
 *                    ABI_CTL_EXIT). Only recorded: --debug's timing
 *                    breakdown. Optional, any value.
 * host -> guest:
 *   ABI_CTL_SIGNAL   value = signal number, 1..64, to deliver to the workload
 *   ABI_CTL_WINSIZE  value = rows << 16 | cols, the host terminal's size
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
#define ABI_CTL_SIGNAL_MAX 64u

#endif
