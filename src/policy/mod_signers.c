// SPDX-License-Identifier: MIT
/*
 * signers: only enclaves signed by a listed key (MRSIGNER) are
 * initialized; with mrenclave values listed, the enclave's MRENCLAVE must
 * be one of them as well. Decided at SGX_IOC_ENCLAVE_INIT from what
 * SIGSTRUCT claims, which EINIT then verifies (signature, measurement):
 * an enclave that is not what it claims fails EINIT anyway.
 *
 *   mrsigner HEX     64 hex digits; at least one
 *   mrenclave HEX    64 hex digits; none: any MRENCLAVE of a listed signer
 */
#include <errno.h>
#include <string.h>

#include "module.h"

struct signers {
	struct policy_hash_list mrsigner, mrenclave;
};

static int signers_set(void *priv, const char *key, const char *value, char *err, size_t errlen)
{
	struct signers *s = priv;

	if (!strcmp(key, "mrsigner"))
		return policy_hash_list_add(&s->mrsigner, key, value, err, errlen);
	if (!strcmp(key, "mrenclave"))
		return policy_hash_list_add(&s->mrenclave, key, value, err, errlen);
	return -ENOENT;
}

static int signers_finish(void *priv, char *err, size_t errlen)
{
	struct signers *s = priv;

	if (!s->mrsigner.n) {
		snprintf(err, errlen, "expected at least one 'mrsigner HEX' line");
		return -EINVAL;
	}
	return 0;
}

static void signers_dump(const void *priv, FILE *f)
{
	const struct signers *s = priv;

	policy_hash_list_dump(&s->mrsigner, "mrsigner", f);
	policy_hash_list_dump(&s->mrenclave, "mrenclave", f);
}

static void signers_destroy(void *priv)
{
	struct signers *s = priv;

	policy_hash_list_free(&s->mrsigner);
	policy_hash_list_free(&s->mrenclave);
}

static enum policy_decision signers_encl_init(const void *priv, const struct policy_encl *encl,
					      const struct policy_encl_init *a,
					      const char **reason)
{
	const struct signers *s = priv;

	(void)encl;
	if (!policy_hash_list_has(&s->mrsigner, a->mrsigner)) {
		*reason = "MRSIGNER not in the allow-list";
		return POLICY_DENY;
	}
	if (s->mrenclave.n && !policy_hash_list_has(&s->mrenclave, a->mrenclave)) {
		*reason = "MRENCLAVE not in the allow-list";
		return POLICY_DENY;
	}
	return POLICY_ALLOW;
}

const struct policy_module_ops policy_mod_signers = {
	.name = "signers",
	.rule = "only listed signers (MRSIGNER), and listed MRENCLAVEs if any",
	.settings = "mrsigner, mrenclave",
	.priv_size = sizeof(struct signers),
	.set = signers_set,
	.finish = signers_finish,
	.dump = signers_dump,
	.destroy = signers_destroy,
	.encl_init = signers_encl_init,
};
