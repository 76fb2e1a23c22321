// SPDX-License-Identifier: MIT
/*
 * Enclave image parser: a small image in the selftest's layout, written to a
 * temporary directory, then one table row per malformation, each checked for
 * -EINVAL and the words of its message; the segment table of good images;
 * and MRENCLAVE against a chain hashed here record by record.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "crypto.h"
#include "enclave_elf.h"
#include "sgx_arch.h"

/*
 * The base image, shaped like test_encl.elf:
 *   phdr 0  PT_LOAD RW   file 0x1000+0x2000  vaddr 0x0000  (TCS)
 *   phdr 1  PT_GNU_STACK (ignored)
 *   phdr 2  PT_LOAD R X  file 0x3000+0x1000  vaddr 0x2000
 *   phdr 3  PT_LOAD RW   file 0x4000+0x1800  vaddr 0x3000  (file ends at 0x5800)
 */
#define IMG_LEN   0x5800u
#define IMG_PHNUM 4
#define PH(i, field) (sizeof(Elf64_Ehdr) + (i) * sizeof(Elf64_Phdr) + offsetof(Elf64_Phdr, field))
#define EH(field) offsetof(Elf64_Ehdr, field)

static char tmpdir[64];

static uint8_t pattern(size_t off)
{
	return (uint8_t)(off * 7 + (off >> 12) + 1);
}

static void put_phdr(uint8_t *img, unsigned int i, uint32_t type, uint32_t flags,
		     uint64_t off, uint64_t vaddr, uint64_t filesz)
{
	Elf64_Phdr ph = {
		.p_type = type, .p_flags = flags, .p_offset = off, .p_vaddr = vaddr,
		.p_paddr = vaddr, .p_filesz = filesz, .p_memsz = filesz, .p_align = 4096,
	};

	memcpy(img + sizeof(Elf64_Ehdr) + i * sizeof(ph), &ph, sizeof(ph));
}

static void base_image(uint8_t *img)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_entry = 0x2000, .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = IMG_PHNUM,
	};
	size_t i;

	for (i = 0; i < IMG_LEN; i++)
		img[i] = pattern(i);
	memset(img, 0, 0x1000);
	memcpy(img, &eh, sizeof(eh));
	put_phdr(img, 0, PT_LOAD, PF_R | PF_W, 0x1000, 0x0000, 0x2000);
	put_phdr(img, 1, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0);
	put_phdr(img, 2, PT_LOAD, PF_R | PF_X, 0x3000, 0x2000, 0x1000);
	put_phdr(img, 3, PT_LOAD, PF_R | PF_W, 0x4000, 0x3000, 0x1800);
}

static void write_image(const char *path, const uint8_t *img, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

struct edit {
	size_t off;             /* byte offset in the image; 0 with width 0: none */
	unsigned int width;     /* 1, 2, 4 or 8 */
	uint64_t value;
};

static void apply(uint8_t *img, const struct edit *ed)
{
	uint8_t v8 = (uint8_t)ed->value;
	uint16_t v16 = (uint16_t)ed->value;
	uint32_t v32 = (uint32_t)ed->value;

	switch (ed->width) {
	case 1: memcpy(img + ed->off, &v8, 1); break;
	case 2: memcpy(img + ed->off, &v16, 2); break;
	case 4: memcpy(img + ed->off, &v32, 4); break;
	case 8: memcpy(img + ed->off, &ed->value, 8); break;
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *what;
		struct edit ed[4];
		size_t len;             /* 0: IMG_LEN */
		uint64_t heap;
		const char *msg;        /* must appear in the error */
	} rows[] = {
		/* 0 */ { "bad magic", { { 0, 1, 0x7e } }, 0, 0, "bad magic" },
		/* 1 */ { "shorter than the magic", { { 0 } }, 3, 0, "bad magic" },
		/* 2 */ { "truncated header", { { 0 } }, 40, 0, "truncated ELF header" },
		/* 3 */ { "32-bit class", { { EI_CLASS, 1, ELFCLASS32 } }, 0, 0, "ELFCLASS64" },
		/* 4 */ { "big endian", { { EI_DATA, 1, ELFDATA2MSB } }, 0, 0, "little-endian" },
		/* 5 */ { "ident version", { { EI_VERSION, 1, 0 } }, 0, 0, "EV_CURRENT" },
		/* 6 */ { "header version", { { EH(e_version), 4, 2 } }, 0, 0, "EV_CURRENT" },
		/* 7 */ { "i386 machine", { { EH(e_machine), 2, EM_386 } }, 0, 0, "not x86-64" },
		/* 8 */ { "relocatable", { { EH(e_type), 2, ET_REL } }, 0, 0, "not an executable" },
		/* 9 */ { "no phdrs", { { EH(e_phnum), 2, 0 } }, 0, 0, "no program headers" },
		/* 10 */ { "PN_XNUM", { { EH(e_phnum), 2, PN_XNUM } }, 0, 0, "extended" },
		/* 11 */ { "phentsize", { { EH(e_phentsize), 2, 32 } }, 0, 0, "program header size" },
		/* 12 */ { "phoff at EOF", { { EH(e_phoff), 8, IMG_LEN } }, 0, 0, "past the end" },
		/* 13 */ { "phoff wraps", { { EH(e_phoff), 8, ~0ull - 8 } }, 0, 0, "past the end" },
		/* 14 */ { "phdrs truncated", { { 0 } }, sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr),
			   0, "program headers (4 at offset 0x40) run past" },
		/* 15 */ { "phoff misaligned", { { EH(e_phoff), 8, 0x41 } }, 0, 0, "misaligned" },
		/* 16 */ { "no PT_LOAD", { { PH(0, p_type), 4, PT_NULL }, { PH(2, p_type), 4, PT_NULL },
			   { PH(3, p_type), 4, PT_NOTE } }, 0, 0, "no PT_LOAD" },
		/* 17 */ { "TCS R-X", { { PH(0, p_flags), 4, PF_R | PF_X } }, 0, 0,
			   "segment 0 (TCS) must be exactly RW" },
		/* 18 */ { "TCS RWX", { { PH(0, p_flags), 4, PF_R | PF_W | PF_X } }, 0, 0,
			   "must be exactly RW, its p_flags are 0x7" },
		/* 19 */ { "TCS R", { { PH(0, p_flags), 4, PF_R } }, 0, 0, "must be exactly RW" },
		/* 20 */ { "OS flag bits", { { PH(2, p_flags), 4, PF_R | PF_X | 0x100000 } }, 0, 0,
			   "segment 1: invalid p_flags 0x100005" },
		/* 21 */ { "filesz past EOF", { { PH(3, p_filesz), 8, 0x1801 }, { PH(3, p_memsz), 8, 0x1801 } },
			   0, 0, "segment 2: file bytes 0x4000+0x1801 run past the end" },
		/* 22 */ { "offset past EOF", { { PH(3, p_offset), 8, 0x10000 } }, 0, 0,
			   "segment 2: file bytes 0x10000+0x1800 run past the end" },
		/* 23 */ { "offset+filesz wraps", { { PH(3, p_offset), 8, ~0ull - 0xfff } }, 0, 0,
			   "run past the end of the file" },
		/* 24 */ { "file truncated in a segment", { { 0 } }, 0x4fff, 0,
			   "segment 2: file bytes 0x4000+0x1800 run past the end of the file (20479 bytes)" },
		/* 25 */ { "segment before TCS", { { PH(2, p_offset), 8, 0 } }, 0, 0,
			   "segment 1: not sorted" },
		/* 26 */ { "segments swapped", { { PH(2, p_offset), 8, 0x4000 }, { PH(2, p_vaddr), 8, 0x3000 },
			   { PH(3, p_offset), 8, 0x3000 }, { PH(3, p_vaddr), 8, 0x2000 } }, 0, 0,
			   "segment 2: not sorted" },
		/* 27 */ { "overlap", { { PH(2, p_filesz), 8, 0x1001 }, { PH(2, p_memsz), 8, 0x1001 } }, 0, 0,
			   "segment 2: offset 0x3000 overlaps segment 1 (0x2000+0x2000)" },
		/* 28 */ { "same page twice", { { PH(3, p_offset), 8, 0x3800 }, { PH(3, p_vaddr), 8, 0x2800 } },
			   0, 0, "overlaps segment 1" },
		/* 29 */ { ".bss past the file pages", { { PH(3, p_memsz), 8, 0x2001 } }, 0, 0,
			   "segment 2: bytes 0x4000+0x2001 (p_memsz) are not all in its 2 file pages" },
		/* 30 */ { "misaligned tail cut off", { { PH(2, p_offset), 8, 0x3010 },
			   { PH(2, p_vaddr), 8, 0x2010 } }, 0, 0, "are not all in its 1 file pages" },
		/* 31 */ { "memsz < filesz", { { PH(3, p_memsz), 8, 0x100 } }, 0, 0,
			   "p_memsz 0x100 < p_filesz 0x1800" },
		/* 32 */ { "not linked at 0", { { PH(2, p_vaddr), 8, 0x12000 } }, 0, 0,
			   "segment 1: p_vaddr 0x12000 is not its enclave offset 0x2000" },
		/* 33 */ { "empty TCS", { { PH(0, p_filesz), 8, 0 }, { PH(0, p_memsz), 8, 0 } }, 0, 0,
			   "segment 0 (TCS) is empty" },
		/* 34 */ { "heap not page multiple", { { 0 } }, 0, 100, "heap size 0x64" },
		/* 35 */ { "heap overflows", { { 0 } }, 0, ~0ull & ~0xfffull, "overflows" },
		/* 36 */ { "no power-of-two size", { { 0 } }, 0, 1ull << 63, "overflows" },
	};
	char path[128], err[ENCLAVE_ELF_ERR_LEN];
	static uint8_t img[IMG_LEN];
	struct enclave_elf e;
	size_t i, k;
	int ret;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.elf", tmpdir);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		base_image(img);
		for (k = 0; k < 4; k++)
			apply(img, &rows[i].ed[k]);
		write_image(path, img, rows[i].len ? rows[i].len : IMG_LEN);

		memset(err, 0, sizeof(err));
		ret = enclave_elf_load(path, rows[i].heap, &e, err, sizeof(err));
		if (ret != -EINVAL)
			fail_msg("row %zu (%s): got %d, want -EINVAL", i, rows[i].what, ret);
		if (!strstr(err, rows[i].msg))
			fail_msg("row %zu (%s): message \"%s\" lacks \"%s\"", i, rows[i].what, err,
				 rows[i].msg);
		if (strlen(err) >= sizeof(err) - 1)
			fail_msg("row %zu (%s): message truncated", i, rows[i].what);
		if (e.segs || e.image || e.heap_src)
			fail_msg("row %zu (%s): table left allocated", i, rows[i].what);
	}
}

struct want_seg {
	uint64_t offset, size, flags;
	unsigned int prot;
	bool measured, heap;
	int64_t file_off;       /* where src starts in the file, -1: zeros (heap) */
};

static void check_table(size_t row, const struct enclave_elf *e, const uint8_t *img,
			size_t img_len, const struct want_seg *want, unsigned int nr,
			uint64_t src_size, uint64_t encl_size)
{
	unsigned int i;
	uint64_t k;

	if (e->nr_segs != nr)
		fail_msg("row %zu: %u segments, want %u", row, e->nr_segs, nr);
	if (e->src_size != src_size || e->encl_size != encl_size)
		fail_msg("row %zu: src_size 0x%llx encl_size 0x%llx, want 0x%llx 0x%llx", row,
			 (unsigned long long)e->src_size, (unsigned long long)e->encl_size,
			 (unsigned long long)src_size, (unsigned long long)encl_size);
	for (i = 0; i < nr; i++) {
		const struct enclave_segment *s = &e->segs[i];
		const struct want_seg *w = &want[i];

		if (s->offset != w->offset || s->size != w->size || s->secinfo_flags != w->flags ||
		    s->prot != w->prot || s->measured != w->measured || s->heap != w->heap)
			fail_msg("row %zu seg %u: {0x%llx, 0x%llx, 0x%llx, %u, %d, %d}", row, i,
				 (unsigned long long)s->offset, (unsigned long long)s->size,
				 (unsigned long long)s->secinfo_flags, s->prot, s->measured, s->heap);
		for (k = 0; k < s->size; k++) {
			uint64_t fo = (uint64_t)w->file_off + k;
			uint8_t want_byte = w->file_off < 0 || fo >= img_len ? 0 : img[fo];

			if (s->src[k] != want_byte)
				fail_msg("row %zu seg %u: src[0x%llx] = 0x%02x, want 0x%02x", row, i,
					 (unsigned long long)k, s->src[k], want_byte);
		}
	}
}

static void test_good(void **state)
{
	const unsigned int RW = PROT_READ | PROT_WRITE, RX = PROT_READ | PROT_EXEC;
	static const struct {
		const char *what;
		struct edit ed[4];
		uint64_t heap;
		unsigned int nr;
		struct want_seg seg[4];
		uint64_t src_size, encl_size;
	} rows[] = {
		/* 0 */ { "selftest shape, heap 3 pages", { { 0 } }, 0x3000, 4, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x1000, 0x205, RX, true, false, 0x3000 },
			{ 0x3000, 0x2000, 0x203, RW, true, false, 0x4000 },
			{ 0x5000, 0x3000, 0x203, RW, false, true, -1 } }, 0x8000, 0x8000 },
		/* 1 */ { "heap rounds the size up", { { 0 } }, 0x4000, 4, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x1000, 0x205, RX, true, false, 0x3000 },
			{ 0x3000, 0x2000, 0x203, RW, true, false, 0x4000 },
			{ 0x5000, 0x4000, 0x203, RW, false, true, -1 } }, 0x9000, 0x10000 },
		/* 2 */ { "no heap", { { 0 } }, 0, 3, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x1000, 0x205, RX, true, false, 0x3000 },
			{ 0x3000, 0x2000, 0x203, RW, true, false, 0x4000 } }, 0x5000, 0x8000 },
		/* 3 */ { "TCS only, one page", { { EH(e_phnum), 2, 1 }, { PH(0, p_filesz), 8, 0x800 },
			   { PH(0, p_memsz), 8, 0x1000 } }, 0, 1, {
			{ 0x0000, 0x1000, 0x100, RW, true, false, 0x1000 } }, 0x1000, 0x1000 },
		/* 4 */ { "W-only and X-only segments", { { PH(2, p_flags), 4, PF_X },
			   { PH(3, p_flags), 4, PF_W } }, 0, 3, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x1000, 0x204, PROT_EXEC, true, false, 0x3000 },
			{ 0x3000, 0x2000, 0x202, PROT_WRITE, true, false, 0x4000 } }, 0x5000, 0x8000 },
		/* 5 */ { "gap between segments", { { PH(3, p_offset), 8, 0x5000 },
			   { PH(3, p_vaddr), 8, 0x4000 }, { PH(3, p_filesz), 8, 0x800 },
			   { PH(3, p_memsz), 8, 0x800 } }, 0x1000, 4, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x1000, 0x205, RX, true, false, 0x3000 },
			{ 0x4000, 0x1000, 0x203, RW, true, false, 0x5000 },
			{ 0x5000, 0x1000, 0x203, RW, false, true, -1 } }, 0x6000, 0x8000 },
		/* 6 */ { "segment starting inside its page", { { PH(2, p_offset), 8, 0x3010 },
			   { PH(2, p_vaddr), 8, 0x2010 }, { PH(2, p_filesz), 8, 0xff0 },
			   { PH(2, p_memsz), 8, 0xff0 } }, 0, 3, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x1000, 0x205, RX, true, false, 0x3000 },
			{ 0x3000, 0x2000, 0x203, RW, true, false, 0x4000 } }, 0x5000, 0x8000 },
		/* 7 */ { "empty non-TCS segment", { { PH(2, p_filesz), 8, 0 }, { PH(2, p_memsz), 8, 0 } },
			   0, 3, {
			{ 0x0000, 0x2000, 0x100, RW, true, false, 0x1000 },
			{ 0x2000, 0x0000, 0x205, RX, true, false, 0x3000 },
			{ 0x3000, 0x2000, 0x203, RW, true, false, 0x4000 } }, 0x5000, 0x8000 },
	};
	char path[128], err[ENCLAVE_ELF_ERR_LEN];
	static uint8_t img[IMG_LEN];
	struct enclave_elf e;
	size_t i, k;
	int ret;

	(void)state;
	snprintf(path, sizeof(path), "%s/good.elf", tmpdir);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		base_image(img);
		for (k = 0; k < 4; k++)
			apply(img, &rows[i].ed[k]);
		write_image(path, img, IMG_LEN);
		ret = enclave_elf_load(path, rows[i].heap, &e, err, sizeof(err));
		if (ret)
			fail_msg("row %zu (%s): got %d (%s)", i, rows[i].what, ret, err);
		check_table(i, &e, img, IMG_LEN, rows[i].seg, rows[i].nr, rows[i].src_size,
			    rows[i].encl_size);
		enclave_elf_free(&e);
		assert_null(e.segs);
	}
}

static void test_parse_copies_buffer(void **state)
{
	char err[ENCLAVE_ELF_ERR_LEN];
	struct enclave_elf e;
	uint8_t *img = malloc(IMG_LEN);

	(void)state;
	assert_non_null(img);
	base_image(img);
	assert_int_equal(enclave_elf_parse(img, IMG_LEN, 0, &e, err, sizeof(err)), 0);
	memset(img, 0xee, IMG_LEN);
	free(img);
	assert_int_equal(e.segs[1].src[0], pattern(0x3000));
	/* The tail of the last file page reads as zeros, as through mmap. */
	assert_int_equal(e.segs[2].src[0x17ff], pattern(0x57ff));
	assert_int_equal(e.segs[2].src[0x1800], 0);
	assert_int_equal(e.segs[2].src[0x1fff], 0);
	enclave_elf_free(&e);
}

static void test_load_errors(void **state)
{
	char path[128], err[ENCLAVE_ELF_ERR_LEN];
	struct enclave_elf e;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.elf", tmpdir);
	assert_int_equal(enclave_elf_load(path, 0, &e, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "open");
	assert_int_equal(enclave_elf_load(tmpdir, 0, &e, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "read");
	/* An empty file. */
	snprintf(path, sizeof(path), "%s/empty.elf", tmpdir);
	write_image(path, (const uint8_t *)"", 0);
	assert_int_equal(enclave_elf_load(path, 0, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad magic"));
	/* No error buffer at all is fine. */
	assert_int_equal(enclave_elf_load(path, 0, &e, NULL, 0), -EINVAL);
}

/* One 64-byte record: tag, two little-endian u64 fields, zeros. */
static void record(struct crypto_sha256 *s, uint64_t tag, uint64_t a, uint64_t b,
		   unsigned int b_at)
{
	uint8_t r[64] = { 0 };

	memcpy(r, &tag, 8);
	memcpy(r + 8, &a, 8);
	memcpy(r + b_at, &b, 8);
	assert_int_equal(crypto_sha256_update(s, r, sizeof(r)), 0);
}

/* MRENCLAVE hashed here straight from SDM 39.1 / the selftest's records. */
static void reference_mrenclave(const struct enclave_elf *e, uint32_t ssa, uint8_t out[32])
{
	struct crypto_sha256 *s;
	uint64_t off, c;
	unsigned int i;
	uint8_t r[64] = { 0 };

	assert_int_equal(crypto_sha256_new(&s), 0);
	/* ECREATE: tag, SSAFRAMESIZE (u32) at 8, SIZE (u64) at 12. */
	memcpy(r, "ECREATE", 8);
	memcpy(r + 8, &ssa, 4);
	memcpy(r + 12, &e->encl_size, 8);
	assert_int_equal(crypto_sha256_update(s, r, sizeof(r)), 0);
	for (i = 0; i < e->nr_segs; i++) {
		const struct enclave_segment *seg = &e->segs[i];

		for (off = 0; off < seg->size; off += 4096) {
			record(s, 0x0000000044444145ull, seg->offset + off, seg->secinfo_flags, 16);
			if (!seg->measured)
				continue;
			for (c = 0; c < 4096; c += 256) {
				record(s, 0x00444E4554584545ull, seg->offset + off + c, 0, 16);
				assert_int_equal(crypto_sha256_update(s, seg->src + off + c, 256), 0);
			}
		}
	}
	assert_int_equal(crypto_sha256_final(s, out), 0);
	crypto_sha256_free(s);
}

static void test_measure(void **state)
{
	static const struct {
		uint64_t heap;
		uint32_t ssa;
	} rows[] = {
		/* 0 */ { 0, 1 },
		/* 1 */ { 4096, 1 },
		/* 2 */ { 0x40000, 2 },
	};
	uint8_t got[32], want[32], first[32];
	char err[ENCLAVE_ELF_ERR_LEN];
	static uint8_t img[IMG_LEN];
	struct enclave_elf e;
	size_t i;

	(void)state;
	base_image(img);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(enclave_elf_parse(img, IMG_LEN, rows[i].heap, &e, err,
						   sizeof(err)), 0);
		assert_int_equal(enclave_elf_measure(&e, rows[i].ssa, got), 0);
		reference_mrenclave(&e, rows[i].ssa, want);
		if (memcmp(got, want, 32))
			fail_msg("row %zu: MRENCLAVE differs from the reference chain", i);
		if (i == 0)
			memcpy(first, got, 32);
		else if (!memcmp(got, first, 32))
			fail_msg("row %zu: heap/SSA size did not change MRENCLAVE", i);
		enclave_elf_free(&e);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_enclave_elf.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "bad.elf", "good.elf", "empty.elf" };
	char path[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_parse_copies_buffer),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_measure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
