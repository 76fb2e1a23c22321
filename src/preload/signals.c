// SPDX-License-Identifier: MIT
/*
 * The program's signal calls go to the runtime, which keeps the program's
 * dispositions and alternate stack as the program set them while the
 * real ones stay sgxemu's (runtime/signal.c).
 *
 * Masks: sgxemu needs SIGSEGV and SIGILL (invisible faults, ENCLU) and its
 * kick signal delivered at all times, as the kernel needs no signal for
 * what they stand for. A program that blocks them has them blocked in
 * name only: the thread's view (what sigprocmask reports back) includes
 * them, the real mask does not.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "interpose.h"
#include "preload.h"
#include "rt.h"

/* Per thread: the reserved signals the program believes it has blocked. */
static _Thread_local sigset_t virtual_blocked;

void pl_signals_reserved(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGSEGV);
	sigaddset(set, SIGILL);
	sigaddset(set, rt_kick_signal());
}

static int do_sigaction(bool ours, int sig, const struct sigaction *act, struct sigaction *old)
{
	int ret;

	pl_resolve();
	if (ours || !pl.up)
		return real.sigaction(sig, act, old);
	ret = rt_sigaction(sig, act, old);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}

PL_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return do_sigaction(pl_from_us(), sig, act, old);
}

PL_EXPORT int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return do_sigaction(pl_from_us(), sig, act, old);
}

static sighandler_t set_handler(bool ours, int sig, sighandler_t h, int flags)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = h;
	act.sa_flags = flags;
	if (!(flags & SA_NODEFER))
		sigaddset(&act.sa_mask, sig);
	if (do_sigaction(ours, sig, &act, &old))
		return SIG_ERR;
	return old.sa_handler;
}

/* glibc's signal(): BSD semantics. */
PL_EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	return set_handler(pl_from_us(), sig, h, SA_RESTART);
}

PL_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return set_handler(pl_from_us(), sig, h, SA_RESTART);
}

/* System V semantics: reset on delivery, not blocked while handled. */
PL_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
	return set_handler(pl_from_us(), sig, h, SA_RESETHAND | SA_NODEFER);
}

PL_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h)
{
	return set_handler(pl_from_us(), sig, h, SA_RESETHAND | SA_NODEFER);
}

/*
 * A mask change: the reserved signals are kept out of the real mask and
 * remembered in the thread's virtual set.
 */
static int do_mask(bool ours, bool thread, int how, const sigset_t *set, sigset_t *old)
{
	int (*fn)(int, const sigset_t *, sigset_t *);
	sigset_t reserved, want, prev;
	int i, ret;

	pl_resolve();
	fn = thread ? real.pthread_sigmask : real.sigprocmask;
	if (ours || !pl.up)
		return fn(how, set, old);
	ret = thread ? fn(SIG_BLOCK, NULL, &prev) : (fn(SIG_BLOCK, NULL, &prev) ? errno : 0);
	if (ret)
		return thread ? ret : -1;
	pl_signals_reserved(&reserved);
	for (i = 1; i < NSIG; i++)
		if (sigismember(&virtual_blocked, i) == 1)
			sigaddset(&prev, i);
	if (old)
		*old = prev;
	if (!set)
		return 0;
	switch (how) {
	case SIG_BLOCK:
		want = prev;
		for (i = 1; i < NSIG; i++)
			if (sigismember(set, i) == 1)
				sigaddset(&want, i);
		break;
	case SIG_UNBLOCK:
		want = prev;
		for (i = 1; i < NSIG; i++)
			if (sigismember(set, i) == 1)
				sigdelset(&want, i);
		break;
	case SIG_SETMASK:
		want = *set;
		break;
	default:
		if (thread)
			return EINVAL;
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&virtual_blocked);
	for (i = 1; i < NSIG; i++) {
		if (sigismember(&reserved, i) == 1 && sigismember(&want, i) == 1) {
			sigaddset(&virtual_blocked, i);
			sigdelset(&want, i);
		}
	}
	return fn(SIG_SETMASK, &want, NULL);
}

PL_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	return do_mask(pl_from_us(), false, how, set, old);
}

PL_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return do_mask(pl_from_us(), true, how, set, old);
}

PL_EXPORT int sigaltstack(const stack_t *ss, stack_t *old)
{
	int ret;

	pl_resolve();
	if (pl_from_us() || !pl.up)
		return real.sigaltstack(ss, old);
	ret = rt_sigaltstack(ss, old, (uint64_t)(uintptr_t)__builtin_frame_address(0));
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}
