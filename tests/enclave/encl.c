// SPDX-License-Identifier: MIT
/*
 * The runtime tests' enclave: one entry point, a call per struct encl_op.
 * Freestanding; everything it touches outside ELRANGE is the host's op.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wmmintrin.h>

#include "sgx_arch.h"
#include "rt_encl.h"
#include "enclave_aes.h"

#define ENCLU_EREPORT 0
#define ENCLU_EGETKEY 1
#define ENCLU_EACCEPT 5
#define ENCLU_EMODPE  6

extern uint8_t ssa[];

static uint64_t buffer;
static uint64_t counter[ENCL_NR_TCS];
/* Per TCS: bytes the CSSA = 1 handler skips in the interrupted frame (0: report only). */
static volatile uint64_t fix_skip[ENCL_NR_TCS];

static struct sgx_secinfo secinfo __attribute__((aligned(64)));
static struct sgx_targetinfo targetinfo;
static struct sgx_report report;
static uint8_t reportdata[64] __attribute__((aligned(128)));
static struct sgx_keyrequest keyrequest;
static uint8_t key[16] __attribute__((aligned(16)));

uint64_t encl_main(struct encl_op *op, uint64_t tcs, uint64_t cssa);

static uint64_t enclu(uint64_t leaf, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
	uint64_t rax = leaf;

	__asm__ volatile("enclu" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory");
	return rax;
}

/* The CSSA = 1 entry: look at SSA[0] of this TCS, fix it up if asked. */
static void handler(struct encl_op *op, uint64_t tcs)
{
	uint8_t *frame = ssa + tcs * ENCL_NSSA * 4096;
	struct sgx_gprsgx *g = (struct sgx_gprsgx *)(frame + 4096 - sizeof(*g));
	struct sgx_exinfo *x = (struct sgx_exinfo *)((uint8_t *)g - sizeof(*x));

	op->ret[0] = g->exitinfo;
	op->ret[1] = g->rip;
	op->ret[2] = x->maddr;
	op->ret[3] = x->errcd;
	op->ret[4] = g->rsp;
	if (fix_skip[tcs]) {
		g->rip += fix_skip[tcs];
		g->rax = ENCL_HANDLED_RAX;
		fix_skip[tcs] = 0;
	}
}

static uint64_t verify_report(const struct sgx_report *in, uint64_t *status)
{
	uint8_t mac[16];
	uint64_t diff = 0;

	memcpy(&report, in, sizeof(report));
	memset(&keyrequest, 0, sizeof(keyrequest));
	keyrequest.key_name = SGX_KEYSELECT_REPORT;
	memcpy(keyrequest.key_id, report.key_id, sizeof(keyrequest.key_id));
	*status = enclu(ENCLU_EGETKEY, (uint64_t)&keyrequest, (uint64_t)key, 0);
	if (*status)
		return 0;
	aes_cmac(key, (const uint8_t *)&report.body, sizeof(report.body), mac);
	memset(key, 0, sizeof(key));
	for (unsigned int i = 0; i < 16; i++)
		diff |= mac[i] ^ report.mac[i];
	return diff == 0;
}

uint64_t encl_main(struct encl_op *op, uint64_t tcs, uint64_t cssa)
{
	uint64_t v;

	if (cssa) {
		if (op->op == ENCL_OP_HANDLER)
			handler(op, tcs);
		return 0;
	}
	switch (op->op) {
	case ENCL_OP_PUT:
		buffer = op->arg[0];
		break;
	case ENCL_OP_GET:
		op->ret[0] = buffer;
		break;
	case ENCL_OP_COUNT:
		op->ret[0] = ++counter[tcs];
		break;
	case ENCL_OP_SPIN:
		*(volatile uint64_t *)op->arg[0] = 1;
		while (!*(volatile uint64_t *)op->arg[1])
			__asm__ volatile("pause");
		break;
	case ENCL_OP_FSGS:
		__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
		op->ret[0] = v;
		__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
		op->ret[1] = v;
		op->ret[2] = tcs;
		break;
	case ENCL_OP_READ:
		op->ret[0] = *(volatile uint64_t *)op->arg[0];
		break;
	case ENCL_OP_WRITE:
		*(volatile uint64_t *)op->arg[0] = op->arg[1];
		break;
	case ENCL_OP_FAULT_FIX:
		/* mov (%rdi), %rax is 3 bytes: the handler skips it and sets RAX. */
		fix_skip[tcs] = 3;
		__asm__ volatile("mov (%%rdi), %%rax" : "=a"(v) : "D"(op->arg[0]) : "memory");
		op->ret[0] = v;
		break;
	case ENCL_OP_EACCEPT:
		secinfo.flags = op->arg[0];
		op->ret[0] = enclu(ENCLU_EACCEPT, (uint64_t)&secinfo, op->arg[1], 0);
		break;
	case ENCL_OP_EMODPE:
		secinfo.flags = op->arg[0];
		enclu(ENCLU_EMODPE, (uint64_t)&secinfo, op->arg[1], 0);
		break;
	case ENCL_OP_EREPORT:
		memcpy(&targetinfo, (const void *)op->arg[0], sizeof(targetinfo));
		memcpy(reportdata, (const void *)op->arg[1], sizeof(reportdata));
		enclu(ENCLU_EREPORT, (uint64_t)&targetinfo, (uint64_t)reportdata, (uint64_t)&report);
		memcpy((void *)op->arg[2], &report, sizeof(report));
		break;
	case ENCL_OP_VERIFY_REPORT:
		op->ret[0] = verify_report((const struct sgx_report *)op->arg[0], &op->ret[1]);
		break;
	case ENCL_OP_CPUID:
		v = 0x12;
		__asm__ volatile("cpuid" : "+a"(v) : : "rbx", "rcx", "rdx");
		op->ret[0] = v;
		break;
	case ENCL_OP_COMPUTE:
		op->ret[0] = encl_compute(op->arg[0], op->arg[1]);
		break;
	case ENCL_OP_PATTERN: {
		volatile uint64_t *p = (volatile uint64_t *)op->arg[0];
		uint64_t n = op->arg[1] / 8, bad = 0;

		for (uint64_t i = 0; i < n; i += 8) {
			uint64_t want = encl_pattern((uint64_t)&p[i], op->arg[2]);

			if (!op->arg[3])
				p[i] = want;
			else
				bad += p[i] != want;
		}
		op->ret[0] = bad;
		break;
	}
	case ENCL_OP_SELF_ADDR:
		op->ret[0] = (uint64_t)&buffer;
		op->ret[1] = (uint64_t)&op->op;
		break;
	default:
		break;
	}
	return 0;
}
