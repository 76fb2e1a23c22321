// SPDX-License-Identifier: MIT
/*
 * Enclave image parser: the selftest loader's segment rules (see
 * enclave_elf.h), with every field of the file checked before use, because
 * the image is untrusted input (it is also a fuzzing target).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enclave_elf.h"
#include "measure.h"
#include "sgx_arch.h"

#define PAGE 4096ull

static int fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write the message for a rejected image. Return: -EINVAL. */
static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void set_err(char *err, size_t err_len, const char *what)
{
	if (err && err_len)
		snprintf(err, err_len, "%s", what);
}

static int check_ehdr(const uint8_t *buf, size_t len, char *err, size_t err_len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG))
		return fail(err, err_len, "not an ELF file (bad magic)");
	if (len < sizeof(*eh))
		return fail(err, err_len, "truncated ELF header (%zu of %zu bytes)",
			    len, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, err_len, "ELF class %u is not ELFCLASS64",
			    eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, err_len, "ELF data encoding %u is not little-endian",
			    eh->e_ident[EI_DATA]);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, err_len, "ELF version %u is not EV_CURRENT",
			    eh->e_ident[EI_VERSION]);
	if (eh->e_machine != EM_X86_64)
		return fail(err, err_len, "ELF machine %u is not x86-64 (%u)",
			    eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return fail(err, err_len, "ELF type %u is not an executable", eh->e_type);
	if (eh->e_phnum == 0)
		return fail(err, err_len, "no program headers (no PT_LOAD segments)");
	if (eh->e_phnum == PN_XNUM)
		return fail(err, err_len, "extended program header numbering is not supported");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, err_len, "program header size %u is not %zu",
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phoff > len || (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return fail(err, err_len,
			    "program headers (%u at offset 0x%llx) run past the end of the file (%zu bytes)",
			    eh->e_phnum, (unsigned long long)eh->e_phoff, len);
	if (eh->e_phoff % _Alignof(Elf64_Phdr))
		return fail(err, err_len, "program header offset 0x%llx is misaligned",
			    (unsigned long long)eh->e_phoff);
	return 0;
}

/*
 * One PT_LOAD → one table entry (load.c: encl_load()). @base is the page
 * offset in the file of segment 0; @prev the entry before, or NULL.
 */
static int add_segment(const Elf64_Phdr *ph, unsigned int j, uint64_t base, size_t len,
		       const struct enclave_segment *prev, struct enclave_segment *seg,
		       char *err, size_t err_len)
{
	uint64_t page_off = ph->p_offset & ~(PAGE - 1);
	uint64_t in_page = ph->p_offset & (PAGE - 1);
	uint32_t flags = ph->p_flags;

	if (flags & ~(uint32_t)(PF_R | PF_W | PF_X))
		return fail(err, err_len, "segment %u: invalid p_flags 0x%x", j, flags);
	if (j == 0 && flags != (PF_R | PF_W))
		return fail(err, err_len,
			    "segment 0 (TCS) must be exactly RW, its p_flags are 0x%x", flags);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return fail(err, err_len,
			    "segment %u: file bytes 0x%llx+0x%llx run past the end of the file (%zu bytes)",
			    j, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz, len);
	if (ph->p_memsz < ph->p_filesz)
		return fail(err, err_len, "segment %u: p_memsz 0x%llx < p_filesz 0x%llx", j,
			    (unsigned long long)ph->p_memsz, (unsigned long long)ph->p_filesz);
	if (page_off < base)
		return fail(err, err_len,
			    "segment %u: not sorted (file offset 0x%llx is before segment 0's)",
			    j, (unsigned long long)ph->p_offset);

	seg->offset = page_off - base;
	/* p_filesz <= len, so rounding up cannot overflow. */
	seg->size = (ph->p_filesz + PAGE - 1) & ~(PAGE - 1);

	if (j == 0 && seg->size == 0)
		return fail(err, err_len, "segment 0 (TCS) is empty");
	if (prev && seg->offset < prev->offset)
		return fail(err, err_len,
			    "segment %u: not sorted (offset 0x%llx is below segment %u's 0x%llx)",
			    j, (unsigned long long)seg->offset, j - 1,
			    (unsigned long long)prev->offset);
	if (prev && seg->offset < prev->offset + prev->size)
		return fail(err, err_len,
			    "segment %u: offset 0x%llx overlaps segment %u (0x%llx+0x%llx)",
			    j, (unsigned long long)seg->offset, j - 1,
			    (unsigned long long)prev->offset, (unsigned long long)prev->size);

	/*
	 * The selftest copies round_up(p_filesz) bytes from the page holding
	 * p_offset and ignores p_memsz: anything outside those pages (a
	 * misaligned tail, .bss) would silently be missing in the enclave.
	 */
	if (ph->p_memsz && (in_page > seg->size || ph->p_memsz > seg->size - in_page))
		return fail(err, err_len,
			    "segment %u: bytes 0x%llx+0x%llx (p_memsz) are not all in its %llu file pages",
			    j, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_memsz,
			    (unsigned long long)(seg->size / PAGE));
	/* Code runs at base + p_vaddr: the image must be linked at 0. */
	if (ph->p_vaddr != seg->offset + in_page)
		return fail(err, err_len,
			    "segment %u: p_vaddr 0x%llx is not its enclave offset 0x%llx (link at 0)",
			    j, (unsigned long long)ph->p_vaddr,
			    (unsigned long long)(seg->offset + in_page));

	if (j == 0) {
		seg->prot = PROT_READ | PROT_WRITE;
		seg->secinfo_flags = SGX_SECINFO_TCS;
	} else {
		/* PROT_READ/WRITE/EXEC coincide with SECINFO R/W/X. */
		seg->prot = ((flags & PF_R) ? PROT_READ : 0) |
			    ((flags & PF_W) ? PROT_WRITE : 0) |
			    ((flags & PF_X) ? PROT_EXEC : 0);
		seg->secinfo_flags = SGX_SECINFO_REG | seg->prot;
	}
	seg->measured = true;
	seg->heap = false;
	return 0;
}

static int add_heap(struct enclave_elf *e, uint64_t heap_size, char *err, size_t err_len)
{
	struct enclave_segment *last = &e->segs[e->nr_segs - 1];
	struct enclave_segment *seg = &e->segs[e->nr_segs];
	uint64_t end = last->offset + last->size;
	void *src;

	/* The enclave size must stay a 64-bit power of two (checked again below). */
	if (heap_size > (1ull << 63) - end)
		return fail(err, err_len, "heap of 0x%llx bytes after 0x%llx overflows",
			    (unsigned long long)heap_size, (unsigned long long)end);
	/* Zero pages that cost nothing until read, like the selftest's. */
	src = mmap(NULL, heap_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (src == MAP_FAILED) {
		set_err(err, err_len, "no address space for the heap");
		return -ENOMEM;
	}
	e->heap_src = src;
	e->heap_len = heap_size;

	seg->offset = end;
	seg->size = heap_size;
	seg->secinfo_flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W;
	seg->prot = PROT_READ | PROT_WRITE;
	seg->measured = false;
	seg->heap = true;
	seg->src = src;
	e->nr_segs++;
	return 0;
}

int enclave_elf_parse(const void *buf, size_t len, uint64_t heap_size, struct enclave_elf *e,
		      char *err, size_t err_len)
{
	const Elf64_Ehdr *eh = buf;
	const Elf64_Phdr *ph;
	uint64_t base = 0, end;
	unsigned int i, nr_load = 0;
	int ret;

	memset(e, 0, sizeof(*e));
	if (err && err_len)
		err[0] = '\0';

	ret = check_ehdr(buf, len, err, err_len);
	if (ret)
		return ret;
	if (heap_size % PAGE)
		return fail(err, err_len, "heap size 0x%llx is not a multiple of 4096",
			    (unsigned long long)heap_size);

	ph = (const Elf64_Phdr *)((const uint8_t *)buf + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		nr_load += ph[i].p_type == PT_LOAD;
	if (!nr_load)
		return fail(err, err_len, "no PT_LOAD segments");

	e->segs = calloc(nr_load + 1, sizeof(*e->segs));
	if (!e->segs) {
		set_err(err, err_len, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < eh->e_phnum; i++) {
		struct enclave_segment *prev = e->nr_segs ? &e->segs[e->nr_segs - 1] : NULL;

		if (ph[i].p_type != PT_LOAD)
			continue;
		if (!e->nr_segs)
			base = ph[i].p_offset & ~(PAGE - 1);
		ret = add_segment(&ph[i], e->nr_segs, base, len, prev, &e->segs[e->nr_segs],
				  err, err_len);
		if (ret)
			goto out_free;
		e->nr_segs++;
	}

	/*
	 * Sources point into a private copy padded to whole pages: the tail of
	 * the last file page reads as zeros, as through the selftest's mmap.
	 * add_segment() guaranteed base + offset + size <= round_up(len).
	 * Page aligned, so that the sources can go to ADD_PAGES as they are.
	 */
	e->image_alloc = (len + PAGE - 1) & ~(PAGE - 1);
	e->image = aligned_alloc(PAGE, e->image_alloc);
	if (!e->image) {
		set_err(err, err_len, "out of memory");
		ret = -ENOMEM;
		goto out_free;
	}
	memcpy(e->image, buf, len);
	memset(e->image + len, 0, e->image_alloc - len);
	for (i = 0; i < e->nr_segs; i++)
		e->segs[i].src = e->image + base + e->segs[i].offset;

	if (heap_size) {
		ret = add_heap(e, heap_size, err, err_len);
		if (ret)
			goto out_free;
	}

	end = e->segs[e->nr_segs - 1].offset + e->segs[e->nr_segs - 1].size;
	if (end > (1ull << 63)) {
		ret = fail(err, err_len, "enclave of 0x%llx bytes has no power-of-two size",
			   (unsigned long long)end);
		goto out_free;
	}
	e->src_size = end;
	for (e->encl_size = PAGE; e->encl_size < end; e->encl_size <<= 1)
		;
	return 0;

out_free:
	enclave_elf_free(e);
	return ret;
}

/* Whole file into a malloc'd buffer; pipes and other unsized files too. */
static int read_file(int fd, uint8_t **out, size_t *out_len)
{
	size_t cap = 64 * 1024, len = 0;
	struct stat st;
	uint8_t *buf, *tmp;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size >= SIZE_MAX / 2)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= SIZE_MAX / 2) {
				free(buf);
				return -EFBIG;
			}
			tmp = realloc(buf, cap * 2);
			if (!tmp) {
				free(buf);
				return -ENOMEM;
			}
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int enclave_elf_load(const char *path, uint64_t heap_size, struct enclave_elf *e,
		     char *err, size_t err_len)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret;

	memset(e, 0, sizeof(*e));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, err_len, "open");
		return ret;
	}
	ret = read_file(fd, &buf, &len);
	close(fd);
	if (ret) {
		set_err(err, err_len, "read");
		return ret;
	}
	ret = enclave_elf_parse(buf, len, heap_size, e, err, err_len);
	free(buf);
	return ret;
}

void enclave_elf_free(struct enclave_elf *e)
{
	if (e->heap_src)
		munmap(e->heap_src, e->heap_len);
	free(e->image);
	free(e->segs);
	memset(e, 0, sizeof(*e));
}

int enclave_elf_measure(const struct enclave_elf *e, uint32_t ssa_frame_size,
			uint8_t mrenclave[32])
{
	struct measure m;
	unsigned int i;
	uint64_t off;
	int ret;

	ret = measure_init(&m);
	if (ret)
		return ret;
	ret = measure_ecreate(&m, ssa_frame_size, e->encl_size);
	if (ret)
		goto out_destroy;
	for (i = 0; i < e->nr_segs; i++) {
		const struct enclave_segment *seg = &e->segs[i];

		for (off = 0; off < seg->size; off += PAGE) {
			ret = measure_page(&m, seg->offset + off, seg->secinfo_flags,
					   seg->src + off, seg->measured);
			if (ret)
				goto out_destroy;
		}
	}
	ret = measure_final(&m, mrenclave);

out_destroy:
	measure_destroy(&m);
	return ret;
}
