// SPDX-License-Identifier: MIT
/*
 * Exceptions inside the enclave: faults the driver resolves are invisible;
 * the rest are AEXes reported through the vDSO (function = ERESUME, vector,
 * error code, address), handled by the enclave's own first-phase handler
 * (CSSA = 1 entry reading SSA[0]), then ERESUMEd. Also: EPCM and PTE
 * permission faults with Linux's exact error codes, CPUID, and a loader
 * that handles AEXes with its own SIGSEGV handler at the AEP.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "rt_test_util.h"

static struct rtt r;
static struct rtt_encl e;

static int setup(void **state)
{
	(void)state;
	rtt_up(&r, NULL);
	rtt_load(&r, &e, 8);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rtt_unload(&e);
	rtt_down(&r);
	return 0;
}

/* The enclave's first-phase handler on @tcs (CSSA = 1): fills op->ret. */
static void run_handler(unsigned int tcs, struct encl_op *h)
{
	memset(h, 0, sizeof(*h));
	h->op = ENCL_OP_HANDLER;
	rtt_call(&e, tcs, h);
}

static void test_untrusted_fault_handled_in_enclave(void **state)
{
	void *page = rtt_noaccess_page();
	struct encl_op op = { .op = ENCL_OP_FAULT_FIX, .arg = { (uint64_t)(uintptr_t)page + 8 } };
	struct sgx_enclave_run run;
	struct encl_op h;
	uint32_t exitinfo;

	(void)state;
	assert_int_equal(rtt_enter(&e, 0, &op, &run), 0);
	assert_int_equal(run.function, SGX_ERESUME);
	assert_int_equal(run.exception_vector, 14);
	assert_int_equal(run.exception_error_code, X86_PF_USER);        /* read, not present */
	assert_int_equal(run.exception_addr, (uint64_t)(uintptr_t)page);  /* CR2[11:0] cleared */

	/* A second EENTER runs the handler with CSSA = 1: SSA[0] says what happened. */
	run_handler(0, &h);
	exitinfo = (uint32_t)h.ret[0];
	assert_int_equal(exitinfo & SGX_EXITINFO_VECTOR_MASK, 14);
	assert_int_equal((exitinfo >> SGX_EXITINFO_TYPE_SHIFT) & 7, SGX_EXITINFO_TYPE_HW);
	assert_true(exitinfo & SGX_EXITINFO_VALID);
	assert_true(h.ret[1] >= e.base && h.ret[1] < e.base + e.size);   /* RIP in the enclave */
	assert_int_equal(h.ret[2], (uint64_t)(uintptr_t)page + 8);        /* EXINFO.MADDR */
	assert_int_equal(h.ret[3], X86_PF_USER);                          /* EXINFO.ERRCD */

	/* ERESUME: the handler moved RIP past the read and set RAX. */
	assert_int_equal(rtt_resume(&run), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	assert_int_equal(op.ret[0], ENCL_HANDLED_RAX);
	munmap(page, 4096);
}

static void test_resolved_fault_invisible(void **state)
{
	struct encl_op op = { .op = ENCL_OP_WRITE };
	struct rt_stats before, after;
	uint64_t addr = e.base + e.heap + 3 * 4096 + 16;

	(void)state;
	rt_stats_read(&before);
	op.arg[0] = addr;
	op.arg[1] = 0x5151;
	rtt_call(&e, 1, &op);           /* first touch: the driver maps it */
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_READ;
	op.arg[0] = addr;
	rtt_call(&e, 1, &op);
	assert_int_equal(op.ret[0], 0x5151);
	rt_stats_read(&after);
	assert_true(after.faults_resolved > before.faults_resolved);
	assert_int_equal(after.aex_exception, before.aex_exception);
}

/* selftest pte_permissions: a read-only PTE makes a write fault with 0x7. */
static void test_pte_permissions(void **state)
{
	uint64_t addr = e.base + e.heap + 4096;
	struct encl_op op = { .op = ENCL_OP_WRITE, .arg = { addr, 1 } };
	struct sgx_enclave_run run;

	(void)state;
	rtt_call(&e, 2, &op);
	assert_int_equal(sgx_mprotect(r.drv, (void *)(uintptr_t)addr, 4096, PROT_READ), 0);
	op.arg[1] = 2;
	assert_int_equal(rtt_enter(&e, 2, &op, &run), 0);
	assert_int_equal(run.function, SGX_ERESUME);
	assert_int_equal(run.exception_vector, 14);
	assert_int_equal(run.exception_error_code, X86_PF_PROT | X86_PF_WRITE | X86_PF_USER);
	assert_int_equal(run.exception_addr, addr);
	assert_int_equal(sgx_mprotect(r.drv, (void *)(uintptr_t)addr, 4096,
				      PROT_READ | PROT_WRITE), 0);
	run.exception_vector = 0;
	run.exception_error_code = 0;
	run.exception_addr = 0;
	assert_int_equal(rtt_resume(&run), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	assert_int_equal(run.exception_vector, 0);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_READ;
	op.arg[0] = addr;
	rtt_call(&e, 2, &op);
	assert_int_equal(op.ret[0], 2);
}

/* selftest epcm_permissions: EMODPR to R + EACCEPT, then a write: 0x8007. */
static void test_epcm_write_fault(void **state)
{
	uint64_t addr = e.base + e.heap + 2 * 4096;
	struct sgx_enclave_restrict_permissions rp = {
		.offset = e.heap + 2 * 4096, .length = 4096, .permissions = SGX_SECINFO_R,
	};
	struct encl_op op = { .op = ENCL_OP_WRITE, .arg = { addr, 7 } };
	struct sgx_enclave_run run;

	(void)state;
	rtt_call(&e, 0, &op);
	assert_int_equal(rtt_ioctl(&e, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), 0);
	assert_int_equal(rp.result, 0);
	assert_int_equal(rp.count, 4096);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_EACCEPT;
	op.arg[0] = SGX_SECINFO_R | SGX_SECINFO_REG | SGX_SECINFO_PR;
	op.arg[1] = addr;
	rtt_call(&e, 0, &op);
	assert_int_equal(op.ret[0], 0);

	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_WRITE;
	op.arg[0] = addr;
	op.arg[1] = 8;
	assert_int_equal(rtt_enter(&e, 0, &op, &run), 0);
	assert_int_equal(run.function, SGX_ERESUME);
	assert_int_equal(run.exception_vector, 14);
	assert_int_equal(run.exception_error_code, 0x8007);
	assert_int_equal(run.exception_addr, addr);

	/* EMODPE from another TCS gives W back; TCS 0 then resumes the write. */
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_EMODPE;
	op.arg[0] = SGX_SECINFO_R | SGX_SECINFO_W;
	op.arg[1] = addr;
	rtt_call(&e, 1, &op);
	memset(&run, 0, sizeof(run));
	run.tcs = rtt_tcs(&e, 0);
	assert_int_equal(rtt_resume(&run), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_READ;
	op.arg[0] = addr;
	rtt_call(&e, 1, &op);
	assert_int_equal(op.ret[0], 8);
}

static void test_cpuid(void **state)
{
	struct encl_op op = { .op = ENCL_OP_CPUID };
	struct sgx_enclave_run run;
	struct hw_cpuid_regs want;
	uint32_t a, b, c, d, sub;

	(void)state;
	/* From the host: the platform's leaf 0x12 and the SGX bits of leaf 7. */
	for (sub = 0; sub < 4; sub++) {
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x12), "c"(sub));
		hw_cpuid_sgx(r.hw, sub, &want);
		assert_int_equal(a, want.eax);
		assert_int_equal(b, want.ebx);
		assert_int_equal(c, want.ecx);
		assert_int_equal(d, want.edx);
	}
	assert_true(a == 0 || sub == 4);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	assert_true(b & (1u << 2));
	assert_true(c & (1u << 30));
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x12), "c"(0));
	assert_true(a & 1);             /* SGX1 */
	assert_true(a & 2);             /* SGX2 */

	/* Inside: #UD. */
	assert_int_equal(rtt_enter(&e, 3, &op, &run), 0);
	assert_int_equal(run.function, SGX_ERESUME);
	assert_int_equal(run.exception_vector, 6);
	assert_int_equal(run.exception_addr, 0);
	/* What the handler entry (CSSA = 1) sees; TCS 3 keeps its frame. */
	{
		struct encl_op h;

		run_handler(3, &h);
		assert_int_equal((uint32_t)h.ret[0] & SGX_EXITINFO_VECTOR_MASK, 6);
	}
}

/*
 * EMODPR's ETRACK must complete while another thread stays inside the
 * enclave: the kernel IPIs it out (here, the kick), so that the EACCEPT
 * confirming the change is not refused with SGX_NOT_TRACKED.
 */
struct spinner {
	volatile uint64_t inside, release;
	struct sgx_enclave_run run;
	struct encl_op op;
	int ret;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;

	s->op.op = ENCL_OP_SPIN;
	s->op.arg[0] = (uint64_t)(uintptr_t)&s->inside;
	s->op.arg[1] = (uint64_t)(uintptr_t)&s->release;
	s->ret = rtt_enter(&e, 1, &s->op, &s->run);
	return NULL;
}

static void test_etrack_kicks_threads_inside(void **state)
{
	uint64_t addr = e.base + e.heap + 5 * 4096;
	struct sgx_enclave_restrict_permissions rp = {
		.offset = e.heap + 5 * 4096, .length = 4096, .permissions = SGX_SECINFO_R,
	};
	struct encl_op op = { .op = ENCL_OP_WRITE, .arg = { addr, 1 } };
	struct rt_stats before, after;
	struct spinner s;
	pthread_t th;

	(void)state;
	rtt_call(&e, 0, &op);
	memset(&s, 0, sizeof(s));
	assert_int_equal(pthread_create(&th, NULL, spin, &s), 0);
	while (!s.inside && !s.run.function)
		sched_yield();
	assert_true(s.inside);
	rt_stats_read(&before);
	assert_int_equal(rtt_ioctl(&e, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), 0);
	rt_stats_read(&after);
	/* The spinner was forced out (and went straight back in). */
	assert_true(after.kicks > before.kicks);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_EACCEPT;
	op.arg[0] = SGX_SECINFO_R | SGX_SECINFO_REG | SGX_SECINFO_PR;
	op.arg[1] = addr;
	rtt_call(&e, 0, &op);
	assert_int_equal(op.ret[0], 0);                 /* not SGX_NOT_TRACKED */
	s.release = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.ret, 0);
	assert_int_equal(s.run.function, SGX_EEXIT);
}

/* ---- a loader without the vDSO: its own SIGSEGV handler at the AEP ---- */

static struct {
	uint64_t tcs;
	void *addr;
	uint64_t rip, rax, rbx, rcx;
	int code;
	unsigned int calls;
	struct encl_op h;
} raw;

static void raw_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	raw.calls++;
	raw.addr = si->si_addr;
	raw.code = si->si_code;
	raw.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	raw.rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	raw.rbx = (uint64_t)uc->uc_mcontext.gregs[REG_RBX];
	raw.rcx = (uint64_t)uc->uc_mcontext.gregs[REG_RCX];
	/* What SDK runtimes do: enter the exception handler (CSSA = 1). */
	memset(&raw.h, 0, sizeof(raw.h));
	raw.h.op = ENCL_OP_HANDLER;
	encl_raw_eenter(raw.tcs, &raw.h);
	/* Returning resumes at the AEP: ENCLU[ERESUME]. */
}

static void test_raw_loader_aex(void **state)
{
	void *page = rtt_noaccess_page();
	struct encl_op op = { .op = ENCL_OP_FAULT_FIX, .arg = { (uint64_t)(uintptr_t)page } };
	struct sigaction sa, old;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = raw_segv;
	sa.sa_flags = SA_SIGINFO;
	assert_int_equal(rt_sigaction(SIGSEGV, &sa, &old), 0);
	memset(&raw, 0, sizeof(raw));
	raw.tcs = rtt_tcs(&e, 1);

	encl_raw_eenter(raw.tcs, &op);

	assert_int_equal(rt_sigaction(SIGSEGV, &old, NULL), 0);
	assert_int_equal(raw.calls, 1);
	assert_ptr_equal(raw.addr, page);
	assert_int_equal(raw.code, SEGV_ACCERR);       /* a PROT_NONE mapping */
	/* The synthetic state at the AEP. */
	assert_int_equal(raw.rip, (uint64_t)(uintptr_t)encl_raw_aep);
	assert_int_equal(raw.rax, SGX_ERESUME);
	assert_int_equal(raw.rbx, raw.tcs);
	assert_int_equal(raw.rcx, (uint64_t)(uintptr_t)encl_raw_aep);
	assert_int_equal((uint32_t)raw.h.ret[0] & SGX_EXITINFO_VECTOR_MASK, 14);
	/* ERESUME at the AEP finished the call with the fixed-up value. */
	assert_int_equal(op.ret[0], ENCL_HANDLED_RAX);
	munmap(page, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untrusted_fault_handled_in_enclave),
		cmocka_unit_test(test_resolved_fault_invisible),
		cmocka_unit_test(test_pte_permissions),
		cmocka_unit_test(test_epcm_write_fault),
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_etrack_kicks_threads_inside),
		cmocka_unit_test(test_raw_loader_aex),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
