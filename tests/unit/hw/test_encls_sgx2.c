// SPDX-License-Identifier: MIT
/*
 * EAUG, EMODPR, EMODT: numbered tables with success, every SGX error code
 * and every #GP/#PF/#UD the SDM lists, plus the sequence the kernel's
 * SGX_IOC_ENCLAVE_REMOVE_PAGES relies on. EACCEPT is the enclave's side
 * (enclu_edmm.c); here its effect on the EPCM is applied by hand.
 *
 * The fixture's default enclave: TCS at 0, RW 0x1000-0x2fff, RX 0x3000,
 * RW 0x4000, TCS 0x5000, RW 0x6000-0x7fff; 0x8000-0xffff unpopulated.
 */
#include "encls_test.h"

static uint8_t outside[SGX_PAGE_SIZE] __attribute__((aligned(4096)));

static void *page(struct hwt_encl *e, uint64_t off)
{
	void *p = hwt_lookup(e, e->base + off);

	assert_non_null(p);
	return p;
}

/* What a successful EACCEPT leaves: the state bit it confirms cleared. */
static void eaccept(struct hwt *t, void *epc, uint8_t state_bit)
{
	epcm_raw(t, epc)->flags &= (uint8_t)~state_bit;
}

/* ---- EAUG ------------------------------------------------------------------- */

enum aug_how {
	AUG_OK, AUG_PGINFO_MIS, AUG_EPC_MIS, AUG_EPC_OUT, AUG_SECINFO_MIS, AUG_SECS_MIS,
	AUG_LIN_MIS, AUG_SRCPGE, AUG_SECS_OUT, AUG_LOCKED, AUG_VALID, AUG_SECINFO,
	AUG_SECS_FREE, AUG_SECS_REG, AUG_SECS_LOCKED, AUG_UNINIT, AUG_LIN_LOW, AUG_LIN_HIGH,
	AUG_SECS_IS_TARGET, AUG_LAST_PAGE,
};

static void test_eaug_rows(void **state)
{
	static const struct {
		enum aug_how how;
		unsigned int want;
	} rows[] = {
		/* 0 */ { AUG_OK, 0 },
		/* 1 */ { AUG_PGINFO_MIS, SGX_FAULT_GP },
		/* 2 */ { AUG_EPC_MIS, SGX_FAULT_GP },
		/* 3 */ { AUG_EPC_OUT, SGX_FAULT_PF },
		/* 4 */ { AUG_SECINFO_MIS, SGX_FAULT_GP },
		/* 5 */ { AUG_SECS_MIS, SGX_FAULT_GP },
		/* 6 */ { AUG_LIN_MIS, SGX_FAULT_GP },
		/* 7 */ { AUG_SRCPGE, SGX_FAULT_GP },
		/* 8 */ { AUG_SECS_OUT, SGX_FAULT_PF },
		/* 9 */ { AUG_LOCKED, SGX_FAULT_GP },
		/* 10 */ { AUG_VALID, SGX_FAULT_PF },
		/* 11 */ { AUG_SECINFO, SGX_FAULT_GP },         /* SS pages need CET */
		/* 12 */ { AUG_SECS_FREE, SGX_FAULT_PF },
		/* 13 */ { AUG_SECS_REG, SGX_FAULT_PF },
		/* 14 */ { AUG_SECS_LOCKED, SGX_FAULT_GP },
		/* 15 */ { AUG_UNINIT, SGX_FAULT_GP },
		/* 16 */ { AUG_LIN_LOW, SGX_FAULT_GP },
		/* 17 */ { AUG_LIN_HIGH, SGX_FAULT_GP },
		/* 18 */ { AUG_SECS_IS_TARGET, SGX_FAULT_PF },
		/* 19 */ { AUG_LAST_PAGE, 0 },
	};
	static uint8_t buf[256] __attribute__((aligned(64)));
	static struct sgx_secinfo secinfo;
	struct sgx_pageinfo *pg = (struct sgx_pageinfo *)buf;
	struct hwt_encl e, uninit;
	struct hwt t;
	size_t i;

	(void)state;
	hwt_setup(&t, NULL);
	hwt_build_default(&t, &e, 0);
	assert_int_equal(hwt_ecreate(&t, &uninit, HWT_BASE, 0x10000, 0), 0);

	for (i = 0; i < ROWS(rows); i++) {
		void *epc = hwt_epc(&t), *target = epc;
		const void *pginfo = pg, *locked = NULL;
		uint64_t lin = e.base + 0x8000;
		struct hw_epcm_info info;
		unsigned int got;

		memset(epc, 0xee, SGX_PAGE_SIZE);       /* a free page with old junk */
		memset(buf, 0, sizeof(buf));
		secinfo.flags = SECINFO_RW;
		pg->addr = lin;
		pg->secs = a64(e.secs);
		switch (rows[i].how) {
		case AUG_OK: break;
		case AUG_PGINFO_MIS: memcpy(buf + 136, buf, sizeof(*pg)); pginfo = buf + 136; break;
		case AUG_EPC_MIS: target = (uint8_t *)epc + 32; break;
		case AUG_EPC_OUT: target = outside; break;
		case AUG_SECINFO_MIS: pg->metadata = a64(&secinfo) + 16; break;
		case AUG_SECS_MIS: pg->secs += 0x800; break;
		case AUG_LIN_MIS: pg->addr += 0x10; break;
		case AUG_SRCPGE: pg->contents = a64(outside); break;
		case AUG_SECS_OUT: pg->secs = a64(outside); break;
		case AUG_LOCKED: locked = epc; break;
		case AUG_VALID: target = page(&e, 0x1000); break;
		case AUG_SECINFO: pg->metadata = a64(&secinfo); break;
		case AUG_SECS_FREE: pg->secs = a64(hwt_epc(&t)); break;
		case AUG_SECS_REG: pg->secs = a64(page(&e, 0x1000)); break;
		case AUG_SECS_LOCKED: locked = e.secs; break;
		case AUG_UNINIT: pg->secs = a64(uninit.secs); break;
		case AUG_LIN_LOW: pg->addr = e.base - SGX_PAGE_SIZE; break;
		case AUG_LIN_HIGH: pg->addr = e.base + e.size; break;
		case AUG_SECS_IS_TARGET: pg->secs = a64(epc); break;
		case AUG_LAST_PAGE: pg->addr = lin = e.base + e.size - SGX_PAGE_SIZE; break;
		}
		got = WITH_LOCK(&t, locked, encls_eaug(t.hw, pginfo, target));
		assert_leaf(i, got, rows[i].want);
		info = epcm_of(&t, epc);
		if (rows[i].want) {
			if (info.valid)
				fail_msg("row %zu: EPCM valid after a failed EAUG", i);
			continue;
		}
		if (!info.valid || info.page_type != SGX_PT_REG ||
		    info.perm != (SGX_SECINFO_R | SGX_SECINFO_W) || !info.pending || info.modified ||
		    info.pr || info.linaddr != lin || info.secs_index != hwt_epc_index(&t, e.secs))
			fail_msg("row %zu: EPCM is not {REG, RW, PENDING}", i);
		if (!page_is_zero(epc))
			fail_msg("row %zu: EAUG did not zero the page", i);
	}
	/* Two pages EAUGed: 8 + 2 children keep the SECS. */
	assert_int_equal(secs_encl(t.hw, hwt_epc_index(&t, e.secs))->child_count, 10);
	measure_destroy(&e.m);
	measure_destroy(&uninit.m);
	hwt_teardown(&t);
}

/* ---- EMODPR / EMODT ------------------------------------------------------------- */

enum mod_target {
	M_REG, M_RX, M_SECINFO_MIS, M_EPC_MIS, M_EPC_OUT, M_LOCKED, M_FREE, M_SECS, M_PENDING,
	M_MODIFIED, M_TRIM_ACCEPTED, M_TCS, M_TCS0, M_UNINIT, M_PR,
};

struct mod_env {
	struct hwt t;
	struct hwt_encl e, uninit;
	void *uninit_reg, *pending, *scratch;
};

/* EAUG a page at ELRANGE offset @off of @e; @accept: EACCEPT it too. */
static void *aug(struct hwt *t, struct hwt_encl *e, uint64_t off, bool accept)
{
	struct sgx_pageinfo pg = { .addr = e->base + off, .secs = a64(e->secs) };
	void *epc = hwt_epc(t);

	assert_leaf(-1, encls_eaug(t->hw, &pg, epc), 0);
	hwt_map(e, pg.addr, epc);
	if (accept)
		eaccept(t, epc, EPCM_PENDING);
	return epc;
}

static void mod_setup(struct mod_env *m)
{
	hwt_setup(&m->t, NULL);
	hwt_build_default(&m->t, &m->e, 0);
	assert_int_equal(hwt_ecreate(&m->t, &m->uninit, 2 * HWT_BASE, 0x10000, 0), 0);
	assert_leaf(-2, hwt_eadd(&m->uninit, 0, SECINFO_RW, NULL, false, &m->uninit_reg), 0);
	m->scratch = aug(&m->t, &m->e, 0x8000, true);
	m->pending = aug(&m->t, &m->e, 0x9000, false);
}

static void mod_teardown(struct mod_env *m)
{
	measure_destroy(&m->e.m);
	measure_destroy(&m->uninit.m);
	hwt_teardown(&m->t);
}

/*
 * The page a row works on, in the state the row names. Rows that need a
 * plain RW page share one, whose EPCM entry is reset to {REG, RW} first.
 */
static void *mod_page(struct mod_env *m, enum mod_target target, const void **locked)
{
	struct sgx_secinfo trim = { .flags = SGX_SECINFO_TRIM };
	struct sgx_secinfo r = { .flags = SGX_SECINFO_R };
	void *p = m->scratch;

	*locked = NULL;
	switch (target) {
	case M_RX: return page(&m->e, 0x3000);
	case M_EPC_MIS: return (uint8_t *)page(&m->e, 0x4000) + 0x100;
	case M_EPC_OUT: return outside;
	case M_FREE: return hwt_epc(&m->t);
	case M_SECS: return m->e.secs;
	case M_PENDING: return m->pending;
	case M_TCS: return page(&m->e, 0x5000);
	case M_TCS0: return page(&m->e, 0);
	case M_UNINIT: return m->uninit_reg;
	default: break;
	}
	epcm_raw(&m->t, p)->page_type = SGX_PT_REG;
	epcm_raw(&m->t, p)->flags = EPCM_VALID | EPCM_R | EPCM_W;
	switch (target) {
	case M_LOCKED: *locked = p; break;
	case M_MODIFIED: assert_leaf(-3, encls_emodt(m->t.hw, &trim, p), 0); break;
	case M_TRIM_ACCEPTED:
		assert_leaf(-4, encls_emodt(m->t.hw, &trim, p), 0);
		eaccept(&m->t, p, EPCM_MODIFIED);
		break;
	case M_PR: assert_leaf(-5, encls_emodpr(m->t.hw, &r, p), 0); break;
	default: break;
	}
	return p;
}

static void test_emodpr_rows(void **state)
{
	static const struct {
		enum mod_target target;
		uint64_t flags;
		unsigned int want;
		uint8_t perm;           /* EPCM permissions after success */
	} rows[] = {
		/* 0 */ { M_REG, SGX_SECINFO_R, 0, SGX_SECINFO_R },
		/* 1 */ { M_SECINFO_MIS, SGX_SECINFO_R, SGX_FAULT_GP, 0 },
		/* 2 */ { M_EPC_MIS, SGX_SECINFO_R, SGX_FAULT_GP, 0 },
		/* 3 */ { M_EPC_OUT, SGX_SECINFO_R, SGX_FAULT_PF, 0 },
		/* 4 */ { M_REG, SGX_SECINFO_R | 1ull << 7, SGX_FAULT_GP, 0 },
		/* 5 */ { M_REG, SGX_SECINFO_W, SGX_FAULT_GP, 0 },
		/* 6 */ { M_LOCKED, SGX_SECINFO_R, SGX_EPC_PAGE_CONFLICT, 0 },
		/* 7 */ { M_FREE, SGX_SECINFO_R, SGX_FAULT_PF, 0 },
		/* 8 */ { M_PENDING, SGX_SECINFO_R, SGX_PAGE_NOT_MODIFIABLE, 0 },
		/* 9 */ { M_MODIFIED, 7, SGX_PAGE_NOT_MODIFIABLE, 0 },
		/* 10 */ { M_TRIM_ACCEPTED, 7, SGX_FAULT_PF, 0 },
		/* 11 */ { M_TCS, SGX_SECINFO_R, SGX_FAULT_PF, 0 },
		/* 12 */ { M_SECS, SGX_SECINFO_R, SGX_FAULT_PF, 0 },
		/* 13 */ { M_UNINIT, SGX_SECINFO_R, SGX_FAULT_GP, 0 },
		/* 14 */ { M_REG, 7, 0, SGX_SECINFO_R | SGX_SECINFO_W },   /* nothing removed */
		/* 15 */ { M_RX, SGX_SECINFO_R | SGX_SECINFO_W, 0, SGX_SECINFO_R },
		/* 16 */ { M_REG, 0, 0, 0 },
		/* 17 */ { M_REG, SGX_SECINFO_TCS | SGX_SECINFO_R, 0, SGX_SECINFO_R }, /* type ignored */
		/* 18 */ { M_PR, SGX_SECINFO_R, 0, SGX_SECINFO_R },        /* PR already set */
		/* 19 */ { M_REG, SGX_SECINFO_R | SGX_SECINFO_PR, 0, SGX_SECINFO_R },
	};
	static uint8_t buf[128] __attribute__((aligned(64)));
	struct sgx_secinfo *secinfo = (struct sgx_secinfo *)buf;
	struct mod_env m;
	size_t i;

	(void)state;
	mod_setup(&m);
	for (i = 0; i < ROWS(rows); i++) {
		const void *locked;
		void *p = mod_page(&m, rows[i].target == M_SECINFO_MIS ? M_REG : rows[i].target,
				   &locked);
		const void *si = rows[i].target == M_SECINFO_MIS ? buf + 32 : buf;
		struct hw_epcm_info before = { 0 }, after;
		bool in_epc = rows[i].target != M_EPC_OUT && rows[i].target != M_EPC_MIS;

		memset(buf, 0, sizeof(buf));
		secinfo->flags = rows[i].flags;
		if (in_epc)
			before = epcm_of(&m.t, p);
		assert_leaf(i, WITH_LOCK(&m.t, locked, encls_emodpr(m.t.hw, si, p)), rows[i].want);
		if (!in_epc)
			continue;
		after = epcm_of(&m.t, p);
		if (rows[i].want) {
			if (!epcm_equal(&before, &after))
				fail_msg("row %zu: EPCM changed by a failed EMODPR", i);
		} else if (after.perm != rows[i].perm || !after.pr || after.pending ||
			   after.modified || after.page_type != SGX_PT_REG) {
			fail_msg("row %zu: EPCM perm %u pr %d after EMODPR", i, after.perm, after.pr);
		}
	}
	mod_teardown(&m);
}

static void test_emodt_rows(void **state)
{
	static const struct {
		enum mod_target target;
		uint64_t flags;
		unsigned int want;
	} rows[] = {
		/* 0 */ { M_REG, SGX_SECINFO_TRIM, 0 },
		/* 1 */ { M_REG, SGX_SECINFO_TCS, 0 },
		/* 2 */ { M_TCS0, SGX_SECINFO_TRIM, 0 },
		/* 3 */ { M_SECINFO_MIS, SGX_SECINFO_TRIM, SGX_FAULT_GP },
		/* 4 */ { M_EPC_MIS, SGX_SECINFO_TRIM, SGX_FAULT_GP },
		/* 5 */ { M_EPC_OUT, SGX_SECINFO_TRIM, SGX_FAULT_PF },
		/* 6 */ { M_REG, SGX_SECINFO_TRIM | 1ull << 6, SGX_FAULT_GP },
		/* 7 */ { M_REG, SGX_SECINFO_REG, SGX_FAULT_GP },
		/* 8 */ { M_REG, SGX_SECINFO_SECS, SGX_FAULT_GP },
		/* 9 */ { M_REG, SGX_SECINFO_VA, SGX_FAULT_GP },
		/* 10 */ { M_LOCKED, SGX_SECINFO_TRIM, SGX_EPC_PAGE_CONFLICT },
		/* 11 */ { M_FREE, SGX_SECINFO_TRIM, SGX_FAULT_PF },
		/* 12 */ { M_SECS, SGX_SECINFO_TRIM, SGX_FAULT_PF },
		/* 13 */ { M_TCS, SGX_SECINFO_TCS, SGX_FAULT_PF },
		/* 14 */ { M_TRIM_ACCEPTED, SGX_SECINFO_TRIM, SGX_FAULT_PF },
		/* 15 */ { M_PENDING, SGX_SECINFO_TRIM, SGX_PAGE_NOT_MODIFIABLE },
		/* 16 */ { M_MODIFIED, SGX_SECINFO_TCS, SGX_FAULT_PF },          /* TRIM now */
		/* 17 */ { M_UNINIT, SGX_SECINFO_TRIM, SGX_FAULT_GP },
		/* 18 */ { M_PR, SGX_SECINFO_TRIM, 0 },                         /* PR cleared */
		/* 19 */ { M_RX, SGX_SECINFO_TCS | 7, 0 },                     /* RWX ignored */
	};
	static uint8_t buf[128] __attribute__((aligned(64)));
	struct sgx_secinfo *secinfo = (struct sgx_secinfo *)buf;
	struct mod_env m;
	size_t i;

	(void)state;
	mod_setup(&m);
	for (i = 0; i < ROWS(rows); i++) {
		const void *locked;
		void *p = mod_page(&m, rows[i].target == M_SECINFO_MIS ? M_REG : rows[i].target,
				   &locked);
		const void *si = rows[i].target == M_SECINFO_MIS ? buf + 32 : buf;
		struct hw_epcm_info before = { 0 }, after;
		bool in_epc = rows[i].target != M_EPC_OUT && rows[i].target != M_EPC_MIS;

		memset(buf, 0, sizeof(buf));
		secinfo->flags = rows[i].flags;
		if (in_epc)
			before = epcm_of(&m.t, p);
		assert_leaf(i, WITH_LOCK(&m.t, locked, encls_emodt(m.t.hw, si, p)), rows[i].want);
		if (!in_epc)
			continue;
		after = epcm_of(&m.t, p);
		if (rows[i].want) {
			if (!epcm_equal(&before, &after))
				fail_msg("row %zu: EPCM changed by a failed EMODT", i);
		} else if (after.page_type != sgx_secinfo_page_type(rows[i].flags) || after.perm ||
			   !after.modified || after.pr || after.pending ||
			   after.linaddr != before.linaddr) {
			fail_msg("row %zu: EPCM type %u after EMODT", i, after.page_type);
		}
	}
	mod_teardown(&m);
}

/*
 * SGX_IOC_ENCLAVE_REMOVE_PAGES (reference §4.5): EMODT TRIM; the EMODPR
 * probe returns SGX_PAGE_NOT_MODIFIABLE until the enclave EACCEPTs, then
 * #PFs; EREMOVE works even with threads inside; the address can be EAUGed
 * again afterwards.
 */
static void test_remove_pages_sequence(void **state)
{
	struct sgx_secinfo trim = { .flags = SGX_SECINFO_TRIM };
	struct sgx_secinfo rwx = { .flags = 7 };
	struct sgx_pageinfo pg = { 0 };
	struct hw_encl *encl;
	struct hwt_encl e;
	void *p, *fresh;
	struct hwt t;
	uint64_t ep;

	(void)state;
	hwt_setup(&t, NULL);
	hwt_build_default(&t, &e, 0);
	encl = secs_encl(t.hw, hwt_epc_index(&t, e.secs));
	p = page(&e, 0x4000);
	assert_int_equal(track_etrack(encl), 0);       /* now in epoch 1 */
	ep = track_enter(encl);                         /* a thread is inside */
	assert_leaf(0, encls_emodt(t.hw, &trim, p), 0);
	/* The epoch EACCEPT must see tracked before it may confirm the change. */
	assert_int_equal(t.hw->pages[hwt_epc_index(&t, p)].block_epoch, 1);
	assert_leaf(1, encls_emodpr(t.hw, &rwx, p), SGX_PAGE_NOT_MODIFIABLE);
	assert_leaf(2, encls_eremove(t.hw, p), SGX_ENCLAVE_ACT);
	eaccept(&t, p, EPCM_MODIFIED);
	assert_leaf(3, encls_emodpr(t.hw, &rwx, p), SGX_FAULT_PF);
	assert_leaf(-1, encls_emodpr(t.hw, &rwx, page(&e, 0x1000)), 0);
	assert_int_equal(t.hw->pages[hwt_epc_index(&t, page(&e, 0x1000))].block_epoch, 1);
	assert_leaf(4, encls_eremove(t.hw, p), 0);
	track_exit(encl, ep);
	assert_int_equal(encl->child_count, 7);

	fresh = hwt_epc(&t);
	pg.addr = e.base + 0x4000;
	pg.secs = a64(e.secs);
	assert_leaf(5, encls_eaug(t.hw, &pg, fresh), 0);
	assert_true(epcm_of(&t, fresh).pending);
	assert_int_equal(encl->child_count, 8);
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

/* SGX1-only parts: the three leaves do not exist. */
static void test_sgx1_only(void **state)
{
	struct sgx_secinfo secinfo = { .flags = SGX_SECINFO_TRIM };
	struct sgx_pageinfo pg = { 0 };
	struct hw_config cfg;
	struct hwt_encl e;
	struct hwt t;
	void *p;

	(void)state;
	hw_config_default(&cfg);
	cfg.sgx2 = false;
	hwt_setup(&t, &cfg);
	hwt_build_default(&t, &e, 0);
	p = page(&e, 0x4000);
	pg.addr = e.base + 0x8000;
	pg.secs = a64(e.secs);
	assert_leaf(0, encls_eaug(t.hw, &pg, hwt_epc(&t)), SGX_FAULT_UD);
	assert_leaf(1, encls_emodpr(t.hw, &secinfo, p), SGX_FAULT_UD);
	assert_leaf(2, encls_emodt(t.hw, &secinfo, p), SGX_FAULT_UD);
	assert_leaf(3, hw_encls(t.hw, SGX_EMODT, a64(&secinfo), a64(p), 0, NULL), SGX_FAULT_UD);
	assert_true(epcm_of(&t, p).page_type == SGX_PT_REG && !epcm_of(&t, p).modified);
	measure_destroy(&e.m);
	hwt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eaug_rows),
		cmocka_unit_test(test_emodpr_rows),
		cmocka_unit_test(test_emodt_rows),
		cmocka_unit_test(test_remove_pages_sequence),
		cmocka_unit_test(test_sgx1_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
