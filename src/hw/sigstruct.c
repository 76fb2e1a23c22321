/* SPDX-License-Identifier: MIT */
/*
 * SIGSTRUCT (SDM 38.13): signing one, and the signature checks of EINIT
 * (SDM 40.3 "EINIT" pseudo-code). The signed message is HEADER||BODY, the
 * 128 bytes at offset 0 and the 128 bytes at offset 900; RSA numbers are
 * stored little endian. Q1 and Q2 let hardware check s^3 mod n with two
 * multiplications and no division; EINIT insists on them being right, so we
 * recompute and compare.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sgx_errors.h"
#include "sigstruct.h"

#define SIGSTRUCT_EXPONENT 3u
#define SIGSTRUCT_VENDOR_NONE 0u

/* HEADER||BODY, the bytes the signature covers. */
static void signed_message(const struct sgx_sigstruct *s,
			   uint8_t msg[sizeof(s->header) + sizeof(s->body)])
{
	memcpy(msg, &s->header, sizeof(s->header));
	memcpy(msg + sizeof(s->header), &s->body, sizeof(s->body));
}

void sigstruct_init(struct sgx_sigstruct *s)
{
	memset(s, 0, sizeof(*s));
	s->header.header1[0] = SGX_SIGSTRUCT_HEADER1_0;
	s->header.header1[1] = SGX_SIGSTRUCT_HEADER1_1;
	s->header.header2[0] = SGX_SIGSTRUCT_HEADER2_0;
	s->header.header2[1] = SGX_SIGSTRUCT_HEADER2_1;
	s->exponent = SIGSTRUCT_EXPONENT;
}

/*
 * Also sets EXPONENT to 3, the key's exponent, so that a SIGSTRUCT this
 * function signed always describes the key that signed it.
 */
int sigstruct_sign(struct sgx_sigstruct *s, const struct crypto_rsa_key *key)
{
	uint8_t msg[sizeof(s->header) + sizeof(s->body)];
	int ret;

	if (crypto_rsa_bits(key) != SGX_MODULUS_SIZE * 8 ||
	    crypto_rsa_exponent(key) != SIGSTRUCT_EXPONENT)
		return -EINVAL;
	s->exponent = SIGSTRUCT_EXPONENT;
	ret = crypto_rsa_modulus_le(key, s->modulus);
	if (ret)
		return ret;
	signed_message(s, msg);
	ret = crypto_rsa_sign(key, msg, sizeof(msg), s->signature);
	if (ret)
		return ret;
	return crypto_rsa3072_q1q2(s->modulus, s->signature, s->q1, s->q2);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	while (len--)
		acc |= *p++;
	return acc == 0;
}

unsigned int sigstruct_verify(const struct sgx_sigstruct *s, uint8_t mrsigner[32])
{
	uint8_t msg[sizeof(s->header) + sizeof(s->body)];
	uint8_t q1[SGX_MODULUS_SIZE], q2[SGX_MODULUS_SIZE];

	/*
	 * SDM EINIT, "Verify SIGSTRUCT Header": the fixed header words, the
	 * vendor, the exponent and the reserved space, before the signature.
	 */
	if (s->header.header1[0] != SGX_SIGSTRUCT_HEADER1_0 ||
	    s->header.header1[1] != SGX_SIGSTRUCT_HEADER1_1 ||
	    s->header.header2[0] != SGX_SIGSTRUCT_HEADER2_0 ||
	    s->header.header2[1] != SGX_SIGSTRUCT_HEADER2_1 ||
	    (s->header.vendor != SIGSTRUCT_VENDOR_NONE &&
	     s->header.vendor != SGX_SIGSTRUCT_VENDOR_INTEL) ||
	    s->exponent != SIGSTRUCT_EXPONENT ||
	    !all_zero(s->header.reserved_0x2c, sizeof(s->header.reserved_0x2c)) ||
	    !all_zero(s->body.reserved_0x5c, sizeof(s->body.reserved_0x5c)) ||
	    !all_zero(s->reserved_0x404, sizeof(s->reserved_0x404)))
		return SGX_INVALID_SIG_STRUCT;

	/*
	 * Hardware has no "out of memory"; any failure to verify, whatever
	 * its cause, is a signature EINIT cannot accept.
	 */
	signed_message(s, msg);
	if (crypto_rsa3072_verify(s->modulus, s->exponent, s->signature, msg, sizeof(msg)))
		return SGX_INVALID_SIGNATURE;
	if (crypto_rsa3072_q1q2(s->modulus, s->signature, q1, q2) ||
	    memcmp(q1, s->q1, sizeof(q1)) || memcmp(q2, s->q2, sizeof(q2)))
		return SGX_INVALID_SIGNATURE;

	if (crypto_sha256(s->modulus, sizeof(s->modulus), mrsigner))
		return SGX_INVALID_SIGNATURE;
	return SGX_SUCCESS;
}
