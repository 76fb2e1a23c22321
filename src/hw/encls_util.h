/* SPDX-License-Identifier: MIT */
/*
 * Small checks shared by the ENCLS leaf files (encls_build.c,
 * encls_debug.c, encls_sgx2.c): SECINFO reserved fields, the enclave
 * bookkeeping of a child page, the enclave's INIT state.
 * Private to hw/.
 */
#ifndef SGXEMU_HW_ENCLS_UTIL_H
#define SGXEMU_HW_ENCLS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw_internal.h"

/*
 * secinfo_reserved_clear() - SDM "SCRATCH_SECINFO reserved fields are not
 * zero": every FLAGS bit that is neither R/W/X, a state bit nor the page
 * type, and bytes 8..63.
 */
static inline bool secinfo_reserved_clear(const struct sgx_secinfo *s)
{
	unsigned int i;

	if (s->flags & SGX_SECINFO_RESERVED_MASK)
		return false;
	for (i = 0; i < sizeof(s->reserved_0x08); i++)
		if (s->reserved_0x08[i])
			return false;
	return true;
}

/* all_zero() - true if the @len bytes at @p are all zero. */
static inline bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * child_encl() - bookkeeping of the enclave owning the valid REG/TCS/TRIM
 * page @index (SDM GET_SECS_ADDRESS). A resident child always has a
 * resident SECS: EWB refuses a SECS with children, ELDU of a child needs
 * its SECS. Anything else is an sgxemu bug.
 * Context: the page lock of @index is held, which keeps the child valid
 * and hence its SECS alive (EREMOVE of the SECS sees SGX_CHILD_PRESENT).
 */
static inline struct hw_encl *child_encl(const struct hw_platform *hw, uint64_t index)
{
	uint64_t secs = hw->epcm[index].secs;
	struct hw_encl *e;

	SGXEMU_BUG_ON(secs >= hw->nr_pages);
	SGXEMU_BUG_ON(!epcm_valid(hw, secs) || hw->epcm[secs].page_type != SGX_PT_SECS);
	e = secs_encl(hw, secs);
	SGXEMU_BUG_ON(!e);
	return e;
}

/* encl_initialized() - SECS.ATTRIBUTES.INIT, read under the enclave lock. */
static inline bool encl_initialized(struct hw_encl *e)
{
	bool init;

	pthread_mutex_lock(&e->lock);
	init = e->initialized;
	pthread_mutex_unlock(&e->lock);
	return init;
}

#endif /* SGXEMU_HW_ENCLS_UTIL_H */
