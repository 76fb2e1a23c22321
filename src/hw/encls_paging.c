// SPDX-License-Identifier: MIT
/*
 * EPC paging: EPA, EBLOCK, ETRACK, EWB, ELDU, ELDB (SDM Vol. 3D chapter 40,
 * "Intel SGX Instruction References"; version arrays and PCMD in ch. 38).
 * Each leaf makes the checks of the SDM's "Operation" pseudo-code in the
 * SDM's order; the comments quote the check being reproduced.
 *
 * Cryptography. EWB seals a page with AES-128-GCM under the platform's
 * paging key (hw->paging, drawn at boot, never re-keyed):
 *   IV  = the page's version (a platform-wide counter, never 0, never
 *         reused under the key), as the SDM's "TMP_VER << 32" counter;
 *   AAD = struct paging_aad: every PCMD byte but the MAC (SECINFO with the
 *         full EPCM state, ENCLAVEID, reserved), the linear address (not
 *         stored in the PCMD: ELDU takes it again from PAGEINFO.LINADDR),
 *         the binding EID and the version;
 *   tag = PCMD.MAC; the version goes to the VA slot.
 * The binding EID is the SDM's MAC-header EID: the owning enclave's EID for
 * REG/TCS/TRIM pages, so a page only loads under the SECS it left, and 0
 * for SECS and VA pages, which have no parent. PCMD.ENCLAVEID is also
 * authenticated (hardware leaves it unauthenticated for children): for a
 * SECS it is how ELDU finds the enclave's hidden state (struct hw_encl)
 * again, which hardware keeps inside the encrypted SECS page itself.
 *
 * Anti-replay: ELDU decrypts with whatever the slot holds and clears the
 * slot on success, so a blob whose version is no longer in a slot (loaded
 * once already, or superseded) fails the MAC like any altered blob.
 *
 * Encryption goes straight from the EPC page into the backing page and
 * decryption straight into the (free) target EPC page: no bounce buffer,
 * no allocation, no re-keying on the per-page path. A failed decryption
 * wipes the target page, so unauthenticated plaintext never stays behind.
 * There is no other plaintext or key material in this file to wipe: the
 * MAC header on the stack is the PCMD's own public content.
 *
 * Locking. The target page is taken with epc_trylock() (exclusive, as the
 * SDM's "Exclusive" operands). The VA page of EWB/ELDU and the SECS of a
 * child ELDU are "Shared" operands in the SDM: they take a shared hold of
 * the same page lock (epc_trylock_shared()), which excludes the exclusive
 * holders (EREMOVE or EWB of that VA page, EWB or EREMOVE of that SECS) but
 * not each other. The version in a slot is then read and written with
 * atomics, so concurrent leaves on one VA page see each other as the SDM
 * says (SGX_VA_SLOT_OCCUPIED, "version changed" #GP). hw_encl.lock is taken
 * after page locks, around child_count and secs_index. Page locks are only
 * tried, never waited for, so their order does not matter.
 *
 * Host operands (PAGEINFO, backing page, PCMD) are memory the caller
 * vouches for; a NULL one is an unmapped page and faults with #PF. A
 * backing page or PCMD inside the EPC is refused with #GP: hardware would
 * give such a non-EPC access abort-page semantics, and an emulator that
 * wrote there would corrupt another EPC page.
 */
#include <errno.h>
#include <string.h>

#include "encls.h"
#include "encls_util.h"
#include "hw_internal.h"

static void *ptr(uint64_t a)
{
	return (void *)(uintptr_t)a;
}

static uint64_t addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static bool aligned(uint64_t a, uint64_t n)
{
	return (a & (n - 1)) == 0;
}

/* The additional authenticated data of a paged-out page (see top). */
struct paging_aad {
	uint8_t pcmd[offsetof(struct sgx_pcmd, mac)];  /* SECINFO, ENCLAVEID, reserved */
	uint64_t linaddr;
	uint64_t eid;
	uint64_t version;
};
static_assert(sizeof(struct paging_aad) == 0x70 + 3 * 8, "paging AAD has no padding");

/* ---- operand helpers ------------------------------------------------------ */

/*
 * Shared hold of an EPC page lock. epc_trylock() takes a lock exclusively by
 * moving it from 0 to 1; shared holders add 2 each, so the low bit says
 * "exclusively held" and any shared hold makes epc_trylock() fail.
 */
static bool epc_trylock_shared(struct hw_platform *hw, uint64_t index)
{
	atomic_uint *lock = &hw->pages[index].lock;
	unsigned int v = atomic_load_explicit(lock, memory_order_relaxed);

	do {
		if (v & 1)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(lock, &v, v + 2, memory_order_acquire,
							memory_order_relaxed));
	return true;
}

static void epc_unlock_shared(struct hw_platform *hw, uint64_t index)
{
	atomic_fetch_sub_explicit(&hw->pages[index].lock, 2, memory_order_release);
}

/* A host operand of @len bytes at @a: NULL faults, one overlapping the EPC is refused. */
static unsigned int host_operand(const struct hw_platform *hw, uint64_t a, uint64_t len)
{
	uint64_t base = addr(hw->prm), end = base + hw->nr_pages * SGX_PAGE_SIZE;

	if (!a)
		return SGX_FAULT_PF;
	if (a < end && a + len > base)
		return SGX_FAULT_GP;
	return 0;
}

static bool page_is_child(unsigned int pt)
{
	return pt == SGX_PT_REG || pt == SGX_PT_TCS || pt == SGX_PT_TRIM;
}

static void gcm_iv(uint64_t version, uint8_t iv[CRYPTO_GCM_IV_LEN])
{
	unsigned int i;

	/* Bytes 0..3 zero, the version little endian above: TMP_VER << 32. */
	memset(iv, 0, CRYPTO_GCM_IV_LEN);
	for (i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(version >> (8 * i));
}

/* ---- EPA ---------------------------------------------------------------------- */

/**
 * encls_epa() - ENCLS[EPA]: turn a free EPC page into an empty version array.
 * @hw: platform.
 * @epc: the EPC page (RCX). The RBX = PT_VA check is made by hw_encls().
 *
 * The page is zeroed (512 empty slots) and becomes EPCM {PT_VA, no RWX,
 * ENCLAVEADDRESS 0}.
 *
 * Context: takes the page lock of @epc.
 * Return: 0; SGX_FAULT_GP for a misaligned @epc or a page in use by another
 * leaf; SGX_FAULT_PF when @epc is outside the EPC or already valid.
 */
unsigned int encls_epa(struct hw_platform *hw, void *epc)
{
	unsigned int ret;
	uint64_t idx;

	stat_encls(hw, SGX_EPA);
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	/* "Other Intel SGX instructions accessing the page" -> #GP(0). */
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	/* "Check EPC page must be empty". */
	if (epcm_valid(hw, idx)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	memset(epc_va(hw, idx), 0, SGX_PAGE_SIZE);
	epcm_set(hw, idx, SGX_PT_VA, 0, 0, 0);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- EBLOCK ------------------------------------------------------------------- */

/**
 * encls_eblock() - ENCLS[EBLOCK]: mark a REG, TCS or TRIM page BLOCKED so no
 * new TLB translation to it can be made, and record the tracking epoch it
 * was blocked in (EWB waits for the ETRACK of that epoch).
 * @hw: platform.
 * @epc: the EPC page (RCX).
 *
 * PENDING, MODIFIED and PR pages are blockable like any other: the SDM looks
 * only at VALID, the page type and BLOCKED.
 *
 * SGX_ENTRYEPOCH_LOCKED ("an ETRACK is currently executing on the SECS") is
 * never returned. Hardware needs it because ETRACK updates the entry epoch
 * in several steps; here ETRACK advances the epoch with one atomic
 * read-modify-write and EBLOCK sets BLOCKED before it reads the epoch with
 * another, so any ETRACK is entirely before or after that read: if before,
 * the page gets the new epoch and needs the next ETRACK; if after, every
 * logical processor entering in the new epoch finds BLOCKED set.
 *
 * Context: takes the page lock of @epc.
 * Return: 0; SGX_EPC_PAGE_CONFLICT when another leaf holds the page;
 * SGX_PG_INVLD for a free page; SGX_PG_IS_SECS for a SECS; SGX_NOTBLOCKABLE
 * for a VA page; SGX_BLKSTATE when already blocked; SGX_FAULT_GP for a
 * misaligned @epc; SGX_FAULT_PF when @epc is outside the EPC.
 */
unsigned int encls_eblock(struct hw_platform *hw, void *epc)
{
	struct epcm_entry *e;
	struct hw_encl *encl;
	unsigned int ret;
	uint64_t idx;

	stat_encls(hw, SGX_EBLOCK);
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	/* "Check the EPC page for concurrency" -> SGX_EPC_PAGE_CONFLICT. */
	if (!epc_trylock(hw, idx))
		return SGX_EPC_PAGE_CONFLICT;
	e = &hw->epcm[idx];
	if (!(e->flags & EPCM_VALID)) {
		ret = SGX_PG_INVLD;
		goto out_unlock;
	}
	if (!page_is_child(e->page_type)) {
		ret = e->page_type == SGX_PT_SECS ? SGX_PG_IS_SECS : SGX_NOTBLOCKABLE;
		goto out_unlock;
	}
	/* "Check if the page is already blocked and report blocked state". */
	if (e->flags & EPCM_BLOCKED) {
		ret = SGX_BLKSTATE;
		goto out_unlock;
	}
	encl = child_encl(hw, idx);
	/*
	 * Atomic: logical processors read EPCM flags without the page lock
	 * (enclu_util.h epcm_flags()). Then the epoch, after it: see
	 * track_block_epoch().
	 */
	__atomic_store_n(&e->flags, (uint8_t)(e->flags | EPCM_BLOCKED), __ATOMIC_SEQ_CST);
	hw->pages[idx].block_epoch = track_block_epoch(encl);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- ETRACK ------------------------------------------------------------------- */

/**
 * encls_etrack() - ENCLS[ETRACK]: start a tracking cycle on an enclave. Pages
 * blocked before it may be written back once every logical processor that
 * was inside the enclave when it ran has left.
 * @hw: platform.
 * @secs: the enclave's SECS (RCX).
 *
 * Context: takes the SECS page lock, which stands for the SDM's "other
 * Intel SGX instructions using tracking facility on this SECS".
 * Return: 0; SGX_PREV_TRK_INCMPL while a logical processor that was inside
 * at the previous ETRACK has not left; SGX_FAULT_GP for a misaligned @secs
 * or a SECS in use by another leaf; SGX_FAULT_PF when @secs is outside the
 * EPC or not a valid SECS.
 */
unsigned int encls_etrack(struct hw_platform *hw, void *secs)
{
	struct hw_encl *encl;
	unsigned int ret;
	uint64_t idx;

	stat_encls(hw, SGX_ETRACK);
	ret = epc_lookup(hw, addr(secs), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (!epcm_valid(hw, idx) || hw->epcm[idx].page_type != SGX_PT_SECS) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	encl = secs_encl(hw, idx);
	SGXEMU_BUG_ON(!encl);
	/* "All processors must have completed the previous tracking cycle". */
	ret = track_etrack(encl);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- EWB ---------------------------------------------------------------------- */

/*
 * The page-type checks of EWB ("Perform page-type-specific checks"). Fills
 * the PCMD.ENCLAVEID and binding EID of the page and its enclave.
 */
static unsigned int ewb_page_checks(struct hw_platform *hw, uint64_t idx, uint64_t *pcmd_eid,
				    uint64_t *bind_eid, struct hw_encl **encl_out)
{
	const struct epcm_entry *e = &hw->epcm[idx];
	struct hw_encl *encl = NULL;
	unsigned int ret = 0;

	switch (e->page_type) {
	case SGX_PT_REG:
	case SGX_PT_TCS:
	case SGX_PT_TRIM:
		encl = child_encl(hw, idx);
		/* "Check to see if the page is evictable". */
		if (!(e->flags & EPCM_BLOCKED))
			return SGX_PAGE_NOT_BLOCKED;
		/*
		 * "Check if tracking done correctly". A TCS in use means a
		 * logical processor entered on it before it was blocked (EENTER
		 * refuses a BLOCKED TCS), i.e. before any ETRACK that could
		 * cover the page: hardware reports that as not tracked.
		 */
		if (!track_page_tracked(encl, hw->pages[idx].block_epoch) ||
		    atomic_load_explicit(&hw->pages[idx].tcs_busy, memory_order_acquire))
			return SGX_NOT_TRACKED;
		*pcmd_eid = encl->eid;
		*bind_eid = encl->eid;
		break;
	case SGX_PT_SECS:
		encl = secs_encl(hw, idx);
		SGXEMU_BUG_ON(!encl);
		/*
		 * "Check that there are no child pages inside the enclave".
		 * Children are added only by leaves holding this page's lock
		 * (EADD, EAUG, ELDU), which we hold: the count cannot grow.
		 */
		pthread_mutex_lock(&encl->lock);
		if (encl->child_count)
			ret = SGX_CHILD_PRESENT;
		pthread_mutex_unlock(&encl->lock);
		if (ret)
			return ret;
		*pcmd_eid = encl->eid;
		*bind_eid = 0;
		break;
	case SGX_PT_VA:
		/* "No enclave handle for VA pages". */
		*pcmd_eid = 0;
		*bind_eid = 0;
		break;
	default:
		/* No leaf makes other page types on this platform. */
		SGXEMU_BUG_ON(1);
	}
	*encl_out = encl;
	return 0;
}

/**
 * encls_ewb() - ENCLS[EWB]: encrypt an EPC page out to main memory and free
 * it, leaving its version in a VA slot.
 * @hw: platform.
 * @pginfo: PAGEINFO (32-byte aligned, RBX): LINADDR and SECS zero, SRCPGE =
 *          backing page (4 KiB aligned), PCMD = 128-byte aligned PCMD.
 * @epc: the EPC page (RCX): REG, TCS or TRIM (BLOCKED and tracked), a SECS
 *       without resident children, or a VA page.
 * @va_slot: 8-byte slot in a VA page (RDX), not in @epc itself.
 *
 * The PCMD receives SECINFO with the page type, RWX, PENDING, MODIFIED and
 * PR (the full EPCM state), ENCLAVEID (the owning enclave, the enclave
 * itself for a SECS, 0 for a VA page), reserved zero and the MAC. A SECS
 * leaves its hidden state behind, found again by ENCLAVEID at ELDU.
 *
 * A slot that already held a version is the SDM's SGX_VA_SLOT_OCCUPIED:
 * the page is written back and freed all the same, and the slot's old
 * version is overwritten (the blob it belonged to can no longer be loaded).
 *
 * Hardware also writes EPCM.ENCLAVEADDRESS back to PAGEINFO.LINADDR; this
 * PAGEINFO is const and nothing (Linux included) reads it back, so it is not.
 *
 * Context: takes the page lock of @epc and a shared hold on the VA page.
 * Return: 0 or SGX_VA_SLOT_OCCUPIED with the page written back;
 * SGX_PAGE_NOT_BLOCKED, SGX_NOT_TRACKED, SGX_CHILD_PRESENT with nothing
 * changed; SGX_FAULT_GP for misalignment, @epc and @va_slot in one page,
 * LINADDR or SECS not zero, a page in use by another leaf, a backing page
 * or PCMD inside the EPC, or a host failure of the cipher; SGX_FAULT_PF when
 * @epc or @va_slot is outside the EPC, @epc is free, the slot's page is not
 * a valid VA page, or the backing page or PCMD is NULL.
 */
unsigned int encls_ewb(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
		       void *va_slot)
{
	uint8_t iv[CRYPTO_GCM_IV_LEN];
	struct sgx_pageinfo pi;
	struct sgx_pcmd pcmd;
	struct paging_aad aad;
	struct epcm_entry *e;
	struct hw_encl *encl;
	uint64_t idx, va_idx, pcmd_eid, bind_eid, version, old;
	unsigned int ret, pt;

	stat_encls(hw, SGX_EWB);
	if (!aligned(addr(pginfo), 32) || !aligned(addr(epc), SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	ret = epc_lookup(hw, addr(va_slot), sizeof(uint64_t), &va_idx);
	if (ret)
		return ret;
	/* "EPCPAGE and VASLOT should not resolve to the same EPC page". */
	if (idx == va_idx)
		return SGX_FAULT_GP;
	if (!pginfo)
		return SGX_FAULT_PF;
	pi = *pginfo;
	if (pi.addr || pi.secs)
		return SGX_FAULT_GP;
	if (!aligned(pi.metadata, sizeof(struct sgx_pcmd)) || !aligned(pi.contents, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;

	/* "Other Intel SGX instruction is accessing page", "VA page is being modified". */
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (!epc_trylock_shared(hw, va_idx)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	/* "Verify that EPCPAGE and VASLOT page are valid EPC pages and DS:RDX is VA". */
	e = &hw->epcm[idx];
	if (!(e->flags & EPCM_VALID)) {
		ret = SGX_FAULT_PF;
		goto out_put_va;
	}
	if (!epcm_valid(hw, va_idx) || hw->epcm[va_idx].page_type != SGX_PT_VA) {
		ret = SGX_FAULT_PF;
		goto out_put_va;
	}
	ret = ewb_page_checks(hw, idx, &pcmd_eid, &bind_eid, &encl);
	if (ret)
		goto out_put_va;
	pt = e->page_type;

	/* The memory accesses to the backing page and PCMD happen from here. */
	ret = host_operand(hw, pi.contents, SGX_PAGE_SIZE);
	if (!ret)
		ret = host_operand(hw, pi.metadata, sizeof(struct sgx_pcmd));
	if (ret)
		goto out_put_va;

	memset(&pcmd, 0, sizeof(pcmd));
	pcmd.secinfo.flags = ((uint64_t)pt << SGX_SECINFO_PAGE_TYPE_SHIFT) |
			     (e->flags & (EPCM_PERM_MASK | EPCM_STATE_MASK));
	pcmd.enclave_id = pcmd_eid;
	/* A fresh version: never 0 (an empty slot), never reused under the key. */
	version = atomic_fetch_add_explicit(&hw->paging_version, 1, memory_order_relaxed) + 1;

	memcpy(aad.pcmd, &pcmd, sizeof(aad.pcmd));
	aad.linaddr = e->linaddr;
	aad.eid = bind_eid;
	aad.version = version;
	gcm_iv(version, iv);
	if (crypto_gcm_encrypt(hw->paging, iv, &aad, sizeof(aad), epc_va(hw, idx),
			       ptr(pi.contents), SGX_PAGE_SIZE, pcmd.mac)) {
		/* Host out of memory on this thread's first use: nothing changed. */
		ret = SGX_FAULT_GP;
		goto out_put_va;
	}
	memcpy(ptr(pi.metadata), &pcmd, sizeof(pcmd));

	/* "Check if version array slot was empty", then write the version. */
	old = __atomic_exchange_n((uint64_t *)va_slot, version, __ATOMIC_SEQ_CST);
	if (old)
		ret = SGX_VA_SLOT_OCCUPIED;

	/* "Free up EPCM entry"; the plaintext goes with it. */
	if (pt == SGX_PT_SECS) {
		pthread_mutex_lock(&encl->lock);
		encl->secs_index = HW_EPC_NONE;
		pthread_mutex_unlock(&encl->lock);
	}
	memset(epc_va(hw, idx), 0, SGX_PAGE_SIZE);
	epcm_clear(hw, idx);
	/* After the EPCM entry is gone: a SECS EWB seeing 0 finds no resident child. */
	if (page_is_child(pt)) {
		pthread_mutex_lock(&encl->lock);
		SGXEMU_BUG_ON(encl->child_count == 0);
		encl->child_count--;
		pthread_mutex_unlock(&encl->lock);
	}

out_put_va:
	epc_unlock_shared(hw, va_idx);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- ELDU / ELDB -------------------------------------------------------------- */

/*
 * The SECS operand of a child page: "Verify various attributes of SECS
 * parameter". The SDM lists only alignment, EPC and concurrency; a SECS
 * operand that is not a valid SECS page is a memory operand of the wrong
 * page type, #PF like EADD's. On success a shared hold is taken on it.
 */
static unsigned int eld_secs(struct hw_platform *hw, uint64_t secs, uint64_t idx,
			     uint64_t *secs_idx, struct hw_encl **encl)
{
	unsigned int ret;

	if (!aligned(secs, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, secs, 0, secs_idx);
	if (ret)
		return ret;
	/* The target page is free, so it is no valid SECS. */
	if (*secs_idx == idx)
		return SGX_FAULT_PF;
	/* "Other instructions modifying SECS". */
	if (!epc_trylock_shared(hw, *secs_idx))
		return SGX_FAULT_GP;
	if (!epcm_valid(hw, *secs_idx) || hw->epcm[*secs_idx].page_type != SGX_PT_SECS) {
		epc_unlock_shared(hw, *secs_idx);
		return SGX_FAULT_PF;
	}
	*encl = secs_encl(hw, *secs_idx);
	SGXEMU_BUG_ON(!*encl);
	return 0;
}

/*
 * ELDU and ELDB. @blocked: ELDB, which leaves a REG/TCS/TRIM page BLOCKED.
 * Context: see encls_eldu().
 */
static unsigned int eld(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
			void *va_slot, bool blocked)
{
	uint8_t iv[CRYPTO_GCM_IV_LEN];
	struct hw_encl *encl = NULL;
	struct sgx_pageinfo pi;
	struct sgx_pcmd pcmd;
	struct paging_aad aad;
	uint64_t idx, va_idx, secs_idx = 0, version, *slot;
	unsigned int ret, pt;
	uint8_t flags;
	bool child;
	int err;

	if (!aligned(addr(pginfo), 32) || !aligned(addr(epc), SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	ret = epc_lookup(hw, addr(va_slot), sizeof(uint64_t), &va_idx);
	if (ret)
		return ret;
	if (!pginfo)
		return SGX_FAULT_PF;
	pi = *pginfo;
	/* "Check alignment of PAGEINFO (RBX) linked parameters". */
	if (!aligned(pi.metadata, sizeof(struct sgx_pcmd)) || !aligned(pi.contents, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	/*
	 * A slot inside the target page: the page is either free (then it is
	 * no VA page) or valid (then it is no free target). #PF either way.
	 */
	if (idx == va_idx)
		return SGX_FAULT_PF;

	/* "Check concurrency of EPC (and VASLOT) by other Intel SGX instructions". */
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (!epc_trylock_shared(hw, va_idx)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	/* "Verify EPCM attributes of EPC page, VA, and SECS". */
	if (epcm_valid(hw, idx)) {
		ret = SGX_FAULT_PF;
		goto out_put_va;
	}
	if (!epcm_valid(hw, va_idx) || hw->epcm[va_idx].page_type != SGX_PT_VA) {
		ret = SGX_FAULT_PF;
		goto out_put_va;
	}
	/* "Copy PCMD into scratch buffer": read once, checked and used from the copy. */
	ret = host_operand(hw, pi.metadata, sizeof(struct sgx_pcmd));
	if (ret)
		goto out_put_va;
	memcpy(&pcmd, ptr(pi.metadata), sizeof(pcmd));
	pt = sgx_secinfo_page_type(pcmd.secinfo.flags);
	child = page_is_child(pt);

	memcpy(aad.pcmd, &pcmd, sizeof(aad.pcmd));
	aad.linaddr = pi.addr;
	aad.eid = 0;
	if (child) {
		ret = eld_secs(hw, pi.secs, idx, &secs_idx, &encl);
		if (ret)
			goto out_put_va;
		aad.eid = encl->eid;
	}

	ret = host_operand(hw, pi.contents, SGX_PAGE_SIZE);
	if (ret)
		goto out_put_secs;
	slot = (uint64_t *)va_slot;
	version = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
	aad.version = version;
	gcm_iv(version, iv);
	err = crypto_gcm_decrypt(hw->paging, iv, &aad, sizeof(aad), ptr(pi.contents),
				 epc_va(hw, idx), SGX_PAGE_SIZE, pcmd.mac);
	if (err) {
		/* -EBADMSG: "TMP_MAC != DS:TMP_PCMD.MAC"; else a host failure. */
		ret = err == -EBADMSG ? SGX_MAC_COMPARE_FAIL : SGX_FAULT_GP;
		goto out_wipe;
	}

	if (pt == SGX_PT_SECS) {
		/*
		 * The enclave's hidden state, by the (authenticated) ENCLAVEID.
		 * It lives as long as its SECS is resident or paged out, so it
		 * is there unless this blob was replayed behind the VA slot's
		 * back (a slot written through the PRM view); then, as for any
		 * replay, the MAC is what hardware would have refused.
		 */
		encl = hw_encl_find(hw, pcmd.enclave_id);
		if (!encl) {
			ret = SGX_MAC_COMPARE_FAIL;
			goto out_wipe;
		}
		pthread_mutex_lock(&encl->lock);
		if (encl->secs_index != HW_EPC_NONE) {
			pthread_mutex_unlock(&encl->lock);
			ret = SGX_MAC_COMPARE_FAIL;
			goto out_wipe;
		}
	}

	/* "Check version before committing": the slot must still hold it; clear it. */
	if (!__atomic_compare_exchange_n(slot, &version, 0, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		if (pt == SGX_PT_SECS)
			pthread_mutex_unlock(&encl->lock);
		ret = SGX_FAULT_GP;
		goto out_wipe;
	}

	/* "Commit EPCM changes": the full state sealed in PCMD.SECINFO. */
	flags = (uint8_t)(pcmd.secinfo.flags & (EPCM_PERM_MASK | EPCM_STATE_MASK));
	if (blocked && child)
		flags |= EPCM_BLOCKED;
	if (pt == SGX_PT_SECS) {
		/* ECREATE's convention: a SECS names itself as its SECS. */
		epcm_set(hw, idx, SGX_PT_SECS, flags, pi.addr, idx);
		hw->pages[idx].encl = encl;
		encl->secs_index = idx;
		pthread_mutex_unlock(&encl->lock);
	} else if (child) {
		epcm_set(hw, idx, (uint8_t)pt, flags, pi.addr, secs_idx);
		/*
		 * ELDB: no logical processor can hold a translation of a page
		 * that was not resident, but the EPCM has no "never mapped"
		 * state; blocking in the current epoch asks, conservatively,
		 * for one more ETRACK before the page is written back again.
		 */
		if (blocked)
			hw->pages[idx].block_epoch = track_block_epoch(encl);
		pthread_mutex_lock(&encl->lock);
		encl->child_count++;
		pthread_mutex_unlock(&encl->lock);
	} else {
		/* PT_VA: the MAC rules out any other type. */
		SGXEMU_BUG_ON(pt != SGX_PT_VA);
		epcm_set(hw, idx, SGX_PT_VA, flags, pi.addr, 0);
	}
	ret = 0;
	goto out_put_secs;

out_wipe:
	crypto_wipe(epc_va(hw, idx), SGX_PAGE_SIZE);
out_put_secs:
	if (child)
		epc_unlock_shared(hw, secs_idx);
out_put_va:
	epc_unlock_shared(hw, va_idx);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/**
 * encls_eldu() - ENCLS[ELDU]: decrypt a page written back by EWB into a free
 * EPC page, verify it and restore its EPCM entry, unblocked.
 * @hw: platform.
 * @pginfo: PAGEINFO (32-byte aligned, RBX): LINADDR = the page's linear
 *          address (authenticated), SRCPGE = backing page (4 KiB aligned),
 *          PCMD = 128-byte aligned PCMD, SECS = the owning SECS (EPC) for a
 *          REG/TCS/TRIM page; unused for a SECS or VA page (Linux passes 0).
 * @epc: the free target EPC page (RCX).
 * @va_slot: the slot holding the page's version (RDX).
 *
 * The EPCM entry gets the page type, RWX, PENDING, MODIFIED and PR from
 * PCMD.SECINFO and ENCLAVEADDRESS = LINADDR; the slot is cleared, so the
 * same blob never loads twice. A SECS gets its enclave's hidden state back.
 * On SGX_MAC_COMPARE_FAIL (altered page, PCMD, linear address or SECS, a
 * version no longer in the slot) the EPCM and the slot are unchanged and
 * the target page is left zero.
 *
 * Context: takes the page lock of @epc and shared holds on the VA page and,
 * for a child page, the SECS.
 * Return: 0; SGX_MAC_COMPARE_FAIL; SGX_FAULT_GP for misalignment, a page in
 * use by another leaf (including a SECS being written back or removed), a
 * slot changed during the leaf, a backing page or PCMD inside the EPC, or a
 * host failure of the cipher; SGX_FAULT_PF when an EPC operand is outside
 * the EPC, @epc is valid, the slot's page is not a valid VA page, the SECS
 * operand is not a valid SECS, or the backing page or PCMD is NULL.
 */
unsigned int encls_eldu(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
			void *va_slot)
{
	stat_encls(hw, SGX_ELDU);
	return eld(hw, pginfo, epc, va_slot, false);
}

/**
 * encls_eldb() - ENCLS[ELDB]: as encls_eldu(), but a REG, TCS or TRIM page
 * comes back BLOCKED (as a VMM restores a page its guest had blocked). It
 * counts as blocked in the current tracking epoch: writing it back again
 * takes an ETRACK first, as after EBLOCK.
 *
 * Context, Return: see encls_eldu().
 */
unsigned int encls_eldb(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
			void *va_slot)
{
	stat_encls(hw, SGX_ELDB);
	return eld(hw, pginfo, epc, va_slot, true);
}
