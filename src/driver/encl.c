// SPDX-License-Identifier: MIT
/*
 * Enclave objects (the kernel's encl.c): life cycle and release, page
 * array entries and their maximum protection, the mapping policy
 * (sgx_encl_may_map), VA pages and slots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

#include "encl.h"
#include "encls.h"

/* SECINFO permission bits double as PROT_* bits, as in the kernel's _calc_vm_trans(). */
_Static_assert(SGX_SECINFO_R == PROT_READ && SGX_SECINFO_W == PROT_WRITE &&
	       SGX_SECINFO_X == PROT_EXEC, "SECINFO R/W/X are PROT_READ/WRITE/EXEC");

int sgx_encl_alloc(struct sgx_driver *drv, struct sgx_encl **out)
{
	struct sgx_encl *encl = calloc(1, sizeof(*encl));

	if (!encl)
		return -ENOMEM;
	encl->drv = drv;
	atomic_init(&encl->flags, 0);
	sgx_mutex_init(&encl->lock);
	sgx_page_array_init(&encl->page_array, 0);
	encl->secs.encl = encl;
	encl->secs.type = SGX_PT_SECS;
	encl->backing = -1;
	atomic_init(&encl->refcount, 1);
	INIT_LIST_HEAD(&encl->va_pages);
	encl->epc_hint = UINT64_MAX;
	sgx_stat_inc(&drv->st_enclaves);
	*out = encl;
	return 0;
}

void sgx_encl_get(struct sgx_encl *encl)
{
	long old = atomic_fetch_add_explicit(&encl->refcount, 1, memory_order_relaxed);

	SGXEMU_BUG_ON(old <= 0);
}

bool sgx_encl_get_unless_zero(struct sgx_encl *encl)
{
	long old = atomic_load_explicit(&encl->refcount, memory_order_relaxed);

	do {
		if (old <= 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&encl->refcount, &old, old + 1,
							memory_order_acquire, memory_order_relaxed));
	return true;
}

/*
 * An evicted SECS must come back to be EREMOVEd: until then the CPU keeps
 * the enclave's hidden state for it (hardware keeps it in the page). Make
 * room first if the EPC is full. Context: no lock of @encl held.
 */
static void release_make_room(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;
	unsigned int tries;

	if (encl->secs.epc_page || !encl->secs.va_page)
		return;
	for (tries = 0; tries < 64; tries++) {
		if (atomic_load_explicit(&drv->nr_free_pages, memory_order_relaxed) ||
		    !atomic_load_explicit(&drv->nr_active, memory_order_relaxed))
			return;
		(void)sgx_reclaim_pages(drv);
	}
}

/* Give back what is left of the EAUG reserve. Context: encl->lock held. */
static void reserve_free(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;

	while (encl->nr_rsv_entries) {
		free(encl->rsv_entries[--encl->nr_rsv_entries]);
		atomic_fetch_sub_explicit(&drv->st_meta_bytes, sizeof(struct sgx_encl_page),
					  memory_order_relaxed);
	}
	if (encl->rsv_va) {
		free(encl->rsv_va);
		encl->rsv_va = NULL;
		atomic_fetch_sub_explicit(&drv->st_meta_bytes, sizeof(struct sgx_encl_va_page),
					  memory_order_relaxed);
	}
}

/*
 * The last reference is gone: no file, no mapping (so no PTE either), no
 * queued refill, and no reclaim pass (a pass works only on pages of
 * enclaves it holds a reference on; one that finds the count at zero
 * drops the page from the active list and leaves it to us). Pages a pass
 * left blocked are on the active list like any other. Everything here
 * runs without contention; the lock is taken for the assertions.
 */
static void sgx_encl_release(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_encl_page *entry;
	struct sgx_encl_va_page *va_page;
	uint64_t index = 0;
	int ret;

	release_make_room(encl);
	sgx_mutex_lock(&encl->lock);
	while ((entry = sgx_page_array_find(&encl->page_array, &index, UINT64_MAX))) {
		if (entry->epc_page) {
			ret = sgx_unmark_page_reclaimable(drv, entry->epc_page);
			SGXEMU_BUG_ON(ret);
			SGXEMU_BUG_ON(entry->pte & SGX_PTE_PROT_MASK);
			if (sgx_encl_free_epc_page(drv, entry->epc_page))
				sgx_stat_page(drv, entry->type, -1);
			encl->secs_child_cnt--;
			entry->epc_page = NULL;
		}
		/* Evicted: its VA slot goes with the VA pages, its blob with the backing. */
		(void)sgx_page_array_erase(&encl->page_array, index);
		free(entry);
		index++;
	}
	sgx_page_array_destroy(&encl->page_array);

	if (!encl->secs.epc_page && encl->secs.va_page &&
	    sgx_encl_load_secs(encl, false))
		fprintf(stderr, "sgxemu: an evicted SECS could not be reloaded to be removed\n");
	/* Children first: EREMOVE of a SECS with children fails. */
	if (!encl->secs_child_cnt && encl->secs.epc_page) {
		if (sgx_encl_free_epc_page(drv, encl->secs.epc_page))
			sgx_stat_page(drv, SGX_PT_SECS, -1);
		encl->secs.epc_page = NULL;
	}

	while (!list_empty(&encl->va_pages)) {
		va_page = list_first_entry(&encl->va_pages, struct sgx_encl_va_page, list);
		list_del_init(&va_page->list);
		if (sgx_encl_free_epc_page(drv, va_page->epc_page))
			sgx_stat_page(drv, SGX_PT_VA, -1);
		free(va_page);
	}
	reserve_free(encl);
	atomic_fetch_sub_explicit(&drv->st_encl_pages, encl->page_cnt, memory_order_relaxed);
	sgx_mutex_unlock(&encl->lock);

	sgx_encl_backing_release(encl);
	sgx_mutex_destroy(&encl->lock);
	sgx_stat_dec(&drv->st_enclaves);
	free(encl);
}

void sgx_encl_put(struct sgx_encl *encl)
{
	long old = atomic_fetch_sub_explicit(&encl->refcount, 1, memory_order_acq_rel);

	SGXEMU_BUG_ON(old <= 0);
	if (old == 1)
		sgx_encl_release(encl);
}

struct sgx_encl_page *sgx_encl_lookup(struct sgx_encl *encl, uint64_t addr)
{
	/* CREATED (acquire) publishes base, size and the page array. */
	if (!sgx_encl_test_flag(encl, SGX_ENCL_CREATED))
		return NULL;
	if (addr < encl->base || addr - encl->base >= encl->size)
		return NULL;
	return sgx_page_array_load(&encl->page_array, (addr - encl->base) >> SGX_PAGE_SHIFT);
}

int sgx_encl_page_alloc(struct sgx_encl *encl, uint64_t offset, uint64_t secinfo_flags,
			struct sgx_encl_page **out)
{
	struct sgx_encl_page *p = calloc(1, sizeof(*p));
	unsigned int prot;

	if (!p)
		return -ENOMEM;
	p->desc = encl->base + offset;
	p->encl = encl;
	prot = secinfo_flags & SGX_SECINFO_PERMISSION_MASK;
	/*
	 * The CPU zeroes a TCS page's permissions, yet the page must be
	 * mappable read/write for EENTER to use it: TCS pages are RW.
	 */
	if ((secinfo_flags & SGX_SECINFO_PAGE_TYPE_MASK) == SGX_SECINFO_TCS)
		prot |= PROT_READ | PROT_WRITE;
	p->vm_max_prot_bits = (uint8_t)prot;
	*out = p;
	return 0;
}

int sgx_encl_may_map(struct sgx_encl *encl, uint64_t start, uint64_t end, int prot)
{
	unsigned int want = (unsigned int)prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	struct sgx_encl_page *page;
	uint64_t index, last;
	int ret = 0;

	/* After EINIT nothing outside ELRANGE may be mapped. */
	if (sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED) &&
	    (start < encl->base || end - encl->base > encl->size))
		return -EACCES;

	/* READ_IMPLIES_EXEC would widen PROT_READ behind the check's back. */
	if (personality(0xffffffff) & READ_IMPLIES_EXEC)
		return -EACCES;

	if (!sgx_encl_range(encl, start, end, &index, &last))
		return 0;

	sgx_mutex_lock(&encl->lock);
	while ((page = sgx_page_array_find(&encl->page_array, &index, last))) {
		if (~page->vm_max_prot_bits & want) {
			ret = -EACCES;
			break;
		}
		index++;
	}
	sgx_mutex_unlock(&encl->lock);
	return ret;
}

/* ---- VA pages ---------------------------------------------------------- */

/* sgx_alloc_va_page() - an EPC page made a VA page with EPA. */
static int sgx_alloc_va_page(struct sgx_encl *encl, struct sgx_encl_va_page *va_page, bool reclaim)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_epc_page *epc;
	unsigned int ret;
	int err;

	err = sgx_alloc_epc_page(drv, va_page, reclaim, &encl->epc_hint, &epc);
	if (err)
		return err;
	ret = encls_epa(drv->hw, sgx_get_epc_virt_addr(drv, epc));
	if (ret) {
		fprintf(stderr, "sgxemu: EPA returned %u (0x%x)\n", ret, ret);
		sgx_encl_free_epc_page(drv, epc);
		return -EFAULT;
	}
	va_page->epc_page = epc;
	sgx_stat_page(drv, SGX_PT_VA, 1);
	return 0;
}

int sgx_encl_grow(struct sgx_encl *encl, bool reclaim, struct sgx_encl_va_page **va_out)
{
	struct sgx_encl_va_page *va_page = NULL;
	int ret;

	if (!(encl->page_cnt % SGX_VA_SLOT_COUNT)) {
		va_page = calloc(1, sizeof(*va_page));
		if (!va_page)
			return -ENOMEM;
		INIT_LIST_HEAD(&va_page->list);
		ret = sgx_alloc_va_page(encl, va_page, reclaim);
		if (ret) {
			free(va_page);
			return ret;
		}
	}
	encl->page_cnt++;
	atomic_fetch_add_explicit(&encl->drv->st_encl_pages, 1, memory_order_relaxed);
	*va_out = va_page;
	return 0;
}

void sgx_encl_shrink(struct sgx_encl *encl, struct sgx_encl_va_page *va_page)
{
	if (va_page && !list_empty(&va_page->list))
		sgx_assert_held(&encl->lock);
	encl->page_cnt--;
	atomic_fetch_sub_explicit(&encl->drv->st_encl_pages, 1, memory_order_relaxed);
	if (va_page) {
		if (sgx_encl_free_epc_page(encl->drv, va_page->epc_page))
			sgx_stat_page(encl->drv, SGX_PT_VA, -1);
		list_del_init(&va_page->list);
		free(va_page);
	}
}

unsigned int sgx_alloc_va_slot(struct sgx_encl_va_page *va_page)
{
	unsigned int w;

	for (w = 0; w < SGX_VA_SLOT_COUNT / 64; w++) {
		uint64_t free_bits = ~va_page->slots[w];

		if (free_bits) {
			unsigned int bit = (unsigned int)__builtin_ctzll(free_bits);

			va_page->slots[w] |= 1ull << bit;
			return (w * 64 + bit) << 3;
		}
	}
	return SGX_VA_SLOT_COUNT << 3;  /* full: as find_first_zero_bit() */
}

void sgx_free_va_slot(struct sgx_encl_va_page *va_page, unsigned int offset)
{
	unsigned int slot = offset >> 3;

	SGXEMU_BUG_ON(slot >= SGX_VA_SLOT_COUNT);
	va_page->slots[slot / 64] &= ~(1ull << (slot % 64));
}

bool sgx_va_page_full(struct sgx_encl_va_page *va_page)
{
	unsigned int w;

	for (w = 0; w < SGX_VA_SLOT_COUNT / 64; w++)
		if (~va_page->slots[w])
			return false;
	return true;
}

/* ---- EPC pages of an enclave -------------------------------------------- */

bool sgx_encl_free_epc_page(struct sgx_driver *drv, struct sgx_epc_page *page)
{
	unsigned int ret;

	SGXEMU_BUG_ON(page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
	ret = encls_eremove(drv->hw, sgx_get_epc_virt_addr(drv, page));
	if (ret) {
		fprintf(stderr, "sgxemu: EREMOVE returned %u (0x%x) and an EPC page was leaked\n",
			ret, ret);
		return false;
	}
	sgx_free_epc_page(drv, page);
	return true;
}

int sgx_encl_load_secs(struct sgx_encl *encl, bool sigctx)
{
	int ret;

	sgx_assert_held(&encl->lock);
	if (encl->secs.epc_page)
		return 0;
	ret = sgx_encl_eldu(encl, &encl->secs, encl->size >> SGX_PAGE_SHIFT, sigctx);
	if (!ret)
		sgx_stat_page(encl->drv, SGX_PT_SECS, 1);
	return ret;
}

int sgx_encl_load_entry(struct sgx_encl *encl, struct sgx_encl_page *entry, bool sigctx)
{
	struct sgx_driver *drv = encl->drv;
	int ret;

	sgx_assert_held(&encl->lock);
	if (entry->epc_page) {
		if (!(entry->desc & SGX_ENCL_PAGE_BEING_RECLAIMED))
			return 0;
		/* Being written out; if a pass left it blocked, have it retried. */
		sgx_wake_ksgxd(drv, SGX_KSGXD_STUCK);
		return -EBUSY;
	}
	ret = sgx_encl_load_secs(encl, sigctx);
	if (ret)
		return ret;
	ret = sgx_encl_eldu(encl, entry, (sgx_encl_page_addr(entry) - encl->base) >> SGX_PAGE_SHIFT,
			    sigctx);
	if (ret)
		return ret;
	encl->secs_child_cnt++;
	sgx_stat_page(drv, entry->type, 1);
	if (sigctx)
		sgx_mark_page_reclaimable_sigsafe(drv, entry->epc_page);
	else
		sgx_mark_page_reclaimable(drv, entry->epc_page);
	return 0;
}

int sgx_encl_load_page(struct sgx_encl *encl, uint64_t addr, struct sgx_encl_page **out)
{
	struct sgx_encl_page *entry = sgx_encl_lookup(encl, addr);
	int ret;

	if (!entry)
		return -EFAULT;
	ret = sgx_encl_load_entry(encl, entry, false);
	if (ret)
		return ret;
	*out = entry;
	return 0;
}

/* ---- EAUG reserve --------------------------------------------------------- */

/* Top up the EAUG reserve. Context: encl->lock held; may allocate. */
static void refill_locked(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;

	if (!drv->sgx2 || !sgx_encl_test_flag(encl, SGX_ENCL_CREATED))
		return;
	while (encl->nr_rsv_entries < SGX_ENCL_RESERVE_ENTRIES) {
		struct sgx_encl_page *p = calloc(1, sizeof(*p));

		if (!p)
			return;
		encl->rsv_entries[encl->nr_rsv_entries++] = p;
		atomic_fetch_add_explicit(&drv->st_meta_bytes, sizeof(*p), memory_order_relaxed);
	}
	if (!encl->rsv_va) {
		encl->rsv_va = calloc(1, sizeof(*encl->rsv_va));
		if (!encl->rsv_va)
			return;
		INIT_LIST_HEAD(&encl->rsv_va->list);
		atomic_fetch_add_explicit(&drv->st_meta_bytes, sizeof(*encl->rsv_va),
					  memory_order_relaxed);
	}
	(void)!sgx_page_array_refill(&encl->page_array);
}

void sgx_encl_refill(struct sgx_encl *encl)
{
	/* encl->lock is no leaf lock: allocating under it is fine (not signal context). */
	sgx_mutex_lock(&encl->lock);
	refill_locked(encl);
	sgx_mutex_unlock(&encl->lock);
}

void sgx_encl_service(struct sgx_encl *encl)
{
	sgx_mutex_lock(&encl->lock);
	refill_locked(encl);
	sgx_mutex_unlock(&encl->lock);
	sgx_encl_backing_flush_unlocked(encl);
}

void sgx_encl_request_service(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_encl *head;

	if (atomic_exchange_explicit(&encl->svc_queued, true, memory_order_acq_rel))
		return;
	/* The caller holds a reference (a VMA's), so this one cannot be the first. */
	sgx_encl_get(encl);
	head = atomic_load_explicit(&drv->svc_head, memory_order_relaxed);
	do {
		encl->svc_next = head;
	} while (!atomic_compare_exchange_weak_explicit(&drv->svc_head, &head, encl,
							memory_order_release,
							memory_order_relaxed));
	sgx_wake_ksgxd(drv, SGX_KSGXD_SERVICE);
}

unsigned int sgx_encl_epcm_prot(struct sgx_encl *encl, const struct sgx_encl_page *entry)
{
	struct sgx_driver *drv = encl->drv;
	struct hw_epcm_info info;

	if (!entry->epc_page)
		return 0;
	if (hw_epcm_read(drv->hw, sgx_epc_index(drv, entry->epc_page), &info))
		return 0;
	if (!info.valid || info.blocked || info.pending || info.modified ||
	    info.page_type != SGX_PT_REG)
		return 0;
	return info.perm & (PROT_READ | PROT_WRITE | PROT_EXEC);
}
