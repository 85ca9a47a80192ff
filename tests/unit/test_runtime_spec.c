/* Unit tests for host/runtime/spec*.c: config.json as podman and containerd write
 * it, defaults, and hostile files (bounds, types, ranges, NULs, broken JSON). */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/spec.h"

/* What podman 4.3 writes for `podman run`, abridged seccomp. */
static const char podman_json[] =
    "{\n"
    "  \"ociVersion\": \"1.0.2-dev\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"user\": {\n"
    "      \"uid\": 1000,\n"
    "      \"gid\": 1000,\n"
    "      \"umask\": 18,\n"
    "      \"additionalGids\": [10, 100]\n"
    "    },\n"
    "    \"args\": [\"/bin/sh\", \"-c\", \"echo hello\"],\n"
    "    \"env\": [\n"
    "      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "      \"TERM=xterm\",\n"
    "      \"container=podman\",\n"
    "      \"HOSTNAME=3f2a1c0b9d8e\",\n"
    "      \"HOME=/home/app\"\n"
    "    ],\n"
    "    \"cwd\": \"/home/app\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_FSETID\", "
    "\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\", \"CAP_SETFCAP\", \"CAP_SETGID\", \"CAP_SETPCAP\", "
    "\"CAP_SETUID\", \"CAP_SYS_CHROOT\"],\n"
    "      \"effective\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_FSETID\", "
    "\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\", \"CAP_SETFCAP\", \"CAP_SETGID\", \"CAP_SETPCAP\", "
    "\"CAP_SETUID\", \"CAP_SYS_CHROOT\"],\n"
    "      \"permitted\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_FSETID\", "
    "\"CAP_KILL\", \"CAP_NET_BIND_SERVICE\", \"CAP_SETFCAP\", \"CAP_SETGID\", \"CAP_SETPCAP\", "
    "\"CAP_SETUID\", \"CAP_SYS_CHROOT\"]\n"
    "    },\n"
    "    \"rlimits\": [\n"
    "      {\"type\": \"RLIMIT_NOFILE\", \"hard\": 1048576, \"soft\": 1048576},\n"
    "      {\"type\": \"RLIMIT_NPROC\", \"hard\": 4194304, \"soft\": 4194304}\n"
    "    ],\n"
    "    \"apparmorProfile\": \"containers-default-0.50.1\",\n"
    "    \"oomScoreAdj\": 0\n"
    "  },\n"
    "  \"root\": {\n"
    "    \"path\": \"/var/lib/containers/storage/overlay/8c1e0a7d5f3b/merged\"\n"
    "  },\n"
    "  \"hostname\": \"3f2a1c0b9d8e\",\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\", \"options\": "
    "[\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
    "[\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": "
    "[\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
    "    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
    "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", "
    "\"gid=5\"]},\n"
    "    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
    "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", \"source\": "
    "\"/run/containers/storage/overlay-containers/3f2a1c0b9d8e/userdata/resolv.conf\", "
    "\"options\": [\"bind\", \"rprivate\"]},\n"
    "    {\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": "
    "\"/run/containers/storage/overlay-containers/3f2a1c0b9d8e/userdata/hosts\", \"options\": "
    "[\"bind\", \"rprivate\"]},\n"
    "    {\"destination\": \"/dev/shm\", \"type\": \"bind\", \"source\": "
    "\"/var/lib/containers/storage/overlay-containers/3f2a1c0b9d8e/userdata/shm\", \"options\": "
    "[\"bind\", \"rprivate\", \"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/etc/hostname\", \"type\": \"bind\", \"source\": "
    "\"/run/containers/storage/overlay-containers/3f2a1c0b9d8e/userdata/hostname\", \"options\": "
    "[\"bind\", \"rprivate\"]},\n"
    "    {\"destination\": \"/run/.containerenv\", \"type\": \"bind\", \"source\": "
    "\"/run/containers/storage/overlay-containers/3f2a1c0b9d8e/userdata/.containerenv\", "
    "\"options\": [\"bind\", \"rprivate\"]},\n"
    "    {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", "
    "\"options\": [\"rprivate\", \"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"
    "  ],\n"
    "  \"annotations\": {\n"
    "    \"io.container.manager\": \"libpod\",\n"
    "    \"io.kubernetes.cri-o.Created\": \"2026-12-02T18:00:00.000000000Z\",\n"
    "    \"io.kubernetes.cri-o.TTY\": \"true\",\n"
    "    \"io.podman.annotations.autoremove\": \"FALSE\",\n"
    "    \"io.podman.annotations.init\": \"FALSE\",\n"
    "    \"io.podman.annotations.privileged\": \"FALSE\",\n"
    "    \"io.podman.annotations.publish-all\": \"FALSE\",\n"
    "    \"org.opencontainers.image.stopSignal\": \"15\"\n"
    "  },\n"
    "  \"linux\": {\n"
    "    \"sysctl\": {\n"
    "      \"net.ipv4.ping_group_range\": \"0 0\"\n"
    "    },\n"
    "    \"resources\": {\n"
    "      \"devices\": [{\"allow\": false, \"access\": \"rwm\"}],\n"
    "      \"memory\": {\"limit\": 536870912, \"swap\": 1073741824},\n"
    "      \"cpu\": {\"quota\": 150000, \"period\": 100000},\n"
    "      \"pids\": {\"limit\": 2048}\n"
    "    },\n"
    "    \"cgroupsPath\": \"machine.slice:libpod:3f2a1c0b9d8e\",\n"
    "    \"namespaces\": [\n"
    "      {\"type\": \"pid\"},\n"
    "      {\"type\": \"network\", \"path\": \"/run/netns/netns-5e1f0c2a\"},\n"
    "      {\"type\": \"ipc\"},\n"
    "      {\"type\": \"uts\"},\n"
    "      {\"type\": \"mount\"},\n"
    "      {\"type\": \"cgroup\"}\n"
    "    ],\n"
    "    \"seccomp\": {\n"
    "      \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
    "      \"defaultErrnoRet\": 38,\n"
    "      \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
    "      \"syscalls\": [{\"names\": [\"accept\", \"accept4\", \"access\"], \"action\": "
    "\"SCMP_ACT_ALLOW\"}]\n"
    "    },\n"
    "    \"maskedPaths\": [\"/proc/acpi\", \"/proc/kcore\", \"/proc/keys\", "
    "\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", "
    "\"/proc/scsi\", \"/sys/firmware\", \"/sys/fs/selinux\", \"/sys/dev/block\"],\n"
    "    \"readonlyPaths\": [\"/proc/asound\", \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", "
    "\"/proc/sys\", \"/proc/sysrq-trigger\"]\n"
    "  }\n"
    "}\n";

/* What containerd 1.6 (`ctr run`) writes. */
static const char ctr_json[] =
    "{\n"
    "  \"ociVersion\": \"1.1.0-rc.1\",\n"
    "  \"process\": {\n"
    "    \"user\": {\"uid\": 0, \"gid\": 0},\n"
    "    \"args\": [\"sh\"],\n"
    "    \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FSETID\", \"CAP_FOWNER\", "
    "\"CAP_MKNOD\", \"CAP_NET_RAW\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETFCAP\", "
    "\"CAP_SETPCAP\", \"CAP_NET_BIND_SERVICE\", \"CAP_SYS_CHROOT\", \"CAP_KILL\", "
    "\"CAP_AUDIT_WRITE\"],\n"
    "      \"effective\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FSETID\", \"CAP_FOWNER\", "
    "\"CAP_MKNOD\", \"CAP_NET_RAW\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETFCAP\", "
    "\"CAP_SETPCAP\", \"CAP_NET_BIND_SERVICE\", \"CAP_SYS_CHROOT\", \"CAP_KILL\", "
    "\"CAP_AUDIT_WRITE\"],\n"
    "      \"permitted\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FSETID\", \"CAP_FOWNER\", "
    "\"CAP_MKNOD\", \"CAP_NET_RAW\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETFCAP\", "
    "\"CAP_SETPCAP\", \"CAP_NET_BIND_SERVICE\", \"CAP_SYS_CHROOT\", \"CAP_KILL\", "
    "\"CAP_AUDIT_WRITE\"]\n"
    "    },\n"
    "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\"},\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\", \"options\": "
    "[\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
    "[\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
    "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", "
    "\"gid=5\"]},\n"
    "    {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", \"options\": "
    "[\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
    "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": "
    "[\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
    "    {\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
    "[\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]}\n"
    "  ],\n"
    "  \"linux\": {\n"
    "    \"resources\": {\n"
    "      \"devices\": [{\"allow\": false, \"access\": \"rwm\"}]\n"
    "    },\n"
    "    \"cgroupsPath\": \"/default/demo\",\n"
    "    \"namespaces\": [\n"
    "      {\"type\": \"pid\"},\n"
    "      {\"type\": \"ipc\"},\n"
    "      {\"type\": \"uts\"},\n"
    "      {\"type\": \"mount\"},\n"
    "      {\"type\": \"network\"}\n"
    "    ],\n"
    "    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", "
    "\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", "
    "\"/sys/firmware\", \"/proc/scsi\", \"/sys/devices/virtual/powercap\"],\n"
    "    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", "
    "\"/proc/sysrq-trigger\"]\n"
    "  }\n"
    "}\n";
#define BIT(c) (UINT64_C(1) << (c))

/* A small valid config with PROC_EXTRA inside process and TOP_EXTRA at the top level
 * (each "" or starting with a comma). */
static char *config(const char *proc_extra, const char *top_extra)
{
	char *s = NULL;
	assert_true(asprintf(&s,
			     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
			     "\"process\":{\"args\":[\"sh\"]%s}%s}",
			     proc_extra, top_extra) > 0);
	return s;
}

/* N copies of ITEM joined by commas. */
static char *repeat(const char *item, size_t n)
{
	size_t len = strlen(item);
	char *s = malloc(n * (len + 1) + 1), *p = s;
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, item, len);
		p += len;
	}
	*p = '\0';
	return s;
}

static int parse(const char *json, struct spec *s, struct sb_error *err)
{
	memset(err, 0, sizeof(*err));
	return spec_parse(json, strlen(json), s, err);
}

static void assert_one_line(const struct sb_error *err)
{
	assert_true(err->msg[0] != '\0');
	for (const char *c = err->msg; *c; c++)
		assert_true((unsigned char)*c >= 0x20);
}

/* JSON must be refused with exactly MSG. */
static void expect_error(const char *json, const char *msg)
{
	struct spec s;
	struct sb_error err;
	int r = parse(json, &s, &err);
	if (r == 0)
		spec_free(&s);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.msg, msg);
	assert_null(s.process.args); /* freed and zeroed */
}

/* Same, with the config() template. */
static void expect_error_in(const char *proc_extra, const char *top_extra, const char *msg)
{
	char *json = config(proc_extra, top_extra);
	expect_error(json, msg);
	free(json);
}

static void expect_ok_in(const char *proc_extra, const char *top_extra, struct spec *s)
{
	struct sb_error err;
	char *json = config(proc_extra, top_extra);
	int r = parse(json, s, &err);
	free(json);
	if (r < 0)
		fail_msg("refused: %s", err.msg);
}

static void test_podman(void **state)
{
	(void)state;
	struct spec s;
	struct sb_error err;
	assert_int_equal(parse(podman_json, &s, &err), 0);
	assert_string_equal(s.oci_version, "1.0.2-dev");
	assert_string_equal(s.root_path, "/var/lib/containers/storage/overlay/8c1e0a7d5f3b/merged");
	assert_false(s.root_readonly);
	assert_string_equal(s.hostname, "3f2a1c0b9d8e");
	const struct spec_process *p = &s.process;
	assert_true(p->terminal);
	assert_int_equal(p->rows, 0);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->gid, 1000);
	assert_int_equal(p->n_gids, 2);
	assert_int_equal(p->gids[0], 10);
	assert_int_equal(p->gids[1], 100);
	assert_string_equal(p->args[0], "/bin/sh");
	assert_string_equal(p->args[2], "echo hello");
	assert_null(p->args[3]);
	assert_string_equal(p->env[2], "container=podman");
	assert_null(p->env[5]);
	assert_string_equal(p->cwd, "/home/app");
	assert_true(p->caps.present);
	uint64_t want = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER) | BIT(CAP_FSETID) |
			BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETFCAP) |
			BIT(CAP_SETGID) | BIT(CAP_SETPCAP) | BIT(CAP_SETUID) | BIT(CAP_SYS_CHROOT);
	assert_int_equal(p->caps.bounding, want);
	assert_int_equal(p->caps.effective, want);
	assert_int_equal(p->caps.permitted, want);
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->caps.ambient, 0);
	assert_int_equal(p->n_rlimits, 2);
	assert_string_equal(p->rlimits[0].type, "RLIMIT_NOFILE");
	assert_int_equal(p->rlimits[0].hard, 1048576);
	assert_int_equal(p->rlimits[1].soft, 4194304);
	assert_false(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, 0);
	assert_int_equal(s.n_mounts, 11);
	assert_string_equal(s.mounts[0].destination, "/proc");
	assert_string_equal(s.mounts[0].type, "proc");
	assert_int_equal(s.mounts[3].n_options, 6);
	assert_string_equal(s.mounts[3].options[5], "gid=5");
	assert_null(s.mounts[3].options[6]);
	assert_string_equal(s.mounts[6].destination, "/etc/hosts");
	assert_string_equal(s.mounts[6].options[0], "bind");
	assert_string_equal(s.mounts[10].destination, "/sys/fs/cgroup");
	assert_int_equal(s.n_annotations, 8);
	assert_string_equal(s.annotations[0].key, "io.container.manager");
	assert_string_equal(spec_annotation(&s, "org.opencontainers.image.stopSignal"), "15");
	assert_int_equal(s.resources.memory_limit, 536870912);
	assert_int_equal(s.resources.memory_swap, 1073741824);
	assert_int_equal(s.resources.cpu_quota, 150000);
	assert_int_equal(s.resources.cpu_period, 100000);
	assert_int_equal(s.resources.cpu_shares, -1);
	assert_null(s.resources.cpu_cpus);
	assert_int_equal(s.resources.pids_limit, 2048);
	assert_string_equal(s.cgroups_path, "machine.slice:libpod:3f2a1c0b9d8e");
	for (int t = 0; t < SPEC_NS_COUNT; t++)
		assert_int_equal(s.ns[t].present, t != SPEC_NS_USER && t != SPEC_NS_TIME);
	assert_string_equal(s.ns[SPEC_NS_NETWORK].path, "/run/netns/netns-5e1f0c2a");
	assert_null(s.ns[SPEC_NS_PID].path);
	assert_string_equal(s.masked_paths[10], "/sys/dev/block");
	assert_null(s.masked_paths[11]);
	assert_string_equal(s.readonly_paths[5], "/proc/sysrq-trigger");
	spec_free(&s);
	assert_null(s.oci_version);
}

static void test_ctr(void **state)
{
	(void)state;
	struct spec s;
	struct sb_error err;
	assert_int_equal(parse(ctr_json, &s, &err), 0);
	assert_string_equal(s.root_path, "rootfs");
	assert_null(s.hostname);
	assert_int_equal(s.process.uid, 0);
	assert_null(s.process.gids);
	assert_true(s.process.no_new_privileges);
	assert_false(s.process.has_oom_score_adj);
	assert_true(s.process.caps.bounding & BIT(CAP_AUDIT_WRITE));
	assert_true(s.process.caps.bounding & BIT(CAP_MKNOD));
	assert_false(s.process.caps.bounding & BIT(CAP_SYS_ADMIN));
	assert_int_equal(s.n_mounts, 7);
	assert_string_equal(s.mounts[3].destination, "/dev/shm");
	assert_string_equal(s.mounts[3].source, "shm");
	assert_int_equal(s.n_annotations, 0);
	assert_null(spec_annotation(&s, "io.container.manager"));
	assert_int_equal(s.resources.memory_limit, -1);
	assert_int_equal(s.resources.pids_limit, -1);
	assert_string_equal(s.cgroups_path, "/default/demo");
	assert_true(s.ns[SPEC_NS_NETWORK].present);
	assert_false(s.ns[SPEC_NS_CGROUP].present);
	spec_free(&s);
}

static void test_defaults(void **state)
{
	(void)state;
	struct spec s;
	expect_ok_in("", "", &s);
	assert_string_equal(s.process.cwd, "/");
	assert_non_null(s.process.env);
	assert_null(s.process.env[0]);
	assert_false(s.process.caps.present);
	assert_null(s.hostname);
	assert_null(s.mounts);
	assert_non_null(s.masked_paths);
	assert_null(s.masked_paths[0]);
	assert_non_null(s.readonly_paths);
	assert_null(s.readonly_paths[0]);
	const struct spec_resources *r = &s.resources;
	assert_true(r->memory_limit == -1 && r->memory_swap == -1 && r->cpu_quota == -1 &&
		    r->cpu_period == -1 && r->cpu_shares == -1 && r->pids_limit == -1);
	for (int t = 0; t < SPEC_NS_COUNT; t++)
		assert_false(s.ns[t].present);
	spec_free(&s);

	/* JSON null is an absent field, as Go reads it */
	expect_ok_in(",\"cwd\":null,\"user\":null,\"env\":null",
		     ",\"hostname\":null,\"mounts\":null,\"linux\":null", &s);
	assert_string_equal(s.process.cwd, "/");
	spec_free(&s);

	/* minimal.json: readonly root, user and time namespaces ("" path: new), pids 0 */
	expect_ok_in("",
		     ",\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"time\","
		     "\"path\":\"\"}],\"resources\":{\"pids\":{\"limit\":0},\"memory\":{"
		     "\"limit\":0},\"cpu\":{\"shares\":1024,\"cpus\":\"0-3\"}}}",
		     &s);
	assert_true(s.ns[SPEC_NS_USER].present && s.ns[SPEC_NS_TIME].present);
	assert_null(s.ns[SPEC_NS_TIME].path);
	assert_int_equal(s.resources.pids_limit, -1);
	assert_int_equal(s.resources.memory_limit, 0);
	assert_int_equal(s.resources.cpu_shares, 1024);
	assert_string_equal(s.resources.cpu_cpus, "0-3");
	spec_free(&s);
	expect_ok_in("", ",\"linux\":{\"resources\":{\"pids\":{\"limit\":-5}}}", &s);
	assert_int_equal(s.resources.pids_limit, -1);
	spec_free(&s);
}

static void test_unknown_fields(void **state)
{
	(void)state;
	struct spec s;
	expect_ok_in(
	    ",\"commandLine\":\"x\",\"user\":{\"uid\":5,\"sid\":{\"a\":[1]}},"
	    "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"future\":7},"
	    "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\"},\"scheduler\":{}",
	    ",\"hooks\":{\"prestart\":[{\"path\":\"/x\"}]},\"windows\":1,"
	    "\"vm\":{\"hypervisor\":{}},\"domainname\":7,"
	    "\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[],\"extra\":null}],"
	    "\"linux\":{\"seccomp\":{\"defaultAction\":5},\"devices\":3,\"rootfsPropagation\":"
	    "\"rslave\",\"resources\":{\"hugepageLimits\":[],\"blockIO\":{},"
	    "\"memory\":{\"kernel\":\"x\"},\"unified\":{\"a\":\"b\"}}},\"zz\":[[[[]]]]",
	    &s);
	assert_int_equal(s.process.uid, 5);
	assert_int_equal(s.process.caps.bounding, BIT(CAP_KILL));
	assert_int_equal(s.n_mounts, 1);
	assert_null(s.mounts[0].type);
	assert_null(s.mounts[0].source);
	assert_int_equal(s.mounts[0].n_options, 0);
	assert_null(s.mounts[0].options[0]);
	spec_free(&s);
}

static void test_missing(void **state)
{
	(void)state;
	expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]}}",
		     "ociVersion: missing");
	expect_error(
	    "{\"ociVersion\":\"\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]}}",
	    "ociVersion: empty");
	expect_error("{\"ociVersion\":\"1\",\"process\":{\"args\":[\"sh\"]}}", "root: missing");
	expect_error("{\"ociVersion\":\"1\",\"root\":{},\"process\":{\"args\":[\"sh\"]}}",
		     "root.path: missing");
	expect_error(
	    "{\"ociVersion\":\"1\",\"root\":{\"path\":\"\"},\"process\":{\"args\":[\"a\"]}}",
	    "root.path: empty");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"}}", "process: missing");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{}}",
		     "process.args: missing");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[]}}",
		     "process.args: empty");
	expect_error(
	    "{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"\"]}}",
	    "process.args[0]: empty");
	expect_error_in(",\"cwd\":\"tmp\"", "", "process.cwd: not an absolute path");
	expect_error_in(",\"cwd\":\"\"", "", "process.cwd: not an absolute path");
	expect_error_in("", ",\"mounts\":[{\"type\":\"tmpfs\"}]", "mounts[0].destination: missing");
	expect_error_in("", ",\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"b\"}]",
			"mounts[1].destination: not an absolute path");
	expect_error_in("", ",\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}",
			"linux.namespaces[0].type: missing");
	expect_error_in(",\"rlimits\":[{\"hard\":1}]", "", "process.rlimits[0].type: missing");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("{\"ociVersion\":1}", "ociVersion: not a string");
	expect_error("{\"ociVersion\":\"1\",\"root\":\"r\"}", "root: not an object");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":[]}}", "root.path: not a string");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}",
		     "root.readonly: not a boolean");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":[]}",
		     "process: not an object");
	expect_error_in("", ",\"hostname\":{}", "hostname: not a string");
	expect_error(
	    "{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":\"sh\"}}",
	    "process.args: not an array");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},"
		     "\"process\":{\"args\":[\"a\",\"b\",3]}}",
		     "process.args[2]: not a string");
	expect_error_in(",\"terminal\":1", "", "process.terminal: not a boolean");
	expect_error_in(",\"consoleSize\":[]", "", "process.consoleSize: not an object");
	expect_error_in(",\"consoleSize\":{\"height\":\"24\"}", "",
			"process.consoleSize.height: not an integer");
	expect_error_in(",\"user\":7", "", "process.user: not an object");
	expect_error_in(",\"user\":{\"uid\":1.5}", "", "process.user.uid: not an integer");
	expect_error_in(",\"user\":{\"gid\":\"0\"}", "", "process.user.gid: not an integer");
	expect_error_in(",\"user\":{\"umask\":true}", "", "process.user.umask: not an integer");
	expect_error_in(",\"user\":{\"additionalGids\":{}}", "",
			"process.user.additionalGids: not an array");
	expect_error_in(",\"user\":{\"additionalGids\":[1,\"2\"]}", "",
			"process.user.additionalGids[1]: not an integer");
	expect_error_in(",\"user\":{\"username\":0}", "", "process.user.username: not a string");
	expect_error_in(",\"env\":[\"A=1\",null]", "", "process.env[1]: not a string");
	expect_error_in(",\"cwd\":[\"/\"]", "", "process.cwd: not a string");
	expect_error_in(",\"capabilities\":[]", "", "process.capabilities: not an object");
	expect_error_in(",\"capabilities\":{\"ambient\":\"CAP_KILL\"}", "",
			"process.capabilities.ambient: not an array");
	expect_error_in(",\"capabilities\":{\"bounding\":[\"CAP_KILL\",12]}", "",
			"process.capabilities.bounding[1]: not a string");
	expect_error_in(",\"rlimits\":{}", "", "process.rlimits: not an array");
	expect_error_in(",\"rlimits\":[7]", "", "process.rlimits[0]: not an object");
	expect_error_in(",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":\"1\"}]", "",
			"process.rlimits[0].soft: not an integer");
	expect_error_in(",\"noNewPrivileges\":\"true\"", "",
			"process.noNewPrivileges: not a boolean");
	expect_error_in(",\"oomScoreAdj\":false", "", "process.oomScoreAdj: not an integer");
	expect_error_in(",\"apparmorProfile\":1", "", "process.apparmorProfile: not a string");
	expect_error_in(",\"selinuxLabel\":[]", "", "process.selinuxLabel: not a string");
	expect_error_in("", ",\"mounts\":{}", "mounts: not an array");
	expect_error_in("", ",\"mounts\":[\"/proc\"]", "mounts[0]: not an object");
	expect_error_in("", ",\"mounts\":[{\"destination\":\"/a\",\"type\":5}]",
			"mounts[0].type: not a string");
	expect_error_in("", ",\"mounts\":[{\"destination\":\"/a\",\"source\":{}}]",
			"mounts[0].source: not a string");
	expect_error_in("", ",\"mounts\":[{\"destination\":\"/a\",\"options\":\"ro\"}]",
			"mounts[0].options: not an array");
	expect_error_in("", ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",false]}]",
			"mounts[0].options[1]: not a string");
	expect_error_in("", ",\"annotations\":[]", "annotations: not an object");
	expect_error_in("", ",\"annotations\":{\"a\":\"b\",\"k\":1}",
			"annotations.k: not a string");
	expect_error_in("", ",\"linux\":[]", "linux: not an object");
	expect_error_in("", ",\"linux\":{\"resources\":1}", "linux.resources: not an object");
	expect_error_in("", ",\"linux\":{\"resources\":{\"memory\":[]}}",
			"linux.resources.memory: not an object");
	expect_error_in("", ",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1g\"}}}",
			"linux.resources.memory.limit: not an integer");
	expect_error_in("", ",\"linux\":{\"resources\":{\"memory\":{\"swap\":1.0}}}",
			"linux.resources.memory.swap: not an integer");
	expect_error_in("", ",\"linux\":{\"resources\":{\"cpu\":{\"shares\":\"x\"}}}",
			"linux.resources.cpu.shares: not an integer");
	expect_error_in("", ",\"linux\":{\"resources\":{\"cpu\":{\"cpus\":3}}}",
			"linux.resources.cpu.cpus: not a string");
	expect_error_in("", ",\"linux\":{\"resources\":{\"pids\":{\"limit\":\"max\"}}}",
			"linux.resources.pids.limit: not an integer");
	expect_error_in("", ",\"linux\":{\"cgroupsPath\":1}", "linux.cgroupsPath: not a string");
	expect_error_in("", ",\"linux\":{\"namespaces\":{}}", "linux.namespaces: not an array");
	expect_error_in("", ",\"linux\":{\"namespaces\":[\"pid\"]}",
			"linux.namespaces[0]: not an object");
	expect_error_in("", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":1}]}",
			"linux.namespaces[0].path: not a string");
	expect_error_in("", ",\"linux\":{\"maskedPaths\":\"/proc\"}",
			"linux.maskedPaths: not an array");
	expect_error_in("", ",\"linux\":{\"readonlyPaths\":[\"/a\",[]]}",
			"linux.readonlyPaths[1]: not a string");
	expect_error_in("", ",\"linux\":{\"sysctl\":{\"a\":1}}", "linux.sysctl.a: not a string");
}

static void test_ranges(void **state)
{
	(void)state;
	struct spec s;
	expect_error_in(",\"user\":{\"uid\":-1}", "",
			"process.user.uid: -1 out of range [0, 4294967295]");
	expect_error_in(",\"user\":{\"uid\":4294967296}", "",
			"process.user.uid: 4294967296 out of range [0, 4294967295]");
	expect_error_in(",\"user\":{\"gid\":-5}", "",
			"process.user.gid: -5 out of range [0, 4294967295]");
	expect_error_in(",\"user\":{\"additionalGids\":[4294967296]}", "",
			"process.user.additionalGids[0]: 4294967296 out of range [0, 4294967295]");
	expect_error_in(",\"consoleSize\":{\"height\":24,\"width\":65536}", "",
			"process.consoleSize.width: 65536 out of range [0, 65535]");
	expect_error_in(",\"consoleSize\":{\"height\":-1}", "",
			"process.consoleSize.height: -1 out of range [0, 65535]");
	expect_error_in(",\"oomScoreAdj\":1001", "",
			"process.oomScoreAdj: 1001 out of range [-1000, 1000]");
	expect_error_in(",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":-2}]", "",
			"process.rlimits[0].hard: -2 out of range [-1, 9223372036854775807]");
	expect_error_in("", ",\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}",
			"linux.resources.memory.limit: -2 out of range [-1, 9223372036854775807]");
	expect_error_in("", ",\"linux\":{\"resources\":{\"cpu\":{\"quota\":-2}}}",
			"linux.resources.cpu.quota: -2 out of range [-1, 9223372036854775807]");
	expect_error_in("", ",\"linux\":{\"resources\":{\"cpu\":{\"shares\":-1}}}",
			"linux.resources.cpu.shares: -1 out of range [0, 9223372036854775807]");
	/* beyond int64: jansson refuses the number itself */
	char *json = config(",\"user\":{\"uid\":99999999999999999999}", "");
	struct sb_error err;
	assert_int_equal(parse(json, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	free(json);

	expect_ok_in(",\"user\":{\"uid\":4294967295,\"gid\":4294967295,\"additionalGids\":[0,"
		     "4294967295]},\"consoleSize\":{\"height\":65535,\"width\":1},"
		     "\"oomScoreAdj\":-1000",
		     ",\"linux\":{\"resources\":{\"memory\":{\"limit\":-1,\"swap\":-1},\"cpu\":{"
		     "\"quota\":-1,\"period\":0}}}",
		     &s);
	assert_int_equal(s.process.uid, UINT32_MAX);
	assert_int_equal(s.process.gid, UINT32_MAX);
	assert_int_equal(s.process.gids[1], UINT32_MAX);
	assert_int_equal(s.process.rows, 65535);
	assert_int_equal(s.process.cols, 1);
	assert_int_equal(s.process.oom_score_adj, -1000);
	assert_int_equal(s.resources.memory_limit, -1);
	assert_int_equal(s.resources.cpu_period, 0);
	spec_free(&s);
}

static void test_nul(void **state)
{
	(void)state;
	expect_error("{\"ociVersion\":\"1\\u0000\"}", "ociVersion: contains a NUL byte");
	expect_error_in(",\"args\":[\"sh\",\"-c\\u0000rm\"]", "",
			"process.args[1]: contains a NUL byte");
	expect_error_in(",\"env\":[\"A=\\u0000\"]", "", "process.env[0]: contains a NUL byte");
	expect_error_in(",\"cwd\":\"/\\u0000x\"", "", "process.cwd: contains a NUL byte");
	expect_error_in(",\"capabilities\":{\"bounding\":[\"CAP_KILL\\u0000\"]}", "",
			"process.capabilities.bounding[0]: contains a NUL byte");
	expect_error_in("", ",\"hostname\":\"\\u0000\"", "hostname: contains a NUL byte");
	expect_error_in("", ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"r\\u0000o\"]}]",
			"mounts[0].options[0]: contains a NUL byte");
	expect_error_in("", ",\"annotations\":{\"k\":\"v\\u0000\"}",
			"annotations.k: contains a NUL byte");
	expect_error_in("", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\\u0000\"}]}",
			"linux.namespaces[0].type: contains a NUL byte");
	/* a NUL in a key: jansson refuses the document */
	struct spec s;
	struct sb_error err;
	char *json = config("", ",\"annotations\":{\"k\\u0000\":\"v\"}");
	assert_int_equal(parse(json, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	assert_one_line(&err);
	free(json);
}

/* Each bound: its limit accepted, one more refused (not truncated). */
static void bound(const char *proc_fmt, const char *top_fmt, const char *item, size_t max,
		  const char *msg)
{
	for (size_t n = max; n <= max + 1; n++) {
		char *list = repeat(item, n), *pe = NULL, *te = NULL;
		assert_true(asprintf(&pe, proc_fmt, list) >= 0);
		assert_true(asprintf(&te, top_fmt, list) >= 0);
		if (n == max) {
			struct spec s;
			expect_ok_in(pe, te, &s);
			spec_free(&s);
		} else {
			expect_error_in(pe, te, msg);
		}
		free(list);
		free(pe);
		free(te);
	}
}

static void test_bounds(void **state)
{
	(void)state;
	bound(",\"args\":[%s]", "%.0s", "\"x\"", SPEC_MAX_ARGS,
	      "process.args: more than 4096 entries");
	bound(",\"env\":[%s]", "%.0s", "\"A=1\"", SPEC_MAX_ENV,
	      "process.env: more than 8192 entries");
	bound("%.0s", ",\"mounts\":[%s]", "{\"destination\":\"/m\"}", SPEC_MAX_MOUNTS,
	      "mounts: more than 1024 entries");
	bound("%.0s", ",\"mounts\":[{\"destination\":\"/m\",\"options\":[%s]}]", "\"ro\"",
	      SPEC_MAX_OPTIONS, "mounts[0].options: more than 64 entries");
	bound(",\"user\":{\"additionalGids\":[%s]}", "%.0s", "7", SPEC_MAX_GIDS,
	      "process.user.additionalGids: more than 256 entries");
	/* distinct rlimit types are only 16: 64 entries must repeat, so the bound is checked first
	 */
	expect_error_in(
	    ",\"rlimits\":[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
	    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
	    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]",
	    "", "process.rlimits: more than 64 entries");

	/* annotations: distinct keys */
	for (size_t n = SPEC_MAX_ANNOTATIONS; n <= SPEC_MAX_ANNOTATIONS + 1; n++) {
		char *buf = malloc(n * 24 + 64), *p = buf;
		p += sprintf(p, ",\"annotations\":{");
		for (size_t i = 0; i < n; i++)
			p += sprintf(p, "%s\"k%zu\":\"v%zu\"", i ? "," : "", i, i);
		strcpy(p, "}");
		if (n == SPEC_MAX_ANNOTATIONS) {
			struct spec s;
			expect_ok_in("", buf, &s);
			assert_int_equal(s.n_annotations, n);
			assert_string_equal(spec_annotation(&s, "k1023"), "v1023");
			assert_string_equal(s.annotations[500].key, "k500"); /* the file's order */
			spec_free(&s);
		} else {
			expect_error_in("", buf, "annotations: more than 1024 entries");
		}
		free(buf);
	}

	/* one string: SPEC_MAX_STRING bytes accepted, one more refused */
	for (size_t n = SPEC_MAX_STRING; n <= SPEC_MAX_STRING + 1; n++) {
		char *big = malloc(n + 32);
		strcpy(big, ",\"hostname\":\"");
		memset(big + 13, 'h', n);
		strcpy(big + 13 + n, "\"");
		if (n == SPEC_MAX_STRING) {
			struct spec s;
			expect_ok_in("", big, &s);
			assert_int_equal(strlen(s.hostname), n);
			spec_free(&s);
		} else {
			expect_error_in("", big, "hostname: longer than 65536 bytes");
		}
		free(big);
	}
}

static void test_env(void **state)
{
	(void)state;
	struct spec s;
	expect_error_in(",\"env\":[\"A=1\",\"NOEQUALS\"]", "", "process.env[1]: not NAME=VALUE");
	expect_error_in(",\"env\":[\"=x\"]", "", "process.env[0]: not NAME=VALUE");
	expect_ok_in(",\"env\":[\"A=\",\"B==c\",\"C=d=e\"]", "", &s);
	assert_string_equal(s.process.env[1], "B==c");
	spec_free(&s);
}

static void test_namespaces(void **state)
{
	(void)state;
	struct spec s;
	expect_error_in("", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"net\"}]}",
			"linux.namespaces[1].type: unknown namespace type `net`");
	expect_error_in("",
			",\"linux\":{\"namespaces\":[{\"type\":\"ipc\"},{\"type\":\"pid\"},"
			"{\"type\":\"ipc\",\"path\":\"/proc/1/ns/ipc\"}]}",
			"linux.namespaces[2].type: duplicate `ipc` namespace");
	expect_ok_in(
	    "",
	    ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
	    "{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"user\","
	    "\"path\":\"/proc/7/ns/user\"},{\"type\":\"cgroup\"},{\"type\":\"time\"}]}",
	    &s);
	for (int t = 0; t < SPEC_NS_COUNT; t++)
		assert_true(s.ns[t].present);
	assert_string_equal(s.ns[SPEC_NS_USER].path, "/proc/7/ns/user");
	spec_free(&s);
	/* the path of a namespace refused later is freed (ASan checks) */
	expect_error_in("",
			",\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/p\"},"
			"{\"type\":\"pid\",\"path\":\"/q\"}]}",
			"linux.namespaces[1].type: duplicate `pid` namespace");
}

static void test_capabilities(void **state)
{
	(void)state;
	struct spec s;
	expect_ok_in(
	    ",\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_NOT_A_CAP\",\"cap_kill\","
	    "\"CAP_CHECKPOINT_RESTORE\",\"CAP_BPF\",\"\"],\"ambient\":[\"CAP_NET_RAW\"],"
	    "\"inheritable\":[]}",
	    "", &s);
	assert_true(s.process.caps.present);
	assert_int_equal(s.process.caps.bounding,
			 BIT(CAP_CHOWN) | BIT(CAP_CHECKPOINT_RESTORE) | BIT(CAP_BPF));
	assert_int_equal(s.process.caps.ambient, BIT(CAP_NET_RAW));
	assert_int_equal(s.process.caps.inheritable, 0);
	assert_int_equal(s.process.caps.effective, 0);
	spec_free(&s);
	expect_ok_in(",\"capabilities\":{}", "", &s);
	assert_true(s.process.caps.present);
	spec_free(&s);
}

static void test_rlimits(void **state)
{
	(void)state;
	struct spec s;
	expect_error_in(",\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"hard\":1,\"soft\":1}]", "",
			"process.rlimits[0].type: unknown rlimit `RLIMIT_BOGUS`");
	expect_error_in(",\"rlimits\":[{\"type\":\"nofile\",\"hard\":1,\"soft\":1}]", "",
			"process.rlimits[0].type: unknown rlimit `nofile`");
	expect_error_in(
	    ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":1},"
	    "{\"type\":\"RLIMIT_CORE\"},{\"type\":\"RLIMIT_NOFILE\",\"hard\":2,\"soft\":2}]",
	    "", "process.rlimits[2].type: duplicate `RLIMIT_NOFILE`");
	expect_ok_in(",\"rlimits\":[{\"type\":\"RLIMIT_RTTIME\",\"hard\":9223372036854775807,"
		     "\"soft\":5},{\"type\":\"RLIMIT_CPU\"}]",
		     "", &s);
	assert_int_equal(s.process.n_rlimits, 2);
	assert_int_equal(s.process.rlimits[0].hard, INT64_MAX);
	assert_int_equal(s.process.rlimits[0].soft, 5);
	assert_int_equal(s.process.rlimits[1].hard, 0);
	spec_free(&s);

	/* docker --ulimit memlock=-1:-1 writes 2^64-1 (RLIM_INFINITY), beyond jansson's int64 */
	expect_ok_in(",\"rlimits\":[{\"type\":\"RLIMIT_MEMLOCK\",\"hard\":18446744073709551615,"
		     "\"soft\":18446744073709551615},{\"type\":\"RLIMIT_CORE\",\"hard\":"
		     "18446744073709551615,\"soft\":0}],\"env\":[\"X=18446744073709551615\","
		     "\"Y=\\\"18446744073709551615\"]",
		     "", &s);
	assert_int_equal(s.process.rlimits[0].hard, UINT64_MAX);
	assert_int_equal(s.process.rlimits[0].soft, UINT64_MAX);
	assert_int_equal(s.process.rlimits[1].hard, UINT64_MAX);
	assert_int_equal(s.process.rlimits[1].soft, 0);
	assert_string_equal(s.process.env[0], "X=18446744073709551615"); /* strings untouched */
	assert_string_equal(s.process.env[1], "Y=\"18446744073709551615");
	spec_free(&s);
	/* elsewhere it reads as -1: out of range for a uid; its neighbours stay too big */
	expect_error_in(",\"user\":{\"uid\":18446744073709551615}", "",
			"process.user.uid: -1 out of range [0, 4294967295]");
	static const char *const big[] = {"184467440737095516150",  "18446744073709551616",
					  "-18446744073709551615",  "18446744073709551615.0",
					  "18446744073709551615e0", "118446744073709551615"};
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		char *extra = NULL, *json;
		struct sb_error err;
		assert_true(asprintf(&extra,
				     ",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":%s}]",
				     big[i]) > 0);
		json = config(extra, "");
		int r = parse(json, &s, &err);
		if (r == 0)
			fail_msg("%s accepted", big[i]);
		free(json);
		free(extra);
	}
}

static void test_not_json(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    " ",
	    "[]",
	    "\"config\"",
	    "42",
	    "null",
	    "{",
	    "{\"ociVersion\":\"1\"",
	    "{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"]}",
	    "{\"a\":1}x",
	    "{'a':1}",
	    "\xff\xfe{}",
	    "{\"ociVersion\":\"\xc3\x28\"}",
	    "{\"a\":\"line\nbreak\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spec s;
		struct sb_error err;
		assert_int_equal(parse(bad[i], &s, &err), -EINVAL);
		assert_one_line(&err);
		assert_null(s.oci_version);
	}
	struct spec s;
	struct sb_error err;
	assert_int_equal(parse("[]", &s, &err), -EINVAL);
	assert_string_equal(err.msg, "not a JSON object");
	/* bytes after a NUL are still the document's: len, not strlen */
	assert_int_equal(spec_parse("{}\0{", 4, &s, &err), -EINVAL);
	assert_one_line(&err);
}

static void test_deep_nesting(void **state)
{
	(void)state;
	size_t depth = 200000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	struct spec s;
	struct sb_error err;
	assert_int_equal(parse(deep, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	/* the same inside an unknown field, and a depth jansson takes, ignored */
	char *json = NULL;
	assert_true(asprintf(&json, "{\"x\":%s}", deep) > 0);
	assert_int_equal(parse(json, &s, &err), -EINVAL);
	free(json);
	memset(deep, '[', 1000);
	memset(deep + 1000, ']', 1000);
	deep[2000] = '\0';
	json = config("", "");
	json[strlen(json) - 1] = '\0';
	char *ok = NULL;
	assert_true(asprintf(&ok, "%s,\"x\":%s}", json, deep) > 0);
	assert_int_equal(parse(ok, &s, &err), 0);
	spec_free(&s);
	free(ok);
	free(json);
	free(deep);
}

static void test_process_bare(void **state)
{
	(void)state;
	struct spec_process p;
	struct sb_error err;
	const char *json = "{\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
			   "\"user\":{\"uid\":33,\"gid\":33},\"args\":[\"/bin/ls\",\"-l\"],"
			   "\"env\":[\"PATH=/bin\"],\"cwd\":\"/tmp\",\"oomScoreAdj\":-500,"
			   "\"capabilities\":{\"effective\":[\"CAP_KILL\"]}}";
	assert_int_equal(spec_parse_process(json, strlen(json), &p, &err), 0);
	assert_true(p.terminal);
	assert_int_equal(p.rows, 24);
	assert_int_equal(p.cols, 80);
	assert_int_equal(p.uid, 33);
	assert_string_equal(p.args[1], "-l");
	assert_string_equal(p.cwd, "/tmp");
	assert_int_equal(p.oom_score_adj, -500);
	assert_int_equal(p.caps.effective, BIT(CAP_KILL));
	spec_process_free(&p);
	assert_null(p.args);

	static const struct {
		const char *json, *msg;
	} bad[] = {
	    {"{}", "args: missing"},
	    {"{\"args\":[\"a\",7]}", "args[1]: not a string"},
	    {"{\"args\":[\"a\"],\"env\":[\"X\"]}", "env[0]: not NAME=VALUE"},
	    {"{\"args\":[\"a\"],\"user\":{\"uid\":-1}}",
	     "user.uid: -1 out of range [0, 4294967295]"},
	    {"[\"a\"]", "process: not a JSON object"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(spec_parse_process(bad[i].json, strlen(bad[i].json), &p, &err),
				 -EINVAL);
		assert_string_equal(err.msg, bad[i].msg);
		assert_null(p.args);
	}
	assert_int_equal(spec_parse_process("", 0, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid JSON"));
}

static void test_annotation(void **state)
{
	(void)state;
	struct spec s;
	expect_ok_in("",
		     ",\"annotations\":{\"b\":\"2\",\"a\":\"1\",\"empty\":\"\",\"dup\":\"x\","
		     "\"dup\":\"y\"}",
		     &s);
	assert_string_equal(spec_annotation(&s, "a"), "1");
	assert_string_equal(spec_annotation(&s, "b"), "2");
	assert_string_equal(spec_annotation(&s, "empty"), "");
	assert_string_equal(spec_annotation(&s, "dup"), "y"); /* the last, as Go reads it */
	assert_null(spec_annotation(&s, "c"));
	assert_null(spec_annotation(&s, ""));
	assert_string_equal(s.annotations[0].key, "b");
	assert_string_equal(s.annotations[1].key, "a");
	spec_free(&s);
	expect_ok_in("", "", &s);
	assert_null(spec_annotation(&s, "a"));
	assert_false(spec_is_pod_sandbox(&s));
	spec_free(&s);
}

/* containerd's CRI and CRI-O mark the pause container; the app containers and
 * other values are not it. */
static void test_pod_sandbox(void **state)
{
	(void)state;
	static const struct {
		const char *annotations;
		bool sandbox;
	} cases[] = {
	    {"{\"io.kubernetes.cri.container-type\":\"sandbox\"}", true},
	    {"{\"io.kubernetes.cri-o.ContainerType\":\"sandbox\"}", true},
	    {"{\"io.kubernetes.cri.container-type\":\"container\"}", false},
	    {"{\"io.kubernetes.cri.container-type\":\"Sandbox\"}", false},
	    {"{\"io.kubernetes.cri.sandbox-id\":\"sandbox\"}", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char extra[256];
		snprintf(extra, sizeof(extra), ",\"annotations\":%s", cases[i].annotations);
		struct spec s;
		expect_ok_in("", extra, &s);
		assert_int_equal(spec_is_pod_sandbox(&s), cases[i].sandbox);
		spec_free(&s);
	}
}

/* A bundle directory with config.json holding LEN bytes of DATA (NULL: no file). */
static char *bundle_with(const char *data, size_t len)
{
	char *dir = strdup("/tmp/test_runtime_spec.XXXXXX");
	assert_non_null(mkdtemp(dir));
	if (data) {
		char path[256];
		snprintf(path, sizeof(path), "%s/config.json", dir);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(data, 1, len, f), len);
		fclose(f);
	}
	return dir;
}

static void bundle_remove(char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/real.json", dir);
	unlink(path);
	rmdir(dir);
	free(dir);
}

static void test_load(void **state)
{
	(void)state;
	struct spec s;
	struct sb_error err;
	char *dir = bundle_with(ctr_json, strlen(ctr_json));
	assert_int_equal(spec_load(dir, &s, &err), 0);
	assert_string_equal(s.process.args[0], "sh");
	spec_free(&s);
	bundle_remove(dir);

	dir = bundle_with(NULL, 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(spec_load(dir, &s, &err), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_true(strncmp(err.msg, "config.json: open `", 19) == 0);
	assert_non_null(strstr(err.msg, "No such file or directory"));
	/* a symlink is followed, as runc does */
	char path[256], real[256];
	snprintf(real, sizeof(real), "%s/real.json", dir);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(real, "w");
	fputs(ctr_json, f);
	fclose(f);
	assert_int_equal(symlink("real.json", path), 0);
	assert_int_equal(spec_load(dir, &s, &err), 0);
	spec_free(&s);
	unlink(path);
	/* a directory or a FIFO is refused (the FIFO without hanging) */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(spec_load(dir, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	rmdir(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(spec_load(dir, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	bundle_remove(dir);

	dir = bundle_with("", 0);
	assert_int_equal(spec_load(dir, &s, &err), -EINVAL);
	assert_true(strncmp(err.msg, "config.json: invalid JSON: ", 27) == 0);
	bundle_remove(dir);

	dir = bundle_with("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{}}", 51);
	assert_int_equal(spec_load(dir, &s, &err), -EINVAL);
	assert_string_equal(err.msg, "config.json: process.args: missing");
	bundle_remove(dir);

	/* exactly SPEC_MAX_BYTES (the config padded with spaces) is read; one more is refused */
	for (size_t n = SPEC_MAX_BYTES; n <= SPEC_MAX_BYTES + 1; n++) {
		char *buf = malloc(n);
		memset(buf, ' ', n);
		memcpy(buf, ctr_json, strlen(ctr_json));
		dir = bundle_with(buf, n);
		int r = spec_load(dir, &s, &err);
		if (n == SPEC_MAX_BYTES) {
			assert_int_equal(r, 0);
			spec_free(&s);
		} else {
			assert_int_equal(r, -EFBIG);
			assert_int_equal(err.code, EFBIG);
			assert_string_equal(err.msg, "config.json: larger than 4194304 bytes");
		}
		bundle_remove(dir);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_podman),	 cmocka_unit_test(test_ctr),
	    cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_unknown_fields),
	    cmocka_unit_test(test_missing),	 cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_ranges),	 cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_bounds),	 cmocka_unit_test(test_env),
	    cmocka_unit_test(test_namespaces),	 cmocka_unit_test(test_capabilities),
	    cmocka_unit_test(test_rlimits),	 cmocka_unit_test(test_not_json),
	    cmocka_unit_test(test_deep_nesting), cmocka_unit_test(test_process_bare),
	    cmocka_unit_test(test_annotation),	 cmocka_unit_test(test_pod_sandbox),
	    cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
