// SPDX-License-Identifier: MIT
/*
 * Debugger access to enclave memory: EDBGRD and EDBGWR (SDM Vol. 3D
 * chapter 40). Eight bytes at a time, only for pages of enclaves created
 * with ATTRIBUTES.DEBUG, ignoring EPCM R/W/X. The kernel uses them for
 * ptrace and /proc/pid/mem on debug enclaves (sgx_vma_access).
 *
 * Both leaves take the page lock of the target page; a taken lock is the
 * SDM's "other EPCM modifying instruction executing", #GP(0).
 */
#include <string.h>

#include "encls.h"
#include "encls_util.h"
#include "hw_internal.h"

/*
 * SGX_TCS_LIMIT: the architectural part of a TCS, STATE through GSLIMIT.
 * EDBGRD may not read the reserved rest.
 */
#define SGX_TCS_LIMIT (offsetof(struct sgx_tcs, gs_limit) + sizeof(uint32_t))

/* The one TCS word EDBGWR may write: FLAGS (a debugger sets DBGOPTIN). */
#define TCS_FLAGS_OFFSET offsetof(struct sgx_tcs, flags)

/*
 * The checks EDBGRD and EDBGWR share, in SDM order, up to the page type.
 * Returns 0 with the page locked and *@idx set, or the leaf's result.
 */
static unsigned int debug_lock_page(struct hw_platform *hw, const void *addr, uint64_t *idx)
{
	uint64_t a = (uint64_t)(uintptr_t)addr;
	unsigned int ret;

	/* 64-bit mode: "DS:RCX is not 8Byte Aligned" -> #GP, then the EPC. */
	if (a & 7)
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, a, 0, idx);
	if (ret)
		return ret;
	if (!epc_trylock(hw, *idx))
		return SGX_FAULT_GP;
	if (!epcm_valid(hw, *idx)) {
		epc_unlock(hw, *idx);
		return SGX_FAULT_PF;
	}
	return 0;
}

/* "TMP_SECS.ATTRIBUTES.DEBUG = 0" -> #GP: the enclave of child @idx. */
static bool debug_enclave(const struct hw_platform *hw, uint64_t idx)
{
	const struct sgx_secs *secs;

	(void)child_encl(hw, idx);      /* asserts the SECS is resident */
	secs = epc_va(hw, hw->epcm[idx].secs);
	return secs->attributes & SGX_ATTR_DEBUG;
}

/**
 * encls_edbgrd() - ENCLS[EDBGRD]: read 8 bytes of a debug enclave's page.
 * @hw: platform.
 * @addr: 8-byte aligned EPC address (RCX) in a REG, TCS or VA page.
 * @data: receives the value (RBX). For a VA page only whether the slot is
 *        in use: all ones if its version (bits 63:3) is non-zero, else 0.
 *
 * Context: takes the page lock.
 * Return: 0; SGX_PAGE_NOT_DEBUGGABLE for a PENDING or MODIFIED page;
 * SGX_FAULT_GP for misalignment, a page in use, a TCS offset beyond the
 * architectural TCS or a non-debug enclave; SGX_FAULT_PF outside the EPC,
 * on an invalid page or one of another type.
 */
unsigned int encls_edbgrd(struct hw_platform *hw, void *addr, uint64_t *data)
{
	uint64_t idx, off, v;
	const struct epcm_entry *e;
	unsigned int ret;

	stat_encls(hw, SGX_EDBGRD);
	ret = debug_lock_page(hw, addr, &idx);
	if (ret)
		return ret;
	e = &hw->epcm[idx];
	off = (uint64_t)(uintptr_t)addr & (SGX_PAGE_SIZE - 1);

	if (e->page_type != SGX_PT_REG && e->page_type != SGX_PT_TCS &&
	    e->page_type != SGX_PT_VA) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_DEBUGGABLE;
		goto out_unlock;
	}
	if (e->page_type == SGX_PT_TCS && off >= SGX_TCS_LIMIT) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	memcpy(&v, addr, sizeof(v));
	if (e->page_type == SGX_PT_VA) {
		/* Version slots are secret; only their occupancy shows. */
		*data = (v & ~7ull) ? ~0ull : 0;
		goto out_unlock;
	}
	if (!debug_enclave(hw, idx)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	*data = v;

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/**
 * encls_edbgwr() - ENCLS[EDBGWR]: write 8 bytes into a debug enclave's page.
 * @hw: platform.
 * @addr: 8-byte aligned EPC address (RCX) in a REG page, or the FLAGS word
 *        of a TCS.
 * @data: the value (RBX).
 *
 * Context: takes the page lock.
 * Return: 0; SGX_PAGE_NOT_DEBUGGABLE for a PENDING or MODIFIED page;
 * SGX_FAULT_GP for misalignment, a page in use, a TCS word other than FLAGS
 * or a non-debug enclave; SGX_FAULT_PF outside the EPC, on an invalid page
 * or one that is neither REG nor TCS.
 */
unsigned int encls_edbgwr(struct hw_platform *hw, void *addr, uint64_t data)
{
	const struct epcm_entry *e;
	unsigned int ret;
	uint64_t idx, off;

	stat_encls(hw, SGX_EDBGWR);
	ret = debug_lock_page(hw, addr, &idx);
	if (ret)
		return ret;
	e = &hw->epcm[idx];
	off = (uint64_t)(uintptr_t)addr & (SGX_PAGE_SIZE - 1);

	if (e->page_type != SGX_PT_REG && e->page_type != SGX_PT_TCS) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_DEBUGGABLE;
		goto out_unlock;
	}
	if (e->page_type == SGX_PT_TCS && (off & 0xff8) != (TCS_FLAGS_OFFSET & 0xff8)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	if (!debug_enclave(hw, idx)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	memcpy(addr, &data, sizeof(data));

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}
