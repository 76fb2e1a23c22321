/* SPDX-License-Identifier: MIT */
/*
 * The only door to OpenSSL libcrypto (3.x, EVP/OSSL_PARAM APIs only).
 * Everything in sgxemu that hashes, signs, encrypts or draws randomness goes
 * through these functions; no other file includes an OpenSSL header.
 *
 * All functions are thread-safe. Big numbers in SGX structures are little
 * endian; the RSA helpers take and produce them in that form.
 */
#ifndef SGXEMU_HW_CRYPTO_H
#define SGXEMU_HW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN   32
#define CRYPTO_AES128_KEY   16
#define CRYPTO_GCM_IV_LEN   12
#define CRYPTO_GCM_TAG_LEN  16
#define CRYPTO_CMAC_LEN     16
#define CRYPTO_RSA3072_LEN  384

/* ---- SHA-256 ----------------------------------------------------------- */

struct crypto_sha256;

/** crypto_sha256_new() - a fresh streaming SHA-256. Return: 0 or -ENOMEM. */
int crypto_sha256_new(struct crypto_sha256 **out) __attribute__((warn_unused_result));
/** crypto_sha256_update() - absorb @len bytes. Return: 0 or -EIO. */
int crypto_sha256_update(struct crypto_sha256 *s, const void *data, size_t len)
	__attribute__((warn_unused_result));
/** crypto_sha256_final() - digest; @s is reset to a fresh state. Return: 0 or -EIO. */
int crypto_sha256_final(struct crypto_sha256 *s, uint8_t out[CRYPTO_SHA256_LEN])
	__attribute__((warn_unused_result));
/** crypto_sha256_dup() - independent copy of a running hash. Return: 0 or -ENOMEM. */
int crypto_sha256_dup(const struct crypto_sha256 *s, struct crypto_sha256 **out)
	__attribute__((warn_unused_result));
void crypto_sha256_free(struct crypto_sha256 *s);
/** crypto_sha256() - one-shot digest. Return: 0 or -EIO. */
int crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
	__attribute__((warn_unused_result));

/* ---- RSA-3072 (SIGSTRUCT) ----------------------------------------------- */

/**
 * crypto_rsa3072_verify() - RSASSA-PKCS1-v1_5 / SHA-256 verification as EINIT
 * does it: s^e mod n must equal the EMSA-PKCS1-v1_5 encoding of SHA-256(@msg).
 * @modulus_le, @sig_le: 384-byte little-endian numbers; @exponent: public e.
 *
 * Return: 0 if valid, -EBADMSG if the signature does not verify (including
 * s >= n), -EINVAL for a malformed key (even modulus, zero), -ENOMEM/-EIO.
 */
int crypto_rsa3072_verify(const uint8_t modulus_le[CRYPTO_RSA3072_LEN], uint32_t exponent,
			  const uint8_t sig_le[CRYPTO_RSA3072_LEN], const void *msg, size_t len)
	__attribute__((warn_unused_result));

/**
 * crypto_rsa3072_q1q2() - the two helper values hardware checks in SIGSTRUCT:
 * q1 = floor(s^2 / n), q2 = floor(s * (s^2 mod n) / n), little endian,
 * zero-padded to 384 bytes.
 * Return: 0, -EINVAL for n == 0 or a quotient wider than 384 bytes (possible
 * only when s >= n), -ENOMEM.
 */
int crypto_rsa3072_q1q2(const uint8_t modulus_le[CRYPTO_RSA3072_LEN],
			const uint8_t sig_le[CRYPTO_RSA3072_LEN],
			uint8_t q1_le[CRYPTO_RSA3072_LEN], uint8_t q2_le[CRYPTO_RSA3072_LEN])
	__attribute__((warn_unused_result));

/* Signing keys (used by `sgxemu keygen/sign` and tests, never by leaves). */
struct crypto_rsa_key;

/** crypto_rsa_generate() - fresh RSA key of @bits bits with public exponent 3. */
int crypto_rsa_generate(unsigned int bits, struct crypto_rsa_key **out)
	__attribute__((warn_unused_result));
/**
 * crypto_rsa_load_pem() - read a PEM private key (PKCS#1 or PKCS#8).
 * Return: 0, -ENOENT/-EACCES/... from opening, -EINVAL if it is not an RSA
 * private key, -EBADMSG if the PEM cannot be parsed.
 */
int crypto_rsa_load_pem(const char *path, struct crypto_rsa_key **out)
	__attribute__((warn_unused_result));
/** crypto_rsa_load_pem_mem() - the same from a buffer. */
int crypto_rsa_load_pem_mem(const void *pem, size_t len, struct crypto_rsa_key **out)
	__attribute__((warn_unused_result));
/** crypto_rsa_save_pem() - write the private key as PEM, mode 0600, refusing to overwrite. */
int crypto_rsa_save_pem(const struct crypto_rsa_key *key, const char *path)
	__attribute__((warn_unused_result));
/** crypto_rsa_bits() / crypto_rsa_exponent() - key size and public exponent. */
unsigned int crypto_rsa_bits(const struct crypto_rsa_key *key);
uint64_t crypto_rsa_exponent(const struct crypto_rsa_key *key);
/** crypto_rsa_modulus_le() - the modulus, little endian, 384 bytes (3072-bit keys only). */
int crypto_rsa_modulus_le(const struct crypto_rsa_key *key, uint8_t out[CRYPTO_RSA3072_LEN])
	__attribute__((warn_unused_result));
/** crypto_rsa_sign() - PKCS#1 v1.5 SHA-256 signature of @msg, little endian. */
int crypto_rsa_sign(const struct crypto_rsa_key *key, const void *msg, size_t len,
		    uint8_t sig_le[CRYPTO_RSA3072_LEN]) __attribute__((warn_unused_result));
void crypto_rsa_free(struct crypto_rsa_key *key);

/* ---- AES-128-GCM (EPC paging) -------------------------------------------- */

/*
 * A key object; encryption contexts with the key schedule are cached per
 * thread so that a page operation does not re-key.
 */
struct crypto_gcm;

int crypto_gcm_new(const uint8_t key[CRYPTO_AES128_KEY], struct crypto_gcm **out)
	__attribute__((warn_unused_result));
/** crypto_gcm_free() - wipes the key. */
void crypto_gcm_free(struct crypto_gcm *g);
/** crypto_gcm_encrypt() - @out may equal @in. Return: 0 or -EIO. */
int crypto_gcm_encrypt(struct crypto_gcm *g, const uint8_t iv[CRYPTO_GCM_IV_LEN],
		       const void *aad, size_t aad_len, const void *in, void *out, size_t len,
		       uint8_t tag[CRYPTO_GCM_TAG_LEN]) __attribute__((warn_unused_result));
/**
 * crypto_gcm_decrypt() - Return: 0, -EBADMSG when the tag does not verify,
 * -EIO; -EAGAIN in signal-safe mode when no context is free right now.
 */
int crypto_gcm_decrypt(struct crypto_gcm *g, const uint8_t iv[CRYPTO_GCM_IV_LEN],
		       const void *aad, size_t aad_len, const void *in, void *out, size_t len,
		       const uint8_t tag[CRYPTO_GCM_TAG_LEN]) __attribute__((warn_unused_result));

/*
 * crypto_sigsafe_begin()/end() - bracket GCM calls made from a signal
 * handler (ELDU in the fault path): no allocation and no lock wait; a
 * thread without a cached context of the key borrows a preallocated one
 * or gets -EAGAIN. Nests; per thread.
 */
void crypto_sigsafe_begin(void);
void crypto_sigsafe_end(void);

/* ---- AES-128-CMAC (keys, REPORT MAC) ------------------------------------- */

/** crypto_cmac() - AES-128-CMAC of @msg under @key. Return: 0 or -EIO. */
int crypto_cmac(const uint8_t key[CRYPTO_AES128_KEY], const void *msg, size_t len,
		uint8_t out[CRYPTO_CMAC_LEN]) __attribute__((warn_unused_result));

/* ---- Randomness, wiping, comparison --------------------------------------- */

/** crypto_random() - @len bytes from the OpenSSL DRBG. Return: 0 or -EIO. */
int crypto_random(void *buf, size_t len) __attribute__((warn_unused_result));
/** crypto_wipe() - zero @len bytes in a way the compiler cannot drop. */
void crypto_wipe(void *buf, size_t len);
/** crypto_memeq() - constant-time equality: 1 if equal, 0 if not. */
int crypto_memeq(const void *a, const void *b, size_t len);

#endif /* SGXEMU_HW_CRYPTO_H */
