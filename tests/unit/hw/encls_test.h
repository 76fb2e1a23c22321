/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the ENCLS leaf tests (test_encls_build.c,
 * test_encls_debug.c, test_encls_sgx2.c), on top of hw_test_util.h.
 * White box: they include hw_internal.h to hold page locks (concurrency
 * conflicts) and to set up EPCM states no leaf of theirs produces.
 */
#ifndef SGXEMU_TESTS_ENCLS_TEST_H
#define SGXEMU_TESTS_ENCLS_TEST_H

#include <string.h>

#include "hw_internal.h"
#include "hw_test_util.h"

#define ROWS(a) (sizeof(a) / sizeof((a)[0]))
#define SECINFO_RW  (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)
#define SECINFO_RX  (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X)

static inline uint64_t a64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* EPCM entry of the EPC page @epc. */
static inline struct hw_epcm_info epcm_of(struct hwt *t, const void *epc)
{
	struct hw_epcm_info info;

	assert_int_equal(hw_epcm_read(t->hw, hwt_epc_index(t, epc), &info), 0);
	return info;
}

/* Field by field: struct hw_epcm_info has padding, memcmp() would read it. */
static inline bool epcm_equal(const struct hw_epcm_info *a, const struct hw_epcm_info *b)
{
	return a->valid == b->valid && a->blocked == b->blocked &&
	       a->page_type == b->page_type && a->perm == b->perm &&
	       a->pending == b->pending && a->modified == b->modified && a->pr == b->pr &&
	       a->linaddr == b->linaddr && a->secs_index == b->secs_index;
}

/* Raw EPCM entry, to fake states (what EACCEPT or EPA would leave). */
static inline struct epcm_entry *epcm_raw(struct hwt *t, const void *epc)
{
	return &t->hw->epcm[hwt_epc_index(t, epc)];
}

static inline bool page_is_zero(const void *p)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < SGX_PAGE_SIZE; i++)
		if (b[i])
			return false;
	return true;
}

static inline uint64_t nr_enclaves(struct hwt *t)
{
	struct hw_stats st;

	hw_stats_read(t->hw, &st);
	return st.enclaves;
}

/* Point the LEPUBKEYHASH MSRs at the signer of @sig. */
static inline void le_hash_for(struct hwt *t, const struct sgx_sigstruct *sig)
{
	uint8_t h[32];
	unsigned int i;

	assert_int_equal(crypto_sha256(sig->modulus, sizeof(sig->modulus), h), 0);
	for (i = 0; i < 4; i++) {
		uint64_t v;

		memcpy(&v, h + 8 * i, 8);
		assert_int_equal(hw_wrmsr(t->hw, MSR_IA32_SGXLEPUBKEYHASH0 + i, v), 0);
	}
}

/*
 * Evaluate the leaf call @call while the page lock of EPC page @locked is
 * held (another leaf working on it); no lock when @locked is NULL.
 */
#define WITH_LOCK(t, locked, call)                                               \
	({                                                                       \
		const void *l_ = (locked);                                       \
		uint64_t i_ = l_ ? hwt_epc_index((t), l_) : 0;                   \
		unsigned int r_;                                                 \
		if (l_)                                                          \
			assert_true(epc_trylock((t)->hw, i_));                   \
		r_ = (call);                                                     \
		if (l_)                                                          \
			epc_unlock((t)->hw, i_);                                 \
		r_;                                                              \
	})

#endif /* SGXEMU_TESTS_ENCLS_TEST_H */
