// SPDX-License-Identifier: MIT
/*
 * ETRACK/EWB tracking: the epoch model of struct hw_encl (track_enter,
 * track_exit, track_etrack, track_block_epoch, track_page_tracked) as the
 * paging leaves see it. Logical processors are simulated by calling
 * track_enter()/track_exit() directly, as EENTER/ERESUME and EEXIT/AEX do.
 *
 * The rule (SDM EWB "Tracking not correct", DESIGN.md "Paging"): EWB of a
 * blocked page returns SGX_NOT_TRACKED until an ETRACK made after the
 * EBLOCK has been seen out by every logical processor that was inside the
 * enclave when that ETRACK ran. Scripted scenarios check it step by step;
 * a multi-threaded stress checks that no EWB ever succeeds while a logical
 * processor that entered before the ETRACK is still inside.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hw_test_util.h"
#include "hw_internal.h"

struct blob {
	uint8_t page[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	struct sgx_pcmd pcmd;
};

#define NR_PAGES 3
#define NR_LPS   4

static const uint64_t page_off[NR_PAGES] = { 0x4000, 0x2000, 0x0000 /* TCS */ };

static struct {
	struct hwt t;
	struct hwt_encl e;
	struct hw_encl *encl;
	void *va;
	void *page[NR_PAGES];           /* current EPC page of each tracked page */
	struct blob blob[NR_PAGES];
} env;

static uint64_t a64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static struct hw_platform *hw(void)
{
	return env.t.hw;
}

static void env_setup(void)
{
	uint64_t secs_idx;

	memset(&env, 0, sizeof(env));
	hwt_setup(&env.t, NULL);
	hwt_build_default(&env.t, &env.e, 0);
	secs_idx = hwt_epc_index(&env.t, env.e.secs);
	env.encl = secs_encl(env.t.hw, secs_idx);
	assert_non_null(env.encl);
	env.va = hwt_epc(&env.t);
	assert_leaf(-1, encls_epa(hw(), env.va), 0);
	for (int i = 0; i < NR_PAGES; i++) {
		env.page[i] = hwt_lookup(&env.e, env.e.base + page_off[i]);
		assert_non_null(env.page[i]);
	}
}

static void env_teardown(void)
{
	measure_destroy(&env.e.m);      /* the fixture's shadow measurement */
	hwt_teardown(&env.t);
}

static uint64_t *slot(int page)
{
	return (uint64_t *)env.va + page;
}

static unsigned int ewb(int page)
{
	struct sgx_pageinfo pi = {
		.contents = a64(env.blob[page].page), .metadata = a64(&env.blob[page].pcmd),
	};

	return encls_ewb(hw(), &pi, env.page[page], slot(page));
}

static unsigned int eld(int page, bool blocked)
{
	struct sgx_pageinfo pi = {
		.addr = env.e.base + page_off[page], .contents = a64(env.blob[page].page),
		.metadata = a64(&env.blob[page].pcmd), .secs = a64(env.e.secs),
	};
	void *epc = hwt_epc(&env.t);
	unsigned int ret;

	ret = blocked ? encls_eldb(hw(), &pi, epc, slot(page)) :
			encls_eldu(hw(), &pi, epc, slot(page));
	if (ret == 0)
		env.page[page] = epc;
	return ret;
}

/* ---- scripted scenarios -------------------------------------------------------- */

enum op { END, ENTER, EXIT, EBLOCK, ETRACK, EWB, ELDU, ELDB, TCS_BUSY, TCS_FREE };

struct step {
	enum op op;
	int arg;                        /* LP for ENTER/EXIT, page otherwise */
	unsigned int want;              /* leaf result */
};

#define P0 0    /* REG */
#define P1 1    /* REG */
#define PT 2    /* TCS */

static const struct {
	const char *what;
	struct step steps[24];
} scripts[] = {
	/* 0 */ { "LP inside before the ETRACK keeps the page until it leaves", {
		{ ENTER, 0, 0 }, { EBLOCK, P0, 0 },
		{ EWB, P0, SGX_NOT_TRACKED },           /* no ETRACK yet */
		{ ETRACK, 0, 0 },
		{ EWB, P0, SGX_NOT_TRACKED },           /* LP 0 still inside */
		{ EXIT, 0, 0 },
		{ EWB, P0, 0 }, { END, 0, 0 } } },
	/* 1 */ { "LP entering after the ETRACK does not block", {
		{ EBLOCK, P0, 0 }, { ETRACK, 0, 0 }, { ENTER, 0, 0 },
		{ EWB, P0, 0 }, { EXIT, 0, 0 }, { END, 0, 0 } } },
	/* 2 */ { "LP entering between EBLOCK and ETRACK blocks", {
		{ EBLOCK, P0, 0 }, { ENTER, 0, 0 }, { ETRACK, 0, 0 },
		{ EWB, P0, SGX_NOT_TRACKED }, { EXIT, 0, 0 },
		{ EWB, P0, 0 }, { END, 0, 0 } } },
	/* 3 */ { "ETRACK waits for the previous cycle (SGX_PREV_TRK_INCMPL)", {
		{ ENTER, 0, 0 }, { ETRACK, 0, 0 },
		{ ETRACK, 0, SGX_PREV_TRK_INCMPL },
		{ ENTER, 1, 0 },                        /* new epoch: does not hold it up */
		{ EXIT, 0, 0 }, { ETRACK, 0, 0 },
		{ ETRACK, 0, SGX_PREV_TRK_INCMPL },     /* now LP 1 was inside */
		{ EXIT, 1, 0 }, { ETRACK, 0, 0 }, { END, 0, 0 } } },
	/* 4 */ { "page blocked after the ETRACK needs another", {
		{ ETRACK, 0, 0 }, { EBLOCK, P0, 0 },
		{ EWB, P0, SGX_NOT_TRACKED }, { ETRACK, 0, 0 },
		{ EWB, P0, 0 }, { END, 0, 0 } } },
	/* 5 */ { "a batch of blocked pages shares one ETRACK", {
		{ EBLOCK, P0, 0 }, { EBLOCK, P1, 0 }, { ETRACK, 0, 0 },
		{ EWB, P0, 0 }, { EWB, P1, 0 }, { END, 0, 0 } } },
	/* 6 */ { "LPs of the new epoch count for the next ETRACK", {
		{ ENTER, 0, 0 }, { ETRACK, 0, 0 }, { ENTER, 1, 0 },
		{ EBLOCK, P0, 0 }, { EXIT, 0, 0 }, { ETRACK, 0, 0 },
		{ EWB, P0, SGX_NOT_TRACKED },           /* LP 1 was inside at that ETRACK */
		{ EXIT, 1, 0 }, { EWB, P0, 0 }, { END, 0, 0 } } },
	/* 7 */ { "every LP gone but no ETRACK: still not tracked", {
		{ ENTER, 0, 0 }, { EBLOCK, P0, 0 }, { EXIT, 0, 0 },
		{ EWB, P0, SGX_NOT_TRACKED }, { ETRACK, 0, 0 },
		{ EWB, P0, 0 }, { END, 0, 0 } } },
	/* 8 */ { "TCS in use by an LP", {
		{ TCS_BUSY, PT, 0 }, { EBLOCK, PT, 0 }, { ETRACK, 0, 0 },
		{ EWB, PT, SGX_NOT_TRACKED }, { TCS_FREE, PT, 0 },
		{ EWB, PT, 0 }, { END, 0, 0 } } },
	/* 9 */ { "ELDB'd page needs an ETRACK, ELDU'd page an EBLOCK", {
		{ EBLOCK, P0, 0 }, { ETRACK, 0, 0 }, { EWB, P0, 0 },
		{ ELDB, P0, 0 }, { EBLOCK, P0, SGX_BLKSTATE },
		{ EWB, P0, SGX_NOT_TRACKED }, { ETRACK, 0, 0 }, { EWB, P0, 0 },
		{ ELDU, P0, 0 }, { EWB, P0, SGX_PAGE_NOT_BLOCKED },
		{ EBLOCK, P0, 0 }, { ETRACK, 0, 0 }, { EWB, P0, 0 }, { END, 0, 0 } } },
	/* 10 */ { "one straggler among many LPs", {
		{ ENTER, 0, 0 }, { ENTER, 1, 0 }, { ENTER, 2, 0 }, { ENTER, 3, 0 },
		{ EBLOCK, P0, 0 }, { ETRACK, 0, 0 },
		{ EXIT, 0, 0 }, { EXIT, 1, 0 }, { EXIT, 2, 0 },
		{ EWB, P0, SGX_NOT_TRACKED },
		{ ENTER, 0, 0 },                        /* back in, in the new epoch */
		{ EWB, P0, SGX_NOT_TRACKED },
		{ EXIT, 3, 0 }, { EWB, P0, 0 }, { EXIT, 0, 0 }, { END, 0, 0 } } },
	/* 11 */ { "LP re-entering after the ETRACK does not block", {
		{ ENTER, 0, 0 }, { EBLOCK, P0, 0 }, { ETRACK, 0, 0 },
		{ EXIT, 0, 0 }, { ENTER, 0, 0 },
		{ EWB, P0, 0 }, { EXIT, 0, 0 }, { END, 0, 0 } } },
	/* 12 */ { "ETRACK with nobody inside, twice in a row", {
		{ EBLOCK, P0, 0 }, { ETRACK, 0, 0 }, { ETRACK, 0, 0 },
		{ EWB, P0, 0 }, { END, 0, 0 } } },
};

static void test_scripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		uint64_t ep[NR_LPS] = { 0 };
		bool in[NR_LPS] = { false };

		env_setup();
		for (size_t s = 0; scripts[i].steps[s].op != END; s++) {
			const struct step *st = &scripts[i].steps[s];
			unsigned int got = 0;

			switch (st->op) {
			case ENTER:
				assert_false(in[st->arg]);
				ep[st->arg] = track_enter(env.encl);
				in[st->arg] = true;
				break;
			case EXIT:
				assert_true(in[st->arg]);
				track_exit(env.encl, ep[st->arg]);
				in[st->arg] = false;
				break;
			case EBLOCK:
				got = encls_eblock(hw(), env.page[st->arg]);
				break;
			case ETRACK:
				got = encls_etrack(hw(), env.e.secs);
				break;
			case EWB:
				got = ewb(st->arg);
				break;
			case ELDU:
			case ELDB:
				got = eld(st->arg, st->op == ELDB);
				break;
			case TCS_BUSY:
			case TCS_FREE:
				atomic_store(&hw()->pages[hwt_epc_index(&env.t, env.page[st->arg])].tcs_busy,
					     st->op == TCS_BUSY);
				break;
			case END:
				break;
			}
			if (got != st->want)
				fail_msg("row %zu (%s) step %zu: got %s, want %s", i, scripts[i].what, s,
					 hw_sgx_error_name(got), hw_sgx_error_name(st->want));
		}
		for (int l = 0; l < NR_LPS; l++)
			if (in[l])
				fail_msg("row %zu: script leaves LP %d inside", i, l);
		assert_int_equal(atomic_load(&env.encl->lps_inside), 0);
		env_teardown();
	}
}

/* ---- through the logical-processor leaves ---------------------------------------- */

/*
 * The same rule with real EENTER/EEXIT/AEX (lp.c), which count the LP in
 * its epoch, mark the TCS busy and refuse a BLOCKED TCS, the premise of
 * EWB's "TCS in use -> SGX_NOT_TRACKED".
 */
enum lp_op { L_END, L_EENTER, L_EEXIT, L_AEX, L_EBLOCK, L_ETRACK, L_EWB };

#define TCS0 0x0000
#define TCS1 0x5000

static const struct {
	const char *what;
	struct { enum lp_op op; uint64_t arg; unsigned int want; } steps[12];
} lp_scripts[] = {
	/* 0 */ { "EENTER'd LP holds a page blocked after its entry until EEXIT", {
		{ L_EENTER, TCS0, 0 }, { L_EBLOCK, P0, 0 }, { L_ETRACK, 0, 0 },
		{ L_EWB, P0, SGX_NOT_TRACKED }, { L_EEXIT, 0, 0 },
		{ L_EWB, P0, 0 }, { L_END, 0, 0 } } },
	/* 1 */ { "its own TCS, blocked while in use", {
		{ L_EENTER, TCS0, 0 }, { L_EBLOCK, PT, 0 }, { L_ETRACK, 0, 0 },
		{ L_EWB, PT, SGX_NOT_TRACKED }, { L_EEXIT, 0, 0 },
		{ L_EWB, PT, 0 }, { L_END, 0, 0 } } },
	/* 2 */ { "EENTER refuses a BLOCKED TCS", {
		{ L_EBLOCK, PT, 0 }, { L_EENTER, TCS0, SGX_FAULT_PF },
		{ L_ETRACK, 0, 0 }, { L_EWB, PT, 0 }, { L_END, 0, 0 } } },
	/* 3 */ { "AEX leaves like EEXIT", {
		{ L_EENTER, TCS0, 0 }, { L_EBLOCK, P0, 0 }, { L_ETRACK, 0, 0 },
		{ L_EWB, P0, SGX_NOT_TRACKED }, { L_AEX, 0, 0 },
		{ L_EWB, P0, 0 }, { L_END, 0, 0 } } },
	/* 4 */ { "an LP entering after the ETRACK does not hold the page", {
		{ L_EBLOCK, P0, 0 }, { L_ETRACK, 0, 0 }, { L_EENTER, TCS1, 0 },
		{ L_EWB, P0, 0 }, { L_EEXIT, 0, 0 }, { L_END, 0, 0 } } },
	/* 5 */ { "ETRACK waits for the LP inside at the previous one", {
		{ L_EENTER, TCS1, 0 }, { L_ETRACK, 0, 0 },
		{ L_ETRACK, 0, SGX_PREV_TRK_INCMPL }, { L_EEXIT, 0, 0 },
		{ L_ETRACK, 0, 0 }, { L_END, 0, 0 } } },
};

static void test_lp_scripts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lp_scripts) / sizeof(lp_scripts[0]); i++) {
		struct sgx_gprsgx gprs;
		struct hw_enter enter;
		struct hw_aex aex;
		struct hw_lp lp;
		uint64_t rcx;

		env_setup();
		hwt_lp(&env.e, &lp);
		for (size_t s = 0; lp_scripts[i].steps[s].op != L_END; s++) {
			uint64_t arg = lp_scripts[i].steps[s].arg;
			unsigned int got = 0;

			switch (lp_scripts[i].steps[s].op) {
			case L_EENTER:
				got = enclu_eenter(&lp, env.e.base + arg, 0x1000, 0x7ff000, 0x7ff000,
						   &enter);
				break;
			case L_EEXIT:
				got = enclu_eexit(&lp, &rcx);
				break;
			case L_AEX:
				memset(&gprs, 0, sizeof(gprs));
				got = enclu_aex(&lp, &gprs, NULL, 0, false, 0, 0, 0, &aex);
				break;
			case L_EBLOCK:
				got = encls_eblock(hw(), env.page[arg]);
				break;
			case L_ETRACK:
				got = encls_etrack(hw(), env.e.secs);
				break;
			case L_EWB:
				got = ewb((int)arg);
				break;
			case L_END:
				break;
			}
			if (got != lp_scripts[i].steps[s].want)
				fail_msg("row %zu (%s) step %zu: got %s, want %s", i,
					 lp_scripts[i].what, s, hw_sgx_error_name(got),
					 hw_sgx_error_name(lp_scripts[i].steps[s].want));
		}
		if (lp.in_enclave)
			fail_msg("row %zu: script leaves the LP inside", i);
		assert_int_equal(atomic_load(&env.encl->lps_inside), 0);
		env_teardown();
	}
}

/* ---- epoch bookkeeping directly --------------------------------------------- */

static void test_track_helpers(void **state)
{
	struct hw_encl *e;
	uint64_t a, b;

	(void)state;
	env_setup();
	e = env.encl;
	/* Row 0: nothing tracked yet: no page may go, ETRACK may start. */
	if (track_page_tracked(e, 0) || !track_complete(e))
		fail_msg("row 0: fresh enclave");
	/* Row 1: EBLOCK's epoch read changes nothing. */
	a = track_block_epoch(e);
	if (track_block_epoch(e) != a)
		fail_msg("row 1: track_block_epoch() moved the epoch");
	/* Row 2: ETRACK: blocked-before pages tracked, later ones not. */
	if (track_etrack(e) != 0 || !track_page_tracked(e, a) || track_page_tracked(e, a + 1))
		fail_msg("row 2: first ETRACK");
	/* Row 3: an LP entering now is in the new epoch and does not hold the old one. */
	b = track_enter(e);
	if (b != a + 1 || !track_page_tracked(e, a) || !track_complete(e))
		fail_msg("row 3: LP in the new epoch");
	/* Row 4: the next ETRACK covers it; then it holds everything up. */
	if (track_etrack(e) != 0 || track_page_tracked(e, a) || track_complete(e) ||
	    track_etrack(e) != SGX_PREV_TRK_INCMPL)
		fail_msg("row 4: second ETRACK with the LP inside");
	track_exit(e, b);
	if (!track_page_tracked(e, a + 1) || !track_complete(e))
		fail_msg("row 4: after the LP left");
	/* Row 5: the epoch counters never go negative or stay raised. */
	if (atomic_load(&e->inside[0]) != 0 || atomic_load(&e->inside[1]) != 0 ||
	    atomic_load(&e->lps_inside) != 0)
		fail_msg("row 5: counters not back to zero");
	env_teardown();
}

/* ---- multi-threaded stress ------------------------------------------------------ */

/*
 * Each simulated LP publishes (serial << 1) | inside after track_enter()
 * returns and (serial << 1) before track_exit(): "published inside" implies
 * "counted". A snapshot taken before ETRACK names LPs that were inside at
 * ETRACK time; one that still shows the same word after a successful EWB
 * never left in between, which the model must not allow.
 */
struct sim_lp {
	pthread_t thread;
	unsigned int seed;
	atomic_uint_fast64_t word;
	uint64_t entries;
};

static struct sim_lp lps[NR_LPS];
static atomic_bool stop;

static unsigned int xorshift(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void spin(unsigned int n)
{
	for (volatile unsigned int k = 0; k < n; k++)
		;
}

static void *lp_thread(void *arg)
{
	struct sim_lp *lp = arg;
	uint64_t serial = 0;

	while (!atomic_load(&stop)) {
		uint64_t ep = track_enter(env.encl);

		serial++;
		atomic_store(&lp->word, serial << 1 | 1);
		/* Mostly short stays, sometimes long enough to span an ETRACK. */
		spin(xorshift(&lp->seed) % 8 ? xorshift(&lp->seed) % 500 : 20000);
		atomic_store(&lp->word, serial << 1);
		track_exit(env.encl, ep);
		spin(xorshift(&lp->seed) % 300);
	}
	lp->entries = serial;
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define STRESS_NS       1500000000ull   /* 1.5 s of cycles */
#define STRESS_STUCK_NS 10000000000ull  /* an EWB that never succeeds */

static void test_stress(void **state)
{
	uint64_t snap[NR_LPS], cycles = 0, not_tracked = 0, incmpl = 0, violations = 0;
	uint64_t deadline, entries = 0;
	static uint8_t want[2][SGX_PAGE_SIZE];

	(void)state;
	env_setup();
	atomic_store(&stop, false);
	for (int l = 0; l < NR_LPS; l++) {
		lps[l].seed = 0x9e3779b9u * (unsigned int)(l + 1);
		atomic_store(&lps[l].word, 0);
		assert_int_equal(pthread_create(&lps[l].thread, NULL, lp_thread, &lps[l]), 0);
	}
	for (int k = 0; k < 2; k++) {
		memset(env.page[k], 0x40 + k, SGX_PAGE_SIZE);
		memcpy(want[k], env.page[k], SGX_PAGE_SIZE);
	}

	deadline = now_ns() + STRESS_NS;
	while (now_ns() < deadline) {
		uint64_t stuck = now_ns() + STRESS_STUCK_NS;
		unsigned int ret;

		/* A batch of two pages, as the reclaimer blocks a batch. */
		assert_leaf(cycles, encls_eblock(hw(), env.page[0]), 0);
		assert_leaf(cycles, encls_eblock(hw(), env.page[1]), 0);
		for (int l = 0; l < NR_LPS; l++)
			snap[l] = atomic_load(&lps[l].word);
		while ((ret = encls_etrack(hw(), env.e.secs)) == SGX_PREV_TRK_INCMPL) {
			incmpl++;
			sched_yield();
			if (now_ns() > stuck)
				fail_msg("cycle %llu: ETRACK never completes",
					 (unsigned long long)cycles);
		}
		assert_leaf(cycles, ret, 0);
		/* A second ETRACK at once: refused while the first cycle drains. */
		if (cycles & 1) {
			ret = encls_etrack(hw(), env.e.secs);
			if (ret == SGX_PREV_TRK_INCMPL)
				incmpl++;
			else
				assert_leaf(cycles, ret, 0);
		}
		for (int k = 0; k < 2; k++) {
			for (unsigned int tries = 0; (ret = ewb(k)) == SGX_NOT_TRACKED; tries++) {
				not_tracked++;
				sched_yield();
				/* The kernel re-ETRACKs too; it must not make things unsafe. */
				if (tries % 16 == 15)
					(void)encls_etrack(hw(), env.e.secs);
				if (now_ns() > stuck)
					fail_msg("cycle %llu: EWB never succeeds",
						 (unsigned long long)cycles);
			}
			assert_leaf(cycles, ret, 0);
			for (int l = 0; l < NR_LPS; l++)
				if ((snap[l] & 1) && atomic_load(&lps[l].word) == snap[l])
					violations++;
		}
		for (int k = 0; k < 2; k++) {
			assert_leaf(cycles, eld(k, false), 0);
			if (memcmp(env.page[k], want[k], SGX_PAGE_SIZE))
				fail_msg("cycle %llu: page %d contents", (unsigned long long)cycles, k);
		}
		cycles++;
	}
	atomic_store(&stop, true);
	for (int l = 0; l < NR_LPS; l++) {
		assert_int_equal(pthread_join(lps[l].thread, NULL), 0);
		entries += lps[l].entries;
	}
	printf("# tracking stress: %llu cycles, %llu LP entries, %llu NOT_TRACKED, "
	       "%llu PREV_TRK_INCMPL, %llu violations\n", (unsigned long long)cycles,
	       (unsigned long long)entries, (unsigned long long)not_tracked,
	       (unsigned long long)incmpl, (unsigned long long)violations);
	if (violations)
		fail_msg("EWB succeeded %llu times while an LP from before the ETRACK was inside",
			 (unsigned long long)violations);
	assert_true(cycles > 10);
	assert_int_equal(atomic_load(&env.encl->lps_inside), 0);
	env_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_lp_scripts),
		cmocka_unit_test(test_track_helpers),
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
