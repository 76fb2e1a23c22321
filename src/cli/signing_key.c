// SPDX-License-Identifier: MIT
/*
 * Enclave signing keys as `sgxemu measure --key` and `sgxemu sign` use them:
 * the shape SIGSTRUCT needs (SDM 38.13: 3072-bit modulus, exponent 3) and
 * the MRSIGNER EINIT will compute from it.
 */
#include <errno.h>

#include "cli.h"
#include "crypto.h"

int cli_load_signing_key(const char *cmd, const char *path, struct crypto_rsa_key **out)
{
	struct crypto_rsa_key *key;
	int ret;

	ret = crypto_rsa_load_pem(path, &key);
	if (ret) {
		cli_error(cmd, ret, "%s%s", path,
			  ret == -EINVAL || ret == -EBADMSG ? ": not a PEM RSA private key" : "");
		return ret;
	}
	if (crypto_rsa_bits(key) != 3072 || crypto_rsa_exponent(key) != 3) {
		cli_error(cmd, EINVAL,
			  "%s: RSA-%u key with exponent %llu, SIGSTRUCT needs RSA-3072 with exponent 3",
			  path, crypto_rsa_bits(key),
			  (unsigned long long)crypto_rsa_exponent(key));
		crypto_rsa_free(key);
		return -EINVAL;
	}
	*out = key;
	return 0;
}

int cli_key_mrsigner(const struct crypto_rsa_key *key, uint8_t mrsigner[32])
{
	uint8_t modulus[CRYPTO_RSA3072_LEN];
	int ret;

	ret = crypto_rsa_modulus_le(key, modulus);
	if (ret)
		return ret;
	return crypto_sha256(modulus, sizeof(modulus), mrsigner);
}
