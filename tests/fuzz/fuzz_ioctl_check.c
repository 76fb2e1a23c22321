// SPDX-License-Identifier: MIT
/*
 * The driver invariants the ioctl fuzzer checks after every call. They
 * read the driver's private structures directly (the harness is single
 * threaded, so no lock is needed) and hold them against the EPCM, which
 * is the ground truth:
 *
 *  - every EPC page is either free (IS_FREE, no owner, EPCM invalid) or
 *    owned by exactly one SECS, VA page or page array entry of a live
 *    enclave, and then the EPCM entry is valid with that owner's type,
 *    linear address and SECS;
 *  - a page mapped into the process is mapped with no more than its VMA
 *    and its EPCM permissions allow, and what is mapped there is its own
 *    EPC page (read back through the mapping);
 *  - page_cnt, secs_child_cnt, reference counts, the active list and the
 *    statistics agree with what the walk finds;
 *  - an evicted page (or SECS) owns exactly one taken, non-empty slot of a
 *    VA page of its enclave, has no PTE, and its blob and PCMD are counted
 *    in the backing; the memfd holds exactly the bytes the driver counts;
 *  - a page left blocked by a pass is BEING_RECLAIMED, STUCK on the list,
 *    and unmapped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fuzz_ioctl.h"

#define MAX_ENCLS 512

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz_ioctl: invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

struct sgx_vma *fz_vma_at(struct sgx_driver *drv, uint64_t addr)
{
	size_t i;

	for (i = 0; i < drv->nr_vmas; i++)
		if (drv->vmas[i]->start <= addr && addr < drv->vmas[i]->end)
			return drv->vmas[i];
	return NULL;
}

struct walk {
	struct sgx_driver *drv;
	uint8_t *owned;                 /* per EPC page: 1 once an owner claimed it */
	uint64_t nr_owned;
	uint64_t by_type[8];
	struct sgx_encl *encls[MAX_ENCLS];
	size_t nr_encls;
	uint64_t backing_bytes;
};

static void add_encl(struct walk *w, struct sgx_encl *encl)
{
	size_t i;

	for (i = 0; i < w->nr_encls; i++)
		if (w->encls[i] == encl)
			return;
	FZ_CHECK(w->nr_encls < MAX_ENCLS, "more than %d live enclaves", MAX_ENCLS);
	w->encls[w->nr_encls++] = encl;
}

/* Claim EPC page @p for @owner; the EPCM must say @type. */
static struct hw_epcm_info claim(struct walk *w, struct sgx_epc_page *p, void *owner,
				 unsigned int type)
{
	struct sgx_driver *drv = w->drv;
	uint64_t i = sgx_epc_index(drv, p);
	struct hw_epcm_info info;

	FZ_CHECK(i < drv->nr_epc_pages, "EPC page pointer %p outside the EPC", (void *)p);
	FZ_CHECK(!w->owned[i], "EPC page %llu owned twice", (unsigned long long)i);
	w->owned[i] = 1;
	w->nr_owned++;
	FZ_CHECK(p->owner == owner, "EPC page %llu: owner %p, expected %p",
		 (unsigned long long)i, p->owner, owner);
	FZ_CHECK(!(p->flags & SGX_EPC_PAGE_IS_FREE), "EPC page %llu in use and free",
		 (unsigned long long)i);
	FZ_CHECK(!hw_epcm_read(drv->hw, i, &info), "hw_epcm_read");
	FZ_CHECK(info.valid, "EPC page %llu in use but invalid in the EPCM",
		 (unsigned long long)i);
	FZ_CHECK(info.page_type == type, "EPC page %llu: EPCM type %u, driver type %u",
		 (unsigned long long)i, info.page_type, type);
	w->by_type[type & 7]++;
	return info;
}

/* What an entry's PTE claims against the VMA, the EPCM and the memory. */
static void check_pte(struct walk *w, struct sgx_encl *encl, struct sgx_encl_page *e)
{
	unsigned int prot = e->pte & SGX_PTE_PROT_MASK;
	uint64_t addr = sgx_encl_page_addr(e);
	unsigned int vma_rights;
	struct sgx_vma *vma;

	if (!(e->pte & SGX_PTE_PRESENT)) {
		FZ_CHECK(!prot, "page 0x%llx mapped but not present", (unsigned long long)addr);
		return;
	}
	vma = fz_vma_at(w->drv, addr);
	FZ_CHECK(vma && vma->encl == encl, "page 0x%llx present without a VMA of its enclave",
		 (unsigned long long)addr);
	/* x86 PTEs: a writable or executable page is readable too. */
	vma_rights = (unsigned int)vma->prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	if (vma_rights & (PROT_WRITE | PROT_EXEC))
		vma_rights |= PROT_READ;
	FZ_CHECK(!(prot & ~vma_rights), "page 0x%llx mapped %#x beyond VMA %#x",
		 (unsigned long long)addr, prot, vma->prot);
	FZ_CHECK(!(prot & ~sgx_encl_epcm_prot(encl, e)), "page 0x%llx mapped %#x beyond EPCM %#x",
		 (unsigned long long)addr, prot, sgx_encl_epcm_prot(encl, e));
	/* The mapping shows this very EPC page (the PRM view is the truth). */
	if (prot & PROT_READ)
		FZ_CHECK(!memcmp((const void *)(uintptr_t)addr,
				 sgx_get_epc_virt_addr(w->drv, e->epc_page), SGX_PAGE_SIZE),
			 "page 0x%llx: the mapping is not its EPC page", (unsigned long long)addr);
}

static bool va_listed(struct sgx_encl *encl, const struct sgx_encl_va_page *va_page)
{
	struct sgx_encl_va_page *va;

	list_for_each_entry(va, &encl->va_pages, list)
		if (va == va_page)
			return true;
	return false;
}

/*
 * An evicted page or SECS: one taken slot of a VA page of its enclave that
 * holds a version; its PCMD page counted. Return: 1 (a slot it uses).
 */
static uint64_t check_evicted(struct walk *w, struct sgx_encl *encl, struct sgx_encl_page *e,
			      uint64_t index, const char *what)
{
	unsigned int off = (unsigned int)(e->desc & SGX_ENCL_PAGE_VA_OFFSET_MASK), slot = off >> 3;
	uint64_t pcmd_page = (sgx_encl_pcmd_offset(encl, index) >> SGX_PAGE_SHIFT) -
			     ((encl->size + SGX_PAGE_SIZE) >> SGX_PAGE_SHIFT);
	uint64_t version;

	FZ_CHECK(e->va_page && va_listed(encl, e->va_page), "%s evicted without its VA page", what);
	FZ_CHECK(e->va_page->slots[slot / 64] & (1ull << (slot % 64)),
		 "%s evicted into a free VA slot", what);
	version = *(const uint64_t *)(const void *)
		((const uint8_t *)sgx_get_epc_virt_addr(w->drv, e->va_page->epc_page) + off);
	FZ_CHECK(version, "%s evicted, its VA slot is empty", what);
	FZ_CHECK(!e->pte, "%s evicted, still has a PTE %#x", what, e->pte);
	FZ_CHECK(encl->backing_map, "%s evicted, backing never mapped", what);
	FZ_CHECK(encl->pcmd_used[pcmd_page / 64] & (1ull << (pcmd_page % 64)),
		 "%s evicted, its PCMD page is not counted", what);
	return 1;
}

static uint64_t popcount_words(const uint64_t *w, uint64_t n)
{
	uint64_t c = 0, i;

	for (i = 0; i < n; i++)
		c += (uint64_t)__builtin_popcountll(w[i]);
	return c;
}

/* shmem allocates page by page here, so the memfd's blocks are comparable. */
static bool shmem_small_pages(void)
{
	static int known;               /* 0 unknown, 1 yes, -1 no */
	char buf[128] = "";
	FILE *f;

	if (!known) {
		f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
		known = -1;
		if (f) {
			if (fgets(buf, sizeof(buf), f) &&
			    (strstr(buf, "[never]") || strstr(buf, "[deny]")))
				known = 1;
			fclose(f);
		} else {
			known = 1;      /* no THP at all */
		}
	}
	return known > 0;
}

static void check_encl(struct walk *w, struct sgx_encl *encl)
{
	struct sgx_driver *drv = w->drv;
	struct sgx_encl_va_page *va;
	struct sgx_encl_page *e;
	struct hw_epcm_info info;
	uint64_t secs_index = UINT64_MAX, index = 0, nr_entries = 0, nr_va = 0;
	uint64_t nr_resident = 0, nr_evicted = 0, slots_used = 0, k;

	if (!sgx_encl_test_flag(encl, SGX_ENCL_CREATED)) {
		FZ_CHECK(!sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED), "INITIALIZED, not CREATED");
		FZ_CHECK(!encl->secs.epc_page && !encl->page_cnt && list_empty(&encl->va_pages),
			 "an enclave not created holds EPC");
		return;
	}
	if (encl->secs.epc_page) {
		claim(w, encl->secs.epc_page, &encl->secs, SGX_PT_SECS);
		secs_index = sgx_epc_index(drv, encl->secs.epc_page);
	} else {
		FZ_CHECK(sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED) && !encl->secs_child_cnt,
			 "SECS evicted with %u resident children (initialized: %d)",
			 encl->secs_child_cnt, sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED));
		nr_evicted += check_evicted(w, encl, &encl->secs, encl->size >> SGX_PAGE_SHIFT,
					    "SECS");
	}

	for (va = container_of(encl->va_pages.next, struct sgx_encl_va_page, list);
	     &va->list != &encl->va_pages;
	     va = container_of(va->list.next, struct sgx_encl_va_page, list)) {
		claim(w, va->epc_page, va, SGX_PT_VA);
		nr_va++;
		slots_used += popcount_words(va->slots, SGX_VA_SLOT_COUNT / 64);
	}

	while ((e = sgx_page_array_find(&encl->page_array, &index, UINT64_MAX))) {
		uint64_t addr = encl->base + (index << SGX_PAGE_SHIFT);

		FZ_CHECK(e->encl == encl && sgx_encl_page_addr(e) == addr,
			 "entry at 0x%llx names another page", (unsigned long long)addr);
		FZ_CHECK(e->type == SGX_PT_REG || e->type == SGX_PT_TCS || e->type == SGX_PT_TRIM,
			 "entry 0x%llx of type %u", (unsigned long long)addr, e->type);
		/* A TCS is RW to the kernel: added as one, or made one by EMODT. */
		FZ_CHECK(e->type != SGX_PT_TCS || e->vm_max_prot_bits == (PROT_READ | PROT_WRITE),
			 "TCS 0x%llx with maximum protection %#x", (unsigned long long)addr,
			 e->vm_max_prot_bits);
		nr_entries++;
		if (!e->epc_page) {
			char what[48];

			snprintf(what, sizeof(what), "page 0x%llx", (unsigned long long)addr);
			nr_evicted += check_evicted(w, encl, e, index, what);
			index++;
			continue;
		}
		FZ_CHECK(encl->secs.epc_page, "page 0x%llx resident, its SECS is not",
			 (unsigned long long)addr);
		nr_resident++;
		info = claim(w, e->epc_page, e, e->type);
		FZ_CHECK(info.linaddr == addr && info.secs_index == secs_index,
			 "page 0x%llx: EPCM linear address 0x%llx / SECS %llu, driver %llu",
			 (unsigned long long)addr, (unsigned long long)info.linaddr,
			 (unsigned long long)info.secs_index, (unsigned long long)secs_index);
		FZ_CHECK(e->epc_page->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED,
			 "page 0x%llx not on the active list", (unsigned long long)addr);
		/* Blocked by a pass that could not finish, and only then. */
		FZ_CHECK(!!(e->desc & SGX_ENCL_PAGE_BEING_RECLAIMED) == info.blocked &&
			 (!info.blocked || (e->epc_page->flags & SGX_EPC_PAGE_STUCK)),
			 "page 0x%llx: BEING_RECLAIMED %d, EPCM blocked %d, stuck %d",
			 (unsigned long long)addr, !!(e->desc & SGX_ENCL_PAGE_BEING_RECLAIMED),
			 info.blocked, !!(e->epc_page->flags & SGX_EPC_PAGE_STUCK));
		check_pte(w, encl, e);
		index++;
	}
	FZ_CHECK(encl->secs_child_cnt == nr_resident, "secs_child_cnt %u, %llu resident children",
		 encl->secs_child_cnt, (unsigned long long)nr_resident);
	FZ_CHECK(encl->page_cnt == 1 + nr_entries, "page_cnt %u for %llu pages", encl->page_cnt,
		 (unsigned long long)nr_entries);
	FZ_CHECK(nr_va >= (encl->page_cnt + SGX_VA_SLOT_COUNT - 1) / SGX_VA_SLOT_COUNT,
		 "%llu VA pages for %u pages", (unsigned long long)nr_va, encl->page_cnt);
	FZ_CHECK(slots_used == nr_evicted, "%llu VA slots taken, %llu pages evicted",
		 (unsigned long long)slots_used, (unsigned long long)nr_evicted);

	/* The backing: one page per evicted page, and the PCMD pages in use. */
	if (encl->backing_map) {
		uint64_t nr_pcmd = ((encl->size >> SGX_PAGE_SHIFT) + 1 + 31) / 32;
		uint64_t pcmd = popcount_words(encl->pcmd_used, (nr_pcmd + 63) / 64);
		struct stat stt;

		/* Pages the fault handler loaded keep theirs until ksgxd frees it. */
		FZ_CHECK(encl->backing_bytes == (nr_evicted + encl->nr_punch + pcmd) * SGX_PAGE_SIZE,
			 "backing counted %llu bytes for %llu pages, %u to free, %llu PCMD pages",
			 (unsigned long long)encl->backing_bytes, (unsigned long long)nr_evicted,
			 encl->nr_punch, (unsigned long long)pcmd);
		for (k = 0; k < encl->nr_punch; k++) {
			struct sgx_encl_page *q = encl->punch[k] == encl->size >> SGX_PAGE_SHIFT ?
				&encl->secs : sgx_page_array_load(&encl->page_array, encl->punch[k]);

			FZ_CHECK(!q || q->epc_page, "backing index %llu to free, its page is out",
				 (unsigned long long)encl->punch[k]);
		}
		FZ_CHECK(!fstat(encl->backing, &stt), "fstat backing");
		if (shmem_small_pages())
			FZ_CHECK((uint64_t)stt.st_blocks * 512 == encl->backing_bytes,
				 "the backing memfd holds %llu bytes, %llu counted",
				 (unsigned long long)stt.st_blocks * 512,
				 (unsigned long long)encl->backing_bytes);
	} else {
		FZ_CHECK(!nr_evicted && !encl->backing_bytes && !encl->nr_punch,
			 "evicted pages without backing");
	}
	w->backing_bytes += encl->backing_bytes;
	for (k = 0; k < encl->nr_rsv_entries; k++)
		FZ_CHECK(encl->rsv_entries[k], "reserve entry %llu missing", (unsigned long long)k);
}

/* Each enclave's references: one per file open on it, one per VMA. */
static void check_refs(struct walk *w)
{
	struct sgx_driver *drv = w->drv;
	struct list_head *pos;
	size_t i, k;

	for (i = 0; i < w->nr_encls; i++) {
		long refs = 0;

		for (pos = drv->files.next; pos != &drv->files; pos = pos->next)
			refs += container_of(pos, struct sgx_file, list)->encl == w->encls[i];
		for (k = 0; k < drv->nr_vmas; k++)
			refs += drv->vmas[k]->encl == w->encls[i];
		/* A refill queued for ksgxd holds one. */
		refs += atomic_load(&w->encls[i]->svc_queued);
		FZ_CHECK(atomic_load(&w->encls[i]->refcount) == refs,
			 "enclave %p: refcount %ld, %ld holders", (void *)w->encls[i],
			 (long)atomic_load(&w->encls[i]->refcount), refs);
	}
	for (k = 0; k < drv->nr_vmas; k++) {
		const struct sgx_vma *v = drv->vmas[k];

		FZ_CHECK(v->start < v->end && !(v->start & (SGX_PAGE_SIZE - 1)) &&
			 !(v->end & (SGX_PAGE_SIZE - 1)), "VMA %zu malformed", k);
		FZ_CHECK(!k || drv->vmas[k - 1]->end <= v->start, "VMAs %zu and %zu overlap",
			 k - 1, k);
	}
}

/* The active list: linked both ways, only tracked children, counted right. */
static void check_active(struct walk *w)
{
	struct sgx_driver *drv = w->drv;
	uint32_t i, prev = SGX_EPC_NONE;
	uint64_t n = 0, tracked = 0, k;

	for (i = drv->active_head; i != SGX_EPC_NONE; i = drv->epc_pages[i].lru_next) {
		const struct sgx_epc_page *p = &drv->epc_pages[i];

		FZ_CHECK(n++ < drv->nr_epc_pages, "active list loops");
		FZ_CHECK(p->lru_prev == prev, "active list: page %u links back wrongly", i);
		FZ_CHECK((p->flags & SGX_EPC_PAGE_RECLAIMER_TRACKED) && w->owned[i],
			 "active list holds page %u, untracked or unowned", i);
		prev = i;
	}
	FZ_CHECK(drv->active_tail == prev, "active list tail");
	FZ_CHECK(atomic_load(&drv->lru_pending) == SGX_EPC_NONE,
		 "pages waiting for the active list between calls");
	FZ_CHECK(atomic_load(&drv->nr_active) == n, "nr_active %llu, list %llu",
		 (unsigned long long)atomic_load(&drv->nr_active), (unsigned long long)n);
	for (k = 0; k < drv->nr_epc_pages; k++)
		tracked += !!(drv->epc_pages[k].flags & SGX_EPC_PAGE_RECLAIMER_TRACKED);
	FZ_CHECK(tracked == n, "%llu pages tracked, %llu on the list", (unsigned long long)tracked,
		 (unsigned long long)n);
}

void fz_check(struct fz *fz)
{
	static uint8_t owned[1u << 16];
	struct sgx_driver *drv = fz->drv;
	struct sgx_driver_stats st;
	struct hw_stats hst;
	struct list_head *pos;
	struct walk w;
	uint64_t i, nr_free = 0;
	size_t k;

	FZ_CHECK(drv->nr_epc_pages <= sizeof(owned), "EPC too large for the checker");
	memset(&w, 0, sizeof(w));
	w.drv = drv;
	w.owned = owned;
	memset(owned, 0, drv->nr_epc_pages);

	for (pos = drv->files.next; pos != &drv->files; pos = pos->next) {
		struct sgx_file *f = container_of(pos, struct sgx_file, list);

		if (f->dev == SGX_DEV_ENCLAVE)
			add_encl(&w, f->encl);
	}
	for (k = 0; k < drv->nr_vmas; k++)
		add_encl(&w, drv->vmas[k]->encl);
	/* An enclave waiting for ksgxd's refill is alive on that reference alone. */
	for (struct sgx_encl *q = atomic_load(&drv->svc_head); q; q = q->svc_next)
		add_encl(&w, q);
	for (k = 0; k < w.nr_encls; k++)
		check_encl(&w, w.encls[k]);
	check_refs(&w);
	check_active(&w);

	for (i = 0; i < drv->nr_epc_pages; i++) {
		const struct sgx_epc_page *p = &drv->epc_pages[i];
		struct hw_epcm_info info;

		if (owned[i])
			continue;
		FZ_CHECK(!hw_epcm_read(drv->hw, i, &info), "hw_epcm_read");
		FZ_CHECK(!info.valid, "EPC page %llu valid in the EPCM, owned by nobody (leak)",
			 (unsigned long long)i);
		FZ_CHECK((p->flags & SGX_EPC_PAGE_IS_FREE) && !p->owner,
			 "EPC page %llu owned by nobody, not free", (unsigned long long)i);
		nr_free++;
	}
	FZ_CHECK(atomic_load(&drv->nr_free_pages) == nr_free, "nr_free_pages %llu, found %llu",
		 (unsigned long long)atomic_load(&drv->nr_free_pages), (unsigned long long)nr_free);

	hw_stats_read(drv->hw, &hst);
	FZ_CHECK(hst.epcm_valid == w.nr_owned, "EPCM has %llu valid pages, driver owns %llu",
		 (unsigned long long)hst.epcm_valid, (unsigned long long)w.nr_owned);
	sgx_driver_stats(drv, &st);
	FZ_CHECK(st.enclaves == w.nr_encls, "stats: %llu enclaves, %zu live",
		 (unsigned long long)st.enclaves, w.nr_encls);
	for (k = 0; k < 8; k++)
		FZ_CHECK(st.pages_by_type[k] == w.by_type[k], "stats: %llu pages of type %zu, %llu found",
			 (unsigned long long)st.pages_by_type[k], k, (unsigned long long)w.by_type[k]);
	FZ_CHECK(st.backing_bytes == w.backing_bytes, "stats: %llu backing bytes, %llu found",
		 (unsigned long long)st.backing_bytes, (unsigned long long)w.backing_bytes);
}
