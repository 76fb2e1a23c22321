/* SPDX-License-Identifier: MIT */
/*
 * Enclaves, their pages, VA pages and the driver's VMAs (the kernel's
 * encl.h). Private to driver/. Lock order: see sgx.h.
 */
#ifndef SGXEMU_DRIVER_ENCL_H
#define SGXEMU_DRIVER_ENCL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "list.h"
#include "lock.h"
#include "page_array.h"
#include "policy.h"
#include "sgx.h"

/* sgx_encl_page.desc: the page's linear address plus these low bits. */
#define SGX_ENCL_PAGE_BEING_RECLAIMED   (1ull << 3)     /* while epc_page != NULL */
#define SGX_ENCL_PAGE_VA_OFFSET_MASK    0xff8ull        /* while evicted: VA slot offset */

/*
 * sgx_encl_page.pte: the page-table state of the page's linear address in
 * this process (there is one address space; the page lives at one address).
 *   SGX_PTE_PRESENT: Linux would have a PTE here (the page was faulted in
 *     and not zapped since). Decides the P bit of reported #PF codes.
 *   SGX_PTE_PROT_MASK: PROT_* with which the EPC memfd page is mapped at the
 *     address; 0 means an anonymous PROT_NONE page sits there instead. The
 *     mapping is always VMA protection ∩ EPCM permissions, so any access the
 *     VMA or the EPCM forbids faults into sgx_encl_fault().
 */
#define SGX_PTE_PRESENT                 0x80u
#define SGX_PTE_PROT_MASK               0x07u
/*
 * SGX_PTE_YOUNG: the software "accessed" bit (reclaim.c explains why and
 * what it costs). Set whenever the fault handler or the LP's page walk
 * resolves the page, cleared by a reclaim pass that zaps the mapping so
 * that the next access faults and sets it again. Gone with the PTE.
 */
#define SGX_PTE_YOUNG                   0x40u

struct sgx_encl;
struct sgx_encl_va_page;

struct sgx_encl_page {
	uint64_t desc;
	uint8_t vm_max_prot_bits;       /* PROT_* this page may ever be mapped with */
	uint8_t type;                   /* enum sgx_page_type */
	uint8_t pte;                    /* SGX_PTE_* */
	struct sgx_epc_page *epc_page;  /* NULL while evicted */
	struct sgx_encl *encl;
	struct sgx_encl_va_page *va_page;    /* while evicted */
};

enum sgx_encl_flags {
	SGX_ENCL_IOCTL          = 1u << 0,
	SGX_ENCL_DEBUG          = 1u << 1,
	SGX_ENCL_CREATED        = 1u << 2,
	SGX_ENCL_INITIALIZED    = 1u << 3,
};

/* Entries the fault handler's EAUG may take without allocating. */
#define SGX_ENCL_RESERVE_ENTRIES        16
/* Backing pages the fault handler leaves to ksgxd to free (backing.c). */
#define SGX_ENCL_PUNCH_MAX              64

/*
 * The kernel's struct sgx_va_page; renamed because arch/ uses that name for
 * the SDM layout of the page itself.
 */
struct sgx_encl_va_page {
	struct sgx_epc_page *epc_page;
	uint64_t slots[SGX_VA_SLOT_COUNT / 64];
	struct list_head list;          /* encl->va_pages */
};

struct sgx_encl {
	struct sgx_driver *drv;
	uint64_t base, size;            /* ELRANGE; set once by CREATE */
	atomic_uint flags;              /* enum sgx_encl_flags */
	/*
	 * lock protects: page_array and every sgx_encl_page in it (all fields),
	 * secs, page_cnt, secs_child_cnt, va_pages and every VA page's slots.
	 * Held across ENCLS work on the enclave's pages, as the kernel's mutex.
	 */
	struct sgx_mutex lock;
	unsigned int page_cnt;          /* pages that need a VA slot: SECS + children */
	unsigned int secs_child_cnt;    /* resident children of the SECS */
	struct sgx_page_array page_array;
	struct sgx_encl_page secs;
	uint64_t attributes;            /* SECS.ATTRIBUTES, set once by CREATE */
	/* Written by PROVISION, read by INIT: both run under SGX_ENCL_IOCTL. */
	uint64_t attributes_mask;
	/* The policy's per-enclave state (its id, MRENCLAVE/MRSIGNER after INIT). */
	struct policy_encl policy;
	int backing;                    /* memfd "SGX backing", -1 before CREATE */
	/*
	 * References: one per sgx_file opened on the enclave device (taken at
	 * open) and one per driver VMA mapping the enclave.
	 */
	atomic_long refcount;
	struct list_head va_pages;
	/* The enclave's EPC allocation cursor; only the allocator touches it,
	 * under drv->epc_lock. */
	uint64_t epc_hint;

	/*
	 * The "SGX backing" store (backing.c), all under lock: the memfd
	 * mapped whole (map, map_size) from the first EWB on; pcmd_used has
	 * one bit per PCMD page that holds data (or was not freed yet);
	 * backing_bytes is what the memfd holds by that count.
	 */
	uint8_t *backing_map;
	uint64_t backing_map_size;
	uint64_t *pcmd_used;
	uint64_t backing_bytes;
	/*
	 * Backing indices ELDU'd by the fault handler whose blob (and maybe
	 * PCMD page) still waits to be freed by a normal path: fallocate()
	 * costs more than the rest of a fault-in (see backing.c). Each index
	 * at most once; all of them resident (EWB takes its index back).
	 */
	uint64_t punch[SGX_ENCL_PUNCH_MAX];
	unsigned int nr_punch;
	/*
	 * Indices ksgxd is punching right now without the lock (see
	 * sgx_encl_backing_flush_unlocked()); EWB leaves those pages alone.
	 */
	uint64_t punching[SGX_ENCL_PUNCH_MAX];
	unsigned int nr_punching;

	/*
	 * EAUG reserve, under lock: the fault handler cannot allocate, so it
	 * takes page entries, a VA page struct and page-array nodes (in
	 * page_array) from here; normal paths refill (sgx_encl_service()).
	 */
	struct sgx_encl_page *rsv_entries[SGX_ENCL_RESERVE_ENTRIES];
	unsigned int nr_rsv_entries;
	struct sgx_encl_va_page *rsv_va;
	/* Queued on drv->svc_head for ksgxd's sgx_encl_service() (holds a
	 * reference while so). */
	atomic_bool svc_queued;
	struct sgx_encl *svc_next;
};

/* A mapping of enclave memory in this process: [start, end), page aligned. */
struct sgx_vma {
	uint64_t start, end;
	int prot;                       /* PROT_READ|PROT_WRITE|PROT_EXEC */
	struct sgx_encl *encl;          /* holds a reference */
	struct sgx_vma *next_dead;      /* while waiting for its reference to go */
};

/* An open file of one of the devices. */
struct sgx_file {
	struct sgx_driver *drv;
	enum sgx_dev dev;
	atomic_long refcount;           /* sgx_open() and sgx_file_get() */
	struct sgx_encl *encl;          /* SGX_DEV_ENCLAVE: holds a reference */
	struct list_head list;          /* drv->files, under drv->files_lock */
};

static inline bool sgx_encl_test_flag(struct sgx_encl *encl, unsigned int flag)
{
	return atomic_load_explicit(&encl->flags, memory_order_acquire) & flag;
}

static inline void sgx_encl_set_flag(struct sgx_encl *encl, unsigned int flag)
{
	atomic_fetch_or_explicit(&encl->flags, flag, memory_order_acq_rel);
}

/*
 * sgx_pte_prot() - what a PTE made for a VMA with @vma_prot lets through on
 * x86: there are no write-only or exec-only pages, so PROT_WRITE and
 * PROT_EXEC each imply PROT_READ. Enclave mappings are computed from this,
 * not from the bare VMA bits, or a write-only VMA over a page the EPCM
 * makes read-only would map nothing where hardware allows the read.
 */
static inline unsigned int sgx_pte_prot(int vma_prot)
{
	unsigned int p = (unsigned int)vma_prot & (PROT_READ | PROT_WRITE | PROT_EXEC);

	return p ? p | PROT_READ : 0;
}

static inline uint64_t sgx_encl_page_addr(const struct sgx_encl_page *p)
{
	return p->desc & SGX_PAGE_MASK;
}

/*
 * sgx_encl_range() - page indices [*@first, *@last] of [@start, @end) ∩
 * ELRANGE. Return: false if the two do not meet (or no ELRANGE yet).
 */
static inline bool sgx_encl_range(struct sgx_encl *encl, uint64_t start, uint64_t end,
				  uint64_t *first, uint64_t *last)
{
	uint64_t nr = encl->size >> SGX_PAGE_SHIFT;

	if (!sgx_encl_test_flag(encl, SGX_ENCL_CREATED) || end <= start || end <= encl->base)
		return false;
	if (start >= encl->base && start - encl->base >= encl->size)
		return false;
	*first = start > encl->base ? (start - encl->base) >> SGX_PAGE_SHIFT : 0;
	*last = (end - 1 - encl->base) >> SGX_PAGE_SHIFT;
	if (*last >= nr)
		*last = nr - 1;
	return true;
}

/* ---- encl.c ---------------------------------------------------------- */

/**
 * sgx_encl_alloc() - a fresh, not yet created enclave with one reference.
 * Return: 0, -ENOMEM.
 */
int sgx_encl_alloc(struct sgx_driver *drv, struct sgx_encl **out)
	__attribute__((warn_unused_result));

void sgx_encl_get(struct sgx_encl *encl);
/** sgx_encl_get_unless_zero() - a reference unless the enclave is dying. */
bool sgx_encl_get_unless_zero(struct sgx_encl *encl) __attribute__((warn_unused_result));
/**
 * sgx_encl_put() - drop a reference; the last one releases the enclave
 * (every page EREMOVEd and its EPC page freed).
 * Context: no lock of this enclave held.
 */
void sgx_encl_put(struct sgx_encl *encl);

/**
 * sgx_encl_lookup() - the page array entry for linear address @addr.
 * Context: encl->lock held, or a caller that can live with a racing update.
 * Return: the entry, or NULL (not added, or outside ELRANGE).
 */
struct sgx_encl_page *sgx_encl_lookup(struct sgx_encl *encl, uint64_t addr);

/**
 * sgx_encl_page_alloc() - a page-array entry for ELRANGE offset @offset with
 * its maximum protection from @secinfo_flags (TCS pages: RW).
 * Return: 0, -ENOMEM.
 */
int sgx_encl_page_alloc(struct sgx_encl *encl, uint64_t offset, uint64_t secinfo_flags,
			struct sgx_encl_page **out) __attribute__((warn_unused_result));

/**
 * sgx_encl_may_map() - may [@start, @end) be mapped (or mprotected) with
 * @prot? After INIT only inside ELRANGE; never for READ_IMPLIES_EXEC
 * tasks; never beyond the maximum protection of a page present in the
 * range (holes impose nothing).
 * Context: no lock of this enclave held (takes encl->lock).
 * Return: 0 or -EACCES.
 */
int sgx_encl_may_map(struct sgx_encl *encl, uint64_t start, uint64_t end, int prot)
	__attribute__((warn_unused_result));

/**
 * sgx_encl_grow() - account one more page needing a VA slot; every
 * SGX_VA_SLOT_COUNT pages that takes a new VA page (EPA), returned in
 * *@va_out for the caller to put on encl->va_pages (NULL if none needed).
 * Context: page_cnt is the caller's: SGX_ENCL_IOCTL owned (ioctls, as in
 * the kernel) or encl->lock held (fault path); with @reclaim, encl->lock
 * not held.
 * Return: 0, -ENOMEM, -EBUSY, -EFAULT (EPA failed).
 */
int sgx_encl_grow(struct sgx_encl *encl, bool reclaim, struct sgx_encl_va_page **va_out)
	__attribute__((warn_unused_result));

/**
 * sgx_encl_shrink() - undo sgx_encl_grow(); frees @va_page (EREMOVE) if
 * given, taking it off encl->va_pages.
 * Context: encl->lock held if @va_page was put on the list.
 */
void sgx_encl_shrink(struct sgx_encl *encl, struct sgx_encl_va_page *va_page);

/** sgx_alloc_va_slot() - offset (slot * 8) of a free slot, taken. */
unsigned int sgx_alloc_va_slot(struct sgx_encl_va_page *va_page);
void sgx_free_va_slot(struct sgx_encl_va_page *va_page, unsigned int offset);
bool sgx_va_page_full(struct sgx_encl_va_page *va_page);

/**
 * sgx_encl_free_epc_page() - EREMOVE @page and free it. An EREMOVE failure
 * (a thread still inside the enclave) leaks the page, as the kernel does,
 * with a warning; nothing for the caller to undo.
 * Return: true if the page was freed, false if it was leaked.
 */
bool sgx_encl_free_epc_page(struct sgx_driver *drv, struct sgx_epc_page *page);

/**
 * sgx_encl_load_entry() - make @entry resident: nothing to do if it is,
 * -EBUSY while the reclaimer is writing it out, else ELDU it back (the
 * SECS first if it is out too) into a fresh EPC page. EPC pages for it
 * never come from direct reclaim, which could need this enclave's lock.
 * @sigctx: called from the fault handler: only try the free-page lock,
 *          and put the page on the active list without blocking.
 * Context: encl->lock held; with @sigctx, signal context safe.
 * Return: 0, -EBUSY (retry: no free EPC page now, being written out),
 * -EFAULT (cannot be loaded: altered backing, PCMD or version), -ENOMEM.
 */
int sgx_encl_load_entry(struct sgx_encl *encl, struct sgx_encl_page *entry, bool sigctx)
	__attribute__((warn_unused_result));

/**
 * sgx_encl_load_secs() - ELDU the SECS back if it was evicted.
 * Context, Return: as sgx_encl_load_entry().
 */
int sgx_encl_load_secs(struct sgx_encl *encl, bool sigctx) __attribute__((warn_unused_result));

/**
 * sgx_encl_load_page() - the resident entry for @addr (SGX2 ioctls).
 * Context: encl->lock held.
 * Return: 0 and *@out; -EFAULT (no page there, or cannot be loaded);
 * -EBUSY (being reclaimed, or no free EPC page: the ioctls answer -EAGAIN).
 */
int sgx_encl_load_page(struct sgx_encl *encl, uint64_t addr, struct sgx_encl_page **out)
	__attribute__((warn_unused_result));

/**
 * sgx_encl_refill() - top up the EAUG reserve (entries, a VA page struct,
 * page-array nodes) of an SGX2 enclave once it is created.
 * Context: no lock of this enclave held; may allocate.
 */
void sgx_encl_refill(struct sgx_encl *encl);

/**
 * sgx_encl_service() - what the fault handler asked ksgxd for: refill the
 * EAUG reserve and free the backing of pages it loaded.
 * Context: no lock of this enclave held; may allocate.
 */
void sgx_encl_service(struct sgx_encl *encl);

/**
 * sgx_encl_request_service() - queue the enclave for sgx_encl_service() by
 * ksgxd (reserve short, backing to free). Context: any, signal handlers
 * included.
 */
void sgx_encl_request_service(struct sgx_encl *encl);

/* Per-entry heap metadata, for the statistics. */
#define SGX_ENCL_PAGE_META_BYTES sizeof(struct sgx_encl_page)

/* ---- backing.c --------------------------------------------------------- */

/**
 * sgx_encl_backing_prepare() - map the "SGX backing" memfd (once) and make
 * sure the PCMD bookkeeping exists, before the first EWB.
 * Context: encl->lock held; not in signal context.
 * Return: 0, -ENOMEM, or the -errno of mmap.
 */
int sgx_encl_backing_prepare(struct sgx_encl *encl) __attribute__((warn_unused_result));

/*
 * EWB output on its way to the memfd: EWB encrypts into @buf, then
 * sgx_encl_backing_write() writes runs of neighbouring pages with one
 * pwritev() each. A write into a hole of the memfd through its mapping
 * costs a page fault and a zeroed page on top of the allocation; pwritev
 * of whole pages costs neither (see backing.c).
 */
struct sgx_ewb_batch {
	uint8_t *buf;                   /* SGX_NR_TO_SCAN pages, page aligned */
	uint64_t index[SGX_NR_TO_SCAN]; /* backing index of each page in buf */
	unsigned int n;
};

/**
 * sgx_encl_ewb() - EWB @epc, the page of backing index @index (ELRANGE
 * page, or size/4096 for the SECS), into the backing (through @batch if
 * not NULL: then sgx_encl_backing_write() must follow before encl->lock
 * is dropped) and a VA slot taken here. On success the slot is recorded
 * in *@desc (the VA offset bits) and *@va_page; on failure the slot is
 * given back.
 * Context: encl->lock held; the backing prepared.
 * Return: the EWB result (0, SGX_NOT_TRACKED, ...).
 */
unsigned int sgx_encl_ewb(struct sgx_encl *encl, struct sgx_epc_page *epc, uint64_t index,
			  uint64_t *desc, struct sgx_encl_va_page **va_page,
			  struct sgx_ewb_batch *batch);

/**
 * sgx_encl_backing_write() - write what EWB left in @batch to the memfd
 * and empty it.
 * Context: encl->lock held, the same hold as the EWBs.
 */
void sgx_encl_backing_write(struct sgx_encl *encl, struct sgx_ewb_batch *batch);

/**
 * sgx_encl_eldu() - ELDU the evicted page @entry (or encl->secs) of backing
 * index @index into a fresh EPC page: the VA slot is freed, the PCMD entry
 * cleared, the backing page's hole punched and its PCMD page freed once
 * all 32 entries are empty and no reclaim of a page sharing it is in
 * flight - in signal context later, by sgx_encl_backing_flush().
 * Context: encl->lock held; with @sigctx, signal context safe.
 * Return: 0 and entry->epc_page set; -EBUSY (no EPC page now, or a
 * transient leaf conflict); -EFAULT (MAC failure: altered backing, PCMD or
 * version); -ENOMEM.
 */
int sgx_encl_eldu(struct sgx_encl *encl, struct sgx_encl_page *entry, uint64_t index,
		  bool sigctx) __attribute__((warn_unused_result));

/**
 * sgx_encl_backing_flush() - free the backing of the pages the fault
 * handler loaded (hole punches, batched over neighbouring pages) and the
 * PCMD pages that became empty.
 * Context: encl->lock held; not in signal context.
 */
void sgx_encl_backing_flush(struct sgx_encl *encl);

/**
 * sgx_encl_backing_flush_unlocked() - the same for ksgxd, holding the
 * enclave lock only to take the indices and to account: the hole punches
 * (tens of microseconds for a batch) run without it, so faults on the
 * enclave do not retry meanwhile. EWB of a page being punched then is
 * refused (its pass puts the page back); PCMD pages are freed under the
 * lock, where EWB cannot write one at the same time.
 * Context: no lock of this enclave held; not in signal context.
 */
void sgx_encl_backing_flush_unlocked(struct sgx_encl *encl);

/* sgx_encl_ewb()'s answer for a page whose backing is being punched. */
#define SGX_ENCL_EWB_BUSY 0xffffu

/**
 * sgx_encl_backing_release() - unmap and close the backing, account its bytes.
 * Context: the enclave is being released (no other user).
 */
void sgx_encl_backing_release(struct sgx_encl *encl);

/** The PCMD byte offset of backing index @index (the kernel's layout). */
static inline uint64_t sgx_encl_pcmd_offset(const struct sgx_encl *encl, uint64_t index)
{
	return encl->size + SGX_PAGE_SIZE + index * sizeof(struct sgx_pcmd);
}

/**
 * sgx_encl_epcm_prot() - PROT_* the EPCM lets enclave code use on @entry's
 * EPC page right now: its R/W/X for a valid, unblocked REG page that is
 * neither PENDING nor MODIFIED; nothing otherwise (TCS, TRIM, ...).
 * Context: encl->lock held; no locks taken (signal context).
 */
unsigned int sgx_encl_epcm_prot(struct sgx_encl *encl, const struct sgx_encl_page *entry);

/* ---- pte.c ----------------------------------------------------------- */

/**
 * sgx_encl_install_pte() - "insert the PFN": mark @entry present and young
 * and map its EPC page at its address with @vma_prot ∩ EPCM (anonymous
 * PROT_NONE if that is empty).
 * Context: encl->lock and drv->mm_lock (read) held; signal context safe.
 * Return: 0, or -errno of the mmap (the state is unchanged then).
 */
int sgx_encl_install_pte(struct sgx_encl *encl, struct sgx_encl_page *entry, int vma_prot)
	__attribute__((warn_unused_result));

/**
 * sgx_zap_enclave_ptes() - remove the mapping of enclave page @addr: an
 * anonymous PROT_NONE page replaces it and it is no longer present, so the
 * next access faults into sgx_encl_fault(). For the reclaimer and EMODT.
 * Context: encl->lock held.
 * Return: 0, or -ENOMEM when the kernel refused both mmap and mprotect
 * (the page must then not be freed: it is still mapped).
 */
int sgx_zap_enclave_ptes(struct sgx_encl *encl, uint64_t addr) __attribute__((warn_unused_result));

/**
 * sgx_encl_sync_pte() - after the EPCM permissions of @entry were lowered
 * (EMODPR, EMODT, EBLOCK), lower its mapping to match; it stays present.
 * Context: encl->lock held.
 * Return: 0, -ENOMEM as sgx_zap_enclave_ptes().
 */
int sgx_encl_sync_pte(struct sgx_encl *encl, struct sgx_encl_page *entry)
	__attribute__((warn_unused_result));

/**
 * sgx_encl_change_ptes() - mprotect of [@start, @end) to @vma_prot: every
 * present page gets @vma_prot ∩ EPCM, in as few mmap/mprotect calls as the
 * runs of neighbouring pages allow; PROT_NONE makes pages not present.
 * Context: drv->mm_lock (write) held; takes encl->lock.
 * Return: 0, or -errno of the first call that failed. Pages before it have
 * the new protection, the rest the old, as a partly applied mprotect in
 * Linux; either way never more than the EPCM allows.
 */
int sgx_encl_change_ptes(struct sgx_encl *encl, uint64_t start, uint64_t end, int vma_prot)
	__attribute__((warn_unused_result));

/**
 * sgx_encl_zap_range() - take [@start, @end) away from the enclave: munmap
 * it (@unmap) or cover it with an anonymous PROT_NONE reservation, and
 * forget the PTE state of the enclave pages there, in one step under the
 * enclave lock (no EPC page stays mapped behind the driver's back).
 * Context: drv->mm_lock (write) held; takes encl->lock.
 * Return: 0 or -errno of munmap/mmap (nothing changed then).
 */
int sgx_encl_zap_range(struct sgx_encl *encl, uint64_t start, uint64_t end, bool unmap)
	__attribute__((warn_unused_result));

/* ---- vma.c ----------------------------------------------------------- */

/**
 * sgx_vma_find() - the driver VMA containing @addr, or NULL.
 * Context: drv->mm_lock held (read or write); signal context safe.
 */
struct sgx_vma *sgx_vma_find(struct sgx_driver *drv, uint64_t addr);

/** sgx_vma_teardown_all() - unmap every driver VMA (driver destroy). */
void sgx_vma_teardown_all(struct sgx_driver *drv);

#endif /* SGXEMU_DRIVER_ENCL_H */
