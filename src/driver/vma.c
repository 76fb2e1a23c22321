// SPDX-License-Identifier: MIT
/*
 * Enclave mappings (the kernel's sgx_mmap, sgx_get_unmapped_area,
 * sgx_vma_mprotect and the munmap side of the mm): the driver keeps its own
 * VMAs - [start, end) with a protection and an enclave reference - in an
 * array sorted by address, protected by drv->mm_lock. The range of a VMA
 * is an anonymous PROT_NONE reservation in the process; enclave pages
 * appear in it as they are touched (fault.c, pte.c).
 *
 * References dropped while mm_lock is held (a VMA removed or merged) are
 * put after it is released: the last one may tear the enclave down, which
 * must not stall faults on other enclaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "encl.h"

#ifndef PROT_SEM
#define PROT_SEM 0x8            /* asm-generic/mman-common.h; glibc lacks it */
#endif

/* Index of the first VMA ending above @addr (nr_vmas if none). */
static size_t vma_index(struct sgx_driver *drv, uint64_t addr)
{
	size_t lo = 0, hi = drv->nr_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (drv->vmas[mid]->end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sgx_vma *sgx_vma_find(struct sgx_driver *drv, uint64_t addr)
{
	size_t i = vma_index(drv, addr);

	if (i < drv->nr_vmas && drv->vmas[i]->start <= addr)
		return drv->vmas[i];
	return NULL;
}

static bool overlaps(struct sgx_driver *drv, uint64_t start, uint64_t end)
{
	size_t i = vma_index(drv, start);

	return i < drv->nr_vmas && drv->vmas[i]->start < end;
}

/* Room for @more VMAs without allocating later. Context: mm_lock (write). */
static int vma_reserve(struct sgx_driver *drv, size_t more)
{
	struct sgx_vma **v;
	size_t cap;

	sgx_assert_write_held(&drv->mm_lock);
	if (drv->nr_vmas + more <= drv->vma_cap)
		return 0;
	cap = drv->vma_cap ? drv->vma_cap * 2 : 16;
	while (cap < drv->nr_vmas + more)
		cap *= 2;
	v = realloc(drv->vmas, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	drv->vmas = v;
	drv->vma_cap = cap;
	return 0;
}

static void vma_insert_at(struct sgx_driver *drv, size_t i, struct sgx_vma *vma)
{
	sgx_assert_write_held(&drv->mm_lock);
	SGXEMU_BUG_ON(drv->nr_vmas >= drv->vma_cap);
	memmove(&drv->vmas[i + 1], &drv->vmas[i], (drv->nr_vmas - i) * sizeof(*drv->vmas));
	drv->vmas[i] = vma;
	drv->nr_vmas++;
}

static struct sgx_vma *vma_remove_at(struct sgx_driver *drv, size_t i)
{
	struct sgx_vma *vma = drv->vmas[i];

	sgx_assert_write_held(&drv->mm_lock);
	memmove(&drv->vmas[i], &drv->vmas[i + 1], (drv->nr_vmas - i - 1) * sizeof(*drv->vmas));
	drv->nr_vmas--;
	return vma;
}

/*
 * Make @addr a VMA boundary (split the VMA straddling it).
 * Context: mm_lock (write) held, room reserved.
 * Return: 0, -ENOMEM.
 */
static int vma_split_at(struct sgx_driver *drv, uint64_t addr)
{
	size_t i = vma_index(drv, addr);
	struct sgx_vma *vma, *tail;

	if (i >= drv->nr_vmas || drv->vmas[i]->start >= addr)
		return 0;
	vma = drv->vmas[i];
	tail = malloc(sizeof(*tail));
	if (!tail)
		return -ENOMEM;
	*tail = *vma;
	tail->start = addr;
	vma->end = addr;
	sgx_encl_get(tail->encl);
	vma_insert_at(drv, i + 1, tail);
	return 0;
}

static void bury(struct sgx_vma **dead, struct sgx_vma *vma)
{
	vma->next_dead = *dead;
	*dead = vma;
}

/* Drop the references of removed VMAs. Context: mm_lock not held. */
static void put_dead(struct sgx_vma *dead)
{
	while (dead) {
		struct sgx_vma *next = dead->next_dead;

		sgx_encl_put(dead->encl);
		free(dead);
		dead = next;
	}
}

/*
 * Remove every driver VMA inside [start, end), splitting the ones that
 * cross its ends. Their ranges are munmapped (@unmap) or left as a
 * PROT_NONE reservation. Removed VMAs go to *@dead.
 * Context: mm_lock (write) held.
 * Return: 0, -ENOMEM, or the -errno of munmap.
 */
static int remove_range(struct sgx_driver *drv, uint64_t start, uint64_t end, bool unmap,
			struct sgx_vma **dead)
{
	size_t i;
	int ret;

	ret = vma_reserve(drv, 2);
	if (!ret)
		ret = vma_split_at(drv, start);
	if (!ret)
		ret = vma_split_at(drv, end);
	if (ret)
		return ret;
	i = vma_index(drv, start);
	while (i < drv->nr_vmas && drv->vmas[i]->start < end) {
		struct sgx_vma *vma = drv->vmas[i];

		ret = sgx_encl_zap_range(vma->encl, vma->start, vma->end, unmap);
		if (ret)
			return ret;
		bury(dead, vma_remove_at(drv, i));
	}
	return 0;
}

/* Merge neighbours of one enclave with one protection around [start, end). */
static void merge_around(struct sgx_driver *drv, uint64_t start, uint64_t end,
			 struct sgx_vma **dead)
{
	size_t i = vma_index(drv, start);

	if (i > 0)
		i--;
	while (i + 1 < drv->nr_vmas && drv->vmas[i]->start <= end) {
		struct sgx_vma *a = drv->vmas[i], *b = drv->vmas[i + 1];

		if (a->end == b->start && a->encl == b->encl && a->prot == b->prot) {
			a->end = b->end;
			bury(dead, vma_remove_at(drv, i + 1));
		} else {
			i++;
		}
	}
}

intptr_t sgx_mmap(struct sgx_file *f, void *addr, size_t len, int prot, int flags, long pgoff)
{
	struct sgx_driver *drv = f->drv;
	struct sgx_vma *vma, *dead = NULL;
	int type = flags & MAP_TYPE, fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	uint64_t start = 0;
	void *res;
	int ret;

	if (f->dev != SGX_DEV_ENCLAVE)
		return -ENODEV;         /* /dev/sgx_provision has no mmap */
	if (!len)
		return -EINVAL;
	if (len > SIZE_MAX - (SGX_PAGE_SIZE - 1))
		return -ENOMEM;
	len = (len + SGX_PAGE_SIZE - 1) & ~(size_t)(SGX_PAGE_SIZE - 1);
	if ((unsigned long)pgoff + (len >> SGX_PAGE_SHIFT) < (unsigned long)pgoff)
		return -EOVERFLOW;
	/* sgx_get_unmapped_area(): enclave memory is shared or nothing. */
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (fixed && ((uintptr_t)addr & (SGX_PAGE_SIZE - 1)))
		return -EINVAL;
	if (fixed && (uint64_t)(uintptr_t)addr + len < (uint64_t)(uintptr_t)addr)
		return -ENOMEM;

	/* As security_mmap_file(): before anything is mapped or replaced. */
	if (drv->cfg.policy) {
		struct policy_mmap pa = {
			.addr = (uintptr_t)addr,
			.len = len,
			.prot = prot,
			.flags = flags,
		};

		ret = policy_mmap(drv->cfg.policy, &f->encl->policy, &pa);
		if (ret)
			return ret;
	}

	vma = malloc(sizeof(*vma));
	if (!vma)
		return -ENOMEM;

	sgx_down_write(&drv->mm_lock);
	ret = vma_reserve(drv, 1);
	if (ret)
		goto out_unlock;
	/* MAP_FIXED replaces what was there, enclave mappings included. */
	if ((flags & MAP_FIXED) && overlaps(drv, (uintptr_t)addr, (uintptr_t)addr + len)) {
		ret = remove_range(drv, (uintptr_t)addr, (uintptr_t)addr + len, false, &dead);
		if (ret)
			goto out_unlock;
	}
	res = mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed, -1, 0);
	if (res == MAP_FAILED) {
		ret = -errno;
		goto out_unlock;
	}
	start = (uintptr_t)res;

	/* sgx_mmap(): as in the kernel, a refused MAP_FIXED leaves a hole. */
	ret = sgx_encl_may_map(f->encl, start, start + len, prot);
	if (ret) {
		munmap(res, len);
		goto out_unlock;
	}
	vma->start = start;
	vma->end = start + len;
	vma->prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	vma->encl = f->encl;
	vma->next_dead = NULL;
	sgx_encl_get(f->encl);
	vma_insert_at(drv, vma_index(drv, start), vma);
	vma = NULL;

out_unlock:
	sgx_up_write(&drv->mm_lock);
	free(vma);
	put_dead(dead);
	/* A mapped SGX2 enclave may take EAUG faults: fill their reserve. */
	if (!ret)
		sgx_encl_refill(f->encl);
	return ret ? ret : (intptr_t)start;
}

int sgx_munmap(struct sgx_driver *drv, void *addr, size_t len)
{
	uint64_t start = (uintptr_t)addr, end;
	struct sgx_vma *dead = NULL;
	int ret;

	if ((start & (SGX_PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	if (len > UINT64_MAX - start - (SGX_PAGE_SIZE - 1))
		return -EINVAL;
	end = (start + len + SGX_PAGE_SIZE - 1) & SGX_PAGE_MASK;

	sgx_down_write(&drv->mm_lock);
	if (!overlaps(drv, start, end)) {
		sgx_up_write(&drv->mm_lock);
		return 1;
	}
	ret = remove_range(drv, start, end, false, &dead);
	sgx_up_write(&drv->mm_lock);
	put_dead(dead);
	return ret;
}

/* mprotect of a range that is not ours, for the gaps between our VMAs. */
static int mprotect_other(uint64_t start, uint64_t end, int prot)
{
	if (start < end && mprotect((void *)(uintptr_t)start, end - start, prot))
		return -errno;
	return 0;
}

int sgx_mprotect(struct sgx_driver *drv, void *addr, size_t len, int prot)
{
	const int valid = PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN |
			  PROT_GROWSUP;
	uint64_t start = (uintptr_t)addr, end, cur;
	struct sgx_vma *dead = NULL;
	size_t i;
	int ret;

	if ((start & (SGX_PAGE_SIZE - 1)) || (prot & ~valid))
		return -EINVAL;
	if (!len)
		return 1;
	if (len > UINT64_MAX - start - (SGX_PAGE_SIZE - 1))
		return -ENOMEM;
	end = (start + len + SGX_PAGE_SIZE - 1) & SGX_PAGE_MASK;

	sgx_down_write(&drv->mm_lock);
	if (!overlaps(drv, start, end)) {
		sgx_up_write(&drv->mm_lock);
		return 1;
	}
	/* Enclave VMAs never grow. */
	ret = -EINVAL;
	if (prot & (PROT_GROWSDOWN | PROT_GROWSUP))
		goto out_unlock;
	ret = vma_reserve(drv, 2);
	if (!ret)
		ret = vma_split_at(drv, start);
	if (!ret)
		ret = vma_split_at(drv, end);
	if (ret)
		goto out_unlock;

	/* In address order, as mprotect_fixup() walks the VMAs. */
	cur = start;
	for (i = vma_index(drv, start); i < drv->nr_vmas && drv->vmas[i]->start < end; i++) {
		struct sgx_vma *vma = drv->vmas[i];

		ret = mprotect_other(cur, vma->start, prot);
		if (ret)
			goto out_merge;
		/* As security_file_mprotect(): per VMA, before the driver's check. */
		if (drv->cfg.policy) {
			struct policy_mprotect pa = { vma->start, vma->end, prot };

			ret = policy_mprotect(drv->cfg.policy, &vma->encl->policy, &pa);
			if (ret)
				goto out_merge;
		}
		/* sgx_vma_mprotect() */
		ret = sgx_encl_may_map(vma->encl, vma->start, vma->end, prot);
		if (ret)
			goto out_merge;
		ret = sgx_encl_change_ptes(vma->encl, vma->start, vma->end, prot);
		if (ret)
			goto out_merge;
		vma->prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
		cur = vma->end;
	}
	ret = mprotect_other(cur, end, prot);
out_merge:
	merge_around(drv, start, end, &dead);
out_unlock:
	sgx_up_write(&drv->mm_lock);
	put_dead(dead);
	return ret;
}

bool sgx_is_enclave_addr(struct sgx_driver *drv, uint64_t addr)
{
	bool found;

	sgx_down_read(&drv->mm_lock);
	found = sgx_vma_find(drv, addr) != NULL;
	sgx_up_read(&drv->mm_lock);
	return found;
}

void sgx_vma_teardown_all(struct sgx_driver *drv)
{
	struct sgx_vma *dead = NULL;

	sgx_down_write(&drv->mm_lock);
	while (drv->nr_vmas) {
		struct sgx_vma *vma = vma_remove_at(drv, drv->nr_vmas - 1);

		/* Nothing sensible to do if munmap fails at teardown. */
		(void)!sgx_encl_zap_range(vma->encl, vma->start, vma->end, true);
		bury(&dead, vma);
	}
	sgx_up_write(&drv->mm_lock);
	put_dead(dead);
}
