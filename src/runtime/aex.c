// SPDX-License-Identifier: MIT
/*
 * Asynchronous Enclave Exit (SDM Vol. 3D ch. 40): the interrupted enclave
 * state goes into the SSA frame (hw's enclu_aex), the logical processor
 * leaves enclave mode, and the host continues at the AEP with synthetic
 * registers: RAX = ERESUME, RBX = TCS, RCX = AEP, RSP/RBP = the outside
 * stack recorded at entry, everything else zero, x87/SSE/AVX state in its
 * initial configuration.
 *
 * Then Linux's part: an exception whose AEP is the vDSO's ENCLU is fixed
 * up into the vDSO's exception path (RDI = vector, RSI = error code, RDX =
 * address; #DB and #BP excepted), anything else becomes a signal to the
 * program with the AEP as the interrupted instruction.
 *
 * The enclave's state comes from the signal frame: general registers from
 * uc_mcontext, extended state from the XSAVE image the kernel put in the
 * frame (standard format). Linux keeps its own bookkeeping in bytes
 * 464..511 of the legacy area (struct _fpx_sw_bytes), which the copies
 * below leave alone.
 *
 * Context: signal handler, host FS/GS already restored.
 */
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "rt_internal.h"

#define FPX_SW_OFF      464             /* struct _fpx_sw_bytes in the legacy area */
#define FP_MAGIC1       0x46505853u     /* FP_XSTATE_MAGIC1 */
#define XSAVE_HDR_OFF   512
#define XSAVE_EXT_OFF   576             /* first extended component, standard format */
#define MXCSR_OFF       24
#define MXCSR_INIT      0x1f80u
#define FCW_INIT        0x037fu

/* The frame's XSAVE state size, or 0 if it only holds the FXSAVE area. */
static uint32_t frame_xstate_size(const uint8_t *f)
{
	uint32_t magic, size;

	memcpy(&magic, f + FPX_SW_OFF, sizeof(magic));
	if (magic != FP_MAGIC1)
		return 0;
	memcpy(&size, f + FPX_SW_OFF + 12, sizeof(size));       /* xstate_size */
	return size;
}

void rt_xsave_from_uc(const ucontext_t *uc, uint8_t *img, uint32_t len, uint64_t xfrm)
{
	const uint8_t *f = (const uint8_t *)uc->uc_mcontext.fpregs;
	uint32_t fsize, n;
	uint64_t bv = 3;                /* an FXSAVE-only frame: x87 and SSE */

	memset(img, 0, len);
	if (!f || len < XSAVE_EXT_OFF)
		return;
	memcpy(img, f, FPX_SW_OFF);
	fsize = frame_xstate_size(f);
	if (fsize >= XSAVE_EXT_OFF) {
		memcpy(&bv, f + XSAVE_HDR_OFF, sizeof(bv));
		n = (fsize < len ? fsize : len) - XSAVE_EXT_OFF;
		memcpy(img + XSAVE_EXT_OFF, f + XSAVE_EXT_OFF, n);
	}
	bv &= xfrm;
	memcpy(img + XSAVE_HDR_OFF, &bv, sizeof(bv));   /* XCOMP_BV and the rest stay 0 */
}

void rt_xsave_to_uc(ucontext_t *uc, const uint8_t *img, uint32_t len, uint64_t xfrm)
{
	uint8_t *f = (uint8_t *)uc->uc_mcontext.fpregs;
	uint32_t fsize, n;
	uint64_t bv, ibv;

	if (!f || len < XSAVE_EXT_OFF)
		return;
	memcpy(f, img, FPX_SW_OFF);
	fsize = frame_xstate_size(f);
	if (fsize < XSAVE_EXT_OFF)
		return;
	memcpy(&bv, f + XSAVE_HDR_OFF, sizeof(bv));
	memcpy(&ibv, img + XSAVE_HDR_OFF, sizeof(ibv));
	bv = (bv & ~xfrm) | (ibv & xfrm);
	memcpy(f + XSAVE_HDR_OFF, &bv, sizeof(bv));
	n = (fsize < len ? fsize : len) - XSAVE_EXT_OFF;
	memcpy(f + XSAVE_EXT_OFF, img + XSAVE_EXT_OFF, n);
}

/* The synthetic extended state of an AEX: the XFRM components initialised. */
static void xsave_synthetic(ucontext_t *uc, uint64_t xfrm)
{
	uint8_t *f = (uint8_t *)uc->uc_mcontext.fpregs;
	uint16_t fcw = FCW_INIT;
	uint32_t mxcsr = MXCSR_INIT;
	uint64_t bv;

	if (!f)
		return;
	memset(f, 0, MXCSR_OFF);
	memset(f + MXCSR_OFF + 8, 0, FPX_SW_OFF - MXCSR_OFF - 8);   /* keep MXCSR_MASK */
	memcpy(f, &fcw, sizeof(fcw));
	memcpy(f + MXCSR_OFF, &mxcsr, sizeof(mxcsr));
	if (frame_xstate_size(f) >= XSAVE_EXT_OFF) {
		memcpy(&bv, f + XSAVE_HDR_OFF, sizeof(bv));
		bv &= ~xfrm;
		memcpy(f + XSAVE_HDR_OFF, &bv, sizeof(bv));
	}
}

void rt_gprs_from_uc(const ucontext_t *uc, struct sgx_gprsgx *g)
{
	const greg_t *r = uc->uc_mcontext.gregs;

	memset(g, 0, sizeof(*g));
	g->rax = (uint64_t)r[REG_RAX]; g->rcx = (uint64_t)r[REG_RCX];
	g->rdx = (uint64_t)r[REG_RDX]; g->rbx = (uint64_t)r[REG_RBX];
	g->rsp = (uint64_t)r[REG_RSP]; g->rbp = (uint64_t)r[REG_RBP];
	g->rsi = (uint64_t)r[REG_RSI]; g->rdi = (uint64_t)r[REG_RDI];
	g->r8 = (uint64_t)r[REG_R8]; g->r9 = (uint64_t)r[REG_R9];
	g->r10 = (uint64_t)r[REG_R10]; g->r11 = (uint64_t)r[REG_R11];
	g->r12 = (uint64_t)r[REG_R12]; g->r13 = (uint64_t)r[REG_R13];
	g->r14 = (uint64_t)r[REG_R14]; g->r15 = (uint64_t)r[REG_R15];
	g->rflags = (uint64_t)r[REG_EFL];
	g->rip = (uint64_t)r[REG_RIP];
}

void rt_uc_from_gprs(ucontext_t *uc, const struct sgx_gprsgx *g)
{
	greg_t *r = uc->uc_mcontext.gregs;

	r[REG_RAX] = (greg_t)g->rax; r[REG_RCX] = (greg_t)g->rcx;
	r[REG_RDX] = (greg_t)g->rdx; r[REG_RBX] = (greg_t)g->rbx;
	r[REG_RSP] = (greg_t)g->rsp; r[REG_RBP] = (greg_t)g->rbp;
	r[REG_RSI] = (greg_t)g->rsi; r[REG_RDI] = (greg_t)g->rdi;
	r[REG_R8] = (greg_t)g->r8; r[REG_R9] = (greg_t)g->r9;
	r[REG_R10] = (greg_t)g->r10; r[REG_R11] = (greg_t)g->r11;
	r[REG_R12] = (greg_t)g->r12; r[REG_R13] = (greg_t)g->r13;
	r[REG_R14] = (greg_t)g->r14; r[REG_R15] = (greg_t)g->r15;
	r[REG_EFL] = (greg_t)rt_sanitize_rflags(g->rflags);
	r[REG_RIP] = (greg_t)g->rip;
}

static void gprs_from_ctx(const struct rt_ctx *c, struct sgx_gprsgx *g)
{
	memset(g, 0, sizeof(*g));
	g->rax = c->rax; g->rcx = c->rcx; g->rdx = c->rdx; g->rbx = c->rbx;
	g->rsp = c->rsp; g->rbp = c->rbp; g->rsi = c->rsi; g->rdi = c->rdi;
	g->r8 = c->r8; g->r9 = c->r9; g->r10 = c->r10; g->r11 = c->r11;
	g->r12 = c->r12; g->r13 = c->r13; g->r14 = c->r14; g->r15 = c->r15;
	g->rflags = c->rflags;
	g->rip = c->rip;
}

static bool aex(struct rt_thread *t, ucontext_t *uc, bool in_tail, const struct rt_exception *ex,
		bool report);

bool rt_aex(struct rt_thread *t, ucontext_t *uc, bool in_tail, const struct rt_exception *ex)
{
	return aex(t, uc, in_tail, ex, true);
}

void rt_aex_retry(struct rt_thread *t, ucontext_t *uc, const struct rt_exception *ex)
{
	aex(t, uc, false, ex, false);
	rt_inc(&rt_count.fault_retries);
	/* Out of the enclave now: let the reclaimer (or the lock holder) run. */
	sched_yield();
}

static bool aex(struct rt_thread *t, ucontext_t *uc, bool in_tail, const struct rt_exception *ex,
		bool report)
{
	greg_t *r = uc->uc_mcontext.gregs;
	uint32_t len = t->lp.xsave_size;
	uint64_t aep = t->lp.aep;
	bool exception = ex && ex->valid;
	const uint8_t *img;
	struct sgx_gprsgx g;
	struct hw_aex out;
	unsigned int ret;

	if (in_tail) {
		gprs_from_ctx(&t->ctx, &g);
		g.fsbase = t->ctx.fsbase;
		g.gsbase = t->ctx.gsbase;
	} else {
		rt_gprs_from_uc(uc, &g);
		g.fsbase = t->encl_fs;
		g.gsbase = t->encl_gs;
	}
	if (in_tail && t->ctx.xsave) {
		img = t->xsave_in;      /* what ERESUME was about to restore */
	} else {
		rt_xsave_from_uc(uc, t->xsave_out, len, t->xfrm);
		img = t->xsave_out;
	}
	ret = enclu_aex(&t->lp, &g, img, len, exception, exception ? ex->vector : 0,
			exception ? ex->error_code : 0, exception ? ex->addr : 0, &out);
	/* EENTER/ERESUME resolved the SSA frame: AEX cannot fail. */
	if (ret)
		__builtin_trap();

	memset(r, 0, sizeof(greg_t) * REG_CSGSFS);      /* GPRs, RIP, RFLAGS; not CS/SS */
	r[REG_RAX] = (greg_t)out.rax;
	r[REG_RBX] = (greg_t)out.rbx;
	r[REG_RCX] = (greg_t)out.rcx;
	r[REG_RSP] = (greg_t)out.rsp;
	r[REG_RBP] = (greg_t)out.rbp;
	r[REG_RIP] = (greg_t)out.rip;
	r[REG_EFL] = (greg_t)rt_sanitize_rflags(0);
	xsave_synthetic(uc, t->xfrm);

	t->mode = RT_HOST;
	atomic_fetch_add_explicit(&t->exits, 1, memory_order_release);
	rt_inc(&rt_count.aex);
	if (!exception)
		rt_inc(&rt_count.aex_signal);
	else if (report)
		rt_inc(&rt_count.aex_exception);

	if (report && exception && aep == (uint64_t)(uintptr_t)rt_vdso_aep &&
	    ex->vector != X86_TRAP_DB && ex->vector != X86_TRAP_BP) {
		r[REG_RIP] = (greg_t)(uintptr_t)rt_vdso_handle_exception;
		r[REG_RDI] = (greg_t)ex->vector;
		r[REG_RSI] = (greg_t)ex->error_code;
		/* Hardware clears CR2[11:0] for a #PF in enclave mode. */
		r[REG_RDX] = (greg_t)(ex->vector == X86_TRAP_PF ? ex->addr & ~0xffful : 0);
		return true;
	}
	return false;
}
