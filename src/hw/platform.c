// SPDX-License-Identifier: MIT
/*
 * The emulated platform: EPC sections in one memfd with a private PRM view,
 * the EPCM, emulated IA32_SGXLEPUBKEYHASH MSRs, CPUID leaf 0x12 and the
 * enclave bookkeeping table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw_internal.h"

/* IA32_SGXLEPUBKEYHASH reset value: SHA-256 of Intel's launch enclave key. */
static const uint64_t lepubkeyhash_reset[4] = {
	0xa6053e051270b7acull, 0x6cfbe8ba8b3b413dull,
	0xc4916d99f2b3735dull, 0xd4f8c05909f9bb3bull,
};

void hw_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "sgxemu: BUG at %s:%d: %s\n", file, line, cond);
	abort();
}

void hw_config_default(struct hw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->epc_size = 32ull << 20;
	cfg->epc_sections = 1;
	cfg->epc_phys_base = 0x80000000ull;
	cfg->sgx2 = true;
	cfg->aex_notify = false;
	cfg->miscselect = SGX_MISC_EXINFO;
	/* What software may set in SECS.ATTRIBUTES; INIT is EINIT's alone. */
	cfg->attributes = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_PROVISIONKEY |
			  SGX_ATTR_EINITTOKENKEY | SGX_ATTR_KSS;
	cfg->xfrm = SGX_XFRM_LEGACY | SGX_XFRM_AVX;
	cfg->max_enclave_size_64 = 36;
	/* CPUSVN of the emulated microcode; arbitrary but fixed. */
	cfg->cpusvn[0] = 0x0e;
	cfg->cpusvn[1] = 0x0e;
	cfg->cpusvn[2] = 0x02;
	cfg->cpusvn[3] = 0x04;
	cfg->cpusvn[4] = 0xff;
	cfg->cpusvn[5] = 0x80;
}

static int check_config(const struct hw_config *cfg)
{
	uint64_t pages = cfg->epc_size / SGX_PAGE_SIZE;

	if (!cfg->epc_size || cfg->epc_size % SGX_PAGE_SIZE)
		return -EINVAL;
	if (!cfg->epc_sections || cfg->epc_sections > HW_MAX_EPC_SECTIONS ||
	    pages < cfg->epc_sections)
		return -EINVAL;
	/* CPUID 0x12 reports sizes in 52 bits; the EPCM index is 32-bit friendly. */
	if (pages > (1ull << 32))
		return -EINVAL;
	if (cfg->epc_phys_base % SGX_PAGE_SIZE || cfg->epc_phys_base >> 52)
		return -EINVAL;
	if (cfg->max_enclave_size_64 < 12 || cfg->max_enclave_size_64 > 63)
		return -EINVAL;
	/* MODE64BIT and legacy XFRM must always be available. */
	if (!(cfg->attributes & SGX_ATTR_MODE64BIT) ||
	    (cfg->xfrm & SGX_XFRM_LEGACY) != SGX_XFRM_LEGACY)
		return -EINVAL;
	return 0;
}

int hw_platform_create(const struct hw_config *cfg, struct hw_platform **out)
{
	struct hw_platform *hw;
	unsigned int i;
	int ret;

	ret = check_config(cfg);
	if (ret)
		return ret;

	hw = calloc(1, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	hw->cfg = *cfg;
	hw->cfg.root_key_path = NULL;  /* not owned; only used during create */
	hw->nr_pages = cfg->epc_size / SGX_PAGE_SIZE;
	hw->epc_fd = -1;


	hw->epc_fd = memfd_create("sgxemu EPC", MFD_CLOEXEC);
	if (hw->epc_fd < 0) {
		ret = -errno;
		goto out_free;
	}
	if (ftruncate(hw->epc_fd, (off_t)cfg->epc_size)) {
		ret = -errno;
		goto out_close;
	}
	hw->prm = mmap(NULL, cfg->epc_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		       hw->epc_fd, 0);
	if (hw->prm == MAP_FAILED) {
		ret = -errno;
		hw->prm = NULL;
		goto out_close;
	}
	/*
	 * EPC is memory the firmware set aside: present from boot. Populate it
	 * now rather than paying a shmem page fault and a page clear on the
	 * first EADD/EAUG/ELDU of every page (about half the cost of a measured
	 * EADD). Best effort: kernels before 5.14 lack MADV_POPULATE_WRITE.
	 */
	(void)madvise(hw->prm, cfg->epc_size, MADV_POPULATE_WRITE);

	hw->epcm = calloc(hw->nr_pages, sizeof(*hw->epcm));
	hw->pages = calloc(hw->nr_pages, sizeof(*hw->pages));
	if (!hw->epcm || !hw->pages) {
		ret = -ENOMEM;
		goto out_unmap;
	}

	pthread_mutex_init(&hw->encl_lock, NULL);
	atomic_init(&hw->next_eid, 1);
	for (i = 0; i < 4; i++)
		atomic_init(&hw->lepubkeyhash[i], lepubkeyhash_reset[i]);

	ret = keys_platform_init(hw, cfg->root_key_path);
	if (ret)
		goto out_mutex;

	*out = hw;
	return 0;

out_mutex:
	pthread_mutex_destroy(&hw->encl_lock);
out_unmap:
	free(hw->pages);
	free(hw->epcm);
	munmap(hw->prm, cfg->epc_size);
out_close:
	close(hw->epc_fd);
out_free:
	free(hw);
	return ret;
}

void hw_platform_destroy(struct hw_platform *hw)
{
	struct hw_encl *e, *next;

	if (!hw)
		return;
	for (e = hw->encls; e; e = next) {
		next = e->next;
		crypto_sha256_free(e->mr);
		pthread_mutex_destroy(&e->lock);
		free(e);
	}
	keys_platform_fini(hw);
	pthread_mutex_destroy(&hw->encl_lock);
	free(hw->pages);
	free(hw->epcm);
	/* EPC contents are enclave secrets too. */
	munmap(hw->prm, hw->cfg.epc_size);
	close(hw->epc_fd);
	crypto_wipe(hw, sizeof(*hw));
	free(hw);
}

const struct hw_config *hw_platform_config(const struct hw_platform *hw)
{
	return &hw->cfg;
}

uint64_t hw_epc_nr_pages(const struct hw_platform *hw)
{
	return hw->nr_pages;
}

void *hw_epc_page(const struct hw_platform *hw, uint64_t index)
{
	if (index >= hw->nr_pages)
		return NULL;
	return epc_va(hw, index);
}

int hw_epc_index(const struct hw_platform *hw, const void *addr, uint64_t *index)
{
	uintptr_t a = (uintptr_t)addr, b = (uintptr_t)hw->prm;

	if (a < b || a - b >= hw->nr_pages * SGX_PAGE_SIZE)
		return -EFAULT;
	*index = (a - b) / SGX_PAGE_SIZE;
	return 0;
}

int hw_epc_memfd(const struct hw_platform *hw)
{
	return hw->epc_fd;
}

int hw_config_epc_section(const struct hw_config *cfg, unsigned int i, uint64_t *phys_base,
			  uint64_t *size)
{
	uint64_t pages = cfg->epc_size / SGX_PAGE_SIZE, per;

	if (!cfg->epc_sections || i >= cfg->epc_sections)
		return -ENOENT;
	/* Split evenly; the last section takes the remainder. */
	per = pages / cfg->epc_sections;
	*phys_base = cfg->epc_phys_base + (uint64_t)i * per * SGX_PAGE_SIZE;
	*size = (i == cfg->epc_sections - 1 ? per + pages % cfg->epc_sections : per) *
		SGX_PAGE_SIZE;
	return 0;
}

int hw_epc_section(const struct hw_platform *hw, unsigned int i, uint64_t *phys_base,
		   uint64_t *size)
{
	return hw_config_epc_section(&hw->cfg, i, phys_base, size);
}

unsigned int epc_lookup(const struct hw_platform *hw, uint64_t addr, uint64_t aligned,
			uint64_t *index)
{
	uint64_t b = (uint64_t)(uintptr_t)hw->prm;

	if (aligned && addr % aligned)
		return SGX_FAULT_GP;
	if (addr < b || addr - b >= hw->nr_pages * SGX_PAGE_SIZE)
		return SGX_FAULT_PF;
	*index = (addr - b) / SGX_PAGE_SIZE;
	return 0;
}

int hw_epcm_read(const struct hw_platform *hw, uint64_t index, struct hw_epcm_info *info)
{
	const struct epcm_entry *e;
	uint8_t flags;

	if (index >= hw->nr_pages)
		return -EINVAL;
	e = &hw->epcm[index];
	flags = epcm_flags(hw, index);
	info->valid = flags & EPCM_VALID;
	info->blocked = flags & EPCM_BLOCKED;
	info->page_type = e->page_type;
	info->perm = flags & EPCM_PERM_MASK;
	info->pending = flags & EPCM_PENDING;
	info->modified = flags & EPCM_MODIFIED;
	info->pr = flags & EPCM_PR;
	info->linaddr = e->linaddr;
	info->secs_index = e->secs;
	return 0;
}

void epcm_set(struct hw_platform *hw, uint64_t index, uint8_t page_type, uint8_t flags,
	      uint64_t linaddr, uint64_t secs_index)
{
	struct epcm_entry *e = &hw->epcm[index];

	if (!(epcm_flags(hw, index) & EPCM_VALID))
		atomic_fetch_add_explicit(&hw->stat_valid, 1, memory_order_relaxed);
	e->page_type = page_type;
	e->linaddr = linaddr;
	e->secs = (uint32_t)secs_index;
	/*
	 * Logical processors read EPCM entries without the page lock (EENTER,
	 * the fault path): publish the fields before the flags that make
	 * them valid.
	 */
	__atomic_store_n(&e->flags, (uint8_t)(flags | EPCM_VALID), __ATOMIC_RELEASE);
}

void epcm_clear(struct hw_platform *hw, uint64_t index)
{
	struct epcm_entry *e = &hw->epcm[index];

	if (epcm_flags(hw, index) & EPCM_VALID)
		atomic_fetch_sub_explicit(&hw->stat_valid, 1, memory_order_relaxed);
	/* Invalidate first, so no reader trusts the fields being cleared. */
	__atomic_store_n(&e->flags, 0, __ATOMIC_RELEASE);
	e->page_type = 0;
	e->linaddr = 0;
	e->secs = 0;
	atomic_store_explicit(&hw->pages[index].tcs_busy, 0, memory_order_relaxed);
	hw->pages[index].block_epoch = 0;
}

int hw_encl_alloc(struct hw_platform *hw, struct hw_encl **out)
{
	struct hw_encl *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	ret = crypto_sha256_new(&e->mr);
	if (ret) {
		free(e);
		return ret;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->eid = atomic_fetch_add_explicit(&hw->next_eid, 1, memory_order_relaxed);
	e->secs_index = HW_EPC_NONE;
	atomic_init(&e->epoch, 0);
	atomic_init(&e->tracked, -1);

	pthread_mutex_lock(&hw->encl_lock);
	e->next = hw->encls;
	hw->encls = e;
	pthread_mutex_unlock(&hw->encl_lock);
	atomic_fetch_add_explicit(&hw->stat_enclaves, 1, memory_order_relaxed);
	*out = e;
	return 0;
}

void hw_encl_free(struct hw_platform *hw, struct hw_encl *encl)
{
	struct hw_encl **p;

	pthread_mutex_lock(&hw->encl_lock);
	for (p = &hw->encls; *p; p = &(*p)->next) {
		if (*p == encl) {
			*p = encl->next;
			break;
		}
	}
	pthread_mutex_unlock(&hw->encl_lock);
	atomic_fetch_sub_explicit(&hw->stat_enclaves, 1, memory_order_relaxed);
	crypto_sha256_free(encl->mr);
	pthread_mutex_destroy(&encl->lock);
	crypto_wipe(encl, sizeof(*encl));
	free(encl);
}

struct hw_encl *hw_encl_find(struct hw_platform *hw, uint64_t eid)
{
	struct hw_encl *e;

	pthread_mutex_lock(&hw->encl_lock);
	for (e = hw->encls; e; e = e->next)
		if (e->eid == eid)
			break;
	pthread_mutex_unlock(&hw->encl_lock);
	return e;
}

unsigned int hw_wrmsr(struct hw_platform *hw, uint32_t msr, uint64_t value)
{
	if (msr < MSR_IA32_SGXLEPUBKEYHASH0 || msr > MSR_IA32_SGXLEPUBKEYHASH3)
		return SGX_FAULT_GP;
	if (hw->cfg.flc_locked)
		return SGX_FAULT_GP;
	atomic_store_explicit(&hw->lepubkeyhash[msr - MSR_IA32_SGXLEPUBKEYHASH0], value,
			      memory_order_release);
	return 0;
}

unsigned int hw_rdmsr(const struct hw_platform *hw, uint32_t msr, uint64_t *value)
{
	if (msr < MSR_IA32_SGXLEPUBKEYHASH0 || msr > MSR_IA32_SGXLEPUBKEYHASH3)
		return SGX_FAULT_GP;
	*value = atomic_load_explicit(&((struct hw_platform *)hw)->lepubkeyhash[msr - MSR_IA32_SGXLEPUBKEYHASH0],
				      memory_order_acquire);
	return 0;
}

void hw_cpuid_sgx_config(const struct hw_config *c, uint32_t subleaf, struct hw_cpuid_regs *r)
{
	uint64_t base, size;

	memset(r, 0, sizeof(*r));
	switch (subleaf) {
	case 0:
		r->eax = 1u | (c->sgx2 ? 2u : 0u) | (c->aex_notify ? 1u << 11 : 0u);
		r->ebx = c->miscselect;
		/* EDX[7:0]: max enclave size outside 64-bit mode, [15:8]: in it. */
		r->edx = 31u | ((uint32_t)c->max_enclave_size_64 << 8);
		break;
	case 1:
		r->eax = (uint32_t)c->attributes;
		r->ebx = (uint32_t)(c->attributes >> 32);
		r->ecx = (uint32_t)c->xfrm;
		r->edx = (uint32_t)(c->xfrm >> 32);
		break;
	default:
		if (hw_config_epc_section(c, subleaf - 2, &base, &size))
			break;  /* type 0: no more sections */
		r->eax = 1u | (uint32_t)(base & 0xfffff000u);
		r->ebx = (uint32_t)((base >> 32) & 0xfffffu);
		/* ECX[3:0] = 1: confidentiality and integrity protected. */
		r->ecx = 1u | (uint32_t)(size & 0xfffff000u);
		r->edx = (uint32_t)((size >> 32) & 0xfffffu);
		break;
	}
}

void hw_cpuid_sgx(const struct hw_platform *hw, uint32_t subleaf, struct hw_cpuid_regs *r)
{
	hw_cpuid_sgx_config(&hw->cfg, subleaf, r);
}

void hw_stats_read(const struct hw_platform *hw, struct hw_stats *st)
{
	struct hw_platform *h = (struct hw_platform *)hw;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < SGX_ENCLS_NR_LEAVES; i++)
		st->encls[i] = atomic_load_explicit(&h->stat_encls[i], memory_order_relaxed);
	for (i = 0; i < SGX_ENCLU_NR_LEAVES; i++)
		st->enclu[i] = atomic_load_explicit(&h->stat_enclu[i], memory_order_relaxed);
	st->epc_pages = hw->nr_pages;
	st->epcm_valid = atomic_load_explicit(&h->stat_valid, memory_order_relaxed);
	st->enclaves = atomic_load_explicit(&h->stat_enclaves, memory_order_relaxed);
	st->metadata_per_epc_page = sizeof(struct epcm_entry) + sizeof(struct epc_page_state);
}
