/* SPDX-License-Identifier: MIT */
/*
 * The logical processor, in the calling thread: enclave code runs natively;
 * sgxemu steps in only where an SGX CPU under Linux would - ENCLU, an
 * exception or an interrupt inside the enclave, CPUID.
 *
 * - rt_vdso_sgx_enter_enclave() is __vdso_sgx_enter_enclave with Linux's
 *   exact contract (shared/reference/linux-sgx.md §1.5). EENTER/ERESUME
 *   through it are a function call, not a trap.
 * - ENCLU executed by enclave code traps (SIGILL) and is emulated: EEXIT
 *   returns to the host, the other leaves go back into the enclave.
 *   ENCLU[EENTER/ERESUME] executed by host code (loaders that do not use
 *   the vDSO) works the same way.
 * - A fault inside the enclave goes to the driver first (map, ELDU, EAUG:
 *   invisible to the program); otherwise it is an AEX, delivered as Linux
 *   does: through the vDSO's exception fields when the enclave was entered
 *   through it, as the program's own signal at the AEP otherwise. An
 *   asynchronous signal in enclave mode causes an AEX before the program's
 *   handler runs.
 * - CPUID faulting: CPUID answers from a table captured at start, with the
 *   SGX bits of leaf 7 and leaf 0x12 from the platform; inside an enclave
 *   CPUID is #UD.
 *
 * One runtime per process (signal dispositions are per process).
 */
#ifndef SGXEMU_RUNTIME_RT_H
#define SGXEMU_RUNTIME_RT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "platform.h"
#include "sgxemu/uapi/sgx.h"

struct rt_config {
	bool cpuid_faulting;            /* trap and answer CPUID (default true) */
	int kick_signal;                /* forces AEXes for the reclaimer; 0: SIGRTMAX - 3 */
	/* The C library's sigaction, when an interposer (preload/) hides it; NULL: sigaction. */
	int (*real_sigaction)(int sig, const struct sigaction *act, struct sigaction *old);
};

/** rt_config_default() - CPUID faulting on, the default kick signal. */
void rt_config_default(struct rt_config *cfg);

/**
 * rt_init() - bring the runtime up over @hw and @drv (neither owned): the
 * fault-signal handlers, the CPUID table and CPUID faulting, the driver's
 * kick hook. Both may be NULL (a platform created on first use), in which
 * case CPUID shows what @platform_cfg configures, and rt_set_platform()
 * must hand the platform over before any enclave exists.
 * Context: once per process image, before any thread enters an enclave.
 * Return: 0; -EALREADY (already up); -EINVAL (no platform and no
 * configuration); -ENOSYS (CPUID faulting asked for but the kernel or CPU
 * lacks it); -errno of sigaction/mmap.
 */
int rt_init(struct hw_platform *hw, struct sgx_driver *drv, const struct hw_config *platform_cfg,
	    const struct rt_config *cfg) __attribute__((warn_unused_result));

/**
 * rt_set_platform() - the platform and driver enclaves live on from now on
 * (created after rt_init()); wires the driver's kick to the runtime.
 */
void rt_set_platform(struct hw_platform *hw, struct sgx_driver *drv);

/**
 * rt_fini() - undo rt_init(): handlers back to the program's dispositions,
 * CPUID faulting off. No thread may be in enclave mode.
 */
void rt_fini(void);

/**
 * rt_fork_child() - in the child of fork(): forget every logical processor
 * of the parent (only the forking thread exists, and it was in host mode)
 * and switch to the child's own platform and driver. Handlers, the CPUID
 * table and faulting carry over.
 */
void rt_fork_child(struct hw_platform *hw, struct sgx_driver *drv);

/**
 * rt_vdso_sgx_enter_enclave() - __vdso_sgx_enter_enclave: ENCLU[@function]
 * (EENTER or ERESUME) on run->tcs; RDI, RSI, RDX, R8, R9 pass through to
 * the enclave. Return: 0 (run->function says how the enclave left), -EINVAL
 * for a bad leaf or non-zero reserved bytes in @run, or the user handler's
 * return value when it is <= 0.
 */
int rt_vdso_sgx_enter_enclave(unsigned long rdi, unsigned long rsi, unsigned long rdx,
			      unsigned int function, unsigned long r8, unsigned long r9,
			      struct sgx_enclave_run *run);

/**
 * rt_sigaction() - sigaction() as the program sees it: the program's
 * handler runs behind sgxemu's (after an AEX when the signal hit enclave
 * code); @old reports the program's previous disposition, never sgxemu's.
 * Return: 0 or -errno (EINVAL for SIGKILL/SIGSTOP or a bad number).
 */
int rt_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
	__attribute__((warn_unused_result));

/**
 * rt_sigaltstack() - sigaltstack() as the program sees it: its alternate
 * stack is recorded and used for its SA_ONSTACK handlers, while the
 * thread's real one stays sgxemu's. @sp: the caller's stack pointer (for
 * SS_ONSTACK and EPERM).
 * Return: 0, -EPERM (changing it while on it), -EINVAL, -ENOMEM (too small).
 */
int rt_sigaltstack(const stack_t *ss, stack_t *old, uint64_t sp)
	__attribute__((warn_unused_result));

/** rt_kick_signal() - the signal the kick uses (the program never blocks it). */
int rt_kick_signal(void);

/** rt_cpuid() - what CPUID (@leaf, @subleaf) answers under sgxemu. */
void rt_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

struct rt_stats {
	uint64_t eenter, eresume, eexit;        /* entries and normal exits */
	uint64_t aex;                           /* asynchronous exits, all causes */
	uint64_t aex_exception, aex_signal;     /* ... an exception reported / a signal */
	uint64_t faults_resolved;               /* enclave faults the driver made invisible */
	uint64_t fault_retries;                 /* ...after an AEX, as it had to wait */
	uint64_t leaves;                        /* other ENCLU leaves emulated */
	uint64_t cpuid;                         /* CPUID instructions answered */
	uint64_t kicks;                         /* AEXes forced for the reclaimer */
};

void rt_stats_read(struct rt_stats *st);

#endif /* SGXEMU_RUNTIME_RT_H */
