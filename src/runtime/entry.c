// SPDX-License-Identifier: MIT
/*
 * Entering enclave mode: ENCLU[EENTER] and ENCLU[ERESUME] from host code.
 *
 * Two ways in. The vDSO (vdso.S) jumps to rt_enclu_host, which calls
 * rt_host_enclu() below and then loads the context it returns - a function
 * call, no trap. A loader that executes ENCLU itself traps with SIGILL and
 * rt_raw_enclu() turns the signal frame into the enclave's registers, so
 * that sigreturn enters the enclave.
 *
 * Either way the leaf is hw's (TCS, CSSA and SSA checks, busy TCS, epochs);
 * a #PF it raises on the TCS or SSA pages goes to the driver first, the way
 * the kernel would map those pages before the instruction is retried.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "rt_internal.h"

/* RFLAGS bits an enclave may hand back through its SSA frame. */
#define RFLAGS_USER  (0x1ul | 0x4ul | 0x10ul | 0x40ul | 0x80ul | 0x400ul | 0x800ul | \
		      0x40000ul | 0x200000ul)   /* CF PF AF ZF SF DF OF AC ID */
#define RFLAGS_FIXED 0x202ul                    /* reserved bit 1, IF */

static unsigned int pf_access(uint32_t code)
{
	if (code & X86_PF_WRITE)
		return HW_ACC_WRITE;
	if (code & X86_PF_INSTR)
		return HW_ACC_EXEC;
	return HW_ACC_READ;
}

uint64_t rt_sanitize_rflags(uint64_t rflags)
{
	return (rflags & RFLAGS_USER) | RFLAGS_FIXED;
}

void rt_exception_from_fault(unsigned int fault, const struct hw_lp *lp, struct rt_exception *ex)
{
	memset(ex, 0, sizeof(*ex));
	ex->valid = true;
	ex->vector = SGX_ENCLS_TRAPNR(fault);
	switch (ex->vector) {
	case X86_TRAP_PF:
		ex->error_code = lp->fault_code;
		ex->addr = lp->fault_addr;
		ex->sig = SIGSEGV;
		ex->si_code = (lp->fault_code & X86_PF_PROT) ? SEGV_ACCERR : SEGV_MAPERR;
		break;
	case X86_TRAP_UD:
		ex->sig = SIGILL;
		ex->si_code = ILL_ILLOPN;
		break;
	default:                        /* #GP(0) */
		ex->vector = X86_TRAP_GP;
		ex->sig = SIGSEGV;
		ex->si_code = SI_KERNEL;
		break;
	}
}

int rt_resolve_leaf_pf(struct rt_thread *t, struct rt_exception *ex)
{
	uint32_t code = t->lp.fault_code;

	/*
	 * An EPCM refusal is the leaf's own verdict: nothing to map - unless
	 * the page is only BLOCKED, on its way to the backing store: then the
	 * retry will find it gone and the driver will load it back.
	 */
	if ((code & X86_PF_SGX) && hw_lp_fault_blocked(&t->lp)) {
		if (!t->lp.in_enclave)
			sched_yield();
		return RT_PF_BUSY;
	}
	if (!(code & X86_PF_SGX)) {
		switch (sgx_encl_fault_walk(rt.drv, t->lp.fault_addr, pf_access(code), &code)) {
		case SGX_FAULT_HANDLED:
			return RT_PF_MAPPED;
		case SGX_FAULT_RETRY:
			/* Outside the enclave the caller may wait; inside it must AEX. */
			if (!t->lp.in_enclave)
				sched_yield();
			return RT_PF_BUSY;
		case SGX_FAULT_REPORT:
			t->lp.fault_code = code;
			break;
		case SGX_FAULT_SIGBUS:
			rt_exception_from_fault(SGX_FAULT_PF, &t->lp, ex);
			ex->sig = SIGBUS;
			ex->si_code = BUS_ADRERR;
			return RT_PF_FAULT;
		case SGX_FAULT_NOT_OURS:
			break;
		}
	}
	rt_exception_from_fault(SGX_FAULT_PF, &t->lp, ex);
	return RT_PF_FAULT;
}

/*
 * EENTER or ERESUME on @t with the driver resolving faults on the way.
 * Return: 0, or the leaf's fault code with @ex describing the exception.
 */
static unsigned int enter(struct rt_thread *t, unsigned int leaf, uint64_t tcs, uint64_t aep,
			  uint64_t ursp, uint64_t urbp, struct hw_enter *out,
			  struct rt_exception *ex)
{
	unsigned int ret, tries;

	for (tries = 0;;) {
		if (leaf == SGX_EENTER)
			ret = enclu_eenter(&t->lp, tcs, aep, ursp, urbp, out);
		else if (leaf == SGX_ERESUME)
			ret = enclu_eresume(&t->lp, tcs, aep, ursp, urbp, out, t->xsave_in,
					    sizeof(t->xsave_in));
		else
			ret = SGX_FAULT_GP;     /* no other leaf outside enclave mode */
		if (ret != SGX_FAULT_PF || tries == RT_LEAF_RETRIES)
			break;
		switch (rt_resolve_leaf_pf(t, ex)) {
		case RT_PF_MAPPED:
			tries++;
			break;
		case RT_PF_BUSY:
			break;
		default:
			return ret;
		}
	}
	if (ret)
		rt_exception_from_fault(ret, &t->lp, ex);
	return ret;
}

/* Bookkeeping once @t is in enclave mode. */
static void entered(struct rt_thread *t, unsigned int leaf, const struct hw_enter *out)
{
	t->encl_fs = out->fsbase;
	t->encl_gs = out->gsbase;
	t->xfrm = out->xfrm;
	rt_inc(leaf == SGX_EENTER ? &rt_count.eenter : &rt_count.eresume);
}

/* For a thread that cannot have a logical processor (no memory): #GP. */
static _Thread_local struct rt_ctx fallback_ctx;
static _Thread_local uint32_t fallback_mode;

struct rt_ctx *rt_host_enclu(struct rt_host_regs *r)
{
	struct rt_thread *t = rt_thread_self();
	uint64_t ursp = (uint64_t)(uintptr_t)r + sizeof(*r) + RT_REDZONE;
	unsigned int leaf = (uint32_t)r->rax;
	struct rt_exception ex;
	struct hw_enter out;
	struct rt_ctx *c = t ? &t->ctx : &fallback_ctx;

	memset(c, 0, sizeof(*c));
	c->rax = r->rax; c->rbx = r->rbx; c->rcx = r->rcx; c->rdx = r->rdx;
	c->rsi = r->rsi; c->rdi = r->rdi; c->rbp = r->rbp; c->rsp = ursp;
	c->r8 = r->r8; c->r9 = r->r9; c->r10 = r->r10; c->r11 = r->r11;
	c->r12 = r->r12; c->r13 = r->r13; c->r14 = r->r14; c->r15 = r->r15;
	c->rflags = r->rflags;
	c->mode = RT_HOST;
	c->modep = (uint64_t)(uintptr_t)(t ? &t->mode : &fallback_mode);
	c->fsgs = RT_FSGS_KEEP;

	if (!t) {
		memset(&ex, 0, sizeof(ex));
		ex.vector = X86_TRAP_GP;
		goto report;
	}
	t->host_fs = rt_rdfsbase();
	t->host_gs = rt_rdgsbase();
	if (enter(t, leaf, r->rbx, r->rcx, ursp, r->rbp, &out, &ex))
		goto report;

	entered(t, leaf, &out);
	c->mode = RT_ENCLAVE;
	c->fsgs = rt.fsgsbase ? RT_FSGS_INSN : RT_FSGS_SYSCALL;
	c->fsbase = out.fsbase;
	c->gsbase = out.gsbase;
	if (leaf == SGX_EENTER) {
		/* RAX = CSSA, RCX = the address after ENCLU; the rest passes through. */
		c->rax = out.rax;
		c->rcx = (uint64_t)(uintptr_t)rt_vdso_after_enclu;
		c->rip = out.rip;
	} else {
		const struct sgx_gprsgx *g = &out.gprs;

		c->rax = g->rax; c->rbx = g->rbx; c->rcx = g->rcx; c->rdx = g->rdx;
		c->rsi = g->rsi; c->rdi = g->rdi; c->rbp = g->rbp; c->rsp = g->rsp;
		c->r8 = g->r8; c->r9 = g->r9; c->r10 = g->r10; c->r11 = g->r11;
		c->r12 = g->r12; c->r13 = g->r13; c->r14 = g->r14; c->r15 = g->r15;
		c->rflags = rt_sanitize_rflags(g->rflags);
		c->rip = g->rip;
		c->xsave = (uint64_t)(uintptr_t)t->xsave_in;
		c->xfrm = out.xfrm;
	}
	return c;

report:
	/* Linux's fixup: RDI = trap number, RSI = error code, RDX = address. */
	c->rip = (uint64_t)(uintptr_t)rt_vdso_handle_exception;
	c->rdi = ex.vector;
	c->rsi = ex.error_code;
	c->rdx = ex.addr;
	return c;
}

int rt_raw_enclu(struct rt_thread *t, ucontext_t *uc, int *sig, siginfo_t *si)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	unsigned int leaf = (uint32_t)g[REG_RAX];
	struct rt_exception ex;
	struct hw_enter out;

	if (!rt_insn_is(rip, SGX_ENCLU_OPCODE, 3))
		return -1;
	if (!t)
		t = rt_thread_self();
	if (!t) {
		memset(&ex, 0, sizeof(ex));
		ex.valid = true;
		ex.vector = X86_TRAP_GP;
		ex.sig = SIGSEGV;
		ex.si_code = SI_KERNEL;
		goto fault;
	}
	if (leaf != SGX_EENTER && leaf != SGX_ERESUME) {
		/* Leaves for enclave mode: hw says how they fail out here. */
		return rt_enclave_enclu(t, uc, sig, si);
	}
	t->host_fs = rt_rdfsbase();
	t->host_gs = rt_rdgsbase();
	if (enter(t, leaf, (uint64_t)g[REG_RBX], (uint64_t)g[REG_RCX], (uint64_t)g[REG_RSP],
		  (uint64_t)g[REG_RBP], &out, &ex))
		goto fault;

	entered(t, leaf, &out);
	if (leaf == SGX_EENTER) {
		g[REG_RAX] = (greg_t)out.rax;
		g[REG_RCX] = (greg_t)(rip + 3);
		g[REG_RIP] = (greg_t)out.rip;
	} else {
		rt_uc_from_gprs(uc, &out.gprs);
		rt_xsave_to_uc(uc, t->xsave_in, t->lp.xsave_size, out.xfrm);
	}
	t->mode = RT_ENCLAVE;
	return RT_RESUME;

fault:
	/* Host mode: the signal is the fault itself, at the ENCLU. */
	memset(si, 0, sizeof(*si));
	*sig = ex.sig;
	si->si_signo = ex.sig;
	si->si_code = ex.si_code;
	si->si_addr = (void *)(uintptr_t)(ex.vector == X86_TRAP_PF ? ex.addr : 0);
	g[REG_ERR] = ex.error_code;
	g[REG_TRAPNO] = ex.vector;
	return RT_DELIVER;
}
