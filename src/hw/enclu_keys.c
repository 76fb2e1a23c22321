// SPDX-License-Identifier: MIT
/*
 * EREPORT and EGETKEY (SDM Vol. 3D ch. 41): the enclave-side leaves that
 * reach the key hierarchy. The checks and the choice of derivation inputs
 * follow the SDM's pseudo-code; derivekey() itself is keys_derive().
 *
 * Both leaves read their operands once into a local copy, so an enclave
 * thread rewriting them meanwhile cannot split a check from its use. Key
 * material - the REPORT key, the derived key, the dependencies holding
 * the enclave's identity - is wiped on every path.
 *
 * Context: may run in a signal handler (the runtime traps ENCLU); no locks.
 * The CMAC goes through OpenSSL, which allocates.
 */
#include <string.h>

#include "enclu_util.h"
#include "hw_internal.h"
#include "keys.h"
#include "lp.h"

static const struct sgx_secs *cur_secs(const struct hw_lp *lp)
{
	return epc_va(lp->hw, lp->secs_index);
}

/*
 * The REPORT key of the enclave described by @mrenclave, @attributes,
 * @miscselect, @config_id and @config_svn on this platform, for @key_id.
 * EREPORT derives it for its target from TARGETINFO, EGETKEY(REPORT) for
 * the current enclave from its SECS: one code path for both.
 */
static int report_key(const struct hw_platform *hw, const uint8_t mrenclave[32],
		      const struct sgx_attributes *attributes, uint32_t miscselect,
		      const uint8_t config_id[64], uint16_t config_svn, const uint8_t key_id[32],
		      uint8_t key[CRYPTO_CMAC_LEN])
{
	struct key_dependencies kd;
	int ret;

	memset(&kd, 0, sizeof(kd));
	kd.key_name = SGX_KEYSELECT_REPORT;
	memcpy(kd.owner_epoch, hw->owner_epoch, sizeof(kd.owner_epoch));
	kd.attributes = *attributes;
	memcpy(kd.mrenclave, mrenclave, sizeof(kd.mrenclave));
	memcpy(kd.key_id, key_id, sizeof(kd.key_id));
	memcpy(kd.cpusvn, hw->cfg.cpusvn, sizeof(kd.cpusvn));
	kd.miscselect = miscselect;
	memcpy(kd.config_id, config_id, sizeof(kd.config_id));
	kd.config_svn = config_svn;
	ret = keys_derive(hw, &kd, key);
	crypto_wipe(&kd, sizeof(kd));
	return ret;
}

/**
 * enclu_ereport() - ENCLU[EREPORT]: a REPORT of the current enclave,
 * MACed with the REPORT key of the enclave TARGETINFO describes.
 * @lp: a logical processor in enclave mode.
 * @targetinfo: RBX, 512-byte aligned TARGETINFO in the enclave (read).
 * @reportdata: RCX, 128-byte aligned 64 bytes in the enclave (read).
 * @report: RDX, 512-byte aligned output in the enclave (432 bytes written).
 *
 * REPORT.BODY: CR_CPUSVN, and from the SECS MISCSELECT, ATTRIBUTES (with
 * XFRM), MRENCLAVE, MRSIGNER, CONFIGID, ISVPRODID, ISVSVN, CONFIGSVN, the
 * KSS ids from EINIT, REPORTDATA; KEYID = CR_REPORT_KEYID; MAC = CMAC of
 * the body under the target's REPORT key (its MEASUREMENT, ATTRIBUTES,
 * MISCSELECT, CONFIGID, CONFIGSVN; this platform's OWNEREPOCH, CPUSVN).
 *
 * Context: no locks; OpenSSL allocates.
 * Return: 0; SGX_FAULT_GP outside enclave mode, for a misaligned operand
 * or one outside ELRANGE; SGX_FAULT_PF (lp->fault_*) when an operand does
 * not translate or is not a readable (writable, for @report) REG page of
 * the enclave.
 */
unsigned int enclu_ereport(struct hw_lp *lp, uint64_t targetinfo, uint64_t reportdata,
			   uint64_t report)
{
	struct sgx_targetinfo ti;
	struct sgx_report rep;
	uint8_t key[CRYPTO_CMAC_LEN];
	const struct sgx_secs *secs;
	void *ti_host, *rd_host, *out;
	unsigned int ret;

	stat_enclu(lp->hw, SGX_EREPORT);
	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	ret = lp_operand(lp, targetinfo, 512, HW_ACC_READ, &ti_host);
	if (!ret)
		ret = lp_operand(lp, reportdata, 128, HW_ACC_READ, &rd_host);
	if (!ret)
		ret = lp_operand(lp, report, 512, HW_ACC_WRITE, &out);
	if (ret)
		return ret;

	secs = cur_secs(lp);
	memcpy(&ti, ti_host, sizeof(ti));
	memset(&rep, 0, sizeof(rep));
	memcpy(rep.body.cpusvn, lp->hw->cfg.cpusvn, sizeof(rep.body.cpusvn));
	rep.body.miscselect = secs->miscselect;
	memcpy(rep.body.isv_ext_prod_id, lp->encl->isv_ext_prod_id,
	       sizeof(rep.body.isv_ext_prod_id));
	rep.body.attributes.flags = secs->attributes;
	rep.body.attributes.xfrm = secs->xfrm;
	memcpy(rep.body.mrenclave, secs->mrenclave, sizeof(rep.body.mrenclave));
	memcpy(rep.body.mrsigner, secs->mrsigner, sizeof(rep.body.mrsigner));
	memcpy(rep.body.config_id, secs->config_id, sizeof(rep.body.config_id));
	rep.body.isv_prod_id = secs->isv_prod_id;
	rep.body.isv_svn = secs->isv_svn;
	rep.body.config_svn = secs->config_svn;
	memcpy(rep.body.isv_family_id, lp->encl->isv_family_id, sizeof(rep.body.isv_family_id));
	memcpy(rep.body.report_data, rd_host, sizeof(rep.body.report_data));
	memcpy(rep.key_id, lp->hw->report_keyid, sizeof(rep.key_id));

	/* A failing CMAC is the host's problem (OpenSSL out of memory), not input. */
	SGXEMU_BUG_ON(report_key(lp->hw, ti.measurement, &ti.attributes, ti.miscselect,
				 ti.config_id, ti.config_svn, rep.key_id, key));
	SGXEMU_BUG_ON(crypto_cmac(key, &rep.body, sizeof(rep.body), rep.mac));
	crypto_wipe(key, sizeof(key));
	memcpy(out, &rep, SGX_REPORT_SIZE);
	crypto_wipe(&rep, sizeof(rep));
	crypto_wipe(&ti, sizeof(ti));
	return 0;
}

/* Every reserved byte of a KEYREQUEST, and KEYPOLICY's reserved bits. */
static bool keyrequest_reserved_clear(const struct sgx_keyrequest *r)
{
	unsigned int i;

	if (r->reserved_0x06 || (r->key_policy & SGX_KEYPOLICY_RESERVED_MASK))
		return false;
	for (i = 0; i < sizeof(r->reserved_0x4e); i++)
		if (r->reserved_0x4e[i])
			return false;
	return true;
}

/*
 * "KEYREQUEST.CPUSVN is beyond current CPU configuration": CPUSVN is a
 * vector of component SVNs; a request may name any component at or below
 * the platform's (the same comparison EINIT applies to a token's CPUSVN).
 */
static bool cpusvn_beyond(const struct hw_platform *hw, const uint8_t cpusvn[16])
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (cpusvn[i] > hw->cfg.cpusvn[i])
			return true;
	return false;
}

/*
 * Fill @kd for the key the request names (SDM EGETKEY's CASE on KEYNAME).
 * Return: 0, or the SGX_* code EGETKEY returns in RAX.
 */
static unsigned int keyrequest_deps(const struct hw_lp *lp, const struct sgx_keyrequest *r,
				    struct key_dependencies *kd)
{
	const struct hw_platform *hw = lp->hw;
	const struct sgx_secs *secs = cur_secs(lp);
	const struct hw_encl *encl = lp->encl;
	uint16_t policy = r->key_policy;
	/* INIT and DEBUG are always part of a key (REQUIRED_SEALING_MASK). */
	const uint64_t required = SGX_ATTR_INIT | SGX_ATTR_DEBUG;
	struct sgx_attributes attr = {
		.flags = (r->attribute_mask.flags | required) & secs->attributes,
		.xfrm = r->attribute_mask.xfrm & secs->xfrm,
	};
	uint32_t misc = r->misc_mask & secs->miscselect;

	memset(kd, 0, sizeof(*kd));
	kd->key_name = r->key_name;
	switch (r->key_name) {
	case SGX_KEYSELECT_REPORT:
		/* Built by report_key(); EGETKEY handles it before calling us. */
		SGXEMU_BUG_ON(1);
		break;
	case SGX_KEYSELECT_EINITTOKEN:
		if (!(secs->attributes & SGX_ATTR_EINITTOKENKEY))
			return SGX_INVALID_ATTRIBUTE;
		if (cpusvn_beyond(hw, r->cpusvn))
			return SGX_INVALID_CPUSVN;
		if (r->isv_svn > secs->isv_svn)
			return SGX_INVALID_ISVSVN;
		kd->isv_prod_id = secs->isv_prod_id;
		kd->isv_svn = r->isv_svn;
		memcpy(kd->owner_epoch, hw->owner_epoch, sizeof(kd->owner_epoch));
		kd->attributes = attr;
		memcpy(kd->mrsigner, secs->mrsigner, sizeof(kd->mrsigner));
		memcpy(kd->key_id, r->key_id, sizeof(kd->key_id));
		memcpy(kd->cpusvn, r->cpusvn, sizeof(kd->cpusvn));
		kd->miscselect = misc;
		return 0;
	case SGX_KEYSELECT_PROVISION:
		if (!(secs->attributes & SGX_ATTR_PROVISIONKEY))
			return SGX_INVALID_ATTRIBUTE;
		if (cpusvn_beyond(hw, r->cpusvn))
			return SGX_INVALID_CPUSVN;
		if (r->isv_svn > secs->isv_svn)
			return SGX_INVALID_ISVSVN;
		kd->isv_prod_id = secs->isv_prod_id;
		kd->isv_svn = r->isv_svn;
		kd->attributes = attr;
		kd->attributes_mask = r->attribute_mask;
		memcpy(kd->mrsigner, secs->mrsigner, sizeof(kd->mrsigner));
		memcpy(kd->cpusvn, r->cpusvn, sizeof(kd->cpusvn));
		kd->miscselect = misc;
		kd->misc_mask = ~r->misc_mask;
		return 0;
	case SGX_KEYSELECT_PROVISION_SEAL:
		if (!(secs->attributes & SGX_ATTR_PROVISIONKEY))
			return SGX_INVALID_ATTRIBUTE;
		/* The SEAL checks and policy, then its differences. */
		__attribute__((fallthrough));
	case SGX_KEYSELECT_SEAL:
		if (cpusvn_beyond(hw, r->cpusvn))
			return SGX_INVALID_CPUSVN;
		if (r->isv_svn > secs->isv_svn)
			return SGX_INVALID_ISVSVN;
		/*
		 * The SDM's PROVISION_SEAL flow omits this check although the
		 * key takes CONFIGSVN from the request; its error table ("ISVSVN
		 * or CONFIGSVN greater than the enclave's") covers both keys.
		 */
		if (r->config_svn > secs->config_svn)
			return SGX_INVALID_ISVSVN;
		if (policy & SGX_KEYPOLICY_ISVFAMILYID)
			memcpy(kd->isv_family_id, encl->isv_family_id, sizeof(kd->isv_family_id));
		if (!(policy & SGX_KEYPOLICY_NOISVPRODID))
			kd->isv_prod_id = secs->isv_prod_id;
		if (policy & SGX_KEYPOLICY_CONFIGID) {
			memcpy(kd->config_id, secs->config_id, sizeof(kd->config_id));
			kd->config_svn = r->config_svn;
		}
		if (policy & SGX_KEYPOLICY_ISVEXTPRODID)
			memcpy(kd->isv_ext_prod_id, encl->isv_ext_prod_id,
			       sizeof(kd->isv_ext_prod_id));
		kd->isv_svn = r->isv_svn;
		kd->attributes = attr;
		kd->attributes_mask = r->attribute_mask;
		memcpy(kd->cpusvn, r->cpusvn, sizeof(kd->cpusvn));
		kd->miscselect = misc;
		kd->misc_mask = ~r->misc_mask;
		kd->key_policy = policy;
		if (r->key_name == SGX_KEYSELECT_PROVISION_SEAL) {
			/* Always MRSIGNER, never MRENCLAVE, OWNEREPOCH or KEYID. */
			memcpy(kd->mrsigner, secs->mrsigner, sizeof(kd->mrsigner));
			return 0;
		}
		if (policy & SGX_KEYPOLICY_MRENCLAVE)
			memcpy(kd->mrenclave, secs->mrenclave, sizeof(kd->mrenclave));
		if (policy & SGX_KEYPOLICY_MRSIGNER)
			memcpy(kd->mrsigner, secs->mrsigner, sizeof(kd->mrsigner));
		memcpy(kd->owner_epoch, hw->owner_epoch, sizeof(kd->owner_epoch));
		memcpy(kd->key_id, r->key_id, sizeof(kd->key_id));
		return 0;
	default:
		break;
	}
	return SGX_INVALID_KEYNAME;
}

/**
 * enclu_egetkey() - ENCLU[EGETKEY]: a 128-bit key from the platform's key
 * hierarchy, bound to the current enclave as the KEYREQUEST asks.
 * @lp: a logical processor in enclave mode.
 * @keyrequest: RBX, 512-byte aligned KEYREQUEST in the enclave (read).
 * @key_out: RCX, 16-byte aligned output in the enclave (written on
 *           success only).
 *
 * Context: no locks; OpenSSL allocates.
 * Return: 0; SGX_INVALID_ATTRIBUTE (EINITTOKEN key without EINITTOKENKEY,
 * PROVISION/PROVISION_SEAL without PROVISIONKEY), SGX_INVALID_CPUSVN,
 * SGX_INVALID_ISVSVN (ISVSVN or CONFIGSVN above the enclave's),
 * SGX_INVALID_KEYNAME; SGX_FAULT_GP outside enclave mode, for a misaligned
 * operand or one outside ELRANGE, reserved KEYREQUEST bits, or KSS policy
 * bits / a CONFIGSVN without ATTRIBUTES.KSS; SGX_FAULT_PF as for EREPORT.
 */
unsigned int enclu_egetkey(struct hw_lp *lp, uint64_t keyrequest, uint64_t key_out)
{
	const struct sgx_secs *secs;
	struct sgx_keyrequest req;
	struct key_dependencies kd;
	uint8_t key[CRYPTO_CMAC_LEN];
	void *req_host, *out;
	unsigned int ret;

	stat_enclu(lp->hw, SGX_EGETKEY);
	if (!lp->in_enclave)
		return SGX_FAULT_GP;
	ret = lp_operand(lp, keyrequest, 512, HW_ACC_READ, &req_host);
	if (!ret)
		ret = lp_operand(lp, key_out, 16, HW_ACC_WRITE, &out);
	if (ret)
		return ret;
	memcpy(&req, req_host, sizeof(req));
	if (!keyrequest_reserved_clear(&req)) {
		ret = SGX_FAULT_GP;
		goto out_wipe;
	}
	secs = cur_secs(lp);
	if (!(secs->attributes & SGX_ATTR_KSS) &&
	    ((req.key_policy & SGX_KEYPOLICY_KSS_MASK) || req.config_svn)) {
		ret = SGX_FAULT_GP;
		goto out_wipe;
	}

	if (req.key_name == SGX_KEYSELECT_REPORT) {
		struct sgx_attributes attr = { .flags = secs->attributes, .xfrm = secs->xfrm };

		SGXEMU_BUG_ON(report_key(lp->hw, secs->mrenclave, &attr, secs->miscselect,
					 secs->config_id, secs->config_svn, req.key_id, key));
	} else {
		ret = keyrequest_deps(lp, &req, &kd);
		if (!ret)
			SGXEMU_BUG_ON(keys_derive(lp->hw, &kd, key));
		crypto_wipe(&kd, sizeof(kd));
		if (ret)
			goto out_wipe;
	}
	memcpy(out, key, sizeof(key));
	crypto_wipe(key, sizeof(key));
out_wipe:
	crypto_wipe(&req, sizeof(req));
	return ret;
}
