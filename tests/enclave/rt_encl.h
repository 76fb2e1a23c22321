/* SPDX-License-Identifier: MIT */
/*
 * The runtime tests' enclave: its calls and layout, shared by the enclave
 * (tests/runtime/encl) and the host side. The host passes a struct
 * encl_op in RDI on every EENTER; the enclave answers in op->ret.
 *
 * Four TCS (pages 0-3), each with NSSA = 2 and its own FS and GS page, so
 * that a second entry (CSSA = 1) runs the first-phase exception handler
 * while the interrupted frame waits in SSA[0].
 */
#ifndef SGXEMU_TESTS_RT_ENCL_H
#define SGXEMU_TESTS_RT_ENCL_H

#include <stdint.h>

#define ENCL_NR_TCS       4
#define ENCL_NSSA         2
#define ENCL_FS_MARK(i)   (0xf5f5000000000000ull + (i))
#define ENCL_GS_MARK(i)   (0x6565000000000000ull + (i))
#define ENCL_HANDLED_RAX  0xdeadull         /* RAX the fixing handler puts in the frame */

enum encl_op_code {
	ENCL_OP_NOP,
	ENCL_OP_PUT,            /* buffer := arg[0] */
	ENCL_OP_GET,            /* ret[0] := buffer */
	ENCL_OP_COUNT,          /* ret[0] := ++counter[this TCS] */
	ENCL_OP_SPIN,           /* *arg[0] := 1, then wait until *arg[1] != 0 */
	ENCL_OP_FSGS,           /* ret[0] := %fs:0, ret[1] := %gs:0, ret[2] := TCS index */
	ENCL_OP_READ,           /* ret[0] := *(u64 *)arg[0] */
	ENCL_OP_WRITE,          /* *(u64 *)arg[0] := arg[1] */
	ENCL_OP_FAULT_FIX,      /* ret[0] := a read of arg[0] that the handler fixes up */
	ENCL_OP_HANDLER,        /* CSSA = 1 entries: see struct encl_exc; ret[] filled */
	ENCL_OP_EACCEPT,        /* ret[0] := EACCEPT(SECINFO.FLAGS = arg[0], page arg[1]) */
	ENCL_OP_EMODPE,         /* EMODPE(SECINFO.FLAGS = arg[0], page arg[1]) */
	ENCL_OP_EREPORT,        /* EREPORT(TARGETINFO *arg[0], REPORTDATA *arg[1]) -> *arg[2] */
	ENCL_OP_VERIFY_REPORT,  /* ret[0] := MAC of REPORT *arg[0] checks out; ret[1] := EGETKEY status */
	ENCL_OP_CPUID,          /* CPUID: #UD in an enclave */
	ENCL_OP_COMPUTE,        /* ret[0] := encl_compute(arg[0], arg[1]) */
	ENCL_OP_SELF_ADDR,      /* ret[0] := address of the enclave's buffer, ret[1] := of op code */
	ENCL_OP_PATTERN,        /* arg[0] addr, arg[1] bytes, arg[2] seed: write a pattern at
				 * every 8th word; with arg[3] != 0 check it instead:
				 * ret[0] := words that differ */
};

/* The word ENCL_OP_PATTERN writes at @addr for @seed. */
static inline uint64_t encl_pattern(uint64_t addr, uint64_t seed)
{
	uint64_t x = addr * 0x9e3779b97f4a7c15ull ^ seed;

	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ull;
}

struct encl_op {
	uint64_t op;
	uint64_t arg[6];
	uint64_t ret[6];
};

/*
 * A long, deterministic computation in general and SSE registers: signals
 * that interrupt it (AEX, ERESUME) must not change its result.
 */
typedef uint64_t encl_v2 __attribute__((vector_size(16)));

static inline uint64_t encl_compute(uint64_t rounds, uint64_t seed)
{
	encl_v2 a = { seed, ~seed }, b = { 0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull };
	uint64_t x = seed | 1;

	for (uint64_t i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a += b ^ (encl_v2){ x, i };
		b = (b << 1) | (b >> 63);
	}
	return x ^ a[0] ^ a[1] ^ b[0];
}

#endif /* SGXEMU_TESTS_RT_ENCL_H */
