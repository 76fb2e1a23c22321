// SPDX-License-Identifier: MIT
/*
 * fork(): the child starts with a fresh platform of its own - no enclave
 * state from the parent - and can build and run its own enclave; the
 * parent's enclave is untouched by it.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_test_util.h"

static struct rtt r;
static struct rtt_encl e;

static int child(void)
{
	struct rtt cr;
	struct rtt_encl ce;
	struct encl_op op = { .op = ENCL_OP_PUT, .arg = { 0xc41d } };
	struct hw_config cfg;

	/* What the preload layer does in a fork child: a platform of its own. */
	hw_config_default(&cfg);
	if (hw_platform_create(&cfg, &cr.hw) || sgx_driver_create(cr.hw, NULL, &cr.drv))
		return 2;
	rt_fork_child(cr.hw, cr.drv);
	rtt_load(&cr, &ce, 1);
	rtt_call(&ce, 0, &op);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_GET;
	rtt_call(&ce, 2, &op);
	if (op.ret[0] != 0xc41d)
		return 3;
	/* The child's EPC holds only its own enclave. */
	{
		struct sgx_driver_stats st;

		sgx_driver_stats(cr.drv, &st);
		if (st.enclaves != 1)
			return 4;
	}
	return 0;
}

static void test_fork_child_runs_its_own_enclave(void **state)
{
	struct encl_op op = { .op = ENCL_OP_PUT, .arg = { 0x9a4e47 } };
	int status;
	pid_t pid;

	(void)state;
	rtt_call(&e, 0, &op);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_GET;
	rtt_call(&e, 1, &op);
	assert_int_equal(op.ret[0], 0x9a4e47);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_child_runs_its_own_enclave),
	};
	int ret;

	rtt_up(&r, NULL);
	rtt_load(&r, &e, 0);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtt_unload(&e);
	rtt_down(&r);
	return ret;
}
