// SPDX-License-Identifier: MIT
/*
 * provision: ATTRIBUTES.PROVISIONKEY only for enclaves of listed signers,
 * on top of the kernel's own gate (an open /dev/sgx_provision passed with
 * SGX_IOC_ENCLAVE_PROVISION), which still applies. PROVISIONKEY derives
 * the keys attestation provisioning uses, so it is worth more than a file
 * permission. No signer listed: no enclave may have it.
 *
 *   mrsigner HEX     64 hex digits; any number
 */
#include <errno.h>
#include <string.h>

#include "module.h"

struct provision {
	struct policy_hash_list mrsigner;
};

static int provision_set(void *priv, const char *key, const char *value, char *err,
			 size_t errlen)
{
	struct provision *pv = priv;

	if (!strcmp(key, "mrsigner"))
		return policy_hash_list_add(&pv->mrsigner, key, value, err, errlen);
	return -ENOENT;
}

static void provision_dump(const void *priv, FILE *f)
{
	const struct provision *pv = priv;

	if (!pv->mrsigner.n)
		fprintf(f, "    # no mrsigner listed: no enclave may have PROVISIONKEY\n");
	policy_hash_list_dump(&pv->mrsigner, "mrsigner", f);
}

static void provision_destroy(void *priv)
{
	struct provision *pv = priv;

	policy_hash_list_free(&pv->mrsigner);
}

static enum policy_decision provision_provision(const void *priv, const struct policy_encl *encl,
						const struct policy_provision *a,
						const char **reason)
{
	const struct provision *pv = priv;

	(void)encl;
	if (!policy_hash_list_has(&pv->mrsigner, a->mrsigner)) {
		*reason = "PROVISIONKEY for a signer not listed";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

const struct policy_module_ops policy_mod_provision = {
	.name = "provision",
	.rule = "PROVISIONKEY only for listed signers (MRSIGNER)",
	.settings = "mrsigner",
	.priv_size = sizeof(struct provision),
	.set = provision_set,
	.dump = provision_dump,
	.destroy = provision_destroy,
	.provision = provision_provision,
};
