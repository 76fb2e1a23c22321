/* SPDX-License-Identifier: MIT */
/*
 * Key derivation: the SDM's derivekey(TMP_KEYDEPENDENCIES) of EGETKEY and
 * EREPORT (Vol. 3D, EGETKEY "Key Derivation" table). One function derives
 * every key, so a REPORT MAC made by EREPORT for a target and the REPORT
 * key the target gets from EGETKEY come out of the same code. Private to hw/.
 */
#ifndef SGXEMU_HW_KEYS_H
#define SGXEMU_HW_KEYS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "hw_internal.h"

#define KEYS_PADDING_SIZE 352

/*
 * TMP_KEYDEPENDENCIES: the SDM names the fields, not their layout (real
 * hardware never exposes it), so this byte layout is sgxemu's own and part
 * of its key compatibility: changing it changes every sealing key.
 * Callers fill the enclave-dependent fields and leave zero what the key
 * does not depend on; keys_derive() adds SEAL_KEY_FUSES and PADDING.
 */
struct key_dependencies {
	uint16_t key_name;              /* enum sgx_key_name */
	uint16_t key_policy;
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t  reserved_0x0a[6];
	uint8_t  owner_epoch[16];
	struct sgx_attributes attributes;
	struct sgx_attributes attributes_mask;
	uint8_t  mrenclave[32];
	uint8_t  mrsigner[32];
	uint8_t  key_id[32];
	uint8_t  seal_key_fuses[16];    /* filled by keys_derive() */
	uint8_t  cpusvn[16];
	uint32_t miscselect;
	uint32_t misc_mask;
	uint8_t  isv_family_id[16];
	uint8_t  isv_ext_prod_id[16];
	uint8_t  config_id[64];
	uint8_t  padding[KEYS_PADDING_SIZE];    /* filled by keys_derive() */
} __attribute__((packed));
static_assert(offsetof(struct key_dependencies, owner_epoch) == 16, "KEYDEP.OWNEREPOCH");
static_assert(offsetof(struct key_dependencies, seal_key_fuses) == 160, "KEYDEP.SEAL_KEY_FUSES");
static_assert(sizeof(struct key_dependencies) == 648, "KEYDEP size");

/**
 * keys_derive() - derivekey(): AES-128-CMAC of @kd under the package's
 * root key - the provisioning root for PROVISION and PROVISION_SEAL keys,
 * the seal root otherwise - with SEAL_KEY_FUSES = the seal root for every
 * key but PROVISION (so PROVISION_SEAL depends on both roots) and PADDING =
 * the SDM's HARDCODED_PKCS1_5_PADDING. CPUSVN, OWNEREPOCH and KEYID come
 * in through @kd.
 * @hw: platform (its root keys).
 * @kd: dependencies; read only.
 * @key: the derived key.
 *
 * The working copy of @kd holds root key material and is wiped; the caller
 * wipes @key when done.
 * Context: any; no locks.
 * Return: 0, or -EIO/-ENOMEM when the CMAC fails.
 */
int keys_derive(const struct hw_platform *hw, const struct key_dependencies *kd,
		uint8_t key[CRYPTO_CMAC_LEN]) __attribute__((warn_unused_result));

#endif /* SGXEMU_HW_KEYS_H */
