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
 *                                 sgx_driver.files_lock (open files),
 *                                 sgx_driver.ksgxd_lock (kick hook)
 *
 * No leaf lock is held across ENCLS work, a syscall or an allocation.
 * The fault handler (signal context) only try-locks; see lock.h. What it
 * must do without a lock it does lock-free: freeing an EPC page (atomic
 * bitmap), putting a page on the active list when reclaimer_lock is taken
 * (the lru_pending stack), waking ksgxd (a futex).
 */
#ifndef SGXEMU_DRIVER_SGX_H
#define SGXEMU_DRIVER_SGX_H

#include <pthread.h>
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
/* On the list, blocked, after a pass could not write it back (reclaim.c). */
#define SGX_EPC_PAGE_STUCK              (1u << 2)

#define SGX_EPC_NONE UINT32_MAX

/* ksgxd requests (sgx_driver.ksgxd_work), besides "free pages are low". */
#define SGX_KSGXD_SERVICE        (1u << 0)   /* enclaves queued on svc_head */
#define SGX_KSGXD_STUCK         (1u << 1)   /* retry written-back-pending pages */

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
	 * epc_lock protects: clearing bits of free_map and free_summary (taking
	 * pages) and next_fit. A bit set in free_map is a free page; a bit set in
	 * free_summary says the matching free_map word may have a free page.
	 * Setting bits (freeing) is lock-free, with atomic ORs, so that the
	 * fault handler can give back a page it could not use; the IS_FREE flag
	 * and owner of a page are written before its bit is published.
	 */
	struct sgx_mutex epc_lock;
	uint64_t *free_map;             /* accessed with __atomic builtins */
	uint64_t *free_summary;
	uint64_t nr_map_words;
	uint64_t next_fit;              /* where a new enclave starts looking */
	atomic_uint_fast64_t nr_free_pages;
	uint64_t low_pages, high_pages; /* watermarks */

	/* reclaimer_lock protects: active_head/tail, the lru links and the
	 * RECLAIMER_TRACKED flag; nr_active changes under it, is read without.
	 * nr_active counts every tracked page: on the list, isolated by a
	 * reclaim pass, or waiting on lru_pending. */
	struct sgx_mutex reclaimer_lock;
	uint32_t active_head, active_tail;
	atomic_uint_fast64_t nr_active;
	/*
	 * Pages the fault handler made reclaimable while reclaimer_lock was
	 * taken: a lock-free stack (push with CAS, linked through lru_next,
	 * emptied whole by whoever holds reclaimer_lock next), so no pop and
	 * no ABA. Its pages are already RECLAIMER_TRACKED.
	 */
	_Atomic uint32_t lru_pending;

	/* ---- ksgxd (reclaim.c) ---- */
	bool ksgxd_running;             /* thread started; written at create/destroy only */
	pthread_t ksgxd;
	/*
	 * The wait queue: ksgxd sleeps on the futex word ksgxd_seq; a waker
	 * changes the state ksgxd looks at, bumps the word and, if ksgxd
	 * sleeps, wakes it. All of it async-signal-safe.
	 */
	_Atomic uint32_t ksgxd_seq;
	atomic_bool ksgxd_sleeping;
	atomic_bool ksgxd_stop;
	_Atomic unsigned int ksgxd_work;        /* SGX_KSGXD_* requests */
	/* Enclaves whose EAUG reserve wants refilling: a lock-free stack as
	 * lru_pending, through sgx_encl.svc_next; each holds a reference. */
	_Atomic(struct sgx_encl *) svc_head;
	/* ksgxd_lock protects: kick, kick_ctx. kick_users: calls running. */
	struct sgx_mutex ksgxd_lock;
	sgx_kick_fn kick;
	void *kick_ctx;
	atomic_uint kick_users;

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
	struct sgx_src_cache *src_cache; /* noexec verdicts per source mapping, or NULL */

	/* ---- statistics ---- */
	atomic_uint_fast64_t st_enclaves;
	atomic_uint_fast64_t st_pages_by_type[8];
	atomic_uint_fast64_t st_ioctls[8];
	atomic_uint_fast64_t st_ioctl_errors;
	atomic_uint_fast64_t st_faults, st_faults_reported;
	atomic_uint_fast64_t st_ewb, st_eldu, st_eaug, st_reclaim_passes, st_backing_bytes;
	atomic_uint_fast64_t st_aged, st_kicks, st_eldu_fail, st_not_tracked;
	/* Heap metadata that grows with enclaves (entries, VA structs, page
	 * array nodes, reserves), in bytes; see sgx_driver_stats(). */
	atomic_uint_fast64_t st_meta_bytes;
	atomic_uint_fast64_t st_encl_pages;     /* page-array entries of all enclaves */
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
 * Wakes ksgxd when the free pages drop below the low watermark.
 * Context: no driver lock needed; with @reclaim, no enclave lock held.
 * Return: 0 and *@out; -ENOMEM when nothing is free and nothing can be
 * reclaimed, -EBUSY when nothing is free and !@reclaim (or the lock was
 * contended).
 */
int sgx_alloc_epc_page(struct sgx_driver *drv, void *owner, bool reclaim, uint64_t *hint,
		       struct sgx_epc_page **out) __attribute__((warn_unused_result));

/**
 * sgx_alloc_epc_page_noreclaim() - sgx_alloc_epc_page() for a caller that
 * holds an enclave lock outside signal context (ELDU and EAUG from the
 * ioctls): waits for the free-page lock but never reclaims, since a pass
 * may need the very enclave lock held (the kernel passes reclaim=false).
 * Return: 0 and *@out, -EBUSY (nothing free now), -ENOMEM.
 */
int sgx_alloc_epc_page_noreclaim(struct sgx_driver *drv, void *owner, uint64_t *hint,
				 struct sgx_epc_page **out) __attribute__((warn_unused_result));

/**
 * sgx_free_epc_page() - put @page back on the free pages. The caller has
 * made it invalid in the EPCM (EREMOVE, EWB, a failed ELDU) already.
 * Context: any, signal handlers included (lock-free).
 */
void sgx_free_epc_page(struct sgx_driver *drv, struct sgx_epc_page *page);

/**
 * sgx_mark_page_reclaimable() - append @page to the active (LRU) list.
 * Context: not in signal context (blocks on reclaimer_lock).
 */
void sgx_mark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page);

/**
 * sgx_mark_page_reclaimable_sigsafe() - the same from the fault handler:
 * appended now if reclaimer_lock is free, else pushed on lru_pending and
 * appended by the next holder of the lock. Tracked from now on either way.
 * Context: any, signal handlers included.
 */
void sgx_mark_page_reclaimable_sigsafe(struct sgx_driver *drv, struct sgx_epc_page *page);

/**
 * sgx_unmark_page_reclaimable() - take @page off the active list.
 * Return: 0, or -EBUSY when a reclaim pass has isolated it.
 */
int sgx_unmark_page_reclaimable(struct sgx_driver *drv, struct sgx_epc_page *page)
	__attribute__((warn_unused_result));

/*
 * Active-list primitives for reclaim.c. Context: reclaimer_lock held.
 * sgx_lru_drain_pending_locked() moves lru_pending onto the list;
 * sgx_lru_pop_head_locked() isolates the head page (still TRACKED), or
 * returns NULL; sgx_lru_del_locked() isolates @page, which is on the list;
 * sgx_lru_add_locked() appends an isolated page at the tail, or at the
 * head with @head.
 */
void sgx_lru_drain_pending_locked(struct sgx_driver *drv);
struct sgx_epc_page *sgx_lru_pop_head_locked(struct sgx_driver *drv);
void sgx_lru_del_locked(struct sgx_driver *drv, struct sgx_epc_page *page);
void sgx_lru_add_locked(struct sgx_driver *drv, struct sgx_epc_page *page, bool head);

/* ---- reclaim.c ----------------------------------------------------------- */

/**
 * sgx_reclaim_pages() - one reclaim pass (the kernel's sgx_reclaim_pages):
 * isolate up to SGX_NR_TO_SCAN pages off the head of the active list, give
 * young ones a second chance, write the rest back (EBLOCK, zap, ETRACK,
 * EWB, kick) and free them; evict a SECS whose last child went.
 * Also the synchronous "evict now" of tests (sgx_driver_config.manual_reclaim).
 * Context: no enclave lock held; not in signal context.
 * Return: number of EPC pages freed.
 */
unsigned int sgx_reclaim_pages(struct sgx_driver *drv);

/** sgx_should_reclaim() - free pages below @watermark and something to reclaim. */
bool sgx_should_reclaim(struct sgx_driver *drv, uint64_t watermark);

/**
 * sgx_encl_kick() - the kernel's IPI to the CPUs in the enclave's cpumask:
 * call the kick hook, if one is set, for the enclave whose SECS is EPC page
 * @secs_index, and return once every logical processor that was inside has
 * left at least once. Counted in kick_users, so that sgx_driver_set_kick()
 * can wait for running kicks.
 * Context: no driver lock, or the enclave's lock only (the SGX2 ioctls):
 * the hook waits for nothing but the threads' AEXes, which take no lock.
 * Return: whether a hook ran.
 */
bool sgx_encl_kick(struct sgx_driver *drv, uint64_t secs_index);

/**
 * sgx_reclaim_direct() - reclaim if below the low watermark (SGX2 ioctls).
 * Context: as sgx_reclaim_pages().
 */
void sgx_reclaim_direct(struct sgx_driver *drv);

/**
 * sgx_wake_ksgxd() - ask ksgxd to look at the watermarks and at @work
 * (SGX_KSGXD_*, may be 0).
 * Context: any, signal handlers included (an atomic and a futex wake).
 */
void sgx_wake_ksgxd(struct sgx_driver *drv, unsigned int work);

/**
 * sgx_ksgxd_step() - one round of what ksgxd does when woken: refill the
 * queued EAUG reserves, retry pages left blocked, and reclaim once if free
 * pages are below the high watermark. For manual_reclaim drivers (tests).
 * Context: as sgx_reclaim_pages().
 * Return: pages freed.
 */
unsigned int sgx_ksgxd_step(struct sgx_driver *drv);

/* Start/stop the ksgxd thread (sgx_driver_create/destroy). */
int sgx_ksgxd_start(struct sgx_driver *drv) __attribute__((warn_unused_result));
void sgx_ksgxd_stop(struct sgx_driver *drv);

/* driver.c: teardown of files still open at sgx_driver_destroy(). */
void sgx_files_release_all(struct sgx_driver *drv);

#endif /* SGXEMU_DRIVER_SGX_H */
