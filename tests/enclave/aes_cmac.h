/* SPDX-License-Identifier: MIT */
/* AES-128-CMAC (NIST SP 800-38B, RFC 4493) with AES-NI, for the test enclave. */
#ifndef SGXEMU_TESTS_AES_CMAC_H
#define SGXEMU_TESTS_AES_CMAC_H

#include <stddef.h>
#include <stdint.h>

void aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16]);

#endif
