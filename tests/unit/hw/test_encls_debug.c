// SPDX-License-Identifier: MIT
/*
 * EDBGRD and EDBGWR: numbered tables with success, SGX_PAGE_NOT_DEBUGGABLE
 * and every #GP/#PF the SDM lists, on the fixture's default enclave
 * (TCS at 0, RW 0x1000-0x2fff, RX code 0x3000, RW 0x4000, TCS 0x5000,
 * RW 0x6000-0x7fff).
 */
#include "encls_test.h"

static uint8_t outside[SGX_PAGE_SIZE] __attribute__((aligned(4096)));

enum target {
	T_REG, T_MISALIGNED, T_OUTSIDE, T_LOCKED, T_FREE, T_SECS, T_PENDING, T_TCS_MODIFIED,
	T_TRIM, T_TCS_FLAGS, T_TCS_LAST, T_TCS_BEYOND, T_TCS_STATE, T_TCS_OSSA, T_VA_EMPTY,
	T_VA_USED, T_NODEBUG, T_CODE, T_REG_PR,
};

struct dbg_env {
	struct hwt t;
	struct hwt_encl e, nodebug;
	void *pending, *tcs_modified, *trim, *va;
};

static void *page(struct hwt_encl *e, uint64_t off)
{
	void *p = hwt_lookup(e, e->base + off);

	assert_non_null(p);
	return p;
}

/*
 * A DEBUG enclave with one page in each state EDBG* distinguishes, a
 * non-debug enclave, and a VA page.
 */
static void env_setup(struct dbg_env *d)
{
	struct sgx_secinfo tcs = { .flags = SGX_SECINFO_TCS };
	struct sgx_secinfo trim = { .flags = SGX_SECINFO_TRIM };
	struct sgx_secinfo restrict_r = { .flags = SGX_SECINFO_R };
	struct sgx_pageinfo pg = { 0 };

	hwt_setup(&d->t, NULL);
	hwt_build_default(&d->t, &d->e, SGX_ATTR_DEBUG);
	hwt_build_default(&d->t, &d->nodebug, 0);

	d->pending = hwt_epc(&d->t);
	pg.addr = d->e.base + 0x8000;
	pg.secs = a64(d->e.secs);
	assert_leaf(-1, encls_eaug(d->t.hw, &pg, d->pending), 0);
	d->tcs_modified = page(&d->e, 0x6000);
	assert_leaf(-2, encls_emodt(d->t.hw, &tcs, d->tcs_modified), 0);
	d->trim = page(&d->e, 0x7000);
	assert_leaf(-3, encls_emodt(d->t.hw, &trim, d->trim), 0);
	epcm_raw(&d->t, d->trim)->flags &= (uint8_t)~EPCM_MODIFIED;     /* EACCEPTed */
	assert_leaf(-4, encls_emodpr(d->t.hw, &restrict_r, page(&d->e, 0x2000)), 0);

	d->va = hwt_epc(&d->t);
	epcm_set(d->t.hw, hwt_epc_index(&d->t, d->va), SGX_PT_VA, 0, 0, 0);
	((uint64_t *)d->va)[1] = 5;     /* low bits only: still an empty slot */
	((uint64_t *)d->va)[2] = 0x1000;
}

static void env_teardown(struct dbg_env *d)
{
	measure_destroy(&d->e.m);
	measure_destroy(&d->nodebug.m);
	hwt_teardown(&d->t);
}

/* Address for @target; *@locked set when the row holds the page lock. */
static uint8_t *address(struct dbg_env *d, enum target target, const void **locked)
{
	*locked = NULL;
	switch (target) {
	case T_REG: return (uint8_t *)page(&d->e, 0x4000) + 0x18;
	case T_MISALIGNED: return (uint8_t *)page(&d->e, 0x4000) + 0x1c;
	case T_OUTSIDE: return outside + 8;
	case T_LOCKED: *locked = page(&d->e, 0x4000); return page(&d->e, 0x4000);
	case T_FREE: return hwt_epc(&d->t);
	case T_SECS: return (uint8_t *)d->e.secs + 0x40;
	case T_PENDING: return d->pending;
	case T_TCS_MODIFIED: return (uint8_t *)d->tcs_modified + 8;
	case T_TRIM: return d->trim;
	case T_TCS_FLAGS: return (uint8_t *)page(&d->e, 0x5000) + 8;
	case T_TCS_LAST: return (uint8_t *)page(&d->e, 0x5000) + 0x40;
	case T_TCS_BEYOND: return (uint8_t *)page(&d->e, 0x5000) + 0x48;
	case T_TCS_STATE: return page(&d->e, 0x5000);
	case T_TCS_OSSA: return (uint8_t *)page(&d->e, 0x5000) + 0x10;
	case T_VA_EMPTY: return (uint8_t *)d->va + 8;
	case T_VA_USED: return (uint8_t *)d->va + 16;
	case T_NODEBUG: return page(&d->nodebug, 0x4000);
	case T_CODE: return (uint8_t *)page(&d->e, 0x3000) + 0x100;
	case T_REG_PR: return page(&d->e, 0x2000);
	}
	return NULL;
}

static void test_edbgrd_rows(void **state)
{
	static const struct {
		enum target target;
		unsigned int want;
		uint64_t data;          /* expected RBX on success */
	} rows[] = {
		/* 0 */ { T_REG, 0, 0x1122334455667788ull },
		/* 1 */ { T_MISALIGNED, SGX_FAULT_GP, 0 },
		/* 2 */ { T_OUTSIDE, SGX_FAULT_PF, 0 },
		/* 3 */ { T_LOCKED, SGX_FAULT_GP, 0 },
		/* 4 */ { T_FREE, SGX_FAULT_PF, 0 },
		/* 5 */ { T_SECS, SGX_FAULT_PF, 0 },
		/* 6 */ { T_PENDING, SGX_PAGE_NOT_DEBUGGABLE, 0 },
		/* 7 */ { T_TCS_MODIFIED, SGX_PAGE_NOT_DEBUGGABLE, 0 },
		/* 8 */ { T_TRIM, SGX_FAULT_PF, 0 },
		/* 9 */ { T_TCS_OSSA, 0, 0x6000 },
		/* 10 */ { T_TCS_LAST, 0, 0xffffffffffffffffull },       /* FS/GS limits */
		/* 11 */ { T_TCS_BEYOND, SGX_FAULT_GP, 0 },
		/* 12 */ { T_VA_EMPTY, 0, 0 },
		/* 13 */ { T_VA_USED, 0, ~0ull },
		/* 14 */ { T_NODEBUG, SGX_FAULT_GP, 0 },
		/* 15 */ { T_CODE, 0, 0xccccccccccccccccull },          /* X-only rights ignored */
		/* 16 */ { T_REG_PR, 0, 0 },                            /* PR is not PENDING */
	};
	struct dbg_env d;
	size_t i;

	(void)state;
	env_setup(&d);
	*(uint64_t *)((uint8_t *)page(&d.e, 0x4000) + 0x18) = 0x1122334455667788ull;
	for (i = 0; i < ROWS(rows); i++) {
		const void *locked;
		uint8_t *a = address(&d, rows[i].target, &locked);
		uint64_t data = 0xdeadbeef;

		assert_leaf(i, WITH_LOCK(&d.t, locked, encls_edbgrd(d.t.hw, a, &data)),
			    rows[i].want);
		if (!rows[i].want && data != rows[i].data)
			fail_msg("row %zu: read 0x%llx, want 0x%llx", i, (unsigned long long)data,
				 (unsigned long long)rows[i].data);
		if (rows[i].want && data != 0xdeadbeef)
			fail_msg("row %zu: RBX written on failure", i);
	}
	env_teardown(&d);
}

static void test_edbgwr_rows(void **state)
{
	static const struct {
		enum target target;
		unsigned int want;
	} rows[] = {
		/* 0 */ { T_REG, 0 },
		/* 1 */ { T_MISALIGNED, SGX_FAULT_GP },
		/* 2 */ { T_OUTSIDE, SGX_FAULT_PF },
		/* 3 */ { T_LOCKED, SGX_FAULT_GP },
		/* 4 */ { T_FREE, SGX_FAULT_PF },
		/* 5 */ { T_SECS, SGX_FAULT_PF },
		/* 6 */ { T_VA_EMPTY, SGX_FAULT_PF },
		/* 7 */ { T_TRIM, SGX_FAULT_PF },
		/* 8 */ { T_PENDING, SGX_PAGE_NOT_DEBUGGABLE },
		/* 9 */ { T_TCS_MODIFIED, SGX_PAGE_NOT_DEBUGGABLE },
		/* 10 */ { T_TCS_FLAGS, 0 },                    /* DBGOPTIN for a debugger */
		/* 11 */ { T_TCS_STATE, SGX_FAULT_GP },
		/* 12 */ { T_TCS_OSSA, SGX_FAULT_GP },
		/* 13 */ { T_NODEBUG, SGX_FAULT_GP },
		/* 14 */ { T_CODE, 0 },                         /* EPCM W not needed */
		/* 15 */ { T_REG_PR, 0 },
	};
	struct dbg_env d;
	size_t i;

	(void)state;
	env_setup(&d);
	for (i = 0; i < ROWS(rows); i++) {
		const void *locked;
		uint8_t *a = address(&d, rows[i].target, &locked);
		uint64_t before = 0, after = 0, value = 0x0123456789abcdefull + i;

		if (rows[i].target != T_OUTSIDE)
			memcpy(&before, a - ((uintptr_t)a & 7), 8);
		assert_leaf(i, WITH_LOCK(&d.t, locked, encls_edbgwr(d.t.hw, a, value)),
			    rows[i].want);
		if (rows[i].target != T_OUTSIDE)
			memcpy(&after, a - ((uintptr_t)a & 7), 8);
		if (after != (rows[i].want ? before : value))
			fail_msg("row %zu: memory 0x%llx after EDBGWR", i, (unsigned long long)after);
	}
	env_teardown(&d);
}

/* What EDBGWR wrote, EDBGRD reads back; TCS.FLAGS DBGOPTIN can be set. */
static void test_edbg_roundtrip(void **state)
{
	uint8_t *tcs_flags;
	struct dbg_env d;
	uint64_t off, v;

	(void)state;
	env_setup(&d);
	for (off = 0; off < SGX_PAGE_SIZE; off += 8) {
		uint8_t *a = (uint8_t *)page(&d.e, 0x1000) + off;

		assert_leaf(off, encls_edbgwr(d.t.hw, a, off * 3 + 1), 0);
		assert_leaf(off, encls_edbgrd(d.t.hw, a, &v), 0);
		assert_int_equal(v, off * 3 + 1);
	}
	tcs_flags = (uint8_t *)page(&d.e, 0) + 8;
	assert_leaf(0, encls_edbgwr(d.t.hw, tcs_flags, SGX_TCS_DBGOPTIN), 0);
	assert_leaf(1, encls_edbgrd(d.t.hw, tcs_flags, &v), 0);
	assert_int_equal(v, SGX_TCS_DBGOPTIN);
	/* Through the register-level entry: RCX = address, RBX = data. */
	assert_leaf(2, hw_encls(d.t.hw, SGX_EDBGWR, 42, a64(page(&d.e, 0x1000)) + 8, 0, NULL), 0);
	assert_leaf(3, hw_encls(d.t.hw, SGX_EDBGRD, 0, a64(page(&d.e, 0x1000)) + 8, 0, &v), 0);
	assert_int_equal(v, 42);
	env_teardown(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edbgrd_rows),
		cmocka_unit_test(test_edbgwr_rows),
		cmocka_unit_test(test_edbg_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
