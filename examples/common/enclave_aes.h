/* SPDX-License-Identifier: MIT */
/*
 * AES-128 with AES-NI for freestanding enclave code: the block cipher,
 * CMAC (NIST SP 800-38B, RFC 4493) and CTR mode. What verifying a REPORT
 * and sealing data need; shared by sgxemu's example and test enclaves.
 */
#ifndef SGXEMU_EXAMPLES_ENCLAVE_AES_H
#define SGXEMU_EXAMPLES_ENCLAVE_AES_H

#include <stddef.h>
#include <stdint.h>

/* out := AES-128_key(in), one block. */
void aes_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* mac := AES-128-CMAC_key(msg). */
void aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16]);

/* out := in XOR the AES-128-CTR key stream from the 16-byte counter block @iv. */
void aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, uint8_t *out,
	     size_t len);

#endif /* SGXEMU_EXAMPLES_ENCLAVE_AES_H */
