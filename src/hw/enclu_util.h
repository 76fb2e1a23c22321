/* SPDX-License-Identifier: MIT */
/*
 * What the ENCLU leaf files (lp.c, enclu_keys.c, enclu_edmm.c) share: the
 * walk from a linear address to a host address and an EPC page, the EPCM
 * checks of SDM 37.5 ("access-control requirements") and the #PF error
 * codes they raise. Private to hw/.
 */
#ifndef SGXEMU_HW_ENCLU_UTIL_H
#define SGXEMU_HW_ENCLU_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "hw_internal.h"
#include "lp.h"

/* Low 48 bits sign-extended: what a 4-level-paging CPU accepts. */
static inline bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static inline bool is_aligned(uint64_t a, uint64_t n)
{
	return (a & (n - 1)) == 0;
}

static inline bool lp_in_elrange(const struct hw_lp *lp, uint64_t lin)
{
	return lin >= lp->encl_base && lin - lp->encl_base < lp->encl_size;
}

/* lp_pf() - raise #PF(@code) at @lin: recorded in the LP for the runtime. */
static inline unsigned int lp_pf(struct hw_lp *lp, uint64_t lin, uint32_t code)
{
	lp->fault_addr = lin;
	lp->fault_code = code;
	return SGX_FAULT_PF;
}

/*
 * The error code of an access refused by SGX access control rather than by
 * the page tables: present, user, PF_SGX, plus the access type (SDM
 * "Page Fault Error Codes" table: U/S is always 1 for enclave accesses).
 * A write is 0x8007, a read 0x8005.
 */
static inline uint32_t sgx_pf_code(unsigned int access)
{
	uint32_t code = X86_PF_SGX | X86_PF_USER | X86_PF_PROT;

	if (access & HW_ACC_WRITE)
		code |= X86_PF_WRITE;
	if (access & HW_ACC_EXEC)
		code |= X86_PF_INSTR;
	return code;
}

/*
 * epcm_reg_ok() - the checks every enclave data access and every leaf
 * memory operand makes: valid, not blocked, a REG page of the enclave
 * whose SECS is @secs_idx, mapped at the page of @lin, neither PENDING nor
 * MODIFIED, and with every permission in @perm (EPCM_R/W/X).
 */
static inline bool epcm_reg_ok(const struct hw_platform *hw, uint64_t idx, uint64_t lin,
			       uint64_t secs_idx, uint8_t perm)
{
	const struct epcm_entry *e = &hw->epcm[idx];
	uint8_t f = epcm_flags(hw, idx);        /* one load: no page lock held */

	return (f & (EPCM_VALID | EPCM_BLOCKED | EPCM_PENDING | EPCM_MODIFIED)) == EPCM_VALID &&
	       e->page_type == SGX_PT_REG && e->secs == secs_idx &&
	       e->linaddr == (lin & SGX_PAGE_MASK) && (f & perm) == perm;
}

/* EPCM permissions an access of type @access (HW_ACC_*) needs. */
static inline uint8_t acc_perm(unsigned int access)
{
	return (uint8_t)(((access & HW_ACC_READ) ? EPCM_R : 0) |
			 ((access & HW_ACC_WRITE) ? EPCM_W : 0) |
			 ((access & HW_ACC_EXEC) ? EPCM_X : 0));
}

/*
 * lp_translate() - the page-table walk: *@host is the host address of the
 * byte at @lin, *@index its EPC page or HW_EPC_NONE outside the EPC.
 * Return: 0, or SGX_FAULT_PF with the walker's error code.
 */
unsigned int lp_translate(struct hw_lp *lp, uint64_t lin, unsigned int access, uint8_t **host,
			  uint64_t *index);

/*
 * lp_operand() - a memory operand of an in-enclave leaf (EREPORT, EGETKEY,
 * EACCEPT's SECINFO...): #GP(0) unless @align-aligned and inside ELRANGE,
 * then the page walk and the EPCM checks of epcm_reg_ok() for @access
 * (#PF). The operand must not cross a page: its alignment guarantees it.
 * Context: in enclave mode.
 */
unsigned int lp_operand(struct hw_lp *lp, uint64_t lin, uint64_t align, unsigned int access,
			void **host);

#endif /* SGXEMU_HW_ENCLU_UTIL_H */
