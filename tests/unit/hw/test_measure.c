/* SPDX-License-Identifier: MIT */
/*
 * hw/measure.c: MRENCLAVE records byte for byte. The expected digests are
 * computed here from records laid out by hand (tags as ASCII strings,
 * numbers written byte by byte) and hashed in one piece, plus one known
 * answer computed outside sgxemu (Python hashlib/struct).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "measure.h"
#include "sgx_arch.h"

#define ROW_ASSERT(row, cond) \
	do { if (!(cond)) fail_msg("row %u: %s", (unsigned int)(row), #cond); } while (0)
#define ROW_EQ(row, a, b) \
	do { \
		long long a_ = (a), b_ = (b); \
		if (a_ != b_) \
			fail_msg("row %u: %s = %lld, expected %lld", (unsigned int)(row), #a, a_, b_); \
	} while (0)

/* ---- the reference: a byte string of records, hashed at the end ----------- */

struct ref {
	uint8_t *buf;
	size_t len, cap;
};

static uint8_t *ref_record(struct ref *r, size_t len)
{
	uint8_t *p;

	if (r->len + len > r->cap) {
		r->cap = (r->len + len) * 2;
		r->buf = realloc(r->buf, r->cap);
		assert_non_null(r->buf);
	}
	p = r->buf + r->len;
	memset(p, 0, len);
	r->len += len;
	return p;
}

static void le_bytes(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void ref_ecreate(struct ref *r, uint32_t ssa, uint64_t size)
{
	uint8_t *p = ref_record(r, 64);

	memcpy(p, "ECREATE", 8);                /* with its NUL */
	le_bytes(p + 8, ssa, 4);
	le_bytes(p + 12, size, 8);
}

static void ref_eadd(struct ref *r, uint64_t offset, uint64_t flags)
{
	uint8_t *p = ref_record(r, 64);

	memcpy(p, "EADD\0\0\0", 8);
	le_bytes(p + 8, offset, 8);
	le_bytes(p + 16, flags, 8);
}

static void ref_eextend(struct ref *r, uint64_t offset, const uint8_t *data)
{
	uint8_t *p = ref_record(r, 64 + 256);

	memcpy(p, "EEXTEND", 8);
	le_bytes(p + 8, offset, 8);
	memcpy(p + 64, data, 256);
}

static void ref_digest(struct ref *r, uint8_t out[32])
{
	assert_int_equal(crypto_sha256(r->buf, r->len, out), 0);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* ---- scenarios --------------------------------------------------------------- */

struct page_desc {
	uint64_t offset;
	uint64_t flags;
	int measured;
	uint8_t fill;           /* 0xff: byte i is (i * 13) & 0xff */
};

#define MAX_PAGES 4

static const struct {
	unsigned int row;
	uint32_t ssa;
	uint64_t size;
	unsigned int nr_pages;
	struct page_desc pages[MAX_PAGES];
} rows[] = {
	{ 1, 1, 0x2000, 0, { { 0 } } },
	{ 2, 2, 0x100000000ull, 0, { { 0 } } },
	{ 3, 0xffffffffu, 0xfedcba9876543000ull, 0, { { 0 } } },
	{ 4, 1, 0x4000, 1, { { 0, SGX_SECINFO_TCS, 0, 0 } } },
	{ 5, 1, 0x4000, 1, { { 0x1000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X, 1, 0xff } } },
	{ 6, 1, 0x4000, 1, { { 0x1000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X, 0, 0xff } } },
	{ 7, 3, 0x10000, 4, {
		{ 0, SGX_SECINFO_TCS, 1, 0 },
		{ 0x1000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X, 1, 0xff },
		{ 0x2000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W, 0, 0 },
		{ 0xf000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W, 1, 0x5a },
	} },
	/* Every FLAGS bit goes into the record, whatever it means. */
	{ 8, 1, 0x2000, 1, { { 0x1000, 0x8000000000000fffull, 1, 0x00 } } },
};

static void fill_page(uint8_t *page, uint8_t fill)
{
	for (size_t i = 0; i < SGX_PAGE_SIZE; i++)
		page[i] = fill == 0xff ? (uint8_t)(i * 13) : fill;
}

static void test_records(void **state)
{
	static uint8_t page[SGX_PAGE_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned int row = rows[i].row;
		uint8_t want[32], got[32], got2[32];
		struct ref r = { 0 };
		struct measure m;

		ROW_EQ(row, measure_init(&m), 0);
		ROW_EQ(row, measure_ecreate(&m, rows[i].ssa, rows[i].size), 0);
		ref_ecreate(&r, rows[i].ssa, rows[i].size);
		for (unsigned int p = 0; p < rows[i].nr_pages; p++) {
			const struct page_desc *d = &rows[i].pages[p];

			fill_page(page, d->fill);
			ROW_EQ(row, measure_page(&m, d->offset, d->flags, page, d->measured), 0);
			ref_eadd(&r, d->offset, d->flags);
			if (!d->measured)
				continue;
			for (uint64_t off = 0; off < SGX_PAGE_SIZE; off += 256)
				ref_eextend(&r, d->offset + off, page + off);
		}
		ROW_EQ(row, measure_final(&m, got), 0);
		ref_digest(&r, want);
		ROW_ASSERT(row, memcmp(got, want, 32) == 0);

		/* measure_final() reset the chain: an empty one now. */
		ROW_EQ(row, measure_final(&m, got2), 0);
		ROW_EQ(row, crypto_sha256("", 0, want), 0);
		ROW_ASSERT(row, memcmp(got2, want, 32) == 0);
		measure_destroy(&m);
	}
}

/* measure_page(measured) is exactly EADD then 16 EEXTENDs at +0, +256, ... */
static void test_page_equals_leaves(void **state)
{
	static uint8_t page[SGX_PAGE_SIZE];
	const uint64_t flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W;
	uint8_t a[32], b[32], c[32];
	struct measure m1, m2, m3;

	(void)state;
	fill_page(page, 0xff);
	assert_int_equal(measure_init(&m1), 0);
	assert_int_equal(measure_init(&m2), 0);
	assert_int_equal(measure_init(&m3), 0);
	assert_int_equal(measure_ecreate(&m1, 1, 0x8000), 0);
	assert_int_equal(measure_ecreate(&m2, 1, 0x8000), 0);
	assert_int_equal(measure_ecreate(&m3, 1, 0x8000), 0);

	assert_int_equal(measure_page(&m1, 0x3000, flags, page, 1), 0);
	assert_int_equal(measure_eadd(&m2, 0x3000, flags), 0);
	for (unsigned int i = 0; i < SGX_PAGE_SIZE / MEASURE_EEXTEND_CHUNK; i++)
		assert_int_equal(measure_eextend(&m2, 0x3000 + i * 256, page + i * 256), 0);
	assert_int_equal(measure_page(&m3, 0x3000, flags, page, 0), 0);

	assert_int_equal(measure_final(&m1, a), 0);
	assert_int_equal(measure_final(&m2, b), 0);
	assert_int_equal(measure_final(&m3, c), 0);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	measure_destroy(&m1);
	measure_destroy(&m2);
	measure_destroy(&m3);
}

/*
 * Known answer from outside sgxemu (Python: struct.pack('<8sIQ44x', ...)):
 * ECREATE(ssa 1, size 0x4000); EADD(0, TCS) unmeasured; EADD(0x1000,
 * REG|R|X) measured with byte i = i & 0xff.
 */
static void test_known_answer(void **state)
{
	static const uint8_t want[32] = {
		0x0a, 0xda, 0xa6, 0x1d, 0x33, 0x15, 0x5a, 0xe4, 0x1d, 0xb2, 0x76, 0x4f,
		0xc8, 0xec, 0x8d, 0xba, 0xc8, 0xe1, 0xa9, 0x82, 0x92, 0xdf, 0x84, 0x72,
		0x9c, 0xf0, 0x3f, 0x66, 0x38, 0x59, 0xce, 0x83,
	};
	static uint8_t page[SGX_PAGE_SIZE];
	uint8_t got[32];
	struct measure m;

	(void)state;
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)i;
	assert_int_equal(measure_init(&m), 0);
	assert_int_equal(measure_ecreate(&m, 1, 0x4000), 0);
	assert_int_equal(measure_page(&m, 0, SGX_SECINFO_TCS, page, 0), 0);
	assert_int_equal(measure_page(&m, 0x1000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X,
				      page, 1), 0);
	assert_int_equal(measure_final(&m, got), 0);
	assert_memory_equal(got, want, 32);
	measure_destroy(&m);
	measure_destroy(&m);    /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_page_equals_leaves),
		cmocka_unit_test(test_known_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
