/* SPDX-License-Identifier: MIT */
/*
 * The ioctl-surface fuzzer: one input is a byte-coded sequence of driver
 * calls (open, ioctl, mmap, mprotect, munmap, fault, close, and an enclave
 * thread's EACCEPT/EMODPE) against a fresh driver. fuzz_ioctl.c decodes and
 * runs them; fuzz_ioctl_check.c checks the driver's invariants after each
 * call. See fuzz_ioctl.c for the input format.
 */
#ifndef SGXEMU_TESTS_FUZZ_IOCTL_H
#define SGXEMU_TESTS_FUZZ_IOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encl.h"
#include "measure.h"

#define FZ_SLOTS        4                       /* enclave files open at once */
#define FZ_SLOT_SIZE    0x20000ull              /* address space per slot */
#define FZ_MAX_ELRANGE  0x10000ull              /* the largest enclave */
#define FZ_REGION_SIZE  (FZ_SLOTS * FZ_SLOT_SIZE)
#define FZ_REGION_PAGES (FZ_REGION_SIZE / SGX_PAGE_SIZE)
#define FZ_EXTRA        4                       /* mappings placed by the kernel */

/* What the harness knows of the enclave behind an open file. */
struct fz_shadow {
	bool measuring;                 /* m is live */
	bool measure_broken;            /* a source the harness cannot replay */
	struct measure m;
	uint64_t attributes;
};

struct fz {
	struct hw_platform *hw;
	struct sgx_driver *drv;
	uint8_t *region;                /* FZ_SLOTS slots; ELRANGEs live here */
	struct sgx_file *files[FZ_SLOTS];
	struct fz_shadow sh[FZ_SLOTS];
	struct sgx_file *prov;
	struct { uint64_t addr, len; } extra[FZ_EXTRA];
};

/* Report a broken invariant and abort (the fuzzer's crash). */
void fz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#define FZ_CHECK(cond, ...) do { if (!(cond)) fz_fail(__VA_ARGS__); } while (0)

/*
 * fz_check() - the driver's invariants, all at once: every EPC page has
 * one owner or is free, and the EPCM agrees with the owner's idea of it;
 * page arrays, PTEs, VMAs, reference counts, the active list and the
 * statistics agree with each other.
 */
void fz_check(struct fz *fz);

/* The driver VMA covering @addr, or NULL. */
struct sgx_vma *fz_vma_at(struct sgx_driver *drv, uint64_t addr);

#endif /* SGXEMU_TESTS_FUZZ_IOCTL_H */
