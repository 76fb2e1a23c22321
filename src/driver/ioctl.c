// SPDX-License-Identifier: MIT
/*
 * The enclave ioctls of SGX1 and the dispatcher (the kernel's ioctl.c):
 * SGX_IOC_ENCLAVE_CREATE, ADD_PAGES, INIT and PROVISION, with the
 * kernel's checks in the kernel's order (reference §1.3).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "encls.h"
#include "ioctl.h"
#include "sgxemu/uapi/sgx.h"
#include "uaccess.h"

/*
 * Source pages copied ahead per process_vm_readv() in ADD_PAGES. A direct
 * copy costs no syscall: one page at a time, still in L1 when EADD reads it.
 */
#define ADD_CHUNK_PAGES 16

static bool is_power_of_2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* ---- CREATE ------------------------------------------------------------ */

/* The "SGX backing" memfd: pages, then the SECS, then 128-byte PCMDs. */
static int sgx_encl_alloc_backing_file(uint64_t encl_size, int *out)
{
	uint64_t size = encl_size + (encl_size >> 5);
	int fd;

	if (size < encl_size || size > (uint64_t)INT64_MAX)
		return -EINVAL;         /* shmem_file_setup(): beyond MAX_LFS_FILESIZE */
	fd = memfd_create("SGX backing", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int ret = -errno;

		close(fd);
		return ret == -EFBIG ? -EINVAL : ret;
	}
	*out = fd;
	return 0;
}

static int sgx_encl_create(struct sgx_encl *encl, struct sgx_secs *secs)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_secinfo secinfo __attribute__((aligned(64)));
	struct sgx_pageinfo pginfo;
	struct sgx_encl_va_page *va_page;
	struct sgx_epc_page *secs_epc;
	int ret;

	/* ECREATE would catch it, but the size arithmetic below must not overflow. */
	if (!is_power_of_2(secs->size))
		return -EINVAL;

	if (drv->cfg.policy) {
		struct policy_encl_create pa = { .secs = secs };

		ret = policy_encl_create(drv->cfg.policy, &encl->policy, &pa);
		if (ret)
			return ret;
	}

	ret = sgx_encl_grow(encl, true, &va_page);
	if (ret)
		return ret;
	sgx_mutex_lock(&encl->lock);
	if (va_page)
		list_add(&va_page->list, &encl->va_pages);
	sgx_mutex_unlock(&encl->lock);

	/* The extra page is for the SECS. */
	ret = sgx_encl_alloc_backing_file(secs->size + SGX_PAGE_SIZE, &encl->backing);
	if (ret)
		goto err_out_shrink;

	ret = sgx_alloc_epc_page(drv, &encl->secs, true, &encl->epc_hint, &secs_epc);
	if (ret)
		goto err_out_backing;
	encl->secs.epc_page = secs_epc;

	memset(&secinfo, 0, sizeof(secinfo));
	pginfo.addr = 0;
	pginfo.contents = (uint64_t)(uintptr_t)secs;
	pginfo.metadata = (uint64_t)(uintptr_t)&secinfo;
	pginfo.secs = 0;
	if (encls_ecreate(drv->hw, &pginfo, sgx_get_epc_virt_addr(drv, secs_epc))) {
		ret = -EIO;
		goto err_out;
	}
	sgx_stat_page(drv, SGX_PT_SECS, 1);

	if (secs->attributes & SGX_ATTR_DEBUG)
		sgx_encl_set_flag(encl, SGX_ENCL_DEBUG);
	encl->base = secs->base;
	encl->size = secs->size;
	encl->attributes = secs->attributes;
	encl->attributes_mask = SGX_ATTR_UNPRIV_MASK;
	sgx_page_array_init(&encl->page_array, encl->size >> SGX_PAGE_SHIFT);
	encl->page_array.counter = &drv->st_meta_bytes;
	/* Last: other paths read base/size once they see CREATED. */
	sgx_encl_set_flag(encl, SGX_ENCL_CREATED);
	return 0;

err_out:
	sgx_encl_free_epc_page(drv, encl->secs.epc_page);
	encl->secs.epc_page = NULL;
err_out_backing:
	close(encl->backing);
	encl->backing = -1;
err_out_shrink:
	sgx_mutex_lock(&encl->lock);
	sgx_encl_shrink(encl, va_page);
	sgx_mutex_unlock(&encl->lock);
	return ret;
}

/**
 * sgx_ioc_enclave_create() - SGX_IOC_ENCLAVE_CREATE: copy the SECS, ECREATE.
 * Return: 0; -EINVAL (already created, size not a power of two); -EFAULT;
 * -ENOMEM (no EPC); -EPERM (the policy refused the enclave); -EIO (ECREATE
 * refused the SECS).
 */
static long sgx_ioc_enclave_create(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_create create_arg;
	struct sgx_secs *secs;
	int ret;

	if (sgx_encl_test_flag(encl, SGX_ENCL_CREATED))
		return -EINVAL;
	if (sgx_copy_from_user(&create_arg, arg, sizeof(create_arg)))
		return -EFAULT;

	secs = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!secs)
		return -ENOMEM;
	if (sgx_copy_from_user(secs, create_arg.src, SGX_PAGE_SIZE))
		ret = -EFAULT;
	else
		ret = sgx_encl_create(encl, secs);
	free(secs);
	return ret;
}

/* ---- ADD_PAGES --------------------------------------------------------- */

static int sgx_validate_secinfo(const struct sgx_secinfo *secinfo)
{
	uint64_t perm = secinfo->flags & SGX_SECINFO_PERMISSION_MASK;
	uint64_t pt = secinfo->flags & SGX_SECINFO_PAGE_TYPE_MASK;
	size_t i;

	if (pt != SGX_SECINFO_REG && pt != SGX_SECINFO_TCS)
		return -EINVAL;
	if ((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return -EINVAL;
	/* The CPU zeroes a TCS's permissions: anything else breaks MRENCLAVE. */
	if (pt == SGX_SECINFO_TCS && perm)
		return -EINVAL;
	/* The kernel's reserved mask: state bits (PENDING...) are refused too. */
	if (secinfo->flags & ~(SGX_SECINFO_PERMISSION_MASK | SGX_SECINFO_PAGE_TYPE_MASK))
		return -EINVAL;
	for (i = 0; i < sizeof(secinfo->reserved_0x08); i++)
		if (secinfo->reserved_0x08[i])
			return -EINVAL;
	return 0;
}

int sgx_validate_offset_length(struct sgx_encl *encl, uint64_t offset, uint64_t length)
{
	if (offset & (SGX_PAGE_SIZE - 1))
		return -EINVAL;
	if (!length || (length & (SGX_PAGE_SIZE - 1)))
		return -EINVAL;
	if (offset + length < offset)
		return -EINVAL;
	if (offset + length - SGX_PAGE_SIZE >= encl->size)
		return -EINVAL;
	return 0;
}

/*
 * One ADD_PAGES call's view of the source: find_vma() results and a window
 * of source pages copied ahead - several with one syscall, or one page at a
 * time by the direct copy. Copy-ahead changes no outcome: it stays inside
 * the mapping already judged, and a page that cannot be read still fails
 * at its own turn.
 */
struct add_src {
	uint64_t src;                   /* add_arg.src */
	uint64_t length;
	/* For the policy's page_load hook (policy NULL: none). */
	struct policy *policy;
	struct policy_encl *policy_encl;
	struct policy_page_run *run;    /* this call's decisions, reported in runs */
	uint64_t offset;                /* add_arg.offset */
	uint64_t secinfo_flags;
	bool measure;
	uint8_t *buf;                   /* chunk pages, page aligned */
	uint64_t chunk;                 /* pages copied at a time */
	uint64_t buf_first;             /* byte offset of buf[0] from src */
	uint64_t buf_len;               /* bytes of buf the copy was asked for */
	uint64_t buf_valid;             /* bytes of buf that were copied */
	struct sgx_user_vma vma;        /* find_vma() for addresses in [vma_from, vma.end) */
	uint64_t vma_from;
	bool vma_known;
};

/*
 * The policy's page_load hook for the page at @c, whose source mapping
 * s->vma covers. Context: as add_src_page().
 */
static int add_src_policy(struct add_src *s, uint64_t c)
{
	struct policy_source src = {
		.path = s->vma.path,
		.dev = s->vma.dev,
		.ino = s->vma.ino,
		.anonymous = s->vma.anonymous,
		.may_exec = s->vma.may_exec,
		.writable = s->vma.writable,
		.noexec_mount = s->vma.noexec_mount,
	};
	struct policy_page_load pa = {
		.offset = s->offset + c,
		.secinfo_flags = s->secinfo_flags,
		.measured = s->measure,
		.src = &src,
		.run = s->run,
	};

	return policy_page_load(s->policy, s->policy_encl, &pa);
}

/*
 * The source page at offset @c: its mapping must exist, pass the policy
 * and allow exec (VM_MAYEXEC: not a file on a noexec mount), and it must
 * be readable.
 * Context: drv->mm_lock (read) and encl->lock held.
 * Return: 0 with *@page, -EFAULT, -EACCES (the kernel's rule or the
 * policy's), -ENOMEM.
 */
static int add_src_page(struct sgx_driver *drv, struct add_src *s, uint64_t c, void **page)
{
	uint64_t addr = s->src + c, n;
	int ret;

	if (!s->vma_known || addr < s->vma_from || addr >= s->vma.end) {
		s->vma_known = false;
		ret = sgx_find_user_vma(drv, addr, &s->vma);
		if (ret)
			return ret;
		s->vma_from = addr;
		s->vma_known = true;
	}
	/*
	 * As an LSM hook, before the driver's own rule. A source address in a
	 * hole below the mapping find_vma() found fails with -EFAULT below,
	 * policy or not: the policy judges only pages that have a source.
	 */
	if (s->policy && addr >= s->vma.start) {
		ret = add_src_policy(s, c);
		if (ret)
			return ret;
	}
	if (!s->vma.may_exec)
		return -EACCES;
	/* An enclave mapping is VM_IO|VM_PFNMAP: get_user_pages() refuses it. */
	if (sgx_vma_find(drv, addr))
		return -EFAULT;

	/*
	 * What get_user_pages() refuses, the direct copy could read: an
	 * exec-only mapping (no FOLL_FORCE), PFN mappings (device memory),
	 * secretmem.
	 */
	if (!s->vma.readable || s->vma.no_gup || addr < s->vma.start)
		return -EFAULT;

	if (c < s->buf_first || c >= s->buf_first + s->buf_len) {
		/* Ahead only within this mapping: the next one is judged first. */
		n = s->length - c;
		if (n > s->chunk * SGX_PAGE_SIZE)
			n = s->chunk * SGX_PAGE_SIZE;
		if (n > s->vma.end - addr)
			n = s->vma.end - addr;
		s->buf_first = c;
		s->buf_len = n;
		s->buf_valid = sgx_copy_from_user_partial(s->buf, addr, n);
	}
	if (c - s->buf_first + SGX_PAGE_SIZE > s->buf_valid)
		return -EFAULT;
	*page = s->buf + (c - s->buf_first);
	return 0;
}

/* EADD the source page. Context: drv->mm_lock (read) and encl->lock held. */
static int sgx_encl_add_page_locked(struct sgx_encl *encl, struct add_src *s, uint64_t c,
			       struct sgx_encl_page *encl_page, struct sgx_epc_page *epc_page,
			       struct sgx_secinfo *secinfo)
{
	struct sgx_driver *drv = encl->drv;
	struct sgx_pageinfo pginfo;
	void *contents;
	int ret;

	ret = add_src_page(drv, s, c, &contents);
	if (ret)
		return ret;
	pginfo.secs = (uint64_t)(uintptr_t)sgx_get_epc_virt_addr(drv, encl->secs.epc_page);
	pginfo.addr = sgx_encl_page_addr(encl_page);
	pginfo.metadata = (uint64_t)(uintptr_t)secinfo;
	pginfo.contents = (uint64_t)(uintptr_t)contents;
	return encls_eadd(drv->hw, &pginfo, sgx_get_epc_virt_addr(drv, epc_page)) ? -EIO : 0;
}

/*
 * EEXTEND the page 256 bytes at a time: it is measured with its contents.
 * Context: encl->lock held.
 */
static int sgx_encl_extend_locked(struct sgx_encl *encl, struct sgx_epc_page *epc_page)
{
	struct sgx_driver *drv = encl->drv;
	uint8_t *secs = sgx_get_epc_virt_addr(drv, encl->secs.epc_page);
	uint8_t *page = sgx_get_epc_virt_addr(drv, epc_page);
	unsigned int off;

	for (off = 0; off < SGX_PAGE_SIZE; off += SGX_EEXTEND_BLOCK_SIZE)
		if (encls_eextend(drv->hw, secs, page + off))
			return -EIO;
	return 0;
}

static int sgx_encl_add_page(struct sgx_encl *encl, struct add_src *s, uint64_t c,
			     uint64_t offset, struct sgx_secinfo *secinfo, uint64_t flags)
{
	struct sgx_driver *drv = encl->drv;
	uint64_t index = offset >> SGX_PAGE_SHIFT;
	struct sgx_encl_page *encl_page;
	struct sgx_epc_page *epc_page;
	struct sgx_encl_va_page *va_page;
	bool added = false;
	int ret;

	ret = sgx_encl_page_alloc(encl, offset, secinfo->flags, &encl_page);
	if (ret)
		return ret;
	ret = sgx_alloc_epc_page(drv, encl_page, true, &encl->epc_hint, &epc_page);
	if (ret) {
		free(encl_page);
		return ret;
	}
	ret = sgx_encl_grow(encl, true, &va_page);
	if (ret)
		goto err_out_free;

	/* As the kernel's mmap_read_lock(): the source is looked up below. */
	sgx_down_read(&drv->mm_lock);
	sgx_mutex_lock(&encl->lock);
	if (va_page)
		list_add(&va_page->list, &encl->va_pages);

	/*
	 * Insert before EADD: EADD extends MRENCLAVE and cannot be undone,
	 * while the insert can fail (a page added twice: -EBUSY).
	 */
	ret = sgx_page_array_insert(&encl->page_array, index, encl_page);
	if (ret)
		goto err_out_unlock;

	ret = sgx_encl_add_page_locked(encl, s, c, encl_page, epc_page, secinfo);
	if (ret)
		goto err_out;

	encl_page->epc_page = epc_page;
	encl_page->type = (uint8_t)sgx_secinfo_page_type(secinfo->flags);
	encl->secs_child_cnt++;
	sgx_stat_page(drv, encl_page->type, 1);
	added = true;

	if (flags & SGX_PAGE_MEASURE) {
		ret = sgx_encl_extend_locked(encl, epc_page);
		if (ret)
			goto err_out;
	}

	sgx_mark_page_reclaimable(drv, encl_page->epc_page);
	sgx_mutex_unlock(&encl->lock);
	sgx_up_read(&drv->mm_lock);
	return 0;

err_out:
	(void)sgx_page_array_erase(&encl->page_array, index);
	if (added) {
		/* Unlike v6.1, which leaves secs_child_cnt one too high here. */
		encl->secs_child_cnt--;
		sgx_stat_page(drv, encl_page->type, -1);
	}
err_out_unlock:
	sgx_encl_shrink(encl, va_page);
	sgx_mutex_unlock(&encl->lock);
	sgx_up_read(&drv->mm_lock);
err_out_free:
	sgx_encl_free_epc_page(drv, epc_page);
	free(encl_page);
	return ret;
}

/**
 * sgx_ioc_enclave_add_pages() - SGX_IOC_ENCLAVE_ADD_PAGES: EADD (and
 * EEXTEND with SGX_PAGE_MEASURE) @length bytes from @src at @offset, one
 * SECINFO for all. add_arg.count is written back, on error too.
 * Return: 0; -EINVAL (state, alignment, range, SECINFO); -EFAULT (argument,
 * SECINFO, a source page not mapped or not readable); -EACCES (a source
 * page on a noexec mount, or the policy refused a page); -EBUSY (page already added); -ENOMEM (no EPC);
 * -EIO (EADD or EEXTEND faulted).
 */
static long sgx_ioc_enclave_add_pages(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_add_pages add_arg;
	struct sgx_secinfo secinfo __attribute__((aligned(64)));
	struct add_src s;
	uint64_t c;
	int ret = 0;

	if (!sgx_encl_test_flag(encl, SGX_ENCL_CREATED) ||
	    sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED))
		return -EINVAL;
	if (sgx_copy_from_user(&add_arg, arg, sizeof(add_arg)))
		return -EFAULT;
	if (add_arg.src & (SGX_PAGE_SIZE - 1))
		return -EINVAL;
	if (sgx_validate_offset_length(encl, add_arg.offset, add_arg.length))
		return -EINVAL;
	if (sgx_copy_from_user(&secinfo, add_arg.secinfo, sizeof(secinfo)))
		return -EFAULT;
	if (sgx_validate_secinfo(&secinfo))
		return -EINVAL;

	memset(&s, 0, sizeof(s));
	s.src = add_arg.src;
	s.length = add_arg.length;
	s.policy = encl->drv->cfg.policy;
	s.policy_encl = &encl->policy;
	s.offset = add_arg.offset;
	s.secinfo_flags = secinfo.flags;
	s.measure = add_arg.flags & SGX_PAGE_MEASURE;
	s.buf_first = UINT64_MAX;
	if (s.policy)
		s.run = policy_page_run_start(s.policy);
	s.chunk = sgx_user_access_direct() ? 1 : ADD_CHUNK_PAGES;
	s.buf = aligned_alloc(SGX_PAGE_SIZE, s.chunk * SGX_PAGE_SIZE);
	for (c = 0; c < add_arg.length; c += SGX_PAGE_SIZE) {
		ret = s.buf ? sgx_encl_add_page(encl, &s, c, add_arg.offset + c, &secinfo,
						add_arg.flags) : -ENOMEM;
		if (ret)
			break;
	}
	free(s.buf);
	/* The audit log has every decision of the call before it returns. */
	if (s.policy)
		policy_page_run_end(s.policy, s.run);

	add_arg.count = c;
	if (sgx_copy_to_user(arg, &add_arg, sizeof(add_arg)))
		return -EFAULT;
	return ret;
}

/* ---- INIT -------------------------------------------------------------- */

/* sgx_update_lepubkeyhash(): point launch control at the enclave's signer. */
static void sgx_update_lepubkeyhash(struct sgx_driver *drv, const uint64_t mrsigner[4])
{
	unsigned int i;

	sgx_assert_held(&drv->einit_lock);
	/* With the MSRs locked EINIT decides against whatever they hold. */
	for (i = 0; i < 4; i++)
		(void)hw_wrmsr(drv->hw, MSR_IA32_SGXLEPUBKEYHASH0 + i, mrsigner[i]);
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The policy's say before EINIT, on the identity SIGSTRUCT claims (EINIT
 * verifies it right after): PROVISIONKEY first, where the kernel's own
 * PROVISIONKEY gate stands, then the enclave itself.
 */
static int sgx_encl_init_policy(struct sgx_encl *encl, const struct sgx_sigstruct *sigstruct,
				const uint8_t *mrsigner)
{
	struct policy *pol = encl->drv->cfg.policy;
	struct policy_encl_init ia = {
		.mrenclave = sigstruct->body.mrenclave,
		.mrsigner = mrsigner,
		.attributes = encl->attributes,
		.xfrm = sigstruct->body.xfrm,
		.miscselect = sigstruct->body.miscselect,
		.isvprodid = sigstruct->body.isvprodid,
		.isvsvn = sigstruct->body.isvsvn,
	};
	int ret;

	if (encl->attributes & SGX_ATTR_PROVISIONKEY) {
		struct policy_provision pa = {
			.mrenclave = sigstruct->body.mrenclave,
			.mrsigner = mrsigner,
			.attributes = encl->attributes,
		};

		ret = policy_provision(pol, &encl->policy, &pa);
		if (ret)
			return ret;
	}
	return policy_encl_init(pol, &encl->policy, &ia);
}

static int sgx_encl_init(struct sgx_encl *encl, struct sgx_sigstruct *sigstruct,
			 struct sgx_einittoken *token)
{
	struct sgx_driver *drv = encl->drv;
	uint64_t mrsigner[4];
	unsigned int r = 0;
	int i, j, ret;

	/* Attributes (PROVISIONKEY) that were not explicitly allowed. */
	if (encl->attributes & ~encl->attributes_mask)
		return -EACCES;

	/*
	 * What SIGSTRUCT enforces must be possible on this CPU at all; bits
	 * outside the masks may be anything.
	 */
	if (sigstruct->body.attributes & sigstruct->body.attributes_mask &
	    drv->attributes_reserved_mask)
		return -EINVAL;
	if (sigstruct->body.miscselect & sigstruct->body.misc_mask & drv->misc_reserved_mask)
		return -EINVAL;
	if (sigstruct->body.xfrm & sigstruct->body.xfrm_mask & drv->xfrm_reserved_mask)
		return -EINVAL;

	ret = crypto_sha256(sigstruct->modulus, SGX_MODULUS_SIZE, (uint8_t *)mrsigner);
	if (ret)
		return ret;

	if (drv->cfg.policy) {
		ret = sgx_encl_init_policy(encl, sigstruct, (const uint8_t *)mrsigner);
		if (ret)
			return ret;
	}

	sgx_mutex_lock(&encl->lock);
	/* EINIT may give way to an interrupt (SGX_UNMASKED_EVENT): retry. */
	for (i = 0; i < SGX_EINIT_SLEEP_COUNT; i++) {
		for (j = 0; j < SGX_EINIT_SPIN_COUNT; j++) {
			sgx_mutex_lock(&drv->einit_lock);
			sgx_update_lepubkeyhash(drv, mrsigner);
			r = encls_einit(drv->hw, sigstruct, token,
					sgx_get_epc_virt_addr(drv, encl->secs.epc_page));
			sgx_mutex_unlock(&drv->einit_lock);
			if (r != SGX_UNMASKED_EVENT)
				break;
		}
		if (r != SGX_UNMASKED_EVENT)
			break;
		msleep(SGX_EINIT_SLEEP_TIME);
	}

	if (SGX_ENCLS_FAULTED(r)) {
		ret = -EIO;
	} else if (r) {
		ret = -EPERM;
	} else {
		if (drv->cfg.policy)
			policy_encl_set_identity(&encl->policy, sigstruct->body.mrenclave,
						 (const uint8_t *)mrsigner);
		sgx_encl_set_flag(encl, SGX_ENCL_INITIALIZED);
		ret = 0;
	}
	sgx_mutex_unlock(&encl->lock);
	return ret;
}

/**
 * sgx_ioc_enclave_init() - SGX_IOC_ENCLAVE_INIT: EINIT with the SIGSTRUCT
 * and a zero launch token, LEPUBKEYHASH set to the signer first.
 * Return: 0; -EINVAL (state, vendor, reserved bits); -EFAULT; -EACCES
 * (attributes not allowed: PROVISIONKEY without SGX_IOC_ENCLAVE_PROVISION);
 * -EPERM (EINIT refused the SIGSTRUCT, or the policy refused the enclave);
 * -EACCES also when the policy refused PROVISIONKEY; -EIO (EINIT faulted).
 */
static long sgx_ioc_enclave_init(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_init init_arg;
	struct sgx_sigstruct *sigstruct;
	struct sgx_einittoken *token;
	void *page;
	int ret;

	if (!sgx_encl_test_flag(encl, SGX_ENCL_CREATED) ||
	    sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED))
		return -EINVAL;
	if (sgx_copy_from_user(&init_arg, arg, sizeof(init_arg)))
		return -EFAULT;

	/* One page: SIGSTRUCT page aligned, the token 512-byte aligned after it. */
	page = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	sigstruct = page;
	token = (struct sgx_einittoken *)((uint8_t *)page + SGX_PAGE_SIZE / 2);
	memset(token, 0, SGX_EINITTOKEN_SIZE);

	if (sgx_copy_from_user(sigstruct, init_arg.sigstruct, sizeof(*sigstruct))) {
		ret = -EFAULT;
		goto out;
	}
	/* A legacy field: the CPU accepts only these two values. */
	if (sigstruct->header.vendor != 0x0000 &&
	    sigstruct->header.vendor != SGX_SIGSTRUCT_VENDOR_INTEL) {
		ret = -EINVAL;
		goto out;
	}
	ret = sgx_encl_init(encl, sigstruct, token);
out:
	free(page);
	return ret;
}

/* ---- PROVISION --------------------------------------------------------- */

/* sgx_set_attribute(): @fd must name an open /dev/sgx_provision. */
static int sgx_set_attribute(uint64_t *allowed_attributes, unsigned int fd,
			     struct sgx_file *(*lookup)(int fd))
{
	struct sgx_file *file;

	if (!lookup || fd > INT_MAX)
		return -EINVAL;
	file = lookup((int)fd);
	if (!file || file->dev != SGX_DEV_PROVISION)
		return -EINVAL;
	*allowed_attributes |= SGX_ATTR_PROVISIONKEY;
	return 0;
}

/**
 * sgx_ioc_enclave_provision() - SGX_IOC_ENCLAVE_PROVISION: allow
 * ATTRIBUTES.PROVISIONKEY for the enclave. The fd is truncated to 32 bits,
 * as the kernel's unsigned int parameter does.
 * Return: 0, -EFAULT, -EINVAL (not an open /dev/sgx_provision).
 */
static long sgx_ioc_enclave_provision(struct sgx_encl *encl, uint64_t arg,
				      struct sgx_file *(*lookup)(int fd))
{
	struct sgx_enclave_provision params;

	if (sgx_copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;
	return sgx_set_attribute(&encl->attributes_mask, (unsigned int)params.fd, lookup);
}

/* ---- dispatcher -------------------------------------------------------- */

long sgx_ioctl(struct sgx_file *f, unsigned int cmd, unsigned long arg,
	       struct sgx_file *(*provision_lookup)(int fd))
{
	struct sgx_driver *drv = f->drv;
	struct sgx_encl *encl = f->encl;
	bool known = true;
	int uaccess;
	long ret;

	/* /dev/sgx_provision has no ioctl at all. */
	if (f->dev != SGX_DEV_ENCLAVE)
		return -ENOTTY;
	if (atomic_fetch_or_explicit(&encl->flags, SGX_ENCL_IOCTL, memory_order_acq_rel) &
	    SGX_ENCL_IOCTL) {
		sgx_stat_inc(&drv->st_ioctl_errors);
		return -EBUSY;
	}

	/* Copies of this call go direct or through syscalls: decided once. */
	uaccess = sgx_user_access_begin();
	switch (cmd) {
	case SGX_IOC_ENCLAVE_CREATE:
		ret = sgx_ioc_enclave_create(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_ADD_PAGES:
		ret = sgx_ioc_enclave_add_pages(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_INIT:
		ret = sgx_ioc_enclave_init(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_PROVISION:
		ret = sgx_ioc_enclave_provision(encl, arg, provision_lookup);
		break;
	case SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS:
		ret = sgx_ioc_enclave_restrict_permissions(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_MODIFY_TYPES:
		ret = sgx_ioc_enclave_modify_types(encl, arg);
		break;
	case SGX_IOC_ENCLAVE_REMOVE_PAGES:
		ret = sgx_ioc_enclave_remove_pages(encl, arg);
		break;
	default:
		/* -ENOIOCTLCMD, which the VFS hands to the program as -ENOTTY. */
		ret = -ENOTTY;
		known = false;
		break;
	}
	sgx_user_access_end(uaccess);
	atomic_fetch_and_explicit(&encl->flags, ~(unsigned int)SGX_ENCL_IOCTL,
				  memory_order_acq_rel);

	if (known)
		sgx_stat_inc(&drv->st_ioctls[_IOC_NR(cmd) & 7]);
	if (ret < 0)
		sgx_stat_inc(&drv->st_ioctl_errors);
	return ret;
}
