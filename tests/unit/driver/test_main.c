// SPDX-License-Identifier: MIT
/*
 * The EPC allocator (main.c): free pages, -ENOMEM/-EBUSY, contiguity,
 * the active list, watermarks, pages that were never ours.
 */
#include <string.h>

#include "drv_test_util.h"
#include "encls.h"
#include "sgx.h"

#define SMALL_PAGES 64

static void small_cfg(struct hw_config *cfg, uint64_t pages)
{
	hw_config_default(cfg);
	cfg->epc_size = pages * SGX_PAGE_SIZE;
}

/* Every page once, then -ENOMEM; frees come back. */
static void test_exhaust(void **state)
{
	struct sgx_epc_page *pages[SMALL_PAGES], *p;
	struct sgx_driver_stats st;
	struct hw_config cfg;
	struct drvt d;
	uint64_t seen[SMALL_PAGES] = { 0 }, i;

	(void)state;
	small_cfg(&cfg, SMALL_PAGES);
	/* No ksgxd: pages with fake owners go on the active list below. */
	drvt_setup_manual(&d, &cfg);
	for (i = 0; i < SMALL_PAGES; i++) {
		assert_int_equal(sgx_alloc_epc_page(d.drv, &pages[i], true, NULL, &pages[i]), 0);
		assert_ptr_equal(pages[i]->owner, &pages[i]);
		assert_int_equal(pages[i]->flags, 0);
		seen[sgx_epc_index(d.drv, pages[i])]++;
	}
	for (i = 0; i < SMALL_PAGES; i++)
		assert_int_equal(seen[i], 1);
	/* Nothing free, nothing reclaimable: -ENOMEM either way. */
	assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, NULL, &p), -ENOMEM);
	assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, false, NULL, &p), -ENOMEM);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.epc_free, 0);
	assert_int_equal(st.epc_used, SMALL_PAGES);

	/* With something on the active list: !reclaim is -EBUSY (the fault
	 * path retries while ksgxd reclaims). */
	sgx_mark_page_reclaimable(d.drv, pages[3]);
	assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, false, NULL, &p), -EBUSY);
	assert_int_equal(sgx_alloc_epc_page_noreclaim(d.drv, NULL, NULL, &p), -EBUSY);
	assert_int_equal(sgx_unmark_page_reclaimable(d.drv, pages[3]), 0);
	assert_int_equal(sgx_alloc_epc_page_noreclaim(d.drv, NULL, NULL, &p), -ENOMEM);

	sgx_free_epc_page(d.drv, pages[17]);
	assert_int_equal(pages[17]->flags, SGX_EPC_PAGE_IS_FREE);
	assert_null(pages[17]->owner);
	assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, NULL, &p), 0);
	assert_ptr_equal(p, pages[17]);
	for (i = 0; i < SMALL_PAGES; i++)
		sgx_free_epc_page(d.drv, pages[i]);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.epc_free, SMALL_PAGES);
	drvt_teardown(&d);
}

/*
 * Two enclaves allocating in turn each get consecutive pages: each has its
 * own cursor, so their pages do not interleave.
 */
static void test_contiguity(void **state)
{
	struct sgx_epc_page *a[40], *b[40];
	uint64_t ha = UINT64_MAX, hb = UINT64_MAX, i;
	struct hw_config cfg;
	struct drvt d;

	(void)state;
	small_cfg(&cfg, 1024);
	drvt_setup(&d, &cfg);
	/* Enclave a starts; b starts later, at the global cursor beyond a. */
	assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, &ha, &a[0]), 0);
	for (i = 1; i < 40; i++) {
		if (i == 1)
			hb = sgx_epc_index(d.drv, a[0]) + 100;
		assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, &ha, &a[i]), 0);
		assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, &hb, &b[i]), 0);
		assert_int_equal(sgx_epc_index(d.drv, a[i]), sgx_epc_index(d.drv, a[i - 1]) + 1);
		if (i > 1)
			assert_int_equal(sgx_epc_index(d.drv, b[i]),
					 sgx_epc_index(d.drv, b[i - 1]) + 1);
	}
	/* A hole left by a free is skipped by a cursor past it, and found
	 * again when the search wraps. */
	sgx_free_epc_page(d.drv, a[5]);
	ha = 1020;
	for (i = 0; i < 4; i++) {
		struct sgx_epc_page *p;

		assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, &ha, &p), 0);
		assert_int_equal(sgx_epc_index(d.drv, p), 1020 + i);
		sgx_free_epc_page(d.drv, p);
		ha = 1020 + i + 1;
	}
	{
		struct sgx_epc_page *p;
		uint64_t h = 1024;      /* past the end: wraps to the first free page */

		assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, &h, &p), 0);
		assert_ptr_equal(p, a[5]);
		sgx_free_epc_page(d.drv, p);
	}
	for (i = 0; i < 40; i++) {
		if (i != 5)
			sgx_free_epc_page(d.drv, a[i]);
		if (i)
			sgx_free_epc_page(d.drv, b[i]);
	}
	drvt_teardown(&d);
}

/* The active list through index links: order and removal anywhere. */
static void test_active_list(void **state)
{
	struct sgx_epc_page *p[5];
	struct drvt d;
	uint32_t i, at;
	static const int unmark_order[5] = { 2, 0, 4, 1, 3 };

	(void)state;
	drvt_setup_manual(&d, NULL);
	for (i = 0; i < 5; i++) {
		assert_int_equal(sgx_alloc_epc_page(d.drv, NULL, true, NULL, &p[i]), 0);
		sgx_mark_page_reclaimable(d.drv, p[i]);
		assert_true(p[i]->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
	}
	assert_int_equal(atomic_load(&d.drv->nr_active), 5);
	for (at = d.drv->active_head, i = 0; at != SGX_EPC_NONE; at = d.drv->epc_pages[at].lru_next)
		assert_int_equal(at, sgx_epc_index(d.drv, p[i++]));
	assert_int_equal(i, 5);
	assert_int_equal(d.drv->active_tail, sgx_epc_index(d.drv, p[4]));

	/* Isolated by the reclaimer (tracked, off the list): -EBUSY. */
	assert_int_equal(sgx_unmark_page_reclaimable(d.drv, p[2]), 0);
	p[2]->flags |= SGX_EPC_PAGE_RECLAIMER_TRACKED;
	assert_int_equal(sgx_unmark_page_reclaimable(d.drv, p[2]), -EBUSY);
	p[2]->flags &= (uint16_t)~SGX_EPC_PAGE_RECLAIMER_TRACKED;

	for (i = 1; i < 5; i++) {
		assert_int_equal(sgx_unmark_page_reclaimable(d.drv, p[unmark_order[i]]), 0);
		/* Unmarking twice is harmless. */
		assert_int_equal(sgx_unmark_page_reclaimable(d.drv, p[unmark_order[i]]), 0);
	}
	assert_int_equal(d.drv->active_head, SGX_EPC_NONE);
	assert_int_equal(d.drv->active_tail, SGX_EPC_NONE);
	assert_int_equal(atomic_load(&d.drv->nr_active), 0);
	for (i = 0; i < 5; i++)
		sgx_free_epc_page(d.drv, p[i]);
	drvt_teardown(&d);
}

static void test_watermarks(void **state)
{
	static const struct {
		uint64_t pages, low, high;              /* config */
		int ret;
		uint64_t want_low, want_high;
	} rows[] = {
		/* 0 */ { 8192, 0, 0, 0, 32, 64 },      /* the kernel's values */
		/* 1 */ { 1024, 0, 0, 0, 32, 64 },
		/* 2 */ { 512, 0, 0, 0, 16, 32 },       /* scaled below 4 MiB */
		/* 3 */ { 16, 0, 0, 0, 1, 2 },
		/* 4 */ { 1024, 10, 20, 0, 10, 20 },
		/* 5 */ { 1024, 20, 20, -EINVAL, 0, 0 },
		/* 6 */ { 1024, 0, 20, -EINVAL, 0, 0 },
		/* 7 */ { 1024, 10, 2000, -EINVAL, 0, 0 },
	};
	struct sgx_driver_config dc = { 0 };
	struct sgx_driver *drv;
	struct hw_config cfg;
	struct hwt t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int ret;

		small_cfg(&cfg, rows[i].pages);
		hwt_setup(&t, &cfg);
		dc.low_pages = rows[i].low;
		dc.high_pages = rows[i].high;
		ret = sgx_driver_create(t.hw, &dc, &drv);
		if (ret != rows[i].ret)
			fail_msg("row %zu: ret %d, want %d", i, ret, rows[i].ret);
		if (!ret) {
			if (drv->low_pages != rows[i].want_low || drv->high_pages != rows[i].want_high)
				fail_msg("row %zu: %llu/%llu", i, (unsigned long long)drv->low_pages,
					 (unsigned long long)drv->high_pages);
			sgx_driver_destroy(drv);
		}
		hwt_teardown(&t);
	}
}

/* Pages someone else made valid before the driver came are never handed out. */
static void test_foreign_pages(void **state)
{
	struct sgx_epc_page *p;
	struct sgx_driver *drv;
	struct hw_config cfg;
	struct hwt t;
	void *va;
	uint64_t i;

	(void)state;
	small_cfg(&cfg, 8);
	hwt_setup(&t, &cfg);
	va = hw_epc_page(t.hw, 3);
	assert_int_equal(encls_epa(t.hw, va), 0);
	assert_int_equal(sgx_driver_create(t.hw, NULL, &drv), 0);
	for (i = 0; i < 7; i++) {
		assert_int_equal(sgx_alloc_epc_page(drv, NULL, true, NULL, &p), 0);
		assert_int_not_equal(sgx_epc_index(drv, p), 3);
	}
	assert_int_equal(sgx_alloc_epc_page(drv, NULL, true, NULL, &p), -ENOMEM);
	for (i = 0; i < 8; i++)
		if (i != 3)
			sgx_free_epc_page(drv, &drv->epc_pages[i]);
	sgx_driver_destroy(drv);
	assert_int_equal(encls_eremove(t.hw, va), 0);
	hwt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaust),
		cmocka_unit_test(test_contiguity),
		cmocka_unit_test(test_active_list),
		cmocka_unit_test(test_watermarks),
		cmocka_unit_test(test_foreign_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
