// SPDX-License-Identifier: MIT
/*
 * ENCLU executed by enclave code: SIGILL at the instruction, emulated here
 * with hw's leaf functions, then back into the enclave past the ENCLU -
 * except EEXIT, which returns to the host at RBX, and faults, which are
 * AEXes.
 *
 * Register conventions (SDM Vol. 3D ch. 41): operands in RBX, RCX, RDX;
 * EGETKEY, EACCEPT and EACCEPTCOPY return an SGX error code in RAX with
 * ZF = (RAX != 0) and CF, PF, AF, OF, SF cleared. EEXIT: RIP := RBX, RCX :=
 * AEP; every other register as the enclave left it.
 *
 * Context: signal handler, host FS/GS already restored.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "rt_internal.h"

#define RFLAGS_CF 0x1ul
#define RFLAGS_PF 0x4ul
#define RFLAGS_AF 0x10ul
#define RFLAGS_ZF 0x40ul
#define RFLAGS_SF 0x80ul
#define RFLAGS_OF 0x800ul

int rt_insn_at(uint64_t rip, const char *bytes, unsigned int n)
{
	unsigned int first = n, done = 0;
	uint8_t buf[16];
	int r;

	if (n > sizeof(buf))
		return 0;
	if ((rip & 4095) + n > 4096)
		first = 4096 - (unsigned int)(rip & 4095);
	while (done < n) {
		unsigned int len = done ? n - done : first;

		r = rt.drv ? sgx_encl_peek(rt.drv, rip + done, buf + done, len) : -ENOENT;
		if (r == -ENOENT)
			memcpy(buf + done, (const void *)(uintptr_t)(rip + done), len);
		else if (r == -EBUSY)
			return -EBUSY;
		else if (r)
			return 0;       /* no resident enclave page: it was not fetched from */
		done += len;
	}
	return !memcmp(buf, bytes, n);
}

/* A leaf with a status in RAX. */
static bool has_status(unsigned int leaf)
{
	return leaf == SGX_EGETKEY || leaf == SGX_EACCEPT || leaf == SGX_EACCEPTCOPY;
}

static unsigned int do_leaf(struct hw_lp *lp, unsigned int leaf, const greg_t *g)
{
	uint64_t rbx = (uint64_t)g[REG_RBX], rcx = (uint64_t)g[REG_RCX];
	uint64_t rdx = (uint64_t)g[REG_RDX];

	switch (leaf) {
	case SGX_EREPORT:
		return enclu_ereport(lp, rbx, rcx, rdx);
	case SGX_EGETKEY:
		return enclu_egetkey(lp, rbx, rcx);
	case SGX_EACCEPT:
		return enclu_eaccept(lp, rbx, rcx);
	case SGX_EACCEPTCOPY:
		return enclu_eacceptcopy(lp, rbx, rcx, rdx);
	case SGX_EMODPE:
		return enclu_emodpe(lp, rbx, rcx);
	case SGX_EDECCSSA:
		return enclu_edeccssa(lp);
	default:
		/* EENTER/ERESUME inside an enclave, or no such leaf: #GP(0). */
		return SGX_FAULT_GP;
	}
}

/* The fault @ex for the enclave: an AEX, or (host mode) the signal itself. */
static enum rt_outcome raise_fault(struct rt_thread *t, ucontext_t *uc, struct rt_exception *ex,
			     int *sig, siginfo_t *si)
{
	greg_t *g = uc->uc_mcontext.gregs;
	bool inside = t->lp.in_enclave;

	if (inside && rt_aex(t, uc, false, ex))
		return RT_EXITED;
	memset(si, 0, sizeof(*si));
	*sig = ex->sig;
	si->si_signo = ex->sig;
	si->si_code = ex->si_code;
	if (ex->vector == X86_TRAP_PF)
		/* Hardware reports enclave #PF addresses with CR2[11:0] cleared. */
		si->si_addr = (void *)(uintptr_t)(inside ? ex->addr & ~0xffful : ex->addr);
	else if (ex->vector != X86_TRAP_GP)
		si->si_addr = (void *)(uintptr_t)g[REG_RIP];
	g[REG_ERR] = ex->error_code;
	g[REG_TRAPNO] = ex->vector;
	return RT_DELIVER;
}

enum rt_outcome rt_enclave_enclu(struct rt_thread *t, ucontext_t *uc, int *sig, siginfo_t *si)
{
	greg_t *g = uc->uc_mcontext.gregs;
	unsigned int leaf = (uint32_t)g[REG_RAX];
	struct rt_exception ex;
	unsigned int ret, tries;
	uint64_t rcx, rflags;

	if (leaf == SGX_EEXIT) {
		uint64_t target = (uint64_t)g[REG_RBX];

		if (t->lp.in_enclave && !rt_canonical(target)) {
			rt_exception_from_fault(SGX_FAULT_GP, &t->lp, &ex);
			return raise_fault(t, uc, &ex, sig, si);
		}
		ret = enclu_eexit(&t->lp, &rcx);
		if (ret) {
			rt_exception_from_fault(ret, &t->lp, &ex);
			return raise_fault(t, uc, &ex, sig, si);
		}
		g[REG_RIP] = (greg_t)target;
		g[REG_RCX] = (greg_t)rcx;
		t->mode = RT_HOST;
		atomic_fetch_add_explicit(&t->exits, 1, memory_order_release);
		rt_inc(&rt_count.eexit);
		return RT_EXITED;
	}

	for (tries = 0;;) {
		ret = do_leaf(&t->lp, leaf, g);
		if (ret != SGX_FAULT_PF || tries == RT_LEAF_RETRIES)
			break;
		switch (rt_resolve_leaf_pf(t, &ex)) {
		case RT_PF_MAPPED:
			tries++;
			break;
		case RT_PF_BUSY:
			if (!t->lp.in_enclave)
				break;
			rt_exception_from_fault(SGX_FAULT_PF, &t->lp, &ex);
			rt_aex_retry(t, uc, &ex);
			return RT_EXITED;
		default:
			return raise_fault(t, uc, &ex, sig, si);
		}
	}
	if (SGX_ENCLS_FAULTED(ret)) {
		rt_exception_from_fault(ret, &t->lp, &ex);
		return raise_fault(t, uc, &ex, sig, si);
	}
	if (has_status(leaf)) {
		rflags = (uint64_t)g[REG_EFL];
		rflags &= ~(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF);
		if (ret)
			rflags |= RFLAGS_ZF;
		g[REG_EFL] = (greg_t)rflags;
		g[REG_RAX] = (greg_t)ret;
	}
	g[REG_RIP] += 3;
	rt_inc(&rt_count.leaves);
	return RT_RESUME;
}
