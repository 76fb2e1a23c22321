// SPDX-License-Identifier: MIT
/*
 * wx: no enclave page is declared both writable and executable, and no
 * enclave range is mapped or mprotected writable and executable at once.
 * (The kernel lets SECINFO say RWX and a mapping follow; this is the W^X
 * rule ordinary code lives under, applied to enclaves.)
 */
#include <sys/mman.h>

#include "module.h"

static enum policy_decision wx_page_load(const void *priv, const struct policy_encl *encl,
					 const struct policy_page_load *a, const char **reason)
{
	(void)priv;
	(void)encl;
	if ((a->secinfo_flags & SGX_SECINFO_W) && (a->secinfo_flags & SGX_SECINFO_X)) {
		*reason = "page declared writable and executable";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

static bool is_wx(int prot)
{
	return (prot & PROT_WRITE) && (prot & PROT_EXEC);
}

static enum policy_decision wx_mmap(const void *priv, const struct policy_encl *encl,
				    const struct policy_mmap *a, const char **reason)
{
	(void)priv;
	(void)encl;
	if (is_wx(a->prot)) {
		*reason = "mapping writable and executable";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

static enum policy_decision wx_mprotect(const void *priv, const struct policy_encl *encl,
					const struct policy_mprotect *a, const char **reason)
{
	(void)priv;
	(void)encl;
	if (is_wx(a->prot)) {
		*reason = "mprotect to writable and executable";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

const struct policy_module_ops policy_mod_wx = {
	.name = "wx",
	.rule = "no page declared, mapped or mprotected writable and executable",
	.page_load = wx_page_load,
	.mmap = wx_mmap,
	.mprotect = wx_mprotect,
};
