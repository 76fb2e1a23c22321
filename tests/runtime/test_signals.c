// SPDX-License-Identifier: MIT
/*
 * Asynchronous signals while enclaves run: each one that lands in enclave
 * mode is an AEX, the program's handler runs at the AEP, and ERESUME picks
 * up exactly where the enclave was - general registers, SSE state and the
 * red zone of its stack intact. Real-time signals are queued, so every one
 * sent must reach the handler.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "rt_test_util.h"

#define WORKERS 2
#define ROUNDS  (24u << 20)             /* per computation: ~0.1 s */
#define REPEATS 6

static struct rtt r;
static struct rtt_encl e;
static atomic_uint handled[WORKERS];
static atomic_uint alarms;
static atomic_bool stop;

struct worker {
	unsigned int idx;
	pthread_t th;
	uint64_t bad, done;
	int ret;                        /* the first bad call's */
	struct sgx_enclave_run run;
	uint64_t got, want;
};

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	atomic_fetch_add(&handled[si->si_value.sival_int], 1);
}

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&alarms, 1);
}

static void *compute(void *arg)
{
	struct worker *w = arg;
	struct sgx_enclave_run run;
	struct encl_op op;
	unsigned int i;

	for (i = 0; i < REPEATS; i++) {
		uint64_t seed = 0x1234567ull * (i + 1) + w->idx;

		memset(&op, 0, sizeof(op));
		op.op = ENCL_OP_COMPUTE;
		op.arg[0] = ROUNDS;
		op.arg[1] = seed;
		int ret = rtt_enter(&e, w->idx, &op, &run);
		uint64_t want = encl_compute(ROUNDS, seed);

		if (ret || run.function != SGX_EEXIT || op.ret[0] != want) {
			if (!w->bad++) {
				w->ret = ret;
				w->run = run;
				w->got = op.ret[0];
				w->want = want;
			}
		}
		w->done++;
	}
	atomic_store(&stop, true);
	return NULL;
}

static void test_signal_storm(void **state)
{
	struct sigaction sa;
	struct itimerval it = { .it_interval = { 0, 500 }, .it_value = { 0, 500 } };
	struct worker w[WORKERS];
	struct rt_stats before, after;
	unsigned int sent[WORKERS] = { 0 }, i;
	union sigval v;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	assert_int_equal(rt_sigaction(SIGRTMIN + 1, &sa, NULL), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	assert_int_equal(rt_sigaction(SIGALRM, &sa, NULL), 0);

	rt_stats_read(&before);
	atomic_store(&stop, false);
	for (i = 0; i < WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].idx = i;
		atomic_store(&handled[i], 0);
		assert_int_equal(pthread_create(&w[i].th, NULL, compute, &w[i]), 0);
	}
	/* A timer storm on the whole process, queued signals to each worker. */
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	while (!atomic_load(&stop)) {
		for (i = 0; i < WORKERS; i++) {
			v.sival_int = (int)i;
			if (!pthread_sigqueue(w[i].th, SIGRTMIN + 1, v))
				sent[i]++;
		}
		usleep(200);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < WORKERS; i++)
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
	rt_stats_read(&after);

	for (i = 0; i < WORKERS; i++) {
		if (w[i].bad)
			fail_msg("worker %u: %lu bad; first: ret %d function %u exception %u/%#x at "
				 "%#lx, result %#lx, expected %#lx", i, (unsigned long)w[i].bad,
				 w[i].ret, w[i].run.function, w[i].run.exception_vector,
				 w[i].run.exception_error_code,
				 (unsigned long)w[i].run.exception_addr, (unsigned long)w[i].got,
				 (unsigned long)w[i].want);
		assert_true(sent[i] > 20);
		/* Queued signals are never merged: each one was handled. */
		assert_int_equal(atomic_load(&handled[i]), sent[i]);
	}
	assert_true(atomic_load(&alarms) > 0);
	/* Most of them interrupted enclave code: AEXes, not host-mode signals. */
	assert_true(after.aex_signal - before.aex_signal > 100);
	assert_int_equal(after.aex_exception, before.aex_exception);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_storm),
	};
	int ret;

	rtt_up(&r, NULL);
	rtt_load(&r, &e, 0);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rtt_unload(&e);
	rtt_down(&r);
	return ret;
}
