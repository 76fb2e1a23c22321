// SPDX-License-Identifier: MIT
/*
 * The sparse page array against a deliberately naive model (a flat array
 * over a small index space), driven by the same random operations, plus
 * the edges of a huge, sparse ELRANGE.
 */
#include <stdlib.h>
#include <string.h>

#include "drv_test_util.h"
#include "page_array.h"

static void test_heights(void **state)
{
	static const struct { uint64_t n; unsigned int h; } rows[] = {
		{ 0, 1 }, { 1, 1 }, { 512, 1 }, { 513, 2 }, { 1ull << 18, 2 },
		{ (1ull << 18) + 1, 3 }, { 1ull << 24, 3 }, { 1ull << 27, 3 }, { 1ull << 28, 4 },
		{ 1ull << 51, 6 },
	};
	struct sgx_page_array pa;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sgx_page_array_init(&pa, rows[i].n);
		if (pa.height != rows[i].h)
			fail_msg("row %zu: height %u, want %u", i, pa.height, rows[i].h);
	}
}

static void test_basic(void **state)
{
	struct sgx_page_array pa;
	int a, b, c;
	uint64_t idx;

	(void)state;
	/* 64 GiB of ELRANGE: 2^24 pages, three levels. */
	sgx_page_array_init(&pa, 1ull << 24);
	assert_null(sgx_page_array_load(&pa, 0));
	assert_int_equal(sgx_page_array_insert(&pa, 5, &a), 0);
	assert_int_equal(sgx_page_array_insert(&pa, 5, &b), -EBUSY);
	assert_int_equal(sgx_page_array_insert(&pa, (1ull << 24) - 1, &b), 0);
	assert_int_equal(sgx_page_array_insert(&pa, 1ull << 24, &c), -EINVAL);
	assert_int_equal(sgx_page_array_insert(&pa, 3000000, &c), 0);
	assert_ptr_equal(sgx_page_array_load(&pa, 5), &a);
	assert_ptr_equal(sgx_page_array_load(&pa, (1ull << 24) - 1), &b);
	assert_null(sgx_page_array_load(&pa, 1ull << 24));

	idx = 0;
	assert_ptr_equal(sgx_page_array_find(&pa, &idx, UINT64_MAX), &a);
	assert_int_equal(idx, 5);
	idx = 6;
	assert_ptr_equal(sgx_page_array_find(&pa, &idx, UINT64_MAX), &c);
	assert_int_equal(idx, 3000000);
	idx = 3000001;
	assert_ptr_equal(sgx_page_array_find(&pa, &idx, UINT64_MAX), &b);
	assert_int_equal(idx, (1ull << 24) - 1);
	idx = 6;
	assert_null(sgx_page_array_find(&pa, &idx, 2999999));

	assert_ptr_equal(sgx_page_array_erase(&pa, 3000000), &c);
	assert_null(sgx_page_array_erase(&pa, 3000000));
	idx = 6;
	assert_ptr_equal(sgx_page_array_find(&pa, &idx, UINT64_MAX), &b);
	sgx_page_array_destroy(&pa);
}

/* WireGuard-style: random operations against a flat array. */
static void test_random_vs_model(void **state)
{
	const uint64_t n = 3 * 512 * 512 + 77;         /* three levels, ragged end */
	const uint64_t window = 4096;
	static void *model[4096];
	static int tokens[4096];
	struct sgx_page_array pa;
	unsigned int seed = 12345, i;
	uint64_t base;

	(void)state;
	sgx_page_array_init(&pa, n);
	/* Keep the model small: indices live in a window placed across node edges. */
	base = 512 * 512 - window / 2;
	memset(model, 0, sizeof(model));
	for (i = 0; i < 200000; i++) {
		uint64_t k = (uint64_t)rand_r(&seed) % window, idx = base + k;
		int op = rand_r(&seed) % 4;

		switch (op) {
		case 0:
		case 1: {
			int ret = sgx_page_array_insert(&pa, idx, &tokens[k]);

			assert_int_equal(ret, model[k] ? -EBUSY : 0);
			model[k] = &tokens[k];
			break;
		}
		case 2:
			assert_ptr_equal(sgx_page_array_erase(&pa, idx), model[k]);
			model[k] = NULL;
			break;
		default: {
			uint64_t from = idx, last = base + (uint64_t)rand_r(&seed) % window, j;
			void *want = NULL, *got;
			uint64_t want_idx = 0;

			for (j = k; base + j <= last && j < window; j++) {
				if (model[j]) {
					want = model[j];
					want_idx = base + j;
					break;
				}
			}
			got = sgx_page_array_find(&pa, &from, last);
			assert_ptr_equal(got, want);
			if (want)
				assert_int_equal(from, want_idx);
			assert_ptr_equal(sgx_page_array_load(&pa, idx), model[k]);
			break;
		}
		}
	}
	sgx_page_array_destroy(&pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heights),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
