// SPDX-License-Identifier: MIT
/*
 * CPUID as an SGX2 machine answers it. With CPUID faulting on
 * (arch_prctl(ARCH_SET_CPUID, 0): Linux 4.12+, Intel CPUs and KVM guests)
 * every CPUID the process executes raises #GP, which arrives as SIGSEGV
 * with si_code SI_KERNEL at the instruction. The answers come from a table
 * captured before faulting was switched on, with the platform's SGX leaves
 * laid over it: leaf 7 gets SGX (EBX[2]) and SGX_LC (ECX[30]), leaf 0x12
 * comes from hw_cpuid_sgx(), and the maximum basic leaf is raised to 0x12
 * where the real CPU stops below it. Faulting is per thread, inherited by
 * threads and fork() children, and cleared by execve().
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt_internal.h"

#ifndef ARCH_GET_CPUID
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012
#endif

#define SUBLEAVES 64                    /* captured for leaves indexed by ECX */
#define LEAF_SGX  0x12u

struct cpuid_entry {
	uint32_t leaf, subleaf;
	uint32_t r[4];
	bool indexed;
};

static struct cpuid_entry *table;
static size_t table_len, table_cap;
static uint32_t max_basic;

static bool indexed_leaf(uint32_t leaf)
{
	static const uint32_t indexed[] = {
		0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1b, 0x1d, 0x1e,
		0x1f, 0x20, 0x23, 0x24, 0x8000001d, 0x80000020, 0x80000026,
	};

	for (size_t i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
		if (indexed[i] == leaf)
			return true;
	return false;
}

static int add(uint32_t leaf, uint32_t subleaf, bool indexed, const uint32_t r[4])
{
	struct cpuid_entry *e;

	if (table_len == table_cap) {
		size_t cap = table_cap ? 2 * table_cap : 512;

		e = realloc(table, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		table = e;
		table_cap = cap;
	}
	e = &table[table_len++];
	e->leaf = leaf;
	e->subleaf = subleaf;
	e->indexed = indexed;
	memcpy(e->r, r, sizeof(e->r));
	return 0;
}

static void native(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__cpuid_count(leaf, subleaf, r[0], r[1], r[2], r[3]);
}

/* What the platform changes in the native answer. */
static void overlay(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	struct hw_cpuid_regs s;

	if (leaf == 0 && r[0] < LEAF_SGX)
		r[0] = LEAF_SGX;
	if (leaf == 7 && subleaf == 0) {
		r[1] |= 1u << 2;                /* SGX */
		r[2] |= 1u << 30;               /* SGX_LC */
	}
	if (leaf == LEAF_SGX) {
		hw_cpuid_sgx_config(&rt.platform_cfg, subleaf, &s);
		r[0] = s.eax;
		r[1] = s.ebx;
		r[2] = s.ecx;
		r[3] = s.edx;
	}
}

/*
 * How many sub-leaves of @leaf to capture, given sub-leaf 0 (@r0): what the
 * leaf itself says where it says it, else until eight empty ones in a row
 * (leaf 0xD has gaps of up to four).
 */
static uint32_t subleaf_limit(uint32_t leaf, const uint32_t r0[4])
{
	switch (leaf) {
	case 0x7: case 0x14: case 0x17: case 0x18: case 0x1d: case 0x20: case 0x23: case 0x24:
		return r0[0] + 1 < SUBLEAVES ? r0[0] + 1 : SUBLEAVES;
	case LEAF_SGX:
		return 2 + HW_MAX_EPC_SECTIONS + 1;
	default:
		return SUBLEAVES;
	}
}

/* Is sub-leaf @r of @leaf past the last valid one? */
static bool subleaf_end(uint32_t leaf, const uint32_t r[4], unsigned int *empty)
{
	switch (leaf) {
	case 0x4: case 0x8000001d:
		return !(r[0] & 0x1f);                  /* cache type: none */
	case 0xb: case 0x1f:
		return !((r[2] >> 8) & 0xff);           /* level type: invalid */
	default:
		*empty = (r[0] | r[1] | r[2] | r[3]) ? 0 : *empty + 1;
		return *empty >= 8;
	}
}

static int capture_range(uint32_t first, uint32_t last)
{
	uint32_t leaf, sub, limit, r[4], r0[4];
	unsigned int empty;
	int ret;

	for (leaf = first; leaf <= last; leaf++) {
		bool idx = indexed_leaf(leaf);

		limit = 1;
		empty = 0;
		for (sub = 0; sub < limit; sub++) {
			if (leaf > max_basic && leaf < 0x40000000u)
				memset(r, 0, sizeof(r));        /* raised to 0x12: nothing there */
			else
				native(leaf, sub, r);
			if (sub == 0) {
				memcpy(r0, r, sizeof(r0));
				if (idx)
					limit = subleaf_limit(leaf, r0);
			} else if (leaf != LEAF_SGX && subleaf_end(leaf, r, &empty)) {
				break;
			}
			overlay(leaf, sub, r);
			ret = add(leaf, sub, idx, r);
			if (ret)
				return ret;
		}
		if (leaf == UINT32_MAX)
			break;
	}
	return 0;
}

int rt_cpuid_init(void)
{
	uint32_t r[4], max_ext, max_hv;
	int ret;

	table_len = 0;
	native(0, 0, r);
	max_basic = r[0];
	ret = capture_range(0, max_basic > LEAF_SGX ? max_basic : LEAF_SGX);
	if (ret)
		return ret;
	native(0x40000000u, 0, r);
	max_hv = r[0];
	if (max_hv >= 0x40000000u && max_hv <= 0x400000ffu) {
		ret = capture_range(0x40000000u, max_hv);
		if (ret)
			return ret;
	}
	native(0x80000000u, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000000u && max_ext <= 0x800000ffu)
		ret = capture_range(0x80000000u, max_ext);
	return ret;
}

void rt_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	const struct cpuid_entry *hit = NULL;
	size_t i;

	for (i = 0; i < table_len; i++) {
		const struct cpuid_entry *e = &table[i];

		if (e->leaf != leaf)
			continue;
		if (!e->indexed || e->subleaf == subleaf) {
			hit = e;
			break;
		}
	}
	if (!hit) {
		bool known_leaf = false;

		for (i = 0; i < table_len; i++)
			known_leaf |= table[i].leaf == leaf;
		if (known_leaf || !table_len) {
			memset(regs, 0, 4 * sizeof(uint32_t));  /* a sub-leaf past the end */
			return;
		}
		/* A leaf past the maximum: Intel answers with the highest basic leaf. */
		rt_cpuid(max_basic > LEAF_SGX ? max_basic : LEAF_SGX, 0, regs);
		return;
	}
	memcpy(regs, hit->r, 4 * sizeof(uint32_t));
}

bool rt_cpuid_emulate(ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint32_t r[4];

	rt_cpuid((uint32_t)g[REG_RAX], (uint32_t)g[REG_RCX], r);
	g[REG_RAX] = r[0];
	g[REG_RBX] = r[1];
	g[REG_RCX] = r[2];
	g[REG_RDX] = r[3];
	g[REG_RIP] += 2;
	rt_inc(&rt_count.cpuid);
	return true;
}

int rt_cpuid_enable(void)
{
	if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0))
		return errno == EINVAL || errno == ENODEV ? -ENOSYS : -errno;
	rt.cpuid_faulting = true;
	return 0;
}

void rt_cpuid_disable(void)
{
	if (rt.cpuid_faulting)
		(void)syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
	rt.cpuid_faulting = false;
}
