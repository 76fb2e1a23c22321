// SPDX-License-Identifier: MIT
/*
 * EACCEPT, EACCEPTCOPY, EMODPE: the EACCEPT flag matrix over page states
 * made by the real supervisor leaves (EAUG, EMODPR, EMODT), SGX_NOT_TRACKED
 * until the ETRACK after a change has drained, and numbered tables for the
 * faults of each leaf.
 *
 * The fixture's default enclave, entered on the TCS at 0: SECINFOs are
 * written to the RW page at 0x6000 (the other TCS's SSA, unused here);
 * 0x4000 (RW) and 0x2000 (RW) are targets, 0x3000 is RX, 0x8000-0xffff is
 * free for EAUG.
 */
#include "encls_test.h"

#define SI_PAGE 0x6000

static struct env {
	struct hwt t;
	struct hwt_encl e;
	struct hw_lp lp;
} env;

static void setup_cfg(const struct hw_config *cfg)
{
	struct hw_enter in;

	hwt_setup(&env.t, cfg);
	hwt_build_default(&env.t, &env.e, 0);
	hwt_lp(&env.e, &env.lp);
	assert_leaf(0, enclu_eenter(&env.lp, HWT_BASE, 0x1000, 0, 0, &in), 0);
}

static void setup(void)
{
	setup_cfg(NULL);
}

static void teardown(void)
{
	measure_destroy(&env.e.m);      /* the fixture's shadow MRENCLAVE */
	hwt_teardown(&env.t);
}

static uint8_t *pg(uint64_t off)
{
	uint8_t *p = hwt_lookup(&env.e, HWT_BASE + (off & SGX_PAGE_MASK));

	assert_non_null(p);
	return p + (off & 0xfff);
}

static uint64_t lin(uint64_t off)
{
	return HWT_BASE + off;
}

/* A SECINFO with @flags at SI_PAGE + @slot * 64; its linear address. */
static uint64_t secinfo(unsigned int slot, uint64_t flags)
{
	struct sgx_secinfo *si = (struct sgx_secinfo *)pg(SI_PAGE + slot * 64u);

	memset(si, 0, sizeof(*si));
	si->flags = flags;
	return lin(SI_PAGE + slot * 64u);
}

static struct hw_epcm_info epcm_at(uint64_t off)
{
	return epcm_of(&env.t, pg(off));
}

/* EAUG a page at @off (mapped for the LP); its EPC page. */
static void *eaug(uint64_t off)
{
	struct sgx_pageinfo pi __attribute__((aligned(32))) = { 0 };
	void *epc = hwt_epc(&env.t);

	pi.addr = lin(off);
	pi.secs = a64(env.e.secs);
	assert_leaf(0, encls_eaug(env.t.hw, &pi, epc), 0);
	hwt_map(&env.e, lin(off), epc);
	return epc;
}

static void emodpr(uint64_t off, uint64_t perm)
{
	struct sgx_secinfo si __attribute__((aligned(64))) = { .flags = perm };

	assert_leaf(0, encls_emodpr(env.t.hw, &si, pg(off)), 0);
}

static void emodt(uint64_t off, unsigned int type)
{
	struct sgx_secinfo si __attribute__((aligned(64))) = {
		.flags = (uint64_t)type << SGX_SECINFO_PAGE_TYPE_SHIFT,
	};

	assert_leaf(0, encls_emodt(env.t.hw, &si, pg(off)), 0);
}

static unsigned int etrack(void)
{
	return encls_etrack(env.t.hw, env.e.secs);
}

/* Leave and enter again: the LP moves to the current epoch. */
static void reenter(void)
{
	struct hw_enter in;
	uint64_t rcx;

	assert_leaf(0, enclu_eexit(&env.lp, &rcx), 0);
	assert_leaf(0, enclu_eenter(&env.lp, HWT_BASE, 0x1000, 0, 0, &in), 0);
}

static unsigned int eaccept(uint64_t flags, uint64_t off)
{
	return enclu_eaccept(&env.lp, secinfo(0, flags), lin(off));
}

/* ---- EACCEPT ------------------------------------------------------------------------ */

enum state { ST_AUG, ST_PR_R, ST_PR_RW, ST_TRIM, ST_TCS, ST_TCS_BAD, ST_PLAIN };

#define REG_RW   (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)
#define ACC_AUG  (REG_RW | SGX_SECINFO_PENDING)                         /* 0x20B */
#define ACC_PR_R (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_PR)     /* 0x221 */
#define ACC_TRIM (SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED)              /* 0x410 */
#define ACC_TCS  (SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED)               /* 0x110 */

/* Put the page at 0x4000 (0x8000 for ST_AUG) into @st, tracked. */
static uint64_t make_state(enum state st)
{
	struct sgx_tcs *tcs;

	switch (st) {
	case ST_AUG:
		eaug(0x8000);
		return 0x8000;
	case ST_PR_R:
		emodpr(0x4000, SGX_SECINFO_R);
		break;
	case ST_PR_RW:
		emodpr(0x4000, SGX_SECINFO_R | SGX_SECINFO_W);
		break;
	case ST_TRIM:
		emodt(0x4000, SGX_PT_TRIM);
		break;
	case ST_TCS:
	case ST_TCS_BAD:
		tcs = (struct sgx_tcs *)pg(0x4000);
		hwt_tcs_init(tcs, 0x2000, 1, 0x3000);
		if (st == ST_TCS_BAD)
			tcs->exit_addr = 0x1234;
		emodt(0x4000, SGX_PT_TCS);
		break;
	case ST_PLAIN:
		return 0x4000;
	}
	assert_leaf(0, etrack(), 0);
	reenter();
	return 0x4000;
}

static void test_eaccept_matrix(void **state)
{
	static const struct {
		enum state st;
		uint64_t flags;
		unsigned int want;
		uint8_t perm_after;     /* on success */
		uint8_t type_after;
	} rows[] = {
		/* 0 */ { ST_AUG, ACC_AUG, 0, EPCM_R | EPCM_W, SGX_PT_REG },
		/* 1 */ { ST_AUG, ACC_AUG & ~SGX_SECINFO_W, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 2 */ { ST_AUG, ACC_AUG | SGX_SECINFO_X, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 3 */ { ST_AUG, REG_RW, SGX_FAULT_GP, 0, 0 },           /* neither PENDING nor PR */
		/* 4 */ { ST_AUG, ACC_AUG | SGX_SECINFO_MODIFIED, SGX_FAULT_GP, 0, 0 },
		/* 5 */ { ST_AUG, ACC_TRIM, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 6 */ { ST_AUG, REG_RW | SGX_SECINFO_PR, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 7 */ { ST_AUG, ACC_AUG | SGX_SECINFO_PR, 0, EPCM_R | EPCM_W, SGX_PT_REG },
		/* 8 */ { ST_PR_R, ACC_PR_R, 0, EPCM_R, SGX_PT_REG },
		/* 9 */ { ST_PR_R, ACC_PR_R | SGX_SECINFO_W, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 10 */ { ST_PR_R, ACC_PR_R | SGX_SECINFO_PENDING, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 11 */ { ST_PR_RW, REG_RW | SGX_SECINFO_PR, 0, EPCM_R | EPCM_W, SGX_PT_REG },
		/* 12 */ { ST_TRIM, ACC_TRIM, 0, 0, SGX_PT_TRIM },
		/* 13 */ { ST_TRIM, ACC_TRIM | SGX_SECINFO_PR, SGX_FAULT_GP, 0, 0 },
		/* 14 */ { ST_TRIM, ACC_TRIM | SGX_SECINFO_PENDING, SGX_FAULT_GP, 0, 0 },
		/* 15 */ { ST_TRIM, ACC_TCS, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 16 */ { ST_TRIM, SGX_SECINFO_TRIM, SGX_FAULT_GP, 0, 0 },
		/* 17 */ { ST_TRIM, ACC_TRIM | SGX_SECINFO_R, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 18 */ { ST_TCS, ACC_TCS, 0, 0, SGX_PT_TCS },
		/* 19 */ { ST_TCS_BAD, ACC_TCS, SGX_FAULT_GP, 0, 0 },
		/* 20 */ { ST_TCS, ACC_TRIM, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 21 */ { ST_PLAIN, REG_RW | SGX_SECINFO_PR, 0, EPCM_R | EPCM_W, SGX_PT_REG },
		/* 22 */ { ST_PLAIN, ACC_AUG, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 23 */ { ST_PLAIN, SGX_SECINFO_VA | SGX_SECINFO_MODIFIED, SGX_FAULT_GP, 0, 0 },
		/* 24 */ { ST_PLAIN, SGX_SECINFO_SECS | SGX_SECINFO_PENDING, SGX_FAULT_GP, 0, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		struct hw_epcm_info before, after;
		uint64_t off;
		unsigned int got;

		setup();
		off = make_state(rows[i].st);
		before = epcm_at(off);
		got = eaccept(rows[i].flags, off);
		assert_leaf(i, got, rows[i].want);
		after = epcm_at(off);
		if (got) {
			if (!epcm_equal(&before, &after))
				fail_msg("row %u: EPCM changed by a failed EACCEPT", i);
		} else {
			if (after.pending || after.modified || after.pr || !after.valid ||
			    after.perm != rows[i].perm_after || after.page_type != rows[i].type_after)
				fail_msg("row %u: EPCM after: type %u perm %u P%d M%d PR%d", i,
					 after.page_type, after.perm, after.pending, after.modified,
					 after.pr);
		}
		teardown();
	}
}

/* What the accepted pages are good for afterwards. */
static void test_eaccept_effects(void **state)
{
	struct hw_lp lp2;
	struct hw_enter in;
	void *host;

	(void)state;
	/* EAUG + EACCEPT: a zeroed RW page. */
	setup();
	make_state(ST_AUG);
	assert_leaf(0, hw_lp_access(&env.lp, lin(0x8010), HW_ACC_WRITE, &host), SGX_FAULT_PF);
	assert_int_equal(env.lp.fault_code, 0x8007);
	assert_leaf(1, eaccept(ACC_AUG, 0x8000), 0);
	assert_leaf(2, hw_lp_access(&env.lp, lin(0x8010), HW_ACC_WRITE, &host), 0);
	assert_true(page_is_zero(pg(0x8000)));
	assert_leaf(3, eaccept(ACC_AUG, 0x8000), SGX_PAGE_ATTRIBUTES_MISMATCH); /* done once */
	teardown();

	/* EMODT to TCS + EACCEPT: a TCS another LP can enter. */
	setup();
	make_state(ST_TCS);
	hwt_lp(&env.e, &lp2);
	assert_leaf(4, enclu_eenter(&lp2, lin(0x4000), 0x1000, 0, 0, &in), SGX_FAULT_PF);
	assert_leaf(5, eaccept(ACC_TCS, 0x4000), 0);
	assert_leaf(6, enclu_eenter(&lp2, lin(0x4000), 0x1000, 0, 0, &in), 0);
	assert_int_equal(in.rip, HWT_BASE + 0x3000);
	teardown();

	/* TRIM + EACCEPT: reads now fault 0x8005, and the kernel's EMODPR probe #PFs. */
	setup();
	make_state(ST_TRIM);
	assert_leaf(7, eaccept(ACC_TRIM, 0x4000), 0);
	assert_leaf(8, hw_lp_access(&env.lp, lin(0x4000), HW_ACC_READ, &host), SGX_FAULT_PF);
	assert_int_equal(env.lp.fault_code, 0x8005);
	{
		struct sgx_secinfo si __attribute__((aligned(64))) = { .flags = 7 };

		assert_leaf(9, encls_emodpr(env.t.hw, &si, pg(0x4000)), SGX_FAULT_PF);
	}
	teardown();
}

enum acc_how {
	A_OK, A_SI_RSVD_BIT, A_SI_RSVD_BYTE, A_SI_MIS, A_PAGE_MIS, A_PAGE_OUTSIDE, A_SI_OUTSIDE,
	A_PAGE_UNMAPPED, A_SI_PENDING, A_SI_UNMAPPED, A_OTHER_ENCL, A_LOCKED, A_NOT_INSIDE,
	A_ALIAS, A_SI_TCS, A_PAGE_BLOCKED,
};

static void test_eaccept_rows(void **state)
{
	static uint8_t host[4096] __attribute__((aligned(4096)));
	static struct hwt_encl other;
	static const struct {
		enum acc_how how;
		unsigned int want;
		uint64_t pf_off;
		uint32_t code;
	} rows[] = {
		/* 0 */ { A_OK, 0, 0, 0 },
		/* 1 */ { A_SI_RSVD_BIT, SGX_FAULT_GP, 0, 0 },
		/* 2 */ { A_SI_RSVD_BYTE, SGX_FAULT_GP, 0, 0 },
		/* 3 */ { A_SI_MIS, SGX_FAULT_GP, 0, 0 },
		/* 4 */ { A_PAGE_MIS, SGX_FAULT_GP, 0, 0 },
		/* 5 */ { A_PAGE_OUTSIDE, SGX_FAULT_GP, 0, 0 },
		/* 6 */ { A_SI_OUTSIDE, SGX_FAULT_GP, 0, 0 },
		/* 7 */ { A_PAGE_UNMAPPED, SGX_FAULT_PF, 0x9000, X86_PF_USER },
		/* 8 */ { A_SI_PENDING, SGX_FAULT_PF, 0xa040, 0x8005 },
		/* 9 */ { A_SI_UNMAPPED, SGX_FAULT_PF, 0xb040, X86_PF_USER },
		/* 10 */ { A_OTHER_ENCL, SGX_FAULT_PF, 0xc000, 0x8005 },
		/* 11 */ { A_LOCKED, SGX_FAULT_GP, 0, 0 },
		/* 12 */ { A_NOT_INSIDE, SGX_FAULT_GP, 0, 0 },
		/* 13 */ { A_ALIAS, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 14 */ { A_SI_TCS, SGX_FAULT_PF, 0x5040, 0x8005 },
		/* 15 */ { A_PAGE_BLOCKED, SGX_FAULT_PF, 0x8000, 0x8005 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		uint64_t si, page = lin(0x8000);
		void *aug;
		unsigned int got;
		uint64_t rcx;

		setup();
		aug = eaug(0x8000);
		si = secinfo(1, ACC_AUG);
		switch (rows[i].how) {
		case A_OK:
			break;
		case A_SI_RSVD_BIT:
			((struct sgx_secinfo *)pg(SI_PAGE + 64))->flags |= 1ull << 6;
			break;
		case A_SI_RSVD_BYTE:
			((struct sgx_secinfo *)pg(SI_PAGE + 64))->reserved_0x08[55] = 1;
			break;
		case A_SI_MIS:
			si += 8;
			break;
		case A_PAGE_MIS:
			page += 0x10;
			break;
		case A_PAGE_OUTSIDE:
			page = a64(host);
			break;
		case A_SI_OUTSIDE:
			memcpy(host, pg(SI_PAGE + 64), 64);
			si = a64(host);
			break;
		case A_PAGE_UNMAPPED:
			page = lin(0x9000);
			break;
		case A_SI_PENDING:
			eaug(0xa000);
			si = lin(0xa040);
			break;
		case A_SI_UNMAPPED:
			si = lin(0xb040);
			break;
		case A_OTHER_ENCL:
			hwt_build_default(&env.t, &other, 0);
			hwt_map(&env.e, lin(0xc000), hwt_lookup(&other, HWT_BASE + 0x4000));
			page = lin(0xc000);
			break;
		case A_LOCKED:
			assert_true(epc_trylock(env.t.hw, hwt_epc_index(&env.t, aug)));
			break;
		case A_NOT_INSIDE:
			assert_leaf(i, enclu_eexit(&env.lp, &rcx), 0);
			break;
		case A_ALIAS:
			/* The EAUG page mapped at another address too. */
			hwt_map(&env.e, lin(0xd000), aug);
			page = lin(0xd000);
			break;
		case A_SI_TCS:
			si = lin(0x5040);
			break;
		case A_PAGE_BLOCKED:
			epcm_raw(&env.t, aug)->flags |= EPCM_BLOCKED;
			break;
		}
		got = enclu_eaccept(&env.lp, si, page);
		assert_leaf(i, got, rows[i].want);
		if (got == SGX_FAULT_PF && (env.lp.fault_addr != lin(rows[i].pf_off) ||
					    env.lp.fault_code != rows[i].code))
			fail_msg("row %u: #PF at %#llx code %#x", i,
				 (unsigned long long)env.lp.fault_addr, env.lp.fault_code);
		if (got)
			assert_true(epcm_of(&env.t, aug).pending);
		if (rows[i].how == A_LOCKED)
			epc_unlock(env.t.hw, hwt_epc_index(&env.t, aug));
		measure_destroy(&other.m);
		teardown();
	}
}

static void test_sgx1_only(void **state)
{
	struct hw_config cfg;
	uint64_t si;

	(void)state;
	hw_config_default(&cfg);
	cfg.sgx2 = false;
	setup_cfg(&cfg);
	si = secinfo(0, ACC_AUG);
	assert_leaf(0, enclu_eaccept(&env.lp, si, lin(0x4000)), SGX_FAULT_UD);
	assert_leaf(1, enclu_eacceptcopy(&env.lp, si, lin(0x4000), lin(0x2000)), SGX_FAULT_UD);
	assert_leaf(2, enclu_emodpe(&env.lp, si, lin(0x4000)), SGX_FAULT_UD);
	teardown();
}

/* ---- tracking ------------------------------------------------------------------------- */

static void test_not_tracked(void **state)
{
	struct hw_lp lp2;
	struct hw_enter in;
	uint64_t rcx;

	(void)state;
	/* No ETRACK at all yet. */
	setup();
	emodpr(0x4000, SGX_SECINFO_R);
	assert_leaf(0, eaccept(ACC_PR_R, 0x4000), SGX_NOT_TRACKED);
	/* ETRACK while this LP is inside: it still holds the old view. */
	assert_leaf(1, etrack(), 0);
	assert_leaf(2, eaccept(ACC_PR_R, 0x4000), SGX_NOT_TRACKED);
	assert_true(epcm_at(0x4000).pr);
	/* Once it has left (the kernel's IPI), the change can be accepted. */
	reenter();
	assert_leaf(3, eaccept(ACC_PR_R, 0x4000), 0);
	teardown();

	/* A change after an earlier, completed ETRACK needs an ETRACK of its own. */
	setup();
	assert_leaf(4, enclu_eexit(&env.lp, &rcx), 0);
	assert_leaf(5, etrack(), 0);                    /* epoch 0 tracked, nobody inside */
	assert_leaf(6, enclu_eenter(&env.lp, HWT_BASE, 0x1000, 0, 0, &in), 0);
	emodt(0x4000, SGX_PT_TRIM);                     /* changed in epoch 1 */
	assert_leaf(7, eaccept(ACC_TRIM, 0x4000), SGX_NOT_TRACKED);
	/* Another LP that entered before the ETRACK holds it up too. */
	hwt_lp(&env.e, &lp2);
	assert_leaf(8, enclu_eenter(&lp2, lin(0x5000), 0x1000, 0, 0, &in), 0);
	assert_leaf(9, etrack(), 0);
	reenter();
	assert_leaf(10, eaccept(ACC_TRIM, 0x4000), SGX_NOT_TRACKED);
	assert_leaf(11, enclu_eexit(&lp2, &rcx), 0);
	assert_leaf(12, eaccept(ACC_TRIM, 0x4000), 0);
	/*
	 * A later ETRACK covers an older change: ETRACK of epoch 3 is only
	 * accepted once epoch 2, where the change happened, has drained - even
	 * while this LP, inside since epoch 3, keeps epoch 3 from draining.
	 */
	emodpr(0x2000, SGX_SECINFO_R);                  /* epoch 2 */
	assert_leaf(13, etrack(), 0);
	reenter();
	assert_leaf(14, etrack(), 0);
	assert_leaf(15, eaccept(ACC_PR_R, 0x2000), 0);
	/* A change in epoch 4 waits for an ETRACK of epoch 4 to drain. */
	emodpr(0x7000, SGX_SECINFO_R);
	assert_leaf(16, etrack(), SGX_PREV_TRK_INCMPL); /* we are still in epoch 3 */
	assert_leaf(17, eaccept(ACC_PR_R, 0x7000), SGX_NOT_TRACKED);
	reenter();
	assert_leaf(18, etrack(), 0);
	assert_leaf(19, eaccept(ACC_PR_R, 0x7000), SGX_NOT_TRACKED);
	reenter();
	assert_leaf(20, eaccept(ACC_PR_R, 0x7000), 0);
	teardown();

	/* EAUG needs no tracking; neither does a PR request on an unmodified page. */
	setup();
	eaug(0x8000);
	assert_leaf(21, eaccept(ACC_AUG, 0x8000), 0);
	assert_leaf(22, eaccept(REG_RW | SGX_SECINFO_PR, 0x4000), 0);
	teardown();
}

/* ---- EACCEPTCOPY ------------------------------------------------------------------------ */

static void test_eacceptcopy(void **state)
{
	struct hw_epcm_info info;
	void *host;
	unsigned int i;

	(void)state;
	setup();
	eaug(0x8000);
	for (i = 0; i < SGX_PAGE_SIZE; i++)
		pg(0x4000)[i] = (uint8_t)(i * 13 + 1);
	assert_leaf(0, enclu_eacceptcopy(&env.lp,
					 secinfo(0, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X),
					 lin(0x8000), lin(0x4000)), 0);
	assert_memory_equal(pg(0x8000), pg(0x4000), SGX_PAGE_SIZE);
	info = epcm_at(0x8000);
	assert_false(info.pending);
	assert_int_equal(info.perm, EPCM_R | EPCM_X);
	assert_int_equal(info.page_type, SGX_PT_REG);
	assert_leaf(1, hw_lp_access(&env.lp, lin(0x8000), HW_ACC_EXEC, &host), 0);
	assert_leaf(2, hw_lp_access(&env.lp, lin(0x8000), HW_ACC_WRITE, &host), SGX_FAULT_PF);
	/* Done once: the page is no longer PENDING. */
	assert_leaf(3, enclu_eacceptcopy(&env.lp, secinfo(0, REG_RW), lin(0x8000), lin(0x4000)),
		    SGX_PAGE_ATTRIBUTES_MISMATCH);
	/* EACCEPT of the copied page now mismatches too. */
	assert_leaf(4, eaccept(ACC_AUG, 0x8000), SGX_PAGE_ATTRIBUTES_MISMATCH);
	teardown();
}

enum copy_how {
	C_OK, C_DST_PLAIN, C_DST_LOCKED, C_SI_W_ONLY, C_SI_TCS, C_SI_RSVD, C_SRC_TCS, C_SRC_PENDING,
	C_SRC_MIS, C_SRC_OUTSIDE, C_DST_MIS, C_SI_MIS, C_DST_UNMAPPED, C_SRC_UNMAPPED,
	C_SRC_NOREAD, C_DST_OTHER_ADDR, C_NOT_INSIDE, C_DST_TRIM,
};

static void test_eacceptcopy_rows(void **state)
{
	static uint8_t host[4096] __attribute__((aligned(4096)));
	static const struct {
		enum copy_how how;
		unsigned int want;
		uint64_t pf_off;
		uint32_t code;
	} rows[] = {
		/* 0 */ { C_OK, 0, 0, 0 },
		/* 1 */ { C_DST_PLAIN, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 2 */ { C_DST_LOCKED, SGX_FAULT_GP, 0, 0 },
		/* 3 */ { C_SI_W_ONLY, SGX_FAULT_GP, 0, 0 },
		/* 4 */ { C_SI_TCS, SGX_FAULT_GP, 0, 0 },
		/* 5 */ { C_SI_RSVD, SGX_FAULT_GP, 0, 0 },
		/* 6 */ { C_SRC_TCS, SGX_FAULT_PF, 0x5000, 0x8005 },
		/* 7 */ { C_SRC_PENDING, SGX_FAULT_PF, 0xa000, 0x8005 },
		/* 8 */ { C_SRC_MIS, SGX_FAULT_GP, 0, 0 },
		/* 9 */ { C_SRC_OUTSIDE, SGX_FAULT_GP, 0, 0 },
		/* 10 */ { C_DST_MIS, SGX_FAULT_GP, 0, 0 },
		/* 11 */ { C_SI_MIS, SGX_FAULT_GP, 0, 0 },
		/* 12 */ { C_DST_UNMAPPED, SGX_FAULT_PF, 0x9000, X86_PF_USER | X86_PF_WRITE },
		/* 13 */ { C_SRC_UNMAPPED, SGX_FAULT_PF, 0xb000, X86_PF_USER },
		/* 14 */ { C_SRC_NOREAD, SGX_FAULT_PF, 0x4000, 0x8005 },
		/* 15 */ { C_DST_OTHER_ADDR, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
		/* 16 */ { C_NOT_INSIDE, SGX_FAULT_GP, 0, 0 },
		/* 17 */ { C_DST_TRIM, SGX_PAGE_ATTRIBUTES_MISMATCH, 0, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		uint64_t si, dst = lin(0x8000), src = lin(0x4000);
		void *aug;
		unsigned int got;
		uint64_t rcx;

		setup();
		aug = eaug(0x8000);
		si = secinfo(0, REG_RW);
		switch (rows[i].how) {
		case C_OK:
			break;
		case C_DST_PLAIN:
			dst = lin(0x2000);
			break;
		case C_DST_LOCKED:
			assert_true(epc_trylock(env.t.hw, hwt_epc_index(&env.t, aug)));
			break;
		case C_SI_W_ONLY:
			si = secinfo(0, SGX_SECINFO_REG | SGX_SECINFO_W);
			break;
		case C_SI_TCS:
			si = secinfo(0, SGX_SECINFO_TCS);
			break;
		case C_SI_RSVD:
			si = secinfo(0, REG_RW | (1ull << 7));
			break;
		case C_SRC_TCS:
			src = lin(0x5000);
			break;
		case C_SRC_PENDING:
			eaug(0xa000);
			src = lin(0xa000);
			break;
		case C_SRC_MIS:
			src += 0x800;
			break;
		case C_SRC_OUTSIDE:
			src = a64(host);
			break;
		case C_DST_MIS:
			dst += 0x40;
			break;
		case C_SI_MIS:
			si += 0x20;
			break;
		case C_DST_UNMAPPED:
			dst = lin(0x9000);
			break;
		case C_SRC_UNMAPPED:
			src = lin(0xb000);
			break;
		case C_SRC_NOREAD:
			emodpr(0x4000, 0);
			break;
		case C_DST_OTHER_ADDR:
			hwt_map(&env.e, lin(0xe000), aug);
			dst = lin(0xe000);
			break;
		case C_NOT_INSIDE:
			assert_leaf(i, enclu_eexit(&env.lp, &rcx), 0);
			break;
		case C_DST_TRIM:
			emodt(0x2000, SGX_PT_TRIM);
			dst = lin(0x2000);
			break;
		}
		got = enclu_eacceptcopy(&env.lp, si, dst, src);
		assert_leaf(i, got, rows[i].want);
		if (got == SGX_FAULT_PF && (env.lp.fault_addr != lin(rows[i].pf_off) ||
					    env.lp.fault_code != rows[i].code))
			fail_msg("row %u: #PF at %#llx code %#x", i,
				 (unsigned long long)env.lp.fault_addr, env.lp.fault_code);
		if (got) {
			assert_true(epcm_of(&env.t, aug).pending);
			assert_true(page_is_zero(aug));
		}
		if (rows[i].how == C_DST_LOCKED)
			epc_unlock(env.t.hw, hwt_epc_index(&env.t, aug));
		teardown();
	}
}

/* ---- EMODPE ------------------------------------------------------------------------------ */

static void test_emodpe(void **state)
{
	void *host;

	(void)state;
	setup();
	/* Restrict 0x4000 to nothing, accept, then extend step by step. */
	make_state(ST_PR_R);
	assert_leaf(0, eaccept(ACC_PR_R, 0x4000), 0);
	assert_int_equal(epcm_at(0x4000).perm, EPCM_R);
	assert_leaf(1, enclu_emodpe(&env.lp, secinfo(0, SGX_SECINFO_W), lin(0x4000)), 0);
	assert_int_equal(epcm_at(0x4000).perm, EPCM_R | EPCM_W);
	assert_leaf(2, hw_lp_access(&env.lp, lin(0x4000), HW_ACC_WRITE, &host), 0);
	assert_leaf(3, enclu_emodpe(&env.lp, secinfo(0, SGX_SECINFO_X), lin(0x4000)), 0);
	assert_int_equal(epcm_at(0x4000).perm, EPCM_R | EPCM_W | EPCM_X);
	/* Extending never restricts. */
	assert_leaf(4, enclu_emodpe(&env.lp, secinfo(0, 0), lin(0x4000)), 0);
	assert_int_equal(epcm_at(0x4000).perm, EPCM_R | EPCM_W | EPCM_X);
	/* EMODPE does not need tracking, nor does it leave state to accept. */
	assert_false(epcm_at(0x4000).pr);
	teardown();
}

enum pe_how {
	E_OK, E_W_ONLY_NOREAD, E_RW_NOREAD, E_PENDING, E_MODIFIED, E_TRIMMED, E_TCS, E_LOCKED,
	E_SI_RSVD, E_SI_MIS, E_PAGE_MIS, E_PAGE_OUTSIDE, E_UNMAPPED, E_NOT_INSIDE, E_PR,
	E_BLOCKED,
};

static void test_emodpe_rows(void **state)
{
	static uint8_t host[4096] __attribute__((aligned(4096)));
	static const struct {
		enum pe_how how;
		uint64_t perm;
		unsigned int want;
		uint64_t pf_off;
		uint32_t code;
		uint8_t perm_after;
	} rows[] = {
		/* 0 */ { E_OK, SGX_SECINFO_X, 0, 0, 0, EPCM_R | EPCM_W | EPCM_X },
		/* 1 */ { E_W_ONLY_NOREAD, SGX_SECINFO_W, SGX_FAULT_GP, 0, 0, 0 },
		/* 2 */ { E_RW_NOREAD, SGX_SECINFO_R | SGX_SECINFO_W, 0, 0, 0, EPCM_R | EPCM_W },
		/* 3 */ { E_PENDING, SGX_SECINFO_X, SGX_FAULT_PF, 0x8000, 0x8005, 0 },
		/* 4 */ { E_MODIFIED, SGX_SECINFO_X, SGX_FAULT_PF, 0x4000, 0x8005, 0 },
		/* 5 */ { E_TRIMMED, SGX_SECINFO_X, SGX_FAULT_PF, 0x4000, 0x8005, 0 },
		/* 6 */ { E_TCS, SGX_SECINFO_X, SGX_FAULT_PF, 0x5000, 0x8005, 0 },
		/* 7 */ { E_LOCKED, SGX_SECINFO_X, SGX_FAULT_GP, 0, 0, 0 },
		/* 8 */ { E_SI_RSVD, SGX_SECINFO_X | (1ull << 16), SGX_FAULT_GP, 0, 0, 0 },
		/* 9 */ { E_SI_MIS, SGX_SECINFO_X, SGX_FAULT_GP, 0, 0, 0 },
		/* 10 */ { E_PAGE_MIS, SGX_SECINFO_X, SGX_FAULT_GP, 0, 0, 0 },
		/* 11 */ { E_PAGE_OUTSIDE, SGX_SECINFO_X, SGX_FAULT_GP, 0, 0, 0 },
		/* 12 */ { E_UNMAPPED, SGX_SECINFO_X, SGX_FAULT_PF, 0x9000, X86_PF_USER, 0 },
		/* 13 */ { E_NOT_INSIDE, SGX_SECINFO_X, SGX_FAULT_GP, 0, 0, 0 },
		/* 14 */ { E_PR, SGX_SECINFO_X, 0, 0, 0, EPCM_R | EPCM_X },   /* before EACCEPT */
		/* 15 */ { E_BLOCKED, SGX_SECINFO_X, SGX_FAULT_PF, 0x4000, 0x8005, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		uint64_t si, page = lin(0x4000);
		unsigned int got;
		uint64_t rcx;
		void *epc;

		setup();
		si = secinfo(0, rows[i].perm);
		switch (rows[i].how) {
		case E_OK:
			break;
		case E_W_ONLY_NOREAD:
		case E_RW_NOREAD:
			emodpr(0x4000, 0);
			assert_leaf(i, etrack(), 0);
			reenter();
			assert_leaf(i, eaccept(SGX_SECINFO_REG | SGX_SECINFO_PR, 0x4000), 0);
			si = secinfo(1, rows[i].perm);
			break;
		case E_PENDING:
			eaug(0x8000);
			page = lin(0x8000);
			break;
		case E_MODIFIED:
			emodt(0x4000, SGX_PT_TRIM);
			break;
		case E_TRIMMED:
			make_state(ST_TRIM);
			assert_leaf(i, eaccept(ACC_TRIM, 0x4000), 0);
			break;
		case E_TCS:
			page = lin(0x5000);
			break;
		case E_LOCKED:
			assert_true(epc_trylock(env.t.hw, hwt_epc_index(&env.t, pg(0x4000))));
			break;
		case E_SI_RSVD:
			break;
		case E_SI_MIS:
			si += 4;
			break;
		case E_PAGE_MIS:
			page += 0x100;
			break;
		case E_PAGE_OUTSIDE:
			page = a64(host);
			break;
		case E_UNMAPPED:
			page = lin(0x9000);
			break;
		case E_NOT_INSIDE:
			assert_leaf(i, enclu_eexit(&env.lp, &rcx), 0);
			break;
		case E_PR:
			emodpr(0x4000, SGX_SECINFO_R);
			break;
		case E_BLOCKED:
			epcm_raw(&env.t, pg(0x4000))->flags |= EPCM_BLOCKED;
			break;
		}
		got = enclu_emodpe(&env.lp, si, page);
		assert_leaf(i, got, rows[i].want);
		if (got == SGX_FAULT_PF && (env.lp.fault_addr != lin(rows[i].pf_off) ||
					    env.lp.fault_code != rows[i].code))
			fail_msg("row %u: #PF at %#llx code %#x", i,
				 (unsigned long long)env.lp.fault_addr, env.lp.fault_code);
		if (!got) {
			epc = pg(0x4000);
			assert_int_equal(epcm_of(&env.t, epc).perm, rows[i].perm_after);
		}
		if (rows[i].how == E_LOCKED)
			epc_unlock(env.t.hw, hwt_epc_index(&env.t, pg(0x4000)));
		teardown();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eaccept_matrix),
		cmocka_unit_test(test_eaccept_effects),
		cmocka_unit_test(test_eaccept_rows),
		cmocka_unit_test(test_sgx1_only),
		cmocka_unit_test(test_not_tracked),
		cmocka_unit_test(test_eacceptcopy),
		cmocka_unit_test(test_eacceptcopy_rows),
		cmocka_unit_test(test_emodpe),
		cmocka_unit_test(test_emodpe_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
