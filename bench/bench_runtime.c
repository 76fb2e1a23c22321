// SPDX-License-Identifier: MIT
/*
 * Runtime benchmarks (issue 4):
 *   - an ECALL round trip through the vDSO entry (EENTER in software, the
 *     enclave's EEXIT trapped) against a bare ENCLU -> SIGILL -> handler
 *     round trip and an int3 -> SIGTRAP round trip, both measured in this
 *     run with a trivial handler set up like sgxemu's (all signals
 *     blocked, on an alternate stack). Target: <= 1.15x the SIGILL floor.
 *   - a call whose first touch of a page faults and the driver resolves it
 *     (invisible: SIGSEGV, map, back in) against SIGILL + SIGSEGV round
 *     trips and one mmap(MAP_FIXED) of 4 KiB;
 *   - a delivered fault: AEX reported through the vDSO, the enclave's own
 *     handler entered (CSSA = 1), ERESUME, against one SIGSEGV and two
 *     SIGILL round trips (the two EEXITs).
 * Operation and floor are sampled alternately.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "bench.h"
#include "crypto.h"
#include "encl_load.h"
#include "rt.h"
#include "rt_encl.h"

#ifndef BENCH_ENCLAVE
#error "BENCH_ENCLAVE: the test enclave's path"
#endif

#define SAMPLES BENCH_SAMPLES
#define ITERS   200

static struct encl_loaded e;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "sgxemu-bench: runtime: %s: %s\n", what, why);
	exit(1);
}

/* ---- floors ------------------------------------------------------------ */

static void skip3(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static void nothing(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	(void)ucv;
}

static volatile uint8_t *segv_page;

static void unprotect(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	(void)ucv;
	mprotect((void *)segv_page, 4096, PROT_READ | PROT_WRITE);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, old);
}

static double sigill_once(void)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < ITERS; i++)
		__asm__ volatile(".byte 0x0f, 0x01, 0xd7" ::: "memory");
	return (double)(bench_now_ns() - t0) / ITERS;
}

static double sigtrap_once(void)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < ITERS; i++)
		__asm__ volatile("int3" ::: "memory");
	return (double)(bench_now_ns() - t0) / ITERS;
}

/* SIGSEGV round trip: a write to a read-only page, the handler opens it. */
static double sigsegv_once(void)
{
	uint64_t t = 0, t0;

	for (int i = 0; i < ITERS; i++) {
		mprotect((void *)segv_page, 4096, PROT_READ);
		t0 = bench_now_ns();
		segv_page[0] = 1;
		t += bench_now_ns() - t0 - 0;
	}
	return (double)t / ITERS;
}

static double mmap_once(void *spot)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < ITERS; i++)
		mmap(spot, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	return (double)(bench_now_ns() - t0) / ITERS;
}

/* ---- operations --------------------------------------------------------- */

static double ecall_once(void)
{
	struct encl_op op = { .op = ENCL_OP_NOP };
	struct sgx_enclave_run run;
	uint64_t t0;

	memset(&run, 0, sizeof(run));
	run.tcs = e.base;
	t0 = bench_now_ns();
	for (int i = 0; i < ITERS; i++)
		encl_vdso(&op, SGX_EENTER, &run);
	return (double)(bench_now_ns() - t0) / ITERS;
}

/* An ecall writing to a heap page that is not mapped (zapped before, untimed). */
static double resolved_fault_once(struct sgx_driver *drv)
{
	uint64_t page = e.base + e.heap, t = 0, t0;
	struct encl_op op = { .op = ENCL_OP_WRITE, .arg = { page, 1 } };
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = e.base + 4096;
	for (int i = 0; i < ITERS; i++) {
		/* PROT_NONE makes the page not present; the first touch maps it again. */
		if (sgx_mprotect(drv, (void *)(uintptr_t)page, 4096, PROT_NONE) ||
		    sgx_mprotect(drv, (void *)(uintptr_t)page, 4096, PROT_READ | PROT_WRITE))
			die("sgx_mprotect", "failed");
		t0 = bench_now_ns();
		encl_vdso(&op, SGX_EENTER, &run);
		t += bench_now_ns() - t0;
		if (run.function != SGX_EEXIT)
			die("resolved fault", "the fault reached the program");
	}
	return (double)t / ITERS;
}

static void *noaccess;

/* fault -> vDSO report -> handler ecall (CSSA = 1) -> ERESUME -> EEXIT. */
static double delivered_fault_once(void)
{
	struct encl_op op = { .op = ENCL_OP_FAULT_FIX, .arg = { (uint64_t)(uintptr_t)noaccess } };
	struct encl_op h = { .op = ENCL_OP_HANDLER };
	struct sgx_enclave_run run, hrun;
	uint64_t t0;

	memset(&hrun, 0, sizeof(hrun));
	hrun.tcs = e.base + 2 * 4096;
	t0 = bench_now_ns();
	for (int i = 0; i < ITERS; i++) {
		memset(&run, 0, sizeof(run));
		run.tcs = e.base + 2 * 4096;
		encl_vdso(&op, SGX_EENTER, &run);
		if (run.function != SGX_ERESUME || run.exception_vector != 14)
			die("delivered fault", "no #PF reported");
		encl_vdso(&h, SGX_EENTER, &hrun);
		encl_vdso(NULL, SGX_ERESUME, &run);
		if (run.function != SGX_EEXIT || op.ret[0] != ENCL_HANDLED_RAX)
			die("delivered fault", "ERESUME did not finish the call");
	}
	return (double)(bench_now_ns() - t0) / ITERS;
}

void bench_runtime(void)
{
	double ill[SAMPLES], trap[SAMPLES], segv[SAMPLES], mm[SAMPLES], ecall[SAMPLES];
	double res[SAMPLES], resf[SAMPLES], del[SAMPLES], delf[SAMPLES];
	struct sigaction old_ill, old_trap, old_segv;
	struct crypto_rsa_key *key;
	struct sgx_driver *drv;
	struct hw_platform *hw;
	struct hw_config cfg;
	struct rt_config rc;
	stack_t ss;
	char err[256];
	void *spot;
	int i, ret;

	printf("\n-- logical processor (runtime/) --\n");
	hw_config_default(&cfg);
	if (hw_platform_create(&cfg, &hw) || sgx_driver_create(hw, NULL, &drv))
		die("platform", "cannot create");
	if (crypto_rsa_generate(3072, &key))
		die("RSA key", "cannot generate");
	rt_config_default(&rc);
	rc.cpuid_faulting = false;
	ret = rt_init(hw, drv, NULL, &rc);
	if (ret)
		die("rt_init", strerror(-ret));
	if (encl_load(drv, BENCH_ENCLAVE, 4, key, &e, err, sizeof(err)))
		die("loading the test enclave", err);
	noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	segv_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	spot = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* The floors' handlers run as sgxemu's do: on an alternate stack, all blocked. */
	ss.ss_sp = malloc(256 * 1024);
	ss.ss_size = 256 * 1024;
	ss.ss_flags = 0;

	ecall_once();
	resolved_fault_once(drv);
	delivered_fault_once();
	for (i = 0; i < SAMPLES; i++) {
		stack_t prev;

		/* The runtime's handlers are swapped out while its floors are taken. */
		sigaltstack(&ss, &prev);
		handle(SIGILL, skip3, &old_ill);
		handle(SIGTRAP, nothing, &old_trap);
		handle(SIGSEGV, unprotect, &old_segv);
		ill[i] = sigill_once();
		trap[i] = sigtrap_once();
		segv[i] = sigsegv_once();
		mm[i] = mmap_once(spot);
		sigaction(SIGILL, &old_ill, NULL);
		sigaction(SIGTRAP, &old_trap, NULL);
		sigaction(SIGSEGV, &old_segv, NULL);
		sigaltstack(&prev, NULL);

		ecall[i] = ecall_once();
		res[i] = resolved_fault_once(drv);
		resf[i] = ill[i] + segv[i] + mm[i];
		del[i] = delivered_fault_once();
		delf[i] = segv[i] + 2 * ill[i];
	}
	bench_report_lat("ecall_roundtrip", bench_lat_of(ecall, SAMPLES), "sigill_roundtrip",
			 bench_lat_of(ill, SAMPLES), 1.15);
	bench_report_lat("ecall_roundtrip", bench_lat_of(ecall, SAMPLES), "sigtrap_roundtrip",
			 bench_lat_of(trap, SAMPLES), 0);
	bench_report_lat("ecall_resolved_fault", bench_lat_of(res, SAMPLES),
			 "sigill+sigsegv+mmap", bench_lat_of(resf, SAMPLES), 0);
	bench_report_lat("aex_delivered_eresume", bench_lat_of(del, SAMPLES), "sigsegv+2*sigill",
			 bench_lat_of(delf, SAMPLES), 0);
	encl_unload(&e);
	rt_fini();
	sgx_driver_destroy(drv);
	hw_platform_destroy(hw);
	crypto_rsa_free(key);
}
