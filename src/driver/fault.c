// SPDX-License-Identifier: MIT
/*
 * The page fault path: what the kernel's #PF handling (access_error()),
 * sgx_vma_fault() and the CPU's EPCM check together decide for an access
 * to enclave memory, and the page-table walk the logical processor uses.
 *
 * Signal context. These functions run in the SIGSEGV handler of the
 * thread that touched the page. They allocate nothing and only *try* the
 * locks (mm_lock for reading, then the enclave lock): a contended lock
 * means another thread is mid-update, and the answer is SGX_FAULT_RETRY
 * (the kernel's VM_FAULT_NOPAGE), unless this very thread was interrupted
 * holding driver locks - then no retry can succeed and the answer is
 * SIGBUS (see lock.h). The normal paths hold these locks across ENCLS
 * work (EINIT included), so a retry can spin for that long; that is the
 * price of never blocking in a signal handler.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "encl.h"
#include "encls.h"
#include "lp.h"

static uint32_t pf_code(unsigned int access, bool present)
{
	uint32_t code = X86_PF_USER;

	if (access & HW_ACC_WRITE)
		code |= X86_PF_WRITE;
	if (access & HW_ACC_EXEC)
		code |= X86_PF_INSTR;
	if (present)
		code |= X86_PF_PROT;
	return code;
}

static unsigned int access_prot(unsigned int access)
{
	return ((access & HW_ACC_READ) ? PROT_READ : 0) |
	       ((access & HW_ACC_WRITE) ? PROT_WRITE : 0) |
	       ((access & HW_ACC_EXEC) ? PROT_EXEC : 0);
}

/*
 * The kernel's access_error() for a fault on a not-present PTE: a write
 * needs VM_WRITE, anything else any access right. (Instruction fetches
 * from a non-exec VMA are let through to fault again once present.)
 */
static bool access_error(int vma_prot, unsigned int access)
{
	if (access & HW_ACC_WRITE)
		return !(vma_prot & PROT_WRITE);
	return !(vma_prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

/*
 * The same access once the PTE is present: the PTE carries the VMA's
 * protection; x86 has no write-only or exec-only pages, NX denies fetches.
 */
static bool pte_denies(int vma_prot, unsigned int access)
{
	if ((access & HW_ACC_WRITE) && !(vma_prot & PROT_WRITE))
		return true;
	if ((access & HW_ACC_EXEC) && !(vma_prot & PROT_EXEC))
		return true;
	return false;
}

/*
 * A VA page for the EAUG'd page when it starts a new one (the kernel's
 * sgx_encl_grow(encl, false)): the struct from the reserve, the EPC page
 * only tried for. Context: encl->lock held; signal context.
 * Return: 0 and *@va (NULL if none was needed), -EBUSY, -EFAULT.
 */
static int eaug_grow(struct sgx_encl *encl, struct sgx_encl_va_page **va)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_encl_va_page *va_page = encl->rsv_va;
	struct sgx_epc_page *epc;
	int ret;

	*va = NULL;
	if (encl->page_cnt % SGX_VA_SLOT_COUNT)
		goto out;
	SGXEMU_BUG_ON(!va_page);
	ret = sgx_alloc_epc_page(drv, va_page, false, &encl->epc_hint, &epc);
	if (ret)
		return ret;
	if (encls_epa(drv->hw, sgx_get_epc_virt_addr(drv, epc))) {
		sgx_free_epc_page(drv, epc);
		return -EFAULT;
	}
	memset(va_page, 0, sizeof(*va_page));
	INIT_LIST_HEAD(&va_page->list);
	va_page->epc_page = epc;
	encl->rsv_va = NULL;
	atomic_fetch_sub_explicit(&drv->st_meta_bytes, sizeof(*va_page), memory_order_relaxed);
	sgx_stat_page(drv, SGX_PT_VA, 1);
	list_add(&va_page->list, &encl->va_pages);
	*va = va_page;
out:
	encl->page_cnt++;
	atomic_fetch_add_explicit(&drv->st_encl_pages, 1, memory_order_relaxed);
	return 0;
}

/*
 * sgx_encl_eaug_page() - the kernel's sgx_encl_eaug_page(): an access to an
 * ELRANGE page nobody added, in an initialized enclave on an SGX2 CPU,
 * EAUGs a fresh page (max protection RWX, EPCM REG|RW|PENDING); the caller
 * maps it and the retried access faults on PENDING (0x8007) unless it is
 * EACCEPT. Nothing is allocated: the entry, a VA page struct and
 * page-array nodes come from the enclave's reserve; when it runs short,
 * ksgxd is asked to refill it and the access retried.
 * Return: SGX_FAULT_HANDLED with *@entry the new page; RETRY (no free EPC
 * page or reserve right now); SIGBUS.
 * Context: encl->lock and mm_lock (read) held; signal context.
 */
static enum sgx_fault_result sgx_encl_eaug_page(struct sgx_vma *vma, struct sgx_encl *encl,
						uint64_t addr, struct sgx_encl_page **pentry)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_pageinfo pginfo __attribute__((aligned(32)));
	uint64_t index = ((addr & SGX_PAGE_MASK) - encl->base) >> SGX_PAGE_SHIFT;
	struct sgx_encl_va_page *va_page;
	struct sgx_encl_page *entry;
	struct sgx_epc_page *epc;
	int ret;

	(void)vma;
	if (!sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED))
		return SGX_FAULT_SIGBUS;
	if (!encl->nr_rsv_entries || !sgx_page_array_spares_ok(&encl->page_array) ||
	    (!(encl->page_cnt % SGX_VA_SLOT_COUNT) && !encl->rsv_va)) {
		sgx_encl_request_service(encl);
		return SGX_FAULT_RETRY;
	}
	/* The SECS first: EAUG needs it resident (v6.6's fix of that race). */
	ret = sgx_encl_load_secs(encl, true);
	if (ret)
		return ret == -EBUSY ? SGX_FAULT_RETRY : SGX_FAULT_SIGBUS;

	entry = encl->rsv_entries[encl->nr_rsv_entries - 1];
	memset(entry, 0, sizeof(*entry));
	entry->desc = addr & SGX_PAGE_MASK;
	entry->encl = encl;
	entry->vm_max_prot_bits = PROT_READ | PROT_WRITE | PROT_EXEC;
	entry->type = SGX_PT_REG;

	ret = sgx_alloc_epc_page(drv, entry, false, &encl->epc_hint, &epc);
	if (ret)
		return ret == -EBUSY ? SGX_FAULT_RETRY : SGX_FAULT_SIGBUS;
	ret = eaug_grow(encl, &va_page);
	if (ret)
		goto err_out_epc;
	ret = sgx_page_array_insert_reserved(&encl->page_array, index, entry);
	if (ret)
		goto err_out_shrink;

	pginfo.addr = entry->desc;
	pginfo.contents = 0;
	pginfo.metadata = 0;
	pginfo.secs = (uint64_t)(uintptr_t)sgx_get_epc_virt_addr(drv, encl->secs.epc_page);
	if (encls_eaug(drv->hw, &pginfo, sgx_get_epc_virt_addr(drv, epc))) {
		ret = -EFAULT;
		goto err_out_erase;
	}

	/* Committed: the entry leaves the reserve. */
	encl->nr_rsv_entries--;
	atomic_fetch_sub_explicit(&drv->st_meta_bytes, sizeof(*entry), memory_order_relaxed);
	if (encl->nr_rsv_entries < SGX_ENCL_RESERVE_ENTRIES / 2)
		sgx_encl_request_service(encl);
	entry->epc_page = epc;
	encl->secs_child_cnt++;
	sgx_stat_page(drv, SGX_PT_REG, 1);
	sgx_stat_inc(&drv->st_eaug);
	sgx_mark_page_reclaimable_sigsafe(drv, epc);
	*pentry = entry;
	return SGX_FAULT_HANDLED;

err_out_erase:
	(void)sgx_page_array_erase(&encl->page_array, index);
err_out_shrink:
	if (va_page) {
		/* EREMOVE of an empty VA page cannot fail; the struct goes back. */
		list_del_init(&va_page->list);
		if (!encls_eremove(drv->hw, sgx_get_epc_virt_addr(drv, va_page->epc_page))) {
			sgx_free_epc_page(drv, va_page->epc_page);
			sgx_stat_page(drv, SGX_PT_VA, -1);
			encl->rsv_va = va_page;
			atomic_fetch_add_explicit(&drv->st_meta_bytes, sizeof(*va_page),
						  memory_order_relaxed);
		}
	}
	encl->page_cnt--;
	atomic_fetch_sub_explicit(&drv->st_encl_pages, 1, memory_order_relaxed);
err_out_epc:
	sgx_free_epc_page(drv, epc);
	return ret == -EBUSY ? SGX_FAULT_RETRY : SGX_FAULT_SIGBUS;
}

/*
 * sgx_vma_fault(): make @addr's page (*@entry, NULL if none) present.
 * Context: as the callers.
 */
static enum sgx_fault_result sgx_vma_fault(struct sgx_vma *vma, struct sgx_encl *encl,
					   struct sgx_encl_page **pentry, uint64_t addr)
{
	struct sgx_encl_page *entry = *pentry;
	int ret;

	if (!entry) {
		if (encl->drv->sgx2)
			return sgx_encl_eaug_page(vma, encl, addr, pentry);
		return SGX_FAULT_SIGBUS;
	}
	/* sgx_encl_load_page_in_vma(): the VMA may not exceed the page's max. */
	if ((entry->vm_max_prot_bits & vma->prot) != vma->prot)
		return SGX_FAULT_SIGBUS;
	ret = sgx_encl_load_entry(encl, entry, true);
	if (ret == -EBUSY)
		return SGX_FAULT_RETRY;
	if (ret)
		return SGX_FAULT_SIGBUS;
	if (sgx_encl_install_pte(encl, entry, vma->prot))
		return SGX_FAULT_SIGBUS;
	return SGX_FAULT_HANDLED;
}

/*
 * The fault: page tables (the kernel's part), then, if @epcm_check, the EPCM
 * check the retried access would meet (the CPU's part).
 */
static enum sgx_fault_result encl_fault(struct sgx_driver *drv, uint64_t addr,
					unsigned int access, uint32_t *code, bool epcm_check)
{
	enum sgx_fault_result busy = sgx_locks_held ? SGX_FAULT_SIGBUS : SGX_FAULT_RETRY;
	enum sgx_fault_result res;
	struct sgx_encl_page *entry;
	struct sgx_encl *encl;
	struct sgx_vma *vma;
	unsigned int epcm, need;
	int saved_errno = errno;        /* the interrupted code's */

	sgx_stat_inc(&drv->st_faults);
	if (!sgx_down_read_trylock(&drv->mm_lock))
		return busy;
	vma = sgx_vma_find(drv, addr);
	if (!vma) {
		sgx_up_read(&drv->mm_lock);
		return SGX_FAULT_NOT_OURS;
	}
	encl = vma->encl;
	if (!sgx_mutex_trylock(&encl->lock)) {
		sgx_up_read(&drv->mm_lock);
		return busy;
	}

	entry = sgx_encl_lookup(encl, addr & SGX_PAGE_MASK);
	if (!entry || !(entry->pte & SGX_PTE_PRESENT)) {
		if (access_error(vma->prot, access)) {
			*code = pf_code(access, false);
			res = SGX_FAULT_REPORT;
			goto out;
		}
		res = sgx_vma_fault(vma, encl, &entry, addr);
		if (res != SGX_FAULT_HANDLED)
			goto out;
		/* Present now: the access carries on as its retry would. */
	}

	if (pte_denies(vma->prot, access)) {
		*code = pf_code(access, true);
		res = SGX_FAULT_REPORT;
		goto out;
	}
	/* Refresh the mapping to VMA ∩ EPCM: EACCEPT/EMODPE may have widened it. */
	if (sgx_encl_install_pte(encl, entry, vma->prot)) {
		res = SGX_FAULT_SIGBUS;
		goto out;
	}
	res = SGX_FAULT_HANDLED;
	if (!epcm_check)
		goto out;
	epcm = sgx_encl_epcm_prot(encl, entry);
	need = access_prot(access);
	if ((epcm & need) != need) {
		*code = pf_code(access, true) | X86_PF_SGX;
		res = SGX_FAULT_REPORT;
	}
out:
	sgx_mutex_unlock(&encl->lock);
	sgx_up_read(&drv->mm_lock);
	if (res == SGX_FAULT_REPORT)
		sgx_stat_inc(&drv->st_faults_reported);
	errno = saved_errno;
	return res;
}

enum sgx_fault_result sgx_encl_fault(struct sgx_driver *drv, uint64_t addr, unsigned int access,
				     uint32_t *code)
{
	return encl_fault(drv, addr, access, code, true);
}

enum sgx_fault_result sgx_encl_fault_walk(struct sgx_driver *drv, uint64_t addr,
					  unsigned int access, uint32_t *code)
{
	return encl_fault(drv, addr, access, code, false);
}

uint32_t sgx_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa)
{
	struct sgx_driver *drv = ctx;
	struct sgx_encl_page *entry;
	struct sgx_vma *vma;
	uint32_t code;

	if (!sgx_down_read_trylock(&drv->mm_lock))
		return pf_code(access, false);
	vma = sgx_vma_find(drv, lin);
	if (!vma) {
		sgx_up_read(&drv->mm_lock);
		*pa = lin;
		return 0;
	}
	if (!sgx_mutex_trylock(&vma->encl->lock)) {
		sgx_up_read(&drv->mm_lock);
		return pf_code(access, false);
	}
	entry = sgx_encl_lookup(vma->encl, lin & SGX_PAGE_MASK);
	if (!entry || !(entry->pte & SGX_PTE_PRESENT) || !entry->epc_page) {
		code = pf_code(access, false);
	} else if (pte_denies(vma->prot, access)) {
		code = pf_code(access, true);
	} else {
		*pa = (uint64_t)(uintptr_t)sgx_get_epc_virt_addr(drv, entry->epc_page) +
		      (lin & (SGX_PAGE_SIZE - 1));
		/* The logical processor uses the page: as good as an access. */
		entry->pte |= SGX_PTE_YOUNG;
		code = 0;
	}
	sgx_mutex_unlock(&vma->encl->lock);
	sgx_up_read(&drv->mm_lock);
	return code;
}

int sgx_encl_peek(struct sgx_driver *drv, uint64_t lin, void *buf, size_t len)
{
	struct sgx_encl_page *entry;
	struct sgx_vma *vma;
	int ret = 0;

	if (!len || (lin & (SGX_PAGE_SIZE - 1)) + len > SGX_PAGE_SIZE)
		return -EINVAL;
	if (!sgx_down_read_trylock(&drv->mm_lock))
		return -EBUSY;
	vma = sgx_vma_find(drv, lin);
	if (!vma) {
		sgx_up_read(&drv->mm_lock);
		return -ENOENT;
	}
	if (!sgx_mutex_trylock(&vma->encl->lock)) {
		sgx_up_read(&drv->mm_lock);
		return -EBUSY;
	}
	entry = sgx_encl_lookup(vma->encl, lin & SGX_PAGE_MASK);
	if (!entry || !entry->epc_page)
		ret = -EFAULT;
	else
		memcpy(buf, (uint8_t *)sgx_get_epc_virt_addr(drv, entry->epc_page) +
		       (lin & (SGX_PAGE_SIZE - 1)), len);
	sgx_mutex_unlock(&vma->encl->lock);
	sgx_up_read(&drv->mm_lock);
	return ret;
}
