// SPDX-License-Identifier: MIT
/*
 * EPC paging at driver level (reclaim.c, backing.c, the ELDU and EAUG
 * paths of encl.c and fault.c): pages written out and faulted back with
 * their contents and EPCM state, aging, the SECS following its last
 * child, tracking with and without the kick hook (logical processors
 * driven as in tests/unit/hw/test_tracking.c, really inside the enclave),
 * EAUG from the fault handler's reserve, the backing layout and PCMD page
 * freeing, integrity of the backing (tamper through /proc/self/fd), and
 * teardown while pages are out.
 *
 * Drivers run without ksgxd here (manual_reclaim) unless a test says
 * otherwise, so each pass happens when the test asks for it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drv_test_util.h"
#include "encl.h"
#include "encls.h"
#include "lp.h"

#define R   SGX_SECINFO_R
#define W   SGX_SECINFO_W
#define REG SGX_SECINFO_REG

/*
 * The enclave of most tests: @npages pages of a @size ELRANGE,
 *   0x0000 TCS (OSSA 0x1000, NSSA 1, OENTRY 0x2000)   0x1000 SSA (RW)
 *   0x2000 .. data pages (RW), page i filled with 0x20 + i
 * all mapped RW (holes included).
 */
struct fx {
	struct drvt d;
	struct drvt_encl e;
	uint8_t *b;
	uint64_t npages;
};

static void build_encl(struct drvt *d, struct drvt_encl *e, uint64_t size, uint64_t npages,
		       bool init)
{
	static uint8_t tcs[SGX_PAGE_SIZE] __attribute__((aligned(4096)));

	drvt_encl(d, e, size, 0);
	hwt_tcs_init((struct sgx_tcs *)tcs, 0x1000, 1, 0x2000);
	assert_int_equal(drvt_add(e, 0x0000, 1, SGX_SECINFO_TCS, 0, tcs, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x1000, 1, REG | R | W, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x2000, npages - 2, REG | R | W, 0x22, NULL, true, NULL), 0);
	if (init)
		assert_int_equal(drvt_init(e), 0);
	assert_int_equal(drvt_mmap(e, 0, size, PROT_READ | PROT_WRITE), (intptr_t)e->base);
}

static void setup(struct fx *f, uint64_t epc_pages, uint64_t size, uint64_t npages, bool init)
{
	struct hw_config cfg;

	hw_config_default(&cfg);
	cfg.epc_size = epc_pages * SGX_PAGE_SIZE;
	drvt_setup_manual(&f->d, &cfg);
	f->npages = npages;
	build_encl(&f->d, &f->e, size, npages, init);
	f->b = (uint8_t *)(uintptr_t)f->e.base;
	drvt_fault_install(f->d.drv);
}

static void done(struct fx *f)
{
	drvt_fault_uninstall();
	drvt_close(&f->e);
	drvt_teardown(&f->d);
}

static struct sgx_encl_page *entry_at(struct drvt_encl *e, uint64_t off)
{
	return sgx_encl_lookup(e->f->encl, e->base + off);
}

static bool resident(struct drvt_encl *e, uint64_t off)
{
	struct sgx_encl_page *p = entry_at(e, off);

	assert_non_null(p);
	return p->epc_page != NULL;
}

static uint64_t free_pages(struct drvt *d)
{
	return atomic_load(&d->drv->nr_free_pages);
}

/* Make room for @n pages the way ksgxd would. */
static void make_room(struct drvt *d, uint64_t n)
{
	unsigned int i;

	for (i = 0; i < 1000 && free_pages(d) < n; i++)
		(void)sgx_reclaim_pages(d->drv);
	assert_true(free_pages(d) >= n);
}

/* Passes until the page at @off is out. */
static void evict(struct drvt *d, struct drvt_encl *e, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < 1000 && resident(e, off); i++)
		(void)sgx_reclaim_pages(d->drv);
	assert_false(resident(e, off));
}

/* Touch through the mapping with room made first; the access must complete. */
static struct drvt_touch touch(struct fx *f, uint64_t off, unsigned int acc, uint64_t val)
{
	make_room(&f->d, 2);
	return drvt_touch(f->b + off, acc, val);
}

static struct sgx_driver_stats stats(struct drvt *d)
{
	struct sgx_driver_stats st;

	sgx_driver_stats(d->drv, &st);
	return st;
}

/* ---- write-out and fault-in ---------------------------------------------- */

/* Twice the EPC: every page out and back with its contents, SECS included. */
static void test_evict_reload(void **state)
{
	struct sgx_driver_stats st;
	struct drvt_touch t;
	struct fx f;
	uint64_t i;

	(void)state;
	setup(&f, 48, 0x80000, 96, true);
	st = stats(&f.d);
	assert_true(st.ewb > 0);                /* ADD_PAGES had to make room */
	for (i = 2; i < f.npages; i++) {
		t = touch(&f, i * 0x1000 + 8, HW_ACC_READ, 0);
		assert_int_equal(t.res, SGX_FAULT_HANDLED);
		assert_int_equal(t.value, 0x0101010101010101ull * (uint8_t)(0x22 + i - 2));
		t = touch(&f, i * 0x1000, HW_ACC_WRITE, 0xabc000 + i);
		assert_int_equal(t.res, SGX_FAULT_HANDLED);
	}
	for (i = 2; i < f.npages; i++) {
		t = touch(&f, i * 0x1000, HW_ACC_READ, 0);
		assert_int_equal(t.res, SGX_FAULT_HANDLED);
		assert_int_equal(t.value, 0xabc000 + i);
	}
	st = stats(&f.d);
	assert_true(st.eldu >= f.npages - 2);
	assert_true(st.reclaim_passes > 0);
	assert_int_equal(st.eldu_failures, 0);

	/* Everything out: the SECS goes with the last child, and comes back first. */
	for (i = 0; i < 100 && atomic_load(&f.d.drv->nr_active); i++)
		(void)sgx_reclaim_pages(f.d.drv);
	assert_int_equal(atomic_load(&f.d.drv->nr_active), 0);
	assert_null(f.e.f->encl->secs.epc_page);
	st = stats(&f.d);
	assert_int_equal(st.pages_by_type[SGX_PT_SECS], 0);
	assert_int_equal(st.pages_by_type[SGX_PT_REG], 0);
	t = touch(&f, 0x5000, HW_ACC_READ, 0);
	assert_int_equal(t.res, SGX_FAULT_HANDLED);
	assert_int_equal(t.value, 0xabc005);
	assert_non_null(f.e.f->encl->secs.epc_page);
	done(&f);
}

/* Aging: a page used between passes stays; one left alone goes. */
static void test_aging(void **state)
{
	struct sgx_driver_stats st;
	struct fx f;
	unsigned int pass;

	(void)state;
	setup(&f, 64, 0x40000, 40, true);
	/* Pages 2..17 head the list. Keep touching page 2 across passes. */
	for (pass = 0; pass < 6; pass++) {
		assert_int_equal(touch(&f, 0x2000, HW_ACC_WRITE, pass).res, SGX_FAULT_HANDLED);
		(void)sgx_reclaim_pages(f.d.drv);
		assert_true(resident(&f.e, 0x2000));
	}
	st = stats(&f.d);
	assert_true(st.aged > 0);
	/* Page 3 was never touched after the build: gone by now. */
	assert_false(resident(&f.e, 0x3000));
	/* Aged means zapped: the next touch faults, and the page is young again. */
	(void)sgx_reclaim_pages(f.d.drv);
	done(&f);
}

/* PENDING/MODIFIED/PR and permissions survive a round trip (reference §6.15). */
static void test_epcm_state_survives(void **state)
{
	struct hw_epcm_info info;
	struct sgx_enclave_restrict_permissions rp = { 0x4000, 0x1000, R, 0, 0 };
	struct sgx_enclave_modify_types mt = { 0x5000, 0x1000, SGX_PT_TRIM, 0, 0 };
	struct fx f;
	uint64_t idx;

	(void)state;
	setup(&f, 64, 0x40000, 40, true);
	assert_int_equal(drvt_ioctl(&f.e, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), 0);
	assert_int_equal(drvt_ioctl(&f.e, SGX_IOC_ENCLAVE_MODIFY_TYPES, &mt), 0);
	evict(&f.d, &f.e, 0x4000);
	evict(&f.d, &f.e, 0x5000);
	/* The ioctls reload what they work on; EMODPR again loads 0x4000. */
	rp.count = rp.result = 0;
	assert_int_equal(drvt_ioctl(&f.e, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), 0);
	assert_true(resident(&f.e, 0x4000));
	idx = sgx_epc_index(f.d.drv, entry_at(&f.e, 0x4000)->epc_page);
	assert_int_equal(hw_epcm_read(f.d.t.hw, idx, &info), 0);
	assert_true(info.pr);
	assert_int_equal(info.perm, R);
	/* The TRIM page faults back as TRIM|MODIFIED: a read is an EPCM #PF. */
	assert_int_equal(touch(&f, 0x5000, HW_ACC_READ, 0).code, 0x8005);
	idx = sgx_epc_index(f.d.drv, entry_at(&f.e, 0x5000)->epc_page);
	assert_int_equal(hw_epcm_read(f.d.t.hw, idx, &info), 0);
	assert_int_equal(info.page_type, SGX_PT_TRIM);
	assert_true(info.modified);
	done(&f);
}

/* ---- tracking: logical processors inside the enclave ---------------------- */

#define AEP 0x1000ull
#define MAX_LPS 4

/* The kick hook of these tests: an AEX for every LP inside that enclave. */
struct kicker {
	struct hw_lp *lps[MAX_LPS];
	unsigned int nr, kicks, aex;
};

static void kick_lps(void *ctx, uint64_t secs_index)
{
	struct kicker *k = ctx;
	struct sgx_gprsgx gprs;
	struct hw_aex out;
	unsigned int i;

	memset(&gprs, 0, sizeof(gprs));
	k->kicks++;
	for (i = 0; i < k->nr; i++) {
		if (!k->lps[i]->in_enclave || k->lps[i]->secs_index != secs_index)
			continue;
		assert_int_equal(enclu_aex(k->lps[i], &gprs, NULL, 0, false, 0, 0, 0, &out), 0);
		k->aex++;
	}
}

/* EENTER (ERESUME) on the TCS at 0, faulting its pages in as the runtime would. */
static void lp_enter_resume(struct fx *f, struct hw_lp *lp, bool resume)
{
	struct hw_enter in;
	unsigned int ret = 0, tries;
	uint32_t code = 0;

	if (!resume)
		hw_lp_init(lp, f->d.t.hw, sgx_translate, f->d.drv);
	for (tries = 0; tries < 10; tries++) {
		ret = resume ? enclu_eresume(lp, f->e.base, AEP, 0, 0, &in, NULL, 0) :
			       enclu_eenter(lp, f->e.base, AEP, 0, 0, &in);
		if (ret != SGX_FAULT_PF)
			break;
		make_room(&f->d, 2);
		assert_int_equal(sgx_encl_fault_walk(f->d.drv, lp->fault_addr,
						     HW_ACC_READ | HW_ACC_WRITE, &code),
				 SGX_FAULT_HANDLED);
	}
	assert_int_equal(ret, 0);
	assert_true(lp->in_enclave);
}

static void lp_enter(struct fx *f, struct hw_lp *lp)
{
	lp_enter_resume(f, lp, false);
}

static void lp_exit(struct hw_lp *lp)
{
	uint64_t rcx;

	assert_int_equal(enclu_eexit(lp, &rcx), 0);
}

/* An LP inside since before the ETRACK: EWB waits for the kick's AEX. */
static void test_kick(void **state)
{
	struct kicker k = { .nr = 1 };
	struct sgx_driver_stats st;
	struct hw_lp lp;
	struct fx f;
	unsigned int i;

	(void)state;
	setup(&f, 64, 0x40000, 40, true);
	lp_enter(&f, &lp);
	k.lps[0] = &lp;
	sgx_driver_set_kick(f.d.drv, kick_lps, &k);
	(void)sgx_reclaim_pages(f.d.drv);
	assert_false(resident(&f.e, 0x3000));
	assert_false(lp.in_enclave);
	assert_int_equal(k.kicks, 1);
	assert_int_equal(k.aex, 1);
	st = stats(&f.d);
	assert_int_equal(st.kicks, 1);
	assert_int_equal(st.not_tracked, 0);

	/* ERESUME, then stay inside while the clock hand reaches the TCS. */
	lp_enter_resume(&f, &lp, true);
	for (i = 0; i < 40 && resident(&f.e, 0x0000); i++) {
		make_room(&f.d, 1);
		(void)sgx_reclaim_pages(f.d.drv);
	}
	/* A TCS in use is "not tracked" until its LP leaves: the kick did it. */
	assert_false(resident(&f.e, 0x0000));
	assert_false(lp.in_enclave);
	assert_true(k.aex >= 2);
	sgx_driver_set_kick(f.d.drv, NULL, NULL);
	done(&f);
}

/* No kick hook: the pages stay blocked on the list until the LP has left. */
static void test_stuck_without_kick(void **state)
{
	struct sgx_driver_stats st;
	struct sgx_encl_page *p;
	struct hw_epcm_info info;
	struct drvt_touch t;
	struct hw_lp lp;
	struct fx f;

	(void)state;
	setup(&f, 64, 0x40000, 40, true);
	lp_enter(&f, &lp);
	assert_int_equal(sgx_reclaim_pages(f.d.drv), 0);
	st = stats(&f.d);
	assert_int_equal(st.not_tracked, 14);           /* pages 2..15; TCS, SSA aged */
	p = entry_at(&f.e, 0x3000);
	assert_non_null(p->epc_page);
	assert_true(p->desc & SGX_ENCL_PAGE_BEING_RECLAIMED);
	assert_true(p->epc_page->flags & SGX_EPC_PAGE_STUCK);
	assert_int_equal(hw_epcm_read(f.d.t.hw, sgx_epc_index(f.d.drv, p->epc_page), &info), 0);
	assert_true(info.blocked);
	/* The next pass moves on to pages 16..31: stuck too, nothing leaks. */
	assert_int_equal(sgx_reclaim_pages(f.d.drv), 0);
	assert_int_equal(stats(&f.d).not_tracked, 14 + 16);
	assert_true(entry_at(&f.e, 0x1f000)->desc & SGX_ENCL_PAGE_BEING_RECLAIMED);
	/* A touch retries and asks ksgxd to try again. */
	t = drvt_touch(f.b + 0x3000, HW_ACC_READ, 0);
	assert_int_equal(t.res, SGX_FAULT_RETRY);
	assert_true(atomic_load(&f.d.drv->ksgxd_work) & SGX_KSGXD_STUCK);
	lp_exit(&lp);
	/* Free pages are plenty: ksgxd only retries the stuck ones, 16 a step. */
	assert_int_equal(sgx_ksgxd_step(f.d.drv), 16);
	assert_false(resident(&f.e, 0x3000));
	assert_false(resident(&f.e, 0x11000));
	assert_true(resident(&f.e, 0x12000));
	assert_true(resident(&f.e, 0x20000));
	sgx_wake_ksgxd(f.d.drv, SGX_KSGXD_STUCK);
	assert_int_equal(sgx_ksgxd_step(f.d.drv), 14);
	assert_false(resident(&f.e, 0x1f000));
	t = touch(&f, 0x3008, HW_ACC_READ, 0);
	assert_int_equal(t.res, SGX_FAULT_HANDLED);
	assert_int_equal(t.value, 0x2323232323232323ull);
	done(&f);
}

/* ---- EAUG -------------------------------------------------------------------- */

/* EACCEPT(@flags) of @off by an LP, SECINFO at 0x2000 (written through the map). */
static unsigned int eaccept(struct fx *f, uint64_t off, uint64_t flags)
{
	struct hw_lp lp;
	unsigned int ret;

	assert_int_equal(touch(f, 0x2000, HW_ACC_WRITE, flags).res, SGX_FAULT_HANDLED);
	memset(f->b + 0x2008, 0, 56);
	lp_enter(f, &lp);
	ret = enclu_eaccept(&lp, f->e.base + 0x2000, f->e.base + off);
	lp_exit(&lp);
	return ret;
}

static void test_eaug(void **state)
{
	const uint64_t pending = R | W | REG | SGX_SECINFO_PENDING;
	struct hw_epcm_info info;
	struct drvt_touch t;
	struct fx f;
	uint64_t i;

	(void)state;
	setup(&f, 96, 0x80000, 20, true);
	/* First touch: EAUG, then the write meets PENDING. */
	t = touch(&f, 0x40000, HW_ACC_WRITE, 1);
	assert_int_equal(t.res, SGX_FAULT_REPORT);
	assert_int_equal(t.code, 0x8007);
	assert_int_equal(entry_at(&f.e, 0x40000)->vm_max_prot_bits, PROT_READ | PROT_WRITE | PROT_EXEC);
	assert_int_equal(hw_epcm_read(f.d.t.hw, sgx_epc_index(f.d.drv, entry_at(&f.e, 0x40000)->epc_page),
				      &info), 0);
	assert_true(info.pending);
	assert_int_equal(stats(&f.d).eaug, 1);
	/* Out and back while PENDING: still PENDING. */
	evict(&f.d, &f.e, 0x40000);
	assert_int_equal(touch(&f, 0x40000, HW_ACC_READ, 0).code, 0x8005);
	assert_int_equal(eaccept(&f, 0x40000, pending), 0);
	t = touch(&f, 0x40000, HW_ACC_WRITE, 0x5151);
	assert_int_equal(t.res, SGX_FAULT_HANDLED);
	evict(&f.d, &f.e, 0x40000);
	t = touch(&f, 0x40000, HW_ACC_READ, 0);
	assert_int_equal(t.value, 0x5151);

	/* More EAUGs than the reserve holds: RETRY until ksgxd refills it. */
	for (i = 1; i < 40; i++) {
		t = touch(&f, 0x40000 + i * 0x1000, HW_ACC_WRITE, 1);
		if (t.res == SGX_FAULT_RETRY) {
			assert_true(atomic_load(&f.d.drv->ksgxd_work) & SGX_KSGXD_SERVICE);
			(void)sgx_ksgxd_step(f.d.drv);
			t = touch(&f, 0x40000 + i * 0x1000, HW_ACC_WRITE, 1);
		}
		assert_int_equal(t.res, SGX_FAULT_REPORT);
		assert_int_equal(t.code, 0x8007);
	}
	assert_int_equal(stats(&f.d).eaug, 40);

	/* Every page out, the SECS too: an EAUG loads the SECS first. */
	for (i = 0; i < 200 && atomic_load(&f.d.drv->nr_active); i++)
		(void)sgx_reclaim_pages(f.d.drv);
	assert_null(f.e.f->encl->secs.epc_page);
	t = touch(&f, 0x70000, HW_ACC_WRITE, 1);
	assert_int_equal(t.code, 0x8007);
	assert_non_null(f.e.f->encl->secs.epc_page);
	done(&f);
}

/* ---- the backing store --------------------------------------------------------- */

static uint64_t backing_blocks(struct drvt_encl *e)
{
	struct stat st;

	assert_int_equal(fstat(e->f->encl->backing, &st), 0);
	return (uint64_t)st.st_blocks * 512 / SGX_PAGE_SIZE;
}

static bool pcmd_page_used(struct drvt_encl *e, uint64_t k)
{
	return e->f->encl->pcmd_used[k / 64] & (1ull << (k % 64));
}

/*
 * The layout and what gets freed: a blob per page out (and the SECS), PCMD
 * pages of 32 entries; a PCMD page goes when its last entry does - unless
 * a page sharing it is being written out (blocked, stuck) at the time.
 */
static void test_backing_pcmd(void **state)
{
	struct sgx_driver_stats st;
	struct hw_lp lp;
	struct fx f;
	uint64_t i;

	(void)state;
	setup(&f, 160, 0x80000, 70, true);
	for (i = 0; i < 200 && atomic_load(&f.d.drv->nr_active); i++)
		(void)sgx_reclaim_pages(f.d.drv);
	assert_null(f.e.f->encl->secs.epc_page);
	/* 70 pages + SECS; PCMD pages 0-2 (pages 0..69) and 4 (the SECS, index 128). */
	assert_int_equal(backing_blocks(&f.e), 71 + 4);
	st = stats(&f.d);
	assert_int_equal(st.backing_bytes, (71 + 4) * SGX_PAGE_SIZE);
	assert_true(pcmd_page_used(&f.e, 0) && pcmd_page_used(&f.e, 4) && !pcmd_page_used(&f.e, 3));

	/*
	 * Group 0 back in (the SECS first). The fault handler leaves freeing
	 * to ksgxd, asked once 32 pages wait: then its PCMD page and the
	 * SECS's go.
	 */
	for (i = 2; i < 32; i++)
		assert_int_equal(touch(&f, i * 0x1000, HW_ACC_READ, 0).res, SGX_FAULT_HANDLED);
	assert_int_equal(backing_blocks(&f.e), 71 + 4);
	assert_int_equal(f.e.f->encl->nr_punch, 31);
	lp_enter(&f, &lp);
	assert_true(atomic_load(&f.d.drv->ksgxd_work) & SGX_KSGXD_SERVICE);
	(void)sgx_ksgxd_step(f.d.drv);
	assert_int_equal(f.e.f->encl->nr_punch, 0);
	assert_false(pcmd_page_used(&f.e, 0));
	assert_false(pcmd_page_used(&f.e, 4));
	assert_int_equal(backing_blocks(&f.e), 38 + 2);
	assert_int_equal(stats(&f.d).backing_bytes, (38 + 2) * SGX_PAGE_SIZE);

	/* Group 1 back but page 63, then blocked and stuck behind the LP. */
	for (i = 32; i < 63; i++)
		assert_int_equal(touch(&f, i * 0x1000, HW_ACC_READ, 0).res, SGX_FAULT_HANDLED);
	for (i = 0; i < 20 && !(entry_at(&f.e, 0x20000)->desc & SGX_ENCL_PAGE_BEING_RECLAIMED); i++)
		(void)sgx_reclaim_pages(f.d.drv);
	assert_non_null(entry_at(&f.e, 0x20000)->epc_page);
	assert_true(entry_at(&f.e, 0x20000)->desc & SGX_ENCL_PAGE_BEING_RECLAIMED);
	/* Page 63 comes back: all 32 entries are zero, yet page 32 is on its way out. */
	assert_int_equal(touch(&f, 63 * 0x1000, HW_ACC_READ, 0).res, SGX_FAULT_HANDLED);
	sgx_encl_request_service(f.e.f->encl);
	(void)sgx_ksgxd_step(f.d.drv);
	assert_int_equal(f.e.f->encl->nr_punch, 0);
	assert_true(pcmd_page_used(&f.e, 1));
	assert_int_equal(backing_blocks(&f.e) * SGX_PAGE_SIZE, stats(&f.d).backing_bytes);
	lp_exit(&lp);
	for (i = 0; i < 10 && resident(&f.e, 0x20000); i++) {
		sgx_wake_ksgxd(f.d.drv, SGX_KSGXD_STUCK);
		assert_true(sgx_ksgxd_step(f.d.drv) > 0);
	}
	assert_false(resident(&f.e, 0x20000));
	assert_true(pcmd_page_used(&f.e, 1));
	assert_int_equal(backing_blocks(&f.e) * SGX_PAGE_SIZE, stats(&f.d).backing_bytes);
	done(&f);
}

/* ---- integrity ------------------------------------------------------------------- */

/* The "SGX backing" memfd of @e, opened through /proc/self/fd as anyone could. */
static int open_backing(struct drvt_encl *e)
{
	struct stat want, st;
	char path[300], link[128];
	struct dirent *de;
	DIR *dir;
	int fd = -1;

	assert_int_equal(fstat(e->f->encl->backing, &want), 0);
	dir = opendir("/proc/self/fd");
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (strncmp(link, "/memfd:SGX backing", 18) || stat(path, &st) ||
		    st.st_ino != want.st_ino)
			continue;
		fd = open(path, O_RDWR);
		break;
	}
	closedir(dir);
	assert_true(fd >= 0);
	return fd;
}

static void flip_byte(int fd, uint64_t off)
{
	uint8_t c;

	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
}

/*
 * A blob, a PCMD or a VA version altered behind sgxemu's back: that page's
 * fault answers SIGBUS (for good); its neighbours and another enclave
 * carry on.
 */
static void test_tamper(void **state)
{
	struct drvt_encl e2;
	struct sgx_encl_page *p;
	struct drvt_touch t;
	struct fx f;
	uint64_t i, off;
	uint8_t *slot;
	int fd;

	(void)state;
	setup(&f, 64, 0x40000, 40, true);
	build_encl(&f.d, &e2, 0x40000, 40, true);
	for (i = 0x4000; i <= 0x7000; i += 0x1000) {
		evict(&f.d, &f.e, i);
		evict(&f.d, &e2, i);
	}
	fd = open_backing(&f.e);
	/* The blob of page 4, the PCMD (its MAC) of page 5. */
	flip_byte(fd, 0x4000 + 100);
	off = sgx_encl_pcmd_offset(f.e.f->encl, 5) + offsetof(struct sgx_pcmd, mac);
	flip_byte(fd, off);
	close(fd);
	/* The version in page 6's VA slot, through the PRM view. */
	p = entry_at(&f.e, 0x6000);
	slot = (uint8_t *)sgx_get_epc_virt_addr(f.d.drv, p->va_page->epc_page) +
	       (p->desc & SGX_ENCL_PAGE_VA_OFFSET_MASK);
	*(uint64_t *)(void *)slot ^= 1;

	for (i = 0x4000; i <= 0x6000; i += 0x1000) {
		t = touch(&f, i, HW_ACC_READ, 0);
		assert_int_equal(t.res, SGX_FAULT_SIGBUS);
		t = touch(&f, i, HW_ACC_WRITE, 0);
		assert_int_equal(t.res, SGX_FAULT_SIGBUS);      /* and stays so */
		assert_false(resident(&f.e, i));
	}
	assert_int_equal(stats(&f.d).eldu_failures, 6);
	t = touch(&f, 0x7008, HW_ACC_READ, 0);
	assert_int_equal(t.res, SGX_FAULT_HANDLED);
	assert_int_equal(t.value, 0x2727272727272727ull);
	for (i = 0x4000; i <= 0x7000; i += 0x1000) {
		t = drvt_touch((uint8_t *)(uintptr_t)e2.base + i + 8, HW_ACC_READ, 0);
		assert_int_equal(t.res, SGX_FAULT_HANDLED);
		assert_int_equal(t.value, 0x0101010101010101ull * (uint8_t)(0x22 + i / 0x1000 - 2));
	}
	drvt_close(&e2);
	done(&f);
}

/* ---- teardown --------------------------------------------------------------------- */

/* Releasing an enclave with pages out (its SECS too): every EPC page back. */
static void test_release_evicted(void **state)
{
	struct hw_stats hst;
	struct fx f;
	uint64_t i;

	(void)state;
	setup(&f, 48, 0x80000, 80, true);
	for (i = 0; i < 200 && atomic_load(&f.d.drv->nr_active); i++)
		(void)sgx_reclaim_pages(f.d.drv);
	assert_null(f.e.f->encl->secs.epc_page);
	/* The EPC full of someone else's pages: the release still gets its SECS back. */
	{
		struct sgx_epc_page *p;

		while (!sgx_alloc_epc_page(f.d.drv, NULL, false, NULL, &p))
			;
		drvt_fault_uninstall();
		drvt_close(&f.e);
		for (i = 0; i < f.d.drv->nr_epc_pages; i++)
			if (!(f.d.drv->epc_pages[i].flags & SGX_EPC_PAGE_IS_FREE) &&
			    !f.d.drv->epc_pages[i].owner)
				sgx_free_epc_page(f.d.drv, &f.d.drv->epc_pages[i]);
	}
	hw_stats_read(f.d.t.hw, &hst);
	assert_int_equal(hst.enclaves, 1);      /* could not come back to be removed */
	drvt_teardown(&f.d);

	/* Again with room: nothing of the enclave is left anywhere. */
	setup(&f, 48, 0x80000, 80, true);
	for (i = 0; i < 200 && atomic_load(&f.d.drv->nr_active); i++)
		(void)sgx_reclaim_pages(f.d.drv);
	drvt_fault_uninstall();
	drvt_close(&f.e);
	hw_stats_read(f.d.t.hw, &hst);
	assert_int_equal(hst.enclaves, 0);
	assert_int_equal(hst.epcm_valid, 0);
	assert_int_equal(stats(&f.d).backing_bytes, 0);
	assert_int_equal(free_pages(&f.d), f.d.drv->nr_epc_pages);
	drvt_teardown(&f.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evict_reload),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_epcm_state_survives),
		cmocka_unit_test(test_kick),
		cmocka_unit_test(test_stuck_without_kick),
		cmocka_unit_test(test_eaug),
		cmocka_unit_test(test_backing_pcmd),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_release_evicted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
