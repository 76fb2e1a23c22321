// SPDX-License-Identifier: MIT
/*
 * Many logical processors at once: four threads, each on its own TCS,
 * 100,000 ecalls each; every per-TCS counter the enclave keeps must come
 * out exact, and every call must have seen the value before it plus one.
 */
#include <pthread.h>
#include <string.h>

#include "rt_test_util.h"

#define CALLS 100000

static struct rtt r;
static struct rtt_encl e;

struct worker {
	unsigned int tcs;
	uint64_t first, bad;
	struct sgx_enclave_run failed;  /* the first call that did not EEXIT */
	int failed_ret;
	uint64_t failed_at;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct encl_op op;
	struct sgx_enclave_run run;
	uint64_t i;
	int ret;

	for (i = 0; i < CALLS; i++) {
		memset(&op, 0, sizeof(op));
		op.op = ENCL_OP_COUNT;
		ret = rtt_enter(&e, w->tcs, &op, &run);
		if (ret || run.function != SGX_EEXIT) {
			if (!w->bad++) {
				w->failed = run;
				w->failed_ret = ret;
				w->failed_at = i;
			}
			continue;
		}
		if (i == 0)
			w->first = op.ret[0];
		else if (op.ret[0] != w->first + i)
			w->bad++;
	}
	return NULL;
}

static void test_four_tcs_four_threads(void **state)
{
	struct worker w[ENCL_NR_TCS];
	pthread_t th[ENCL_NR_TCS];
	struct rt_stats before, after;
	unsigned int i;

	(void)state;
	rt_stats_read(&before);
	for (i = 0; i < ENCL_NR_TCS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].tcs = i;
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	}
	for (i = 0; i < ENCL_NR_TCS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	rt_stats_read(&after);
	for (i = 0; i < ENCL_NR_TCS; i++) {
		struct encl_op op = { .op = ENCL_OP_COUNT };

		if (w[i].bad)
			fail_msg("TCS %u: %lu bad calls; call %lu returned %d, function %u, "
				 "exception %u code %#x addr %#lx", i, (unsigned long)w[i].bad,
				 (unsigned long)w[i].failed_at, w[i].failed_ret, w[i].failed.function,
				 w[i].failed.exception_vector, w[i].failed.exception_error_code,
				 (unsigned long)w[i].failed.exception_addr);
		assert_int_equal(w[i].first, 1);
		/* One more call: the counter stands at exactly CALLS. */
		rtt_call(&e, i, &op);
		assert_int_equal(op.ret[0], CALLS + 1);
	}
	assert_int_equal(after.eenter - before.eenter, (uint64_t)ENCL_NR_TCS * CALLS);
	assert_int_equal(after.eexit - before.eexit, (uint64_t)ENCL_NR_TCS * CALLS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_tcs_four_threads),
	};
	int ret;

	rtt_up(&r, NULL);
	rtt_load(&r, &e, 0);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtt_unload(&e);
	rtt_down(&r);
	return ret;
}
