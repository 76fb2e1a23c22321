// SPDX-License-Identifier: MIT
/*
 * EPC paging seen from enclave code, through the whole stack (runtime,
 * driver, reclaimer): an enclave whose heap is 4x the EPC; two threads,
 * each on its own TCS, write and check position-dependent patterns over
 * disjoint halves of the heap for a number of rounds (every page evicted
 * and loaded back again and again), while a third thread keeps entering
 * and leaving the enclave on a third TCS (and is kicked out with a real
 * signal when an EWB needs it gone). Zero mismatches, and the paging
 * really happened.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "rt_test_util.h"

#define EPC_SIZE   (4ull << 20)
#define HEAP_PAGES (4 * EPC_SIZE / 4096)
#define ROUNDS     3

static struct rtt r;
static struct rtt_encl e;
static atomic_bool stop;

struct half {
	unsigned int tcs;
	uint64_t start, len;
	uint64_t mismatches, calls_failed;
};

static void *pattern_worker(void *arg)
{
	struct half *h = arg;
	struct sgx_enclave_run run;
	struct encl_op op;
	unsigned int round;

	for (round = 0; round < ROUNDS; round++) {
		for (int check = 0; check < 2; check++) {
			memset(&op, 0, sizeof(op));
			op.op = ENCL_OP_PATTERN;
			op.arg[0] = h->start;
			op.arg[1] = h->len;
			op.arg[2] = 0x5eed0000ull + round;
			op.arg[3] = (uint64_t)check;
			if (rtt_enter(&e, h->tcs, &op, &run) || run.function != SGX_EEXIT)
				h->calls_failed++;
			else
				h->mismatches += op.ret[0];
		}
	}
	return NULL;
}

static void *enter_leave(void *arg)
{
	struct sgx_enclave_run run;
	struct encl_op op;
	uint64_t *calls = arg;

	while (!atomic_load(&stop)) {
		memset(&op, 0, sizeof(op));
		op.op = ENCL_OP_COMPUTE;
		op.arg[0] = 20000;
		op.arg[1] = *calls;
		if (!rtt_enter(&e, 2, &op, &run) && run.function == SGX_EEXIT &&
		    op.ret[0] == encl_compute(20000, *calls))
			(*calls)++;
		else
			break;
	}
	return NULL;
}

static void test_heap_four_times_the_epc(void **state)
{
	struct half h[2];
	struct sgx_driver_stats before, after;
	struct rt_stats rs;
	pthread_t th[2], other;
	uint64_t other_calls = 0;
	unsigned int i;

	(void)state;
	sgx_driver_stats(r.drv, &before);
	atomic_store(&stop, false);
	assert_int_equal(pthread_create(&other, NULL, enter_leave, &other_calls), 0);
	for (i = 0; i < 2; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].tcs = i;
		h[i].len = e.heap_size / 2;
		h[i].start = e.base + e.heap + i * h[i].len;
		assert_int_equal(pthread_create(&th[i], NULL, pattern_worker, &h[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	atomic_store(&stop, true);
	assert_int_equal(pthread_join(other, NULL), 0);
	sgx_driver_stats(r.drv, &after);
	rt_stats_read(&rs);

	for (i = 0; i < 2; i++) {
		assert_int_equal(h[i].calls_failed, 0);
		assert_int_equal(h[i].mismatches, 0);
	}
	assert_true(other_calls > 0);
	/* Every round went through the whole heap, four times the EPC. */
	assert_true(after.ewb - before.ewb >= HEAP_PAGES);
	assert_true(after.eldu - before.eldu >= HEAP_PAGES);
	print_message("paging: %lu EWB, %lu ELDU, %lu enter/leave calls, %lu kicks, "
		      "%lu fault retries\n", (unsigned long)(after.ewb - before.ewb),
		      (unsigned long)(after.eldu - before.eldu), (unsigned long)other_calls,
		      (unsigned long)rs.kicks, (unsigned long)rs.fault_retries);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_four_times_the_epc),
	};
	struct hw_config cfg;
	int ret;

	hw_config_default(&cfg);
	cfg.epc_size = EPC_SIZE;
	rtt_up(&r, &cfg);
	rtt_load(&r, &e, HEAP_PAGES);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtt_unload(&e);
	rtt_down(&r);
	return ret;
}
