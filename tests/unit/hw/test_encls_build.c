// SPDX-License-Identifier: MIT
/*
 * ECREATE, EADD, EEXTEND, EINIT, EREMOVE: one numbered table per leaf with
 * success, every SGX error code and every #GP/#PF the SDM lists that can be
 * reached, then whole-enclave flows (the Linux selftest's enclave, retry
 * after a failed EINIT, teardown).
 *
 * White box: hw_internal.h lets a row hold a page lock (concurrency
 * conflicts) or fake a logical processor inside an enclave.
 */
#include "encls_test.h"

static uint8_t outside[SGX_PAGE_SIZE] __attribute__((aligned(4096)));   /* not EPC */
static uint8_t src[SGX_PAGE_SIZE] __attribute__((aligned(4096)));

/* Write a value of @len bytes at @off in @base (the table's field pokes). */
static void poke(void *base, size_t off, size_t len, uint64_t val)
{
	memcpy((uint8_t *)base + off, &val, len);
}

/* ---- ECREATE ---------------------------------------------------------------- */

enum ec_special {
	EC_NONE, EC_PGINFO_MISALIGN, EC_EPC_MISALIGN, EC_EPC_OUTSIDE, EC_LOCKED,
	EC_VALID, EC_NULL_PGINFO, EC_CONTENTS_MISALIGN, EC_SECINFO_MISALIGN,
	EC_PGINFO_ADDR, EC_PGINFO_SECS, EC_32BIT_HIGH, EC_32BIT_BIG,
};

#define SECS_F(f) offsetof(struct sgx_secs, f), sizeof(((struct sgx_secs *)0)->f)
#define SECS_AT(o, n) (o), (n)

static const struct ecreate_row {
	const char *what;
	enum ec_special special;
	size_t off, len;                /* SECS field to poke (len 0: none) */
	uint64_t val;
	uint64_t secinfo_flags;
	unsigned int want;
} ecreate_rows[] = {
	/* 0 */ { "Linux selftest SECS", EC_NONE, 0, 0, 0, 0, 0 },
	/* 1 */ { "PAGEINFO not 32-aligned", EC_PGINFO_MISALIGN, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 2 */ { "EPC page not 4K-aligned", EC_EPC_MISALIGN, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 3 */ { "target outside EPC", EC_EPC_OUTSIDE, 0, 0, 0, 0, SGX_FAULT_PF },
	/* 4 */ { "SRCPGE not 4K-aligned", EC_CONTENTS_MISALIGN, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 5 */ { "SECINFO not 64-aligned", EC_SECINFO_MISALIGN, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 6 */ { "LINADDR != 0", EC_PGINFO_ADDR, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 7 */ { "PAGEINFO.SECS != 0", EC_PGINFO_SECS, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 8 */ { "SECINFO reserved flag", EC_NONE, 0, 0, 0, 1ull << 6, SGX_FAULT_GP },
	/* 9 */ { "SECINFO type REG", EC_NONE, 0, 0, 0, SGX_SECINFO_REG, SGX_FAULT_GP },
	/* 10 */ { "page locked", EC_LOCKED, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 11 */ { "page already valid", EC_VALID, 0, 0, 0, 0, SGX_FAULT_PF },
	/* 12 */ { "XFRM without SSE", EC_NONE, SECS_F(xfrm), 1, 0, SGX_FAULT_GP },
	/* 13 */ { "XFRM beyond CPUID", EC_NONE, SECS_F(xfrm), 0x1b, 0, SGX_FAULT_GP },
	/* 14 */ { "XFRM with AVX", EC_NONE, SECS_F(xfrm), 7, 0, 0 },
	/* 15 */ { "MISCSELECT unsupported", EC_NONE, SECS_F(miscselect), 2, 0, SGX_FAULT_GP },
	/* 16 */ { "MISCSELECT EXINFO", EC_NONE, SECS_F(miscselect), 1, 0, 0 },
	/* 17 */ { "SSAFRAMESIZE 0", EC_NONE, SECS_F(ssa_frame_size), 0, 0, SGX_FAULT_GP },
	/* 18 */ { "BASEADDR not canonical", EC_NONE, SECS_F(base), 1ull << 47, 0, SGX_FAULT_GP },
	/* 19 */ { "SIZE 2^36", EC_NONE, SECS_F(size), 1ull << 36, 0, SGX_FAULT_GP },
	/* 20 */ { "SIZE one page", EC_NONE, SECS_F(size), 4096, 0, SGX_FAULT_GP },
	/* 21 */ { "SIZE not power of 2", EC_NONE, SECS_F(size), 0x3000, 0, SGX_FAULT_GP },
	/* 22 */ { "BASEADDR not SIZE-aligned", EC_NONE, SECS_F(base), HWT_BASE + 0x1000, 0,
		   SGX_FAULT_GP },
	/* 23 */ { "reserved attribute bit 3", EC_NONE, SECS_F(attributes), 4 | 8, 0, SGX_FAULT_GP },
	/* 24 */ { "ATTRIBUTES.INIT", EC_NONE, SECS_F(attributes), 4 | 1, 0, SGX_FAULT_GP },
	/* 25 */ { "AEXNOTIFY unsupported", EC_NONE, SECS_F(attributes), 4 | 1 << 10, 0, SGX_FAULT_GP },
	/* 26 */ { "ATTRIBUTES bit 63", EC_NONE, SECS_F(attributes), 4 | 1ull << 63, 0, SGX_FAULT_GP },
	/* 27 */ { "DEBUG enclave", EC_NONE, SECS_F(attributes), 4 | 2, 0, 0 },
	/* 28 */ { "reserved byte 0x18", EC_NONE, SECS_AT(0x18, 1), 1, 0, SGX_FAULT_GP },
	/* 29 */ { "reserved byte 0x60", EC_NONE, SECS_AT(0x60, 1), 1, 0, SGX_FAULT_GP },
	/* 30 */ { "reserved byte 0xa0", EC_NONE, SECS_AT(0xa0, 1), 1, 0, SGX_FAULT_GP },
	/* 31 */ { "reserved byte 0xfff", EC_NONE, SECS_AT(0xfff, 1), 1, 0, SGX_FAULT_GP },
	/* 32 */ { "CONFIGID without KSS", EC_NONE, SECS_AT(0xc0 + 63, 1), 1, 0, SGX_FAULT_GP },
	/* 33 */ { "CONFIGSVN without KSS", EC_NONE, SECS_F(config_svn), 1, 0, SGX_FAULT_GP },
	/* 34 */ { "KSS enclave", EC_NONE, SECS_F(attributes), 4 | SGX_ATTR_KSS, 0, 0 },
	/* 35 */ { "32-bit enclave", EC_NONE, SECS_F(attributes), SGX_ATTR_DEBUG, 0, 0 },
	/* 36 */ { "32-bit BASEADDR >= 4G", EC_32BIT_HIGH, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 37 */ { "NULL PAGEINFO", EC_NULL_PGINFO, 0, 0, 0, 0, SGX_FAULT_PF },
	/* 38 */ { "MRENCLAVE garbage is cleared", EC_NONE, SECS_AT(0x40, 8), ~0ull, 0, 0 },
	/* 39 */ { "32-bit SIZE 2^31", EC_32BIT_BIG, 0, 0, 0, 0, SGX_FAULT_GP },
	/* 40 */ { "SIZE two pages", EC_NONE, SECS_F(size), 0x2000, 0, 0 },
};

static void test_ecreate_rows(void **state)
{
	static struct sgx_secs secs;
	static struct sgx_secinfo secinfo;
	static uint8_t buf[256] __attribute__((aligned(64)));
	struct sgx_pageinfo *pg = (struct sgx_pageinfo *)buf;
	size_t i;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	for (i = 0; i < ROWS(ecreate_rows); i++) {
		const struct ecreate_row *r = &ecreate_rows[i];
		void *epc = hwt_epc(&t), *target = epc;
		const void *pginfo = pg, *locked = NULL;
		const struct sgx_secs *s = epc;
		struct hw_epcm_info info;
		unsigned int got;

		hwt_secs_init(&secs, HWT_BASE, 0x10000);
		memset(&secinfo, 0, sizeof(secinfo));
		secinfo.flags = r->secinfo_flags;
		memset(buf, 0, sizeof(buf));
		pg->contents = a64(&secs);
		pg->metadata = a64(&secinfo);
		if (r->len)
			poke(&secs, r->off, r->len, r->val);

		switch (r->special) {
		case EC_PGINFO_MISALIGN:
			memcpy(buf + 136, buf, sizeof(*pg));
			pginfo = buf + 136;
			break;
		case EC_EPC_MISALIGN: target = (uint8_t *)epc + 64; break;
		case EC_EPC_OUTSIDE: target = outside; break;
		case EC_CONTENTS_MISALIGN: pg->contents += 8; break;
		case EC_SECINFO_MISALIGN: pg->metadata += 8; break;
		case EC_PGINFO_ADDR: pg->addr = HWT_BASE; break;
		case EC_PGINFO_SECS: pg->secs = a64(epc); break;
		case EC_LOCKED: locked = epc; break;
		case EC_VALID: assert_int_equal(encls_ecreate(t.hw, pg, epc), 0); break;
		case EC_NULL_PGINFO: pginfo = NULL; break;
		case EC_32BIT_HIGH: secs.attributes = 0; secs.base = 1ull << 32; break;
		case EC_32BIT_BIG: secs.attributes = 0; secs.base = secs.size = 1ull << 31; break;
		case EC_NONE: break;
		}
		got = WITH_LOCK(&t, locked, encls_ecreate(t.hw, pginfo, target));
		assert_leaf(i, got, r->want);
		if (r->special == EC_VALID)
			assert_int_equal(encls_eremove(t.hw, epc), 0);
		info = epcm_of(&t, epc);
		if (r->want) {
			/* Nothing changed; what was copied is wiped. */
			if (info.valid || !page_is_zero(epc) || nr_enclaves(&t))
				fail_msg("row %zu: state left behind by a failed ECREATE", i);
			continue;
		}
		if (!info.valid || info.page_type != SGX_PT_SECS || info.perm || info.pending ||
		    info.modified || info.pr || info.linaddr || nr_enclaves(&t) != 1)
			fail_msg("row %zu: bad EPCM for the SECS", i);
		if (s->base != secs.base || s->size != secs.size || s->mrenclave[0] ||
		    s->attributes != secs.attributes)
			fail_msg("row %zu: SECS not copied/cleared as expected", i);
		assert_leaf(i, encls_eremove(t.hw, epc), 0);
	}
	hwt_teardown(&t);
}

/* XFRM consistency and SSA sizes on a part with MPX, AVX-512, PKRU and AMX. */
static void test_ecreate_xfrm(void **state)
{
	static const struct {
		uint64_t xfrm;
		uint32_t ssa, misc;
		unsigned int want;
	} rows[] = {
		/* 0 */ { 0x3, 1, 0, 0 },
		/* 1 */ { 0x3 | 0x8, 1, 0, SGX_FAULT_GP },           /* half of MPX */
		/* 2 */ { 0x3 | 0x18, 1, 0, 0 },                     /* MPX pair */
		/* 3 */ { 0x3 | 0xe0, 1, 0, SGX_FAULT_GP },          /* AVX-512 without AVX */
		/* 4 */ { 0x7 | 0x60, 1, 0, SGX_FAULT_GP },          /* partial AVX-512 */
		/* 5 */ { 0x7 | 0xe0, 1, 1, 0 },                     /* 2688+16+184 */
		/* 6 */ { 0x7 | 0xe0 | 0x200, 1, 1, 0 },             /* PKRU */
		/* 7 */ { 0x3 | 1ull << 17, 3, 0, SGX_FAULT_GP },    /* half of AMX */
		/* 8 */ { 0x3 | 3ull << 17, 2, 0, SGX_FAULT_GP },    /* 11008+184 > 8192 */
		/* 9 */ { 0x3 | 3ull << 17, 3, 1, 0 },
		/* 10 */ { 0x3 | 1ull << 8, 3, 0, SGX_FAULT_GP },    /* supervisor state */
	};
	static struct sgx_secs secs;
	struct hw_config cfg;
	struct hwt_encl e;
	struct hwt t;
	size_t i;

	(void)state;
	hw_config_default(&cfg);
	cfg.xfrm |= 0x18 | 0xe0 | 0x200 | 3ull << 17 | 1ull << 8;
	hwt_setup(&t, &cfg);
	for (i = 0; i < ROWS(rows); i++) {
		hwt_secs_init(&secs, HWT_BASE, 0x10000);
		secs.xfrm = rows[i].xfrm;
		secs.ssa_frame_size = rows[i].ssa;
		secs.miscselect = rows[i].misc;
		assert_leaf(i, hwt_ecreate_secs(&t, &e, &secs), rows[i].want);
		if (!rows[i].want) {
			assert_leaf(i, encls_eremove(t.hw, e.secs), 0);
			measure_destroy(&e.m);
		}
	}
	hwt_teardown(&t);
}

/* ---- EADD ------------------------------------------------------------------- */

enum ea_special {
	EA_NONE, EA_PGINFO_MISALIGN, EA_EPC_MISALIGN, EA_EPC_OUTSIDE, EA_CONTENTS_MISALIGN,
	EA_SECS_MISALIGN, EA_SECINFO_MISALIGN, EA_LIN_MISALIGN, EA_SECS_OUTSIDE, EA_LOCKED,
	EA_TARGET_VALID, EA_SECS_FREE, EA_SECS_REG, EA_SECS_LOCKED, EA_SECS_IS_TARGET,
	EA_LIN_LOW, EA_LIN_HIGH, EA_SECINFO_BYTE,
};

static const struct eadd_row {
	const char *what;
	enum ea_special special;
	uint64_t flags;
	uint64_t tcs_flags;             /* TCS pages: TCS.FLAGS; ~0: poke reserved byte */
	unsigned int want;
} eadd_rows[] = {
	/* 0 */ { "REG SECINFO_RW", EA_NONE, SECINFO_RW, 0, 0 },
	/* 1 */ { "PAGEINFO misaligned", EA_PGINFO_MISALIGN, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 2 */ { "EPC page misaligned", EA_EPC_MISALIGN, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 3 */ { "target outside EPC", EA_EPC_OUTSIDE, SECINFO_RW, 0, SGX_FAULT_PF },
	/* 4 */ { "SRCPGE misaligned", EA_CONTENTS_MISALIGN, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 5 */ { "SECS misaligned", EA_SECS_MISALIGN, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 6 */ { "SECINFO misaligned", EA_SECINFO_MISALIGN, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 7 */ { "LINADDR misaligned", EA_LIN_MISALIGN, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 8 */ { "SECS outside EPC", EA_SECS_OUTSIDE, SECINFO_RW, 0, SGX_FAULT_PF },
	/* 9 */ { "SECINFO reserved flag", EA_NONE, SECINFO_RW | 1ull << 16, 0, SGX_FAULT_GP },
	/* 10 */ { "SECINFO reserved byte", EA_SECINFO_BYTE, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 11 */ { "SECINFO type SECS", EA_NONE, SGX_SECINFO_SECS | 3, 0, SGX_FAULT_GP },
	/* 12 */ { "SECINFO type VA", EA_NONE, SGX_SECINFO_VA, 0, SGX_FAULT_GP },
	/* 13 */ { "SECINFO type TRIM", EA_NONE, SGX_SECINFO_TRIM, 0, SGX_FAULT_GP },
	/* 14 */ { "target locked", EA_LOCKED, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 15 */ { "target already valid", EA_TARGET_VALID, SECINFO_RW, 0, SGX_FAULT_PF },
	/* 16 */ { "SECS operand free", EA_SECS_FREE, SECINFO_RW, 0, SGX_FAULT_PF },
	/* 17 */ { "SECS operand is REG", EA_SECS_REG, SECINFO_RW, 0, SGX_FAULT_PF },
	/* 18 */ { "SECS locked", EA_SECS_LOCKED, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 19 */ { "SECS is the target", EA_SECS_IS_TARGET, SECINFO_RW, 0, SGX_FAULT_PF },
	/* 20 */ { "REG W without R", EA_NONE, SGX_SECINFO_REG | SGX_SECINFO_W, 0, SGX_FAULT_GP },
	/* 21 */ { "REG X only", EA_NONE, SGX_SECINFO_REG | SGX_SECINFO_X, 0, 0 },
	/* 22 */ { "LINADDR below ELRANGE", EA_LIN_LOW, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 23 */ { "LINADDR at BASE+SIZE", EA_LIN_HIGH, SECINFO_RW, 0, SGX_FAULT_GP },
	/* 24 */ { "TCS reserved FLAGS bit", EA_NONE, SGX_SECINFO_TCS, 1ull << 5, SGX_FAULT_GP },
	/* 25 */ { "TCS AEXNOTIFY w/o support", EA_NONE, SGX_SECINFO_TCS, SGX_TCS_AEXNOTIFY,
		   SGX_FAULT_GP },
	/* 26 */ { "TCS reserved byte", EA_NONE, SGX_SECINFO_TCS, ~0ull, SGX_FAULT_GP },
	/* 27 */ { "TCS, RWX and DBGOPTIN zeroed", EA_NONE, SGX_SECINFO_TCS | 7,
		   SGX_TCS_DBGOPTIN, 0 },
	/* 28 */ { "REG with PENDING (not reserved)", EA_NONE, SECINFO_RW | SGX_SECINFO_PENDING, 0, 0 },
};

static void test_eadd_rows(void **state)
{
	static uint8_t buf[256] __attribute__((aligned(64)));
	static struct sgx_secinfo secinfo;
	struct sgx_pageinfo *pg = (struct sgx_pageinfo *)buf;
	uint64_t next = 0x1000;
	void *reg_page;
	struct hwt_encl e;
	struct hwt t;
	size_t i;

	(void)state;
	hwt_setup(&t, NULL);
	assert_int_equal(hwt_ecreate(&t, &e, HWT_BASE, 0x100000, 0), 0);
	assert_leaf(-1, hwt_eadd(&e, 0, SECINFO_RW, NULL, false, &reg_page), 0);

	for (i = 0; i < ROWS(eadd_rows); i++) {
		const struct eadd_row *r = &eadd_rows[i];
		void *epc = hwt_epc(&t), *target = epc;
		const void *pginfo = pg, *locked = NULL;
		unsigned int got;

		memset(src, 0x5a, sizeof(src));
		if (sgx_secinfo_page_type(r->flags) == SGX_PT_TCS) {
			struct sgx_tcs *tcs = (struct sgx_tcs *)src;

			hwt_tcs_init(tcs, 0x2000, 1, 0);
			tcs->ssa_index = 5;
			tcs->exit_addr = 0x1234;
			tcs->state = 1;
			if (r->tcs_flags == ~0ull)
				tcs->reserved_0x48[100] = 1;
			else
				tcs->flags = r->tcs_flags;
		}
		memset(&secinfo, 0, sizeof(secinfo));
		secinfo.flags = r->flags;
		memset(buf, 0, sizeof(buf));
		pg->addr = e.base + next;
		pg->contents = a64(src);
		pg->metadata = a64(&secinfo);
		pg->secs = a64(e.secs);

		switch (r->special) {
		case EA_PGINFO_MISALIGN:
			memcpy(buf + 144, buf, sizeof(*pg));
			pginfo = buf + 144;
			break;
		case EA_EPC_MISALIGN: target = (uint8_t *)epc + 2048; break;
		case EA_EPC_OUTSIDE: target = outside; break;
		case EA_CONTENTS_MISALIGN: pg->contents += 64; break;
		case EA_SECS_MISALIGN: pg->secs += 64; break;
		case EA_SECINFO_MISALIGN: pg->metadata += 32; break;
		case EA_LIN_MISALIGN: pg->addr += 8; break;
		case EA_SECS_OUTSIDE: pg->secs = a64(outside); break;
		case EA_SECINFO_BYTE: secinfo.reserved_0x08[55] = 1; break;
		case EA_LOCKED: locked = epc; break;
		case EA_TARGET_VALID: target = reg_page; break;
		case EA_SECS_FREE: pg->secs = a64(hwt_epc(&t)); break;
		case EA_SECS_REG: pg->secs = a64(reg_page); break;
		case EA_SECS_LOCKED: locked = e.secs; break;
		case EA_SECS_IS_TARGET: pg->secs = a64(epc); break;
		case EA_LIN_LOW: pg->addr = e.base - SGX_PAGE_SIZE; break;
		case EA_LIN_HIGH: pg->addr = e.base + e.size; break;
		case EA_NONE: break;
		}
		got = WITH_LOCK(&t, locked, encls_eadd(t.hw, pginfo, target));
		assert_leaf(i, got, r->want);

		if (r->want) {
			if (epcm_of(&t, epc).valid)
				fail_msg("row %zu: EPCM valid after a failed EADD", i);
			if (!page_is_zero(epc))
				fail_msg("row %zu: failed EADD left data in the page", i);
			continue;
		}
		{
			struct hw_epcm_info info = epcm_of(&t, epc);
			bool tcs = sgx_secinfo_page_type(r->flags) == SGX_PT_TCS;
			uint64_t measured = tcs ? r->flags & ~SGX_SECINFO_PERMISSION_MASK : r->flags;

			if (!info.valid || info.page_type != sgx_secinfo_page_type(r->flags) ||
			    info.perm != (measured & 7) || info.pending || info.modified ||
			    info.linaddr != e.base + next ||
			    info.secs_index != hwt_epc_index(&t, e.secs))
				fail_msg("row %zu: bad EPCM after EADD", i);
			if (tcs) {
				const struct sgx_tcs *tp = epc;

				if (tp->flags || tp->ssa_index || tp->exit_addr || tp->state ||
				    tp->ssa_offset != 0x2000)
					fail_msg("row %zu: TCS fields not forced", i);
			} else if (memcmp(epc, src, SGX_PAGE_SIZE)) {
				fail_msg("row %zu: contents not copied", i);
			}
			hwt_map(&e, e.base + next, epc);
			assert_int_equal(measure_eadd(&e.m, next, measured), 0);
			next += SGX_PAGE_SIZE;
		}
	}
	/* Failed EADDs left MRENCLAVE alone: the shadow measurement still signs. */
	assert_leaf(100, hwt_einit(&e), 0);
	/* "DS:TMP_SECS already initialized". */
	assert_leaf(101, hwt_eadd(&e, next, SECINFO_RW, NULL, false, NULL), SGX_FAULT_GP);
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

/* 32-bit enclaves: TCS FS/GS limits must end on a page boundary. */
static void test_eadd_tcs_32bit(void **state)
{
	static struct sgx_secs secs;
	static struct sgx_tcs tcs;
	struct hwt_encl e64, e32;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	hwt_secs_init(&secs, 0x100000, 0x10000);
	secs.attributes = 0;
	assert_leaf(0, hwt_ecreate_secs(&t, &e32, &secs), 0);
	assert_leaf(1, hwt_ecreate(&t, &e64, HWT_BASE, 0x10000, 0), 0);
	hwt_tcs_init(&tcs, 0x1000, 1, 0);
	tcs.fs_limit = 0x1000;
	assert_leaf(2, hwt_eadd(&e32, 0, SGX_SECINFO_TCS, &tcs, false, NULL), SGX_FAULT_GP);
	/* The same limits are fine in a 64-bit enclave. */
	assert_leaf(3, hwt_eadd(&e64, 0, SGX_SECINFO_TCS, &tcs, false, NULL), 0);
	tcs.fs_limit = 0x1fff;
	tcs.gs_limit = 0xfff;
	assert_leaf(4, hwt_eadd(&e32, 0, SGX_SECINFO_TCS, &tcs, false, NULL), 0);
	measure_destroy(&e32.m);
	measure_destroy(&e64.m);
	hwt_teardown(&t);
}

/* ---- EEXTEND ---------------------------------------------------------------- */

static void test_eextend_rows(void **state)
{
	enum { OK, SECS_MIS, SECS_OUT, CHUNK_MIS, CHUNK_OUT, CHUNK_LOCKED, CHUNK_FREE,
	       CHUNK_SECS, OTHER_SECS, SECS_LOCKED, TCS_OK, NOT_SECS_OPERAND };
	static const struct {
		int how;
		unsigned int want;
	} rows[] = {
		/* 0 */ { OK, 0 },
		/* 1 */ { SECS_MIS, SGX_FAULT_GP },
		/* 2 */ { SECS_OUT, SGX_FAULT_PF },
		/* 3 */ { CHUNK_MIS, SGX_FAULT_GP },
		/* 4 */ { CHUNK_OUT, SGX_FAULT_PF },
		/* 5 */ { CHUNK_LOCKED, SGX_FAULT_GP },
		/* 6 */ { CHUNK_FREE, SGX_FAULT_PF },
		/* 7 */ { CHUNK_SECS, SGX_FAULT_PF },
		/* 8 */ { OTHER_SECS, SGX_FAULT_GP },
		/* 9 */ { SECS_LOCKED, SGX_FAULT_GP },
		/* 10 */ { TCS_OK, 0 },
		/* 11 */ { NOT_SECS_OPERAND, SGX_FAULT_GP },
	};
	static struct sgx_tcs tcs;
	struct hwt_encl e, other;
	void *reg, *tcs_page;
	struct hwt t;
	size_t i;

	(void)state;
	hwt_setup(&t, NULL);
	assert_int_equal(hwt_ecreate(&t, &e, HWT_BASE, 0x10000, 0), 0);
	assert_int_equal(hwt_ecreate(&t, &other, 2 * HWT_BASE, 0x10000, 0), 0);
	memset(src, 0x77, sizeof(src));
	assert_leaf(-1, hwt_eadd(&e, 0x1000, SECINFO_RW, src, false, &reg), 0);
	hwt_tcs_init(&tcs, 0x2000, 1, 0);
	assert_leaf(-2, hwt_eadd(&e, 0, SGX_SECINFO_TCS, &tcs, false, &tcs_page), 0);

	for (i = 0; i < ROWS(rows); i++) {
		void *secs = e.secs, *chunk = (uint8_t *)reg + 0x300;
		const void *locked = NULL;
		uint64_t off = 0x1300;
		unsigned int got;

		switch (rows[i].how) {
		case SECS_MIS: secs = (uint8_t *)secs + 256; break;
		case SECS_OUT: secs = outside; break;
		case CHUNK_MIS: chunk = (uint8_t *)chunk + 128; break;
		case CHUNK_OUT: chunk = outside + 256; break;
		case CHUNK_LOCKED: locked = reg; break;
		case CHUNK_FREE: chunk = hwt_epc(&t); break;
		case CHUNK_SECS: chunk = e.secs; break;
		case OTHER_SECS: secs = other.secs; break;
		case SECS_LOCKED: locked = e.secs; break;
		case TCS_OK: chunk = tcs_page; off = 0; break;
		case NOT_SECS_OPERAND: secs = reg; break;
		}
		got = WITH_LOCK(&t, locked, encls_eextend(t.hw, secs, chunk));
		assert_leaf(i, got, rows[i].want);
		if (!got)
			assert_int_equal(measure_eextend(&e.m, off, chunk), 0);
	}
	/* The record offset is linaddr - base + in-page offset: EINIT agrees. */
	assert_leaf(100, hwt_einit(&e), 0);
	assert_leaf(101, encls_eextend(t.hw, e.secs, reg), SGX_FAULT_GP);    /* initialized */
	measure_destroy(&e.m);
	measure_destroy(&other.m);
	hwt_teardown(&t);
}

/* ---- EINIT ------------------------------------------------------------------ */

/* An uninitialized enclave: TCS, SECINFO_RW data, RX code, all measured. */
static void build_uninit(struct hwt *t, struct hwt_encl *e, uint64_t attributes)
{
	static struct sgx_tcs tcs;

	assert_int_equal(hwt_ecreate(t, e, HWT_BASE, 0x10000, attributes), 0);
	hwt_tcs_init(&tcs, 0x1000, 1, 0x2000);
	assert_leaf(-1, hwt_eadd(e, 0, SGX_SECINFO_TCS, &tcs, true, NULL), 0);
	assert_leaf(-2, hwt_eadd(e, 0x1000, SECINFO_RW, NULL, true, NULL), 0);
	memset(src, 0xc3, sizeof(src));
	assert_leaf(-3, hwt_eadd(e, 0x2000, SECINFO_RX, src, true, NULL), 0);
}

enum ei_how {
	EI_SIG_MIS, EI_SECS_MIS, EI_TOKEN_MIS, EI_SECS_OUT, EI_NULL_TOKEN, EI_HEADER,
	EI_VENDOR, EI_BODY, EI_MODULUS, EI_SIGNATURE, EI_Q1, EI_Q2, EI_SECS_LOCKED,
	EI_SECS_REG, EI_SECS_FREE, EI_MRENCLAVE, EI_ATTR_MASK, EI_XFRM_MASK, EI_MISC_MASK,
	EI_LEHASH, EI_FAMILYID, EI_TOKEN_VALID, EI_TOKEN_RESERVED, EI_TOKEN_CPUSVN,
	EI_TOKEN_DEBUG_LE, EI_OK, EI_AGAIN,
};

static const struct {
	enum ei_how how;
	unsigned int want;
} einit_rows[] = {
	/* 0 */ { EI_SIG_MIS, SGX_FAULT_GP },
	/* 1 */ { EI_SECS_MIS, SGX_FAULT_GP },
	/* 2 */ { EI_TOKEN_MIS, SGX_FAULT_GP },
	/* 3 */ { EI_SECS_OUT, SGX_FAULT_PF },
	/* 4 */ { EI_NULL_TOKEN, SGX_FAULT_PF },
	/* 5 */ { EI_HEADER, SGX_INVALID_SIG_STRUCT },
	/* 6 */ { EI_VENDOR, SGX_INVALID_SIG_STRUCT },
	/* 7 */ { EI_BODY, SGX_INVALID_SIGNATURE },
	/* 8 */ { EI_MODULUS, SGX_INVALID_SIGNATURE },
	/* 9 */ { EI_SIGNATURE, SGX_INVALID_SIGNATURE },
	/* 10 */ { EI_Q1, SGX_INVALID_SIGNATURE },
	/* 11 */ { EI_Q2, SGX_INVALID_SIGNATURE },
	/* 12 */ { EI_SECS_LOCKED, SGX_FAULT_GP },
	/* 13 */ { EI_SECS_REG, SGX_FAULT_PF },
	/* 14 */ { EI_SECS_FREE, SGX_FAULT_PF },
	/* 15 */ { EI_MRENCLAVE, SGX_INVALID_MEASUREMENT },
	/* 16 */ { EI_ATTR_MASK, SGX_INVALID_ATTRIBUTE },
	/* 17 */ { EI_XFRM_MASK, SGX_INVALID_ATTRIBUTE },
	/* 18 */ { EI_MISC_MASK, SGX_INVALID_ATTRIBUTE },
	/* 19 */ { EI_LEHASH, SGX_INVALID_EINITTOKEN },
	/* 20 */ { EI_FAMILYID, SGX_INVALID_SIG_STRUCT },
	/* 21 */ { EI_TOKEN_VALID, SGX_INVALID_EINITTOKEN },
	/* 22 */ { EI_TOKEN_RESERVED, SGX_INVALID_EINITTOKEN },
	/* 23 */ { EI_TOKEN_CPUSVN, SGX_INVALID_CPUSVN },
	/* 24 */ { EI_TOKEN_DEBUG_LE, SGX_INVALID_EINITTOKEN },
	/* 25 */ { EI_OK, 0 },
	/* 26 */ { EI_AGAIN, SGX_FAULT_GP },
};

static void test_einit_rows(void **state)
{
	static uint8_t sigbuf[2 * SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	static uint8_t tokbuf[1024] __attribute__((aligned(512)));
	static struct sgx_sigstruct good __attribute__((aligned(4096)));
	struct sgx_sigstruct *sig = (struct sgx_sigstruct *)sigbuf;
	struct sgx_einittoken *token = (struct sgx_einittoken *)tokbuf;
	struct sgx_secs *secs;
	uint8_t mrsigner[32];
	struct hwt_encl e;
	void *reg;
	struct hwt t;
	size_t i;

	(void)state;
	hwt_setup(&t, NULL);
	build_uninit(&t, &e, 0);
	reg = hwt_lookup(&e, e.base + 0x1000);
	hwt_sigstruct(&e, &good);
	le_hash_for(&t, &good);

	for (i = 0; i < ROWS(einit_rows); i++) {
		const void *sp = sig, *tp = token, *locked = NULL;
		void *secs_page = e.secs;
		bool resign = false;
		unsigned int got;

		memcpy(sig, &good, sizeof(good));
		memset(tokbuf, 0, sizeof(tokbuf));
		switch (einit_rows[i].how) {
		case EI_SIG_MIS:
			memcpy(sigbuf + 64, &good, sizeof(good));
			sp = sigbuf + 64;
			break;
		case EI_SECS_MIS: secs_page = (uint8_t *)e.secs + 512; break;
		case EI_TOKEN_MIS: tp = tokbuf + 256; break;
		case EI_SECS_OUT: secs_page = outside; break;
		case EI_NULL_TOKEN: tp = NULL; break;
		case EI_HEADER: sig->header.header1[0] ^= 1; break;
		case EI_VENDOR: sig->header.vendor = 0x1234; break;
		case EI_BODY: sig->body.isvsvn ^= 1; break;
		case EI_MODULUS: sig->modulus[200] ^= 0x10; break;
		case EI_SIGNATURE: sig->signature[0] ^= 1; break;
		case EI_Q1: sig->q1[5] ^= 1; break;
		case EI_Q2: sig->q2[5] ^= 1; break;
		case EI_SECS_LOCKED: locked = e.secs; break;
		case EI_SECS_REG: secs_page = reg; break;
		case EI_SECS_FREE: secs_page = hwt_epc(&t); break;
		case EI_MRENCLAVE: sig->body.mrenclave[31] ^= 1; resign = true; break;
		case EI_ATTR_MASK:      /* the signer wants DEBUG, the enclave has not got it */
			sig->body.attributes |= SGX_ATTR_DEBUG;
			sig->body.attributes_mask = SGX_ATTR_DEBUG;
			resign = true;
			break;
		case EI_XFRM_MASK: sig->body.xfrm = sig->body.xfrm_mask = 7; resign = true; break;
		case EI_MISC_MASK: sig->body.miscselect = sig->body.misc_mask = 1; resign = true; break;
		case EI_LEHASH:
			assert_int_equal(hw_wrmsr(t.hw, MSR_IA32_SGXLEPUBKEYHASH0 + 2, 0), 0);
			break;
		case EI_FAMILYID: sig->body.isv_family_id[3] = 1; resign = true; break;
		case EI_TOKEN_VALID: token->valid = 1; break;
		case EI_TOKEN_RESERVED: token->valid = 3; break;
		case EI_TOKEN_CPUSVN: token->valid = 1; token->cpusvn_le[0] = 0xff; break;
		case EI_TOKEN_DEBUG_LE:
			token->valid = 1;
			token->masked_attributes_le.flags = SGX_ATTR_DEBUG;
			break;
		case EI_OK:
			/* Full masks that match, and ids to commit. */
			sig->body.attributes_mask = ~0ull;
			sig->body.xfrm_mask = ~0ull;
			sig->body.misc_mask = ~0u;
			sig->body.isvprodid = 0x1234;
			sig->body.isvsvn = 7;
			resign = true;
			break;
		case EI_AGAIN: break;
		}
		if (resign)
			assert_int_equal(sigstruct_sign(sig, hwt_key()), 0);
		got = WITH_LOCK(&t, locked, encls_einit(t.hw, sp, tp, secs_page));
		le_hash_for(&t, &good);
		assert_leaf(i, got, einit_rows[i].want);
	}

	secs = e.secs;
	assert_int_equal(crypto_sha256(good.modulus, sizeof(good.modulus), mrsigner), 0);
	assert_memory_equal(secs->mrenclave, good.body.mrenclave, 32);
	assert_memory_equal(secs->mrsigner, mrsigner, 32);
	assert_int_equal(secs->isv_prod_id, 0x1234);
	assert_int_equal(secs->isv_svn, 7);
	assert_int_equal(secs->attributes, SGX_ATTR_MODE64BIT | SGX_ATTR_INIT);
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

/* EINITTOKENKEY needs the launch key's signer; KSS ids reach the hidden state. */
static void test_einit_controlled_and_kss(void **state)
{
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	static struct sgx_einittoken token;
	struct hw_encl *encl;
	struct hwt_encl a, b;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	build_uninit(&t, &b, SGX_ATTR_KSS);
	build_uninit(&t, &a, SGX_ATTR_EINITTOKENKEY);
	hwt_sigstruct(&a, &sig);
	assert_int_equal(hw_wrmsr(t.hw, MSR_IA32_SGXLEPUBKEYHASH0, 1), 0);
	assert_leaf(0, encls_einit(t.hw, &sig, &token, a.secs), SGX_INVALID_ATTRIBUTE);
	le_hash_for(&t, &sig);
	assert_leaf(1, encls_einit(t.hw, &sig, &token, a.secs), 0);

	hwt_sigstruct(&b, &sig);
	memset(sig.body.isv_family_id, 0x11, 16);
	memset(sig.body.isv_ext_prod_id, 0x22, 16);
	assert_int_equal(sigstruct_sign(&sig, hwt_key()), 0);
	le_hash_for(&t, &sig);
	assert_leaf(2, encls_einit(t.hw, &sig, &token, b.secs), 0);
	encl = secs_encl(t.hw, hwt_epc_index(&t, b.secs));
	assert_int_equal(encl->isv_family_id[15], 0x11);
	assert_int_equal(encl->isv_ext_prod_id[0], 0x22);
	assert_true(encl->initialized);
	measure_destroy(&a.m);
	measure_destroy(&b.m);
	hwt_teardown(&t);
}

/* The enclave of tools/testing/selftests/sgx, built as load.c builds it. */
static void test_linux_selftest_enclave(void **state)
{
	static struct sgx_secs secs;
	static struct sgx_tcs tcs;
	static uint8_t text[SGX_PAGE_SIZE];
	struct hwt_encl e;
	void *tcs_page;
	uint64_t off;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	/* 2 TCS + 2 text + 6 data + 1 heap page = 11 pages: ELRANGE 64 KiB. */
	hwt_secs_init(&secs, 0x7f0000000000ull - 0x10000, 0x10000);
	assert_int_equal(secs.ssa_frame_size, 1);
	assert_int_equal(secs.attributes, SGX_ATTR_MODE64BIT);
	assert_int_equal(secs.xfrm, 3);
	assert_leaf(0, hwt_ecreate_secs(&t, &e, &secs), 0);
	for (off = 0; off < 0x2000; off += 0x1000) {
		hwt_tcs_init(&tcs, 0x4000 + off, 1, 0x2000);
		assert_leaf(1, hwt_eadd(&e, off, SGX_SECINFO_TCS, &tcs, true, &tcs_page), 0);
	}
	memset(text, 0x90, sizeof(text));
	for (; off < 0x4000; off += 0x1000)
		assert_leaf(2, hwt_eadd(&e, off, SECINFO_RX, text, true, NULL), 0);
	for (; off < 0xa000; off += 0x1000)
		assert_leaf(3, hwt_eadd(&e, off, SECINFO_RW, NULL, true, NULL), 0);
	assert_leaf(4, hwt_eadd(&e, off, SECINFO_RW, NULL, false, NULL), 0);     /* heap */
	assert_leaf(5, hwt_einit(&e), 0);

	assert_int_equal(epcm_of(&t, tcs_page).page_type, SGX_PT_TCS);
	assert_int_equal(epcm_of(&t, tcs_page).perm, 0);
	assert_int_equal(((struct sgx_secs *)e.secs)->attributes,
			 SGX_ATTR_MODE64BIT | SGX_ATTR_INIT);
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

/* ---- EREMOVE ---------------------------------------------------------------- */

static void test_eremove_rows(void **state)
{
	enum { FREE, MIS, OUT, LOCKED, SECS, REG_ACT, TRIM_ACT, TRIM_DONE_ACT, VA, REG, TCS };
	static const struct {
		int how;
		bool inside;            /* a logical processor is in the enclave */
		unsigned int want;
	} rows[] = {
		/* 0 */ { FREE, false, 0 },
		/* 1 */ { MIS, false, SGX_FAULT_GP },
		/* 2 */ { OUT, false, SGX_FAULT_PF },
		/* 3 */ { LOCKED, false, SGX_FAULT_GP },
		/* 4 */ { SECS, false, SGX_CHILD_PRESENT },
		/* 5 */ { REG_ACT, true, SGX_ENCLAVE_ACT },
		/* 6 */ { TRIM_ACT, true, SGX_ENCLAVE_ACT },     /* not yet EACCEPTed */
		/* 7 */ { TRIM_DONE_ACT, true, 0 },             /* EACCEPTed TRIM */
		/* 8 */ { VA, true, 0 },
		/* 9 */ { REG, false, 0 },
		/* 10 */ { TCS, false, 0 },
	};
	struct sgx_secinfo trim = { .flags = SGX_SECINFO_TRIM };
	struct hw_encl *encl;
	struct hwt_encl e;
	struct hwt t;
	uint64_t ep = 0;
	size_t i;

	(void)state;
	hwt_setup(&t, NULL);
	hwt_build_default(&t, &e, 0);
	encl = secs_encl(t.hw, hwt_epc_index(&t, e.secs));
	assert_int_equal(encl->child_count, 8);
	/* Two TRIM pages; EACCEPT (clearing MODIFIED) is done by hand on one. */
	assert_leaf(-1, encls_emodt(t.hw, &trim, hwt_lookup(&e, e.base + 0x2000)), 0);
	assert_leaf(-2, encls_emodt(t.hw, &trim, hwt_lookup(&e, e.base + 0x7000)), 0);
	t.hw->epcm[hwt_epc_index(&t, hwt_lookup(&e, e.base + 0x7000))].flags &=
		(uint8_t)~EPCM_MODIFIED;

	for (i = 0; i < ROWS(rows); i++) {
		void *page = NULL, *locked = NULL;
		unsigned int got;

		switch (rows[i].how) {
		case FREE: page = hwt_epc(&t); break;
		case MIS: page = (uint8_t *)e.secs + 8; break;
		case OUT: page = outside; break;
		case LOCKED: page = locked = hwt_lookup(&e, e.base + 0x4000); break;
		case SECS: page = e.secs; break;
		case REG_ACT: page = hwt_lookup(&e, e.base + 0x4000); break;
		case TRIM_ACT: page = hwt_lookup(&e, e.base + 0x2000); break;
		case TRIM_DONE_ACT: page = hwt_lookup(&e, e.base + 0x7000); break;
		case VA:
			page = hwt_epc(&t);
			epcm_set(t.hw, hwt_epc_index(&t, page), SGX_PT_VA, 0, 0, 0);
			break;
		case REG: page = hwt_lookup(&e, e.base + 0x4000); break;
		case TCS: page = hwt_lookup(&e, e.base + 0x5000); break;
		}
		if (rows[i].inside)
			ep = track_enter(encl);
		got = WITH_LOCK(&t, locked, encls_eremove(t.hw, page));
		if (rows[i].inside)
			track_exit(encl, ep);
		assert_leaf(i, got, rows[i].want);
		if (!got && (epcm_of(&t, page).valid || !page_is_zero(page)))
			fail_msg("row %zu: page still valid or not wiped", i);
	}
	/* 8 children, 3 removed (accepted TRIM, REG, TCS). */
	assert_int_equal(encl->child_count, 5);
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

/* EREMOVE of a SECS: CHILD_PRESENT until the last child goes, then the bookkeeping goes. */
static void test_teardown(void **state)
{
	struct hw_stats st;
	struct hwt_encl e;
	struct hwt t;
	size_t i;

	(void)state;
	hwt_setup(&t, NULL);
	hwt_build_default(&t, &e, 0);
	assert_int_equal(nr_enclaves(&t), 1);
	for (i = 0; i < e.nr_pages; i++) {
		assert_leaf(i, encls_eremove(t.hw, e.secs), SGX_CHILD_PRESENT);
		assert_leaf(i, encls_eremove(t.hw, e.pages[i].epc), 0);
		assert_leaf(i, encls_eremove(t.hw, e.pages[i].epc), 0);       /* free: no-op */
	}
	assert_int_equal(nr_enclaves(&t), 1);
	assert_leaf(100, encls_eremove(t.hw, e.secs), 0);
	hw_stats_read(t.hw, &st);
	assert_int_equal(st.enclaves, 0);
	assert_int_equal(st.epcm_valid, 0);
	assert_true(page_is_zero(e.secs));
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecreate_rows),
		cmocka_unit_test(test_ecreate_xfrm),
		cmocka_unit_test(test_eadd_rows),
		cmocka_unit_test(test_eadd_tcs_32bit),
		cmocka_unit_test(test_eextend_rows),
		cmocka_unit_test(test_einit_rows),
		cmocka_unit_test(test_einit_controlled_and_kss),
		cmocka_unit_test(test_linux_selftest_enclave),
		cmocka_unit_test(test_eremove_rows),
		cmocka_unit_test(test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
