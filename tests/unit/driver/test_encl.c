// SPDX-License-Identifier: MIT
/*
 * Enclave objects (encl.c): VA pages every 512 pages and the undo of a
 * failed add, VA slots, a sparse multi-GiB ELRANGE, statistics by page
 * type, and release returning every EPC page however the enclave ends.
 */
#include <string.h>
#include <sys/mman.h>

#include "drv_test_util.h"
#include "encl.h"

#define RW (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)

static void test_va_pages(void **state)
{
	struct sgx_driver_stats st;
	struct drvt_encl e;
	struct drvt d;
	uint64_t used;

	(void)state;
	drvt_setup(&d, NULL);
	drvt_encl(&d, &e, 4ull << 20, 0);
	/* The SECS took slot 1 of the first VA page: 511 pages fill it. */
	assert_int_equal(drvt_add(&e, 0, 511, RW, 0, NULL, false, NULL), 0);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.va_pages, 1);
	assert_int_equal(e.f->encl->page_cnt, 512);
	used = st.epc_used;
	/* A failed add takes its VA page back (grow, then shrink). */
	assert_int_equal(drvt_add(&e, 0, 1, RW, 0, NULL, false, NULL), -EBUSY);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.va_pages, 1);
	assert_int_equal(st.epc_used, used);
	assert_int_equal(e.f->encl->page_cnt, 512);
	/* The 512th page needs a second VA page. */
	assert_int_equal(drvt_add(&e, 511 * 4096, 1, RW, 0, NULL, false, NULL), 0);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.va_pages, 2);
	assert_int_equal(st.pages_by_type[SGX_PT_REG], 512);
	assert_int_equal(st.pages_by_type[SGX_PT_SECS], 1);
	assert_int_equal(st.epc_used, 512 + 1 + 2);
	drvt_close(&e);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.epc_used, 0);
	assert_int_equal(st.va_pages, 0);
	drvt_teardown(&d);
}

static void test_va_slots(void **state)
{
	struct sgx_encl_va_page va;
	unsigned int i;

	(void)state;
	memset(&va, 0, sizeof(va));
	for (i = 0; i < SGX_VA_SLOT_COUNT; i++) {
		assert_false(sgx_va_page_full(&va));
		assert_int_equal(sgx_alloc_va_slot(&va), i * 8);
	}
	assert_true(sgx_va_page_full(&va));
	assert_int_equal(sgx_alloc_va_slot(&va), SGX_VA_SLOT_COUNT * 8);
	sgx_free_va_slot(&va, 300 * 8);
	assert_false(sgx_va_page_full(&va));
	assert_int_equal(sgx_alloc_va_slot(&va), 300 * 8);
}

/* 32 GiB of ELRANGE with three pages: a sparse page array, cheap walks. */
static void test_sparse(void **state)
{
	const uint64_t size = 1ull << 35;
	struct sgx_driver_stats st;
	struct drvt_encl e;
	struct drvt d;

	(void)state;
	drvt_setup(&d, NULL);
	drvt_encl(&d, &e, size, 0);
	assert_int_equal(drvt_add(&e, 0, 1, SGX_SECINFO_TCS, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(&e, size / 2, 1, RW | SGX_SECINFO_X, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(&e, size - 4096, 1, RW, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_init(&e), 0);
	/* may_map walks the whole range: only three entries to look at. */
	assert_int_equal(drvt_mmap(&e, 0, size, PROT_READ | PROT_WRITE), (intptr_t)e.base);
	assert_int_equal(sgx_mprotect(d.drv, (void *)(uintptr_t)e.base, size,
				      PROT_READ | PROT_WRITE | PROT_EXEC), -EACCES);
	assert_int_equal(sgx_mprotect(d.drv, (void *)(uintptr_t)(e.base + size / 2), 4096,
				      PROT_READ | PROT_WRITE | PROT_EXEC), 0);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.pages_by_type[SGX_PT_TCS], 1);
	assert_int_equal(st.pages_by_type[SGX_PT_REG], 2);
	drvt_close(&e);
	drvt_teardown(&d);
}

static void test_refs(void **state)
{
	struct sgx_file *f2;
	struct sgx_encl *encl;
	struct drvt_encl e;
	struct drvt d;

	(void)state;
	drvt_setup(&d, NULL);
	drvt_encl(&d, &e, 0x10000, 0);
	encl = e.f->encl;
	assert_int_equal(atomic_load(&encl->refcount), 1);
	assert_true(sgx_encl_get_unless_zero(encl));
	assert_int_equal(atomic_load(&encl->refcount), 2);
	sgx_encl_put(encl);
	/* dup(): the file stays until the last reference. */
	f2 = sgx_file_get(e.f);
	assert_ptr_equal(f2, e.f);
	sgx_release(e.f);
	assert_int_equal(atomic_load(&encl->refcount), 1);
	assert_int_equal(sgx_file_dev(f2), SGX_DEV_ENCLAVE);
	drvt_close(&e);
	drvt_teardown(&d);
}

/* Files and mappings left behind at driver destroy: all EPC comes back. */
static void test_destroy_with_leftovers(void **state)
{
	struct drvt_encl a, b;
	struct sgx_file *prov;
	struct drvt d;

	(void)state;
	drvt_setup(&d, NULL);
	drvt_encl(&d, &a, 0x10000, 0);
	assert_int_equal(drvt_add(&a, 0, 4, RW, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_init(&a), 0);
	assert_true(drvt_mmap(&a, 0, 0x4000, PROT_READ) > 0);
	drvt_encl(&d, &b, 0x10000, 0);
	assert_true(drvt_mmap(&b, 0, 0x4000, PROT_READ) > 0);
	sgx_release(b.f);               /* b lives on through its mapping only */
	assert_int_equal(sgx_open(d.drv, SGX_DEV_PROVISION, &prov), 0);
	assert_int_not_equal(drvt_epcm_valid(&d), 0);
	drvt_teardown(&d);              /* asserts EPCM empty */
	munmap(a.reserve, 2 * a.size);
	munmap(b.reserve, 2 * b.size);
	measure_destroy(&a.m);
	measure_destroy(&b.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_va_pages),
		cmocka_unit_test(test_va_slots),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_destroy_with_leftovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
