// SPDX-License-Identifier: MIT
/*
 * The SGX2 ioctls (ioctl_sgx2.c) against the kernel's contract: one table
 * per ioctl reproducing shared/reference/linux-sgx.md §1.3 and §4 row by
 * row (errno, count, result), then whole flows through the ENCLU leaves -
 * EMODPR then EACCEPT, trim/accept/remove, a page made a TCS and entered,
 * the mapping following the EPCM, and the ETRACK seam.
 *
 * After every row the enclave is checked against the EPCM: each page
 * array entry's EPC page is valid with the entry's type and address, and
 * its mapping never allows more than the EPCM does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "drv_test_util.h"
#include "encl.h"
#include "encls.h"
#include "lp.h"

#define ESIZE 0x10000ull
#define R   SGX_SECINFO_R
#define W   SGX_SECINFO_W
#define X   SGX_SECINFO_X
#define REG SGX_SECINFO_REG
#define PR  SGX_SECINFO_PR
#define TCS_T  ((uint64_t)SGX_PT_TCS)
#define TRIM_T ((uint64_t)SGX_PT_TRIM)
#define SI_PAGE 0x6000                  /* the enclave's SECINFO scratch page */
#define NOT_MOD SGX_PAGE_NOT_MODIFIABLE

/*
 * The enclave every row starts from (16 pages of ELRANGE):
 *   0x0000 TCS (OSSA 0x1000, NSSA 1, OENTRY 0x2000)   0x1000 SSA, RW
 *   0x2000 code, RX      0x3000-0x7fff data, RW (0x6000: SECINFOs for EACCEPT)
 *   0x8000 R             0x9000 RX      0xa000 RWX     0xb000-0xffff holes
 */
static void build(struct drvt *d, struct drvt_encl *e, bool sgx1, bool init)
{
	static uint8_t tcs[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	struct hw_config cfg;

	hw_config_default(&cfg);
	cfg.sgx2 = !sgx1;
	drvt_setup(d, &cfg);
	drvt_encl(d, e, ESIZE, 0);
	hwt_tcs_init((struct sgx_tcs *)tcs, 0x1000, 1, 0x2000);
	assert_int_equal(drvt_add(e, 0x0000, 1, SGX_SECINFO_TCS, 0, tcs, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x1000, 1, REG | R | W, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x2000, 1, REG | R | X, 0xc3, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x3000, 5, REG | R | W, 0x30, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x8000, 1, REG | R, 0x80, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x9000, 1, REG | R | X, 0x90, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0xa000, 1, REG | R | W | X, 0xa0, NULL, true, NULL), 0);
	if (init)
		assert_int_equal(drvt_init(e), 0);
}

static void finish(struct drvt *d, struct drvt_encl *e)
{
	drvt_close(e);
	drvt_teardown(d);
}

static struct sgx_encl_page *entry_at(struct drvt_encl *e, uint64_t off)
{
	return sgx_encl_lookup(e->f->encl, e->base + off);
}

static void *epc_of(struct drvt_encl *e, uint64_t off)
{
	struct sgx_encl_page *p = entry_at(e, off);

	assert_non_null(p);
	assert_non_null(p->epc_page);
	return sgx_get_epc_virt_addr(e->d->drv, p->epc_page);
}

static struct hw_epcm_info epcm_at(struct drvt_encl *e, uint64_t off)
{
	struct hw_epcm_info info;
	uint64_t idx;

	assert_int_equal(hw_epc_index(e->d->t.hw, epc_of(e, off), &idx), 0);
	assert_int_equal(hw_epcm_read(e->d->t.hw, idx, &info), 0);
	return info;
}

/* EPCM permission and PR bits in SECINFO layout. */
static uint64_t epcm_bits(struct drvt_encl *e, uint64_t off)
{
	struct hw_epcm_info info = epcm_at(e, off);

	return info.perm | (info.pr ? PR : 0) | (info.modified ? SGX_SECINFO_MODIFIED : 0);
}

/* ---- the enclave's side: a logical processor --------------------------- */

/* Page tables as the stand-in runtime sees them: the driver's page array. */
static uint32_t encl_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa)
{
	struct drvt_encl *e = ctx;
	struct sgx_encl_page *p;

	if (lin < e->base || lin - e->base >= e->size) {
		*pa = lin;
		return 0;
	}
	p = sgx_encl_lookup(e->f->encl, lin & SGX_PAGE_MASK);
	if (!p || !p->epc_page)
		return X86_PF_USER | ((access & HW_ACC_WRITE) ? X86_PF_WRITE : 0);
	*pa = (uint64_t)(uintptr_t)sgx_get_epc_virt_addr(e->d->drv, p->epc_page) +
	      (lin & (SGX_PAGE_SIZE - 1));
	return 0;
}

static unsigned int eenter(struct drvt_encl *e, struct hw_lp *lp, uint64_t tcs_off)
{
	struct hw_enter in;

	hw_lp_init(lp, e->d->t.hw, encl_translate, e);
	return enclu_eenter(lp, e->base + tcs_off, 0x1000, 0, 0, &in);
}

static void eexit(struct hw_lp *lp)
{
	uint64_t rcx;

	assert_int_equal(enclu_eexit(lp, &rcx), 0);
}

/* EACCEPT(@flags) of the page at @off by an LP inside @lp (entered). */
static unsigned int eaccept_in(struct drvt_encl *e, struct hw_lp *lp, uint64_t off,
			       uint64_t flags)
{
	struct sgx_secinfo *si = epc_of(e, SI_PAGE);

	memset(si, 0, sizeof(*si));
	si->flags = flags;
	return enclu_eaccept(lp, e->base + SI_PAGE, e->base + off);
}

/* Enter on the TCS at 0, EACCEPT, leave: what the selftest enclave does. */
static unsigned int eaccept(struct drvt_encl *e, uint64_t off, uint64_t flags)
{
	struct hw_lp lp;
	unsigned int ret;

	assert_int_equal(eenter(e, &lp, 0), 0);
	ret = eaccept_in(e, &lp, off, flags);
	eexit(&lp);
	return ret;
}

/* ---- the ioctls -------------------------------------------------------- */

static long restrict_perms(struct drvt_encl *e, uint64_t off, uint64_t len, uint64_t perms,
			   struct sgx_enclave_restrict_permissions *out)
{
	struct sgx_enclave_restrict_permissions a = { off, len, perms, 0, 0 };
	long ret = drvt_ioctl(e, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &a);

	if (out)
		*out = a;
	return ret;
}

static long modt(struct drvt_encl *e, uint64_t off, uint64_t len, uint64_t type,
		 struct sgx_enclave_modify_types *out)
{
	struct sgx_enclave_modify_types a = { off, len, type, 0, 0 };
	long ret = drvt_ioctl(e, SGX_IOC_ENCLAVE_MODIFY_TYPES, &a);

	if (out)
		*out = a;
	return ret;
}

static long remove_pages(struct drvt_encl *e, uint64_t off, uint64_t len, uint64_t *count)
{
	struct sgx_enclave_remove_pages a = { off, len, 0 };
	long ret = drvt_ioctl(e, SGX_IOC_ENCLAVE_REMOVE_PAGES, &a);

	if (count)
		*count = a.count;
	return ret;
}

/* ---- table machinery --------------------------------------------------- */

enum st { ST_INIT, ST_CREATED, ST_SGX1 };
enum argk { ARG_OK, ARG_UNMAPPED, ARG_RO };
/* What is done to a page before the row's ioctl. */
enum prep { P_NONE, P_TCS, P_TRIM, P_TRIM_ACC, P_TCS_TRIM_ACC, P_PENDING, P_GONE };

struct row {
	const char *what;
	enum st st;
	enum argk arg;
	uint64_t offset, length;
	uint64_t value;                 /* permissions / page_type; REMOVE: unused */
	uint64_t result_in, count_in;
	struct { uint16_t off; uint8_t how; } prep[3];
	long want;
	uint64_t want_count, want_result;
	/*
	 * Afterwards, for the page at offset: RESTRICT: EPCM perms|PR|MODIFIED;
	 * MODIFY_TYPES: its maximum protection; REMOVE: 1 if it is gone.
	 * NOCHK: no check.
	 */
	uint64_t post;
};
#define NOCHK UINT64_MAX

static enum prep prep_of(const struct row *r, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (r->prep[i].how != P_NONE && r->prep[i].off == off)
			return r->prep[i].how;
	return P_NONE;
}

/* EREMOVE the page behind the driver's back, then maybe EAUG it again. */
static void hw_replace(struct drvt_encl *e, uint64_t off, bool aug)
{
	struct sgx_pageinfo pginfo __attribute__((aligned(32))) = { 0 };
	void *epc = epc_of(e, off);

	assert_int_equal(encls_eremove(e->d->t.hw, epc), 0);
	if (!aug)
		return;
	pginfo.addr = e->base + off;
	pginfo.secs = (uint64_t)(uintptr_t)sgx_get_epc_virt_addr(e->d->drv,
								  e->f->encl->secs.epc_page);
	assert_int_equal(encls_eaug(e->d->t.hw, &pginfo, epc), 0);
}

static void do_prep(struct drvt_encl *e, uint64_t off, enum prep how)
{
	const uint64_t trim_mod = (TRIM_T << 8) | SGX_SECINFO_MODIFIED;

	switch (how) {
	case P_NONE:
		break;
	case P_TCS:
		assert_int_equal(modt(e, off, 0x1000, TCS_T, NULL), 0);
		break;
	case P_TRIM:
		assert_int_equal(modt(e, off, 0x1000, TRIM_T, NULL), 0);
		break;
	case P_TCS_TRIM_ACC:
		/* A REG page made a TCS (its image written by the enclave), then trimmed. */
		hwt_tcs_init(epc_of(e, off), 0x7000, 1, 0x2000);
		assert_int_equal(modt(e, off, 0x1000, TCS_T, NULL), 0);
		assert_int_equal(eaccept(e, off, (TCS_T << 8) | SGX_SECINFO_MODIFIED), 0);
		__attribute__((fallthrough));
	case P_TRIM_ACC:
		assert_int_equal(modt(e, off, 0x1000, TRIM_T, NULL), 0);
		assert_int_equal(eaccept(e, off, trim_mod), 0);
		break;
	case P_PENDING:
		hw_replace(e, off, true);
		break;
	case P_GONE:
		hw_replace(e, off, false);
		break;
	}
}

/*
 * Every resident entry agrees with the EPCM (pages a row took away
 * behind the driver's back excepted), is mapped with no more than the
 * EPCM allows, and the per-type page counts agree with the entries.
 */
static void check_consistent(struct drvt_encl *e, const struct row *r, size_t i)
{
	struct sgx_encl *encl = e->f->encl;
	uint64_t index = 0, by_type[8] = { 0 };
	struct sgx_driver_stats st;
	struct sgx_encl_page *p;
	struct hw_epcm_info info;
	unsigned int k;

	while ((p = sgx_page_array_find(&encl->page_array, &index, UINT64_MAX))) {
		uint64_t off = index << SGX_PAGE_SHIFT;

		index++;
		assert_non_null(p->epc_page);
		by_type[p->type]++;
		info = epcm_at(e, off);
		if (r && (prep_of(r, off) == P_GONE || prep_of(r, off) == P_PENDING))
			continue;
		if (!info.valid || info.page_type != p->type || info.linaddr != e->base + off)
			fail_msg("row %zu (%s): page 0x%llx: EPCM valid %d type %u, entry type %u",
				 i, r ? r->what : "-", (unsigned long long)off, info.valid,
				 info.page_type, p->type);
		if ((p->pte & SGX_PTE_PROT_MASK) & ~sgx_encl_epcm_prot(encl, p))
			fail_msg("row %zu: page 0x%llx mapped beyond the EPCM", i,
				 (unsigned long long)off);
	}
	if (encl->secs_child_cnt != by_type[SGX_PT_REG] + by_type[SGX_PT_TCS] + by_type[SGX_PT_TRIM])
		fail_msg("row %zu: secs_child_cnt %u", i, encl->secs_child_cnt);
	sgx_driver_stats(e->d->drv, &st);
	for (k = SGX_PT_TCS; k <= SGX_PT_TRIM; k++)
		if (k != SGX_PT_VA && st.pages_by_type[k] != by_type[k])
			fail_msg("row %zu: stats count %llu pages of type %u, the array %llu", i,
				 (unsigned long long)st.pages_by_type[k], k,
				 (unsigned long long)by_type[k]);
}

union sgx2_arg {
	struct sgx_enclave_restrict_permissions rp;
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_remove_pages rm;
};

/* A user pointer that faults: below vm.mmap_min_addr nothing is ever mapped. */
#define UNMAPPED ((void *)0x1000)

static void run_table(const char *name, const struct row *rows, size_t n, unsigned int cmd)
{
	size_t i;
	unsigned int k;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		uint64_t count, result = 0, post = NOCHK;
		struct sgx_encl_page *p;
		union sgx2_arg *a;
		struct drvt_encl e;
		struct drvt d;
		long ret;

		build(&d, &e, r->st == ST_SGX1, r->st != ST_CREATED);
		for (k = 0; k < 3; k++)
			do_prep(&e, r->prep[k].off, r->prep[k].how);

		a = mmap(NULL, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		assert_true(a != MAP_FAILED);
		if (cmd == SGX_IOC_ENCLAVE_REMOVE_PAGES) {
			a->rm = (struct sgx_enclave_remove_pages){ r->offset, r->length,
								   r->count_in };
		} else {
			/* RESTRICT_PERMISSIONS and MODIFY_TYPES share one layout. */
			a->rp = (struct sgx_enclave_restrict_permissions){
				r->offset, r->length, r->value, r->result_in, r->count_in };
		}
		if (r->arg == ARG_RO)
			assert_int_equal(mprotect(a, SGX_PAGE_SIZE, PROT_READ), 0);

		ret = drvt_ioctl(&e, cmd, r->arg == ARG_UNMAPPED ? UNMAPPED : (void *)a);
		if (cmd == SGX_IOC_ENCLAVE_REMOVE_PAGES) {
			count = a->rm.count;
		} else {
			count = a->rp.count;
			result = a->rp.result;
		}
		if (ret != r->want || count != r->want_count || result != r->want_result)
			fail_msg("%s row %zu (%s): %ld count %#llx result %llu, want %ld %#llx %llu",
				 name, i, r->what, ret, (unsigned long long)count,
				 (unsigned long long)result, r->want, (unsigned long long)r->want_count,
				 (unsigned long long)r->want_result);

		p = r->offset < ESIZE ? entry_at(&e, r->offset & SGX_PAGE_MASK) : NULL;
		if (r->post != NOCHK && cmd == SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS)
			post = epcm_bits(&e, r->offset);
		else if (r->post != NOCHK && cmd == SGX_IOC_ENCLAVE_MODIFY_TYPES)
			post = p->vm_max_prot_bits;
		else if (r->post != NOCHK)
			post = p == NULL;
		if (post != r->post)
			fail_msg("%s row %zu (%s): page state %#llx, want %#llx", name, i, r->what,
				 (unsigned long long)post, (unsigned long long)r->post);
		if (r->st != ST_CREATED)
			check_consistent(&e, r, i);
		munmap(a, SGX_PAGE_SIZE);
		finish(&d, &e);
	}
}

#define NP {{ 0, P_NONE }}
#define OVF 0xfffffffffffff000ull

/* ---- SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS (§4.3) ----------------------- */

static const struct row rp_rows[] = {
	/*  0 */ { "no SGX2: before the argument", ST_SGX1, ARG_UNMAPPED, 0x3000, 0x1000, R, 0, 0,
		   NP, -ENODEV, 0, 0, NOCHK },
	/*  1 */ { "not initialized", ST_CREATED, ARG_OK, 0x3000, 0x1000, R, 0, 0, NP, -EINVAL, 0, 0,
		   NOCHK },
	/*  2 */ { "argument unmapped", ST_INIT, ARG_UNMAPPED, 0, 0, 0, 0, 0, NP, -EFAULT, 0, 0,
		   NOCHK },
	/*  3 */ { "offset not aligned", ST_INIT, ARG_OK, 0x3010, 0x1000, R, 0, 0, NP, -EINVAL, 0, 0,
		   NOCHK },
	/*  4 */ { "length 0", ST_INIT, ARG_OK, 0x3000, 0, R, 0, 0, NP, -EINVAL, 0, 0, NOCHK },
	/*  5 */ { "length not aligned", ST_INIT, ARG_OK, 0x3000, 0x1800, R, 0, 0, NP, -EINVAL, 0, 0,
		   NOCHK },
	/*  6 */ { "offset + length overflows", ST_INIT, ARG_OK, OVF, 0x2000, R, 0, 0, NP, -EINVAL,
		   0, 0, NOCHK },
	/*  7 */ { "beyond ELRANGE", ST_INIT, ARG_OK, 0xf000, 0x2000, R, 0, 0, NP, -EINVAL, 0, 0,
		   NOCHK },
	/*  8 */ { "permission bit 3", ST_INIT, ARG_OK, 0x3000, 0x1000, R | 8, 0, 0, NP, -EINVAL, 0,
		   0, R | W },
	/*  9 */ { "W without R", ST_INIT, ARG_OK, 0x3000, 0x1000, W, 0, 0, NP, -EINVAL, 0, 0,
		   R | W },
	/* 10 */ { "result not zero", ST_INIT, ARG_OK, 0x3000, 0x1000, R, 7, 0, NP, -EINVAL, 0, 7,
		   R | W },
	/* 11 */ { "count not zero", ST_INIT, ARG_OK, 0x3000, 0x1000, R, 0, 0x1000, NP, -EINVAL,
		   0x1000, 0, R | W },
	/* 12 */ { "RW page to R", ST_INIT, ARG_OK, 0x3000, 0x1000, R, 0, 0, NP, 0, 0x1000, 0,
		   R | PR },
	/* 13 */ { "three RW pages to R", ST_INIT, ARG_OK, 0x3000, 0x3000, R, 0, 0, NP, 0, 0x3000, 0,
		   R | PR },
	/* 14 */ { "RWX on an R page adds nothing", ST_INIT, ARG_OK, 0x8000, 0x1000, R | W | X, 0,
		   0, NP, 0, 0x1000, 0, R | PR },
	/* 15 */ { "no permission at all", ST_INIT, ARG_OK, 0x3000, 0x1000, 0, 0, 0, NP, 0, 0x1000,
		   0, PR },
	/* 16 */ { "RWX page to RX", ST_INIT, ARG_OK, 0xa000, 0x1000, R | X, 0, 0, NP, 0, 0x1000, 0,
		   R | X | PR },
	/* 17 */ { "a TCS", ST_INIT, ARG_OK, 0x0000, 0x1000, R, 0, 0, NP, -EINVAL, 0, 0, NOCHK },
	/* 18 */ { "whole ELRANGE: the TCS first", ST_INIT, ARG_OK, 0, ESIZE, R, 0, 0, NP, -EINVAL,
		   0, 0, NOCHK },
	/* 19 */ { "a hole", ST_INIT, ARG_OK, 0xb000, 0x1000, R, 0, 0, NP, -EFAULT, 0, 0, NOCHK },
	/* 20 */ { "two pages, then a hole", ST_INIT, ARG_OK, 0x9000, 0x3000, R, 0, 0, NP, -EFAULT,
		   0x2000, 0, R | PR },
	/* 21 */ { "second page made a TCS", ST_INIT, ARG_OK, 0x3000, 0x2000, R, 0, 0,
		   {{ 0x4000, P_TCS }}, -EINVAL, 0x1000, 0, R | PR },
	/* 22 */ { "a trimmed page", ST_INIT, ARG_OK, 0x4000, 0x1000, R, 0, 0, {{ 0x4000, P_TRIM }},
		   -EINVAL, 0, 0, SGX_SECINFO_MODIFIED },
	/* 23 */ { "EMODPR: page PENDING", ST_INIT, ARG_OK, 0x5000, 0x1000, R, 0, 0,
		   {{ 0x5000, P_PENDING }}, -EFAULT, 0, NOT_MOD, NOCHK },
	/* 24 */ { "EMODPR faults: not in the EPCM", ST_INIT, ARG_OK, 0x5000, 0x1000, R, 0, 0,
		   {{ 0x5000, P_GONE }}, -EFAULT, 0, 0, NOCHK },
	/* 25 */ { "count not writable: done anyway", ST_INIT, ARG_RO, 0x3000, 0x1000, R, 0, 0, NP,
		   -EFAULT, 0, 0, R | PR },
};

static void test_restrict_permissions_table(void **state)
{
	(void)state;
	run_table("RESTRICT_PERMISSIONS", rp_rows, sizeof(rp_rows) / sizeof(rp_rows[0]),
		  SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS);
}

/* ---- SGX_IOC_ENCLAVE_MODIFY_TYPES (§4.4) ------------------------------- */

#define RWX_P (PROT_READ | PROT_WRITE | PROT_EXEC)
#define RW_P  (PROT_READ | PROT_WRITE)

static const struct row mt_rows[] = {
	/*  0 */ { "no SGX2: before the argument", ST_SGX1, ARG_UNMAPPED, 0x3000, 0x1000, TRIM_T, 0,
		   0, NP, -ENODEV, 0, 0, NOCHK },
	/*  1 */ { "not initialized", ST_CREATED, ARG_OK, 0x3000, 0x1000, TRIM_T, 0, 0, NP, -EINVAL,
		   0, 0, NOCHK },
	/*  2 */ { "argument unmapped", ST_INIT, ARG_UNMAPPED, 0, 0, 0, 0, 0, NP, -EFAULT, 0, 0,
		   NOCHK },
	/*  3 */ { "offset not aligned", ST_INIT, ARG_OK, 0x3001, 0x1000, TRIM_T, 0, 0, NP, -EINVAL,
		   0, 0, NOCHK },
	/*  4 */ { "beyond ELRANGE", ST_INIT, ARG_OK, 0x10000, 0x1000, TRIM_T, 0, 0, NP, -EINVAL, 0,
		   0, NOCHK },
	/*  5 */ { "page_type beyond 8 bits", ST_INIT, ARG_OK, 0x3000, 0x1000, 0x104, 0, 0, NP,
		   -EINVAL, 0, 0, RW_P },
	/*  6 */ { "result not zero", ST_INIT, ARG_OK, 0x3000, 0x1000, TRIM_T, 1, 0, NP, -EINVAL, 0,
		   1, RW_P },
	/*  7 */ { "count not zero", ST_INIT, ARG_OK, 0x3000, 0x1000, TRIM_T, 0, 8, NP, -EINVAL, 8, 0,
		   RW_P },
	/*  8 */ { "type REG", ST_INIT, ARG_OK, 0x3000, 0x1000, SGX_PT_REG, 0, 0, NP, -EINVAL, 0, 0,
		   RW_P },
	/*  9 */ { "type SECS", ST_INIT, ARG_OK, 0x3000, 0x1000, SGX_PT_SECS, 0, 0, NP, -EINVAL, 0, 0,
		   RW_P },
	/* 10 */ { "type VA", ST_INIT, ARG_OK, 0x3000, 0x1000, SGX_PT_VA, 0, 0, NP, -EINVAL, 0, 0,
		   RW_P },
	/* 11 */ { "type 0x84", ST_INIT, ARG_OK, 0x3000, 0x1000, 0x84, 0, 0, NP, -EINVAL, 0, 0,
		   RW_P },
	/* 12 */ { "REG -> TRIM", ST_INIT, ARG_OK, 0x3000, 0x1000, TRIM_T, 0, 0, NP, 0, 0x1000, 0,
		   RW_P },
	/* 13 */ { "REG RW -> TCS", ST_INIT, ARG_OK, 0x3000, 0x1000, TCS_T, 0, 0, NP, 0, 0x1000, 0,
		   RW_P },
	/* 14 */ { "REG RWX -> TCS: maximum becomes RW", ST_INIT, ARG_OK, 0xa000, 0x1000, TCS_T, 0, 0,
		   NP, 0, 0x1000, 0, RW_P },
	/* 15 */ { "REG R -> TCS", ST_INIT, ARG_OK, 0x8000, 0x1000, TCS_T, 0, 0, NP, -EPERM, 0, 0,
		   PROT_READ },
	/* 16 */ { "REG RX -> TCS", ST_INIT, ARG_OK, 0x9000, 0x1000, TCS_T, 0, 0, NP, -EPERM, 0, 0,
		   PROT_READ | PROT_EXEC },
	/* 17 */ { "TCS -> TRIM", ST_INIT, ARG_OK, 0x0000, 0x1000, TRIM_T, 0, 0, NP, 0, 0x1000, 0,
		   RW_P },
	/* 18 */ { "TCS -> TCS", ST_INIT, ARG_OK, 0x0000, 0x1000, TCS_T, 0, 0, NP, -EINVAL, 0, 0,
		   RW_P },
	/* 19 */ { "TRIM -> TRIM", ST_INIT, ARG_OK, 0x4000, 0x1000, TRIM_T, 0, 0,
		   {{ 0x4000, P_TRIM }}, -EINVAL, 0, 0, RW_P },
	/* 20 */ { "TRIM -> TCS", ST_INIT, ARG_OK, 0x4000, 0x1000, TCS_T, 0, 0,
		   {{ 0x4000, P_TRIM_ACC }}, -EINVAL, 0, 0, RW_P },
	/* 21 */ { "three REG -> TRIM", ST_INIT, ARG_OK, 0x3000, 0x3000, TRIM_T, 0, 0, NP, 0, 0x3000,
		   0, RW_P },
	/* 22 */ { "RW, then R -> TCS", ST_INIT, ARG_OK, 0x7000, 0x2000, TCS_T, 0, 0, NP, -EPERM,
		   0x1000, 0, RW_P },
	/* 23 */ { "RWX, then a hole", ST_INIT, ARG_OK, 0xa000, 0x2000, TRIM_T, 0, 0, NP, -EFAULT,
		   0x1000, 0, RWX_P },
	/* 24 */ { "EMODT: TCS not yet accepted -> TRIM", ST_INIT, ARG_OK, 0x3000, 0x1000, TRIM_T, 0,
		   0, {{ 0x3000, P_TCS }}, -EFAULT, 0, NOT_MOD, RW_P },
	/* 25 */ { "EMODT: PENDING RWX -> TCS restores the maximum", ST_INIT, ARG_OK, 0xa000, 0x1000,
		   TCS_T, 0, 0, {{ 0xa000, P_PENDING }}, -EFAULT, 0, NOT_MOD, RWX_P },
	/* 26 */ { "EMODT faults: not in the EPCM", ST_INIT, ARG_OK, 0x5000, 0x1000, TRIM_T, 0, 0,
		   {{ 0x5000, P_GONE }}, -EFAULT, 0, 0, RW_P },
	/* 27 */ { "count not writable: done anyway", ST_INIT, ARG_RO, 0x3000, 0x1000, TRIM_T, 0, 0,
		   NP, -EFAULT, 0, 0, RW_P },
};

static void test_modify_types_table(void **state)
{
	(void)state;
	run_table("MODIFY_TYPES", mt_rows, sizeof(mt_rows) / sizeof(mt_rows[0]),
		  SGX_IOC_ENCLAVE_MODIFY_TYPES);
}

/* ---- SGX_IOC_ENCLAVE_REMOVE_PAGES (§4.5) -------------------------------- */

static const struct row rm_rows[] = {
	/*  0 */ { "no SGX2: before the argument", ST_SGX1, ARG_UNMAPPED, 0x3000, 0x1000, 0, 0, 0, NP,
		   -ENODEV, 0, 0, NOCHK },
	/*  1 */ { "not initialized", ST_CREATED, ARG_OK, 0x3000, 0x1000, 0, 0, 0, NP, -EINVAL, 0, 0,
		   NOCHK },
	/*  2 */ { "argument unmapped", ST_INIT, ARG_UNMAPPED, 0, 0, 0, 0, 0, NP, -EFAULT, 0, 0,
		   NOCHK },
	/*  3 */ { "offset not aligned", ST_INIT, ARG_OK, 0x3800, 0x1000, 0, 0, 0, NP, -EINVAL, 0, 0,
		   NOCHK },
	/*  4 */ { "length 0", ST_INIT, ARG_OK, 0x3000, 0, 0, 0, 0, NP, -EINVAL, 0, 0, NOCHK },
	/*  5 */ { "count not zero", ST_INIT, ARG_OK, 0x4000, 0x1000, 0, 0, 0x1000,
		   {{ 0x4000, P_TRIM_ACC }}, -EINVAL, 0x1000, 0, 0 },
	/*  6 */ { "a REG page", ST_INIT, ARG_OK, 0x3000, 0x1000, 0, 0, 0, NP, -EPERM, 0, 0, 0 },
	/*  7 */ { "a TCS page", ST_INIT, ARG_OK, 0x0000, 0x1000, 0, 0, 0, NP, -EPERM, 0, 0, 0 },
	/*  8 */ { "trimmed, not accepted", ST_INIT, ARG_OK, 0x4000, 0x1000, 0, 0, 0,
		   {{ 0x4000, P_TRIM }}, -EPERM, 0, 0, 0 },
	/*  9 */ { "a hole", ST_INIT, ARG_OK, 0xc000, 0x1000, 0, 0, 0, NP, -EFAULT, 0, 0, NOCHK },
	/* 10 */ { "trimmed and accepted", ST_INIT, ARG_OK, 0x4000, 0x1000, 0, 0, 0,
		   {{ 0x4000, P_TRIM_ACC }}, 0, 0x1000, 0, 1 },
	/* 11 */ { "two accepted, one not", ST_INIT, ARG_OK, 0x3000, 0x3000, 0, 0, 0,
		   {{ 0x3000, P_TRIM_ACC }, { 0x4000, P_TRIM_ACC }, { 0x5000, P_TRIM }}, -EPERM,
		   0x2000, 0, 1 },
	/* 12 */ { "accepted, then a hole", ST_INIT, ARG_OK, 0xa000, 0x2000, 0, 0, 0,
		   {{ 0xa000, P_TRIM_ACC }}, -EFAULT, 0x1000, 0, 1 },
	/* 13 */ { "a trimmed TCS, accepted", ST_INIT, ARG_OK, 0x5000, 0x1000, 0, 0, 0,
		   {{ 0x5000, P_TCS_TRIM_ACC }}, 0, 0x1000, 0, 1 },
	/* 14 */ { "accepted, then REG", ST_INIT, ARG_OK, 0x7000, 0x2000, 0, 0, 0,
		   {{ 0x7000, P_TRIM_ACC }}, -EPERM, 0x1000, 0, 1 },
	/* 15 */ { "count not writable: removed anyway", ST_INIT, ARG_RO, 0x4000, 0x1000, 0, 0, 0,
		   {{ 0x4000, P_TRIM_ACC }}, -EFAULT, 0, 0, 1 },
};

static void test_remove_pages_table(void **state)
{
	(void)state;
	run_table("REMOVE_PAGES", rm_rows, sizeof(rm_rows) / sizeof(rm_rows[0]),
		  SGX_IOC_ENCLAVE_REMOVE_PAGES);
}

/* ---- flows through the enclave's leaves -------------------------------- */

/*
 * EMODPR, then EACCEPT(R|REG|PR) (the selftest's "restrict_permissions"):
 * the page's mapping drops W at once, a write faults with PF_SGX, the
 * contents stay, and the maximum protection still allows RW.
 */
static void test_restrict_then_eaccept(void **state)
{
	struct sgx_enclave_restrict_permissions rp;
	struct sgx_encl_page *p;
	struct drvt_touch t;
	struct drvt_encl e;
	struct drvt d;
	uint8_t *b;

	(void)state;
	build(&d, &e, false, true);
	b = (uint8_t *)(uintptr_t)e.base;
	assert_true(drvt_mmap(&e, 0x3000, 0x1000, PROT_READ | PROT_WRITE) > 0);
	drvt_fault_install(d.drv);
	t = drvt_touch(b + 0x3000, HW_ACC_WRITE, 0x1122334455667788ull);
	assert_int_equal(t.res, SGX_FAULT_HANDLED);
	p = entry_at(&e, 0x3000);
	assert_int_equal(p->pte, SGX_PTE_PRESENT | SGX_PTE_YOUNG | PROT_READ | PROT_WRITE);

	assert_int_equal(restrict_perms(&e, 0x3000, 0x1000, R, &rp), 0);
	assert_int_equal(rp.count, 0x1000);
	assert_int_equal(rp.result, 0);
	assert_int_equal(epcm_bits(&e, 0x3000), R | PR);
	/* Present still, but read-only, before the enclave even accepted. */
	assert_int_equal(p->pte, SGX_PTE_PRESENT | SGX_PTE_YOUNG | PROT_READ);
	assert_int_equal(p->vm_max_prot_bits, PROT_READ | PROT_WRITE);
	t = drvt_touch(b + 0x3000, HW_ACC_WRITE, 1);
	assert_int_equal(t.res, SGX_FAULT_REPORT);
	assert_int_equal(t.code, X86_PF_SGX | X86_PF_USER | X86_PF_WRITE | X86_PF_PROT);
	t = drvt_touch(b + 0x3000, HW_ACC_READ, 0);
	assert_int_equal(t.res, SGX_FAULT_HANDLED);
	assert_int_equal(t.value, 0x1122334455667788ull);

	/* EACCEPT must name the new state exactly. */
	assert_int_equal(eaccept(&e, 0x3000, REG | R | W | PR), SGX_PAGE_ATTRIBUTES_MISMATCH);
	assert_int_equal(eaccept(&e, 0x3000, REG | R | PR), 0);
	assert_int_equal(epcm_bits(&e, 0x3000), R);
	t = drvt_touch(b + 0x3000, HW_ACC_WRITE, 1);
	assert_int_equal(t.code, X86_PF_SGX | X86_PF_USER | X86_PF_WRITE | X86_PF_PROT);
	/* Restricting again to what it has is fine; mprotect RW still allowed. */
	assert_int_equal(restrict_perms(&e, 0x3000, 0x1000, R, NULL), 0);
	assert_int_equal(sgx_mprotect(d.drv, b + 0x3000, 0x1000, PROT_READ | PROT_WRITE), 0);
	check_consistent(&e, NULL, 0);
	drvt_fault_uninstall();
	finish(&d, &e);
}

/*
 * EMODT to TRIM, EACCEPT(TRIM|MODIFIED), REMOVE_PAGES (the selftest's
 * "remove_added_page"), and before the EACCEPT -EPERM with count 0 (its
 * "remove_added_page_no_eaccept"). The removed page's EPC page is free,
 * its mapping gone, its VA slot accounting returned; VA pages stay.
 */
static void test_trim_eaccept_remove(void **state)
{
	const uint64_t trim_mod = (TRIM_T << 8) | SGX_SECINFO_MODIFIED;
	struct sgx_driver_stats before, after;
	struct sgx_enclave_modify_types mt;
	struct sgx_encl_page *p;
	struct drvt_touch t;
	struct drvt_encl e;
	struct drvt d;
	unsigned int page_cnt;
	uint64_t count;
	uint8_t *b;

	(void)state;
	build(&d, &e, false, true);
	b = (uint8_t *)(uintptr_t)e.base;
	assert_true(drvt_mmap(&e, 0x3000, 0x2000, PROT_READ | PROT_WRITE) > 0);
	drvt_fault_install(d.drv);
	assert_int_equal(drvt_touch(b + 0x4000, HW_ACC_READ, 0).res, SGX_FAULT_HANDLED);
	sgx_driver_stats(d.drv, &before);
	page_cnt = e.f->encl->page_cnt;

	assert_int_equal(modt(&e, 0x4000, 0x1000, TRIM_T, &mt), 0);
	assert_int_equal(mt.count, 0x1000);
	p = entry_at(&e, 0x4000);
	assert_int_equal(p->type, SGX_PT_TRIM);
	assert_int_equal(epcm_at(&e, 0x4000).page_type, SGX_PT_TRIM);
	assert_int_equal(p->pte & SGX_PTE_PROT_MASK, 0);
	t = drvt_touch(b + 0x4000, HW_ACC_READ, 0);
	assert_int_equal(t.res, SGX_FAULT_REPORT);
	assert_int_equal(t.code, X86_PF_SGX | X86_PF_USER | X86_PF_PROT);

	assert_int_equal(remove_pages(&e, 0x4000, 0x1000, &count), -EPERM);
	assert_int_equal(count, 0);
	assert_int_equal(eaccept(&e, 0x4000, trim_mod), 0);
	assert_int_equal(remove_pages(&e, 0x4000, 0x1000, &count), 0);
	assert_int_equal(count, 0x1000);

	assert_null(entry_at(&e, 0x4000));
	assert_int_equal(e.f->encl->page_cnt, page_cnt - 1);
	sgx_driver_stats(d.drv, &after);
	assert_int_equal(after.epc_free, before.epc_free + 1);
	assert_int_equal(after.va_pages, before.va_pages);
	assert_int_equal(after.pages_by_type[SGX_PT_REG], before.pages_by_type[SGX_PT_REG] - 1);
	assert_int_equal(after.pages_by_type[SGX_PT_TRIM], 0);
	assert_int_equal(drvt_epcm_valid(&d), 1 + 1 + 11 - 1);  /* SECS, VA, pages */
	/* The address is a hole now: a second REMOVE finds nothing. */
	assert_int_equal(remove_pages(&e, 0x4000, 0x1000, &count), -EFAULT);
	assert_int_equal(count, 0);
	/* Its neighbour is untouched. */
	assert_int_equal(drvt_touch(b + 0x3000, HW_ACC_READ, 0).value, 0x3030303030303030ull);
	check_consistent(&e, NULL, 0);
	drvt_fault_uninstall();
	finish(&d, &e);
}

/* The selftest's "tcs_permissions": a TCS cannot be restricted. */
static void test_tcs_restrict(void **state)
{
	struct sgx_enclave_restrict_permissions rp;
	struct drvt_encl e;
	struct drvt d;
	struct hw_lp lp;

	(void)state;
	build(&d, &e, false, true);
	assert_int_equal(restrict_perms(&e, 0x0000, 0x1000, R, &rp), -EINVAL);
	assert_int_equal(rp.result, 0);
	assert_int_equal(rp.count, 0);
	/* The TCS is as it was: it can be entered. */
	assert_int_equal(eenter(&e, &lp, 0), 0);
	eexit(&lp);
	finish(&d, &e);
}

/* SGX1: every SGX2 ioctl is -ENODEV, before the state and the argument. */
static void test_sgx1_enodev(void **state)
{
	static const unsigned int cmds[] = { SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
					     SGX_IOC_ENCLAVE_MODIFY_TYPES,
					     SGX_IOC_ENCLAVE_REMOVE_PAGES };
	struct drvt_encl e, fresh;
	struct drvt d;
	unsigned int i;

	(void)state;
	build(&d, &e, true, true);
	drvt_open(&d, &fresh, ESIZE);
	for (i = 0; i < 3; i++) {
		assert_int_equal(drvt_ioctl(&e, cmds[i], UNMAPPED), -ENODEV);
		assert_int_equal(drvt_ioctl(&fresh, cmds[i], NULL), -ENODEV);
	}
	drvt_close(&fresh);
	finish(&d, &e);
}

/*
 * The selftest's "tcs_create": a REG page holding a TCS image becomes a
 * TCS (EMODT, EACCEPT(TCS|MODIFIED)), can be entered, and can then be
 * trimmed and removed in turn.
 */
static void test_dynamic_tcs(void **state)
{
	struct sgx_driver_stats st;
	struct drvt_encl e;
	struct drvt d;
	struct hw_lp lp;

	(void)state;
	build(&d, &e, false, true);
	/* The enclave writes the TCS image (SSA at 0x7000) into its page. */
	hwt_tcs_init(epc_of(&e, 0x5000), 0x7000, 1, 0x2000);
	assert_int_equal(modt(&e, 0x5000, 0x1000, TCS_T, NULL), 0);
	assert_int_equal(entry_at(&e, 0x5000)->vm_max_prot_bits, PROT_READ | PROT_WRITE);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.pages_by_type[SGX_PT_TCS], 2);
	/* Not usable before it is accepted. */
	assert_int_not_equal(eenter(&e, &lp, 0x5000), 0);
	assert_int_equal(eaccept(&e, 0x5000, (TCS_T << 8) | SGX_SECINFO_MODIFIED), 0);
	assert_int_equal(eenter(&e, &lp, 0x5000), 0);
	eexit(&lp);

	assert_int_equal(modt(&e, 0x5000, 0x1000, TRIM_T, NULL), 0);
	assert_int_equal(eaccept(&e, 0x5000, (TRIM_T << 8) | SGX_SECINFO_MODIFIED), 0);
	assert_int_equal(remove_pages(&e, 0x5000, 0x1000, NULL), 0);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.pages_by_type[SGX_PT_TCS], 1);
	check_consistent(&e, NULL, 0);
	finish(&d, &e);
}

/*
 * ETRACK with a thread still inside the enclave. The first change opens
 * a tracking cycle that thread holds up; the kernel's IPI would make it
 * leave (sgx_encl_ipi(), the runtime's seam). Without it, that thread's
 * EACCEPT sees SGX_NOT_TRACKED, and the next page's ETRACK finds the
 * previous cycle incomplete: -EFAULT, count covering the first page.
 * Leaving and entering again completes the cycle.
 */
static void test_etrack_thread_inside(void **state)
{
	struct sgx_enclave_restrict_permissions rp;
	struct drvt_encl e;
	struct drvt d;
	struct hw_lp lp;

	(void)state;
	build(&d, &e, false, true);
	assert_int_equal(eenter(&e, &lp, 0), 0);
	assert_int_equal(restrict_perms(&e, 0x3000, 0x2000, R, &rp), -EFAULT);
	assert_int_equal(rp.count, 0x1000);
	assert_int_equal(rp.result, 0);
	assert_int_equal(epcm_bits(&e, 0x4000), R | PR);   /* EMODPR ran, ETRACK failed */
	assert_int_equal(eaccept_in(&e, &lp, 0x3000, REG | R | PR), SGX_NOT_TRACKED);
	eexit(&lp);
	assert_int_equal(eaccept(&e, 0x3000, REG | R | PR), 0);
	/* A fresh ioctl tracks again; the page already restricted goes through. */
	assert_int_equal(restrict_perms(&e, 0x4000, 0x1000, R, &rp), 0);
	assert_int_equal(eaccept(&e, 0x4000, REG | R | PR), 0);
	check_consistent(&e, NULL, 0);
	finish(&d, &e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restrict_permissions_table),
		cmocka_unit_test(test_modify_types_table),
		cmocka_unit_test(test_remove_pages_table),
		cmocka_unit_test(test_restrict_then_eaccept),
		cmocka_unit_test(test_trim_eaccept_remove),
		cmocka_unit_test(test_tcs_restrict),
		cmocka_unit_test(test_sgx1_enodev),
		cmocka_unit_test(test_dynamic_tcs),
		cmocka_unit_test(test_etrack_thread_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
