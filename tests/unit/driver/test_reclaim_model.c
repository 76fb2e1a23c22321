// SPDX-License-Identifier: MIT
/*
 * The reclaimer against a deliberately naive reference model (STYLE.md
 * "Tests"; WireGuard's "horrible" allowedips): plain arrays, no locks, no
 * threads, the rules of reference §3-§4 written out the simplest way -
 * an LRU array, a young bit per page, passes of 16 with second chances,
 * the SECS out after its last child, ELDU/EAUG needing a free page or the
 * fault retries, direct reclaim in ADD_PAGES and the SGX2 ioctls.
 *
 * The same seeded random sequence of ADD_PAGES, touches through the real
 * mapping (SIGSEGV -> sgx_encl_fault), reclaim passes, EAUG, EMODPR,
 * EMODT to TRIM, EACCEPT (a logical processor inside) and REMOVE_PAGES
 * drives the real driver (manual_reclaim: no ksgxd) and the model; after
 * every step the two must agree on each page's residency, EPCM state,
 * mapping and accessed bit and contents, on the SECS, the free pages, the
 * order of the active list and the EWB/ELDU/EAUG counts.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "drv_test_util.h"
#include "encl.h"
#include "encls.h"
#include "lp.h"

#define EPC_PAGES   40
#define LOW         4
#define HIGH        8
#define ESIZE       0x40000ull
#define NPAGES      (ESIZE / SGX_PAGE_SIZE)
#define NENCL       2
#define NSEEDS      24
#define NOPS        260
#define SI_PAGE     2                   /* SECINFO for EACCEPT lives here */
#define RSV         SGX_ENCL_RESERVE_ENTRIES
#define AEP         0x1000ull

#define R   SGX_SECINFO_R
#define W   SGX_SECINFO_W
#define REG SGX_SECINFO_REG

/* ---- the model -------------------------------------------------------------- */

enum mstate { ABSENT, RESIDENT, EVICTED };

struct mpage {
	enum mstate state;
	uint8_t type;                   /* SGX_PT_* */
	uint8_t perm;                   /* EPCM R/W/X */
	bool pending, modified, pr;
	bool present, young;
	uint8_t prot;                   /* of the mapping while present */
	uint64_t value;                 /* the 8 bytes at offset 0 */
};

struct mencl {
	struct mpage p[NPAGES];
	bool secs_resident, init;
	unsigned int rsv;
	bool refill_wanted;
};

struct lru_item {
	uint8_t e;
	uint16_t page;
};

static struct model {
	struct mencl e[NENCL];
	struct lru_item lru[EPC_PAGES];
	unsigned int nlru;
	uint64_t free;
	uint64_t ewb, eldu, eaug;
} m;

/* What the sequences exercised, over all seeds (printed, and some asserted). */
static struct {
	uint64_t ewb, eldu, eaug, retries, accepts, removes, secs_out, reports, sigbus;
} seen;

static unsigned int epcm_prot(const struct mpage *p)
{
	if (p->type != SGX_PT_REG || p->pending || p->modified)
		return 0;
	return p->perm;
}

static void lru_add(unsigned int e, unsigned int page)
{
	assert_true(m.nlru < EPC_PAGES);
	m.lru[m.nlru++] = (struct lru_item){ (uint8_t)e, (uint16_t)page };
}

static void lru_del(unsigned int e, unsigned int page)
{
	unsigned int i;

	for (i = 0; i < m.nlru; i++) {
		if (m.lru[i].e == e && m.lru[i].page == page) {
			memmove(&m.lru[i], &m.lru[i + 1], (m.nlru - i - 1) * sizeof(m.lru[0]));
			m.nlru--;
			return;
		}
	}
	fail_msg("model: page %u:%u not on the LRU", e, page);
}

static unsigned int resident_children(unsigned int e)
{
	unsigned int i, n = 0;

	for (i = 0; i < NPAGES; i++)
		n += m.e[e].p[i].state == RESIDENT;
	return n;
}

/* One reclaim pass. */
static void m_pass(void)
{
	struct lru_item batch[16];
	bool out[16] = { false };
	unsigned int n = 0, i, j;

	while (n < 16 && m.nlru) {
		batch[n++] = m.lru[0];
		memmove(&m.lru[0], &m.lru[1], (m.nlru - 1) * sizeof(m.lru[0]));
		m.nlru--;
	}
	for (i = 0; i < n; i++) {
		struct mpage *p = &m.e[batch[i].e].p[batch[i].page];

		if (p->young) {
			p->young = p->present = false;
			lru_add(batch[i].e, batch[i].page);
		} else {
			out[i] = true;
		}
	}
	/* Per enclave, in the order of first appearance. */
	for (i = 0; i < n; i++) {
		unsigned int e = batch[i].e;

		if (!out[i])
			continue;
		for (j = i; j < n; j++) {
			struct mpage *p = &m.e[e].p[batch[j].page];

			if (!out[j] || batch[j].e != e)
				continue;
			out[j] = false;
			p->state = EVICTED;
			p->present = p->young = false;
			m.free++;
			m.ewb++;
		}
		if (m.e[e].init && m.e[e].secs_resident && !resident_children(e)) {
			seen.secs_out++;
			m.e[e].secs_resident = false;
			m.free++;
			m.ewb++;
		}
	}
}

/* sgx_ksgxd_step(): refills asked for, then a pass below the high watermark. */
static void m_step(void)
{
	unsigned int e;

	for (e = 0; e < NENCL; e++) {
		if (m.e[e].refill_wanted) {
			m.e[e].rsv = RSV;
			m.e[e].refill_wanted = false;
		}
	}
	if (m.free < HIGH && m.nlru)
		m_pass();
}

/* A free page with direct reclaim (ADD_PAGES, CREATE). */
static void m_alloc_reclaim(void)
{
	while (!m.free) {
		assert_true(m.nlru);
		m_pass();
	}
	m.free--;
}

/* Load for the fault path: false (RETRY) when no page is free. */
static bool m_load(unsigned int e, unsigned int page)
{
	struct mpage *p = &m.e[e].p[page];

	if (!m.e[e].secs_resident) {
		if (!m.free)
			return false;
		m.free--;
		m.eldu++;
		m.e[e].secs_resident = true;
	}
	if (p->state == EVICTED) {
		if (!m.free)
			return false;
		m.free--;
		m.eldu++;
		p->state = RESIDENT;
		lru_add(e, page);
	}
	return true;
}

static void m_install(struct mpage *p)
{
	p->present = p->young = true;
	p->prot = (uint8_t)((PROT_READ | PROT_WRITE) & epcm_prot(p));
}

/*
 * The outcome of an access: SGX_FAULT_HANDLED (and *@faulted), RETRY (the
 * model changed as far as it got), REPORT with *@code, SIGBUS.
 */
static enum sgx_fault_result m_access(unsigned int e, unsigned int page, bool write,
				      uint32_t *code, bool *faulted)
{
	struct mpage *p = &m.e[e].p[page];
	unsigned int need = write ? PROT_WRITE : PROT_READ;

	*faulted = true;
	if (p->state == RESIDENT && p->present && (p->prot & need) == need) {
		*faulted = false;
		return SGX_FAULT_HANDLED;
	}
	if (p->state == ABSENT) {
		if (!m.e[e].init)
			return SGX_FAULT_SIGBUS;
		if (!m.e[e].rsv) {
			m.e[e].refill_wanted = true;
			return SGX_FAULT_RETRY;
		}
		if (!m_load(e, page) || !m.free)
			return SGX_FAULT_RETRY;
		m.free--;
		m.eaug++;
		*p = (struct mpage){ .state = RESIDENT, .type = SGX_PT_REG, .perm = R | W,
				     .pending = true };
		if (--m.e[e].rsv < RSV / 2)
			m.e[e].refill_wanted = true;
		lru_add(e, page);
	} else if (!m_load(e, page)) {
		return SGX_FAULT_RETRY;
	}
	m_install(p);
	if ((epcm_prot(p) & need) != need) {
		*code = X86_PF_USER | X86_PF_PROT | X86_PF_SGX | (write ? X86_PF_WRITE : 0);
		return SGX_FAULT_REPORT;
	}
	return SGX_FAULT_HANDLED;
}

/* sgx_encl_fault_walk() of a page that exists: load and map, no EPCM check. */
static bool m_walk(unsigned int e, unsigned int page)
{
	if (!m_load(e, page))
		return false;
	m_install(&m.e[e].p[page]);
	return true;
}

/* ---- the real side ------------------------------------------------------------ */

static struct drvt d;
static struct drvt_encl encls[NENCL];
static sigjmp_buf env;
static volatile struct { enum sgx_fault_result res; uint32_t code; unsigned int faults; } last;

static void segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned int access = (uc->uc_mcontext.gregs[REG_ERR] & X86_PF_WRITE) ? HW_ACC_WRITE :
									       HW_ACC_READ;
	uint32_t code = 0;

	(void)sig;
	last.faults++;
	last.res = sgx_encl_fault(d.drv, (uint64_t)(uintptr_t)si->si_addr, access, &code);
	last.code = code;
	if (last.res == SGX_FAULT_HANDLED && last.faults < 8)
		return;
	siglongjmp(env, 1);
}

/* One access through the mapping; RETRY comes back as such (no step here). */
static enum sgx_fault_result r_access(unsigned int e, unsigned int page, bool write,
				      uint64_t val, uint32_t *code, bool *faulted, uint64_t *out)
{
	volatile uint64_t *a = (volatile uint64_t *)(uintptr_t)(encls[e].base + page * SGX_PAGE_SIZE);

	last.faults = 0;
	last.res = SGX_FAULT_HANDLED;
	if (!sigsetjmp(env, 1)) {
		if (write)
			*a = val;
		else
			*out = *a;
	}
	*faulted = last.faults > 0;
	*code = last.code;
	return last.res;
}

static struct sgx_encl_page *r_entry(unsigned int e, unsigned int page)
{
	return sgx_encl_lookup(encls[e].f->encl, encls[e].base + page * SGX_PAGE_SIZE);
}

/* ---- comparison ----------------------------------------------------------------- */

static unsigned int seed, step, built;

#define DIVERGE(...) do { \
	char msg_[256]; \
	snprintf(msg_, sizeof(msg_), __VA_ARGS__); \
	fail_msg("seed %u step %u: %s", seed, step, msg_); \
} while (0)

static void compare(void)
{
	struct sgx_driver_stats st;
	struct sgx_driver *drv = d.drv;
	unsigned int e, i, n = 0;
	uint32_t at;

	for (e = 0; e < built; e++) {
		struct sgx_encl *encl = encls[e].f->encl;

		if (!!encl->secs.epc_page != m.e[e].secs_resident)
			DIVERGE("enclave %u: SECS resident %d, model %d", e, !!encl->secs.epc_page,
				m.e[e].secs_resident);
		for (i = 0; i < NPAGES; i++) {
			struct sgx_encl_page *p = r_entry(e, i);
			struct mpage *mp = &m.e[e].p[i];
			enum mstate st_ = !p ? ABSENT : p->epc_page ? RESIDENT : EVICTED;
			struct hw_epcm_info info;
			uint64_t v;

			if (st_ != mp->state)
				DIVERGE("page %u:%u state %d, model %d", e, i, st_, mp->state);
			if (st_ != RESIDENT)
				continue;
			if (!!(p->pte & SGX_PTE_PRESENT) != mp->present ||
			    !!(p->pte & SGX_PTE_YOUNG) != mp->young ||
			    (mp->present && (p->pte & SGX_PTE_PROT_MASK) != mp->prot))
				DIVERGE("page %u:%u pte %#x, model present %d young %d prot %#x", e, i,
					p->pte, mp->present, mp->young, mp->prot);
			assert_int_equal(hw_epcm_read(drv->hw, sgx_epc_index(drv, p->epc_page), &info), 0);
			if (info.page_type != mp->type || info.perm != mp->perm ||
			    info.pending != mp->pending || info.modified != mp->modified ||
			    info.pr != mp->pr || info.blocked)
				DIVERGE("page %u:%u EPCM type %u perm %u P%d M%d PR%d B%d, model %u %u %d %d %d",
					e, i, info.page_type, info.perm, info.pending, info.modified,
					info.pr, info.blocked, mp->type, mp->perm, mp->pending,
					mp->modified, mp->pr);
			memcpy(&v, sgx_get_epc_virt_addr(drv, p->epc_page), sizeof(v));
			if (v != mp->value)
				DIVERGE("page %u:%u holds %#llx, model %#llx", e, i,
					(unsigned long long)v, (unsigned long long)mp->value);
		}
	}
	if (atomic_load(&drv->nr_free_pages) != m.free)
		DIVERGE("%llu free pages, model %llu",
			(unsigned long long)atomic_load(&drv->nr_free_pages), (unsigned long long)m.free);
	for (at = drv->active_head; at != SGX_EPC_NONE; at = drv->epc_pages[at].lru_next, n++) {
		struct sgx_encl_page *p = drv->epc_pages[at].owner;
		unsigned int pe = p->encl == encls[0].f->encl ? 0 : 1;
		unsigned int pi = (unsigned int)((sgx_encl_page_addr(p) - encls[pe].base) >> SGX_PAGE_SHIFT);

		if (n >= m.nlru || m.lru[n].e != pe || m.lru[n].page != pi)
			DIVERGE("LRU position %u: %u:%u, model %u:%u", n, pe, pi,
				n < m.nlru ? m.lru[n].e : 9, n < m.nlru ? m.lru[n].page : 999);
	}
	if (n != m.nlru)
		DIVERGE("LRU of %u pages, model %u", n, m.nlru);
	sgx_driver_stats(drv, &st);
	if (st.ewb != m.ewb || st.eldu != m.eldu || st.eaug != m.eaug)
		DIVERGE("EWB/ELDU/EAUG %llu/%llu/%llu, model %llu/%llu/%llu",
			(unsigned long long)st.ewb, (unsigned long long)st.eldu,
			(unsigned long long)st.eaug, (unsigned long long)m.ewb,
			(unsigned long long)m.eldu, (unsigned long long)m.eaug);
}

/* ---- operations on both --------------------------------------------------------- */

static uint64_t rnd_state;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned int)((rnd_state >> 33) % n);
}

static void both_pass(void)
{
	(void)sgx_reclaim_pages(d.drv);
	m_pass();
}

static void both_step(void)
{
	(void)sgx_ksgxd_step(d.drv);
	m_step();
}

static uint64_t fill_value(unsigned int page)
{
	return 0x0101010101010101ull * (uint8_t)(0x40 + page);
}

/* ADD_PAGES of @n pages at @page (all absent), REG RW. */
static void op_add(unsigned int e, unsigned int page, unsigned int n, uint64_t flags,
		   const void *content)
{
	unsigned int i;

	assert_int_equal(drvt_add(&encls[e], page * SGX_PAGE_SIZE, n, flags, (uint8_t)(0x40 + page),
				  content, true, NULL), 0);
	for (i = 0; i < n; i++) {
		struct mpage *p = &m.e[e].p[page + i];

		m_alloc_reclaim();
		*p = (struct mpage){ .state = RESIDENT, .type = SGX_PT_REG,
				     .perm = (uint8_t)(flags & 7), .value = fill_value(page + i) };
		if ((flags & SGX_SECINFO_PAGE_TYPE_MASK) == SGX_SECINFO_TCS) {
			p->type = SGX_PT_TCS;
			p->perm = 0;
			memcpy(&p->value, content, sizeof(p->value));
		}
		lru_add(e, page + i);
	}
}

/* A touch (read or write) of @page, with steps while it retries. */
static void op_touch(unsigned int e, unsigned int page, bool write)
{
	enum sgx_fault_result rr, mr;
	uint32_t rc = 0, mc = 0;
	bool rf, mf;
	uint64_t val = ((uint64_t)seed << 40) | ((uint64_t)step << 12) | page, out = 0;
	unsigned int tries;

	for (tries = 0; tries < 50; tries++) {
		rr = r_access(e, page, write, val, &rc, &rf, &out);
		mr = m_access(e, page, write, &mc, &mf);
		if (rr != mr || rf != mf || (rr == SGX_FAULT_REPORT && rc != mc))
			DIVERGE("touch %u:%u %s: result %d code %#x faulted %d, model %d %#x %d", e, page,
				write ? "write" : "read", rr, rc, rf, mr, mc, mf);
		if (rr != SGX_FAULT_RETRY)
			break;
		seen.retries++;
		both_step();
	}
	assert_true(tries < 50);
	seen.reports += rr == SGX_FAULT_REPORT;
	seen.sigbus += rr == SGX_FAULT_SIGBUS;
	if (rr != SGX_FAULT_HANDLED)
		return;
	if (write)
		m.e[e].p[page].value = val;
	else if (out != m.e[e].p[page].value)
		DIVERGE("read %u:%u: %#llx, model %#llx", e, page, (unsigned long long)out,
			(unsigned long long)m.e[e].p[page].value);
}

/* Make TCS, SSA, the SECINFO page and @page present for an LP, as the runtime would. */
static bool prepare_lp(unsigned int e, unsigned int page)
{
	const unsigned int pages[4] = { 0, 1, SI_PAGE, page };
	unsigned int tries, i, k;
	uint32_t code;

	for (tries = 0; tries < 20; tries++) {
		for (i = 0; i < 4; i++) {
			for (k = 0; k < 50; k++) {
				enum sgx_fault_result rr = sgx_encl_fault_walk(d.drv,
					encls[e].base + pages[i] * SGX_PAGE_SIZE, HW_ACC_READ, &code);
				bool ok = m_walk(e, pages[i]);

				if ((rr == SGX_FAULT_HANDLED) != ok || (!ok && rr != SGX_FAULT_RETRY))
					DIVERGE("walk %u:%u: %d, model %d", e, pages[i], rr, ok);
				if (ok)
					break;
				both_step();
			}
		}
		for (i = 0, k = 0; i < 4; i++)
			k += m.e[e].p[pages[i]].present;
		if (k == 4)
			return true;
	}
	return false;
}

/* EACCEPT(@flags) of @page by an LP entering on the enclave's TCS. */
static unsigned int op_eaccept(unsigned int e, unsigned int page, uint64_t flags)
{
	struct sgx_secinfo *si;
	struct hw_enter in;
	struct hw_lp lp;
	unsigned int ret;
	uint64_t rcx;

	if (!prepare_lp(e, page))
		return ~0u;
	compare();
	si = sgx_get_epc_virt_addr(d.drv, r_entry(e, SI_PAGE)->epc_page);
	memset(si, 0, sizeof(*si));
	si->flags = flags;
	m.e[e].p[SI_PAGE].value = flags;
	hw_lp_init(&lp, d.t.hw, sgx_translate, d.drv);
	assert_int_equal(enclu_eenter(&lp, encls[e].base, AEP, 0, 0, &in), 0);
	ret = enclu_eaccept(&lp, encls[e].base + SI_PAGE * SGX_PAGE_SIZE,
			    encls[e].base + page * SGX_PAGE_SIZE);
	assert_int_equal(enclu_eexit(&lp, &rcx), 0);
	seen.accepts += ret == 0;
	return ret;
}

/* Room for the SGX2 ioctls: above the low watermark, so no direct reclaim. */
static bool room(void)
{
	unsigned int i;

	for (i = 0; i < 20 && m.free < LOW; i++)
		both_pass();
	return m.free >= LOW;
}

/* The SGX2 ioctls load the page they work on (SECS first), not mapped. */
static void m_ioctl_load(unsigned int e, unsigned int page)
{
	struct mpage *p = &m.e[e].p[page];

	if (!m.e[e].secs_resident) {
		m.free--;
		m.eldu++;
		m.e[e].secs_resident = true;
	}
	if (p->state == EVICTED) {
		m.free--;
		m.eldu++;
		p->state = RESIDENT;
		lru_add(e, page);
	}
}

static bool modifiable(const struct mpage *p)
{
	return p->state != ABSENT && p->type == SGX_PT_REG && !p->pending && !p->modified && !p->pr;
}

static void op_restrict(unsigned int e, unsigned int page)
{
	struct sgx_enclave_restrict_permissions a = { page * SGX_PAGE_SIZE, SGX_PAGE_SIZE, R, 0, 0 };
	struct mpage *p = &m.e[e].p[page];

	if (!modifiable(p) || page == SI_PAGE || !room())
		return;
	assert_int_equal(drvt_ioctl(&encls[e], SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &a), 0);
	m_ioctl_load(e, page);
	p->perm = R;
	p->pr = true;
	p->prot &= PROT_READ;
	compare();
	if (op_eaccept(e, page, R | REG | SGX_SECINFO_PR) == 0)
		p->pr = false;
}

static void op_trim(unsigned int e, unsigned int page, bool accept, bool remove)
{
	struct sgx_enclave_modify_types a = { page * SGX_PAGE_SIZE, SGX_PAGE_SIZE, SGX_PT_TRIM, 0, 0 };
	struct sgx_enclave_remove_pages rm = { page * SGX_PAGE_SIZE, SGX_PAGE_SIZE, 0 };
	struct mpage *p = &m.e[e].p[page];

	if (!modifiable(p) || page == SI_PAGE || !room())
		return;
	assert_int_equal(drvt_ioctl(&encls[e], SGX_IOC_ENCLAVE_MODIFY_TYPES, &a), 0);
	m_ioctl_load(e, page);
	p->type = SGX_PT_TRIM;
	p->perm = 0;                    /* EMODT clears R/W/X */
	p->modified = true;
	p->prot = 0;
	compare();
	if (!accept)
		return;
	assert_int_equal(op_eaccept(e, page, SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED), 0);
	p->modified = false;
	compare();
	if (!remove || !room())
		return;
	assert_int_equal(drvt_ioctl(&encls[e], SGX_IOC_ENCLAVE_REMOVE_PAGES, &rm), 0);
	if (p->state == EVICTED)
		m_ioctl_load(e, page);
	lru_del(e, page);
	m.free++;
	seen.removes++;
	*p = (struct mpage){ .state = ABSENT };
}

static void op_accept_pending(unsigned int e, unsigned int page)
{
	struct mpage *p = &m.e[e].p[page];

	if (p->state == ABSENT || !p->pending)
		return;
	assert_int_equal(op_eaccept(e, page, R | W | REG | SGX_SECINFO_PENDING), 0);
	p->pending = false;
	p->value = 0;
}

/* ---- one seed ------------------------------------------------------------------- */

static void run_seed(void)
{
	static uint8_t tcs[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	struct sgx_driver_config dc = { .low_pages = LOW, .high_pages = HIGH, .manual_reclaim = true };
	struct sigaction sa, old;
	struct hw_config cfg;
	unsigned int e, i;

	memset(&m, 0, sizeof(m));
	rnd_state = seed * 0x2545f4914f6cdd1dull + 1;
	hw_config_default(&cfg);
	cfg.epc_size = EPC_PAGES * SGX_PAGE_SIZE;
	drvt_setup_drv(&d, &cfg, &dc);
	m.free = EPC_PAGES;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	hwt_tcs_init((struct sgx_tcs *)tcs, 0x1000, 1, 0x2000);

	/* Build: CREATE (a VA page, the SECS), TCS, SSA, SECINFO page, then random. */
	step = 0;
	for (e = 0; e < NENCL; e++) {
		built = e + 1;
		drvt_encl(&d, &encls[e], ESIZE, 0);
		m_alloc_reclaim();
		m_alloc_reclaim();
		m.e[e].secs_resident = true;
		op_add(e, 0, 1, SGX_SECINFO_TCS, tcs);
		op_add(e, 1, 2, REG | R | W, NULL);
		assert_int_equal(drvt_mmap(&encls[e], 0, ESIZE, PROT_READ | PROT_WRITE),
				 (intptr_t)encls[e].base);
		m.e[e].rsv = RSV;
		compare();
	}
	for (step = 1; step < NOPS / 3; step++) {
		unsigned int page = 3 + rnd(NPAGES - 3), n = 1 + rnd(4);

		e = rnd(NENCL);
		switch (rnd(4)) {
		case 0:
		case 1:
			for (i = 0; i < n && page + i < NPAGES && m.e[e].p[page + i].state == ABSENT; i++)
				;
			if (i)
				op_add(e, page, i, REG | R | W, NULL);
			break;
		case 2:
			if (m.e[e].p[page].state != ABSENT)
				op_touch(e, page, rnd(2));
			break;
		case 3:
			both_pass();
			break;
		}
		compare();
	}
	for (e = 0; e < NENCL; e++) {
		assert_int_equal(drvt_init(&encls[e]), 0);
		m.e[e].init = true;
	}
	for (; step < NOPS; step++) {
		unsigned int page = 3 + rnd(NPAGES - 3);

		e = rnd(NENCL);
		switch (rnd(12)) {
		case 0: case 1: case 2: case 3: case 4:
			op_touch(e, page, rnd(2));
			break;
		case 5:
			both_pass();
			break;
		case 6:
			both_step();
			break;
		case 7:
			op_trim(e, page, rnd(2), rnd(3) != 0);
			break;
		case 8:
			op_restrict(e, page);
			break;
		case 9:
			op_accept_pending(e, page);
			break;
		case 10:
			/* Everything out: the SECS goes too. */
			for (i = 0; i < 10; i++)
				both_pass();
			break;
		case 11:
			/* A burst of touches: the EPC runs dry, faults retry. */
			for (i = 0; i < 24; i++) {
				op_touch(e, 3 + rnd(NPAGES - 3), rnd(2));
				compare();
			}
			break;
		}
		compare();
	}
	seen.ewb += m.ewb;
	seen.eldu += m.eldu;
	seen.eaug += m.eaug;
	for (e = 0; e < NENCL; e++)
		drvt_close(&encls[e]);
	(void)sgx_ksgxd_step(d.drv);        /* queued refills hold references */
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
	drvt_teardown(&d);
}

static void test_model(void **state)
{
	(void)state;
	for (seed = 1; seed <= NSEEDS; seed++)
		run_seed();
	printf("model: %d seeds x %d steps: %llu EWB, %llu ELDU, %llu EAUG, %llu SECS out, "
	       "%llu retries, %llu EACCEPT, %llu removed, %llu #PF reported, %llu SIGBUS\n",
	       NSEEDS, NOPS, (unsigned long long)seen.ewb, (unsigned long long)seen.eldu,
	       (unsigned long long)seen.eaug, (unsigned long long)seen.secs_out,
	       (unsigned long long)seen.retries, (unsigned long long)seen.accepts,
	       (unsigned long long)seen.removes, (unsigned long long)seen.reports,
	       (unsigned long long)seen.sigbus);
	/* The sequences reach every path the model knows. */
	assert_true(seen.eaug && seen.secs_out && seen.retries && seen.accepts && seen.removes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
