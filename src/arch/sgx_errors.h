/* SPDX-License-Identifier: MIT */
/*
 * SGX leaf return codes (SDM Vol. 3D, "Error Codes" table of the ENCLS and
 * ENCLU leaves) and the fault encoding the Linux driver uses for ENCLS.
 *
 * A leaf returns 0, one of these positive codes in RAX (RFLAGS.ZF set on
 * hardware), or, when the instruction itself faults, the trap number ORed
 * with SGX_ENCLS_FAULT_FLAG - exactly what arch/x86/kernel/cpu/sgx/encls.h
 * hands to its callers.
 */
#ifndef SGXEMU_ARCH_SGX_ERRORS_H
#define SGXEMU_ARCH_SGX_ERRORS_H

#define SGX_ERRORS(X)                                \
	X(SGX_SUCCESS,                  0)           \
	X(SGX_INVALID_SIG_STRUCT,       1)           \
	X(SGX_INVALID_ATTRIBUTE,        2)           \
	X(SGX_BLKSTATE,                 3)           \
	X(SGX_INVALID_MEASUREMENT,      4)           \
	X(SGX_NOTBLOCKABLE,             5)           \
	X(SGX_PG_INVLD,                 6)           \
	X(SGX_EPC_PAGE_CONFLICT,        7)           \
	X(SGX_INVALID_SIGNATURE,        8)           \
	X(SGX_MAC_COMPARE_FAIL,         9)           \
	X(SGX_PAGE_NOT_BLOCKED,         10)          \
	X(SGX_NOT_TRACKED,              11)          \
	X(SGX_VA_SLOT_OCCUPIED,         12)          \
	X(SGX_CHILD_PRESENT,            13)          \
	X(SGX_ENCLAVE_ACT,              14)          \
	X(SGX_ENTRYEPOCH_LOCKED,        15)          \
	X(SGX_INVALID_EINITTOKEN,       16)          \
	X(SGX_PREV_TRK_INCMPL,          17)          \
	X(SGX_PG_IS_SECS,               18)          \
	X(SGX_PAGE_ATTRIBUTES_MISMATCH, 19)          \
	X(SGX_PAGE_NOT_MODIFIABLE,      20)          \
	X(SGX_PAGE_NOT_DEBUGGABLE,      21)          \
	X(SGX_INVALID_COUNTER,          25)          \
	X(SGX_PG_NONEPC,                26)          \
	X(SGX_TRACK_NOT_REQUIRED,       27)          \
	X(SGX_INVALID_CPUSVN,           32)          \
	X(SGX_INVALID_ISVSVN,           64)          \
	X(SGX_UNMASKED_EVENT,           128)         \
	X(SGX_INVALID_KEYNAME,          256)

enum sgx_return_code {
#define SGX_ERROR_ENUM(name, value) name = (value),
	SGX_ERRORS(SGX_ERROR_ENUM)
#undef SGX_ERROR_ENUM
};

/* Bit 30 of a leaf result: the leaf faulted, bits 0..7 hold the vector. */
#define SGX_ENCLS_FAULT_FLAG 0x40000000u
#define SGX_ENCLS_FAULTED(r) (((r) & SGX_ENCLS_FAULT_FLAG) != 0)
#define SGX_ENCLS_TRAPNR(r)  ((r) & ~SGX_ENCLS_FAULT_FLAG)

/* x86 exception vectors the leaves raise. */
#define X86_TRAP_DE 0
#define X86_TRAP_DB 1
#define X86_TRAP_BP 3
#define X86_TRAP_UD 6
#define X86_TRAP_GP 13
#define X86_TRAP_PF 14

#define SGX_FAULT_GP (SGX_ENCLS_FAULT_FLAG | X86_TRAP_GP)
#define SGX_FAULT_PF (SGX_ENCLS_FAULT_FLAG | X86_TRAP_PF)
#define SGX_FAULT_UD (SGX_ENCLS_FAULT_FLAG | X86_TRAP_UD)

/* x86 page-fault error code bits (arch/x86/include/asm/trap_pf.h). */
#define X86_PF_PROT  (1u << 0)
#define X86_PF_WRITE (1u << 1)
#define X86_PF_USER  (1u << 2)
#define X86_PF_INSTR (1u << 4)
#define X86_PF_SGX   (1u << 15)

#endif /* SGXEMU_ARCH_SGX_ERRORS_H */
