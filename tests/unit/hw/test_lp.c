// SPDX-License-Identifier: MIT
/*
 * The logical processor: EENTER/ERESUME/EEXIT/AEX/EDECCSSA and enclave-mode
 * access control. Numbered tables for the entry faults and the EXITINFO
 * encoding; flows for the state machine, checked byte by byte at the SDM's
 * offsets in the SSA pages.
 *
 * The fixture's default enclave (hwt_build_default): TCS at 0 (OSSA 0x1000,
 * NSSA 2, OENTRY 0x3000), SSA frames 0x1000 and 0x2000, RX 0x3000, RW
 * 0x4000, a second TCS at 0x5000 with frames 0x6000/0x7000; SSAFRAMESIZE 1,
 * so GPRSGX is at page offset 4096 - 184 = 3912 and EXINFO at 3896.
 */
#include "encls_test.h"

#define GPR_OFF     (SGX_PAGE_SIZE - SGX_SSA_GPRS_SIZE)
#define EXINFO_OFF  (GPR_OFF - SGX_SSA_MISC_EXINFO_SIZE)
#define AEP         0x7f0000401000ull
#define URSP        0x7ffd00001000ull
#define URBP        0x7ffd00002000ull

static struct env {
	struct hwt t;
	struct hwt_encl e;
	struct hw_lp lp;
} env;

/* Fresh platform and default enclave (@misc: its MISCSELECT). */
static void setup(const struct hw_config *cfg, uint32_t misc)
{
	static struct sgx_secs secs;

	hwt_setup(&env.t, cfg);
	hwt_secs_init(&secs, HWT_BASE, 0x10000);
	secs.miscselect = misc;
	hwt_build_secs(&env.t, &env.e, &secs);
	hwt_lp(&env.e, &env.lp);
}

static void teardown(void)
{
	measure_destroy(&env.e.m);      /* the fixture's shadow MRENCLAVE */
	hwt_teardown(&env.t);
}

static uint8_t *pg(uint64_t off)
{
	uint8_t *p = hwt_lookup(&env.e, env.e.base + off);

	assert_non_null(p);
	return p;
}

static uint64_t u64_at(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t u32_at(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static struct sgx_tcs *tcs_at(uint64_t off)
{
	return (struct sgx_tcs *)pg(off);
}

static unsigned int busy(uint64_t off)
{
	return atomic_load(&env.t.hw->pages[hwt_epc_index(&env.t, pg(off))].tcs_busy);
}

static long lps_inside(void)
{
	uint64_t secs = hwt_epc_index(&env.t, env.e.secs);

	return atomic_load(&env.t.hw->pages[secs].encl->lps_inside);
}

static unsigned int eenter(uint64_t tcs_off, struct hw_enter *out)
{
	return enclu_eenter(&env.lp, env.e.base + tcs_off, AEP, URSP, URBP, out);
}

/* A valid XSAVE image for XFRM = x87|SSE, with a recognizable pattern. */
static void xsave_image(uint8_t img[576], uint8_t seed)
{
	uint64_t bv = SGX_XFRM_LEGACY;
	uint32_t mxcsr = 0x1f80;
	unsigned int i;

	for (i = 0; i < 576; i++)
		img[i] = (uint8_t)(seed + i * 7);
	memcpy(img + 24, &mxcsr, sizeof(mxcsr));
	memset(img + 512, 0, 64);
	memcpy(img + 512, &bv, sizeof(bv));
}

static void fill_gprs(struct sgx_gprsgx *g, uint64_t seed)
{
	uint64_t *w = (uint64_t *)g;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < 16; i++)
		w[i] = seed + i;
	g->rflags = 0x246;
	g->rip = HWT_BASE + 0x3010;
	g->ursp = 0xdead;               /* ignored by AEX */
	g->urbp = 0xbeef;
	g->exitinfo = 0xffffffff;
	g->fsbase = HWT_BASE + 0x4000;
	g->gsbase = HWT_BASE + 0x4800;
}

/* ---- EENTER / EEXIT ----------------------------------------------------------- */

static void test_eenter_eexit(void **state)
{
	struct hw_enter in;
	uint64_t rcx = 0;

	(void)state;
	setup(NULL, 0);
	assert_leaf(0, eenter(0, &in), 0);
	assert_true(env.lp.in_enclave);
	assert_int_equal(in.rip, HWT_BASE + 0x3000);
	assert_int_equal(in.rax, 0);                    /* CSSA */
	assert_int_equal(in.fsbase, HWT_BASE);
	assert_int_equal(in.gsbase, HWT_BASE);
	assert_int_equal(busy(0), 1);
	assert_int_equal(lps_inside(), 1);
	/* URSP/URBP in SSA[0].GPRSGX, AEP in TCS.AEP. */
	assert_int_equal(u64_at(pg(0x1000), GPR_OFF + 144), URSP);
	assert_int_equal(u64_at(pg(0x1000), GPR_OFF + 152), URBP);
	assert_int_equal(u64_at(pg(0), 40), AEP);
	/* Access to the enclave's pages now works through the LP. */
	assert_int_equal(env.lp.encl_base, HWT_BASE);
	assert_int_equal(env.lp.encl_size, 0x10000);

	assert_leaf(1, enclu_eexit(&env.lp, &rcx), 0);
	assert_int_equal(rcx, AEP);
	assert_false(env.lp.in_enclave);
	assert_int_equal(busy(0), 0);
	assert_int_equal(lps_inside(), 0);
	assert_leaf(2, enclu_eexit(&env.lp, &rcx), SGX_FAULT_GP);       /* not inside */
	/* Round trip again: nothing left behind. */
	assert_leaf(3, eenter(0, &in), 0);
	assert_leaf(4, enclu_eexit(&env.lp, &rcx), 0);
	teardown();
}

enum enter_how {
	EN_OK, EN_MISALIGN, EN_UNMAPPED, EN_REG_PAGE, EN_OUTSIDE_EPC, EN_BUSY, EN_CSSA_NSSA,
	EN_LOCKED, EN_FLAGS, EN_DBGOPTIN, EN_OSSA_MIS, EN_OFS_MIS, EN_SSA_UNMAPPED,
	EN_SSA_RO, EN_SSA_BLOCKED, EN_TCS_BLOCKED, EN_AEP, EN_INSIDE, EN_TCS_PENDING,
	EN_OENTRY, EN_SECOND_TCS,
};

static void test_eenter_rows(void **state)
{
	static uint8_t outside[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	static const struct {
		enum enter_how how;
		unsigned int want;
		uint64_t fault_off;     /* for #PF: offset of the faulting address */
		uint32_t fault_code;
	} rows[] = {
		/* 0 */ { EN_OK, 0, 0, 0 },
		/* 1 */ { EN_MISALIGN, SGX_FAULT_GP, 0, 0 },
		/* 2 */ { EN_UNMAPPED, SGX_FAULT_PF, 0x9000, X86_PF_USER | X86_PF_WRITE },
		/* 3 */ { EN_REG_PAGE, SGX_FAULT_PF, 0x4000, 0x8007 },
		/* 4 */ { EN_OUTSIDE_EPC, SGX_FAULT_PF, ~0ull, 0x8007 },
		/* 5 */ { EN_BUSY, SGX_FAULT_GP, 0, 0 },
		/* 6 */ { EN_CSSA_NSSA, SGX_FAULT_GP, 0, 0 },
		/* 7 */ { EN_LOCKED, SGX_FAULT_GP, 0, 0 },
		/* 8 */ { EN_FLAGS, SGX_FAULT_GP, 0, 0 },
		/* 9 */ { EN_DBGOPTIN, 0, 0, 0 },
		/* 10 */ { EN_OSSA_MIS, SGX_FAULT_GP, 0, 0 },
		/* 11 */ { EN_OFS_MIS, SGX_FAULT_GP, 0, 0 },
		/* 12 */ { EN_SSA_UNMAPPED, SGX_FAULT_PF, 0x1000, X86_PF_USER | X86_PF_WRITE },
		/* 13 */ { EN_SSA_RO, SGX_FAULT_PF, 0x1000, 0x8007 },
		/* 14 */ { EN_SSA_BLOCKED, SGX_FAULT_PF, 0x1000, 0x8007 },
		/* 15 */ { EN_TCS_BLOCKED, SGX_FAULT_PF, 0, 0x8007 },
		/* 16 */ { EN_AEP, SGX_FAULT_GP, 0, 0 },
		/* 17 */ { EN_INSIDE, SGX_FAULT_GP, 0, 0 },
		/* 18 */ { EN_TCS_PENDING, SGX_FAULT_PF, 0, 0x8007 },
		/* 19 */ { EN_OENTRY, SGX_FAULT_GP, 0, 0 },
		/* 20 */ { EN_SECOND_TCS, 0, 0, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		uint64_t tcs = HWT_BASE, aep = AEP, tcs_idx;
		struct hw_lp other;
		struct hw_enter in;
		unsigned int got;
		uint64_t rcx;

		setup(NULL, 0);
		tcs_idx = hwt_epc_index(&env.t, pg(0));
		switch (rows[i].how) {
		case EN_OK:
			break;
		case EN_MISALIGN:
			tcs += 8;
			break;
		case EN_UNMAPPED:
			tcs += 0x9000;
			break;
		case EN_REG_PAGE:
			tcs += 0x4000;
			break;
		case EN_OUTSIDE_EPC:
			tcs = a64(outside);     /* identity mapped host memory */
			break;
		case EN_BUSY:
			hwt_lp(&env.e, &other);
			assert_leaf(i, enclu_eenter(&other, tcs, AEP, 0, 0, &in), 0);
			break;
		case EN_CSSA_NSSA:
			tcs_at(0)->ssa_index = tcs_at(0)->nr_ssa_frames;
			break;
		case EN_LOCKED:
			assert_true(epc_trylock(env.t.hw, tcs_idx));
			break;
		case EN_FLAGS:
			tcs_at(0)->flags = SGX_TCS_AEXNOTIFY;   /* no AEX-Notify here */
			break;
		case EN_DBGOPTIN:
			tcs_at(0)->flags = SGX_TCS_DBGOPTIN;
			break;
		case EN_OSSA_MIS:
			tcs_at(0)->ssa_offset += 0x40;
			break;
		case EN_OFS_MIS:
			tcs_at(0)->fs_offset = 0x10;
			break;
		case EN_SSA_UNMAPPED:
			hwt_unmap(&env.e, HWT_BASE + 0x1000);
			break;
		case EN_SSA_RO:
			epcm_raw(&env.t, pg(0x1000))->flags &= (uint8_t)~EPCM_W;
			break;
		case EN_SSA_BLOCKED:
			epcm_raw(&env.t, pg(0x1000))->flags |= EPCM_BLOCKED;
			break;
		case EN_TCS_BLOCKED:
			epcm_raw(&env.t, pg(0))->flags |= EPCM_BLOCKED;
			break;
		case EN_AEP:
			aep = 1ull << 47;
			break;
		case EN_INSIDE:
			assert_leaf(i, enclu_eenter(&env.lp, HWT_BASE + 0x5000, AEP, 0, 0, &in), 0);
			break;
		case EN_TCS_PENDING:
			epcm_raw(&env.t, pg(0))->flags |= EPCM_MODIFIED;
			break;
		case EN_OENTRY:
			tcs_at(0)->entry_offset = 1ull << 47;
			break;
		case EN_SECOND_TCS:
			tcs += 0x5000;
			break;
		}
		env.lp.fault_addr = 0;
		env.lp.fault_code = 0;
		got = enclu_eenter(&env.lp, tcs, aep, URSP, URBP, &in);
		assert_leaf(i, got, rows[i].want);
		if (rows[i].want == SGX_FAULT_PF) {
			uint64_t addr = rows[i].fault_off == ~0ull ? tcs : HWT_BASE + rows[i].fault_off;

			if (env.lp.fault_addr != addr || env.lp.fault_code != rows[i].fault_code)
				fail_msg("row %u: #PF at %#llx code %#x, want %#llx code %#x", i,
					 (unsigned long long)env.lp.fault_addr, env.lp.fault_code,
					 (unsigned long long)addr, rows[i].fault_code);
		}
		if (got) {
			/* A failed EENTER leaves the TCS as it was and the LP outside. */
			assert_int_equal(busy(0), rows[i].how == EN_BUSY);
			assert_int_equal(lps_inside(), rows[i].how == EN_BUSY ||
						       rows[i].how == EN_INSIDE);
		} else {
			assert_leaf(i, enclu_eexit(&env.lp, &rcx), 0);
		}
		if (rows[i].how == EN_LOCKED)
			epc_unlock(env.t.hw, tcs_idx);
		teardown();
	}
}

static void test_uninitialized(void **state)
{
	static struct sgx_tcs tcs;
	struct hw_enter in;

	(void)state;
	hwt_setup(&env.t, NULL);
	assert_leaf(0, hwt_ecreate(&env.t, &env.e, HWT_BASE, 0x10000, 0), 0);
	hwt_tcs_init(&tcs, 0x1000, 1, 0x3000);
	assert_leaf(1, hwt_eadd(&env.e, 0, SGX_SECINFO_TCS, &tcs, true, NULL), 0);
	assert_leaf(2, hwt_eadd(&env.e, 0x1000, SECINFO_RW, NULL, true, NULL), 0);
	hwt_lp(&env.e, &env.lp);
	assert_leaf(3, eenter(0, &in), SGX_FAULT_GP);
	assert_leaf(4, enclu_eresume(&env.lp, HWT_BASE, AEP, 0, 0, &in, NULL, 0), SGX_FAULT_GP);
	assert_int_equal(lps_inside(), 0);
	/* After EINIT the same TCS can be entered. */
	assert_leaf(5, hwt_einit(&env.e), 0);
	assert_leaf(6, eenter(0, &in), 0);
	teardown();
}

/* ---- AEX / ERESUME -------------------------------------------------------------- */

static void test_aex_eresume(void **state)
{
	static uint8_t img[576], back[4096];
	struct sgx_gprsgx g;
	struct hw_enter in;
	struct hw_aex out;
	const uint8_t *ssa;
	uint64_t rcx;

	(void)state;
	setup(NULL, SGX_MISC_EXINFO);
	ssa = pg(0x1000);
	assert_leaf(0, enclu_eresume(&env.lp, HWT_BASE, AEP, URSP, URBP, &in, NULL, 0),
		    SGX_FAULT_GP);                      /* CSSA 0 */
	assert_leaf(1, eenter(0, &in), 0);

	fill_gprs(&g, 0x1111000000000000ull);
	xsave_image(img, 0x5a);
	assert_leaf(2, enclu_aex(&env.lp, &g, img, sizeof(img), true, X86_TRAP_PF,
				 X86_PF_SGX | X86_PF_WRITE | X86_PF_PROT, HWT_BASE + 0x3123, &out), 0);
	/* Synthetic state. */
	assert_int_equal(out.rax, SGX_ERESUME);
	assert_int_equal(out.rbx, HWT_BASE);
	assert_int_equal(out.rcx, AEP);
	assert_int_equal(out.rip, AEP);
	assert_int_equal(out.rsp, URSP);
	assert_int_equal(out.rbp, URBP);
	assert_false(env.lp.in_enclave);
	assert_int_equal(busy(0), 0);
	assert_int_equal(lps_inside(), 0);
	/* TCS.CSSA (offset 24) went up. */
	assert_int_equal(u32_at(pg(0), 24), 1);
	/* GPRSGX at the SDM offsets. */
	assert_int_equal(u64_at(ssa, GPR_OFF + 0), 0x1111000000000000ull);        /* RAX */
	assert_int_equal(u64_at(ssa, GPR_OFF + 8), 0x1111000000000001ull);        /* RCX */
	assert_int_equal(u64_at(ssa, GPR_OFF + 32), 0x1111000000000004ull);       /* RSP */
	assert_int_equal(u64_at(ssa, GPR_OFF + 120), 0x111100000000000full);      /* R15 */
	assert_int_equal(u64_at(ssa, GPR_OFF + 128), 0x246);                      /* RFLAGS */
	assert_int_equal(u64_at(ssa, GPR_OFF + 136), HWT_BASE + 0x3010);          /* RIP */
	assert_int_equal(u64_at(ssa, GPR_OFF + 144), URSP);                       /* kept */
	assert_int_equal(u64_at(ssa, GPR_OFF + 152), URBP);
	assert_int_equal(u32_at(ssa, GPR_OFF + 160), 0x8000030e);                 /* EXITINFO */
	assert_int_equal(u32_at(ssa, GPR_OFF + 164), 0);
	assert_int_equal(u64_at(ssa, GPR_OFF + 168), HWT_BASE + 0x4000);          /* FSBASE */
	assert_int_equal(u64_at(ssa, GPR_OFF + 176), HWT_BASE + 0x4800);          /* GSBASE */
	/* MISC.EXINFO right below: MADDR, ERRCD (U/S forced to 1). */
	assert_int_equal(u64_at(ssa, EXINFO_OFF), HWT_BASE + 0x3123);
	assert_int_equal(u32_at(ssa, EXINFO_OFF + 8), 0x8007);
	assert_int_equal(u32_at(ssa, EXINFO_OFF + 12), 0);
	/* XSAVE image at frame offset 0. */
	assert_memory_equal(ssa, img, sizeof(img));

	/* Frame 0 in use: EENTER takes frame 1 (RAX = CSSA = 1). */
	assert_leaf(3, enclu_eenter(&env.lp, HWT_BASE, AEP + 0x10, URSP - 0x100, URBP - 0x100,
				    &in), 0);
	assert_int_equal(in.rax, 1);
	assert_int_equal(u64_at(pg(0x2000), GPR_OFF + 144), URSP - 0x100);
	assert_leaf(4, enclu_eexit(&env.lp, &rcx), 0);
	assert_int_equal(rcx, AEP + 0x10);

	/* ERESUME pops frame 0 and records the new outside stack in it. */
	memset(back, 0, sizeof(back));
	assert_leaf(5, enclu_eresume(&env.lp, HWT_BASE, AEP + 0x20, URSP + 0x40, URBP + 0x40, &in,
				     back, sizeof(back)), 0);
	assert_int_equal(u32_at(pg(0), 24), 0);
	assert_int_equal(busy(0), 1);
	assert_int_equal(in.rip, HWT_BASE + 0x3010);
	assert_int_equal(in.rax, 0x1111000000000000ull);
	assert_int_equal(in.fsbase, HWT_BASE + 0x4000);
	assert_int_equal(in.gsbase, HWT_BASE + 0x4800);
	assert_int_equal(in.gprs.r15, 0x111100000000000full);
	assert_int_equal(in.gprs.rflags, 0x246);
	assert_memory_equal(back, img, sizeof(img));
	assert_int_equal(back[576], 0);         /* only the XSAVE size is copied */
	assert_int_equal(u64_at(ssa, GPR_OFF + 144), URSP + 0x40);
	assert_int_equal(u64_at(ssa, GPR_OFF + 152), URBP + 0x40);
	assert_int_equal(u64_at(pg(0), 40), AEP + 0x20);

	/* An interrupt: EXITINFO 0, EXINFO untouched; RSP/RBP from ERESUME. */
	memset((uint8_t *)pg(0x1000) + EXINFO_OFF, 0xaa, 16);
	fill_gprs(&g, 0x2222000000000000ull);
	assert_leaf(6, enclu_aex(&env.lp, &g, img, sizeof(img), false, 0, 0, 0, &out), 0);
	assert_int_equal(out.rsp, URSP + 0x40);
	assert_int_equal(out.rbp, URBP + 0x40);
	assert_int_equal(out.rcx, AEP + 0x20);
	assert_int_equal(u32_at(ssa, GPR_OFF + 160), 0);
	assert_int_equal(u32_at(ssa, EXINFO_OFF + 8), 0xaaaaaaaa);
	assert_int_equal(u64_at(ssa, GPR_OFF + 0), 0x2222000000000000ull);
	assert_leaf(7, enclu_aex(&env.lp, &g, img, sizeof(img), false, 0, 0, 0, &out),
		    SGX_FAULT_GP);                      /* not inside any more */
	teardown();
}

/* SSA stack: NSSA = 2 takes two nested AEXs, then only ERESUME. */
static void test_ssa_stack(void **state)
{
	static uint8_t img[576];
	struct sgx_gprsgx g;
	struct hw_enter in;
	struct hw_aex out;

	(void)state;
	setup(NULL, 0);
	xsave_image(img, 1);
	fill_gprs(&g, 0x10);
	assert_leaf(0, eenter(0, &in), 0);
	assert_leaf(1, enclu_aex(&env.lp, &g, img, sizeof(img), true, X86_TRAP_UD, 0, 0, &out), 0);
	assert_leaf(2, eenter(0, &in), 0);
	assert_int_equal(in.rax, 1);
	g.rip = HWT_BASE + 0x3020;
	assert_leaf(3, enclu_aex(&env.lp, &g, img, sizeof(img), true, X86_TRAP_UD, 0, 0, &out), 0);
	assert_int_equal(u32_at(pg(0), 24), 2);
	assert_leaf(4, eenter(0, &in), SGX_FAULT_GP);   /* CSSA == NSSA */
	assert_leaf(5, enclu_eresume(&env.lp, HWT_BASE, AEP, URSP, URBP, &in, NULL, 0), 0);
	assert_int_equal(in.rip, HWT_BASE + 0x3020);   /* frame 1 */
	assert_int_equal(u32_at(pg(0), 24), 1);
	assert_leaf(6, enclu_aex(&env.lp, &g, NULL, 0, false, 0, 0, 0, &out), 0);
	assert_int_equal(u32_at(pg(0), 24), 2);
	teardown();
}

/* XRSTOR's checks: ERESUME of a frame holding an image it would refuse. */
static void test_eresume_bad_xsave(void **state)
{
	static const struct {
		size_t off;
		uint64_t val;
		unsigned int want;
	} rows[] = {
		/* 0 */ { 0, 0, 0 },                            /* untouched image */
		/* 1 */ { 512, SGX_XFRM_AVX | 3, SGX_FAULT_GP }, /* XSTATE_BV beyond XFRM */
		/* 2 */ { 520, 1ull << 63, SGX_FAULT_GP },      /* compacted format */
		/* 3 */ { 528, 1, SGX_FAULT_GP },               /* header reserved */
		/* 4 */ { 24, 0x10000, SGX_FAULT_GP },          /* MXCSR reserved bit */
		/* 5 */ { 536, 1, 0 },                          /* beyond what XRSTOR checks */
	};
	static uint8_t img[576];
	struct sgx_gprsgx g;
	struct hw_enter in;
	struct hw_aex out;
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		setup(NULL, 0);
		xsave_image(img, 3);
		fill_gprs(&g, 0);
		assert_leaf(i, eenter(0, &in), 0);
		assert_leaf(i, enclu_aex(&env.lp, &g, img, sizeof(img), false, 0, 0, 0, &out), 0);
		if (rows[i].off == 24 || rows[i].off == 528 || rows[i].off == 536)
			memcpy(pg(0x1000) + rows[i].off, &rows[i].val, 4);
		else if (rows[i].off)
			memcpy(pg(0x1000) + rows[i].off, &rows[i].val, 8);
		assert_leaf(i, enclu_eresume(&env.lp, HWT_BASE, AEP, URSP, URBP, &in, NULL, 0),
			    rows[i].want);
		if (rows[i].want) {
			/* "DS:RBX.STATE <- INACTIVE": nothing changed. */
			assert_int_equal(busy(0), 0);
			assert_int_equal(u32_at(pg(0), 24), 1);
			assert_int_equal(lps_inside(), 0);
		}
		teardown();
	}
}

/* EXITINFO per vector, with and without MISCSELECT.EXINFO. */
static void test_exitinfo_rows(void **state)
{
	static const struct {
		bool exception;
		unsigned int vector;
		uint32_t misc;
		uint32_t exitinfo;
		bool exinfo;            /* EXINFO written */
	} rows[] = {
		/* 0 */ { true, X86_TRAP_PF, 0, 0, false },
		/* 1 */ { true, X86_TRAP_PF, SGX_MISC_EXINFO, 0x8000030e, true },
		/* 2 */ { true, X86_TRAP_GP, 0, 0, false },
		/* 3 */ { true, X86_TRAP_GP, SGX_MISC_EXINFO, 0x8000030d, true },
		/* 4 */ { true, X86_TRAP_BP, 0, 0x80000603, false },     /* INT3: software */
		/* 5 */ { true, X86_TRAP_DE, 0, 0x80000300, false },
		/* 6 */ { true, X86_TRAP_DB, 0, 0x80000301, false },
		/* 7 */ { true, 5, 0, 0x80000305, false },               /* #BR */
		/* 8 */ { true, X86_TRAP_UD, SGX_MISC_EXINFO, 0x80000306, false },
		/* 9 */ { true, 16, 0, 0x80000310, false },              /* #MF */
		/* 10 */ { true, 17, 0, 0x80000311, false },             /* #AC */
		/* 11 */ { true, 19, 0, 0x80000313, false },             /* #XM */
		/* 12 */ { true, 4, 0, 0, false },                       /* #OF: not reported */
		/* 13 */ { true, 7, SGX_MISC_EXINFO, 0, false },         /* #NM */
		/* 14 */ { false, 32, SGX_MISC_EXINFO, 0, false },       /* interrupt */
		/* 15 */ { false, X86_TRAP_PF, SGX_MISC_EXINFO, 0, false }, /* not an exception */
	};
	struct sgx_gprsgx g;
	struct hw_enter in;
	struct hw_aex out;
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		uint8_t *ssa;

		setup(NULL, rows[i].misc);
		ssa = pg(0x1000);
		memset(ssa + EXINFO_OFF, 0xaa, 16);
		fill_gprs(&g, i);
		assert_leaf(i, eenter(0, &in), 0);
		assert_leaf(i, enclu_aex(&env.lp, &g, NULL, 0, rows[i].exception, rows[i].vector,
					 0x1234, HWT_BASE + 0x4321, &out), 0);
		if (u32_at(ssa, GPR_OFF + 160) != rows[i].exitinfo)
			fail_msg("row %u: EXITINFO %#x, want %#x", i, u32_at(ssa, GPR_OFF + 160),
				 rows[i].exitinfo);
		if (rows[i].exinfo) {
			bool pf = rows[i].vector == X86_TRAP_PF;

			assert_int_equal(u64_at(ssa, EXINFO_OFF), pf ? HWT_BASE + 0x4321 : 0);
			assert_int_equal(u32_at(ssa, EXINFO_OFF + 8), pf ? 0x1234 | X86_PF_USER : 0x1234);
		} else {
			assert_int_equal(u64_at(ssa, EXINFO_OFF), 0xaaaaaaaaaaaaaaaaull);
		}
		teardown();
	}
}

/* ---- access control --------------------------------------------------------------- */

static void test_access_rows(void **state)
{
	static uint8_t host_mem[64];
	static const struct {
		uint64_t off;           /* ELRANGE offset, or ~0: host memory */
		unsigned int access;
		int how;                /* 0 plain, 1 TRIM the page, 2 EAUG it, 3 EMODPR to R */
		unsigned int want;
		uint32_t code;
	} rows[] = {
		/* 0 */ { 0x4010, HW_ACC_READ, 0, 0, 0 },
		/* 1 */ { 0x4010, HW_ACC_WRITE, 0, 0, 0 },
		/* 2 */ { 0x4010, HW_ACC_EXEC, 0, SGX_FAULT_PF, 0x8015 },
		/* 3 */ { 0x3010, HW_ACC_EXEC, 0, 0, 0 },
		/* 4 */ { 0x3010, HW_ACC_WRITE, 0, SGX_FAULT_PF, 0x8007 },     /* RX page */
		/* 5 */ { 0x0010, HW_ACC_READ, 0, SGX_FAULT_PF, 0x8005 },      /* TCS */
		/* 6 */ { 0x9000, HW_ACC_READ, 0, SGX_FAULT_PF, X86_PF_USER },  /* not mapped */
		/* 7 */ { ~0ull, HW_ACC_WRITE, 0, 0, 0 },                      /* untrusted memory */
		/* 8 */ { 0x4010, HW_ACC_READ, 1, SGX_FAULT_PF, 0x8005 },      /* TRIM */
		/* 9 */ { 0x4010, HW_ACC_WRITE, 1, SGX_FAULT_PF, 0x8007 },
		/* 10 */ { 0x8010, HW_ACC_WRITE, 2, SGX_FAULT_PF, 0x8007 },    /* PENDING */
		/* 11 */ { 0x8010, HW_ACC_READ, 2, SGX_FAULT_PF, 0x8005 },
		/* 12 */ { 0x4010, HW_ACC_WRITE, 3, SGX_FAULT_PF, 0x8007 },    /* EMODPR'd to R */
		/* 13 */ { 0x4010, HW_ACC_READ, 3, 0, 0 },
		/* 14 */ { 0x1010, HW_ACC_WRITE, 4, SGX_FAULT_PF, 0x8007 },    /* other enclave's */
	};
	static struct hwt_encl other;
	unsigned int i;

	(void)state;
	for (i = 0; i < ROWS(rows); i++) {
		struct sgx_secinfo si __attribute__((aligned(64))) = { 0 };
		struct sgx_pageinfo pi __attribute__((aligned(32))) = { 0 };
		uint64_t lin = rows[i].off == ~0ull ? a64(host_mem) : HWT_BASE + rows[i].off;
		struct hw_enter in;
		void *host = NULL, *aug;
		unsigned int got;

		setup(NULL, 0);
		switch (rows[i].how) {
		case 1:
			si.flags = SGX_SECINFO_TRIM;
			assert_leaf(i, encls_emodt(env.t.hw, &si, pg(0x4000)), 0);
			break;
		case 2:
			aug = hwt_epc(&env.t);
			pi.addr = HWT_BASE + 0x8000;
			pi.secs = a64(env.e.secs);
			assert_leaf(i, encls_eaug(env.t.hw, &pi, aug), 0);
			hwt_map(&env.e, HWT_BASE + 0x8000, aug);
			break;
		case 3:
			si.flags = SGX_SECINFO_R;
			assert_leaf(i, encls_emodpr(env.t.hw, &si, pg(0x4000)), 0);
			break;
		case 4:
			/* Map a page of another enclave into this one's ELRANGE. */
			hwt_build_default(&env.t, &other, 0);
			hwt_map(&env.e, HWT_BASE + 0x1000, hwt_lookup(&other, HWT_BASE + 0x1000));
			break;
		}
		assert_leaf(i, hw_lp_access(&env.lp, lin, rows[i].access, &host), SGX_FAULT_GP);
		assert_leaf(i, eenter(rows[i].how == 4 ? 0x5000 : 0, &in), 0);
		got = hw_lp_access(&env.lp, lin, rows[i].access, &host);
		assert_leaf(i, got, rows[i].want);
		if (got == SGX_FAULT_PF) {
			if (env.lp.fault_addr != lin || env.lp.fault_code != rows[i].code)
				fail_msg("row %u: #PF at %#llx code %#x, want code %#x", i,
					 (unsigned long long)env.lp.fault_addr, env.lp.fault_code,
					 rows[i].code);
		} else if (rows[i].off == ~0ull) {
			assert_ptr_equal(host, host_mem);
		} else {
			assert_ptr_equal(host, pg(rows[i].off & SGX_PAGE_MASK) + (rows[i].off & 0xfff));
		}
		measure_destroy(&other.m);
		teardown();
	}
}

/* An EPC page outside ELRANGE is refused in enclave mode (SDM 37.5). */
static void test_access_epc_outside_elrange(void **state)
{
	struct hw_enter in;
	void *host;
	uint64_t lin;

	(void)state;
	setup(NULL, 0);
	/* hwt_translate maps addresses outside ELRANGE 1:1: name the PRM view. */
	lin = a64(pg(0x4000));
	assert_leaf(0, eenter(0, &in), 0);
	assert_leaf(1, hw_lp_access(&env.lp, lin, HW_ACC_READ, &host), SGX_FAULT_PF);
	assert_int_equal(env.lp.fault_code, 0x8005);
	teardown();
}

/* ---- EDECCSSA ------------------------------------------------------------------------ */

static void test_edeccssa(void **state)
{
	static uint8_t img[576];
	struct hw_config cfg;
	struct sgx_gprsgx g;
	struct hw_enter in;
	struct hw_aex out;

	(void)state;
	setup(NULL, 0);
	assert_leaf(0, eenter(0, &in), 0);
	assert_leaf(1, enclu_edeccssa(&env.lp), SGX_FAULT_UD);   /* no AEX-Notify */
	teardown();

	hw_config_default(&cfg);
	cfg.aex_notify = true;
	setup(&cfg, 0);
	assert_leaf(2, enclu_edeccssa(&env.lp), SGX_FAULT_GP);   /* not inside */
	assert_leaf(3, eenter(0, &in), 0);
	assert_leaf(4, enclu_edeccssa(&env.lp), SGX_FAULT_GP);   /* CSSA 0 */
	xsave_image(img, 9);
	fill_gprs(&g, 0x30);
	assert_leaf(5, enclu_aex(&env.lp, &g, img, sizeof(img), false, 0, 0, 0, &out), 0);
	assert_leaf(6, eenter(0, &in), 0);                       /* handler in frame 1 */
	assert_int_equal(in.rax, 1);
	/* Frame 0 must be usable again. */
	epcm_raw(&env.t, pg(0x1000))->flags &= (uint8_t)~EPCM_W;
	assert_leaf(7, enclu_edeccssa(&env.lp), SGX_FAULT_PF);
	assert_int_equal(env.lp.fault_addr, HWT_BASE + 0x1000);
	epcm_raw(&env.t, pg(0x1000))->flags |= EPCM_W;
	assert_leaf(8, enclu_edeccssa(&env.lp), 0);
	assert_int_equal(u32_at(pg(0), 24), 0);
	assert_true(env.lp.in_enclave);
	/* The next AEX saves into frame 0. */
	fill_gprs(&g, 0x40);
	assert_leaf(9, enclu_aex(&env.lp, &g, img, sizeof(img), false, 0, 0, 0, &out), 0);
	assert_int_equal(u64_at(pg(0x1000), GPR_OFF), 0x40);
	assert_int_equal(u32_at(pg(0), 24), 1);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eenter_eexit),
		cmocka_unit_test(test_eenter_rows),
		cmocka_unit_test(test_uninitialized),
		cmocka_unit_test(test_aex_eresume),
		cmocka_unit_test(test_ssa_stack),
		cmocka_unit_test(test_eresume_bad_xsave),
		cmocka_unit_test(test_exitinfo_rows),
		cmocka_unit_test(test_access_rows),
		cmocka_unit_test(test_access_epc_outside_elrange),
		cmocka_unit_test(test_edeccssa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
