// SPDX-License-Identifier: MIT
/*
 * RSA for SIGSTRUCT: EINIT's verification (public key from the little-endian
 * modulus, PKCS#1 v1.5 over SHA-256, the Q1/Q2 helper values) and the
 * signing side used by `sgxemu keygen/sign` and the tests (RSA-3072, e = 3,
 * PEM files). OpenSSL 3 EVP/OSSL_PARAM interfaces, BN_* for the arithmetic.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto.h"
#include "crypto_ossl.h"

/* A PEM key file larger than this is not a key file. */
#define PEM_FILE_MAX (1 << 20)

/* ---- RSA-3072 (SIGSTRUCT) ------------------------------------------------- */

/*
 * A public RSA key from n and e. EINIT does not care how n was produced, so
 * neither do we: no primality or size checks beyond what OpenSSL's public
 * operation needs.
 */
static int rsa_public_key(const BIGNUM *n, const BIGNUM *e, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pkey = NULL;
	int ret = -ENOMEM;

	bld = OSSL_PARAM_BLD_new();
	if (!bld)
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto out_free_bld;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params)
		goto out_free_bld;
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!pctx)
		goto out_free_params;
	ret = -EIO;
	if (EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out_free_pctx;
	*out = pkey;
	ret = 0;

out_free_pctx:
	EVP_PKEY_CTX_free(pctx);
out_free_params:
	OSSL_PARAM_free(params);
out_free_bld:
	OSSL_PARAM_BLD_free(bld);
out:
	return ret ? ossl_fail(ret) : 0;
}

int crypto_rsa3072_verify(const uint8_t modulus_le[CRYPTO_RSA3072_LEN], uint32_t exponent,
			  const uint8_t sig_le[CRYPTO_RSA3072_LEN], const void *msg, size_t len)
{
	char digest_name[] = "SHA256";
	char pad_mode[] = OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, digest_name,
				       sizeof(digest_name) - 1),
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pad_mode,
				       sizeof(pad_mode) - 1),
		OSSL_PARAM_END
	};
	uint8_t digest[CRYPTO_SHA256_LEN];
	uint8_t sig_be[CRYPTO_RSA3072_LEN];
	BIGNUM *n, *e = NULL, *s = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *vctx;
	int ret, n_bytes;

	ret = crypto_sha256(msg, len, digest);
	if (ret)
		return ret;

	ret = -ENOMEM;
	n = BN_lebin2bn(modulus_le, CRYPTO_RSA3072_LEN, NULL);
	s = BN_lebin2bn(sig_le, CRYPTO_RSA3072_LEN, NULL);
	e = BN_new();
	if (!n || !s || !e || !BN_set_word(e, exponent))
		goto out_free_bn;

	ret = -EINVAL;
	if (BN_is_zero(n) || !BN_is_odd(n) || exponent == 0)
		goto out_free_bn;
	/* A signature is a residue mod n; anything else is not one. */
	ret = -EBADMSG;
	if (BN_cmp(s, n) >= 0)
		goto out_free_bn;

	/* OpenSSL wants the signature as long as the modulus, big endian. */
	n_bytes = BN_num_bytes(n);
	if (BN_bn2binpad(s, sig_be, n_bytes) != n_bytes) {
		ret = -EIO;
		goto out_free_bn;
	}

	ret = rsa_public_key(n, e, &pkey);
	if (ret)
		goto out_free_bn;
	ret = -ENOMEM;
	vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!vctx)
		goto out_free_pkey;
	ret = -EIO;
	if (EVP_PKEY_verify_init_ex(vctx, params) <= 0)
		goto out_free_vctx;
	/* 1 is a match; 0 or a padding error is a bad signature. */
	ret = EVP_PKEY_verify(vctx, sig_be, (size_t)n_bytes, digest, sizeof(digest)) == 1 ?
	      0 : -EBADMSG;

out_free_vctx:
	EVP_PKEY_CTX_free(vctx);
out_free_pkey:
	EVP_PKEY_free(pkey);
out_free_bn:
	BN_free(e);
	BN_free(s);
	BN_free(n);
	return ret ? ossl_fail(ret) : 0;
}

int crypto_rsa3072_q1q2(const uint8_t modulus_le[CRYPTO_RSA3072_LEN],
			const uint8_t sig_le[CRYPTO_RSA3072_LEN],
			uint8_t q1_le[CRYPTO_RSA3072_LEN], uint8_t q2_le[CRYPTO_RSA3072_LEN])
{
	BIGNUM *n, *s, *t, *q, *r;
	BN_CTX *bctx;
	int ret = -ENOMEM;

	bctx = BN_CTX_new();
	if (!bctx)
		return -ENOMEM;
	BN_CTX_start(bctx);
	n = BN_CTX_get(bctx);
	s = BN_CTX_get(bctx);
	t = BN_CTX_get(bctx);
	q = BN_CTX_get(bctx);
	r = BN_CTX_get(bctx);
	if (!r || !BN_lebin2bn(modulus_le, CRYPTO_RSA3072_LEN, n) ||
	    !BN_lebin2bn(sig_le, CRYPTO_RSA3072_LEN, s))
		goto out_free_ctx;
	ret = -EINVAL;
	if (BN_is_zero(n))
		goto out_free_ctx;

	ret = -ENOMEM;
	/* q1 = floor(s^2 / n), r = s^2 mod n */
	if (!BN_sqr(t, s, bctx) || !BN_div(q, r, t, n, bctx))
		goto out_free_ctx;
	ret = -EINVAL;
	if (BN_bn2lebinpad(q, q1_le, CRYPTO_RSA3072_LEN) < 0)
		goto out_free_ctx;
	ret = -ENOMEM;
	/* q2 = floor(s * r / n) */
	if (!BN_mul(t, s, r, bctx) || !BN_div(q, NULL, t, n, bctx))
		goto out_free_ctx;
	ret = -EINVAL;
	if (BN_bn2lebinpad(q, q2_le, CRYPTO_RSA3072_LEN) < 0)
		goto out_free_ctx;
	ret = 0;

out_free_ctx:
	BN_CTX_end(bctx);
	BN_CTX_free(bctx);
	return ret ? ossl_fail(ret) : 0;
}

/* ---- RSA signing keys ----------------------------------------------------- */

struct crypto_rsa_key {
	EVP_PKEY *pkey;
};

static int rsa_key_wrap(EVP_PKEY *pkey, struct crypto_rsa_key **out)
{
	struct crypto_rsa_key *key;

	key = calloc(1, sizeof(*key));
	if (!key)
		return -ENOMEM;
	key->pkey = pkey;
	*out = key;
	return 0;
}

int crypto_rsa_generate(unsigned int bits, struct crypto_rsa_key **out)
{
	size_t nbits = bits;
	unsigned int e = 3;
	OSSL_PARAM params[] = {
		OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, &nbits),
		OSSL_PARAM_uint(OSSL_PKEY_PARAM_RSA_E, &e),
		OSSL_PARAM_END
	};
	EVP_PKEY_CTX *pctx;
	EVP_PKEY *pkey = NULL;
	int ret;

	if (bits < 1024 || bits > 16384)
		return -EINVAL;
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!pctx)
		return ossl_fail(-ENOMEM);
	ret = -EIO;
	if (EVP_PKEY_keygen_init(pctx) <= 0 || !EVP_PKEY_CTX_set_params(pctx, params) ||
	    EVP_PKEY_generate(pctx, &pkey) <= 0)
		goto out_free_pctx;
	ret = rsa_key_wrap(pkey, out);
	if (ret)
		EVP_PKEY_free(pkey);

out_free_pctx:
	EVP_PKEY_CTX_free(pctx);
	return ret ? ossl_fail(ret) : 0;
}

int crypto_rsa_load_pem_mem(const void *pem, size_t len, struct crypto_rsa_key **out)
{
	OSSL_DECODER_CTX *dctx;
	const unsigned char *p = pem;
	EVP_PKEY *pkey = NULL;
	BIGNUM *d = NULL;
	int ret;

	/*
	 * Decode whatever key the PEM holds and judge it afterwards, so that
	 * "not a key at all" (-EBADMSG) and "a key, but not an RSA private
	 * key" (-EINVAL) come apart.
	 */
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL, 0, NULL, NULL);
	if (!dctx)
		return ossl_fail(-ENOMEM);
	ret = -EBADMSG;
	if (!OSSL_DECODER_from_data(dctx, &p, &len) || !pkey)
		goto out_free_dctx;
	ret = -EINVAL;
	if (!EVP_PKEY_is_a(pkey, "RSA") ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_D, &d))
		goto out_free_pkey;
	ret = rsa_key_wrap(pkey, out);
	if (!ret)
		pkey = NULL;

out_free_pkey:
	BN_clear_free(d);
	EVP_PKEY_free(pkey);
out_free_dctx:
	OSSL_DECODER_CTX_free(dctx);
	return ret ? ossl_fail(ret) : 0;
}

int crypto_rsa_load_pem(const char *path, struct crypto_rsa_key **out)
{
	uint8_t *buf;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(PEM_FILE_MAX);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		n = read(fd, buf + len, PEM_FILE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_free_buf;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == PEM_FILE_MAX) {
			ret = -EBADMSG;
			goto out_free_buf;
		}
	}
	ret = crypto_rsa_load_pem_mem(buf, len, out);

out_free_buf:
	crypto_wipe(buf, len);
	free(buf);
out_close:
	close(fd);
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int crypto_rsa_save_pem(const struct crypto_rsa_key *key, const char *path)
{
	BIO *bio;
	char *pem;
	long len;
	int fd, ret;

	/* Secure-heap memory BIO: its buffer is cleansed when freed. */
	bio = BIO_new(BIO_s_secmem());
	if (!bio)
		return ossl_fail(-ENOMEM);
	ret = -EIO;
	if (!PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL))
		goto out_free_bio;
	len = BIO_get_mem_data(bio, &pem);
	if (len <= 0)
		goto out_free_bio;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out_free_bio;
	}
	ret = write_all(fd, pem, (size_t)len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	/* No half-written key files: the file is ours, O_EXCL made it. */
	if (ret)
		unlink(path);

out_free_bio:
	BIO_free(bio);
	return ret ? ossl_fail(ret) : 0;
}

unsigned int crypto_rsa_bits(const struct crypto_rsa_key *key)
{
	int bits = EVP_PKEY_get_bits(key->pkey);

	return bits > 0 ? (unsigned int)bits : 0;
}

uint64_t crypto_rsa_exponent(const struct crypto_rsa_key *key)
{
	BIGNUM *e = NULL;
	uint64_t v = 0;

	if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
		ERR_clear_error();
		return 0;
	}
	if (BN_num_bits(e) <= 64)
		v = BN_get_word(e);
	else
		v = UINT64_MAX;
	BN_free(e);
	return v;
}

int crypto_rsa_modulus_le(const struct crypto_rsa_key *key, uint8_t out[CRYPTO_RSA3072_LEN])
{
	BIGNUM *n = NULL;
	int ret = -EINVAL;

	if (crypto_rsa_bits(key) != CRYPTO_RSA3072_LEN * 8)
		return -EINVAL;
	if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, &n))
		return ossl_fail(-EIO);
	if (BN_bn2lebinpad(n, out, CRYPTO_RSA3072_LEN) == CRYPTO_RSA3072_LEN)
		ret = 0;
	BN_free(n);
	return ret;
}

int crypto_rsa_sign(const struct crypto_rsa_key *key, const void *msg, size_t len,
		    uint8_t sig_le[CRYPTO_RSA3072_LEN])
{
	char pad_mode[] = OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, pad_mode,
				       sizeof(pad_mode) - 1),
		OSSL_PARAM_END
	};
	uint8_t sig_be[CRYPTO_RSA3072_LEN];
	size_t sig_len = sizeof(sig_be);
	EVP_MD_CTX *mctx;
	int ret = -EIO;

	if (crypto_rsa_bits(key) != CRYPTO_RSA3072_LEN * 8)
		return -EINVAL;
	mctx = EVP_MD_CTX_new();
	if (!mctx)
		return ossl_fail(-ENOMEM);
	if (EVP_DigestSignInit_ex(mctx, NULL, "SHA256", NULL, NULL, key->pkey, params) <= 0 ||
	    EVP_DigestSign(mctx, sig_be, &sig_len, msg, len) <= 0 ||
	    sig_len != CRYPTO_RSA3072_LEN)
		goto out_free_mctx;
	reverse_copy(sig_le, sig_be, CRYPTO_RSA3072_LEN);
	ret = 0;

out_free_mctx:
	EVP_MD_CTX_free(mctx);
	return ret ? ossl_fail(ret) : 0;
}

void crypto_rsa_free(struct crypto_rsa_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);       /* cleanses the private components */
	free(key);
}

