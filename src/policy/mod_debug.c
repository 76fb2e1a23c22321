// SPDX-License-Identifier: MIT
/*
 * debug: no DEBUG enclave (SECS.ATTRIBUTES.DEBUG: the host can read and
 * write its memory with EDBGRD/EDBGWR). Decided at SGX_IOC_ENCLAVE_CREATE,
 * the first moment the attribute is known; it cannot change afterwards.
 */
#include "module.h"

static enum policy_decision debug_encl_create(const void *priv, const struct policy_encl *encl,
					      const struct policy_encl_create *a,
					      const char **reason)
{
	(void)priv;
	(void)encl;
	if (a->secs->attributes & SGX_ATTR_DEBUG) {
		*reason = "DEBUG enclaves are not allowed";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

const struct policy_module_ops policy_mod_debug = {
	.name = "debug",
	.rule = "no DEBUG enclaves",
	.encl_create = debug_encl_create,
};
