/* SPDX-License-Identifier: MIT */
/*
 * Runtime internals: per-thread logical-processor state, the register
 * images the assembly loads, the process-wide runtime.
 *
 * Modes. A thread is in RT_HOST or RT_ENCLAVE mode (t->mode). While it is
 * in RT_ENCLAVE mode, FS and GS hold the enclave's bases, so a signal
 * handler must not touch TLS (errno, libc) before it has put the host's
 * back; it finds its thread through the alternate signal stack it runs on
 * (every thread that enters an enclave gets one of sgxemu's, see thread.c).
 *
 * Entering is two steps: C code does the leaf (hw's EENTER/ERESUME) and
 * fills t->ctx, then the assembly tail (rt_load_context) switches mode,
 * restores XSAVE state and FS/GS and IRETs into the enclave. A signal that
 * lands in the tail, after the mode switch, finds RIP inside
 * [rt_tail_start, rt_tail_end): the enclave's architectural state is then
 * t->ctx, exactly as if the interrupt had arrived on the first enclave
 * instruction.
 */
#ifndef SGXEMU_RUNTIME_RT_INTERNAL_H
#define SGXEMU_RUNTIME_RT_INTERNAL_H

#ifndef __ASSEMBLER__
#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include "lp.h"
#include "rt.h"
#endif

#define RT_HOST         0
#define RT_ENCLAVE      1

/* The red zone below the RSP of the code that executed "ENCLU". */
#define RT_REDZONE      128

/* rt_ctx.fsgs: how the tail loads FS/GS. */
#define RT_FSGS_KEEP    0               /* leave them */
#define RT_FSGS_INSN    1               /* wrfsbase/wrgsbase */
#define RT_FSGS_SYSCALL 2               /* arch_prctl (no FSGSBASE) */

/* Offsets into struct rt_ctx, for vdso.S (checked below). */
#define CTX_RAX     0
#define CTX_RBX     8
#define CTX_RCX     16
#define CTX_RDX     24
#define CTX_RSI     32
#define CTX_RDI     40
#define CTX_RBP     48
#define CTX_RSP     56
#define CTX_R8      64
#define CTX_R9      72
#define CTX_R10     80
#define CTX_R11     88
#define CTX_R12     96
#define CTX_R13     104
#define CTX_R14     112
#define CTX_R15     120
#define CTX_RFLAGS  128
#define CTX_RIP     136
#define CTX_FSBASE  144
#define CTX_GSBASE  152
#define CTX_XFRM    160
#define CTX_XSAVE   168
#define CTX_MODE    176
#define CTX_FSGS    180
#define CTX_MODEP   184

/* Bytes rt_enclu_host pushes (struct rt_host_regs). */
#define RT_HOST_REGS_SIZE 128

#ifndef __ASSEMBLER__

/*
 * A complete register image for rt_load_context(): loaded, then IRETQ to
 * rip with rsp and rflags. @xsave (if not 0) is XRSTORed with mask @xfrm
 * first; FS/GS loaded per @fsgs; *@modep = @mode before any of it.
 */
struct rt_ctx {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags, rip;
	uint64_t fsbase, gsbase;
	uint64_t xfrm;
	uint64_t xsave;
	uint32_t mode;
	uint32_t fsgs;
	uint64_t modep;
};
static_assert(offsetof(struct rt_ctx, rflags) == CTX_RFLAGS, "rt_ctx.rflags");
static_assert(offsetof(struct rt_ctx, rip) == CTX_RIP, "rt_ctx.rip");
static_assert(offsetof(struct rt_ctx, fsbase) == CTX_FSBASE, "rt_ctx.fsbase");
static_assert(offsetof(struct rt_ctx, xfrm) == CTX_XFRM, "rt_ctx.xfrm");
static_assert(offsetof(struct rt_ctx, xsave) == CTX_XSAVE, "rt_ctx.xsave");
static_assert(offsetof(struct rt_ctx, mode) == CTX_MODE, "rt_ctx.mode");
static_assert(offsetof(struct rt_ctx, fsgs) == CTX_FSGS, "rt_ctx.fsgs");
static_assert(offsetof(struct rt_ctx, modep) == CTX_MODEP, "rt_ctx.modep");
static_assert(offsetof(struct rt_ctx, r15) == CTX_R15, "rt_ctx.r15");

/* What rt_enclu_host pushes, lowest address first. */
struct rt_host_regs {
	uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags;
};
static_assert(sizeof(struct rt_host_regs) == RT_HOST_REGS_SIZE, "rt_host_regs");

/* Largest XSAVE image an enclave can have (hw/lp.h: three pages). */
#define RT_XSAVE_MAX (HW_LP_XSAVE_PAGES * 4096)

#define RT_THREAD_MAGIC 0x5347584c50ull /* "SGXLP" */

/*
 * One thread's logical processor. Lives at the base of the thread's
 * alternate signal stack region (thread.c), so a signal handler finds it
 * from its stack pointer without TLS.
 */
struct rt_thread {
	uint64_t magic;
	struct hw_lp lp;
	int tid;
	/* RT_HOST / RT_ENCLAVE; written by this thread (and its handlers) only. */
	volatile uint32_t mode;
	/* Host FS/GS bases, saved on each entry; enclave ones read at each trap. */
	uint64_t host_fs, host_gs;
	uint64_t encl_fs, encl_gs;
	uint64_t xfrm;                  /* the enclave's SECS.ATTRIBUTES.XFRM */
	/* Exits from enclave mode (EEXIT or AEX): the kick waits for a change. */
	atomic_uint_fast64_t exits;
	/* The context the tail loads (see the top of this file). */
	struct rt_ctx ctx;
	/* XSAVE images: the one ERESUME restores, the one AEX saves. */
	uint8_t xsave_in[RT_XSAVE_MAX] __attribute__((aligned(64)));
	uint8_t xsave_out[RT_XSAVE_MAX] __attribute__((aligned(64)));
	void *region;                   /* the mmap()ed stack region */
};

/* The process-wide runtime. */
struct rt_runtime {
	struct hw_platform *hw;
	struct sgx_driver *drv;
	struct rt_config cfg;
	struct hw_config platform_cfg;  /* what CPUID 0x12 shows */
	bool up;
	bool fsgsbase;                  /* user-space FSGSBASE (HWCAP2) */
	bool cpuid_faulting;            /* CPUID faulting active */
	uint64_t xcr0;                  /* XSAVE features the OS enabled */
};

extern struct rt_runtime rt;

/* Statistics; relaxed counters. */
struct rt_counters {
	atomic_uint_fast64_t eenter, eresume, eexit, aex, aex_exception, aex_signal;
	atomic_uint_fast64_t faults_resolved, fault_retries, leaves, cpuid, kicks;
};
extern struct rt_counters rt_count;

static inline void rt_inc(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- vdso.S ------------------------------------------------------------ */

/* The "ENCLU" of the vDSO (also its AEP) and the address after it. */
extern const char rt_vdso_aep[], rt_vdso_after_enclu[], rt_vdso_handle_exception[];
/* The tail of rt_load_context() during which t->ctx is the enclave's state. */
extern const char rt_tail_start[], rt_tail_end[];
/* Load @ctx and IRETQ to it; never returns. */
void rt_load_context(struct rt_ctx *ctx) __attribute__((noreturn));
/* fn(sig, info, uc) on the stack below @stack_top. */
void rt_call_on_stack(int sig, siginfo_t *info, void *uc,
		      void (*fn)(int, siginfo_t *, void *), uint64_t stack_top);

/* ---- thread.c --------------------------------------------------------- */

/**
 * rt_thread_self() - this thread's logical processor, created on first use
 * (alternate signal stack included).
 * Context: host mode; async-signal safe (mmap, sigaltstack and atomics
 * only).
 * Return: the thread, or NULL when no memory could be had.
 */
struct rt_thread *rt_thread_self(void);

/**
 * rt_thread_from_stack() - the thread whose alternate signal stack holds
 * @sp, or NULL if @sp is on no stack of sgxemu's.
 * Context: signal handlers, before FS is known to be the host's: no TLS.
 */
struct rt_thread *rt_thread_from_stack(uint64_t sp);

/** rt_thread_current() - TLS lookup; NULL if none. Context: host FS. */
struct rt_thread *rt_thread_current(void);

/**
 * rt_altstack_below() - make the part of @t's signal stack below @sp (less
 * a margin) the thread's alternate stack, so that signals nested inside a
 * program handler that re-enters an enclave land below the frames that
 * are live. sigreturn puts the full stack back.
 * Context: sgxemu's signal handler on @t's stack.
 */
void rt_altstack_below(struct rt_thread *t, uint64_t sp);

/** rt_thread_for_each() - call @fn for every live thread (kick, fork). */
void rt_thread_for_each(void (*fn)(struct rt_thread *t, void *arg), void *arg);

int rt_threads_init(void) __attribute__((warn_unused_result));
void rt_threads_fini(void);
/* After fork(): only the calling thread's logical processor remains. */
void rt_threads_fork_child(void);

/* ---- fsgs.c ------------------------------------------------------------ */

uint64_t rt_rdfsbase(void);
uint64_t rt_rdgsbase(void);
void rt_wrfsbase(uint64_t v);
void rt_wrgsbase(uint64_t v);

/* ---- entry.c ------------------------------------------------------------ */

/*
 * rt_host_enclu() - the software ENCLU[EENTER/ERESUME] of the vDSO, called
 * by vdso.S with the registers of the "ENCLU"; returns the context to load.
 */
struct rt_ctx *rt_host_enclu(struct rt_host_regs *r);

/**
 * rt_raw_enclu() - ENCLU executed by host code (SIGILL in host mode at
 * @uc's RIP); @t may be NULL (created here).
 * Return: -1 if the instruction is not ENCLU; RT_RESUME when @uc now holds
 * the enclave's registers (the caller loads the enclave's FS/GS); or
 * RT_DELIVER with the fault to deliver in *@sig and *@si.
 */
int rt_raw_enclu(struct rt_thread *t, ucontext_t *uc, int *sig, siginfo_t *si);

/* Sanitised RFLAGS for IRETQ from an SSA frame. */
uint64_t rt_sanitize_rflags(uint64_t rflags);

struct rt_exception;
/* rt_exception_from_fault() - the exception for hw fault code @fault. */
void rt_exception_from_fault(unsigned int fault, const struct hw_lp *lp, struct rt_exception *ex);

/* A leaf that keeps faulting after the driver mapped its page gets the fault. */
#define RT_LEAF_RETRIES 64

enum {
	RT_PF_MAPPED,                   /* the page is there now: retry the leaf */
	RT_PF_BUSY,                     /* a lock was contended: retry the leaf */
	RT_PF_FAULT,                    /* raise @ex */
};

/**
 * rt_resolve_leaf_pf() - a leaf raised #PF (t->lp.fault_*): let the driver
 * make the page present, as the kernel would before the retry.
 * Return: RT_PF_MAPPED, RT_PF_BUSY, or RT_PF_FAULT with @ex filled.
 * Context: any, signal handlers included.
 */
int rt_resolve_leaf_pf(struct rt_thread *t, struct rt_exception *ex);

/* ---- enclu.c ------------------------------------------------------------ */

enum rt_outcome {
	RT_RESUME,                      /* back into the enclave (FS := enclave's) */
	RT_EXITED,                      /* left enclave mode; uc holds host state */
	RT_DELIVER,                     /* left enclave mode; deliver the signal */
};

/* rt_enclave_enclu() - ENCLU trapped in enclave mode at @uc's RIP. */
enum rt_outcome rt_enclave_enclu(struct rt_thread *t, ucontext_t *uc, int *sig, siginfo_t *si);

/* ---- aex.c -------------------------------------------------------------- */

struct rt_exception {
	bool valid;                     /* false: an interrupt (a signal) */
	unsigned int vector;
	uint32_t error_code;
	uint64_t addr;                  /* #PF only */
	int sig, si_code;               /* the signal Linux would send for it */
};

/**
 * rt_aex() - Asynchronous Enclave Exit of @t, whose enclave state is @uc
 * (or t->ctx when @in_tail). Saves it into the SSA, leaves enclave mode,
 * and puts the synthetic state into @uc (RIP = AEP). For an exception whose
 * AEP is the vDSO's, @uc continues in the vDSO's exception path instead, as
 * Linux's fixup does.
 * Return: true if the exception went to the vDSO (nothing to deliver).
 */
bool rt_aex(struct rt_thread *t, ucontext_t *uc, bool in_tail, const struct rt_exception *ex);

/**
 * rt_aex_retry() - a fault inside the enclave that the driver cannot
 * resolve yet (no free EPC page, a lock held elsewhere): AEX and go back
 * to the AEP, whose ERESUME retries the instruction - what the kernel's
 * VM_FAULT_NOPAGE does on hardware. Waiting inside the handler instead
 * would keep this logical processor in the enclave and hold up the very
 * ETRACK the reclaimer needs to free a page.
 */
void rt_aex_retry(struct rt_thread *t, ucontext_t *uc, const struct rt_exception *ex);

/* rt_gprs_from_uc() / rt_uc_from_gprs(): GPRSGX <-> signal frame. */
void rt_gprs_from_uc(const ucontext_t *uc, struct sgx_gprsgx *g);
void rt_uc_from_gprs(ucontext_t *uc, const struct sgx_gprsgx *g);

/* The XSAVE image of a signal frame <-> a standard-format image. */
void rt_xsave_from_uc(const ucontext_t *uc, uint8_t *img, uint32_t len, uint64_t xfrm);
void rt_xsave_to_uc(ucontext_t *uc, const uint8_t *img, uint32_t len, uint64_t xfrm);

/* ---- signal.c ------------------------------------------------------------ */

int rt_signals_init(void) __attribute__((warn_unused_result));
void rt_signals_fini(void);

/* ---- cpuid.c --------------------------------------------------------------- */

int rt_cpuid_init(void) __attribute__((warn_unused_result));
int rt_cpuid_enable(void) __attribute__((warn_unused_result));
void rt_cpuid_disable(void);
/* rt_cpuid_emulate() - a trapped CPUID at @uc's RIP (host mode): answer it. */
bool rt_cpuid_emulate(ucontext_t *uc);

/* ---- runtime.c --------------------------------------------------------------- */

/* The address the kick carries in si_value (signal.c). */
extern const char rt_kick_cookie;

/* The driver's kick hook (sgx_kick_fn). */
void rt_kick(void *ctx, uint64_t secs_index);

/*
 * rt_insn_at() - does the instruction at @rip (that just trapped) start with
 * @bytes? Enclave code is read through the driver from its EPC page: the
 * reclaimer may have zapped the mapping since the CPU fetched from it.
 * Return: 1 yes, 0 no, -EBUSY (cannot tell now: re-execute the instruction).
 * Context: signal handler, host FS/GS restored.
 */
int rt_insn_at(uint64_t rip, const char *bytes, unsigned int n);

/* Reads of code bytes at a trapping RIP, directly (host code). */
static inline bool rt_insn_is(uint64_t rip, const char *bytes, unsigned int n)
{
	const unsigned char *p = (const unsigned char *)(uintptr_t)rip;

	for (unsigned int i = 0; i < n; i++)
		if (p[i] != (unsigned char)bytes[i])
			return false;
	return true;
}

static inline bool rt_canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

#endif /* __ASSEMBLER__ */
#endif /* SGXEMU_RUNTIME_RT_INTERNAL_H */
