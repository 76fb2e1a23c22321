/* SPDX-License-Identifier: MIT */
/*
 * Driver-wide state and the EPC page allocator (the kernel's sgx.h and
 * main.c): struct sgx_driver, struct sgx_epc_page, free pages, the active
 * (reclaimable) list, watermarks and statistics. Private to driver/.
 *
 * Lock order, outermost first (one order for the whole driver):
 *
 *   1. sgx_driver.mm_lock         the address space: driver VMAs (mmap_lock)
 *   2. sgx_encl.lock              one enclave: page array, page and PTE state
 *   3. sgx_driver.einit_lock      LEPUBKEYHASH MSRs + EINIT as one step
 *   4. leaf locks, never nested:  sgx_driver.epc_lock (free pages),
 *                                 sgx_driver.reclaimer_lock (active list),
 *                                 sgx_driver.files_lock (open files)
 *
 * No leaf lock is held across ENCLS work, a syscall or an allocation.
 * The fault handler (signal context) only try-locks; see lock.h.
 */
#ifndef SGXEMU_DRIVER_SGX_H
#define SGXEMU_DRIVER_SGX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "list.h"
#include "lock.h"
#include "platform.h"

/* SGXEMU_BUG_ON(): a broken driver invariant; report and abort. */
void sgx_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define SGXEMU_BUG_ON(cond) \
	do { if (__builtin_expect(!!(cond), 0)) sgx_bug(__FILE__, __LINE__, #cond); } while (0)

/* The kernel's constants (arch/x86/kernel/cpu/sgx/sgx.h, driver.h). */
#define SGX_EEXTEND_BLOCK_SIZE  256
#define SGX_NR_TO_SCAN          16
#define SGX_NR_LOW_PAGES        32
#define SGX_NR_HIGH_PAGES       64
#define SGX_EINIT_SPIN_COUNT    20
#define SGX_EINIT_SLEEP_COUNT   50
#define SGX_EINIT_SLEEP_TIME    20      /* ms */

/* v6.1's fixed masks (arch/x86/include/asm/sgx.h of that release). */
#define SGX_DRV_ATTR_RESERVED_MASK  ((1ull << 3) | (1ull << 6) | ~((1ull << 8) - 1))
#define SGX_DRV_MISC_RESERVED_MASK  0xfffffffeu     /* GENMASK_ULL(63, 1) as a u32 */
#define SGX_ATTR_UNPRIV_MASK        (SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS)

/* struct sgx_epc_page.flags */
#define SGX_EPC_PAGE_RECLAIMER_TRACKED  (1u << 0)   /* on the active list (or isolated) */
#define SGX_EPC_PAGE_IS_FREE            (1u << 1)

#define SGX_EPC_NONE UINT32_MAX

/*
 * Driver state of one EPC page, indexed like the hw EPC. Kept at 24 bytes:
 * the active list links are 32-bit page indices, not pointers.
 */
struct sgx_epc_page {
	void *owner;                    /* sgx_encl_page, sgx_va_page, or NULL */
	uint32_t lru_prev, lru_next;    /* active list, SGX_EPC_NONE-terminated */
	uint16_t flags;                 /* SGX_EPC_PAGE_* */
	uint16_t reserved;
};
_Static_assert(sizeof(struct sgx_epc_page) == 24, "EPC page metadata stays compact");

struct sgx_vma;

struct sgx_driver {
	struct hw_platform *hw;
	int epc_fd;                     /* hw_epc_memfd(): page i at offset i * 4096 */
	bool sgx2;
	struct sgx_driver_config cfg;

	/* Reserved-bit masks derived from CPUID 0x12 at create (sgx_drv_init). */
	uint64_t attributes_reserved_mask;
	uint64_t xfrm_reserved_mask;
	uint32_t misc_reserved_mask;

	/* ---- EPC (main.c) ---- */
	uint64_t nr_epc_pages;
	struct sgx_epc_page *epc_pages; /* nr_epc_pages entries */
	/*
	 * epc_lock protects: free_map, free_summary, next_fit and the IS_FREE
	 * flag. A bit set in free_map is a free page; a bit set in free_summary
	 * says the matching free_map word has a free page.
	 */
	struct sgx_mutex epc_lock;
	uint64_t *free_map;
	uint64_t *free_summary;
	uint64_t nr_map_words;
	uint64_t next_fit;              /* where a new enclave starts looking */
	atomic_uint_fast64_t nr_free_pages;
	uint64_t low_pages, high_pages; /* watermarks */

	/* reclaimer_lock protects: active_head/tail, the lru links and the
	 * RECLAIMER_TRACKED flag; nr_active changes under it, is read without. */
	struct sgx_mutex reclaimer_lock;
	uint32_t active_head, active_tail;
	atomic_uint_fast64_t nr_active;

	/* ---- address space (vma.c) ---- */
	/* mm_lock protects: vmas, nr_vmas, vma_cap (sorted, non-overlapping). */
	struct sgx_rwsem mm_lock;
	struct sgx_vma **vmas;
	size_t nr_vmas, vma_cap;

	/* einit_lock protects: the LEPUBKEYHASH MSRs between write and EINIT. */
	struct sgx_mutex einit_lock;

	/* files_lock protects: files (every sgx_file not yet released). */
	struct sgx_mutex files_lock;
	struct list_head files;

	/* Source-page VMA queries for ADD_PAGES (uaccess.c). */
	int maps_fd;                    /* /proc/self/maps, -1 if unavailable */
	atomic_int procmap_query;       /* 1 works, 0 unknown, -1 unsupported */

	/* ---- statistics ---- */
	atomic_uint_fast64_t st_enclaves;
	atomic_uint_fast64_t st_pages_by_type[8];
	atomic_uint_fast64_t st_ioctls[8];
	atomic_uint_fast64_t st_ioctl_errors;
	atomic_uint_fast64_t st_faults, st_faults_reported;
	atomic_uint_fast64_t st_ewb, st_eldu, st_eaug, st_reclaim_passes, st_backing_bytes;
};

static inline void sgx_stat_inc(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static inline void sgx_stat_dec(atomic_uint_fast64_t *c)
{
	atomic_fetch_sub_explicit(c, 1, memory_order_relaxed);
}

/* Count a resident page of type @type coming (@delta 1) or going (-1). */
static inline void sgx_stat_page(struct sgx_driver *drv, unsigned int type, int delta)
{
	if (type >= 8)
		return;
	if (delta > 0)
		sgx_stat_inc(&drv->st_pages_by_type[type]);
	else
		sgx_stat_dec(&drv->st_pages_by_type[type]);
}

static inline uint64_t sgx_epc_index(const struct sgx_driver *drv, const struct sgx_epc_page *p)
{
	return (uint64_t)(p - drv->epc_pages);
}

/* sgx_get_epc_virt_addr() - the PRM-view address ENCLS leaves take. */
static inline void *sgx_get_epc_virt_addr(const struct sgx_driver *drv,
					  const struct sgx_epc_page *p)
{
	return hw_epc_page(drv->hw, sgx_epc_index(drv, p));
}

/**
 * sgx_alloc_epc_page() - take a free EPC page for @owner.
 * @hint: the caller's allocation cursor (an enclave's), or NULL: the search
 *        starts there and the cursor moves past the page taken, so that the
 *        pages of one enclave tend to be neighbours in the EPC (and their
 *        mappings of the EPC memfd merge into few VMAs).
 * @reclaim: direct reclaim allowed (ioctl paths). Without it the free-page
 *        lock is only tried, so the call is safe in the fault handler.
 *
 * Context: no driver lock needed; with @reclaim, no enclave lock held.
 * Return: 0 and *@out; -ENOMEM when nothing is free and nothing can be
 * reclaimed (always, until the reclaimer exists), -EBUSY when nothing is
 * free and !@reclaim (or the lock was contended).
 */
int sgx_alloc_epc_page(struct sgx_driver *drv, void *owner, bool reclaim, uint64_t *hint,
		       struct sgx_epc_page **out) __attribute__((warn_unused_result));

/**
 * sgx_free_epc_page() - put @page back on the free pages. The caller has
 * made it invalid in the EPCM (EREMOVE, EWB) already.
 */
void sgx_free_epc_page(struct sgx_driver *drv, struct sgx_epc_page *page);

/** sgx_mark_page_reclaimable() - append @page to the active (LRU) list. */
void sgx_mark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page);

/**
 * sgx_unmark_page_reclaimable() - take @page off the active list.
 * Return: 0, or -EBUSY when the reclaimer has isolated it.
 */
int sgx_unmark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page)
	__attribute__((warn_unused_result));

/**
 * sgx_reclaim_pages() - seam for issue 5 (ksgxd): EWB up to SGX_NR_TO_SCAN
 * pages off the head of the active list. Reclaims nothing yet.
 * Return: number of pages freed.
 */
unsigned int sgx_reclaim_pages(struct sgx_driver *drv);

/** sgx_should_reclaim() - free pages below @watermark and something to reclaim. */
bool sgx_should_reclaim(struct sgx_driver *drv, uint64_t watermark);

/** sgx_reclaim_direct() - reclaim if below the low watermark (SGX2 ioctls). */
void sgx_reclaim_direct(struct sgx_driver *drv);

/* driver.c: teardown of files still open at sgx_driver_destroy(). */
void sgx_files_release_all(struct sgx_driver *drv);

#endif /* SGXEMU_DRIVER_SGX_H */
