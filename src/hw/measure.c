/* SPDX-License-Identifier: MIT */
/*
 * MRENCLAVE (SDM 39.1.3, "Enclave Measurement"): ECREATE, EADD and EEXTEND
 * each feed one 64-byte record into a single SHA-256; EEXTEND follows its
 * record with the 256 bytes it measures. Numbers in the records are little
 * endian and packed; everything after the fields is zero.
 */
#include <string.h>

#include "measure.h"
#include "sgx_arch.h"

#define MEASURE_RECORD_LEN 64

/* The record tags, the leaf names in ASCII read as little-endian u64s. */
#define MEASURE_TAG_ECREATE 0x0045544145524345ull       /* "ECREATE\0" */
#define MEASURE_TAG_EADD    0x0000000044444145ull       /* "EADD\0\0\0\0" */
#define MEASURE_TAG_EEXTEND 0x00444E4554584545ull       /* "EEXTEND\0" */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int measure_init(struct measure *m)
{
	return crypto_sha256_new(&m->sha);
}

int measure_ecreate(struct measure *m, uint32_t ssa_frame_size, uint64_t size)
{
	uint8_t rec[MEASURE_RECORD_LEN] = { 0 };

	put_le64(rec, MEASURE_TAG_ECREATE);
	put_le32(rec + 8, ssa_frame_size);
	put_le64(rec + 12, size);
	return crypto_sha256_update(m->sha, rec, sizeof(rec));
}

int measure_eadd(struct measure *m, uint64_t offset, uint64_t secinfo_flags)
{
	uint8_t rec[MEASURE_RECORD_LEN] = { 0 };

	/* Bytes 16..63 are SECINFO[0..48): FLAGS, then its reserved zeros. */
	put_le64(rec, MEASURE_TAG_EADD);
	put_le64(rec + 8, offset);
	put_le64(rec + 16, secinfo_flags);
	return crypto_sha256_update(m->sha, rec, sizeof(rec));
}

int measure_eextend(struct measure *m, uint64_t offset, const void *chunk)
{
	/* Record and chunk in one update: half the calls into the digest. */
	uint8_t rec[MEASURE_RECORD_LEN + MEASURE_EEXTEND_CHUNK];

	memset(rec, 0, MEASURE_RECORD_LEN);
	put_le64(rec, MEASURE_TAG_EEXTEND);
	put_le64(rec + 8, offset);
	memcpy(rec + MEASURE_RECORD_LEN, chunk, MEASURE_EEXTEND_CHUNK);
	return crypto_sha256_update(m->sha, rec, sizeof(rec));
}

int measure_page(struct measure *m, uint64_t offset, uint64_t secinfo_flags,
		 const void *page, int measured)
{
	const uint8_t *p = page;
	int ret;

	ret = measure_eadd(m, offset, secinfo_flags);
	if (ret || !measured)
		return ret;
	for (uint64_t i = 0; i < SGX_PAGE_SIZE; i += MEASURE_EEXTEND_CHUNK) {
		ret = measure_eextend(m, offset + i, p + i);
		if (ret)
			return ret;
	}
	return 0;
}

int measure_final(struct measure *m, uint8_t mrenclave[32])
{
	return crypto_sha256_final(m->sha, mrenclave);
}

void measure_destroy(struct measure *m)
{
	crypto_sha256_free(m->sha);
	m->sha = NULL;
}
