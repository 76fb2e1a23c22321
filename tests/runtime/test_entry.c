// SPDX-License-Identifier: MIT
/*
 * Entering and leaving: the vDSO's contract (shared/reference/linux-sgx.md
 * §1.5), the user handler, every TCS, FS/GS bases, a busy TCS, and a
 * loader that executes ENCLU itself.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "rt_test_util.h"

static struct rtt r;
static struct rtt_encl e;

static int setup(void **state)
{
	(void)state;
	rtt_up(&r, NULL);
	rtt_load(&r, &e, 4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rtt_unload(&e);
	rtt_down(&r);
	return 0;
}

static void test_put_get(void **state)
{
	struct encl_op op = { .op = ENCL_OP_PUT, .arg = { 0x1122334455667788ull } };
	struct rt_stats before, after;

	(void)state;
	rt_stats_read(&before);
	rtt_call(&e, 0, &op);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_GET;
	rtt_call(&e, 0, &op);
	assert_int_equal(op.ret[0], 0x1122334455667788ull);
	rt_stats_read(&after);
	assert_int_equal(after.eenter - before.eenter, 2);
	assert_int_equal(after.eexit - before.eexit, 2);
}

/* A direct call (no register protection): RBX and RBP come back intact. */
static void test_direct_vdso_call(void **state)
{
	struct encl_op op = { .op = ENCL_OP_NOP };
	struct sgx_enclave_run run;

	(void)state;
	memset(&run, 0, sizeof(run));
	run.tcs = rtt_tcs(&e, 1);
	run.user_data = 0xdeadbeef;
	assert_int_equal(rt_vdso_sgx_enter_enclave((unsigned long)&op, 0, 0, SGX_EENTER, 0, 0,
						   &run), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	assert_int_equal(run.user_data, 0xdeadbeef);
}

static void test_run_validation(void **state)
{
	struct encl_op op = { .op = ENCL_OP_NOP };
	struct sgx_enclave_run run;
	unsigned int leaf;

	(void)state;
	/* Leaves other than EENTER/ERESUME: -EINVAL, nothing written. */
	for (leaf = 0; leaf < 8; leaf++) {
		if (leaf == SGX_EENTER || leaf == SGX_ERESUME)
			continue;
		memset(&run, 0, sizeof(run));
		run.tcs = rtt_tcs(&e, 0);
		assert_int_equal(encl_vdso(&op, leaf, &run), -EINVAL);
		assert_int_equal(run.function, 0);
	}
	/* Any non-zero reserved byte: -EINVAL. */
	for (unsigned int i = 0; i < sizeof(run.reserved); i += 37) {
		memset(&run, 0, sizeof(run));
		run.tcs = rtt_tcs(&e, 0);
		run.reserved[i] = 1;
		assert_int_equal(encl_vdso(&op, SGX_EENTER, &run), -EINVAL);
	}
	/* EEXIT writes only function: stale exception fields stay. */
	memset(&run, 0, sizeof(run));
	run.tcs = rtt_tcs(&e, 0);
	run.exception_vector = 99;
	run.exception_error_code = 0x1234;
	run.exception_addr = 0x5678;
	assert_int_equal(encl_vdso(&op, SGX_EENTER, &run), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	assert_int_equal(run.exception_vector, 99);
	assert_int_equal(run.exception_error_code, 0x1234);
	assert_int_equal(run.exception_addr, 0x5678);
}

static unsigned int handler_calls;
static long handler_rdi, handler_rsp;

static int user_handler(long rdi, long rsi, long rdx, long ursp, long r8, long r9,
			struct sgx_enclave_run *run)
{
	(void)rsi; (void)rdx; (void)r8; (void)r9;
	handler_calls++;
	handler_rdi = rdi;
	handler_rsp = ursp;
	if (run->function != SGX_EEXIT)
		fail_msg("exception %u code %#x addr %#lx (call %u)", run->exception_vector,
			 run->exception_error_code, (unsigned long)run->exception_addr,
			 handler_calls);
	run->user_data = 0;
	/* First call: go in again (a positive return is the next leaf). */
	if (handler_calls == 1)
		return SGX_EENTER;
	return -42;
}

static void test_user_handler(void **state)
{
	struct encl_op op = { .op = ENCL_OP_COUNT };
	struct sgx_enclave_run run;
	int ret;

	(void)state;
	memset(&run, 0, sizeof(run));
	run.tcs = rtt_tcs(&e, 2);
	run.user_handler = (uint64_t)(uintptr_t)user_handler;
	run.user_data = 0xdeadbeef;
	handler_calls = 0;
	ret = encl_vdso(&op, SGX_EENTER, &run);
	assert_int_equal(ret, -42);
	assert_int_equal(handler_calls, 2);
	assert_int_equal(run.user_data, 0);
	/* RDI passes through the enclave; the counter went up twice. */
	assert_int_equal(handler_rdi, (long)(uintptr_t)&op);
	assert_true(handler_rsp != 0);
	assert_int_equal(op.ret[0] % 2, 0);
}

static void test_every_tcs_fsgs(void **state)
{
	struct encl_op op;
	unsigned int i;

	(void)state;
	for (i = 0; i < ENCL_NR_TCS; i++) {
		memset(&op, 0, sizeof(op));
		op.op = ENCL_OP_FSGS;
		rtt_call(&e, i, &op);
		assert_int_equal(op.ret[0], ENCL_FS_MARK(i));
		assert_int_equal(op.ret[1], ENCL_GS_MARK(i));
		assert_int_equal(op.ret[2], i);
	}
}

struct spinner {
	struct encl_op op;
	volatile uint64_t inside, release;
	int ret;
	struct sgx_enclave_run run;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	s->op.op = ENCL_OP_SPIN;
	s->op.arg[0] = (uint64_t)(uintptr_t)&s->inside;
	s->op.arg[1] = (uint64_t)(uintptr_t)&s->release;
	s->ret = rtt_enter(&e, 3, &s->op, &s->run);
	return NULL;
}

static void test_busy_tcs(void **state)
{
	struct spinner s;
	struct encl_op op = { .op = ENCL_OP_NOP };
	struct sgx_enclave_run run;
	pthread_t th;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(pthread_create(&th, NULL, spin_thread, &s), 0);
	while (!s.inside)
		sched_yield();
	/* TCS 3 is busy: EENTER raises #GP, reported through the vDSO. */
	assert_int_equal(rtt_enter(&e, 3, &op, &run), 0);
	assert_int_equal(run.function, SGX_EENTER);
	assert_int_equal(run.exception_vector, 13);
	assert_int_equal(run.exception_error_code, 0);
	/* Another TCS is free. */
	rtt_call(&e, 2, &op);
	s.release = 1;
	pthread_join(th, NULL);
	assert_int_equal(s.ret, 0);
	assert_int_equal(s.run.function, SGX_EEXIT);
	/* Free again. */
	rtt_call(&e, 3, &op);
}

static void test_bad_tcs(void **state)
{
	struct encl_op op = { .op = ENCL_OP_NOP };
	struct sgx_enclave_run run;

	(void)state;
	/* A REG page is not a TCS: #PF with PF_SGX set, at that address. */
	memset(&run, 0, sizeof(run));
	run.tcs = e.base + e.heap;
	assert_int_equal(encl_vdso(&op, SGX_EENTER, &run), 0);
	assert_int_equal(run.function, SGX_EENTER);
	assert_int_equal(run.exception_vector, 14);
	assert_true(run.exception_error_code & X86_PF_SGX);
	assert_int_equal(run.exception_addr, e.base + e.heap);
	/* Misaligned: #GP. */
	run.tcs = rtt_tcs(&e, 0) + 8;
	assert_int_equal(encl_vdso(&op, SGX_EENTER, &run), 0);
	assert_int_equal(run.exception_vector, 13);
	/* ERESUME with CSSA = 0: #GP. */
	memset(&run, 0, sizeof(run));
	run.tcs = rtt_tcs(&e, 0);
	assert_int_equal(rtt_resume(&run), 0);
	assert_int_equal(run.function, SGX_ERESUME);
	assert_int_equal(run.exception_vector, 13);
}

static void test_raw_enclu(void **state)
{
	struct encl_op op = { .op = ENCL_OP_PUT, .arg = { 77 } };

	(void)state;
	encl_raw_eenter(rtt_tcs(&e, 0), &op);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_GET;
	encl_raw_eenter(rtt_tcs(&e, 1), &op);
	assert_int_equal(op.ret[0], 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_direct_vdso_call),
		cmocka_unit_test(test_run_validation),
		cmocka_unit_test(test_user_handler),
		cmocka_unit_test(test_every_tcs_fsgs),
		cmocka_unit_test(test_busy_tcs),
		cmocka_unit_test(test_bad_tcs),
		cmocka_unit_test(test_raw_enclu),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
