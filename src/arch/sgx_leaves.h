/* SPDX-License-Identifier: MIT */
/*
 * ENCLS and ENCLU leaf numbers (SDM Vol. 3D, chapters 38-40; the kernel's
 * enum sgx_encls_function and asm/enclu.h). X-macro lists so the enum, the
 * dispatch tables and the trace names come from one place.
 */
#ifndef SGXEMU_ARCH_SGX_LEAVES_H
#define SGXEMU_ARCH_SGX_LEAVES_H

/* ENCLS = 0f 01 cf */
#define SGX_ENCLS_LEAVES(X)  \
	X(ECREATE, 0x00)     \
	X(EADD,    0x01)     \
	X(EINIT,   0x02)     \
	X(EREMOVE, 0x03)     \
	X(EDBGRD,  0x04)     \
	X(EDBGWR,  0x05)     \
	X(EEXTEND, 0x06)     \
	X(ELDB,    0x07)     \
	X(ELDU,    0x08)     \
	X(EBLOCK,  0x09)     \
	X(EPA,     0x0a)     \
	X(EWB,     0x0b)     \
	X(ETRACK,  0x0c)     \
	X(EAUG,    0x0d)     \
	X(EMODPR,  0x0e)     \
	X(EMODT,   0x0f)

/* ENCLU = 0f 01 d7 */
#define SGX_ENCLU_LEAVES(X)  \
	X(EREPORT,     0x00) \
	X(EGETKEY,     0x01) \
	X(EENTER,      0x02) \
	X(ERESUME,     0x03) \
	X(EEXIT,       0x04) \
	X(EACCEPT,     0x05) \
	X(EMODPE,      0x06) \
	X(EACCEPTCOPY, 0x07) \
	X(EDECCSSA,    0x09)

enum sgx_encls_leaf {
#define SGX_LEAF_ENUM(name, nr) SGX_##name = (nr),
	SGX_ENCLS_LEAVES(SGX_LEAF_ENUM)
	SGX_ENCLS_NR_LEAVES = 0x10,
};

enum sgx_enclu_leaf {
	SGX_ENCLU_LEAVES(SGX_LEAF_ENUM)
#undef SGX_LEAF_ENUM
	SGX_ENCLU_NR_LEAVES = 0x0a,
};

/* Instruction encodings, for trap decoding. */
#define SGX_ENCLS_OPCODE "\x0f\x01\xcf"
#define SGX_ENCLU_OPCODE "\x0f\x01\xd7"

#endif /* SGXEMU_ARCH_SGX_LEAVES_H */
