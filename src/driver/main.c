// SPDX-License-Identifier: MIT
/*
 * The driver object and the EPC page allocator (the kernel's main.c):
 * free pages, the active list the reclaimer will scan, watermarks and the
 * statistics the CLI prints.
 *
 * Free pages are a bitmap over EPC page indices with a summary bitmap on
 * top (one bit per 64-page word), rather than the kernel's linked lists:
 * the allocator searches from a cursor - the enclave's own, or a global
 * next-fit cursor for a new enclave - so that consecutive allocations of
 * one enclave get consecutive EPC pages. Enclave pages added in address
 * order then sit at consecutive memfd offsets and their mappings merge
 * into a few kernel VMAs (vm.max_map_count).
 *
 * Freeing is lock-free (an atomic OR publishes the page) and so is putting
 * a page on the active list when its lock is busy (the lru_pending stack):
 * the fault handler does both and must never wait.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encl.h"
#include "sgx.h"
#include "uaccess.h"

_Thread_local unsigned int sgx_locks_held;

void sgx_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "sgxemu: driver BUG at %s:%d: %s\n", file, line, cond);
	abort();
}

/* ---- free page bitmap ------------------------------------------------ */

#define NONE UINT64_MAX

/* Publish page @i as free. Context: any (lock-free). */
static void mark_free(struct sgx_driver *drv, uint64_t i)
{
	uint64_t w = i / 64;

	__atomic_fetch_or(&drv->free_map[w], 1ull << (i % 64), __ATOMIC_RELEASE);
	__atomic_fetch_or(&drv->free_summary[w / 64], 1ull << (w % 64), __ATOMIC_RELEASE);
}

/*
 * Take page @i (its bit is set). Context: epc_lock held, so only frees
 * race with us; one that sets a bit of the word after we saw it empty
 * also sets the summary bit after our clear, or our recheck sees its bit.
 */
static void mark_used(struct sgx_driver *drv, uint64_t i)
{
	uint64_t w = i / 64, sbit = 1ull << (w % 64);

	if (__atomic_and_fetch(&drv->free_map[w], ~(1ull << (i % 64)), __ATOMIC_ACQ_REL))
		return;
	__atomic_fetch_and(&drv->free_summary[w / 64], ~sbit, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&drv->free_map[w], __ATOMIC_SEQ_CST))
		__atomic_fetch_or(&drv->free_summary[w / 64], sbit, __ATOMIC_RELEASE);
}

static uint64_t ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* First free page at or after @from, without wrapping; NONE if none. */
static uint64_t find_free_from(struct sgx_driver *drv, uint64_t from)
{
	uint64_t nr_summary = (drv->nr_map_words + 63) / 64;
	uint64_t w = from / 64, bits, s, sbits, next;

	if (w >= drv->nr_map_words)
		return NONE;
	bits = ld(&drv->free_map[w]) & (~0ull << (from % 64));
	if (bits)
		return w * 64 + (uint64_t)__builtin_ctzll(bits);

	next = w + 1;
	s = next / 64;
	if (s >= nr_summary)
		return NONE;
	sbits = ld(&drv->free_summary[s]) & (~0ull << (next % 64));
	for (;;) {
		while (!sbits) {
			if (++s >= nr_summary)
				return NONE;
			sbits = ld(&drv->free_summary[s]);
		}
		w = s * 64 + (uint64_t)__builtin_ctzll(sbits);
		bits = ld(&drv->free_map[w]);
		if (bits)
			return w * 64 + (uint64_t)__builtin_ctzll(bits);
		/* A summary bit a racing free has not backed yet: skip it. */
		sbits &= sbits - 1;
	}
}

/*
 * Take a free page, searching from *@hint (or the global cursor).
 * Context: epc_lock held.
 */
static struct sgx_epc_page *take_free_page(struct sgx_driver *drv, uint64_t *hint)
{
	uint64_t from = hint && *hint < drv->nr_epc_pages ? *hint : drv->next_fit;
	uint64_t i;

	sgx_assert_held(&drv->epc_lock);
	i = find_free_from(drv, from);
	if (i == NONE)
		i = find_free_from(drv, 0);
	if (i == NONE)
		return NULL;
	mark_used(drv, i);
	drv->epc_pages[i].flags = 0;
	drv->next_fit = i + 1;
	if (hint)
		*hint = i + 1;
	atomic_fetch_sub_explicit(&drv->nr_free_pages, 1, memory_order_relaxed);
	return &drv->epc_pages[i];
}

/*
 * One attempt at a free page. @wait: block on epc_lock rather than try it.
 * Return: the page, or NULL (nothing free; *@busy if the lock was taken).
 */
static struct sgx_epc_page *try_alloc(struct sgx_driver *drv, void *owner, bool wait,
				      uint64_t *hint, bool *busy)
{
	struct sgx_epc_page *page;

	*busy = false;
	if (wait) {
		sgx_mutex_lock(&drv->epc_lock);
	} else if (!sgx_mutex_trylock(&drv->epc_lock)) {
		*busy = true;
		return NULL;
	}
	page = take_free_page(drv, hint);
	if (page)
		page->owner = owner;
	sgx_mutex_unlock(&drv->epc_lock);
	return page;
}

/* Below the low watermark after an allocation: ksgxd should start. */
static void low_check(struct sgx_driver *drv)
{
	if (sgx_should_reclaim(drv, drv->low_pages))
		sgx_wake_ksgxd(drv, 0);
}

/*
 * Direct reclaim gives up after this many passes in a row that freed
 * nothing: two full turns of the active list, enough for every young page
 * to lose its second chance. The kernel loops until the list is empty
 * (pages there can always be written back); here a page can stay blocked
 * while a thread inside its enclave holds up tracking and nobody kicks it.
 */
static uint64_t fruitless_limit(struct sgx_driver *drv)
{
	return 2 * (atomic_load_explicit(&drv->nr_active, memory_order_relaxed) /
		    SGX_NR_TO_SCAN + 2);
}

int sgx_alloc_epc_page(struct sgx_driver *drv, void *owner, bool reclaim, uint64_t *hint,
		       struct sgx_epc_page **out)
{
	struct sgx_epc_page *page;
	uint64_t fruitless = 0;
	bool busy;

	for (;;) {
		page = try_alloc(drv, owner, reclaim, hint, &busy);
		if (page)
			break;
		if (busy)
			return -EBUSY;
		if (!atomic_load_explicit(&drv->nr_active, memory_order_relaxed))
			return -ENOMEM;
		if (!reclaim) {
			/* The fault path retries: make sure someone reclaims meanwhile. */
			sgx_wake_ksgxd(drv, 0);
			return -EBUSY;
		}
		if (sgx_reclaim_pages(drv))
			fruitless = 0;
		else if (++fruitless > fruitless_limit(drv))
			return -ENOMEM;
	}
	low_check(drv);
	*out = page;
	return 0;
}

int sgx_alloc_epc_page_noreclaim(struct sgx_driver *drv, void *owner, uint64_t *hint,
				 struct sgx_epc_page **out)
{
	struct sgx_epc_page *page;
	bool busy;

	page = try_alloc(drv, owner, true, hint, &busy);
	if (!page) {
		if (!atomic_load_explicit(&drv->nr_active, memory_order_relaxed))
			return -ENOMEM;
		sgx_wake_ksgxd(drv, 0);
		return -EBUSY;
	}
	low_check(drv);
	*out = page;
	return 0;
}

void sgx_free_epc_page(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	uint64_t i = sgx_epc_index(drv, page);

	SGXEMU_BUG_ON(i >= drv->nr_epc_pages);
	SGXEMU_BUG_ON(page->flags & (SGX_EPC_PAGE_IS_FREE | SGX_EPC_PAGE_RECLAIMER_TRACKED));
	page->owner = NULL;
	page->flags = SGX_EPC_PAGE_IS_FREE;
	/* Counted before it can be taken, so the count never goes below zero. */
	atomic_fetch_add_explicit(&drv->nr_free_pages, 1, memory_order_relaxed);
	mark_free(drv, i);
}

/* ---- active list ------------------------------------------------------ */

static uint32_t idx32(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	return (uint32_t)sgx_epc_index(drv, page);
}

/* Link isolated page @i at the tail (or head) of the list. Context: reclaimer_lock. */
static void link_page(struct sgx_driver *drv, uint32_t i, bool head)
{
	struct sgx_epc_page *page = &drv->epc_pages[i];

	if (head) {
		page->lru_prev = SGX_EPC_NONE;
		page->lru_next = drv->active_head;
		if (drv->active_head != SGX_EPC_NONE)
			drv->epc_pages[drv->active_head].lru_prev = i;
		else
			drv->active_tail = i;
		drv->active_head = i;
		return;
	}
	page->lru_next = SGX_EPC_NONE;
	page->lru_prev = drv->active_tail;
	if (drv->active_tail != SGX_EPC_NONE)
		drv->epc_pages[drv->active_tail].lru_next = i;
	else
		drv->active_head = i;
	drv->active_tail = i;
}

static void unlink_page(struct sgx_driver *drv, uint32_t i)
{
	struct sgx_epc_page *page = &drv->epc_pages[i];

	if (page->lru_prev != SGX_EPC_NONE)
		drv->epc_pages[page->lru_prev].lru_next = page->lru_next;
	else
		drv->active_head = page->lru_next;
	if (page->lru_next != SGX_EPC_NONE)
		drv->epc_pages[page->lru_next].lru_prev = page->lru_prev;
	else
		drv->active_tail = page->lru_prev;
	page->lru_prev = page->lru_next = SGX_EPC_NONE;
}

void sgx_lru_drain_pending_locked(struct sgx_driver *drv)
{
	uint32_t i = atomic_exchange_explicit(&drv->lru_pending, SGX_EPC_NONE,
					      memory_order_acquire);

	sgx_assert_held(&drv->reclaimer_lock);
	while (i != SGX_EPC_NONE) {
		uint32_t next = drv->epc_pages[i].lru_next;

		link_page(drv, i, false);
		i = next;
	}
}

struct sgx_epc_page *sgx_lru_pop_head_locked(struct sgx_driver *drv)
{
	uint32_t i = drv->active_head;

	sgx_assert_held(&drv->reclaimer_lock);
	if (i == SGX_EPC_NONE)
		return NULL;
	unlink_page(drv, i);
	return &drv->epc_pages[i];
}

void sgx_lru_del_locked(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	sgx_assert_held(&drv->reclaimer_lock);
	unlink_page(drv, idx32(drv, page));
}

void sgx_lru_add_locked(struct sgx_driver *drv, struct sgx_epc_page *page, bool head)
{
	sgx_assert_held(&drv->reclaimer_lock);
	SGXEMU_BUG_ON(!(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED));
	link_page(drv, idx32(drv, page), head);
}

void sgx_mark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	sgx_mutex_lock(&drv->reclaimer_lock);
	sgx_lru_drain_pending_locked(drv);
	SGXEMU_BUG_ON(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
	page->flags |= SGX_EPC_PAGE_RECLAIMER_TRACKED;
	link_page(drv, idx32(drv, page), false);
	atomic_fetch_add_explicit(&drv->nr_active, 1, memory_order_relaxed);
	sgx_mutex_unlock(&drv->reclaimer_lock);
}

void sgx_mark_page_reclaimable_sigsafe(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	uint32_t i = idx32(drv, page), head;

	if (sgx_mutex_trylock(&drv->reclaimer_lock)) {
		sgx_lru_drain_pending_locked(drv);
		SGXEMU_BUG_ON(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
		page->flags |= SGX_EPC_PAGE_RECLAIMER_TRACKED;
		link_page(drv, i, false);
		atomic_fetch_add_explicit(&drv->nr_active, 1, memory_order_relaxed);
		sgx_mutex_unlock(&drv->reclaimer_lock);
		return;
	}
	/* A fresh page nobody else can see yet: its fields are ours to write. */
	SGXEMU_BUG_ON(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
	page->flags |= SGX_EPC_PAGE_RECLAIMER_TRACKED;
	page->lru_prev = SGX_EPC_NONE;
	atomic_fetch_add_explicit(&drv->nr_active, 1, memory_order_relaxed);
	head = atomic_load_explicit(&drv->lru_pending, memory_order_relaxed);
	do {
		page->lru_next = head;
	} while (!atomic_compare_exchange_weak_explicit(&drv->lru_pending, &head, i,
							memory_order_release,
							memory_order_relaxed));
}

int sgx_unmark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	uint32_t i = idx32(drv, page);

	sgx_mutex_lock(&drv->reclaimer_lock);
	sgx_lru_drain_pending_locked(drv);
	if (page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
		/* Tracked but off the list: a reclaim pass has isolated it. */
		if (drv->active_head != i && page->lru_prev == SGX_EPC_NONE) {
			sgx_mutex_unlock(&drv->reclaimer_lock);
			return -EBUSY;
		}
		unlink_page(drv, i);
		page->flags &= (uint16_t)~SGX_EPC_PAGE_RECLAIMER_TRACKED;
		atomic_fetch_sub_explicit(&drv->nr_active, 1, memory_order_relaxed);
	}
	sgx_mutex_unlock(&drv->reclaimer_lock);
	return 0;
}

/* ---- the driver object ------------------------------------------------ */

/* Reserved-bit masks from CPUID 0x12, as sgx_drv_init() derives them. */
static void init_masks(struct sgx_driver *drv)
{
	struct hw_cpuid_regs r;

	hw_cpuid_sgx(drv->hw, 0, &r);
	drv->misc_reserved_mask = ~r.ebx | SGX_DRV_MISC_RESERVED_MASK;
	hw_cpuid_sgx(drv->hw, 1, &r);
	drv->attributes_reserved_mask = ~(((uint64_t)r.ebx << 32) | r.eax) |
					SGX_DRV_ATTR_RESERVED_MASK;
	/* The emulated CPU always has OSXSAVE. */
	drv->xfrm_reserved_mask = ~(((uint64_t)r.edx << 32) | r.ecx);
}

static int init_watermarks(struct sgx_driver *drv, const struct sgx_driver_config *cfg)
{
	uint64_t n = drv->nr_epc_pages;

	if (cfg && (cfg->low_pages || cfg->high_pages)) {
		if (!cfg->low_pages || cfg->low_pages >= cfg->high_pages || cfg->high_pages > n)
			return -EINVAL;
		drv->low_pages = cfg->low_pages;
		drv->high_pages = cfg->high_pages;
		return 0;
	}
	/* The kernel's 32/64 pages, scaled down for EPCs under 4 MiB. */
	drv->low_pages = SGX_NR_LOW_PAGES;
	drv->high_pages = SGX_NR_HIGH_PAGES;
	if (n < 1024) {
		drv->low_pages = n / 32 ? n / 32 : 1;
		drv->high_pages = n / 16 > drv->low_pages ? n / 16 : drv->low_pages + 1;
	}
	return 0;
}

static int init_epc(struct sgx_driver *drv)
{
	struct hw_epcm_info info;
	uint64_t i, nr_summary;

	drv->nr_epc_pages = hw_epc_nr_pages(drv->hw);
	/* Active-list links are 32-bit indices with UINT32_MAX as "none". */
	if (drv->nr_epc_pages >= SGX_EPC_NONE)
		return -EINVAL;
	drv->nr_map_words = (drv->nr_epc_pages + 63) / 64;
	nr_summary = (drv->nr_map_words + 63) / 64;
	drv->epc_pages = calloc(drv->nr_epc_pages, sizeof(*drv->epc_pages));
	drv->free_map = calloc(drv->nr_map_words, sizeof(uint64_t));
	drv->free_summary = calloc(nr_summary, sizeof(uint64_t));
	if (!drv->epc_pages || !drv->free_map || !drv->free_summary)
		return -ENOMEM;
	drv->active_head = drv->active_tail = SGX_EPC_NONE;
	atomic_init(&drv->lru_pending, SGX_EPC_NONE);
	for (i = 0; i < drv->nr_epc_pages; i++) {
		struct sgx_epc_page *p = &drv->epc_pages[i];

		p->lru_prev = p->lru_next = SGX_EPC_NONE;
		/*
		 * A page already valid belongs to someone else using the
		 * platform directly; unlike ksgxd's sanitizer we leave it
		 * alone and never hand it out.
		 */
		if (hw_epcm_read(drv->hw, i, &info) || info.valid)
			continue;
		p->flags = SGX_EPC_PAGE_IS_FREE;
		mark_free(drv, i);
		atomic_fetch_add_explicit(&drv->nr_free_pages, 1, memory_order_relaxed);
	}
	return 0;
}

/* The allocator's maps, the locks and @drv itself: the end of create and destroy. */
static void driver_free(struct sgx_driver *drv)
{
	free(drv->free_summary);
	free(drv->free_map);
	free(drv->epc_pages);
	sgx_rwsem_destroy(&drv->mm_lock);
	sgx_mutex_destroy(&drv->ksgxd_lock);
	sgx_mutex_destroy(&drv->files_lock);
	sgx_mutex_destroy(&drv->einit_lock);
	sgx_mutex_destroy(&drv->reclaimer_lock);
	sgx_mutex_destroy(&drv->epc_lock);
	free(drv);
}

int sgx_driver_create(struct hw_platform *hw, const struct sgx_driver_config *cfg,
		      struct sgx_driver **out)
{
	struct sgx_driver *drv;
	int ret;

	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return -ENOMEM;
	drv->hw = hw;
	drv->epc_fd = hw_epc_memfd(hw);
	drv->sgx2 = hw_platform_config(hw)->sgx2;
	if (cfg)
		drv->cfg = *cfg;
	init_masks(drv);
	sgx_mutex_init(&drv->epc_lock);
	sgx_mutex_init(&drv->reclaimer_lock);
	sgx_mutex_init(&drv->einit_lock);
	sgx_mutex_init(&drv->files_lock);
	sgx_mutex_init(&drv->ksgxd_lock);
	sgx_rwsem_init(&drv->mm_lock);
	INIT_LIST_HEAD(&drv->files);

	ret = init_epc(drv);
	if (ret)
		goto out_free;
	ret = init_watermarks(drv, cfg);
	if (ret)
		goto out_free;
	sgx_uaccess_init(drv);
	ret = sgx_ksgxd_start(drv);
	if (ret)
		goto out_uaccess;
	*out = drv;
	return 0;

out_uaccess:
	sgx_uaccess_fini(drv);
out_free:
	driver_free(drv);
	return ret;
}

void sgx_driver_destroy(struct sgx_driver *drv)
{
	if (!drv)
		return;
	/*
	 * ksgxd first: it holds enclave references while it works and drops
	 * the ones of queued refills on the way out. Then mappings (they hold
	 * enclave references), then open files.
	 */
	sgx_ksgxd_stop(drv);
	sgx_vma_teardown_all(drv);
	sgx_files_release_all(drv);
	SGXEMU_BUG_ON(atomic_load(&drv->st_enclaves) != 0);

	sgx_uaccess_fini(drv);
	free(drv->vmas);
	driver_free(drv);
}

static uint64_t rd(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void sgx_driver_stats(struct sgx_driver *drv, struct sgx_driver_stats *st)
{
	struct hw_stats hst;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->enclaves = rd(&drv->st_enclaves);
	for (i = 0; i < 8; i++) {
		st->pages_by_type[i] = rd(&drv->st_pages_by_type[i]);
		st->ioctls[i] = rd(&drv->st_ioctls[i]);
	}
	st->va_pages = st->pages_by_type[SGX_PT_VA];
	st->epc_free = rd(&drv->nr_free_pages);
	st->epc_used = drv->nr_epc_pages - st->epc_free;
	st->ioctl_errors = rd(&drv->st_ioctl_errors);
	st->faults = rd(&drv->st_faults);
	st->faults_reported = rd(&drv->st_faults_reported);
	st->ewb = rd(&drv->st_ewb);
	st->eldu = rd(&drv->st_eldu);
	st->eaug = rd(&drv->st_eaug);
	st->reclaim_passes = rd(&drv->st_reclaim_passes);
	st->backing_bytes = rd(&drv->st_backing_bytes);
	st->aged = rd(&drv->st_aged);
	st->kicks = rd(&drv->st_kicks);
	st->not_tracked = rd(&drv->st_not_tracked);
	st->eldu_failures = rd(&drv->st_eldu_fail);

	hw_stats_read(drv->hw, &hst);
	st->epc_pages = drv->nr_epc_pages;
	/* struct sgx_epc_page, a free_map bit and a summary bit, rounded up. */
	st->metadata_per_epc_page = sizeof(struct sgx_epc_page) + 1 + hst.metadata_per_epc_page;
	st->encl_pages = rd(&drv->st_encl_pages);
	st->metadata_encl_bytes = rd(&drv->st_meta_bytes) +
				  st->encl_pages * SGX_ENCL_PAGE_META_BYTES +
				  st->va_pages * sizeof(struct sgx_encl_va_page) +
				  st->enclaves * sizeof(struct sgx_encl);
}
