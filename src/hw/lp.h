/* SPDX-License-Identifier: MIT */
/*
 * Logical processors and the ENCLU leaves (SDM Vol. 3D ch. 40 and 41).
 *
 * The runtime owns the actual registers and control flow; these functions
 * are the architectural effect of each leaf over an explicit "current
 * logical processor" (struct hw_lp): TCS and SSA state, checks, keys, EPCM
 * updates. The runtime traps ENCLU, calls the function and loads the
 * registers it is told to.
 *
 * Linear addresses are turned into host pointers by the LP's translate
 * callback (the page tables: the driver's business). A translated address
 * inside the EPC is then checked against the EPCM as hardware does.
 *
 * Return convention as for ENCLS: 0, an SGX_* code (for leaves that report
 * errors in RAX), or SGX_ENCLS_FAULT_FLAG | vector; for #PF the LP's
 * fault_addr/fault_code say where and why (X86_PF_* bits, X86_PF_SGX for an
 * EPCM violation).
 */
#ifndef SGXEMU_HW_LP_H
#define SGXEMU_HW_LP_H

#include <stdbool.h>
#include <stdint.h>

#include "platform.h"

#define HW_ACC_READ  1u
#define HW_ACC_WRITE 2u
#define HW_ACC_EXEC  4u

/*
 * Translate linear address @lin for an access of type @access (HW_ACC_*).
 * Return: 0 with *@pa = host address of the byte, or a non-zero x86 #PF
 * error code (X86_PF_* bits) when the page tables refuse.
 * Context: may run in a signal handler; must not take locks a normal path
 * can hold or allocate.
 */
typedef uint32_t (*hw_translate_fn)(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa);

struct hw_encl;

/*
 * Pages of an SSA frame's XSAVE area the LP keeps resolved while inside:
 * enough for every XSAVE component up to AMX (x87/SSE ... XTILEDATA end at
 * 11008 bytes, three pages at most).
 */
#define HW_LP_XSAVE_PAGES 3

struct hw_lp {
	struct hw_platform *hw;
	hw_translate_fn translate;
	void *translate_ctx;
	unsigned int id;                /* free for the runtime (traces); 0 from init */

	/* Enclave mode state, valid while in_enclave. */
	bool in_enclave;
	uint64_t tcs_lin;               /* linear address of the current TCS */
	uint64_t tcs_index;             /* its EPC page */
	uint64_t secs_index;
	struct hw_encl *encl;
	uint64_t encl_base, encl_size;  /* ELRANGE */
	uint64_t aep;                   /* from EENTER/ERESUME RCX (also in TCS.AEP) */
	uint64_t entry_epoch;           /* ETRACK bookkeeping */

	/*
	 * The current SSA frame (TCS.CSSA), resolved and checked by EENTER,
	 * ERESUME and EDECCSSA: the SDM's CR_XSAVE_PAGE_n and CR_GPR_PA. AEX
	 * writes through these, never through the page tables, so it cannot
	 * fault; the pages cannot be evicted meanwhile because EWB needs an
	 * ETRACK that this LP, still counted in its entry epoch, holds up.
	 */
	uint8_t *ssa_xsave[HW_LP_XSAVE_PAGES];  /* host addresses, page by page */
	unsigned int ssa_xsave_pages;
	uint32_t xsave_size;            /* XSAVE area size for SECS.ATTRIBUTES.XFRM */
	struct sgx_gprsgx *ssa_gpr;     /* GPRSGX of the current frame */
	struct sgx_exinfo *ssa_exinfo;  /* MISC.EXINFO below it, NULL unless MISCSELECT.EXINFO */

	/* Details of the last #PF a leaf raised. */
	uint64_t fault_addr;
	uint32_t fault_code;
};

/** hw_lp_init() - set up @lp on @hw with its address translation. */
void hw_lp_init(struct hw_lp *lp, struct hw_platform *hw, hw_translate_fn translate, void *ctx);

/* Register state handed between the runtime and EENTER/ERESUME/EEXIT/AEX. */
struct hw_enter {
	uint64_t rip;                   /* EENTER: BASEADDR + OENTRY; ERESUME: SSA.RIP */
	uint64_t rax;                   /* EENTER: CSSA */
	uint64_t fsbase, gsbase;        /* BASEADDR + OFSBASE/OGSBASE, or SSA values */
	uint64_t xfrm;                  /* SECS.ATTRIBUTES.XFRM: the ERESUME XRSTOR mask */
	struct sgx_gprsgx gprs;         /* ERESUME: the whole restored frame */
};

struct hw_aex {
	uint64_t rax, rbx, rcx, rsp, rbp, rip;  /* synthetic state: 3, TCS, AEP, URSP, URBP, AEP */
};

/**
 * enclu_eenter() - EENTER on TCS @tcs_lin with RCX = @aep.
 * @ursp, @urbp: outside RSP/RBP, saved in SSA[CSSA] for AEX.
 * Checks the TCS (EPCM type, state, busy -> #GP), CSSA < NSSA, the SSA frame
 * and the enclave's INIT state; marks the TCS busy and enters enclave mode.
 */
unsigned int enclu_eenter(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, uint64_t ursp,
			  uint64_t urbp, struct hw_enter *out);

/**
 * enclu_eresume() - ERESUME: like EENTER but requires CSSA > 0 and restores
 * the frame SSA[CSSA-1] (GPRSGX into @out->gprs, XSAVE image into @xsave,
 * @xsave_len bytes), CSSA--. Like EENTER it records @ursp/@urbp (in the
 * frame that becomes current) and the AEP for the next AEX.
 */
unsigned int enclu_eresume(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, uint64_t ursp,
			   uint64_t urbp, struct hw_enter *out, void *xsave, uint32_t xsave_len);

/**
 * enclu_eexit() - leave enclave mode; TCS no longer busy. RCX := AEP (out).
 * The runtime checks that the target (RBX) is canonical (#GP(0) otherwise)
 * before calling: the target is its business, not the leaf state's.
 */
unsigned int enclu_eexit(struct hw_lp *lp, uint64_t *rcx_out);

/**
 * enclu_aex() - Asynchronous Enclave Exit: save @gprs (with RIP/RFLAGS/FS/GS
 * of the interrupted enclave code) and @xsave into SSA[CSSA]; EXITINFO from
 * @vector when @exception (0 for interrupts), MISC.EXINFO (@maddr, @errcd)
 * for #PF/#GP when MISCSELECT asks for it; CSSA++; leave enclave mode.
 * @out gets the synthetic register state.
 */
unsigned int enclu_aex(struct hw_lp *lp, const struct sgx_gprsgx *gprs, const void *xsave,
		       uint32_t xsave_len, bool exception, unsigned int vector, uint32_t errcd,
		       uint64_t maddr, struct hw_aex *out);

/**
 * hw_lp_access() - the CPU's access control for an enclave-mode data access
 * (SDM 37.5 / 40.5): inside ELRANGE the address must resolve to an EPC page
 * of this enclave whose EPCM entry is a valid, unblocked REG page at that
 * linear address, neither PENDING nor MODIFIED, with the permission asked
 * for; outside ELRANGE it must not resolve to the EPC.
 * @lp: a logical processor in enclave mode.
 * @lin: linear address.
 * @access: HW_ACC_READ, HW_ACC_WRITE or HW_ACC_EXEC.
 * @host: host address of the byte at @lin.
 *
 * The runtime uses it to classify a fault taken by enclave code; the leaves
 * use it for their memory operands.
 * Context: async-signal safe if the translate callback is.
 * Return: 0; SGX_FAULT_GP outside enclave mode; SGX_FAULT_PF with
 * lp->fault_addr = @lin and lp->fault_code the page-table error code, or
 * X86_PF_SGX|USER|PROT (|WRITE|INSTR) for an EPCM refusal (0x8007 for a
 * denied write, 0x8005 for a read of a TRIM page).
 */
unsigned int hw_lp_access(struct hw_lp *lp, uint64_t lin, unsigned int access, void **host);

/**
 * hw_lp_fault_blocked() - was the #PF a leaf just raised (at lp->fault_addr)
 * an EPCM refusal of a BLOCKED page? That state is transient - the page is
 * on its way out (EBLOCK, then EWB) - so the caller may retry once it is
 * gone rather than report the fault. Also true when the page no longer
 * translates at all (zapped since): the retry will tell.
 * Context: async-signal safe if the translate callback is.
 */
bool hw_lp_fault_blocked(struct hw_lp *lp);

/* In-enclave leaves; SGX_FAULT_UD/GP as the SDM says when not in enclave mode. */
unsigned int enclu_ereport(struct hw_lp *lp, uint64_t targetinfo, uint64_t reportdata,
			   uint64_t report);
unsigned int enclu_egetkey(struct hw_lp *lp, uint64_t keyrequest, uint64_t key_out);
unsigned int enclu_eaccept(struct hw_lp *lp, uint64_t secinfo, uint64_t page);
unsigned int enclu_eacceptcopy(struct hw_lp *lp, uint64_t secinfo, uint64_t page,
			       uint64_t src);
unsigned int enclu_emodpe(struct hw_lp *lp, uint64_t secinfo, uint64_t page);
unsigned int enclu_edeccssa(struct hw_lp *lp);

#endif /* SGXEMU_HW_LP_H */
