// SPDX-License-Identifier: MIT
/*
 * FS and GS bases: the FSGSBASE instructions where the kernel enables them
 * for user space (HWCAP2 bit 1, Linux 5.9+), arch_prctl otherwise. Both
 * paths are raw: these run in signal handlers while FS may still hold an
 * enclave's base, so nothing here may touch TLS (errno included).
 */
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "rt_internal.h"

#define NO_TLS __attribute__((no_sanitize("address", "undefined", "thread"), no_stack_protector))

NO_TLS static long raw_arch_prctl(long code, uint64_t addr)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_arch_prctl), "D"(code), "S"(addr)
			 : "rcx", "r11", "memory");
	return ret;
}

NO_TLS uint64_t rt_rdfsbase(void)
{
	uint64_t v = 0;

	if (rt.fsgsbase)
		__asm__ volatile("rdfsbase %0" : "=r"(v));
	else
		raw_arch_prctl(ARCH_GET_FS, (uint64_t)(uintptr_t)&v);
	return v;
}

NO_TLS uint64_t rt_rdgsbase(void)
{
	uint64_t v = 0;

	if (rt.fsgsbase)
		__asm__ volatile("rdgsbase %0" : "=r"(v));
	else
		raw_arch_prctl(ARCH_GET_GS, (uint64_t)(uintptr_t)&v);
	return v;
}

NO_TLS void rt_wrfsbase(uint64_t v)
{
	if (rt.fsgsbase)
		__asm__ volatile("wrfsbase %0" : : "r"(v) : "memory");
	else
		raw_arch_prctl(ARCH_SET_FS, v);
}

NO_TLS void rt_wrgsbase(uint64_t v)
{
	if (rt.fsgsbase)
		__asm__ volatile("wrgsbase %0" : : "r"(v) : "memory");
	else
		raw_arch_prctl(ARCH_SET_GS, v);
}
