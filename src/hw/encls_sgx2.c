// SPDX-License-Identifier: MIT
/*
 * SGX2 dynamic memory management, supervisor side: EAUG, EMODPR, EMODT (SDM
 * Vol. 3D chapter 40). Each starts a change the enclave must confirm with
 * EACCEPT (enclu_edmm.c): EAUG leaves the page PENDING, EMODPR sets PR,
 * EMODT sets MODIFIED. On an SGX1-only platform the leaves do not exist:
 * ENCLS with those leaf numbers raises #UD.
 *
 * Locking: the target page lock. EAUG also takes the SECS page lock (the
 * SDM's "SECS is not available for EAUG" -> #GP) so the SECS cannot go away
 * while a child is being added. A taken target lock is #GP(0) for EAUG and
 * SGX_EPC_PAGE_CONFLICT for EMODPR/EMODT, which report conflicts in RAX.
 */
#include <string.h>

#include "encls.h"
#include "encls_util.h"
#include "hw_internal.h"

static uint64_t addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static bool aligned(uint64_t a, uint64_t n)
{
	return (a & (n - 1)) == 0;
}

/**
 * encls_eaug() - ENCLS[EAUG]: add a zeroed, PENDING page to an initialized
 * enclave.
 * @hw: platform.
 * @pginfo: PAGEINFO: LINADDR (page aligned, inside ELRANGE), SECS (EPC),
 *          SRCPGE 0, SECINFO 0 (a SECINFO is only for CET shadow-stack
 *          pages, which this platform does not support).
 * @epc: the destination EPC page.
 *
 * The page becomes EPCM {REG, R|W, PENDING}: unusable until the enclave
 * EACCEPTs it with SECINFO R|W|REG|PENDING.
 *
 * Context: takes the page locks of @epc and of the SECS.
 * Return: 0; SGX_FAULT_UD without SGX2; SGX_FAULT_GP for misalignment, a
 * non-zero SRCPGE or SECINFO, a page in use, an uninitialized enclave or a
 * LINADDR outside ELRANGE; SGX_FAULT_PF when @epc or the SECS is outside the
 * EPC, @epc is valid or the SECS operand is not a valid SECS.
 */
unsigned int encls_eaug(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc)
{
	const struct sgx_secs *secs;
	struct hw_encl *encl;
	uint64_t idx, secs_idx, lin;
	unsigned int ret;

	stat_encls(hw, SGX_EAUG);
	if (!hw->cfg.sgx2)
		return SGX_FAULT_UD;
	if (!aligned(addr(pginfo), 32))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	if (!pginfo)
		return SGX_FAULT_PF;
	if (pginfo->metadata && !aligned(pginfo->metadata, 64))
		return SGX_FAULT_GP;
	lin = pginfo->addr;
	if (!aligned(pginfo->secs, SGX_PAGE_SIZE) || !aligned(lin, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	if (pginfo->contents)
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, pginfo->secs, 0, &secs_idx);
	if (ret)
		return ret;

	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (epcm_valid(hw, idx)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	/*
	 * A SECINFO may only ask for PT_SS_FIRST/PT_SS_REST, which need CET
	 * (CPUID.(12H,1):EAX[6]); sgxemu has none, so any SECINFO is refused.
	 */
	if (pginfo->metadata) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	if (secs_idx == idx) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	if (!epc_trylock(hw, secs_idx)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	if (!epcm_valid(hw, secs_idx) || hw->epcm[secs_idx].page_type != SGX_PT_SECS) {
		ret = SGX_FAULT_PF;
		goto out_unlock_secs;
	}
	encl = secs_encl(hw, secs_idx);
	SGXEMU_BUG_ON(!encl);
	secs = epc_va(hw, secs_idx);

	pthread_mutex_lock(&encl->lock);
	/* "DS:TMP_SECS is not initialized" -> #GP, then ELRANGE -> #GP. */
	if (!encl->initialized || lin < secs->base || lin - secs->base >= secs->size) {
		ret = SGX_FAULT_GP;
	} else {
		memset(epc_va(hw, idx), 0, SGX_PAGE_SIZE);
		epcm_set(hw, idx, SGX_PT_REG, EPCM_R | EPCM_W | EPCM_PENDING, lin, secs_idx);
		encl->child_count++;
	}
	pthread_mutex_unlock(&encl->lock);

out_unlock_secs:
	epc_unlock(hw, secs_idx);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/*
 * The checks EMODPR and EMODT share, in SDM order, up to the EPCM valid
 * test. Returns 0 with the page locked and *@idx set, or the leaf's result.
 */
static unsigned int modify_lock_page(struct hw_platform *hw, const struct sgx_secinfo *secinfo,
				     const void *epc, uint64_t *idx)
{
	unsigned int ret;

	if (!aligned(addr(secinfo), 64))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, idx);
	if (ret)
		return ret;
	if (!secinfo)
		return SGX_FAULT_PF;
	return 0;
}

/**
 * encls_emodpr() - ENCLS[EMODPR]: restrict the EPCM permissions of a REG
 * page of an initialized enclave.
 * @hw: platform.
 * @secinfo: 64-byte aligned SECINFO (RBX); its R/W/X are the permissions
 *           to keep (W without R is invalid); the page type is ignored.
 * @epc: the EPC page (RCX).
 *
 * EPCM.RWX &= SECINFO.RWX and EPCM.PR = 1, whether or not a permission went
 * away; the enclave confirms with EACCEPT(perms|REG|PR) once an ETRACK
 * covers the epoch recorded here. The kernel's
 * REMOVE_PAGES relies on the order of checks: a TRIM page still MODIFIED
 * (not yet EACCEPTed) returns SGX_PAGE_NOT_MODIFIABLE, an EACCEPTed one
 * (type TRIM, no longer REG) faults with #PF.
 *
 * Context: takes the page lock.
 * Return: 0; SGX_EPC_PAGE_CONFLICT when another leaf holds the page;
 * SGX_PAGE_NOT_MODIFIABLE for a PENDING or MODIFIED page; SGX_FAULT_UD
 * without SGX2; SGX_FAULT_GP for misalignment, a bad SECINFO or an
 * uninitialized enclave; SGX_FAULT_PF outside the EPC, on an invalid page
 * or a page that is not REG.
 */
unsigned int encls_emodpr(struct hw_platform *hw, const struct sgx_secinfo *secinfo, void *epc)
{
	struct hw_encl *encl;
	struct epcm_entry *e;
	unsigned int ret;
	uint64_t idx, perm;

	stat_encls(hw, SGX_EMODPR);
	if (!hw->cfg.sgx2)
		return SGX_FAULT_UD;
	ret = modify_lock_page(hw, secinfo, epc, &idx);
	if (ret)
		return ret;
	perm = secinfo->flags & SGX_SECINFO_PERMISSION_MASK;
	if (!secinfo_reserved_clear(secinfo) ||
	    ((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R)))
		return SGX_FAULT_GP;

	/*
	 * One page lock stands for both of the SDM's concurrency checks (SGX1
	 * users -> #GP before the VALID test, SGX2 users -> conflict after
	 * it); the conflict code is what the kernel can retry on.
	 */
	if (!epc_trylock(hw, idx))
		return SGX_EPC_PAGE_CONFLICT;
	e = &hw->epcm[idx];
	if (!(e->flags & EPCM_VALID)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_MODIFIABLE;
		goto out_unlock;
	}
	if (e->page_type != SGX_PT_REG) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	encl = child_encl(hw, idx);
	if (!encl_initialized(encl)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	/* Logical processors read EPCM flags without the page lock. */
	__atomic_store_n(&e->flags,
			 (uint8_t)((e->flags & ~EPCM_PERM_MASK) | (e->flags & perm) | EPCM_PR),
			 __ATOMIC_SEQ_CST);
	/* The epoch EACCEPT waits to see tracked (ETRACK) before confirming. */
	track_modify_page(hw, idx, encl);

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/**
 * encls_emodt() - ENCLS[EMODT]: change the type of a page of an initialized
 * enclave to TCS (from REG) or TRIM (from REG or TCS).
 * @hw: platform.
 * @secinfo: 64-byte aligned SECINFO (RBX) whose page type is the new type.
 * @epc: the EPC page (RCX).
 *
 * The page becomes {new type, no RWX, MODIFIED, PR clear} and stays
 * unusable until the enclave EACCEPTs it (type|MODIFIED), which it may do
 * once an ETRACK covers the epoch recorded here.
 *
 * Context: takes the page lock.
 * Return: 0; SGX_EPC_PAGE_CONFLICT when another leaf holds the page;
 * SGX_PAGE_NOT_MODIFIABLE for a PENDING or MODIFIED page; SGX_FAULT_UD
 * without SGX2; SGX_FAULT_GP for misalignment, a bad SECINFO or an
 * uninitialized enclave; SGX_FAULT_PF outside the EPC, on an invalid page
 * or a transition other than REG->TCS, REG->TRIM, TCS->TRIM.
 */
unsigned int encls_emodt(struct hw_platform *hw, const struct sgx_secinfo *secinfo, void *epc)
{
	struct hw_encl *encl;
	struct epcm_entry *e;
	unsigned int ret, pt;
	uint64_t idx;

	stat_encls(hw, SGX_EMODT);
	if (!hw->cfg.sgx2)
		return SGX_FAULT_UD;
	ret = modify_lock_page(hw, secinfo, epc, &idx);
	if (ret)
		return ret;
	pt = sgx_secinfo_page_type(secinfo->flags);
	if (!secinfo_reserved_clear(secinfo) || (pt != SGX_PT_TCS && pt != SGX_PT_TRIM))
		return SGX_FAULT_GP;

	/* "Other SGX1 instructions accessing EPC page" -> SGX_EPC_PAGE_CONFLICT. */
	if (!epc_trylock(hw, idx))
		return SGX_EPC_PAGE_CONFLICT;
	e = &hw->epcm[idx];
	if (!(e->flags & EPCM_VALID)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	if (!(e->page_type == SGX_PT_REG || (e->page_type == SGX_PT_TCS && pt == SGX_PT_TRIM))) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	if (e->flags & (EPCM_PENDING | EPCM_MODIFIED)) {
		ret = SGX_PAGE_NOT_MODIFIABLE;
		goto out_unlock;
	}
	encl = child_encl(hw, idx);
	if (!encl_initialized(encl)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	/* The type first; the atomic flags store publishes both to lock-free readers. */
	e->page_type = (uint8_t)pt;
	__atomic_store_n(&e->flags,
			 (uint8_t)((e->flags & ~(EPCM_PERM_MASK | EPCM_PR)) | EPCM_MODIFIED),
			 __ATOMIC_SEQ_CST);
	track_modify_page(hw, idx, encl);

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}
