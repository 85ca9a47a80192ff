/* Unit tests for --cap-add, --cap-drop, --privileged, --security-opt (host/secopts.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "secopts.h"

#define BIT(n) (UINT64_C(1) << (n))
enum { CHOWN = 0, KILL = 5, NET_BIND_SERVICE = 10, NET_ADMIN = 12, NET_RAW = 13, SYS_ADMIN = 21 };

static uint64_t bounding(const struct secopts *s)
{
	uint64_t sets[SECOPTS_SETS];
	secopts_sets(s, sets);
	assert_int_equal(sets[SECOPTS_EFFECTIVE], sets[SECOPTS_BOUNDING]);
	assert_int_equal(sets[SECOPTS_PERMITTED], sets[SECOPTS_BOUNDING]);
	assert_int_equal(sets[SECOPTS_INHERITABLE], 0);
	assert_int_equal(sets[SECOPTS_AMBIENT], 0);
	return sets[SECOPTS_BOUNDING];
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(secopts_cap_number("CAP_CHOWN"), CHOWN);
	assert_int_equal(secopts_cap_number("net_admin"), NET_ADMIN);
	assert_int_equal(secopts_cap_number("Cap_Sys_Admin"), SYS_ADMIN);
	assert_int_equal(secopts_cap_number("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(secopts_cap_number("CAP_"), -1);
	assert_int_equal(secopts_cap_number("NOPE"), -1);
	assert_int_equal(secopts_cap_number(""), -1);
	assert_string_equal(secopts_cap_name(NET_RAW), "CAP_NET_RAW");
	assert_null(secopts_cap_name(41));
}

/* docker's arithmetic, case by case (moby's TweakCapabilities). */
static void test_sets(void **state)
{
	struct sb_error err = {0};
	(void)state;

	struct secopts s = {0};
	assert_int_equal(bounding(&s), SECOPTS_CAPS_DEFAULT);
	assert_int_equal(bounding(&s), 0xa80425fbu); /* what docker shows as CapBnd */

	s = (struct secopts){0};
	assert_int_equal(secopts_cap_add(&s, "NET_ADMIN,sys_admin", &err), 0);
	assert_int_equal(secopts_cap_drop(&s, "CAP_KILL", &err), 0);
	assert_int_equal(bounding(&s),
			 (SECOPTS_CAPS_DEFAULT & ~BIT(KILL)) | BIT(NET_ADMIN) | BIT(SYS_ADMIN));

	s = (struct secopts){0}; /* an add outranks a drop of the same */
	assert_int_equal(secopts_cap_add(&s, "NET_RAW", &err), 0);
	assert_int_equal(secopts_cap_drop(&s, "NET_RAW", &err), 0);
	assert_true(bounding(&s) & BIT(NET_RAW));

	s = (struct secopts){0};
	assert_int_equal(secopts_cap_drop(&s, "ALL", &err), 0);
	assert_int_equal(bounding(&s), 0);
	assert_int_equal(secopts_cap_add(&s, "NET_BIND_SERVICE", &err), 0);
	assert_int_equal(bounding(&s), BIT(NET_BIND_SERVICE));

	s = (struct secopts){0};
	assert_int_equal(secopts_cap_add(&s, "all", &err), 0);
	assert_int_equal(secopts_cap_drop(&s, "SYS_ADMIN", &err), 0);
	assert_int_equal(bounding(&s), ~BIT(SYS_ADMIN));

	s = (struct secopts){.privileged = true, .drop = BIT(CHOWN)};
	assert_int_equal(bounding(&s), SECOPTS_CAPS_ALL);
}

static void test_bad_input(void **state)
{
	struct secopts s = {0};
	struct sb_error err = {0};
	(void)state;

	assert_int_equal(secopts_cap_add(&s, "NET_ADMIN,BOGUS", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown capability `BOGUS`"));
	assert_int_equal(secopts_cap_drop(&s, "", &err), -EINVAL);
	assert_int_equal(secopts_cap_drop(&s, "KILL,", &err), -EINVAL);
	assert_int_equal(
	    secopts_cap_add(
		&s, "CAP_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		&err),
	    -EINVAL);

	assert_int_equal(secopts_security_opt(&s, "no-new-privileges", &err), 0);
	assert_true(s.no_new_privs);
	assert_int_equal(secopts_security_opt(&s, "no-new-privileges=false", &err), 0);
	assert_false(s.no_new_privs);
	assert_int_equal(secopts_security_opt(&s, "no-new-privileges:true", &err), 0);
	assert_true(s.no_new_privs);
	assert_int_equal(secopts_security_opt(&s, "no-new-privileges=maybe", &err), -EINVAL);
	assert_int_equal(secopts_security_opt(&s, "seccomp=unconfined", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not supported"));
	assert_int_equal(secopts_security_opt(&s, "apparmor=x", &err), -EINVAL);
	assert_int_equal(secopts_security_opt(&s, "whatever", &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
