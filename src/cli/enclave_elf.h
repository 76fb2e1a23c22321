/* SPDX-License-Identifier: MIT */
/*
 * Enclave images in the layout of the Linux SGX selftest loader
 * (tools/testing/selftests/sgx/load.c, encl_load()): an ELF64 x86-64 file
 * linked at 0 whose PT_LOAD segments become the enclave's pages, in program
 * header order.
 *
 *  - Segment 0 must be exactly PF_R|PF_W and holds TCS pages
 *    (SECINFO.FLAGS = TCS << 8), measured.
 *  - Every other PT_LOAD is REG with R/W/X from p_flags, measured.
 *  - A segment starts at (p_offset & ~4095) - (p_offset of segment 0 & ~4095)
 *    in ELRANGE, spans round_up(p_filesz, 4096) bytes, and its contents are
 *    the file's bytes from (p_offset & ~4095) on, zero past the end of file
 *    (what the selftest's private file mapping reads there).
 *  - An optional heap follows the last segment: REG|R|W, zero pages, not
 *    measured (EADD record only).
 *  - The enclave size is the smallest power of two >= the end of the heap,
 *    at least one page. SECS.BASEADDR is chosen at load time.
 *
 * Two checks go beyond load.c, which would build a broken enclave instead:
 * each segment's p_vaddr must be its enclave offset (the image is linked at
 * 0), and its p_memsz bytes must lie inside its pages (no .bss past the
 * file's pages, no misaligned tail cut off).
 *
 * The table here is what `sgxemu measure`/`sign` hash and what enclave
 * builders (driver tests, the demo) feed to ECREATE/EADD/EEXTEND, so that
 * all of them agree with the selftest byte for byte.
 */
#ifndef SGXEMU_CLI_ENCLAVE_ELF_H
#define SGXEMU_CLI_ENCLAVE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Big enough for every message enclave_elf_parse() writes. */
#define ENCLAVE_ELF_ERR_LEN 160

struct enclave_segment {
	uint64_t offset;        /* from the enclave base, page aligned */
	uint64_t size;          /* bytes, a multiple of 4096, may be 0 */
	uint64_t secinfo_flags; /* page type << 8 | R/W/X, as EADD's SECINFO */
	unsigned int prot;      /* PROT_READ/WRITE/EXEC for mapping it (TCS: RW) */
	bool measured;          /* EEXTEND each page (SGX_PAGE_MEASURE) */
	bool heap;              /* the appended heap, not from the file */
	const uint8_t *src;     /* @size bytes of page contents */
};

struct enclave_elf {
	struct enclave_segment *segs;
	unsigned int nr_segs;   /* PT_LOAD segments, plus the heap if any */
	uint64_t src_size;      /* end of the last segment (the heap if any) */
	uint64_t encl_size;     /* SECS.SIZE: power of two >= src_size */

	/* private to enclave_elf.c */
	uint8_t *image;         /* file copy, zero-padded to whole pages */
	size_t image_alloc;
	void *heap_src;         /* read-only anonymous zero pages */
	size_t heap_len;
};

/**
 * enclave_elf_parse() - build the segment table of an enclave image.
 * @buf: the ELF file's bytes (copied; @buf may be freed afterwards)
 * @len: its length
 * @heap_size: bytes of unmeasured heap to append; a multiple of 4096, 0 for none
 * @e: filled on success; release with enclave_elf_free()
 * @err: on -EINVAL, a NUL-terminated message naming the problem
 * @err_len: size of @err (ENCLAVE_ELF_ERR_LEN is always enough)
 *
 * Context: any; allocates.
 * Return:
 * * 0		- @e holds the table
 * * -EINVAL	- not an image the selftest loader accepts (see @err): bad
 *		  ELF header, truncated file, no or bad PT_LOAD segments
 *		  (flags, order, overlap, past end of file, .bss beyond the
 *		  file pages, not linked at 0), bad heap size, or sizes that
 *		  overflow
 * * -ENOMEM	- out of memory
 */
int enclave_elf_parse(const void *buf, size_t len, uint64_t heap_size, struct enclave_elf *e,
		      char *err, size_t err_len) __attribute__((warn_unused_result));

/**
 * enclave_elf_load() - read @path and enclave_elf_parse() it.
 *
 * Context: any; allocates, does file I/O.
 * Return: as enclave_elf_parse(), plus the -errno of open/read (with @err
 * naming the failed call) and -EFBIG for a file that does not fit in memory.
 */
int enclave_elf_load(const char *path, uint64_t heap_size, struct enclave_elf *e,
		     char *err, size_t err_len) __attribute__((warn_unused_result));

/** enclave_elf_free() - release what enclave_elf_parse() allocated; @e is zeroed. */
void enclave_elf_free(struct enclave_elf *e);

/**
 * enclave_elf_measure() - MRENCLAVE of @e as ECREATE/EADD/EEXTEND will build
 * it: the ECREATE record (@ssa_frame_size, encl_size), then for each segment
 * in table order each page's EADD record and, if measured, its EEXTENDs.
 * Goes through hw/measure.h, the same chain the emulated leaves use.
 * @e: a parsed image
 * @ssa_frame_size: SECS.SSAFRAMESIZE in pages (the selftest uses 1)
 * @mrenclave: the digest
 *
 * Context: any; @e is only read, so threads may measure one image at once.
 * Return: 0, -ENOMEM or -EIO from the hash.
 */
int enclave_elf_measure(const struct enclave_elf *e, uint32_t ssa_frame_size,
			uint8_t mrenclave[32]) __attribute__((warn_unused_result));

#endif /* SGXEMU_CLI_ENCLAVE_ELF_H */
