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

static void mark_free(struct sgx_driver *drv, uint64_t i)
{
	uint64_t w = i / 64;

	drv->free_map[w] |= 1ull << (i % 64);
	drv->free_summary[w / 64] |= 1ull << (w % 64);
}

static void mark_used(struct sgx_driver *drv, uint64_t i)
{
	uint64_t w = i / 64;

	drv->free_map[w] &= ~(1ull << (i % 64));
	if (!drv->free_map[w])
		drv->free_summary[w / 64] &= ~(1ull << (w % 64));
}

/* First free page at or after @from, without wrapping; NONE if none. */
static uint64_t find_free_from(struct sgx_driver *drv, uint64_t from)
{
	uint64_t nr_summary = (drv->nr_map_words + 63) / 64;
	uint64_t w = from / 64, bits, s, sbits, next;

	if (w >= drv->nr_map_words)
		return NONE;
	bits = drv->free_map[w] & (~0ull << (from % 64));
	if (bits)
		return w * 64 + (uint64_t)__builtin_ctzll(bits);

	next = w + 1;
	s = next / 64;
	if (s >= nr_summary)
		return NONE;
	sbits = drv->free_summary[s] & (~0ull << (next % 64));
	while (!sbits) {
		if (++s >= nr_summary)
			return NONE;
		sbits = drv->free_summary[s];
	}
	w = s * 64 + (uint64_t)__builtin_ctzll(sbits);
	return w * 64 + (uint64_t)__builtin_ctzll(drv->free_map[w]);
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

/* Seam for issue 5: wake ksgxd when free pages run low. */
static void sgx_wake_reclaimer(struct sgx_driver *drv)
{
	(void)drv;
}

bool sgx_should_reclaim(struct sgx_driver *drv, uint64_t watermark)
{
	return atomic_load_explicit(&drv->nr_free_pages, memory_order_relaxed) < watermark &&
	       atomic_load_explicit(&drv->nr_active, memory_order_relaxed);
}

unsigned int sgx_reclaim_pages(struct sgx_driver *drv)
{
	/*
	 * Issue 5: isolate up to SGX_NR_TO_SCAN pages off the active list,
	 * age them, EBLOCK, zap (sgx_zap_enclave_ptes), ETRACK, kick threads
	 * out of the enclave, EWB into the backing memfd, free the EPC pages.
	 */
	(void)drv;
	return 0;
}

void sgx_reclaim_direct(struct sgx_driver *drv)
{
	if (sgx_should_reclaim(drv, drv->low_pages))
		(void)sgx_reclaim_pages(drv);
}

int sgx_alloc_epc_page(struct sgx_driver *drv, void *owner, bool reclaim, uint64_t *hint,
		       struct sgx_epc_page **out)
{
	struct sgx_epc_page *page;

	for (;;) {
		if (reclaim) {
			sgx_mutex_lock(&drv->epc_lock);
		} else if (!sgx_mutex_trylock(&drv->epc_lock)) {
			return -EBUSY;
		}
		page = take_free_page(drv, hint);
		if (page)
			page->owner = owner;
		sgx_mutex_unlock(&drv->epc_lock);
		if (page)
			break;

		if (!atomic_load_explicit(&drv->nr_active,
					  memory_order_relaxed))
			return -ENOMEM;
		if (!reclaim)
			return -EBUSY;
		/* No progress means nothing could be reclaimed: out of EPC. */
		if (!sgx_reclaim_pages(drv))
			return -ENOMEM;
	}

	if (sgx_should_reclaim(drv, drv->low_pages))
		sgx_wake_reclaimer(drv);
	*out = page;
	return 0;
}

void sgx_free_epc_page(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	uint64_t i = sgx_epc_index(drv, page);

	SGXEMU_BUG_ON(i >= drv->nr_epc_pages);
	sgx_mutex_lock(&drv->epc_lock);
	SGXEMU_BUG_ON(page->flags & (SGX_EPC_PAGE_IS_FREE | SGX_EPC_PAGE_RECLAIMER_TRACKED));
	page->owner = NULL;
	page->flags = SGX_EPC_PAGE_IS_FREE;
	mark_free(drv, i);
	sgx_mutex_unlock(&drv->epc_lock);
	atomic_fetch_add_explicit(&drv->nr_free_pages, 1, memory_order_relaxed);
}

/* ---- active list ------------------------------------------------------ */

static uint32_t idx32(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	return (uint32_t)sgx_epc_index(drv, page);
}

void sgx_mark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	uint32_t i = idx32(drv, page);

	sgx_mutex_lock(&drv->reclaimer_lock);
	SGXEMU_BUG_ON(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
	page->flags |= SGX_EPC_PAGE_RECLAIMER_TRACKED;
	page->lru_next = SGX_EPC_NONE;
	page->lru_prev = drv->active_tail;
	if (drv->active_tail != SGX_EPC_NONE)
		drv->epc_pages[drv->active_tail].lru_next = i;
	else
		drv->active_head = i;
	drv->active_tail = i;
	atomic_fetch_add_explicit(&drv->nr_active, 1,
				  memory_order_relaxed);
	sgx_mutex_unlock(&drv->reclaimer_lock);
}

int sgx_unmark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	uint32_t i = idx32(drv, page);

	sgx_mutex_lock(&drv->reclaimer_lock);
	if (page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) {
		/* Tracked but off the list: the reclaimer has isolated it. */
		if (drv->active_head != i && page->lru_prev == SGX_EPC_NONE) {
			sgx_mutex_unlock(&drv->reclaimer_lock);
			return -EBUSY;
		}
		if (page->lru_prev != SGX_EPC_NONE)
			drv->epc_pages[page->lru_prev].lru_next = page->lru_next;
		else
			drv->active_head = page->lru_next;
		if (page->lru_next != SGX_EPC_NONE)
			drv->epc_pages[page->lru_next].lru_prev = page->lru_prev;
		else
			drv->active_tail = page->lru_prev;
		page->lru_prev = page->lru_next = SGX_EPC_NONE;
		page->flags &= (uint16_t)~SGX_EPC_PAGE_RECLAIMER_TRACKED;
		atomic_fetch_sub_explicit(&drv->nr_active, 1,
					  memory_order_relaxed);
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
	sgx_rwsem_init(&drv->mm_lock);
	INIT_LIST_HEAD(&drv->files);

	ret = init_epc(drv);
	if (ret)
		goto out_free;
	ret = init_watermarks(drv, cfg);
	if (ret)
		goto out_free;
	sgx_uaccess_init(drv);
	*out = drv;
	return 0;

out_free:
	free(drv->free_summary);
	free(drv->free_map);
	free(drv->epc_pages);
	sgx_rwsem_destroy(&drv->mm_lock);
	sgx_mutex_destroy(&drv->files_lock);
	sgx_mutex_destroy(&drv->einit_lock);
	sgx_mutex_destroy(&drv->reclaimer_lock);
	sgx_mutex_destroy(&drv->epc_lock);
	free(drv);
	return ret;
}

void sgx_driver_destroy(struct sgx_driver *drv)
{
	if (!drv)
		return;
	/* Mappings first (they hold enclave references), then open files. */
	sgx_vma_teardown_all(drv);
	sgx_files_release_all(drv);
	SGXEMU_BUG_ON(atomic_load(&drv->st_enclaves) != 0);

	sgx_uaccess_fini(drv);
	free(drv->vmas);
	free(drv->free_summary);
	free(drv->free_map);
	free(drv->epc_pages);
	sgx_rwsem_destroy(&drv->mm_lock);
	sgx_mutex_destroy(&drv->files_lock);
	sgx_mutex_destroy(&drv->einit_lock);
	sgx_mutex_destroy(&drv->reclaimer_lock);
	sgx_mutex_destroy(&drv->epc_lock);
	free(drv);
}

static uint64_t rd(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void sgx_driver_stats(struct sgx_driver *drv, struct sgx_driver_stats *st)
{
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
}
