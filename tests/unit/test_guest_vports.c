/* Unit tests for guest-init/vports.c: finding the named ports in a fake sysfs tree. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi.h"
#include "vports.h"

static char root[64];

static void put(const char *dir, const char *attr, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, attr);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/test_vports.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void finds_all_four(void **state)
{
	(void)state;
	struct vports v;
	put("vport0p1", "name", ABI_VPORT_STDIN "\n");
	put("vport0p2", "name", ABI_VPORT_STDOUT "\n");
	put("vport0p3", "name", ABI_VPORT_STDERR "\n");
	put("vport0p4", "name", ABI_VPORT_CONTROL "\n");
	put("vport0p5", "name", "org.qemu.guest_agent.0\n");
	assert_int_equal(vports_scan(root, &v), VPORT_COUNT);
	assert_string_equal(v.dev[VPORT_STDIN], "vport0p1");
	assert_string_equal(v.dev[VPORT_STDOUT], "vport0p2");
	assert_string_equal(v.dev[VPORT_STDERR], "vport0p3");
	assert_string_equal(v.dev[VPORT_CONTROL], "vport0p4");
	assert_string_equal(v.dev[VPORT_EXEC], ""); /* optional: not there, not counted */
}

static void finds_exec_port(void **state)
{
	(void)state;
	struct vports v;
	put("vport0p6", "name", ABI_VPORT_EXEC "\n");
	assert_int_equal(vports_scan(root, &v), 0); /* none of the four required */
	assert_string_equal(v.dev[VPORT_EXEC], "vport0p6");
	put("vport0p1", "name", ABI_VPORT_STDIN "\n");
	put("vport0p2", "name", ABI_VPORT_STDOUT "\n");
	put("vport0p3", "name", ABI_VPORT_STDERR "\n");
	put("vport0p4", "name", ABI_VPORT_CONTROL "\n");
	put("vport0p7", "name", ABI_VPORT_EXEC "x\n"); /* a prefix is not a match */
	assert_int_equal(vports_scan(root, &v), VPORT_COUNT);
	assert_string_equal(v.dev[VPORT_EXEC], "vport0p6");
	assert_string_equal(v.dev[VPORT_CONTROL], "vport0p4");
}

static void partial_and_unnamed(void **state)
{
	(void)state;
	struct vports v;
	put("vport1p1", "name", ABI_VPORT_STDOUT "\n");
	put("vport1p2", "name", "");			/* not named yet */
	put("vport1p3", "name", ABI_VPORT_STDIN "x\n"); /* a prefix is not a match */
	assert_int_equal(vports_scan(root, &v), 1);
	assert_string_equal(v.dev[VPORT_STDOUT], "vport1p1");
	assert_string_equal(v.dev[VPORT_STDIN], "");
	assert_string_equal(v.dev[VPORT_CONTROL], "");
}

static void duplicate_counts_once(void **state)
{
	(void)state;
	struct vports v;
	put("vport0p1", "name", ABI_VPORT_STDERR);
	put("vport0p2", "name", ABI_VPORT_STDERR);
	assert_int_equal(vports_scan(root, &v), 1);
	assert_true(strcmp(v.dev[VPORT_STDERR], "vport0p1") == 0 ||
		    strcmp(v.dev[VPORT_STDERR], "vport0p2") == 0);
}

static void missing_dir(void **state)
{
	(void)state;
	struct vports v;
	assert_int_equal(vports_scan("/nonexistent/virtio-ports", &v), 0);
	assert_false(vports_console_present("/nonexistent/devices"));
}

static void console_device_id(void **state)
{
	(void)state;
	put("virtio0", "device", "0x0004\n"); /* rng */
	assert_false(vports_console_present(root));
	put("virtio1", "device", "0x0003\n");
	assert_true(vports_console_present(root));
}

static void open_rejects_odd_names(void **state)
{
	(void)state;
	assert_int_equal(vports_open(root, "../null", 0), -EINVAL);
	assert_int_equal(vports_open(root, "", 0), -EINVAL);
	assert_int_equal(vports_open(root, ".", 0), -EINVAL);
	/* no /dev node and no sysfs dev attribute to make one from */
	assert_true(vports_open(root, "vport97p99", 0) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(finds_all_four, setup, teardown),
	    cmocka_unit_test_setup_teardown(finds_exec_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(partial_and_unnamed, setup, teardown),
	    cmocka_unit_test_setup_teardown(duplicate_counts_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(console_device_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(open_rejects_odd_names, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
