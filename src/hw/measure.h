/* SPDX-License-Identifier: MIT */
/*
 * MRENCLAVE: the SHA-256 chain over 64-byte ECREATE/EADD/EEXTEND records
 * (SDM 39.1, "Enclave Measurement"). One code path serves ECREATE/EADD/
 * EEXTEND/EINIT in the emulated CPU and `sgxemu measure`/`sign`, so the two
 * can never disagree.
 */
#ifndef SGXEMU_HW_MEASURE_H
#define SGXEMU_HW_MEASURE_H

#include <stdint.h>

#include "crypto.h"

#define MEASURE_EEXTEND_CHUNK 256

struct measure {
	struct crypto_sha256 *sha;
};

/** measure_init() - start a measurement. Return: 0 or -ENOMEM. */
int measure_init(struct measure *m) __attribute__((warn_unused_result));
/** measure_ecreate() - "ECREATE\0", SSAFRAMESIZE (u32), SIZE (u64), zeros. */
int measure_ecreate(struct measure *m, uint32_t ssa_frame_size, uint64_t size)
	__attribute__((warn_unused_result));
/** measure_eadd() - "EADD\0\0\0\0", page offset in ELRANGE, SECINFO[0..48). */
int measure_eadd(struct measure *m, uint64_t offset, uint64_t secinfo_flags)
	__attribute__((warn_unused_result));
/** measure_eextend() - "EEXTEND\0", chunk offset, zeros, then the 256 bytes. */
int measure_eextend(struct measure *m, uint64_t offset, const void *chunk)
	__attribute__((warn_unused_result));
/** measure_page() - EADD record plus, if @measured, 16 EEXTENDs of @page. */
int measure_page(struct measure *m, uint64_t offset, uint64_t secinfo_flags,
		 const void *page, int measured) __attribute__((warn_unused_result));
/** measure_final() - MRENCLAVE; the measurement is reset. */
int measure_final(struct measure *m, uint8_t mrenclave[32]) __attribute__((warn_unused_result));
void measure_destroy(struct measure *m);

#endif /* SGXEMU_HW_MEASURE_H */
