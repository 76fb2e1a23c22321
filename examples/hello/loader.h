/* SPDX-License-Identifier: MIT */
/*
 * A minimal SGX enclave loader for Linux, written only against the kernel's
 * interface (<asm/sgx.h>, /dev/sgx_enclave, the vDSO): what an SGX program
 * carries with it. It loads images in the layout of the kernel's selftest
 * loader (segment 0 = TCS pages, the rest REG pages with R/W/X from the
 * program header, then an optional heap) with a SIGSTRUCT made by a
 * signing tool (`sgxemu sign` here).
 */
#ifndef SGXEMU_EXAMPLES_LOADER_H
#define SGXEMU_EXAMPLES_LOADER_H

#include <stdint.h>
#include <asm/sgx.h>

struct loader_enclave {
	int fd;                         /* /dev/sgx_enclave */
	uint64_t base, size;            /* ELRANGE */
	uint64_t heap, heap_size;       /* ELRANGE offset and size of the heap */
	unsigned int nr_tcs;
};

/**
 * loader_build() - build, initialise and map @elf_path with @heap bytes of
 * heap, as @sig_path (a 1808-byte SIGSTRUCT) describes it.
 * Return: 0, or -1 with a message on stderr.
 */
int loader_build(const char *elf_path, const char *sig_path, uint64_t heap,
		 struct loader_enclave *e);

/* The address of TCS @i. */
static inline uint64_t loader_tcs(const struct loader_enclave *e, unsigned int i)
{
	return e->base + (uint64_t)i * 4096;
}

/**
 * loader_vdso_enter() - __vdso_sgx_enter_enclave, found in the vDSO through
 * getauxval(AT_SYSINFO_EHDR) as the kernel's selftests find it.
 * Return: the function, or NULL (no SGX support in this kernel).
 */
vdso_sgx_enter_enclave_t loader_vdso_enter(void);

#endif /* SGXEMU_EXAMPLES_LOADER_H */
