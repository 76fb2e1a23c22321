/* SPDX-License-Identifier: MIT */
/*
 * ENCLS leaves of the emulated CPU, one function per leaf with the operands
 * the instruction takes in RBX/RCX/RDX (the shapes of the kernel's encls.h
 * wrappers). EPC operands are PRM-view addresses (hw_epc_page()); other
 * pointers are host memory the caller (the driver, i.e. ring 0) vouches for.
 *
 * Every leaf performs the SDM's checks in the SDM's order and returns:
 *   0                                   success
 *   SGX_* (enum sgx_return_code)        the leaf's error code (RAX, ZF=1)
 *   SGX_ENCLS_FAULT_FLAG | vector       the instruction faulted (#GP, #PF)
 * Nothing a caller passes makes a leaf abort.
 */
#ifndef SGXEMU_HW_ENCLS_H
#define SGXEMU_HW_ENCLS_H

#include <stdint.h>

#include "platform.h"

/* Build (encls_build.c) */
unsigned int encls_ecreate(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *secs);
unsigned int encls_eadd(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc);
unsigned int encls_eextend(struct hw_platform *hw, void *secs, void *chunk);
unsigned int encls_einit(struct hw_platform *hw, const struct sgx_sigstruct *sigstruct,
			 const struct sgx_einittoken *token, void *secs);
unsigned int encls_eremove(struct hw_platform *hw, void *epc);

/* Debug (encls_debug.c): 8 bytes at an 8-byte aligned EPC address of a DEBUG enclave. */
unsigned int encls_edbgrd(struct hw_platform *hw, void *addr, uint64_t *data);
unsigned int encls_edbgwr(struct hw_platform *hw, void *addr, uint64_t data);

/* Paging (encls_paging.c) */
unsigned int encls_epa(struct hw_platform *hw, void *epc);
unsigned int encls_eblock(struct hw_platform *hw, void *epc);
unsigned int encls_etrack(struct hw_platform *hw, void *secs);
/* pginfo: addr = 0, secs = 0, contents = backing page, metadata = PCMD. */
unsigned int encls_ewb(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
		       void *va_slot);
/* pginfo: addr = linear address, secs = SECS EPC address (0 for a SECS),
 * contents = backing page, metadata = PCMD. */
unsigned int encls_eldu(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
			void *va_slot);
unsigned int encls_eldb(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc,
			void *va_slot);

/* SGX2 (encls_sgx2.c); SGX_FAULT_UD when the platform is SGX1-only. */
unsigned int encls_eaug(struct hw_platform *hw, const struct sgx_pageinfo *pginfo, void *epc);
unsigned int encls_emodpr(struct hw_platform *hw, const struct sgx_secinfo *secinfo, void *epc);
unsigned int encls_emodt(struct hw_platform *hw, const struct sgx_secinfo *secinfo, void *epc);

/**
 * hw_encls() - register-level entry: execute ENCLS with EAX = @leaf and the
 * given RBX/RCX/RDX, as a trapped ENCLS instruction would. @rbx_out receives
 * RBX after the leaf (EDBGRD's data). Unknown leaves fault with #GP(0).
 */
unsigned int hw_encls(struct hw_platform *hw, unsigned int leaf, uint64_t rbx, uint64_t rcx,
		      uint64_t rdx, uint64_t *rbx_out);

/** hw_encls_name() / hw_enclu_name() - "EADD", ...; "?" for unknown. */
const char *hw_encls_name(unsigned int leaf);
const char *hw_enclu_name(unsigned int leaf);
/** hw_sgx_error_name() - "SGX_NOT_TRACKED", ...; "SGX_UNKNOWN" otherwise. */
const char *hw_sgx_error_name(unsigned int code);

#endif /* SGXEMU_HW_ENCLS_H */
