// SPDX-License-Identifier: MIT
/*
 * The "SGX backing" store (the backing half of the kernel's encl.c): one
 * memfd per enclave, made at ENCLAVE_CREATE with the kernel's size and
 * layout (reference §3.5),
 *
 *   page i (ELRANGE offset i * 4096)    at  i * 4096
 *   the SECS                            at  size
 *   PCMD of page i (SECS: i = size/4096) at size + 4096 + i * 128,
 *
 * so 32 PCMDs share a 4 KiB PCMD page. EWB writes the encrypted page and
 * its PCMD, ELDU reads them back; after an ELDU the page's backing is
 * freed (a hole punched) and its PCMD cleared, and the PCMD page is freed
 * once all 32 of its entries are zero and no page sharing it is being
 * written out - the rule the 5.18.x fixes ("Fix race between reclaimer
 * and page fault handler", "Ensure no data in PCMD page after truncate")
 * established.
 *
 * ELDU reads through one MAP_SHARED mapping of the whole memfd, made
 * before the first EWB (not in signal context): no syscall and nothing
 * allocated in the fault handler, which only reads pages EWB wrote. A
 * reclaim pass has EWB encrypt into a bounce buffer and writes runs of
 * neighbouring pages with one pwritev(), then maps them (MADV_POPULATE_READ)
 * so that ELDU will not fault: writing into holes of the memfd through the
 * mapping costs a page fault and a page zeroed per page, and measured at
 * about half the throughput (`make bench`, reclaim_pages). PCMDs, 128
 * bytes into pages that mostly exist, go through the mapping. The memfd
 * is sealed against shrinking, so nothing done to it through
 * /proc/self/fd can make the mapping fault; what can be done - altering
 * bytes - fails the next ELDU's MAC check and the page's fault SIGBUS.
 *
 * Freeing after ELDU is the costly part of a fault-in: fallocate() of a
 * shmem hole (truncation, TLB shootdown) takes longer than the rest of
 * the fault together (measured by `make bench`: about 4 us of 13). So the
 * fault handler only clears the PCMD entry and notes the index; ksgxd
 * (asked once 32 are noted) or the next reclaim pass of the enclave frees
 * them, runs of neighbouring pages in one call. A page whose index is
 * still noted when EWB writes it out again takes its index back: its
 * backing page is in use again. ELDU outside signal context (the ioctls,
 * the release) frees at once, as the kernel does.
 *
 * The kernel's races came from the reclaimer holding a reference to a
 * PCMD page while the fault handler truncated it. Here EWB writes under
 * the enclave lock through the mapping, so a write after a truncation
 * lands in a fresh page of the file; the in-flight check is kept because
 * pages left blocked between passes (BEING_RECLAIMED, written out later)
 * still count on their PCMD page, and it keeps the accounting exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "crypto.h"
#include "encl.h"
#include "encls.h"

#define PCMDS_PER_PAGE (SGX_PAGE_SIZE / sizeof(struct sgx_pcmd))

/* The size CREATE gave the memfd: encl_size + encl_size / 32. */
static uint64_t backing_size(const struct sgx_encl *encl)
{
	uint64_t encl_size = encl->size + SGX_PAGE_SIZE;

	return encl_size + (encl_size >> 5);
}

static uint64_t nr_pcmd_pages(const struct sgx_encl *encl)
{
	/* Entries 0 .. size/4096 (the SECS): one past the last page index. */
	uint64_t entries = (encl->size >> SGX_PAGE_SHIFT) + 1;

	return (entries + PCMDS_PER_PAGE - 1) / PCMDS_PER_PAGE;
}

static void account(struct sgx_encl *encl, int64_t delta)
{
	encl->backing_bytes += (uint64_t)delta;
	atomic_fetch_add_explicit(&encl->drv->st_backing_bytes, (uint64_t)delta,
				  memory_order_relaxed);
}

int sgx_encl_backing_prepare(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;
	uint64_t size = backing_size(encl), words = (nr_pcmd_pages(encl) + 63) / 64;
	void *map;

	sgx_assert_held(&encl->lock);
	if (encl->backing_map)
		return 0;
	if (encl->backing < 0)
		return -EINVAL;
	/* Best effort: CREATE made it with MFD_ALLOW_SEALING. */
	(void)fcntl(encl->backing, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	encl->pcmd_used = calloc(words, sizeof(uint64_t));
	if (!encl->pcmd_used)
		return -ENOMEM;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, encl->backing, 0);
	if (map == MAP_FAILED) {
		int ret = -errno;

		free(encl->pcmd_used);
		encl->pcmd_used = NULL;
		return ret;
	}
	atomic_fetch_add_explicit(&drv->st_meta_bytes, words * sizeof(uint64_t),
				  memory_order_relaxed);
	encl->backing_map = map;
	encl->backing_map_size = size;
	return 0;
}

void sgx_encl_backing_release(struct sgx_encl *encl)
{
	struct sgx_driver *drv = encl->drv;

	if (encl->backing_map) {
		munmap(encl->backing_map, encl->backing_map_size);
		atomic_fetch_sub_explicit(&drv->st_meta_bytes,
					  (nr_pcmd_pages(encl) + 63) / 64 * sizeof(uint64_t),
					  memory_order_relaxed);
	}
	account(encl, -(int64_t)encl->backing_bytes);
	free(encl->pcmd_used);
	encl->backing_map = NULL;
	encl->pcmd_used = NULL;
	if (encl->backing >= 0)
		close(encl->backing);
	encl->backing = -1;
}

static bool pcmd_test(const struct sgx_encl *encl, uint64_t pcmd_page)
{
	return encl->pcmd_used[pcmd_page / 64] & (1ull << (pcmd_page % 64));
}

static void pcmd_set(struct sgx_encl *encl, uint64_t pcmd_page, bool used)
{
	if (used)
		encl->pcmd_used[pcmd_page / 64] |= 1ull << (pcmd_page % 64);
	else
		encl->pcmd_used[pcmd_page / 64] &= ~(1ull << (pcmd_page % 64));
}

/* PCMD page (index into pcmd_used) holding the PCMD of backing index @index. */
static uint64_t pcmd_page_of(const struct sgx_encl *encl, uint64_t index)
{
	return (sgx_encl_pcmd_offset(encl, index) >> SGX_PAGE_SHIFT) -
	       ((encl->size + SGX_PAGE_SIZE) >> SGX_PAGE_SHIFT);
}

/* The VA page slots are taken from: the first, moved to the tail once full. */
static struct sgx_encl_va_page *va_slot_get(struct sgx_encl *encl, unsigned int *offset)
{
	struct sgx_encl_va_page *va_page;

	SGXEMU_BUG_ON(list_empty(&encl->va_pages));
	va_page = list_first_entry(&encl->va_pages, struct sgx_encl_va_page, list);
	*offset = sgx_alloc_va_slot(va_page);
	/* page_cnt never exceeds the slots of the VA pages (sgx_encl_grow()). */
	SGXEMU_BUG_ON(*offset >= SGX_VA_SLOT_COUNT * 8);
	if (sgx_va_page_full(va_page))
		list_move_tail(&va_page->list, &encl->va_pages);
	return va_page;
}

/* Give a slot back: its VA page goes to the head, where slots are taken. */
static void va_slot_put(struct sgx_encl *encl, struct sgx_encl_va_page *va_page,
			unsigned int offset)
{
	sgx_free_va_slot(va_page, offset);
	list_move(&va_page->list, &encl->va_pages);
}

static void *va_slot_addr(struct sgx_driver *drv, struct sgx_encl_va_page *va_page,
			  unsigned int offset)
{
	return (uint8_t *)sgx_get_epc_virt_addr(drv, va_page->epc_page) + offset;
}

/* Take @index off the noted punches. Return: whether it was there. */
static bool unnote(struct sgx_encl *encl, uint64_t index)
{
	unsigned int i;

	for (i = 0; i < encl->nr_punch; i++) {
		if (encl->punch[i] == index) {
			encl->punch[i] = encl->punch[--encl->nr_punch];
			return true;
		}
	}
	return false;
}

unsigned int sgx_encl_ewb(struct sgx_encl *encl, struct sgx_epc_page *epc, uint64_t index,
			  uint64_t *desc, struct sgx_encl_va_page **va_out,
			  struct sgx_ewb_batch *batch)
{
	struct sgx_driver *drv = encl->drv;
	uint64_t pcmd_off = sgx_encl_pcmd_offset(encl, index), pcmd_page;
	struct sgx_pageinfo pginfo __attribute__((aligned(32)));
	struct sgx_encl_va_page *va_page;
	unsigned int offset, ret;
	bool allocated;

	sgx_assert_held(&encl->lock);
	for (unsigned int i = 0; i < encl->nr_punching; i++)
		if (encl->punching[i] == index)
			return SGX_ENCL_EWB_BUSY;
	/* Still allocated from its last time out: EWB writes over it. */
	allocated = unnote(encl, index);
	SGXEMU_BUG_ON(!encl->backing_map || pcmd_off + sizeof(struct sgx_pcmd) > encl->backing_map_size);
	va_page = va_slot_get(encl, &offset);
	pginfo.addr = 0;
	pginfo.secs = 0;
	if (batch) {
		SGXEMU_BUG_ON(batch->n >= SGX_NR_TO_SCAN);
		pginfo.contents = (uint64_t)(uintptr_t)(batch->buf + batch->n * SGX_PAGE_SIZE);
	} else {
		pginfo.contents = (uint64_t)(uintptr_t)(encl->backing_map + index * SGX_PAGE_SIZE);
	}
	pginfo.metadata = (uint64_t)(uintptr_t)(encl->backing_map + pcmd_off);
	ret = encls_ewb(drv->hw, &pginfo, sgx_get_epc_virt_addr(drv, epc),
			va_slot_addr(drv, va_page, offset));
	/*
	 * SGX_VA_SLOT_OCCUPIED: written back all the same; only a slot
	 * altered through the PRM view (not by us) can be occupied, and the
	 * version EWB left in it now is the one that counts.
	 */
	if (ret && ret != SGX_VA_SLOT_OCCUPIED) {
		va_slot_put(encl, va_page, offset);
		if (allocated)
			encl->punch[encl->nr_punch++] = index;
		return ret;
	}
	*desc = (*desc & SGX_PAGE_MASK) | offset;
	*va_out = va_page;
	if (batch)
		batch->index[batch->n++] = index;
	sgx_stat_inc(&drv->st_ewb);
	if (!allocated)
		account(encl, SGX_PAGE_SIZE);
	pcmd_page = pcmd_page_of(encl, index);
	if (!pcmd_test(encl, pcmd_page)) {
		pcmd_set(encl, pcmd_page, true);
		account(encl, SGX_PAGE_SIZE);
	}
	return 0;
}

void sgx_encl_backing_write(struct sgx_encl *encl, struct sgx_ewb_batch *batch)
{
	struct iovec iov[SGX_NR_TO_SCAN];
	unsigned int order[SGX_NR_TO_SCAN], i, j, k, run;

	sgx_assert_held(&encl->lock);
	/* Sort slots by backing index (insertion sort: at most 16). */
	for (i = 0; i < batch->n; i++) {
		for (j = i; j > 0 && batch->index[order[j - 1]] > batch->index[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < batch->n; i += run) {
		uint64_t first = batch->index[order[i]];
		ssize_t done;
		size_t len;

		for (run = 1; i + run < batch->n && batch->index[order[i + run]] == first + run; run++)
			;
		for (k = 0; k < run; k++) {
			iov[k].iov_base = batch->buf + order[i + k] * SGX_PAGE_SIZE;
			iov[k].iov_len = SGX_PAGE_SIZE;
		}
		len = run * SGX_PAGE_SIZE;
		done = pwritev(encl->backing, iov, (int)run, (off_t)(first * SGX_PAGE_SIZE));
		if (done < 0)
			done = 0;
		/* Short (out of memory?): the rest the slow way, through the map. */
		for (k = (unsigned int)((size_t)done / SGX_PAGE_SIZE); k < run; k++)
			memcpy(encl->backing_map + (first + k) * SGX_PAGE_SIZE, iov[k].iov_base,
			       SGX_PAGE_SIZE);
		/* Map what ELDU will read, so the fault handler does not fault on it. */
		(void)madvise(encl->backing_map + first * SGX_PAGE_SIZE, len, MADV_POPULATE_READ);
	}
	batch->n = 0;
}

/*
 * Is a page sharing the PCMD page of backing index @index being written
 * out? (The kernel's reclaimer_writing_to_pcmd().) Its EWB would put data
 * on the page again. Context: encl->lock held.
 */
static bool reclaimer_writing_to_pcmd(struct sgx_encl *encl, uint64_t index)
{
	uint64_t first = index & ~(uint64_t)(PCMDS_PER_PAGE - 1), i;
	uint64_t secs_index = encl->size >> SGX_PAGE_SHIFT;

	for (i = first; i < first + PCMDS_PER_PAGE && i < secs_index; i++) {
		struct sgx_encl_page *e = sgx_page_array_load(&encl->page_array, i);

		if (e && e->epc_page && (e->desc & SGX_ENCL_PAGE_BEING_RECLAIMED))
			return true;
	}
	/* The SECS is written out in the same locked step as its last child. */
	return false;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	const uint64_t *q = (const uint64_t *)(const void *)p;
	uint64_t acc = 0;
	size_t i;

	for (i = 0; i < len / sizeof(uint64_t); i++)
		acc |= q[i];
	return acc == 0;
}

static bool punch(struct sgx_encl *encl, uint64_t off, uint64_t len)
{
	return fallocate(encl->backing, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			 (off_t)len) == 0;
}

/* Free the PCMD page of backing index @index if nothing on it is needed. */
static void pcmd_free(struct sgx_encl *encl, uint64_t index)
{
	uint64_t pcmd_first = sgx_encl_pcmd_offset(encl, index) & SGX_PAGE_MASK;
	uint64_t pcmd_page = pcmd_page_of(encl, index);

	if (!pcmd_test(encl, pcmd_page) ||
	    !all_zero(encl->backing_map + pcmd_first, SGX_PAGE_SIZE) ||
	    reclaimer_writing_to_pcmd(encl, index))
		return;
	if (punch(encl, pcmd_first, SGX_PAGE_SIZE)) {
		pcmd_set(encl, pcmd_page, false);
		account(encl, -(int64_t)SGX_PAGE_SIZE);
	}
}

/* Free @n backing pages from index @first on; they are all resident. */
static void punch_run(struct sgx_encl *encl, uint64_t first, uint64_t n)
{
	if (punch(encl, first * SGX_PAGE_SIZE, n * SGX_PAGE_SIZE))
		account(encl, -(int64_t)(n * SGX_PAGE_SIZE));
}

/*
 * Punch the sorted indices @p[0..@n) in runs. Return: pages freed.
 * Context: encl->lock held, or the indices are in encl->punching.
 */
static uint64_t punch_runs(struct sgx_encl *encl, const uint64_t *p, unsigned int n)
{
	unsigned int i, run;
	uint64_t freed = 0;

	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && p[i + run] == p[i] + run; run++)
			;
		if (punch(encl, p[i] * SGX_PAGE_SIZE, run * SGX_PAGE_SIZE))
			freed += run;
	}
	return freed;
}

/* PCMD pages of sorted indices @p[0..@n) that may have emptied. Context: encl->lock held. */
static void pcmd_free_all(struct sgx_encl *encl, const uint64_t *p, unsigned int n)
{
	uint64_t last = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t pcmd_page = pcmd_page_of(encl, p[i]);

		if (pcmd_page != last)
			pcmd_free(encl, p[i]);
		last = pcmd_page;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void sgx_encl_backing_flush(struct sgx_encl *encl)
{
	unsigned int n = encl->nr_punch;

	sgx_assert_held(&encl->lock);
	if (!n)
		return;
	qsort(encl->punch, n, sizeof(uint64_t), cmp_u64);
	account(encl, -(int64_t)(punch_runs(encl, encl->punch, n) * SGX_PAGE_SIZE));
	encl->nr_punch = 0;
	pcmd_free_all(encl, encl->punch, n);
}

void sgx_encl_backing_flush_unlocked(struct sgx_encl *encl)
{
	unsigned int n;
	uint64_t freed;

	sgx_mutex_lock(&encl->lock);
	n = encl->nr_punch;
	/* One flusher at a time (ksgxd): nobody else fills punching. */
	SGXEMU_BUG_ON(encl->nr_punching);
	memcpy(encl->punching, encl->punch, n * sizeof(uint64_t));
	encl->nr_punching = n;
	encl->nr_punch = 0;
	sgx_mutex_unlock(&encl->lock);
	if (!n)
		return;

	qsort(encl->punching, n, sizeof(uint64_t), cmp_u64);
	freed = punch_runs(encl, encl->punching, n);

	sgx_mutex_lock(&encl->lock);
	account(encl, -(int64_t)(freed * SGX_PAGE_SIZE));
	encl->nr_punching = 0;
	pcmd_free_all(encl, encl->punching, n);
	sgx_mutex_unlock(&encl->lock);
}

/* After a successful ELDU of backing index @index: free what it used. */
static void backing_free_after_eldu(struct sgx_encl *encl, uint64_t index, bool sigctx)
{
	memset(encl->backing_map + sgx_encl_pcmd_offset(encl, index), 0, sizeof(struct sgx_pcmd));
	if (sigctx && encl->nr_punch < SGX_ENCL_PUNCH_MAX) {
		encl->punch[encl->nr_punch++] = index;
		if (encl->nr_punch == SGX_ENCL_PUNCH_MAX / 2)
			sgx_encl_request_service(encl);
		return;
	}
	punch_run(encl, index, 1);
	pcmd_free(encl, index);
}

int sgx_encl_eldu(struct sgx_encl *encl, struct sgx_encl_page *entry, uint64_t index,
		  bool sigctx)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_pageinfo pginfo __attribute__((aligned(32)));
	struct sgx_encl_va_page *va_page = entry->va_page;
	unsigned int offset = (unsigned int)(entry->desc & SGX_ENCL_PAGE_VA_OFFSET_MASK);
	bool is_secs = entry == &encl->secs;
	struct sgx_epc_page *epc;
	unsigned int ret;
	int err;

	sgx_assert_held(&encl->lock);
	SGXEMU_BUG_ON(entry->epc_page || !va_page || !encl->backing_map);
	SGXEMU_BUG_ON(!is_secs && !encl->secs.epc_page);
	if (sigctx)
		err = sgx_alloc_epc_page(drv, entry, false, &encl->epc_hint, &epc);
	else
		err = sgx_alloc_epc_page_noreclaim(drv, entry, &encl->epc_hint, &epc);
	if (err)
		return err;

	pginfo.addr = is_secs ? 0 : sgx_encl_page_addr(entry);
	pginfo.secs = is_secs ? 0 :
		(uint64_t)(uintptr_t)sgx_get_epc_virt_addr(drv, encl->secs.epc_page);
	pginfo.contents = (uint64_t)(uintptr_t)(encl->backing_map + index * SGX_PAGE_SIZE);
	pginfo.metadata = (uint64_t)(uintptr_t)(encl->backing_map +
						sgx_encl_pcmd_offset(encl, index));
	if (sigctx)
		crypto_sigsafe_begin();
	ret = encls_eldu(drv->hw, &pginfo, sgx_get_epc_virt_addr(drv, epc),
			 va_slot_addr(drv, va_page, offset));
	if (sigctx)
		crypto_sigsafe_end();
	if (ret) {
		sgx_free_epc_page(drv, epc);
		/*
		 * #GP: another leaf held an operand for a moment, or (signal
		 * context) no cipher context was free. Anything else is the
		 * page refusing to load: a MAC failure.
		 */
		if (ret == SGX_FAULT_GP)
			return -EBUSY;
		sgx_stat_inc(&drv->st_eldu_fail);
		return -EFAULT;
	}

	va_slot_put(encl, va_page, offset);
	entry->desc &= SGX_PAGE_MASK;
	entry->va_page = NULL;
	entry->epc_page = epc;
	sgx_stat_inc(&drv->st_eldu);
	backing_free_after_eldu(encl, index, sigctx);
	return 0;
}
