/* SPDX-License-Identifier: MIT */
/*
 * Building the test enclave (rt_encl.h) through the driver's ioctls, as a
 * loader on Linux would: CREATE, ADD_PAGES per segment, INIT with a
 * SIGSTRUCT signed here, then mmap of every segment. For the runtime tests
 * and the benchmarks (no test framework in here).
 */
#ifndef SGXEMU_TESTS_ENCL_LOAD_H
#define SGXEMU_TESTS_ENCL_LOAD_H

#include <stdint.h>

#include "driver.h"
#include "enclave_elf.h"

struct crypto_rsa_key;

struct encl_loaded {
	struct sgx_driver *drv;
	struct sgx_file *f;
	struct enclave_elf elf;
	void *reserve;
	uint64_t base, size;
	uint64_t heap, heap_size;       /* ELRANGE offset and size of the heap (0: none) */
};

/**
 * encl_load() - build @path (the test enclave) with @heap_pages of heap on
 * @drv, signed with @key, SECS.MISCSELECT = EXINFO.
 * @err: a message on failure.
 * Return: 0 or -errno.
 */
int encl_load(struct sgx_driver *drv, const char *path, uint64_t heap_pages,
	      const struct crypto_rsa_key *key, struct encl_loaded *e, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/** encl_unload() - unmap, release, free. */
void encl_unload(struct encl_loaded *e);

/* ---- encl_call.S ---------------------------------------------------------- */

#include "rt.h"
#include "sgxemu/uapi/sgx.h"

struct encl_op;

/* examples/hello/call.S: @vdso(@msg, 0, 0, @leaf, 0, 0, @run), callee-saved registers kept. */
int hello_enter(vdso_sgx_enter_enclave_t vdso, void *msg, unsigned int leaf,
		struct sgx_enclave_run *run);

/*
 * The runtime's vDSO entry with @op in RDI, called so that a C caller
 * survives the synthetic registers an AEX hands back. Inlined: a test that
 * ERESUMEs must do so from the stack depth of its EENTER (the enclave
 * EEXITs with the RSP/RBP it saved then), i.e. from the same function.
 */
static inline __attribute__((always_inline)) int
encl_vdso(void *op, unsigned int leaf, struct sgx_enclave_run *run)
{
	return hello_enter(rt_vdso_sgx_enter_enclave, op, leaf, run);
}

/*
 * A raw-ENCLU loader: EENTER on @tcs with RDI = @op executed right here,
 * the AEP at encl_raw_aep (an ENCLU that resumes with the synthetic
 * RAX = ERESUME), EEXIT back to the instruction after the EENTER.
 */
void encl_raw_eenter(uint64_t tcs, struct encl_op *op);
extern const char encl_raw_aep[];

#endif /* SGXEMU_TESTS_ENCL_LOAD_H */
