// SPDX-License-Identifier: MIT
/*
 * SGX2 dynamic memory management, enclave side: EACCEPT, EACCEPTCOPY and
 * EMODPE (SDM Vol. 3D ch. 41). EACCEPT confirms what the OS started with
 * EAUG (PENDING), EMODPR (PR) or EMODT (MODIFIED); EACCEPTCOPY fills a
 * PENDING page and sets its permissions in one step; EMODPE extends the
 * permissions of a committed REG page. On an SGX1-only platform the leaves
 * do not exist: #UD.
 *
 * EACCEPT after EMODPR/EMODT needs the OS's ETRACK to have completed: the
 * epoch of the change is in pages[].block_epoch (track_modify_page(),
 * called by EMODPR/EMODT), and track_epoch_done() says whether every
 * logical processor that might still use the old permissions has left.
 *
 * Locking: the target page lock (a leaf that finds it taken raises #GP, as
 * the SDM's "EPC page in use" does). Operands are read once into locals.
 * Context: may run in a signal handler; no locks beyond the page lock.
 */
#include <string.h>

#include "encls_util.h"
#include "enclu_util.h"
#include "hw_internal.h"
#include "lp.h"

/* Other logical processors read EPCM flags without the page lock. */
static void epcm_store_flags(struct epcm_entry *e, uint8_t flags)
{
	__atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
}

/* Leaf exists (#UD) and runs in enclave mode (#GP). */
static unsigned int sgx2_enclave(const struct hw_lp *lp)
{
	if (!lp->hw->cfg.sgx2)
		return SGX_FAULT_UD;
	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	return 0;
}

/* Page walk to an EPC page: #PF from the walk, or PF_SGX outside the EPC. */
static unsigned int epc_operand(struct hw_lp *lp, uint64_t lin, unsigned int access,
				uint8_t **host, uint64_t *idx)
{
	unsigned int ret = lp_translate(lp, lin, access, host, idx);

	if (ret)
		return ret;
	if (*idx == HW_EPC_NONE)
		return lp_pf(lp, lin, sgx_pf_code(access));
	return 0;
}

/*
 * The SECINFO operand's page: a readable, committed REG page of this
 * enclave (#PF otherwise); then the copy and its reserved fields (#GP).
 */
static unsigned int read_secinfo(struct hw_lp *lp, uint64_t lin, uint64_t idx,
				 const uint8_t *host, struct sgx_secinfo *si)
{
	if (!epcm_reg_ok(lp->hw, idx, lin, lp->secs_index, EPCM_R))
		return lp_pf(lp, lin, sgx_pf_code(HW_ACC_READ));
	memcpy(si, host, sizeof(*si));
	if (!secinfo_reserved_clear(si))
		return SGX_FAULT_GP;
	return 0;
}

/*
 * EACCEPT's "combination of requested PT, PENDING and MODIFIED is legal":
 * a REG page confirms an EAUG (PENDING) or an EMODPR (PR), a TCS or TRIM
 * page an EMODT (MODIFIED alone).
 */
static bool accept_flags_legal(uint64_t flags)
{
	unsigned int pt = sgx_secinfo_page_type(flags);
	bool pending = flags & SGX_SECINFO_PENDING, modified = flags & SGX_SECINFO_MODIFIED;
	bool pr = flags & SGX_SECINFO_PR;

	if (pt == SGX_PT_REG)
		return (pr || pending) && !modified;
	if (pt == SGX_PT_TCS || pt == SGX_PT_TRIM)
		return !pr && !pending && modified;
	return false;
}

/*
 * A page that EMODT made a TCS must hold a TCS a thread can enter: reserved
 * space and STATE zero, DBGOPTIN clear, CSSA < NSSA, no AEP yet, and for a
 * 32-bit enclave FS/GS limits ending at a page boundary.
 */
static bool accept_tcs_ok(const struct hw_lp *lp, const struct sgx_tcs *tcs)
{
	const struct sgx_secs *secs = epc_va(lp->hw, lp->secs_index);
	uint64_t flags_ok = lp->hw->cfg.aex_notify ? SGX_TCS_AEXNOTIFY : 0;

	if (!all_zero(tcs->reserved_0x48, sizeof(tcs->reserved_0x48)))
		return false;
	if ((tcs->flags & ~flags_ok) || tcs->ssa_index >= tcs->nr_ssa_frames ||
	    tcs->exit_addr || tcs->state)
		return false;
	if (!(secs->attributes & SGX_ATTR_MODE64BIT) &&
	    ((tcs->fs_limit & 0xfff) != 0xfff || (tcs->gs_limit & 0xfff) != 0xfff))
		return false;
	return true;
}

/**
 * enclu_eaccept() - ENCLU[EACCEPT]: confirm a pending change to a page.
 * @lp: a logical processor in enclave mode.
 * @secinfo: RBX, 64-byte aligned SECINFO in the enclave: the page's
 *           expected type, permissions and state (0x20B after EAUG,
 *           perms|REG|PR after EMODPR, TRIM|MODIFIED or TCS|MODIFIED after
 *           EMODT).
 * @page: RCX, the page (4 KiB aligned, inside ELRANGE).
 *
 * On success EPCM.PENDING, MODIFIED and PR are cleared.
 * Context: takes the target page lock.
 * Return: 0; SGX_PAGE_ATTRIBUTES_MISMATCH when type, R/W/X, PENDING or
 * MODIFIED differ from the EPCM or the page sits at another address;
 * SGX_NOT_TRACKED while the ETRACK after EMODPR/EMODT has not completed;
 * SGX_FAULT_UD without SGX2; SGX_FAULT_GP outside enclave mode, for
 * misalignment, an operand outside ELRANGE, reserved SECINFO bits, an
 * illegal flag combination, a page in use or an unusable new TCS;
 * SGX_FAULT_PF (lp->fault_*) for an unusable SECINFO page, a target that
 * does not translate, is not EPC or not a REG/TCS/TRIM page of the enclave.
 */
unsigned int enclu_eaccept(struct hw_lp *lp, uint64_t secinfo, uint64_t page)
{
	struct hw_platform *hw = lp->hw;
	struct sgx_secinfo si;
	struct epcm_entry *e;
	uint64_t si_idx, idx, want;
	uint8_t *si_host, *host, f;
	unsigned int ret, pt;

	stat_enclu(hw, SGX_EACCEPT);
	ret = sgx2_enclave(lp);
	if (ret)
		return ret;
	if (!is_aligned(secinfo, 64) || !lp_in_elrange(lp, secinfo))
		return SGX_FAULT_GP;
	ret = epc_operand(lp, secinfo, HW_ACC_READ, &si_host, &si_idx);
	if (!ret)
		ret = read_secinfo(lp, secinfo, si_idx, si_host, &si);
	if (ret)
		return ret;
	if (!is_aligned(page, SGX_PAGE_SIZE) || !lp_in_elrange(lp, page))
		return SGX_FAULT_GP;
	ret = epc_operand(lp, page, HW_ACC_READ, &host, &idx);
	if (ret)
		return ret;
	if (!accept_flags_legal(si.flags))
		return SGX_FAULT_GP;

	e = &hw->epcm[idx];
	f = epcm_flags(hw, idx);
	if (!(f & EPCM_VALID) || (f & EPCM_BLOCKED) ||
	    (e->page_type != SGX_PT_REG && e->page_type != SGX_PT_TCS &&
	     e->page_type != SGX_PT_TRIM) || e->secs != lp->secs_index)
		return lp_pf(lp, page, sgx_pf_code(HW_ACC_READ));
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	/* Re-check under the lock. */
	f = e->flags;
	if (!(f & EPCM_VALID) || e->secs != lp->secs_index) {
		ret = lp_pf(lp, page, sgx_pf_code(HW_ACC_READ));
		goto out_unlock;
	}
	/* Everything but PR must match (PR is how software asks, not state). */
	want = si.flags & (SGX_SECINFO_PERMISSION_MASK | SGX_SECINFO_PENDING | SGX_SECINFO_MODIFIED);
	pt = sgx_secinfo_page_type(si.flags);
	if (e->linaddr != page || e->page_type != pt ||
	    (f & (EPCM_PERM_MASK | EPCM_PENDING | EPCM_MODIFIED)) != want) {
		ret = SGX_PAGE_ATTRIBUTES_MISMATCH;
		goto out_unlock;
	}
	/* "Check that all required threads have left enclave". */
	if ((f & (EPCM_PR | EPCM_MODIFIED)) &&
	    !track_epoch_done(lp->encl, hw->pages[idx].block_epoch)) {
		ret = SGX_NOT_TRACKED;
		goto out_unlock;
	}
	if (pt == SGX_PT_TCS && !accept_tcs_ok(lp, (const struct sgx_tcs *)epc_va(hw, idx))) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	epcm_store_flags(e, (uint8_t)(f & ~(EPCM_PENDING | EPCM_MODIFIED | EPCM_PR)));

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/**
 * enclu_eacceptcopy() - ENCLU[EACCEPTCOPY]: fill a PENDING page (fresh
 * from EAUG) with a copy of another page of the enclave and give it the
 * permissions SECINFO names, committing it.
 * @lp: a logical processor in enclave mode.
 * @secinfo: RBX, 64-byte aligned SECINFO: type REG, permissions (W needs R).
 * @page: RCX, the PENDING destination (4 KiB aligned).
 * @src: RDX, a readable, committed REG page of the enclave (4 KiB aligned).
 *
 * Context: takes the destination page lock.
 * Return: 0; SGX_PAGE_ATTRIBUTES_MISMATCH when the destination is not a
 * PENDING REG RW page of the enclave at @page; SGX_FAULT_UD without SGX2;
 * SGX_FAULT_GP outside enclave mode, for misalignment, an operand outside
 * ELRANGE, a bad SECINFO or a destination in use; SGX_FAULT_PF for an
 * operand that does not translate or is not EPC, an unusable SECINFO page
 * or source page.
 */
unsigned int enclu_eacceptcopy(struct hw_lp *lp, uint64_t secinfo, uint64_t page,
			       uint64_t src)
{
	struct hw_platform *hw = lp->hw;
	struct sgx_secinfo si;
	struct epcm_entry *e;
	uint64_t si_idx, idx, src_idx, perm;
	uint8_t *si_host, *host, *src_host, f;
	unsigned int ret;

	stat_enclu(hw, SGX_EACCEPTCOPY);
	ret = sgx2_enclave(lp);
	if (ret)
		return ret;
	if (!is_aligned(secinfo, 64) || !is_aligned(page, SGX_PAGE_SIZE) ||
	    !is_aligned(src, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	if (!lp_in_elrange(lp, secinfo) || !lp_in_elrange(lp, page) || !lp_in_elrange(lp, src))
		return SGX_FAULT_GP;
	ret = epc_operand(lp, secinfo, HW_ACC_READ, &si_host, &si_idx);
	if (!ret)
		ret = epc_operand(lp, page, HW_ACC_WRITE, &host, &idx);
	if (!ret)
		ret = epc_operand(lp, src, HW_ACC_READ, &src_host, &src_idx);
	if (!ret)
		ret = read_secinfo(lp, secinfo, si_idx, si_host, &si);
	if (ret)
		return ret;
	perm = si.flags & SGX_SECINFO_PERMISSION_MASK;
	if (((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R)) ||
	    sgx_secinfo_page_type(si.flags) != SGX_PT_REG)
		return SGX_FAULT_GP;
	if (!epcm_reg_ok(hw, src_idx, src, lp->secs_index, EPCM_R))
		return lp_pf(lp, src, sgx_pf_code(HW_ACC_READ));

	e = &hw->epcm[idx];
	f = epcm_flags(hw, idx);
	if ((f & (EPCM_VALID | EPCM_PENDING | EPCM_MODIFIED | EPCM_BLOCKED)) !=
	    (EPCM_VALID | EPCM_PENDING) || e->page_type != SGX_PT_REG ||
	    e->secs != lp->secs_index)
		return SGX_PAGE_ATTRIBUTES_MISMATCH;
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	f = e->flags;
	if ((f & (EPCM_VALID | EPCM_PENDING | EPCM_MODIFIED | EPCM_PERM_MASK)) !=
	    (EPCM_VALID | EPCM_PENDING | EPCM_R | EPCM_W) || e->page_type != SGX_PT_REG ||
	    e->secs != lp->secs_index || e->linaddr != page) {
		ret = SGX_PAGE_ATTRIBUTES_MISMATCH;
		goto out_unlock;
	}
	memcpy(epc_va(hw, idx), src_host, SGX_PAGE_SIZE);
	epcm_store_flags(e, (uint8_t)((f & ~(EPCM_PERM_MASK | EPCM_PENDING)) | perm));

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/**
 * enclu_emodpe() - ENCLU[EMODPE]: extend the EPCM permissions of a
 * committed REG page of the enclave by SECINFO's R/W/X.
 * @lp: a logical processor in enclave mode.
 * @secinfo: RBX, 64-byte aligned SECINFO in the enclave.
 * @page: RCX, the page (4 KiB aligned).
 *
 * The OS learns nothing: the page tables still decide what the new
 * permissions are good for (Linux keeps its own maximum protection).
 * Context: takes the target page lock.
 * Return: 0; SGX_FAULT_UD without SGX2; SGX_FAULT_GP outside enclave mode,
 * for misalignment, an operand outside ELRANGE, reserved SECINFO bits, a
 * page in use, or W without R on a page that is not readable; SGX_FAULT_PF
 * for an unusable SECINFO page or a target that does not translate or is
 * not a committed REG page of the enclave.
 */
unsigned int enclu_emodpe(struct hw_lp *lp, uint64_t secinfo, uint64_t page)
{
	struct hw_platform *hw = lp->hw;
	struct sgx_secinfo si;
	struct epcm_entry *e;
	uint64_t si_idx, idx, perm;
	uint8_t *si_host, *host, f;
	unsigned int ret;

	stat_enclu(hw, SGX_EMODPE);
	ret = sgx2_enclave(lp);
	if (ret)
		return ret;
	if (!is_aligned(secinfo, 64) || !is_aligned(page, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	if (!lp_in_elrange(lp, secinfo) || !lp_in_elrange(lp, page))
		return SGX_FAULT_GP;
	ret = epc_operand(lp, secinfo, HW_ACC_READ, &si_host, &si_idx);
	if (!ret)
		ret = epc_operand(lp, page, HW_ACC_READ, &host, &idx);
	if (!ret)
		ret = read_secinfo(lp, secinfo, si_idx, si_host, &si);
	if (ret)
		return ret;

	e = &hw->epcm[idx];
	f = epcm_flags(hw, idx);
	if ((f & (EPCM_VALID | EPCM_PENDING | EPCM_MODIFIED | EPCM_BLOCKED)) != EPCM_VALID ||
	    e->page_type != SGX_PT_REG || e->secs != lp->secs_index)
		return lp_pf(lp, page, sgx_pf_code(HW_ACC_READ));
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	f = e->flags;
	if ((f & (EPCM_VALID | EPCM_PENDING | EPCM_MODIFIED)) != EPCM_VALID ||
	    e->page_type != SGX_PT_REG || e->secs != lp->secs_index || e->linaddr != page) {
		ret = lp_pf(lp, page, sgx_pf_code(HW_ACC_READ));
		goto out_unlock;
	}
	perm = si.flags & SGX_SECINFO_PERMISSION_MASK;
	if (!(f & EPCM_R) && !(perm & SGX_SECINFO_R) && (perm & SGX_SECINFO_W)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	epcm_store_flags(e, (uint8_t)(f | perm));

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}
