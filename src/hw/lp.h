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

struct hw_lp {
	struct hw_platform *hw;
	hw_translate_fn translate;
	void *translate_ctx;
	unsigned int id;

	/* Enclave mode state, valid while in_enclave. */
	bool in_enclave;
	uint64_t tcs_lin;               /* linear address of the current TCS */
	uint64_t tcs_index;             /* its EPC page */
	uint64_t secs_index;
	struct hw_encl *encl;
	uint64_t encl_base, encl_size;  /* ELRANGE */
	uint64_t aep;                   /* from EENTER/ERESUME RCX */
	uint64_t entry_epoch;           /* ETRACK bookkeeping */

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
 * @xsave_len bytes), CSSA--.
 */
unsigned int enclu_eresume(struct hw_lp *lp, uint64_t tcs_lin, uint64_t aep, uint64_t ursp,
			   uint64_t urbp, struct hw_enter *out, void *xsave, uint32_t xsave_len);

/** enclu_eexit() - leave enclave mode; TCS no longer busy. RCX := AEP (out). */
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
