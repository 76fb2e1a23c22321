// SPDX-License-Identifier: MIT
/*
 * The EPC reclaimer (the kernel's ksgxd and sgx_reclaim_pages(), main.c
 * and encl.c): one global LRU (the active list), passes of
 * SGX_NR_TO_SCAN pages, a thread woken when free pages drop below the low
 * watermark that reclaims until they are above the high one, and direct
 * reclaim in the allocation paths that may block.
 *
 * A pass (reference §3.4):
 *  1. under reclaimer_lock, isolate up to 16 pages off the head of the
 *     active list, each with a reference on its enclave (a dying
 *     enclave's page is dropped from the list and left to the release);
 *  2. per page, under its enclave's lock: age it (below); zap its mapping;
 *     EBLOCK; mark it BEING_RECLAIMED, which makes the fault handler and
 *     the ioctls back off (-EBUSY: retry / -EAGAIN) until it is out;
 *  3. per enclave, under its lock: EWB each page into its backing and a VA
 *     slot; on SGX_NOT_TRACKED, ETRACK and EWB again; still not tracked
 *     (a logical processor that was inside at the ETRACK is still there):
 *     drop the lock, kick every logical processor out of the enclave (the
 *     runtime's hook, our IPI), and EWB again, at most twice. Written
 *     back: the EPC page is freed, and once the last child of an
 *     initialized enclave is out, the SECS follows. A page that still
 *     cannot be written (no kick hook, or a thread that stays inside) goes
 *     back to the list blocked ("stuck"): faults on it retry and wake
 *     ksgxd, which tries such pages again, as does any pass that reaches
 *     them - never a busy loop, never a leak.
 * ENCLS work and I/O run under the enclave lock only, never under a leaf
 * lock (STYLE.md "Locking"); the kick runs with no driver lock held.
 *
 * Aging. The kernel tests and clears the Accessed bit of each PTE mapping
 * the page (sgx_encl_test_and_clear_young()). A process cannot read its
 * own PTE accessed bits without privileges (/proc/self/pagemap shows
 * presence and soft-dirty, not Accessed; idle page tracking needs root),
 * so the bit is kept in software: SGX_PTE_YOUNG is set whenever the fault
 * handler maps the page or the logical processor's page walk resolves it.
 * A pass that finds a page young clears the bit, zaps the mapping (an
 * anonymous PROT_NONE page over it) and moves it to the tail: it gets a
 * second chance, and the next access to it faults, maps it again and
 * marks it young - real information that the page was used since the
 * last scan, not a guess. A page scanned while not young was not touched
 * since the last pass zapped it (or since it was loaded without being
 * mapped), so it is evicted, and its zap costs nothing: it is not mapped.
 *
 * Cost, measured by `make bench` (aging_*, 2-vCPU KVM guest): clearing a
 * young page is one mmap() over it, 3.4 us (the floor, one anonymous
 * mmap(MAP_FIXED), 2.9 us); if the page is used again, the refault costs
 * a SIGSEGV round trip and one mmap to map it back, 7.4-8.0 us (floor
 * 7.1-8.3 us; no ELDU: the page is still resident). So a page in active
 * use pays about 11 us each time the clock hand reaches it, and only under
 * EPC pressure (passes run only below the watermarks); pages not in use
 * pay nothing, and their eviction then needs no zap. Zapping splits the
 * merged VMAs of neighbouring pages, which mapping them again merges back.
 *
 * Measured and not taken: MADV_DONTNEED on the page's EPC mapping (the
 * VMA stays) and the "present" bit of /proc/self/pagemap as the accessed
 * bit. Clearing costs 1.1 us, a refault is a kernel minor fault (0.9 us,
 * no signal), reading the bits 28 ns a page - about 5x cheaper for pages
 * in active use. But a read fault maps 16 neighbouring pages at once
 * (fault-around on shmem), so one access makes its neighbours look used;
 * every eviction then needs a zap (2.5-3.4 us); and the bits depend on
 * the kernel's fault-around policy, which the reference model of the
 * tests cannot mirror. Worth revisiting if aging shows up in profiles.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "encl.h"
#include "encls.h"

/* Rounds of EWB: the first, after one kick, after a second. */
#define SGX_EWB_ROUNDS 3

/* ---- waking ksgxd ------------------------------------------------------- */

static long futex(_Atomic uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

void sgx_wake_ksgxd(struct sgx_driver *drv, unsigned int work)
{
	if (work)
		atomic_fetch_or_explicit(&drv->ksgxd_work, work, memory_order_seq_cst);
	atomic_fetch_add_explicit(&drv->ksgxd_seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&drv->ksgxd_sleeping, memory_order_seq_cst))
		(void)futex(&drv->ksgxd_seq, FUTEX_WAKE_PRIVATE, 1);
}

bool sgx_should_reclaim(struct sgx_driver *drv, uint64_t watermark)
{
	return atomic_load_explicit(&drv->nr_free_pages, memory_order_relaxed) < watermark &&
	       atomic_load_explicit(&drv->nr_active, memory_order_relaxed);
}

void sgx_driver_set_kick(struct sgx_driver *drv, sgx_kick_fn fn, void *ctx)
{
	sgx_mutex_lock(&drv->ksgxd_lock);
	drv->kick = fn;
	drv->kick_ctx = ctx;
	sgx_mutex_unlock(&drv->ksgxd_lock);
	/* Calls of the previous hook still running finish first. */
	while (atomic_load_explicit(&drv->kick_users, memory_order_acquire))
		sched_yield();
}

/* ---- one pass ------------------------------------------------------------ */

struct victim {
	struct sgx_encl_page *entry;
	struct sgx_epc_page *epc;
	bool pending;                   /* blocked, to be written back */
	bool done;                      /* handled (freed, or back on the list) */
	bool freed;                     /* written back and freed */
};

/*
 * Step 1: isolate. @stuck_only: only pages a previous pass left blocked,
 * wherever they are on the list (a retry asked for by a fault on one of
 * them, without EPC pressure). Return: pages isolated.
 */
static unsigned int isolate(struct sgx_driver *drv, struct victim *v, bool stuck_only)
{
	uint32_t at = SGX_EPC_NONE;
	unsigned int n = 0;

	sgx_mutex_lock(&drv->reclaimer_lock);
	sgx_lru_drain_pending_locked(drv);
	if (stuck_only)
		at = drv->active_head;
	while (n < SGX_NR_TO_SCAN) {
		struct sgx_epc_page *epc;
		struct sgx_encl_page *entry;

		if (stuck_only) {
			while (at != SGX_EPC_NONE && !(drv->epc_pages[at].flags & SGX_EPC_PAGE_STUCK))
				at = drv->epc_pages[at].lru_next;
			if (at == SGX_EPC_NONE)
				break;
			epc = &drv->epc_pages[at];
			at = epc->lru_next;
			sgx_lru_del_locked(drv, epc);
		} else {
			epc = sgx_lru_pop_head_locked(drv);
			if (!epc)
				break;
		}
		epc->flags &= (uint16_t)~SGX_EPC_PAGE_STUCK;
		entry = epc->owner;
		if (!sgx_encl_get_unless_zero(entry->encl)) {
			/* Dying: the release frees it; it only must not be tracked. */
			epc->flags &= (uint16_t)~SGX_EPC_PAGE_RECLAIMER_TRACKED;
			atomic_fetch_sub_explicit(&drv->nr_active, 1, memory_order_relaxed);
			continue;
		}
		v[n++] = (struct victim){ .entry = entry, .epc = epc };
	}
	sgx_mutex_unlock(&drv->reclaimer_lock);
	return n;
}

/*
 * Put an isolated page back at the tail: a second chance, or blocked
 * ("stuck") to be tried again when the clock hand comes round - not at the
 * head, where pages of an enclave whose threads stay inside would hold up
 * every pass.
 */
static void put_back(struct sgx_driver *drv, struct victim *v, bool stuck)
{
	sgx_mutex_lock(&drv->reclaimer_lock);
	if (stuck)
		v->epc->flags |= SGX_EPC_PAGE_STUCK;
	sgx_lru_add_locked(drv, v->epc, false);
	sgx_mutex_unlock(&drv->reclaimer_lock);
	v->done = true;
}

/*
 * Step 2 for one page: age, zap, EBLOCK.
 * Context: the page's enclave lock held.
 */
static void age_and_block(struct sgx_driver *drv, struct victim *v)
{
	struct sgx_encl_page *entry = v->entry;
	struct sgx_encl *encl = entry->encl;
	unsigned int ret;

	sgx_assert_held(&encl->lock);
	SGXEMU_BUG_ON(entry->epc_page != v->epc);
	if (entry->pte & SGX_PTE_YOUNG) {
		/* Accessed since the last pass: a second chance, and watch it again. */
		(void)!sgx_zap_enclave_ptes(encl, sgx_encl_page_addr(entry));
		entry->pte &= (uint8_t)~SGX_PTE_YOUNG;
		sgx_stat_inc(&drv->st_aged);
		put_back(drv, v, false);
		return;
	}
	/* Nothing may keep mapping the page; if the zap fails, it stays. */
	if (sgx_encl_backing_prepare(encl) || sgx_zap_enclave_ptes(encl, sgx_encl_page_addr(entry))) {
		put_back(drv, v, false);
		return;
	}
	ret = encls_eblock(drv->hw, sgx_get_epc_virt_addr(drv, v->epc));
	/* SGX_BLKSTATE: blocked by an earlier pass that could not finish. */
	if (ret && ret != SGX_BLKSTATE) {
		/* Another leaf held the page (an enclave thread's EACCEPT): later. */
		put_back(drv, v, false);
		return;
	}
	entry->desc |= SGX_ENCL_PAGE_BEING_RECLAIMED;
	v->pending = true;
}

/*
 * The page is out: free its EPC page and, with the last child of an
 * initialized enclave, write the SECS out too.
 * Context: encl->lock held.
 */
static void written_back(struct sgx_driver *drv, struct victim *v)
{
	struct sgx_encl_page *entry = v->entry;
	struct sgx_encl *encl = entry->encl;

	entry->epc_page = NULL;
	entry->pte = 0;
	encl->secs_child_cnt--;
	sgx_stat_page(drv, entry->type, -1);
	sgx_mutex_lock(&drv->reclaimer_lock);
	v->epc->flags &= (uint16_t)~SGX_EPC_PAGE_RECLAIMER_TRACKED;
	atomic_fetch_sub_explicit(&drv->nr_active, 1, memory_order_relaxed);
	sgx_mutex_unlock(&drv->reclaimer_lock);
	sgx_free_epc_page(drv, v->epc);
	v->pending = false;
	v->done = true;
	v->freed = true;
}

/* Context: encl->lock held. Return: 1 if the SECS went out, else 0. */
static unsigned int evict_secs(struct sgx_driver *drv, struct sgx_encl *encl)
{
	struct sgx_epc_page *secs = encl->secs.epc_page;

	if (!secs || encl->secs_child_cnt || !sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED))
		return 0;
	if (sgx_encl_ewb(encl, secs, encl->size >> SGX_PAGE_SHIFT, &encl->secs.desc,
			 &encl->secs.va_page, NULL))
		return 0;       /* e.g. a child the driver does not know of: keep it */
	encl->secs.epc_page = NULL;
	sgx_stat_page(drv, SGX_PT_SECS, -1);
	sgx_free_epc_page(drv, secs);
	return 1;
}

/*
 * EWB every pending page of @encl in @v; Return: how many are still
 * SGX_NOT_TRACKED. Pages failing otherwise are put back stuck.
 * Context: encl->lock held.
 */
static unsigned int ewb_round(struct sgx_driver *drv, struct sgx_encl *encl, struct victim *v,
			      unsigned int n, struct sgx_ewb_batch *batch)
{
	unsigned int i, left = 0, ret;
	uint64_t index;

	for (i = 0; i < n; i++) {
		struct sgx_encl_page *entry = v[i].entry;

		if (!v[i].pending || entry->encl != encl)
			continue;
		index = (sgx_encl_page_addr(entry) - encl->base) >> SGX_PAGE_SHIFT;
		ret = sgx_encl_ewb(encl, v[i].epc, index, &entry->desc, &entry->va_page, batch);
		if (!ret) {
			written_back(drv, &v[i]);
		} else if (ret == SGX_NOT_TRACKED) {
			left++;
		} else if (ret == SGX_ENCL_EWB_BUSY) {
			/* ksgxd is punching its old backing: blocked, tried later. */
			v[i].pending = false;
			put_back(drv, &v[i], true);
		} else {
			/* A leaf conflict (#GP) or worse: blocked, retried later. */
			v[i].pending = false;
			put_back(drv, &v[i], true);
		}
	}
	/* Out of the EPC only once in the backing: before the lock goes. */
	if (batch)
		sgx_encl_backing_write(encl, batch);
	return left;
}

bool sgx_encl_kick(struct sgx_driver *drv, uint64_t secs_index)
{
	sgx_kick_fn fn;
	void *ctx;

	sgx_mutex_lock(&drv->ksgxd_lock);
	fn = drv->kick;
	ctx = drv->kick_ctx;
	if (fn)
		atomic_fetch_add_explicit(&drv->kick_users, 1, memory_order_relaxed);
	sgx_mutex_unlock(&drv->ksgxd_lock);
	if (!fn)
		return false;
	sgx_stat_inc(&drv->st_kicks);
	fn(ctx, secs_index);
	atomic_fetch_sub_explicit(&drv->kick_users, 1, memory_order_release);
	return true;
}

/*
 * Step 3 for the pages of @encl. Context: no lock held.
 * Return: SECS pages freed (0 or 1).
 */
static unsigned int write_back(struct sgx_driver *drv, struct sgx_encl *encl, struct victim *v,
			       unsigned int n, struct sgx_ewb_batch *batch)
{
	unsigned int round, left = 0, i, secs_freed = 0;
	bool tracked = false;
	uint64_t secs_index = 0;

	for (round = 0; round < SGX_EWB_ROUNDS; round++) {
		sgx_mutex_lock(&encl->lock);
		/* What the fault handler left to free, while we are here. */
		if (!round)
			sgx_encl_backing_flush(encl);
		left = ewb_round(drv, encl, v, n, batch);
		if (left && !tracked) {
			/* SGX_PREV_TRK_INCMPL or a conflict: kick, then again. */
			tracked = !encls_etrack(drv->hw,
						sgx_get_epc_virt_addr(drv, encl->secs.epc_page));
			if (tracked)
				left = ewb_round(drv, encl, v, n, batch);
		}
		if (!left)
			secs_freed = evict_secs(drv, encl);
		if (left)
			secs_index = sgx_epc_index(drv, encl->secs.epc_page);
		sgx_mutex_unlock(&encl->lock);
		if (!left || round + 1 == SGX_EWB_ROUNDS || !sgx_encl_kick(drv, secs_index))
			break;
	}
	/* Still pending: blocked, back on the list to be retried. */
	for (i = 0; i < n; i++) {
		if (v[i].pending && v[i].entry->encl == encl) {
			v[i].pending = false;
			sgx_stat_inc(&drv->st_not_tracked);
			put_back(drv, &v[i], true);
		}
	}
	return secs_freed;
}

static unsigned int reclaim_pass(struct sgx_driver *drv, bool stuck_only)
{
	struct victim v[SGX_NR_TO_SCAN];
	struct sgx_ewb_batch batch = { .n = 0 };
	unsigned int n, i, freed = 0;

	n = isolate(drv, v, stuck_only);
	if (!n)
		return 0;
	sgx_stat_inc(&drv->st_reclaim_passes);
	/* Without it, EWB writes through the backing's mapping (slower). */
	batch.buf = aligned_alloc(SGX_PAGE_SIZE, SGX_NR_TO_SCAN * SGX_PAGE_SIZE);

	for (i = 0; i < n; i++) {
		struct sgx_encl *encl = v[i].entry->encl;

		sgx_mutex_lock(&encl->lock);
		age_and_block(drv, &v[i]);
		sgx_mutex_unlock(&encl->lock);
	}
	/* Per enclave, in the order the pages came: each call clears its pending. */
	for (i = 0; i < n; i++)
		if (v[i].pending)
			freed += write_back(drv, v[i].entry->encl, v, n,
					    batch.buf ? &batch : NULL);
	free(batch.buf);
	for (i = 0; i < n; i++) {
		SGXEMU_BUG_ON(!v[i].done);
		freed += v[i].freed;
	}
	/* References last: the last one may release the enclave. */
	for (i = 0; i < n; i++)
		sgx_encl_put(v[i].entry->encl);
	return freed;
}

unsigned int sgx_reclaim_pages(struct sgx_driver *drv)
{
	return reclaim_pass(drv, false);
}

void sgx_reclaim_direct(struct sgx_driver *drv)
{
	if (sgx_should_reclaim(drv, drv->low_pages))
		(void)sgx_reclaim_pages(drv);
}

/* ---- ksgxd ------------------------------------------------------------------ */

/* What the fault handler asked for: EAUG reserves, backing to free. */
static void do_service(struct sgx_driver *drv)
{
	struct sgx_encl *encl = atomic_exchange_explicit(&drv->svc_head, NULL,
							 memory_order_acquire);

	while (encl) {
		struct sgx_encl *next = encl->svc_next;

		atomic_store_explicit(&encl->svc_queued, false, memory_order_release);
		sgx_encl_service(encl);
		sgx_encl_put(encl);
		encl = next;
	}
}

unsigned int sgx_ksgxd_step(struct sgx_driver *drv)
{
	unsigned int work = atomic_exchange_explicit(&drv->ksgxd_work, 0, memory_order_seq_cst);
	unsigned int freed = 0;

	if (work & SGX_KSGXD_SERVICE)
		do_service(drv);
	if (work & SGX_KSGXD_STUCK)
		freed += reclaim_pass(drv, true);
	if (sgx_should_reclaim(drv, drv->high_pages))
		freed += sgx_reclaim_pages(drv);
	return freed;
}

static bool ksgxd_has_work(struct sgx_driver *drv)
{
	return atomic_load_explicit(&drv->ksgxd_stop, memory_order_seq_cst) ||
	       atomic_load_explicit(&drv->ksgxd_work, memory_order_seq_cst) ||
	       sgx_should_reclaim(drv, drv->high_pages);
}

/*
 * The thread: sleep until there is work, then do it until free pages are
 * back above the high watermark. A pass that frees nothing (every page in
 * it young, or stuck) does not end the round; a full turn of the list
 * without progress does, until the next wake.
 */
static void *ksgxd(void *arg)
{
	struct sgx_driver *drv = arg;
	uint64_t fruitless = 0;

	for (;;) {
		uint32_t seq = atomic_load_explicit(&drv->ksgxd_seq, memory_order_seq_cst);

		if (atomic_load_explicit(&drv->ksgxd_stop, memory_order_seq_cst))
			break;
		if (ksgxd_has_work(drv) &&
		    fruitless <= 2 * (atomic_load(&drv->nr_active) / SGX_NR_TO_SCAN + 2)) {
			if (sgx_ksgxd_step(drv))
				fruitless = 0;
			else
				fruitless++;
			continue;
		}
		fruitless = 0;
		atomic_store_explicit(&drv->ksgxd_sleeping, true, memory_order_seq_cst);
		if (seq == atomic_load_explicit(&drv->ksgxd_seq, memory_order_seq_cst) &&
		    !atomic_load_explicit(&drv->ksgxd_stop, memory_order_seq_cst))
			(void)futex(&drv->ksgxd_seq, FUTEX_WAIT_PRIVATE, seq);
		atomic_store_explicit(&drv->ksgxd_sleeping, false, memory_order_seq_cst);
	}
	return NULL;
}

int sgx_ksgxd_start(struct sgx_driver *drv)
{
	sigset_t all, old;
	int ret;

	atomic_init(&drv->ksgxd_seq, 0);
	atomic_init(&drv->ksgxd_sleeping, false);
	atomic_init(&drv->ksgxd_stop, false);
	atomic_init(&drv->ksgxd_work, 0);
	atomic_init(&drv->svc_head, NULL);
	atomic_init(&drv->kick_users, 0);
	if (drv->cfg.manual_reclaim)
		return 0;
	/*
	 * ksgxd takes no asynchronous signals: the program's (a process-wide
	 * SIGALRM, say) and the runtime's kicks are for threads that run
	 * enclave or program code. The mask is inherited at creation.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&drv->ksgxd, NULL, ksgxd, drv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	drv->ksgxd_running = true;
	return 0;
}

void sgx_ksgxd_stop(struct sgx_driver *drv)
{
	if (drv->ksgxd_running) {
		atomic_store_explicit(&drv->ksgxd_stop, true, memory_order_seq_cst);
		sgx_wake_ksgxd(drv, 0);
		pthread_join(drv->ksgxd, NULL);
		drv->ksgxd_running = false;
	}
	/* Queued refills hold enclave references. */
	do_service(drv);
}
