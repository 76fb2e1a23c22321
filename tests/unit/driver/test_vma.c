// SPDX-License-Identifier: MIT
/*
 * Enclave mappings (vma.c, sgx_encl_may_map): the permission matrix -
 * every SECINFO permission combination (and TCS, and a hole) × every
 * requested protection × mmap/mprotect × before/after INIT - then ELRANGE
 * bounds, flags, splitting/merging and references.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>

#include "drv_test_util.h"
#include "encl.h"

#define ESIZE 0x10000ull
#define R SGX_SECINFO_R
#define W SGX_SECINFO_W
#define X SGX_SECINFO_X

static const struct page_kind {
	const char *what;
	uint64_t offset;
	uint64_t secinfo;               /* 0: a hole, nothing added */
	int max;                        /* maximum protection */
} kinds[] = {
	{ "TCS", 0x0000, SGX_SECINFO_TCS, PROT_READ | PROT_WRITE },
	{ "R", 0x1000, SGX_SECINFO_REG | R, PROT_READ },
	{ "RW", 0x2000, SGX_SECINFO_REG | R | W, PROT_READ | PROT_WRITE },
	{ "RX", 0x3000, SGX_SECINFO_REG | R | X, PROT_READ | PROT_EXEC },
	{ "RWX", 0x4000, SGX_SECINFO_REG | R | W | X, PROT_READ | PROT_WRITE | PROT_EXEC },
	{ "hole", 0x5000, 0, PROT_READ | PROT_WRITE | PROT_EXEC },
};
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* An enclave with one page of each kind; initialized if @init. */
static void build(struct drvt *d, struct drvt_encl *e, bool init)
{
	size_t k;

	drvt_encl(d, e, ESIZE, 0);
	for (k = 0; k < NR_KINDS; k++)
		if (kinds[k].secinfo)
			assert_int_equal(drvt_add(e, kinds[k].offset, 1, kinds[k].secinfo, 0, NULL,
						  true, NULL), 0);
	if (init)
		assert_int_equal(drvt_init(e), 0);
}

static long map_req(struct drvt_encl *e, uint64_t offset, uint64_t len, int prot, bool via_mprotect)
{
	intptr_t r;

	if (!via_mprotect)
		return drvt_mmap(e, offset, len, prot);
	r = drvt_mmap(e, offset, len, PROT_NONE);
	if (r < 0)
		return r;
	return sgx_mprotect(e->d->drv, (void *)(uintptr_t)(e->base + offset), len, prot);
}

static void test_matrix(void **state)
{
	unsigned int row = 0;
	int init, how, req;
	size_t k;

	(void)state;
	for (init = 0; init < 2; init++) {
		struct drvt_encl e;
		struct drvt d;

		drvt_setup(&d, NULL);
		build(&d, &e, init);
		for (how = 0; how < 2; how++) {
			for (k = 0; k < NR_KINDS; k++) {
				for (req = 0; req < 8; req++, row++) {
					long want = (req & ~kinds[k].max) ? -EACCES : 0;
					long ret = map_req(&e, kinds[k].offset, SGX_PAGE_SIZE, req, how);

					if ((ret < 0 ? ret : 0) != want)
						fail_msg("row %u: %s %s page, prot %d, %s INIT: %ld, want %ld",
							 row, how ? "mprotect" : "mmap", kinds[k].what,
							 req, init ? "after" : "before", ret, want);
					assert_int_equal(sgx_munmap(d.drv, (void *)(uintptr_t)
								    (e.base + kinds[k].offset),
								    SGX_PAGE_SIZE), ret >= 0 || how ? 0 : 1);
				}
			}
		}
		/* Two pages at once: the weaker maximum rules (R ∩ RW = R). */
		assert_int_equal(drvt_mmap(&e, 0x1000, 0x2000, PROT_READ), (intptr_t)(e.base + 0x1000));
		assert_int_equal(drvt_mmap(&e, 0x1000, 0x2000, PROT_READ | PROT_WRITE), -EACCES);
		/* TCS + R: RW is too much for the R page, R fits both. */
		assert_int_equal(drvt_mmap(&e, 0x0000, 0x2000, PROT_READ | PROT_WRITE), -EACCES);
		assert_int_equal(drvt_mmap(&e, 0x0000, 0x2000, PROT_READ), (intptr_t)e.base);
		/* Holes do not restrict: RWX over the hole and the pages beyond it. */
		assert_int_equal(drvt_mmap(&e, 0x5000, 0xb000, PROT_READ | PROT_WRITE | PROT_EXEC),
				 (intptr_t)(e.base + 0x5000));
		drvt_close(&e);
		drvt_teardown(&d);
	}
}

/* ELRANGE binds after INIT only. */
static void test_elrange(void **state)
{
	struct drvt_encl e;
	struct drvt d;
	intptr_t r;

	(void)state;
	drvt_setup(&d, NULL);
	build(&d, &e, false);
	/* Before INIT: anywhere, with anything (the selftest's noexec probe). */
	assert_int_equal(drvt_mmap(&e, ESIZE, SGX_PAGE_SIZE, PROT_READ | PROT_EXEC),
			 (intptr_t)(e.base + ESIZE));
	r = sgx_mmap(e.f, NULL, SGX_PAGE_SIZE, PROT_EXEC, MAP_SHARED, 0);
	assert_true(r > 0);
	assert_int_equal(sgx_munmap(d.drv, (void *)r, SGX_PAGE_SIZE), 0);
	assert_int_equal(sgx_munmap(d.drv, (void *)(uintptr_t)(e.base + ESIZE), SGX_PAGE_SIZE), 0);

	assert_int_equal(drvt_init(&e), 0);
	assert_int_equal(drvt_mmap(&e, ESIZE, SGX_PAGE_SIZE, PROT_READ), -EACCES);
	assert_int_equal(drvt_mmap(&e, ESIZE - SGX_PAGE_SIZE, 2 * SGX_PAGE_SIZE, PROT_READ), -EACCES);
	/* A driver-chosen address lies outside ELRANGE: refused too. */
	assert_int_equal(sgx_mmap(e.f, NULL, SGX_PAGE_SIZE, PROT_READ, MAP_SHARED, 0), -EACCES);
	assert_int_equal(drvt_mmap(&e, 0, ESIZE, PROT_READ), (intptr_t)e.base);
	/* mprotect is bound by the same rules. */
	assert_int_equal(sgx_mprotect(d.drv, (void *)(uintptr_t)e.base, ESIZE, PROT_READ | PROT_WRITE),
			 -EACCES);
	drvt_close(&e);
	drvt_teardown(&d);
}

static void test_flags(void **state)
{
	static const struct { const char *what; uint64_t off, len; int flags; intptr_t want; } rows[] = {
		/* 0 */ { "MAP_PRIVATE", 0, 4096, MAP_PRIVATE | MAP_FIXED, -EINVAL },
		/* 1 */ { "no type", 0, 4096, MAP_FIXED, -EINVAL },
		/* 2 */ { "length 0", 0, 0, MAP_SHARED | MAP_FIXED, -EINVAL },
		/* 3 */ { "address not aligned", 8, 4096, MAP_SHARED | MAP_FIXED, -EINVAL },
		/* 4 */ { "MAP_SHARED_VALIDATE", 0, 4096, MAP_SHARED_VALIDATE | MAP_FIXED, 0 },
		/* 5 */ { "length rounded up", 0, 100, MAP_SHARED | MAP_FIXED, 0 },
		/* 6 */ { "huge length", 0, SIZE_MAX - 10, MAP_SHARED | MAP_FIXED, -ENOMEM },
	};
	struct drvt_encl e;
	struct drvt d;
	size_t i;

	(void)state;
	drvt_setup(&d, NULL);
	build(&d, &e, false);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		intptr_t r = sgx_mmap(e.f, (void *)(uintptr_t)(e.base + rows[i].off), rows[i].len,
				      PROT_READ, rows[i].flags, 0);

		if ((r < 0 ? r : 0) != rows[i].want)
			fail_msg("row %zu (%s): %ld, want %ld", i, rows[i].what, (long)r,
				 (long)rows[i].want);
		if (r > 0)
			assert_int_equal(sgx_munmap(d.drv, (void *)r, rows[i].len), 0);
	}
	/* MAP_FIXED_NOREPLACE over an enclave mapping: -EEXIST. */
	assert_true(drvt_mmap(&e, 0, 0x2000, PROT_READ) > 0);
	assert_int_equal(sgx_mmap(e.f, (void *)(uintptr_t)e.base, 4096, PROT_READ,
				  MAP_SHARED | MAP_FIXED_NOREPLACE, 0), -EEXIST);
	/* Bad arguments to mprotect/munmap. */
	assert_int_equal(sgx_mprotect(d.drv, (void *)(uintptr_t)(e.base + 1), 4096, PROT_READ), -EINVAL);
	assert_int_equal(sgx_mprotect(d.drv, (void *)(uintptr_t)e.base, 4096, 0x100), -EINVAL);
	assert_int_equal(sgx_mprotect(d.drv, (void *)(uintptr_t)e.base, 4096, PROT_READ | PROT_GROWSDOWN),
			 -EINVAL);
	assert_int_equal(sgx_munmap(d.drv, (void *)(uintptr_t)(e.base + 1), 4096), -EINVAL);
	assert_int_equal(sgx_munmap(d.drv, (void *)(uintptr_t)e.base, 0), -EINVAL);
	/* READ_IMPLIES_EXEC tasks may not map enclaves at all. */
	{
		int old = personality(0xffffffff);

		assert_true(personality((unsigned long)old | READ_IMPLIES_EXEC) >= 0);
		assert_int_equal(drvt_mmap(&e, 0x1000, 4096, PROT_READ), -EACCES);
		assert_true(personality((unsigned long)old) >= 0);
	}
	drvt_close(&e);
	drvt_teardown(&d);
}

static size_t nr_vmas(struct drvt *d)
{
	return d->drv->nr_vmas;
}

/* Splits and merges, references, ranges that are not ours. */
static void test_split_merge(void **state)
{
	struct sgx_driver_stats st;
	struct drvt_encl e;
	struct drvt d;
	void *other;
	uint8_t *b;

	(void)state;
	drvt_setup(&d, NULL);
	build(&d, &e, true);
	b = (uint8_t *)(uintptr_t)e.base;
	other = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(other != MAP_FAILED);
	/* Not ours: 1, the caller does the real call. */
	assert_int_equal(sgx_mprotect(d.drv, other, 4096, PROT_READ | PROT_WRITE), 1);
	assert_int_equal(sgx_munmap(d.drv, other, 4096), 1);
	munmap(other, 4096);

	assert_int_equal(drvt_mmap(&e, 0x5000, 0x4000, PROT_READ | PROT_WRITE), (intptr_t)(b + 0x5000));
	assert_int_equal(nr_vmas(&d), 1);
	assert_int_equal(atomic_load(&e.f->encl->refcount), 2);
	/* mprotect the middle: three VMAs, three references. */
	assert_int_equal(sgx_mprotect(d.drv, b + 0x6000, 0x1000, PROT_READ), 0);
	assert_int_equal(nr_vmas(&d), 3);
	assert_int_equal(atomic_load(&e.f->encl->refcount), 4);
	assert_true(sgx_is_enclave_addr(d.drv, e.base + 0x6000));
	/* Back to RW: merged again. */
	assert_int_equal(sgx_mprotect(d.drv, b + 0x6000, 0x1000, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(nr_vmas(&d), 1);
	assert_int_equal(atomic_load(&e.f->encl->refcount), 2);
	/* munmap a hole in the middle: the driver's part, then the caller's. */
	assert_int_equal(sgx_munmap(d.drv, b + 0x6000, 0x1000), 0);
	assert_int_equal(munmap(b + 0x6000, 0x1000), 0);
	assert_int_equal(nr_vmas(&d), 2);
	assert_false(sgx_is_enclave_addr(d.drv, e.base + 0x6000));
	assert_true(sgx_is_enclave_addr(d.drv, e.base + 0x5000));
	assert_true(sgx_is_enclave_addr(d.drv, e.base + 0x7fff));
	/* mprotect across the hole: the hole is nobody's, -ENOMEM (Linux). */
	assert_int_equal(sgx_mprotect(d.drv, b + 0x5000, 0x3000, PROT_READ), -ENOMEM);
	/* MAP_FIXED over both pieces replaces them. */
	assert_int_equal(drvt_mmap(&e, 0x4000, 0x6000, PROT_READ), (intptr_t)(b + 0x4000));
	assert_int_equal(nr_vmas(&d), 1);
	assert_int_equal(atomic_load(&e.f->encl->refcount), 2);

	/* The mapping keeps the enclave alive after the file is gone. */
	sgx_release(e.f);
	e.f = NULL;
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.enclaves, 1);
	assert_int_not_equal(drvt_epcm_valid(&d), 0);
	assert_int_equal(sgx_munmap(d.drv, b, ESIZE), 0);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.enclaves, 0);
	assert_int_equal(drvt_epcm_valid(&d), 0);
	assert_int_equal(st.epc_used, 0);
	drvt_close(&e);
	drvt_teardown(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_elrange),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_split_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
