/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the two OpenSSL wrapper files, crypto.c and
 * crypto_rsa.c. Nothing else includes this (or any OpenSSL header).
 */
#ifndef SGXEMU_HW_CRYPTO_OSSL_H
#define SGXEMU_HW_CRYPTO_OSSL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>

/* Forget OpenSSL's error queue for a failure we report as an errno. */
static inline int ossl_fail(int err)
{
	ERR_clear_error();
	return err;
}

/* SGX numbers are little endian, OpenSSL's big endian. */
static inline void reverse_copy(uint8_t *dst, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = src[len - 1 - i];
}

#endif /* SGXEMU_HW_CRYPTO_OSSL_H */
