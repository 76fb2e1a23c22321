/* SPDX-License-Identifier: MIT */
/*
 * SIGSTRUCT: building and signing one (for `sgxemu sign` and tests) and the
 * checks EINIT makes on one (SDM EINIT pseudo-code, in that order).
 */
#ifndef SGXEMU_HW_SIGSTRUCT_H
#define SGXEMU_HW_SIGSTRUCT_H

#include <stdint.h>

#include "sgx_arch.h"
#include "crypto.h"

/** sigstruct_init() - zero @s and set the fixed HEADER/HEADER2 and exponent 3. */
void sigstruct_init(struct sgx_sigstruct *s);

/**
 * sigstruct_sign() - fill MODULUS, SIGNATURE, Q1, Q2 of @s with @key over
 * HEADER||BODY as the SDM specifies (little-endian numbers).
 * Return: 0, -EINVAL if @key is not RSA-3072 with e = 3, -EIO.
 */
int sigstruct_sign(struct sgx_sigstruct *s, const struct crypto_rsa_key *key)
	__attribute__((warn_unused_result));

/**
 * sigstruct_verify() - the signature part of EINIT: fixed header fields and
 * vendor (SGX_INVALID_SIG_STRUCT), exponent 3, RSA PKCS#1 v1.5 over
 * HEADER||BODY and the Q1/Q2 values (SGX_INVALID_SIGNATURE). On success
 * writes MRSIGNER = SHA-256(MODULUS as stored).
 * Return: 0 or an SGX error code.
 */
unsigned int sigstruct_verify(const struct sgx_sigstruct *s, uint8_t mrsigner[32]);

#endif /* SGXEMU_HW_SIGSTRUCT_H */
