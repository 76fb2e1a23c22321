// SPDX-License-Identifier: MIT
/*
 * The SGX2 enclave ioctls (the second half of the kernel's ioctl.c):
 * SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS (EMODPR), SGX_IOC_ENCLAVE_MODIFY_TYPES
 * (EMODT) and SGX_IOC_ENCLAVE_REMOVE_PAGES (EREMOVE of trimmed pages), with
 * the kernel's checks in the kernel's order (reference §1.3, §4.2-§4.5).
 *
 * Each ioctl starts a change the enclave must confirm with ENCLU[EACCEPT];
 * the ETRACK after every EMODPR/EMODT is what lets that EACCEPT succeed.
 * Pages are handled one at a time: direct reclaim without the enclave lock,
 * then lock, load, ENCLS, ETRACK, unlock, as the kernel does, so that a long
 * range does not hold the lock (and stall the fault handler) throughout.
 *
 * What differs from the kernel, and why:
 *  - PTEs. On hardware the CPU checks the EPCM on every access, whatever
 *    the PTE says. Here the mapping of an EPC page *is* the access check,
 *    so whenever the EPCM loses a permission the mapping loses it too
 *    (sgx_encl_sync_pte() after EMODPR and EMODT).
 *  - The enclave lock is also the PTE lock (pte.c), so the zaps of
 *    MODIFY_TYPES and REMOVE_PAGES run under it instead of dropping it for
 *    mmap_lock as the kernel must.
 *  - After a successful EMODT the page entry's type follows the EPCM at
 *    once; v6.1 updates it only after ETRACK succeeded, which leaves an
 *    entry that disagrees with the EPCM (and a page that can never be
 *    removed) when ETRACK fails. Return values and count are unaffected.
 *  - EREMOVE of an accepted TRIM page can only fail when another leaf holds
 *    the page at that instant (an enclave thread's ENCLU on it). The kernel
 *    WARNs and leaks the page; here it stays in the enclave and the ioctl
 *    returns -EBUSY, so the caller may retry and nothing leaks.
 */
#include <errno.h>
#include <time.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "encls.h"
#include "ioctl.h"
#include "sgxemu/uapi/sgx.h"
#include "uaccess.h"

/* The page_type field of MODIFY_TYPES: the kernel's SGX_PAGE_TYPE_MASK. */
#define SGX_PAGE_TYPE_MASK 0xffull

/* pr_err_once(): an ENCLS result that only a driver or emulator bug causes. */
static void report_once(atomic_bool *done, const char *leaf, unsigned int ret)
{
	if (!atomic_exchange_explicit(done, true, memory_order_relaxed))
		fprintf(stderr, "sgxemu: %s returned %s (0x%x)\n", leaf, hw_sgx_error_name(ret),
			ret);
}

/* sgx_ioc_sgx2_ready(): checked before the argument is even read. */
static int sgx_ioc_sgx2_ready(struct sgx_encl *encl)
{
	if (!encl->drv->sgx2)
		return -ENODEV;
	if (!sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED))
		return -EINVAL;
	return 0;
}

/*
 * The kernel's on_each_cpu_mask(sgx_encl_cpumask(), sgx_ipi_cb): every
 * thread executing inside @encl takes an AEX and leaves, completing the
 * tracking cycle ETRACK started - otherwise a thread that stays inside
 * across the ioctl keeps it open, its EACCEPT of the change returns
 * SGX_NOT_TRACKED and the next ETRACK SGX_PREV_TRK_INCMPL.
 * Context: encl->lock held; the SECS is resident.
 */
static void sgx_encl_ipi(struct sgx_encl *encl)
{
	(void)sgx_encl_kick(encl->drv, sgx_epc_index(encl->drv, encl->secs.epc_page));
}

/*
 * sgx_enclave_etrack() - ETRACK, kicking threads out of the enclave once
 * and retrying if a previous cycle is still open; then kick them out so
 * the cycle just started completes.
 * Context: encl->lock held; the SECS is resident (a child page is).
 * Return: 0 or -EFAULT.
 */
static int sgx_enclave_etrack(struct sgx_encl *encl)
{
	static atomic_bool warned, warned_again;
	struct sgx_driver *drv = encl->drv;
	void *secs = sgx_get_epc_virt_addr(drv, encl->secs.epc_page);
	unsigned int ret;

	sgx_assert_held(&encl->lock);
	ret = encls_etrack(drv->hw, secs);
	if (ret) {
		report_once(&warned, "ETRACK", ret);
		sgx_encl_ipi(encl);
		ret = encls_etrack(drv->hw, secs);
		if (ret) {
			report_once(&warned_again, "ETRACK (repeated)", ret);
			return -EFAULT;
		}
	}
	sgx_encl_ipi(encl);
	return 0;
}

/* How long load_page() waits for the reclaimer: 10,000 x 100 us. */
#define LOAD_WAITS      10000
#define LOAD_WAIT_NS    100000

/*
 * load_page() - the kernel's sgx_encl_load_page(): the entry of the page at
 * @addr, made resident (ELDU, the SECS first, if it was evicted).
 *
 * The kernel answers -EAGAIN as soon as it finds the page being written
 * back, or no EPC page free for the ELDU; its window for that is the few
 * microseconds between EBLOCK and EWB. sgxemu's window can be longer (the
 * EWB may first have to force threads out of the enclave with a signal),
 * long enough that a program walking a large range - the selftests trim and
 * remove an enclave the size of the EPC - would see -EAGAIN where hardware
 * practically never gives it. So the ioctl waits for the reclaimer, with
 * the enclave lock dropped, up to a second before it says -EAGAIN.
 *
 * Context: encl->lock held (dropped and retaken while waiting); nothing of
 * this page's work done yet.
 * Return: 0 and *@out; -EFAULT (no such page, or it cannot be loaded);
 * -EBUSY (still being written back, or still no EPC page free).
 */
static int load_page(struct sgx_encl *encl, uint64_t addr, struct sgx_encl_page **out)
{
	const struct timespec pause = { .tv_nsec = LOAD_WAIT_NS };
	unsigned int waits;
	int ret;

	sgx_assert_held(&encl->lock);
	for (waits = 0;; waits++) {
		ret = sgx_encl_load_page(encl, addr, out);
		if (ret != -EBUSY || waits == LOAD_WAITS)
			return ret;
		sgx_mutex_unlock(&encl->lock);
		sgx_reclaim_direct(encl->drv);
		nanosleep(&pause, NULL);
		sgx_mutex_lock(&encl->lock);
	}
}

/* The ioctl's view of a load_page() failure: busy pages are worth a retry. */
static long load_error(int err)
{
	return err == -EBUSY ? -EAGAIN : -EFAULT;
}

/* ---- RESTRICT_PERMISSIONS ---------------------------------------------- */

static long sgx_enclave_restrict_permissions(struct sgx_encl *encl,
					     struct sgx_enclave_restrict_permissions *modp)
{
	static atomic_bool warned;
	struct sgx_driver *drv = encl->drv;
	struct sgx_secinfo secinfo __attribute__((aligned(64)));
	struct sgx_encl_page *entry;
	unsigned int r;
	uint64_t c;
	long ret;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = modp->permissions & SGX_SECINFO_PERMISSION_MASK;

	for (c = 0; c < modp->length; c += SGX_PAGE_SIZE) {
		uint64_t addr = encl->base + modp->offset + c;

		sgx_reclaim_direct(drv);
		sgx_mutex_lock(&encl->lock);

		ret = load_page(encl, addr, &entry);
		if (ret) {
			ret = load_error((int)ret);
			goto out_unlock;
		}
		/* EMODPR works on REG pages only; on a TCS it would #PF. */
		if (entry->type != SGX_PT_REG) {
			ret = -EINVAL;
			goto out_unlock;
		}

		/*
		 * Only "R stays if W stays" was checked: EMODPR can only take
		 * permissions away, and asking it to add one is ignored.
		 */
		r = encls_emodpr(drv->hw, &secinfo, sgx_get_epc_virt_addr(drv, entry->epc_page));
		if (SGX_ENCLS_FAULTED(r)) {
			report_once(&warned, "EMODPR", r);
			ret = -EFAULT;
			goto out_unlock;
		}
		if (r) {
			modp->result = r;
			ret = -EFAULT;
			goto out_unlock;
		}

		/* The CPU enforces the new EPCM permissions from now on. */
		ret = sgx_encl_sync_pte(encl, entry);
		if (ret)
			goto out_unlock;

		ret = sgx_enclave_etrack(encl);
		if (ret)
			goto out_unlock;

		sgx_mutex_unlock(&encl->lock);
	}
	modp->count = c;
	return 0;

out_unlock:
	sgx_mutex_unlock(&encl->lock);
	modp->count = c;
	return ret;
}

/**
 * sgx_ioc_enclave_restrict_permissions() - SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS:
 * EMODPR every page of [offset, offset + length) down to @permissions, with
 * an ETRACK after each; the enclave confirms with EACCEPT(perms|REG|PR).
 * The pages' maximum protection (what mmap/mprotect may ask for) is not
 * changed: the enclave may EMODPE the permissions back. The argument is
 * written back with count = bytes done and result = the SGX error code of
 * a failed EMODPR, on error too.
 * @encl: the enclave (SGX_ENCL_IOCTL owned by the caller).
 * @arg: user pointer to a struct sgx_enclave_restrict_permissions.
 *
 * Context: no lock held; takes encl->lock page by page.
 * Return: 0; -ENODEV (no SGX2); -EINVAL (not initialized, offset/length,
 * permissions beyond R/W/X, W without R, result or count not zero on
 * input, a page that is not REG); -EFAULT (argument, a page not added,
 * EMODPR failed or faulted, ETRACK failed); -EAGAIN (a page being
 * reclaimed); -ENOMEM (the mapping could not be lowered to the new
 * permissions).
 */
long sgx_ioc_enclave_restrict_permissions(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_restrict_permissions params;
	long ret;

	ret = sgx_ioc_sgx2_ready(encl);
	if (ret)
		return ret;
	if (sgx_copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;
	if (sgx_validate_offset_length(encl, params.offset, params.length))
		return -EINVAL;
	if (params.permissions & ~SGX_SECINFO_PERMISSION_MASK)
		return -EINVAL;
	/* The CPU's own check, made early so that EMODPR cannot #GP on it. */
	if ((params.permissions & SGX_SECINFO_W) && !(params.permissions & SGX_SECINFO_R))
		return -EINVAL;
	if (params.result || params.count)
		return -EINVAL;

	ret = sgx_enclave_restrict_permissions(encl, &params);

	if (sgx_copy_to_user(arg, &params, sizeof(params)))
		return -EFAULT;
	return ret;
}

/* ---- MODIFY_TYPES ------------------------------------------------------ */

/*
 * REG -> TCS: a TCS is RW to the kernel (and unusable by enclave code), so
 * the page must have been vetted for RW when it was added; its maximum
 * protection becomes exactly RW, and mappings made under the old maximum
 * (say RWX) are zapped so that the next fault re-checks them.
 * Context: encl->lock held.
 * Return: 0, -EPERM, -EAGAIN (being reclaimed), -ENOMEM (zap failed).
 */
static int make_tcs(struct sgx_encl *encl, struct sgx_encl_page *entry, uint64_t addr)
{
	struct sgx_driver *drv = encl->drv;
	int ret;

	sgx_assert_held(&encl->lock);
	if (~entry->vm_max_prot_bits & (PROT_READ | PROT_WRITE))
		return -EPERM;
	entry->vm_max_prot_bits = PROT_READ | PROT_WRITE;
	/* As the kernel: the reclaimer must not take the page meanwhile. */
	if (sgx_unmark_page_reclaimable(drv, entry->epc_page))
		return -EAGAIN;
	ret = sgx_zap_enclave_ptes(encl, addr);
	sgx_mark_page_reclaimable(drv, entry->epc_page);
	return ret;
}

static long sgx_enclave_modify_types(struct sgx_encl *encl,
				     struct sgx_enclave_modify_types *modt)
{
	static atomic_bool warned;
	struct sgx_driver *drv = encl->drv;
	struct sgx_secinfo secinfo __attribute__((aligned(64)));
	struct sgx_encl_page *entry = NULL;
	unsigned int page_type, r;
	uint8_t max_prot_restore = 0;
	uint64_t c;
	long ret;

	page_type = (unsigned int)(modt->page_type & SGX_PAGE_TYPE_MASK);
	/* The only types EMODT can make. */
	if (page_type != SGX_PT_TCS && page_type != SGX_PT_TRIM)
		return -EINVAL;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = (uint64_t)page_type << SGX_SECINFO_PAGE_TYPE_SHIFT;

	for (c = 0; c < modt->length; c += SGX_PAGE_SIZE) {
		uint64_t addr = encl->base + modt->offset + c;

		sgx_reclaim_direct(drv);
		sgx_mutex_lock(&encl->lock);

		ret = load_page(encl, addr, &entry);
		if (ret) {
			ret = load_error((int)ret);
			goto out_unlock;
		}
		/* REG -> TCS, REG -> TRIM, TCS -> TRIM (no CET pages). */
		if (!(entry->type == SGX_PT_REG ||
		      (entry->type == SGX_PT_TCS && page_type == SGX_PT_TRIM))) {
			ret = -EINVAL;
			goto out_unlock;
		}

		max_prot_restore = entry->vm_max_prot_bits;
		if (entry->type == SGX_PT_REG && page_type == SGX_PT_TCS) {
			ret = make_tcs(encl, entry, addr);
			if (ret == -EPERM)
				goto out_unlock;
			if (ret)
				goto out_entry_changed;
		}

		r = encls_emodt(drv->hw, &secinfo, sgx_get_epc_virt_addr(drv, entry->epc_page));
		if (SGX_ENCLS_FAULTED(r)) {
			report_once(&warned, "EMODT", r);
			ret = -EFAULT;
			goto out_entry_changed;
		}
		if (r) {
			modt->result = r;
			ret = -EFAULT;
			goto out_entry_changed;
		}
		sgx_stat_page(drv, entry->type, -1);
		sgx_stat_page(drv, page_type, 1);
		entry->type = (uint8_t)page_type;

		/* MODIFIED: the enclave cannot touch the page until it accepts it. */
		ret = sgx_encl_sync_pte(encl, entry);
		if (ret)
			goto out_unlock;

		ret = sgx_enclave_etrack(encl);
		if (ret)
			goto out_unlock;

		sgx_mutex_unlock(&encl->lock);
	}
	modt->count = c;
	return 0;

out_entry_changed:
	entry->vm_max_prot_bits = max_prot_restore;
out_unlock:
	sgx_mutex_unlock(&encl->lock);
	modt->count = c;
	return ret;
}

/**
 * sgx_ioc_enclave_modify_types() - SGX_IOC_ENCLAVE_MODIFY_TYPES: EMODT every
 * page of [offset, offset + length) to @page_type (TCS from REG, TRIM from
 * REG or TCS), with an ETRACK after each; the enclave confirms with
 * EACCEPT(type|MODIFIED). A page made a TCS gets maximum protection RW and
 * loses its mappings. The argument is written back with count = bytes
 * done and result = the SGX error code of a failed EMODT, on error too.
 * @encl: the enclave (SGX_ENCL_IOCTL owned by the caller).
 * @arg: user pointer to a struct sgx_enclave_modify_types.
 *
 * Context: no lock held; takes encl->lock page by page.
 * Return: 0; -ENODEV (no SGX2); -EINVAL (not initialized, offset/length,
 * page_type beyond 8 bits or not TCS/TRIM, result or count not zero on
 * input, a transition other than the three); -EPERM (REG -> TCS of a page
 * whose maximum protection lacks R or W); -EFAULT (argument, a page not
 * added, EMODT failed or faulted, ETRACK failed); -EAGAIN (a page being
 * reclaimed); -ENOMEM (a mapping could not be changed).
 */
long sgx_ioc_enclave_modify_types(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_modify_types params;
	long ret;

	ret = sgx_ioc_sgx2_ready(encl);
	if (ret)
		return ret;
	if (sgx_copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;
	if (sgx_validate_offset_length(encl, params.offset, params.length))
		return -EINVAL;
	if (params.page_type & ~SGX_PAGE_TYPE_MASK)
		return -EINVAL;
	if (params.result || params.count)
		return -EINVAL;

	ret = sgx_enclave_modify_types(encl, &params);

	if (sgx_copy_to_user(arg, &params, sizeof(params)))
		return -EFAULT;
	return ret;
}

/* ---- REMOVE_PAGES ------------------------------------------------------ */

/*
 * Take the accepted TRIM page @entry at @addr out of the enclave: unmap it,
 * EREMOVE it, forget it. The VA slot accounting shrinks; VA pages stay
 * until the enclave goes (as in the kernel).
 * Context: encl->lock held. Frees @entry on success.
 * Return: 0; -EBUSY (being reclaimed, or EREMOVE refused: retry);
 * -ENOMEM (the zap failed; nothing changed).
 */
static int remove_page(struct sgx_encl *encl, struct sgx_encl_page *entry, uint64_t addr)
{
	static atomic_bool warned;
	struct sgx_driver *drv = encl->drv;
	struct sgx_epc_page *epc_page = entry->epc_page;
	void *erased;
	unsigned int r;
	int ret;

	sgx_assert_held(&encl->lock);
	if (sgx_unmark_page_reclaimable(drv, epc_page))
		return -EBUSY;
	ret = sgx_zap_enclave_ptes(encl, addr);
	if (ret)
		goto err_mark;
	r = encls_eremove(drv->hw, sgx_get_epc_virt_addr(drv, epc_page));
	if (r) {
		report_once(&warned, "EREMOVE of a trimmed page", r);
		ret = -EBUSY;
		goto err_mark;
	}
	sgx_free_epc_page(drv, epc_page);
	sgx_stat_page(drv, SGX_PT_TRIM, -1);
	encl->secs_child_cnt--;
	entry->epc_page = NULL;
	erased = sgx_page_array_erase(&encl->page_array, (addr - encl->base) >> SGX_PAGE_SHIFT);
	SGXEMU_BUG_ON(erased != entry);
	sgx_encl_shrink(encl, NULL);
	free(entry);
	return 0;

err_mark:
	sgx_mark_page_reclaimable(drv, epc_page);
	return ret;
}

static long sgx_encl_remove_pages(struct sgx_encl *encl, struct sgx_enclave_remove_pages *params)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_secinfo secinfo __attribute__((aligned(64)));
	struct sgx_encl_page *entry;
	unsigned int r;
	uint64_t c;
	long ret;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;

	for (c = 0; c < params->length; c += SGX_PAGE_SIZE) {
		uint64_t addr = encl->base + params->offset + c;
		unsigned int waits = 0;

		sgx_reclaim_direct(drv);
		sgx_mutex_lock(&encl->lock);
retry:
		ret = load_page(encl, addr, &entry);
		if (ret) {
			ret = load_error((int)ret);
			goto out_unlock;
		}
		if (entry->type != SGX_PT_TRIM) {
			ret = -EPERM;
			goto out_unlock;
		}

		/*
		 * Has the enclave EACCEPTed the trim? EMODPR changes nothing
		 * here and tells: on a page still MODIFIED it returns
		 * SGX_PAGE_NOT_MODIFIABLE; once accepted the page is a plain
		 * TRIM page, not REG, and EMODPR raises #PF.
		 */
		r = encls_emodpr(drv->hw, &secinfo, sgx_get_epc_virt_addr(drv, entry->epc_page));
		if (!SGX_ENCLS_FAULTED(r) || SGX_ENCLS_TRAPNR(r) != X86_TRAP_PF) {
			ret = -EPERM;
			goto out_unlock;
		}

		ret = remove_page(encl, entry, addr);
		if (ret == -EBUSY && waits++ < LOAD_WAITS) {
			/* The reclaimer took the page meanwhile: as load_page(), wait. */
			sgx_mutex_unlock(&encl->lock);
			nanosleep(&(struct timespec){ .tv_nsec = LOAD_WAIT_NS }, NULL);
			sgx_mutex_lock(&encl->lock);
			goto retry;
		}
		if (ret)
			goto out_unlock;

		sgx_mutex_unlock(&encl->lock);
	}
	params->count = c;
	return 0;

out_unlock:
	sgx_mutex_unlock(&encl->lock);
	params->count = c;
	return ret;
}

/**
 * sgx_ioc_enclave_remove_pages() - SGX_IOC_ENCLAVE_REMOVE_PAGES: remove the
 * pages of [offset, offset + length), each of which the enclave must have
 * trimmed (MODIFY_TYPES to TRIM) and accepted (EACCEPT(TRIM|MODIFIED)).
 * A later access to a removed address faults like one to a page never
 * added (on SGX2: EAUG). The argument is written back with count = bytes
 * removed, on error too.
 * @encl: the enclave (SGX_ENCL_IOCTL owned by the caller).
 * @arg: user pointer to a struct sgx_enclave_remove_pages.
 *
 * Context: no lock held; takes encl->lock page by page.
 * Return: 0; -ENODEV (no SGX2); -EINVAL (not initialized, offset/length,
 * count not zero on input); -EPERM (a page that is not TRIM, or not yet
 * accepted); -EFAULT (argument, a page not added); -EAGAIN (a page being
 * reclaimed); -EBUSY (the reclaimer isolated the page, or another leaf held
 * it); -ENOMEM (its mapping could not be removed).
 */
long sgx_ioc_enclave_remove_pages(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_remove_pages params;
	long ret;

	ret = sgx_ioc_sgx2_ready(encl);
	if (ret)
		return ret;
	if (sgx_copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;
	if (sgx_validate_offset_length(encl, params.offset, params.length))
		return -EINVAL;
	if (params.count)
		return -EINVAL;

	ret = sgx_encl_remove_pages(encl, &params);

	if (sgx_copy_to_user(arg, &params, sizeof(params)))
		return -EFAULT;
	return ret;
}
