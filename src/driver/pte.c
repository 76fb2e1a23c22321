// SPDX-License-Identifier: MIT
/*
 * "Page tables": how enclave pages appear in the process. The kernel
 * inserts EPC PFNs into the VMA; we map the EPC memfd page at the enclave
 * page's linear address with mmap(MAP_SHARED|MAP_FIXED), with protection
 * VMA ∩ EPCM, and zap by mapping an anonymous PROT_NONE page over it. See
 * sgx_encl_page.pte for the state kept per page.
 *
 * Everything here changes the process's mappings of an enclave's pages
 * under that enclave's lock, so no EPC page is ever mapped while the
 * driver believes it is not (and could free it to another enclave).
 * Code reachable from the fault handler (install) makes syscalls only.
 */
#include <errno.h>
#include <sys/mman.h>

#include "encl.h"

static int map_epc(struct sgx_driver *drv, uint64_t addr, uint64_t npages, unsigned int prot,
		   uint64_t epc_index)
{
	void *p = mmap((void *)(uintptr_t)addr, npages * SGX_PAGE_SIZE, (int)prot,
		       MAP_SHARED | MAP_FIXED, drv->epc_fd, (off_t)(epc_index * SGX_PAGE_SIZE));

	return p == MAP_FAILED ? -errno : 0;
}

static int map_none(uint64_t addr, uint64_t npages)
{
	void *p = mmap((void *)(uintptr_t)addr, npages * SGX_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);

	if (p != MAP_FAILED)
		return 0;
	/*
	 * Out of VMAs (vm.max_map_count): at least make the EPC page
	 * inaccessible; a PROT_NONE EPC mapping is as good as none.
	 */
	if (!mprotect((void *)(uintptr_t)addr, npages * SGX_PAGE_SIZE, PROT_NONE))
		return 0;
	return -errno;
}

static int set_prot(uint64_t addr, uint64_t npages, unsigned int prot)
{
	if (mprotect((void *)(uintptr_t)addr, npages * SGX_PAGE_SIZE, (int)prot))
		return -errno;
	return 0;
}

/* Move @entry's mapping from its current protection to @prot. */
static int remap(struct sgx_encl *encl, struct sgx_encl_page *entry, unsigned int prot)
{
	unsigned int old = entry->pte & SGX_PTE_PROT_MASK;
	uint64_t addr = sgx_encl_page_addr(entry);

	if (prot == old)
		return 0;
	if (!prot)
		return map_none(addr, 1);
	if (old)
		return set_prot(addr, 1, prot);
	return map_epc(encl->drv, addr, 1, prot, sgx_epc_index(encl->drv, entry->epc_page));
}

int sgx_encl_install_pte(struct sgx_encl *encl, struct sgx_encl_page *entry, int vma_prot)
{
	unsigned int prot = sgx_pte_prot(vma_prot) & sgx_encl_epcm_prot(encl, entry);
	int ret;

	sgx_assert_held(&encl->lock);
	SGXEMU_BUG_ON(!entry->epc_page);
	ret = remap(encl, entry, prot);
	if (ret)
		return ret;
	entry->pte = (uint8_t)(SGX_PTE_PRESENT | SGX_PTE_YOUNG | prot);
	return 0;
}

int sgx_zap_enclave_ptes(struct sgx_encl *encl, uint64_t addr)
{
	struct sgx_encl_page *entry;
	int ret;

	sgx_assert_held(&encl->lock);
	entry = sgx_encl_lookup(encl, addr & SGX_PAGE_MASK);
	if (!entry)
		return 0;
	if (entry->pte & SGX_PTE_PROT_MASK) {
		ret = map_none(sgx_encl_page_addr(entry), 1);
		if (ret)
			return ret;
	}
	entry->pte = 0;
	return 0;
}

int sgx_encl_sync_pte(struct sgx_encl *encl, struct sgx_encl_page *entry)
{
	unsigned int old = entry->pte & SGX_PTE_PROT_MASK;
	unsigned int prot = old & sgx_encl_epcm_prot(encl, entry);
	int ret;

	sgx_assert_held(&encl->lock);
	ret = remap(encl, entry, prot);
	if (ret)
		return ret;
	entry->pte = (uint8_t)((entry->pte & (SGX_PTE_PRESENT | SGX_PTE_YOUNG)) | prot);
	return 0;
}

/* ---- mprotect: batched runs ------------------------------------------------ */

enum run_op { RUN_NONE, RUN_MPROTECT, RUN_UNMAP, RUN_MAP };

/*
 * A run of pages at consecutive addresses that take the same call: one
 * mprotect, one anonymous mmap, or - when their EPC pages are consecutive
 * too - one mmap of the EPC memfd.
 */
struct run {
	enum run_op op;
	unsigned int prot;              /* new SGX_PTE_PROT_MASK bits */
	uint8_t pte;                    /* new pte value */
	uint64_t first;                 /* page index of the first page */
	uint64_t count;
	uint64_t epc;                   /* EPC index of the first page (RUN_MAP) */
};

static int flush_run(struct sgx_encl *encl, struct run *r)
{
	uint64_t addr = encl->base + (r->first << SGX_PAGE_SHIFT), i;
	int ret = 0;

	switch (r->op) {
	case RUN_NONE:
		return 0;
	case RUN_MPROTECT:
		ret = set_prot(addr, r->count, r->prot);
		break;
	case RUN_UNMAP:
		ret = map_none(addr, r->count);
		break;
	case RUN_MAP:
		ret = map_epc(encl->drv, addr, r->count, r->prot, r->epc);
		break;
	}
	if (ret)
		return ret;
	for (i = 0; i < r->count; i++) {
		struct sgx_encl_page *e = sgx_page_array_load(&encl->page_array, r->first + i);

		/* mprotect keeps a present PTE's accessed bit. */
		e->pte = (uint8_t)(r->pte | (r->pte ? e->pte & SGX_PTE_YOUNG : 0));
	}
	r->op = RUN_NONE;
	return 0;
}

int sgx_encl_change_ptes(struct sgx_encl *encl, uint64_t start, uint64_t end, int vma_prot)
{
	unsigned int want = sgx_pte_prot(vma_prot);
	struct run run = { .op = RUN_NONE };
	struct sgx_encl_page *e;
	uint64_t index, last;
	int ret = 0;

	sgx_assert_write_held(&encl->drv->mm_lock);
	if (!sgx_encl_range(encl, start, end, &index, &last))
		return 0;

	sgx_mutex_lock(&encl->lock);
	while ((e = sgx_page_array_find(&encl->page_array, &index, last))) {
		unsigned int old = e->pte & SGX_PTE_PROT_MASK, prot;
		enum run_op op;
		uint64_t epc = 0;
		uint8_t pte;

		if (!(e->pte & SGX_PTE_PRESENT)) {
			index++;
			continue;
		}
		SGXEMU_BUG_ON(!e->epc_page);
		/* PROT_NONE makes the PTE not present (protnone), as on x86. */
		if (want) {
			prot = want & sgx_encl_epcm_prot(encl, e);
			pte = (uint8_t)(SGX_PTE_PRESENT | prot);
		} else {
			prot = 0;
			pte = 0;
		}
		if (old == prot)
			op = RUN_NONE;
		else if (!prot)
			op = RUN_UNMAP;
		else if (old)
			op = RUN_MPROTECT;
		else
			op = RUN_MAP;
		if (op == RUN_MAP)
			epc = sgx_epc_index(encl->drv, e->epc_page);

		if (run.op != RUN_NONE &&
		    (op != run.op || prot != run.prot || index != run.first + run.count ||
		     (op == RUN_MAP && epc != run.epc + run.count))) {
			ret = flush_run(encl, &run);
			if (ret)
				goto out;
		}
		if (op == RUN_NONE) {
			e->pte = (uint8_t)(pte | (pte ? e->pte & SGX_PTE_YOUNG : 0));
		} else if (run.op == RUN_NONE) {
			run = (struct run){ op, prot, pte, index, 1, epc };
		} else {
			run.count++;
		}
		index++;
	}
	ret = flush_run(encl, &run);
out:
	sgx_mutex_unlock(&encl->lock);
	return ret;
}

int sgx_encl_zap_range(struct sgx_encl *encl, uint64_t start, uint64_t end, bool unmap)
{
	struct sgx_encl_page *e;
	uint64_t index, last;
	int ret = 0;

	sgx_assert_write_held(&encl->drv->mm_lock);
	sgx_mutex_lock(&encl->lock);
	if (unmap) {
		if (munmap((void *)(uintptr_t)start, end - start))
			ret = -errno;
	} else {
		void *p = mmap((void *)(uintptr_t)start, end - start, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			ret = -errno;
	}
	if (ret || !sgx_encl_range(encl, start, end, &index, &last))
		goto out;
	while ((e = sgx_page_array_find(&encl->page_array, &index, last))) {
		e->pte = 0;
		index++;
	}
out:
	sgx_mutex_unlock(&encl->lock);
	return ret;
}
