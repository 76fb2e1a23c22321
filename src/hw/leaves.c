// SPDX-License-Identifier: MIT
/*
 * Register-level ENCLS entry and the leaf/error name tables, generated from
 * the X-macro lists in arch/.
 */
#include <stddef.h>

#include "encls.h"
#include "hw_internal.h"

static const char *const encls_names[SGX_ENCLS_NR_LEAVES] = {
#define LEAF_NAME(name, nr) [nr] = #name,
	SGX_ENCLS_LEAVES(LEAF_NAME)
};

static const char *const enclu_names[SGX_ENCLU_NR_LEAVES] = {
	SGX_ENCLU_LEAVES(LEAF_NAME)
#undef LEAF_NAME
};

const char *hw_encls_name(unsigned int leaf)
{
	if (leaf >= SGX_ENCLS_NR_LEAVES || !encls_names[leaf])
		return "?";
	return encls_names[leaf];
}

const char *hw_enclu_name(unsigned int leaf)
{
	if (leaf >= SGX_ENCLU_NR_LEAVES || !enclu_names[leaf])
		return "?";
	return enclu_names[leaf];
}

const char *hw_sgx_error_name(unsigned int code)
{
	switch (code) {
#define ERROR_NAME(name, value) case value: return #name;
	SGX_ERRORS(ERROR_NAME)
#undef ERROR_NAME
	}
	if (SGX_ENCLS_FAULTED(code)) {
		switch (SGX_ENCLS_TRAPNR(code)) {
		case X86_TRAP_GP: return "#GP";
		case X86_TRAP_PF: return "#PF";
		case X86_TRAP_UD: return "#UD";
		}
		return "#fault";
	}
	return "SGX_UNKNOWN";
}

static void *ptr(uint64_t reg)
{
	return (void *)(uintptr_t)reg;
}

/*
 * Operand registers per SDM Table 40-1 ("ENCLS leaf operands"):
 * RBX carries PAGEINFO/SIGSTRUCT/SECINFO/data, RCX the EPC page,
 * RDX the EINITTOKEN or VA slot.
 */
unsigned int hw_encls(struct hw_platform *hw, unsigned int leaf, uint64_t rbx, uint64_t rcx,
		      uint64_t rdx, uint64_t *rbx_out)
{
	uint64_t data = rbx;
	unsigned int ret;

	switch (leaf) {
	case SGX_ECREATE: ret = encls_ecreate(hw, ptr(rbx), ptr(rcx)); break;
	case SGX_EADD:    ret = encls_eadd(hw, ptr(rbx), ptr(rcx)); break;
	case SGX_EINIT:   ret = encls_einit(hw, ptr(rbx), ptr(rdx), ptr(rcx)); break;
	case SGX_EREMOVE: ret = encls_eremove(hw, ptr(rcx)); break;
	case SGX_EDBGRD:  ret = encls_edbgrd(hw, ptr(rcx), &data); break;
	case SGX_EDBGWR:  ret = encls_edbgwr(hw, ptr(rcx), rbx); break;
	case SGX_EEXTEND: ret = encls_eextend(hw, ptr(rbx), ptr(rcx)); break;
	case SGX_ELDB:    ret = encls_eldb(hw, ptr(rbx), ptr(rcx), ptr(rdx)); break;
	case SGX_ELDU:    ret = encls_eldu(hw, ptr(rbx), ptr(rcx), ptr(rdx)); break;
	case SGX_EBLOCK:  ret = encls_eblock(hw, ptr(rcx)); break;
	case SGX_EPA:
		/* RBX must name the page type being created: PT_VA. */
		ret = rbx == SGX_PT_VA ? encls_epa(hw, ptr(rcx)) : SGX_FAULT_GP;
		break;
	case SGX_EWB:     ret = encls_ewb(hw, ptr(rbx), ptr(rcx), ptr(rdx)); break;
	case SGX_ETRACK:  ret = encls_etrack(hw, ptr(rcx)); break;
	case SGX_EAUG:    ret = encls_eaug(hw, ptr(rbx), ptr(rcx)); break;
	case SGX_EMODPR:  ret = encls_emodpr(hw, ptr(rbx), ptr(rcx)); break;
	case SGX_EMODT:   ret = encls_emodt(hw, ptr(rbx), ptr(rcx)); break;
	default:          ret = SGX_FAULT_GP; break;
	}
	if (rbx_out)
		*rbx_out = data;
	return ret;
}
