// SPDX-License-Identifier: MIT
/*
 * Signals: sgxemu's handler runs first for every signal that can concern
 * an enclave - the fault signals always, every other signal while the
 * program has a handler for it - and hands the signal on to the program
 * as Linux would have delivered it.
 *
 * What sgxemu's handler does, by mode of the interrupted thread:
 *   enclave mode: FS/GS back to the host's first (no TLS before that), then
 *     ENCLU -> emulate the leaf; #PF -> the driver, and if it cannot make
 *     the access work, an AEX; CPUID -> #UD; any other exception -> AEX;
 *     an asynchronous signal -> AEX (an interrupt), then the program's
 *     handler runs at the AEP.
 *   host mode: ENCLU -> raw EENTER/ERESUME; CPUID -> the table; #PF on an
 *     enclave mapping -> the driver; anything else -> the program.
 *
 * Every sgxemu handler runs with all signals blocked (sa_mask full) on the
 * thread's alternate stack; the program's handler runs with the mask it
 * asked for. The program's dispositions are kept here (prog_act) and
 * reported to it by rt_sigaction(), never sgxemu's own.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt_internal.h"

#define CPUID_OPCODE "\x0f\xa2"
#define SS_AUTODISARM_FLAG (1u << 31)

/*
 * The program's view of each signal's disposition. act_lock serialises
 * writers; handlers read through the per-signal sequence count (odd while
 * a write is in progress), so no handler ever waits on a lock.
 */
static struct sigaction prog_act[NSIG];
static atomic_uint act_seq[NSIG];
static pthread_mutex_t act_lock = PTHREAD_MUTEX_INITIALIZER;

/* Cookie the kick carries in si_value (runtime.c sends it). */
const char rt_kick_cookie = 0;

static int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return rt.cfg.real_sigaction ? rt.cfg.real_sigaction(sig, act, old)
				     : sigaction(sig, act, old);
}

static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGILL || sig == SIGBUS || sig == SIGFPE || sig == SIGTRAP;
}

/* Signals whose real handler is sgxemu's whatever the program asks for. */
static bool always_ours(int sig)
{
	return fault_signal(sig) || sig == rt.cfg.kick_signal;
}

/* A signal raised by the instruction at the interrupted RIP. */
static bool synchronous(int sig, const siginfo_t *si)
{
	return fault_signal(sig) && si->si_code > 0;
}

static bool is_kick(int sig, const siginfo_t *si)
{
	return sig == rt.cfg.kick_signal && si->si_code == SI_QUEUE &&
	       si->si_value.sival_ptr == (void *)&rt_kick_cookie;
}

static struct sigaction prog_act_read(int sig)
{
	struct sigaction a;
	unsigned int s;

	do {
		s = atomic_load_explicit(&act_seq[sig], memory_order_acquire);
		memcpy(&a, &prog_act[sig], sizeof(a));
		atomic_thread_fence(memory_order_acquire);
	} while ((s & 1) || s != atomic_load_explicit(&act_seq[sig], memory_order_relaxed));
	return a;
}

static void prog_act_write(int sig, const struct sigaction *a)
{
	atomic_fetch_add_explicit(&act_seq[sig], 1, memory_order_acq_rel);
	memcpy(&prog_act[sig], a, sizeof(*a));
	atomic_fetch_add_explicit(&act_seq[sig], 1, memory_order_release);
}

static void rt_signal_entry(int sig, siginfo_t *si, void *ucv);

static int install(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = rt_signal_entry;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | (flags & SA_RESTART);
	sigfillset(&sa.sa_mask);
	return real_sigaction(sig, &sa, NULL) ? -errno : 0;
}

static bool is_handler(const struct sigaction *a)
{
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

/* ---- the program's side ----------------------------------------------- */

int rt_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int ret = 0;

	if (sig <= 0 || sig >= NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	if (!rt.up) {
		if (real_sigaction(sig, act, old))
			return -errno;
		return 0;
	}
	pthread_mutex_lock(&act_lock);
	if (old)
		*old = prog_act[sig];
	if (act) {
		if (always_ours(sig))
			ret = 0;
		else if (is_handler(act))
			ret = install(sig, act->sa_flags);
		else
			ret = real_sigaction(sig, act, NULL) ? -errno : 0;
		if (!ret)
			prog_act_write(sig, act);
	}
	pthread_mutex_unlock(&act_lock);
	return ret;
}

/* The default action of @sig, for the program that asked for it. */
static void default_action(int sig, const siginfo_t *si, bool refault)
{
	struct sigaction dfl;
	sigset_t set;

	if (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH)
		return;                 /* ignored by default */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	real_sigaction(sig, &dfl, NULL);
	if (refault)
		return;                 /* the instruction faults again: core at the real spot */
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), sig, si);
	/* A stop signal comes back here once continued. */
	if (always_ours(sig))
		install(sig, 0);
}

/*
 * The program's own alternate signal stack (rt_sigaltstack()): recorded,
 * not installed - the thread's real one is sgxemu's.
 */
static _Thread_local stack_t prog_altstack = { .ss_flags = SS_DISABLE };

int rt_sigaltstack(const stack_t *ss, stack_t *old, uint64_t sp)
{
	bool on = !(prog_altstack.ss_flags & SS_DISABLE) &&
		  sp - (uint64_t)(uintptr_t)prog_altstack.ss_sp < prog_altstack.ss_size;

	if (old) {
		*old = prog_altstack;
		if (on)
			old->ss_flags |= SS_ONSTACK;
	}
	if (!ss)
		return 0;
	if (on)
		return -EPERM;
	if (ss->ss_flags & ~(SS_DISABLE | (int)SS_AUTODISARM_FLAG))
		return -EINVAL;
	if (ss->ss_flags & SS_DISABLE) {
		prog_altstack.ss_flags = SS_DISABLE;
		prog_altstack.ss_sp = NULL;
		prog_altstack.ss_size = 0;
		return 0;
	}
	if (ss->ss_size < (size_t)MINSIGSTKSZ)
		return -ENOMEM;
	prog_altstack = *ss;
	return 0;
}

/*
 * Where Linux would run the program's handler: on the program's alternate
 * stack for SA_ONSTACK (below the interrupted RSP if already on it), else
 * below the interrupted RSP and its red zone. After an AEX that RSP is the
 * synthetic one, the outside stack the enclave was entered from.
 */
static uint64_t handler_stack(const struct sigaction *a, const ucontext_t *uc)
{
	uint64_t sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	uint64_t lo = (uint64_t)(uintptr_t)prog_altstack.ss_sp;

	if ((a->sa_flags & SA_ONSTACK) && !(prog_altstack.ss_flags & SS_DISABLE)) {
		if (sp - lo >= prog_altstack.ss_size)
			return lo + prog_altstack.ss_size;
	}
	return sp - RT_REDZONE;
}

static void deliver(struct rt_thread *t, int sig, siginfo_t *si, ucontext_t *uc, bool refault)
{
	struct sigaction a = prog_act_read(sig);
	sigset_t mask;
	int i;

	if (a.sa_handler == SIG_IGN && !synchronous(sig, si))
		return;
	if (!is_handler(&a)) {
		default_action(sig, si, refault);
		return;
	}
	if (a.sa_flags & SA_RESETHAND) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		prog_act_write(sig, &dfl);
		if (!always_ours(sig))
			real_sigaction(sig, &dfl, NULL);
	}
	/* The mask Linux would have set for the program's handler. */
	mask = uc->uc_sigmask;
	for (i = 1; i < NSIG; i++)
		if (sigismember(&a.sa_mask, i) == 1)
			sigaddset(&mask, i);
	if (!(a.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	/*
	 * Except what sgxemu itself needs while the program's handler runs:
	 * the handler may enter an enclave (SDK runtimes call the enclave's
	 * exception handler from their SIGSEGV handler), whose page faults
	 * and ENCLUs hardware and the kernel would handle without any signal.
	 * A genuine fault inside a SIGSEGV handler therefore re-enters the
	 * program's handler instead of killing the process.
	 */
	sigdelset(&mask, SIGSEGV);
	sigdelset(&mask, SIGILL);
	sigdelset(&mask, rt.cfg.kick_signal);
	/* Signals nested in the handler land below sgxemu's live frames. */
	if (t)
		rt_altstack_below(t, (uint64_t)(uintptr_t)__builtin_frame_address(0));
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	rt_call_on_stack(sig, si, uc, (a.sa_flags & SA_SIGINFO) ? a.sa_sigaction :
			 (void (*)(int, siginfo_t *, void *))(void (*)(void))a.sa_handler,
			 handler_stack(&a, uc));
}

/* ---- sgxemu's side ---------------------------------------------------- */

static unsigned int pf_access(uint64_t err)
{
	if (err & X86_PF_WRITE)
		return HW_ACC_WRITE;
	if (err & X86_PF_INSTR)
		return HW_ACC_EXEC;
	return HW_ACC_READ;
}

/* The exception behind a synchronous signal from enclave code. */
static void exception_of(int sig, const siginfo_t *si, const ucontext_t *uc,
			 struct rt_exception *ex)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	memset(ex, 0, sizeof(*ex));
	ex->valid = true;
	ex->vector = (unsigned int)g[REG_TRAPNO];
	ex->error_code = (uint32_t)g[REG_ERR];
	ex->sig = sig;
	ex->si_code = si->si_code;
	if (sig == SIGSEGV && ex->vector == X86_TRAP_PF)
		ex->addr = (uint64_t)(uintptr_t)si->si_addr;
}

/* After an AEX: the signal for exception @ex, in *@dsi. */
static void exception_siginfo(const struct rt_exception *ex, ucontext_t *uc, siginfo_t *dsi)
{
	greg_t *g = uc->uc_mcontext.gregs;

	memset(dsi, 0, sizeof(*dsi));
	dsi->si_signo = ex->sig;
	dsi->si_code = ex->si_code;
	if (ex->vector == X86_TRAP_PF)
		dsi->si_addr = (void *)(uintptr_t)(ex->addr & ~0xffful);
	else if (ex->vector != X86_TRAP_GP)
		dsi->si_addr = (void *)(uintptr_t)g[REG_RIP];
	g[REG_ERR] = ex->error_code;
	g[REG_TRAPNO] = ex->vector;
}

__attribute__((noinline))
static void enclave_signal(struct rt_thread *t, int sig, siginfo_t *si, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	bool in_tail = rip >= (uint64_t)(uintptr_t)rt_tail_start &&
		       rip < (uint64_t)(uintptr_t)rt_tail_end;
	enum rt_outcome out;
	struct rt_exception ex;
	siginfo_t dsi = *si;
	bool is_enclu = false;
	int dsig = sig;
	uint32_t code;

	if (in_tail) {
		t->encl_fs = t->ctx.fsbase;
		t->encl_gs = t->ctx.gsbase;
	}
	if (in_tail || !synchronous(sig, si)) {
		/* An interrupt: AEX, then the program's handler at the AEP. */
		rt_aex(t, uc, in_tail, NULL);
		if (is_kick(sig, si)) {
			rt_inc(&rt_count.kicks);
			return;
		}
		deliver(t, sig, si, uc, false);
		return;
	}

	if (sig == SIGILL) {
		int r = rt_insn_at(rip, SGX_ENCLU_OPCODE, 3);

		if (r < 0) {
			/* Decode it again on the retry. */
			rt_wrfsbase(t->encl_fs);
			rt_wrgsbase(t->encl_gs);
			return;
		}
		is_enclu = r;
	}
	if (is_enclu) {
		out = rt_enclave_enclu(t, uc, &dsig, &dsi);
	} else {
		exception_of(sig, si, uc, &ex);
		if (sig == SIGSEGV && ex.vector == X86_TRAP_PF) {
			switch (sgx_encl_fault(rt.drv, ex.addr, pf_access(ex.error_code), &code)) {
			case SGX_FAULT_HANDLED:
				rt_inc(&rt_count.faults_resolved);
				rt_wrfsbase(t->encl_fs);
				rt_wrgsbase(t->encl_gs);
				return;
			case SGX_FAULT_RETRY:
				rt_aex_retry(t, uc, &ex);
				return;
			case SGX_FAULT_REPORT:
				ex.error_code = code;
				ex.si_code = SEGV_ACCERR;
				break;
			case SGX_FAULT_SIGBUS:
				ex.sig = SIGBUS;
				ex.si_code = BUS_ADRERR;
				break;
			case SGX_FAULT_NOT_OURS:
				break;
			}
		} else if (sig == SIGSEGV && si->si_code == SI_KERNEL &&
			   rt_insn_at(rip, CPUID_OPCODE, 2) == 1) {
			/* CPUID inside an enclave is #UD. */
			ex.vector = X86_TRAP_UD;
			ex.error_code = 0;
			ex.sig = SIGILL;
			ex.si_code = ILL_ILLOPN;
		}
		if (rt_aex(t, uc, false, &ex)) {
			out = RT_EXITED;
		} else {
			exception_siginfo(&ex, uc, &dsi);
			dsig = ex.sig;
			out = RT_DELIVER;
		}
	}

	switch (out) {
	case RT_RESUME:
		rt_wrfsbase(t->encl_fs);
		rt_wrgsbase(t->encl_gs);
		break;
	case RT_EXITED:
		break;
	case RT_DELIVER:
		deliver(t, dsig, &dsi, uc, false);
		break;
	}
}

__attribute__((noinline))
static void host_signal(struct rt_thread *t, int sig, siginfo_t *si, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	siginfo_t dsi;
	uint32_t code;
	int dsig, r;

	if (is_kick(sig, si))
		return;                 /* it left the enclave before the kick landed */
	if (!synchronous(sig, si)) {
		deliver(t, sig, si, uc, false);
		return;
	}
	/* A bad user pointer in a driver copy: -EFAULT for the ioctl. */
	if ((sig == SIGSEGV || sig == SIGBUS) && sgx_uaccess_fixup(&rip)) {
		g[REG_RIP] = (greg_t)rip;
		return;
	}
	if (sig == SIGILL) {
		r = rt_raw_enclu(t, uc, &dsig, &dsi);
		if (r == RT_RESUME) {
			t = rt_thread_current();
			rt_wrfsbase(t->encl_fs);
			rt_wrgsbase(t->encl_gs);
			return;
		}
		if (r == RT_DELIVER) {
			deliver(t, dsig, &dsi, uc, false);
			return;
		}
	} else if (sig == SIGSEGV && si->si_code == SI_KERNEL && rt.cpuid_faulting &&
		   rt_insn_is(rip, CPUID_OPCODE, 2)) {
		if (rt_cpuid_emulate(uc))
			return;
	} else if (sig == SIGSEGV && g[REG_TRAPNO] == X86_TRAP_PF && rt.drv) {
		switch (sgx_encl_fault(rt.drv, (uint64_t)(uintptr_t)si->si_addr,
				       pf_access((uint64_t)g[REG_ERR]), &code)) {
		case SGX_FAULT_HANDLED:
		case SGX_FAULT_RETRY:
			return;
		case SGX_FAULT_REPORT:
			dsi = *si;
			dsi.si_code = SEGV_ACCERR;
			g[REG_ERR] = code;
			deliver(t, sig, &dsi, uc, false);
			return;
		case SGX_FAULT_SIGBUS:
			memset(&dsi, 0, sizeof(dsi));
			dsi.si_signo = SIGBUS;
			dsi.si_code = BUS_ADRERR;
			dsi.si_addr = si->si_addr;
			deliver(t, SIGBUS, &dsi, uc, false);
			return;
		case SGX_FAULT_NOT_OURS:
			break;
		}
	}
	/* Not sgxemu's business: the instruction faults again if the program does not care. */
	deliver(t, sig, si, uc, sig != SIGTRAP);
}

/*
 * The entry of every sgxemu handler. FS may hold an enclave's base here:
 * nothing touches TLS until host_signal()/enclave_signal(), which run
 * with the host's FS/GS.
 */
__attribute__((no_sanitize("address", "undefined", "thread"), no_stack_protector))
static void rt_signal_entry(int sig, siginfo_t *si, void *ucv)
{
	struct rt_thread *t = rt_thread_from_stack((uint64_t)(uintptr_t)__builtin_frame_address(0));

	if (t && t->mode == RT_ENCLAVE) {
		t->encl_fs = rt_rdfsbase();
		t->encl_gs = rt_rdgsbase();
		rt_wrfsbase(t->host_fs);
		rt_wrgsbase(t->host_gs);
		enclave_signal(t, sig, si, ucv);
		return;
	}
	host_signal(t ? t : rt_thread_current(), sig, si, ucv);
}

int rt_signals_init(void)
{
	struct sigaction cur;
	int sig, ret;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (real_sigaction(sig, NULL, &cur))
			continue;       /* numbers the C library keeps for itself */
		if (cur.sa_sigaction == rt_signal_entry)
			continue;
		prog_act_write(sig, &cur);
		if (always_ours(sig) || is_handler(&cur)) {
			ret = install(sig, cur.sa_flags);
			if (ret)
				return ret;
		}
	}
	/* host_signal() applies the driver's user-copy fixups from now on. */
	sgx_uaccess_set_fixups(true);
	return 0;
}

void rt_signals_fini(void)
{
	struct sigaction cur;
	int sig;

	sgx_uaccess_set_fixups(false);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (real_sigaction(sig, NULL, &cur) || cur.sa_sigaction != rt_signal_entry)
			continue;
		cur = prog_act_read(sig);
		real_sigaction(sig, &cur, NULL);
	}
}
