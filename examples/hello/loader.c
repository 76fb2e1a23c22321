// SPDX-License-Identifier: MIT
#include <elf.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

#define PAGE 4096ul

/* The parts of the SDM's SECS and SIGSTRUCT a loader fills in or reads. */
struct secs {
	uint64_t size, base;
	uint32_t ssa_frame_size, miscselect;
	uint8_t reserved_24[24];
	uint64_t attributes, xfrm;
	uint8_t rest[4032];
} __attribute__((packed, aligned(4096)));
_Static_assert(sizeof(struct secs) == 4096, "SECS");

#define SIGSTRUCT_SIZE       1808
#define SIGSTRUCT_MISCSELECT 900
#define SIGSTRUCT_ATTRIBUTES 928
#define SIGSTRUCT_XFRM       936

#define SECINFO_R   0x1ull
#define SECINFO_W   0x2ull
#define SECINFO_X   0x4ull
#define SECINFO_TCS (1ull << 8)
#define SECINFO_REG (2ull << 8)

static int fail(const char *what)
{
	fprintf(stderr, "loader: %s: %s\n", what, strerror(errno));
	return -1;
}

static int add(int fd, uint64_t offset, const void *src, uint64_t len, uint64_t flags,
	       bool measure)
{
	struct { uint64_t flags; uint8_t reserved[56]; } secinfo __attribute__((aligned(64))) =
		{ .flags = flags };
	struct sgx_enclave_add_pages arg = {
		.src = (uint64_t)(uintptr_t)src, .offset = offset, .length = len,
		.secinfo = (uint64_t)(uintptr_t)&secinfo, .flags = measure ? SGX_PAGE_MEASURE : 0,
	};

	if (ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &arg) || arg.count != len)
		return fail("SGX_IOC_ENCLAVE_ADD_PAGES");
	return 0;
}

int loader_build(const char *elf_path, const char *sig_path, uint64_t heap,
		 struct loader_enclave *e)
{
	static struct secs secs;
	static uint8_t sig[SIGSTRUCT_SIZE];
	struct sgx_enclave_create create = { .src = (uint64_t)(uintptr_t)&secs };
	struct sgx_enclave_init init = { .sigstruct = (uint64_t)(uintptr_t)sig };
	struct { uint64_t offset, size; int prot; uint64_t flags; const void *src; } seg[16];
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	uint64_t first = 0, end = 0, i, n = 0;
	const uint8_t *bin;
	struct stat st;
	void *area, *zero = NULL;
	int fd;

	memset(e, 0, sizeof(*e));
	fd = open(elf_path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return fail(elf_path);
	bin = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (bin == MAP_FAILED)
		return fail(elf_path);
	fd = open(sig_path, O_RDONLY);
	if (fd < 0 || read(fd, sig, sizeof(sig)) != (ssize_t)sizeof(sig))
		return fail(sig_path);
	close(fd);

	eh = (const Elf64_Ehdr *)bin;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_X86_64) {
		fprintf(stderr, "loader: %s: not an x86-64 ELF file\n", elf_path);
		return -1;
	}
	ph = (const Elf64_Phdr *)(bin + eh->e_phoff);
	for (i = 0; i < eh->e_phnum && n < 16; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (!n)
			first = ph[i].p_offset & ~(PAGE - 1);
		seg[n].offset = (ph[i].p_offset & ~(PAGE - 1)) - first;
		seg[n].size = (ph[i].p_filesz + (ph[i].p_offset & (PAGE - 1)) + PAGE - 1) & ~(PAGE - 1);
		seg[n].src = bin + (ph[i].p_offset & ~(PAGE - 1));
		seg[n].prot = n ? ((ph[i].p_flags & PF_R) ? PROT_READ : 0) |
				  ((ph[i].p_flags & PF_W) ? PROT_WRITE : 0) |
				  ((ph[i].p_flags & PF_X) ? PROT_EXEC : 0)
				: PROT_READ | PROT_WRITE;
		/* Segment 0 holds TCS pages; SECINFO R/W/X are PROT_* bit for bit. */
		seg[n].flags = n ? SECINFO_REG | (uint64_t)seg[n].prot : SECINFO_TCS;
		end = seg[n].offset + seg[n].size;
		n++;
	}
	if (!n)
		return fail("no PT_LOAD segment");
	e->nr_tcs = (unsigned int)(seg[0].size / PAGE);
	e->heap = end;
	e->heap_size = (heap + PAGE - 1) & ~(PAGE - 1);
	end += e->heap_size;
	for (e->size = PAGE; e->size < end; e->size <<= 1)
		;

	e->fd = open("/dev/sgx_enclave", O_RDWR);
	if (e->fd < 0)
		return fail("/dev/sgx_enclave");
	/* ELRANGE is naturally aligned: reserve twice its size, use the aligned part. */
	area = mmap(NULL, 2 * e->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return fail("address space reservation");
	e->base = ((uint64_t)(uintptr_t)area + e->size - 1) & ~(e->size - 1);

	memset(&secs, 0, sizeof(secs));
	secs.base = e->base;
	secs.size = e->size;
	secs.ssa_frame_size = 1;
	memcpy(&secs.miscselect, sig + SIGSTRUCT_MISCSELECT, 4);
	memcpy(&secs.attributes, sig + SIGSTRUCT_ATTRIBUTES, 8);
	memcpy(&secs.xfrm, sig + SIGSTRUCT_XFRM, 8);
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &create))
		return fail("SGX_IOC_ENCLAVE_CREATE");
	for (i = 0; i < n; i++)
		if (add(e->fd, seg[i].offset, seg[i].src, seg[i].size, seg[i].flags, true))
			return -1;
	if (e->heap_size) {
		/* The heap: zero pages, added but not measured. */
		zero = mmap(NULL, e->heap_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (zero == MAP_FAILED ||
		    add(e->fd, e->heap, zero, e->heap_size, SECINFO_REG | SECINFO_R | SECINFO_W, false))
			return zero == MAP_FAILED ? fail("heap source") : -1;
		munmap(zero, e->heap_size);
	}
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_INIT, &init))
		return fail("SGX_IOC_ENCLAVE_INIT");
	for (i = 0; i < n; i++)
		if (mmap((void *)(uintptr_t)(e->base + seg[i].offset), seg[i].size, seg[i].prot,
			 MAP_SHARED | MAP_FIXED, e->fd, 0) == MAP_FAILED)
			return fail("mapping a segment");
	if (e->heap_size &&
	    mmap((void *)(uintptr_t)(e->base + e->heap), e->heap_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, e->fd, 0) == MAP_FAILED)
		return fail("mapping the heap");
	munmap((void *)bin, (size_t)st.st_size);
	return 0;
}

/* The SysV ELF hash of the gABI. */
static unsigned long elf_hash(const char *name)
{
	unsigned long h = 0, g;

	while (*name) {
		h = (h << 4) + (unsigned char)*name++;
		g = h & 0xf0000000;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

vdso_sgx_enter_enclave_t loader_vdso_enter(void)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const Elf32_Word *hash = NULL;
	const char *str = NULL;
	Elf32_Word i;

	if (!base)
		return NULL;
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf64_Sym *)(base + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(base + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const Elf32_Word *)(base + dyn->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	for (i = hash[2 + elf_hash("__vdso_sgx_enter_enclave") % hash[0]]; i;
	     i = hash[2 + hash[0] + i])
		if (!strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (vdso_sgx_enter_enclave_t)(base + sym[i].st_value);
	return NULL;
}
