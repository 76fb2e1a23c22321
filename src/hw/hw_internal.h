/* SPDX-License-Identifier: MIT */
/*
 * hw/ private state: the EPCM exactly as the SDM defines it, and, kept apart
 * from it, the bookkeeping the emulated CPU needs (kvmtool's split between
 * "as seen by the guest" and "private to lkvm"). Only the .c files of hw/ include this.
 */
#ifndef SGXEMU_HW_INTERNAL_H
#define SGXEMU_HW_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform.h"
#include "crypto.h"

/* SGXEMU_BUG_ON(): a broken invariant inside sgxemu; report and abort. */
void hw_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define SGXEMU_BUG_ON(cond) \
	do { if (__builtin_expect(!!(cond), 0)) hw_bug(__FILE__, __LINE__, #cond); } while (0)

/*
 * EPCM entry (SDM 38.19). The R/W/X/PENDING/MODIFIED/PR bits sit at their
 * SECINFO.FLAGS positions so conversions are masks.
 */
#define EPCM_R          SGX_SECINFO_R
#define EPCM_W          SGX_SECINFO_W
#define EPCM_X          SGX_SECINFO_X
#define EPCM_PENDING    SGX_SECINFO_PENDING
#define EPCM_MODIFIED   SGX_SECINFO_MODIFIED
#define EPCM_PR         SGX_SECINFO_PR
#define EPCM_VALID      (1u << 6)
#define EPCM_BLOCKED    (1u << 7)
#define EPCM_PERM_MASK  (EPCM_R | EPCM_W | EPCM_X)
#define EPCM_STATE_MASK (EPCM_PENDING | EPCM_MODIFIED | EPCM_PR)

struct epcm_entry {
	uint64_t linaddr;               /* ENCLAVEADDRESS */
	uint32_t secs;                  /* EPC index of the owning SECS */
	uint8_t  page_type;             /* PT */
	uint8_t  flags;                 /* EPCM_* */
	uint16_t reserved;
};
_Static_assert(sizeof(struct epcm_entry) == 16, "EPCM entry stays compact");

/* Per-EPC-page emulator bookkeeping. */
struct epc_page_state {
	/*
	 * Held while a leaf works on the page; a second leaf that finds it
	 * taken gets SGX_EPC_PAGE_CONFLICT (ENCLS) or #GP, as on hardware.
	 */
	atomic_uint lock;
	/* TCS pages: 1 while a logical processor is inside on this TCS. */
	atomic_uint tcs_busy;
	union {
		uint64_t block_epoch;   /* REG/TCS/TRIM: epoch at EBLOCK */
		struct hw_encl *encl;   /* SECS pages: the enclave's bookkeeping */
	};
};

/*
 * Per-enclave bookkeeping: what hardware keeps in the hidden part of the
 * SECS. Lives from ECREATE to the EREMOVE of the SECS and survives the SECS
 * being paged out (found again through its EID at ELDU).
 */
struct hw_encl {
	uint64_t eid;                   /* unique enclave ID */
	uint64_t secs_index;            /* EPC index of the SECS, HW_EPC_NONE if paged out */
	struct hw_encl *next;           /* platform->encls list, under platform->encl_lock */

	/*
	 * lock protects: child_count, initialized and the KSS ids below; mr
	 * and the writes of initialized also hold the SECS page lock (EADD,
	 * EEXTEND, EINIT), which is all EEXTEND takes.
	 */
	pthread_mutex_t lock;
	struct crypto_sha256 *mr;       /* running MRENCLAVE until EINIT */
	uint64_t child_count;           /* resident pages owned by this SECS */
	bool initialized;
	uint8_t isv_family_id[16];
	uint8_t isv_ext_prod_id[16];

	/*
	 * ETRACK/EWB tracking, lock-free so EENTER/EEXIT stay cheap. A logical
	 * processor entering in epoch e counts itself in inside[e & 1] and
	 * uncounts on exit. ETRACK in epoch e requires inside[(e-1) & 1] to have
	 * drained (else SGX_PREV_TRK_INCMPL), then sets tracked = e and moves to
	 * e+1. A page blocked in epoch b may be written back once b <= tracked
	 * and inside[tracked & 1] == 0 (else SGX_NOT_TRACKED).
	 * Ordering: all accesses below are seq_cst (an LP's count-then-recheck
	 * against ETRACK's epoch bump and EWB's read of the count is a
	 * store-buffering pattern that acquire/release would let slip), and
	 * epoch only ever changes by read-modify-write (see track_block_epoch()).
	 */
	atomic_uint_fast64_t epoch;
	atomic_int_fast64_t tracked;    /* -1 until the first ETRACK */
	atomic_long inside[2];
	atomic_long lps_inside;         /* all logical processors in the enclave */
};

#define HW_EPC_NONE UINT64_MAX

struct hw_platform {
	struct hw_config cfg;

	/* EPC: one memfd, mapped once privately as the PRM view. */
	int epc_fd;
	uint8_t *prm;
	uint64_t nr_pages;

	struct epcm_entry *epcm;        /* nr_pages entries */
	struct epc_page_state *pages;   /* nr_pages entries */

	/* encl_lock protects: the encls list. Leaf lock: take no other inside it. */
	pthread_mutex_t encl_lock;
	struct hw_encl *encls;
	atomic_uint_fast64_t next_eid;

	/* Emulated MSRs. */
	atomic_uint_fast64_t lepubkeyhash[4];

	/* Keys. Wiped at destroy. */
	uint8_t root_seal_key[16];      /* "fuses": stable per machine (key file) */
	uint8_t root_prov_key[16];
	uint8_t owner_epoch[16];
	uint8_t report_keyid[32];       /* CR_REPORT_KEYID, derived from the root keys */
	struct crypto_gcm *paging;      /* per platform, random */
	atomic_uint_fast64_t paging_version;    /* EWB version counter */

	/* Statistics. */
	atomic_uint_fast64_t stat_encls[SGX_ENCLS_NR_LEAVES];
	atomic_uint_fast64_t stat_enclu[SGX_ENCLU_NR_LEAVES];
	atomic_uint_fast64_t stat_valid;
	atomic_uint_fast64_t stat_enclaves;
};

/* ---- helpers shared by the leaf files ---------------------------------- */

/*
 * epc_lookup() - resolve an EPC "physical" address given to a leaf.
 * @aligned: required alignment (4096 for pages, 256 for EEXTEND chunks...).
 * Return: 0 and *@index, or SGX_FAULT_GP when misaligned, SGX_FAULT_PF when
 * outside the EPC - the faults the SDM lists for bad EPC operands.
 */
unsigned int epc_lookup(const struct hw_platform *hw, uint64_t addr, uint64_t aligned,
			uint64_t *index);

static inline void *epc_va(const struct hw_platform *hw, uint64_t index)
{
	return hw->prm + index * SGX_PAGE_SIZE;
}

static inline uint64_t epc_pa(const struct hw_platform *hw, uint64_t index)
{
	return (uint64_t)(uintptr_t)epc_va(hw, index);
}

/* Leaf-level page lock: true if taken. */
static inline bool epc_trylock(struct hw_platform *hw, uint64_t index)
{
	unsigned int expected = 0;
	return atomic_compare_exchange_strong_explicit(&hw->pages[index].lock, &expected, 1,
						      memory_order_acquire, memory_order_relaxed);
}

static inline void epc_unlock(struct hw_platform *hw, uint64_t index)
{
	atomic_store_explicit(&hw->pages[index].lock, 0, memory_order_release);
}

/* EPCM flags, read atomically: logical processors look without the page lock. */
static inline uint8_t epcm_flags(const struct hw_platform *hw, uint64_t index)
{
	return __atomic_load_n(&hw->epcm[index].flags, __ATOMIC_ACQUIRE);
}

static inline bool epcm_valid(const struct hw_platform *hw, uint64_t index)
{
	return epcm_flags(hw, index) & EPCM_VALID;
}

/* epcm_set() - make EPCM[index] valid with the given fields (stats kept). */
void epcm_set(struct hw_platform *hw, uint64_t index, uint8_t page_type, uint8_t flags,
	      uint64_t linaddr, uint64_t secs_index);
/* epcm_clear() - invalidate EPCM[index] and its bookkeeping. */
void epcm_clear(struct hw_platform *hw, uint64_t index);

/* The bookkeeping of the enclave whose SECS is EPC page @secs_index. */
static inline struct hw_encl *secs_encl(const struct hw_platform *hw, uint64_t secs_index)
{
	return hw->pages[secs_index].encl;
}

/* Enclave bookkeeping life cycle (platform.c). */
int hw_encl_alloc(struct hw_platform *hw, struct hw_encl **out);
void hw_encl_free(struct hw_platform *hw, struct hw_encl *encl);
struct hw_encl *hw_encl_find(struct hw_platform *hw, uint64_t eid);

static inline void stat_encls(struct hw_platform *hw, unsigned int leaf)
{
	atomic_fetch_add_explicit(&hw->stat_encls[leaf], 1, memory_order_relaxed);
}

static inline void stat_enclu(struct hw_platform *hw, unsigned int leaf)
{
	atomic_fetch_add_explicit(&hw->stat_enclu[leaf], 1, memory_order_relaxed);
}

/* ---- ETRACK/EWB tracking (see struct hw_encl) ------------------------- */

/* A logical processor enters the enclave; returns the epoch to leave with. */
static inline uint64_t track_enter(struct hw_encl *e)
{
	for (;;) {
		uint64_t ep = atomic_load_explicit(&e->epoch, memory_order_seq_cst);

		atomic_fetch_add_explicit(&e->inside[ep & 1], 1, memory_order_seq_cst);
		/* Recheck: an ETRACK in between must see us in the right epoch. */
		if (atomic_load_explicit(&e->epoch, memory_order_seq_cst) == ep) {
			atomic_fetch_add_explicit(&e->lps_inside, 1, memory_order_relaxed);
			return ep;
		}
		atomic_fetch_sub_explicit(&e->inside[ep & 1], 1, memory_order_seq_cst);
	}
}

/* The logical processor that entered in epoch @ep leaves. */
static inline void track_exit(struct hw_encl *e, uint64_t ep)
{
	atomic_fetch_sub_explicit(&e->lps_inside, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&e->inside[ep & 1], 1, memory_order_seq_cst);
}

/* Has the last ETRACK's epoch drained? (true before any ETRACK) */
static inline bool track_complete(struct hw_encl *e)
{
	int_fast64_t t = atomic_load_explicit(&e->tracked, memory_order_seq_cst);

	if (t < 0)
		return true;
	return atomic_load_explicit(&e->inside[(uint64_t)t & 1], memory_order_seq_cst) == 0;
}

/*
 * ETRACK: SGX_PREV_TRK_INCMPL while the previous one is draining.
 * Context: the SECS page lock is held (one ETRACK at a time per enclave).
 */
static inline unsigned int track_etrack(struct hw_encl *e)
{
	uint64_t ep;

	if (!track_complete(e))
		return SGX_PREV_TRK_INCMPL;
	ep = atomic_load_explicit(&e->epoch, memory_order_seq_cst);
	atomic_store_explicit(&e->tracked, (int_fast64_t)ep, memory_order_seq_cst);
	atomic_fetch_add_explicit(&e->epoch, 1, memory_order_seq_cst);
	return 0;
}

/*
 * Epoch to record in a page at EBLOCK, called after setting EPCM.BLOCKED.
 * A read-modify-write, not a load: it comes after the BLOCKED store and
 * heads a release sequence that ETRACK's increment continues, so a logical
 * processor that enters in any later epoch also sees the page BLOCKED.
 */
static inline uint64_t track_block_epoch(struct hw_encl *e)
{
	return atomic_fetch_add_explicit(&e->epoch, 0, memory_order_seq_cst);
}

/* May a page blocked in @block_epoch be written back (EWB)? */
static inline bool track_page_tracked(struct hw_encl *e, uint64_t block_epoch)
{
	int_fast64_t t = atomic_load_explicit(&e->tracked, memory_order_seq_cst);

	return t >= 0 && block_epoch <= (uint64_t)t && track_complete(e);
}

/*
 * EMODPR/EMODT: record the epoch in which the page's EPCM entry changed,
 * after the EPCM store (a read-modify-write, for the reason given at
 * track_block_epoch()). EACCEPT of the change waits until that epoch is
 * tracked (SGX_NOT_TRACKED before), see track_epoch_done().
 * Context: the page lock of @index is held.
 */
static inline void track_modify_page(struct hw_platform *hw, uint64_t index, struct hw_encl *e)
{
	hw->pages[index].block_epoch = track_block_epoch(e);
}

/*
 * Has every logical processor that entered in epoch @ep or earlier left?
 * Yes once an ETRACK of a later epoch was accepted (it required the cohort
 * before it to have drained, and that one the cohort before...), or when
 * the ETRACK of @ep itself has drained.
 */
static inline bool track_epoch_done(struct hw_encl *e, uint64_t ep)
{
	int_fast64_t t = atomic_load_explicit(&e->tracked, memory_order_seq_cst);

	if (t < 0 || ep > (uint64_t)t)
		return false;
	return ep < (uint64_t)t || track_complete(e);
}

/* ---- Keys (keys.c) ------------------------------------------------------ */

/*
 * Load or create the root key file (@path, or the default location when
 * NULL) and draw the per-platform keys (report key base, paging key).
 */
int keys_platform_init(struct hw_platform *hw, const char *path)
	__attribute__((warn_unused_result));
void keys_platform_fini(struct hw_platform *hw);

#endif /* SGXEMU_HW_INTERNAL_H */
