/* SPDX-License-Identifier: MIT */
/*
 * Runtime tests: a platform, a driver and the runtime in this process, and
 * the test enclave (rt_encl.h) built through the driver's ioctls and
 * entered through the runtime's vDSO - the path an unmodified SGX program
 * takes under sgxemu.
 */
#ifndef SGXEMU_TESTS_RT_TEST_UTIL_H
#define SGXEMU_TESTS_RT_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "driver.h"
#include "encl_load.h"
#include "rt.h"
#include "rt_encl.h"

struct rtt {
	struct hw_platform *hw;
	struct sgx_driver *drv;
};

/* Platform (@cfg, NULL: default), driver, rt_init(); asserts. */
void rtt_up(struct rtt *r, const struct hw_config *cfg);
void rtt_down(struct rtt *r);

/* The test enclave as tests/enclave's loader built it, plus its platform. */
struct rtt_encl {
	struct rtt *r;
	struct encl_loaded l;
	/* Shorthands for l.f, l.base, l.size, l.heap. */
	struct sgx_file *f;
	uint64_t base, size, heap, heap_size;
};

/* Build, initialise and map the test enclave with @heap_pages of heap. */
void rtt_load(struct rtt *r, struct rtt_encl *e, uint64_t heap_pages);
void rtt_unload(struct rtt_encl *e);

static inline uint64_t rtt_tcs(const struct rtt_encl *e, unsigned int i)
{
	return e->base + (uint64_t)i * 4096;
}

long rtt_ioctl(struct rtt_encl *e, unsigned int cmd, void *arg);

/*
 * EENTER @op on TCS @tcs (@run zeroed first) and ERESUME on run->tcs; both
 * return the vDSO's value. Inlined on purpose: after ERESUME the enclave
 * EEXITs with the RSP/RBP saved at its EENTER (reference §6.8), so a test
 * must enter and resume from the same stack depth - the same function - as
 * the Linux selftests do.
 */
static inline __attribute__((always_inline)) int
rtt_enter(struct rtt_encl *e, unsigned int tcs, struct encl_op *op, struct sgx_enclave_run *run)
{
	__builtin_memset(run, 0, sizeof(*run));
	run->tcs = rtt_tcs(e, tcs);
	return encl_vdso(op, SGX_EENTER, run);
}

static inline __attribute__((always_inline)) int rtt_resume(struct sgx_enclave_run *run)
{
	return encl_vdso(NULL, SGX_ERESUME, run);
}

/* EENTER @op on @tcs and expect a clean EEXIT. */
void rtt_call(struct rtt_encl *e, unsigned int tcs, struct encl_op *op);

/* A page of host memory with no access: faults for enclave code. */
void *rtt_noaccess_page(void);

#endif /* SGXEMU_TESTS_RT_TEST_UTIL_H */
