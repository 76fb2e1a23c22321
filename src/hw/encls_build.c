// SPDX-License-Identifier: MIT
/*
 * Building an enclave: ECREATE, EADD, EEXTEND, EINIT, EREMOVE (SDM Vol. 3D
 * chapter 40, "Intel SGX Instruction References"). Each leaf makes the
 * checks of the SDM's "Operation" pseudo-code in the SDM's order; the
 * comments quote the check being reproduced.
 *
 * Locking. Every EPC page a leaf modifies is taken with epc_trylock(); a
 * page already taken is the SDM's concurrency conflict, #GP(0) for all of
 * these leaves. EADD, EEXTEND and EINIT also take the SECS page lock: it
 * stands for the SDM's exclusive access to MRENCLAVE ("measurement being
 * updated" -> #GP) and keeps the SECS from being removed underneath. Page
 * locks are only ever tried, never waited for, so their order does not
 * matter; hw_encl.lock is taken after them, around the fields it guards.
 *
 * Host operands (PAGEINFO, source page, SECINFO, SIGSTRUCT, EINITTOKEN) are
 * memory the caller vouches for; a NULL one is an unmapped page and faults
 * with #PF, like any page fault in accessing a memory operand.
 */
#include <string.h>

#include "encls.h"
#include "encls_util.h"
#include "hw_internal.h"
#include "measure.h"
#include "sigstruct.h"

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

/* ---- ECREATE: SECS validation ---------------------------------------------- */

/*
 * Standard-format XSAVE layout of the user state components an enclave may
 * enable (the offsets and sizes CPUID.(0DH, i) reports on Intel parts).
 * x87 and SSE live in the 512-byte legacy area, followed by the 64-byte
 * XSAVE header.
 */
static const struct {
	uint8_t bit;
	uint16_t offset, size;
} xsave_components[] = {
	{ 2,  576,  256 },      /* AVX: YMM_Hi128 */
	{ 3,  960,  64 },       /* MPX: BNDREGS */
	{ 4,  1024, 64 },       /* MPX: BNDCSR */
	{ 5,  1088, 64 },       /* AVX-512: opmask */
	{ 6,  1152, 512 },      /* AVX-512: ZMM_Hi256 */
	{ 7,  1664, 1024 },     /* AVX-512: Hi16_ZMM */
	{ 9,  2688, 8 },        /* PKRU */
	{ 17, 2752, 64 },       /* AMX: XTILECFG */
	{ 18, 2816, 8192 },     /* AMX: XTILEDATA */
};

#define XFRM_MPX     ((1ull << 3) | (1ull << 4))
#define XFRM_AVX512  ((1ull << 5) | (1ull << 6) | (1ull << 7))
#define XFRM_AMX     ((1ull << 17) | (1ull << 18))

/* XSAVE size for @xfrm, 0 if it holds a component we cannot size. */
static uint64_t xsave_size(uint64_t xfrm)
{
	uint64_t size = SGX_XSAVE_LEGACY_SIZE + SGX_XSAVE_HEADER_SIZE;
	uint64_t known = SGX_XFRM_LEGACY;
	size_t i;

	for (i = 0; i < sizeof(xsave_components) / sizeof(xsave_components[0]); i++) {
		uint64_t bit = 1ull << xsave_components[i].bit;
		uint64_t end = (uint64_t)xsave_components[i].offset + xsave_components[i].size;

		known |= bit;
		if ((xfrm & bit) && end > size)
			size = end;
	}
	return (xfrm & ~known) ? 0 : size;
}

/*
 * SDM ECREATE "XFRM is illegal": XFRM must be a subset of what CPUID.(12H,1)
 * ECX:EDX allows and obey the XSETBV rules for XCR0 (AVX needs SSE, the MPX
 * pair together, the three AVX-512 components together and with AVX, the
 * AMX pair together).
 */
static bool xfrm_legal(const struct hw_config *c, uint64_t xfrm)
{
	if (xfrm & ~c->xfrm)
		return false;
	if (!xsave_size(xfrm))
		return false;
	if ((xfrm & SGX_XFRM_AVX) && !(xfrm & SGX_XFRM_SSE))
		return false;
	if ((xfrm & XFRM_MPX) && (xfrm & XFRM_MPX) != XFRM_MPX)
		return false;
	if ((xfrm & XFRM_AVX512) &&
	    ((xfrm & XFRM_AVX512) != XFRM_AVX512 || !(xfrm & SGX_XFRM_AVX)))
		return false;
	if ((xfrm & XFRM_AMX) && (xfrm & XFRM_AMX) != XFRM_AMX)
		return false;
	return true;
}

/*
 * SDM compute_misc_region_size(): the MISC components MISCSELECT asks for,
 * stored right below GPRSGX. EXINFO is 16 bytes; CPINFO is taken as 16 too.
 */
static uint64_t misc_size(uint32_t miscselect)
{
	uint64_t size = 0;

	if (miscselect & SGX_MISC_EXINFO)
		size += SGX_SSA_MISC_EXINFO_SIZE;
	if (miscselect & SGX_MISC_CPINFO)
		size += 16;
	return size;
}

/* 48-bit linear addresses (4-level paging): bits 63..47 all equal. */
static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/*
 * CR_SGX_ATTRIBUTES_MASK: what CPUID.(12H,1) EAX:EBX reports, minus the
 * architecturally reserved bits and INIT, which only EINIT may set.
 */
static uint64_t settable_attributes(const struct hw_config *c)
{
	uint64_t allowed = c->attributes & ~SGX_ATTR_RESERVED_MASK & ~SGX_ATTR_INIT;

	if (!c->aex_notify)
		allowed &= ~SGX_ATTR_ASYNC_EXIT_NOTIFY;
	return allowed;
}

static bool secs_reserved_clear(const struct sgx_secs *s)
{
	return all_zero(s->reserved_0x18, sizeof(s->reserved_0x18)) &&
	       all_zero(s->reserved_0x60, sizeof(s->reserved_0x60)) &&
	       all_zero(s->reserved_0xa0, sizeof(s->reserved_0xa0)) &&
	       all_zero(s->reserved_0x106, sizeof(s->reserved_0x106));
}

/* The SECS checks of ECREATE, on the copy already in the EPC page. */
static unsigned int secs_check(const struct hw_platform *hw, const struct sgx_secs *s)
{
	const struct hw_config *c = &hw->cfg;
	struct hw_cpuid_regs leaf0;
	uint64_t xsize;
	unsigned int log2_max;

	hw_cpuid_sgx(hw, 0, &leaf0);

	/* "Check lower 2 bits of XFRM are set", then "XFRM is illegal". */
	if ((s->xfrm & SGX_XFRM_LEGACY) != SGX_XFRM_LEGACY)
		return SGX_FAULT_GP;
	if (!xfrm_legal(c, s->xfrm))
		return SGX_FAULT_GP;
	/* "SECS does not have any unsupported MISCSELECT options". */
	if (s->miscselect & ~leaf0.ebx)
		return SGX_FAULT_GP;
	/* SSAFRAMESIZE*4096 must hold XSAVE + GPRSGX + MISC. */
	xsize = xsave_size(s->xfrm) + SGX_SSA_GPRS_SIZE + misc_size(s->miscselect);
	if ((uint64_t)s->ssa_frame_size * SGX_PAGE_SIZE < xsize)
		return SGX_FAULT_GP;
	/* BASEADDR canonical (64-bit) or below 4 GiB (32-bit); SIZE below
	 * 2^CPUID.(12H,0).EDX[15:8] or [7:0]. */
	if (s->attributes & SGX_ATTR_MODE64BIT) {
		if (!canonical(s->base))
			return SGX_FAULT_GP;
		log2_max = (leaf0.edx >> 8) & 0xff;
	} else {
		if (s->base >> 32)
			return SGX_FAULT_GP;
		log2_max = leaf0.edx & 0xff;
	}
	if (log2_max < 64 && s->size >= 1ull << log2_max)
		return SGX_FAULT_GP;
	/* "Enclave size must be at least 8192 bytes and must be power of 2". */
	if (s->size < 2 * SGX_PAGE_SIZE || (s->size & (s->size - 1)))
		return SGX_FAULT_GP;
	/* "Ensure base address of an enclave is aligned on size". */
	if (s->base & (s->size - 1))
		return SGX_FAULT_GP;
	/* "SECS does not have any unsupported attributes". */
	if (s->attributes & ~settable_attributes(c))
		return SGX_FAULT_GP;
	if (!secs_reserved_clear(s))
		return SGX_FAULT_GP;
	/* "CONFIGID/CONFIGSVN are not set" without ATTRIBUTES.KSS. */
	if ((!all_zero(s->config_id, sizeof(s->config_id)) || s->config_svn) &&
	    !(s->attributes & SGX_ATTR_KSS))
		return SGX_FAULT_GP;
	return 0;
}

/**
 * encls_ecreate() - ENCLS[ECREATE]: turn a free EPC page into the SECS of a
 * new enclave and start its measurement.
 * @hw: platform.
 * @pginfo: PAGEINFO (32-byte aligned): SRCPGE = the SECS to copy, SECINFO =
 *          64-byte aligned SECINFO of type SECS, LINADDR and SECS zero.
 * @secs_page: the destination EPC page.
 *
 * Context: any thread; takes the page lock of @secs_page.
 * Return: 0; SGX_FAULT_GP for misalignment, a bad PAGEINFO/SECINFO, a page
 * in use by another leaf or a SECS the platform cannot run (XFRM,
 * MISCSELECT, SSA frame size, BASEADDR/SIZE, attributes, reserved fields);
 * SGX_FAULT_PF when @secs_page is not in the EPC or already valid.
 */
unsigned int encls_ecreate(struct hw_platform *hw, const struct sgx_pageinfo *pginfo,
			   void *secs_page)
{
	const struct sgx_secinfo *secinfo;
	struct hw_encl *encl;
	struct sgx_secs *secs;
	struct measure m;
	unsigned int ret;
	uint64_t idx;

	stat_encls(hw, SGX_ECREATE);
	if (!aligned(addr(pginfo), 32))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(secs_page), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	if (!pginfo)
		return SGX_FAULT_PF;
	if (!aligned(pginfo->contents, SGX_PAGE_SIZE) || !aligned(pginfo->metadata, 64))
		return SGX_FAULT_GP;
	if (pginfo->addr || pginfo->secs)
		return SGX_FAULT_GP;
	if (!pginfo->contents || !pginfo->metadata)
		return SGX_FAULT_PF;
	/* "SECINFO reserved fields are not zero or SECINFO.FLAGS.PT != PT_SECS". */
	secinfo = ptr(pginfo->metadata);
	if (!secinfo_reserved_clear(secinfo) ||
	    sgx_secinfo_page_type(secinfo->flags) != SGX_PT_SECS)
		return SGX_FAULT_GP;

	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (epcm_valid(hw, idx)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}

	/* The SDM copies first and checks the copy. */
	secs = epc_va(hw, idx);
	memcpy(secs, ptr(pginfo->contents), SGX_PAGE_SIZE);
	ret = secs_check(hw, secs);
	if (ret)
		goto out_wipe;

	/*
	 * Hidden state. Hardware cannot run out of memory; if the host does,
	 * nothing architectural has changed and the leaf faults (-EIO in the
	 * kernel's eyes).
	 */
	if (hw_encl_alloc(hw, &encl)) {
		ret = SGX_FAULT_GP;
		goto out_wipe;
	}
	m.sha = encl->mr;
	if (measure_ecreate(&m, secs->ssa_frame_size, secs->size)) {
		hw_encl_free(hw, encl);
		ret = SGX_FAULT_GP;
		goto out_wipe;
	}

	/* "Clear DS:TMP_SECS to Uninitialized"; MRENCLAVE lives in hw_encl. */
	memset(secs->mrenclave, 0, sizeof(secs->mrenclave));
	memset(secs->mrsigner, 0, sizeof(secs->mrsigner));
	secs->isv_prod_id = 0;
	secs->isv_svn = 0;
	encl->secs_index = idx;
	hw->pages[idx].encl = encl;
	/* EPCM: PT_SECS, ENCLAVEADDRESS 0, no RWX, not blocked/pending/modified. */
	epcm_set(hw, idx, SGX_PT_SECS, 0, 0, idx);
	epc_unlock(hw, idx);
	return 0;

out_wipe:
	memset(secs, 0, SGX_PAGE_SIZE);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- EADD ------------------------------------------------------------------ */

/* SDM EADD, case PT_TCS: the checks made on the copied TCS. */
static unsigned int tcs_check(const struct hw_platform *hw, const struct sgx_secs *secs,
			      const struct sgx_tcs *tcs)
{
	uint64_t reserved = SGX_TCS_RESERVED_MASK;

	/* AEXNOTIFY is a reserved bit on parts without AEX-Notify. */
	if (!hw->cfg.aex_notify)
		reserved |= SGX_TCS_AEXNOTIFY;
	/* "DS:RCX.RESERVED != 0". */
	if ((tcs->flags & reserved) || !all_zero(tcs->reserved_0x48, sizeof(tcs->reserved_0x48)))
		return SGX_FAULT_GP;
	/* 32-bit enclaves: FS/GS limits must end on a page boundary. */
	if (!(secs->attributes & SGX_ATTR_MODE64BIT) &&
	    ((tcs->fs_limit & 0xfff) != 0xfff || (tcs->gs_limit & 0xfff) != 0xfff))
		return SGX_FAULT_GP;
	return 0;
}

/**
 * encls_eadd() - ENCLS[EADD]: copy a page into a free EPC page of an
 * uninitialized enclave and extend MRENCLAVE with its offset and SECINFO.
 * @hw: platform.
 * @pginfo: PAGEINFO: LINADDR (page aligned, inside ELRANGE), SRCPGE (page
 *          aligned), SECINFO (64-byte aligned, REG or TCS), SECS (EPC).
 * @epc: the destination EPC page.
 *
 * TCS pages get no EPCM permissions and their DBGOPTIN, CSSA, AEP and STATE
 * are forced to 0 (SDM): the measured SECINFO then has R/W/X clear, which is
 * why the kernel refuses TCS SECINFOs with permissions. Hardware does not
 * look for another page at the same LINADDR; the driver's page array does.
 *
 * Context: takes the page locks of @epc and of the SECS.
 * Return: 0; SGX_FAULT_GP for misalignment, bad SECINFO, bad TCS contents,
 * W without R, LINADDR outside ELRANGE, an initialized enclave or a page
 * in use; SGX_FAULT_PF when @epc or the SECS is outside the EPC, @epc is
 * already valid or the SECS operand is not a valid SECS.
 */
unsigned int encls_eadd(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc)
{
	struct sgx_secinfo scratch;
	struct sgx_secs *secs;
	struct hw_encl *encl;
	uint64_t idx, secs_idx, lin;
	struct measure m;
	unsigned int ret, pt;

	stat_encls(hw, SGX_EADD);
	if (!aligned(addr(pginfo), 32))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	if (!pginfo)
		return SGX_FAULT_PF;
	lin = pginfo->addr;
	if (!aligned(pginfo->contents, SGX_PAGE_SIZE) || !aligned(pginfo->secs, SGX_PAGE_SIZE) ||
	    !aligned(pginfo->metadata, 64) || !aligned(lin, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, pginfo->secs, 0, &secs_idx);
	if (ret)
		return ret;
	if (!pginfo->contents || !pginfo->metadata)
		return SGX_FAULT_PF;
	scratch = *(const struct sgx_secinfo *)ptr(pginfo->metadata);
	pt = sgx_secinfo_page_type(scratch.flags);
	if (!secinfo_reserved_clear(&scratch) || (pt != SGX_PT_REG && pt != SGX_PT_TCS))
		return SGX_FAULT_GP;

	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (epcm_valid(hw, idx)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	/* A SECS operand naming the (free) target page is not a valid SECS. */
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

	memcpy(epc_va(hw, idx), ptr(pginfo->contents), SGX_PAGE_SIZE);
	secs = epc_va(hw, secs_idx);
	ret = 0;
	if (pt == SGX_PT_TCS)
		ret = tcs_check(hw, secs, epc_va(hw, idx));
	else if ((scratch.flags & SGX_SECINFO_W) && !(scratch.flags & SGX_SECINFO_R))
		ret = SGX_FAULT_GP;
	if (ret)
		goto out_wipe;
	/* "Check the enclave offset is within the enclave linear address space". */
	if (lin < secs->base || lin - secs->base >= secs->size) {
		ret = SGX_FAULT_GP;
		goto out_wipe;
	}

	encl = secs_encl(hw, secs_idx);
	SGXEMU_BUG_ON(!encl);
	pthread_mutex_lock(&encl->lock);
	/* "DS:TMP_SECS already initialized". */
	if (encl->initialized) {
		ret = SGX_FAULT_GP;
		goto out_unlock_encl;
	}
	if (pt == SGX_PT_TCS) {
		struct sgx_tcs *tcs = epc_va(hw, idx);

		scratch.flags &= ~SGX_SECINFO_PERMISSION_MASK;
		tcs->flags &= ~SGX_TCS_DBGOPTIN;
		tcs->ssa_index = 0;
		tcs->exit_addr = 0;
		tcs->state = 0;
	}
	/* "EADD" record: offset and SECINFO[0..48) (FLAGS, then zeros). */
	m.sha = encl->mr;
	if (measure_eadd(&m, lin - secs->base, scratch.flags)) {
		ret = SGX_FAULT_GP;
		goto out_unlock_encl;
	}
	epcm_set(hw, idx, (uint8_t)pt, (uint8_t)(scratch.flags & SGX_SECINFO_PERMISSION_MASK),
		 lin, secs_idx);
	encl->child_count++;
	pthread_mutex_unlock(&encl->lock);
	epc_unlock(hw, secs_idx);
	epc_unlock(hw, idx);
	return 0;

out_unlock_encl:
	pthread_mutex_unlock(&encl->lock);
out_wipe:
	memset(epc_va(hw, idx), 0, SGX_PAGE_SIZE);
out_unlock_secs:
	epc_unlock(hw, secs_idx);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- EEXTEND --------------------------------------------------------------- */

/**
 * encls_eextend() - ENCLS[EEXTEND]: extend MRENCLAVE with 256 bytes of an
 * EPC page of an uninitialized enclave.
 * @hw: platform.
 * @secs_page: the enclave's SECS (RBX).
 * @chunk: 256-byte aligned address inside a REG or TCS page of it (RCX).
 *
 * The record carries the chunk's enclave offset: EPCM.ENCLAVEADDRESS -
 * BASEADDR + (RCX & 0xfff).
 *
 * Context: takes the page locks of the chunk's page and of the SECS.
 * Return: 0; SGX_FAULT_GP for misalignment, a SECS that is not the page's,
 * an initialized enclave or a page in use; SGX_FAULT_PF when an operand is
 * outside the EPC or the chunk's page is not a valid REG/TCS page.
 */
unsigned int encls_eextend(struct hw_platform *hw, void *secs_page, void *chunk)
{
	const struct sgx_secs *secs;
	struct hw_encl *encl;
	uint64_t idx, secs_idx, offset;
	struct measure m;
	unsigned int ret;

	stat_encls(hw, SGX_EEXTEND);
	ret = epc_lookup(hw, addr(secs_page), SGX_PAGE_SIZE, &secs_idx);
	if (ret)
		return ret;
	ret = epc_lookup(hw, addr(chunk), MEASURE_EEXTEND_CHUNK, &idx);
	if (ret)
		return ret;

	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (!epcm_valid(hw, idx) ||
	    (hw->epcm[idx].page_type != SGX_PT_REG && hw->epcm[idx].page_type != SGX_PT_TCS)) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	/* "DS:RBX does not resolve to TMP_SECS". */
	if (hw->epcm[idx].secs != secs_idx) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	/* "Other instruction accessing MRENCLAVE". */
	if (!epc_trylock(hw, secs_idx)) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	encl = child_encl(hw, idx);
	secs = epc_va(hw, secs_idx);
	offset = hw->epcm[idx].linaddr - secs->base + (addr(chunk) & (SGX_PAGE_SIZE - 1));

	/*
	 * No encl->lock: the MRENCLAVE hash and INIT are only touched by
	 * ECREATE, EADD, EEXTEND and EINIT, each holding the SECS page lock
	 * taken above, so it already serialises them; at 16 EEXTENDs a page
	 * the extra lock pair was a measurable share of the build rate.
	 */
	if (encl->initialized) {
		ret = SGX_FAULT_GP;
	} else {
		m.sha = encl->mr;
		ret = measure_eextend(&m, offset, chunk) ? SGX_FAULT_GP : 0;
	}
	epc_unlock(hw, secs_idx);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- EINIT ----------------------------------------------------------------- */

/* IA32_SGXLEPUBKEYHASH0..3 as the 32-byte hash they hold (little endian). */
static void lepubkeyhash(struct hw_platform *hw, uint8_t out[32])
{
	unsigned int i, j;

	for (i = 0; i < 4; i++) {
		uint64_t v = atomic_load_explicit(&hw->lepubkeyhash[i], memory_order_acquire);

		for (j = 0; j < 8; j++)
			out[8 * i + j] = (uint8_t)(v >> (8 * j));
	}
}

/*
 * The EINITTOKEN checks for VALID = 1 (SDM EINIT after "EINITTOKEN.VALID[0]
 * is 0"). The last one, the MAC under the launch key that EGETKEY derives for
 * a launch enclave, is not emulated: sgxemu is a Flexible Launch Control
 * part and Linux always passes a zero token, so a valid token ends in
 * SGX_INVALID_EINITTOKEN once its cheap checks pass.
 */
static unsigned int einittoken_check(const struct hw_platform *hw,
				     const struct sgx_einittoken *t, const struct sgx_secs *secs)
{
	unsigned int i;

	/* "Debug Launch Enclave cannot launch Production Enclaves". */
	if ((t->masked_attributes_le.flags & SGX_ATTR_DEBUG) && !(secs->attributes & SGX_ATTR_DEBUG))
		return SGX_INVALID_EINITTOKEN;
	/* Reserved space, including VALID[31:1]. */
	if ((t->valid & ~1u) ||
	    !all_zero(t->reserved_0x04, sizeof(t->reserved_0x04)) ||
	    !all_zero(t->reserved_0x60, sizeof(t->reserved_0x60)) ||
	    !all_zero(t->reserved_0xa0, sizeof(t->reserved_0xa0)) ||
	    !all_zero(t->reserved_0xd4, sizeof(t->reserved_0xd4)))
		return SGX_INVALID_EINITTOKEN;
	/* "EINIT token must be <= CR_CPUSVN", component by component. */
	for (i = 0; i < sizeof(t->cpusvn_le); i++)
		if (t->cpusvn_le[i] > hw->cfg.cpusvn[i])
			return SGX_INVALID_CPUSVN;
	return SGX_INVALID_EINITTOKEN;
}

/* Everything EINIT checks once it owns the SECS; 0 means commit. */
static unsigned int einit_checks(struct hw_platform *hw, const struct sgx_sigstruct *sig,
				 const struct sgx_einittoken *token, struct sgx_secs *secs,
				 struct hw_encl *encl, const uint8_t mrsigner[32],
				 uint8_t mrenclave[32])
{
	const struct sgx_sigstruct_body *b = &sig->body;
	struct measure copy;
	uint8_t le_hash[32];
	bool le_signed;

	/* "ISVFAMILYID is not used on an enclave with KSS disabled". */
	if (!all_zero(b->isv_family_id, sizeof(b->isv_family_id)) &&
	    !(secs->attributes & SGX_ATTR_KSS))
		return SGX_INVALID_SIG_STRUCT;

	/*
	 * SHA256FINAL of a copy: a failed EINIT leaves the enclave
	 * uninitialized with its running hash intact, so software may retry
	 * with another SIGSTRUCT.
	 */
	if (crypto_sha256_dup(encl->mr, &copy.sha))
		return SGX_UNMASKED_EVENT;      /* host out of memory: try again */
	if (measure_final(&copy, mrenclave)) {
		measure_destroy(&copy);
		return SGX_UNMASKED_EVENT;
	}
	measure_destroy(&copy);
	if (!crypto_memeq(b->mrenclave, mrenclave, 32))
		return SGX_INVALID_MEASUREMENT;

	lepubkeyhash(hw, le_hash);
	le_signed = crypto_memeq(mrsigner, le_hash, 32);
	/* CONTROLLED_ATTRIBUTES (EINITTOKENKEY) need the launch key's signer. */
	if ((secs->attributes & SGX_ATTR_EINITTOKENKEY) && !le_signed)
		return SGX_INVALID_ATTRIBUTE;
	/* SECS.ATTRIBUTES (flags and XFRM) & ATTRIBUTEMASK must match. */
	if ((secs->attributes & b->attributes_mask) != (b->attributes & b->attributes_mask) ||
	    (secs->xfrm & b->xfrm_mask) != (b->xfrm & b->xfrm_mask))
		return SGX_INVALID_ATTRIBUTE;
	if ((secs->miscselect & b->misc_mask) != (b->miscselect & b->misc_mask))
		return SGX_INVALID_ATTRIBUTE;
	/* Launch control: without a token the signer must be the MSRs' key. */
	if (!(token->valid & 1u))
		return le_signed ? 0 : SGX_INVALID_EINITTOKEN;
	return einittoken_check(hw, token, secs);
}

/**
 * encls_einit() - ENCLS[EINIT]: verify SIGSTRUCT and launch authorization,
 * fix MRENCLAVE and mark the enclave initialized.
 * @hw: platform.
 * @sigstruct: SIGSTRUCT, 4 KiB aligned (RBX).
 * @token: EINITTOKEN, 512-byte aligned (RDX); VALID = 0 asks for Flexible
 *         Launch Control (MRSIGNER must equal IA32_SGXLEPUBKEYHASH).
 * @secs_page: the enclave's SECS (RCX).
 *
 * On success SECS gets MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN and
 * ATTRIBUTES.INIT; ISVFAMILYID and ISVEXTPRODID go to the hidden state.
 * A failure leaves the enclave as it was.
 *
 * Context: takes the SECS page lock.
 * Return: 0; SGX_INVALID_SIG_STRUCT, SGX_INVALID_SIGNATURE,
 * SGX_INVALID_MEASUREMENT, SGX_INVALID_ATTRIBUTE, SGX_INVALID_EINITTOKEN,
 * SGX_INVALID_CPUSVN; SGX_UNMASKED_EVENT when the host is out of memory
 * (the kernel retries); SGX_FAULT_GP for misalignment, a SECS in use or an
 * initialized enclave; SGX_FAULT_PF when @secs_page is not a valid SECS.
 */
unsigned int encls_einit(struct hw_platform *hw, const struct sgx_sigstruct *sigstruct,
			 const struct sgx_einittoken *token, void *secs_page)
{
	uint8_t mrsigner[32], mrenclave[32];
	struct sgx_secs *secs;
	struct hw_encl *encl;
	unsigned int ret;
	uint64_t idx;

	stat_encls(hw, SGX_EINIT);
	/* "SIGSTRUCT and SECS are aligned", "EINITTOKEN is aligned". */
	if (!aligned(addr(sigstruct), SGX_PAGE_SIZE) || !aligned(addr(secs_page), SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	if (!aligned(addr(token), 512))
		return SGX_FAULT_GP;
	ret = epc_lookup(hw, addr(secs_page), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	if (!sigstruct || !token)
		return SGX_FAULT_PF;

	/* Header, vendor, exponent, signature, Q1/Q2; MRSIGNER = SHA-256(MODULUS). */
	ret = sigstruct_verify(sigstruct, mrsigner);
	if (ret)
		return ret;

	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;
	if (!epcm_valid(hw, idx) || hw->epcm[idx].page_type != SGX_PT_SECS) {
		ret = SGX_FAULT_PF;
		goto out_unlock;
	}
	secs = epc_va(hw, idx);
	encl = secs_encl(hw, idx);
	SGXEMU_BUG_ON(!encl);

	pthread_mutex_lock(&encl->lock);
	if (encl->initialized) {
		ret = SGX_FAULT_GP;
		goto out_unlock_encl;
	}
	ret = einit_checks(hw, sigstruct, token, secs, encl, mrsigner, mrenclave);
	if (ret)
		goto out_unlock_encl;

	/* COMMIT. */
	memcpy(secs->mrenclave, mrenclave, sizeof(secs->mrenclave));
	memcpy(secs->mrsigner, mrsigner, sizeof(secs->mrsigner));
	secs->isv_prod_id = sigstruct->body.isvprodid;
	secs->isv_svn = sigstruct->body.isvsvn;
	memcpy(encl->isv_family_id, sigstruct->body.isv_family_id, sizeof(encl->isv_family_id));
	memcpy(encl->isv_ext_prod_id, sigstruct->body.isv_ext_prod_id,
	       sizeof(encl->isv_ext_prod_id));
	secs->attributes |= SGX_ATTR_INIT;
	encl->initialized = true;

out_unlock_encl:
	pthread_mutex_unlock(&encl->lock);
out_unlock:
	epc_unlock(hw, idx);
	return ret;
}

/* ---- EREMOVE --------------------------------------------------------------- */

/* One resident child less for the enclave of page @idx. */
static void child_gone(struct hw_platform *hw, uint64_t idx)
{
	struct hw_encl *encl = child_encl(hw, idx);

	pthread_mutex_lock(&encl->lock);
	SGXEMU_BUG_ON(encl->child_count == 0);
	encl->child_count--;
	pthread_mutex_unlock(&encl->lock);
}

/* Invalidate EPC page @idx; its contents are wiped so nothing leaks to the next owner. */
static void page_free(struct hw_platform *hw, uint64_t idx)
{
	memset(epc_va(hw, idx), 0, SGX_PAGE_SIZE);
	epcm_clear(hw, idx);
}

/**
 * encls_eremove() - ENCLS[EREMOVE]: make an EPC page free.
 * @hw: platform.
 * @epc: the EPC page (RCX).
 *
 * A free page is left alone (success). VA pages and TRIM pages the enclave
 * has EACCEPTed (MODIFIED = 0) go at once; a SECS only without resident
 * children, and its hidden state goes with it; any other child page only
 * while no logical processor is inside its enclave.
 *
 * Context: takes the page lock of @epc.
 * Return: 0; SGX_CHILD_PRESENT; SGX_ENCLAVE_ACT; SGX_FAULT_GP for a
 * misaligned address or a page in use by another leaf; SGX_FAULT_PF when
 * @epc is not in the EPC.
 */
unsigned int encls_eremove(struct hw_platform *hw, void *epc)
{
	const struct epcm_entry *e;
	struct hw_encl *encl;
	unsigned int ret = 0;
	uint64_t idx;

	stat_encls(hw, SGX_EREMOVE);
	ret = epc_lookup(hw, addr(epc), SGX_PAGE_SIZE, &idx);
	if (ret)
		return ret;
	if (!epc_trylock(hw, idx))
		return SGX_FAULT_GP;

	e = &hw->epcm[idx];
	/* "If DS:RCX is already unused, nothing to do". */
	if (!(e->flags & EPCM_VALID))
		goto out_unlock;

	if (e->page_type == SGX_PT_VA) {
		page_free(hw, idx);
		goto out_unlock;
	}
	if (e->page_type == SGX_PT_TRIM && !(e->flags & EPCM_MODIFIED)) {
		child_gone(hw, idx);
		page_free(hw, idx);
		goto out_unlock;
	}

	if (e->page_type == SGX_PT_SECS) {
		encl = secs_encl(hw, idx);
		SGXEMU_BUG_ON(!encl);
		/*
		 * Children are added only by leaves holding this page's lock
		 * (EADD, EAUG, ELDU), which we hold: the count cannot grow.
		 */
		pthread_mutex_lock(&encl->lock);
		if (encl->child_count)
			ret = SGX_CHILD_PRESENT;
		pthread_mutex_unlock(&encl->lock);
		if (ret)
			goto out_unlock;
		page_free(hw, idx);
		hw_encl_free(hw, encl);
		goto out_unlock;
	}

	/* "Other threads active using SECS". */
	encl = child_encl(hw, idx);
	if (atomic_load_explicit(&encl->lps_inside, memory_order_acquire) > 0) {
		ret = SGX_ENCLAVE_ACT;
		goto out_unlock;
	}
	child_gone(hw, idx);
	page_free(hw, idx);

out_unlock:
	epc_unlock(hw, idx);
	return ret;
}
