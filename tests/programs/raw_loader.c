// SPDX-License-Identifier: MIT
/*
 * An SGX loader of the older kind, written only against Linux's interface:
 * /dev/sgx_enclave and its ioctls to build the enclave, then ENCLU[EENTER]
 * executed directly (no vDSO), with its own AEP and its own SIGSEGV handler
 * for asynchronous exits, as SDK runtimes before the vDSO did. Under
 * `sgxemu run` it must work as on SGX hardware.
 *
 * Usage: raw_loader ENCLAVE.elf SIGSTRUCT
 * (the runtime tests' enclave, tests/runtime/encl; SIGSTRUCT from `sgxemu sign`)
 *
 * Checks: ecalls through every TCS; an enclave read of an inaccessible page
 * arrives as SIGSEGV at the AEP with the synthetic registers, the handler
 * runs the enclave's own exception handler (a nested EENTER, CSSA = 1),
 * and returning from it resumes the enclave (ERESUME at the AEP), which
 * finishes the call with the value the enclave's handler put in place.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include "loader.h"
#include "rt_encl.h"

#define PAGE 4096ul

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "raw_loader: FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		failures++; \
	} \
} while (0)

/* ENCLU[EENTER] on @tcs with RDI = @op; the AEP is raw_aep (rt_call-like asm below). */
void raw_eenter(uint64_t tcs, struct encl_op *op);
extern const char raw_aep[];
__asm__(
	".text\n"
	".global raw_eenter\n"
	"raw_eenter:\n"
	"	push %r15\n	push %r14\n	push %r13\n	push %r12\n	push %rbx\n	push %rbp\n"
	"	mov %rdi, %rbx\n"
	"	mov %rsi, %rdi\n"
	"	lea raw_aep(%rip), %rcx\n"
	"	mov $2, %eax\n"
	"	enclu\n"
	"	pop %rbp\n	pop %rbx\n	pop %r12\n	pop %r13\n	pop %r14\n	pop %r15\n"
	"	ret\n"
	".global raw_aep\n"
	"raw_aep:\n"
	"	enclu\n"
	"	ud2\n");

static struct {
	uint64_t tcs;
	void *addr;
	uint64_t rip, rax, rbx;
	unsigned int calls;
	struct encl_op h;
} aex;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	aex.calls++;
	aex.addr = si->si_addr;
	aex.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	aex.rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	aex.rbx = (uint64_t)uc->uc_mcontext.gregs[REG_RBX];
	if (aex.rip != (uint64_t)(uintptr_t)raw_aep) {
		/* Not from the enclave: a real crash. */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	memset(&aex.h, 0, sizeof(aex.h));
	aex.h.op = ENCL_OP_HANDLER;
	raw_eenter(aex.tcs, &aex.h);
}

int main(int argc, char **argv)
{
	struct loader_enclave enc;
	struct sigaction sa;
	struct encl_op op;
	uint64_t base;
	void *noaccess;
	unsigned int i;

	if (argc != 3) {
		fprintf(stderr, "usage: raw_loader ENCLAVE.elf SIGSTRUCT\n");
		return 2;
	}
	/* Built as any loader builds it (examples/hello/loader.c): only the entry differs. */
	if (loader_build(argv[1], argv[2], 0, &enc))
		return 2;
	base = enc.base;

	/* ecalls through every TCS */
	for (i = 0; i < ENCL_NR_TCS; i++) {
		memset(&op, 0, sizeof(op));
		op.op = ENCL_OP_FSGS;
		raw_eenter(base + i * PAGE, &op);
		CHECK(op.ret[0] == ENCL_FS_MARK(i) && op.ret[2] == i, "TCS %u: FS %#llx", i,
		      (unsigned long long)op.ret[0]);
	}
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_PUT;
	op.arg[0] = 0x1234abcd;
	raw_eenter(base, &op);
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_GET;
	raw_eenter(base + PAGE, &op);
	CHECK(op.ret[0] == 0x1234abcd, "GET %#llx", (unsigned long long)op.ret[0]);

	/* An AEX through the loader's own SIGSEGV handler at the AEP. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSEGV, &sa, NULL)) {
		perror("raw_loader: sigaction");
		return 2;
	}
	noaccess = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	aex.tcs = base + 2 * PAGE;
	memset(&op, 0, sizeof(op));
	op.op = ENCL_OP_FAULT_FIX;
	op.arg[0] = (uint64_t)(uintptr_t)noaccess + 16;
	raw_eenter(aex.tcs, &op);
	CHECK(aex.calls == 1, "SIGSEGV handler ran %u times", aex.calls);
	CHECK(aex.addr == noaccess, "si_addr %p, expected %p", aex.addr, noaccess);
	CHECK(aex.rip == (uint64_t)(uintptr_t)raw_aep, "RIP %#llx is not the AEP",
	      (unsigned long long)aex.rip);
	CHECK(aex.rax == 3 && aex.rbx == aex.tcs, "synthetic RAX %llu RBX %#llx",
	      (unsigned long long)aex.rax, (unsigned long long)aex.rbx);
	CHECK((aex.h.ret[0] & 0xff) == 14, "EXITINFO %#llx", (unsigned long long)aex.h.ret[0]);
	CHECK(op.ret[0] == ENCL_HANDLED_RAX, "the resumed call returned %#llx",
	      (unsigned long long)op.ret[0]);

	if (failures)
		return 1;
	printf("raw_loader: ecalls on %d TCS, an AEX handled at the AEP and resumed: ok\n",
	       ENCL_NR_TCS);
	return 0;
}
