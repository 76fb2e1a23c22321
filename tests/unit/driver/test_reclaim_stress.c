// SPDX-License-Identifier: MIT
/*
 * The reclaimer under real concurrency, with ksgxd running:
 *
 *  - stress: an enclave of 4x the EPC mapped RW; two threads write and
 *    verify position- and round-dependent patterns over disjoint halves
 *    through the mapping (their SIGSEGV handler calls sgx_encl_fault()
 *    and retries, as the runtime will), while a third keeps entering and
 *    leaving the enclave as a logical processor, kicked out by a real
 *    signal when the reclaimer asks; zero mismatches;
 *  - teardown: an enclave released while its pages are being reclaimed
 *    and faulted; many enclaves created and destroyed under pressure;
 *    every EPC page and every piece of CPU state comes back.
 *
 * SGXEMU_STRESS_SMALL=1 (the ThreadSanitizer run) shrinks the sizes. No
 * assertion depends on timing.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "drv_test_util.h"
#include "encl.h"
#include "lp.h"

#define R   SGX_SECINFO_R
#define W   SGX_SECINFO_W
#define REG SGX_SECINFO_REG
#define AEP 0x1000ull

static struct {
	uint64_t epc_pages, data_pages, rounds, words;
} sz;

static void sizes(void)
{
	const char *small = getenv("SGXEMU_STRESS_SMALL");

	if (small && *small == '1')
		sz = (typeof(sz)){ 64, 256, 3, 4 };
	else
		sz = (typeof(sz)){ 256, 1024, 8, 8 };
}

/* ---- faults: retry until handled, as the runtime does ------------------------ */

static struct sgx_driver *fault_drv;
static _Thread_local sigjmp_buf *fault_env;
static atomic_uint bad_faults;
static atomic_ulong retries;

static void segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned int access = (uc->uc_mcontext.gregs[REG_ERR] & X86_PF_WRITE) ? HW_ACC_WRITE :
									       HW_ACC_READ;
	enum sgx_fault_result res;
	uint32_t code = 0;

	(void)sig;
	res = sgx_encl_fault(fault_drv, (uint64_t)(uintptr_t)si->si_addr, access, &code);
	if (res == SGX_FAULT_HANDLED)
		return;
	if (res == SGX_FAULT_RETRY) {
		atomic_fetch_add_explicit(&retries, 1, memory_order_relaxed);
		sched_yield();
		return;
	}
	atomic_fetch_add(&bad_faults, 1);
	if (fault_env)
		siglongjmp(*fault_env, 1);
	abort();
}

static void install(struct sgx_driver *drv)
{
	struct sigaction sa;

	fault_drv = drv;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, NULL), 0);
}

static void uninstall(void)
{
	signal(SIGSEGV, SIG_DFL);
	fault_drv = NULL;
}

/* ---- the enclave ------------------------------------------------------------- */

/* TCS at 0 (SSA at 0x1000, entry 0x2000), then @npages data pages, mapped RW. */
static void build(struct drvt *d, struct drvt_encl *e, uint64_t npages)
{
	static uint8_t tcs[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	uint64_t size = 0x10000;

	while (size < (npages + 2) * SGX_PAGE_SIZE)
		size <<= 1;
	drvt_encl(d, e, size, 0);
	hwt_tcs_init((struct sgx_tcs *)tcs, 0x1000, 1, 0x2000);
	assert_int_equal(drvt_add(e, 0x0000, 1, SGX_SECINFO_TCS, 0, tcs, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x1000, 1, REG | R | W, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x2000, npages, REG | R | W, 0, NULL, false, NULL), 0);
	assert_int_equal(drvt_init(e), 0);
	assert_int_equal(drvt_mmap(e, 0, size, PROT_READ | PROT_WRITE), (intptr_t)e->base);
}

static void setup(struct drvt *d, uint64_t epc_pages)
{
	struct hw_config cfg;

	hw_config_default(&cfg);
	cfg.epc_size = epc_pages * SGX_PAGE_SIZE;
	drvt_setup(d, &cfg);
	install(d->drv);
}

/* ---- the third thread: a logical processor entering and leaving --------------- */

struct lp_thread {
	struct drvt *d;
	struct drvt_encl *e;
	struct hw_lp lp;
	pthread_t tid;
	atomic_bool stop, alive;
	atomic_int window;              /* inside, running "enclave code": may AEX */
	atomic_ulong req, ack;          /* kick requests and acknowledgements */
	atomic_ulong entries, aexs, errors;
};

static struct lp_thread *the_lp;

/* The IPI: a logical processor inside takes an AEX; either way it acknowledges. */
static void usr1(int sig)
{
	struct lp_thread *t = the_lp;
	unsigned long req = atomic_load(&t->req);

	(void)sig;
	if (atomic_load(&t->window) && t->lp.in_enclave) {
		struct sgx_gprsgx gprs;
		struct hw_aex out;

		memset(&gprs, 0, sizeof(gprs));
		if (!enclu_aex(&t->lp, &gprs, NULL, 0, false, 0, 0, 0, &out))
			atomic_fetch_add(&t->aexs, 1);
		atomic_store(&t->window, 0);
	}
	atomic_store(&t->ack, req);
}

/* The runtime's kick: signal the thread, wait until it has been out. */
static void kick(void *ctx, uint64_t secs_index)
{
	struct lp_thread *t = ctx;
	unsigned long req;

	(void)secs_index;
	req = atomic_fetch_add(&t->req, 1) + 1;
	while (atomic_load(&t->alive) && atomic_load(&t->ack) < req) {
		pthread_kill(t->tid, SIGUSR1);
		sched_yield();
	}
}

static void block_usr1(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void *lp_main(void *arg)
{
	struct lp_thread *t = arg;
	struct hw_enter in;
	unsigned int ret;
	uint32_t code;
	uint64_t rcx;
	bool resume = false;

	hw_lp_init(&t->lp, t->d->t.hw, sgx_translate, t->d->drv);
	block_usr1(true);
	while (!atomic_load(&t->stop)) {
		/* Outside enclave mode here: whatever was asked so far is done. */
		atomic_store(&t->ack, atomic_load(&t->req));
		ret = resume ? enclu_eresume(&t->lp, t->e->base, AEP, 0, 0, &in, NULL, 0) :
			       enclu_eenter(&t->lp, t->e->base, AEP, 0, 0, &in);
		if (ret == SGX_FAULT_PF) {
			/* The TCS or SSA is out: fault it in and try again. */
			if (sgx_encl_fault_walk(t->d->drv, t->lp.fault_addr,
						HW_ACC_READ | HW_ACC_WRITE, &code) == SGX_FAULT_RETRY)
				sched_yield();
			continue;
		}
		if (ret) {
			/* SGX_FAULT_GP: the TCS held by a leaf (EWB of it) for a moment. */
			sched_yield();
			continue;
		}
		atomic_fetch_add(&t->entries, 1);
		atomic_store(&t->window, 1);
		block_usr1(false);              /* a pending kick lands now */
		for (int spin = 0; spin < 2000 && atomic_load(&t->window); spin++)
			__asm__ volatile("pause");
		block_usr1(true);
		resume = !t->lp.in_enclave;     /* AEXed: the frame waits for ERESUME */
		atomic_store(&t->window, 0);
		if (t->lp.in_enclave && enclu_eexit(&t->lp, &rcx))
			atomic_fetch_add(&t->errors, 1);
	}
	atomic_store(&t->alive, false);
	return NULL;
}

/* ---- data threads -------------------------------------------------------------- */

struct worker {
	uint8_t *base;                  /* first data page of the enclave */
	uint64_t first, count;          /* data pages of this thread */
	uint64_t mismatches, bad;
	pthread_t tid;
};

static uint64_t pattern(uint64_t page, uint64_t word, uint64_t round)
{
	return (page << 32) ^ (word << 16) ^ (round * 0x9e3779b97f4a7c15ull);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	sigjmp_buf env;
	volatile uint64_t r = 0;
	uint64_t p, k;

	fault_env = &env;
	if (sigsetjmp(env, 1)) {
		w->bad++;
		return NULL;
	}
	for (; r < sz.rounds; r++) {
		for (p = w->first; p < w->first + w->count; p++)
			for (k = 0; k < sz.words; k++)
				*(volatile uint64_t *)(w->base + p * SGX_PAGE_SIZE +
						       k * (SGX_PAGE_SIZE / sz.words)) = pattern(p, k, r);
		for (p = w->first; p < w->first + w->count; p++)
			for (k = 0; k < sz.words; k++)
				if (*(volatile uint64_t *)(w->base + p * SGX_PAGE_SIZE +
							   k * (SGX_PAGE_SIZE / sz.words)) !=
				    pattern(p, k, r))
					w->mismatches++;
	}
	fault_env = NULL;
	return NULL;
}

static void test_stress(void **state)
{
	struct worker w[2];
	struct lp_thread t;
	struct sgx_driver_stats st;
	struct sigaction sa;
	struct drvt_encl e;
	struct drvt d;
	int i;

	(void)state;
	setup(&d, sz.epc_pages);
	build(&d, &e, sz.data_pages);
	memset(&t, 0, sizeof(t));
	t.d = &d;
	t.e = &e;
	atomic_store(&t.alive, true);
	the_lp = &t;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
	assert_int_equal(pthread_create(&t.tid, NULL, lp_main, &t), 0);
	sgx_driver_set_kick(d.drv, kick, &t);

	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){ (uint8_t *)(uintptr_t)e.base + 0x2000,
					(uint64_t)i * (sz.data_pages / 2), sz.data_pages / 2, 0, 0, 0 };
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(w[i].tid, NULL);
	atomic_store(&t.stop, true);
	while (atomic_load(&t.alive))
		sched_yield();
	sgx_driver_set_kick(d.drv, NULL, NULL);
	pthread_join(t.tid, NULL);
	signal(SIGUSR1, SIG_DFL);

	sgx_driver_stats(d.drv, &st);
	printf("stress: %llu EWB, %llu ELDU, %llu passes, %llu aged, %llu kicks (%lu AEX), "
	       "%lu entries, %lu retries\n", (unsigned long long)st.ewb,
	       (unsigned long long)st.eldu, (unsigned long long)st.reclaim_passes,
	       (unsigned long long)st.aged, (unsigned long long)st.kicks, atomic_load(&t.aexs),
	       atomic_load(&t.entries), atomic_load(&retries));
	for (i = 0; i < 2; i++) {
		assert_int_equal(w[i].bad, 0);
		assert_int_equal(w[i].mismatches, 0);
	}
	assert_int_equal(atomic_load(&t.errors), 0);
	assert_int_equal(atomic_load(&bad_faults), 0);
	/* Four times the EPC went through it every round. */
	assert_true(st.eldu >= sz.data_pages);
	assert_true(st.ewb >= sz.data_pages);
	assert_int_equal(st.eldu_failures, 0);
	drvt_close(&e);
	uninstall();
	drvt_teardown(&d);
}

/* ---- teardown -------------------------------------------------------------------- */

struct toucher {
	uint8_t *base;
	uint64_t pages;
	atomic_bool stop;
	atomic_ulong touches;
	uint64_t bad;
};

static void *toucher_main(void *arg)
{
	struct toucher *t = arg;
	sigjmp_buf env;
	volatile uint64_t i = 0;

	fault_env = &env;
	if (sigsetjmp(env, 1)) {
		t->bad++;
		return NULL;
	}
	while (!atomic_load(&t->stop)) {
		uint64_t p = 2 + (i * 7) % t->pages;

		*(volatile uint64_t *)(t->base + p * SGX_PAGE_SIZE) = i++;
		atomic_fetch_add(&t->touches, 1);
	}
	fault_env = NULL;
	return NULL;
}

/* The file closed while pages are faulted and reclaimed; then the mapping goes. */
static void test_release_while_reclaiming(void **state)
{
	unsigned int iter, iters = sz.rounds;
	struct sgx_driver_stats st;
	struct drvt d;

	(void)state;
	setup(&d, sz.epc_pages / 2);
	for (iter = 0; iter < iters; iter++) {
		struct toucher t = { .pages = sz.epc_pages };
		struct drvt_encl e;
		pthread_t tid;

		build(&d, &e, sz.epc_pages);
		t.base = (uint8_t *)(uintptr_t)e.base;
		assert_int_equal(pthread_create(&tid, NULL, toucher_main, &t), 0);
		while (atomic_load(&t.touches) < sz.epc_pages)
			sched_yield();
		/* The mapping keeps the enclave alive; ksgxd keeps working on it. */
		sgx_release(e.f);
		e.f = NULL;
		while (atomic_load(&t.touches) < 3 * sz.epc_pages)
			sched_yield();
		atomic_store(&t.stop, true);
		pthread_join(tid, NULL);
		assert_int_equal(t.bad, 0);
		/* The last reference goes, possibly in the middle of a pass. */
		drvt_close(&e);
	}
	/* ksgxd may hold the last reference for a moment: wait for it, not for a time. */
	do {
		sched_yield();
		sgx_driver_stats(d.drv, &st);
	} while (st.enclaves);
	assert_int_equal(st.epc_free, d.drv->nr_epc_pages);
	assert_int_equal(st.backing_bytes, 0);
	uninstall();
	drvt_teardown(&d);
}

/* Enclaves come and go while the EPC is oversubscribed: nothing leaks. */
static void test_many_enclaves(void **state)
{
	struct drvt_encl e[3];
	struct sgx_driver_stats st;
	struct hw_stats hst;
	unsigned int iter, k, iters = (unsigned int)sz.rounds * 3;
	struct drvt d;

	(void)state;
	setup(&d, sz.epc_pages / 2);
	memset(e, 0, sizeof(e));
	for (iter = 0; iter < iters; iter++) {
		struct drvt_encl *x = &e[iter % 3];
		uint64_t p, n = sz.epc_pages * 3 / 8;

		if (x->f)
			drvt_close(x);
		build(&d, x, n);
		for (p = 0; p < n; p += 3)
			*(volatile uint64_t *)(uintptr_t)(x->base + (2 + p) * SGX_PAGE_SIZE) = p;
		for (p = 0; p < n; p += 3)
			assert_int_equal(*(volatile uint64_t *)(uintptr_t)(x->base +
									 (2 + p) * SGX_PAGE_SIZE), p);
	}
	for (k = 0; k < 3; k++)
		drvt_close(&e[k]);
	do {
		sched_yield();
		sgx_driver_stats(d.drv, &st);
	} while (st.enclaves);
	assert_int_equal(st.epc_free, d.drv->nr_epc_pages);
	hw_stats_read(d.t.hw, &hst);
	assert_int_equal(hst.enclaves, 0);
	assert_int_equal(hst.epcm_valid, 0);
	assert_int_equal(atomic_load(&bad_faults), 0);
	uninstall();
	drvt_teardown(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_release_while_reclaiming),
		cmocka_unit_test(test_many_enclaves),
	};

	sizes();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
