// SPDX-License-Identifier: MIT
/*
 * The vDSO the program sees. Programs find __vdso_sgx_enter_enclave the way
 * the Linux selftests do: getauxval(AT_SYSINFO_EHDR), the ELF header, the
 * PT_DYNAMIC program header (by p_offset), then DT_SYMTAB, DT_STRTAB and
 * the SysV DT_HASH table, each at image + d_ptr. This builds such an image:
 * every symbol of the real vDSO, plus __vdso_sgx_enter_enclave pointing at
 * the runtime's. A symbol's st_value is its address minus the image's
 * (wrapping), so image + st_value lands on the function wherever it is.
 *
 * glibc found the real vDSO through the auxiliary vector before this
 * library ran, so libc's own clock_gettime and friends are unaffected.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "interpose.h"
#include "preload.h"
#include "rt.h"

#define MAX_SYMS 64
#define STR_MAX  2048

unsigned long pl_vdso_image;

struct sym {
	const char *name;
	uint64_t addr;
};

/* The defined symbols of the real vDSO at @base; returns how many. */
static unsigned int real_symbols(uintptr_t base, struct sym *out, unsigned int max)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *symtab = NULL;
	const Elf32_Word *hash = NULL;
	const char *strtab = NULL;
	uintptr_t bias = base;
	unsigned int i, n = 0;
	bool bias_set = false;

	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !bias_set) {
			bias = base + ph[i].p_offset - ph[i].p_vaddr;
			bias_set = true;
		}
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
	}
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			symtab = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			strtab = (const char *)(bias + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const Elf32_Word *)(bias + dyn->d_un.d_ptr);
	}
	if (!symtab || !strtab || !hash)
		return 0;
	for (i = 1; i < hash[1] && n < max; i++) {
		const Elf64_Sym *s = &symtab[i];

		if (s->st_shndx == SHN_UNDEF || !s->st_name)
			continue;
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC && ELF64_ST_TYPE(s->st_info) != STT_NOTYPE)
			continue;
		out[n].name = strtab + s->st_name;
		out[n].addr = bias + s->st_value;
		n++;
	}
	return n;
}

/* The SysV ELF hash (gABI). */
static uint32_t elf_hash(const char *name)
{
	uint32_t h = 0, g;

	while (*name) {
		h = (h << 4) + (unsigned char)*name++;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	Elf64_Dyn dyn[6];
	Elf32_Word hash[2 + 2 * (MAX_SYMS + 2)];    /* nbucket, nchain, buckets, chains */
	Elf64_Sym sym[1 + MAX_SYMS + 1];
	char str[STR_MAX];
};

int pl_vdso_build(void)
{
	struct sym syms[MAX_SYMS + 1];
	struct image *img;
	unsigned int n, i, nbucket, nsym;
	size_t strsz = 1, len;
	uintptr_t base;

	n = real_symbols(real.getauxval(AT_SYSINFO_EHDR), syms, MAX_SYMS);
	syms[n].name = "__vdso_sgx_enter_enclave";
	syms[n].addr = (uint64_t)(uintptr_t)rt_vdso_sgx_enter_enclave;
	n++;

	img = real.mmap(NULL, sizeof(*img), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img == MAP_FAILED)
		return -errno;
	base = (uintptr_t)img;
	memset(img, 0, sizeof(*img));

	memcpy(img->eh.e_ident, ELFMAG, SELFMAG);
	img->eh.e_ident[EI_CLASS] = ELFCLASS64;
	img->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img->eh.e_ident[EI_VERSION] = EV_CURRENT;
	img->eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
	img->eh.e_type = ET_DYN;
	img->eh.e_machine = EM_X86_64;
	img->eh.e_version = EV_CURRENT;
	img->eh.e_phoff = offsetof(struct image, ph);
	img->eh.e_ehsize = sizeof(Elf64_Ehdr);
	img->eh.e_phentsize = sizeof(Elf64_Phdr);
	img->eh.e_phnum = 2;

	img->ph[0].p_type = PT_LOAD;
	img->ph[0].p_flags = PF_R | PF_X;
	img->ph[0].p_filesz = img->ph[0].p_memsz = sizeof(*img);
	img->ph[0].p_align = 4096;
	img->ph[1].p_type = PT_DYNAMIC;
	img->ph[1].p_flags = PF_R;
	img->ph[1].p_offset = img->ph[1].p_vaddr = offsetof(struct image, dyn);
	img->ph[1].p_filesz = img->ph[1].p_memsz = sizeof(img->dyn);
	img->ph[1].p_align = 8;

	img->dyn[0] = (Elf64_Dyn){ .d_tag = DT_HASH, .d_un.d_ptr = offsetof(struct image, hash) };
	img->dyn[1] = (Elf64_Dyn){ .d_tag = DT_SYMTAB, .d_un.d_ptr = offsetof(struct image, sym) };
	img->dyn[2] = (Elf64_Dyn){ .d_tag = DT_STRTAB, .d_un.d_ptr = offsetof(struct image, str) };
	img->dyn[3] = (Elf64_Dyn){ .d_tag = DT_STRSZ, .d_un.d_val = 0 };
	img->dyn[4] = (Elf64_Dyn){ .d_tag = DT_SYMENT, .d_un.d_val = sizeof(Elf64_Sym) };
	img->dyn[5] = (Elf64_Dyn){ .d_tag = DT_NULL };

	/* Symbols 1..n; index 0 is the null symbol. */
	nsym = n + 1;
	nbucket = n | 1;
	img->hash[0] = nbucket;
	img->hash[1] = nsym;
	for (i = 0; i < n; i++) {
		Elf64_Sym *s = &img->sym[i + 1];
		Elf32_Word *bucket, *chain;
		uint32_t h;

		len = strlen(syms[i].name) + 1;
		if (strsz + len > STR_MAX)
			break;
		memcpy(img->str + strsz, syms[i].name, len);
		s->st_name = (Elf64_Word)strsz;
		strsz += len;
		s->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		s->st_shndx = 1;        /* defined (there are no section headers) */
		s->st_value = syms[i].addr - base;
		h = elf_hash(syms[i].name) % nbucket;
		bucket = &img->hash[2];
		chain = &img->hash[2 + nbucket];
		chain[i + 1] = bucket[h];
		bucket[h] = i + 1;
	}
	img->dyn[3].d_un.d_val = strsz;
	if (real.mprotect(img, sizeof(*img), PROT_READ))
		return -errno;
	pl_vdso_image = base;
	return 0;
}

static unsigned long do_getauxval(bool ours, unsigned long type)
{
	pl_resolve();
	if (type == AT_SYSINFO_EHDR && !ours && pl_vdso_image)
		return pl_vdso_image;
	return real.getauxval(type);
}

PL_EXPORT unsigned long getauxval(unsigned long type)
{
	return do_getauxval(pl_from_us(), type);
}

PL_EXPORT unsigned long __getauxval(unsigned long type)
{
	return do_getauxval(pl_from_us(), type);
}
