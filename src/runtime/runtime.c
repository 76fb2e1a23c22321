// SPDX-License-Identifier: MIT
/*
 * The runtime's init/uninit ladder, fork, statistics, and the kick the
 * reclaimer uses to force logical processors out of an enclave (Linux's
 * IPI to the CPUs in the enclave's cpumask).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rt_internal.h"

#define HWCAP2_FSGSBASE (1ul << 1)

struct rt_runtime rt;
struct rt_counters rt_count;

void rt_config_default(struct rt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpuid_faulting = true;
}

int rt_init(struct hw_platform *hw, struct sgx_driver *drv, const struct hw_config *platform_cfg,
	    const struct rt_config *cfg)
{
	int ret;

	if (rt.up)
		return -EALREADY;
	if (!hw && !platform_cfg)
		return -EINVAL;
	memset(&rt, 0, sizeof(rt));
	rt.platform_cfg = *(hw ? hw_platform_config(hw) : platform_cfg);
	rt.platform_cfg.root_key_path = NULL;
	rt_set_platform(hw, drv);
	if (cfg)
		rt.cfg = *cfg;
	else
		rt_config_default(&rt.cfg);
	if (!rt.cfg.kick_signal)
		rt.cfg.kick_signal = SIGRTMAX - 3;
	rt.fsgsbase = getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE;

	ret = rt_threads_init();
	if (ret)
		return ret;
	if (rt.cfg.cpuid_faulting) {
		ret = rt_cpuid_init();
		if (ret)
			goto out_threads;
	}
	rt.up = true;
	ret = rt_signals_init();
	if (ret)
		goto out_signals;
	if (rt.cfg.cpuid_faulting) {
		ret = rt_cpuid_enable();
		if (ret)
			goto out_signals;
	}
	return 0;

out_signals:
	rt_signals_fini();
	rt.up = false;
out_threads:
	rt_threads_fini();
	return ret;
}

void rt_fini(void)
{
	if (!rt.up)
		return;
	rt_cpuid_disable();
	rt_signals_fini();
	rt_threads_fini();
	rt.up = false;
}

void rt_set_platform(struct hw_platform *hw, struct sgx_driver *drv)
{
	rt.hw = hw;
	rt.drv = drv;
	/* The reclaimer's IPI: force logical processors out with the kick signal. */
	if (drv)
		sgx_driver_set_kick(drv, rt_kick, NULL);
}

void rt_fork_child(struct hw_platform *hw, struct sgx_driver *drv)
{
	rt_set_platform(hw, drv);
	rt_threads_fork_child();
}

/* ---- kick ----------------------------------------------------------------- */

struct kick {
	uint64_t secs_index;
	int sig;
	pid_t pid;
};

static bool inside(struct rt_thread *t, uint64_t secs_index)
{
	return __atomic_load_n(&t->lp.in_enclave, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&t->lp.secs_index, __ATOMIC_RELAXED) == secs_index;
}

static void kick_one(struct rt_thread *t, void *arg)
{
	const struct kick *k = arg;
	struct timespec pause = { .tv_nsec = 20 * 1000 };
	uint64_t before;
	siginfo_t si;
	int round, spin;

	if (!inside(t, k->secs_index))
		return;
	before = atomic_load_explicit(&t->exits, memory_order_acquire);
	memset(&si, 0, sizeof(si));
	si.si_signo = k->sig;
	si.si_code = SI_QUEUE;
	si.si_pid = k->pid;
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)&rt_kick_cookie;
	/*
	 * A kick that lands while the thread is still on its way in (host
	 * mode, before the IRET) is ignored there; send again until it has
	 * left once. Give up after ~100 ms: a stopped thread holds the page.
	 */
	for (round = 0; round < 100; round++) {
		if (syscall(SYS_rt_tgsigqueueinfo, k->pid, t->tid, k->sig, &si))
			return;
		for (spin = 0; spin < 50; spin++) {
			if (atomic_load_explicit(&t->exits, memory_order_acquire) != before ||
			    !inside(t, k->secs_index))
				return;
			nanosleep(&pause, NULL);
		}
	}
}

void rt_kick(void *ctx, uint64_t secs_index)
{
	struct kick k = { .secs_index = secs_index, .sig = rt.cfg.kick_signal, .pid = getpid() };

	(void)ctx;
	rt_thread_for_each(kick_one, &k);
}

int rt_kick_signal(void)
{
	return rt.cfg.kick_signal ? rt.cfg.kick_signal : SIGRTMAX - 3;
}

void rt_stats_read(struct rt_stats *st)
{
	st->eenter = atomic_load_explicit(&rt_count.eenter, memory_order_relaxed);
	st->eresume = atomic_load_explicit(&rt_count.eresume, memory_order_relaxed);
	st->eexit = atomic_load_explicit(&rt_count.eexit, memory_order_relaxed);
	st->aex = atomic_load_explicit(&rt_count.aex, memory_order_relaxed);
	st->aex_exception = atomic_load_explicit(&rt_count.aex_exception, memory_order_relaxed);
	st->aex_signal = atomic_load_explicit(&rt_count.aex_signal, memory_order_relaxed);
	st->faults_resolved = atomic_load_explicit(&rt_count.faults_resolved, memory_order_relaxed);
	st->fault_retries = atomic_load_explicit(&rt_count.fault_retries, memory_order_relaxed);
	st->leaves = atomic_load_explicit(&rt_count.leaves, memory_order_relaxed);
	st->cpuid = atomic_load_explicit(&rt_count.cpuid, memory_order_relaxed);
	st->kicks = atomic_load_explicit(&rt_count.kicks, memory_order_relaxed);
}
