// SPDX-License-Identifier: MIT
/*
 * The logical processor: entering and leaving enclave mode (SDM Vol. 3D
 * ch. 40 "Enclave Exiting Events" and the EENTER, ERESUME, EEXIT and
 * EDECCSSA pages of ch. 41), plus the access control every enclave-mode
 * memory access goes through (SDM 37.5).
 *
 * State lives where hardware keeps it: TCS.CSSA and TCS.AEP in the TCS page
 * itself, URSP/URBP in the GPRSGX of the current SSA frame, the rest (the
 * active SECS and TCS, ELRANGE, the resolved SSA pages) in struct hw_lp,
 * the CR_* registers of the SDM's pseudo-code.
 *
 * TCS.STATE is pages[tcs].tcs_busy: set by EENTER/ERESUME with a
 * compare-and-swap, cleared by EEXIT/AEX. The TCS page lock is held only
 * for the checks of EENTER/ERESUME/EDECCSSA, so ENCLS work on the TCS
 * (EBLOCK, EWB) conflicts with them (#GP) exactly while they run. Entering
 * counts the LP in its epoch (track_enter) before the SSA pages are
 * checked: a page blocked before that is seen BLOCKED, one blocked later
 * cannot be written back before this LP leaves (see struct hw_encl).
 *
 * Context: everything here may run in a signal handler (the runtime traps
 * ENCLU with SIGILL): no locks, no allocation, no stdio.
 */
#include <string.h>

#include "encls_util.h"
#include "enclu_util.h"
#include "hw_internal.h"
#include "lp.h"

void hw_lp_init(struct hw_lp *lp, struct hw_platform *hw, hw_translate_fn translate, void *ctx)
{
	memset(lp, 0, sizeof(*lp));
	lp->hw = hw;
	lp->translate = translate;
	lp->translate_ctx = ctx;
	lp->tcs_index = HW_EPC_NONE;
	lp->secs_index = HW_EPC_NONE;
}

/* ---- access control ------------------------------------------------------ */

unsigned int lp_translate(struct hw_lp *lp, uint64_t lin, unsigned int access, uint8_t **host,
			  uint64_t *index)
{
	uint64_t pa = 0;
	uint32_t code;

	code = lp->translate(lp->translate_ctx, lin, access, &pa);
	if (code)
		return lp_pf(lp, lin, code);
	*host = (uint8_t *)(uintptr_t)pa;
	if (hw_epc_index(lp->hw, *host, index))
		*index = HW_EPC_NONE;
	return 0;
}

/*
 * SDM 37.5: in enclave mode, an address inside ELRANGE must resolve to a
 * matching EPC page; one outside must not resolve to the EPC at all. A
 * refusal is a #PF with PF_SGX (hardware uses that bit for every access
 * SGX access control rejects).
 */
unsigned int hw_lp_access(struct hw_lp *lp, uint64_t lin, unsigned int access, void **host)
{
	unsigned int ret;
	uint8_t *h;
	uint64_t idx;

	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	ret = lp_translate(lp, lin, access, &h, &idx);
	if (ret)
		return ret;
	if (lp_in_elrange(lp, lin)) {
		if (idx == HW_EPC_NONE ||
		    !epcm_reg_ok(lp->hw, idx, lin, lp->secs_index, acc_perm(access)))
			return lp_pf(lp, lin, sgx_pf_code(access));
	} else if (idx != HW_EPC_NONE) {
		return lp_pf(lp, lin, sgx_pf_code(access));
	}
	*host = h;
	return 0;
}

unsigned int lp_operand(struct hw_lp *lp, uint64_t lin, uint64_t align, unsigned int access,
			void **host)
{
	if (!is_aligned(lin, align) || !lp_in_elrange(lp, lin))
		return SGX_FAULT_GP;
	return hw_lp_access(lp, lin, access, host);
}

/* ---- SSA frames -------------------------------------------------------------- */

/*
 * XSAVE area size for an XFRM (compute_XSAVE_frame_size() of the SDM), from
 * the standard, non-compacted layout CPUID.(0DH, i) reports on Intel parts:
 * offset and size of user state component i.
 */
static const struct {
	uint16_t off, size;
} xsave_components[] = {
	[2]  = { 576, 256 },    /* AVX: upper halves of YMM0-15 */
	[3]  = { 960, 64 },     /* MPX BNDREGS */
	[4]  = { 1024, 64 },    /* MPX BNDCSR */
	[5]  = { 1088, 64 },    /* AVX-512 opmask */
	[6]  = { 1152, 512 },   /* AVX-512 ZMM_Hi256 */
	[7]  = { 1664, 1024 },  /* AVX-512 Hi16_ZMM */
	[9]  = { 2688, 8 },     /* PKRU */
	[17] = { 2752, 64 },    /* AMX XTILECFG */
	[18] = { 2816, 8192 },  /* AMX XTILEDATA */
};

/* Return: the size, or 0 when XFRM names a component sgxemu does not know. */
static uint32_t xsave_size(uint64_t xfrm)
{
	uint32_t size = SGX_XSAVE_LEGACY_SIZE + SGX_XSAVE_HEADER_SIZE;
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(xfrm & (1ull << i)))
			continue;
		if (i >= sizeof(xsave_components) / sizeof(xsave_components[0]) ||
		    !xsave_components[i].size)
			return 0;
		if (xsave_components[i].off + xsave_components[i].size > size)
			size = xsave_components[i].off + xsave_components[i].size;
	}
	return size;
}

/* The resolved pages of one SSA frame (becomes lp->ssa_* on commit). */
struct ssa_frame {
	uint8_t *xsave[HW_LP_XSAVE_PAGES];
	unsigned int xsave_pages;
	struct sgx_gprsgx *gpr;
	struct sgx_exinfo *exinfo;
};

/*
 * One page of an SSA frame: read/write accessible in the page tables, and
 * in the EPCM a valid, unblocked, committed REG RW page of the enclave at
 * that address. #PF otherwise (SDM EENTER "FOR EACH TMP_SSA_PAGE").
 */
static unsigned int ssa_page(struct hw_lp *lp, uint64_t lin, uint64_t secs_idx, uint8_t **host)
{
	const unsigned int acc = HW_ACC_READ | HW_ACC_WRITE;
	unsigned int ret;
	uint64_t idx;

	ret = lp_translate(lp, lin, acc, host, &idx);
	if (ret)
		return ret;
	if (idx == HW_EPC_NONE || !epcm_reg_ok(lp->hw, idx, lin, secs_idx, EPCM_R | EPCM_W))
		return lp_pf(lp, lin, sgx_pf_code(acc));
	return 0;
}

/*
 * Resolve and check SSA frame @frame of @tcs: the pages holding its XSAVE
 * area and the page holding GPRSGX (the last 184 bytes of the frame, MISC
 * just below). Pages in between are not touched, as on hardware.
 */
static unsigned int ssa_resolve(struct hw_lp *lp, const struct sgx_secs *secs, uint64_t secs_idx,
				const struct sgx_tcs *tcs, uint32_t frame, uint32_t xsize,
				struct ssa_frame *f)
{
	uint64_t frame_bytes = (uint64_t)secs->ssa_frame_size * SGX_PAGE_SIZE;
	uint64_t ssa = secs->base + tcs->ssa_offset + frame_bytes * frame;
	uint64_t gpr = ssa + frame_bytes - SGX_SSA_GPRS_SIZE;
	unsigned int ret, i;
	uint8_t *host;

	memset(f, 0, sizeof(*f));
	f->xsave_pages = (xsize + SGX_PAGE_SIZE - 1) / SGX_PAGE_SIZE;
	for (i = 0; i < f->xsave_pages; i++) {
		ret = ssa_page(lp, ssa + (uint64_t)i * SGX_PAGE_SIZE, secs_idx, &f->xsave[i]);
		if (ret)
			return ret;
	}
	ret = ssa_page(lp, gpr, secs_idx, &host);
	if (ret)
		return ret;
	f->gpr = (struct sgx_gprsgx *)host;
	if (secs->miscselect & SGX_MISC_EXINFO)
		f->exinfo = (struct sgx_exinfo *)(host - SGX_SSA_MISC_EXINFO_SIZE);
	return 0;
}

static void ssa_commit(struct hw_lp *lp, const struct ssa_frame *f, uint32_t xsize)
{
	memcpy(lp->ssa_xsave, f->xsave, sizeof(lp->ssa_xsave));
	lp->ssa_xsave_pages = f->xsave_pages;
	lp->xsave_size = xsize;
	lp->ssa_gpr = f->gpr;
	lp->ssa_exinfo = f->exinfo;
}

/* XSAVE image (@len bytes) into the XSAVE area of a frame, page by page. */
static void xsave_save(uint8_t *const pages[], const uint8_t *img, uint32_t len)
{
	uint32_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < SGX_PAGE_SIZE ? len - off : SGX_PAGE_SIZE;
		memcpy(pages[off / SGX_PAGE_SIZE], img + off, n);
	}
}

/* And back out of it. */
static void xsave_restore(uint8_t *const pages[], uint8_t *img, uint32_t len)
{
	uint32_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < SGX_PAGE_SIZE ? len - off : SGX_PAGE_SIZE;
		memcpy(img + off, pages[off / SGX_PAGE_SIZE], n);
	}
}

/*
 * The checks XRSTOR makes on the image ERESUME restores (SDM ERESUME:
 * "XRSTOR failed with #GP"): XSTATE_BV a subset of XFRM, XCOMP_BV and the
 * next 8 header bytes zero (standard format), no reserved MXCSR bit.
 */
static bool xsave_image_ok(const uint8_t *page0, uint64_t xfrm)
{
	uint64_t xstate_bv, hdr[2];
	uint32_t mxcsr;

	memcpy(&mxcsr, page0 + 24, sizeof(mxcsr));
	memcpy(&xstate_bv, page0 + SGX_XSAVE_LEGACY_SIZE, sizeof(xstate_bv));
	memcpy(hdr, page0 + SGX_XSAVE_LEGACY_SIZE + 8, sizeof(hdr));
	return !(xstate_bv & ~xfrm) && !hdr[0] && !hdr[1] && !(mxcsr & 0xffff0000u);
}

/* ---- EENTER / ERESUME --------------------------------------------------------- */

/* What the common entry checks hand to the leaf-specific commit. */
struct entry {
	uint64_t tcs_idx, secs_idx;
	struct sgx_tcs *tcs;
	const struct sgx_secs *secs;
	struct hw_encl *encl;
	uint32_t xsize;
	struct ssa_frame frame;
};

/*
 * The TCS checks EENTER and ERESUME share, in the SDM's order, up to the
 * enclave's INIT state. Called with the TCS page lock held.
 */
static unsigned int tcs_checks(struct hw_lp *lp, uint64_t tcs_lin, struct entry *en)
{
	struct hw_platform *hw = lp->hw;
	const struct epcm_entry *e = &hw->epcm[en->tcs_idx];
	uint8_t f = epcm_flags(hw, en->tcs_idx);
	const struct sgx_tcs *tcs;
	uint64_t rsvd;

	if (!(f & EPCM_VALID) || (f & EPCM_BLOCKED) || e->linaddr != tcs_lin ||
	    e->page_type != SGX_PT_TCS || (f & (EPCM_PENDING | EPCM_MODIFIED)))
		return lp_pf(lp, tcs_lin, sgx_pf_code(HW_ACC_READ | HW_ACC_WRITE));
	tcs = en->tcs = epc_va(hw, en->tcs_idx);
	if (!is_aligned(tcs->ssa_offset, SGX_PAGE_SIZE) ||
	    !is_aligned(tcs->fs_offset, SGX_PAGE_SIZE) || !is_aligned(tcs->gs_offset, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	en->secs_idx = e->secs;
	en->encl = child_encl(hw, en->tcs_idx);
	en->secs = epc_va(hw, en->secs_idx);
	if (!canonical(en->secs->base + tcs->fs_offset) ||
	    !canonical(en->secs->base + tcs->gs_offset))
		return SGX_FAULT_GP;
	/* TCS.FLAGS: DBGOPTIN, and AEXNOTIFY where the CPU has AEX-Notify. */
	rsvd = SGX_TCS_RESERVED_MASK | (hw->cfg.aex_notify ? 0 : SGX_TCS_AEXNOTIFY);
	if (tcs->flags & rsvd)
		return SGX_FAULT_GP;
	/* EINIT sets initialized once, under the enclave lock; it never clears. */
	if (!__atomic_load_n(&en->encl->initialized, __ATOMIC_ACQUIRE))
		return SGX_FAULT_GP;
	/* The runtime runs enclaves in 64-bit mode only. */
	if (!(en->secs->attributes & SGX_ATTR_MODE64BIT))
		return SGX_FAULT_GP;
	en->xsize = xsave_size(en->secs->xfrm);
	if (!en->xsize || en->xsize > HW_LP_XSAVE_PAGES * SGX_PAGE_SIZE ||
	    en->xsize + SGX_SSA_MISC_EXINFO_SIZE + SGX_SSA_GPRS_SIZE >
	    (uint64_t)en->secs->ssa_frame_size * SGX_PAGE_SIZE)
		return SGX_FAULT_GP;    /* ECREATE refuses such enclaves */
	return 0;
}

/*
 * Everything EENTER and ERESUME check before they commit. On success the
 * TCS page lock is held, the TCS is busy, the LP is counted in the
 * enclave's epoch (*@epoch) and @en describes the frame to use.
 */
static unsigned int entry_begin(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, bool resume,
				struct entry *en, uint64_t *epoch)
{
	struct hw_platform *hw = lp->hw;
	const struct sgx_gprsgx *g;
	unsigned int ret;
	unsigned int expected = 0;
	uint32_t frame;
	uint8_t *host;

	if (lp->in_enclave)
		return SGX_FAULT_GP;
	if (!is_aligned(tcs_lin, SGX_PAGE_SIZE))
		return SGX_FAULT_GP;
	ret = lp_translate(lp, tcs_lin, HW_ACC_READ | HW_ACC_WRITE, &host, &en->tcs_idx);
	if (ret)
		return ret;
	if (en->tcs_idx == HW_EPC_NONE)
		return lp_pf(lp, tcs_lin, sgx_pf_code(HW_ACC_READ | HW_ACC_WRITE));
	if (!canonical(aep))
		return SGX_FAULT_GP;
	/* "Other Intel SGX instructions is operating on TCS". */
	if (!epc_trylock(hw, en->tcs_idx))
		return SGX_FAULT_GP;

	ret = tcs_checks(lp, tcs_lin, en);
	if (ret)
		goto out_unlock;
	if (resume ? en->tcs->ssa_index == 0 : en->tcs->ssa_index >= en->tcs->nr_ssa_frames) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	frame = resume ? en->tcs->ssa_index - 1 : en->tcs->ssa_index;

	*epoch = track_enter(en->encl);
	ret = ssa_resolve(lp, en->secs, en->secs_idx, en->tcs, frame, en->xsize, &en->frame);
	if (ret)
		goto out_exit;
	/* TMP_TARGET, and for ERESUME the FS/GS bases saved in the frame. */
	g = en->frame.gpr;
	if (resume ? !canonical(g->rip) || !canonical(g->fsbase) || !canonical(g->gsbase) :
		     !canonical(en->secs->base + en->tcs->entry_offset)) {
		ret = SGX_FAULT_GP;
		goto out_exit;
	}
	/* "DS:RBX.STATE = ACTIVE". */
	if (!atomic_compare_exchange_strong_explicit(&hw->pages[en->tcs_idx].tcs_busy, &expected,
						     1, memory_order_acquire,
						     memory_order_relaxed)) {
		ret = SGX_FAULT_GP;
		goto out_exit;
	}
	/* ERESUME's XRSTOR: a #GP leaves the TCS INACTIVE. */
	if (resume && !xsave_image_ok(en->frame.xsave[0], en->secs->xfrm)) {
		atomic_store_explicit(&hw->pages[en->tcs_idx].tcs_busy, 0, memory_order_release);
		ret = SGX_FAULT_GP;
		goto out_exit;
	}
	return 0;

out_exit:
	track_exit(en->encl, *epoch);
out_unlock:
	epc_unlock(hw, en->tcs_idx);
	return ret;
}

/* Enter enclave mode on the checked TCS; releases the TCS page lock. */
static void entry_commit(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, uint64_t ursp,
			 uint64_t urbp, const struct entry *en, uint64_t epoch)
{
	lp->in_enclave = true;
	lp->tcs_lin = tcs_lin;
	lp->tcs_index = en->tcs_idx;
	lp->secs_index = en->secs_idx;
	lp->encl = en->encl;
	lp->encl_base = en->secs->base;
	lp->encl_size = en->secs->size;
	lp->entry_epoch = epoch;
	ssa_commit(lp, &en->frame, en->xsize);

	/*
	 * AEP: the SDM stores RCX into the TCS ("CR_TCS_LA.AEP <- RCX") and
	 * EEXIT reads it back from there ("RCX <- CR_TCS_PA.AEP"); that is the
	 * field Linux names exit_addr. lp->aep mirrors it for the runtime.
	 */
	en->tcs->exit_addr = aep;
	lp->aep = aep;
	/* The outside stack, for AEX's synthetic RSP/RBP. */
	en->frame.gpr->ursp = ursp;
	en->frame.gpr->urbp = urbp;
	epc_unlock(lp->hw, en->tcs_idx);
}

/**
 * enclu_eenter() - ENCLU[EENTER].
 * @lp: the logical processor, outside enclave mode.
 * @tcs_lin: RBX, linear address of a TCS.
 * @aep: RCX, the asynchronous exit pointer.
 * @ursp, @urbp: the outside RSP/RBP, saved in SSA[CSSA].GPRSGX.
 * @out: RIP = BASEADDR + OENTRY, RAX = CSSA, FS/GS bases = BASEADDR +
 *       OFSBASE/OGSBASE; the runtime sets RCX to the address after ENCLU.
 *
 * Context: async-signal safe.
 * Return: 0; SGX_FAULT_GP when in enclave mode, for a misaligned TCS or a
 * non-canonical AEP/target/FS/GS, a TCS another leaf works on or that is
 * busy, reserved TCS.FLAGS, an uninitialized or 32-bit enclave, CSSA >=
 * NSSA; SGX_FAULT_PF (lp->fault_*) when the TCS or a page of the SSA frame
 * does not translate or is not a valid page of the right kind.
 */
unsigned int enclu_eenter(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, uint64_t ursp,
			  uint64_t urbp, struct hw_enter *out)
{
	struct entry en;
	uint64_t epoch;
	unsigned int ret;

	stat_enclu(lp->hw, SGX_EENTER);
	ret = entry_begin(lp, tcs_lin, aep, false, &en, &epoch);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->rip = en.secs->base + en.tcs->entry_offset;
	out->rax = en.tcs->ssa_index;
	out->fsbase = en.secs->base + en.tcs->fs_offset;
	out->gsbase = en.secs->base + en.tcs->gs_offset;
	out->xfrm = en.secs->xfrm;
	entry_commit(lp, tcs_lin, aep, ursp, urbp, &en, epoch);
	return 0;
}

/**
 * enclu_eresume() - ENCLU[ERESUME]: pop SSA frame CSSA-1.
 * @lp, @tcs_lin, @aep, @ursp, @urbp: as for enclu_eenter(); URSP/URBP are
 *       recorded in the frame that becomes current, for the next AEX.
 * @out: the restored GPRSGX, RIP and FS/GS bases from it.
 * @xsave: receives the XSAVE image of the frame (@xsave_len bytes at most,
 *         the enclave's XSAVE size at most), for the runtime's XRSTOR.
 *
 * Context: async-signal safe.
 * Return: as enclu_eenter(), with SGX_FAULT_GP for CSSA == 0 instead of
 * CSSA >= NSSA, and for an XSAVE image XRSTOR would refuse.
 */
unsigned int enclu_eresume(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, uint64_t ursp,
			   uint64_t urbp, struct hw_enter *out, void *xsave, uint32_t xsave_len)
{
	struct entry en;
	uint64_t epoch;
	unsigned int ret;

	stat_enclu(lp->hw, SGX_ERESUME);
	ret = entry_begin(lp, tcs_lin, aep, true, &en, &epoch);
	if (ret)
		return ret;
	en.tcs->ssa_index--;
	entry_commit(lp, tcs_lin, aep, ursp, urbp, &en, epoch);
	memset(out, 0, sizeof(*out));
	out->gprs = *lp->ssa_gpr;
	out->rip = out->gprs.rip;
	out->rax = out->gprs.rax;
	out->fsbase = out->gprs.fsbase;
	out->gsbase = out->gprs.gsbase;
	out->xfrm = en.secs->xfrm;
	if (xsave)
		xsave_restore(lp->ssa_xsave, xsave,
			      xsave_len < lp->xsave_size ? xsave_len : lp->xsave_size);
	return 0;
}

/* ---- leaving -------------------------------------------------------------------- */

/* Leave enclave mode: TCS INACTIVE, out of the epoch. */
static void leave(struct hw_lp *lp)
{
	atomic_store_explicit(&lp->hw->pages[lp->tcs_index].tcs_busy, 0, memory_order_release);
	track_exit(lp->encl, lp->entry_epoch);
	lp->in_enclave = false;
	lp->encl = NULL;
	lp->ssa_gpr = NULL;
	lp->ssa_exinfo = NULL;
	memset(lp->ssa_xsave, 0, sizeof(lp->ssa_xsave));
	lp->ssa_xsave_pages = 0;
}

static struct sgx_tcs *cur_tcs(const struct hw_lp *lp)
{
	return epc_va(lp->hw, lp->tcs_index);
}

/**
 * enclu_eexit() - ENCLU[EEXIT].
 * @lp: a logical processor in enclave mode.
 * @rcx_out: RCX := the AEP of the current entry.
 *
 * RIP := RBX and the #GP for a non-canonical RBX are the runtime's; so are
 * the other registers (EEXIT does not restore RSP/RBP).
 * Context: async-signal safe.
 * Return: 0; SGX_FAULT_GP outside enclave mode.
 */
unsigned int enclu_eexit(struct hw_lp *lp, uint64_t *rcx_out)
{
	stat_enclu(lp->hw, SGX_EEXIT);
	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	*rcx_out = cur_tcs(lp)->exit_addr;
	leave(lp);
	return 0;
}

/*
 * EXITINFO (SDM "Layout of EXITINFO Field"): VALID only for exceptions
 * reported inside the enclave - #DE #DB #BP #BR #UD #MF #AC #XM always,
 * #PF and #GP when MISCSELECT.EXINFO is set; otherwise VECTOR and
 * EXIT_TYPE are cleared too. INT3 (#BP) is a software exception.
 */
static uint32_t exitinfo(bool exception, unsigned int vector, uint32_t miscselect)
{
	uint32_t type = SGX_EXITINFO_TYPE_HW;

	if (!exception)
		return 0;
	switch (vector) {
	case X86_TRAP_BP:
		type = SGX_EXITINFO_TYPE_SW;
		break;
	case X86_TRAP_DE:
	case X86_TRAP_DB:
	case 5:         /* #BR */
	case X86_TRAP_UD:
	case 16:        /* #MF */
	case 17:        /* #AC */
	case 19:        /* #XM */
		break;
	case X86_TRAP_PF:
	case X86_TRAP_GP:
		if (miscselect & SGX_MISC_EXINFO)
			break;
		return 0;
	default:
		return 0;
	}
	return SGX_EXITINFO_VALID | type << SGX_EXITINFO_TYPE_SHIFT | (vector & SGX_EXITINFO_VECTOR_MASK);
}

/**
 * enclu_aex() - Asynchronous Enclave Exit (SDM 40.4 "AEX Flow").
 * @lp: a logical processor in enclave mode.
 * @gprs: the interrupted enclave state (GPRs, RFLAGS, RIP, FS/GS bases);
 *        its URSP/URBP/EXITINFO are ignored.
 * @xsave, @xsave_len: the enclave's XSAVE image (standard format), saved
 *        at offset 0 of the frame, at most the enclave's XSAVE size.
 * @exception: the event is an exception (false: interrupt, signal, IPI).
 * @vector, @errcd, @maddr: the exception; EXINFO gets MADDR (#PF only)
 *        and ERRCD when MISCSELECT.EXINFO and @vector is #PF or #GP.
 * @out: synthetic state: RAX = ERESUME, RBX = TCS, RCX = RIP = AEP,
 *       RSP/RBP = URSP/URBP of the frame.
 *
 * Saves into SSA[CSSA] through the pages EENTER/ERESUME resolved, CSSA++,
 * the TCS becomes INACTIVE and the LP leaves enclave mode.
 * Context: async-signal safe.
 * Return: 0; SGX_FAULT_GP outside enclave mode (a runtime bug).
 */
unsigned int enclu_aex(struct hw_lp *lp, const struct sgx_gprsgx *gprs, const void *xsave,
		       uint32_t xsave_len, bool exception, unsigned int vector, uint32_t errcd,
		       uint64_t maddr, struct hw_aex *out)
{
	const struct sgx_secs *secs;
	struct sgx_gprsgx *g;
	struct sgx_tcs *tcs;
	uint64_t ursp, urbp;

	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	secs = epc_va(lp->hw, lp->secs_index);
	tcs = cur_tcs(lp);
	g = lp->ssa_gpr;
	ursp = g->ursp;
	urbp = g->urbp;

	if (xsave)
		xsave_save(lp->ssa_xsave, xsave,
			   xsave_len < lp->xsave_size ? xsave_len : lp->xsave_size);
	*g = *gprs;
	g->ursp = ursp;
	g->urbp = urbp;
	g->exitinfo = exitinfo(exception, vector, secs->miscselect);
	g->reserved_0xa4 = 0;
	if (lp->ssa_exinfo && exception && (vector == X86_TRAP_PF || vector == X86_TRAP_GP)) {
		lp->ssa_exinfo->maddr = vector == X86_TRAP_PF ? maddr : 0;
		/* "U/S: always set to 1 (user mode reference)". */
		lp->ssa_exinfo->errcd = vector == X86_TRAP_PF ? errcd | X86_PF_USER : errcd;
		lp->ssa_exinfo->reserved_0x0c = 0;
	}
	tcs->ssa_index++;

	out->rax = SGX_ERESUME;
	out->rbx = lp->tcs_lin;
	out->rcx = tcs->exit_addr;
	out->rip = tcs->exit_addr;
	out->rsp = ursp;
	out->rbp = urbp;
	leave(lp);
	return 0;
}

/**
 * enclu_edeccssa() - ENCLU[EDECCSSA] (AEX-Notify): make frame CSSA-1 the
 * current SSA frame without leaving the enclave.
 * @lp: a logical processor in enclave mode.
 *
 * The frame is checked like EENTER's; the next AEX saves into it. Its
 * URSP/URBP stay as the EENTER/ERESUME that last wrote them left them.
 * Context: async-signal safe.
 * Return: 0; SGX_FAULT_UD without AEX-Notify; SGX_FAULT_GP outside enclave
 * mode, for CSSA == 0 or a TCS another leaf works on; SGX_FAULT_PF when a
 * page of the frame is not usable.
 */
unsigned int enclu_edeccssa(struct hw_lp *lp)
{
	struct hw_platform *hw = lp->hw;
	const struct sgx_secs *secs;
	struct ssa_frame f;
	struct sgx_tcs *tcs;
	unsigned int ret;

	stat_enclu(hw, SGX_EDECCSSA);
	if (!hw->cfg.aex_notify)
		return SGX_FAULT_UD;
	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	if (!epc_trylock(hw, lp->tcs_index))
		return SGX_FAULT_GP;
	tcs = cur_tcs(lp);
	secs = epc_va(hw, lp->secs_index);
	if (tcs->ssa_index == 0) {
		ret = SGX_FAULT_GP;
		goto out_unlock;
	}
	ret = ssa_resolve(lp, secs, lp->secs_index, tcs, tcs->ssa_index - 1, lp->xsave_size, &f);
	if (ret)
		goto out_unlock;
	tcs->ssa_index--;
	ssa_commit(lp, &f, lp->xsave_size);
out_unlock:
	epc_unlock(hw, lp->tcs_index);
	return ret;
}

bool hw_lp_fault_blocked(struct hw_lp *lp)
{
	uint8_t *host;
	uint64_t idx;

	if (!(lp->fault_code & X86_PF_SGX))
		return false;
	/* No longer mapped: the reclaimer zapped it after EBLOCK. Also transient. */
	if (lp_translate(lp, lp->fault_addr, HW_ACC_READ, &host, &idx))
		return true;
	return idx != HW_EPC_NONE && (epcm_flags(lp->hw, idx) & EPCM_BLOCKED);
}
