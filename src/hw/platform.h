/* SPDX-License-Identifier: MIT */
/*
 * The emulated SGX platform: configuration, EPC, EPCM, MSRs, keys and the
 * logical processors that execute ENCLU leaves. Public interface of hw/.
 */
#ifndef SGXEMU_HW_PLATFORM_H
#define SGXEMU_HW_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx_arch.h"
#include "sgx_errors.h"
#include "sgx_leaves.h"

#define HW_MAX_EPC_SECTIONS 8

/* What the emulated CPU supports; hw_config_default() gives a sane SGX2 part. */
struct hw_config {
	uint64_t epc_size;              /* bytes in all sections, multiple of 4 KiB */
	unsigned int epc_sections;      /* 1..HW_MAX_EPC_SECTIONS, sizes split evenly */
	uint64_t epc_phys_base;         /* reported through CPUID 0x12 */
	bool sgx2;                      /* EAUG/EMODPR/EMODT, EACCEPT/EMODPE/... */
	bool aex_notify;                /* EDECCSSA and ATTRIBUTES.AEXNOTIFY */
	uint32_t miscselect;            /* supported MISCSELECT bits */
	uint64_t attributes;            /* allowed SECS.ATTRIBUTES bits */
	uint64_t xfrm;                  /* allowed XFRM bits */
	uint8_t max_enclave_size_64;    /* log2 of the largest 64-bit enclave */
	uint8_t cpusvn[16];
	uint16_t config_svn_max;        /* unused by leaves, for completeness */
	/* Root key file; NULL picks $SGXEMU_KEY_FILE, then
	 * $XDG_DATA_HOME/sgxemu/platform.key or ~/.local/share/sgxemu/platform.key. */
	const char *root_key_path;
	bool flc_locked;                /* IA32_SGXLEPUBKEYHASHn read-only */
};

struct hw_platform;
struct hw_lp;

/**
 * hw_config_default() - fill @cfg with the default platform: 32 MiB of EPC in
 * one section, SGX1+SGX2, MISCSELECT.EXINFO, DEBUG/MODE64BIT/PROVISIONKEY/
 * EINITTOKENKEY/KSS attributes, XFRM x87|SSE|AVX, FLC unlocked.
 */
void hw_config_default(struct hw_config *cfg);

/**
 * hw_platform_create() - bring up an emulated platform.
 * @cfg: configuration, copied.
 * @out: the new platform.
 *
 * Creates the EPC memfd and its private PRM view, the EPCM, loads or creates
 * the root key file, and draws a fresh paging key.
 *
 * Return: 0, -EINVAL for a bad configuration, -ENOMEM, or the -errno of the
 * memfd or key-file operation that failed.
 */
int hw_platform_create(const struct hw_config *cfg, struct hw_platform **out)
	__attribute__((warn_unused_result));

/** hw_platform_destroy() - release everything; key material is wiped. */
void hw_platform_destroy(struct hw_platform *hw);

/** hw_platform_config() - the configuration the platform runs with. */
const struct hw_config *hw_platform_config(const struct hw_platform *hw);

/* ---- EPC ------------------------------------------------------------- */

/** hw_epc_nr_pages() - number of EPC pages over all sections. */
uint64_t hw_epc_nr_pages(const struct hw_platform *hw);

/**
 * hw_epc_page() - the PRM-view address of EPC page @index ("physical" address
 * that ENCLS leaves take), or NULL if out of range.
 */
void *hw_epc_page(const struct hw_platform *hw, uint64_t index);

/**
 * hw_epc_index() - index of the EPC page containing @addr.
 * Return: 0 and *@index, or -EFAULT if @addr is not inside the EPC.
 */
int hw_epc_index(const struct hw_platform *hw, const void *addr, uint64_t *index)
	__attribute__((warn_unused_result));

/**
 * hw_epc_memfd() - the memfd holding all EPC sections; EPC page i is at file
 * offset i * 4096. The driver maps enclave pages from it.
 */
int hw_epc_memfd(const struct hw_platform *hw);

/**
 * hw_config_epc_section() - base and size of EPC section @i of a platform
 * configured with @cfg (sizes split evenly, the last takes the rest).
 * Return: 0, -ENOENT past the last.
 */
int hw_config_epc_section(const struct hw_config *cfg, unsigned int i, uint64_t *phys_base,
			  uint64_t *size) __attribute__((warn_unused_result));

/** hw_epc_section() - base and size of section @i; -ENOENT past the last. */
int hw_epc_section(const struct hw_platform *hw, unsigned int i, uint64_t *phys_base,
		   uint64_t *size);

/* ---- EPCM, read-only view for the driver and tests ------------------------ */

struct hw_epcm_info {
	bool valid;
	bool blocked;
	uint8_t page_type;              /* enum sgx_page_type */
	uint8_t perm;                   /* SGX_SECINFO_R|W|X */
	bool pending, modified, pr;
	uint64_t linaddr;
	uint64_t secs_index;            /* EPC index of the owning SECS */
};

/** hw_epcm_read() - snapshot of EPCM entry @index; -EINVAL out of range. */
int hw_epcm_read(const struct hw_platform *hw, uint64_t index, struct hw_epcm_info *info)
	__attribute__((warn_unused_result));

/* ---- Emulated MSRs ------------------------------------------------------ */

#define MSR_IA32_SGXLEPUBKEYHASH0 0x8c
#define MSR_IA32_SGXLEPUBKEYHASH3 0x8f

/**
 * hw_wrmsr() - write IA32_SGXLEPUBKEYHASH0..3.
 * Return: 0, or SGX_FAULT_GP for another MSR or when FLC is locked.
 */
unsigned int hw_wrmsr(struct hw_platform *hw, uint32_t msr, uint64_t value);

/** hw_rdmsr() - read an emulated MSR; SGX_FAULT_GP for an unknown one. */
unsigned int hw_rdmsr(const struct hw_platform *hw, uint32_t msr, uint64_t *value);

/* ---- CPUID leaf 0x12 and leaf 7 bits ------------------------------------- */

struct hw_cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/**
 * hw_cpuid_sgx() - CPUID.(0x12, @subleaf) as this platform reports it
 * (sub-leaf 0 capabilities, 1 attributes/XFRM, 2.. EPC sections).
 */
void hw_cpuid_sgx(const struct hw_platform *hw, uint32_t subleaf, struct hw_cpuid_regs *r);

/** hw_cpuid_sgx_config() - the same for a configuration, before any platform exists. */
void hw_cpuid_sgx_config(const struct hw_config *cfg, uint32_t subleaf, struct hw_cpuid_regs *r);

/* ---- Statistics ------------------------------------------------------------ */

struct hw_stats {
	uint64_t encls[SGX_ENCLS_NR_LEAVES];   /* calls per leaf */
	uint64_t enclu[SGX_ENCLU_NR_LEAVES];
	uint64_t epc_pages;
	uint64_t epcm_valid;                   /* EPC pages with EPCM.VALID */
	uint64_t enclaves;                     /* live SECS (resident or evicted) */
	uint64_t metadata_per_epc_page;        /* bytes of EPCM + bookkeeping per page */
};

/** hw_stats_read() - counters since the platform came up. */
void hw_stats_read(const struct hw_platform *hw, struct hw_stats *st);

#endif /* SGXEMU_HW_PLATFORM_H */
