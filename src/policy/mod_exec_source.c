// SPDX-License-Identifier: MIT
/*
 * exec-source: an executable enclave page must come from a file mapping
 * that could itself be mapped executable - not from anonymous memory, not
 * from writable memory, not from a file on a noexec mount. The policy the
 * 2019 kernel discussion arrived at: enclave code is held to the rules of
 * ordinary code, so an enclave cannot turn data into code the system
 * would not run outside one. Pages without X (data, TCS) are not its
 * business.
 */
#include "module.h"

static enum policy_decision exec_source_page_load(const void *priv,
						  const struct policy_encl *encl,
						  const struct policy_page_load *a,
						  const char **reason)
{
	const struct policy_source *src = a->src;

	(void)priv;
	(void)encl;
	if (!(a->secinfo_flags & SGX_SECINFO_X))
		return POLICY_ALLOW;
	if (src->anonymous) {
		*reason = "executable page from anonymous memory";
		return POLICY_DENY;
	}
	if (src->writable) {
		*reason = "executable page from a writable mapping";
		return POLICY_DENY;
	}
	if (src->noexec_mount || !src->may_exec) {
		*reason = "executable page from a file that cannot be mapped executable (noexec mount)";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

const struct policy_module_ops policy_mod_exec_source = {
	.name = "exec-source",
	.rule = "executable pages only from non-writable file mappings that could execute",
	.page_load = exec_source_page_load,
};
